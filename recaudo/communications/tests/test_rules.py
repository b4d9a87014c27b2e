"""Pure rules of the channels (recaudo/communications/rules.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from recaudo.communications.rules import inbound_keyword, reply_allowed, retry_delay


def test_backoff_schedule_is_exact():
    assert [retry_delay(n) for n in range(1, 11)] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8),
        timedelta(minutes=16), timedelta(minutes=32), timedelta(minutes=64), timedelta(minutes=128),
        timedelta(minutes=256), timedelta(hours=6)]


def test_the_rules_worked_examples_hold():
    import doctest

    from recaudo.communications import rules

    assert doctest.testmod(rules).failed == 0


@pytest.mark.parametrize("text, kind", [
    ("SALDO", "balance"), ("saldo por favor", "balance"), ("¿Cuál es mi saldo?", "balance"),
    ("Balance please", "balance"), ("PAGAR", "pay"), ("quiero pagar", "pay"), ("Pay", "pay"),
    ("ACUERDO", "plan"), ("Plan", "plan"), ("agreement", "plan"), ("ayuda", "help"), ("HELP", "help"),
    ("Menú", "help"),
    # STOP keeps its meaning, first
    ("STOP", "stop"), ("Baja", "stop"), ("No más", "stop"), ("saldo stop", "stop"), ("STOP saldo", "stop"),
    # anything else: the agents' inbox
    ("no puedo pagar", ""), ("ya pagué", ""), ("saldo y pagar", ""), ("hola", ""), ("", ""),
    ("quiero cancelar mi deuda", ""), ("saldo " + "por favor " * 5, ""),
])
def test_inbound_keywords(text, kind):
    assert inbound_keyword(text) == kind


def test_reply_limit_per_sender_is_exact():
    now = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    three_in_ten_minutes = [now - timedelta(minutes=m) for m in (0, 4, 9)]
    assert not reply_allowed(three_in_ten_minutes, now)
    assert reply_allowed([now - timedelta(minutes=m) for m in (4, 9, 10)], now)  # the 10th minute is out
    nine_today = [now - timedelta(hours=h) for h in range(1, 10)]
    assert reply_allowed(nine_today, now) and not reply_allowed([*nine_today, now - timedelta(hours=23)], now)
