"""The ERP connectors' writes: saving a connector (secrets sealed), testing it, a sync run (pull through the import
engine), pushing payments back, and the scheduled runs the worker claims.

A sync run calls the ERP first (no transaction is open meanwhile), writes what it pulled as the import engine's
CSV files (customers -> debtors, open invoices -> obligations, payments -> payments; rules.import_rows) and imports
the three with `imports.services.import_file` inside ONE transaction: a rejected row in any of them rolls back all
three (nothing half-written) unless the connector imports the valid records (`skip_invalid`). Each import is an
`ImportJob` whose page is the run's validation report. Idempotent as a file import is: unchanged rows write nothing
and a payment's reference (rules.payment_reference) is never applied twice.

Pushing: each part of a Recaudo payment on an invoice the connector imported (not a payment that came from an ERP,
not reversed, recorded after pushing was turned on) is claimed as an `ErpPaymentPush` row (unique: connector,
payment, obligation) before the ERP is called, then marked recorded with the ERP's id; a retryable error leaves it
to the next run (failed after MAX_PUSH_ATTEMPTS), a permanent one marks it failed with the reason."""

from __future__ import annotations

import csv
import logging
import secrets
import tempfile
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from recaudo.audit.services import audit_record
from recaudo.core.errors import DomainError
from recaudo.core.money import from_minor
from recaudo.core.sealed import seal
from recaudo.imports.models import ImportJob
from recaudo.imports.services import ImportFileError, ImportOptions, import_file
from recaudo.ledger.models import Entry, EntryKind
from recaudo.portfolio.models import Obligation

from . import rules
from .adapters import REGISTRY
from .adapters.base import ErpError, ErpPermanent, ErpRetryable, PushRequest
from .models import ErpConnector, ErpInvoice, ErpPaymentPush, ErpSyncRun

log = logging.getLogger(__name__)
CLAIM_TIMEOUT = timedelta(hours=2)  # a claimed connector whose worker died is claimed again after this
BATCH = 5                           # connectors per worker tick
MAX_PUSH_ATTEMPTS = 5
MAX_PUSHES_PER_RUN = 500
MAX_DIFFERENCES_SHOWN = 20


class ConnectorError(DomainError):
    """A connector that cannot be saved or run; `field` names the form field."""


class _Rollback(Exception):
    pass


# --- saving and testing -------------------------------------------------------------------------------------------

def _adapter(kind: str):
    adapter = REGISTRY.get(kind)
    if adapter is None:
        raise ConnectorError(_("Unknown ERP %(kind)s; choose one of: %(kinds)s") % {
            "kind": kind, "kinds": ", ".join(sorted(REGISTRY))}, field="kind")
    return adapter


