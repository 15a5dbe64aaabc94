"""Server-rendered, accessible SVG charts: all geometry is computed here, templates only draw.

Render any chart with ``{% include "components/charts/chart.html" with chart=some_chart %}``:
``chart.html`` draws the figure, caption, legend and data table shared by every chart type and
includes ``chart.template`` for the SVG itself. Pages add ``static/css/charts.css``.

Ids: ``chart.id`` prefixes every id in the chart (aria-labelledby, patterns). When the caller
passes ``chart_id`` it is used as given (slugified): the caller keeps it unique on the page.
Without it the id is ``chart-<slug of title>-<n>`` where ``n`` comes from a process-wide
counter, so two charts with the same title on one page never share ids.

Coordinates are floats rounded to two decimals in SVG user units (``viewBox`` width 640, the
SVG itself is 100 % wide); templates print them inside ``{% localize off %}`` so a locale
never turns ``12.5`` into ``12,5``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

__all__ = [
    "BarChart",
    "Datum",
    "GroupedBarChart",
    "LineChart",
    "bar_chart",
    "grouped_bar_chart",
    "line_chart",
]

WIDTH = 640  # viewBox width of every chart; the SVG scales to its container
FONT_CHAR_WIDTH = 7.0  # average glyph width at the 13-unit font size, for truncation
ELLIPSIS = "\u2026"
SERIES_STYLES = 4  # grouped bars cycle through this many colour + pattern pairs

_ids = itertools.count(1)


@dataclass(frozen=True)
class Datum:
    label: str
    value: float | None  # None = no data (drawn as a gap, an en dash in the table)
    display: str = ""  # text shown for the value, e.g. "72 %"; default: formatted value
    highlight: bool = False  # drawn in the alert colour (e.g. a lagging unit)
    href: str = ""  # optional link for the label in the data table


# --- table (shared by every chart type) -------------------------------------------------------


@dataclass(frozen=True)
class TableCell:
    display: str
    no_data: bool = False


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: tuple[TableCell, ...]
    href: str = ""
    highlight: bool = False


# --- geometry pieces --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    value: float
    display: str
    y: float


@dataclass(frozen=True)
class Bar:
    """One horizontal bar of a bar chart (one row)."""

    label: str
    short_label: str  # truncated with an ellipsis when too long; ``label`` goes in <title>
    truncated: bool
    display: str
    value: float | None
    highlight: bool
    label_x: float
    text_y: float  # baseline of the label and value text
    bar_x: float
    bar_y: float
    bar_width: float
    bar_height: float
    value_x: float  # where the value text starts (right of the bar)

    @property
    def is_gap(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Point:
    """One point of a line chart; ``value`` None means a gap (no circle, line breaks)."""

    label: str
    short_label: str
    truncated: bool
    display: str
    value: float | None
    highlight: bool
    x: float
    y: float
    show_label: bool  # x labels are thinned when there are many points

    @property
    def is_gap(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class GroupBar:
    """One vertical bar of a grouped bar chart; grows up or down from the zero line."""

    series: str
    style: int  # 0..SERIES_STYLES-1: colour class and pattern
    value: float | None
    display: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    negative: bool

    @property
    def is_gap(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Group:
    category: str
    short_label: str
    truncated: bool
    label_x: float
    bars: tuple[GroupBar, ...]


@dataclass(frozen=True)
class LegendItem:
    name: str
    style: int


# --- charts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BaseChart:
    id: str
    title: str
    description: str  # the caller's description followed by a summary (highest, lowest)
    value_heading: str
    width: int
    height: int
    table_headings: tuple[str, ...]  # column headings after the label column
    table_rows: tuple[TableRow, ...]
    has_data: bool
    has_highlight: bool

    template: ClassVar[str] = ""
    kind: ClassVar[str] = ""

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


@dataclass(frozen=True)
class BarChart(BaseChart):
    data: tuple[Datum, ...]
    bars: tuple[Bar, ...]
    max_value: float
    bar_x: float  # left edge of every bar (the value axis)
    bar_max_width: float  # width of a bar at max_value

    template: ClassVar[str] = "components/charts/bar.html"
    kind: ClassVar[str] = "bar"


@dataclass(frozen=True)
class LineChart(BaseChart):
    data: tuple[Datum, ...]
    points: tuple[Point, ...]
    paths: tuple[str, ...]  # one SVG path "d" per unbroken run of values
    ticks: tuple[Tick, ...]
    max_value: float  # top of the y axis
    min_value: float  # bottom of the y axis
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    x_label_y: float

    template: ClassVar[str] = "components/charts/line.html"
    kind: ClassVar[str] = "line"


@dataclass(frozen=True)
class GroupedBarChart(BaseChart):
    categories: tuple[str, ...]
    series_names: tuple[str, ...]
    groups: tuple[Group, ...]
    legend: tuple[LegendItem, ...]
    ticks: tuple[Tick, ...]
    zero_y: float
    max_value: float
    min_value: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    x_label_y: float
    value_format: str

    template: ClassVar[str] = "components/charts/grouped_bar.html"
    kind: ClassVar[str] = "grouped-bar"


# --- helpers ----------------------------------------------------------------------------------


def _r(value: float) -> float:
    """Round a coordinate; two decimals is far below a pixel at any sensible size."""
    return round(float(value), 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def _chart_id(chart_id: str, title: str) -> str:
    if chart_id:
        return slugify(chart_id) or f"chart-{next(_ids)}"
    slug = slugify(title)[:40].strip("-")
    return f"chart-{slug}-{next(_ids)}" if slug else f"chart-{next(_ids)}"


def format_number(value: float, decimals: int | None = None) -> str:
    """Localised number: integers without decimals, others with one (or ``decimals``)."""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    return number_format(round(value, decimals), decimals)


def _as_floats(data: Sequence[Datum]) -> tuple[Datum, ...]:
    """Decimal or int values (as aggregates return them) become floats for the geometry."""
    return tuple(
        d if d.value is None or type(d.value) is float else replace(d, value=float(d.value))
        for d in data
    )


def _display(datum: Datum) -> str:
    if datum.display:
        return datum.display
    if datum.value is None:
        return ""
    return format_number(datum.value)


def _truncate(text: str, max_chars: int) -> tuple[str, bool]:
    text = " ".join(str(text).split())
    if len(text) <= max_chars:
        return text, False
    return text[: max(1, max_chars - 1)].rstrip() + ELLIPSIS, True


def _nice_scale(lo: float, hi: float, max_intervals: int = 4) -> tuple[float, float, float]:
    """Round axis bounds and step with 2..max_intervals intervals (3 to 5 ticks)."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo <= 0:
        hi = 1.0
    raw = (hi - lo) / max_intervals
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = [m * magnitude for m in (1, 2, 2.5, 5, 10, 20, 25, 50, 100)]
    step = steps[-1]
    for candidate in steps:
        if candidate < raw * (1 - 1e-9):
            continue
        low = math.floor(lo / candidate + 1e-9) * candidate
        high = math.ceil(hi / candidate - 1e-9) * candidate
        if round((high - low) / candidate) <= max_intervals:
            step = candidate
            break
    low = math.floor(lo / step + 1e-9) * step
    high = math.ceil(hi / step - 1e-9) * step
    return round(low, 10), round(high, 10), step


