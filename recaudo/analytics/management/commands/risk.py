"""recaudo risk train|score|backtest|review|limit --portfolio SLUG ...: payment prediction and credit policy."""

from __future__ import annotations

import io
import json

from django.core.management.base import BaseCommand, CommandError

from recaudo.analytics import risk_rules as rr
from recaudo.analytics.risk_selectors import backtest, credit_review
from recaudo.analytics.risk_services import credit_set, risk_score, risk_train
from recaudo.core.amounts import parse_minor
from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.portfolio.models import Debtor
from recaudo.reports.formatting import fmt_amount
from recaudo.reports.management.commands._common import date_or_error, portfolio_or_error


def _format(parser):
    parser.add_argument("--format", choices=("table", "json"), default="table")


class Command(BaseCommand):
    help = ("Payment prediction per portfolio: `train` fits the model on the portfolio's own history (a rule-based "
            "score when it is too short, and it says so), `score` writes every open obligation's probability of "
            "being paid late and each debtor's risk category A-D with its reasons, `backtest` trains on what was "
            "known before --split and prints AUC, Brier score, calibration by decile and the top decile's lift; "
            "`limit` sets a debtor's credit limit and review date, `review` lists the debtors whose risk or "
            "exposure changed since, with a suggested limit.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="fit the portfolio's model (stored in the database)")
        train.add_argument("--portfolio", required=True)
        train.add_argument("--split", help="use only what was known before this day YYYY-MM-DD (default: today)")
        _format(train)
        score = sub.add_parser("score", help="score every open obligation and each debtor with the latest model")
        score.add_argument("--portfolio", required=True)
        _format(score)
        back = sub.add_parser("backtest", help="train before --split, measure on what was issued from it")
        back.add_argument("--portfolio", required=True)
        back.add_argument("--split", required=True, help="YYYY-MM-DD")
        _format(back)
        review = sub.add_parser("review", help="the monthly credit review list")
        review.add_argument("--portfolio", required=True)
        _format(review)
        limit = sub.add_parser("limit", help="set a debtor's credit limit and next review date")
        limit.add_argument("--portfolio", required=True)
        limit.add_argument("--debtor", required=True, help="customer code")
        limit.add_argument("--limit", required=True, help="amount in the portfolio's currency, e.g. 5000000.00")
        limit.add_argument("--review", required=True, help="next review YYYY-MM-DD")

    def handle(self, *args, **options):
        portfolio = portfolio_or_error(options["portfolio"])
        action = options["action"]
        as_json = options.get("format") == "json"
        try:
            if action == "train":
                row = risk_train(portfolio=portfolio, actor="cli", known_on=date_or_error(options["split"], "--split"))
                out = {"version": row.version, "kind": row.kind, "rows": row.rows, "known_on": row.known_on.isoformat(),
                       "metrics": row.metrics}
                text = (f"{portfolio.slug}: model v{row.version} ({row.kind}), {row.rows} labelled obligations "
                        f"known before {row.known_on.isoformat()}"
                        + (f", AUC {row.metrics['auc']:.3f} on the calibration slice" if row.metrics.get("auc")
                           else "") + (f"\n{row.metrics['note']}" if row.metrics.get("note") else ""))
            elif action == "score":
                out = risk_score(portfolio=portfolio, actor="cli")
                cats = " ".join(f"{k}:{v}" for k, v in out["categories"].items())
                text = (f"{portfolio.slug}: {out['obligations']} open obligations and {out['debtors']} debtors scored "
                        f"with model v{out['version']} ({out['kind']}); categories {cats}")
            elif action == "backtest":
                split = date_or_error(options["split"], "--split")
                result = backtest(portfolio=portfolio, split=split)
                out, text = result.to_json(), render_backtest(result)
            elif action == "review":
                rows = credit_review(portfolio=portfolio)
                out = [{"debtor": r.code, "name": r.name, "category": r.category, "exposure_minor": r.exposure_minor,
                        "limit_minor": r.limit_minor, "suggested_minor": r.suggested_minor,
                        "reasons": [explain_review(x, portfolio.currency) for x in r.reasons]} for r in rows]
                text = render_review(rows, portfolio.currency)
            else:
                debtor = Debtor.objects.filter(portfolio=portfolio, code=options["debtor"]).first()
                if debtor is None:
                    raise CommandError(f"--debtor: no debtor {options['debtor']!r} in {portfolio.slug}")
                try:
                    amount = parse_minor(options["limit"], decimal=".", currency=portfolio.currency, allow_zero=True)
                except DomainError as exc:
                    raise command_error(exc, "limit")
                credit = credit_set(portfolio=portfolio, debtor=debtor, limit_minor=amount,
                                    review_on=date_or_error(options["review"], "--review"), actor="cli")
                out = {"debtor": debtor.code, "limit_minor": credit.limit_minor,
                       "review_on": credit.review_on.isoformat(), "category": credit.category_then}
                text = (f"{debtor.code}: limit {fmt_amount(credit.limit_minor, portfolio.currency)}, review on "
                        f"{credit.review_on.isoformat()}, category {credit.category_then or '-'}")
        except DomainError as exc:
            raise command_error(exc)
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2, default=str) if as_json else text)


def explain_review(reason: list, currency: str) -> str:
    code = reason[0]
    if code == "category":
        return f"category {reason[1]} -> {reason[2]}"
    if code == "exposure":
        return f"exposure {fmt_amount(reason[1], currency)} -> {fmt_amount(reason[2], currency)}"
    if code == "over_limit":
        return f"exposure {fmt_amount(reason[1], currency)} above the limit {fmt_amount(reason[2], currency)}"
    return "review date reached"


def render_backtest(result) -> str:
    from rich.console import Console
    from rich.table import Table

    def num(value, digits=3):
        return "-" if value is None else f"{value:.{digits}f}"

    buffer = io.StringIO()
    console = Console(file=buffer, width=120, color_system=None, force_terminal=False)
    console.print(f"{result.portfolio.slug} · backtest split {result.split.isoformat()} · {result.kind} · trained on "
                  f"{result.train_rows}, tested on {result.test_rows} · late share {num(result.late_share)}")
    if result.note:
        console.print(result.note)
    console.print(f"AUC {num(result.auc)} · Brier score {num(result.brier)} · top-decile lift {num(result.lift, 2)}")
    table = Table(title="calibration by decile (1 = highest predicted)")
    for name in ("decile", "obligations", "predicted", "observed"):
        table.add_column(name, justify="right")
    for d in result.deciles:
        table.add_row(str(d.decile), str(d.count), f"{d.predicted:.3f}", f"{d.observed:.3f}")
    console.print(table)
    return buffer.getvalue()


def render_review(rows, currency: str) -> str:
    if not rows:
        return "no debtor to review"
    lines = []
    for r in rows:
        lines.append(f"{r.code} {r.name} · category {r.category or '-'} · exposure "
                     f"{fmt_amount(r.exposure_minor, currency)} · limit {fmt_amount(r.limit_minor, currency)} · "
                     f"suggested {fmt_amount(r.suggested_minor, currency)} ({rr.LIMIT_MONTHS.get(r.category, 0)} "
                     f"months of billing) · " + "; ".join(explain_review(x, currency) for x in r.reasons))
    return "\n".join(lines)