@transaction.atomic
def connector_save(*, portfolio, kind: str, name: str, values: dict, base_url: str = "", active: bool = True,
                   push_payments: bool = False, skip_invalid: bool = False, interval_minutes: int = 60,
                   connector: ErpConnector | None = None, actor=None, now: datetime | None = None) -> ErpConnector:
    """Create or change a connector: plain settings in config, the adapter's secret settings sealed (an empty
    secret keeps the saved one). Audit event erp.connector_saved (never a secret's value)."""
    now = now or timezone.now()
    adapter = _adapter(connector.kind if connector is not None else kind)
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ConnectorError(_("Give the connector a name."), field="name")
    base_url = (base_url or "").strip()
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in ("https", "http") or not parts.netloc or len(base_url) > 300:
            raise ConnectorError(_("The API address must be an https:// address (or empty for the ERP's own)."),
                                 field="base_url")
    try:
        interval = int(interval_minutes)
    except (TypeError, ValueError):
        interval = 0
    if not rules.MIN_INTERVAL_MINUTES <= interval <= rules.MAX_INTERVAL_MINUTES:
        raise ConnectorError(_("Sync every %(low)s to %(high)s minutes.") % {
            "low": rules.MIN_INTERVAL_MINUTES, "high": rules.MAX_INTERVAL_MINUTES}, field="interval_minutes")
    clash = ErpConnector.objects.filter(portfolio=portfolio, name__iexact=name)
    if connector is not None:
        clash = clash.exclude(pk=connector.pk)
    if clash.exists():
        raise ConnectorError(_("Another connector of this portfolio is called %(name)s.") % {"name": name},
                             field="name")
    old_secrets = connector.secret_values() if connector is not None else {}
    config, sealed = {}, {}
    for spec in adapter.config_fields:
        value = str(values.get(spec.key) or "").strip()[:500]
        if spec.secret:
            value = value or old_secrets.get(spec.key, "")
            if value:
                sealed[spec.key] = value
        elif value:
            config[spec.key] = value
        if spec.required and not value:
            raise ConnectorError(_("%(field)s is required.") % {"field": spec.label}, field=spec.key)
    if connector is None:
        connector = ErpConnector(portfolio=portfolio, kind=adapter.name, next_sync_at=now)
        event = "erp.connector_created"
        before = {}
    else:
        event = "erp.connector_updated"
        before = {"name": connector.name, "base_url": connector.base_url, "active": connector.active,
                  "push_payments": connector.push_payments, "interval_minutes": connector.interval_minutes,
                  "skip_invalid": connector.skip_invalid, "config": connector.config}
    if push_payments and not connector.push_payments:
        connector.push_from = now  # only payments recorded from now on are pushed
    connector.name, connector.base_url, connector.config = name, base_url, config
    connector.secrets_sealed = seal(sealed)
    connector.active, connector.push_payments, connector.skip_invalid = active, push_payments, skip_invalid
    connector.interval_minutes = interval
    if active and connector.next_sync_at is None:
        connector.next_sync_at = now
    connector.save()
    after = {"name": name, "base_url": base_url, "active": active, "push_payments": push_payments,
             "interval_minutes": interval, "skip_invalid": skip_invalid, "config": config}
    changes = {k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v}
    if set(sealed) != set(old_secrets) or any(old_secrets.get(k) != v for k, v in sealed.items()):
        changes["secrets"] = "changed"  # which changed is not said, the values never
    audit_record(event_type=event, subject=connector, actor=actor, portfolio=portfolio,
                 changes={"kind": connector.kind, **changes})
    return connector


def connector_test(*, connector: ErpConnector) -> str:
    """Call the ERP once with the connector's settings: what it answered, or ErpError with the reason."""
    adapter = _adapter(connector.kind)
    session = adapter.session(connector.full_config())
    session.retries = 0
    return adapter.check(session)


@transaction.atomic
def connector_run_soon(*, connector: ErpConnector, actor=None, now: datetime | None = None) -> ErpConnector:
    """"Run now": the connector becomes due at once; the worker's next tick runs it (never two at a time)."""
    now = now or timezone.now()
    if not connector.active:
        raise ConnectorError(_("The connector is inactive; activate it first."), field="active")
    ErpConnector.objects.filter(pk=connector.pk).update(next_sync_at=now, run_requested=True)
    audit_record(event_type="erp.run_requested", subject=connector, actor=actor, portfolio=connector.portfolio,
                 changes={"name": connector.name})
    connector.next_sync_at = now
    return connector


# --- a sync run ---------------------------------------------------------------------------------------------------

