"""The status machine: reports only move a message forward; a failure after delivery is recorded only."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recaudo.communications.models import Message
from recaudo.communications.status import FINAL, IGNORE, MOVE, RANK, RECORD, status_step

STATUSES = [s.value for s in Message.Status]
REPORTS = ["queued", "sending", "sent", "delivered", "failed", "bounced", "read", "deleted", ""]


@pytest.mark.parametrize("current, reported, step", [
    ("sent", "delivered", MOVE),
    ("delivered", "sent", IGNORE),
    ("delivered", "delivered", IGNORE),
    ("sent", "failed", MOVE),
    ("queued", "bounced", MOVE),
    ("delivered", "failed", RECORD),
    ("delivered", "bounced", RECORD),
    ("failed", "delivered", IGNORE),
    ("cancelled", "sent", IGNORE),
    ("bounced", "failed", IGNORE),
])
def test_worked_examples(current, reported, step):
    assert status_step(current, reported) == step


def test_every_status_has_a_place():
    assert set(RANK) | set(FINAL) == set(STATUSES)


@given(st.sampled_from(STATUSES), st.lists(st.sampled_from(REPORTS), max_size=12))
def test_reports_never_move_a_message_backwards(start, reports):
    current = start
    for reported in reports:
        step = status_step(current, reported)
        if current in FINAL or current == "delivered":
            assert step != MOVE  # nothing moves a delivered or final message
        if step == MOVE:
            assert reported not in RANK or RANK[reported] > RANK[current]
            current = reported
