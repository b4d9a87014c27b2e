"""The webhooks pages (administrators), in es-CO: create (the secret shown once), change and turn off, rotate the
secret, the delivery log, redeliver and send a test event."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from recaudo.demo.testing import login, make_portfolio, make_user
from recaudo.webhooks.models import Delivery, Subscription
from recaudo.webhooks.services import deliveries_process, subscription_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio():
    portfolio = make_portfolio()
    make_user("ana", portfolio, role="admin")
    make_user("sofia", portfolio, role="supervisor")
    return portfolio


def test_an_administrator_creates_a_webhook_and_sees_the_secret_once(client, portfolio, fake_dns):
    login(client, "ana")
    page = client.get(reverse("webhook_list", args=[portfolio.slug])).content.decode()
    assert "Aún no hay webhooks." in page and "Nuevo webhook" in page
    url = reverse("webhook_new", args=[portfolio.slug])
    refused = client.post(url, {"url": "ftp://erp.example.co/x", "events": ["payment.recorded"]}).content.decode()
    assert "solo direcciones http:// o https://" in refused and not Subscription.objects.exists()
    created = client.post(url, {"url": "https://erp.example.co/hooks", "description": "<b>ERP</b>",
                                "events": ["payment.recorded", "obligation.paid"]}).content.decode()
    sub = Subscription.objects.get()
    secret = subscription_secret(sub)
    assert secret in created and "se muestra solo esta vez" in created
    detail = client.get(reverse("webhook_detail", args=[portfolio.slug, sub.pk])).content.decode()
    assert secret not in detail and "Enviar evento de prueba" in detail and "Pago registrado" in detail
    listing = client.get(reverse("webhook_list", args=[portfolio.slug])).content.decode()
    assert "&lt;b&gt;ERP&lt;/b&gt;" in listing and "<b>ERP</b>" not in listing


def test_rotate_change_turn_off_test_event_and_redeliver(client, portfolio, settings):
    settings.RECAUDO_WEBHOOKS_ALLOW_PRIVATE = True
    login(client, "ana")
    client.post(reverse("webhook_new", args=[portfolio.slug]),
                {"url": "http://127.0.0.1:9/hooks", "events": ["payment.recorded"]})
    sub = Subscription.objects.get()
    old = subscription_secret(sub)
    rotated = client.post(reverse("webhook_rotate", args=[portfolio.slug, sub.pk])).content.decode()
    sub.refresh_from_db()
    new = subscription_secret(sub)
    assert new != old and new in rotated and "El secreto anterior ya no firma" in rotated
    client.post(reverse("webhook_test", args=[portfolio.slug, sub.pk]))
    delivery = Delivery.objects.get()
    assert delivery.event.event_type == "webhook.test"
    deliveries_process(now=timezone.now())  # nothing listens on port 9: a failed attempt
    log = client.get(reverse("webhook_delivery", args=[portfolio.slug, sub.pk, delivery.pk])).content.decode()
    assert "webhook.test" in log and re.search(r"Reenviar", log)
    client.post(reverse("webhook_redeliver", args=[portfolio.slug, sub.pk, delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 0 and delivery.log.count() == 1
    response = client.post(reverse("webhook_detail", args=[portfolio.slug, sub.pk]),
                           {"url": "http://127.0.0.1:9/hooks", "events": ["payment.recorded"], "description": ""})
    assert response.status_code == 302
    sub.refresh_from_db()
    assert not sub.active  # the box unticked: turned off
    off = client.post(reverse("webhook_test", args=[portfolio.slug, sub.pk]), follow=True).content.decode()
    assert "El webhook está desactivado: actívelo primero." in off


def test_a_private_address_is_refused_at_the_url_field(client, portfolio, fake_dns):
    login(client, "ana")
    url = reverse("webhook_new", args=[portfolio.slug])
    page = client.post(url, {"url": "https://127.0.0.1/hook", "events": ["payment.recorded"]})
    assert page.status_code == 200 and not Subscription.objects.exists()
    assert page.context["form"].errors["url"] == ["URL: rechazado: 127.0.0.1 es una dirección privada"]
    assert "URL: rechazado: 127.0.0.1 es una dirección privada" in page.content.decode()
    client.post(url, {"url": "https://erp.example.co/hooks", "events": ["payment.recorded"], "active": "on"})
    sub = Subscription.objects.get()
    page = client.post(reverse("webhook_detail", args=[portfolio.slug, sub.pk]),
                       {"url": "https://intranet.example.co/x", "events": ["payment.recorded"], "active": "on"})
    assert page.status_code == 200
    assert page.context["form"].errors["url"] == [
        "URL: rechazado: intranet.example.co apunta a 10.20.30.40, una dirección privada"]
    sub.refresh_from_db()
    assert sub.url == "https://erp.example.co/hooks"


def test_a_disabled_webhook_is_announced_on_the_page(client, portfolio, fake_dns):
    login(client, "ana")
    client.post(reverse("webhook_new", args=[portfolio.slug]),
                {"url": "https://erp.example.co/hooks", "events": ["payment.recorded"]})
    Subscription.objects.update(active=False, disabled_at=timezone.now(),
                                disabled_reason="15 entregas seguidas fallaron")
    page = client.get(reverse("webhook_list", args=[portfolio.slug])).content.decode()
    assert "se desactivó el" in page and "15 entregas seguidas fallaron" in page


def test_a_supervisor_does_not_see_the_webhooks(client, portfolio):
    login(client, "sofia")
    assert client.get(reverse("webhook_list", args=[portfolio.slug])).status_code == 404