def _decimals(value: float, limit: int = 4) -> int:
    """Fewest decimals (up to ``limit``) that show ``value`` exactly: 0.25 -> 2, 0.5 -> 1."""
    decimals = 0
    while decimals < limit and not math.isclose(round(value, decimals), value, abs_tol=1e-9):
        decimals += 1
    return decimals


def _ticks(low: float, high: float, step: float, to_y) -> tuple[Tick, ...]:
    ticks = []
    for i in range(round((high - low) / step) + 1):
        value = round(low + i * step, 10)
        ticks.append(
            Tick(value=value, display=format_number(value, _decimals(value)), y=_r(to_y(value)))
        )
    return tuple(ticks)


def _summary(items: Sequence[tuple[str, float, str]]) -> str:
    """'Highest: A (72 %). Lowest: B (10 %).' from (label, value, display) triples."""
    if not items:
        return _("No data.")
    if len(items) == 1:
        label, _value, display = items[0]
        return _("%(label)s: %(value)s.") % {"label": label, "value": display}
    high = max(items, key=lambda item: item[1])
    low = min(items, key=lambda item: item[1])
    return _("Highest: %(high)s (%(high_value)s). Lowest: %(low)s (%(low_value)s).") % {
        "high": high[0],
        "high_value": high[2],
        "low": low[0],
        "low_value": low[2],
    }


