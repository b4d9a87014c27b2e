"""Every domain error is a DomainError (one vocabulary for views, commands and the API)."""

import importlib

import pytest
from django import forms
from django.utils import translation

from recaudo.core.errors import DomainError, several, show_at_field

DOMAIN_ERRORS = [
    "recaudo.core.money.UnknownCurrency", "recaudo.core.amounts.AmountError",
    "recaudo.portfolio.aging.BucketError", "recaudo.portfolio.services.PortfolioError",
    "recaudo.portfolio.validation.ValidationProblem", "recaudo.ledger.services.LedgerError",
    "recaudo.ledger.accruals.FeeRefused", "recaudo.ledger.interest.RateError", "recaudo.ledger.interest.MissingRate",
    "recaudo.ledger.rates_loading.RateLoadError", "recaudo.compliance.rules.ComplianceError",
    "recaudo.compliance.services.ContactBlocked", "recaudo.strategies.services.StrategyError",
    "recaudo.strategies.schema.StrategyFormatError", "recaudo.agreements.rules.PlanError",
    "recaudo.agreements.services.common.AgreementError", "recaudo.communications.rendering.RenderError",
    "recaudo.communications.services.CommunicationsError", "recaudo.communications.services.TemplateInvalid",
    "recaudo.agents.rules.WorkspaceError", "recaudo.imports.fields.FieldError",
    "recaudo.imports.reading.ImportFileError", "recaudo.reports.statements.StatementError",
    "recaudo.reports.selectors.ReportError", "recaudo.privacy.services.PrivacyError",
]


@pytest.mark.parametrize("path", DOMAIN_ERRORS)
def test_every_domain_error_is_a_domain_error(path):
    module, name = path.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, DomainError) and issubclass(cls, ValueError)


def test_message_and_field():
    error = DomainError("El monto debe ser positivo", field="amount")
    assert (error.message, error.field, str(error)) == ("El monto debe ser positivo", "amount", error.message)
    assert DomainError("sin campo").field is None


def test_field_set_by_a_subclass_survives():
    from recaudo.agreements.rules import PlanError

    error = PlanError("installments", "must be at least 1")
    assert (error.field, error.message) == ("installments", "must be at least 1")


def test_an_amount_error_message_is_in_the_active_language():
    from recaudo.core.amounts import AmountError, parse_amount

    with pytest.raises(AmountError) as caught:
        parse_amount("doce", currency="COP")
    with translation.override("es-co"):
        spanish = caught.value.message
    assert spanish != str(caught.value) and str(caught.value) in caught.value.args


def test_several_errors_found_at_once_are_each_shown_at_their_field_and_listed():
    class Form(forms.Form):
        code = forms.CharField(required=False)
        nit = forms.CharField(required=False)

    form = Form({})
    assert form.is_valid()
    error = several([DomainError("code: up to 3 digits", field="code"), DomainError("nit: up to 13", field="nit"),
                     DomainError("the layout names nobody", field="layout")])
    show_at_field(form, error)
    assert form.errors == {"code": ["code: up to 3 digits"], "nit": ["nit: up to 13"],
                           "__all__": ["the layout names nobody"]}
    assert error.problems == ["code: up to 3 digits", "nit: up to 13", "the layout names nobody"]
    one = DomainError("alone", field="code")
    assert several([one]) is one and one.problems == ["alone"]
