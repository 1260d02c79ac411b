"""Grading (lms/quizzes/grading.py) over hand-built questions: pure functions, no app, no database."""

from __future__ import annotations

import unicodedata

import pytest

from lms.quizzes.grading import (
    AttemptScore,
    MarkState,
    QuestionMark,
    grade_question,
    parse_number,
    short_answer_matches,
    total_score,
)
from lms.quizzes.questions import Choice, MatchPair, NumericAnswer, Question, QuestionType

T = QuestionType
S = MarkState


def single(*weights: float, points: float = 1.0) -> Question:
    return Question(
        type=T.SINGLE,
        text="Chọn một",
        points=points,
        choices=[Choice(f"c{i}", w, f"fb{i}") for i, w in enumerate(weights)],
    )


def multiple(*weights: float) -> Question:
    return Question(
        type=T.MULTIPLE,
        text="Chọn nhiều",
        choices=[Choice(f"c{i}", w, f"fb{i}" if w else "") for i, w in enumerate(weights)],
    )


def short(*answers: tuple[str, float, str]) -> Question:
    return Question(type=T.SHORT_ANSWER, text="Gõ", choices=[Choice(t, w, f) for t, w, f in answers])


def numerical(*answers: NumericAnswer) -> Question:
    return Question(type=T.NUMERICAL, text="Số", numeric=list(answers))


def true_false(correct: bool) -> Question:
    return Question(
        type=T.TRUE_FALSE,
        text="Đúng hay sai",
        correct=correct,
        feedback_true="after true",
        feedback_false="after false",
    )


def matching() -> Question:
    return Question(
        type=T.MATCHING,
        text="Ghép",
        pairs=[
            MatchPair("Canada", "Ottawa"),
            MatchPair("Italy", "Rome"),
            MatchPair("Japan", "Tokyo"),
            MatchPair("", "Paris"),  # distractor
        ],
    )


ESSAY = Question(type=T.ESSAY, text="Viết", points=5.0)
DESCRIPTION = Question(type=T.DESCRIPTION, text="Đọc")


# --- single choice --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "fraction", "state", "feedback"),
    [
        (2, 1.0, S.RIGHT, "fb2"),
        (1, 0.5, S.PARTIAL, "fb1"),
        (0, 0.0, S.WRONG, "fb0"),
        (3, -0.25, S.WRONG, "fb3"),
    ],
)
def test_single_choice_earns_the_chosen_weight(chosen, fraction, state, feedback):
    mark = grade_question(single(0.0, 0.5, 1.0, -0.25), [chosen])
    assert mark == QuestionMark(fraction, state, feedback)


# --- multiple response ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "fraction", "state"),
    [
        ([0, 1], 1.0, S.RIGHT),
        ([0], 0.5, S.PARTIAL),
        ([0, 2], 0.0, S.WRONG),  # 0.5 - 1.0 clamps to 0
        ([0, 1, 2], 0.0, S.WRONG),  # 1.0 - 1.0
        ([0, 1, 3], 0.75, S.PARTIAL),  # a -25% choice penalises
        ([2, 3], 0.0, S.WRONG),  # never below zero
        ([4], 0.0, S.WRONG),
    ],
)
def test_multiple_response_sums_and_clamps(chosen, fraction, state):
    mark = grade_question(multiple(0.5, 0.5, -1.0, -0.25, 0.0), chosen)
    assert mark.fraction == pytest.approx(fraction)
    assert mark.state == state


def test_multiple_response_never_above_one():
    assert grade_question(multiple(0.6, 0.6, -1.0), [0, 1]).fraction == 1.0


def test_multiple_response_feedback_of_every_chosen_option():
    assert grade_question(multiple(0.5, 0.5, -1.0), [0, 2]).feedback == "fb0 fb2"


# --- true / false ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("correct", "response", "fraction", "state", "feedback"),
    [
        (True, True, 1.0, S.RIGHT, "after true"),
        (True, False, 0.0, S.WRONG, "after false"),
        (False, False, 1.0, S.RIGHT, "after false"),
        (False, True, 0.0, S.WRONG, "after true"),
    ],
)
def test_true_false(correct, response, fraction, state, feedback):
    assert grade_question(true_false(correct), response) == QuestionMark(fraction, state, feedback)


# --- short answer ---------------------------------------------------------------------------


def test_short_answer_is_case_insensitive_and_normalises_whitespace():
    q = short(("Một cửa liên thông", 1.0, "Đúng"))
    for response in ("một cửa liên thông", "MỘT CỬA LIÊN THÔNG", "  Một   cửa\tliên thông  "):
        assert grade_question(q, response) == QuestionMark(1.0, S.RIGHT, "Đúng"), response
    assert grade_question(q, "một cửa").fraction == 0.0


