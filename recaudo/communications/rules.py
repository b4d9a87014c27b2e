"""Communications rules: pure functions of plain data."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import NamedTuple

APPLYING_ROLES = frozenset({"supervisor", "admin"})


def template_edit_needs_approval(role: str | None) -> bool:
    """A portfolio's templates go to every debtor of the portfolio: an agent's edit waits for a supervisor's or an
    administrator's approval; theirs apply at once. `role` None is not a person (a command, the system): at once.

    >>> [template_edit_needs_approval(r) for r in ("agent", "supervisor", "admin", None)]
    [True, False, False, False]
    """
    return role is not None and role not in APPLYING_ROLES


def template_can_decide(role: str | None) -> bool:
    """Who approves or rejects an agent's edit: supervisors and administrators."""
    return role in APPLYING_ROLES


BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
# After a permanent failure, the next channels to try, in order (only those the debtor consented to).
FALLBACK_ORDER = {"email": ("whatsapp", "sms", "letter"), "sms": ("whatsapp", "email", "letter"),
                  "whatsapp": ("sms", "email", "letter"), "letter": ("email",)}


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failed try: 1, 2, 4, 8 ... minutes, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


# ---------------------------------------------------------------------------------------------- how to address
def greeting_name(*, name: str, kind: str = "person", id_type: str = "") -> str:
    """The name a message greets the debtor by (`debtor.first_name`): a person's first word, a company's (a legal
    person: kind "company", or identified by a NIT) whole name. "Distribuciones El Sol S.A.S." is never
    "Distribuciones", and a natural person with a NIT is greeted by the full name, which is never wrong.

    >>> greeting_name(name="Luz Marina Restrepo")
    'Luz'
    >>> greeting_name(name="Distribuciones El Sol S.A.S.", kind="company")
    'Distribuciones El Sol S.A.S.'
    >>> greeting_name(name="Ferretería Gómez", id_type="NIT")
    'Ferretería Gómez'
    >>> greeting_name(name="   ")
    ''
    """
    words = name.split()
    if not words:
        return ""
    return " ".join(words) if is_company(kind=kind, id_type=id_type) else words[0]


def is_company(*, kind: str = "person", id_type: str = "") -> bool:
    """A legal person for the purpose of addressing it (`debtor.company`: "Señores ..."): kind "company", or a NIT.

    >>> is_company(kind="company"), is_company(id_type="nit"), is_company(id_type="CC"), is_company()
    (True, True, False, False)
    """
    return kind == "company" or (id_type or "").strip().upper() == "NIT"


# ------------------------------------------------------------------------------------------------- SMS segments
# GSM 03.38: the 7-bit default alphabet, and its extension table (each extension character takes two septets).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7_SINGLE, GSM7_PART = 160, 153  # septets in one SMS; per part of a concatenated one (a 7-septet header)
UCS2_SINGLE, UCS2_PART = 70, 67  # characters (UTF-16 code units) in one SMS; per part of a concatenated one
SMS_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})  # number formatting's thin spaces


class SmsSize(NamedTuple):
    encoding: str  # "GSM-7" or "UCS-2"
    length: int  # septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2)
    segments: int  # messages the operator bills; 0 for an empty text
    per_segment: int  # the limit that applied: 160/153 (GSM-7) or 70/67 (UCS-2)
    non_gsm: str  # the characters that forced UCS-2, in order of appearance, each once


def sms_text(text: str) -> str:
    """The text as an SMS carries it: the no-break and thin spaces amounts are formatted with become plain spaces
    (a single one would make the whole message UCS-2)."""
    return text.translate(SMS_SPACES)


