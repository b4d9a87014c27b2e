"""The channel registry: which transport sends each channel, in one place.

settings.RECAUDO_TRANSPORTS (from the environment variable, "email=smtp,sms=twilio,...") maps a channel to a
transport kind; a Django setting may also give a dict {"kind": ..., **options}. Defaults: SMTP for email when
RECAUDO_SMTP_HOST is set, Twilio for SMS when RECAUDO_TWILIO_ACCOUNT_SID is set, WhatsApp Cloud when
RECAUDO_WHATSAPP_TOKEN is set, otherwise the console transport; letters always go to a PDF batch.
"""

from __future__ import annotations

from importlib import import_module

from ..conf import setting
from .base import Attachment, Outgoing, Transport, TransportError

KINDS = {
    "smtp": "recaudo.communications.transports.email.EmailTransport",
    "twilio": "recaudo.communications.transports.sms_twilio.TwilioTransport",
    "whatsapp_cloud": "recaudo.communications.transports.whatsapp_cloud.WhatsAppCloudTransport",
    "webhook": "recaudo.communications.transports.webhook.WebhookTransport",
    "letter": "recaudo.communications.transports.letter.LetterTransport",
    "console": "recaudo.communications.transports.console.ConsoleTransport",
    "file": "recaudo.communications.transports.console.FileTransport",
    "memory": "recaudo.communications.transports.console.MemoryTransport",
}

__all__ = ["Attachment", "Outgoing", "Transport", "TransportError", "KINDS", "transport_for", "transport_config"]


def _defaults() -> dict[str, str]:
    return {
        "email": "smtp" if setting("RECAUDO_SMTP_HOST") else "console",
        "sms": "twilio" if setting("RECAUDO_TWILIO_ACCOUNT_SID") else "console",
        "whatsapp": "whatsapp_cloud" if setting("RECAUDO_WHATSAPP_TOKEN") else "console",
        "letter": "letter",
    }


def transport_config() -> dict[str, dict]:
    """channel -> {"kind": ..., options}."""
    config: dict[str, dict] = {channel: {"kind": kind} for channel, kind in _defaults().items()}
    raw = setting("RECAUDO_TRANSPORTS")
    if isinstance(raw, str):
        for item in raw.split(","):
            if "=" in item:
                channel, kind = (part.strip() for part in item.split("=", 1))
                config[channel] = {"kind": kind}
    elif isinstance(raw, dict):
        for channel, value in raw.items():
            config[channel] = dict(value) if isinstance(value, dict) else {"kind": value}
    for channel, value in config.items():
        if value["kind"] not in KINDS and "." not in value["kind"]:
            raise ValueError(f"RECAUDO_TRANSPORTS: unknown transport {value['kind']!r} for {channel}; "
                             f"one of {', '.join(KINDS)}")
    return config


def transport_for(channel: str) -> Transport:
    config = transport_config().get(channel)
    if config is None:
        raise TransportError(f"no transport configured for channel {channel!r}", permanent=True, code="config")
    options = dict(config)
    kind = options.pop("kind")
    path = KINDS.get(kind, kind)
    module_name, class_name = path.rsplit(".", 1)
    cls = getattr(import_module(module_name), class_name)
    transport = cls(**options)
    transport.kind = kind
    return transport
