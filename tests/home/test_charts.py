"""Server-rendered SVG charts (home/charts.py + templates/components/charts/).

Pure Python and templates: no database. The rendered figure is well-formed XML, so the tests
parse it and check geometry and structure on elements rather than on raw strings.
"""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from home.charts import Datum, bar_chart, grouped_bar_chart, line_chart

XSS = "<script>alert(1)</script>"


def render(*charts):
    return "".join(
        render_to_string("components/charts/chart.html", {"chart": chart}) for chart in charts
    )


def parse(html):
    return ET.fromstring(f"<root>{html}</root>")


def svg_of(root):
    return root.find(".//svg")


def floats(elements, attribute):
    return [float(element.get(attribute)) for element in elements]


def text_of(element):
    return "".join(element.itertext())


def bars_of(root):
    return svg_of(root).findall(".//rect[@class='data-chart__bar']")


# --- bar chart ----------------------------------------------------------------------------------


def test_bar_lengths_are_proportional_to_the_largest_value():
    chart = bar_chart(
        title="Completion by unit",
        data=[Datum("Sales", 50), Datum("Support", 100), Datum("Billing", 25)],
        value_heading="Completed",
    )
    full = chart.bar_max_width
    assert [bar.bar_width for bar in chart.bars] == [full / 2, full, full / 4]
    assert full == 360  # 640 wide, minus 200 for labels and 80 for the value text

    rects = bars_of(parse(render(chart)))
    assert floats(rects, "width") == [180.0, 360.0, 90.0]
    assert set(floats(rects, "x")) == {200.0}  # every bar starts on the axis
    assert floats(rects, "y") == [6.0, 36.0, 66.0]


def test_bar_max_value_sets_the_full_width_and_clamps():
    chart = bar_chart(
        title="Scores",
        data=[Datum("A", 50), Datum("B", 150), Datum("C", -10)],
        value_heading="%",
        max_value=100,
    )
    assert [bar.bar_width for bar in chart.bars] == [180.0, 360.0, 0.0]
    assert [bar.display for bar in chart.bars] == ["50", "150", "-10"]


def test_bar_chart_with_only_zero_or_none_uses_one_as_maximum():
    chart = bar_chart(
        title="Nothing yet", data=[Datum("A", 0), Datum("B", None)], value_heading="n"
    )
    assert chart.max_value == 1
    assert [bar.bar_width for bar in chart.bars] == [0.0, 0.0]


def test_none_leaves_a_gap_in_a_bar_chart():
    chart = bar_chart(
        title="Scores",
        data=[Datum("A", 40, display="40 %"), Datum("B", None), Datum("C", 80, display="80 %")],
        value_heading="Average score",
    )
    root = parse(render(chart))
    assert floats(bars_of(root), "y") == [6.0, 66.0]  # no rect on B's row
    values = [
        text_of(t) for t in svg_of(root).findall(".//text[@class]") if "value" in t.get("class")
    ]
    assert values == ["40 %", "\u2013", "80 %"]
    assert chart.description == "Highest: C (80 %). Lowest: A (40 %). 1 without data."


def test_highlighted_bar_has_pattern_marker_and_legend():
    chart = bar_chart(
        title="Completion",
        data=[Datum("North", 90), Datum("South", 20, highlight=True)],
        value_heading="%",
        chart_id="completion",
    )
    root = parse(render(chart))
    svg = svg_of(root)
    assert svg.find(".//pattern").get("id") == "completion-hatch"
    overlay = svg.find(".//rect[@fill='url(#completion-hatch)']")
    assert overlay is not None and float(overlay.get("width")) == 80.0  # 20 / 90 * 360
    assert svg.find(".//rect[@class='data-chart__bar data-chart__bar--highlight']") is not None
    labels = [text_of(t) for t in svg.findall(".//text[@class='data-chart__label']")]
    assert labels == ["North", "South !"]
    note = root.find(".//p[@class='data-chart__note']")
    assert "need attention" in text_of(note)
    row = root.find(".//tr[@class='data-chart__tr--highlight']")
    assert text_of(row.find("th")) == "South ! (needs attention)"


def test_no_highlight_no_legend_note():
    chart = bar_chart(title="Plain", data=[Datum("A", 1)], value_heading="n")
    root = parse(render(chart))
    assert root.find(".//p[@class='data-chart__note']") is None
    assert root.find(".//pattern") is None


