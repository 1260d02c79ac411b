"""Quiz files (lms/quizzes/source.py read_quiz): YAML quizzes and GIFT/Aiken with a settings header.

Pure unit tests: no app, no database.
"""

from __future__ import annotations

import pytest

from lms.quizzes.questions import QuestionType, SourceError
from lms.quizzes.source import DEFAULT_SETTINGS, read_quiz
from tests.shared_files import fixture_text

T = QuestionType


EVERY_TYPE = """\
title: "Kiểm tra cuối khóa"
pass_mark: 60
attempts: 2
time_limit: 30
draw: 6
shuffle: false
review: after_passing
required: false
questions:
  - type: single
    title: Một cửa
    text: "Cơ chế **một cửa** là gì?"
    points: 2
    feedback: "Xem bài 2."
    choices:
      - {text: "Tiếp nhận tại một đầu mối", correct: true, feedback: "Đúng"}
      - {text: "Gần đúng", weight: 50}
      - {text: "Sai hẳn", weight: -25}
  - type: multiple
    text: Chọn các nội dung cải cách
    choices:
      - {text: Thể chế, weight: 50}
      - {text: Thủ tục, weight: 50}
      - {text: Thể thao, weight: -100}
  - type: truefalse
    text: Cải cách chỉ là việc của cấp tỉnh.
    answer: false
    feedback_true: "Chưa đúng"
    feedback_false: "Đúng vậy"
  - type: shortanswer
    text: Bộ phận tiếp nhận hồ sơ gọi là gì?
    answers:
      - {text: "Bộ phận Một cửa"}
      - {text: "*một cửa*", weight: 50, feedback: "Gần đúng"}
  - type: numerical
    text: Nghị quyết 76 ban hành năm nào?
    numbers:
      - {value: 2021}
      - {value: 2021, tolerance: 1, weight: 50}
      - {min: 2019, max: 2023, weight: 10}
  - type: matching
    text: Ghép nội dung với việc làm
    pairs:
      - {prompt: Thể chế, answer: Rà soát văn bản}
      - {prompt: Thủ tục, answer: Cắt giảm thủ tục}
      - {answer: Tổ chức hội thao}
  - type: essay
    text: Xử lý tình huống hồ sơ thiếu.
    rubric: "Hướng dẫn bổ sung **một lần**."
    points: 5
  - type: description
    text: Phần cuối.
"""


def read_yaml(text: str):
    return read_quiz("kiem-tra", "quizzes/kiem-tra.yml", text)


def only_errors(text: str, path: str = "quizzes/kiem-tra.yml") -> list[SourceError]:
    quiz, errors = read_quiz("kiem-tra", path, text)
    assert quiz is None
    assert errors
    return errors


def minimal(*settings: str) -> str:
    question = "questions:\n  - {type: truefalse, text: T, answer: true}\n"
    return "title: Q\n" + "".join(f"{s}\n" for s in settings) + question


# --- YAML quizzes ---------------------------------------------------------------------------


