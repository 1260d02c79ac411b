"""Helpers for tests that read refusals as a person does: parsed pages, error elements, unchanged data.

Pages are parsed with the standard library's `html.parser` into a small element tree, so a test can
say "this message is the text of the error element right after the `code` field" rather than "the
page contains this text somewhere". Text is compared unescaped and with whitespace collapsed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser

from lms.extensions import db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

# Every way the app marks an error on a page: flashed errors, form and field errors, error lists.
ERROR_TESTS = {
    "form-error",
    "field-error",
    "import-errors",
    "import-error",
    "enrol-errors",
    "enrol-error",
    "certify-errors",
    "filter-errors",
    "room-error",
}


class Element:
    """One element of a parsed page: tag, attributes, children (elements and text)."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    def __repr__(self) -> str:
        shown = " ".join(f'{k}="{v}"' for k, v in self.attrs.items())
        return f"<{self.tag} {shown}>{self.text[:80]!r}"

    @property
    def text(self) -> str:
        """The element's text as a reader sees it: unescaped, whitespace collapsed."""
        parts: list[str] = []

        def walk(node: Element) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def elements(self) -> Iterator[Element]:
        """Every element below this one, in document order."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.elements()

    def find_all(self, tag: str | None = None, class_: str | None = None, **attrs: str) -> list[Element]:
        """Elements below this one with the tag, class and attributes (`data_test` means `data-test`)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            e
            for e in self.elements()
            if (tag is None or e.tag == tag)
            and (class_ is None or class_ in e.classes)
            and all(e.attrs.get(name) == value for name, value in wanted.items())
        ]

    def one(self, tag: str | None = None, class_: str | None = None, **attrs: str) -> Element:
        """The only element matching; fail when there are none or several."""
        found = self.find_all(tag, class_, **attrs)
        assert len(found) == 1, f"expected one {tag or ''}.{class_ or ''}{attrs}, found {found}"
        return found[0]

    def next_element(self) -> Element | None:
        """The next sibling element (text between them skipped)."""
        siblings = [c for c in self.parent.children if isinstance(c, Element)]
        index = next(i for i, s in enumerate(siblings) if s is self)
        return siblings[index + 1] if index + 1 < len(siblings) else None

    def contains(self, other: Element) -> bool:
        node = other.parent
        while node is not None:
            if node is self:
                return True
            node = node.parent
        return False


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(response_or_html) -> Element:
    """Parse a response's body (or an HTML string) into an element tree."""
    source = response_or_html if isinstance(response_or_html, str) else response_or_html.get_data(as_text=True)
    builder = _TreeBuilder()
    builder.feed(source)
    builder.close()
    return builder.root


def is_error_element(element: Element) -> bool:
    """Tell whether an element shows an error (a hidden, empty placeholder does not)."""
    marked = (
        "flash-error" in element.classes
        or element.attrs.get("role") == "alert"
        or element.attrs.get("data-test") in ERROR_TESTS
    )
    return marked and not ("hidden" in element.attrs and not element.text)


def error_elements(page: Element) -> list[Element]:
    """The outermost error elements of a page (a list inside an error box is part of it)."""
    found = [e for e in page.elements() if is_error_element(e)]
    return [e for e in found if not any(o is not e and o.contains(e) for o in found)]


def error_texts(page: Element) -> list[str]:
    return [e.text for e in error_elements(page)]


MACRO_LEAK = re.compile(r"<Macro\b|Macro '")


def assert_no_template_leak(response) -> None:
    """No Jinja object's repr (a macro shadowing a variable) reached the page."""
    text = html.unescape(response.get_data(as_text=True))
    assert not MACRO_LEAK.search(text), MACRO_LEAK.search(text).group(0)


def flashed_errors(page: Element) -> list[str]:
    """Flashed error messages (the base layout's `flash-error` paragraphs with role=status)."""
    return [e.text for e in page.find_all("p", class_="flash-error", role="status")]


def only_error(page: Element) -> Element:
    """The page's one error element; fail when it shows none or several."""
    found = error_elements(page)
    assert len(found) == 1, f"expected one error element, found {found}"
    return found[0]


def error_after(control: Element) -> Element:
    """The error element placed right after a form control (the field it is about)."""
    following = control.next_element()
    assert following is not None and is_error_element(following), f"no error element right after {control}"
    return following


def field_error(page: Element, field: str) -> Element:
    """The error element right after the control whose id is `field`."""
    return error_after(page.one(id=field))


def database_rows() -> dict[str, list[str]]:
    """Every row of every table, to compare before and after a refused request."""
    db.session.commit()  # end the test's transaction: the next reads see what requests committed
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
        for table in db.metadata.sorted_tables
    }


@contextmanager
def nothing_written():
    """Assert that the requests made inside the block leave every table exactly as it was."""
    before = database_rows()
    yield
    after = database_rows()
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"rows changed in {changed}"


def speak_english(user) -> None:
    """Give an account English as its interface language (as the language switch would save it)."""
    user.locale = "en"
    db.session.commit()
