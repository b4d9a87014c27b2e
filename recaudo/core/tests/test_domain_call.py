"""core.errors.domain_call: an entry point's one domain call (a form parsed, the call made, NotAllowed a 403, any
other DomainError at its field or, without a form, as a message)."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from recaudo.core.errors import FAILED, DomainError, NotAllowed, domain_call


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


def _refuse(error):
    def call():
        raise error
    return call


def test_a_valid_form_gives_the_calls_result():
    form = NameForm({"name": "Luz"})
    assert domain_call(form, lambda: form.cleaned_data["name"].upper()) == "LUZ"


def test_an_invalid_form_makes_no_call():
    calls = []
    assert domain_call(NameForm({"name": ""}), lambda: calls.append(1)) is FAILED
    assert calls == []


def test_a_domain_error_is_shown_at_its_field_or_above_the_form():
    form = NameForm({"name": "Luz"})
    assert domain_call(form, _refuse(DomainError("ya existe", field="name"))) is FAILED
    assert form.errors == {"name": ["ya existe"]}
    other = NameForm({"name": "Luz"})
    assert domain_call(other, _refuse(DomainError("la cartera está cerrada", field="portfolio"))) is FAILED
    assert other.non_field_errors() == ["la cartera está cerrada"]


def test_not_allowed_is_a_403():
    with pytest.raises(PermissionDenied):
        domain_call(NameForm({"name": "Luz"}), _refuse(NotAllowed("solo administradores")))
    with pytest.raises(PermissionDenied):
        domain_call(None, _refuse(NotAllowed("solo administradores")), request=None)


def test_without_a_form_the_error_is_a_message_for_the_next_page():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    assert domain_call(None, _refuse(DomainError("no hay referencias")), request=request) is FAILED
    assert [m.message for m in get_messages(request)] == ["no hay referencias"]


def test_other_exceptions_are_not_caught():
    with pytest.raises(KeyError):
        domain_call(None, _refuse(KeyError("x")))
