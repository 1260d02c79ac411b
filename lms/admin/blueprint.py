"""The admin blueprint and what its screens share; the screens import it, never the other way."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import format_decimal

from lms.extensions import db
from lms.paging import PER_PAGE, page_number
from lms.refusals import Refused

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

# A file's problems listed on a page: the first ones by line, then how many more (a 1 MB file of
# bad rows has tens of thousands; listing them all made a page of megabytes).
MAX_LISTED_PROBLEMS = 200


class ListedProblems(list):
    """(line, translated problem) pairs as a page lists them, and how many were left out."""

    more: int = 0

    @property
    def more_text(self) -> str:
        """The number left out, written the reader's way (86,800 or 86.800)."""
        return format_decimal(self.more)


def listed_problems(refusal: Refused, limit: int = MAX_LISTED_PROBLEMS) -> ListedProblems:
    """The first `limit` problems of a refusal, by line, translated; the rest only counted."""
    listed = ListedProblems((problem.line or 0, problem.translated()) for problem in refusal.problems[:limit])
    listed.more = max(0, len(refusal.problems) - limit)
    return listed


def paginate(query):
    """One page of a query's results (never an error for a page past the end)."""
    return db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False, count=True)
