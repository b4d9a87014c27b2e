"""Words whose Spanish depends on the noun they qualify ("Rejected": la oferta rechazada, el cambio rechazado, las
filas rechazadas) carry a context (pgettext), so each label shows right: the catalogs are merged into one, where a
context-less "Rejected" would take one catalog's Spanish everywhere."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import pgettext

from recaudo.agents.models import AgentTask
from recaudo.agreements.models import Offer
from recaudo.communications.models import Message, TemplateRevision
from recaudo.compliance.models import ContactAttempt
from recaudo.imports.models import ImportJob
from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Obligation
from recaudo.strategies.models import CycleRun
from recaudo.web.tests.catalogs import source_msgids

# said of a noun, so its Spanish takes the noun's gender and number ("Created" and "Import" alone stay: a column
# header "Creado" and the verb "Importar" everywhere)
AMBIGUOUS = {"Rejected", "Approved", "Paid", "Failed", "Done", "Running"}


@pytest.mark.parametrize(("label", "spanish", "english"), [
    (Offer.Status.REJECTED.label, "Rechazada", "Rejected"),
    (Offer.Status.APPROVED.label, "Aprobada", "Approved"),
    (TemplateRevision.Status.REJECTED.label, "Rechazado", "Rejected"),
    (TemplateRevision.Status.APPROVED.label, "Aprobado", "Approved"),
    (ImportJob.Status.FAILED.label, "Fallida", "Failed"),
    (ImportJob.Status.DONE.label, "Terminada", "Done"),
    (Message.Status.FAILED.label, "Fallido", "Failed"),
    (ContactAttempt.Outcome.FAILED.label, "Fallido", "Failed"),
    (CycleRun.Status.FAILED.label, "Fallida", "Failed"),
    (AgentTask.Status.DONE.label, "Hecha", "Done"),
    (Obligation.Status.PAID.label, "Pagada", "Paid"),
    (Payment.Source.IMPORT.label, "Importación", "Import"),
])
def test_each_status_label_agrees_with_its_noun(label, spanish, english):
    with translation.override("es-co"):
        assert str(label) == spanish
    with translation.override("en"):
        assert str(label) == english


def test_template_labels_take_their_context():
    page = Template('{% load i18n %}{% translate "Rejected" context "import rows" %}|'
                    '{% translate "Created" context "import rows" %}|{% translate "Paid" context "amount" %}|'
                    '{% translate "Import" %}')
    with translation.override("es-co"):
        assert page.render(Context()) == "Rechazados|Creados|Pagado|Importar"
        assert pgettext("source", "Import") == "Importación"


def test_no_ambiguous_word_is_marked_without_its_context():
    bare = sorted(f"{where}: {msg.msgid!r}" for msg, where in source_msgids().items()
                  if msg.msgid in AMBIGUOUS and not msg.context)
    assert not bare, "give these a context (pgettext / {% translate ... context ... %}):\n" + "\n".join(bare)