def _write_csv(path: Path, headers: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows([["" if v is None else str(v) for v in row] for row in rows])


def _new_job(connector, run, kind: str, actor_user) -> ImportJob:
    return ImportJob.objects.create(
        portfolio=connector.portfolio, kind=kind, filename=f"{connector.kind}-{kind}-{run.pk}.csv",
        options={"source": f"erp:{connector.pk}", "run": run.pk}, status=ImportJob.Status.RUNNING,
        created_by=actor_user, started_at=timezone.now())


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def connector_sync(*, connector: ErpConnector, trigger: str = ErpSyncRun.Trigger.COMMAND, actor=None,
                   full: bool = False, now: datetime | None = None) -> ErpSyncRun:
    """Pull from the ERP and import through the import engine. Never raises for the ERP's or the data's problems:
    they end the run as failed (ErpError) or rejected (rows), with the message on the run and the connector."""
    now = now or timezone.now()
    since = None if full else connector.synced_until
    adapter = _adapter(connector.kind)
    run = ErpSyncRun.objects.create(connector=connector, trigger=trigger, started_at=now, since=since,
                                    created_by=_user(actor))
    with translation.override(settings.LANGUAGE_CODE):
        try:
            pulled = adapter.pull(adapter.session(connector.full_config()), since=since)
        except ErpError as exc:
            return _finish(connector, run, ErpSyncRun.Status.FAILED, str(exc), retryable=exc.retryable, now=now)
        known = dict(ErpInvoice.objects.filter(connector=connector).values_list("external_id", "number"))
        pushed = set(ErpPaymentPush.objects.filter(connector=connector).exclude(external_id="")
                     .values_list("external_id", flat=True))
        rows = rules.import_rows(pulled, connector_id=connector.pk, label=adapter.label, known=known,
                                 pushed_ids=pushed)
        run.counts = {"requests": pulled.requests, "customers": len(rows.debtors),
                      "invoices": len(rows.obligations), "payments": len(rows.payments),
                      "payments_unknown_invoice": rows.payments_unknown_invoice,
                      "payments_pushed_here": rows.payments_pushed_here}
        return _import(connector, run, pulled, rows, actor, now)


def _import(connector, run, pulled, rows, actor, now) -> ErpSyncRun:
    user = _user(actor)
    jobs, results = {}, {}
    stages = [("debtors", rules.DEBTOR_HEADERS, rows.debtors),
              ("obligations", rules.OBLIGATION_HEADERS, rows.obligations),
              ("payments", rules.PAYMENT_HEADERS, rows.payments)]
    for kind, _headers, data in stages:
        if data:
            jobs[kind] = _new_job(connector, run, kind, user)
    run.debtors_job, run.obligations_job, run.payments_job = (jobs.get("debtors"), jobs.get("obligations"),
                                                             jobs.get("payments"))
    run.save(update_fields=["counts", "debtors_job", "obligations_job", "payments_job"])
    failed_kind, message = None, ""
    actor_label = actor if actor is not None else f"erp connector {connector.pk}"
    with tempfile.TemporaryDirectory(prefix="recaudo-erp-") as scratch:
        try:
            with transaction.atomic():
                for kind, headers, data in stages:
                    if kind not in jobs:
                        continue
                    path = Path(scratch) / jobs[kind].filename
                    _write_csv(path, headers, data)
                    options = ImportOptions(decimal="point", encoding="utf-8", filename=jobs[kind].filename,
                                            ui="web", skip_invalid=connector.skip_invalid,
                                            rejected_path=Path(scratch) / f"{kind}.rejected.csv")
                    try:
                        result = import_file(portfolio=connector.portfolio, kind=kind, path=path, options=options,
                                             actor=actor_label, job=jobs[kind])
                    except ImportFileError as exc:
                        results[kind] = {"error": str(exc)}
                        failed_kind, message = kind, str(exc)
                        raise _Rollback from None
                    results[kind] = result.to_dict()
                    results[kind]["rejected_path"] = None  # the scratch file goes away with the run
                    if not result.committed:
                        failed_kind = kind
                        raise _Rollback
                _remember_invoices(connector, pulled, now)
                audit_record(event_type="erp.synced", subject=connector, actor=actor_label,
                             portfolio=connector.portfolio, changes={"run": run.pk, **run.counts})
        except _Rollback:
            pass
    if failed_kind is None:
        run.counts["balance_differences"] = _differences(connector, pulled)
    for kind, job in jobs.items():
        result = results.get(kind)
        if result is None:  # never ran: an earlier stage was rejected
            job.status = ImportJob.Status.REJECTED
            job.message = _("not imported: the %(kind)s of the same run were rejected") % {"kind": failed_kind}
            job.result = {"error": job.message}
        elif "error" in result:
            job.status, job.message, job.result = ImportJob.Status.FAILED, result["error"], result
        else:
            if failed_kind is not None and result.get("committed"):
                result["committed"] = False
                result["message"] = _("rolled back: the %(kind)s of the same run were rejected") % {
                    "kind": failed_kind}
            job.result = result
            job.message = result.get("message", "")
            job.rows_done = job.rows_total = result.get("rows", 0)
            job.status = (ImportJob.Status.DONE if result.get("committed") else ImportJob.Status.REJECTED)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "message", "result", "rows_done", "rows_total", "finished_at"])
    if failed_kind is None:
        rejected = sum(int((results.get(k) or {}).get("rejected") or 0) for k in jobs)
        text = _("%(customers)s customers, %(invoices)s invoices, %(payments)s payments read") % run.counts
        if rejected:
            text += "; " + _("%(count)s invalid records left out (see the import reports)") % {"count": rejected}
        return _finish(connector, run, ErpSyncRun.Status.DONE, text, now=now)
    if message:
        return _finish(connector, run, ErpSyncRun.Status.FAILED, message, now=now)
    problems = _row_problems(results.get(failed_kind) or {}, rows.sources.get(failed_kind) or [])
    text = _("Nothing was imported: %(count)s invalid %(kind)s in the ERP (fix them there, or let the connector "
             "import the valid records). %(problems)s") % {
        "count": (results.get(failed_kind) or {}).get("rejected", 0), "kind": failed_kind, "problems": problems}
    return _finish(connector, run, ErpSyncRun.Status.REJECTED, text.strip(), now=now)


