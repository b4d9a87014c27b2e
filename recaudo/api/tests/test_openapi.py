"""The OpenAPI document is valid OpenAPI 3.1 (schemathesis' own validator), served at /api/v1/openapi.json, and a
property-based run of schemathesis against the app in process answers no 5xx and nothing outside the document
(status codes, content types, bodies), on every operation."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from recaudo.api.api import api
from recaudo.api.services import token_create

pytestmark = pytest.mark.django_db
EXAMPLES = 8  # per operation: the run itself stays well under a minute


def test_the_document_is_valid_openapi():
    document = api.get_openapi_schema()
    assert document["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(json.loads(json.dumps(document, default=str))).validate()


def test_the_validator_refuses_a_broken_document():
    document = json.loads(json.dumps(api.get_openapi_schema(), default=str))
    document["paths"]["/api/v1/portfolios"]["get"]["responses"] = "none"
    with pytest.raises(Exception):  # noqa: B017, PT011 (jsonschema_rs' error class is internal)
        schemathesis.openapi.from_dict(document).validate()


def test_the_document_and_the_docs_page_are_served_without_a_token(client):
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Recaudo API"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()  # local assets only
    assert "<script>" not in html  # nothing inline: the Content-Security-Policy allows only this site's scripts
    assert "script-src 'self'" in page["Content-Security-Policy"]


@pytest.fixture
def in_process_wsgi():
    """The app called in process inside the test's transaction: like Django's test client, keep the requests from
    closing the test's database connection (PostgreSQL would lose the transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield get_wsgi_application()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_schemathesis_finds_no_server_error_and_no_schema_violation(portfolio, luz, in_process_wsgi):
    _token, secret = token_create(name="fuzz", scope="write", portfolios=[portfolio], rate_per_minute=100_000,
                                  actor="test")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", in_process_wsgi)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            if case.path_parameters and "slug" in case.path_parameters:
                case.path_parameters["slug"] = "pyme"  # the token's portfolio: reach the endpoint, not the 404
                if "code" in case.path_parameters and len(str(case.path_parameters["code"])) % 2:
                    case.path_parameters["code"] = "C001"  # half the time a debtor that exists
            response = case.call(headers={"Authorization": f"Bearer {secret}"})
            case.validate_response(response, checks=checks)
        run()
