"""Quiz files in a course's quizzes/ folder: YAML, or GIFT/Aiken with a YAML settings header.

    quizzes/<slug>.yml     settings and `questions:` in YAML
    quizzes/<slug>.gift    "---" settings "---", then GIFT text
    quizzes/<slug>.aiken   "---" settings "---", then Aiken text

Every problem is returned with its line in the file; a file with any problem yields no quiz.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import yaml

from lms.quizzes.aiken import parse_aiken
from lms.quizzes.gift import parse_gift
from lms.quizzes.questions import (
    Choice,
    MatchPair,
    NumericAnswer,
    Question,
    QuestionType,
    SourceError,
    check_question,
)
from lms.quizzes.text import to_html

REVIEW_POLICIES = ("after_each_attempt", "after_passing", "after_last_attempt", "never")
SETTINGS_SCHEMA = {
    "title": str,
    "pass_mark": (int, float),
    "attempts": int,
    "time_limit": int,
    "draw": int,
    "shuffle": bool,
    "review": str,
    "required": bool,
    "questions": list,
}
DEFAULT_SETTINGS = {
    "pass_mark": 70,
    "attempts": 0,
    "time_limit": None,
    "draw": None,
    "shuffle": True,
    "review": "after_each_attempt",
}
QUESTION_KEYS = {
    "type",
    "title",
    "text",
    "points",
    "feedback",
    "choices",
    "answers",
    "answer",
    "numbers",
    "pairs",
    "rubric",
    "feedback_true",
    "feedback_false",
}
SUFFIXES = (".yml", ".yaml", ".gift", ".aiken")


@dataclass
class QuizSource:
    """A quiz file, read and checked: settings plus questions (each with a stable key)."""

    slug: str
    path: str
    title: str
    required: bool
    settings: dict
    questions: list[Question] = field(default_factory=list)
    source_hash: str = ""
    warnings: list[SourceError] = field(default_factory=list)  # doubtful but read (GIFT: a broken title)

    def question_data(self) -> list[dict]:
        """The bank as stored: question data with a key that survives reordering."""
        bank = []
        for question in self.questions:
            data = question.to_data()
            data.pop("line", None)
            data["key"] = hashlib.sha256(repr(sorted(data.items())).encode()).hexdigest()[:16]
            bank.append(data)
        return bank


def _yaml_with_lines(text: str, first_line: int, errors: list[SourceError]):
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        errors.append(SourceError(first_line + (mark.line if mark else 0), f"invalid YAML: {exc.problem or exc}"))
        return None, None
    if not isinstance(data, dict):
        errors.append(SourceError(first_line, "expected a mapping of settings"))
        return None, None
    return data, node


def _key_lines(node, first_line: int) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): first_line + k.start_mark.line for k, _ in node.value}


def _check_settings(data: dict, lines: dict[str, int], bank_size: int, errors: list[SourceError]) -> dict | None:
    before = len(errors)

    def fail(key: str, message: str) -> None:
        errors.append(SourceError(lines.get(key, 1), message))

    for key, value in data.items():
        expected = SETTINGS_SCHEMA.get(key)
        if value is None and key in ("time_limit", "draw"):
            continue  # explicitly "none", the default
        if expected is None:
            fail(key, f"unknown setting '{key}' (allowed: {', '.join(SETTINGS_SCHEMA)})")
        elif (
            not isinstance(value, expected)
            or (expected is int and isinstance(value, bool))
            or (isinstance(value, bool) and expected is not bool)
        ):
            fail(key, f"'{key}' has the wrong type ({type(value).__name__})")
    if len(errors) > before:
        return None
    settings = {
        **DEFAULT_SETTINGS,
        **{k: v for k, v in data.items() if k not in ("title", "required", "questions") and v is not None},
    }
    if not str(data.get("title", "")).strip():
        fail("title", "'title' is required")
    if not 0 <= settings["pass_mark"] <= 100:
        fail("pass_mark", "'pass_mark' is a percentage from 0 to 100")
    if settings["attempts"] < 0:
        fail("attempts", "'attempts' must be 0 (unlimited) or more")
    if settings["time_limit"] is not None and settings["time_limit"] <= 0:
        fail("time_limit", "'time_limit' is in minutes and must be greater than 0")
    if settings["draw"] is not None and not 0 < settings["draw"] <= bank_size:
        fail("draw", f"'draw' must be between 1 and the {bank_size} graded questions of the bank")
    if settings["review"] not in REVIEW_POLICIES:
        fail("review", f"'review' must be one of {', '.join(REVIEW_POLICIES)}")
    return settings if len(errors) == before else None


def _split_header(text: str, errors: list[SourceError]) -> tuple[str, str, int] | None:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        errors.append(SourceError(1, "missing settings header: start the file with '---', settings, '---'"))
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 1
    errors.append(SourceError(1, "the settings header is not closed by a second '---' line"))
    return None


def _weight_of(entry: dict, default: float) -> float:
    if "weight" in entry:
        weight = entry["weight"]
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not -100 <= weight <= 100:
            raise ValueError("'weight' is a percentage from -100 to 100")
        return weight / 100
    return 1.0 if entry.get("correct") else default


def _yaml_question(entry: dict) -> Question:
    if not isinstance(entry, dict):
        raise ValueError("each question is a mapping with at least 'type' and 'text'")
    unknown = set(entry) - QUESTION_KEYS
    if unknown:
        raise ValueError(f"unknown question key(s): {', '.join(sorted(unknown))}")
    try:
        kind = QuestionType(entry.get("type"))
    except ValueError:
        raise ValueError(f"'type' must be one of {', '.join(t.value for t in QuestionType)}") from None
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'text' is required")
    points = entry.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, int | float):
        raise ValueError("'points' must be a number")

    def markdown(value) -> str:
        return to_html(str(value), "markdown") if value else ""

    question = Question(
        type=kind,
        text=markdown(text),
        title=str(entry.get("title", "")),
        points=float(points),
        general_feedback=markdown(entry.get("feedback")),
        rubric=markdown(entry.get("rubric")),
    )
    if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        question.choices = [
            Choice(markdown(c.get("text")), _weight_of(c, 0.0), markdown(c.get("feedback")))
            for c in _entries(entry, "choices")
        ]
    elif kind == QuestionType.SHORT_ANSWER:
        question.choices = [
            Choice(str(a.get("text", "")).strip(), _weight_of(a, 1.0), markdown(a.get("feedback")))
            for a in _entries(entry, "answers")
        ]
    elif kind == QuestionType.NUMERICAL:
        question.numeric = [_yaml_number(n) for n in _entries(entry, "numbers")]
    elif kind == QuestionType.MATCHING:
        question.pairs = [
            MatchPair(markdown(p.get("prompt")), to_html(str(p.get("answer", "")), "plain"))
            for p in _entries(entry, "pairs")
        ]
    elif kind == QuestionType.TRUE_FALSE:
        if not isinstance(entry.get("answer"), bool):
            raise ValueError("'answer' must be true or false")
        question.correct = entry["answer"]
        question.feedback_true = markdown(entry.get("feedback_true"))
        question.feedback_false = markdown(entry.get("feedback_false"))
    check_question(question)
    if not question.title:
        question.title = " ".join(text.split())[:80]
    return question


ENTRY_KEYS = {
    "choices": {"text", "correct", "weight", "feedback"},
    "answers": {"text", "correct", "weight", "feedback"},
    "numbers": {"value", "tolerance", "min", "max", "weight", "correct", "feedback"},
    "pairs": {"prompt", "answer"},
}


def _entries(entry: dict, key: str) -> list[dict]:
    items = entry.get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValueError(f"'{key}' must be a list of mappings")
    for item in items:
        unknown = set(item) - ENTRY_KEYS[key]
        if unknown:
            raise ValueError(f"unknown key(s) in '{key}': {', '.join(sorted(map(str, unknown)))}")
    return items


def _yaml_number(entry: dict) -> NumericAnswer:
    weight = _weight_of(entry, 1.0)
    feedback = to_html(str(entry["feedback"]), "markdown") if entry.get("feedback") else ""
    if "min" in entry or "max" in entry:
        low, high = entry.get("min"), entry.get("max")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)) or low > high:
            raise ValueError("'min' and 'max' must be numbers with min <= max")
        return NumericAnswer((low + high) / 2, (high - low) / 2, weight, feedback)
    value, tolerance = entry.get("value"), entry.get("tolerance", 0)
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (value, tolerance)):
        raise ValueError("'value' and 'tolerance' must be numbers")
    return NumericAnswer(float(value), abs(float(tolerance)), weight, feedback)


def read_quiz(slug: str, path: str, text: str) -> tuple[QuizSource | None, list[SourceError]]:
    """Read one quiz file's text; return the quiz, or None and every problem with its line."""
    errors: list[SourceError] = []
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    questions: list[Question] = []
    warnings: list[SourceError] = []
    if path.endswith((".yml", ".yaml")):
        data, node = _yaml_with_lines(text, 1, errors)
        if data is None:
            return None, errors
        lines = _key_lines(node, 1)
        items = data.get("questions")
        item_nodes = []
        if isinstance(node, yaml.MappingNode):
            item_nodes = next(
                (v.value for k, v in node.value if k.value == "questions" and isinstance(v, yaml.SequenceNode)), []
            )
        if not isinstance(items, list) or not items:
            errors.append(SourceError(lines.get("questions", 1), "'questions' must be a non-empty list"))
            items = []
        for index, entry in enumerate(items):
            line = item_nodes[index].start_mark.line + 1 if index < len(item_nodes) else 1
            try:
                question = _yaml_question(entry)
            except ValueError as exc:
                errors.append(SourceError(line, f"question {index + 1}: {exc}"))
                continue
            question.line = line
            questions.append(question)
    else:
        split = _split_header(text, errors)
        if split is None:
            return None, errors
        header, body, body_line = split
        data, node = _yaml_with_lines(header, 2, errors)
        if data is None:
            return None, errors
        lines = _key_lines(node, 2)
        parsed = (parse_gift if path.endswith(".gift") else parse_aiken)(body)
        errors.extend(SourceError(e.line + body_line, e.message) for e in parsed.errors)
        warnings = [SourceError(w.line + body_line, w.message) for w in getattr(parsed, "warnings", [])]
        for question in parsed.questions:
            question.line += body_line
        questions = parsed.questions
        if not questions and not parsed.errors:
            errors.append(SourceError(body_line + 1, "the file has no questions"))
    settings = _check_settings(data, lines, sum(1 for q in questions if q.graded), errors)
    if errors or settings is None:
        return None, errors
    quiz = QuizSource(
        slug=slug,
        path=path,
        title=str(data["title"]).strip(),
        required=data.get("required", True),
        settings=settings,
        questions=questions,
        source_hash=hashlib.sha256(text.encode()).hexdigest(),
        warnings=warnings,
    )
    return quiz, []
