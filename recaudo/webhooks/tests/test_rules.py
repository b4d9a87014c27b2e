"""The pure rules of outgoing webhooks, with worked examples."""

from __future__ import annotations

from datetime import timedelta

from recaudo.webhooks import rules


def test_the_signature_matches_the_standard_webhooks_published_test_vector():
    # The vector of the Standard Webhooks reference libraries' tests (secret, msg id, timestamp, body, signature).
    header = rules.signature(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
                             timestamp=1614265330, body=b'{"test": 2432232314}')
    assert header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_headers_carry_id_timestamp_and_signature():
    heads = rules.headers(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
                          timestamp=1614265330, body=b'{"test": 2432232314}')
    assert heads["webhook-id"] == "msg_p5jXN8AQM9LWM0D4loKWxJek"
    assert heads["webhook-timestamp"] == "1614265330"
    assert heads["webhook-signature"].startswith("v1,g0hM9SsE")


def test_retry_delay_doubles_from_30_seconds_up_to_a_6_hour_cap():
    assert rules.retry_delay(1) == timedelta(seconds=30)
    assert rules.retry_delay(2) == timedelta(seconds=60)
    assert rules.retry_delay(5) == timedelta(seconds=480)
    assert rules.retry_delay(10) == timedelta(seconds=15360)
    assert rules.retry_delay(11) == timedelta(hours=6)  # 30720 s > 21600 s
    assert rules.retry_delay(500) == timedelta(hours=6)


def test_url_shape():
    assert rules.url_problem("https://erp.example.co/hooks", max_length=500) == ""
    assert rules.url_problem("http://erp.example.co:8080/h", max_length=500) == ""
    assert "http" in rules.url_problem("ftp://erp.example.co/", max_length=500)
    assert "http" in rules.url_problem("file:///etc/passwd", max_length=500)
    assert rules.url_problem("https://" + "a" * 500, max_length=500)
    assert rules.url_problem("https://user:pw@erp.example.co/", max_length=500)
    assert rules.url_problem("https:///nohost", max_length=500)
    assert rules.url_problem("http://x.co:99999/", max_length=500)


def test_private_addresses():
    for address in ("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "::1", "0.0.0.0",  # noqa: S104
                    "::ffff:127.0.0.1", "fd00::1", "224.0.0.1"):
        assert rules.is_private(address), address
    for address in ("8.8.8.8", "190.24.1.1", "2800:3f0:4001::200e"):
        assert not rules.is_private(address), address


def test_is_address():
    assert rules.is_address("10.0.0.5") and rules.is_address("::1") and rules.is_address("169.254.169.254")
    assert not rules.is_address("localhost") and not rules.is_address("erp.example.co")


def test_gaps_between():
    assert rules.gaps_between(10, [11, 12, 15, 16, 20]) == [[13, 14], [17, 19]]
    assert rules.gaps_between(10, [13]) == [[11, 12]]
    assert rules.gaps_between(10, []) == []


def test_the_verification_snippet_of_the_docs_verifies_the_published_vector():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "webhooks.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 (our own documentation's snippet)
    headers = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
               "webhook-signature": "v1,bm9ldHRoZXNpZ25hdHVyZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}
    verify = namespace["verify"]
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert verify(secret, headers, b'{"test": 2432232314}', tolerance=10**10)
    assert not verify(secret, headers, b'{"test": 2432232315}', tolerance=10**10)  # tampered body
    assert not verify(secret, headers, b'{"test": 2432232314}')  # a 2021 timestamp: a replay
