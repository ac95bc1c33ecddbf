"""Bar charts drawn as SVG on the server: no script, no CDN, readable by screen readers.

Each chart is an `<svg role="img">` with a title and a description; the page puts the same
figures in a table next to it. Colours have at least 3:1 contrast on white (WCAG 1.4.11); the
first is the default identity blue, not the State's. Every value also has a `<title>`
(tooltip) so colour is never the only cue.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#1f4e79", "#18753c", "#b34000", "#a558a0", "#5770be", "#716043", "#ce0500")
TEXT = "#3a3a3a"
GRID = "#dddddd"
FONT = 'font-family="system-ui, Arial, sans-serif"'  # the State's Marianne is not ours


def nice_axis(value: float) -> tuple[float, float]:
    """(top, step) of a value axis: 3 to 6 whole steps of 1, 2, 2.5 or 5 × 10^n over `value`.

    The smallest top wins (426 → 500 by 100, not 800 by 200), so bars use most of the height;
    between equal tops, the count of steps nearest 5.
    """
    if value <= 0:
        return 4.0, 1.0
    candidates = []
    for ticks in (3, 4, 5, 6):
        raw = value / ticks
        magnitude = 1.0
        while magnitude * 10 <= raw:
            magnitude *= 10
        multiples = (1, 2, 2.5, 5, 10) if magnitude >= 10 else (1, 2, 5, 10)
        step = max(1.0, next(m * magnitude for m in multiples if m * magnitude >= raw))
        top = step * -(-value // step)
        if top / step >= 3 or step == 1:
            candidates.append((top, abs(top / step - 5), step))
    top, _, step = min(candidates)
    return top, step


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


LEGEND_ROW = 18
CHAR_WIDTH = 7.2  # average width of a 12 px sans-serif character, rounded up


def _legend_layout(names: Sequence[str], left: float, right: float) -> list[tuple[float, int]]:
    """(x, row) of each legend entry, wrapping to a new row before the right edge."""
    places, x, row = [], left, 0
    for name in names:
        width = 16 + CHAR_WIDTH * len(name) + 14
        if x > left and x + width > right:
            x, row = left, row + 1
        places.append((x, row))
        x += width
    return places


def _legend(
    names: Sequence[str],
    places: list[tuple[float, int]],
    top: float,
    colours: Sequence[str] = PALETTE,
) -> list[str]:
    parts = []
    for index, (name, (x, row)) in enumerate(zip(names, places, strict=True)):
        colour = colours[index % len(colours)]
        y = top + row * LEGEND_ROW
        parts.append(
            f'<rect x="{x:.0f}" y="{y - 10:.0f}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16:.0f}" y="{y:.0f}" fill="{TEXT}">{escape(name)}</text>'
        )
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
    """Columns per category (a day, an hour), stacked by series (a channel, a topic).

    `height` is the plot's; the legend adds as many rows as its names need, none cut off.
    """
    left, right, top, bottom = 48, 12, 30, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    names = [name for name, _ in series] if len(series) > 1 else []
    places = _legend_layout(names, left, width - right)
    rows = 1 + max((row for _, row in places), default=-1)
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    top_value, step = nice_axis(max(totals, default=0))
    ticks = round(top_value / step)
    parts = _open(chart_id, title, description, width, height + rows * LEGEND_ROW)
    for tick in range(ticks + 1):
        value = step * tick
        y = top + plot_h - plot_h * tick / ticks
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
    parts += _legend(names, places, height - 10)
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


def _short(name: str, limit: int) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def stacked_bars(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[tuple[str, str]],
    width: int = 760,
) -> Markup:
    """One horizontal bar per row (a topic, a fiche), stacked by series (« Oui », « Non »…).

    `series` gives each part's name and colour, in the order of the row's values; the value
    axis (whole steps, `nice_axis`) is under the bars, the legend under the axis, and each
    bar ends with its total. Long row names are shortened on the chart only (the tooltip and
    the table next to it have them whole).
    """
    label_w, right, bar_h, gap, top = 260, 48, 18, 8, 8
    max_chars = int((label_w - 12) / CHAR_WIDTH)
    plot_w = width - label_w - right
    plot_bottom = top + len(rows) * (bar_h + gap)
    names = [name for name, _ in series]
    places = _legend_layout(names, label_w, width - right)
    legend_rows = 1 + max((row for _, row in places), default=-1)
    plot_bottom += 0 if rows else bar_h + gap  # room for "no data"
    height = plot_bottom + 24 + legend_rows * LEGEND_ROW + 6
    top_value, step = nice_axis(max((sum(values) for _, values in rows), default=0))
    ticks = round(top_value / step)
    parts = _open(chart_id, title, description, width, height)
    if not rows:
        parts.append(
            f'<text x="{label_w + 8}" y="{top + 13}" fill="{TEXT}">'
            "Aucune donnée sur la période.</text>"
        )
    for tick in range(ticks + 1):
        x = label_w + plot_w * tick / ticks
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{plot_bottom}" stroke="{GRID}"/>'
            f'<text x="{x:.1f}" y="{plot_bottom + 14}" text-anchor="middle" fill="{TEXT}">'
            f"{_number(step * tick)}</text>"
        )
    for i, (name, values) in enumerate(rows):
        y = top + i * (bar_h + gap)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" fill="{TEXT}">'
            f"{escape(_short(name, max_chars))}</text>"
        )
        x = float(label_w)
        for (part, colour), value in zip(series, values, strict=True):
            if not value:
                continue
            length = plot_w * value / top_value
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{bar_h}" '
                f'fill="{colour}"><title>{escape(name)} — {escape(part)} : {_number(value)}'
                "</title></rect>"
            )
            x += length
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + 13}" fill="{TEXT}">{_number(sum(values))}</text>'
        )
    parts += _legend(names, places, plot_bottom + 34, [colour for _, colour in series])
    parts.append("</svg>")
    return Markup("".join(parts))
