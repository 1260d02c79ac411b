"""The evaluation's rules as pure functions: which questions a class asks, reading a learner's answers,
when the form is open, adding answers to a class's tallies, and summing tallies into results.

Nothing here touches the database or the request; lms/evaluations/service.py gathers the facts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from lms.refusals import N_, Problem, Refused
from lms.text import multi_line_problem, whole_number

RATING_POINTS = 5
MIN_GROUP = 5  # results of fewer respondents are not shown: a small group's answers are guessable
MAX_COMMENT = 2000  # characters; a longer comment is refused, not cut
FIELD_PREFIX = "q:"


@dataclass(frozen=True)
class AskedQuestion:
    """One question as a class asks it: about the class, or about one of its instructors."""

    key: str  # "question id", or "question id@instructor id" in the instructors' section
    question: dict
    section: dict
    instructor_id: int | None = None
    instructor_name: str = ""

    @property
    def field(self) -> str:
        return FIELD_PREFIX + self.key

    @property
    def choices(self) -> int:
        """How many options the question has (0 for a comment)."""
        if self.question["type"] == "rating":
            return RATING_POINTS
        return len(self.question.get("options", ()))


def asked_questions(form: Mapping, instructors: Iterable[tuple[int, str]]) -> list[AskedQuestion]:
    """Every question of the form as the class asks it, the instructors' section once per instructor."""
    instructors = list(instructors)
    asked = []
    for section in form.get("sections", ()):
        for question in section["questions"]:
            if section["key"] == "instructors":
                asked += [
                    AskedQuestion(f"{question['id']}@{uid}", question, section, uid, name) for uid, name in instructors
                ]
            else:
                asked.append(AskedQuestion(question["id"], question, section))
    return asked


@dataclass(frozen=True)
class Answers:
    """A learner's answers: the option chosen (0-based; rating 1 is 0) and the comments written."""

    chosen: dict[str, int] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)


def read_answers(asked: list[AskedQuestion], submitted: Mapping[str, str]) -> Answers:
    """Check a submitted form against the questions asked; refuse it whole, naming each problem."""
    by_field = {a.field: a for a in asked}
    problems = [
        Problem(N_("There is no question '%(name)s' in this evaluation."), name=name[len(FIELD_PREFIX) :][:40])
        for name in submitted
        if name.startswith(FIELD_PREFIX) and name not in by_field
    ]
    chosen, comments = {}, {}
    for item in asked:
        raw = (submitted.get(item.field) or "").strip()
        if item.question["type"] == "comment":
            text = unicodedata.normalize("NFC", raw)
            if problem := multi_line_problem(text, field=item.field):
                problems.append(problem)
            elif len(text) > MAX_COMMENT:
                problems.append(
                    Problem(
                        N_("A comment may have at most %(max)d characters; this one has %(count)d."),
                        field=item.field,
                        max=MAX_COMMENT,
                        count=len(text),
                    )
                )
            elif text:
                comments[item.key] = text
            continue
        if not raw:
            problems.append(Problem(N_("Please answer this question."), field=item.field))
            continue
        number = whole_number(raw, minimum=1, maximum=item.choices)
        if number is None:
            problems.append(
                Problem(N_("Choose one of the answers offered (1 to %(max)d)."), field=item.field, max=item.choices)
            )
            continue
        chosen[item.key] = number - 1
    if problems:
        raise Refused(*problems)
    return Answers(chosen, comments)


class WindowState(StrEnum):
    """Whether a learner may answer now."""

    NOT_YET = "not_yet"
    OPEN = "open"
    CLOSED = "closed"


def evaluation_window(today: date, closes_on: date | None, last_session_over: bool, ready: bool) -> WindowState:
    """Open once the class's last session is over or the learner is done, until the closing day ends."""
    if closes_on is not None and today > closes_on:
        return WindowState.CLOSED
    return WindowState.OPEN if last_session_over or ready else WindowState.NOT_YET


