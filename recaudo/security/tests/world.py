"""Two portfolios with one object of every kind a URL can name, and the people who attack them.

Portfolio A (`pyme`): ana (admin), sofia (supervisor), carlos (agent), vera (viewer). Portfolio B (`edificio`):
beto (admin of B only). Each portfolio has a debtor with a contact and an obligation, a draft agreement, an offer
waiting for approval, a promise, an import job, the default strategy and its version, a segment, a hold, and an
agent's template edit waiting for approval."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.utils import timezone

from recaudo.certificates.services import debt_certificate_issue
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio, make_user
from recaudo.portfolio.models import SavedFilter
from recaudo.portfolio.services import contact_add, document_attach, portfolio_creditor_set

ROLES = ("viewer", "agent", "supervisor", "admin")


@dataclass
class Side:
    portfolio: object
    debtor: object
    agreement: object
    offer: object
    job: object
    strategy: object
    version: object
    segment: object
    hold: object
    revision: object
    payment: object
    objects: dict = field(default_factory=dict)
    message: object = None
    contact: object = None
    obligation: object = None
    document: object = None
    saved_filter: object = None
    bulk_job: object = None
    bank_line: object = None
    convenio: object = None
    bank_upload: object = None
    payment_link: object = None
    transfer_receipt: object = None
    habeas_request: object = None
    certificate: object = None
    inbound: object = None
    erp_connector: object = None
    webhook: object = None
    webhook_delivery: object = None


def build_side(portfolio, agent, number: str) -> Side:
    from recaudo.agents.models import BulkJob
    from recaudo.agents.services import assign_debtors
    from recaudo.agreements.services.offers import offer_create
    from recaudo.agreements.services.payments import payment_receive
    from recaudo.agreements.services.plans import agreement_create
    from recaudo.communications.services import template_save
    from recaudo.imports.models import ImportJob
    from recaudo.strategies.services import hold_create, latest_version, segment_save, strategy_ensure_default

    today = portfolio.today()
    now = timezone.now()
    debtor = make_debtor(portfolio, code="C001", name=f"Deudor {portfolio.slug}", id_type="CC", id_number="52123456")
    contact_add(debtor=debtor, channel="phone", value="300 123 4567", consent="granted", consent_source="contrato")
    make_obligation(portfolio, debtor, number=number, amount="1000000", issue=today - timedelta(days=60),
                    due=today - timedelta(days=30))
    make_obligation(portfolio, debtor, number=number + "b", amount="500000", issue=today - timedelta(days=50),
                    due=today - timedelta(days=20))
    debtor.refresh_from_db()
    assign_debtors(portfolio=portfolio, debtor_ids=[debtor.pk], agent=agent)
    obligations = list(debtor.obligations.order_by("due_date"))
    agreement = agreement_create(portfolio=portfolio, debtor=debtor, obligations=obligations[:1], installments=3,
                                 first_due=today + timedelta(days=30), today=today, now=now)
    offer = offer_create(portfolio=portfolio, debtor=debtor, kind="restructuring", obligations=obligations[1:],
                         params={"installments": 12, "first_due": (today + timedelta(days=20)).isoformat()},
                         actor=agent, today=today, now=now)
    rejected = default_storage.save(f"imports/{portfolio.slug}.rejected.csv",
                                    ContentFile(b"code,name,reason\nC9,Ana,missing id\n"))
    job = ImportJob.objects.create(portfolio=portfolio, kind="debtors", filename="clientes.csv", status="done",
                                   rejected_path=rejected)
    strategy = strategy_ensure_default(portfolio)
    segment = segment_save(portfolio=portfolio, name=f"Segmento {portfolio.slug}", conditions={"days_min": 1},
                           order=10)
    hold = hold_create(debtor=debtor, reason="claim", until=None, notes="reclamo")
    revision = template_save(portfolio=portfolio, code="reminder", channel="sms", language="es", subject="",
                             body="Hola {{ debtor.first_name }}", now=now, actor=agent)
    payment, _ = payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"), date=today,
                                 reference=f"PSE-{number}", method="pse")
    from recaudo.communications.models import Message

    message = Message.objects.create(
        portfolio=portfolio, debtor=debtor, channel="sms", to="+573001234567", template_code="reminder",
        language="es", body=f"Hola, su saldo {number}", dedupe_key=f"world-{number}", scheduled_for=now,
        next_attempt_at=now)
    # a bulk action of the debtor list left to the worker, stopped half-way (so its page offers to resume it)
    bulk_job = BulkJob.objects.create(portfolio=portfolio, action="tag", token=f"world-{number}",
                                      params={"add_tags": ["revisar"]}, debtors=[debtor.pk], total=1,
                                      status="failed", message="stopped")
    from recaudo.banking.models import BankLine

    bank_line = BankLine.objects.create(
        portfolio=portfolio, source_key=f"world-{number}", layout="asobancaria-2001", file_sha256="0" * 64,
        line_number=3, bank_date=today, bank_code="007", reference=f"<b>REF-{number}</b>", amount_minor=5_000_00,
        channel="01", status="queued", reason="la referencia no corresponde a ningún deudor")
    from recaudo.banking.models import Convenio

    convenio = Convenio.objects.create(portfolio=portfolio, name=f"<i>Convenio {number}</i>", bank_code="007",
                                       company_nit="900123456", service_code="7709998000011")
    from recaudo.banking.models import BankUpload

    bank_upload = BankUpload.objects.create(portfolio=portfolio, filename=f"<b>recaudo-{number}</b>.txt",
                                            status="refused", problems=[f"<script>line {number}</script>"])

    from recaudo.banking.models import PaymentLink

    payment_link = PaymentLink.objects.create(
        portfolio=portfolio, debtor=debtor, amount_minor=5_000_00, currency="COP", reference=f"RC-WORLD-{number}",
        provider="wompi", url=f"https://checkout.wompi.co/l/world{number}",
        expires_at=timezone.now() + timedelta(days=3))
    from recaudo.audit.services import portal_actor
    from recaudo.banking.services import transfer_receipt_submit

    transfer_receipt = transfer_receipt_submit(
        portfolio=portfolio, debtor=debtor, amount="5000", paid_on=portfolio.today(), reference=f"<b>TR-{number}</b>",
        file=b"%PDF-1.4 receipt " + number.encode(), filename=f"<i>comprobante-{number}</i>.pdf",
        actor=portal_actor(debtor.pk))
    from recaudo.privacy.services_requests import habeas_request_file

    habeas = habeas_request_file(debtor=debtor, kind="reclamo", channel="portal", actor=portal_actor(debtor.pk),
                                 text=f"<script>alert('{number}')</script> corrijan mi reporte")
    portfolio_creditor_set(portfolio=portfolio, actor="cli", creditor_nit="900.123.456-8",
                           legal_representative=f"<b>Administradora {number}</b>")
    certificate = debt_certificate_issue(debtor=debtor, actor="cli")
    from recaudo.communications.models import InboundMessage

    inbound = InboundMessage.objects.create(
        portfolio=portfolio, debtor=debtor, contact=debtor.contacts.first(), channel="sms", sender="+573001234567",
        text=f"<script>alert('inbound {number}')</script>", kind="other", outcome="inbox", needs_agent=True,
        received_at=now)
    from recaudo.connectors.models import ErpConnector

    # an ERP connector whose API address answers nothing (its test fails at once, "run now" only schedules it)
    erp_connector = ErpConnector.objects.create(portfolio=portfolio, kind="alegra", name=f"<b>ERP {number}</b>",
                                                base_url="http://127.0.0.1:9", config={"email": "a@b.co"},
                                                last_error=f"<script>erp {number}</script>")
    from recaudo.webhooks.services import send_test_event, subscription_create

    with override_settings(RECAUDO_WEBHOOKS_ALLOW_PRIVATE=True):  # its host is not looked up (no DNS in tests)
        webhook, _secret = subscription_create(portfolio=portfolio, url=f"https://erp.example.co/hooks/{number}",
                                               description=f"<script>alert('hook {number}')</script>",
                                               events=["payment.recorded"], actor="cli")
    webhook_delivery = send_test_event(subscription=webhook, actor="cli")
    return Side(portfolio=portfolio, debtor=debtor, agreement=agreement, offer=offer, job=job, strategy=strategy,
                version=latest_version(strategy), segment=segment, hold=hold, revision=revision, payment=payment,
                message=message, contact=debtor.contacts.first(), obligation=obligations[0],
                document=document_attach(debtor=debtor, upload=b"%PDF-1.4 world", filename=f"factura-{number}.pdf",
                                         actor="cli"),
                bulk_job=bulk_job, bank_line=bank_line, convenio=convenio, bank_upload=bank_upload,
                payment_link=payment_link, transfer_receipt=transfer_receipt, habeas_request=habeas,
                certificate=certificate, inbound=inbound, erp_connector=erp_connector, webhook=webhook,
                webhook_delivery=webhook_delivery)


def build_world() -> dict:
    """{"A": Side, "B": Side, "users": {"viewer"|"agent"|"supervisor"|"admin": a user of A, "outsider": B's admin}}"""
    a = make_portfolio()
    b = make_portfolio(slug="edificio", name="Edificio Los Almendros P.H.")
    users = {role: make_user(name, a, role=role)
             for role, name in (("viewer", "vera"), ("agent", "carlos"), ("supervisor", "sofia"), ("admin", "ana"))}
    users["outsider"] = make_user("beto", b, role="admin")
    side_a, side_b = build_side(a, users["agent"], "F-1"), build_side(b, make_user("bea", b, role="agent"), "B-1")
    # A saved filter of the debtor list, owned by the lowest role that may delete its own (a viewer).
    side_a.saved_filter = SavedFilter.objects.create(portfolio=a, owner=users["viewer"], name="mis 31-60",
                                                     query="filtered=1&bucket=2")
    side_b.saved_filter = SavedFilter.objects.create(portfolio=b, owner=users["outsider"], name="de B",
                                                     query="filtered=1")
    return {"A": side_a, "B": side_b, "users": users}