def test_long_labels_are_truncated_in_the_svg_but_whole_in_title_and_table():
    long = "Customer Experience Excellence Centre of the Northern Region"
    chart = bar_chart(title="Units", data=[Datum(long, 3)], value_heading="n")
    root = parse(render(chart))
    label = svg_of(root).find(".//text[@class='data-chart__label']")
    assert label.find("title").text == long
    visible = label.find("title").tail
    assert visible.endswith("\u2026") and len(visible) <= 26 and long.startswith(visible[:-1])
    assert text_of(root.find(".//tbody/tr/th")) == long


# --- line chart ---------------------------------------------------------------------------------


def test_line_chart_ticks_points_and_gaps():
    chart = line_chart(
        title="Weekly completion",
        data=[
            Datum("W1", 0),
            Datum("W2", 50),
            Datum("W3", None),
            Datum("W4", 100),
            Datum("W5", 75),
        ],
        value_heading="%",
        max_value=100,
    )
    # y axis 0..100 in 4 round steps, plot from y=224 (0) to y=28 (100)
    assert [tick.display for tick in chart.ticks] == ["0", "25", "50", "75", "100"]
    assert [tick.y for tick in chart.ticks] == [224.0, 175.0, 126.0, 77.0, 28.0]
    # x from 56 to 600 in 4 equal steps of 136
    assert [p.x for p in chart.points] == [56.0, 192.0, 328.0, 464.0, 600.0]
    # the None breaks the line in two runs
    assert chart.paths == ("M56 224 L192 126", "M464 28 L600 77")

    svg = svg_of(parse(render(chart)))
    circles = svg.findall(".//circle[@class='data-chart__point']")
    assert floats(circles, "cx") == [56.0, 192.0, 464.0, 600.0]  # no circle for W3
    assert floats(circles, "cy") == [224.0, 126.0, 28.0, 77.0]
    assert [path.get("d") for path in svg.findall(".//path")] == list(chart.paths)
    assert [text_of(t) for t in svg.findall(".//text[@class='data-chart__tick']")] == [
        "0",
        "25",
        "50",
        "75",
        "100",
    ]


@pytest.mark.parametrize(
    ("largest", "expected"),
    [
        (7, ["0", "2", "4", "6", "8"]),
        (72, ["0", "20", "40", "60", "80"]),
        (1, ["0", "0.25", "0.5", "0.75", "1"]),
        (0, ["0", "0.25", "0.5", "0.75", "1"]),
        (130, ["0", "50", "100", "150"]),
    ],
)
def test_line_chart_has_three_to_five_round_ticks(largest, expected):
    chart = line_chart(title="t", data=[Datum("a", 0), Datum("b", largest)], value_heading="n")
    assert [tick.display for tick in chart.ticks] == expected


def test_line_chart_thins_x_labels_for_26_weeks():
    data = [Datum(f"Week {n}", n) for n in range(1, 27)]
    chart = line_chart(title="Half a year", data=data, value_heading="n")
    shown = [p.label for p in chart.points if p.show_label]
    assert shown == ["Week 1", "Week 5", "Week 9", "Week 13", "Week 17", "Week 21", "Week 25"]
    svg = svg_of(parse(render(chart)))
    assert len(svg.findall(".//text[@class='data-chart__label']")) == 7
    assert len(svg.findall(".//circle")) == 26
    assert chart.description == (
        "From Week 1 to Week 26. Highest: Week 26 (26). Lowest: Week 1 (1). Latest: Week 26 (26)."
    )


def test_line_chart_highlight_gets_a_marker():
    chart = line_chart(
        title="t", data=[Datum("a", 1), Datum("b", 2, highlight=True)], value_heading="n"
    )
    svg = svg_of(parse(render(chart)))
    point = svg.find(".//circle[@class='data-chart__point data-chart__point--highlight']")
    assert point.get("r") == "6"
    assert text_of(svg.find(".//text[@class='data-chart__marker']")) == "!"


# --- grouped bar chart --------------------------------------------------------------------------


