"""The WhatsApp verify token never reaches the access log of `recaudo serve` (Django's server)."""

import logging
import threading
import urllib.request

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

from recaudo.communications.logs import mask_secrets


@pytest.mark.parametrize("line, masked", [
    ("GET /hooks/whatsapp?hub.mode=subscribe&hub.verify_token=s3cr3t&hub.challenge=42 HTTP/1.1",
     "GET /hooks/whatsapp?hub.mode=subscribe&hub.verify_token=********&hub.challenge=42 HTTP/1.1"),
    ("GET /hooks/whatsapp?hub.verify_token=s3cr3t HTTP/1.1", "GET /hooks/whatsapp?hub.verify_token=******** HTTP/1.1"),
    ("GET /hooks/whatsapp?hub%2Everify_token=s3cr3t&x=1 HTTP/1.1",
     "GET /hooks/whatsapp?hub%2Everify_token=********&x=1 HTTP/1.1"),
    ("GET /debtors/?q=verify_token HTTP/1.1", "GET /debtors/?q=verify_token HTTP/1.1"),
])
def test_mask_secrets(line, masked):
    assert mask_secrets(line) == masked


@pytest.mark.django_db(transaction=True)  # the server thread's middleware reads the portal host names
def test_the_verify_token_is_masked_in_the_servers_access_log(settings, caplog):
    settings.RECAUDO_WHATSAPP_VERIFY_TOKEN = "verify-me-please"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver", "localhost"]
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        url = (f"http://127.0.0.1:{server.server_address[1]}/hooks/whatsapp?hub.mode=subscribe"
               "&hub.verify_token=verify-me-please&hub.challenge=1158201444")
        with caplog.at_level(logging.INFO, logger="django.server"):
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local test server
                assert response.read() == b"1158201444"
            wrong = url.replace("verify-me-please", "a-guess")
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(wrong, timeout=10)  # noqa: S310
    finally:
        server.shutdown()
        server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "django.server"]
    assert len(lines) == 2 and all("hub.verify_token=********" in line for line in lines)
    assert "verify-me-please" not in caplog.text and "a-guess" not in caplog.text
