"""The convenios page (administrators): list, create, edit with the reference layout as rows and its preview,
deactivate, the portfolio's payment reference and its generated references, the billing file; in es-CO."""

import pytest
from django.urls import reverse

from recaudo.audit.models import AuditEvent
from recaudo.banking import selectors
from recaudo.banking.models import Convenio, PaymentReference, ReferenceSettings
from recaudo.demo.testing import login, make_debtor, make_obligation, make_portfolio, make_user
from recaudo.portfolio.models import Obligation

pytestmark = pytest.mark.django_db

DOC_LAYOUT = [("obligation_number", 23, 12), ("national_id", 35, 10), ("period", 45, 4)]


@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
    make_obligation(portfolio, luz, number="1203", amount="1000000")
    for role, name in (("admin", "ana"), ("supervisor", "sofia"), ("agent", "carlos"), ("viewer", "vera")):
        make_user(name, portfolio, role=role)
    return portfolio, luz


def _post(rows=(), **fields):
    data = {"name": "Bancolombia recaudo", "bank_code": "7", "account_number": "123456789", "account_type": "01",
            "company_nit": "900123456", "service_code": "7709998000011", "sample": "",
            "seg-TOTAL_FORMS": "6", "seg-INITIAL_FORMS": "0", "seg-MIN_NUM_FORMS": "0", "seg-MAX_NUM_FORMS": "6"}
    for i in range(6):
        field, start, length = rows[i] if i < len(rows) else ("", "", "")
        data.update({f"seg-{i}-field": field, f"seg-{i}-start": start, f"seg-{i}-length": length})
    data.update(fields)
    return data


def test_an_admin_creates_a_convenio_with_its_layout_and_sees_it_listed(client, book):
    portfolio, _luz = book
    login(client, "ana")
    page = client.get(reverse("convenio_new", args=[portfolio.slug])).content.decode()
    assert "Nuevo convenio" in page and "Estructura de la referencia" in page and "Vista previa" in page
    response = client.post(reverse("convenio_new", args=[portfolio.slug]), _post(DOC_LAYOUT))
    assert response.status_code == 302
    convenio = Convenio.objects.get(portfolio=portfolio)
    assert convenio.bank_code == "007" and convenio.reference_layout == [
        {"field": "obligation_number", "start": 23, "length": 12},
        {"field": "national_id", "start": 35, "length": 10}, {"field": "period", "start": 45, "length": 4}]
    listing = client.get(reverse("convenio_list", args=[portfolio.slug])).content.decode()
    assert "Convenio Bancolombia recaudo guardado." in listing
    assert "El número de obligación 23–34" in listing and "El documento de identidad 35–44" in listing
    assert AuditEvent.objects.filter(event_type="banking.convenio_saved").count() == 1


def test_editing_keeps_the_name_and_changes_the_layout(client, book):
    portfolio, _luz = book
    login(client, "ana")
    client.post(reverse("convenio_new", args=[portfolio.slug]), _post(DOC_LAYOUT))
    convenio = Convenio.objects.get()
    page = client.get(reverse("convenio_edit", args=[portfolio.slug, convenio.pk])).content.decode()
    assert 'value="23"' in page and "Convenio Bancolombia recaudo" in page
    response = client.post(reverse("convenio_edit", args=[portfolio.slug, convenio.pk]),
                           _post([("reference", 39, 10)], name="otro nombre"))
    assert response.status_code == 302
    convenio.refresh_from_db()
    assert convenio.name == "Bancolombia recaudo"  # the name is the key: disabled on edit
    assert convenio.reference_layout == [{"field": "reference", "start": 39, "length": 10}]
    assert Convenio.objects.count() == 1


def test_a_new_convenio_with_a_name_in_use_is_refused(client, book):
    portfolio, _luz = book
    login(client, "ana")
    client.post(reverse("convenio_new", args=[portfolio.slug]), _post())
    page = client.post(reverse("convenio_new", args=[portfolio.slug]), _post(bank_code="51")).content.decode()
    assert "ya existe un convenio llamado Bancolombia recaudo" in page
    assert Convenio.objects.get().bank_code == "007"


