"""Payment prediction and risk, the writes: training a portfolio's model (stored signed in the database, never in
a file: processes are stateless), scoring every open obligation and writing each debtor's risk score, category
and reasons into strategies' DebtorStrategyState (where segment conditions and the priority read them), and
setting a debtor's credit limit. Set-based: one bulk insert of the obligations' scores, one upsert of the
debtors'."""

from __future__ import annotations

import json
from datetime import date, datetime

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.audit.services import audit_record
from recaudo.core.amounts import MAX_MINOR
from recaudo.core.bulk import insert_rows
from recaudo.portfolio.models import Debtor, Portfolio
from recaudo.strategies.models import DebtorStrategyState

from . import risk_rules as rr
from .models import DebtorCredit, ObligationRisk, RiskModel
from .risk_selectors import (
    LATE_DAYS,
    Book,
    RiskError,
    dump,
    fit,
    fitted_from,
    latest_model,
    library_version,
    load_book,
    sign,
)


@transaction.atomic
def risk_train(*, portfolio: Portfolio, actor, known_on: date | None = None, late_days: int = LATE_DAYS,
               now: datetime | None = None, book: Book | None = None) -> RiskModel:
    """Fit the portfolio's model on what was known before `known_on` (default: today in the portfolio) and store
    it as the next version: a learned model, or the rule-based score when the history is too short (said in
    its metrics' "note")."""
    now = now or timezone.now()
    today = portfolio.today(now)
    known_on = known_on or today
    if known_on > today:
        raise RiskError(_("The training date cannot be after today (%(today)s).") % {"today": today}, field="split")
    fitted = fit(book if book is not None else load_book(portfolio), known_on, late_days)
    blob = dump(fitted.estimators) if fitted.estimators is not None else None
    last = latest_model(portfolio)
    row = RiskModel.objects.create(
        portfolio=portfolio, version=(last.version + 1) if last else 1, kind=fitted.kind, trained_at=now,
        known_on=known_on, window_from=fitted.window[0], window_to=fitted.window[1], late_days=late_days,
        rows=fitted.rows, features=list(rr.FEATURES),
        metrics={**fitted.metrics, "default_days_late": fitted.default_days_late, "note": fitted.note},
        library=library_version(), estimator=blob, signature=sign(blob) if blob else "")
    audit_record(event_type="analytics.risk_trained", subject=portfolio, actor=actor, portfolio=portfolio,
                 changes={"version": row.version, "kind": row.kind, "rows": row.rows,
                          "known_on": known_on.isoformat(), "auc": fitted.metrics.get("auc")}, at=now)
    return row


@transaction.atomic
def risk_score(*, portfolio: Portfolio, actor, now: datetime | None = None, book: Book | None = None) -> dict:
    """Score every open obligation of the portfolio with its latest model (RiskError when it has none) and write
    each debtor's risk: the balance-weighted mean probability of their open obligations, in whole percent
    (risk_score), its category A-D and its top reasons. Debtors without open obligations lose their risk."""
    now = now or timezone.now()
    row = latest_model(portfolio)
    if row is None:
        raise RiskError(_("The portfolio has no risk model yet: run recaudo risk train first."), field="portfolio")
    fitted = fitted_from(row)
    today = portfolio.today(now)
    book = book if book is not None else load_book(portfolio)
    idx = np.flatnonzero(book.open & (book.balance > 0))
    x, p = book.features(idx, fitted.late_days)
    probability, days = fitted.predict(x, p, book.disputed[idx], book.due[idx] - book.issue[idx])
    day = connection.ops.adapt_datefield_value(today)
    ObligationRisk.objects.filter(portfolio=portfolio).delete()
    insert_rows(ObligationRisk._meta.db_table,
                ("obligation_id", "portfolio_id", "late_probability", "expected_days", "model_version", "scored_on"),
                zip(book.id[idx].tolist(), [portfolio.pk] * len(idx), np.round(probability, 6).tolist(),
                    np.rint(days).astype(np.int64).tolist(), [row.version] * len(idx), [day] * len(idx),
                    strict=True))
    debtors = _debtor_risk(book, idx, probability, today, rules_only=row.kind == RiskModel.Kind.RULES)
    _write_debtors(portfolio, debtors, day)
    counts = {c: 0 for c in rr.CATEGORIES}
    for _d, (_score, cat, _why) in debtors.items():
        counts[cat] += 1
    result = {"version": row.version, "kind": row.kind, "obligations": int(len(idx)), "debtors": len(debtors),
              "categories": counts, "scored_on": today.isoformat()}
    audit_record(event_type="analytics.risk_scored", subject=portfolio, actor=actor, portfolio=portfolio,
                 changes=result, at=now)
    return result