def _join(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part and part.strip())


def _gaps_note(count: int) -> str:
    if not count:
        return ""
    return _("%(count)s without data.") % {"count": count}


def _datum_rows(data: Sequence[Datum]) -> tuple[TableRow, ...]:
    return tuple(
        TableRow(
            label=d.label,
            href=d.href,
            highlight=d.highlight,
            cells=(TableCell(display=_display(d), no_data=d.value is None),),
        )
        for d in data
    )


# --- bar chart --------------------------------------------------------------------------------

BAR_LABEL_WIDTH = 200  # label column (labels end 8 units before the bars)
BAR_VALUE_WIDTH = 80  # room for the value text right of the longest bar (at least)
VALUE_CHAR_WIDTH = 8.5  # a digit or "%" at the 13-unit font, wider than the average glyph
BAR_ROW = 30
BAR_HEIGHT = 20
BAR_PAD = 6


def bar_chart(
    *,
    title: str,
    data: Sequence[Datum],
    value_heading: str,
    max_value: float | None = None,
    description: str = "",
    chart_id: str = "",
) -> BarChart:
    """Horizontal bars, label left, value right; a bar at ``max_value`` fills the width.

    ``max_value`` defaults to the largest value (1 when all are 0 or None). Values above it
    are drawn full width, negative values as zero-width bars (their text still shows).
    """
    data = _as_floats(data)
    values = [d.value for d in data if d.value is not None]
    if max_value is None or max_value <= 0:
        max_value = max([v for v in values if v > 0], default=0) or 1.0
    max_value = float(max_value)
    bar_x = BAR_LABEL_WIDTH
    # a long value ("100 % (5 of 5)") takes room from the bars rather than being cut off
    longest = max((len(_display(d)) for d in data if d.value is not None), default=0)
    value_width = max(BAR_VALUE_WIDTH, math.ceil(10 + VALUE_CHAR_WIDTH * longest))
    bar_max_width = WIDTH - BAR_LABEL_WIDTH - value_width
    max_chars = int((BAR_LABEL_WIDTH - 16) / FONT_CHAR_WIDTH)

    bars = []
    for index, d in enumerate(data):
        top = BAR_PAD + index * BAR_ROW
        fraction = 0.0 if d.value is None else min(max(d.value / max_value, 0.0), 1.0)
        width = bar_max_width * fraction
        short, truncated = _truncate(d.label, max_chars - (2 if d.highlight else 0))
        bars.append(
            Bar(
                label=d.label,
                short_label=short,
                truncated=truncated,
                display=_display(d) if d.value is not None else "\u2013",
                value=d.value,
                highlight=d.highlight,
                label_x=bar_x - 8,
                text_y=_r(top + BAR_HEIGHT / 2 + 4.5),
                bar_x=bar_x,
                bar_y=_r(top),
                bar_width=_r(width),
                bar_height=BAR_HEIGHT,
                value_x=_r(bar_x + width + 6),
            )
        )

    summary = _summary([(d.label, d.value, _display(d)) for d in data if d.value is not None])
    return BarChart(
        id=_chart_id(chart_id, title),
        title=title,
        description=_join(description, summary, _gaps_note(len(data) - len(values))),
        value_heading=value_heading,
        width=WIDTH,
        height=max(BAR_PAD * 2 + len(data) * BAR_ROW - (BAR_ROW - BAR_HEIGHT), 1),
        table_headings=(value_heading,),
        table_rows=_datum_rows(data),
        has_data=bool(data),
        has_highlight=any(d.highlight for d in data),
        data=data,
        bars=tuple(bars),
        max_value=float(max_value),
        bar_x=bar_x,
        bar_max_width=bar_max_width,
    )


