"""Moodle's GIFT question format, read completely.

Follows Moodle's own importer (question/format/gift/format.php): questions are separated by blank
lines; `//` lines are comments; `$CATEGORY:` sets the category; `::title::`; `[html]`, `[moodle]`,
`[plain]`, `[markdown]` formats; `{...}` holds the answers, and words on both sides of it make a
missing-word question (`_____` stands for the gap). Unlike Moodle, text after the brace with no
letter or digit in it (a stray `";` or `.`) is dropped rather than turned into a gap; `####` starts
general feedback; `\\~ \\= \\# \\{ \\} \\: \\\\` are escapes.
Any question that cannot be read is reported with its line, and the caller imports nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lms.quizzes.questions import (
    Choice,
    MatchPair,
    NumericAnswer,
    Question,
    QuestionType,
    SourceError,
    check_question,
)
from lms.quizzes.text import FORMATS, to_html

# Escaped control characters become private-use code points while parsing, and come back at the end.
_ESCAPES = {"\\\\": "\ue000", "\\~": "\ue001", "\\=": "\ue002", "\\#": "\ue003", "\\{": "\ue004",
            "\\}": "\ue005", "\\:": "\ue006", "\\n": "\n"}
_RESTORE = {v: k[1] for k, v in _ESCAPES.items() if v != "\n"}
_ESCAPE_RE = re.compile("|".join(re.escape(k) for k in _ESCAPES))
_FORMAT_RE = re.compile(r"^\s*\[(\w+)\]")
_WEIGHT_RE = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE_RE = re.compile(r"^(T|TRUE|F|FALSE)\s*(#|$)", re.IGNORECASE)
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?"
_RANGE_RE = re.compile(rf"^\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*$")
_TOLERANCE_RE = re.compile(rf"^\s*({_NUMBER})\s*(?::\s*({_NUMBER}))?\s*$")
BLANK = "_____"


class GiftError(ValueError):
    """A question that cannot be read; `line` is where the question starts."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


@dataclass
class GiftResult:
    """The questions read and every problem found (import nothing when there is one)."""

    questions: list[Question] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)


def _protect(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)


def _restore(text: str) -> str:
    return "".join(_RESTORE.get(ch, ch) for ch in text)


def _formatted(text: str, default: str = "moodle") -> str:
    """Split an optional [format] prefix off protected text and render it to safe HTML."""
    match = _FORMAT_RE.match(text)
    text_format = default
    if match:
        text_format = match.group(1).lower()
        if text_format not in FORMATS:
            raise ValueError(f"unknown text format [{match.group(1)}]")
        text = text[match.end():]
    return to_html(_restore(text), text_format)


