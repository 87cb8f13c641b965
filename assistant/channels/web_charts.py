"""Small server-side SVG line charts (no JavaScript, nothing loaded from the internet).

Why server-side: the supplier page must work under a strict Content-Security-Policy and on a dock
terminal with an old browser; an inline SVG is just markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 560, 220
PAD_L, PAD_R, PAD_T, PAD_B = 52, 16, 28, 44


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / max(ticks, 1)
    if raw <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _fmt(value: float, unit: str, step: float | None = None) -> str:
    """A tick or point label; `step` (the tick spacing) decides how many decimals tell ticks apart."""
    decimals = 2 if step is not None and step < 1 else 1 if step is not None and step < 10 else 0
    if step is None:
        decimals = 2 if unit == "$" and abs(value) < 100 else 1
    if unit == "%":
        return f"{value:.{min(decimals, 1)}f}%"
    if unit == "$":
        return f"${value:,.{decimals}f}"
    if len(unit) == 3 and unit.isupper():  # a currency code from Odoo: the title names it, ticks stay narrow
        return f"{value:,.{decimals}f}" if step is not None else f"{value:,.2f} {unit}"
    text = f"{value:,.{max(decimals, 1)}f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def line_chart(points: Sequence[tuple[str, float]], *, title: str, unit: str = "",
               target: float | None = None, css_class: str = "series", target_label: str | None = None) -> Markup:
    """An accessible SVG line chart of (label, value) points; a dashed, labelled line marks the target.

    The first x label is anchored at its start and the last at its end, so neither is clipped."""
    pts = [(str(label), float(v)) for label, v in points if v is not None and math.isfinite(float(v))]
    if not pts:
        return Markup(f'<p class="muted">No data for {escape(title)}.</p>')
    values = [v for _, v in pts] + ([target] if target is not None else [])
    lo, hi = min(values), max(values)
    if unit == "%":  # percentages on their full scale, so 90 % does not look like a collapse
        lo, hi = min(lo, 0.0), max(hi, 100.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    step = _nice_step(hi - lo)
    lo = math.floor(lo / step) * step
    hi = math.ceil(hi / step) * step
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def x(i: int) -> float:
        return PAD_L + (plot_w * i / (len(pts) - 1) if len(pts) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return PAD_T + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [f'<svg class="chart {escape(css_class)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f'<title>{escape(title)}</title>',
             f'<text x="{PAD_L}" y="16" class="chart-title">{escape(title)}</text>']
    tick = lo
    while tick <= hi + step / 2:
        ty = y(tick)
        parts.append(f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{ty:.1f}" y2="{ty:.1f}" class="grid"/>')
        parts.append(f'<text x="{PAD_L - 6}" y="{ty + 4:.1f}" class="axis" text-anchor="end">'
                     f'{escape(_fmt(tick, unit, step))}</text>')
        tick += step
    # x labels that never touch on a phone (axis text is 14px there): a start-anchored first label needs 1.5 widths
    label_w = 8.4 * max(len(label[:10]) for label, _ in pts) + 8
    gap = plot_w / max(len(pts) - 1, 1)
    every = max(1, math.ceil(len(pts) / 6), math.ceil(1.5 * label_w / gap))
    last = len(pts) - 1
    for i, (label, _) in enumerate(pts):
        # every `every`-th label, plus the last one unless it would overlap its neighbour
        if (i % every == 0 and (i == last or last - i >= every)) or i == last:
            anchor = "end" if i == last and last > 0 else "start" if i == 0 and last > 0 else "middle"
            parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - PAD_B + 16}" class="axis x-label" '
                         f'text-anchor="{anchor}">{escape(label[:10])}</text>')
    if target is not None:
        name = f"{target_label or 'target'} {_fmt(target, unit)}"
        parts.append(f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
                     f'class="target"><title>{escape(name)}</title></line>')
        parts.append(f'<text x="{WIDTH - PAD_R}" y="{y(target) - 5:.1f}" class="target-label" '
                     f'text-anchor="end">{escape(name)}</text>')
    path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(pts))
    parts.append(f'<polyline points="{path}" class="line"/>')
    for i, (label, v) in enumerate(pts):
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" class="dot">'
                     f'<title>{escape(label)}: {escape(_fmt(v, unit))}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))
