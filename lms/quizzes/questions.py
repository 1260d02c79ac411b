"""Questions as plain data, the shape every source format (YAML, GIFT, Aiken) is read into.

Text fields hold sanitized HTML. Weights are fractions of the question's points, from -1 to 1,
as Moodle's percentages divided by 100. Nothing here may reach a learner's browser before the
attempt is submitted except what `learner_view()` in grading.py lets through.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class QuestionType(StrEnum):
    """The kinds of question the platform can show and grade."""

    SINGLE = "single"  # one choice, possibly with partial credit on wrong-but-close choices
    MULTIPLE = "multiple"  # several choices, weights add up; negative weights penalise
    TRUE_FALSE = "truefalse"
    SHORT_ANSWER = "shortanswer"  # typed text, `*` wildcard, case-insensitive
    NUMERICAL = "numerical"  # a number within a tolerance of one of the answers
    MATCHING = "matching"  # pair each prompt with an answer
    ESSAY = "essay"  # free text, marked by an instructor (case studies)
    DESCRIPTION = "description"  # text only, no answer


@dataclass
class Choice:
    """One option of a choice question (also the true/false and short-answer entries)."""

    text: str
    weight: float = 0.0
    feedback: str = ""


@dataclass
class NumericAnswer:
    """An accepted number: within `tolerance` of `value` earns `weight`; `value` None is "anything else"."""

    value: float | None
    tolerance: float = 0.0
    weight: float = 1.0
    feedback: str = ""


@dataclass
class MatchPair:
    """A prompt and its answer; an empty prompt is a distractor among the answers."""

    prompt: str
    answer: str


@dataclass
class Question:
    """One question from a source file, with its line for error messages."""

    type: QuestionType
    text: str
    line: int = 0
    title: str = ""
    category: str = ""
    points: float = 1.0
    general_feedback: str = ""
    choices: list[Choice] = field(default_factory=list)
    numeric: list[NumericAnswer] = field(default_factory=list)
    pairs: list[MatchPair] = field(default_factory=list)
    correct: bool | None = None  # true/false questions
    feedback_true: str = ""  # shown after answering "true"
    feedback_false: str = ""
    rubric: str = ""  # essays: what the instructor marks against
    idnumber: str = ""  # GIFT `// [id:...]`: the question's id in its bank (Moodle's "ID number")
    tags: list[str] = field(default_factory=list)  # GIFT `// [tag:...]`

    def to_data(self) -> dict:
        """The question as JSON-ready data (stored server-side only)."""
        data = asdict(self)
        data["type"] = self.type.value
        return data

    @classmethod
    def from_data(cls, data: dict) -> Question:
        """Rebuild a question from `to_data()` output."""
        return cls(
            type=QuestionType(data["type"]),
            text=data["text"],
            line=data.get("line", 0),
            title=data.get("title", ""),
            category=data.get("category", ""),
            points=data.get("points", 1.0),
            general_feedback=data.get("general_feedback", ""),
            choices=[Choice(**c) for c in data.get("choices", [])],
            numeric=[NumericAnswer(**n) for n in data.get("numeric", [])],
            pairs=[MatchPair(**p) for p in data.get("pairs", [])],
            correct=data.get("correct"),
            feedback_true=data.get("feedback_true", ""),
            feedback_false=data.get("feedback_false", ""),
            rubric=data.get("rubric", ""),
            idnumber=data.get("idnumber", ""),
            tags=list(data.get("tags", [])),
        )

    @property
    def graded(self) -> bool:
        """Whether the question earns points at all."""
        return self.type != QuestionType.DESCRIPTION


@dataclass(frozen=True)
class SourceError:
    """A problem in a quiz source, with its 1-based line."""

    line: int
    message: str


def check_question(question: Question) -> None:
    """Raise ValueError when a question could never be answered right (the rules Moodle applies)."""
    kind = question.type
    weights = [c.weight for c in question.choices]
    if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE) and len(weights) < 2:
        raise ValueError("a choice question needs at least two choices")
    if kind in (QuestionType.SINGLE, QuestionType.SHORT_ANSWER) and (not weights or max(weights) < 0.9999):
        raise ValueError("one answer must be worth 100%")
    if kind == QuestionType.MULTIPLE:
        positive = sum(w for w in weights if w > 0)
        if abs(positive - 1) > 0.011:
            raise ValueError(f"the positive weights add up to {positive:.0%}, not 100%")
    if kind == QuestionType.NUMERICAL and not any(a.value is not None and a.weight >= 0.9999 for a in question.numeric):
        raise ValueError("one number must be worth 100%")
    if kind == QuestionType.MATCHING and sum(1 for p in question.pairs if p.prompt) < 2:
        raise ValueError("a matching question needs at least two prompts")
    if kind == QuestionType.TRUE_FALSE and question.correct is None:
        raise ValueError("a true/false question needs its answer")
    if question.points <= 0:
        raise ValueError("points must be greater than 0")
