"""Payment references, pure: the check digit of a generated reference, comparing references without their padding
zeros, the layout of a convenio's main reference (which positions hold what) and the decision which debtor or
obligation a reference names. No database, no clock, no settings (docs/bank-files.md has the worked examples).

The check digit is the Luhn (mod 10) digit of ISO/IEC 7812-1, annex B: from the rightmost digit of the base, every
second digit is doubled (9 subtracted when the double exceeds 9), the digits are summed and the check digit is what
brings the sum to a multiple of 10. It catches every single mistyped digit and every swap of two adjacent digits
except 09 <-> 90.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from recaudo.core.errors import DomainError

# What a portfolio's payment reference is (PaymentReferenceSettings.kind).
OBLIGATION_NUMBER = "obligation_number"
DEBTOR_CODE = "debtor_code"
NATIONAL_ID = "national_id"
GENERATED = "generated"
REFERENCE_KINDS = (OBLIGATION_NUMBER, DEBTOR_CODE, NATIONAL_ID, GENERATED)

# What a segment of a convenio's main reference may hold: one of the kinds above, "reference" (whatever the
# portfolio's payment reference is) or "period" (YYMM or similar, read and kept, never matched on).
REFERENCE = "reference"
PERIOD = "period"
SEGMENT_FIELDS = (REFERENCE, OBLIGATION_NUMBER, DEBTOR_CODE, NATIONAL_ID, GENERATED, PERIOD)
IDENTIFYING = (REFERENCE, OBLIGATION_NUMBER, DEBTOR_CODE, NATIONAL_ID, GENERATED)
MAIN_REFERENCE_LENGTH = 48  # Asobancaria 2001, detail positions 3-50


class ReferenceError(DomainError):
    """A reference or a convenio's reference layout that cannot be used."""

    def __init__(self, message: str = "", field: str | None = None, problems: list[str] | None = None):
        super().__init__(message or "; ".join(problems or []), field)
        self._problems = problems


# --- the check digit ---------------------------------------------------------------------------------------------

def luhn_digit(base: str) -> str:
    """The Luhn check digit of a string of digits: luhn_digit("7992739871") == "3"."""
    if not base or not base.isdigit() or not base.isascii():
        raise ReferenceError(_("a reference base is made of digits only"), field="reference")
    total = 0
    for position, char in enumerate(reversed(base)):
        digit = int(char)
        if position % 2 == 0:  # the rightmost digit of the base is doubled (the check digit will sit after it)
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(reference: str) -> bool:
    """Whether a reference's last digit is the Luhn check digit of the rest: luhn_valid("79927398713") is True."""
    reference = (reference or "").strip()
    if len(reference) < 2 or not reference.isdigit() or not reference.isascii():
        return False
    return luhn_digit(reference[:-1]) == reference[-1]


def generated_reference(number: int) -> str:
    """The generated reference of the n-th debtor or obligation of a portfolio: n followed by its check digit
    (1 -> "18", 1203 -> "12032"); it never starts with a zero, so padding zeros never change it."""
    if number < 1:
        raise ReferenceError(_("a generated reference number starts at 1"), field="reference")
    base = str(number)
    return base + luhn_digit(base)


# --- comparing references ----------------------------------------------------------------------------------------

def unpadded(value: str) -> str:
    """A reference as compared: blanks around it and the zeros padding it on the left removed ("000123 " ->
    "123"); a reference of zeros only is empty (no reference)."""
    return (value or "").strip().lstrip("0")


def padded_forms(value: str, width: int = MAIN_REFERENCE_LENGTH) -> list[str]:
    """Every stored value that compares equal to `value` without padding zeros, up to `width` characters: "123" ->
    ["123", "0123", "00123", ...]. The database looks them up by its unique indexes instead of scanning."""
    core = unpadded(value)
    if not core:
        return []
    return [core.rjust(size, "0") for size in range(len(core), max(width, len(core)) + 1)]


# --- a convenio's reference layout -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Segment:
    field: str
    start: int  # 1-based position inside the main reference field
    length: int

    def cut(self, reference: str) -> str:
        return reference[self.start - 1:self.start - 1 + self.length]


