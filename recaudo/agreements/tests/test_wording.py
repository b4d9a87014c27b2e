"""Why an offer waits for approval, in the page's language with es-CO numbers (the rule's English shapes read
back, for offers stored before as well)."""

import pytest
from django.utils import translation

from recaudo.agreements.wording import approval_reason_text


@pytest.mark.parametrize(("stored", "es", "en"), [
    ("discount 40.00 % above 10 %", "descuento de 40,00 % por encima del límite de 10 %",
     "discount of 40.00 % above the limit of 10 %"),
    ("with what was already forgiven to this debtor in 365 days the discount is 10.58 %, above 10.00 %",
     "con lo ya condonado a este deudor en 365 días el descuento es de 10,58 %, por encima del límite de 10,00 %",
     "with what this debtor was already forgiven in 365 days the discount is 10.58 %, above the limit of 10.00 %"),
    ("12 installments above 6", "12 cuotas, por encima del límite de 6", "12 installments, above the limit of 6"),
    ("term of 1200 months above 6", "un plazo de 1.200 meses, por encima del límite de 6",
     "a term of 1,200 months, above the limit of 6"),
    ("a plan that charges interest", "un plan que cobra intereses", "a plan that charges interest"),
    ("anything else", "anything else", "anything else"),
])
def test_approval_reasons_in_both_languages(stored, es, en):
    with translation.override("es-co"):
        assert approval_reason_text(stored) == es
    with translation.override("en"):
        assert approval_reason_text(stored) == en
