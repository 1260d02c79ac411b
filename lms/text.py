"""Text helpers every domain shares: names as stored and printed, and search patterns."""

from __future__ import annotations

import unicodedata


def clean_name(value: str) -> str:
    """A name or title as stored and printed: trimmed, inner whitespace folded, composed Unicode (NFC).

    Decomposed Vietnamese accents draw stacked or misplaced in some fonts and PDF libraries, and
    compare unequal to the composed letters people type.
    """
    return " ".join(unicodedata.normalize("NFC", value).split())


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching values that contain `text` literally (escape character: backslash)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
