"""Bar charts drawn on the server as inline SVG: readable without script, safe under a strict CSP.

Colours and sizes are SVG presentation attributes (the CSP forbids `style` attributes); widths are
percentages of the chart's width, so bars fit a 360 px phone while the text keeps its size (a
label above each bar, its numbers to the right). Every
label goes through markupsafe's escaping. The chart is one `role="img"` with a `<title>` and a
`<desc>` that reads out every bar's numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

ROW_HEIGHT = 46
LABEL_BASELINE = 17
BAR_TOP = 23
BAR_HEIGHT = 16
LEGEND_HEIGHT = 26
MAX_LABEL = 40
TRACK = 62  # percent of the width the bars may take; the numbers go to the right of it
COLOURS = {"done": "#1e6b3a", "going": "#e0a526", "track": "#e4e7eb", "ink": "#1d232a"}


@dataclass(frozen=True)
class Bar:
    """One bar: its label, the part done, the part under way, out of a whole."""

    label: str
    done: int
    going: int
    whole: int
    caption: str  # the numbers, short, drawn beside the bar ("12/20 · 60%")
    spoken: str = ""  # the numbers in words, for the description read by screen readers


def _share(part: int, whole: int) -> float:
    return 0.0 if whole <= 0 else max(0.0, min(100.0, 100.0 * part / whole))


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], legend: Sequence[tuple[str, str]] = ()) -> Markup:
    """Draw horizontal stacked bars (done, then under way, on a grey track) with their labels.

    `legend` pairs a colour key ("done", "going") with its text. `chart_id` must be a plain
    identifier: it names the title and description elements.
    """
    if not chart_id.replace("-", "").replace("_", "").isalnum():
        raise ValueError("chart_id must be a plain identifier")
    top = LEGEND_HEIGHT if legend else 0
    height = top + ROW_HEIGHT * len(bars) + 4
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="100%" height="{h}" '
            'aria-labelledby="{i}-title {i}-desc" font-family="system-ui, sans-serif" font-size="14" '
            'fill="{ink}">'
        ).format(h=height, i=chart_id, ink=COLOURS["ink"]),
        Markup('<title id="{i}-title">{t}</title>').format(i=chart_id, t=title),
        Markup('<desc id="{i}-desc">{d}</desc>').format(
            i=chart_id, d="; ".join(f"{bar.label}: {bar.spoken or bar.caption}" for bar in bars)
        ),
    ]
    x = 0
    for key, text in legend:
        parts.append(
            Markup('<rect x="{x}" y="4" width="12" height="12" fill="{c}"/><text x="{tx}" y="15">{t}</text>').format(
                x=x, c=COLOURS[key], tx=x + 16, t=text
            )
        )
        x += 16 + 9 * len(str(text)) + 16
    for index, bar in enumerate(bars):
        y = top + index * ROW_HEIGHT
        done = _share(bar.done, bar.whole) * TRACK / 100
        going = min(_share(bar.going, bar.whole) * TRACK / 100, TRACK - done)
        parts.append(
            Markup(
                '<g><text x="0" y="{ly}" font-weight="600">{label}</text>'
                '<rect x="0" y="{by}" width="{track_w}%" height="{bh}" rx="3" fill="{track}"/>'
                '<rect x="0" y="{by}" width="{done}%" height="{bh}" rx="3" fill="{cdone}"/>'
                '<rect x="{done}%" y="{by}" width="{going}%" height="{bh}" fill="{cgoing}"/>'
                '<text x="{cx}%" y="{cy}">{caption}</text></g>'
            ).format(
                ly=y + LABEL_BASELINE,
                by=y + BAR_TOP,
                bh=BAR_HEIGHT,
                label=_short(bar.label),
                caption=bar.caption,
                track_w=TRACK,
                cx=TRACK + 2,
                cy=y + BAR_TOP + BAR_HEIGHT - 3,
                track=COLOURS["track"],
                done=_fmt(done),
                going=_fmt(going),
                cdone=COLOURS["done"],
                cgoing=COLOURS["going"],
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
