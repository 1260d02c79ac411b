"""GIFT edge cases: exact error messages and lines, titles, line endings, empty feedback.

Pure: no app, no database.
"""

from __future__ import annotations

import pytest

from lms.quizzes.gift import parse_gift
from lms.quizzes.questions import QuestionType


def only(text: str):
    result = parse_gift(text)
    assert result.errors == []
    (question,) = result.questions
    return question


def errors(text: str) -> list[tuple[int, str]]:
    result = parse_gift(text)
    assert result.questions == []
    return [(e.line, e.message) for e in result.errors]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Câu hỏi {chữ =đúng ~sai}", "text before the first answer; answers start with = or ~"),
        ("::T:: Câu hỏi {#}", "'' is not a number, number:tolerance or min..max"),
        ("Câu hỏi } {=a}", "'}' without '{' (escape it as \\})"),
        ("}Câu hỏi {=a}", "'}' without '{' (escape it as \\})"),
        ("Câu hỏi {=a ~b", "the answers' '{' is never closed by '}'"),
        ("Câu hỏi {=%101%a ~b}", "weight 101% is outside -100% to 100%"),
        ("Câu hỏi {T#sai#đúng#thừa}", "a true/false question takes at most two feedbacks: #wrong#right"),
        ("Ghép {=a -> 1 =b}", "every matching answer looks like '=prompt -> answer'"),
    ],
)
def test_broken_question_message(text, message):
    assert errors("// chú thích\n\n" + text) == [(3, message)]


def test_line_numbers_follow_old_mac_line_endings():
    result = parse_gift("Câu 1 {=a ~b}\r\rCâu 2 {=a ~b")
    assert [(e.line, e.message) for e in result.errors] == [(3, "the answers' '{' is never closed by '}'")]
    assert result.questions[0].text == "Câu 1"


def test_an_empty_title_at_the_start_and_a_title_followed_by_colons():
    question = only("::::Câu hỏi {=a ~b}")
    assert (question.title, question.text) == ("Câu hỏi", "Câu hỏi")
    titled = only("::A:: B :: C {=a ~b}")
    assert (titled.title, titled.text) == ("A", "B :: C")


def test_a_description_has_its_text_and_no_general_feedback():
    question = only("Chỉ là lời dẫn.")
    assert (question.type, question.text, question.general_feedback) == (
        QuestionType.DESCRIPTION,
        "Chỉ là lời dẫn.",
        "",
    )


def test_empty_general_feedback_and_empty_true_false_feedback_stay_empty():
    question = only("Đúng không? {T## ####   }")
    assert (question.correct, question.feedback_true, question.feedback_false, question.general_feedback) == (
        True,
        "",
        "",
        "",
    )


def test_feedback_and_prompts_take_the_questions_format():
    question = only("[markdown]Ghép {=**a** -> 1 =b -> 2 =c -> 3}")
    assert [p.prompt for p in question.pairs] == ["<p><strong>a</strong></p>", "<p>b</p>", "<p>c</p>"]
    tf = only("[markdown]Đúng? {F#**sai**#*đúng*}")
    assert (tf.feedback_true, tf.feedback_false) == ("<p><strong>sai</strong></p>", "<p><em>đúng</em></p>")


def test_range_answers_keep_their_feedback():
    question = only("Bao nhiêu? {#1..3#Gần đúng}")
    (answer,) = question.numeric
    assert (answer.value, answer.tolerance, answer.feedback) == (2.0, 1.0, "Gần đúng")


def test_numerical_with_two_catch_all_feedbacks_keeps_the_rest_in_the_first():
    question = only("Bao nhiêu? {#3:1 ~#Sai ~ nữa}")
    assert [(a.value, a.weight) for a in question.numeric] == [(3.0, 1.0), (None, 0.0)]


def test_matching_answer_holding_an_arrow_splits_at_the_first():
    question = only("Ghép {=a -> b -> c =d -> e =f -> g}")
    assert [(p.prompt, p.answer) for p in question.pairs][0] == ("a", "b -&gt; c")


def test_capital_x_is_ordinary_text_at_the_start_and_in_answers():
    question = only("Xã nào? {=XYZ ~ABC}")
    assert question.text == "Xã nào?"
    assert [(c.text, c.weight) for c in question.choices] == [("XYZ", 1.0), ("ABC", 0.0)]


def test_an_arrow_without_equals_is_a_short_answer_as_in_moodle():
    question = only("Ghép {a -> b}")
    assert question.type == QuestionType.SHORT_ANSWER
    assert [(c.text, c.weight) for c in question.choices] == [("a -> b", 1.0)]


def test_an_arrow_in_a_choice_question_stays_a_choice():
    question = only("Chọn {=đi -> về ~ở lại}")
    assert question.type == QuestionType.SINGLE
    assert [(c.text, c.weight) for c in question.choices] == [("đi -&gt; về", 1.0), ("ở lại", 0.0)]


def test_the_title_drawn_from_formatted_text_has_no_markup():
    question = only("[markdown]Chữ **đậm** {=a ~b}")
    assert (question.title, question.text) == ("Chữ đậm", "<p>Chữ <strong>đậm</strong></p>")
