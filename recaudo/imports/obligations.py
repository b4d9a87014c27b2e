"""Obligations import, one chunk at a time.

New obligations are inserted in bulk (raw SQL) with their principal charge entry and their cached balance set
directly (= amount, status open). Existing ones (same number in the portfolio) are compared field by field:
unchanged rows write nothing; a changed amount posts an adjustment entry for the difference (value date = issue
date; the principal may not go below what was already paid); other changed fields are updated in place. Every
update is audited (obligation.updated). Debtor summaries are refreshed set-based for the debtors touched.
"""

from __future__ import annotations

from recaudo.audit.services import audit_record, diff
from recaudo.core.money import from_minor
from recaudo.ledger.models import Component, Entry, EntryKind
from recaudo.ledger.services import component_balances, refresh_portfolio_debtors, refresh_summaries
from recaudo.portfolio.models import Obligation

from .bulk import analyze, date_adapter, db_datetime, ids_by_key, insert_rows
from .context import Context
from .debtors import DebtorData, DebtorValidator, upsert_debtors
from .fields import FieldError, parse_amount, parse_currency, parse_date, parse_kind, text

OBLIGATION_COLUMNS = ("portfolio_id", "debtor_id", "number", "kind", "issue_date", "due_date", "original_minor",
                      "currency", "description", "external_ref", "disputed", "dispute_reason", "balance_minor",
                      "status", "created_at", "updated_at")
ENTRY_COLUMNS = ("portfolio_id", "debtor_id", "obligation_id", "kind", "component", "amount_minor", "value_date",
                 "created_at", "payment_id", "reverses_id", "memo", "created_by_id")
COMPARED = ("kind", "issue_date", "due_date", "original_minor", "description")