def test_the_preview_splits_the_sample_reference_and_saves_nothing(client, book):
    portfolio, _luz = book
    login(client, "ana")
    sample = "0" * 22 + "000000001203" + "0079000111" + "2611"
    page = client.post(reverse("convenio_new", args=[portfolio.slug]),
                       _post(DOC_LAYOUT, preview="1", sample=sample)).content.decode()
    assert not Convenio.objects.exists()
    preview = page[page.index('id="layout-preview"'):]
    assert sample in preview
    assert "23–34" in preview and ">1203<" in preview
    assert "35–44" in preview and ">79000111<" in preview
    assert "45–48" in preview and ">2611<" in preview


def test_layout_preview_is_the_rules_split():
    preview = selectors.layout_preview([{"field": s[0], "start": s[1], "length": s[2]} for s in DOC_LAYOUT])
    assert [(start, end, value) for _label, start, end, value in preview.parts] == [
        (23, 34, "1203"), (35, 44, "52123456"), (45, 48, "2603")]
    whole = selectors.layout_preview([], "1203")
    assert whole.sample == "1203".rjust(48, "0") and [p[1:] for p in whole.parts] == [(1, 48, "1203")]


def test_layout_errors_are_in_spanish_naming_the_row_and_the_field(client, book):
    portfolio, _luz = book
    login(client, "ana")
    page = client.post(reverse("convenio_new", args=[portfolio.slug]),
                       _post([("obligation_number", 40, 12)])).content.decode()
    assert "segmento 1, el número de obligación: las posiciones deben estar entre 1 y 48" in page
    page = client.post(reverse("convenio_new", args=[portfolio.slug]),
                       _post([("obligation_number", 1, 10), ("national_id", 5, 10)])).content.decode()
    assert ("el segmento 1 (el número de obligación) y el segmento 2 (el documento de identidad) se traslapan"
            in page)
    page = client.post(reverse("convenio_new", args=[portfolio.slug]),
                       _post([("period", 45, 4)])).content.decode()
    assert "al menos un segmento debe identificar al pagador" in page
    page = client.post(reverse("convenio_new", args=[portfolio.slug]),
                       _post([("national_id", "", 10)])).content.decode()
    assert "Segmento 1:" in page and "indique el campo, su inicio y su longitud" in page
    page = client.post(reverse("convenio_new", args=[portfolio.slug]),
                       _post([("national_id", 1, 10), ("national_id", 11, 10)])).content.decode()
    assert "segmento 2: el documento de identidad aparece dos veces" in page
    page = client.post(reverse("convenio_new", args=[portfolio.slug]), _post(bank_code="BCO")).content.decode()
    assert "código del banco: hasta 3 dígitos" in page and "bank_code:" not in page
    # every refused field at once, each at its own field (only the first was said)
    page = client.post(reverse("convenio_new", args=[portfolio.slug]),
                       _post([("period", 45, 4)], bank_code="BCO", account_number="12-34",
                             company_nit="900.123.456-7", service_code="x")).content.decode()
    for said in ("código del banco: hasta 3 dígitos", "cuenta: hasta 17 dígitos", "NIT de la empresa: hasta 13",
                 "código de servicio: hasta 13 dígitos", "al menos un segmento debe identificar al pagador"):
        assert said in page, said
    assert not Convenio.objects.exists()


def test_bounded_inputs_refuse_huge_numbers_and_unknown_fields(client, book):
    portfolio, _luz = book
    login(client, "ana")
    data = _post([("colour", 1, 2)])
    data.update({"seg-1-field": "reference", "seg-1-start": "99999999999999999999", "seg-1-length": "1"})
    page = client.post(reverse("convenio_new", args=[portfolio.slug]), data)
    assert page.status_code == 200 and not Convenio.objects.exists()
    too_many = _post(DOC_LAYOUT, **{"seg-TOTAL_FORMS": "5000"})
    assert client.post(reverse("convenio_new", args=[portfolio.slug]), too_many).status_code == 200
    assert not Convenio.objects.exists()


