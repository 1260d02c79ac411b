"""Drawing questions and shuffling options per attempt; the review policies."""

import random
from types import SimpleNamespace

import pytest

from lms.quizzes.attempts import _draw
from lms.quizzes.models import AttemptState
from lms.quizzes.review import may_review
from lms.quizzes.source import read_quiz

BANK = (
    "---\ntitle: T\ndraw: 3\n---\n"
    + "\n\n".join(f"::Q{i}:: Câu {i}?{{=đúng ~sai một ~sai hai ~sai ba}}" for i in range(8))
    + "\n\nChỉ là phần mô tả.\n"
)


def quiz(settings_text: str = BANK):
    source, errors = read_quiz("t", "quizzes/t.gift", settings_text)
    assert errors == []
    return SimpleNamespace(questions=source.question_data(), settings=source.settings)


def test_draw_takes_that_many_graded_questions_at_random():
    bank = quiz()
    draws = [_draw(bank, random.Random(seed)) for seed in range(20)]
    assert all(len(d) == 3 for d in draws)
    assert all(entry["question"]["type"] == "single" for d in draws for entry in d)
    assert len({tuple(e["key"] for e in d) for d in draws}) > 5  # different learners see different sets


def test_options_are_shuffled_per_attempt_and_the_order_is_kept():
    bank = quiz()
    orders = {tuple(entry["order"]) for seed in range(20) for entry in _draw(bank, random.Random(seed))}
    assert len(orders) > 3 and all(sorted(order) == [0, 1, 2, 3] for order in orders)


def test_no_shuffle_and_no_draw_keeps_the_file_order():
    bank = quiz(BANK.replace("draw: 3", "shuffle: false"))
    drawn = _draw(bank, random.Random(1))
    assert [e["question"]["title"] for e in drawn][:3] == ["Q0", "Q1", "Q2"]
    assert len(drawn) == 9 and drawn[-1]["question"]["type"] == "description"
    assert all(e["order"] == [0, 1, 2, 3] for e in drawn[:8])


def closed(passed=False):
    return SimpleNamespace(state=AttemptState.GRADED, passed=passed)


@pytest.mark.parametrize(
    ("policy", "attempt", "left", "passed_any", "expected"),
    [
        ("after_each_attempt", closed(), 2, False, True),
        ("after_each_attempt", SimpleNamespace(state=AttemptState.OPEN), 2, False, False),
        ("after_passing", closed(), 2, False, False),
        ("after_passing", closed(True), 2, True, True),
        ("after_last_attempt", closed(), 1, False, False),
        ("after_last_attempt", closed(), 0, False, True),
        ("after_last_attempt", closed(), None, False, False),  # unlimited attempts: only once passed
        ("never", closed(True), 0, True, False),
    ],
)
def test_review_policies(policy, attempt, left, passed_any, expected):
    assert may_review(policy, attempt, left, passed_any) is expected