def _row_problems(result: dict, sources: list[str], limit: int = 5) -> str:
    """The first rejected rows, each named by the ERP record it came from (row 2 is the first record)."""
    parts = []
    for error in (result.get("errors") or [])[:limit]:
        row = int(error.get("row") or 0)
        source = sources[row - 2] if 2 <= row < len(sources) + 2 else f"row {row}"
        parts.append(f"{source}: {error.get('column')} “{error.get('value')}”: {error.get('reason')}")
    return "; ".join(parts)


def _remember_invoices(connector, pulled, now) -> None:
    """Upsert the pulled invoices' links (number, ERP id, what a pushed payment needs)."""
    existing = {i.number: i for i in ErpInvoice.objects.filter(
        connector=connector, number__in=[inv.number for inv in pulled.invoices])}
    new, changed = [], []
    for inv in pulled.invoices:
        row = existing.get(inv.number)
        if row is None:
            new.append(ErpInvoice(connector=connector, number=inv.number[:60], external_id=inv.external_id[:100],
                                  customer_code=str(inv.customer_id)[:60], push_ref=inv.push_ref,
                                  erp_balance=str(inv.balance)[:40], seen_at=now))
        else:
            row.external_id, row.push_ref, row.erp_balance, row.seen_at = (
                inv.external_id[:100], inv.push_ref, str(inv.balance)[:40], now)
            changed.append(row)
    ErpInvoice.objects.bulk_create(new, batch_size=1000)
    ErpInvoice.objects.bulk_update(changed, ["external_id", "push_ref", "erp_balance", "seen_at"], batch_size=1000)


def _differences(connector, pulled) -> list[dict]:
    """Invoices whose balance in Recaudo differs from the ERP's after the import (a payment the ERP recorded on
    the invoice itself, a credit note...): shown on the run, never written."""
    erp = {}
    for inv in pulled.invoices:
        try:
            erp[inv.number] = Decimal(str(inv.balance))
        except ArithmeticError:
            continue
    if not erp:
        return []
    out = []
    currency = connector.portfolio.currency
    for number, balance_minor in Obligation.objects.filter(
            portfolio=connector.portfolio, number__in=list(erp)).values_list("number", "balance_minor"):
        ours = from_minor(balance_minor, currency)
        if ours != erp[number]:
            out.append({"number": number, "erp": str(erp[number]), "recaudo": str(ours)})
            if len(out) >= MAX_DIFFERENCES_SHOWN:
                break
    return out


@transaction.atomic
def _finish(connector, run, status, message, *, retryable=False, now) -> ErpSyncRun:
    run.status, run.message, run.retryable = status, message[:4000], retryable
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "message", "retryable", "finished_at", "counts"])
    values = {"last_sync_at": now, "last_status": status, "last_error": "" if status == "done" else message[:4000]}
    if status == ErpSyncRun.Status.DONE:
        values.update(failures=0, synced_until=run.started_at)
    else:
        values["failures"] = connector.failures + 1
        audit_record(event_type="erp.sync_failed", subject=connector, actor="erp",
                     portfolio=connector.portfolio, changes={"run": run.pk, "status": status,
                                                             "message": message[:500]})
    ErpConnector.objects.filter(pk=connector.pk).update(**values)
    for key, value in values.items():
        setattr(connector, key, value)
    return run


# --- pushing payments back ------------------------------------------------------------------------------------------

