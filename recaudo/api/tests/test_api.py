"""The API's endpoints over the domain services: answers, errors at the field, cursors, idempotency, tokens."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from recaudo.analytics.services import snapshot_backfill
from recaudo.api import rules
from recaudo.api.models import ApiToken, IdempotentRequest
from recaudo.api.rules import ApiError
from recaudo.api.services import token_create, token_revoke, token_use
from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import make_debtor, make_user
from recaudo.ledger.models import Payment

from .conftest import bearer

pytestmark = pytest.mark.django_db
BASE = "/api/v1/portfolios/pyme"


def test_a_token_is_stored_hashed_and_shown_once(portfolio):
    token, secret = token_create(name="erp", scope="write", portfolios=[portfolio], actor="cli")
    assert secret.startswith("rc_") and len(secret) > 40
    assert token.secret_hash == rules.secret_hash(secret) and secret not in token.secret_hash
    assert token.prefix == secret[:10]
    assert AuditEvent.objects.filter(event_type="api_token.created", subject_id=token.pk).count() == 1


def test_no_token_or_a_wrong_one_is_401(client, portfolio, tokens):
    assert client.get("/api/v1/portfolios").status_code == 401
    answer = client.get("/api/v1/portfolios", **bearer("rc_not-a-token"))
    assert answer.status_code == 401 and answer["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_401_and_last_use_is_recorded(client, portfolio, tokens):
    token = ApiToken.objects.get(name="erp")
    assert token.last_used_at is None
    assert client.get("/api/v1/portfolios", **bearer(tokens["write"])).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    token_revoke(token=token, actor="cli")
    assert client.get("/api/v1/portfolios", **bearer(tokens["write"])).status_code == 401
    assert AuditEvent.objects.filter(event_type="api_token.revoked").count() == 1


def test_a_user_token_needs_a_role_in_each_portfolio(portfolio, other_portfolio):
    carlos = make_user("carlos", portfolio, role="agent")
    with pytest.raises(ApiError) as error:
        token_create(name="mine", scope="read", portfolios=[other_portfolio], user=carlos, actor=carlos)
    assert error.value.field == "portfolios"


def test_a_user_token_of_a_viewer_may_not_write(client, portfolio, luz):
    vera = make_user("vera", portfolio, role="viewer")
    _token, secret = token_create(name="vera", scope="write", portfolios=[portfolio], user=vera, actor=vera)
    assert client.get(f"{BASE}/debtors/C001", **bearer(secret)).status_code == 200
    answer = client.put(f"{BASE}/debtors/C001", {"name": "X"}, content_type="application/json", **bearer(secret))
    assert answer.status_code == 403


def test_the_rate_is_counted_in_the_database_per_minute(portfolio):
    token, _secret = token_create(name="slow", scope="read", portfolios=[portfolio], rate_per_minute=2, actor="t")
    now = datetime(2026, 12, 7, 10, 0, 5, tzinfo=UTC)
    assert token_use(token=token, now=now) and token_use(token=token, now=now + timedelta(seconds=30))
    assert not token_use(token=token, now=now + timedelta(seconds=40))  # the third in the same minute
    assert token_use(token=token, now=now + timedelta(seconds=60))  # a new minute
    token.refresh_from_db()
    assert token.window_count == 1


def test_a_spent_rate_is_429_with_retry_after(client, portfolio):
    _token, secret = token_create(name="slow", scope="read", portfolios=[portfolio], rate_per_minute=1, actor="t")
    client.get("/api/v1/portfolios", **bearer(secret))
    answer = client.get("/api/v1/portfolios", **bearer(secret))
    assert answer.status_code == 429 and 1 <= int(answer["Retry-After"]) <= 60


def test_portfolios_lists_only_the_tokens(client, portfolio, other_portfolio, tokens):
    answer = client.get("/api/v1/portfolios", **bearer(tokens["read"])).json()
    assert [p["slug"] for p in answer["items"]] == ["pyme"]


def test_debtors_page_with_cursors_and_updated_since(client, portfolio, tokens):
    for i in range(5):
        make_debtor(portfolio, code=f"D{i}", name=f"Deudor {i}")
    first = client.get(f"{BASE}/debtors?limit=2", **bearer(tokens["read"])).json()
    assert [d["code"] for d in first["items"]] == ["D0", "D1"] and first["next_cursor"]
    second = client.get(f"{BASE}/debtors?limit=2&cursor={first['next_cursor']}", **bearer(tokens["read"])).json()
    third = client.get(f"{BASE}/debtors?limit=2&cursor={second['next_cursor']}", **bearer(tokens["read"])).json()
    assert [d["code"] for d in second["items"] + third["items"]] == ["D2", "D3", "D4"]
    assert third["next_cursor"] is None
    future = (timezone.now() + timedelta(hours=1)).isoformat().replace("+", "%2B")
    assert client.get(f"{BASE}/debtors?updated_since={future}", **bearer(tokens["read"])).json()["items"] == []


def test_a_bad_cursor_is_400_at_the_cursor(client, portfolio, tokens):
    answer = client.get(f"{BASE}/debtors?cursor=zzz", **bearer(tokens["read"]))
    assert answer.status_code == 400 and answer.json()["field"] == "cursor"


def test_put_creates_then_updates_a_debtor(client, portfolio, tokens):
    url = f"{BASE}/debtors/N-9"
    created = client.put(url, {"name": "Ferretería El Tornillo", "id_type": "NIT", "id_number": "900123456-8"},
                         content_type="application/json", **bearer(tokens["write"]))
    assert created.status_code == 201, created.content
    assert created.json()["kind"] == "company"
    updated = client.put(url, {"tags": ["vip"]}, content_type="application/json", **bearer(tokens["write"]))
    assert updated.status_code == 200 and updated.json()["tags"] == ["vip"]
    assert updated.json()["name"] == "Ferretería El Tornillo"
    assert AuditEvent.objects.filter(event_type="debtor.created", actor_label="api:erp").count() == 1


def test_a_domain_error_names_the_field(client, portfolio, tokens):
    answer = client.put(f"{BASE}/debtors/N-9", {"id_type": "NIT", "id_number": "900123456-1", "name": "X"},
                        content_type="application/json", **bearer(tokens["write"]))
    assert answer.status_code == 400 and answer.json()["field"] == "id_number"
    answer = client.put(f"{BASE}/debtors/N-9", {"tags": []}, content_type="application/json",
                        **bearer(tokens["write"]))
    assert answer.status_code == 400 and answer.json()["field"] == "name"  # a new debtor needs a name


def test_a_refused_body_is_422_naming_the_field(client, portfolio, tokens, luz):
    answer = client.post(f"{BASE}/payments", {"debtor_code": "C001", "amount": "10", "date": "not-a-date",
                                              "source_ref": "x"}, content_type="application/json",
                         **bearer(tokens["write"]))
    assert answer.status_code == 422 and answer.json()["field"] == "payload.date", answer.json()


def test_contacts_and_consent(client, portfolio, tokens, luz):
    answer = client.post(f"{BASE}/debtors/C001/contacts", {"channel": "phone", "value": "3001234567",
                                                          "consent": "granted"},
                         content_type="application/json", **bearer(tokens["write"]))
    assert answer.status_code == 201, answer.content
    contact = answer.json()
    assert contact["value"] == "+573001234567" and {c["status"] for c in contact["consents"]} == {"granted"}
    answer = client.post(f"{BASE}/debtors/C001/contacts/{contact['id']}/consent",
                         {"channel": "sms", "status": "revoked"}, content_type="application/json",
                         **bearer(tokens["write"]))
    assert answer.status_code == 200 and answer.json()["status"] == "revoked"
    listed = client.get(f"{BASE}/debtors/C001/contacts", **bearer(tokens["read"])).json()["items"]
    assert {c["channel"]: c["status"] for c in listed[0]["consents"]}["sms"] == "revoked"


def test_obligations_create_list_get(client, portfolio, tokens, luz):
    answer = client.post(f"{BASE}/obligations", {"debtor_code": "C001", "number": "F-3", "issue_date": "2026-11-01",
                                                 "due_date": "2026-11-30", "amount": "25000.50"},
                         content_type="application/json", **bearer(tokens["write"]))
    assert answer.status_code == 201, answer.content
    assert answer.json()["balance"] == "25000.50"
    got = client.get(f"{BASE}/obligations/F-3", **bearer(tokens["read"])).json()
    assert got["original"] == "25000.50" and got["debtor_code"] == "C001"
    listed = client.get(f"{BASE}/obligations?debtor_code=C001", **bearer(tokens["read"])).json()
    assert [o["number"] for o in listed["items"]] == ["F-1", "F-2", "F-3"]
    bad = client.post(f"{BASE}/obligations", {"debtor_code": "C001", "number": "F-4", "issue_date": "2026-11-30",
                                              "due_date": "2026-11-01", "amount": "1"},
                      content_type="application/json", **bearer(tokens["write"]))
    assert bad.status_code == 400 and bad.json()["field"] == "due_date"


def test_a_payment_answers_its_allocation_and_reverses(client, portfolio, tokens, luz):
    answer = client.post(f"{BASE}/payments", {"debtor_code": "C001", "amount": "120000", "date": "2026-02-10",
                                              "source_ref": "ERP-1"}, content_type="application/json",
                         **bearer(tokens["write"]))
    assert answer.status_code == 201, answer.content
    payment = answer.json()
    assert payment["created"] is True and payment["amount"] == "120000.00"
    assert sum(float(a["amount"]) for a in payment["allocation"]) == 120000
    assert {a["obligation"] for a in payment["allocation"]} == {"F-1", "F-2"}
    again = client.post(f"{BASE}/payments", {"debtor_code": "C001", "amount": "120000", "date": "2026-02-10",
                                             "source_ref": "ERP-1"}, content_type="application/json",
                        **bearer(tokens["write"]))
    assert again.json()["created"] is False and Payment.objects.count() == 1
    reversed_ = client.post(f"{BASE}/payments/{payment['id']}/reverse", {"reason": "cheque devuelto"},
                            content_type="application/json", **bearer(tokens["write"]))
    assert reversed_.status_code == 200 and reversed_.json()["reversed"] is True
    assert client.get(f"{BASE}/debtors/C001", **bearer(tokens["read"])).json()["balance"] == "150000.00"


def test_an_idempotency_key_answers_the_first_result_and_refuses_another_body(client, portfolio, tokens, luz):
    body = {"debtor_code": "C001", "number": "F-9", "issue_date": "2026-11-01", "due_date": "2026-11-30",
            "amount": "100"}
    headers = {**bearer(tokens["write"]), "HTTP_IDEMPOTENCY_KEY": "k-1"}
    first = client.post(f"{BASE}/obligations", body, content_type="application/json", **headers)
    second = client.post(f"{BASE}/obligations", body, content_type="application/json", **headers)
    assert first.status_code == second.status_code == 201 and first.content == second.content
    other = client.post(f"{BASE}/obligations", {**body, "amount": "200"}, content_type="application/json",
                        **headers)
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    assert IdempotentRequest.objects.count() == 1


def test_a_refused_write_stores_no_answer_under_its_key(client, portfolio, tokens, luz):
    headers = {**bearer(tokens["write"]), "HTTP_IDEMPOTENCY_KEY": "k-2"}
    bad = {"debtor_code": "C001", "number": "F-9", "issue_date": "2026-11-30", "due_date": "2026-11-01",
           "amount": "100"}
    assert client.post(f"{BASE}/obligations", bad, content_type="application/json", **headers).status_code == 400
    assert not IdempotentRequest.objects.exists()


def test_reports_aging_statement_kpis(client, portfolio, tokens, luz):
    aging = client.get(f"{BASE}/aging?as_of=2026-03-02", **bearer(tokens["read"])).json()
    assert aging["total"] == "150000.00" and sum(b["count"] for b in aging["buckets"]) == 2
    statement = client.get(f"{BASE}/debtors/C001/statement", **bearer(tokens["read"])).json()
    assert statement["closing"] == "150000.00" and len(statement["lines"]) == 2
    pdf = client.get(f"{BASE}/debtors/C001/statement.pdf", **bearer(tokens["read"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    none_yet = client.get(f"{BASE}/kpis?from=2026-01-01&to=2026-01-31", **bearer(tokens["read"]))
    assert none_yet.status_code == 400 and none_yet.json()["field"] == "from"
    snapshot_backfill(portfolio=portfolio, start=date(2026, 1, 1), end=date(2026, 1, 31))
    kpis = client.get(f"{BASE}/kpis?from=2026-01-01&to=2026-01-31", **bearer(tokens["read"])).json()["kpis"]
    assert {k["code"]: k["value"] for k in kpis}["receivables"] == "150000.00"


def test_an_as_of_date_at_the_start_of_the_calendar_answers_an_empty_aging(client, portfolio, tokens, luz):
    answer = client.get(f"{BASE}/aging?as_of=0001-01-01", **bearer(tokens["read"]))
    assert answer.status_code == 200, answer.content[:200]
    assert answer.json()["as_of"] == "0001-01-01" and answer.json()["total"] == "0.00"  # nothing existed yet


def test_unknown_ids_bad_json_and_too_large_bodies_are_json_errors_in_spanish(client, portfolio, tokens, settings):
    """They were ninja's English {"detail": "Not Found"} / "Cannot parse request body" and, for a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE, Django's HTML 400 page."""
    spanish = {**bearer(tokens["write"]), "HTTP_ACCEPT_LANGUAGE": "es-co"}
    missing = client.get(f"{BASE}/debtors/NOPE", **spanish)
    assert missing.status_code == 404 and missing.json() == {"detail": "No encontrado.", "field": None}
    bad = client.post(f"{BASE}/payments", "{bad json", content_type="application/json", **spanish)
    assert bad.status_code == 400 and bad.json()["detail"] == "El cuerpo de la solicitud no es un JSON válido."
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
    big = client.post(f"{BASE}/payments", "x" * (3 * 1024 * 1024), content_type="application/json", **spanish)
    assert big.status_code == 413 and big["Content-Type"].startswith("application/json")
    assert big.json()["detail"] == "El cuerpo de la solicitud es demasiado grande: máximo 2 MB."


def test_promises_holds_agreements_offers_messages_events(client, portfolio, tokens, luz):
    promise = client.post(f"{BASE}/debtors/C001/promises", {"amount": "50000", "due_date": "2026-12-20"},
                          content_type="application/json", **bearer(tokens["write"]))
    assert promise.status_code == 201, promise.content
    assert client.get(f"{BASE}/debtors/C001/promises", **bearer(tokens["read"])).json()["items"][0]["status"] \
        == "pending"
    hold = client.post(f"{BASE}/debtors/C001/holds", {"reason": "dispute", "until": "2026-12-31",
                                                      "obligation_number": "F-1"},
                       content_type="application/json", **bearer(tokens["write"]))
    assert hold.status_code == 201 and hold.json()["obligation"] == "F-1"
    no_end = client.post(f"{BASE}/debtors/C001/holds", {"reason": "dispute"}, content_type="application/json",
                         **bearer(tokens["write"]))
    assert no_end.status_code == 400
    assert len(client.get(f"{BASE}/debtors/C001/holds", **bearer(tokens["read"])).json()["items"]) >= 2
    for what in ("agreements", "offers", "messages"):
        assert client.get(f"{BASE}/debtors/C001/{what}", **bearer(tokens["read"])).status_code == 200
    events = client.get(f"{BASE}/debtors/C001/events", **bearer(tokens["read"])).json()["items"]
    assert "debtor.created" in {e["event_type"] for e in events} and "hold.created" in {e["event_type"] for e in events}


def test_the_command_creates_lists_and_revokes(portfolio, capsys):
    call_command("api_token", "create", "--name", "siigo", "--portfolio", "pyme", "--scope", "write")
    out = capsys.readouterr().out
    secret = next(word for word in out.split() if word.startswith("rc_"))
    token = ApiToken.objects.get(name="siigo")
    assert token.secret_hash == rules.secret_hash(secret) and token.writes
    call_command("api_token", "list")
    assert "siigo" in capsys.readouterr().out
    call_command("api_token", "revoke", str(token.pk))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_cursor_rules():
    assert rules.decode_cursor(rules.encode_cursor(12345)) == 12345
    assert rules.decode_cursor(None) == 0
    for bad in ("!!", "e30", rules.encode_cursor(1)[:-2] + "xx"):
        with pytest.raises(ApiError):
            rules.decode_cursor(bad)


def test_request_hash_tells_bodies_apart():
    assert rules.request_hash("POST", "/a", b"{}") == rules.request_hash("post", "/a", b"{}")
    assert rules.request_hash("POST", "/a", b"{}") != rules.request_hash("POST", "/a", b"{ }")
    assert rules.request_hash("POST", "/ab", b"") != rules.request_hash("POST", "/a", b"b")


def test_bulk_debtors_and_obligations_go_through_the_import_engine(client, portfolio, tokens):
    debtors = [{"code": f"B{i:04d}", "name": f"Cliente {i}", "id_type": "CC", "id_number": str(10_000_000 + i)}
               for i in range(300)]
    answer = client.post(f"{BASE}/bulk/debtors", {"rows": debtors}, content_type="application/json",
                         **bearer(tokens["write"]))
    assert answer.status_code == 200, answer.content
    assert answer.json()["created"] == 300 and answer.json()["committed"] is True
    obligations = [{"number": f"FV-{i}", "debtor_code": f"B{i % 300:04d}", "issue_date": "2026-10-01",
                    "due_date": "2026-10-31", "amount": "1000.50"} for i in range(600)]
    answer = client.post(f"{BASE}/bulk/obligations", {"rows": obligations}, content_type="application/json",
                         **bearer(tokens["write"]))
    assert answer.json()["created"] == 600, answer.content
    assert client.get(f"{BASE}/debtors/B0001", **bearer(tokens["read"])).json()["balance"] == "2001.00"
    again = client.post(f"{BASE}/bulk/obligations", {"rows": obligations}, content_type="application/json",
                        **bearer(tokens["write"])).json()
    assert again["created"] == 0 and again["unchanged"] == 600  # the import's idempotency
    events = AuditEvent.objects.filter(event_type="import.completed", actor_label="api:erp")
    assert events.count() == 3


def test_a_bulk_with_a_bad_row_writes_nothing_and_names_the_row(client, portfolio, tokens):
    rows = [{"number": "FV-1", "debtor_code": "N1", "debtor_name": "Nuevo", "issue_date": "2026-10-01",
             "due_date": "2026-10-31", "amount": "100"},
            {"number": "FV-2", "debtor_code": "N1", "issue_date": "2026-10-01", "due_date": "2026-10-31",
             "amount": "-5"}]
    answer = client.post(f"{BASE}/bulk/obligations", {"rows": rows}, content_type="application/json",
                         **bearer(tokens["write"])).json()
    assert answer["committed"] is False and answer["rejected"] == 1
    assert answer["errors"][0]["row"] == 2 and answer["errors"][0]["column"] == "amount"
    assert client.get(f"{BASE}/obligations/FV-1", **bearer(tokens["read"])).status_code == 404
    partial = client.post(f"{BASE}/bulk/obligations", {"rows": rows, "skip_invalid": True},
                          content_type="application/json", **bearer(tokens["write"])).json()
    assert partial["committed"] is True and partial["created"] == 1


def test_a_bulk_is_bounded(client, portfolio, tokens):
    rows = [{"code": f"X{i}", "name": "X"} for i in range(5001)]
    answer = client.post(f"{BASE}/bulk/debtors", {"rows": rows}, content_type="application/json",
                         **bearer(tokens["write"]))
    assert answer.status_code == 422 and answer.json()["field"] == "payload.rows"


def test_a_viewer_token_sees_id_numbers_masked(client, portfolio, luz):
    vera = make_user("vera", portfolio, role="viewer")
    _token, secret = token_create(name="vera", scope="read", portfolios=[portfolio], user=vera, actor=vera)
    one = client.get(f"{BASE}/debtors/C001", **bearer(secret)).json()
    listed = client.get(f"{BASE}/debtors", **bearer(secret)).json()["items"][0]
    assert one["id_number"] != "52123456" and listed["id_number"] == one["id_number"]
    assert "3456" in one["id_number"] or "*" in one["id_number"] or "•" in one["id_number"]


def test_text_that_cannot_be_stored_is_refused_at_its_field(client, portfolio, tokens, luz):
    body = '{"reason": "promise", "until": "2026-12-31", "obligation_number": "F\\u0000"}'
    answer = client.post(f"{BASE}/debtors/C001/holds", body, content_type="application/json",
                         **bearer(tokens["write"]))
    assert answer.status_code == 422 and answer.json()["field"] == "payload.obligation_number"
    body = '{"reason": "promise", "until": "2026-12-31", "notes": "\\udbff"}'
    answer = client.post(f"{BASE}/debtors/C001/holds", body, content_type="application/json",
                         **bearer(tokens["write"]))
    assert answer.status_code == 422 and answer.json()["field"] == "payload.notes"
    answer = client.get(f"{BASE}/debtors/C%00/statement", **bearer(tokens["read"]))
    assert answer.status_code == 400 and answer.json()["field"] == "code"
    answer = client.get(f"{BASE}/obligations?debtor_code=%00", **bearer(tokens["read"]))
    assert answer.status_code == 400 and answer.json()["field"] == "debtor_code"


def test_the_admin_lists_tokens_without_their_hash_and_revokes_them(client, portfolio, tokens):
    admin_user = make_user("root", superuser=True)
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    listing = client.get("/admin/api/apitoken/")
    assert listing.status_code == 200 and "erp" in listing.content.decode()
    token = ApiToken.objects.get(name="erp")
    page = client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert token.secret_hash not in page
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(event_type="api_token.revoked", actor_label="root").exists()
