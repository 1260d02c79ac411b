"""Reading evaluation.yml: the demo course's form is valid; every malformed file names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.evaluations.form import read_form
from tests.factories import EVALUATION_YML

DEMO = Path(__file__).resolve().parents[2] / "content" / "cai-cach-hanh-chinh" / "evaluation.yml"


def test_the_demo_form_has_the_four_sections_in_vietnamese():
    form, errors = read_form(DEMO.read_text(encoding="utf-8"))
    assert errors == []
    assert [s["key"] for s in form["sections"]] == ["content", "instructors", "organisation", "format"]
    assert form["title"] == "Phiếu khảo sát đánh giá chất lượng lớp bồi dưỡng"
    kinds = {q["type"] for s in form["sections"] for q in s["questions"]}
    assert kinds == {"rating", "choice", "comment"}
    rating = form["sections"][0]["questions"][0]
    assert (rating["low"], rating["high"]) == ("Hoàn toàn không đồng ý", "Hoàn toàn đồng ý")


def test_the_test_form_reads_as_plain_data():
    form, errors = read_form(EVALUATION_YML)
    assert errors == []
    assert form["sections"][0]["questions"][1] == {
        "id": "thoi_luong",
        "type": "choice",
        "text": "Thời lượng",
        "options": ["Quá ngắn", "Vừa đủ", "Quá dài"],
    }


BROKEN = [
    ("invalid YAML", 'title: "a\nsections: [\n', 3, "invalid YAML"),
    ("empty file", "", 1, "the evaluation form is empty"),
    ("unknown top key", "title: T\nsurvey: x\nsections: []\n", 2, "unknown key 'survey'"),
    ("no sections", "title: T\n", 1, "needs a list of 'sections'"),
    (
        "unknown section",
        "title: T\nsections:\n  - key: catering\n    title: A\n    questions:\n"
        "      - {id: a, type: comment, text: x}\n",
        3,
        "a section's 'key' must be one of content, instructors, organisation, format",
    ),
    (
        "bad question type",
        "title: T\nsections:\n  - key: content\n    title: A\n    questions:\n"
        "      - id: a\n        type: stars\n        text: x\n",
        7,
        "a question's 'type' must be one of rating, choice, comment",
    ),
    (
        "rating without its ends",
        "title: T\nsections:\n  - key: content\n    title: A\n    questions:\n"
        "      - id: a\n        type: rating\n        text: x\n",
        6,
        "a rating question needs a 'low' text",
    ),
    (
        "a question id used twice",
        "title: T\nsections:\n  - key: content\n    title: A\n    questions:\n"
        "      - {id: a, type: comment, text: x}\n      - {id: a, type: comment, text: y}\n",
        7,
        "question id 'a' is used twice",
    ),
    (
        "one option",
        "title: T\nsections:\n  - key: format\n    title: A\n    questions:\n"
        "      - id: a\n        type: choice\n        text: x\n        options: [Một]\n",
        9,
        "'options' must list 2 to 10 texts",
    ),
    (
        "section twice",
        "title: T\nsections:\n  - key: content\n    title: A\n    questions: [{id: a, type: comment, text: x}]\n"
        "  - key: content\n    title: B\n    questions: [{id: b, type: comment, text: y}]\n",
        6,
        "section 'content' is given twice",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_malformed_form_is_refused_with_its_line(text, line, message):
    form, errors = read_form(text)
    assert form is None
    assert any(found_line == line and message in found for found_line, found in errors), errors
