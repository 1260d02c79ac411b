"""Pure report logic: counts, the unit roll-up, levels, filters, the chart and the export table."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from lms.reports.charts import Bar, bar_chart
from lms.reports.export import csv_bytes, report_table, xlsx_bytes
from lms.reports.figures import (
    ClassInfo,
    PlaceFact,
    ReportFilters,
    UnitNode,
    by_class,
    by_level,
    by_unit,
    class_in_range,
    parse_filters,
    percent,
    tally,
    unit_ancestry,
)


def place(eid, user, unit=None, cls=1, course=1, level="", started=False, complete=False, certified=False):
    return PlaceFact(eid, user, unit, cls, course, level, started, complete, certified)


def test_tally_counts_people_places_and_states():
    places = [
        place(1, 10),
        place(2, 10, started=True),
        place(3, 11, started=True, complete=True),
        place(4, 12, complete=True, certified=True),
        place(5, 13, certified=True),
    ]
    counts = tally(places)
    assert (counts.learners, counts.places) == (4, 5)
    assert (counts.not_started, counts.in_progress, counts.completed, counts.certified) == (2, 1, 2, 2)
    assert counts.rate == pytest.approx(0.4)
    assert tally([]).rate is None


def test_percent_rounds_half_up():
    assert [percent(None), percent(0), percent(0.125), percent(2 / 3), percent(1)] == [None, 0, 13, 67, 100]


UNITS = [
    UnitNode(1, "Thành phố", "Thành phố"),
    UnitNode(2, "Quận B", parent_id=1),
    UnitNode(3, "Quận A", parent_id=1),
    UnitNode(4, "Phường A1", parent_id=3),
    UnitNode(5, "Xã trống", parent_id=1),
    UnitNode(6, "Tỉnh khác"),
]


def test_ancestry_climbs_to_the_root_and_survives_a_cycle():
    chains = unit_ancestry(UNITS)
    assert chains[4] == (4, 3, 1) and chains[6] == (6,)
    looped = unit_ancestry([UnitNode(1, "a", parent_id=2), UnitNode(2, "b", parent_id=1)])
    assert looped == {1: (1, 2), 2: (2, 1)}
    assert [
        r.label
        for r in by_unit([place(1, 1, unit=1)], [UnitNode(1, "a", parent_id=2), UnitNode(2, "b", parent_id=1)]).rows
    ]


def test_units_roll_up_and_follow_the_tree():
    places = [
        place(1, 10, unit=4, complete=True),
        place(2, 11, unit=2, started=True),
        place(3, 12, unit=1),
        place(4, 10, unit=4, cls=2),
        place(5, 13, unit=None),
        place(6, 14, unit=99),
    ]
    report = by_unit(places, UNITS)
    assert [(r.key, r.depth, r.counts.places, r.counts.learners) for r in report.rows] == [
        (1, 0, 4, 3),
        (3, 1, 2, 1),
        (4, 2, 2, 1),
        (2, 1, 1, 1),
        (None, 0, 2, 2),
    ]
    assert [r.label for r in report.rows[:4]] == ["Thành phố", "Quận A", "Phường A1", "Quận B"]
    assert report.total.places == 6 and report.total.learners == 5


def test_classes_keep_their_order_and_show_empty_ones():
    infos = [ClassInfo(2, "Lớp 2", 1, "Khóa"), ClassInfo(1, "Lớp 1", 1, "Khóa")]
    report = by_class([place(1, 1, cls=1)], infos)
    assert [(r.key, r.counts.places, r.note) for r in report.rows] == [(2, 0, "Khóa"), (1, 1, "Khóa")]


def test_levels_group_free_text_and_put_blank_last():
    report = by_level([place(1, 1, level=" Phường/xã"), place(2, 2, level=""), place(3, 3, level="Thành phố")])
    assert [(r.key, r.counts.places) for r in report.rows] == [("Phường/xã", 1), ("Thành phố", 1), ("", 1)]


@pytest.mark.parametrize(
    ("args", "problems"),
    [
        ({}, 0),
        ({"from": "2025-01-01", "to": "2025-12-31", "mode": "hybrid", "course": "3"}, 0),
        ({"from": "31/01/2025"}, 1),
        ({"to": "2025-02-30"}, 1),
        ({"from": "0001-01-01"}, 1),
        ({"from": "2025-12-31", "to": "2025-01-01"}, 1),
        ({"mode": "carrier-pigeon"}, 1),
        ({"course": "-1"}, 1),
        ({"course": "1e9"}, 1),
        ({"course": "99999999999999999999"}, 1),
        ({"course": "<script>", "mode": "=1+1", "from": "x" * 5000}, 3),
    ],
)
def test_bad_filters_get_a_message_each(args, problems):
    parsed = parse_filters(args)
    assert len(parsed.errors) == problems


def test_filters_round_trip_through_query_arguments():
    parsed = parse_filters({"from": "2025-01-01", "mode": "online", "course": "7", "junk": "x"})
    assert parsed.filters == ReportFilters(date(2025, 1, 1), None, "online", 7)
    assert parse_filters(parsed.filters.as_args()).filters == parsed.filters


def test_class_dates_overlap_the_range():
    june = ReportFilters(date(2025, 6, 1), date(2025, 6, 30))
    assert class_in_range(date(2025, 5, 20), date(2025, 6, 1), june)
    assert class_in_range(date(2025, 6, 30), None, june)
    assert not class_in_range(date(2025, 7, 1), date(2025, 7, 2), june)
    assert not class_in_range(None, None, june)
    assert class_in_range(None, None, ReportFilters())
    assert class_in_range(None, date(2025, 6, 15), ReportFilters(date_from=date(2025, 6, 15)))


EVIL = ['=HYPERLINK("http://x")', "<img src=x onerror=alert(1)>"]


def test_chart_escapes_every_label_and_is_accessible():
    chart = str(
        bar_chart(
            "chart-x",
            "<b>Tiêu đề</b>",
            [
                Bar(EVIL[1], 3, 1, 4, "3/4 · 75%", spoken="<i>ba</i>"),
                Bar("Phường 1", 0, 0, 0, "0/0 · –"),
            ],
            legend=[("done", "Hoàn thành"), ("going", "<Đang học>")],
        )
    )
    assert "<img" not in chart and "<b>" not in chart and "<i>" not in chart and "<Đang" not in chart
    assert "&lt;img src=x onerror=alert(1)&gt;" in chart
    assert 'role="img"' in chart and '<title id="chart-x-title">' in chart and "<desc" in chart
    assert "style=" not in chart and "<script" not in chart
    assert 'width="46.5%"' in chart  # 75% of the 62% track
    with pytest.raises(ValueError):
        bar_chart('x" onload="alert(1)', "t", [])


def test_long_labels_are_shortened_in_the_chart_only():
    chart = str(bar_chart("c", "t", [Bar("Ủy ban nhân dân " * 5, 1, 0, 1, "1/1")]))
    assert "…" in chart and ("Ủy ban nhân dân " * 5).strip() in chart  # full label stays in the description


def _evil_report():
    infos = [ClassInfo(1, EVIL[0], 1, EVIL[1]), ClassInfo(2, "Lớp Bồi dưỡng CCHC", 1, "-2+3")]
    return by_class([place(1, 1, cls=1, complete=True), place(2, 2, cls=2)], infos)


def test_export_table_has_counts_and_a_total():
    table = report_table(_evil_report())
    assert table.header[:2] == ["Class", "Course"] and table.header[-1] == "Completion rate (%)"
    assert table.rows[0][2:] == [1, 1, 0, 0, 1, 0, 100]
    assert table.rows[-1][0] == "Total" and table.rows[-1][-1] == 50


def test_csv_neutralises_formulas_and_keeps_diacritics():
    data = csv_bytes(report_table(_evil_report()))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=" not in text and ",=" not in text and "'-2+3" in text
    assert "Lớp Bồi dưỡng CCHC" in text


def test_xlsx_cells_are_text_not_formulas_and_show_the_name_as_it_is():
    data = xlsx_bytes(report_table(_evil_report()), "Theo lớp: [x]")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Theo lớp- -x-"
    cells = {cell.coordinate: cell for row in sheet.iter_rows() for cell in row}
    # No apostrophe: a string cell is never a formula, so the name shows as written.
    assert cells["A2"].data_type == "s" and cells["A2"].value == EVIL[0]
    assert cells["B3"].data_type == "s" and cells["B3"].value == "-2+3" and cells["A3"].value == "Lớp Bồi dưỡng CCHC"
    assert cells["C2"].value == 1 and cells["I4"].value == 50
    assert not [c for c in cells.values() if c.data_type == "f"]
