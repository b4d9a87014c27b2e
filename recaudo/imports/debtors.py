"""Debtor rows: validation (each distinct debtor once, bounded cache) and per-chunk create/update with contacts.

Used by the debtors import and by the obligations import (flat files with customer columns, prefix "debtor_").
Validation reuses recaudo.portfolio.services.clean_debtor_fields and the contact normalizers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter

from recaudo.audit.services import audit_record, diff
from recaudo.core.bulk import insert_rows
from recaudo.portfolio.models import Contact, Debtor
from recaudo.portfolio.services import clean_debtor_fields, normalize_contact
from recaudo.portfolio.validation import ValidationProblem, search_text_for

from .bulk import db_date, db_datetime, fetch_by_keys, insert_returning_ids
from .fields import FieldError, parse_date, text
from .run_state import Context

CACHE_LIMIT = 20000
SIMPLE = ("name", "kind", "id_type", "id_number", "tags", "language")
CONTACT_FIELDS = (("phone", "phone"), ("email", "email"), ("whatsapp", "whatsapp"), ("address", "address"))


@dataclass
class DebtorData:
    code: str
    data: dict  # clean fields (only those given in the file)
    contacts: list[tuple[str, str, str]] = field(default_factory=list)  # (channel, value, city), no duplicates
    row: int = 0
    search: str | None = None  # search_text of the debtor when it is created from these values (precomputed)
    # a hash of the raw values validated (equal values, equal data; never 0 once validated): fastload compares it
    fingerprint: int = 0


class DebtorValidator:
    """Validates the debtor columns of a row; the same raw values are validated once (bounded cache)."""

    def __init__(self, ctx: Context, prefix: str = ""):
        self.ctx = ctx
        self.prefix = prefix
        names = ["code", "name", "kind", "id_type", "id_number", "phone", "email", "whatsapp", "address", "city",
                 "customer_since", "tags", "language"]
        self.present = [n for n in names if prefix + n in ctx.columns]
        # raw values -> (the DebtorData, or None when invalid; the errors as (field, value, reason))
        self.cache: dict[tuple, tuple[DebtorData | None, list]] = {}
        self.indexes = [ctx.columns[prefix + n] for n in self.present]
        self.width = max(self.indexes, default=-1) + 1
        getter = itemgetter(*self.indexes) if self.indexes else (lambda values: ())
        self.getter = (lambda values: (values[self.indexes[0]],)) if len(self.indexes) == 1 else getter

    def validate(self, row: int, values: list, sink=None) -> DebtorData | None:
        """sink: where row errors go (reject/note): the Context, or a ChunkErrors of a parse pass."""
        item = self.validate_shared(row, values, sink)
        return None if item is None else DebtorData(code=item.code, data=item.data, contacts=item.contacts, row=row,
                                                    search=item.search, fingerprint=item.fingerprint)

    def validate_shared(self, row: int, values: list, sink=None) -> DebtorData | None:
        """As validate, but rows with the same debtor values get the same DebtorData (its row is the first of
        them): for the obligations import, where a debtor's values repeat on each of its invoices."""
        ctx = sink if sink is not None else self.ctx
        if len(values) >= self.width:
            raw = self.getter(values)
        else:
            raw = tuple(values[i] if i < len(values) else None for i in self.indexes)
        hit = self.cache.get(raw)
        if hit is None:
            hit = self._validate(raw, row)
            if len(self.cache) >= CACHE_LIMIT:
                self.cache.clear()
            self.cache[raw] = hit
        item, errors = hit
        if errors:
            p = self.prefix
            for name, value, reason in errors:
                ctx.reject(row, p + name, value, reason)
        return item

    def _validate(self, raw: tuple, row: int) -> tuple[DebtorData | None, list]:
        ctx = self.ctx
        given = {n: v.strip() if type(v) is str else text(v) for n, v in zip(self.present, raw, strict=True)}
        errors: list[tuple[str, str, str]] = []
        if not given.get("code"):
            errors.append(("code", "", "required"))
        source: dict = {k: given[k] for k in ("name", "kind", "tags", "language") if given.get(k)}
        if given.get("id_number"):
            source["id_type"] = given.get("id_type", "") or ctx.id_type
            source["id_number"] = given["id_number"]
        if given.get("customer_since"):
            try:
                source["customer_since"] = parse_date(raw[self.present.index("customer_since")], ctx.date_format)
            except FieldError as exc:
                errors.append(("customer_since", given["customer_since"], str(exc)))
        data: dict = {}
        try:
            data = clean_debtor_fields(ctx.portfolio, source)
        except ValidationProblem as exc:
            name, reason = exc.field or "", exc.message
            if name not in self.present:
                name = "id_number" if name.startswith("id") else "name"
            errors.append((name, given.get(name, ""), reason))
        contacts = []
        for name, channel in CONTACT_FIELDS:
            if given.get(name):
                try:
                    value = normalize_contact(ctx.portfolio, channel, given[name])
                except ValidationProblem as exc:
                    errors.append((name, given[name], str(exc)))
                    continue
                contacts.append((channel, value, given.get("city", "")[:100] if channel == "address" else ""))
        contacts = _dedupe(contacts)
        search = None
        if not errors and data.get("name"):
            search = search_text_for(data["name"], given.get("code", ""), data.get("id_number", ""),
                                     *(v for c, v, _ in contacts if c != "address"))
        if errors:
            return None, errors
        code = given.get("code", "") if self.present and self.present[0] == "code" else ""
        return DebtorData(code=code, data=data, contacts=contacts, row=row, search=search,
                          fingerprint=hash(raw) or 1), errors


