"""Pure rules of the debtor's own records: how long a note may be, which files may be attached (by their content,
not their name) and the name a document is downloaded under. No database, no clock."""

from __future__ import annotations

import re
import unicodedata

# Path segments of the debtor portal (/portal/<segment>/...) that are not a portfolio's slug: "l" opens a signed
# link (communications.rendering.PORTAL_LINK_PATH). A portfolio may not take one as its slug, or its portal page
# would never be reached (portal/tests/test_housekeeping.py checks the portal's URL patterns against this list).
PORTAL_RESERVED_SLUGS = frozenset({"l", "static", "media"})

NOTE_MAX_CHARS = 2000
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024  # 10 MB: a scanned invoice or a signed agreement
DOCUMENT_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def sniff_document_type(head: bytes) -> str | None:
    """The content type of a file from its first bytes (PDF, JPEG or PNG), or None for anything else, whatever its
    name says: "factura.pdf" that is really a ZIP or an HTML page is refused.

    >>> sniff_document_type(b"%PDF-1.7 ...")
    'application/pdf'
    >>> sniff_document_type(b"<html>") is None
    True
    """
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def safe_filename(name: str, content_type: str) -> str:
    """A name safe to store and to send in Content-Disposition: the base name only, letters without accents,
    digits, dot, dash and underscore, at most 100 characters, with the extension of its real type.

    >>> safe_filename("../../Factura Nº 12 (copia).PDF", "application/pdf")
    'Factura_No_12_copia.pdf'
    >>> safe_filename('x"; filename=evil.html', "image/png")
    'x_filename_evil.png'
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_.-")[:100] or "documento"
    return f"{stem}.{DOCUMENT_EXTENSIONS[content_type]}"


BRAND_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_CONTRAST = 4.5  # WCAG 2.1 AA for normal text


def _luminance(hex_color: str) -> float:
    """Relative luminance of #RRGGBB (WCAG 2.1)."""
    channels = []
    for i in (1, 3, 5):
        c = int(hex_color[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two #RRGGBB colours: white on black is 21.0, white on #0f766e about 5.47."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def brand_color_check(value: str) -> str:
    """A portal colour: "" (Recaudo's own) or #RRGGBB (lower case) on which white text reaches 4.5:1. Raises
    ValueError with the reason."""
    value = (value or "").strip()
    if not value:
        return ""
    if not BRAND_COLOR.match(value):
        raise ValueError("format")
    value = value.lower()
    if contrast_ratio("#ffffff", value) < MIN_CONTRAST:
        raise ValueError("contrast")
    return value


def slug_problem(slug: str) -> str | None:
    """What is wrong with a portfolio slug, or None. Lower-case letters, digits and hyphens, at most 60 characters,
    and not a fixed segment of the portal's paths.

    >>> slug_problem("edificio-los-almendros") is None
    True
    >>> slug_problem("l")
    "'l' is a fixed part of the portal's addresses: choose another slug"
    >>> slug_problem("Mi Cartera")
    "invalid slug 'Mi Cartera': use lower-case letters, digits and hyphens"
    """
    if not slug or len(slug) > 60 or not re.fullmatch(r"[a-z0-9]+(?:[-_][a-z0-9]+)*", slug):
        return f"invalid slug {slug!r}: use lower-case letters, digits and hyphens"
    if slug in PORTAL_RESERVED_SLUGS:
        return f"{slug!r} is a fixed part of the portal's addresses: choose another slug"
    return None


HOST_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def portal_host_check(value: str) -> str:
    """A creditor's own host name for the debtor portal (e.g. pagos.edificio.com): "" (none) or the name in lower
    case, without a trailing dot; at least two labels of letters, digits and hyphens, at most 253 characters; no
    scheme, port or path. Raises ValueError.

    >>> portal_host_check(" Pagos.Edificio.COM. ")
    'pagos.edificio.com'
    >>> portal_host_check("https://pagos.edificio.com/")
    Traceback (most recent call last):
    ...
    ValueError: host
    """
    host = (value or "").strip().lower().rstrip(".")
    if not host:
        return ""
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not all(HOST_LABEL.match(label) for label in labels) \
            or labels[-1].isdigit():
        raise ValueError("host")
    return host
