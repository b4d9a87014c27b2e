"""Shorthands of these tests; the builders live in recaudo.demo.testing."""

from decimal import Decimal

from recaudo.demo.testing import MONDAY, debtor_owing  # noqa: F401


def amount(value: str) -> Decimal:
    return Decimal(value)
