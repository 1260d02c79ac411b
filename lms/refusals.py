"""Refusals: the one way code says "not acceptable", and the one way each surface shows it.

Domain code raises `Refused` with one or more `Problem`s: English sentences marked for the
catalogue (`N_`) that remember their values and, where it matters, the form field they are about.
Nothing is written when a refusal is raised inside `write_transaction()` (lms/database.py): it
rolls back. Each surface shows the same refusal in the reader's language:

- a page: the app's error handler renders it with its `status` (400 unless said otherwise);
- a form: the view catches it and hands `refusal.messages()` (and `refusal.by_field()`) to the
  template, which shows each message next to its field;
- a flash: `flash_refusal(refusal)`;
- the CLI: `cli_refusals` turns it into a click error with the English text (and the file line);
- the live room: the Socket.IO handler answers `{"ok": false, "error": code, "message": ...}`,
  `code` being the protocol's stable code (docs/live-protocol.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

import click


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark an English message for the catalogue without translating it here."""
    return message


class Problem(str):
    """An English sentence (what the CLI prints) that remembers its msgid and values, and the form
    field or file line it is about.

    It is a `str`, so callers that print or compare it need not change; `translated()` gives it
    in the reader's language.
    """

    msgid: str
    params: dict
    field: str | None
    line: int | None

    def __new__(cls, msgid: str, *, field: str | None = None, at_line: int | None = None, **params) -> Problem:
        # `at_line`, not `line`: messages may have a %(line)d of their own.
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid, text.params, text.field, text.line = msgid, params, field, at_line
        return text

    def translated(self) -> str:
        """The problem in the current interface language."""
        from flask_babel import gettext

        return gettext(self.msgid, **self.params)

    def about(self, *, field: str | None = None, line: int | None = None) -> Problem:
        """The same problem, said of this field or line unless it already names one."""
        return Problem(self.msgid, field=self.field or field, at_line=self.line or line, **self.params)


def translate_problem(problem: str) -> str:
    """Return a problem in the current interface language (plain strings pass unchanged)."""
    return problem.translated() if isinstance(problem, Problem) else problem


class Refused(Exception):  # noqa: N818 - a refusal is not an error of the program
    """What was asked is not acceptable: why (one or more problems), and nothing was written.

    `code` is stable for programs (the live room's protocol codes, the quiz autosave's JSON);
    `status` is the HTTP status a page answers with. `field` and `line` apply to the problems
    that do not name their own.
    """

    def __init__(self, *problems: str, code="invalid", status=400, field: str | None = None, line: int | None = None):
        if not problems:
            raise TypeError("a refusal needs at least one problem")
        self.problems = tuple(
            (p if isinstance(p, Problem) else Problem(p)).about(field=field, line=line) for p in problems
        )
        self.code, self.status = code, status
        self.source: str | None = None  # the file's name, where `in_file` says it
        super().__init__(self.text())

    @property
    def problem(self) -> Problem:
        """The first (usually the only) problem."""
        return self.problems[0]

    def text(self) -> str:
        """The problems in English, one a line, for logs and the CLI: `file:line: problem`."""
        lines = []
        for problem in self.problems:
            where = [str(part) for part in (self.source, problem.line) if part is not None]
            if where and not self.source:
                where = [f"line {problem.line}"]
            lines.append(f"{':'.join(where)}: {problem}" if where else str(problem))
        return "\n".join(lines)

    def messages(self) -> list[str]:
        """The problems in the current interface language."""
        return [problem.translated() for problem in self.problems]

    def by_field(self) -> dict[str, str]:
        """The first translated problem of each named field; those about no field under ""."""
        fields: dict[str, str] = {}
        for problem in self.problems:
            fields.setdefault(problem.field or "", problem.translated())
        return fields

    def by_line(self) -> list[tuple[int, str]]:
        """(line, translated problem) for each problem, 0 for those about no line."""
        return [(problem.line or 0, problem.translated()) for problem in self.problems]


def refuse(msgid: str, *, code: str = "invalid", status: int = 400, field: str | None = None, **params):
    """Raise a refusal with one problem: `refuse(N_("…%(x)s…"), x=…, code="…")`."""
    raise Refused(Problem(msgid, field=field, **params), code=code, status=status)


def flash_refusal(refusal: Refused) -> None:
    """Show each problem of a refusal as an error message on the next page."""
    from flask import flash

    for message in refusal.messages():
        flash(message, "error")


@contextmanager
def in_file(name: str) -> Iterator[None]:
    """Name the file that the refusals raised inside are about (the CLI prints `name:line:`)."""
    try:
        yield
    except Refused as refusal:
        refusal.source = name
        raise


def cli_refusals(command: Callable) -> Callable:
    """Let a `flask` command end with the refusal's English text (and file line), exit status 1."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except Refused as refusal:
            raise click.ClickException(refusal.text()) from None

    return wrapped
