"""Scored candidates for a bank line, pure: which debtor (and obligation) an incoming payment is probably for, with
a score from 0 to 100 and the reasons, as codes with parameters (said in the reader's language by evidence_text).
No database, no clock: the selectors gather the facts (what the reference and the description name, balances,
installments, promises, names) set-based, and `candidates` weighs them. docs/bank-files.md has the worked examples.

The weights (points; a candidate's score is their sum, at most 100):

    the reference names the obligation              70   reference_obligation {ref, number}
    the reference names the debtor                  60   reference_debtor {ref, field}
    the description names the obligation            50   description_obligation {number}
    the description names the debtor's code or ID   45   description_debtor_code {code}, description_national_id {id}
    the amount equals the obligation's balance      30   amount_equals_balance {number}
    the amount equals the debtor's total balance    30   amount_equals_total {}
    the amount equals an agreement installment      25   amount_equals_installment {agreement, installment}
    the amount equals an open promise               25   amount_equals_promise {due}
    the payer's name resembles the debtor's     up to 20  name_matches {pct}

Within one kind only the strongest counts (the reference naming the obligation and the debtor: 70, not 130), and
of the amount reasons only the largest (an amount equal to the balance and to an installment: 30). Only the
reference, the description and the payer's name propose a candidate; an equal amount only strengthens one (an
amount alone would name thousands of debtors).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .rules import Target

REFERENCE_OBLIGATION = 70
REFERENCE_DEBTOR = 60
DESCRIPTION_OBLIGATION = 50
DESCRIPTION_DEBTOR = 45
AMOUNT_BALANCE = 30
AMOUNT_TOTAL = 30
AMOUNT_INSTALLMENT = 25
AMOUNT_PROMISE = 25
NAME_MAX = 20
MAX_SCORE = 100

DEFAULT_THRESHOLD = 90  # a portfolio's auto-apply score when it has not chosen one
MARGIN = 15  # the best candidate must beat the next one (of another debtor or obligation) by this much
MAX_CANDIDATES = 5  # suggestions kept per line
MAX_TOKENS = 30  # description tokens looked up per line
MIN_NAME_WORD = 3

# Words of a payer's name or a description that say nothing about who pays.
NAME_STOPWORDS = frozenset((
    "de", "del", "la", "las", "los", "y", "e", "el", "sa", "sas", "s.a", "ltda", "ltda.", "cia", "sucursal", "pago",
    "pagos", "abono", "abonos", "transferencia", "transf", "trf", "consignacion", "consig", "cuota", "factura",
    "fact", "fv", "obligacion", "ref", "referencia", "nit", "cc", "ce", "pse", "nequi", "daviplata", "ach",
    "credito", "debito", "cr", "db", "para", "por", "con", "en", "sr", "sra", "senor", "senora", "cliente",
    "recaudo", "banco", "bancolombia", "davivienda", "bogota",
))

REFERENCE_KINDS = ("reference_obligation", "reference_debtor")
DESCRIPTION_KINDS = ("description_obligation", "description_debtor_code", "description_national_id")


@dataclass(frozen=True)
class Evidence:
    """Something in the line that names a debtor or an obligation: the reference (through the convenio's layout)
    or a token of the description. `code` is one of REFERENCE_KINDS or DESCRIPTION_KINDS."""

    code: str
    target: Target
    params: tuple = ()


@dataclass
class DebtorFacts:
    """What the portfolio knows of one debtor that an amount or a name can be compared with."""

    debtor_id: int
    name: str = ""
    balance_minor: int = 0
    obligations: dict = field(default_factory=dict)  # obligation id -> (number, balance_minor), open ones
    installments: list = field(default_factory=list)  # (agreement number, installment number, amount_minor)
    promises: list = field(default_factory=list)  # (due date ISO, amount_minor), pending ones


@dataclass(frozen=True)
class Reason:
    code: str
    params: tuple = ()

    def as_json(self) -> dict:
        return {"code": self.code, "params": dict(self.params)}


@dataclass
class Candidate:
    debtor_id: int
    obligation_id: int | None
    score: int
    reasons: list[Reason]

    def as_json(self) -> dict:
        return {"debtor_id": self.debtor_id, "obligation_id": self.obligation_id, "score": self.score,
                "reasons": [r.as_json() for r in self.reasons]}


# --- names -------------------------------------------------------------------------------------------------------

def name_words(text: str) -> set[str]:
    """The words of a name as compared: lower case, without accents or punctuation, at least 3 letters, no digits,
    not a word that says nothing about the payer (NAME_STOPWORDS): "PAGO FV-1203 Luz Pérez" -> {"luz", "perez"}."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return {w for w in re.split(r"[^a-z]+", text)
            if len(w) >= MIN_NAME_WORD and w not in NAME_STOPWORDS and not any(ch.isdigit() for ch in w)}


