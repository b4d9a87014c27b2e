"""The debtor portal (issue 16 §1-§2): getting in with a one-time code sent through the outbox, identical answers
for unknown IDs, limits and lockouts stored in the database, single-use expiring links, a session of its own, what a
debtor sees, the statement and paying."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from recaudo.audit.models import AuditEvent
from recaudo.banking.models import Convenio
from recaudo.communications.models import Message
from recaudo.communications.rendering import PORTAL_SALT, portal_link
from recaudo.demo.testing import login, make_debtor, make_luz, make_obligation, make_user
from recaudo.portal import rules, services
from recaudo.portal.access import CHALLENGE_COOKIE, SESSION_COOKIE
from recaudo.portal.models import Challenge, LinkUse, PortalSession, Throttle
from recaudo.portfolio.models import ObligationParty, Portfolio

pytestmark = pytest.mark.django_db


@pytest.fixture
def luz(portfolio):
    return make_luz(portfolio)


def code_of(message: Message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def ask(client, portfolio, identifier, **extra):
    return client.post(reverse("portal_enter", args=[portfolio.slug]), {"identifier": identifier}, **extra)


def sign_in(client, portfolio, identifier="52123456"):
    response = ask(client, portfolio, identifier)
    assert response.status_code == 302
    message = Message.objects.filter(template_code="portal_code").latest("pk")
    response = client.post(reverse("portal_code", args=[portfolio.slug]), {"code": code_of(message)})
    assert response.status_code == 302 and response["Location"] == reverse("portal_home", args=[portfolio.slug])
    return client


def test_the_pay_page_tells_the_convenio_account_from_the_creditor_account(client, portfolio, luz):
    """Both were labelled "Cuenta" with different numbers: which one should the debtor transfer to?"""
    Convenio.objects.create(portfolio=portfolio, name="Bancolombia", bank_code="007", account_number="123456789",
                            service_code="7709998000011")
    Portfolio.objects.filter(pk=portfolio.pk).update(payment_bank="Banco de Bogotá",
                                                     payment_account="Cuenta corriente 123-45678-9")
    sign_in(client, portfolio)
    page = client.get(reverse("portal_pay", args=[portfolio.slug]), HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "<dt>Cuenta del convenio</dt><dd>123456789</dd>" in page
    assert "<dt>Cuenta</dt><dd>Cuenta corriente 123-45678-9</dd>" in page


def test_a_code_goes_to_the_consented_contact_through_the_outbox_and_signs_in(client, portfolio, luz):
    response = ask(client, portfolio, "52.123.456")
    assert response.status_code == 302 and response["Location"].endswith("/codigo/")
    message = Message.objects.get(template_code="portal_code")
    assert message.debtor == luz and message.source == "portal" and message.status == "queued"
    assert message.next_attempt_at <= timezone.now()  # due now, whatever the contact hours
    code = code_of(message)
    challenge = Challenge.objects.get()
    assert code not in challenge.code_hash and challenge.key_hash != challenge.code_hash  # hashed at rest
    page = client.get(reverse("portal_code", args=[portfolio.slug]))
    assert code not in page.content.decode()
    response = client.post(reverse("portal_code", args=[portfolio.slug]), {"code": code[:3] + " " + code[3:]})
    assert response.status_code == 302
    home = client.get(reverse("portal_home", args=[portfolio.slug]))
    assert home.status_code == 200 and "F-100" in home.content.decode()
    assert AuditEvent.objects.filter(event_type="portal.login", debtor=luz).exists()
    # the code works once
    client.cookies.pop(SESSION_COOKIE)
    client.cookies[CHALLENGE_COOKIE] = response.cookies.get(CHALLENGE_COOKIE, "").value or ""
    again = client.post(reverse("portal_code", args=[portfolio.slug]), {"code": code})
    assert again.status_code in (302, 400) and not again.get("Location", "").endswith("/inicio/")


def test_unknown_ids_get_the_same_answer_and_no_message(client, portfolio, luz):
    known = ask(client, portfolio, "52123456")
    unknown = ask(client, portfolio, "99999999")
    assert known.status_code == unknown.status_code == 302 and known["Location"] == unknown["Location"]
    page_known = client.get(known["Location"]).content.decode()
    page_unknown = client.get(unknown["Location"]).content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", page_known) == strip.sub("", page_unknown)
    assert Message.objects.filter(template_code="portal_code").count() == 1
    # any code for the unknown ID fails like a wrong one
    wrong = client.post(reverse("portal_code", args=[portfolio.slug]), {"code": "123456"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode().lower() or "no es" in \
        wrong.content.decode().lower()


def test_the_code_is_bound_to_the_browser_that_asked(client, portfolio, luz):
    ask(client, portfolio, "52123456")
    code = code_of(Message.objects.get(template_code="portal_code"))
    other = type(client)()
    other.get(reverse("portal_enter", args=[portfolio.slug]))
    response = other.post(reverse("portal_code", args=[portfolio.slug]), {"code": code})
    assert response.status_code == 302 and response["Location"] == reverse("portal_enter", args=[portfolio.slug])


def test_requests_per_id_are_limited_then_locked_with_a_clear_message(client, portfolio, luz):
    for _ in range(rules.REQUESTS_PER_ID.count):
        assert ask(client, portfolio, "52123456").status_code == 302
    response = ask(client, portfolio, "52123456")
    assert response.status_code == 400
    assert "try again after" in response.content.decode().lower() or "intente de nuevo" in \
        response.content.decode().lower()
    assert Message.objects.filter(template_code="portal_code").count() == rules.REQUESTS_PER_ID.count
    assert AuditEvent.objects.filter(event_type="portal.locked").exists()
    # an unknown ID is limited the same way (same answers)
    for _ in range(rules.REQUESTS_PER_ID.count):
        assert ask(client, portfolio, "11111111").status_code == 302
    assert ask(client, portfolio, "11111111").status_code == 400


def test_requests_per_address_are_limited(portfolio, luz):
    now = timezone.now()
    for i in range(rules.REQUESTS_PER_ADDRESS.count):
        services.code_request(portfolio=portfolio, identifier=f"7000{i}", address="203.0.113.9", now=now)
    with pytest.raises(services.PortalLocked):
        services.code_request(portfolio=portfolio, identifier="52123456", address="203.0.113.9", now=now)
    # another address is not locked, and the window passes
    services.code_request(portfolio=portfolio, identifier="52123456", address="203.0.113.10", now=now)
    services.code_request(portfolio=portfolio, identifier="80000", address="203.0.113.9",
                          now=now + rules.REQUESTS_PER_ADDRESS.window + timedelta(seconds=1))


def test_requests_per_destination_are_limited(portfolio, luz):
    """Two debtors who share a phone: the phone gets at most REQUESTS_PER_DESTINATION codes in the window."""
    from recaudo.portfolio.services import contact_add

    twin = make_debtor(portfolio, code="C777", name="Hermana", id_type="CC", id_number="41000111")
    contact_add(debtor=twin, channel="phone", value="300 123 4567", consent="granted", consent_source="contrato")
    now = timezone.now()
    services.code_request(portfolio=portfolio, identifier="52123456", address="a1", now=now)
    services.code_request(portfolio=portfolio, identifier="52123456", address="a2", now=now)
    services.code_request(portfolio=portfolio, identifier="41000111", address="a3", now=now)
    with pytest.raises(services.PortalLocked):
        services.code_request(portfolio=portfolio, identifier="41000111", address="a4", now=now)


def test_wrong_codes_lock_the_id_and_the_lockout_holds_with_the_right_code(portfolio, luz):
    now = timezone.now()
    key = services.code_request(portfolio=portfolio, identifier="52123456", address="a", now=now)
    code = code_of(Message.objects.get(template_code="portal_code"))
    for _ in range(rules.FAILURES_PER_ID.count - 1):
        with pytest.raises(services.PortalCodeWrong):
            services.code_verify(portfolio=portfolio, key=key, code="000000" if code != "000000" else "111111",
                                 address="a", now=now)
    with pytest.raises(services.PortalLocked):
        services.code_verify(portfolio=portfolio, key=key, code="999999" if code != "999999" else "111111",
                             address="a", now=now)
    with pytest.raises(services.PortalLocked):  # even the right code, even from another address
        services.code_verify(portfolio=portfolio, key=key, code=code, address="b", now=now)
    assert Throttle.objects.filter(kind="failure").count() == rules.FAILURES_PER_ID.count
    assert AuditEvent.objects.filter(event_type="portal.code_failed").count() == rules.FAILURES_PER_ID.count
    assert PortalSession.objects.count() == 0


def test_a_code_expires(portfolio, luz):
    now = timezone.now()
    key = services.code_request(portfolio=portfolio, identifier="52123456", address="a", now=now)
    code = code_of(Message.objects.get(template_code="portal_code"))
    with pytest.raises(services.PortalCodeWrong):
        services.code_verify(portfolio=portfolio, key=key, code=code, address="a",
                             now=now + timedelta(minutes=rules.CODE_MINUTES, seconds=1))


def test_a_signed_link_opens_once_and_expires(client, portfolio, luz, settings):
    settings.RECAUDO_PORTAL_URL = "https://pagos.example.co"
    link = portal_link(luz.pk)
    assert link.startswith("https://pagos.example.co/portal/l/")
    path = link.removeprefix("https://pagos.example.co")
    assert client.get(path).status_code == 200  # GET asks to continue: a mail scanner does not spend it
    assert LinkUse.objects.count() == 0
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == reverse("portal_home", args=[portfolio.slug])
    assert client.get(reverse("portal_home", args=[portfolio.slug])).status_code == 200
    assert AuditEvent.objects.filter(event_type="portal.link_used", debtor=luz).count() == 1
    used = type(client)().post(path)
    assert used.status_code == 410
    assert AuditEvent.objects.filter(event_type="portal.link_refused", debtor=luz).exists()


def test_expired_and_forged_links_fail(portfolio, luz, settings, monkeypatch):
    settings.RECAUDO_PORTAL_LINK_HOURS = 1
    token = signing.dumps({"d": luz.pk, "n": "nonce-1"}, salt=PORTAL_SALT, compress=True)
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 3601)
    with pytest.raises(services.PortalLinkInvalid):
        services.link_open(token=token, address="a")
    monkeypatch.setattr(signing.time, "time", real_time)
    with pytest.raises(services.PortalLinkInvalid):
        services.link_open(token=token[:-2] + "xx", address="a")
    forged = signing.dumps({"d": luz.pk, "n": "nonce-2"}, salt="another-salt", compress=True)
    with pytest.raises(services.PortalLinkInvalid):
        services.link_open(token=forged, address="a")
    portfolio_, key = services.link_open(token=token, address="a")
    assert portfolio_ == portfolio and key


def test_the_portal_session_is_not_a_staff_session_and_back(client, portfolio, luz):
    sign_in(client, portfolio)
    staff = client.get(reverse("debtor_list", args=[portfolio.slug]))
    assert staff.status_code == 302 and reverse("login") in staff["Location"]
    staff_client = type(client)()
    login(staff_client, make_user("ana", portfolio, role="admin").username)
    response = staff_client.get(reverse("portal_home", args=[portfolio.slug]))
    assert response.status_code == 302 and response["Location"] == reverse("portal_enter", args=[portfolio.slug])


def test_sign_out_ends_the_session(client, portfolio, luz):
    sign_in(client, portfolio)
    key_cookie = client.cookies[SESSION_COOKIE].value
    client.post(reverse("portal_logout", args=[portfolio.slug]))
    client.cookies[SESSION_COOKIE] = key_cookie  # a copied cookie does not bring it back
    assert client.get(reverse("portal_home", args=[portfolio.slug])).status_code == 302
    assert AuditEvent.objects.filter(event_type="portal.logout").exists()


def test_a_session_of_one_portfolio_opens_nothing_in_another(client, portfolio, other_portfolio, luz):
    sign_in(client, portfolio)
    assert client.get(reverse("portal_home", args=[other_portfolio.slug])).status_code == 302


def test_a_co_debtor_sees_only_the_obligations_they_are_bound_to(client, portfolio, luz):
    owner = make_debtor(portfolio, code="C200", name="Pedro Gómez")
    bound = make_obligation(portfolio, owner, number="F-200", amount="500000")
    make_obligation(portfolio, owner, number="F-201", amount="700000")
    ObligationParty.objects.create(obligation=bound, debtor=luz, role="co_debtor")
    sign_in(client, portfolio)
    page = client.get(reverse("portal_home", args=[portfolio.slug])).content.decode()
    assert "F-100" in page and "F-200" in page and "F-201" not in page
    assert client.get(reverse("portal_obligation", args=[portfolio.slug, bound.pk])).status_code == 200
    other = owner.obligations.get(number="F-201")
    assert client.get(reverse("portal_obligation", args=[portfolio.slug, other.pk])).status_code == 404


def test_home_obligation_and_statement_pages_render(client, portfolio, luz):
    sign_in(client, portfolio)
    obligation = luz.obligations.get()
    page = client.get(reverse("portal_obligation", args=[portfolio.slug, obligation.pk]))
    assert page.status_code == 200 and "F-100" in page.content.decode()
    pdf = client.get(reverse("portal_statement", args=[portfolio.slug]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Cache-Control"].startswith("max-age=0") or "no-cache" in pdf["Cache-Control"] or \
        "no-store" in pdf["Cache-Control"]
    assert AuditEvent.objects.filter(event_type="portal.download", debtor=luz).exists()
    pay = client.get(reverse("portal_pay", args=[portfolio.slug]))
    assert pay.status_code == 200 and luz.code in pay.content.decode() or luz.id_number in pay.content.decode()


def test_english(client, portfolio, luz):
    client.cookies["django_language"] = "en"
    page = client.get(reverse("portal_enter", args=[portfolio.slug]))
    assert "ID number or customer code" in page.content.decode()
    client.cookies["django_language"] = "es-co"
    page = client.get(reverse("portal_enter", args=[portfolio.slug]))
    assert "Número de identificación o código de cliente" in page.content.decode()


def test_the_outbox_sends_a_code_at_night_and_counts_no_contact(portfolio, luz):
    from recaudo.compliance.models import ContactAttempt
    from recaudo.cycle.outbox import outbox_process
    from recaudo.demo.testing import at_local

    night = at_local(portfolio.today(), "23:30")
    services.code_request(portfolio=portfolio, identifier="52123456", address="a", now=night)
    stats = outbox_process(now=night, worker_id="t")
    message = Message.objects.get(template_code="portal_code")
    assert message.status == "sent", (stats, message.last_error)
    assert not ContactAttempt.objects.filter(debtor=luz).exists()


@pytest.mark.parametrize("times,now,expected", [
    (["10:00", "10:05", "10:06"], "10:07", "10:15"),
    (["10:00", "10:05", "10:06"], "10:15", None),
    (["10:00", "10:05"], "10:07", None),
])
def test_lockout_until_worked_example(times, now, expected):
    from datetime import datetime

    def t(hhmm):
        return datetime(2026, 3, 2, int(hhmm[:2]), int(hhmm[3:]))

    result = rules.lockout_until([t(x) for x in times], rules.Limit(3, timedelta(minutes=15)), t(now))
    assert result == (t(expected) if expected else None)


def test_identifier_and_code_rules():
    assert rules.normalize_identifier(" 52.123.456 ") == "52123456"
    assert rules.normalize_identifier("c-001") == "C001"
    assert rules.clean_code("123 456") == "123456"
    assert len(rules.new_code()) == 6 and rules.new_code().isdigit()


def test_action_pages_show_when_their_url_exists(client, portfolio, luz, monkeypatch):
    from recaudo.portal import actions

    monkeypatch.setattr(actions, "ACTIONS", [actions.Action("portal_statement", "Acción que existe"),
                                             actions.Action("portal_not_built_yet", "Acción futura")])
    monkeypatch.setattr("recaudo.portal.views.ACTIONS", actions.ACTIONS)
    sign_in(client, portfolio)
    page = client.get(reverse("portal_home", args=[portfolio.slug])).content.decode()
    assert "Acción que existe" in page and "Acción futura" not in page


def test_pay_by_link_total_and_a_co_debtors_obligation(client, portfolio, luz):
    from recaudo.banking.models import PaymentLink
    from recaudo.banking.services_gateways import gateway_account_save
    from recaudo.banking.tests.fake_gateways import FakeWompi

    owner = make_debtor(portfolio, code="C200", name="Pedro Gómez")
    bound = make_obligation(portfolio, owner, number="F-200", amount="500000")
    ObligationParty.objects.create(obligation=bound, debtor=luz, role="co_debtor")
    sign_in(client, portfolio)
    url = reverse("portal_pay", args=[portfolio.slug])
    page = client.get(url).content.decode()
    assert "no está disponible" in page  # no gateway yet: transfer instructions only
    with FakeWompi() as fake:
        gateway_account_save(portfolio=portfolio, provider="wompi", values=fake.config(), actor="cli")
        response = client.post(url, {"target": "total"})
        assert response.status_code == 200 and 'id="go-pay"' in response.content.decode()
        total = PaymentLink.objects.get()
        assert total.debtor == luz and total.obligation is None and total.amount_minor == luz.balance_minor
        client.post(url, {"target": "obligation", "obligation": str(bound.pk)})
        theirs = PaymentLink.objects.latest("pk")
        assert theirs.debtor == owner and theirs.obligation == bound  # the obligation's debtor pays it
        assert client.post(url, {"target": "installment"}).status_code == 400  # no agreement
    assert AuditEvent.objects.filter(event_type="portal.payment_link", debtor=luz).count() == 2


def test_a_pending_bureau_notice_shows_with_its_dates(client, portfolio, luz):
    from recaudo.compliance.services import compliance_settings
    from recaudo.strategies.models import StepExecution, StrategyVersion
    from recaudo.strategies.services import strategy_ensure_default

    strategy = strategy_ensure_default(portfolio)
    version = StrategyVersion.objects.create(strategy=strategy, number=99, content={"name": "x", "stages": [
        {"key": "s", "name": "s", "from_days": 1, "to_days": None, "steps": [
            {"key": "aviso", "offset": 30, "action": "send_message"},
            {"key": "reporte", "offset": 60, "action": "report_bureau", "notice_steps": ["aviso"]}]}]})
    today = portfolio.today()
    row = {"portfolio": portfolio, "debtor": luz, "strategy": strategy, "strategy_version": version,
           "episode": today - timedelta(days=40), "offset": 30, "outcome": "done"}
    StepExecution.objects.create(**row, step_key="aviso", business_date=today - timedelta(days=3),
                                 action="send_message")
    sign_in(client, portfolio)
    page = client.get(reverse("portal_home", args=[portfolio.slug])).content.decode()
    days = compliance_settings().bureau_min_days_after_notice  # Ley 1266 art. 12: 20 days to pay or dispute
    sent, report = today - timedelta(days=3), today - timedelta(days=3) + timedelta(days=days)
    assert 'id="bureau-notice"' in page and f"{sent:%d/%m/%Y}" in page and f"{report:%d/%m/%Y}" in page
    StepExecution.objects.create(**{**row, "offset": 60}, step_key="reporte", business_date=today,
                                 action="report_bureau")
    assert 'id="bureau-notice"' not in client.get(reverse("portal_home", args=[portfolio.slug])).content.decode()


def test_without_a_logo_the_portal_requests_no_logo_and_no_favicon(client, portfolio):
    """The demo's portal showed a 404 in the browser's console: no <img> of a logo the portfolio does not have, and
    an icon declared (none, or the creditor's logo) so the browser does not ask for /favicon.ico."""
    html = client.get(reverse("portal_enter", args=[portfolio.slug])).content.decode()
    logo = reverse("portal_logo", args=[portfolio.slug])
    assert logo not in html
    assert '<link rel="icon" href="data:,">' in html
    assert client.get(logo).status_code == 404
    Portfolio.objects.filter(pk=portfolio.pk).update(creditor_logo=b"\x89PNG\r\n\x1a\n", creditor_logo_type="image/png")
    html = client.get(reverse("portal_enter", args=[portfolio.slug])).content.decode()
    assert f'<link rel="icon" href="{logo}">' in html and f'<img src="{logo}"' in html