def parse_layout(data, width: int = MAIN_REFERENCE_LENGTH) -> list[Segment]:
    """A convenio's reference layout (a list of {"field", "start", "length"}) checked: known fields, each once,
    inside the `width` positions of the main reference, not overlapping, at least one that identifies the payer.
    An empty layout means the whole reference is the payment reference. ReferenceError lists every problem."""
    if not data:
        return []
    if not isinstance(data, list):
        raise ReferenceError(field="reference_layout", problems=[_("the layout is a list of segments")])
    problems, segments, seen = [], [], set()
    rows: dict[str, int] = {}  # the segment number of each field, for the messages
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            problems.append(_("segment %(n)d: expected field, start and length") % {"n": index})
            continue
        field, start, length = item.get("field"), item.get("start"), item.get("length")
        if field not in SEGMENT_FIELDS:
            problems.append(_("segment %(n)d: unknown field %(field)r (use %(known)s)")
                            % {"n": index, "field": field, "known": ", ".join(SEGMENT_FIELDS)})
            continue
        if field in seen:
            problems.append(_("segment %(n)d: %(field)s appears twice") % {"n": index, "field": field_label(field)})
            continue
        seen.add(field)
        if not (isinstance(start, int) and isinstance(length, int)) or isinstance(start, bool) \
                or isinstance(length, bool) or start < 1 or length < 1 or start + length - 1 > width:
            problems.append(_("segment %(n)d, %(field)s: positions must lie within 1-%(width)d")
                            % {"n": index, "field": field_label(field), "width": width})
            continue
        segments.append(Segment(field, start, length))
        rows[field] = index
    ordered = sorted(segments, key=lambda s: s.start)
    for left, right in zip(ordered, ordered[1:], strict=False):
        if left.start + left.length > right.start:
            problems.append(_("segment %(i)d (%(a)s) and segment %(j)d (%(b)s) overlap")
                            % {"i": rows[left.field], "a": field_label(left.field), "j": rows[right.field],
                               "b": field_label(right.field)})
    if segments and not any(s.field in IDENTIFYING for s in segments):
        problems.append(_("at least one segment must identify the payer (reference, obligation number, debtor "
                          "code, national ID or generated reference)"))
    if problems:
        raise ReferenceError(field="reference_layout", problems=problems)
    return segments


def split_reference(reference: str, segments: list[Segment], width: int = MAIN_REFERENCE_LENGTH) -> dict[str, str]:
    """The values a main reference carries, by the layout, without padding zeros. The reference is read as the
    file gives it, padded on the left with zeros to `width` when shorter (a cut field); without a layout the whole
    reference is the "reference"."""
    text = (reference or "").strip()
    if not segments:
        return {REFERENCE: unpadded(text)}
    full = text.rjust(width, "0")
    return {s.field: unpadded(s.cut(full)) for s in segments}


# --- which debtor or obligation a reference names ----------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    debtor_id: int
    obligation_id: int | None = None


@dataclass(frozen=True)
class Decision:
    target: Target | None
    code: str = ""  # why there is no target (QUEUE_REASONS), said in the reader's language by queue_reason_text
    params: tuple = ()  # the code's parameters, as (name, value) pairs (a Decision stays hashable)

    @property
    def reason(self) -> str:
        return queue_reason_text(self.code, dict(self.params)) if self.code else ""


def decide(matches: dict[str, list[Target]], *, each_must_match: bool) -> Decision:
    """The one debtor (and obligation, when one is named) that every match agrees on. `matches` gives, for each
    value tried (by field), the debtors or obligations it names. With a convenio's layout every identifying value
    must name something (each_must_match); without one the whole reference was tried as every kind and only what
    it named counts. Several debtors, or two different obligations, is ambiguous: no target, and the reason's code.

    >>> decide({"obligation_number": [Target(1, 7)], "debtor_code": [Target(1)]}, each_must_match=True).target
    Target(debtor_id=1, obligation_id=7)
    """
    if not matches:
        return Decision(None, "no_reference")
    if each_must_match:
        for field, found in matches.items():
            if not found:
                return Decision(None, "field_names_nothing", (("field", field),))
    found = {t for targets in matches.values() for t in targets}
    if not found:
        return Decision(None, "names_nothing")
    debtors = {t.debtor_id for t in found}
    if len(debtors) > 1:
        return Decision(None, "several_debtors", (("n", len(debtors)),))
    obligations = {t.obligation_id for t in found if t.obligation_id is not None}
    if len(obligations) > 1:
        return Decision(None, "several_obligations", (("n", len(obligations)),))
    return Decision(Target(debtors.pop(), obligations.pop() if obligations else None))