# --- line chart -------------------------------------------------------------------------------

LINE_HEIGHT = 260
PLOT_LEFT = 56  # room for y tick labels
PLOT_RIGHT = WIDTH - 40  # half of the widest x label fits right of the last point
PLOT_TOP = 28  # room for the value heading
PLOT_BOTTOM = LINE_HEIGHT - 36  # room for x labels
MAX_X_LABELS = 8


def line_chart(
    *,
    title: str,
    data: Sequence[Datum],
    value_heading: str,
    max_value: float | None = None,
    description: str = "",
    chart_id: str = "",
) -> LineChart:
    """One series, x = the data's labels in order; None values break the line.

    The y axis runs from 0 (or the lowest negative value) to a round number at or above
    ``max_value`` and the largest value, with 3 to 5 round ticks.
    """
    data = _as_floats(data)
    values = [d.value for d in data if d.value is not None]
    high = max([*values, float(max_value or 0.0)])
    low = min([*values, 0.0])
    low, high, step = _nice_scale(low, high)

    def to_y(value: float) -> float:
        return PLOT_BOTTOM - (value - low) / (high - low) * (PLOT_BOTTOM - PLOT_TOP)

    count = len(data)
    span = PLOT_RIGHT - PLOT_LEFT
    label_every = max(1, math.ceil(count / MAX_X_LABELS))
    slot = span / max(1, math.ceil(count / label_every))
    # x labels are centred on their point: keep them within the slot and the right margin
    max_chars = max(4, min(int(slot / FONT_CHAR_WIDTH), int(2 * (WIDTH - PLOT_RIGHT) / 7.5)))

    points = []
    for index, d in enumerate(data):
        x = PLOT_LEFT + span / 2 if count == 1 else PLOT_LEFT + span * index / (count - 1)
        short, truncated = _truncate(d.label, max_chars)
        points.append(
            Point(
                label=d.label,
                short_label=short,
                truncated=truncated,
                display=_display(d),
                value=d.value,
                highlight=d.highlight,
                x=_r(x),
                y=_r(to_y(d.value)) if d.value is not None else _r(PLOT_BOTTOM),
                show_label=index % label_every == 0,
            )
        )

    paths: list[str] = []
    run: list[Point] = []
    for point in [*points, None]:
        if point is None or point.is_gap:
            if len(run) > 1:
                paths.append(
                    " ".join(f"{'M' if i == 0 else 'L'}{p.x:g} {p.y:g}" for i, p in enumerate(run))
                )
            run = []
        else:
            run.append(point)

    present = [(d.label, d.value, _display(d)) for d in data if d.value is not None]
    summary = _summary(present)
    if len(present) > 1:
        summary = _join(
            summary,
            _("Latest: %(label)s (%(value)s).")
            % {"label": present[-1][0], "value": present[-1][2]},
        )
    if count > 1:
        summary = _join(
            _("From %(first)s to %(last)s.") % {"first": data[0].label, "last": data[-1].label},
            summary,
        )

    return LineChart(
        id=_chart_id(chart_id, title),
        title=title,
        description=_join(description, summary, _gaps_note(count - len(values))),
        value_heading=value_heading,
        width=WIDTH,
        height=LINE_HEIGHT,
        table_headings=(value_heading,),
        table_rows=_datum_rows(data),
        has_data=bool(data),
        has_highlight=any(d.highlight for d in data),
        data=data,
        points=tuple(points),
        paths=tuple(paths),
        ticks=_ticks(low, high, step, to_y),
        max_value=high,
        min_value=low,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        plot_top=PLOT_TOP,
        plot_bottom=PLOT_BOTTOM,
        x_label_y=PLOT_BOTTOM + 20,
    )


# --- grouped bar chart ------------------------------------------------------------------------

GROUP_HEIGHT = 280
GROUP_PLOT_TOP = 36  # room for the heading and a value label above the tallest bar
GROUP_PLOT_BOTTOM = GROUP_HEIGHT - 44  # room for a negative value label and the categories
GROUP_INNER = 0.8  # share of a category's width used by its bars


