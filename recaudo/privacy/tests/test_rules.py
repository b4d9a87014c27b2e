"""Scrubbing and retention rules (recaudo/privacy/rules.py): worked examples and properties (masking:
portfolio/tests/test_masking.py)."""

from datetime import UTC, datetime

from recaudo.privacy.rules import anonymization_blockers, anonymized_label, retention_cutoff, scrub


def test_scrub_replaces_every_secret_case_insensitively():
    value = {"name": ["Luz Marina Restrepo", "LUZ MARINA RESTREPO S."], "value": "+573001234567",
             "list": ["contacto +573001234567 ok"], "n": 3, "short": "CC"}
    secrets = ["Luz Marina Restrepo", "+573001234567", "CC"]
    assert scrub(value, secrets, "Anonimizado 7") == {
        "name": ["Anonimizado 7", "Anonimizado 7 S."], "value": "Anonimizado 7",
        "list": ["contacto Anonimizado 7 ok"], "n": 3, "short": "CC"}


def test_labels_cutoffs_and_blockers():
    assert anonymized_label(1234) == "Anonimizado 1234"
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert retention_cutoff(now, 90) == datetime(2026, 9, 7, 12, 0, tzinfo=UTC)
    assert retention_cutoff(now, None) is None
    assert anonymization_blockers(balance_minor=0, open_agreements=0, pending_promises=0) == []
    assert anonymization_blockers(balance_minor=1, open_agreements=1, pending_promises=2) == [
        "balance", "agreement", "promise"]
