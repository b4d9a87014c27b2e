"""AmountField: one reading of amounts in every form, by the active language."""

from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from recaudo.agents.forms import OutcomeForm, TargetForm
from recaudo.agents.models import Disposition
from recaudo.agreements.forms import PromiseForm
from recaudo.core.forms import AmountField
from recaudo.core.money import Unit


class Form(forms.Form):
    amount = AmountField(required=False)
    clp = AmountField(required=False, currency="CLP")
    signed = AmountField(required=False, allow_negative=True)
    positive = AmountField(required=False, allow_zero=False)


def clean(language, **data):
    with translation.override(language):
        form = Form(data)
        form.is_valid()
        return form.cleaned_data, {k: list(v) for k, v in form.errors.items()}


@pytest.mark.parametrize(("language", "text", "amount"), [
    ("es-co", "1.500.000", Decimal("1500000")),
    ("es-co", "1.500.000,50", Decimal("1500000.50")),
    ("es-co", "$ 1.500.000", Decimal("1500000")),
    ("es-co", "150.000", Decimal("150000")),
    ("es-co", "1500000", Decimal("1500000")),
    ("en", "1,500,000.50", Decimal("1500000.50")),
    ("en", "1500000.50", Decimal("1500000.50")),
    ("en", "1.5", Decimal("1.5")),
    ("es-co", "", None),
    ("es-co", "   ", None),
])
def test_reads_the_active_language(language, text, amount):
    data, errors = clean(language, amount=text)
    assert (data.get("amount"), errors) == (amount, {})


@pytest.mark.parametrize(("language", "field", "text", "message"), [
    ("es-co", "amount", "1.50",
     "no es un número: «.» solo separa los miles, en grupos de tres, y «,» marca los decimales (1.500.000,50)"),
    ("es-co", "amount", "1500000.50",
     "no es un número: «.» solo separa los miles, en grupos de tres, y «,» marca los decimales (1.500.000,50)"),
    ("en", "amount", "1.500.000",
     "not a number: ',' only separates thousands, in groups of three, and '.' marks the decimals (1,500,000.50)"),
    ("es-co", "amount", "1,505", "máximo 2 decimales"),
    ("es-co", "amount", "-5", "no puede ser negativo"),
    ("es-co", "amount", "USD 5", "no es un número: escríbalo así: 1.500.000,50"),
    ("es-co", "amount", "1.000.000.000.000.000", "demasiado grande: máximo 10.000.000.000.000,00"),
    ("es-co", "clp", "1.500,50", "los montos en CLP no llevan decimales"),
    ("es-co", "clp", "USD 5", "el monto está en USD, no en CLP"),
    ("es-co", "positive", "0", "debe ser mayor que cero"),
    ("en", "positive", "0", "must be positive"),
])
def test_refusals_are_clear_in_the_active_language(language, field, text, message):
    assert clean(language, **{field: text})[1] == {field: [message]}


def test_negative_and_currency_options():
    assert clean("es-co", signed="-1.500,5", clp="1.500")[0] | {"amount": None, "positive": None} == {
        "amount": None, "clp": Decimal("1500"), "signed": Decimal("-1500.5"), "positive": None}
    field = AmountField(currency=Unit("COP", 0))  # a portfolio that records whole pesos
    with translation.override("es-co"), pytest.raises(forms.ValidationError, match="COP no llevan decimales"):
        field.clean("1.500,50")


@pytest.mark.parametrize(("language", "value", "shown"), [
    ("es-co", Decimal("1500000.50"), "1.500.000,5"), ("en", Decimal("1500000.50"), "1,500,000.5"),
    ("es-co", 0, "0"), ("es-co", "1500000.50", "1500000.50"),  # typed text is shown back as typed
])
def test_initial_amounts_are_shown_the_local_way(language, value, shown):
    with translation.override(language):
        assert AmountField().prepare_value(value) == shown
        if not isinstance(value, str):  # and what is shown reads back as the same amount
            assert AmountField().clean(shown) == value


def test_the_call_outcome_promise_takes_es_co_thousands():
    """The agent's promise field used to refuse "1.500.000" (a Django DecimalField)."""
    promise = Disposition(code="promise", creates_promise=True)
    form = OutcomeForm({"disposition": "promise", "promise_amount": "1.500.000", "promise_due": "2026-12-20"},
                       dispositions=[promise])
    with translation.override("es-co"):
        assert form.is_valid(), form.errors
    assert form.cleaned_data["promise_amount"] == Decimal("1500000")
    form = OutcomeForm({"disposition": "promise", "promise_amount": "0", "promise_due": "2026-12-20"},
                       dispositions=[promise])
    assert not form.is_valid() and list(form.errors) == ["promise_amount"]


def test_promise_and_target_forms_read_es_co():
    form = PromiseForm({"amount": "1.500.000,50", "due_date": date(2026, 12, 20), "channel": "call",
                        "source": "agent"})
    with translation.override("es-co"):
        assert form.is_valid(), form.errors
        assert form.cleaned_data["amount"] == Decimal("1500000.50")
        target = TargetForm({"agent": "1", "date": "2026-12-01", "contacts": 3, "promises": 1,
                             "amount": "2.000.000"}, agents=[])
        target.fields["agent"].choices = [("1", "Ana")]
        assert target.is_valid(), target.errors
        assert target.cleaned_data["amount"] == Decimal("2000000")


def _project_forms():
    import importlib
    import inspect
    import pkgutil

    import recaudo

    for info in pkgutil.iter_modules(recaudo.__path__):
        try:
            module = importlib.import_module(f"recaudo.{info.name}.forms")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


@pytest.mark.django_db
def test_every_date_field_shows_its_value_to_the_browser_date_picker():
    """A date field comes pre-filled (issue 14 §8): an <input type="date"> takes only ISO values, and Django's
    DateInput would write the es-CO format (06/12/2026), which the browser shows as an empty field."""
    from recaudo.core.forms import DateInput

    seen = []
    for form in _project_forms():
        for name, field in form.base_fields.items():
            if isinstance(field, forms.DateField):
                seen.append(f"{form.__name__}.{name}")
                with translation.override("es-co"):
                    value = field.widget.format_value(date(2026, 12, 6))
                    html = field.widget.render(name, date(2026, 12, 6))
                assert value == "2026-12-06" and 'type="date"' in html, (form.__name__, name, value, html)
    assert len(seen) >= 8, seen
    with translation.override("es-co"):
        assert 'value="2026-12-06"' in DateInput().render("d", date(2026, 12, 6))

