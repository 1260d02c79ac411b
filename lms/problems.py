"""Problems found by pure logic, in English for the CLI and translatable for pages."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark an English message for the catalogue without translating it here."""
    return message


class Problem(str):
    """An English sentence (what the CLI prints) that remembers its msgid and values.

    It is a `str`, so callers that print or compare it need not change; a page shows it in the
    reader's language with `translate_problem()`.
    """

    msgid: str
    params: dict

    def __new__(cls, msgid: str, **params) -> Problem:
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid = msgid
        text.params = params
        return text


def translate_problem(problem: str) -> str:
    """Return a problem in the current interface language (plain strings pass unchanged)."""
    from flask_babel import gettext

    if isinstance(problem, Problem):
        return gettext(problem.msgid, **problem.params)
    return problem
