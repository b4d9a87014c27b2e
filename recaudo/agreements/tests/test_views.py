from datetime import date
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recaudo.agreements.models import Agreement, AuthorityLimit, Offer, Promise
from recaudo.agreements.services.offers import offer_create
from recaudo.agreements.services.plans import agreement_create
from recaudo.demo.testing import TEST_PASSWORD, make_user, sign_in
from recaudo.portfolio.models import Portfolio

from .helpers import MONDAY, NOW, debtor_with_debt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with mock.patch.object(Portfolio, "today", return_value=MONDAY):
        yield


def login(client, user):
    assert sign_in(client, username=user.username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def book(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    return {"debtor": debtor, "f1": f1, "f2": f2, "agent": make_user("ana", portfolio, role="agent"),
            "supervisor": make_user("sofia", portfolio, role="supervisor")}


def test_login_required_and_other_portfolio_is_404(client, portfolio, other_portfolio, book):
    url = reverse("debtor_agreements", args=[portfolio.slug, book["debtor"].pk])
    assert client.get(url).status_code == 302
    outsider = make_user("otro", other_portfolio, role="admin")
    login(client, outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("approvals", args=[portfolio.slug])).status_code == 404
    # The debtor of another portfolio under a granted slug: 404 too.
    assert client.get(reverse("debtor_agreements", args=[other_portfolio.slug, book["debtor"].pk])).status_code == 404


def test_agent_records_a_promise_and_sees_the_page(client, portfolio, book):
    login(client, book["agent"])
    url = reverse("promise_new", args=[portfolio.slug, book["debtor"].pk])
    response = client.post(url, {"amount": "250.000", "due_date": "2026-03-10", "channel": "call",
                                 "source": "agent"})
    assert response.status_code == 302
    promise = Promise.objects.get()
    assert promise.amount_minor == 25_000_000 and promise.created_by == book["agent"]
    page = client.get(reverse("debtor_agreements", args=[portfolio.slug, book["debtor"].pk]))
    assert page.status_code == 200 and "250.000" in page.content.decode()
    detail = client.get(reverse("debtor_detail", args=[portfolio.slug, book["debtor"].pk]))
    assert reverse("debtor_agreements", args=[portfolio.slug, book["debtor"].pk]) in detail.content.decode()


def test_viewer_cannot_write(client, portfolio, book):
    viewer = make_user("vera", portfolio, role="viewer")
    login(client, viewer)
    url = reverse("promise_new", args=[portfolio.slug, book["debtor"].pk])
    assert client.post(url, {"amount": "1", "due_date": "2026-03-10", "channel": "call"}).status_code == 404
    assert Promise.objects.count() == 0


def test_agreement_flow_preview_create_accept_pdf(client, portfolio, book):
    login(client, book["agent"])
    d = book["debtor"]
    data = {"obligations": [book["f1"].pk, book["f2"].pk], "down_payment": "20.000", "installments": "3",
            "frequency": "monthly", "first_due": "2026-04-01", "rate_kind": "none", "rate_pct": "",
            "breach_clause": "revert", "language": "es"}
    preview = client.get(reverse("agreement_preview", args=[portfolio.slug, d.pk]), data)
    assert preview.status_code == 200 and "500.000,00" in preview.content.decode()
    response = client.post(reverse("agreement_new", args=[portfolio.slug, d.pk]), data)
    agreement = Agreement.objects.get()
    assert response.status_code == 302 and agreement.financed_minor == 150_000_000
    upload = SimpleUploadedFile("firmado.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    response = client.post(reverse("agreement_accept", args=[portfolio.slug, agreement.pk]),
                           {"channel": "signed_upload", "evidence_file": upload})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "accepted" and agreement.acceptance.evidence_file.name.endswith(".pdf")
    pdf = client.get(reverse("agreement_pdf", args=[portfolio.slug, agreement.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("agreement_detail", args=[portfolio.slug, agreement.pk])).status_code == 200


def test_first_due_date_typos_are_named_at_the_date_as_pages_write_dates(client, portfolio, book):
    """A year typed 9999 made the page fail (a 500); a date already past was said in ISO (2026-02-01)."""
    login(client, book["agent"])
    data = {"obligations": [book["f1"].pk], "installments": "3", "frequency": "monthly", "rate_kind": "none",
            "breach_clause": "revert", "language": "es"}
    url = reverse("agreement_new", args=[portfolio.slug, book["debtor"].pk])
    far = client.post(url, {**data, "first_due": "9999-12-01"})
    assert far.status_code == 200 and "las cuotas caerían después del año 9999" in far.content.decode()
    past = client.post(url, {**data, "first_due": "2026-02-01"}).content.decode()
    assert f"01/02/2026 es anterior a hoy ({MONDAY:%d/%m/%Y})" in past
    assert Agreement.objects.count() == 0


def test_usury_rate_is_refused_in_the_form(client, portfolio, book):
    login(client, book["agent"])
    data = {"obligations": [book["f1"].pk], "installments": "3", "frequency": "monthly", "first_due": "2026-04-01",
            "rate_kind": "monthly", "rate_pct": "3", "breach_clause": "revert", "language": "es"}
    response = client.post(reverse("agreement_new", args=[portfolio.slug, book["debtor"].pk]), data)
    assert response.status_code == 200 and "tope legal" in response.content.decode()
    assert Agreement.objects.count() == 0


def test_approvals_page_permissions_and_decisions(client, portfolio, book):
    d = book["debtor"]
    offer = offer_create(portfolio=portfolio, debtor=d, kind="lump_sum_discount", obligations=[book["f1"], book["f2"]],
                         params={"discount_pct": "20", "pay_by": "2026-03-20"}, actor=book["agent"], today=MONDAY,
                         now=NOW)
    assert offer.status == "pending_approval"
    login(client, book["agent"])
    assert client.get(reverse("approvals", args=[portfolio.slug])).status_code == 403
    decide = reverse("offer_decide", args=[portfolio.slug, offer.pk])
    assert client.post(decide, {"decision": "approve", "reason": "yo"}).status_code == 403
    offer.refresh_from_db()
    assert offer.status == "pending_approval"
    client.logout()
    login(client, book["supervisor"])
    page = client.get(reverse("approvals", args=[portfolio.slug]))
    assert page.status_code == 200 and f"OF-{offer.pk}" in page.content.decode()
    assert client.post(decide, {"decision": "approve", "reason": "cliente antiguo"}).status_code == 302
    offer.refresh_from_db()
    assert offer.status == "approved" and offer.decided_by == book["supervisor"]


def test_a_bad_counter_offer_is_named_not_taken_for_a_missing_decision(client, portfolio, book):
    offer = offer_create(portfolio=portfolio, debtor=book["debtor"], kind="lump_sum_discount",
                         obligations=[book["f1"]], params={"discount_pct": "20", "pay_by": "2026-03-20"},
                         actor=book["agent"], today=MONDAY, now=NOW)
    login(client, book["supervisor"])
    decide = reverse("offer_decide", args=[portfolio.slug, offer.pk])
    page = client.post(decide, {"decision": "counter", "reason": "hasta 10 %", "discount_pct": "150"},
                       follow=True).content.decode()
    assert "Contraoferta: descuento (%): Asegúrese de que este valor sea menor o igual a 100." in page
    assert "Elija una decisión" not in page
    assert "Elija una decisión" in client.post(decide, {"reason": "x"}, follow=True).content.decode()
    offer.refresh_from_db()
    assert offer.status == "pending_approval"


def test_supervisor_cannot_approve_beyond_authority_on_the_page(client, portfolio, book):
    offer = offer_create(portfolio=portfolio, debtor=book["debtor"], kind="lump_sum_discount",
                         obligations=[book["f1"]], params={"discount_pct": "45", "pay_by": "2026-03-20"},
                         actor=book["agent"], today=MONDAY, now=NOW)
    login(client, book["supervisor"])
    page = client.get(reverse("approvals", args=[portfolio.slug])).content.decode()
    assert "Beyond your authority" in page or "Fuera de su autoridad" in page
    response = client.post(reverse("offer_decide", args=[portfolio.slug, offer.pk]), {"decision": "approve"})
    assert response.status_code == 403
    response = client.post(reverse("offer_decide", args=[portfolio.slug, offer.pk]),
                           {"decision": "counter", "reason": "hasta 30 %", "discount_pct": "30"})
    assert response.status_code == 302
    assert Offer.objects.get(counter_of=offer).status == "approved"


def test_offer_form_creates_offer(client, portfolio, book):
    # The agent may forgive up to 10 % here (configured); without a row an agent forgives nothing alone (issue 11).
    AuthorityLimit.objects.create(portfolio=portfolio, role="agent", max_discount_pct=10)
    login(client, book["agent"])
    response = client.post(reverse("offer_new", args=[portfolio.slug, book["debtor"].pk]), {
        "kind": "interest_fee_waiver", "obligations": [book["f1"].pk], "waive_interest": "on", "booking": "discount"})
    offer = Offer.objects.get()
    assert response.status_code == 302 and offer.status == "approved" and offer.forgiven_minor == 2_000_000
    assert client.get(reverse("offer_detail", args=[portfolio.slug, offer.pk])).status_code == 200
    response = client.post(reverse("offer_accept", args=[portfolio.slug, offer.pk]),
                           {"channel": "in_person", "evidence_text": "aceptó por teléfono"})
    offer.refresh_from_db()
    assert offer.status == "accepted"


def test_draft_agreement_of_other_portfolio_is_404(client, portfolio, other_portfolio, book):
    a = agreement_create(portfolio=portfolio, debtor=book["debtor"], obligations=[book["f1"]], installments=2,
                         first_due=date(2026, 4, 1), today=MONDAY, now=NOW)
    login(client, make_user("otro", other_portfolio, role="admin"))
    assert client.get(reverse("agreement_pdf", args=[portfolio.slug, a.pk])).status_code == 404
    assert client.get(reverse("agreement_detail", args=[other_portfolio.slug, a.pk])).status_code == 404


def test_debtor_page_shows_refinanced_obligations_in_agreement_with_their_days_at_the_agreement(client, portfolio,
                                                                                                book):
    from recaudo.agreements.services.plans import agreement_accept

    a = agreement_create(portfolio=portfolio, debtor=book["debtor"], obligations=[book["f1"], book["f2"]],
                         installments=2, first_due=date(2026, 4, 1), today=MONDAY, now=NOW)
    agreement_accept(agreement=a, channel="in_person", evidence_text="en oficina", actor=book["supervisor"],
                     today=MONDAY, now=NOW)
    login(client, book["agent"])
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, book["debtor"].pk]),
                      HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    # F-1 due 31 Jan and F-2 due 15 Feb were 30 and 15 days past due on 2 March, when the agreement was accepted
    assert page.count("badge-in_agreement") == 2 and "En acuerdo" in page and "Pagada" not in page
    assert "30 al acuerdo" in page and "15 al acuerdo" in page


def test_the_new_agreement_page_opens_with_the_schedule_of_its_initial_values(client, portfolio, book):
    login(client, book["agent"])
    page = client.get(reverse("agreement_new", args=[portfolio.slug, book["debtor"].pk]),
                      HTTP_ACCEPT_LANGUAGE="es-co")
    html = page.content.decode()
    preview = page.context["preview"]
    assert preview.get("schedule") and not preview.get("error"), preview
    assert len(preview["schedule"]) == 6 and preview["schedule"][0].due_date == MONDAY  # 6 installments from today
    assert 'id="schedule"' in html and "Complete el plan" not in html


def test_the_schedule_sits_in_a_wide_column_that_scrolls_rather_than_spilling_out_of_its_card(client, portfolio, book):
    """At 1280 px the six-column schedule ran past its card (issue 14): the form takes the narrow column, the schedule
    the wide one, and the table scrolls inside its card if it still does not fit."""
    login(client, book["agent"])
    html = client.get(reverse("agreement_new", args=[portfolio.slug, book["debtor"].pk]),
                      HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert '<div class="grid-plan">' in html
    assert '<div class="table-wrap tall"><table class="table" id="schedule">' in html


def test_a_debtor_without_open_obligations_is_told_so_on_the_new_agreement_page(client, portfolio, book):
    login(client, book["agent"])
    for obligation in (book["f1"], book["f2"]):
        obligation.status = "paid"
        obligation.balance_minor = 0
        obligation.save()
    html = client.get(reverse("agreement_new", args=[portfolio.slug, book["debtor"].pk]),
                      HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "Ninguna obligación de este deudor puede incluirse en un acuerdo" in html


def test_a_debtor_with_open_obligations_gets_no_empty_list_sentence(client, portfolio, book):
    login(client, book["agent"])
    html = client.get(reverse("agreement_new", args=[portfolio.slug, book["debtor"].pk]),
                      HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "Ninguna obligación de este deudor" not in html


def test_the_schedule_shows_installment_obligations_only_once_they_exist(client, portfolio, book):
    """A draft's installments have no obligation yet: its schedule showed two columns of dashes (issue 14). They
    appear once the agreement is accepted and its installments are obligations."""
    login(client, book["agent"])
    d = book["debtor"]
    data = {"obligations": [book["f1"].pk, book["f2"].pk], "down_payment": "20.000", "installments": "3",
            "frequency": "monthly", "first_due": "2026-04-01", "rate_kind": "none", "rate_pct": "",
            "breach_clause": "revert", "language": "es"}
    client.post(reverse("agreement_new", args=[portfolio.slug, d.pk]), data)
    agreement = Agreement.objects.get()
    page = client.get(reverse("agreement_detail", args=[portfolio.slug, agreement.pk]), HTTP_ACCEPT_LANGUAGE="es-CO")
    head = page.content.decode().split('id="schedule"')[1].split("</thead>")[0]
    assert "Obligación" not in head
    upload = SimpleUploadedFile("firmado.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    client.post(reverse("agreement_accept", args=[portfolio.slug, agreement.pk]),
                {"channel": "signed_upload", "evidence_file": upload})
    page = client.get(reverse("agreement_detail", args=[portfolio.slug, agreement.pk]), HTTP_ACCEPT_LANGUAGE="es-CO")
    head = page.content.decode().split('id="schedule"')[1].split("</thead>")[0]
    assert "Obligación" in head


def test_the_plan_preview_says_the_cap_and_a_provisional_rate_in_the_page_language(client, portfolio, book):
    """After the last certified month the latest known usury rate stands in: the warning names it in Spanish (or
    English), and a rate above the cap is refused in the page's language with its decimal comma."""
    login(client, book["agent"])
    data = {"obligations": [book["f1"].pk], "installments": "3", "frequency": "monthly", "first_due": "2026-12-01",
            "rate_kind": "none", "rate_pct": "", "breach_clause": "revert", "language": "es"}
    url = reverse("agreement_preview", args=[portfolio.slug, book["debtor"].pk])
    with mock.patch.object(Portfolio, "today", return_value=date(2026, 11, 16)):
        html = client.get(url, data, HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
        assert "tasa de usura de CO de 2026-11: provisionalmente la de 2026-09" in html, html
        assert "usury rate" not in html and "provisional:" not in html
        english = client.get(url, data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "CO usury rate of 2026-11: provisionally that of 2026-09" in english
        refused = client.get(url, {**data, "rate_kind": "monthly", "rate_pct": "3"},
                             HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "la tasa 42,58 % E.A. supera el tope legal de" in refused, refused


def test_pending_offer_says_who_asked_in_words_and_its_terms_for_whoever_decides(client, portfolio, book):
    """The offer's page and the approvals queue name the requester's role as people say it (never the code "agent"),
    and the offer's page shows what the supervisor decides on: pay-by date, validity and the agent's reason."""
    login(client, book["agent"])
    client.post(reverse("offer_new", args=[portfolio.slug, book["debtor"].pk]), {
        "kind": "lump_sum_discount", "obligations": [book["f1"].pk], "discount_pct": "40", "pay_by": "2026-03-20",
        "expires_on": "2026-03-15", "booking": "discount", "reason": "<b>pierde el empleo</b>"})
    offer = Offer.objects.get()
    assert offer.status == "pending_approval"
    page = client.get(reverse("offer_detail", args=[portfolio.slug, offer.pk])).content.decode()
    assert "ana (Gestor)" in page and "(agent)" not in page
    assert "20/03/2026" in page and "15/03/2026" in page
    assert "&lt;b&gt;pierde el empleo&lt;/b&gt;" in page
    login(client, book["supervisor"])
    queue = client.get(reverse("approvals", args=[portfolio.slug])).content.decode()
    assert "ana (Gestor)" in queue and "(agent)" not in queue
