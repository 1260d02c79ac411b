"""Grading edges: the "right" boundary, decimal commas, tolerance limits, descriptions amid questions.

Pure: no app, no database.
"""

from __future__ import annotations

import pytest

from lms.quizzes.grading import MarkState, QuestionMark, grade_question, marked_state, parse_number, total_score
from lms.quizzes.questions import Choice, MatchPair, NumericAnswer, Question, QuestionType

T = QuestionType


def test_a_weight_of_0_9999_counts_as_right():
    question = Question(type=T.SINGLE, text="?", choices=[Choice("a", 0.9999), Choice("b", 0.0)])
    assert grade_question(question, [0]) == QuestionMark(0.9999, MarkState.RIGHT, "")


@pytest.mark.parametrize(
    ("typed", "number"),
    [("3,5", 3.5), ("1.234,5", None), ("12", 12.0), ("1 000", 1000.0), ("1,2,3", None), ("inf", None)],
)
def test_typed_numbers(typed, number):
    assert parse_number(typed) == number


def test_short_answer_with_several_spaces_matches_one():
    question = Question(type=T.SHORT_ANSWER, text="?", choices=[Choice("một cửa", 1.0, "Đúng")])
    assert grade_question(question, "Một   Cửa") == QuestionMark(1.0, MarkState.RIGHT, "Đúng")
    assert grade_question(question, "mộtcửa") == QuestionMark(0.0, MarkState.WRONG, "")


def test_number_exactly_at_the_tolerance_is_right():
    question = Question(type=T.NUMERICAL, text="?", numeric=[NumericAnswer(10.0, 0.5, 1.0, "Đúng")])
    assert grade_question(question, "10,5") == QuestionMark(1.0, MarkState.RIGHT, "Đúng")
    assert grade_question(question, "10.51").state == MarkState.WRONG


def test_matching_with_fewer_answers_than_prompts_counts_the_given_ones():
    pairs = [MatchPair("a", "1"), MatchPair("b", "2"), MatchPair("c", "3")]
    question = Question(type=T.MATCHING, text="?", pairs=pairs)
    mark = grade_question(question, [0, 1])
    assert (mark.fraction, mark.state) == (pytest.approx(2 / 3), MarkState.PARTIAL)


def test_a_description_between_questions_does_not_stop_the_count():
    questions = [
        Question(type=T.TRUE_FALSE, text="?", correct=True, points=2),
        Question(type=T.DESCRIPTION, text="Đọc đoạn sau"),
        Question(type=T.TRUE_FALSE, text="?", correct=True, points=3),
    ]
    marks = [grade_question(q, r) for q, r in zip(questions, [True, None, True], strict=True)]
    score = total_score(questions, marks, {})
    assert (score.points, score.max_points, score.pending, score.percent) == (5.0, 5.0, False, 100.0)


def test_points_are_rounded_to_four_places():
    questions = [Question(type=T.SINGLE, text="?", choices=[Choice("a", 0.123456)])]
    marks = [grade_question(questions[0], [0])]
    assert total_score(questions, marks, {}).points == 0.1235


def test_an_unknown_kind_is_named():
    question = Question(type=T.SINGLE, text="?")
    question.type = "drawing"
    with pytest.raises(ValueError, match=r"^cannot grade drawing$"):
        grade_question(question, "x")


def test_marked_state_follows_the_instructors_mark():
    assert marked_state("pending", None) == MarkState.PENDING
    assert marked_state("pending", 1.0) == MarkState.RIGHT
    assert marked_state("pending", 0.5) == MarkState.PARTIAL
    assert marked_state("pending", 0.0) == MarkState.WRONG
    assert marked_state("wrong", None) == MarkState.WRONG
    assert marked_state("pending", 0.9999) == MarkState.RIGHT  # the same "right" boundary as any question
    assert marked_state("pending", 0.999) == MarkState.PARTIAL
    assert marked_state("unanswered", 1.0) == MarkState.UNANSWERED  # a mark only decides a pending essay
