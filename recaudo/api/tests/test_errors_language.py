"""A refused body or parameter (422) and a method a path does not take (405) answer the API's JSON errors in the
request's language: they were pydantic's English ("Input should be a valid integer", "Field required") for es-CO
clients, and django-ninja's text/html "Method not allowed"."""

from decimal import Decimal
from typing import Literal

import pytest
from django.utils import translation
from pydantic import BaseModel, ConfigDict, Field, Json, ValidationError

from recaudo.api import rules

from .conftest import bearer

pytestmark = pytest.mark.django_db
BASE = "/api/v1/portfolios/pyme"
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-CO"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _by_location(answer) -> dict:
    assert answer.status_code == 422 and answer["Content-Type"].startswith("application/json"), answer.content
    return {e["location"]: e["message"] for e in answer.json()["errors"]}


def test_a_query_parameter_refused_is_said_in_spanish_naming_its_location(client, portfolio, tokens):
    answer = client.get(f"{BASE}/debtors?limit=abc", **bearer(tokens["read"]), **SPANISH)
    body = answer.json()
    assert answer.status_code == 422
    assert body["detail"] == "query.limit: no es un número entero"
    assert body["field"] == "limit" and body["location"] == "query.limit"  # `field` as it always was
    assert body["errors"] == [{"field": "limit", "location": "query.limit", "type": "int_parsing",
                               "message": "query.limit: no es un número entero"}]
    aging = client.get(f"{BASE}/aging?as_of=ayer", **bearer(tokens["read"]), **SPANISH)
    assert _by_location(aging) == {"query.as_of": "query.as_of: no es una fecha (use 2026-12-31)"}
    english = client.get(f"{BASE}/debtors?limit=abc", **bearer(tokens["read"]), **ENGLISH)
    assert english.json()["detail"] == "query.limit: not a whole number"


def test_every_refused_field_of_a_body_is_said_in_the_requests_language(client, portfolio, tokens, luz):
    body = {"debtor_code": "", "amount": "diez", "date": "2026-13-01", "source_ref": "x" * 121}
    answer = client.post(f"{BASE}/payments", body, content_type="application/json",
                         **bearer(tokens["write"]), **SPANISH)
    assert _by_location(answer) == {
        "body.debtor_code": "body.debtor_code: no debe estar vacío",
        "body.amount": "body.amount: no es un número (use punto para los decimales: 150000.50)",
        "body.date": "body.date: no es una fecha (use 2026-12-31)",
        "body.source_ref": "body.source_ref: a lo sumo 120 caracteres",
    }
    assert answer.json()["field"] == "payload.debtor_code"
    english = client.post(f"{BASE}/payments", body, content_type="application/json",
                          **bearer(tokens["write"]), **ENGLISH)
    assert _by_location(english)["body.source_ref"] == "body.source_ref: at most 120 characters"
    missing = client.post(f"{BASE}/payments", {"debtor_code": "C001"}, content_type="application/json",
                          **bearer(tokens["write"]), **SPANISH)
    assert _by_location(missing)["body.amount"] == "body.amount: obligatorio"
    assert "Field required" not in missing.content.decode()
    choice = client.post(f"{BASE}/debtors/C001/contacts", {"channel": "fax", "value": "1"},
                         content_type="application/json", **bearer(tokens["write"]), **SPANISH)
    assert _by_location(choice) == {"body.channel": "body.channel: debe ser uno de phone, email, whatsapp, address"}
    bulk = client.post(f"{BASE}/bulk/debtors", {"rows": [], "dry_run": "quizás"}, content_type="application/json",
                       **bearer(tokens["write"]), **SPANISH)
    assert _by_location(bulk) == {"body.dry_run": "body.dry_run: debe ser true o false",
                                  "body.rows": "body.rows: al menos 1 elemento"}


