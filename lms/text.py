"""Text helpers every domain shares: names as stored and printed, numbers typed by people, and
search patterns.

One rule for single-line text (names, titles, reasons): control characters (NUL, BEL, ...) and
the bidirectional overrides that make text read in another order than it is stored are refused,
the same way on every database (PostgreSQL cannot store NUL at all; SQLite would keep it).
Multi-line text (chat lines, questions, polls) follows the same rule with tabs and line breaks
allowed, and text made only of whitespace and zero-width characters counts as empty.
One rule for whole numbers from forms, query strings and socket payloads: ASCII digits only,
within bounds (`str.isdigit()` accepts '¹', '②' and '٣', which `int()` then refuses or reads).
"""

from __future__ import annotations

import re
import unicodedata

from lms.refusals import N_, Problem, Refused

# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they reorder what is shown.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Whitespace that folds into one space in a single line: allowed, and `clean_name` folds it.
FOLDED_WHITESPACE = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85")
# Multi-line text keeps these as they are.
MULTI_LINE_WHITESPACE = frozenset("\t\n\r")
# Characters that take no room on screen: text of only these (and whitespace) shows nothing.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")

# The largest id or count a request may name: PostgreSQL's integer column.
MAX_ID = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def forbidden_character(value: str, allowed: frozenset[str] = FOLDED_WHITESPACE) -> str | None:
    """The first control character (other than the `allowed` whitespace) or bidirectional
    override in `value`, as U+XXXX, or None."""
    for character in value:
        if character in BIDI_CONTROLS or (character not in allowed and unicodedata.category(character) == "Cc"):
            return f"U+{ord(character):04X}"
    return None


def single_line_problem(value: str, *, field: str | None = None, column: str | None = None) -> Problem | None:
    """Return why `value` cannot be a name, title or reason (a control character), or None.

    `column` names the CSV column the value came from (the message then names it); `field` is the
    form field the problem is shown next to.
    """
    found = forbidden_character(value)
    if found is None:
        return None
    if column:
        return Problem(
            N_("%(column)s contains a control character or a text-direction mark (%(code)s); remove it"),
            field=field,
            column=column,
            code=found,
        )
    return Problem(
        N_("The text contains a control character or a text-direction mark (%(code)s); remove it."),
        field=field,
        code=found,
    )


def blank(value: str) -> bool:
    """Whether `value` shows nothing: only whitespace and zero-width characters (or nothing at all)."""
    return all(character.isspace() or character in ZERO_WIDTH for character in value)


def multi_line_problem(value: str, *, field: str | None = None) -> Problem | None:
    """Return why `value` cannot be a chat line, question or poll text, or None.

    The rule of `single_line_problem` for text that may span lines: control characters and
    bidirectional overrides are refused; tabs and line breaks (CR, LF) are allowed and kept.
    """
    found = forbidden_character(value, MULTI_LINE_WHITESPACE)
    if found is None:
        return None
    return Problem(
        N_("The text contains a control character or a text-direction mark (%(code)s); remove it."),
        field=field,
        code=found,
    )


def clean_name(value: str, *, field: str | None = None) -> str:
    """A name or title as stored and printed: trimmed, inner whitespace folded, composed Unicode (NFC).

    Decomposed Vietnamese accents draw stacked or misplaced in some fonts and PDF libraries, and
    compare unequal to the composed letters people type. Text with a control character or a
    bidirectional override is refused (`Refused`, about `field`); text that shows nothing (only
    whitespace and zero-width characters) is empty, so the caller's "required" rule refuses it.
    """
    if problem := single_line_problem(value, field=field):
        raise Refused(problem)
    if blank(value):
        return ""
    return " ".join(unicodedata.normalize("NFC", value).split())


def whole_number(value: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """A whole number written in ASCII digits (or given as an int) within bounds, else None.

    Refused: Unicode digits ('¹', '②', '٣'), signs ('-0', '+1'), exponents ('1e9'), spaces,
    booleans, and anything outside [minimum, maximum] (huge values are never converted).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ASCII_DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if minimum <= number <= maximum else None


_ASCII_DECIMAL = re.compile(r"[0-9]+(?:[.,][0-9]+)?")


def decimal_number(value: object) -> float | None:
    """A non-negative decimal written in ASCII digits, with a point or a (Vietnamese) decimal comma,
    else None: the same refusals as `whole_number` ('٣', '1e9', signs, spaces)."""
    if not isinstance(value, str) or len(value) > 32 or not _ASCII_DECIMAL.fullmatch(value):
        return None
    return float(value.replace(",", "."))


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching values that contain `text` literally (escape character: backslash)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