DEBTOR_COLUMNS = ("portfolio_id", "code", "kind", "id_type", "id_number", "name", "customer_since", "tags",
                  "language", "timezone", "balance_minor", "open_count", "oldest_due_date", "disputed",
                  "credit_minor", "search_text", "created_at", "updated_at")
EXISTING_COLUMNS = ("id", "code", "name", "kind", "id_type", "id_number", "customer_since", "tags", "language")
CONTACT_COLUMNS = ("debtor_id", "channel", "value", "city", "role", "holder_name", "is_primary", "created_at")


def upsert_debtors(ctx: Context, wanted: dict[str, DebtorData],
                   summaries: dict[str, tuple[int, int, object]] | None = None) -> dict[str, tuple[int, str]]:
    """Create or update the debtors of one chunk. Returns code -> (id, outcome) for debtors that exist now;
    outcome is 'created', 'updated' or 'unchanged'. Codes missing from the result are unknown debtors that
    could not be created (no name). summaries: code -> (balance, open count, oldest due date) of the open
    obligations a new debtor is about to receive, stored as its cached summary when it is created."""
    portfolio = ctx.portfolio
    existing = {
        row[1]: row
        for row in fetch_by_keys(Debtor._meta.db_table, EXISTING_COLUMNS, "code", list(wanted),
                                 portfolio_id=portfolio.pk, dates=(6,))
    }
    now = db_datetime(ctx.now)
    new_rows = []
    new_contacts: dict[str, list] = {}
    result: dict[str, tuple[int, str]] = {}
    changed: dict[int, tuple[str, dict]] = {}
    for code, item in wanted.items():
        if code in existing:
            row = existing[code]
            old = dict(zip(("name", "kind", "id_type", "id_number", "customer_since", "tags", "language"), row[2:],
                           strict=True))
            changes = {k: v for k, v in item.data.items() if old.get(k) != v}
            result[code] = (row[0], "unchanged")
            if changes:
                changed[row[0]] = (code, changes)
                Debtor.objects.filter(pk=row[0]).update(**changes, updated_at=ctx.now)
                debtor = Debtor.objects.get(pk=row[0])
                audit_record(event_type="debtor.updated", subject=debtor, actor=ctx.actor, portfolio=portfolio,
                             debtor=debtor, changes=diff(old, changes))
            continue
        if not item.data.get("name"):
            continue
        d = {"kind": "person", "id_type": "", "id_number": "", "customer_since": None, "tags": "",
             "language": "es", **item.data}
        contacts = item.contacts
        search = item.search
        if search is None or code != item.code:
            contacts = _dedupe(contacts)
            search = search_text_for(d["name"], code, d["id_number"],
                                     *(v for c, v, _ in contacts if c != "address"))
        balance, count, oldest = summaries.get(code, (0, 0, None)) if summaries else (0, 0, None)
        new_rows.append((portfolio.pk, code, d["kind"], d["id_type"], d["id_number"], d["name"],
                         db_date(d["customer_since"]), d["tags"], d["language"], "", balance, count, oldest, False,
                         0, search, now, now))
        new_contacts[code] = contacts
    if new_rows:
        ids = dict(zip(new_contacts, insert_returning_ids(Debtor._meta.db_table, DEBTOR_COLUMNS, new_rows),
                       strict=True))
        contact_rows = []
        for code, contacts in new_contacts.items():
            result[code] = (ids[code], "created")
            seen_channels = set()
            for channel, value, city in contacts:
                contact_rows.append((ids[code], channel, value, city, "debtor", "", channel not in seen_channels,
                                     now))
                seen_channels.add(channel)
        if contact_rows:
            insert_rows(Contact._meta.db_table, CONTACT_COLUMNS, contact_rows)
        ctx.debtors_created += len(new_rows)
    _add_contacts_to_existing(ctx, wanted, existing, result, changed)
    return result


