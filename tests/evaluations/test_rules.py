"""The evaluation's pure rules: questions per instructor, reading answers (every bad input refused
whole), the opening window, tallies that keep no order, and groups too small to show."""

from __future__ import annotations

from datetime import date

import pytest

from lms.evaluations.form import read_form
from lms.evaluations.rules import (
    MAX_COMMENT,
    Answers,
    Tallies,
    WindowState,
    about_instructor,
    add_answers,
    asked_questions,
    combine,
    evaluation_window,
    overall_mean,
    question_id,
    question_results,
    read_answers,
)
from lms.refusals import Refused
from tests.factories import EVALUATION_YML

FORM = read_form(EVALUATION_YML)[0]
ASKED = asked_questions(FORM, [(7, "Giảng Viên An"), (9, "Giảng Viên Bình")])
GOOD = {"q:phu_hop": "4", "q:thoi_luong": "2", "q:ro_rang@7": "5", "q:ro_rang@9": "3", "q:gop_y": " Rất hữu ích "}


def test_the_instructors_section_is_asked_once_per_instructor():
    assert [a.key for a in ASKED] == ["phu_hop", "thoi_luong", "ro_rang@7", "ro_rang@9", "gop_y"]
    assert [a.instructor_name for a in ASKED if a.instructor_id] == ["Giảng Viên An", "Giảng Viên Bình"]


def test_good_answers_are_read_as_option_indexes_and_trimmed_comments():
    answers = read_answers(ASKED, GOOD)
    assert answers.chosen == {"phu_hop": 3, "thoi_luong": 1, "ro_rang@7": 4, "ro_rang@9": 2}
    assert answers.comments == {"gop_y": "Rất hữu ích"}


def _problems(form: dict) -> list[tuple[str | None, str]]:
    with pytest.raises(Refused) as caught:
        read_answers(ASKED, form)
    return [(p.field, str(p)) for p in caught.value.problems]


@pytest.mark.parametrize("value", ["0", "6", "-1", "3.5", "năm", "99999999999999999999"])
def test_an_out_of_range_rating_is_refused(value):
    assert _problems({**GOOD, "q:phu_hop": value}) == [("q:phu_hop", "Choose one of the answers offered (1 to 5).")]


def test_a_choice_beyond_its_options_is_refused():
    assert _problems({**GOOD, "q:thoi_luong": "4"}) == [("q:thoi_luong", "Choose one of the answers offered (1 to 3).")]


def test_an_unknown_question_id_is_refused():
    problems = _problems({**GOOD, "q:khong_co": "5", "q:ro_rang@8": "5"})
    assert problems == [
        (None, "There is no question 'khong_co' in this evaluation."),
        (None, "There is no question 'ro_rang@8' in this evaluation."),
    ]


def test_a_100_kb_comment_is_refused_not_cut():
    problems = _problems({**GOOD, "q:gop_y": "x" * 100_000})
    assert problems == [("q:gop_y", f"A comment may have at most {MAX_COMMENT} characters; this one has 100000.")]


def test_every_rating_and_choice_must_be_answered_comments_may_be_empty():
    problems = _problems({"q:gop_y": ""})
    assert [field for field, _ in problems] == ["q:phu_hop", "q:thoi_luong", "q:ro_rang@7", "q:ro_rang@9"]
    assert read_answers(ASKED, {**GOOD, "q:gop_y": "  "}).comments == {}


@pytest.mark.parametrize(
    ("today", "closes_on", "over", "ready", "state"),
    [
        (date(2026, 12, 3), None, False, False, WindowState.NOT_YET),
        (date(2026, 12, 3), None, True, False, WindowState.OPEN),
        (date(2026, 12, 3), None, False, True, WindowState.OPEN),
        (date(2026, 12, 3), date(2026, 12, 3), True, False, WindowState.OPEN),  # the closing day is included
        (date(2026, 12, 4), date(2026, 12, 3), True, True, WindowState.CLOSED),
        (date(2026, 12, 4), date(2026, 12, 3), False, False, WindowState.CLOSED),
    ],
)
def test_the_window(today, closes_on, over, ready, state):
    assert evaluation_window(today, closes_on, over, ready) == state


def test_tallies_are_counts_and_comments_stay_sorted_whatever_the_order_of_answers():
    first = Answers({"phu_hop": 4, "thoi_luong": 1}, {"gop_y": "Tốt"})
    second = Answers({"phu_hop": 0, "thoi_luong": 1}, {"gop_y": "Cần thêm tình huống"})
    one_way = add_answers(*add_answers({}, {}, ASKED, first), ASKED, second)
    other_way = add_answers(*add_answers({}, {}, ASKED, second), ASKED, first)
    assert one_way == other_way
    assert one_way[0]["phu_hop"] == [1, 0, 0, 0, 1]
    assert one_way[1]["gop_y"] == ["Cần thêm tình huống", "Tốt"]


def test_a_group_of_four_is_not_shown_five_is():
    assert not Tallies(respondents=4, invited=10).visible
    assert Tallies(respondents=5, invited=10).visible
    assert Tallies(respondents=5, invited=10).response_rate == 0.5


def test_combining_classes_adds_counts_and_keeps_one_instructor():
    a = Tallies(3, 4, {"phu_hop": [0, 0, 1, 1, 1], "ro_rang@7": [0, 0, 0, 1, 2], "ro_rang@9": [3, 0, 0, 0, 0]})
    b = Tallies(2, 5, {"phu_hop": [0, 0, 0, 0, 2], "ro_rang@7": [0, 0, 0, 0, 2]})
    course = combine([a, b], question_id)
    assert (course.respondents, course.invited) == (5, 9)
    assert course.counts == {"phu_hop": [0, 0, 1, 1, 3], "ro_rang": [3, 0, 0, 1, 4]}
    instructor = combine([a, b], about_instructor(7))
    assert instructor.counts == {"ro_rang": [0, 0, 0, 1, 4]}


def test_means_per_question_and_overall():
    tallies = Tallies(5, 5, {"phu_hop": [0, 0, 1, 1, 3], "ro_rang@7": [1, 0, 0, 0, 0]})
    results = question_results(ASKED, tallies)
    by_key = {r.key: r for r in results}
    assert by_key["phu_hop"].mean == pytest.approx(4.4)
    assert by_key["ro_rang@9"].mean is None and by_key["ro_rang@9"].counts == (0, 0, 0, 0, 0)
    assert by_key["thoi_luong"].counts == (0, 0, 0)
    assert overall_mean(results) == pytest.approx((22 + 1) / 6)
