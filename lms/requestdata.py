"""Reading numbers from a request: one way for every query string and form.

The rule itself is `lms.text.whole_number` (ASCII digits, bounds); these only say where the value
comes from and what happens when it is missing or not acceptable.
"""

from __future__ import annotations

from flask import abort, request

from lms.text import MAX_ID, whole_number


def query_int(name: str, default: int, *, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """A whole number from the query string; `default` when it is missing or not acceptable."""
    number = whole_number(request.args.get(name, ""), minimum=minimum, maximum=maximum)
    return default if number is None else number


def optional_int(value: str | None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """A record id typed or chosen in a form or query (surrounding spaces ignored), else None."""
    return whole_number((value or "").strip(), minimum=minimum, maximum=maximum)


def form_int_or_400(name: str, *, default: int | None = None, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """A whole number from the form: `default` when the field is absent, 400 when it is not acceptable."""
    value = request.form.get(name)
    if value is None and default is not None:
        return default
    number = whole_number(value, minimum=minimum, maximum=maximum)
    if number is None:
        abort(400)
    return number
