"""Charts drawn on the server as SVG: pure functions from numbers to markup, no script and no CDN.

Every chart is an ``<svg role="img">`` (``role="group"`` when its bars link somewhere) with a ``<title>`` and a
``<desc>`` (named by ``aria-labelledby``), its labels and values written as text, and the same numbers in a table
beside it on the page (the table is what a screen reader or a printout relies on). Bars may link somewhere
(``href``): the persons behind the number.

The markup is well-formed XML (every text escaped), so it can be parsed, embedded in a PDF or saved as a file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

COLOUR = "#0b5563"  # the navbar's colour (kompeten.css .bg-kompeten)
TARGET_COLOUR = "#c0392b"
MUTED = "#6c757d"
GRID = "#dee2e6"
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""

LABEL_WIDTH = 190
ROW_HEIGHT = 22
BAR_HEIGHT = 14
VALUE_SPACE = 70


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    href: str = ""
    target: int | None = None  # drawn as a tick across the bar's row
    note: str = ""  # added to the bar's tooltip (e.g. "62 % of target")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]  # one per x label; None: no point
    colour: str = COLOUR
    dashed: bool = False


def number(value) -> str:
    """A count as the templates show it with ``intcomma`` (the active language's thousands separator); whole
    numbers are formatted directly, as a page holds hundreds of them."""
    if isinstance(value, float):
        value = round(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", str(get_format("THOUSAND_SEPARATOR")))
    return str(intcomma(value))


def _text(value) -> str:
    return escape(str(value))


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def _open(chart_id: str, width: int, height: int, title: str, description: str, *, links: bool = False) -> list[str]:
    """The <svg> element: role "img", or "group" when bars link somewhere (an image may hold no links: WCAG, axe's
    nested-interactive rule)."""
    ids = f"{chart_id}-title {chart_id}-desc"
    role = "group" if links else "img"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="{role}" aria-labelledby="{_text(ids)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'style="max-width:100%;height:auto" class="kompeten-chart" {FONT} font-size="12">',
        f'<title id="{_text(chart_id)}-title">{_text(title)}</title>',
        f'<desc id="{_text(chart_id)}-desc">{_text(description or title)}</desc>',
    ]


def bar_chart(bars: Sequence[Bar], *, title: str, chart_id: str, description: str = "", width: int = 640,
              colour: str = COLOUR, target_label: str = "") -> SafeString:
    """Horizontal bars, one per item, each with its label on the left and its value at its end; a target
    (where given) is a red tick across the row, so a bar that has passed it shows at a glance."""
    largest = max([b.value for b in bars] + [b.target or 0 for b in bars] + [0]) or 1
    plot = width - LABEL_WIDTH - VALUE_SPACE
    height = max(len(bars), 1) * ROW_HEIGHT + 8
    out = _open(chart_id, width, height, title, description, links=any(bar.href for bar in bars))
    out.append(f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height - 4}" stroke="{GRID}"/>')
    for index, bar in enumerate(bars):
        top = 4 + index * ROW_HEIGHT
        middle = top + ROW_HEIGHT / 2
        size = round(plot * bar.value / largest, 1)
        tip = f"{bar.label}: {number(bar.value)}"
        if bar.target is not None:
            tip += f" · {target_label or _('Target')}: {number(bar.target)}"
        if bar.note:
            tip += f" · {bar.note}"
        out.append("<g>")
        out.append(f"<title>{_text(tip)}</title>")
        out.append(f'<text x="{LABEL_WIDTH - 6}" y="{middle + 4}" text-anchor="end">'
                   f"{_text(_shorten(str(bar.label), 30))}</text>")
        rect = (f'<rect x="{LABEL_WIDTH}" y="{middle - BAR_HEIGHT / 2}" width="{size}" height="{BAR_HEIGHT}" '
                f'fill="{colour}"/>')
        if bar.href:
            rect = f'<a href="{_text(bar.href)}" aria-label="{_text(tip)}">{rect}</a>'  # a link needs a name
        out.append(rect)
        end = LABEL_WIDTH + size
        out.append(f'<text x="{end + 4}" y="{middle + 4}">{_text(number(bar.value))}</text>')
        if bar.target is not None:
            at = round(LABEL_WIDTH + plot * bar.target / largest, 1)
            out.append(f'<line x1="{at}" y1="{top + 1}" x2="{at}" y2="{top + ROW_HEIGHT - 1}" '
                       f'stroke="{TARGET_COLOUR}" stroke-width="2"/>')
        out.append("</g>")
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 (every text above is escaped)


def nice_ticks(largest: float, count: int = 4) -> list[int]:
    """Round gridline values from 0 to at least ``largest``: 0, 250, 500, … (a 1-2-2.5-5 step)."""
    if largest <= 0:
        return [0, 1]
    raw = largest / count
    power = 10.0 ** math.floor(math.log10(raw))
    whole = [round(m * power) for m in (1, 2, 2.5, 5, 10) if abs(m * power - round(m * power)) < 1e-9]
    step = next((s for s in whole if s >= max(raw, 1)), max(1, math.ceil(raw)))  # counts: whole steps only
    top = math.ceil(largest / step) * step
    return list(range(0, top + 1, step))


def line_chart(labels: Sequence[str], series: Sequence[Series], *, title: str, chart_id: str,
               description: str = "", width: int = 640, height: int = 260) -> SafeString:
    """Lines over ``labels`` (months), one per series, on a gridded axis from 0, with a legend above; each
    point carries its value as a tooltip and the last point of each line its value as text."""
    left, right, top, bottom = 56, 16, 28, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(max(values + [0]))
    scale = ticks[-1] or 1
    slots = max(len(labels), 1)

    def x_at(i: int) -> float:
        return round(left + plot_w * (i + 0.5) / slots, 1)

    def y_at(v: float) -> float:
        return round(top + plot_h - plot_h * v / scale, 1)

    out = _open(chart_id, width, height, title, description)
    for tick in ticks:
        y = y_at(tick)
        out.append(f'<line x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="{MUTED}">{_text(number(tick))}</text>')
    for i, label in enumerate(labels):
        out.append(f'<text x="{x_at(i)}" y="{height - 8}" text-anchor="middle" fill="{MUTED}">'
                   f"{_text(label)}</text>")
    legend_x = left
    for s in series:
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        out.append(f'<line x1="{legend_x}" y1="12" x2="{legend_x + 22}" y2="12" stroke="{s.colour}" '
                   f'stroke-width="3"{dash}/>')
        out.append(f'<text x="{legend_x + 28}" y="16">{_text(s.label)}</text>')
        legend_x += 40 + 7 * len(str(s.label))
    for s in series:
        points = [(x_at(i), y_at(v), v, labels[i] if i < len(labels) else "") for i, v in enumerate(s.values)
                  if v is not None]
        if not points:
            continue
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        path = " ".join(f"{x},{y}" for x, y, _v, _label in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{s.colour}" stroke-width="2.5"{dash}/>')
        if not s.dashed:
            for x, y, v, label in points:
                out.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{s.colour}">'
                           f"<title>{_text(f'{s.label} · {label}: {number(v)}')}</title></circle>")
        x, y, v, _label = points[-1]
        out.append(f'<text x="{x}" y="{y - 8}" text-anchor="end" fill="{s.colour}">{_text(number(v))}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 (every text above is escaped)
