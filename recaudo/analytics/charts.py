"""Server-rendered chart geometry for the analytics page (inline SVG: no JavaScript, no network): the balance by
bucket over time (stacked areas), collections against target per month (bars), and the roll-rate heat map's
shade classes. Pure functions of plain numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

WIDTH = 640
HEIGHT = 220
LEFT = 8
BOTTOM = 20
SHADES = 6


def stacked_trend(labels: list[str], days: list[tuple[date, list[int]]]) -> dict:
    """Stacked areas, one per bucket (least overdue at the bottom): each a closed polygon's points, scaled so the
    highest day's total fills the height. Empty when there are no days."""
    if not days:
        return {"series": [], "width": WIDTH, "height": HEIGHT, "ticks": []}
    peak = max(sum(values) for _, values in days) or 1
    n = len(days)
    area_h = HEIGHT - BOTTOM
    step = (WIDTH - LEFT) / max(n - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + i * step, 1)

    def y(v: int) -> float:
        return round(area_h - area_h * v / peak, 1)

    series = []
    lower = [0] * n
    for b, label in enumerate(labels):
        upper = [lower[i] + days[i][1][b] for i in range(n)]
        top = [f"{x(i)},{y(upper[i])}" for i in range(n)]
        bottom = [f"{x(i)},{y(lower[i])}" for i in reversed(range(n))]
        if n == 1:  # one day: a bar-like sliver
            top.append(f"{x(0) + 6},{y(upper[0])}")
            bottom.insert(0, f"{x(0) + 6},{y(lower[0])}")
        series.append({"index": b, "label": label, "points": " ".join(top + bottom)})
        lower = upper
    tick_every = max(n // 6, 1)
    ticks = [{"x": x(i), "label": days[i][0].strftime("%d/%m")} for i in range(0, n, tick_every)]
    return {"series": series, "width": WIDTH, "height": HEIGHT, "ticks": ticks, "axis_y": HEIGHT - 4}


def target_bars(months: list[tuple[str, int, int]]) -> dict:
    """Per month (label, collected, target): two bars side by side scaled to the largest value."""
    if not months:
        return {"bars": [], "width": WIDTH, "height": HEIGHT}
    peak = max(max(c, t) for _, c, t in months) or 1
    area_h = HEIGHT - BOTTOM
    slot = (WIDTH - LEFT) / len(months)
    bar_w = max(min(slot / 3, 40), 4)
    bars = []
    for i, (label, collected, target) in enumerate(months):
        x0 = LEFT + i * slot + slot / 2 - bar_w
        hc = area_h * collected / peak
        ht = area_h * target / peak
        bars.append({"label": label, "x_collected": round(x0, 1), "y_collected": round(area_h - hc, 1),
                     "h_collected": round(hc, 1), "x_target": round(x0 + bar_w, 1), "y_target": round(area_h - ht, 1),
                     "h_target": round(ht, 1), "w": round(bar_w, 1), "text_x": round(x0 + bar_w, 1),
                     "collected": collected, "target": target})
    return {"bars": bars, "width": WIDTH, "height": HEIGHT, "axis_y": HEIGHT - 4}


def shade(percent: Decimal | None) -> int:
    """The heat-map class of a roll-rate cell: 0 (none) to SHADES (100 %)."""
    if percent is None or percent <= 0:
        return 0
    return min(SHADES, int((percent * SHADES + 99) // 100))