def add_answers(tallies: Mapping, comments: Mapping, asked: list[AskedQuestion], answers: Answers) -> tuple[dict, dict]:
    """Return new tallies and comments with one learner's answers added; comments stay sorted."""
    new_tallies = {key: list(counts) for key, counts in tallies.items()}
    for item in asked:
        if item.key in answers.chosen:
            counts = new_tallies.setdefault(item.key, [0] * item.choices)
            counts.extend([0] * (item.choices - len(counts)))  # the form gained an option since
            counts[answers.chosen[item.key]] += 1
    new_comments = {key: list(texts) for key, texts in comments.items()}
    for key, text in answers.comments.items():
        new_comments[key] = sorted([*new_comments.get(key, []), text])
    return new_tallies, new_comments


@dataclass(frozen=True)
class Tallies:
    """Answers of a group (one class or several together), without anything about who gave them."""

    respondents: int = 0
    invited: int = 0  # learners who could answer (active enrolments)
    counts: dict[str, list[int]] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)

    @property
    def visible(self) -> bool:
        return self.respondents >= MIN_GROUP

    @property
    def response_rate(self) -> float | None:
        return self.respondents / self.invited if self.invited else None


def combine(groups: Iterable[Tallies], rename: Callable[[str], str | None] = lambda key: key) -> Tallies:
    """Add groups together; `rename` maps each answer key to the key it is counted under (None: left out)."""
    respondents = invited = 0
    counts: dict[str, list[int]] = {}
    comments: dict[str, list[str]] = {}
    for group in groups:
        respondents += group.respondents
        invited += group.invited
        for key, values in group.counts.items():
            if (target := rename(key)) is None:
                continue
            total = counts.setdefault(target, [])
            total.extend([0] * (len(values) - len(total)))
            for index, value in enumerate(values):
                total[index] += value
        for key, texts in group.comments.items():
            if (target := rename(key)) is not None:
                comments.setdefault(target, []).extend(texts)
    return Tallies(respondents, invited, counts, {k: sorted(v) for k, v in comments.items()})


def question_id(key: str) -> str:
    """The form's question id of an answer key (instructors merged)."""
    return key.split("@", 1)[0]


def about_instructor(instructor_id: int) -> Callable[[str], str | None]:
    """A `rename` keeping only the answers about one instructor, under the question's id."""
    suffix = f"@{instructor_id}"
    return lambda key: key[: -len(suffix)] if key.endswith(suffix) else None


@dataclass(frozen=True)
class QuestionResult:
    """One question's answers in a group: the count of each option, their number, the mean rating."""

    key: str
    question: dict
    section: dict
    instructor_name: str
    counts: tuple[int, ...] = ()
    comments: tuple[str, ...] = ()

    @property
    def answers(self) -> int:
        return sum(self.counts) if self.counts else len(self.comments)

    @property
    def mean(self) -> float | None:
        """Mean rating from 1 to 5 (ratings only; None with no answer)."""
        if self.question["type"] != "rating" or not sum(self.counts):
            return None
        return sum((index + 1) * count for index, count in enumerate(self.counts)) / sum(self.counts)

    @property
    def labels(self) -> list[str]:
        if self.question["type"] == "rating":
            return [str(point) for point in range(1, RATING_POINTS + 1)]
        return list(self.question.get("options", ()))


def question_results(asked: list[AskedQuestion], tallies: Tallies) -> list[QuestionResult]:
    """Each asked question with the group's answers to it."""
    results = []
    for item in asked:
        counts = list(tallies.counts.get(item.key, ()))
        if item.question["type"] != "comment":
            counts = (counts + [0] * item.choices)[: item.choices]
        results.append(
            QuestionResult(
                item.key,
                item.question,
                item.section,
                item.instructor_name,
                tuple(counts),
                tuple(tallies.comments.get(item.key, ())),
            )
        )
    return results


def overall_mean(results: Iterable[QuestionResult]) -> float | None:
    """The mean of every rating given in the group, all rating questions together."""
    points = answers = 0
    for result in results:
        if result.question["type"] == "rating":
            points += sum((index + 1) * count for index, count in enumerate(result.counts))
            answers += sum(result.counts)
    return points / answers if answers else None