def _format_value(value_format: str, value: float) -> str:
    try:
        return value_format.format(value)
    except (ValueError, TypeError):
        return format_number(value)


def grouped_bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    value_heading: str,
    value_format: str = "{:+.2f}",
    description: str = "",
    chart_id: str = "",
) -> GroupedBarChart:
    """Vertical bars per category, one colour and pattern per series, from a zero line.

    ``series`` is ``[(name, values)]`` with one value per category (missing values are gaps).
    Negative values are drawn below the zero line. Value labels use ``value_format``.
    """
    categories = tuple(str(c) for c in categories)
    series = tuple((str(name), tuple(values)) for name, values in series)
    count = len(categories)

    def value_at(values: Sequence[float | None], index: int) -> float | None:
        value = values[index] if index < len(values) else None
        return None if value is None else float(value)

    all_values = [
        v
        for _name, values in series
        for i in range(count)
        if (v := value_at(values, i)) is not None
    ]
    low, high, step = _nice_scale(min(all_values, default=0.0), max(all_values, default=0.0))

    def to_y(value: float) -> float:
        return GROUP_PLOT_BOTTOM - (value - low) / (high - low) * (
            GROUP_PLOT_BOTTOM - GROUP_PLOT_TOP
        )

    zero_y = to_y(0.0)
    span = PLOT_RIGHT - PLOT_LEFT
    slot = span / max(1, count)
    bar_width = slot * GROUP_INNER / max(1, len(series))
    max_chars = max(4, int(slot / FONT_CHAR_WIDTH))

    groups = []
    for ci, category in enumerate(categories):
        left = PLOT_LEFT + ci * slot + slot * (1 - GROUP_INNER) / 2
        bars = []
        for si, (name, values) in enumerate(series):
            value = value_at(values, ci)
            x = left + si * bar_width
            top = zero_y if value is None else min(to_y(value), zero_y)
            height = 0.0 if value is None else abs(to_y(value) - zero_y)
            negative = value is not None and value < 0
            bars.append(
                GroupBar(
                    series=name,
                    style=si % SERIES_STYLES,
                    value=value,
                    display="\u2013" if value is None else _format_value(value_format, value),
                    x=_r(x),
                    y=_r(top),
                    width=_r(bar_width),
                    height=_r(height),
                    label_x=_r(x + bar_width / 2),
                    label_y=_r(top + height + 13 if negative else top - 4),
                    negative=negative,
                )
            )
        short, truncated = _truncate(category, max_chars)
        groups.append(
            Group(
                category=category,
                short_label=short,
                truncated=truncated,
                label_x=_r(PLOT_LEFT + ci * slot + slot / 2),
                bars=tuple(bars),
            )
        )

    rows = tuple(
        TableRow(
            label=category,
            cells=tuple(
                TableCell(display=bar.display, no_data=bar.is_gap) for bar in groups[ci].bars
            ),
        )
        for ci, category in enumerate(categories)
    )
    present = [
        (f"{bar.series}, {group.category}", bar.value, bar.display)
        for group in groups
        for bar in group.bars
        if bar.value is not None
    ]
    gaps = count * len(series) - len(present)
    return GroupedBarChart(
        id=_chart_id(chart_id, title),
        title=title,
        description=_join(description, _summary(present), _gaps_note(gaps)),
        value_heading=value_heading,
        width=WIDTH,
        height=GROUP_HEIGHT,
        table_headings=tuple(name for name, _values in series),
        table_rows=rows,
        has_data=bool(count and series),
        has_highlight=False,
        categories=categories,
        series_names=tuple(name for name, _values in series),
        groups=tuple(groups),
        legend=tuple(
            LegendItem(name=name, style=i % SERIES_STYLES) for i, (name, _v) in enumerate(series)
        ),
        ticks=_ticks(low, high, step, to_y),
        zero_y=_r(zero_y),
        max_value=high,
        min_value=low,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        plot_top=GROUP_PLOT_TOP,
        plot_bottom=GROUP_PLOT_BOTTOM,
        x_label_y=GROUP_PLOT_BOTTOM + 30,
        value_format=value_format,
    )
