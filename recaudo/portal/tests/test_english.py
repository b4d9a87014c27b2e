"""Every portal page in English (issue 16 §1: Spanish and English): each page rendered with the English language
shows its key English strings and none of the Spanish ones (a text formatted at import, or left out of the
translation, would show in Spanish)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from recaudo.demo.testing import make_luz

from .test_actions import _proposal_approved
from .test_portal import sign_in

pytestmark = pytest.mark.django_db

# Spanish words of the portal's pages (in their es-CO catalog) that no English page has; "Español" (the language
# switch) and the legal names ("Ley 1581 de 2012") are Spanish on purpose.
SPANISH = ("Mi cuenta", "Cerrar sesión", "Pagar", "Saldo", "dígitos", "Vence", "usted", "Usted", "cuotas",
           "Enviar", "Descargar", "Certificados", "Acuerdo", "Guardar", "Prometer", "Fecha", "Valor", "obligación",
           "Obligación", "Propuesta", "Aceptar", "Código", "Sus datos", "Calificar", "Comprobante")


def _text(response) -> str:
    text = strip_tags(response.content.decode())
    return re.sub(r"\s+", " ", text.replace("Español", ""))


def _english(client, url, *expected, method="get", data=None):
    response = getattr(client, method)(url, data or {}, HTTP_ACCEPT_LANGUAGE="en")
    text = _text(response)
    found = [word for word in SPANISH if re.search(rf"\b{re.escape(word)}\b", text)]
    assert not found, f"{url}: Spanish on the English page: {found}"
    missing = [e for e in expected if e not in text]
    assert not missing, f"{url}: missing {missing}"
    return text


def test_every_portal_page_renders_in_english(client, portfolio):
    luz = make_luz(portfolio)
    portfolio.creditor_nit, portfolio.legal_representative = "900123456-7", "Marta Gómez"
    portfolio.save()
    client.cookies["django_language"] = "en"
    slug = portfolio.slug

    def u(name, *args):
        return reverse(name, args=[slug, *args])

    _english(client, u("portal_enter"), "Check and pay what you owe", "ID number or customer code", "Send me a code")
    _english(client, reverse("portal_link_open", args=["not-a-token"]), "Your payment portal", "Continue")
    response = client.post(u("portal_enter"), {"identifier": "52123456"}, HTTP_ACCEPT_LANGUAGE="en")
    _english(client, response["Location"], "Type your code", "The 6 digits we sent you. It expires in 10 minutes.")
    sign_in(client, portfolio)
    _english(client, u("portal_home"), "Hello, Luz Marina Restrepo", "You owe", "Your obligations", "What you can do",
             "Payments made", "Messages we sent you", "Sign out")
    _english(client, u("portal_obligation", luz.obligations.get().pk), "Late interest, line by line", "Movements")
    _english(client, u("portal_pay"), "Bank transfer or deposit", "Payment reference")
    _english(client, u("portal_promise"), "Promise to pay", "Date you will pay", "Amount you will pay")
    _english(client, u("portal_promise"), "choose today", method="post", data={"due_date": "2020-01-01",
                                                                                "amount": "100000"})
    _english(client, u("portal_receipt"), "Upload a transfer receipt", "Amount transferred", "Your receipts")
    _english(client, u("portal_dispute"), "Dispute an obligation", "Why do you dispute it?")
    _english(client, u("portal_preferences"), "Contact channels and hours", "Withdraw my authorization")
    _english(client, u("portal_habeas"), "My personal data", "Your requests")
    _english(client, u("portal_rating"), "Rate the service", "Comment (optional)")
    _english(client, u("portal_certificates"), "Request a paz y salvo", "Request a certificate of debt")
    _english(client, u("portal_certificates"), "is not settled", method="post", data={"op": "no_debt"})
    _english(client, u("portal_certificates"), "Your certificate of debt is ready", method="post",
             data={"op": "debt"})
    _english(client, u("portal_plan"), "Plans you can accept now", "Choose or propose your plan")
    offer = _proposal_approved(client, portfolio, luz)
    _english(client, u("portal_plan"), "Approved proposals you can accept", f"Proposal no. {offer.pk}",
             "Accept this plan", "Your proposals", "Approved")
    _english(client, u("portal_plan"), "tick the box", method="post", data={"op": "accept", "offer": offer.pk})
    _english(client, u("portal_plan"), "Your payment agreement is in force", "Download the agreement (PDF)",
             method="post", data={"op": "accept", "offer": offer.pk, "checkbox": "on"})
    _english(client, u("portal_home"), "Payment agreements", "Download the agreement (PDF)")