def _push_candidates(connector) -> list[dict]:
    """(payment, obligation, amount) parts to record in the ERP: payments not from an ERP, not reversed, recorded
    since pushing was turned on, on invoices this connector imported, not yet pushed (or waiting for a retry)."""
    if connector.push_from is None:
        return []
    numbers = ErpInvoice.objects.filter(connector=connector).values("number")
    done = ErpPaymentPush.objects.filter(connector=connector).exclude(status=ErpPaymentPush.Status.RETRY)
    parts = (Entry.objects.filter(portfolio_id=connector.portfolio_id, kind=EntryKind.PAYMENT,
                                  payment__reversed_at__isnull=True, payment__created_at__gte=connector.push_from,
                                  obligation__number__in=numbers)
             .exclude(Q(payment__source_ref__startswith=rules.REFERENCE_PREFIX)
                      & Q(payment__source_ref__contains=":"))
             .values("payment_id", "obligation_id", "obligation__number", "payment__date", "payment__debtor__code")
             .annotate(total=Sum("amount_minor")).order_by("payment_id", "obligation_id"))
    pushed = set(done.values_list("payment_id", "obligation_id"))
    return [p for p in parts[: MAX_PUSHES_PER_RUN * 2]
            if (p["payment_id"], p["obligation_id"]) not in pushed and -p["total"] > 0][:MAX_PUSHES_PER_RUN]


def payments_push(*, connector: ErpConnector, trigger: str = ErpSyncRun.Trigger.COMMAND, actor=None,
                  now: datetime | None = None) -> ErpSyncRun:
    """Record in the ERP the payments it does not have yet (see the module's docstring). The run's counts:
    pushed, retry, failed."""
    now = now or timezone.now()
    adapter = _adapter(connector.kind)
    run = ErpSyncRun.objects.create(connector=connector, action=ErpSyncRun.Action.PUSH, trigger=trigger,
                                    started_at=now, created_by=_user(actor))
    counts = {"pushed": 0, "retry": 0, "failed": 0}
    if not connector.push_payments:
        run.counts = counts
        return _push_finish(run, ErpSyncRun.Status.FAILED, _("Pushing payments is turned off for this connector."))
    try:
        config = connector.full_config()
        session = adapter.session(config)
    except ErpError as exc:
        run.counts = counts
        return _push_finish(run, ErpSyncRun.Status.FAILED, str(exc))
    refs = dict(ErpInvoice.objects.filter(connector=connector).values_list("number", "push_ref"))
    currency = connector.portfolio.currency
    last_error = ""
    for part in _push_candidates(connector):
        push = _push_claim(connector, part)
        if push is None:
            continue
        amount = from_minor(push.amount_minor, currency)
        request = PushRequest(date=part["payment__date"].isoformat(), amount=f"{amount:.2f}",
                              invoice_ref=refs.get(part["obligation__number"]) or {},
                              customer_code=part["payment__debtor__code"] or "",
                              reference=f"payment {part['payment_id']}")
        try:
            external = adapter.push_payment(session, config, request)
        except ErpRetryable as exc:
            status = (ErpPaymentPush.Status.FAILED if push.attempts >= MAX_PUSH_ATTEMPTS
                      else ErpPaymentPush.Status.RETRY)
            _push_done(connector, push, status, error=str(exc))
            counts["retry" if status == ErpPaymentPush.Status.RETRY else "failed"] += 1
            last_error = str(exc)
            continue
        except ErpPermanent as exc:
            _push_done(connector, push, ErpPaymentPush.Status.FAILED, error=str(exc))
            counts["failed"] += 1
            last_error = str(exc)
            continue
        _push_done(connector, push, ErpPaymentPush.Status.PUSHED, external=external, actor=actor)
        counts["pushed"] += 1
    run.counts = counts
    status = ErpSyncRun.Status.DONE if not counts["failed"] and not counts["retry"] else ErpSyncRun.Status.FAILED
    text = _("%(pushed)s recorded in the ERP, %(retry)s to retry, %(failed)s failed") % counts
    return _push_finish(run, status, text + (f": {last_error}" if last_error else ""))


def _push_finish(run, status, message) -> ErpSyncRun:
    run.status, run.message, run.finished_at = status, message[:4000], timezone.now()
    run.save(update_fields=["status", "message", "finished_at", "counts"])
    return run