def test_yaml_quiz_with_every_type():
    quiz, errors = read_yaml(EVERY_TYPE)

    assert errors == []
    assert quiz.slug == "kiem-tra" and quiz.path == "quizzes/kiem-tra.yml"
    assert quiz.title == "Kiểm tra cuối khóa"
    assert quiz.required is False
    assert quiz.settings == {
        "pass_mark": 60,
        "attempts": 2,
        "time_limit": 30,
        "draw": 6,
        "shuffle": False,
        "review": "after_passing",
    }
    assert [q.type for q in quiz.questions] == [
        T.SINGLE,
        T.MULTIPLE,
        T.TRUE_FALSE,
        T.SHORT_ANSWER,
        T.NUMERICAL,
        T.MATCHING,
        T.ESSAY,
        T.DESCRIPTION,
    ]
    assert [q.line for q in quiz.questions] == [10, 19, 25, 30, 35, 41, 47, 51]
    assert len(quiz.source_hash) == 64

    single, multiple, true_false, short, number, matching, essay, description = quiz.questions
    assert single.title == "Một cửa"
    assert single.text == "<p>Cơ chế <strong>một cửa</strong> là gì?</p>"
    assert single.points == 2.0
    assert single.general_feedback == "<p>Xem bài 2.</p>"
    assert [(c.text, c.weight, c.feedback) for c in single.choices] == [
        ("<p>Tiếp nhận tại một đầu mối</p>", 1.0, "<p>Đúng</p>"),
        ("<p>Gần đúng</p>", 0.5, ""),
        ("<p>Sai hẳn</p>", -0.25, ""),
    ]

    assert [c.weight for c in multiple.choices] == [0.5, 0.5, -1.0]
    assert multiple.title == "Chọn các nội dung cải cách"  # the text when no title is given

    assert true_false.correct is False
    assert (true_false.feedback_true, true_false.feedback_false) == ("<p>Chưa đúng</p>", "<p>Đúng vậy</p>")

    assert [(c.text, c.weight, c.feedback) for c in short.choices] == [
        ("Bộ phận Một cửa", 1.0, ""),
        ("*một cửa*", 0.5, "<p>Gần đúng</p>"),
    ]

    assert [(n.value, n.tolerance, n.weight) for n in number.numeric] == [
        (2021.0, 0.0, 1.0),
        (2021.0, 1.0, 0.5),
        (2021.0, 2.0, 0.1),
    ]

    assert [(p.prompt, p.answer) for p in matching.pairs] == [
        ("<p>Thể chế</p>", "Rà soát văn bản"),
        ("<p>Thủ tục</p>", "Cắt giảm thủ tục"),
        ("", "Tổ chức hội thao"),
    ]

    assert essay.points == 5.0
    assert essay.rubric == "<p>Hướng dẫn bổ sung <strong>một lần</strong>.</p>"
    assert description.text == "<p>Phần cuối.</p>" and not description.graded


def test_settings_defaults():
    quiz, errors = read_yaml(minimal())
    assert errors == []
    assert quiz.settings == {
        "pass_mark": 70,
        "attempts": 0,
        "time_limit": None,
        "draw": None,
        "shuffle": True,
        "review": "after_each_attempt",
    }
    assert quiz.settings == DEFAULT_SETTINGS
    assert quiz.required is True


def test_title_is_required():
    assert only_errors("questions:\n  - {type: essay, text: E}\n") == [SourceError(1, "'title' is required")]


def test_unknown_setting_is_reported_with_its_line():
    errors = only_errors("title: Q\npass_mark: 50\npassmark: 60\nquestions:\n  - {type: essay, text: E}\n")
    assert [e.line for e in errors] == [3]
    assert "unknown setting 'passmark'" in errors[0].message


@pytest.mark.parametrize(
    ("setting", "line_text"),
    [
        ("pass_mark", "pass_mark: '70'"),
        ("pass_mark", "pass_mark: true"),
        ("attempts", "attempts: 2.5"),
        ("attempts", "attempts: two"),
        ("time_limit", "time_limit: true"),
        ("draw", "draw: [1]"),
        ("shuffle", "shuffle: 1"),
        ("review", "review: 3"),
        ("required", "required: 'yes'"),
        ("title", "title: 5"),
    ],
)
def test_wrong_setting_types(setting, line_text):
    text = minimal(line_text).replace("title: Q\n", "") if setting == "title" else minimal(line_text)
    errors = only_errors(text)
    assert [(e.line, e.message.split(" has")[0]) for e in errors] == [(2 if setting != "title" else 1, f"'{setting}'")]
    assert "wrong type" in errors[0].message


@pytest.mark.parametrize("pass_mark", ["-1", "100.5", "101"])
def test_pass_mark_outside_0_to_100(pass_mark):
    errors = only_errors(minimal(f"pass_mark: {pass_mark}"))
    assert errors == [SourceError(2, "'pass_mark' is a percentage from 0 to 100")]