def name_similarity(payer: str, debtor_name: str) -> float:
    """How much of the shorter name the other one holds (0 to 1): the words they share over the words of the
    shorter. At least two shared words are needed (a first name alone is too common), unless one name has a single
    word: name_similarity("LUZ PEREZ", "Luz Marina Pérez") == 1.0; ("LUZ GOMEZ", "Luz Marina Pérez") == 0."""
    a, b = name_words(payer), name_words(debtor_name)
    if not a or not b:
        return 0.0
    common = len(a & b)
    shorter = min(len(a), len(b))
    if common < min(2, shorter):
        return 0.0
    return common / shorter


def name_points(similarity: float) -> int:
    return int(round(NAME_MAX * similarity))


# --- description tokens ------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.]*[A-Za-z0-9]|[0-9]")


def description_tokens(text: str) -> list[str]:
    """The tokens of a description that could be an obligation number, a debtor code or an ID: runs of letters,
    digits and - _ / . that hold a digit, as written and upper case, at most MAX_TOKENS:
    "PAGO FV-1203 CC 52.123.456" -> ["FV-1203", "52.123.456", "52123456"] (an ID written with dots is also tried
    without them)."""
    out: list[str] = []
    for token in _TOKEN.findall(text or ""):
        if not any(ch.isdigit() for ch in token) or len(token) > 48:
            continue
        forms = [token, token.upper()]
        digits = token.replace(".", "").replace(",", "")
        if digits.isdigit():
            forms.append(digits)
        for form in forms:
            if form not in out:
                out.append(form)
    return out[:MAX_TOKENS]


# --- scoring -----------------------------------------------------------------------------------------------------

def _amount_reasons(amount_minor: int, facts: DebtorFacts, obligation_id: int | None) -> tuple[int, list[Reason]]:
    """The amount's points for a candidate (the largest applicable) and every amount reason."""
    found: list[tuple[int, Reason]] = []
    if amount_minor <= 0:
        return 0, []
    if obligation_id is not None:
        number, balance = facts.obligations.get(obligation_id, ("", 0))
        if balance > 0 and balance == amount_minor:
            found.append((AMOUNT_BALANCE, Reason("amount_equals_balance", (("number", number),))))
    elif facts.balance_minor > 0 and facts.balance_minor == amount_minor:
        found.append((AMOUNT_TOTAL, Reason("amount_equals_total")))
    for agreement, installment, amount in facts.installments:
        if amount == amount_minor:
            found.append((AMOUNT_INSTALLMENT, Reason("amount_equals_installment",
                                                     (("agreement", agreement), ("installment", installment)))))
            break
    for due, amount in facts.promises:
        if amount == amount_minor:
            found.append((AMOUNT_PROMISE, Reason("amount_equals_promise", (("due", due),))))
            break
    return max((points for points, _r in found), default=0), [r for _p, r in found]


_POINTS = {"reference_obligation": REFERENCE_OBLIGATION, "reference_debtor": REFERENCE_DEBTOR,
           "description_obligation": DESCRIPTION_OBLIGATION, "description_debtor_code": DESCRIPTION_DEBTOR,
           "description_national_id": DESCRIPTION_DEBTOR}


def _best(evidence: list[Evidence], kinds) -> tuple[int, list[Reason]]:
    chosen = [e for e in evidence if e.code in kinds]
    if not chosen:
        return 0, []
    reasons: list[Reason] = []
    for e in chosen:
        reason = Reason(e.code, e.params)
        if reason not in reasons:
            reasons.append(reason)
    return max(_POINTS[e.code] for e in chosen), reasons


