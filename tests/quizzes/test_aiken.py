"""Aiken parser (lms/quizzes/aiken.py): Moodle's fixtures and the format's rules.

Pure unit tests: no app, no database. The "any error, import nothing" rule belongs to the caller
(read_quiz); it is tested with the Aiken error fixture in test_source.py.
"""

from __future__ import annotations

from lms.quizzes.aiken import parse_aiken
from lms.quizzes.questions import QuestionType, SourceError
from tests.shared_files import fixture_text


def right_letter(question) -> str:
    [index] = [i for i, c in enumerate(question.choices) if c.weight == 1.0]
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


def test_moodle_questions_fixture():
    result = parse_aiken(fixture_text("aiken", "questions.aiken.txt"))

    assert result.errors == []
    assert len(result.questions) == 2
    first, second = result.questions
    assert all(q.type == QuestionType.SINGLE for q in result.questions)
    assert [right_letter(first), right_letter(second)] == ["B", "A"]

    assert first.text == "The Moodle project was started by:"
    assert first.line == 1
    assert [(c.text, c.weight) for c in first.choices] == [
        ("Petr Skoda", 0.0),
        ("Martin Dougiamas", 1.0),
        ("Eloy Lafuente", 0.0),
        ("Tim Hunt", 0.0),
    ]

    # The stem is plain text: the tag is shown, never parsed as markup.
    assert second.line == 8
    assert second.text == (
        'Moodle\'s abilities include handling user input that includes &lt;html class="cool"&gt; &amp; images:'
    )
    assert "<html" not in second.text
    assert [c.text for c in second.choices] == ["True", "False"]


def test_moodle_errors_fixture_reports_each_broken_question_with_its_line():
    result = parse_aiken(fixture_text("aiken", "aiken_errors.txt"))

    assert result.errors == [
        SourceError(1, "a question needs at least two options"),
        SourceError(5, "an option without a question"),
        SourceError(7, "ANSWER: without a question"),
        SourceError(14, "the question is not closed by an ANSWER: line"),
    ]
    # The parser still reads the good questions; importing nothing is the caller's rule.
    assert [(q.text, q.line, right_letter(q)) for q in result.questions] == [
        ("A good question", 9, "A"),
        ("A second good question", 18, "B"),
    ]
    assert [c.text for c in result.questions[1].choices] == ["Incorrect (No space)", "Correct (No space)"]


def test_options_with_dot_or_parenthesis_and_with_or_without_space():
    result = parse_aiken("Thủ tục nào được tiếp nhận tại Bộ phận Một cửa?\nA) Một\nB.Hai\nC. Ba\nD)Bốn\nANSWER: C\n")
    assert result.errors == []
    [q] = result.questions
    assert [c.text for c in q.choices] == ["Một", "Hai", "Ba", "Bốn"]
    assert right_letter(q) == "C"
    assert q.title == "Thủ tục nào được tiếp nhận tại Bộ phận Một cửa?"


def test_answer_letter_that_is_not_an_option():
    result = parse_aiken("Q1\nA) a\nB) b\nANSWER: E\n\nQ2\nA) x\nB) y\nANSWER: A\n")
    assert [q.text for q in result.questions] == ["Q2"]
    assert len(result.errors) == 1
    assert result.errors[0].line == 4
    assert "'E'" in result.errors[0].message


def test_unfinished_question_at_the_end_of_the_file():
    result = parse_aiken("Q1\nA) a\nB) b\nANSWER: B\n\nQ2\nA) a\nB) b\n")
    assert [q.text for q in result.questions] == ["Q1"]
    assert result.errors == [SourceError(6, "the question is not closed by an ANSWER: line")]


def test_options_are_plain_text():
    [q] = parse_aiken("Which tag?\nA) <b>bold</b>\nB) <script>x()</script>\nANSWER: A\n").questions
    assert [c.text for c in q.choices] == ["&lt;b&gt;bold&lt;/b&gt;", "&lt;script&gt;x()&lt;/script&gt;"]


def test_crlf_bom_and_indentation():
    result = parse_aiken("\ufeffQ1\r\n  A) a\r\n  B) b\r\n  ANSWER: A\r\n")
    assert result.errors == []
    assert [c.text for c in result.questions[0].choices] == ["a", "b"]


def test_empty_file():
    result = parse_aiken("\n\n")
    assert result.questions == [] and result.errors == []
