"""Pure rules of the channels (recaudo/communications/rules.py)."""

from datetime import timedelta

from recaudo.communications.rules import retry_delay


def test_backoff_schedule_is_exact():
    assert [retry_delay(n) for n in range(1, 11)] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8),
        timedelta(minutes=16), timedelta(minutes=32), timedelta(minutes=64), timedelta(minutes=128),
        timedelta(minutes=256), timedelta(hours=6)]
