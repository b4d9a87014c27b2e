"""The message status machine, as a pure rule: what a provider's report does to a message's status.

Forward statuses are ordered: queued < sending < sent < delivered (WhatsApp's "read" counts as delivered).
A report only ever moves a message forward. Failures ("failed", "bounced") end a message that has not been
delivered yet (a retryable one sends it again); a failure reported AFTER the message was delivered (Twilio
"undelivered" 30001 after "delivered", WhatsApp 131000, an e-mail soft bounce) is late: the provider already
delivered it, so nothing changes and the report is only recorded. failed, bounced and cancelled are final.
"""

from __future__ import annotations

FORWARD = ("queued", "sending", "sent", "delivered")
RANK = {status: rank for rank, status in enumerate(FORWARD)}
FAILURES = ("failed", "bounced")
FINAL = ("failed", "bounced", "cancelled")

MOVE = "move"  # the status changes to the reported one (or back to queued for a retryable failure)
IGNORE = "ignore"  # nothing to do: an out-of-order or repeated report
RECORD = "record"  # a late failure after delivery: stored as an event, the status does not change


def status_step(current: str, reported: str) -> str:
    """MOVE, IGNORE or RECORD for a provider's `reported` status on a message whose status is `current`."""
    if current in FINAL:
        return IGNORE
    if reported in RANK:
        return MOVE if RANK[reported] > RANK.get(current, 0) else IGNORE
    if reported in FAILURES:
        return RECORD if current == "delivered" else MOVE
    return IGNORE