def _blocks(text: str):
    """Yield (first line number, lines) for each blank-line separated block, comments removed."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            if block:
                yield start, block
            block = []
            continue
        if line.strip().startswith("//"):
            continue
        if not block:
            start = number
        block.append(line)
    if block:
        yield start, block


def _split_answers(answer_text: str) -> list[tuple[str, str]]:
    """Split an answer block into (marker, text) items at each `=` or `~`."""
    items = []
    marker, current = None, []
    for ch in answer_text:
        if ch in "=~":
            if marker is not None or "".join(current).strip():
                if marker is None:
                    raise ValueError("text before the first answer; answers start with = or ~")
                items.append((marker, "".join(current)))
            marker, current = ch, []
        else:
            current.append(ch)
    if marker is None:
        raise ValueError("no answers found; answers start with = or ~")
    items.append((marker, "".join(current)))
    return items


def _weight(text: str, default: float) -> tuple[float, str]:
    match = _WEIGHT_RE.match(text)
    if not match:
        return default, text
    percent = float(match.group(1))
    if not -100 <= percent <= 100:
        raise ValueError(f"weight {match.group(1)}% is outside -100% to 100%")
    return percent / 100, text[match.end():]


def _text_and_feedback(text: str) -> tuple[str, str]:
    text, _, feedback = text.partition("#")
    return text, (_formatted(feedback) if feedback.strip() else "")


def _choices(answer_text: str) -> list[Choice]:
    choices = []
    for marker, raw in _split_answers(answer_text):
        weight, rest = _weight(raw, 1.0 if marker == "=" else 0.0)
        text, feedback = _text_and_feedback(rest)
        choices.append(Choice(text=_formatted(text), weight=weight, feedback=feedback))
    return choices


def _true_false(question: Question, answer_text: str) -> None:
    word, *feedback = answer_text.split("#")
    question.type = QuestionType.TRUE_FALSE
    question.correct = word.strip().upper() in ("T", "TRUE")
    if len(feedback) > 2:
        raise ValueError("a true/false question takes at most two feedbacks: #wrong#right")
    wrong = _formatted(feedback[0]) if feedback and feedback[0].strip() else ""
    right = _formatted(feedback[1]) if len(feedback) > 1 and feedback[1].strip() else ""
    # Moodle: the first feedback is for the wrong answer, the second for the right one.
    question.feedback_true, question.feedback_false = (right, wrong) if question.correct else (wrong, right)


def _numeric_answer(raw: str, weight_default: float) -> NumericAnswer:
    weight, rest = _weight(raw, weight_default)
    value_text, feedback = _text_and_feedback(rest)
    value_text = _restore(value_text).strip()
    if match := _RANGE_RE.match(value_text):
        low, high = sorted(float(x) for x in match.groups())
        return NumericAnswer((low + high) / 2, (high - low) / 2, weight, feedback)
    if match := _TOLERANCE_RE.match(value_text):
        return NumericAnswer(float(match.group(1)), abs(float(match.group(2) or 0)), weight, feedback)
    raise ValueError(f"'{value_text}' is not a number, number:tolerance or min..max")


def _numerical(question: Question, answer_text: str) -> None:
    question.type = QuestionType.NUMERICAL
    body = answer_text[1:]
    if "=" in body:
        items = _split_answers(body)
    elif "~" in body:  # "{#3:2 ~#feedback}": one answer, then feedback for everything else
        head, _, tail = body.partition("~")
        items = [("=", head), ("~", tail)]
    else:
        items = [("=", body)]
    for marker, raw in items:
        if marker == "~":  # everything else: no credit, only feedback (Moodle's "*" answer)
            _, feedback = _text_and_feedback(raw)
            question.numeric.append(NumericAnswer(None, 0.0, 0.0, feedback))
        else:
            question.numeric.append(_numeric_answer(raw, 1.0))


def _matching(question: Question, answer_text: str) -> None:
    question.type = QuestionType.MATCHING
    for marker, raw in _split_answers(answer_text):
        if marker != "=" or "->" not in raw:
            raise ValueError("every matching answer looks like '=prompt -> answer'")
        prompt, _, answer = raw.partition("->")
        question.pairs.append(MatchPair(
            prompt=_formatted(prompt) if prompt.strip() else "", answer=to_html(_restore(answer), "plain"),
        ))
    check_question(question)


def _answer_block(text: str) -> tuple[int, int] | None:
    start = text.find("{")
    if start < 0:
        if "}" in text:
            raise ValueError("'}' without '{' (escape it as \\})")
        return None
    end = text.find("}", start)
    if end < 0:
        raise ValueError("the answers' '{' is never closed by '}'")
    return start, end


def parse_question(lines: list[str], line: int, category: str) -> Question:
    """Read one question block (comments already removed)."""
    text = _protect("\n".join(lines)).strip()
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise GiftError(line, "the title's '::' is never closed")
        title, text = _restore(text[2:end]).strip(), text[end + 2:].strip()
    question = Question(type=QuestionType.DESCRIPTION, text="", line=line, title=title, category=category)
    try:
        block = _answer_block(text)
        if block is None:
            question.text = _formatted(text)
            return question
        start, end = block
        answer_text, before, after = text[start + 1:end], text[:start], text[end + 1:]
        answer_text, _, general = answer_text.partition("####")
        question.general_feedback = _formatted(general) if general.strip() else ""
        question_format = _FORMAT_RE.match(before)
        default_format = question_format.group(1).lower() if question_format else "moodle"
        # Words after the answers make a missing-word question; bare punctuation such as the
        # `";` real exports leave behind is stray text and is dropped.
        stem = f"{before.rstrip()} {BLANK}{after}" if any(ch.isalnum() for ch in after) else before
        question.text = _formatted(stem.strip())
        _read_answers(question, answer_text.strip(), default_format)
    except ValueError as exc:
        raise GiftError(line, str(exc)) from None
    if not title:
        question.title = re.sub(r"<[^>]+>", "", question.text)[:80]
    return question


def _read_answers(question: Question, answer_text: str, default_format: str) -> None:
    if not answer_text:
        question.type = QuestionType.ESSAY
    elif _TRUE_FALSE_RE.match(answer_text):
        _true_false(question, answer_text)
    elif answer_text.startswith("#"):
        _numerical(question, answer_text)
    elif "->" in answer_text and "~" not in answer_text:
        _matching(question, answer_text)
    elif "~" in answer_text:
        question.choices = _choices(answer_text)
        has_right = any(marker == "=" for marker, _ in _split_answers(answer_text))
        question.type = QuestionType.SINGLE if has_right else QuestionType.MULTIPLE
        check_question(question)
    else:
        question.type = QuestionType.SHORT_ANSWER
        question.choices = [Choice(text=_restore_plain(c.text), weight=c.weight, feedback=c.feedback)
                            for c in _choices(answer_text)]
        check_question(question)


def _restore_plain(html_text: str) -> str:
    """Short answers are compared as typed text, not HTML."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", html_text)).strip()


def parse_gift(text: str) -> GiftResult:
    """Read a whole GIFT file; every broken question is reported with its line."""
    result = GiftResult()
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    category = ""
    for line, lines in _blocks(text):
        if lines[0].strip().startswith("$CATEGORY:"):
            category = lines[0].strip()[len("$CATEGORY:"):].strip()
            lines = lines[1:]
            if not lines:
                continue
        try:
            result.questions.append(parse_question(lines, line, category))
        except GiftError as exc:
            result.errors.append(SourceError(exc.line, str(exc)))
    return result