def candidates(*, amount_minor: int, evidence: list[Evidence], debtors: dict[int, DebtorFacts],
               payer_text: str = "") -> list[Candidate]:
    """The scored candidates of a line, best first (at most MAX_CANDIDATES). `evidence`: what the reference and the
    description name; `debtors`: the facts of every debtor named, and of the debtors whose names resemble
    `payer_text` (the payer's name, else the description). For each such debtor: one candidate per obligation the
    evidence names or whose balance equals the amount, and one for the debtor alone when something names the
    debtor itself (its code, ID, generated reference or name)."""
    out: list[Candidate] = []
    for debtor_id in sorted(debtors):
        facts = debtors[debtor_id]
        mine = [e for e in evidence if e.target.debtor_id == debtor_id]
        general = [e for e in mine if e.target.obligation_id is None]
        similarity = name_similarity(payer_text, facts.name) if payer_text else 0.0
        name = name_points(similarity)
        name_reasons = [Reason("name_matches", (("pct", int(round(similarity * 100))),))] if name else []
        obligations = {e.target.obligation_id for e in mine if e.target.obligation_id is not None}
        obligations |= {oid for oid, (_n, balance) in facts.obligations.items()
                        if amount_minor > 0 and balance == amount_minor}
        for obligation_id in sorted(obligations):
            named = general + [e for e in mine if e.target.obligation_id == obligation_id]
            ref, ref_reasons = _best(named, REFERENCE_KINDS)
            desc, desc_reasons = _best(named, DESCRIPTION_KINDS)
            amount, amount_reasons = _amount_reasons(amount_minor, facts, obligation_id)
            if ref + desc + name == 0:
                continue  # only the amount: no candidate
            out.append(Candidate(debtor_id, obligation_id, min(MAX_SCORE, ref + desc + name + amount),
                                 ref_reasons + desc_reasons + amount_reasons + name_reasons))
        if general or name:
            ref, ref_reasons = _best(general, REFERENCE_KINDS)
            desc, desc_reasons = _best(general, DESCRIPTION_KINDS)
            amount, amount_reasons = _amount_reasons(amount_minor, facts, None)
            out.append(Candidate(debtor_id, None, min(MAX_SCORE, ref + desc + name + amount),
                                 ref_reasons + desc_reasons + amount_reasons + name_reasons))
    out.sort(key=lambda c: (-c.score, c.obligation_id is None, c.debtor_id, c.obligation_id or 0))
    return out[:MAX_CANDIDATES]


@dataclass(frozen=True)
class Choice:
    candidate: Candidate | None
    code: str = ""  # why none is applied by itself (rules.queue_reason_text)
    params: tuple = ()


def choose(found: list[Candidate], threshold: int, margin: int = MARGIN) -> Choice:
    """The candidate applied without a person: the best, when its score reaches the portfolio's threshold and it
    beats the next candidate by `margin` points. The debtor alone does not compete with one of its own
    obligations (paying the obligation pays the debtor): (Luz, FV-1203) 100 and (Luz) 90 -> FV-1203."""
    if not found:
        return Choice(None, "no_candidate")
    best = found[0]
    if best.score < threshold:
        return Choice(None, "below_threshold", (("score", best.score), ("threshold", threshold)))
    rivals = [c for c in found[1:]
              if not (c.debtor_id == best.debtor_id and c.obligation_id is None and best.obligation_id)]
    if rivals and best.score - rivals[0].score < margin:
        return Choice(None, "not_clear", (("score", best.score), ("second", rivals[0].score)))
    return Choice(best)


# --- saying the reasons ------------------------------------------------------------------------------------------

def evidence_text(code: str, params: dict | None = None) -> str:
    """A candidate's reason in the active language: ("reference_obligation", {"ref": "1203", "number": "1203"}) ->
    "referencia 1203 = obligación 1203" in Spanish."""
    p = dict(params or {})
    if code == "reference_obligation":
        return _("reference %(ref)s = obligation %(number)s") % {"ref": p.get("ref", ""),
                                                                 "number": p.get("number", "")}
    if code == "reference_debtor":
        return _("reference %(ref)s = %(field)s of the debtor") % {"ref": p.get("ref", ""),
                                                                   "field": _field_word(p.get("field", ""))}
    if code == "description_obligation":
        return _("the description names obligation %(number)s") % {"number": p.get("number", "")}
    if code == "description_debtor_code":
        return _("the description names the debtor's code %(code)s") % {"code": p.get("code", "")}
    if code == "description_national_id":
        return _("the description names the debtor's ID %(id)s") % {"id": p.get("id", "")}
    if code == "amount_equals_balance":
        return _("the amount equals the balance of %(number)s") % {"number": p.get("number", "")}
    if code == "amount_equals_total":
        return _("the amount equals the debtor's total balance")
    if code == "amount_equals_installment":
        return _("the amount equals installment %(installment)s of agreement %(agreement)s") % {
            "installment": p.get("installment", ""), "agreement": p.get("agreement", "")}
    if code == "amount_equals_promise":
        return _("the amount equals the payment promised for %(due)s") % {"due": p.get("due", "")}
    if code == "name_matches":
        return _("the payer's name resembles the debtor's (%(pct)s%%)") % {"pct": p.get("pct", "")}
    return code


def _field_word(field_name: str) -> str:
    return {"debtor_code": _("the code"), "national_id": _("the ID"), "generated": _("the generated reference"),
            "reference": _("the payment reference")}.get(field_name, field_name)


def reasons_text(reasons: list[dict]) -> str:
    """A suggestion's reasons joined: "reference FV-1203 = obligation FV-1203; the amount equals the balance of
    FV-1203"."""
    return "; ".join(evidence_text(r.get("code", ""), r.get("params")) for r in reasons or [])
