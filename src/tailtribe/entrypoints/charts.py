"""Small bar charts as SVG, drawn on the server (the console's dashboard).

No chart library and no script: a fixed viewBox scaled by CSS, colours from
classes (`series-0`, `series-1`, ...) the stylesheet fills, so the strict CSP
(no style attributes) holds. The SVG is an image for assistive technology
(`role="img"`, `<title>` and `<desc>` named by `aria-labelledby`); its numbers
go in a table next to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 28, 28  # room for the axis labels and the legend
SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[int]


def nice_ceiling(value: int) -> int:
    """The axis' top: 1, 2 or 5 times a power of ten, at least `value` (and 1)."""
    if value <= 1:
        return 1
    power = int(10 ** (len(str(value)) - 1))  # exact: no floating point logarithm
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover (the loop always returns)


def _attrs(**values: object) -> str:
    return "".join(
        f" {name.rstrip('_').replace('_', '-')}={quoteattr(str(v))}" for name, v in values.items()
    )


def _element(tag: str, content: str = "", **attrs: object) -> str:
    return f"<{tag}{_attrs(**attrs)}>{content}</{tag}>"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    axis_value: Callable[[int], str] = str,
    tick_every: int | None = None,
) -> Markup:
    """Bars per label, side by side when there are several series (a grouped
    chart). `axis_value` formats the y axis' numbers; every `tick_every`-th
    label is written under its group (by default about eight of them)."""
    count = len(labels)
    if any(len(s.values) != count for s in series):
        raise ValueError("every series needs one value per label")
    top = nice_ceiling(max((v for s in series for v in s.values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(count, 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    every = tick_every or max(1, math.ceil(count / 8))

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / top

    parts = [
        _element("title", escape(title), id=f"{chart_id}-title"),
        _element("desc", escape(description), id=f"{chart_id}-desc"),
    ]
    for value in sorted({top * i // 4 for i in range(5)}):  # the grid: 0, quarters, the top
        level = _n(y(value))
        parts.append(
            f"<line{_attrs(class_='grid', x1=LEFT, x2=WIDTH - RIGHT, y1=level, y2=level)}/>"
        )
        parts.append(
            _element(
                "text",
                escape(axis_value(value)),
                class_="axis",
                x=LEFT - 6,
                y=_n(y(value) + 4),
                text_anchor="end",
            )
        )
    for g, label in enumerate(labels):
        x0 = LEFT + g * group_w + group_w * 0.1
        for k, s in enumerate(series):
            value = s.values[g]
            height = TOP + plot_h - y(value)
            parts.append(
                _element(
                    "rect",
                    _element("title", escape(f"{label}, {s.name}: {value}")),
                    class_=f"series-{k}",
                    x=_n(x0 + k * bar_w),
                    y=_n(y(value)),
                    width=_n(max(bar_w - 0.5, 0.5)),
                    height=_n(height),
                )
            )
        if g % every == 0:
            parts.append(
                _element(
                    "text",
                    escape(label),
                    class_="axis",
                    x=_n(LEFT + g * group_w + group_w / 2),
                    y=HEIGHT - 8,
                    text_anchor="middle",
                )
            )
    if len(series) > 1:  # the legend, above the plot
        x = LEFT
        for k, s in enumerate(series):
            parts.append(f"<rect{_attrs(class_=f'series-{k}', x=x, y=6, width=12, height=12)}/>")
            parts.append(_element("text", escape(s.name), class_="legend", x=x + 16, y=16))
            x += 24 + 8 * len(s.name)
    svg = _element(
        "svg",
        "".join(parts),
        xmlns=SVG_NS,
        class_="chart",
        viewBox=f"0 0 {WIDTH} {HEIGHT}",
        role="img",
        aria_labelledby=f"{chart_id}-title {chart_id}-desc",
        preserveAspectRatio="xMidYMid meet",
    )
    return Markup(svg)  # noqa: S704  (every text and attribute above is escaped)


def _n(value: float) -> str:
    """Coordinates with two decimals at most: smaller pages, same drawing."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