class _Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = 0
    share: float = 0
    price: Decimal = Field(Decimal(0), max_digits=5, decimal_places=2)
    active: bool = False
    since: str = Field("", min_length=3, max_length=4)
    at: str = ""
    positive: int = Field(1, gt=0)
    small: int = Field(1, le=10)
    kind: Literal["a", "b"] = "a"
    doc: Json | None = None
    needed: str


def _errors(**data) -> dict:
    with pytest.raises(ValidationError) as error:
        _Sample(**data)
    return {e["loc"][0]: e for e in error.value.errors()}


@pytest.mark.parametrize(("data", "name", "spanish", "english"), [
    ({}, "needed", "obligatorio", "required"),
    ({"count": "x"}, "count", "no es un número entero", "not a whole number"),
    ({"count": 1.5}, "count", "no es un número entero", "not a whole number"),
    ({"share": "x"}, "share", "no es un número", "not a number"),
    ({"price": "x"}, "price", "no es un número (use punto para los decimales: 150000.50)",
     "not a number (use a point for decimals: 150000.50)"),
    ({"price": "1.234"}, "price", "a lo sumo 2 decimales", "at most 2 decimal places"),
    ({"active": "quizás"}, "active", "debe ser true o false", "must be true or false"),
    ({"since": "ab"}, "since", "al menos 3 caracteres", "at least 3 characters"),
    ({"since": "abcde"}, "since", "a lo sumo 4 caracteres", "at most 4 characters"),
    ({"positive": 0}, "positive", "debe ser mayor que 0", "must be greater than 0"),
    ({"small": 11}, "small", "debe ser a lo sumo 10", "must be at most 10"),
    ({"kind": "c"}, "kind", "debe ser uno de a, b", "must be one of a, b"),
    ({"doc": "{no"}, "doc", "no es un JSON válido", "not valid JSON"),
    ({"surplus": 1}, "surplus", "no es un campo de esta solicitud", "not a field of this request"),
])
def test_each_common_pydantic_error_is_said_in_spanish_and_english(data, name, spanish, english):
    error = _errors(needed="x", **data) if name != "needed" else _errors(**data)
    error = {**error[name], "loc": ("body", "payload", name)}
    with translation.override("es-co"):
        assert rules.validation_message(error) == f"body.{name}: {spanish}"
    with translation.override("en"):
        assert rules.validation_message(error) == f"body.{name}: {english}"


def test_dates_and_times_and_an_unknown_type_fall_back_to_a_message_naming_the_field():
    date_error = {"type": "date_parsing", "loc": ("query", "start"), "msg": "Input should be a valid date"}
    time_error = {"type": "datetime_from_date_parsing", "loc": ("query", "updated_since"), "msg": "..."}
    unknown = {"type": "uuid_parsing", "loc": ("path", "id"), "msg": "Input should be a valid UUID"}
    with translation.override("es-co"):
        assert rules.validation_message(date_error) == "query.start: no es una fecha (use 2026-12-31)"
        assert rules.validation_message(time_error) == ("query.updated_since: no es una fecha y hora "
                                                        "(use 2026-12-31T08:00:00-05:00)")
        assert rules.validation_message(unknown) == "path.id: el valor no es válido"
    with translation.override("en"):
        assert rules.validation_message(unknown) == "path.id: the value is not valid"


def test_a_method_a_path_does_not_take_is_a_json_405_with_allow(client, portfolio, tokens, luz):
    answer = client.delete(f"{BASE}/debtors/C001", **bearer(tokens["write"]), **SPANISH)
    assert answer.status_code == 405 and answer["Content-Type"].startswith("application/json")
    assert answer["Allow"] == "GET, PUT"
    assert answer.json() == {"detail": "El método DELETE no está permitido aquí; use GET, PUT.", "field": None}
    english = client.patch(f"{BASE}/payments", **bearer(tokens["write"]), **ENGLISH)
    assert english.status_code == 405 and english["Allow"] == "POST"
    assert english.json()["detail"] == "The method PATCH is not allowed here; use POST."
    assert client.get(f"{BASE}/debtors/C001", **bearer(tokens["write"])).status_code == 200  # the others unchanged
