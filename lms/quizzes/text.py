"""Question text in Moodle's four formats, turned into sanitized HTML."""

from __future__ import annotations

import html
import unicodedata

import markdown

from lms.content.render import sanitize

FORMATS = ("html", "moodle", "plain", "markdown")


def to_html(text: str, text_format: str = "moodle") -> str:
    """Render question text: html as is, moodle with line breaks, plain escaped, markdown rendered."""
    text = unicodedata.normalize("NFC", text.strip())
    if text_format == "plain":
        rendered = html.escape(text).replace("\n", "<br>")
    elif text_format == "markdown":
        rendered = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    elif text_format == "moodle":
        rendered = text.replace("\n", "<br>")
    elif text_format == "html":
        rendered = text
    else:
        raise ValueError(f"unknown text format {text_format!r}")
    return sanitize(rendered)
