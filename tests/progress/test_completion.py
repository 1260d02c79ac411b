"""The completion rules as pure functions: no app, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from lms.progress.completion import EnrolmentFacts, ModuleFact, completion_status, credited_seconds


def facts(*modules: tuple[bool, bool]) -> EnrolmentFacts:
    """Build facts from (required, done) pairs."""
    return EnrolmentFacts(
        modules=tuple(ModuleFact(i, f"Bài {i}", required, done) for i, (required, done) in enumerate(modules, 1))
    )


def test_all_required_modules_done_is_complete():
    status = completion_status({}, facts((True, True), (True, True), (False, False)))
    assert status.complete
    (modules,) = status.requirements
    assert (modules.key, modules.met, modules.done, modules.total, modules.missing) == ("modules", True, 2, 2, ())


def test_missing_required_module_is_named():
    status = completion_status({"modules": "required"}, facts((True, True), (True, False)))
    assert not status.complete
    assert status.unmet[0].missing == ("Bài 2",)
    assert (status.unmet[0].done, status.unmet[0].total) == (1, 2)


def test_optional_modules_do_not_count_unless_all_are_required():
    optional_left = facts((True, True), (False, False))
    assert completion_status({"modules": "required"}, optional_left).complete
    assert not completion_status({"modules": "all"}, optional_left).complete


def test_modules_rule_can_be_switched_off():
    status = completion_status({"modules": "none"}, facts((True, False)))
    assert status.complete and status.requirements == ()


def test_course_without_required_modules_is_complete():
    assert completion_status({}, facts((False, False))).complete
    assert completion_status({}, EnrolmentFacts()).complete


@pytest.mark.parametrize("requirements", [{"modules": "most"}, {"quizzes": "some"}, {"essays": "all"}])
def test_unknown_rules_are_refused(requirements):
    with pytest.raises(ValueError):
        completion_status(requirements, facts((True, True)))


def test_reason_explains_what_is_left(app):
    status = completion_status({}, facts((True, True), (True, False), (True, False)))
    with app.test_request_context(headers={"Cookie": ""}):
        from flask import session

        session["locale"] = "en"
        assert str(status.unmet[0].reason) == "1 of 3 required modules done; 2 to go."


NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last_seen", "expected"),
    [
        (None, 0),
        (NOW - timedelta(seconds=30), 30),
        (NOW - timedelta(seconds=90), 90),
        (NOW - timedelta(seconds=91), 0),  # the page was hidden or closed in between
        (NOW, 0),
        (NOW + timedelta(seconds=5), 0),  # a clock going backwards earns nothing
    ],
)
def test_heartbeat_credits_only_short_gaps(last_seen, expected):
    assert credited_seconds(last_seen, NOW, 90) == expected


def test_attendance_rule_counts_required_sessions_attended_for_their_share():
    from lms.progress.completion import SessionFact

    sessions = (SessionFact(1, "Buổi 1", 0.85, 0.8), SessionFact(2, "Buổi 2", 0.5, 0.8))
    status = completion_status({"modules": "none"}, EnrolmentFacts(sessions=sessions))
    (attendance,) = status.requirements
    assert (attendance.key, attendance.met, attendance.done, attendance.total, attendance.missing) == (
        "attendance",
        False,
        1,
        2,
        ("Buổi 2",),
    )
    assert completion_status({"attendance": "none"}, EnrolmentFacts(sessions=sessions)).complete
    assert completion_status({}, EnrolmentFacts(sessions=(SessionFact(1, "B", 0.8, 0.8),))).complete
