"""Long lists shown a page at a time: the page asked for in the query string, and that page's items.

Lists built in Python (the completion review, attendance: each row needs a verdict computed from
several tables) are paged here; database queries use `db.paginate` with the same `page_number()`.
Both give what the `pager` macro (templates/_pager.html) reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from lms.requestdata import query_int

PER_PAGE = 25
MAX_PAGE = 99_999

T = TypeVar("T")


def page_number() -> int:
    """The `page` query argument; 1 when it is missing or not a whole number from 1 to MAX_PAGE."""
    return query_int("page", 1, minimum=1, maximum=MAX_PAGE)


@dataclass(frozen=True)
class ListPage(Generic[T]):
    """One page of a list, with the attributes of Flask-SQLAlchemy's `Pagination` the pager uses."""

    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def page_of(items: Sequence[T], page: int, per_page: int = PER_PAGE) -> ListPage[T]:
    """The `page`-th slice of `items`; a page past the end shows the last one."""
    total = len(items)
    page = min(max(1, page), max(1, -(-total // per_page)))
    start = (page - 1) * per_page
    return ListPage(items[start : start + per_page], page, per_page, total)