def _debtor_risk(book: Book, idx: np.ndarray, probability: np.ndarray, today: date,
                 rules_only: bool) -> dict[int, tuple]:
    if not len(idx):
        return {}
    ids, inverse = np.unique(book.debtor[idx], return_inverse=True)
    weight = book.balance[idx].astype(float)
    total = np.bincount(inverse, weights=weight)
    mean = np.divide(np.bincount(inverse, weights=weight * probability), total,
                     out=np.bincount(inverse, weights=probability) / np.bincount(inverse), where=total > 0)
    disputed = np.bincount(inverse, weights=book.disputed[idx].astype(float)) > 0
    now_prior = rr.prior(book.history, ids, np.full(len(ids), today.toordinal()), LATE_DAYS)
    avg_late = now_prior.avg_days_late
    recent = rr.recent_late(book.debtor, book.due, np.where(book.settled < today.toordinal(), book.settled, -1))
    cats = rr.categories(mean)
    out = {}
    for i, debtor in enumerate(ids.tolist()):
        why = rr.reasons(recent=recent.get(debtor), settled=int(now_prior.settled[i]), avg_days_late=float(avg_late[i]),
                         open_count=int(now_prior.open[i]), disputed=bool(disputed[i]), rules_only=rules_only)
        out[debtor] = (rr.risk_score(mean[i]), str(cats[i]), why)
    return out


_SCORED = "analytics_risk_scored"  # a temporary table: the debtors' new risk, written with one bulk insert


def _write_debtors(portfolio: Portfolio, debtors: dict, day) -> None:
    """Each scored debtor's risk on its DebtorStrategyState (the row made when missing), set-based: the new values
    go to a temporary table in one bulk insert (COPY on PostgreSQL), then one statement clears the risk of the
    portfolio's debtors no longer scored and one upserts the rest (each row written once: executemany's upsert
    of a row at a time cost most of the scoring's time on PostgreSQL)."""
    table = DebtorStrategyState._meta.db_table
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_SCORED}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_SCORED} (debtor_id bigint PRIMARY KEY, risk_score integer, "
                       f"risk_category varchar(1), risk_reasons {'jsonb' if pg else 'text'})")
    insert_rows(_SCORED, ("debtor_id", "risk_score", "risk_category", "risk_reasons"),
                ((d, score, cat, json.dumps(why)) for d, (score, cat, why) in debtors.items()))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET risk_score = NULL, risk_category = '', risk_reasons = NULL, risk_scored_on = NULL "
            f"WHERE portfolio_id = %s AND (risk_score IS NOT NULL OR risk_category <> '') AND NOT EXISTS "
            f"(SELECT 1 FROM {_SCORED} s WHERE s.debtor_id = {table}.debtor_id)", [portfolio.pk])
        cursor.execute(
            f"INSERT INTO {table} (debtor_id, portfolio_id, priority, priority_balance_minor, priority_days, "
            f"segment_name, stage, risk_score, risk_category, risk_reasons, risk_scored_on) "
            f"SELECT debtor_id, %s, 0, 0, 0, '', '', risk_score, risk_category, risk_reasons, %s FROM {_SCORED} "
            f"WHERE true ON CONFLICT (debtor_id) DO UPDATE SET risk_score = excluded.risk_score, "
            f"risk_category = excluded.risk_category, risk_reasons = excluded.risk_reasons, "
            f"risk_scored_on = excluded.risk_scored_on", [portfolio.pk, day])
        cursor.execute(f"DROP TABLE {_SCORED}")


@transaction.atomic
def credit_set(*, portfolio: Portfolio, debtor: Debtor, limit_minor: int, review_on: date, actor,
               now: datetime | None = None) -> DebtorCredit:
    """Set a debtor's credit limit and next review date, keeping today's risk category and exposure (the balance)
    for the monthly review list to compare with."""
    now = now or timezone.now()
    if debtor.portfolio_id != portfolio.pk:
        raise RiskError(_("The debtor is not in this portfolio."), field="debtor")
    if not isinstance(limit_minor, int) or limit_minor < 0 or limit_minor > MAX_MINOR:
        raise RiskError(_("The credit limit must be between 0 and %(max)s minor units.") % {"max": MAX_MINOR},
                        field="limit")
    today = portfolio.today(now)
    if review_on <= today:
        raise RiskError(_("The review date must be after today (%(today)s).") % {"today": today}, field="review")
    category_now = (DebtorStrategyState.objects.filter(debtor_id=debtor.pk).values_list("risk_category", flat=True)
                    .first()) or ""
    exposure = Debtor.objects.filter(pk=debtor.pk).values_list("balance_minor", flat=True).get()
    previous = DebtorCredit.objects.filter(debtor=debtor).first()
    credit, _created = DebtorCredit.objects.update_or_create(debtor=debtor, defaults={
        "portfolio": portfolio, "limit_minor": limit_minor, "review_on": review_on, "category_then": category_now,
        "exposure_then_minor": exposure, "set_by": str(actor)[:150], "set_at": now})
    audit_record(event_type="analytics.credit_limit_set", subject=debtor, actor=actor, portfolio=portfolio,
                 debtor=debtor, changes={"limit_minor": [previous.limit_minor if previous else None, limit_minor],
                                         "review_on": review_on.isoformat(), "category": category_now}, at=now)
    return credit