def _dedupe(contacts):
    seen, out = set(), []
    for c in contacts:
        if (c[0], c[1]) not in seen:
            seen.add((c[0], c[1]))
            out.append(c)
    return out


def _add_contacts_to_existing(ctx, wanted, existing, result, changed) -> None:
    ids = {existing[code][0]: code for code in wanted if code in existing and wanted[code].contacts}
    touched = set(changed)
    if ids:
        have: dict[int, set] = {i: set() for i in ids}
        for debtor_id, channel, value in fetch_by_keys(Contact._meta.db_table, ("debtor_id", "channel", "value"),
                                                       "debtor_id", list(ids)):
            have[debtor_id].add((channel, value))
        rows, now = [], db_datetime(ctx.now)
        for debtor_id, code in ids.items():
            channels = {c for c, _ in have[debtor_id]}
            added = []
            for channel, value, city in _dedupe(wanted[code].contacts):
                if (channel, value) in have[debtor_id]:
                    continue
                rows.append((debtor_id, channel, value, city, "debtor", "", channel not in channels, now))
                channels.add(channel)
                added.append(f"{channel}: {value}")
            if added:
                touched.add(debtor_id)
                debtor = Debtor.objects.get(pk=debtor_id)
                audit_record(event_type="debtor.updated", subject=debtor, actor=ctx.actor, portfolio=ctx.portfolio,
                             debtor=debtor, changes={"contacts_added": added})
        if rows:
            insert_rows(Contact._meta.db_table, CONTACT_COLUMNS, rows)
    if not touched:
        return
    code_of = {i: c for c, (i, _) in result.items()}
    for debtor_id in touched:
        result[code_of[debtor_id]] = (debtor_id, "updated")
    ctx.debtors_updated += len(touched)
    refresh_search_texts(touched)


def refresh_search_texts(debtor_ids) -> None:
    debtor_ids = list(debtor_ids)
    contacts: dict[int, list[str]] = {i: [] for i in debtor_ids}
    for debtor_id, value in Contact.objects.filter(debtor_id__in=debtor_ids).exclude(
            channel=Contact.Channel.ADDRESS).order_by("id").values_list("debtor_id", "value"):
        contacts[debtor_id].append(value)
    for pk, name, code, id_number in Debtor.objects.filter(pk__in=debtor_ids).values_list(
            "pk", "name", "code", "id_number"):
        Debtor.objects.filter(pk=pk).update(search_text=search_text_for(name, code, id_number, *contacts[pk]))


class DebtorImporter:
    """The debtors import: one row per debtor (code unique in the file)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.validator = DebtorValidator(ctx)

    def process(self, chunk: list[tuple[int, list]]) -> None:
        ctx = self.ctx
        wanted: dict[str, DebtorData] = {}
        for row, values in chunk:
            item = self.validator.validate(row, values)
            code = text(ctx.get(values, "code"))
            if code:
                key = hash(code)
                first = ctx.seen.get(key)
                if first is not None:
                    ctx.reject(row, "code", code, f"duplicate debtor code (also on row {first})")
                    ctx.note(first, "code", code, f"duplicate debtor code (also on row {row})")
                    continue
                ctx.seen[key] = row
            if item is not None:
                wanted[item.code] = item
        if not wanted:
            return
        result = upsert_debtors(ctx, wanted)
        for code, item in wanted.items():
            if code not in result:
                ctx.reject(item.row, "name", "", "required for a new debtor")
            elif result[code][1] == "created":
                ctx.created += 1
            elif result[code][1] == "updated":
                ctx.updated += 1
            else:
                ctx.unchanged += 1
