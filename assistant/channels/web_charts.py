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


def _fmt(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.0f}%"
    if unit == "$":
        return f"${value:,.2f}" if abs(value) < 100 else f"${value:,.0f}"
    text = f"{value:,.1f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def line_chart(points: Sequence[tuple[str, float]], *, title: str, unit: str = "",
               target: float | None = None, css_class: str = "series") -> Markup:
    """An accessible SVG line chart of (label, value) points; a dashed line marks the target."""
    pts = [(str(label), float(v)) for label, v in points if v is not None and math.isfinite(float(v))]
    if not pts:
        return Markup(f'<p class="muted">No data for {escape(title)}.</p>')
    values = [v for _, v in pts] + ([target] if target is not None else [])
    lo, hi = min(values), max(values)
    if unit == "%":
        lo, hi = min(lo, 100.0), max(hi, 0.0)
        lo = max(0.0, lo - 5)
        hi = min(100.0, hi + 5) if hi <= 100 else hi
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
                     f'{escape(_fmt(tick, unit))}</text>')
        tick += step
    every = max(1, math.ceil(len(pts) / 8))
    for i, (label, _) in enumerate(pts):
        if i % every == 0 or i == len(pts) - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - PAD_B + 16}" class="axis" '
                         f'text-anchor="middle">{escape(label[:10])}</text>')
    if target is not None:
        parts.append(f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
                     f'class="target"><title>target {escape(_fmt(target, unit))}</title></line>')
    path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(pts))
    parts.append(f'<polyline points="{path}" class="line"/>')
    for i, (label, v) in enumerate(pts):
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" class="dot">'
                     f'<title>{escape(label)}: {escape(_fmt(v, unit))}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))
