"""GIFT read as Moodle's qformat_gift reads it, each case from a small file written for it.

Moodle's rules checked here (question/format/gift/format.php and qformat_default): true/false
only for the exact words T, TRUE, F, FALSE; `// [id:...]` and `// [tag:...]` comment tokens
kept with the question; a short answer without `=` (`{four}`) accepted as an answer; a broken
`::title::` imported as text (here with a warning). Then `import-gift` itself: its options and
what it tells the author to do next.
"""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from lms.auth.models import Role
from lms.extensions import db
from lms.quizzes.gift import parse_gift, plain_text
from lms.quizzes.models import Quiz
from lms.quizzes.questions import QuestionType
from tests import factories
from tests.content.test_sync import write_course
from tests.refusals import parse

T = QuestionType


def read_file(tmp_path, text: str):
    """Write `text` as a GIFT file and read it back through the parser."""
    source = tmp_path / "questions.gift.txt"
    source.write_text(text, encoding="utf-8")
    return parse_gift(source.read_text(encoding="utf-8"))


@pytest.mark.parametrize("word", ["true", "t", "True", "false", "f", "False", "tRUE"])
def test_true_false_words_not_in_capitals_are_short_answers(tmp_path, word):
    result = read_file(tmp_path, f"Mặt trời mọc ở hướng đông.{{{word}}}\n")
    assert result.errors == [] and result.warnings == []
    (question,) = result.questions
    assert question.type == T.SHORT_ANSWER
    assert [(c.text, c.weight) for c in question.choices] == [(word, 1.0)]


def test_lower_case_t_with_feedback_is_a_short_answer_with_that_feedback(tmp_path):
    (question,) = read_file(tmp_path, "Mặt trời mọc ở hướng đông.{t#bien}\n").questions
    assert question.type == T.SHORT_ANSWER
    assert [(c.text, c.weight, c.feedback) for c in question.choices] == [("t", 1.0, "bien")]


@pytest.mark.parametrize(("word", "correct"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)])
def test_capital_words_are_true_false(tmp_path, word, correct):
    (question,) = read_file(tmp_path, f"Mặt trời mọc ở hướng đông.{{{word}#Sai#Đúng}}\n").questions
    assert (question.type, question.correct) == (T.TRUE_FALSE, correct)


def test_id_and_tags_in_comments_are_kept_with_their_question(tmp_path):
    result = read_file(
        tmp_path,
        "// question: 393  name: Một cửa\n"
        "// [id:393] [tag:cchc] [tag: một cửa ]\n"
        "// [tag:mức\\]1]\n"
        "::Một cửa:: Tiếp nhận hồ sơ ở đâu?{=Bộ phận một cửa ~Phòng họp}\n"
        "\n"
        "::Không nhãn:: Hai cộng hai?{#4}\n",
    )
    assert result.errors == []
    tagged, plain = result.questions
    assert (tagged.idnumber, tagged.tags) == ("393", ["cchc", "một cửa", "mức]1"])
    assert (plain.idnumber, plain.tags) == ("", [])
    assert tagged.to_data()["idnumber"] == "393"
    assert type(tagged).from_data(tagged.to_data()).tags == ["cchc", "một cửa", "mức]1"]


def test_only_the_first_id_counts(tmp_path):
    (question,) = read_file(tmp_path, "// [id:a-1]\n// [id:b-2]\nCâu hỏi {=x}\n").questions
    assert question.idnumber == "a-1"


def test_a_comment_block_apart_from_the_question_does_not_tag_it(tmp_path):
    """Moodle reads only the comment lines inside a question's own block."""
    (question,) = read_file(tmp_path, "// [id:7] [tag:x]\n\nCâu hỏi {=x}\n").questions
    assert (question.idnumber, question.tags) == ("", [])


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ("{four}", [("four", 1.0)]),
        ("{four =4}", [("four", 1.0), ("4", 1.0)]),
        ("{%50%bốn =4}", [("bốn", 0.5), ("4", 1.0)]),
        ("{ bốn #Đúng}", [("bốn", 1.0)]),
    ],
)
def test_short_answer_without_equals_is_read_as_moodle_reads_it(tmp_path, answers, expected):
    result = read_file(tmp_path, f"::Cộng:: Hai cộng hai bằng mấy?{answers}\n")
    assert result.errors == []
    (question,) = result.questions
    assert question.type == T.SHORT_ANSWER
    assert [(c.text, c.weight) for c in question.choices] == expected


def test_a_file_with_a_short_answer_without_equals_is_not_lost(tmp_path):
    result = read_file(tmp_path, "Q1 {four}\n\nQ2 {=a ~b}\n\nQ3 {TRUE}\n")
    assert result.errors == []
    assert [q.type for q in result.questions] == [T.SHORT_ANSWER, T.SINGLE, T.TRUE_FALSE]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (":Tiêu đề:: Câu hỏi {=a ~b}", ":Tiêu đề:: Câu hỏi"),
        ("Tiêu đề:: Câu hỏi {=a ~b}", "Tiêu đề:: Câu hỏi"),
    ],
)
def test_text_that_looks_like_a_broken_title_imports_with_a_warning(tmp_path, text, shown):
    result = read_file(tmp_path, "::Tốt:: Câu đầu {T}\n\n" + text + "\n")
    assert result.errors == []
    assert len(result.questions) == 2
    assert plain_text(result.questions[1].text) == shown
    assert result.questions[1].title == shown  # named from its text, as Moodle does
    assert [(w.line, w.message) for w in result.warnings] == [
        (3, f"'{shown}' looks like a broken title (a title is written ::Title::); it is read as question text")
    ]


