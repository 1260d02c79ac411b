"""Report figures from the database, checked against counts made here from the story itself."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from lms.auth.models import Role
from lms.courses.service import enrol_users
from lms.extensions import db
from lms.reports import queries
from lms.reports.figures import ReportFilters, by_class, by_course, by_level, by_unit
from tests import factories
from tests.reports.conftest import HOMES, STORY

# Each unit with every unit code at or below it, written out by hand (not computed from the tree).
SUBTREE = {
    "city": {"city", "district-a", "district-b", "ward-a1", "ward-a2", "ward-b1", "dept", "old-ward", "empty"},
    "district-a": {"district-a", "ward-a1", "ward-a2"},
    "district-b": {"district-b", "ward-b1", "old-ward"},
    "ward-a1": {"ward-a1"},
    "ward-a2": {"ward-a2"},
    "ward-b1": {"ward-b1"},
    "dept": {"dept"},
    "old-ward": {"old-ward"},
}
CLASS_COURSE = {"ONL": "demo", "HYB": "demo", "INP": "khac"}
CLASS_LEVEL = {"ONL": "Thành phố", "HYB": "Phường/xã", "INP": "Phường/xã"}


def expected(story) -> dict:
    """The counts of a slice of the story: withdrawn places left out."""
    active = [(n, c, s) for n, c, s in story if s != "withdrawn"]
    return {
        "learners": len({n for n, _c, _s in active}),
        "places": len(active),
        "not_started": sum(s == "not_started" for *_x, s in active),
        "in_progress": sum(s == "in_progress" for *_x, s in active),
        "completed": sum(s in ("completed", "certified", "revoked") for *_x, s in active),
        "certified": sum(s == "certified" for *_x, s in active),
    }


def counts_of(row) -> dict:
    c = row.counts
    return {k: getattr(c, k) for k in ("learners", "places", "not_started", "in_progress", "completed", "certified")}


def all_places(world):
    classes = queries.report_classes(world.admin, ReportFilters())
    return classes, queries.gather_places(classes)


def test_unit_rows_roll_up_the_tree(report_world):
    _classes, places = all_places(report_world)
    report = by_unit(places, queries.unit_nodes())
    rows = {row.key: row for row in report.rows}
    ids = {code: unit.id for code, unit in report_world.units.items()}
    for code, members in SUBTREE.items():
        story = [s for s in STORY if HOMES[s[0]] in members]
        if expected(story)["places"]:
            assert counts_of(rows[ids[code]]) == expected(story), code
        else:
            assert ids[code] not in rows
    assert ids["empty"] not in rows  # no learner anywhere below it
    no_unit = report.rows[-1]
    assert no_unit.key is None and counts_of(no_unit) == expected([s for s in STORY if HOMES[s[0]] is None])
    assert {k: getattr(report.total, k) for k in counts_of(no_unit)} == expected(STORY)


def test_unit_rows_follow_the_tree_with_depths(report_world):
    _classes, places = all_places(report_world)
    report = by_unit(places, queries.unit_nodes())
    shown = [(row.label, row.depth) for row in report.rows[:-1]]
    assert shown == [
        ("Thành phố Hồ Chí Minh", 0),
        ("Quận A", 1),
        ("Phường A1", 2),
        ("Phường A2", 2),
        ("Quận B", 1),
        ("Phường B1", 2),
        ("Phường Cũ", 2),
        ("Sở Nội vụ", 1),
    ]
    assert (report.rows[-1].key, report.rows[-1].depth) == (None, 0)  # learners without a unit
    assert [row.retired for row in report.rows if row.label == "Phường Cũ"] == [True]


def test_class_course_and_level_rows(report_world):
    classes, places = all_places(report_world)
    by_code = {c.id: c.code for c in classes}
    for row in by_class(places, [queries.class_info(c) for c in classes]).rows:
        code = by_code[row.key]
        assert counts_of(row) == expected([s for s in STORY if s[1] == code]), code
    courses = {c.course_id: c.course.title for c in classes}
    for row in by_course(places, courses).rows:
        slug = "demo" if row.key == report_world.course.id else "khac"
        assert counts_of(row) == expected([s for s in STORY if CLASS_COURSE[s[1]] == slug])
    levels = by_level(places, [c.level for c in classes])
    for row in levels.rows:
        assert counts_of(row) == expected([s for s in STORY if CLASS_LEVEL[s[1]] == row.key]), row.key
    assert [r.key for r in levels.rows] == ["Phường/xã", "Thành phố", ""]  # EMPTY has no level, no learner


def test_a_person_in_two_classes_is_one_learner_and_two_places(report_world):
    _classes, places = all_places(report_world)
    report = by_course(places, {report_world.course.id: "demo"})
    (row,) = report.rows
    assert row.counts.places == row.counts.learners + 1  # hv.an is in ONL and HYB


def test_filters_pick_classes_by_dates_mode_and_course(report_world):
    def codes(**kwargs):
        return sorted(c.code for c in queries.report_classes(report_world.admin, ReportFilters(**kwargs)))

    assert codes() == ["EMPTY", "HYB", "INP", "ONL"]
    assert codes(mode="hybrid") == ["HYB"]
    assert codes(course_id=report_world.other_course.id) == ["EMPTY", "INP"]
    assert codes(date_from=date(2025, 3, 31), date_to=date(2025, 6, 1)) == ["HYB", "ONL"]  # overlaps count
    assert codes(date_from=date(2025, 4, 1), date_to=date(2025, 5, 31)) == []
    assert codes(date_to=date(2024, 12, 31)) == ["INP"]


def test_instructors_count_only_their_classes(report_world):
    classes = queries.report_classes(report_world.teacher, ReportFilters())
    assert sorted(c.code for c in classes) == ["HYB", "ONL"]
    total = by_unit(queries.gather_places(classes), queries.unit_nodes()).total
    assert total.places == expected([s for s in STORY if s[1] in ("ONL", "HYB")])["places"]
    assert [c.title for c in queries.course_choices(report_world.teacher)] == [report_world.course.title]


def test_the_number_of_queries_does_not_grow_with_learners(report_world):
    classes = queries.report_classes(report_world.admin, ReportFilters())
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        queries.gather_places(classes)
        small = len(statements)
        more = [factories.make_user(f"hv.them{i}", Role.LEARNER, report_world.units["dept"]) for i in range(30)]
        enrol_users(report_world.classes["ONL"], more, source="admin")
        db.session.commit()
        db.session.expire_all()
        statements.clear()
        queries.gather_places(classes)
        assert len(statements) <= small
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
