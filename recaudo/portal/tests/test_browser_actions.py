"""Issue 16 §5: on a phone (390x844), in es-CO, a signed-in debtor opens every action page (each fits the screen,
no CSP violation), proposes a payment plan within the limits with the checkbox and files a habeas data claim.
Screenshots go to SHOTS/portal-actions/."""

from __future__ import annotations

import re

import pytest

from recaudo.agreements.models import Acceptance
from recaudo.communications.models import Message
from recaudo.demo.testing import SHOTS, make_luz, needs_chromium
from recaudo.privacy.models import HabeasRequest

pytestmark = [pytest.mark.browser, needs_chromium]

FOLDER = SHOTS / "portal-actions"
PAGES = ["prometer-pago", "plan-de-pagos", "comprobante", "disputar", "preferencias", "mis-datos", "certificados",
         "calificar"]


def test_the_action_pages_on_a_phone_plan_and_claim(live_server, browser_page, portfolio):
    page, base, slug = browser_page, live_server.url, portfolio.slug
    page.set_viewport_size({"width": 390, "height": 844})
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    luz = make_luz(portfolio)
    page.goto(f"{base}/portal/{slug}/")
    page.get_by_label("Número de identificación o código de cliente").fill("52123456")
    page.get_by_role("button", name="Enviarme un código").click()
    page.wait_for_url(f"{base}/portal/{slug}/codigo/")
    code = re.search(r"\b(\d{6})\b", Message.objects.get(template_code="portal_code", debtor=luz).body).group(1)
    page.get_by_label("Código").fill(code)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/portal/{slug}/inicio/")
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name in PAGES:
        page.goto(f"{base}/portal/{slug}/{name}/")
        page.screenshot(path=str(FOLDER / f"{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    # a plan within the limits, accepted with the checkbox
    page.goto(f"{base}/portal/{slug}/plan-de-pagos/")
    page.get_by_label("Número de cuotas mensuales").fill("6")
    page.get_by_label("Cuota inicial hoy").fill("100.000")
    page.get_by_label("Leí y acepto los términos de este acuerdo de pago.").check()
    page.get_by_role("button", name="Enviar", exact=True).click()
    page.wait_for_selector("#plan-accepted")
    page.screenshot(path=str(FOLDER / "plan-aceptado.png"), full_page=True)
    assert Acceptance.objects.filter(agreement__debtor=luz).exists()
    # a habeas data claim
    page.goto(f"{base}/portal/{slug}/mis-datos/")
    page.get_by_label(re.compile("^Reclamo")).check()
    page.get_by_label("Su solicitud").fill("Mi dirección cambió: Calle 10 # 20-30.")
    page.get_by_role("button", name="Enviar la solicitud").click()
    page.wait_for_selector("#habeas-done")
    page.screenshot(path=str(FOLDER / "reclamo.png"), full_page=True)
    assert HabeasRequest.objects.get(debtor=luz).kind == "reclamo"
    assert not violations, violations


def test_accepting_an_approved_proposal_on_a_phone_and_downloading_the_agreement(live_server, browser_page,
                                                                                  portfolio):
    from recaudo.agreements.models import Offer
    from recaudo.agreements.services.offers import offer_decide
    from recaudo.agreements.services.selfservice import self_plan_propose
    from recaudo.audit.services import portal_actor
    from recaudo.demo.testing import make_user

    page, base, slug = browser_page, live_server.url, portfolio.slug
    page.set_viewport_size({"width": 390, "height": 844})
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    luz = make_luz(portfolio)
    proposed = self_plan_propose(portfolio=portfolio, debtor=luz, installments=12, down_payment=0,
                                 actor=portal_actor(luz.pk), accepted=False, text="", text_version="")
    offer = offer_decide(offer=proposed.offer, decision="approve", reason="",
                         actor=make_user("sofia", portfolio, role="supervisor"))
    page.goto(f"{base}/portal/{slug}/")
    page.get_by_label("Número de identificación o código de cliente").fill("52123456")
    page.get_by_role("button", name="Enviarme un código").click()
    page.wait_for_url(f"{base}/portal/{slug}/codigo/")
    code = re.search(r"\b(\d{6})\b", Message.objects.get(template_code="portal_code", debtor=luz).body).group(1)
    page.get_by_label("Código").fill(code)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/portal/{slug}/inicio/")
    page.goto(f"{base}/portal/{slug}/plan-de-pagos/")
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / "propuesta-aprobada.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator(f"#accept-{offer.pk}").check()
    page.get_by_role("button", name="Aceptar este plan").click()
    page.wait_for_selector("#plan-accepted")
    page.screenshot(path=str(FOLDER / "propuesta-aceptada.png"), full_page=True)
    offer = Offer.objects.get(pk=offer.pk)
    assert offer.status == "accepted" and Acceptance.objects.get(agreement=offer.agreement).channel == \
        "portal_checkbox"
    with page.expect_download() as download:
        page.locator("#agreement-pdf").click()
    assert download.value.suggested_filename.startswith("acuerdo-")
    assert not violations, violations
