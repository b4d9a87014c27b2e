"""`recaudo demo --no-serve --size small` end to end."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django.test import RequestFactory

from recaudo.accounts.models import Membership
from recaudo.analytics.models import DailyFlow
from recaudo.audit.models import AuditEvent
from recaudo.demo.management.commands.demo import DEMO_PASSWORD
from recaudo.ledger.models import Entry, Payment
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Debtor, Obligation, Portfolio


def counts():
    return {
        "portfolios": Portfolio.objects.count(), "debtors": Debtor.objects.count(),
        "obligations": Obligation.objects.count(), "payments": Payment.objects.count(),
        "entries": Entry.objects.count(), "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
    }


@pytest.mark.django_db
def test_demo_small_end_to_end_and_idempotent():
    out = io.StringIO()
    call_command("demo", "--no-serve", "--size", "small", stdout=out)
    text = out.getvalue()
    assert "Distribuciones Andinas S.A.S. (pyme): created" in text
    assert DEMO_PASSWORD in text and "supervisora" in text and "Ready in" in text

    pyme = Portfolio.objects.get(slug="pyme")
    edificio = Portfolio.objects.get(slug="edificio")
    assert (edificio.name, edificio.currency, edificio.timezone) == ("Edificio Torres del Parque P.H.", "COP",
                                                                     "America/Bogota")
    assert 40 <= Debtor.objects.count() <= 60
    assert pyme.obligations.filter(kind="invoice").count() == 140
    hoa = edificio.obligations.all()
    assert hoa.count() == 8 * 18 and set(hoa.values_list("kind", flat=True)) == {"hoa_fee"}
    assert hoa.filter(description__startswith="Cuota de administración ").count() == hoa.count()
    for p in (pyme, edificio):
        assert p.payments.exists()
        assert p.obligations.filter(balance_minor__gt=0).exists()  # something left to collect
        assert p.obligations.filter(status="paid").exists()
        assert p.debtors.filter(balance_minor__gt=0).exists()
        assert ledger_verify(p) == []
    assert Debtor.objects.filter(contacts__channel="phone").distinct().count() > 30

    User = get_user_model()
    assert User.objects.get(username="admin").is_superuser
    roles = set(Membership.objects.values_list("user__username", "portfolio__slug", "role"))
    assert roles == {("supervisora", "pyme", "supervisor"), ("supervisora", "edificio", "supervisor"),
                     ("agente", "pyme", "agent"), ("consulta", "edificio", "viewer")}
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="agente", password=DEMO_PASSWORD) is not None
    # issue 11: the demo configures the authority matrix per role (without it, the safe default applies)
    from recaudo.agreements.models import AuthorityLimit

    limits = set(AuthorityLimit.objects.filter(portfolio=pyme).values_list(
        "role", "max_discount_pct", "max_installments", "max_term_months", "interest_plans"))
    assert limits == {("agent", Decimal(10), 6, 6, False), ("supervisor", Decimal(30), 24, 24, True),
                      ("admin", None, None, None, True), ("viewer", Decimal(0), 0, 0, False)}
    assert AuthorityLimit.objects.filter(portfolio=edificio).count() == 4
    # issue 15: the SME's bank pages have content: a convenio, a statement mapping and yesterday's statement, one
    # payment applied by itself (its description names the invoice, for its balance) and two waiting for review
    from recaudo.banking.models import BankLine, Convenio, StatementMapping

    assert Convenio.objects.filter(portfolio=pyme).count() == 1 and StatementMapping.objects.filter(portfolio=pyme)
    lines = BankLine.objects.filter(portfolio=pyme, kind="statement")
    assert sorted(lines.values_list("status", flat=True)) == ["applied", "queued", "queued"]
    assert lines.get(status="applied").payment.source == "statement"
    assert any(line.suggestions for line in lines.filter(status="queued"))
    assert ledger_verify(pyme) == []
    # the analytics' snapshots include the statement's payment: today's "Cartera" is the aging's total (it was
    # higher by that payment, imported after the snapshots were written), yesterday's collections include it
    today = pyme.today()
    yesterday = today - timedelta(days=1)
    live = pyme.obligations.aggregate(s=Sum("balance_minor"))["s"]
    assert DailyFlow.objects.get(portfolio=pyme, day=today).receivables_minor == live
    paid_yesterday = pyme.payments.filter(date=yesterday, reversed_at__isnull=True).aggregate(
        s=Sum("amount_minor"))["s"]
    assert DailyFlow.objects.get(portfolio=pyme, day=yesterday).collected_minor == paid_yesterday

    before = counts()
    events = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("demo", "--no-serve", "--size", "small", stdout=out)
    assert counts() == before
    assert AuditEvent.objects.count() == events
    assert "already there" in out.getvalue()


@pytest.mark.django_db
def test_demo_serves_unless_no_serve(monkeypatch):
    from recaudo.core.management.commands import serve
    from recaudo.demo.management.commands import demo

    calls = []
    monkeypatch.setattr(demo, "prepare_demo", lambda **kw: ([], []))
    monkeypatch.setattr(serve, "serve", lambda **kw: calls.append(kw))
    monkeypatch.setattr(serve, "check_port", lambda host, port: calls.append(("check_port", host, port)))
    call_command("demo", "--port", "8001", "--no-worker", stdout=io.StringIO())
    assert calls == [("check_port", "127.0.0.1", 8001),
                     {"host": "127.0.0.1", "port": 8001, "worker": False, "migrate": False,
                      "production": False, "stdout": calls[1]["stdout"]}]
