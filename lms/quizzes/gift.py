"""Moodle's GIFT question format, read completely.

Follows Moodle's own importer (question/format/gift/format.php): questions are separated by blank
lines; `//` lines are comments; `$CATEGORY:` sets the category; `::title::`; `[html]`, `[moodle]`,
`[plain]`, `[markdown]` formats; `{...}` holds the answers, and words on both sides of it make a
missing-word question (`_____` stands for the gap). Unlike Moodle, text after the brace with no
letter or digit in it (a stray `";` or `.`) is dropped rather than turned into a gap; `####` starts
general feedback; `\\~ \\= \\# \\{ \\} \\: \\\\` are escapes.
Any question that cannot be read is reported with its line, and the caller imports nothing. Every
remaining difference from Moodle is listed, with its reason, in docs/quiz-format.md.
"""

from __future__ import annotations

import html
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
from lms.refusals import Refused

# Escaped control characters become private-use code points while parsing, and come back at the end.
_ESCAPES = {
    "\\\\": "\ue000",
    "\\~": "\ue001",
    "\\=": "\ue002",
    "\\#": "\ue003",
    "\\{": "\ue004",
    "\\}": "\ue005",
    "\\:": "\ue006",
    "\\n": "\n",
}
_RESTORE = {v: k[1] for k, v in _ESCAPES.items() if v != "\n"}
_ESCAPE_RE = re.compile("|".join(re.escape(k) for k in _ESCAPES))
_FORMAT_RE = re.compile(r"^\s*\[(\w+)\]")
_WEIGHT_RE = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
# Moodle compares the answer (cut at the first `#`) with these exactly: `{true}` or `{t#...}` is a
# short answer there, so it is one here too.
TRUE_FALSE_WORDS = ("T", "TRUE", "F", "FALSE")
# Moodle (qformat_default::extract_idnumber_and_tags_from_comment) reads these from the `//`
# comment lines of a question; `\]` stands for `]` inside them.
_ID_RE = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG_RE = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])+)\]")
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?"
_RANGE_RE = re.compile(rf"^\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*$")
_TOLERANCE_RE = re.compile(rf"^\s*({_NUMBER})\s*(?::\s*({_NUMBER}))?\s*$")
BLANK = "_____"


@dataclass
class GiftResult:
    """The questions read, every problem found (import nothing when there is one), and warnings.

    A warning is text Moodle would import without complaint but that is probably not what the
    author meant (a broken `::title::`): the question is read as Moodle reads it, and the author told.
    """

    questions: list[Question] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)
    warnings: list[SourceError] = field(default_factory=list)


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
        text = text[match.end() :]
    return to_html(_restore(text), text_format)


def _blocks(text: str):
    """Yield each blank-line separated block as ((line number, text) pairs, its `//` comment lines)."""
    block: list[tuple[int, str]] = []
    comments: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            if block:
                yield block, comments
            block, comments = [], []
        elif line.strip().startswith("//"):
            comments.append(line.strip())
        else:
            block.append((number, line))
    if block:
        yield block, comments


def id_and_tags(comments: str) -> tuple[str, list[str]]:
    """The `[id:...]` (the first one) and every `[tag:...]` in a question's comments, as Moodle reads them."""
    found = _ID_RE.search(comments)
    idnumber = found.group(1).replace("\\]", "]").strip() if found else ""
    tags = [raw.replace("\\]", "]").strip() for raw in _TAG_RE.findall(comments)]
    return idnumber, [tag for tag in tags if tag]


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
    return percent / 100, text[match.end() :]


def _text_and_feedback(text: str, fmt: str) -> tuple[str, str]:
    text, _, feedback = text.partition("#")
    return text, (_formatted(feedback, fmt) if feedback.strip() else "")


def _choices(answer_text: str, fmt: str) -> list[Choice]:
    choices = []
    for marker, raw in _split_answers(answer_text):
        weight, rest = _weight(raw, 1.0 if marker == "=" else 0.0)
        text, feedback = _text_and_feedback(rest, fmt)
        choices.append(Choice(text=_formatted(text, fmt), weight=weight, feedback=feedback))
    return choices


def _is_true_false(answer_text: str) -> bool:
    return answer_text.split("#", 1)[0].strip() in TRUE_FALSE_WORDS


def _true_false(question: Question, answer_text: str, fmt: str) -> None:
    word, *feedback = answer_text.split("#")
    question.type = QuestionType.TRUE_FALSE
    question.correct = word.strip() in ("T", "TRUE")
    if len(feedback) > 2:
        raise ValueError("a true/false question takes at most two feedbacks: #wrong#right")
    wrong = _formatted(feedback[0], fmt) if feedback and feedback[0].strip() else ""
    right = _formatted(feedback[1], fmt) if len(feedback) > 1 and feedback[1].strip() else ""
    # Moodle: the first feedback is for the wrong answer, the second for the right one.
    question.feedback_true, question.feedback_false = (right, wrong) if question.correct else (wrong, right)


def _numeric_answer(raw: str, weight_default: float, fmt: str) -> NumericAnswer:
    weight, rest = _weight(raw, weight_default)
    value_text, feedback = _text_and_feedback(rest, fmt)
    value_text = _restore(value_text).strip()
    if match := _RANGE_RE.match(value_text):
        low, high = sorted(float(x) for x in match.groups())
        return NumericAnswer((low + high) / 2, (high - low) / 2, weight, feedback)
    if match := _TOLERANCE_RE.match(value_text):
        return NumericAnswer(float(match.group(1)), abs(float(match.group(2) or 0)), weight, feedback)
    raise ValueError(f"'{value_text}' is not a number, number:tolerance or min..max")