# The bank files' layouts as people name them (the upload form's choices, a file's summary, the review queue).
LAYOUT_LABELS = {"asobancaria-2001": "Asobancaria 2001", "asobancaria-1998": "Asobancaria 1998", "csv": "CSV",
                 "xlsx": "Excel (XLSX)", "ofx": "OFX", "camt053": "CAMT.053 (ISO 20022)", "mt940": "MT940"}


def layout_label(layout: str) -> str:
    """A layout's name as people know it ("asobancaria-2001" -> "Asobancaria 2001"); an unknown one as it is."""
    return LAYOUT_LABELS.get(layout, layout)


def queue_reason_text(code: str, params: dict | None = None) -> str:
    """Why a bank line waits for a person, in the active language, from its code and parameters (stored on the
    line, so the page says it in the reader's language). An unknown code is shown as it is."""
    p = dict(params or {})
    if code == "no_reference":
        return _("the line carries no reference")
    if code == "field_names_nothing":
        return _("%(field)s names nothing in the portfolio") % {"field": field_label(p.get("field", ""))}
    if code == "names_nothing":
        return _("the reference names no debtor or obligation")
    if code == "several_debtors":
        return _("the reference names %(n)d different debtors") % {"n": int(p.get("n", 0))}
    if code == "several_obligations":
        return _("the reference names %(n)d different obligations") % {"n": int(p.get("n", 0))}
    if code == "wrong_check_digit":
        return _("%(field)s %(value)s has a wrong check digit (mistyped?)") % {
            "field": field_label(p.get("field", "")), "value": p.get("value", "")}
    if code == "zero_amount":
        return _("the amount is zero")
    if code == "no_candidate":
        return _("nothing in the line names a debtor or an obligation")
    if code == "below_threshold":
        return _("the best suggestion scores %(score)d, under the portfolio's %(threshold)d for applying by "
                 "itself") % {"score": int(p.get("score", 0)), "threshold": int(p.get("threshold", 0))}
    if code == "not_clear":
        return _("two suggestions score close (%(score)d and %(second)d): choose one") % {
            "score": int(p.get("score", 0)), "second": int(p.get("second", 0))}
    if code == "undone":
        return _("undone by a person: %(reason)s") % {"reason": p.get("reason", "")}
    if code == "payment_refused":
        return p.get("message", "") or _("the payment rules refused it")
    return code


def field_label(field: str) -> str:
    return {
        REFERENCE: _("the payment reference"),
        OBLIGATION_NUMBER: _("the obligation number"),
        DEBTOR_CODE: _("the debtor code"),
        NATIONAL_ID: _("the national ID"),
        GENERATED: _("the generated reference"),
        PERIOD: _("the period"),
    }.get(field, field)


def compose_reference(values: dict[str, str], segments: list[Segment],
                      width: int = MAIN_REFERENCE_LENGTH) -> str:
    """The main reference a billing file gives the bank, the reverse of split_reference: each segment's value
    zero-padded into its positions (positions no segment holds are zeros); without a layout, the payment
    reference zero-padded to `width`. ReferenceError when a value is not digits or does not fit.

    >>> compose_reference({"obligation_number": "1203", "period": "2603"},
    ...                   [Segment("obligation_number", 37, 8), Segment("period", 45, 4)])[-12:]
    '000012032603'
    """
    slots = segments or [Segment(REFERENCE, 1, width)]
    out = ["0"] * width
    for segment in slots:
        value = (values.get(segment.field) or "").strip()
        if not value or not value.isdigit() or not value.isascii() or len(value) > segment.length:
            raise ReferenceError(_("%(field)s %(value)r is not up to %(n)d digits")
                                 % {"field": field_label(segment.field), "value": value, "n": segment.length},
                                 field="reference")
        out[segment.start - 1:segment.start - 1 + segment.length] = value.rjust(segment.length, "0")
    return "".join(out)
