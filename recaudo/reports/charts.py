"""Server-rendered aging chart: geometry of horizontal bars for an inline SVG (no JavaScript, no CDN)."""

from __future__ import annotations

from collections.abc import Callable

from .formatting import bucket_label, fmt_amount
from .selectors import AgingReport

LABEL_WIDTH = 120
BAR_AREA = 300
AMOUNT_WIDTH = 180
ROW_HEIGHT = 30
BAR_HEIGHT = 20


def aging_chart(report: AgingReport, href: Callable[[int], str] | None = None, language: str | None = None) -> dict:
    """Bars (one per bucket) with label, formatted amount, count, link and coordinates for the template."""
    peak = max((t.amount_minor for t in report.totals), default=0)
    bars = []
    for index, total in enumerate(report.totals):
        width = round(BAR_AREA * total.amount_minor / peak, 1) if peak > 0 and total.amount_minor > 0 else 0
        if total.amount_minor > 0 and width < 2:
            width = 2  # a visible sliver for small but non-zero buckets
        y = index * ROW_HEIGHT
        bars.append({
            "index": index,
            "label": bucket_label(total.bucket),
            "amount": fmt_amount(total.amount_minor, report.currency, language),
            "count": total.count,
            "href": href(index) if href else "",
            "overdue": total.bucket.min_days is not None and total.bucket.min_days > 0,
            "y": y,
            "text_y": y + BAR_HEIGHT / 2 + 4,
            "bar_x": LABEL_WIDTH,
            "width": width,
            "amount_x": LABEL_WIDTH + width + 6,
        })
    return {
        "bars": bars,
        "width": LABEL_WIDTH + BAR_AREA + AMOUNT_WIDTH,
        "height": len(bars) * ROW_HEIGHT,
        "bar_height": BAR_HEIGHT,
        "label_x": LABEL_WIDTH - 8,
    }