def _numerical(question: Question, answer_text: str, fmt: str) -> None:
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
            _, feedback = _text_and_feedback(raw, fmt)
            question.numeric.append(NumericAnswer(None, 0.0, 0.0, feedback))
        else:
            question.numeric.append(_numeric_answer(raw, 1.0, fmt))


def _matching(question: Question, answer_text: str, fmt: str) -> None:
    question.type = QuestionType.MATCHING
    for marker, raw in _split_answers(answer_text):
        if marker != "=" or "->" not in raw:
            raise ValueError("every matching answer looks like '=prompt -> answer'")
        prompt, _, answer = raw.partition("->")
        question.pairs.append(
            MatchPair(
                prompt=_formatted(prompt, fmt) if prompt.strip() else "",
                answer=to_html(_restore(answer), "plain"),
            )
        )
    check_question(question)


def _answer_block(text: str) -> tuple[int, int] | None:
    start = text.find("{")
    closing = text.find("}")
    if closing >= 0 and (start < 0 or closing < start):
        raise ValueError("'}' without '{' (escape it as \\})")
    if start < 0:
        return None
    end = text.find("}", start)
    if end < 0:
        raise ValueError("the answers' '{' is never closed by '}'")
    return start, end


def parse_question(lines: list[str], line: int, category: str, warnings: list[SourceError] | None = None) -> Question:
    """Read one question block (comments already removed); doubtful text adds to `warnings`."""
    warnings = [] if warnings is None else warnings
    text = _protect("\n".join(lines)).strip()
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:  # Moodle drops the opening "::" and names the question from its text
            warnings.append(SourceError(line, "the title's '::' is never closed; the question is read without a title"))
            text = text[2:].strip()
        else:
            title, text = _restore(text[2:end]).strip(), text[end + 2 :].strip()
    _warn_of_broken_title(text, line, warnings)
    question = Question(type=QuestionType.DESCRIPTION, text="", line=line, title=title, category=category)
    try:
        block = _answer_block(text)
        if block is None:
            question.text = _formatted(text)
    except ValueError as exc:
        raise Refused(str(exc), line=line) from None
    if block is not None:
        _read_question_with_answers(question, text, *block)
    if not title:
        question.title = plain_text(question.text)[:80]
    return question


def _warn_of_broken_title(text: str, line: int, warnings: list[SourceError]) -> None:
    """Warn of question text that looks like a mistyped `::title::` (`:Title::`, `Title::`)."""
    before = text.split("{", 1)[0]
    if before.startswith(":") or "::" in before:
        shown = " ".join(_restore(before).split())[:60]
        warnings.append(
            SourceError(
                line, f"'{shown}' looks like a broken title (a title is written ::Title::); it is read as question text"
            )
        )


def _read_question_with_answers(question: Question, text: str, start: int, end: int) -> None:
    try:
        answer_text, before, after = text[start + 1 : end], text[:start], text[end + 1 :]
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
        raise Refused(str(exc), line=question.line) from None


def _read_answers(question: Question, answer_text: str, fmt: str) -> None:
    """Read the answer block; answers and feedback take the question's [format] unless they name one."""
    if not answer_text:
        question.type = QuestionType.ESSAY
    elif answer_text.startswith("#"):
        _numerical(question, answer_text, fmt)
    elif "~" in answer_text:
        question.choices = _choices(answer_text, fmt)
        has_right = any(marker == "=" for marker, _ in _split_answers(answer_text))
        question.type = QuestionType.SINGLE if has_right else QuestionType.MULTIPLE
        check_question(question)
    elif "->" in answer_text and "=" in answer_text:
        _matching(question, answer_text, fmt)
    elif _is_true_false(answer_text):
        _true_false(question, answer_text, fmt)
    else:
        question.type = QuestionType.SHORT_ANSWER
        question.choices = _short_answers(answer_text)
        check_question(question)


def _short_answers(answer_text: str) -> list[Choice]:
    """Short answers as Moodle splits them: at each `=`; text before the first `=` is an answer too.

    So `{four}` accepts "four", and `{four =4}` accepts "four" and "4", each worth 100% unless it
    names a weight.
    """
    items = answer_text.split("=")
    if not items[0].strip():
        items = items[1:]
    answers = []
    for raw in items:
        weight, rest = _weight(raw.strip(), 1.0)
        text, feedback = _text_and_feedback(rest, "plain")
        answers.append(Choice(text=plain_text(_formatted(text, "plain")), weight=weight, feedback=feedback))
    return answers


def plain_text(html_text: str) -> str:
    """Text without markup: line breaks become spaces, entities are decoded."""
    text = re.sub(r"<br\s*/?>|</p>|</li>", " ", html_text)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def parse_gift(text: str) -> GiftResult:
    """Read a whole GIFT file; every broken question is reported with its line."""
    result = GiftResult()
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    category = ""
    for block, comments in _blocks(text):
        if block[0][1].strip().startswith("$CATEGORY:"):
            category = block[0][1].strip()[len("$CATEGORY:") :].strip()
            block = block[1:]
            if not block:
                continue
        line = block[0][0]
        try:
            question = parse_question([text for _, text in block], line, category, result.warnings)
        except Refused as refusal:  # a question that cannot be read: reported at the line it starts on
            result.errors.append(SourceError(refusal.problem.line, str(refusal.problem)))
            continue
        question.idnumber, question.tags = id_and_tags("\n".join(comments))
        result.questions.append(question)
    return result
