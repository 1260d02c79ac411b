"""Grading as pure functions over a question and a learner's response.

Moodle's rules: a single-choice question earns the weight of the chosen option (which may be
negative); a multiple-choice question earns the sum of the chosen options' weights, kept between
0 and 1; a short answer earns the weight of the best matching answer (case-insensitive, `*`
matches anything); a number earns the weight of the best answer it is within tolerance of; a
matching question earns the share of prompts paired right. An attempt's total never goes below
zero. Essays wait for an instructor's mark.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from lms.quizzes.questions import Question, QuestionType


class MarkState(StrEnum):
    """How a response came out."""

    RIGHT = "right"
    PARTIAL = "partial"
    WRONG = "wrong"
    UNANSWERED = "unanswered"
    PENDING = "pending"  # an essay waiting for its instructor


@dataclass(frozen=True)
class QuestionMark:
    """The fraction of the question's points a response earned, and the feedback it unlocks."""

    fraction: float | None
    state: MarkState
    feedback: str = ""


def _state(fraction: float) -> MarkState:
    if fraction >= 0.9999:
        return MarkState.RIGHT
    if fraction > 0:
        return MarkState.PARTIAL
    return MarkState.WRONG


def _normalise_text(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


def short_answer_matches(pattern: str, response: str) -> bool:
    """Compare as Moodle does by default: case-insensitive, `*` matching any run of characters."""
    regex = ".*".join(re.escape(part) for part in _normalise_text(pattern).split("*"))
    return re.fullmatch(regex, _normalise_text(response)) is not None


def parse_number(value: str) -> float | None:
    """Read a typed number; a decimal comma (Vietnamese style) is accepted."""
    text = value.strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _choice_mark(question: Question, chosen: list[int]) -> QuestionMark:
    choices = [question.choices[i] for i in chosen]
    feedback = " ".join(c.feedback for c in choices if c.feedback)
    if question.type == QuestionType.SINGLE:
        fraction = choices[0].weight
    else:
        fraction = min(1.0, max(0.0, sum(c.weight for c in choices)))
    return QuestionMark(fraction, _state(fraction), feedback)


def marked_state(state: str, essay_fraction: float | None) -> MarkState:
    """How a recorded mark came out, once an instructor's essay mark (a fraction) is taken in.

    An essay is stored as pending at submission; its instructor's mark decides it afterwards,
    by the same thresholds as any other question (full marks right, some partly, none wrong).
    """
    if state == MarkState.PENDING and essay_fraction is not None:
        return _state(essay_fraction)
    return MarkState(state)


def grade_question(question: Question, response) -> QuestionMark:
    """Mark one response; `response` is already validated and mapped to the question's own indices.

    single: [index]; multiple: [indices]; truefalse: bool; shortanswer and numerical: str;
    matching: list of answer index per prompt (None for unanswered); essay: str.
    """
    kind = question.type
    if kind == QuestionType.DESCRIPTION:
        return QuestionMark(None, MarkState.UNANSWERED)
    if response is None or response == "" or response == []:
        return QuestionMark(0.0, MarkState.UNANSWERED)
    if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return _choice_mark(question, list(response))
    if kind == QuestionType.TRUE_FALSE:
        fraction = 1.0 if bool(response) == question.correct else 0.0
        return QuestionMark(fraction, _state(fraction), question.feedback_true if response else question.feedback_false)
    if kind == QuestionType.SHORT_ANSWER:
        matches = [c for c in question.choices if short_answer_matches(c.text, str(response))]
        best = max(matches, key=lambda c: c.weight, default=None)
        fraction = best.weight if best else 0.0
        return QuestionMark(fraction, _state(fraction), best.feedback if best else "")
    if kind == QuestionType.NUMERICAL:
        return _numeric_mark(question, str(response))
    if kind == QuestionType.MATCHING:
        prompts = [i for i, p in enumerate(question.pairs) if p.prompt]
        right = sum(
            1
            for slot, index in zip(prompts, response, strict=False)
            if index is not None and question.pairs[index].answer == question.pairs[slot].answer
        )
        fraction = right / len(prompts)
        return QuestionMark(fraction, _state(fraction))
    if kind == QuestionType.ESSAY:
        return QuestionMark(None, MarkState.PENDING)
    raise ValueError(f"cannot grade {kind}")


def _numeric_mark(question: Question, response: str) -> QuestionMark:
    number = parse_number(response)
    within = [
        a
        for a in question.numeric
        if a.value is not None and number is not None and abs(number - a.value) <= a.tolerance + 1e-9
    ]
    best = max(within, key=lambda a: a.weight, default=None)
    if best is None:
        fallback = next((a for a in question.numeric if a.value is None), None)
        return QuestionMark(0.0, MarkState.WRONG, fallback.feedback if fallback else "")
    return QuestionMark(best.weight, _state(best.weight), best.feedback)


@dataclass(frozen=True)
class AttemptScore:
    """An attempt's total: points earned of points possible, and whether essays are still out."""

    points: float
    max_points: float
    pending: bool

    @property
    def percent(self) -> float:
        return round(100 * self.points / self.max_points, 2) if self.max_points else 100.0


def total_score(
    questions: list[Question], marks: list[QuestionMark], essay_fractions: dict[int, float]
) -> AttemptScore:
    """Add the marks up; an essay counts once its instructor gave `essay_fractions[index]`."""
    points = 0.0
    max_points = 0.0
    pending = False
    for index, (question, mark) in enumerate(zip(questions, marks, strict=True)):
        if not question.graded:
            continue
        max_points += question.points
        if mark.state == MarkState.PENDING:
            if index in essay_fractions:
                points += question.points * essay_fractions[index]
            else:
                pending = True
        elif mark.fraction is not None:
            points += question.points * mark.fraction
    return AttemptScore(points=round(max(0.0, points), 4), max_points=max_points, pending=pending)
