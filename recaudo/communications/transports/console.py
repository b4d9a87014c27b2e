"""Development transports: print to the console, append to a file, or keep in memory (tests)."""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings

from ..conf import setting
from .base import Outgoing, Transport


def _as_dict(message: Outgoing) -> dict:
    return {"id": message.message_id, "channel": message.channel, "to": message.to, "subject": message.subject,
            "text": message.text, "whatsapp_template": message.whatsapp_template,
            "whatsapp_params": message.whatsapp_params,
            "attachments": [a.filename for a in message.attachments]}


class ConsoleTransport(Transport):
    name = "console"

    def send(self, message: Outgoing) -> str:
        stream = self.options.get("stream") or sys.stdout
        stream.write(f"--- {message.channel} to {message.to} (message {message.message_id})\n")
        if message.subject:
            stream.write(f"Subject: {message.subject}\n")
        stream.write(message.text + "\n")
        if message.attachments:
            stream.write(f"[attachments: {', '.join(a.filename for a in message.attachments)}]\n")
        return f"console-{uuid.uuid4().hex[:12]}"


class FileTransport(Transport):
    """One JSON line per message in RECAUDO_OUTBOX_FILE (default RECAUDO_HOME/outbox.jsonl)."""

    name = "file"
    _lock = threading.Lock()

    def send(self, message: Outgoing) -> str:
        path = Path(self.options.get("path") or setting("RECAUDO_OUTBOX_FILE") or settings.HOME / "outbox.jsonl")
        path.parent.mkdir(parents=True, exist_ok=True)
        provider_id = f"file-{uuid.uuid4().hex[:12]}"
        with self._lock, open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"provider_id": provider_id, **_as_dict(message)}, ensure_ascii=False) + "\n")
        return provider_id


class MemoryTransport(Transport):
    """Keeps what it sent in MemoryTransport.sent (tests). `fail`: {to: TransportError} to simulate failures."""

    name = "memory"
    sent: list[dict] = []
    fail: dict = {}
    _lock = threading.Lock()

    def send(self, message: Outgoing) -> str:
        if self.options.get("delay"):
            time.sleep(float(self.options["delay"]))
        error = type(self).fail.get(message.to)
        if error is not None:
            raise error
        provider_id = f"mem-{uuid.uuid4().hex[:12]}"
        with self._lock:
            type(self).sent.append({"provider_id": provider_id, **_as_dict(message)})
        return provider_id

    @classmethod
    def reset(cls):
        cls.sent = []
        cls.fail = {}
