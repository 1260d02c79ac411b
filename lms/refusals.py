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

from collections.abc import Callable
from functools import wraps

import click


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark an English message for the catalogue without translating it here."""
    return message


class Problem(str):
    """An English sentence (what the CLI prints) that remembers its msgid, values and field.

    It is a `str`, so callers that print or compare it need not change; `translated()` gives it
    in the reader's language.
    """

    msgid: str
    params: dict
    field: str | None

    def __new__(cls, msgid: str, *, field: str | None = None, **params) -> Problem:
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid, text.params, text.field = msgid, params, field
        return text

    def translated(self) -> str:
        """The problem in the current interface language."""
        from flask_babel import gettext

        return gettext(self.msgid, **self.params)


def translate_problem(problem: str) -> str:
    """Return a problem in the current interface language (plain strings pass unchanged)."""
    return problem.translated() if isinstance(problem, Problem) else problem


class Refused(Exception):  # noqa: N818 - a refusal is not an error of the program
    """What was asked is not acceptable: why (one or more problems), and nothing was written.

    `code` is stable for programs (the live room's protocol codes, the quiz autosave's JSON);
    `status` is the HTTP status a page answers with; `line` is the line of an uploaded or read
    file the problems were found on.
    """

    def __init__(
        self,
        *problems: str,
        code: str = "invalid",
        status: int = 400,
        line: int | None = None,
        field: str | None = None,
    ):
        if not problems:
            raise TypeError("a refusal needs at least one problem")
        self.problems = tuple(_as_problem(p, field) for p in problems)
        self.code, self.status, self.line = code, status, line
        super().__init__(self.text())

    @property
    def problem(self) -> Problem:
        """The first (usually the only) problem."""
        return self.problems[0]

    def text(self) -> str:
        """The problems in English, for logs and the CLI, with the file line when there is one."""
        text = "; ".join(self.problems)
        return f"line {self.line}: {text}" if self.line is not None else text

    def messages(self) -> list[str]:
        """The problems in the current interface language."""
        return [problem.translated() for problem in self.problems]

    def by_field(self) -> dict[str, list[str]]:
        """The translated problems of each named field; those about no field under ""."""
        fields: dict[str, list[str]] = {}
        for problem in self.problems:
            fields.setdefault(problem.field or "", []).append(problem.translated())
        return fields


def _as_problem(problem: str, field: str | None) -> Problem:
    if isinstance(problem, Problem):
        return problem if field is None or problem.field else Problem(problem.msgid, field=field, **problem.params)
    return Problem(problem, field=field)


def refuse(msgid: str, *, code: str = "invalid", status: int = 400, field: str | None = None, **params):
    """Raise a refusal with one problem: `refuse(N_("…%(x)s…"), x=…, code="…")`."""
    raise Refused(Problem(msgid, field=field, **params), code=code, status=status)


def flash_refusal(refusal: Refused) -> None:
    """Show each problem of a refusal as an error message on the next page."""
    from flask import flash

    for message in refusal.messages():
        flash(message, "error")


def cli_refusals(command: Callable) -> Callable:
    """Let a `flask` command end with the refusal's English text (and file line), exit status 1."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except Refused as refusal:
            raise click.ClickException(refusal.text()) from None

    return wrapped
