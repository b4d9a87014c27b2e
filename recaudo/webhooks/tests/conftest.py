"""A fake DNS for the webhooks' tests, so no test asks the network: the names under example.co below resolve as
listed, any other name under example.co does not resolve; addresses and "localhost" go to the real resolver (which
answers them without the network)."""

from __future__ import annotations

import socket

import pytest

NAMES = {
    "erp.example.co": "190.85.12.34",  # a public address
    "intranet.example.co": "10.20.30.40",  # a private one
    "metadata.example.co": "169.254.169.254",  # link-local: a cloud's metadata service
}


@pytest.fixture
def fake_dns(monkeypatch):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, str) and (host == "example.co" or host.endswith(".example.co")):
            if host not in NAMES:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (NAMES[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return NAMES
