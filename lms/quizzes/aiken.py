"""Moodle's Aiken format: one-line questions, lettered options, and an ANSWER: line.

    Thủ tục nào được tiếp nhận tại Bộ phận Một cửa?
    A) ...
    B) ...
    ANSWER: B

Options are "A)" or "A." with or without a following space. A question with fewer than two
options, an answer letter that is not an option, options with no question, or a question never
closed by ANSWER: is reported with its line.
"""

from __future__ import annotations

import re

from lms.quizzes.gift import GiftResult
from lms.quizzes.questions import Choice, Question, QuestionType, SourceError
from lms.quizzes.text import to_html

_OPTION_RE = re.compile(r"^([A-Z])[).]\s*(.*)$")
_ANSWER_RE = re.compile(r"^ANSWER:\s*(.*)$")


def parse_aiken(text: str) -> GiftResult:
    """Read an Aiken file into single-choice questions, reporting each broken one."""
    result = GiftResult()
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    stem: str | None = None
    stem_line = 0
    options: list[tuple[str, str]] = []

    def fail(line: int, message: str) -> None:
        result.errors.append(SourceError(line, message))

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        if answer := _ANSWER_RE.match(line):
            letter = answer.group(1).strip()[:1]  # Moodle reads the first character ("B." is B)
            letters = [key for key, _ in options]
            if stem is None:
                fail(number, "ANSWER: without a question")
            elif len(options) < 2:
                fail(stem_line, "a question needs at least two options")
            elif letter not in letters:
                fail(number, f"the answer '{letter}' is not one of the options {', '.join(letters)}")
            else:
                choices = [Choice(to_html(option, "plain"), 1.0 if key == letter else 0.0) for key, option in options]
                result.questions.append(
                    Question(
                        type=QuestionType.SINGLE,
                        text=to_html(stem, "plain"),
                        line=stem_line,
                        title=stem[:80],
                        choices=choices,
                    )
                )
            stem, options = None, []
        elif (option := _OPTION_RE.match(line)) and stem is not None:
            options.append((option.group(1), option.group(2)))
        elif option:
            fail(number, "an option without a question")
        else:
            if stem is not None:
                fail(stem_line, "the question is not closed by an ANSWER: line")
            stem, stem_line, options = line, number, []
    if stem is not None:
        fail(stem_line, "the question is not closed by an ANSWER: line")
    return result
