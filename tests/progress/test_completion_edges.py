"""Every completion rule's whole verdict (counts, missing titles, label, reason) at its edges.

Pure: no app, no database. Outside a request the lazy texts render as their English source, so the
reasons checked here are exactly what an English reader is shown.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.progress.completion import (
    CompletionStatus,
    EnrolmentFacts,
    ModuleFact,
    NextStep,
    QuizFact,
    Requirement,
    SessionFact,
    completion_status,
    credited_seconds,
    minutes_left,
    next_step,
    seconds_still_needed,
)


def verdict(requirement: Requirement) -> tuple:
    """Everything a learner reads about one requirement, as plain values."""
    return (
        requirement.key,
        requirement.met,
        requirement.done,
        requirement.total,
        requirement.missing,
        str(requirement.label),
        str(requirement.reason),
    )


def only(requirements: dict, facts: EnrolmentFacts) -> tuple:
    """The verdict of the single rule left by `requirements` (the others switched off)."""
    merged = {"modules": "none", "quizzes": "none", "attendance": "none", **requirements}
    (requirement,) = completion_status(merged, facts).requirements
    return verdict(requirement)


# --- modules ------------------------------------------------------------------------------------


def test_modules_all_done_reads_as_done():
    facts = EnrolmentFacts(modules=(ModuleFact(1, "Bài 1", True, True), ModuleFact(2, "Bài 2", True, True)))
    assert only({"modules": "required"}, facts) == (
        "modules",
        True,
        2,
        2,
        (),
        "Modules",
        "All 2 required modules done.",
    )


def test_modules_all_counts_optional_ones_and_names_them():
    facts = EnrolmentFacts(modules=(ModuleFact(1, "Bài 1", True, True), ModuleFact(2, "Đọc thêm", False, False)))
    assert only({"modules": "all"}, facts) == (
        "modules",
        False,
        1,
        2,
        ("Đọc thêm",),
        "Modules",
        "1 of 2 required modules done; 1 to go.",
    )


def test_unknown_modules_mode_is_named_in_the_error():
    with pytest.raises(ValueError, match=r"^unknown modules requirement 'most'$"):
        completion_status({"modules": "most"}, EnrolmentFacts())


# --- quizzes ------------------------------------------------------------------------------------

QUIZZES = (
    QuizFact(1, "Kiểm tra 1", required=True, passed=True),
    QuizFact(2, "Kiểm tra 2", required=True, passed=False),
    QuizFact(3, "Tự luận", required=True, passed=False, pending=True),
    QuizFact(4, "Ôn tập", required=False, passed=False, pending=True),
)


def test_required_quizzes_with_one_waiting_for_a_mark():
    assert only({"quizzes": "required"}, EnrolmentFacts(quizzes=QUIZZES)) == (
        "quizzes",
        False,
        1,
        3,
        ("Kiểm tra 2", "Tự luận"),
        "Quizzes",
        "1 of 3 required quizzes passed; 1 waiting for an instructor's mark.",
    )


def test_all_quizzes_counts_the_optional_one_and_its_pending_mark():
    assert only({"quizzes": "all"}, EnrolmentFacts(quizzes=QUIZZES)) == (
        "quizzes",
        False,
        1,
        4,
        ("Kiểm tra 2", "Tự luận", "Ôn tập"),
        "Quizzes",
        "1 of 4 required quizzes passed; 2 waiting for an instructor's mark.",
    )


def test_failed_quizzes_without_pending_marks():
    facts = EnrolmentFacts(quizzes=(QuizFact(1, "A", True, True), QuizFact(2, "B", True, False)))
    assert only({"quizzes": "required"}, facts) == (
        "quizzes",
        False,
        1,
        2,
        ("B",),
        "Quizzes",
        "1 of 2 required quizzes passed.",
    )


def test_a_passed_quiz_is_never_pending():
    facts = EnrolmentFacts(quizzes=(QuizFact(1, "A", True, True, pending=True), QuizFact(2, "B", True, False)))
    assert only({"quizzes": "required"}, facts)[-1] == "1 of 2 required quizzes passed."


def test_all_required_quizzes_passed():
    facts = EnrolmentFacts(quizzes=(QuizFact(1, "A", True, True), QuizFact(2, "B", True, True)))
    assert only({"quizzes": "required"}, facts) == (
        "quizzes",
        True,
        2,
        2,
        (),
        "Quizzes",
        "All 2 required quizzes passed.",
    )


def test_only_optional_quizzes_make_no_quiz_rule():
    facts = EnrolmentFacts(quizzes=(QuizFact(1, "A", False, False),))
    assert completion_status({"modules": "none", "quizzes": "required"}, facts).requirements == ()


def test_quizzes_are_required_by_default_and_can_be_switched_off():
    facts = EnrolmentFacts(quizzes=(QuizFact(1, "A", True, False),))
    assert [r.key for r in completion_status({}, facts).requirements] == ["modules", "quizzes"]
    assert not completion_status({}, facts).complete
    off = completion_status({"quizzes": "none"}, facts)
    assert [r.key for r in off.requirements] == ["modules"]
    assert off.complete


def test_unknown_quizzes_mode_is_named_in_the_error():
    with pytest.raises(ValueError, match=r"^unknown quizzes requirement 'some'$"):
        completion_status({"quizzes": "some"}, EnrolmentFacts())


# --- live sessions ------------------------------------------------------------------------------


def test_sessions_attended_in_part():
    facts = EnrolmentFacts(sessions=(SessionFact(1, "Buổi 1", 0.9, 0.8), SessionFact(2, "Buổi 2", 0.1, 0.8)))
    assert only({"attendance": "required"}, facts) == (
        "attendance",
        False,
        1,
        2,
        ("Buổi 2",),
        "Live sessions",
        "1 of 2 required live sessions attended.",
    )


def test_every_session_attended():
    facts = EnrolmentFacts(sessions=(SessionFact(1, "Buổi 1", 1.0, 0.8), SessionFact(2, "Buổi 2", 0.8, 0.8)))
    assert only({"attendance": "required"}, facts) == (
        "attendance",
        True,
        2,
        2,
        (),
        "Live sessions",
        "All 2 required live sessions attended.",
    )


def test_attended_share_allows_float_rounding_only():
    assert SessionFact(1, "B", 0.7 - 1e-12, 0.7).attended
    assert not SessionFact(1, "B", 0.7 - 1e-6, 0.7).attended


def test_unknown_attendance_mode_is_named_in_the_error():
    with pytest.raises(ValueError, match=r"^unknown attendance requirement 'all'$"):
        completion_status({"attendance": "all"}, EnrolmentFacts())


# --- the whole status ---------------------------------------------------------------------------


def test_unknown_requirements_are_listed_sorted():
    with pytest.raises(ValueError, match=r"^unknown requirement\(s\): essays, grades$"):
        completion_status({"grades": "all", "essays": "all"}, EnrolmentFacts())


def test_rules_come_in_order_and_unmet_keeps_only_the_unmet():
    facts = EnrolmentFacts(
        modules=(ModuleFact(1, "Bài 1", True, True),),
        quizzes=(QuizFact(1, "A", True, False),),
        sessions=(SessionFact(1, "Buổi 1", 0.2, 0.8),),
    )
    status = completion_status(None, facts)
    assert [(r.key, r.met) for r in status.requirements] == [
        ("modules", True),
        ("quizzes", False),
        ("attendance", False),
    ]
    assert [r.key for r in status.unmet] == ["quizzes", "attendance"]
    assert status.complete is False
    assert CompletionStatus().complete is True
    assert CompletionStatus().unmet == ()


# --- heartbeats ---------------------------------------------------------------------------------

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds_ago", "expected"),
    [(1, 1), (1.9, 1), (0.5, 0), (60, 60)],
)
def test_heartbeat_credits_whole_seconds_of_a_short_gap(seconds_ago, expected):
    assert credited_seconds(NOW - timedelta(seconds=seconds_ago), NOW, 60) == expected


def test_remaining_time_is_counted_in_whole_minutes_rounded_up():
    assert seconds_still_needed(None, 0) == 0
    assert seconds_still_needed(2, 0) == 120
    assert seconds_still_needed(2, 90) == 30
    assert seconds_still_needed(2, 500) == 0
    assert [seconds_still_needed(1, s) for s in (59, 60, 61)] == [1, 0, 0]
    assert seconds_still_needed(0, 0) == 0
    assert [minutes_left(s) for s in (0, 1, 59, 60, 61, 120)] == [0, 1, 1, 1, 2, 2]


def step(requirements, facts):
    return next_step(completion_status(requirements, facts), facts)


def test_the_next_step_follows_the_rules_in_order():
    modules = (
        ModuleFact(1, "Bài 1", True, True),
        ModuleFact(2, "Bài 2", True, False),
        ModuleFact(3, "Thêm", False, False),
    )
    quizzes = (QuizFact(7, "Kiểm tra A", True, False, pending=True), QuizFact(8, "Kiểm tra B", True, False))
    sessions = (SessionFact(5, "Buổi 1", 0.2, 0.8),)
    facts = EnrolmentFacts(modules, quizzes, sessions)
    assert step({}, facts) == NextStep("modules", 2, "Bài 2")
    # Modules done: the quiz the learner can take comes before the one waiting for a mark.
    done = (ModuleFact(1, "Bài 1", True, True), ModuleFact(2, "Bài 2", True, True))
    assert step({}, EnrolmentFacts(done, quizzes, sessions)) == NextStep("quizzes", 8, "Kiểm tra B")
    waiting = (QuizFact(7, "Kiểm tra A", True, False, pending=True),)
    assert step({}, EnrolmentFacts(done, waiting, sessions)) == NextStep("quizzes", 7, "Kiểm tra A", waiting=True)
    passed = (QuizFact(7, "Kiểm tra A", True, True),)
    assert step({}, EnrolmentFacts(done, passed, sessions)) == NextStep("attendance", 5, "Buổi 1")
    attended = (SessionFact(5, "Buổi 1", 0.9, 0.8),)
    assert step({}, EnrolmentFacts(done, passed, attended)) is None
    # An optional module counts only when the course requires all of them.
    assert step({"modules": "all"}, EnrolmentFacts(modules[:1] + done[1:] + modules[2:])) == NextStep(
        "modules", 3, "Thêm"
    )


def test_missing_ids_name_the_same_items_as_the_missing_titles_in_order():
    modules = (
        ModuleFact(4, "Bài 4", True, False),
        ModuleFact(2, "Bài 2", True, True),
        ModuleFact(9, "Bài 9", True, False),
    )
    quizzes = (QuizFact(7, "A", True, False, pending=True), QuizFact(3, "B", True, True), QuizFact(8, "C", True, False))
    sessions = (SessionFact(6, "Buổi 2", 0.5, 0.8), SessionFact(5, "Buổi 1", 0.8, 0.8))
    by_key = {r.key: r for r in completion_status({}, EnrolmentFacts(modules, quizzes, sessions)).requirements}
    assert (by_key["modules"].missing_ids, by_key["modules"].missing) == ((4, 9), ("Bài 4", "Bài 9"))
    assert (by_key["quizzes"].missing_ids, by_key["quizzes"].missing) == ((8, 7), ("C", "A"))
    assert (by_key["attendance"].missing_ids, by_key["attendance"].missing) == ((6,), ("Buổi 2",))
    done = EnrolmentFacts((ModuleFact(2, "Bài 2", True, True),), (QuizFact(3, "B", True, True),))
    assert [r.missing_ids for r in completion_status({}, done).requirements] == [(), ()]
    assert next_step(completion_status({}, done), done) is None