class ObligationImporter:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.debtors = DebtorValidator(ctx, prefix="debtor_")
        self.has_debtor_data = "debtor_name" in ctx.columns
        self.inserted = 0
        self.touched_debtors: set[int] = set()
        self.analyzed_at = 1000
        # values are padded to width; a field absent from the file reads the always-empty last cell
        self.width = len(ctx.headers) + 1
        col = {f: ctx.columns.get(f, self.width - 1) for f in ("number", "kind", "issue_date", "due_date", "amount",
                                                               "currency", "description")}
        self.i_number, self.i_issue, self.i_due = col["number"], col["issue_date"], col["due_date"]
        self.i_description = col["description"]
        self.parsers = [("kind", col["kind"], parse_kind, False), ("issue_date", col["issue_date"], self._date, True),
                        ("due_date", col["due_date"], self._date, True), ("amount", col["amount"], self._amount, True),
                        ("currency", col["currency"], self._currency, False)]

    def parse(self, row: int, values: list):
        ctx = self.ctx
        if len(values) < self.width:
            values = values + [""] * (self.width - len(values))
        ok = True
        number = values[self.i_number]
        number = number.strip() if type(number) is str else text(number)
        if not number:
            ctx.reject(row, "number", "", "required")
            ok = False
        elif len(number) > 64:
            ctx.reject(row, "number", number, "longer than 64 characters")
            ok = False
        else:
            key = hash(number)
            first = ctx.seen.get(key)
            if first is not None:
                ctx.reject(row, "number", number, f"duplicate obligation number (also on row {first})")
                ctx.note(first, "number", number, f"duplicate obligation number (also on row {row})")
                ok = False
            else:
                ctx.seen[key] = row
        debtor = self.debtors.validate(row, values)
        ok = ok and debtor is not None
        parsed = []
        for name, index, parser, required in self.parsers:
            value = values[index]
            try:
                parsed.append(parser(value))
            except FieldError as exc:
                if required and text(value) == "":
                    ctx.reject(row, name, "", "required")
                else:
                    ctx.reject(row, name, value, str(exc))
                ok = False
                parsed.append(None)
        kind, issue, due, amount, _ = parsed
        if issue is not None and due is not None and due < issue:
            ctx.reject(row, "due_date", values[self.i_due],
                       f"due date is before the issue date ({text(values[self.i_issue])})")
            ok = False
        if not ok:
            return None
        description = values[self.i_description]
        description = (description.strip() if type(description) is str else text(description))[:500]
        return (row, number, debtor, kind, issue, due, amount, description)

    def _date(self, value):
        return parse_date(value, self.ctx.date_format)

    def _amount(self, value):
        return parse_amount(value, self.ctx.decimal, self.ctx.currency)

    def _currency(self, value):
        return parse_currency(value, self.ctx.currency)

    def process(self, chunk: list[tuple[int, list]]) -> None:
        ctx = self.ctx
        parsed = [p for p in (self.parse(row, values) for row, values in chunk) if p is not None]
        if not parsed:
            return
        wanted: dict[str, DebtorData] = {}
        for p in parsed:
            wanted[p[2].code] = p[2]
        debtor_ids = upsert_debtors(ctx, wanted)
        rows = []
        for p in parsed:
            if p[2].code not in debtor_ids:
                reason = (f"unknown debtor {p[2].code!r}: not in the portfolio"
                          + (" and the row has no debtor name to create it" if self.has_debtor_data
                             else " (add debtor_name and the other customer columns to create it)"))
                ctx.reject(p[0], "debtor_code", p[2].code, reason)
            else:
                rows.append(p)
        existing = {
            r[0]: r for r in Obligation.objects.filter(portfolio=ctx.portfolio, number__in=[p[1] for p in rows])
            .values_list("number", "id", "debtor_id", "kind", "issue_date", "due_date", "original_minor",
                         "description").order_by()
        }
        new = [p for p in rows if p[1] not in existing]
        touched_debtors = {debtor_ids[p[2].code][0] for p in new}
        touched_debtors |= self._update_existing([p for p in rows if p[1] in existing], existing, debtor_ids)
        if new:
            self._insert(new, debtor_ids)
        self.touched_debtors |= touched_debtors

    def finish(self) -> None:
        """Debtor summaries once at the end (a debtor's invoices may span several chunks)."""
        touched = list(self.touched_debtors)
        if len(touched) > 20000:
            refresh_portfolio_debtors(self.ctx.portfolio.pk)
            return
        for start in range(0, len(touched), 5000):
            refresh_summaries(debtor_ids=touched[start:start + 5000])

    def _insert(self, new, debtor_ids) -> None:
        ctx = self.ctx
        pid, cur, now = ctx.portfolio.pk, ctx.currency, db_datetime(ctx.now)
        db_date = date_adapter()
        insert_rows(Obligation._meta.db_table, OBLIGATION_COLUMNS, [
            (pid, debtor_ids[p[2].code][0], p[1], p[3], db_date(p[4]), db_date(p[5]), p[6], cur, p[7], "", False, "",
             p[6], "open", now, now)
            for p in new
        ])
        ids = ids_by_key(Obligation._meta.db_table, "number", pid, [p[1] for p in new])
        user = ctx.actor_user.pk if ctx.actor_user else None
        insert_rows(Entry._meta.db_table, ENTRY_COLUMNS, [
            (pid, debtor_ids[p[2].code][0], ids[p[1]], EntryKind.CHARGE.value, Component.PRINCIPAL.value, p[6],
             db_date(p[4]), now, None, None, p[7][:300], user)
            for p in new
        ])
        ctx.created += len(new)
        self.inserted += len(new)
        if self.inserted >= self.analyzed_at * 2:
            self.analyzed_at = self.inserted
            analyze(Obligation._meta.db_table, Entry._meta.db_table, "portfolio_debtor", "portfolio_contact")

    def _update_existing(self, rows, existing, debtor_ids) -> set[int]:
        ctx = self.ctx
        changed = []
        for p in rows:
            old_row = existing[p[1]]
            if old_row[2] != debtor_ids[p[2].code][0]:
                ctx.reject(p[0], "debtor_code", p[2].code,
                           f"obligation {p[1]} belongs to another debtor; it cannot be moved by an import")
                continue
            old = dict(zip(COMPARED, old_row[3:], strict=True))
            new = {"kind": p[3], "issue_date": p[4], "due_date": p[5], "original_minor": p[6], "description": p[7]}
            changes = {k: v for k, v in new.items() if old[k] != v}
            if not changes:
                ctx.unchanged += 1
                continue
            changed.append((p, old_row, old, changes))
        if not changed:
            return set()
        amounts = [c for c in changed if "original_minor" in c[3]]
        balances = component_balances([c[1][1] for c in amounts]) if amounts else {}
        touched = set()
        user = ctx.actor_user
        for p, old_row, old, changes in changed:
            ob_id = old_row[1]
            if "original_minor" in changes:
                delta = changes["original_minor"] - old["original_minor"]
                principal = balances.get(ob_id, {}).get(Component.PRINCIPAL, 0)
                if principal + delta < 0:
                    paid = old["original_minor"] - principal
                    ctx.reject(p[0], "amount", from_minor(p[6], ctx.currency),
                               f"the new amount is below what was already paid "
                               f"({from_minor(paid, ctx.currency)})")
                    continue
            Obligation.objects.filter(pk=ob_id).update(**changes, updated_at=ctx.now)
            obligation = Obligation.objects.select_related("debtor").get(pk=ob_id)
            if "original_minor" in changes:
                Entry.objects.create(
                    portfolio_id=ctx.portfolio.pk, debtor_id=old_row[2], obligation_id=ob_id,
                    kind=EntryKind.ADJUSTMENT, component=Component.PRINCIPAL, amount_minor=delta,
                    value_date=p[4], created_at=ctx.now, memo="import: amount changed", created_by=user,
                )
            shown = {**old, "original_minor": from_minor(old["original_minor"], ctx.currency)}
            new_shown = {**changes}
            if "original_minor" in changes:
                new_shown["original_minor"] = from_minor(changes["original_minor"], ctx.currency)
            audit_record(event_type="obligation.updated", subject=obligation, actor=ctx.actor,
                         debtor=obligation.debtor, changes={**diff(shown, new_shown), "source": "import"})
            refresh_summaries(obligation_ids=[ob_id], debtor_ids=[])
            touched.add(old_row[2])
            ctx.updated += 1
        return touched