def test_grouped_bars_grow_up_and_down_from_the_zero_line():
    chart = grouped_bar_chart(
        title="Three E change",
        categories=["Engage", "Educate"],
        series=[("Sales", [1, -1]), ("Support", [0.5, None])],
        value_heading="Change",
    )
    # scale -1..1 in steps of 0.5; the plot runs from y=36 to y=236, zero in the middle
    assert [tick.display for tick in chart.ticks] == ["-1", "-0.5", "0", "0.5", "1"]
    assert chart.zero_y == 136.0
    engage, educate = chart.groups
    up, half = engage.bars
    down, gap = educate.bars
    assert (up.y, up.height) == (36.0, 100.0)  # top at +1, bottom on the zero line
    assert (down.y, down.height) == (136.0, 100.0)  # top on the zero line, below it
    assert down.negative and down.label_y > down.y + down.height  # label under the bar
    assert half.height == 50.0
    assert gap.is_gap and gap.height == 0
    assert [b.display for g in chart.groups for b in g.bars] == [
        "+1.00",
        "+0.50",
        "-1.00",
        "\u2013",
    ]

    root = parse(render(chart))
    svg = svg_of(root)
    zero = svg.find(".//line[@class='data-chart__zero']")
    assert float(zero.get("y1")) == float(zero.get("y2")) == 136.0
    negative = svg.find(
        ".//rect[@class='data-chart__bar data-chart__bar--s0 data-chart__bar--negative']"
    )
    assert float(negative.get("y")) == 136.0
    assert float(negative.get("y")) + float(negative.get("height")) == 236.0
    plot = [rect for group in svg.findall("g") for rect in group.iter("rect")]  # not <defs>
    assert [r.get("class") for r in plot] == [
        "data-chart__bar data-chart__bar--s0",
        "data-chart__bar data-chart__bar--s1",
        "data-chart__pattern data-chart__pattern--s1",  # Support: brown + stripes
        "data-chart__bar data-chart__bar--s0 data-chart__bar--negative",
    ]
    assert plot[2].get("fill") == f"url(#{chart.id}-p1)"
    legend = [text_of(li).strip() for li in root.findall(".//ul[@class='data-chart__legend']/li")]
    assert legend == ["Sales", "Support"]
    assert chart.description == (
        "Highest: Sales, Engage (+1.00). Lowest: Sales, Educate (-1.00). 1 without data."
    )


def test_grouped_table_has_a_column_per_series():
    chart = grouped_bar_chart(
        title="Three E",
        categories=["Engage", "Educate"],
        series=[("Sales", [0.25, -0.5]), ("Support", [None, 2])],
        value_heading="Change",
        value_format="{:+.1f}",
    )
    table = parse(render(chart)).find(".//table")
    assert [text_of(th) for th in table.findall("thead/tr/th")] == ["Sales", "Support"]
    assert all(th.get("scope") == "col" for th in table.findall("thead/tr/th"))
    rows = [[text_of(cell) for cell in tr] for tr in table.findall("tbody/tr")]
    assert rows == [["Engage", "+0.2", "\u2013no data"], ["Educate", "-0.5", "+2.0"]]
    assert text_of(table.find("caption")) == "Three E (Change)"


# --- shared structure -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["bar", "line", "grouped"])
def test_every_chart_is_an_accessible_figure_with_a_data_table(kind):
    data = [Datum("Sales", 72, display="72 %", href="/team/units/3/"), Datum("Support", None)]
    if kind == "bar":
        chart = bar_chart(title="Completion", data=data, value_heading="Completed")
    elif kind == "line":
        chart = line_chart(title="Completion", data=data, value_heading="Completed")
    else:
        chart = grouped_bar_chart(
            title="Completion",
            categories=["Sales", "Support"],
            series=[("Completed", [72, None])],
            value_heading="Completed",
            value_format="{:.0f} %",
        )
    html = render(chart)
    root = parse(html)
    figure = root.find("figure")
    assert "chart" in figure.get("class").split()
    assert text_of(figure.find("figcaption")) == "Completion"

    svg = svg_of(root)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == f"{chart.id}-title {chart.id}-desc"
    assert svg.find("title").get("id") == f"{chart.id}-title"
    assert svg.find("title").text == "Completion"
    assert svg.find("desc").get("id") == f"{chart.id}-desc"
    assert "Sales (72 %)" in svg.find("desc").text or "Sales: 72 %" in svg.find("desc").text
    assert svg.get("viewBox").startswith("0 0 640 ")
    assert svg.get("width") == "100%"

    details = figure.find("details")
    assert details.get("class").split()[0] == "chart__data"
    assert text_of(details.find("summary")) == "Data table"
    table = details.find(".//table")
    assert text_of(table.find("caption")).startswith("Completion")
    assert [th.get("scope") for th in table.findall("thead/tr/th")] == ["col"]
    assert [th.get("scope") for th in table.findall("tbody/tr/th")] == ["row", "row"]
    cells = [text_of(td) for td in table.findall("tbody/tr/td")]
    assert cells == ["72 %", "\u2013no data"]
    hidden = table.find(".//td/span[@class='visually-hidden']")
    assert hidden.text == "no data"
    if kind != "grouped":
        assert table.find("tbody/tr/th/a").get("href") == "/team/units/3/"

    assert "style=" not in html and "<script" not in html