def sms_size(text: str) -> SmsSize:
    """How many SMS segments `text` takes. All characters in the GSM-7 alphabet: 160 septets in one message, 153
    per segment beyond (extension characters such as € [ ] { } count two). Any other character (á í ó ú, emoji):
    the whole message is UCS-2, 70 characters in one message, 67 per segment beyond.

    >>> sms_size("a" * 160)[:3], sms_size("a" * 161)[:3], sms_size("a" * 306)[:3], sms_size("a" * 307)[:3]
    (('GSM-7', 160, 1), ('GSM-7', 161, 2), ('GSM-7', 306, 2), ('GSM-7', 307, 3))
    >>> sms_size("€" * 80)[:3], sms_size("€" * 81)[:3]
    (('GSM-7', 160, 1), ('GSM-7', 162, 2))
    >>> sms_size("Señor Muñoz, ¿pagó?")  # ñ and ¿ are GSM-7, ó is not
    SmsSize(encoding='UCS-2', length=19, segments=1, per_segment=70, non_gsm='ó')
    >>> sms_size("í" * 70)[:3], sms_size("í" * 71)[:3], sms_size("í" * 134)[:3], sms_size("í" * 135)[:3]
    (('UCS-2', 70, 1), ('UCS-2', 71, 2), ('UCS-2', 134, 2), ('UCS-2', 135, 3))
    >>> sms_size("")
    SmsSize(encoding='GSM-7', length=0, segments=0, per_segment=160, non_gsm='')
    """
    non_gsm = "".join(dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION))
    if non_gsm:
        length = len(text.encode("utf-16-le")) // 2  # an emoji is two code units
        single, part, encoding = UCS2_SINGLE, UCS2_PART, "UCS-2"
    else:
        length = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, part, encoding = GSM7_SINGLE, GSM7_PART, "GSM-7"
    if length == 0:
        segments = 0
    elif length <= single:
        segments = 1
    else:
        segments = -(-length // part)
    return SmsSize(encoding=encoding, length=length, segments=segments,
                   per_segment=single if segments <= 1 else part, non_gsm=non_gsm)


# -------------------------------------------------------------------------------------- self-service by SMS/WhatsApp
# What a debtor may write to get an automatic answer (issue 16 §4). A message is a request when, once normalised
# (capitals, no accents, no punctuation) and stripped of courtesy words, exactly one kind of keyword is left.
# Anything else ("no puedo pagar", "ya pagué", a question) goes to the agents' inbox: a person reads it.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "BAJA", "NO MAS", "DETENER",
                        "CANCELAR", "PARAR", "ALTO", "NO ME ESCRIBAN", "NO MAS MENSAJES"})
# STOP words that are an opt-out wherever they appear in a short message (never ambiguous in Spanish or English:
# "cancelar" also means "to pay off" and "baja" "low", so those count only as the whole message or its start).
STOP_ANYWHERE = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE"})
BALANCE, PAY, PLAN, HELP, STOP, OTHER = "balance", "pay", "plan", "help", "stop", ""
KEYWORDS = {
    "SALDO": BALANCE, "BALANCE": BALANCE, "DEUDA": BALANCE,
    "PAGAR": PAY, "PAGO": PAY, "PAY": PAY, "PAYMENT": PAY,
    "ACUERDO": PLAN, "PLAN": PLAN, "AGREEMENT": PLAN,
    "AYUDA": HELP, "HELP": HELP, "MENU": HELP, "INFO": HELP, "OPCIONES": HELP,
}
FILLER_WORDS = frozenset({
    "HOLA", "BUENAS", "BUENOS", "BUEN", "DIA", "DIAS", "TARDES", "NOCHES", "POR", "FAVOR", "PORFA", "PORFAVOR",
    "GRACIAS", "QUIERO", "QUISIERA", "MI", "MIS", "EL", "LA", "LOS", "UN", "UNA", "DE", "VER", "CONSULTAR", "ENVIAR",
    "ENVIEME", "ENVIAME", "MANDAME", "MANDEME", "DAME", "CUAL", "ES", "SR", "SRA", "OK",
    "HI", "HELLO", "PLEASE", "PLS", "THANKS", "THANK", "YOU", "MY", "THE", "A", "I", "WANT", "TO", "SEND", "ME",
    "WHAT", "IS", "SEE", "CHECK",
})
MAX_REQUEST_WORDS = 8
INBOUND_TEXT_LIMIT = 2000  # characters of an inbound message kept for the agents (the rest is cut, said so)


def normalise_words(text: str) -> list[str]:
    """The words of an inbound text in capitals, without accents or punctuation.

    >>> normalise_words("  ¡Saldo, por favor!  ")
    ['SALDO', 'POR', 'FAVOR']
    >>> normalise_words("No más")
    ['NO', 'MAS']
    """
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().upper()
    return "".join(ch if ch.isalnum() else " " for ch in plain).split()