@pytest.mark.parametrize("pass_mark", ["0", "100", "62.5"])
def test_pass_mark_inside_0_to_100(pass_mark):
    quiz, errors = read_yaml(minimal(f"pass_mark: {pass_mark}"))
    assert errors == [] and quiz.settings["pass_mark"] == float(pass_mark)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("attempts: -1", "'attempts'"),
        ("time_limit: 0", "'time_limit'"),
        ("draw: 0", "'draw'"),
    ],
)
def test_out_of_range_settings(setting, message):
    errors = only_errors(minimal(setting))
    assert [e.line for e in errors] == [2]
    assert errors[0].message.startswith(message)


def test_draw_larger_than_the_graded_bank():
    text = (
        "title: Q\ndraw: 3\nquestions:\n  - {type: essay, text: A}\n  - {type: description, text: B}\n"
        "  - {type: truefalse, text: C, answer: true}\n"
    )
    errors = only_errors(text)
    assert errors == [SourceError(2, "'draw' must be between 1 and the 2 graded questions of the bank")]


def test_draw_equal_to_the_graded_bank():
    quiz, errors = read_yaml(EVERY_TYPE.replace("draw: 6", "draw: 7"))
    assert errors == [] and quiz.settings["draw"] == 7
    assert read_yaml(EVERY_TYPE.replace("draw: 6", "draw: 8"))[0] is None


def test_review_policy_not_allowed():
    errors = only_errors(minimal("review: always"))
    assert [e.line for e in errors] == [2]
    assert errors[0].message == "'review' must be one of after_each_attempt, after_passing, after_last_attempt, never"


@pytest.mark.parametrize("policy", ["after_each_attempt", "after_passing", "after_last_attempt", "never"])
def test_review_policies_allowed(policy):
    quiz, errors = read_yaml(minimal(f"review: {policy}"))
    assert errors == [] and quiz.settings["review"] == policy


def test_questions_must_be_a_non_empty_list():
    assert only_errors("title: Q\nquestions: []\n") == [SourceError(2, "'questions' must be a non-empty list")]
    assert only_errors("title: Q\n") == [SourceError(1, "'questions' must be a non-empty list")]


def test_broken_yaml_questions_are_reported_with_their_line():
    text = (
        "title: Q\n"  # 1
        "questions:\n"  # 2
        "  - type: essay\n"  # 3
        "    text: Good\n"  # 4
        "  - type: essay\n"  # 5  missing text
        "    rubric: R\n"  # 6
        "  - type: checkbox\n"  # 7  unknown type
        "    text: C\n"  # 8
        "  - type: single\n"  # 9  unknown key
        "    text: S\n"  # 10
        "    option: [a, b]\n"  # 11
        "  - type: truefalse\n"  # 12 answer not a bool
        "    text: T\n"  # 13
        "    answer: 'yes'\n"  # 14
        "  - type: single\n"  # 15 no 100% choice
        "    text: S\n"  # 16
        "    choices: [{text: a, weight: 50}, {text: b}]\n"  # 17
    )
    errors = only_errors(text)
    assert [(e.line, e.message.split(":")[0]) for e in errors] == [
        (5, "question 2"),
        (7, "question 3"),
        (9, "question 4"),
        (12, "question 5"),
        (15, "question 6"),
    ]
    assert "'text' is required" in errors[0].message
    assert "'type' must be one of" in errors[1].message
    assert "unknown question key(s): option" in errors[2].message
    assert "'answer' must be true or false" in errors[3].message
    assert "one answer must be worth 100%" in errors[4].message


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{type: single, text: S, choices: [{text: a, weight: 150}, {text: b}]}", "'weight'"),
        ("{type: single, text: S, choices: 'a, b'}", "'choices' must be a list of mappings"),
        ("{type: numerical, text: N, numbers: [{min: 5, max: 1}]}", "'min' and 'max'"),
        ("{type: numerical, text: N, numbers: [{value: x}]}", "'value' and 'tolerance'"),
        ("{type: essay, text: E, points: 0}", "points must be greater than 0"),
        ("{type: essay, text: E, points: many}", "'points' must be a number"),
        ("{type: matching, text: M, pairs: [{prompt: a, answer: b}]}", "two prompts"),
        ("'just text'", "each question is a mapping"),
    ],
)
def test_invalid_yaml_question_values(entry, message):
    errors = only_errors(f"title: Q\nquestions:\n  - {{type: essay, text: Good}}\n  - {entry}\n")
    assert [e.line for e in errors] == [4]
    assert message in errors[0].message


