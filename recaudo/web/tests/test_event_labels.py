"""Every event type the code can write has a label on the debtor page's timeline (in es-CO too), and the debtor
page shows the messages the cycle queued without an audit event each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from recaudo.agreements.models import Offer, Promise
from recaudo.communications.models import Message, TemplateRevision
from recaudo.ledger.models import EntryKind
from recaudo.portfolio.models import Consent
from recaudo.web.templatetags.recaudo import _event_labels, event_label

ROOT = Path(__file__).resolve().parents[2]  # recaudo/
# event_type="x.y" as a keyword, or "event_type": "x.y" in the rows of a bulk write (audit.services.audit_records)
LITERAL = re.compile(r"""(?:event_type=|"event_type": )(?:"([a-z_]+\.[a-z_]+)"|'([a-z_]+\.[a-z_]+)')""")
ALTERNATIVE = re.compile(r"""event_type="[a-z_.]+" if .* else "([a-z_]+\.[a-z_]+)\"""")
POSITIONAL = re.compile(r"""_assignment_events\(.*"([a-z_]+\.[a-z_]+)"\)""")
DYNAMIC = re.compile(r"""event_type=f"([a-z_]+)\.\{""")
# The event types an f-string writes: its prefix and every value the interpolated field may take.
DYNAMIC_VALUES = {
    "template": TemplateRevision.Status.values,
    "promise": Promise.Status.values,
    "offer": Offer.Status.values,
    "ledger": EntryKind.values,
    "consent": Consent.Status.values,
    "message": Message.Status.values,  # the debtor page's timeline shows each message with its status
}


def written_event_types() -> set[str]:
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            for match in LITERAL.finditer(line):
                found.add(match.group(1) or match.group(2))
            for pattern in (ALTERNATIVE, POSITIONAL):
                found.update(m.group(1) for m in pattern.finditer(line))
            for match in DYNAMIC.finditer(line):
                prefix = match.group(1)
                assert prefix in DYNAMIC_VALUES, f"{path}: event_type=f\"{prefix}.{{...}}\": list its values here"
                found.update(f"{prefix}.{value}" for value in DYNAMIC_VALUES[prefix])
    return found


def test_every_event_type_the_code_writes_has_a_label():
    written = written_event_types()
    assert {"payment.recorded", "receipt.issued", "agent.unassigned", "obligation.dispute_resolved",
            "offer.countered", "promise.kept"} <= written
    assert {f"message.{s}" for s in Message.Status.values} <= written
    missing = sorted(written - set(_event_labels()))
    assert not missing, f"event types without a label in recaudo/web/templatetags/recaudo.py: {missing}"


@pytest.mark.parametrize("event_type", sorted(_event_labels()))
def test_every_label_is_translated_to_spanish(event_type):
    with translation.override("en"):
        english = str(event_label(event_type))
    with translation.override("es-co"):
        spanish = str(event_label(event_type))
    assert spanish != english, f"{event_type}: {english!r} has no es-CO translation"
