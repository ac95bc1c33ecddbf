"""Bar charts drawn as SVG on the server: no script, no CDN, readable by screen readers.

Each chart is an `<svg role="img">` with a title and a description; the page puts the same
figures in a table next to it. Colours are DSFR ones with at least 3:1 contrast on white
(WCAG 1.4.11); every value also has a `<title>` (tooltip) so colour is never the only cue.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#000091", "#18753c", "#b34000", "#a558a0", "#5770be", "#716043", "#ce0500")
TEXT = "#3a3a3a"
GRID = "#dddddd"
FONT = 'font-family="Marianne, Arial, sans-serif"'


def _axis_top(value: float, ticks: int = 4) -> float:
    """The axis maximum: `ticks` equal whole steps of 1, 2 or 5 × 10^n covering `value`."""
    wanted = max(value / ticks, 1)
    magnitude = 1.0
    while magnitude * 10 <= wanted:
        magnitude *= 10
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= wanted)
    return step * ticks


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") if value == int(value) else f"{value:.1f}"


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT} font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _legend(names: Sequence[str], x: float, y: float) -> list[str]:
    parts = []
    for index, name in enumerate(names):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{x:.0f}" y="{y - 10:.0f}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16:.0f}" y="{y:.0f}" fill="{TEXT}">{escape(name)}</text>'
        )
        x += 28 + 7 * len(name)
    return parts


def stacked_columns(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    width: int = 760,
    height: int = 280,
) -> Markup:
    """Columns per category (a day, an hour), stacked by series (a channel, a topic)."""
    left, right, top, bottom = 48, 12, 30, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    top_value = _axis_top(max(totals, default=0))
    parts = _open(chart_id, title, description, width, height)
    for tick in range(5):
        value = top_value * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">'
            f"{_number(value)}</text>"
        )
    slot = plot_w / max(len(categories), 1)
    every = max(1, round(len(categories) / 15))  # at most ~15 axis labels
    for i, category in enumerate(categories):
        x, base = left + i * slot + slot * 0.15, float(top + plot_h)
        for index, (name, values) in enumerate(series):
            value = values[i]
            if not value:
                continue
            bar = plot_h * value / top_value
            base -= bar
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{slot * 0.7:.1f}" height="{bar:.1f}" '
                f'fill="{PALETTE[index % len(PALETTE)]}">'
                f"<title>{escape(category)} — {escape(name)} : {_number(value)}</title></rect>"
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'fill="{TEXT}">{escape(category)}</text>'
            )
    if len(series) > 1:
        parts += _legend([name for name, _ in series], left, height - 10)
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, float]],
    width: int = 760,
    unit: str = "",
) -> Markup:
    """One bar per row (a commune, a topic), longest first as given."""
    label_w, right, bar_h, gap = 210, 60, 18, 8
    height = 12 + len(rows) * (bar_h + gap)
    top_value = max((value for _, value in rows), default=0) or 1
    parts = _open(chart_id, title, description, width, max(height, 40))
    for i, (name, value) in enumerate(rows):
        y = 8 + i * (bar_h + gap)
        length = (width - label_w - right) * value / top_value
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" fill="{TEXT}">'
            f"{escape(name)}</text>"
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" '
            f'fill="{PALETTE[0]}"><title>{escape(name)} : {_number(value)}{unit}</title></rect>'
            f'<text x="{label_w + length + 6:.1f}" y="{y + 13}" fill="{TEXT}">'
            f"{_number(value)}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