def test_invalid_yaml_syntax_is_reported_with_its_line():
    errors = only_errors("title: Q\nquestions:\n  - {type: essay, text: E\n")
    assert len(errors) == 1
    assert errors[0].message.startswith("invalid YAML")
    assert errors[0].line == 4


def test_yaml_that_is_not_a_mapping():
    assert only_errors("- a\n- b\n") == [SourceError(1, "expected a mapping of settings")]


# --- GIFT and Aiken files with a settings header ---------------------------------------------

GIFT = """\
---
title: "Kiểm tra"
pass_mark: 60
attempts: 2
---
// Câu hỏi
::Một cửa:: Cơ chế tiếp nhận hồ sơ tại một đầu mối gọi là gì?{=một cửa =%50%một cửa liên thông}

::Đúng sai:: Cải cách hành chính chỉ là việc của cấp tỉnh.{F#Sai rồi#Đúng vậy}

::Tình huống:: Hãy xử lý tình huống người dân nộp thiếu hồ sơ.{}
"""


def test_gift_file_with_header():
    quiz, errors = read_quiz("kiem-tra", "quizzes/kiem-tra.gift", GIFT)

    assert errors == []
    assert quiz.title == "Kiểm tra"
    assert quiz.settings == {**DEFAULT_SETTINGS, "pass_mark": 60, "attempts": 2}
    assert [(q.title, q.type, q.line) for q in quiz.questions] == [
        ("Một cửa", T.SHORT_ANSWER, 7),
        ("Đúng sai", T.TRUE_FALSE, 9),
        ("Tình huống", T.ESSAY, 11),
    ]


def test_gift_errors_are_shifted_by_the_header():
    text = GIFT.replace("{F#Sai rồi#Đúng vậy}", "{#not a number}")
    quiz, errors = read_quiz("kiem-tra", "quizzes/kiem-tra.gift", text)
    assert quiz is None
    assert [e.line for e in errors] == [9]


def test_gift_with_header_errors_and_body_errors_reports_both():
    text = GIFT.replace("attempts: 2", "attempts: 2\ncolour: red").replace("{}", "{=a ~%-200%b}")
    errors = only_errors(text, "quizzes/kiem-tra.gift")
    assert sorted(e.line for e in errors) == [5, 12]


def test_gift_missing_header():
    errors = only_errors("::A::Q{T}\n", "quizzes/kiem-tra.gift")
    assert errors == [SourceError(1, "missing settings header: start the file with '---', settings, '---'")]


def test_gift_header_never_closed():
    errors = only_errors("---\ntitle: Q\n::A::Q{T}\n", "quizzes/kiem-tra.gift")
    assert errors == [SourceError(1, "the settings header is not closed by a second '---' line")]


def test_gift_header_errors_use_file_lines():
    errors = only_errors("---\ntitle: Q\nreview: sometimes\n---\n::A::Q{T}\n", "quizzes/kiem-tra.gift")
    assert [e.line for e in errors] == [3]


def test_gift_without_questions():
    errors = only_errors("---\ntitle: Q\n---\n// nothing yet\n", "quizzes/kiem-tra.gift")
    assert errors == [SourceError(4, "the file has no questions")]


def test_gift_with_bom_and_crlf():
    quiz, errors = read_quiz("kiem-tra", "quizzes/kiem-tra.gift", "\ufeff" + GIFT.replace("\n", "\r\n"))
    assert errors == []
    assert [q.line for q in quiz.questions] == [7, 9, 11]


def test_moodle_gift_fixture_with_header():
    quiz, errors = read_quiz(
        "moodle", "quizzes/moodle.gift", "---\ntitle: Moodle\n---\n" + fixture_text("gift", "questions.gift.txt")
    )
    assert errors == []
    assert len(quiz.questions) == 9


def test_aiken_file_with_header():
    quiz, errors = read_quiz(
        "moodle", "quizzes/moodle.aiken", "---\ntitle: Aiken\n---\n" + fixture_text("aiken", "questions.aiken.txt")
    )
    assert errors == []
    assert [(q.type, q.line) for q in quiz.questions] == [(T.SINGLE, 4), (T.SINGLE, 11)]