def test_short_answer_matches_vietnamese_in_nfc_and_nfd():
    nfc = unicodedata.normalize("NFC", "Bộ phận Một cửa")
    nfd = unicodedata.normalize("NFD", "Bộ phận Một cửa")
    assert nfc != nfd
    assert grade_question(short((nfc, 1.0, "")), nfd).fraction == 1.0
    assert grade_question(short((nfd, 1.0, "")), nfc).fraction == 1.0
    assert grade_question(short((nfc, 1.0, "")), nfd.upper()).fraction == 1.0


def test_short_answer_diacritics_still_matter():
    assert grade_question(short(("Một cửa", 1.0, "")), "Mot cua").fraction == 0.0


def test_short_answer_wildcard():
    q = short(("*cửa*", 1.0, ""))
    assert grade_question(q, "Bộ phận một cửa liên thông").fraction == 1.0
    assert grade_question(q, "cửa").fraction == 1.0
    assert grade_question(q, "Bộ phận tiếp nhận").fraction == 0.0


def test_short_answer_best_weight_wins_whatever_the_order():
    q = short(("*", 0.0, "catch-all"), ("*cat*", 0.5, "close"), ("cat", 1.0, "exact"), ("c*", 0.25, "meh"))
    assert grade_question(q, "Cat") == QuestionMark(1.0, S.RIGHT, "exact")
    assert grade_question(q, "wildcat") == QuestionMark(0.5, S.PARTIAL, "close")
    assert grade_question(q, "cow") == QuestionMark(0.25, S.PARTIAL, "meh")
    assert grade_question(q, "dog") == QuestionMark(0.0, S.WRONG, "catch-all")


def test_short_answer_without_any_match():
    assert grade_question(short(("Frog", 1.0, "good")), "Toad") == QuestionMark(0.0, S.WRONG, "")


@pytest.mark.parametrize(
    ("pattern", "response", "matches"),
    [
        ("C++", "c++", True),  # regex characters are literal
        ("a.b", "axb", False),
        ("(x)", "(X)", True),
        ("*", "", True),
        ("one*two", "one and two", True),
        ("one*two", "one and three", False),
        ("Frog", "Frogs", False),  # the whole response must match
        ("Frog", "a Frog", False),
    ],
)
def test_short_answer_matches(pattern, response, matches):
    assert short_answer_matches(pattern, response) is matches


# --- numerical ------------------------------------------------------------------------------


def test_numerical_within_tolerance():
    q = numerical(NumericAnswer(3.0, 2.0, 1.0, "ok"))
    for response in ("3", "1", "5", "4.999", "1.0"):
        assert grade_question(q, response) == QuestionMark(1.0, S.RIGHT, "ok"), response
    for response in ("0.99", "5.01", "-3"):
        assert grade_question(q, response).fraction == 0.0, response


def test_numerical_decimal_comma():
    q = numerical(NumericAnswer(3.14, 0.005, 1.0))
    assert grade_question(q, "3,14").fraction == 1.0
    assert grade_question(q, "3.14").fraction == 1.0
    assert grade_question(q, "3,15").fraction == 0.0


def test_numerical_partial_credit_best_weight_wins():
    q = numerical(NumericAnswer(1822, 2, 0.5, "close"), NumericAnswer(1822, 0, 1.0, "exact"))
    assert grade_question(q, "1822") == QuestionMark(1.0, S.RIGHT, "exact")
    assert grade_question(q, "1823") == QuestionMark(0.5, S.PARTIAL, "close")
    assert grade_question(q, "1825").fraction == 0.0


@pytest.mark.parametrize("response", ["three", "3 apples", "nan", "inf", "1,2,3", "--3", "3.1.4"])
def test_numerical_non_numbers_are_wrong_and_get_the_catch_all_feedback(response):
    q = numerical(NumericAnswer(3.0, 0.0, 1.0, "right"), NumericAnswer(None, 0.0, 0.0, "Completely wrong"))
    assert grade_question(q, response) == QuestionMark(0.0, S.WRONG, "Completely wrong")


def test_numerical_wrong_number_gets_the_catch_all_feedback():
    q = numerical(NumericAnswer(3.0, 0.0, 1.0, "right"), NumericAnswer(None, 0.0, 0.0, "Completely wrong"))
    assert grade_question(q, "4") == QuestionMark(0.0, S.WRONG, "Completely wrong")


