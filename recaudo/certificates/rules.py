"""Certificates' rules, pure: who may have a paz y salvo, the verification code's form, how much interest a
certificate of debt states and its totals. Worked examples in tests/test_rules.py."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import date

CODE_BYTES = 10  # 80 random bits: 16 base32 characters
CODE_LENGTH = 16
_CODE = re.compile(r"^[A-Z2-7]{16}$")

# Why an obligation keeps a debtor from a paz y salvo.
OWES = "owes"  # a balance is due (or not yet due: a paz y salvo says nothing at all is owed)
WRITTEN_OFF = "written_off"  # balance 0 only because it was written off: the debt is still owed
IN_AGREEMENT = "in_agreement"  # settled into a payment agreement still running: the agreement is owed


def code_from_bytes(raw: bytes) -> str:
    """10 random bytes -> 16 base32 characters (A-Z, 2-7): no 0/O or 1/I/L to confuse when typed."""
    if len(raw) != CODE_BYTES:
        raise ValueError("a verification code takes 10 random bytes")
    return base64.b32encode(raw).decode("ascii")


def code_normalize(text: str | None) -> str | None:
    """What a person typed or the URL carries -> the stored code, or None when it cannot be one ('abcd-efgh ...'
    in any case, with dashes or spaces)."""
    compact = re.sub(r"[\s\-]", "", (text or "")[:64]).upper()
    return compact if _CODE.match(compact) else None


def code_display(code: str) -> str:
    """'ABCDEFGHIJKLMNOP' -> 'ABCD-EFGH-IJKL-MNOP'."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


@dataclass(frozen=True)
class ObligationState:
    number: str
    balance_minor: int
    status: str  # Obligation.Status: open, paid, written_off, in_agreement


def no_debt_blockers(obligations: list[ObligationState]) -> list[tuple[str, str]]:
    """The obligations that keep a paz y salvo from being issued, with why (OWES, WRITTEN_OFF, IN_AGREEMENT).

    An obligation is settled only when its balance is 0 AND it was paid (status "paid"): a written-off obligation
    has balance 0 in the books but the debt was not extinguished (a write-off is an accounting measure), and one
    settled into a payment agreement is owed through the agreement's installments until the agreement ends. A
    balance not yet due counts as owed too: a paz y salvo says that nothing is owed."""
    out = []
    for o in obligations:
        if o.balance_minor > 0:
            out.append((o.number, OWES))
        elif o.status == "written_off":
            out.append((o.number, WRITTEN_OFF))
        elif o.status == "in_agreement":
            out.append((o.number, IN_AGREEMENT))
        elif o.status != "paid":
            out.append((o.number, OWES))
    return out


def interest_owed(*, ledger_owed_minor: int, liquidated_minor: int, posted_minor: int) -> int:
    """Late interest a certificate of debt states for one fee: the interest owed in the ledger (posted less paid)
    plus what the liquidation through the certificate's date adds to what the daily cycle already posted (never
    less than the ledger: an adjustment the cycle posted stays). Example: posted 65.721,39 of a liquidation of
    127.379,26, nothing paid -> 65.721,39 + 61.657,87 = 127.379,26."""
    return ledger_owed_minor + max(0, liquidated_minor - posted_minor)


@dataclass(frozen=True)
class DebtLine:
    """One overdue fee of a certificate of debt, in minor units."""

    number: str
    kind: str
    description: str
    due_date: date
    original_minor: int  # the fee as charged
    paid_minor: int  # partial payments applied to it (all components, net of reversals)
    principal_minor: int  # principal still owed
    fees_minor: int  # collection fees still owed
    interest_minor: int  # late interest owed through the certificate's date (interest_owed)
    payments: list[tuple[date, int]] = field(default_factory=list)  # each partial payment: date, amount

    @property
    def total_minor(self) -> int:
        return self.principal_minor + self.fees_minor + self.interest_minor


def debt_totals(lines: list[DebtLine]) -> dict[str, int]:
    """Column totals of a certificate of debt."""
    return {
        "original_minor": sum(x.original_minor for x in lines),
        "paid_minor": sum(x.paid_minor for x in lines),
        "principal_minor": sum(x.principal_minor for x in lines),
        "fees_minor": sum(x.fees_minor for x in lines),
        "interest_minor": sum(x.interest_minor for x in lines),
        "total_minor": sum(x.total_minor for x in lines),
    }