def test_escaped_colons_and_a_proper_title_give_no_warning(tmp_path):
    result = read_file(tmp_path, "::Giờ:: Họp lúc 8\\:\\:30? {=đúng ~sai}\n")
    assert result.errors == [] and result.warnings == []


# --- import-gift -------------------------------------------------------------------------------


def import_gift(runner, tmp_path, text: str, *options: str):
    write_course(tmp_path)
    source = tmp_path / "ngan-hang.gift"
    source.write_text(text, encoding="utf-8")
    result = runner.invoke(
        args=["content", "import-gift", str(source), "--course", "demo", "--content-dir", str(tmp_path), *options]
    )
    return result, tmp_path / "demo" / "quizzes" / "ngan-hang.gift"


def header_of(path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def test_import_gift_is_optional_by_default_and_says_what_to_run_next(runner, tmp_path):
    result, written = import_gift(runner, tmp_path, "::A:: Hai cộng hai?{four}\n")
    assert result.exit_code == 0, result.output
    assert header_of(written)["required"] is False
    assert header_of(written)["title"] == "ngan-hang"
    lines = result.output.splitlines()
    assert "Title: ngan-hang (from the file name; choose it with --title); optional for completion." in lines
    assert f"Next: flask --app wsgi content check {tmp_path} && flask --app wsgi content sync {tmp_path}" in lines


def test_import_gift_takes_required_and_title(runner, tmp_path, app):
    result, written = import_gift(runner, tmp_path, "::A:: Hai cộng hai?{=4}\n", "--required", "--title", "Ôn tập")
    assert result.exit_code == 0, result.output
    assert (header_of(written)["required"], header_of(written)["title"]) == (True, "Ôn tập")
    assert "Title: Ôn tập; required for completion." in result.output.splitlines()
    assert runner.invoke(args=["content", "sync", str(tmp_path)]).exit_code == 0
    quiz = db.session.scalar(select(Quiz))
    assert (quiz.title, quiz.required) == ("Ôn tập", True)


def test_import_gift_prints_warnings_and_still_writes(runner, tmp_path):
    result, written = import_gift(runner, tmp_path, ":Tên:: Câu hỏi {=a ~b}\n")
    assert result.exit_code == 0, result.output
    assert (
        "ngan-hang.gift:1: warning: ':Tên:: Câu hỏi' looks like a broken title (a title is written ::Title::); "
        "it is read as question text"
    ) in result.output
    assert written.exists()


# --- the item analysis -------------------------------------------------------------------------

TAGGED_QUIZ = """---
title: "Ngân hàng"
---
// [id:CCHC-393] [tag:một cửa] [tag:cấp xã]
::Một cửa:: Cơ chế tiếp nhận hồ sơ tại một đầu mối gọi là gì?{một cửa}
"""


def test_item_analysis_shows_each_questions_id_and_tags(app, auth, client, tmp_path):
    ward = factories.make_unit("phuong-1")
    teacher = factories.make_user("gv.an", Role.INSTRUCTOR, ward)
    learner = factories.make_user("hv.mai", Role.LEARNER, ward, "Nguyễn Thị Mai")
    course = factories.make_course(
        tmp_path, quizzes={"kiem-tra.gift": TAGGED_QUIZ}, modules={"01-a.md": factories.module_file("A", "Nội dung")}
    )
    course_class = factories.make_class(course, "LOP-1", instructors=[teacher], learners=[learner])
    auth.login("hv.mai")
    started = auth.post(f"/classes/{course_class.id}/quizzes/kiem-tra/start")
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    assert auth.post(f"/attempts/{attempt_id}/submit", {"q0": "Một cửa", "seq": "1"}).status_code == 303
    auth.logout()
    auth.login("gv.an")
    page = parse(client.get(f"/classes/{course_class.id}/quizzes/kiem-tra/results"))
    row = page.one(data_test="question-row")
    assert row.one(data_test="question-id").text == "[CCHC-393]"
    assert [tag.text for tag in row.find_all(data_test="question-tag")] == ["một cửa", "cấp xã"]


def test_content_check_prints_a_gift_warning_with_file_and_line(runner, tmp_path):
    quiz = "---\ntitle: Kiểm tra\n---\n::A:: Câu tốt {T}\n\n:Tên:: Câu hỏi {=a ~b}\n"
    write_course(tmp_path, quizzes={"kiem-tra.gift": quiz})
    result = runner.invoke(args=["content", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    expected = (
        f"{tmp_path / 'demo' / 'quizzes' / 'kiem-tra.gift'}:6: warning: ':Tên:: Câu hỏi' looks like a broken title "
        "(a title is written ::Title::); it is read as question text"
    )
    assert expected in result.output.splitlines()
    assert "OK: no problems found." in result.output
