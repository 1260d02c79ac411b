"""When a learner may see the right answers and feedback of a submitted attempt."""

from __future__ import annotations

from dataclasses import dataclass

from lms.quizzes.attempts import DrawnQuestion
from lms.quizzes.grading import QuestionMark
from lms.quizzes.models import AttemptState, QuizAttempt
from lms.quizzes.questions import Question, QuestionType


def may_review(policy: str | None, attempt: QuizAttempt, attempts_left: int | None, passed_any: bool) -> bool:
    """Apply the quiz's review policy; an open attempt never shows answers."""
    if attempt.state == AttemptState.OPEN:
        return False
    if policy in (None, "after_each_attempt"):
        return True
    if policy == "after_passing":
        return passed_any
    if policy == "after_last_attempt":
        return attempts_left == 0 or passed_any
    return False


@dataclass
class OptionView:
    """One option as the page shows it: its position (the form value), text, and review marks."""

    position: int
    text: str
    chosen: bool
    weight: float | None = None  # only when reviewing
    feedback: str = ""


@dataclass
class QuestionView:
    """What the attempt page needs for one question; answers only when `review` allows."""

    number: int
    question: Question
    options: list[OptionView]
    prompts: list[tuple[int, str, int | None, str | None]]  # slot, prompt, chosen position, right answer
    text_answer: str
    chosen_bool: bool | None
    mark: QuestionMark | None
    review: bool

    @property
    def points(self) -> float:
        return self.question.points


def question_views(
    drawn: list[DrawnQuestion], answers: dict, marks: list[QuestionMark], review: bool
) -> list[QuestionView]:
    """Build the page's questions; right answers and weights only appear when reviewing."""
    views = []
    for index, entry in enumerate(drawn):
        question = entry.question
        response = answers.get(str(index))
        options: list[OptionView] = []
        prompts: list[tuple[int, str, int | None, str | None]] = []
        if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            chosen = set(response or [])
            for position, original in enumerate(entry.order):
                choice = question.choices[original]
                options.append(
                    OptionView(
                        position,
                        choice.text,
                        original in chosen,
                        choice.weight if review else None,
                        choice.feedback if review else "",
                    )
                )
        elif question.type == QuestionType.MATCHING:
            options = [OptionView(p, question.pairs[o].answer, False) for p, o in enumerate(entry.order)]
            for slot, pair_index in enumerate(entry.prompts):
                picked = response[slot] if response and slot < len(response) else None
                position = entry.order.index(picked) if picked is not None and picked in entry.order else None
                prompts.append(
                    (
                        slot,
                        question.pairs[pair_index].prompt,
                        position,
                        question.pairs[pair_index].answer if review else None,
                    )
                )
        views.append(
            QuestionView(
                number=index,
                question=question,
                options=options,
                prompts=prompts,
                text_answer=response if isinstance(response, str) else "",
                chosen_bool=response if isinstance(response, bool) else None,
                mark=marks[index] if index < len(marks) else None,
                review=review,
            )
        )
    return views
