"""The admin blueprint and what its screens share; the screens import it, never the other way."""

from __future__ import annotations

from flask import Blueprint, request

from lms.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

PER_PAGE = 25


def page_number() -> int:
    """The `page` query argument, 1 when missing or not a positive number."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def paginate(query):
    """One page of a query's results (never an error for a page past the end)."""
    return db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False, count=True)