def test_deactivate_and_activate_again(client, book):
    portfolio, _luz = book
    login(client, "ana")
    client.post(reverse("convenio_new", args=[portfolio.slug]), _post())
    convenio = Convenio.objects.get()
    client.post(reverse("convenio_active", args=[portfolio.slug, convenio.pk]), {"active": "0"})
    convenio.refresh_from_db()
    assert not convenio.active and selectors.convenios(portfolio) == []
    listing = client.get(reverse("convenio_list", args=[portfolio.slug])).content.decode()
    assert "Convenio Bancolombia recaudo desactivado." in listing and "Inactivo" in listing
    client.post(reverse("convenio_active", args=[portfolio.slug, convenio.pk]), {"active": "0"})  # again: nothing
    assert AuditEvent.objects.filter(event_type="banking.convenio_deactivated").count() == 1
    client.post(reverse("convenio_active", args=[portfolio.slug, convenio.pk]), {"active": "1"})
    convenio.refresh_from_db()
    assert convenio.active
    assert AuditEvent.objects.filter(event_type="banking.convenio_activated").count() == 1


def test_a_convenio_of_another_portfolio_is_not_found(client, book):
    portfolio, _luz = book
    other = make_portfolio(slug="otra", name="Otra")
    foreign = Convenio.objects.create(portfolio=other, name="Ajeno", bank_code="007")
    login(client, "ana")
    assert client.get(reverse("convenio_edit", args=[portfolio.slug, foreign.pk])).status_code == 404
    assert client.post(reverse("convenio_active", args=[portfolio.slug, foreign.pk]),
                       {"active": "0"}).status_code == 404
    assert client.get(reverse("convenio_billing", args=[portfolio.slug, foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.active


def test_the_reference_kind_and_the_generated_references(client, book):
    portfolio, luz = book
    login(client, "ana")
    page = client.get(reverse("convenio_list", args=[portfolio.slug])).content.decode()
    assert "Referencia de pago" in page and "references-assign" not in page  # only offered when generated
    client.post(reverse("reference_kind", args=[portfolio.slug]), {"kind": "generated"})
    assert ReferenceSettings.objects.get(portfolio=portfolio).kind == "generated"
    page = client.get(reverse("convenio_list", args=[portfolio.slug])).content.decode()
    assert "Se guardó la referencia de pago." in page and "Generar las referencias que faltan" in page
    client.post(reverse("references_assign", args=[portfolio.slug]))
    assert sorted(PaymentReference.objects.values_list("value", flat=True)) == ["18", "26"]  # 1 -> 18, 2 -> 26
    page = client.get(reverse("convenio_list", args=[portfolio.slug])).content.decode()
    assert "2 referencias de pago generadas." in page
    bad = client.post(reverse("reference_kind", args=[portfolio.slug]), {"kind": "colour"}).content.decode()
    assert "Escoja una opción válida" in bad or "Seleccione una opción válida" in bad
    assert ReferenceSettings.objects.get(portfolio=portfolio).kind == "generated"


def test_the_billing_file_downloads_for_an_admin(client, book):
    portfolio, _luz = book
    login(client, "ana")
    client.post(reverse("convenio_new", args=[portfolio.slug]), _post())
    convenio = Convenio.objects.get()
    response = client.get(reverse("convenio_billing", args=[portfolio.slug, convenio.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    lines = response.content.decode("cp1252").split("\r\n")[:-1]
    assert [len(line) for line in lines] == [220] * 5
    assert lines[2][2:50] == "1203".rjust(48, "0")
    assert AuditEvent.objects.filter(event_type="banking.billing_file").count() == 1
    client.post(reverse("convenio_new", args=[portfolio.slug]), _post(name="Sin NIT", company_nit=""))
    bare = Convenio.objects.get(name="Sin NIT")
    response = client.get(reverse("convenio_billing", args=[portfolio.slug, bare.pk]), follow=True)
    assert "el convenio necesita el NIT de la empresa" in response.content.decode()


def test_a_billing_file_that_left_obligations_out_says_so_on_the_next_page_and_an_empty_one_is_refused(client, book):
    portfolio, luz = book
    make_obligation(portfolio, luz, number="FV-9", amount="1000")
    login(client, "ana")
    client.post(reverse("convenio_new", args=[portfolio.slug]), _post())
    url = reverse("convenio_billing", args=[portfolio.slug, Convenio.objects.get().pk])
    assert client.get(url).status_code == 200  # 1203 in the file; FV-9 (letters) left out
    page = client.get(reverse("convenio_list", args=[portfolio.slug])).content.decode()
    assert "El archivo de facturación dejó por fuera 1 obligación cuya referencia no se puede escribir en dígitos" \
        in page and "FV-9" in page
    Obligation.objects.filter(number="1203").update(status="paid", balance_minor=0)
    refused = client.get(url, follow=True).content.decode()
    assert "Ninguna obligación pudo ir en el archivo de facturación" in refused
    assert "elija la referencia generada" in refused


@pytest.mark.parametrize("name", ["sofia", "carlos", "vera"])
def test_only_administrators_see_the_convenios_page_and_menu(client, book, name):
    portfolio, _luz = book
    convenio = Convenio.objects.create(portfolio=portfolio, name="Bancolombia", bank_code="007")
    login(client, name)
    for url in (reverse("convenio_list", args=[portfolio.slug]), reverse("convenio_new", args=[portfolio.slug]),
                reverse("convenio_edit", args=[portfolio.slug, convenio.pk]),
                reverse("convenio_billing", args=[portfolio.slug, convenio.pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("convenio_active", args=[portfolio.slug, convenio.pk]),
                       {"active": "0"}).status_code == 404
    assert client.post(reverse("reference_kind", args=[portfolio.slug]), {"kind": "generated"}).status_code == 404
    assert client.post(reverse("references_assign", args=[portfolio.slug])).status_code == 404
    convenio.refresh_from_db()
    assert convenio.active and not ReferenceSettings.objects.exists()
    for url in (reverse("debtor_list", args=[portfolio.slug]), reverse("bank_upload", args=[portfolio.slug])):
        response = client.get(url)
        assert response.status_code == 404 or reverse("convenio_list", args=[portfolio.slug]) not in \
            response.content.decode()


def test_an_admin_finds_convenios_on_the_bank_page_and_names_are_escaped(client, book):
    """Convenios and payment gateways open from the bank page (the main menu keeps one entry for the bank)."""
    portfolio, _luz = book
    Convenio.objects.create(portfolio=portfolio, name="<script>alert(1)</script>", bank_code="007")
    login(client, "ana")
    page = client.get(reverse("bank_upload", args=[portfolio.slug])).content.decode()
    assert reverse("convenio_list", args=[portfolio.slug]) in page and ">Convenios<" in page
    assert reverse("gateway_list", args=[portfolio.slug]) in page
    listing = client.get(reverse("convenio_list", args=[portfolio.slug])).content.decode()
    assert 'class="active">Recaudos bancarios<' in listing
    listing = client.get(reverse("convenio_list", args=[portfolio.slug])).content.decode()
    assert "<script>alert(1)</script>" not in listing and "&lt;script&gt;alert(1)&lt;/script&gt;" in listing


def test_an_administrator_sets_the_score_to_apply_by_itself(client, book):
    """The auto-apply score (services.auto_apply_score_set) from the convenios page: bounded, audited, admins only."""
    from recaudo.banking.selectors import auto_apply_score

    portfolio = book if not isinstance(book, tuple) else book[0]
    login(client, "ana")
    page = client.get(reverse("convenio_list", args=[portfolio.slug])).content.decode()
    assert "Aplicar pagos bancarios sin revisión" in page and 'value="90"' in page
    bad = client.post(reverse("auto_apply_score", args=[portfolio.slug]), {"score": "101"}).content.decode()
    assert "Asegúrese de que este valor sea menor o igual a 100" in bad and auto_apply_score(portfolio) == 90
    done = client.post(reverse("auto_apply_score", args=[portfolio.slug]), {"score": "75"}, follow=True)
    assert "Se guardó el puntaje para aplicar solo." in done.content.decode() and auto_apply_score(portfolio) == 75