def is_stop_word(text: str) -> bool:
    """An opt-out: a STOP-like word as the whole message ("STOP", "baja", "No más") or its start ("STOP todo"), or
    STOP / STOPALL / UNSUBSCRIBE anywhere in a short message ("saldo stop").

    >>> [is_stop_word(t) for t in ("STOP", "baja", "No más", "stop ya", "saldo STOP", "cancelar", "cancelar deuda")]
    [True, True, True, True, True, True, False]
    """
    words = normalise_words(text)
    plain = " ".join(words)
    if plain in STOP_WORDS or plain.startswith("STOP ") or plain.startswith("BAJA "):
        return True
    return len(words) <= MAX_REQUEST_WORDS and any(w in STOP_ANYWHERE for w in words)


def inbound_keyword(text: str) -> str:
    """What an inbound SMS/WhatsApp text asks for: "stop" (always first: an opt-out keeps its meaning), "balance",
    "pay", "plan", "help", or "" (anything else: the agents' inbox).

    >>> [inbound_keyword(t) for t in ("SALDO", "saldo por favor", "Hola, ¿cuál es mi saldo?", "Balance please")]
    ['balance', 'balance', 'balance', 'balance']
    >>> [inbound_keyword(t) for t in ("pagar", "Quiero PAGAR", "pay", "Acuerdo", "plan", "AYUDA", "menu", "Help!")]
    ['pay', 'pay', 'pay', 'plan', 'plan', 'help', 'help', 'help']
    >>> [inbound_keyword(t) for t in ("STOP", "saldo stop", "baja", "No más")]
    ['stop', 'stop', 'stop', 'stop']
    >>> [inbound_keyword(t) for t in ("no puedo pagar", "ya pagué", "saldo pagar", "", "hola", "pagar " * 9)]
    ['', '', '', '', '', '']
    """
    if is_stop_word(text):
        return STOP
    words = normalise_words(text)
    if not words or len(words) > MAX_REQUEST_WORDS:
        return OTHER
    rest = [w for w in words if w not in FILLER_WORDS]
    kinds = {KEYWORDS.get(w) for w in rest}
    if len(kinds) != 1 or None in kinds:
        return OTHER
    return kinds.pop()


# An automatic answer per sender: at most REPLY_LIMITS[i][0] within REPLY_LIMITS[i][1] (hostile loops: two bots
# answering each other, someone flooding a number). Beyond, the message is kept for the agents and not answered.
REPLY_LIMITS = ((3, timedelta(minutes=10)), (10, timedelta(days=1)))


def reply_allowed(previous: list, now) -> bool:
    """Whether one more automatic answer may go to a sender who got answers at the instants `previous`.

    >>> from datetime import datetime
    >>> t = datetime(2026, 3, 3, 15, 0)
    >>> reply_allowed([], t), reply_allowed([t - timedelta(minutes=m) for m in (1, 2)], t)
    (True, True)
    >>> reply_allowed([t - timedelta(minutes=m) for m in (1, 2, 3)], t)
    False
    >>> reply_allowed([t - timedelta(minutes=m) for m in (11, 12, 13)], t)
    True
    >>> reply_allowed([t - timedelta(hours=h) for h in range(1, 11)], t)
    False
    """
    return all(sum(1 for at in previous if now - window < at <= now) < limit for limit, window in REPLY_LIMITS)


def whatsapp_session_open(last_inbound, now) -> bool:
    """WhatsApp lets a business answer with free text (a "session" message) within 24 hours of the customer's last
    message; later only an approved template may go.

    >>> from datetime import datetime
    >>> t = datetime(2026, 3, 3, 15, 0)
    >>> whatsapp_session_open(t - timedelta(hours=23, minutes=59), t), whatsapp_session_open(t - timedelta(hours=24), t)
    (True, False)
    >>> whatsapp_session_open(None, t)
    False
    """
    return last_inbound is not None and now - last_inbound < WHATSAPP_SESSION


WHATSAPP_SESSION = timedelta(hours=24)
REPLY_SOURCE = "reply"  # Message.source of an automatic answer to a debtor's message
