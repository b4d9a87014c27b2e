"""Pure ledger rules: payment allocation. No database, no clock.

Allocation order (configurable per portfolio):
- a payment that names an obligation goes to that obligation first, component by component;
- the rest goes by `mode`:
  - "component" (default): all fees oldest due first, then all interest oldest due first, then principal;
  - "obligation": obligation by obligation, oldest due first, each fees, then interest, then principal;
- what is left is unapplied: it stays as a debtor credit, never lost.
Ties on due date are broken by obligation number, then id, so the result is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

DEFAULT_ORDER: tuple[str, ...] = ("fee", "interest", "principal")
COMPONENTS = frozenset(DEFAULT_ORDER)


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
    mode: str = "component",
    named_obligation_id: int | None = None,
) -> AllocationResult:
    if amount_minor <= 0:
        raise ValueError("a payment amount must be positive")
    order = validate_order(order)
    if mode not in ("component", "obligation"):
        raise ValueError(f"unknown allocation mode {mode!r}")
    items = sorted(items, key=lambda i: (i.due_date, i.number, i.obligation_id))
    named = [i for i in items if i.obligation_id == named_obligation_id]
    others = [i for i in items if i.obligation_id != named_obligation_id]

    slots: list[tuple[OpenItem, str]] = [(i, c) for i in named for c in order]
    if mode == "component":
        slots += [(i, c) for c in order for i in others]
    else:
        slots += [(i, c) for i in others for c in order]

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
