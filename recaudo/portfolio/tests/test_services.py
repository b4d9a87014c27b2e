from datetime import UTC, date

import pytest

from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import make_debtor, make_portfolio
from recaudo.portfolio.models import Consent, Contact
from recaudo.portfolio.services import (
    PortfolioError,
    consent_set,
    contact_add,
    debtor_upsert,
)
from recaudo.portfolio.validation import ValidationProblem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"slug": "Mal Slug"}, "invalid slug"),
        ({"country": "XX"}, "unknown country"),
        ({"currency": "ABC"}, "unknown currency"),
        ({"tz": "America/Gotham"}, "unknown time zone"),
        ({"buckets": [[None, 0], [2, None]]}, "not contiguous"),
    ],
)
def test_portfolio_create_rejects_bad_input(kwargs, message):
    with pytest.raises(PortfolioError, match=message):
        make_portfolio(**kwargs)


def test_portfolio_create_rejects_duplicate_slug(portfolio):
    with pytest.raises(PortfolioError, match="already exists"):
        make_portfolio()


def test_portfolio_defaults_time_zone_to_the_capital():
    p = make_portfolio(slug="lima", country="PE", currency="PEN", tz=None)
    assert p.timezone == "America/Lima"


def test_portfolio_today_uses_its_time_zone(portfolio):
    from datetime import datetime

    # 03:00 UTC on the 1st is still the 31st in Bogotá (UTC-5)
    assert portfolio.today(datetime(2026, 1, 1, 3, 0, tzinfo=UTC)) == date(2025, 12, 31)


def test_debtor_upsert_validates_and_normalizes_the_national_id(portfolio):
    debtor, outcome = debtor_upsert(portfolio=portfolio, code="E1",
                                    data={"name": "Ferretería El Tornillo S.A.S.", "id_type": "nit",
                                          "id_number": "800.197.268-4"})
    assert outcome == "created"
    assert (debtor.id_type, debtor.id_number, debtor.kind) == ("NIT", "8001972684", "company")
    with pytest.raises(ValidationProblem, match="invalid NIT") as caught:
        debtor_upsert(portfolio=portfolio, code="E2", data={"name": "X", "id_type": "NIT", "id_number": "800197268-5"})
    assert caught.value.field == "id_number"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": " "}, "name", "obligatorio"),
    ({"name": "Ana", "kind": "robot"}, "kind", "'robot' no es persona ni empresa"),
    ({"name": "Ana", "language": "fr"}, "language", "'fr' no es es, en ni pt"),
    ({}, "name", "obligatorio para un deudor nuevo"),
])
def test_debtor_errors_carry_their_field_and_say_the_reason_in_spanish(portfolio, data, field, message):
    with pytest.raises(ValidationProblem) as caught:
        debtor_upsert(portfolio=portfolio, code="E3", data=data)
    assert (caught.value.field, caught.value.message) == (field, message)
    with pytest.raises(ValidationProblem) as caught:
        debtor_upsert(portfolio=portfolio, code=" ", data={"name": "Ana"})
    assert (caught.value.field, caught.value.message) == ("code", "obligatorio")


def test_debtor_upsert_is_idempotent_and_audits_changes(portfolio):
    make_debtor(portfolio, code="C9", name="Ana Gómez", tags="vip, pyme")
    _, outcome = debtor_upsert(portfolio=portfolio, code="C9", data={"name": "Ana Gómez", "tags": "pyme,vip"})
    assert outcome == "unchanged"
    debtor, outcome = debtor_upsert(portfolio=portfolio, code="C9", data={"name": "Ana María Gómez"})
    assert outcome == "updated"
    event = AuditEvent.objects.get(event_type="debtor.updated")
    assert event.changes == {"name": ["Ana Gómez", "Ana María Gómez"]}
    assert debtor.tag_list == ["pyme", "vip"]
    assert "ana maria gomez" in type(debtor).objects.get(pk=debtor.pk).search_text


def test_contacts_are_normalized_and_consent_is_per_channel(portfolio):
    debtor = make_debtor(portfolio)
    phone, created = contact_add(debtor=debtor, channel="phone", value="300 123 4567", consent="granted",
                                 consent_source="contrato cláusula 12")
    assert created and phone.value == "+573001234567"
    _, created_again = contact_add(debtor=debtor, channel="phone", value="+57 300 1234567")
    assert not created_again
    assert set(phone.consents.values_list("channel", "status")) == {("call", "granted"), ("sms", "granted")}
    consent_set(contact=phone, channel="sms", status="revoked", source="respondió STOP")
    assert Consent.objects.get(contact=phone, channel="sms").status == "revoked"
    assert AuditEvent.objects.filter(event_type="consent.revoked", debtor=debtor).count() == 1
    email, _ = contact_add(debtor=debtor, channel="email", value="Luz@Ejemplo.COM")
    assert email.value == "Luz@ejemplo.com"


@pytest.mark.parametrize("channel,value", [("phone", "12"), ("email", "no-es-correo"), ("whatsapp", "abc")])
def test_invalid_contacts_are_rejected(portfolio, channel, value):
    debtor = make_debtor(portfolio)
    with pytest.raises(ValidationProblem):
        contact_add(debtor=debtor, channel=channel, value=value)


def test_references_can_never_be_given_collection_consent(portfolio):
    debtor = make_debtor(portfolio)
    ref, _ = contact_add(debtor=debtor, channel="phone", value="3109876543", role="reference",
                         holder_name="Pedro (vecino)", consent="granted")
    assert not ref.consents.exists()
    assert not ref.collectable
    with pytest.raises(ValidationProblem, match="nunca se contactan"):
        consent_set(contact=ref, channel="call", status="granted")
    assert Contact.objects.get(pk=ref.pk).role == "reference"


def test_consents_grant_missing_skips_references_and_existing_decisions(portfolio):
    from recaudo.portfolio.services import consents_grant_missing

    debtor = make_debtor(portfolio)
    phone, _ = contact_add(debtor=debtor, channel="phone", value="3001234567")
    email, _ = contact_add(debtor=debtor, channel="email", value="luz@example.com")
    ref, _ = contact_add(debtor=debtor, channel="phone", value="3109876543", role="reference")
    consent_set(contact=phone, channel="sms", status="revoked", source="STOP")
    with pytest.raises(ValidationProblem, match="Diga cómo se obtuvo") as caught:
        consents_grant_missing(portfolio=portfolio, source=" ")
    assert caught.value.field == "source"
    assert consents_grant_missing(portfolio=portfolio, source="contrato cláusula 9") == 2  # call + email
    assert set(Consent.objects.values_list("contact__value", "channel", "status")) == {
        ("+573001234567", "call", "granted"), ("+573001234567", "sms", "revoked"),
        ("luz@example.com", "email", "granted")}
    assert not ref.consents.exists()
    assert consents_grant_missing(portfolio=portfolio, source="contrato cláusula 9") == 0
    assert AuditEvent.objects.filter(event_type="consent.granted_bulk").count() == 2
