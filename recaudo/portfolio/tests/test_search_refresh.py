"""After a debtor edit the old name, ID, phone and e-mail no longer find the debtor (its search text is rebuilt on
every path that edits a debtor or its contacts: the service, the import, the Django admin)."""

from datetime import date

import pytest
from django.urls import reverse

from recaudo.demo.testing import make_luz, make_user, sign_in
from recaudo.portfolio.models import Contact, Debtor
from recaudo.portfolio.selectors import DebtorFilters, debtor_search
from recaudo.portfolio.services import contact_remove, contact_update, debtor_upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def luz(portfolio):
    """Luz Marina Restrepo: CC 52123456, a phone with consent, an e-mail, one invoice of 1,000,000 COP."""
    return make_luz(portfolio)


def found(portfolio, q):
    return list(debtor_search(portfolio, DebtorFilters(q=q, with_balance=False), date(2026, 3, 1))
                .values_list("code", flat=True))


def test_old_name_and_id_do_not_find_the_debtor_after_an_edit(luz, portfolio):
    assert found(portfolio, "Luz Marina") == ["C001"]
    assert found(portfolio, "52123456") == ["C001"]
    assert found(portfolio, "5212345") == ["C001"]  # substring: through the search text
    debtor_upsert(portfolio=portfolio, code="C001", data={"name": "Luz Elena Gómez", "id_type": "CC",
                                                          "id_number": "79000111"})
    for old in ("Luz Marina", "Marina", "52123456", "5212345"):  # (the e-mail still holds "restrepo")
        assert found(portfolio, old) == [], old
    assert found(portfolio, "Luz Elena") == ["C001"]
    assert found(portfolio, "7900011") == ["C001"]


def test_old_phone_and_email_do_not_find_the_debtor_after_an_edit(luz, portfolio):
    phone = Contact.objects.get(debtor=luz, channel="phone")
    email = Contact.objects.get(debtor=luz, channel="email")
    assert found(portfolio, "300 123 4567") == ["C001"]
    assert found(portfolio, "luz.restrepo@example.com") == ["C001"]
    assert found(portfolio, "luz.restrepo") == ["C001"]
    contact_update(contact=phone, value="310 999 8877")
    contact_update(contact=email, value="luz.gomez@example.com")
    for old in ("300 123 4567", "+573001234567", "3001234567", "luz.restrepo@example.com", "luz.restrepo"):
        assert found(portfolio, old) == [], old
    assert found(portfolio, "310 999 8877") == ["C001"]
    assert found(portfolio, "luz.gomez") == ["C001"]


def test_a_removed_contact_no_longer_finds_the_debtor(luz, portfolio):
    contact_remove(contact=Contact.objects.get(debtor=luz, channel="email"))
    assert found(portfolio, "luz.restrepo") == []
    assert found(portfolio, "luz.restrepo@example.com") == []


def test_an_import_update_rebuilds_the_search_text(luz, portfolio, tmp_path):
    from recaudo.imports.services import ImportOptions, import_file

    path = tmp_path / "deudores.csv"
    path.write_text("code,name,id_type,id_number\nC001,Luz Elena Gómez,CC,79000111\n", encoding="utf-8")
    result = import_file(portfolio=portfolio, kind="debtors", path=path, options=ImportOptions())
    assert not result.errors, result.errors
    assert Debtor.objects.get(pk=luz.pk).name == "Luz Elena Gómez"
    assert found(portfolio, "Marina") == []
    assert found(portfolio, "5212345") == []
    assert found(portfolio, "Elena") == ["C001"]


def test_an_admin_edit_rebuilds_the_search_text(client, luz, portfolio):
    make_user("root", superuser=True)
    sign_in(client, username="root", password="clave-segura-123")
    url = reverse("admin:portfolio_debtor_change", args=[luz.pk])
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update({"name": "Luz Elena Gómez", "portfolio": portfolio.pk, "customer_since": ""})
    contacts = list(Contact.objects.filter(debtor=luz).order_by("pk"))
    data.update({"contacts-TOTAL_FORMS": len(contacts), "contacts-INITIAL_FORMS": len(contacts),
                 "contacts-MIN_NUM_FORMS": 0, "contacts-MAX_NUM_FORMS": 1000})
    for i, c in enumerate(contacts):
        data.update({f"contacts-{i}-id": c.pk, f"contacts-{i}-debtor": luz.pk, f"contacts-{i}-channel": c.channel,
                     f"contacts-{i}-value": "otra@example.com" if c.channel == "email" else c.value,
                     f"contacts-{i}-role": c.role, f"contacts-{i}-holder_name": "", f"contacts-{i}-city": "",
                     f"contacts-{i}-is_primary": "on"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert found(portfolio, "Marina") == []
    assert found(portfolio, "luz.restrepo") == []
    assert found(portfolio, "otra@example") == ["C001"]
