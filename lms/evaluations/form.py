"""Reading `evaluation.yml`: a course's evaluation form, checked with a file line for every problem.

Pure: text in, the form (plain data, stored as JSON) and a list of (line, message) out. The form has
up to four sections, each at most once: `content`, `instructors` (asked once per instructor of the
class), `organisation` and `format`. A question is a `rating` (1 to 5, with labelled ends), a
`choice` (one of a list of options) or a `comment` (free text).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import yaml

SECTIONS = ("content", "instructors", "organisation", "format")
QUESTION_TYPES = ("rating", "choice", "comment")
QUESTION_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
FORM_KEYS = ("title", "intro", "sections")
SECTION_KEYS = ("key", "title", "questions")
QUESTION_KEYS = {
    "rating": ("id", "type", "text", "low", "high"),
    "choice": ("id", "type", "text", "options"),
    "comment": ("id", "type", "text"),
}
MAX_OPTIONS = 10
MAX_TEXT = 500


@dataclass
class FormProblems:
    """The problems found in one file, each with its 1-based line."""

    items: list[tuple[int, str]] = field(default_factory=list)

    def add(self, node: yaml.Node | None, message: str) -> None:
        self.items.append((node.start_mark.line + 1 if node is not None else 1, message))


def _text(node: yaml.Node | None) -> str | None:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
        return unicodedata.normalize("NFC", node.value).strip()
    return None


def _mapping(node: yaml.Node, allowed: tuple[str, ...], what: str, problems: FormProblems) -> dict | None:
    """The mapping's value nodes by key; unknown or repeated keys are problems."""
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, f"{what} must be a mapping of keys to values")
        return None
    found: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key not in allowed:
            problems.add(key_node, f"unknown key '{key}' in {what} (allowed: {', '.join(allowed)})")
        elif key in found:
            problems.add(key_node, f"'{key}' is given twice in {what}")
        else:
            found[key] = value_node
    return found


def _required_text(values: dict, key: str, owner: yaml.Node, what: str, problems: FormProblems) -> str:
    node = values.get(key)
    text = _text(node)
    if not text:
        problems.add(node or owner, f"{what} needs a '{key}' text")
        return ""
    if len(text) > MAX_TEXT:
        problems.add(node, f"'{key}' is longer than {MAX_TEXT} characters")
    return text


def _question(node: yaml.Node, seen: set[str], problems: FormProblems) -> dict | None:
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, "a question must be a mapping of keys to values")
        return None
    kind_node = next((value for key, value in node.value if key.value == "type"), None)
    kind = _text(kind_node) if kind_node else None
    if kind not in QUESTION_TYPES:
        problems.add(kind_node or node, f"a question's 'type' must be one of {', '.join(QUESTION_TYPES)}")
        return None
    values = _mapping(node, QUESTION_KEYS[kind], f"a {kind} question", problems)
    if values is None:
        return None
    question_id = _text(values.get("id")) or ""
    if not QUESTION_ID_RE.match(question_id):
        problems.add(
            values.get("id") or node, "a question 'id' is lower-case letters, digits and '_', starting with a letter"
        )
    elif question_id in seen:
        problems.add(values["id"], f"question id '{question_id}' is used twice")
    seen.add(question_id)
    question = {"id": question_id, "type": kind, "text": _required_text(values, "text", node, "a question", problems)}
    if kind == "rating":
        question["low"] = _required_text(values, "low", node, "a rating question", problems)
        question["high"] = _required_text(values, "high", node, "a rating question", problems)
    elif kind == "choice":
        options_node = values.get("options")
        options = [_text(n) for n in options_node.value] if isinstance(options_node, yaml.SequenceNode) else []
        if not 2 <= len(options) <= MAX_OPTIONS or not all(options):
            problems.add(options_node or node, f"'options' must list 2 to {MAX_OPTIONS} texts")
        elif len(set(options)) != len(options):
            problems.add(options_node, "an option is listed twice")
        question["options"] = [o or "" for o in options]
    return question


def _section(node: yaml.Node, seen_sections: set[str], seen_ids: set[str], problems: FormProblems) -> dict | None:
    values = _mapping(node, SECTION_KEYS, "a section", problems)
    if values is None:
        return None
    key = _text(values.get("key"))
    if key not in SECTIONS:
        problems.add(values.get("key") or node, f"a section's 'key' must be one of {', '.join(SECTIONS)}")
    elif key in seen_sections:
        problems.add(values["key"], f"section '{key}' is given twice")
    seen_sections.add(key or "")
    title = _required_text(values, "title", node, "a section", problems)
    questions_node = values.get("questions")
    if not isinstance(questions_node, yaml.SequenceNode) or not questions_node.value:
        problems.add(questions_node or node, "a section needs a list of 'questions'")
        return None
    questions = [_question(q, seen_ids, problems) for q in questions_node.value]
    return {"key": key, "title": title, "questions": [q for q in questions if q]}


def read_form(text: str) -> tuple[dict | None, list[tuple[int, str]]]:
    """Parse and check an evaluation form; return (form or None, [(line, message), ...])."""
    problems = FormProblems()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return None, [((mark.line + 1) if mark else 1, f"invalid YAML: {exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return None, [(1, f"invalid YAML: {exc}")]
    if root is None:
        return None, [(1, "the evaluation form is empty")]
    values = _mapping(root, FORM_KEYS, "the evaluation form", problems)
    if values is None:
        return None, problems.items
    title = _required_text(values, "title", root, "the evaluation form", problems)
    intro_node = values.get("intro")
    intro = _text(intro_node) if intro_node is not None else ""
    if intro is None:
        problems.add(intro_node, "'intro' must be a text")
    sections_node = values.get("sections")
    if not isinstance(sections_node, yaml.SequenceNode) or not sections_node.value:
        problems.add(sections_node or root, "the evaluation form needs a list of 'sections'")
        return None, problems.items
    seen_sections: set[str] = set()
    seen_ids: set[str] = set()
    sections = [_section(node, seen_sections, seen_ids, problems) for node in sections_node.value]
    if problems.items:
        return None, sorted(problems.items)
    return {"title": title, "intro": intro or "", "sections": [s for s in sections if s]}, []