@pytest.mark.parametrize("kind", ["bar", "line", "grouped"])
def test_labels_and_titles_are_escaped_in_svg_and_table(kind):
    if kind == "bar":
        chart = bar_chart(title=XSS, data=[Datum(XSS, 1, display=XSS)], value_heading=XSS)
    elif kind == "line":
        chart = line_chart(title=XSS, data=[Datum(XSS, 1, display=XSS)], value_heading=XSS)
    else:
        chart = grouped_bar_chart(
            title=XSS, categories=[XSS], series=[(XSS, [1])], value_heading=XSS
        )
    html = render(chart)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    root = parse(html)
    svg = svg_of(root)
    assert svg.find("title").text == XSS  # text, not markup
    assert any(XSS in text_of(t) for t in svg.findall(".//text"))
    assert text_of(root.find(".//tbody/tr/th")) == XSS
    assert text_of(root.find(".//caption")).startswith(XSS)


def test_every_value_is_in_the_data_table():
    data = [Datum(f"Unit {n}", n * 7.5) for n in range(12)]
    chart = bar_chart(title="Units", data=data, value_heading="Score")
    table = parse(render(chart)).find(".//table")
    rows = [(text_of(tr.find("th")), text_of(tr.find("td"))) for tr in table.findall("tbody/tr")]
    assert rows == [(f"Unit {n}", f"{n * 7.5:g}") for n in range(12)]


def test_two_charts_with_the_same_title_have_unique_ids():
    data = [Datum("A", 1), Datum("B", None)]
    first = bar_chart(title="Completion", data=data, value_heading="n")
    second = bar_chart(title="Completion", data=data, value_heading="n")
    assert first.id != second.id
    assert first.id.startswith("chart-completion-")
    html = render(first, second)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) == 6  # figure, title, desc for each
    for chart in (first, second):
        refs = re.findall(rf'aria-labelledby="({chart.id}-title {chart.id}-desc)"', html)
        assert len(refs) == 1


def test_caller_chart_id_is_used_as_given():
    chart = line_chart(
        title="Anything", data=[Datum("a", 1)], value_heading="n", chart_id="team-trend"
    )
    assert chart.id == "team-trend"
    assert 'aria-labelledby="team-trend-title team-trend-desc"' in render(chart)


def test_coordinates_are_not_localised():
    with translation.override("de"):
        chart = bar_chart(title="t", data=[Datum("a", 1.5), Datum("b", 4)], value_heading="n")
        html = render(chart)
    assert chart.bars[0].display == "1,5"  # shown values follow the language
    assert 'width="135.0"' in html  # 1.5 / 4 * 360, with a decimal point
    assert "135,0" not in html


def test_empty_chart_says_so_without_svg_or_table():
    chart = bar_chart(title="Completion", data=[], value_heading="n")
    root = parse(render(chart))
    assert svg_of(root) is None and root.find(".//table") is None
    assert text_of(root.find(".//p")) == "No data to show yet."
    assert text_of(root.find(".//figcaption")) == "Completion"


def test_description_combines_caller_text_and_summary():
    chart = bar_chart(
        title="t",
        data=[Datum("A", 3), Datum("B", 9)],
        value_heading="n",
        description="Learners per unit.",
    )
    assert chart.description == "Learners per unit. Highest: B (9). Lowest: A (3)."


def test_decimal_values_from_aggregates_are_accepted():
    bars = bar_chart(
        title="t",
        data=[Datum("A", Decimal("12.50")), Datum("B", Decimal("25"))],
        value_heading="n",
        max_value=Decimal("50"),
    )
    assert [bar.bar_width for bar in bars.bars] == [90.0, 180.0]
    assert [bar.display for bar in bars.bars] == ["12.5", "25"]
    line = line_chart(title="t", data=[Datum("a", Decimal("0.5"))], value_heading="n")
    assert [tick.display for tick in line.ticks] == ["0", "0.2", "0.4", "0.6"]
    grouped = grouped_bar_chart(
        title="t", categories=["x"], series=[("s", [Decimal("-0.5")])], value_heading="n"
    )
    assert grouped.groups[0].bars[0].display == "-0.50"
