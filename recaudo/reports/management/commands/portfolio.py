"""`recaudo portfolio create|list|show`: create portfolios and look at them."""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q, Sum

from recaudo.core.errors import DomainError
from recaudo.core.money import format_amount, from_minor
from recaudo.core.options import command_error
from recaudo.portfolio.models import Portfolio
from recaudo.portfolio.services import portfolio_create
from recaudo.reports.selectors import aging_report


def _get(slug: str) -> Portfolio:
    try:
        return Portfolio.objects.get(slug=slug)
    except Portfolio.DoesNotExist:
        raise CommandError(f"no portfolio with slug {slug!r} (see `recaudo portfolio list`)")


def portfolio_summary(portfolio: Portfolio) -> dict:
    """Counts, total balance and aging buckets as of the portfolio's today (from the cached balances)."""
    debtors = portfolio.debtors.aggregate(
        total=Count("pk"), with_balance=Count("pk", filter=Q(balance_minor__gt=0)), balance=Sum("balance_minor"),
    )
    obligations = portfolio.obligations.aggregate(total=Count("pk"), open=Count("pk", filter=Q(balance_minor__gt=0)))
    as_of = portfolio.today()
    report = aging_report(portfolio=portfolio, as_of=as_of, by="portfolio")
    money = lambda minor: str(from_minor(minor, portfolio.currency))  # noqa: E731
    return {
        "slug": portfolio.slug,
        "name": portfolio.name,
        "creditor": portfolio.creditor,
        "country": portfolio.country,
        "currency": portfolio.currency,
        "money_exponent": portfolio.money_exponent,
        "timezone": portfolio.timezone,
        "as_of": as_of.isoformat(),
        "debtors": debtors["total"],
        "debtors_with_balance": debtors["with_balance"],
        "obligations": obligations["total"],
        "open_obligations": obligations["open"],
        "balance": money(debtors["balance"] or 0),
        "buckets": [
            {"label": t.bucket.label, "min_days": t.bucket.min_days, "max_days": t.bucket.max_days,
             "amount": money(t.amount_minor), "count": t.count}
            for t in report.totals
        ],
    }


class Command(BaseCommand):
    help = "Create, list and show portfolios (a creditor's book of debtors and obligations)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,show}")
        create = sub.add_parser("create", help="create a portfolio",
                                description="Create a portfolio. Example: recaudo portfolio create pyme "
                                "--name 'Distribuciones Andinas S.A.S.' --country CO --currency COP "
                                "--tz America/Bogota")
        create.add_argument("slug", help="short name used in URLs and commands: lower-case letters, digits, -")
        create.add_argument("--name", required=True, metavar="NAME", help="display name")
        create.add_argument("--country", required=True, metavar="CC", help="ISO 3166 alpha-2 code (CO, PE, MX, CL...)")
        create.add_argument("--currency", required=True, metavar="CUR",
                            help="ISO 4217 code (COP, PEN, MXN, CLP, USD...)")
        create.add_argument("--tz", default=None, metavar="ZONE",
                            help="IANA time zone (default: the country's capital, e.g. America/Bogota)")
        create.add_argument("--creditor", default="", metavar="NAME",
                            help="the creditor's legal name, if not the portfolio's")
        for name, text in (("list", "list portfolios"), ("show", "counts, balance and aging of a portfolio")):
            p = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
            if name == "show":
                p.add_argument("slug")
            p.add_argument("--format", choices=("table", "json"), default="table")

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _create(self, *, slug, name, country, currency, tz, creditor, **_):
        try:
            portfolio = portfolio_create(slug=slug, name=name, country=country, currency=currency, tz=tz,
                                         creditor=creditor, actor="cli")
        except DomainError as exc:
            raise command_error(exc)
        self.stdout.write(f"created portfolio {portfolio.slug}: {portfolio.name} ({portfolio.country}, "
                          f"{portfolio.currency}, {portfolio.timezone})")

    def _list(self, *, format, **_):
        rows = list(
            Portfolio.objects.annotate(n_debtors=Count("debtors", distinct=True))
            .order_by("slug").values("slug", "name", "country", "currency", "timezone", "n_debtors")
        )
        if format == "json":
            self.stdout.write(json.dumps(
                [{**{k: v for k, v in r.items() if k != "n_debtors"}, "debtors": r["n_debtors"]} for r in rows],
                ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write("no portfolios yet: recaudo portfolio create SLUG --name NAME --country CO "
                              "--currency COP")
            return
        table = [("SLUG", "NAME", "COUNTRY", "CURRENCY", "TIME ZONE", "DEBTORS")]
        table += [(r["slug"], r["name"], r["country"], r["currency"], r["timezone"], str(r["n_debtors"]))
                  for r in rows]
        self._table(table, right={5})

    def _show(self, *, slug, format, **_):
        summary = portfolio_summary(_get(slug))
        if format == "json":
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        cur = summary["currency"]

        def amount(text):
            return format_amount(Decimal(text), currency=cur)

        self.stdout.write(f"{summary['name']} ({summary['slug']})")
        if summary["creditor"]:
            self.stdout.write(f"  creditor:     {summary['creditor']}")
        self.stdout.write(f"  country:      {summary['country']}  currency: {cur} (stored with "
                          f"{summary['money_exponent']} decimals)  time zone: {summary['timezone']}")
        self.stdout.write(f"  debtors:      {summary['debtors']:,} ({summary['debtors_with_balance']:,} with balance)")
        self.stdout.write(f"  obligations:  {summary['obligations']:,} ({summary['open_obligations']:,} open)")
        self.stdout.write(f"  balance:      {cur} {amount(summary['balance'])}")
        self.stdout.write(f"\nAging as of {summary['as_of']} (days past due):")
        table = [("BUCKET", "OBLIGATIONS", f"AMOUNT ({cur})")]
        table += [(b["label"], f"{b['count']:,}", amount(b["amount"])) for b in summary["buckets"]]
        self._table(table, right={1, 2})

    def _table(self, rows, right=frozenset()):
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
            self.stdout.write("  ".join(cells).rstrip())