@transaction.atomic
def _push_claim(connector, part) -> ErpPaymentPush | None:
    """The push row of a part, claimed as sending (created, or a retry row taken); None when another process has
    it."""
    amount = -int(part["total"])
    push = ErpPaymentPush.objects.select_for_update().filter(
        connector=connector, payment_id=part["payment_id"], obligation_id=part["obligation_id"]).first()
    if push is None:
        try:
            with transaction.atomic():
                return ErpPaymentPush.objects.create(connector=connector, payment_id=part["payment_id"],
                                                     obligation_id=part["obligation_id"], amount_minor=amount,
                                                     status=ErpPaymentPush.Status.SENDING, attempts=1)
        except IntegrityError:  # another process (the worker, the command) claimed it first
            return None
    if push.status != ErpPaymentPush.Status.RETRY:
        return None
    push.status, push.attempts, push.amount_minor = ErpPaymentPush.Status.SENDING, push.attempts + 1, amount
    push.save(update_fields=["status", "attempts", "amount_minor", "updated_at"])
    return push


@transaction.atomic
def _push_done(connector, push, status, *, external="", error="", actor=None) -> None:
    push.status, push.external_id, push.last_error = status, external[:100], error[:2000]
    push.save(update_fields=["status", "external_id", "last_error", "updated_at"])
    if status == ErpPaymentPush.Status.PUSHED:
        audit_record(event_type="erp.payment_pushed", subject=connector, actor=actor or "erp",
                     portfolio=connector.portfolio,
                     changes={"payment": push.payment_id, "obligation": push.obligation_id,
                              "amount_minor": push.amount_minor, "external_id": external})


# --- the schedule -----------------------------------------------------------------------------------------------------

def _claim_due(now: datetime, worker_id: str) -> tuple[str, list[ErpConnector]]:
    token = secrets.token_hex(16)
    free = Q(claim_token__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    with transaction.atomic():
        ids = list(ErpConnector.objects.filter(free, active=True, next_sync_at__lte=now)
                   .order_by("next_sync_at").values_list("id", flat=True)[:BATCH])
        if ids:
            ErpConnector.objects.filter(free, id__in=ids).update(claim_token=token, claimed_at=now)
    return token, list(ErpConnector.objects.filter(claim_token=token).select_related("portfolio"))


def connectors_sync_due(*, now: datetime | None = None, worker_id: str = "worker") -> dict:
    """Run every connector that is due (a batch per call): pull, then push when it pushes; the next run is due
    after its interval (longer after failures, rules.next_due). Each connector is claimed atomically, so two
    workers never run the same one."""
    now = now or timezone.now()
    report = {"runs": 0, "failed": 0}
    token, connectors = _claim_due(now, worker_id)
    for connector in connectors:
        trigger = ErpSyncRun.Trigger.MANUAL if connector.run_requested else ErpSyncRun.Trigger.SCHEDULE
        try:
            run = connector_sync(connector=connector, trigger=trigger, actor="erp", now=now)
            if connector.push_payments and run.status == ErpSyncRun.Status.DONE:
                payments_push(connector=connector, trigger=trigger, actor="erp", now=now)
        except Exception as exc:  # one connector's bug must not stop the others; the claim is released below
            log.exception("ERP connector %s: run failed", connector.pk)
            ErpSyncRun.objects.filter(connector=connector, status=ErpSyncRun.Status.RUNNING).update(
                status=ErpSyncRun.Status.FAILED, finished_at=timezone.now(),
                message=f"internal error: {exc.__class__.__name__}: {exc}"[:4000])
            ErpConnector.objects.filter(pk=connector.pk).update(failures=connector.failures + 1,
                                                                last_status=ErpSyncRun.Status.FAILED)
            run = None
        connector.refresh_from_db(fields=["failures"])
        ErpConnector.objects.filter(pk=connector.pk, claim_token=token).update(
            claim_token=None, claimed_at=None, run_requested=False,
            next_sync_at=rules.next_due(now, connector.interval_minutes, connector.failures))
        report["runs"] += 1
        if run is None or run.status != ErpSyncRun.Status.DONE:
            report["failed"] += 1
    return report
