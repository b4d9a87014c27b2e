"""Recaudo's settings with Peru's contact hours applied to calls and visits only (an installation setting), so a
test's Peruvian portfolio may send SMS whatever the hour it runs at (test_several_machines)."""

from recaudo.settings import *  # noqa: F403

RECAUDO_COMPLIANCE = {"pe_hours_all_channels": False}