def test_any_aiken_error_imports_nothing_and_lines_are_shifted_by_the_header():
    header = "---\ntitle: Aiken\npass_mark: 50\n---\n"  # 4 lines
    quiz, errors = read_quiz("moodle", "quizzes/moodle.aiken", header + fixture_text("aiken", "aiken_errors.txt"))

    assert quiz is None
    assert errors == [
        SourceError(5, "a question needs at least two options"),
        SourceError(9, "an option without a question"),
        SourceError(11, "ANSWER: without a question"),
        SourceError(18, "the question is not closed by an ANSWER: line"),
    ]


def test_any_gift_error_imports_nothing():
    quiz, errors = read_quiz(
        "kiem-tra", "quizzes/kiem-tra.gift", "---\ntitle: Q\n---\n::A::Good{T}\n\n::B::Bad{~a ~b}\n\n::C::Good{F}\n"
    )
    assert quiz is None
    assert [e.line for e in errors] == [6]


# --- stable question keys -------------------------------------------------------------------


def keys(text: str, path: str = "quizzes/kiem-tra.gift") -> list[str]:
    quiz, errors = read_quiz("kiem-tra", path, text)
    assert errors == []
    return [q["key"] for q in quiz.question_data()]


def test_same_text_same_keys():
    first = keys(GIFT)
    assert first == keys(GIFT)
    assert len(set(first)) == 3
    assert all(len(k) == 16 for k in first)


def test_keys_survive_reordering_and_moving_lines():
    blocks = GIFT.split("\n\n")
    reordered = "\n\n".join([blocks[0].replace("// Câu hỏi\n", "// Câu hỏi\n\n\n"), blocks[2], blocks[1]]) + "\n"
    assert sorted(keys(reordered)) == sorted(keys(GIFT))
    assert keys(reordered) != keys(GIFT)


def test_keys_do_not_depend_on_settings():
    assert keys(GIFT.replace("pass_mark: 60", "pass_mark: 90")) == keys(GIFT)


def test_different_text_different_keys():
    original = keys(GIFT)
    changed = keys(GIFT.replace("nộp thiếu hồ sơ", "nộp sai hồ sơ"))
    assert changed[:2] == original[:2]
    assert changed[2] != original[2]
    weight_changed = keys(GIFT.replace("=%50%một cửa liên thông", "=%40%một cửa liên thông"))
    assert weight_changed[0] != original[0] and weight_changed[1:] == original[1:]


def test_yaml_keys_are_stable_and_distinct():
    first = keys(EVERY_TYPE, "quizzes/kiem-tra.yml")
    assert first == keys(EVERY_TYPE, "quizzes/kiem-tra.yml")
    assert len(set(first)) == 8
    assert "line" not in read_yaml(EVERY_TYPE)[0].question_data()[0]


def test_yaml_entries_refuse_unknown_keys_and_accept_null_settings():
    from lms.quizzes.source import read_quiz

    typo = (
        "title: T\nquestions:\n  - type: shortanswer\n    text: Q\n    answers:\n"
        "      - {text: a, correct: true}\n      - {text: b, weigth: 10}\n"
    )
    quiz, errors = read_quiz("t", "quizzes/t.yml", typo)
    assert quiz is None and "unknown key(s) in 'answers': weigth" in errors[0].message and errors[0].line == 3
    nulls = "title: T\ntime_limit: null\ndraw: ~\nquestions:\n  - {type: truefalse, text: Q, answer: true}\n"
    quiz, errors = read_quiz("t", "quizzes/t.yml", nulls)
    assert errors == [] and quiz.settings["time_limit"] is None and quiz.settings["draw"] is None


def test_aiken_answer_letter_with_trailing_punctuation():
    from lms.quizzes.aiken import parse_aiken

    result = parse_aiken("Q?\nA) x\nB) y\nANSWER: B.\n")
    assert result.errors == [] and [c.weight for c in result.questions[0].choices] == [0.0, 1.0]
