"""Pure ledger rules: payment allocation. No database, no clock.

Allocation order (docs/decisions/0010-payments-go-to-what-is-due-first.md):
- a payment that names an obligation goes to that obligation first, component by component;
- the rest goes first to what is due on or before the payment date (`on`), and only then to what is not yet
  due: in every mode, no part of a payment reaches a not-yet-due obligation while a due one has a balance.
  Within each of the two groups, by the portfolio's `mode`:
  - "obligation" (default): obligation by obligation, oldest due first, each fees, then interest, then
    principal (Código Civil art. 1653: interest before capital, unless the creditor agrees otherwise);
  - "component" (a portfolio's choice): all fees oldest due first, then all interest, then all principal;
- what is left is unapplied: it stays as a debtor credit, never lost.
The component order within an obligation is the portfolio's `allocation_order` (default fee, interest, principal).
Ties on due date are broken by obligation number, then id, so the result is deterministic.

Worked example (payment date 2026-03-01): A due 2026-01-31 owes fee 2.00, interest 5.00, principal 100.00; B due
2026-04-30 (not yet due) owes interest 10.00, principal 200.00. A payment of 100.00 goes A fee 2.00, A interest
5.00, A principal 93.00 and nothing to B (the old "component" order paid B's interest 10.00 before A's
principal). A payment of 120.00 pays A off (107.00), then B interest 10.00 and B principal 3.00.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

DEFAULT_ORDER: tuple[str, ...] = ("fee", "interest", "principal")
COMPONENTS = frozenset(DEFAULT_ORDER)
MODES = ("obligation", "component")
DEFAULT_MODE = "obligation"


@dataclass(frozen=True)
class OpenItem:
    obligation_id: int
    due_date: date
    number: str
    balances: Mapping[str, int] = field(default_factory=dict)  # component -> minor units owed (>= 0)


@dataclass(frozen=True)
class Allocation:
    obligation_id: int
    component: str
    amount_minor: int


@dataclass(frozen=True)
class AllocationResult:
    allocations: tuple[Allocation, ...]
    unapplied_minor: int

    @property
    def applied_minor(self) -> int:
        return sum(a.amount_minor for a in self.allocations)


def validate_order(order: Sequence[str]) -> tuple[str, ...]:
    order = tuple(order) or DEFAULT_ORDER
    if set(order) != COMPONENTS or len(order) != len(COMPONENTS):
        raise ValueError(f"allocation order must name each of {sorted(COMPONENTS)} once, got {list(order)}")
    return order


def allocate(
    amount_minor: int,
    items: Iterable[OpenItem],
    *,
    order: Sequence[str] = DEFAULT_ORDER,
    mode: str = DEFAULT_MODE,
    on: date | None = None,
    named_obligation_id: int | None = None,
) -> AllocationResult:
    """Split a payment made on `on` over the open items (without `on`, every item counts as due)."""
    if amount_minor <= 0:
        raise ValueError("a payment amount must be positive")
    order = validate_order(order)
    if mode not in MODES:
        raise ValueError(f"unknown allocation mode {mode!r}; use one of {', '.join(MODES)}")
    items = sorted(items, key=lambda i: (i.due_date, i.number, i.obligation_id))
    named = [i for i in items if i.obligation_id == named_obligation_id]
    others = [i for i in items if i.obligation_id != named_obligation_id]

    slots: list[tuple[OpenItem, str]] = [(i, c) for i in named for c in order]
    due = [i for i in others if on is None or i.due_date <= on]
    not_due = [i for i in others if on is not None and i.due_date > on]
    for group in (due, not_due):
        if mode == "component":
            slots += [(i, c) for c in order for i in group]
        else:
            slots += [(i, c) for i in group for c in order]

    remaining = amount_minor
    allocations: list[Allocation] = []
    for item, component in slots:
        if remaining == 0:
            break
        owed = int(item.balances.get(component, 0))
        if owed <= 0:
            continue
        take = min(owed, remaining)
        allocations.append(Allocation(item.obligation_id, component, take))
        remaining -= take
    return AllocationResult(tuple(allocations), remaining)
