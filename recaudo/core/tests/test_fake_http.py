"""The one local stand-in for a provider's HTTP API (fake_http.FakeHTTPServer) that every app's tests share: it
answers GET and POST with the subclass's JSON, keeps each request (its JSON read when there is one) and is the only
HTTP request handler the tests define."""

import ast
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from recaudo.core.tests.fake_http import FakeHTTPServer

ROOT = Path(__file__).resolve().parents[2]  # recaudo/


class Echo(FakeHTTPServer):
    def answer(self, record):
        if record["path"] == "/teapot":
            return 418, {"error": "teapot"}
        return 200, {"method": record["method"], "got": record["json"]}


def _call(url, data=None):
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (a local test server)
        return response.status, json.loads(response.read())


def test_it_answers_get_and_post_with_json_and_keeps_each_request():
    with Echo() as fake:
        assert fake.url.startswith("http://127.0.0.1:")
        assert _call(fake.url + "/a") == (200, {"method": "GET", "got": None})
        assert _call(fake.url + "/b", b'{"x": 1}') == (200, {"method": "POST", "got": {"x": 1}})
        assert _call(fake.url + "/c", b"x=1&y=2") == (200, {"method": "POST", "got": None})  # a form: no JSON
        with pytest.raises(urllib.error.HTTPError) as error:
            _call(fake.url + "/teapot")
        assert error.value.code == 418
    assert [(r["method"], r["path"]) for r in fake.requests] == [("GET", "/a"), ("POST", "/b"), ("POST", "/c"),
                                                                 ("GET", "/teapot")]
    assert fake.requests[2]["body"] == b"x=1&y=2"


def test_by_default_every_path_is_not_found():
    with FakeHTTPServer() as fake, pytest.raises(urllib.error.HTTPError) as error:
        _call(fake.url + "/anything")
    assert error.value.code == 404


def test_no_other_test_module_defines_its_own_http_server():
    own = []
    for path in sorted(ROOT.rglob("tests/*.py")):
        if path.name == "fake_http.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", getattr(b, "attr", "")) in (
                    "BaseHTTPRequestHandler", "SimpleHTTPRequestHandler") for b in node.bases):
                own.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert own == [], f"use recaudo.core.tests.fake_http.FakeHTTPServer: {own}"
