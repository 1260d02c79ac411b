"""Report figures at their edges: orphan and cyclic units, courses, levels, the filters' limits.

Pure: no app, no database. Labels and messages are checked as an English reader sees them (lazy
texts render as their source outside a request).
"""

from __future__ import annotations

from datetime import date

from lms.reports.figures import (
    Counts,
    PlaceFact,
    ReportFilters,
    UnitNode,
    by_course,
    by_level,
    by_unit,
    class_in_range,
    parse_filters,
    unit_ancestry,
)


def place(eid, user, unit=None, course=1, level="", started=False, complete=False, certified=False):
    return PlaceFact(eid, user, unit, 1, course, level, started, complete, certified)


def rows(report) -> list[tuple]:
    return [(r.key, r.label, r.depth, r.note, r.retired, r.counts) for r in report.rows]


# --- units --------------------------------------------------------------------------------------


def test_parent_outside_the_tree_ends_the_chain():
    assert unit_ancestry([UnitNode(1, "Phường", parent_id=99)]) == {1: (1,)}


def test_unit_rows_carry_level_and_retirement_and_the_homeless_row():
    units = [
        UnitNode(1, "Thành phố", "Tỉnh/thành"),
        UnitNode(2, "Phường cũ", "Phường/xã", parent_id=1, retired=True),
    ]
    report = by_unit([place(1, 10, unit=2, complete=True), place(2, 11)], units)
    assert report.kind == "units"
    assert rows(report) == [
        (1, "Thành phố", 0, "Tỉnh/thành", False, Counts(1, 1, 0, 0, 1, 0)),
        (2, "Phường cũ", 1, "Phường/xã", True, Counts(1, 1, 0, 0, 1, 0)),
        (None, "No unit", 0, "", False, Counts(1, 1, 1, 0, 0, 0)),
    ]
    assert report.total == Counts(2, 2, 1, 0, 1, 0)


def test_orphan_units_are_roots_sorted_with_the_others():
    units = [UnitNode(1, "Bình Thạnh"), UnitNode(2, "An Khánh", parent_id=99), UnitNode(3, "Cầu Kho", parent_id=1)]
    places = [place(1, 10, unit=1), place(2, 11, unit=2), place(3, 12, unit=3)]
    assert [(r.key, r.depth) for r in by_unit(places, units).rows] == [(2, 0), (1, 0), (3, 1)]


def test_units_in_a_cycle_start_at_depth_zero():
    units = [UnitNode(1, "a", parent_id=2), UnitNode(2, "b", parent_id=1)]
    report = by_unit([place(1, 10, unit=1)], units)
    assert [(r.key, r.depth) for r in report.rows] == [(1, 0), (2, 1)]


# --- courses and levels -------------------------------------------------------------------------


def test_courses_by_title_then_id_and_people_counted_once():
    courses = {3: "cải cách", 1: "Văn bản", 2: "Cải cách"}
    places = [
        place(1, 10, course=2, complete=True, certified=True),
        place(2, 10, course=2, started=True),
        place(3, 11, course=1),
    ]
    report = by_course(places, courses)
    assert report.kind == "courses"
    assert [(r.key, r.label, r.counts) for r in report.rows] == [
        (2, "Cải cách", Counts(1, 2, 0, 1, 1, 1)),
        (3, "cải cách", Counts()),
        (1, "Văn bản", Counts(1, 1, 1, 0, 0, 0)),
    ]
    assert report.total == Counts(2, 3, 1, 1, 1, 1)


def test_levels_named_without_places_and_the_blank_level_label():
    report = by_level([place(1, 10, level="  "), place(2, 11, level="Xã", complete=True)], levels=["Tỉnh "])
    assert report.kind == "levels"
    assert [(r.key, r.label, r.counts) for r in report.rows] == [
        ("Tỉnh", "Tỉnh", Counts()),
        ("Xã", "Xã", Counts(1, 1, 0, 0, 1, 0)),
        ("", "No level", Counts(1, 1, 1, 0, 0, 0)),
    ]
    assert report.total == Counts(2, 2, 1, 0, 1, 0)


# --- filters ------------------------------------------------------------------------------------


def test_empty_filters_make_no_arguments():
    assert ReportFilters().as_args() == {}


def test_every_filter_becomes_an_argument():
    filters = ReportFilters(date(2025, 1, 31), date(2025, 12, 31), "hybrid", 12)
    assert filters.as_args() == {"from": "2025-01-31", "to": "2025-12-31", "mode": "hybrid", "course": "12"}


def test_no_filter_reads_as_none():
    parsed = parse_filters({})
    assert parsed.filters == ReportFilters(None, None, None, None)
    assert parsed.filters.course_id is None and parsed.filters.mode is None
    assert parsed.errors == []


def test_dates_at_the_ends_of_the_accepted_years():
    parsed = parse_filters({"from": "1900-01-01", "to": "2999-12-31"})
    assert parsed.filters == ReportFilters(date(1900, 1, 1), date(2999, 12, 31))
    assert parsed.errors == []


def test_one_day_range_is_accepted():
    parsed = parse_filters({"from": "2025-06-01", "to": "2025-06-01"})
    assert parsed.filters == ReportFilters(date(2025, 6, 1), date(2025, 6, 1))
    assert parsed.errors == []


def test_each_bad_value_has_its_own_message():
    parsed = parse_filters({"from": "1899-12-31", "to": "3000-01-01", "mode": "thư", "course": "0"})
    assert [str(e) for e in parsed.errors] == [
        "The start date must be a date such as 2025-01-31.",
        "The end date must be a date such as 2025-12-31.",
        "Choose a mode from the list.",
        "Choose a course from the list.",
    ]
    assert parsed.filters == ReportFilters()
    assert parsed.filters.mode is None


def test_unreadable_dates_and_reversed_range_messages():
    assert [str(e) for e in parse_filters({"from": "hôm qua", "to": "mai"}).errors] == [
        "The start date must be a date such as 2025-01-31.",
        "The end date must be a date such as 2025-12-31.",
    ]
    assert [str(e) for e in parse_filters({"from": "2025-06-02", "to": "2025-06-01"}).errors] == [
        "The start date is after the end date."
    ]


def test_course_ids_within_a_database_integer():
    assert parse_filters({"course": "1"}).filters.course_id == 1
    assert parse_filters({"course": "63"}).filters.course_id == 63
    assert parse_filters({"course": str(2**31 - 1)}).filters.course_id == 2**31 - 1
    too_big = parse_filters({"course": str(2**31)})
    assert too_big.filters.course_id is None
    assert [str(e) for e in too_big.errors] == ["Choose a course from the list."]


def test_undated_class_is_outside_a_half_open_range():
    assert not class_in_range(None, None, ReportFilters(date_from=date(2025, 1, 1)))
    assert not class_in_range(None, None, ReportFilters(date_to=date(2025, 1, 1)))


def test_range_with_only_an_end_date():
    until_june = ReportFilters(date_to=date(2025, 6, 30))
    assert class_in_range(date(2025, 1, 1), date(2025, 2, 1), until_june)
    assert class_in_range(date(2025, 6, 30), None, until_june)
    assert not class_in_range(date(2025, 7, 1), None, until_june)


def test_courses_with_the_same_title_but_for_case_follow_their_ids():
    report = by_course([], {2: "cải cách", 3: "Cải cách"})
    assert [(r.key, r.label) for r in report.rows] == [(2, "cải cách"), (3, "Cải cách")]
