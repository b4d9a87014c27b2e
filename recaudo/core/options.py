"""Command-line options shared by the commands that read amounts: `--decimal` and the amount parsing that names
the option in its error."""

from __future__ import annotations

import argparse
from decimal import Decimal

from django.core.management.base import CommandError

from .amounts import AmountError, parse_amount
from .errors import DomainError

DECIMAL_HELP = ("decimal mark of the amounts given: ',' or comma (default, es-CO: 1.500.000,50; '.' only groups "
                "thousands, in threes) or '.' or point (1,500,000.50; ',' only groups thousands)")
DECIMAL_WORDS = {",": ",", "comma": ",", ".": ".", "point": "."}


def decimal_mark_option(text: str) -> str:
    """argparse type of --decimal: ',' or 'comma', '.' or 'point' -> the mark."""
    try:
        return DECIMAL_WORDS[text.strip().lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(f"use ',' (comma) or '.' (point), not {text!r}")


def add_decimal_option(parser) -> None:
    parser.add_argument("--decimal", type=decimal_mark_option, default=",", metavar="{,|.}", help=DECIMAL_HELP)


def amount_option(value: str | None, name: str, *, decimal: str = ",", currency: str | None = None,
                  allow_zero: bool = True) -> Decimal | None:
    """The amount given to --NAME, read by recaudo.core.amounts.parse_amount; CommandError names the option."""
    if value is None:
        return None
    try:
        return parse_amount(value, decimal=decimal, currency=currency, allow_zero=allow_zero)
    except AmountError as exc:
        raise CommandError(f"--{name.replace('_', '-')}: {value!r}: {exc}")


def command_error(error: DomainError, field: str | None = None) -> CommandError:
    """A domain error as a command's one-line error, naming the option it concerns: `--due: <message>`.
    `field` overrides the error's own field (the option the command took the value from)."""
    name = field or error.field
    message = error.message
    if name and message.startswith(f"{name}:"):
        message = message[len(name) + 1:].strip()
    return CommandError(f"--{name.replace('_', '-')}: {message}" if name else message)