def test_numerical_wrong_without_catch_all():
    assert grade_question(numerical(NumericAnswer(3.0)), "4") == QuestionMark(0.0, S.WRONG, "")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("3", 3.0),
        (" -2.5 ", -2.5),
        ("3,14", 3.14),
        ("1 000", 1000.0),
        ("1e3", 1000.0),
        ("abc", None),
        ("", None),
        ("nan", None),
        ("inf", None),
        ("-inf", None),
        ("1,000.5", None),
    ],
)
def test_parse_number(text, number):
    assert parse_number(text) == number


# --- matching -------------------------------------------------------------------------------


def test_matching_share_of_prompts_right():
    q = matching()
    assert grade_question(q, [0, 1, 2]) == QuestionMark(1.0, S.RIGHT)
    mark = grade_question(q, [0, 2, 1])
    assert mark.fraction == pytest.approx(1 / 3) and mark.state == S.PARTIAL
    assert grade_question(q, [1, 2, 0]) == QuestionMark(0.0, S.WRONG)


def test_matching_distractor_is_never_a_prompt_and_never_right():
    q = matching()
    mark = grade_question(q, [3, 3, 2])  # Paris for Canada and Italy
    assert mark.fraction == pytest.approx(1 / 3)
    assert grade_question(q, [3, 3, 3]).fraction == 0.0


def test_matching_unanswered_prompts_count_as_wrong():
    mark = grade_question(matching(), [0, None, None])
    assert mark.fraction == pytest.approx(1 / 3)


# --- essay, description, unanswered ---------------------------------------------------------


def test_essay_waits_for_the_instructor():
    assert grade_question(ESSAY, "Tôi sẽ hướng dẫn người dân bổ sung hồ sơ.") == QuestionMark(None, S.PENDING)


def test_description_is_not_graded():
    assert grade_question(DESCRIPTION, None) == QuestionMark(None, S.UNANSWERED)
    assert not DESCRIPTION.graded


@pytest.mark.parametrize(
    ("question", "response"),
    [
        (single(1.0, 0.0), None),
        (single(1.0, 0.0), []),
        (multiple(0.5, 0.5), []),
        (true_false(True), None),
        (short(("a", 1.0, "")), ""),
        (numerical(NumericAnswer(1.0)), None),
        (matching(), None),
        (ESSAY, ""),
    ],
)
def test_unanswered_earns_nothing(question, response):
    assert grade_question(question, response) == QuestionMark(0.0, S.UNANSWERED)


def test_false_is_an_answer_not_unanswered():
    assert grade_question(true_false(False), False).state == S.RIGHT


# --- totals ---------------------------------------------------------------------------------


def test_total_adds_points_times_fractions():
    questions = [single(1.0, 0.5, points=2.0), multiple(0.5, 0.5), true_false(True), DESCRIPTION]
    marks = [
        grade_question(questions[0], [1]),
        grade_question(questions[1], [0, 1]),
        grade_question(questions[2], False),
        grade_question(DESCRIPTION, None),
    ]
    score = total_score(questions, marks, {})
    assert score == AttemptScore(points=2.0, max_points=4.0, pending=False)
    assert score.percent == 50.0


def test_total_is_pending_until_the_essay_is_marked():
    questions = [true_false(True), ESSAY]
    marks = [grade_question(questions[0], True), grade_question(ESSAY, "Bài làm")]

    pending = total_score(questions, marks, {})
    assert pending == AttemptScore(points=1.0, max_points=6.0, pending=True)

    marked = total_score(questions, marks, {1: 0.6})
    assert marked == AttemptScore(points=4.0, max_points=6.0, pending=False)
    assert marked.percent == 66.67


def test_unanswered_essay_is_not_pending():
    score = total_score([ESSAY], [grade_question(ESSAY, "")], {})
    assert score == AttemptScore(points=0.0, max_points=5.0, pending=False)


def test_total_never_below_zero():
    questions = [single(1.0, -1.0), single(1.0, -0.5, points=3.0), single(1.0, -0.25)]
    marks = [grade_question(q, [1]) for q in questions]
    assert [m.fraction for m in marks] == [-1.0, -0.5, -0.25]
    score = total_score(questions, marks, {})
    assert score == AttemptScore(points=0.0, max_points=5.0, pending=False)
    assert score.percent == 0.0


def test_negative_marks_still_reduce_a_positive_total():
    questions = [single(1.0, -0.5), single(1.0, -0.5)]
    marks = [grade_question(questions[0], [0]), grade_question(questions[1], [1])]
    assert total_score(questions, marks, {}).points == 0.5


def test_only_descriptions_count_as_full_marks():
    score = total_score([DESCRIPTION], [grade_question(DESCRIPTION, None)], {})
    assert score.max_points == 0.0 and score.percent == 100.0


def test_total_needs_one_mark_per_question():
    with pytest.raises(ValueError):
        total_score([ESSAY, DESCRIPTION], [QuestionMark(None, S.PENDING)], {})
