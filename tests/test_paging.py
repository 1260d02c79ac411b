"""Long lists a page at a time: the rule (`lms.paging`), and the two screens that were too long on a
phone, the completion review and attendance marking, with 30 learners: 25 on page 1, 5 on page 2;
a page number that is not one shows page 1 (never a 500), one past the end the last page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.extensions import db
from lms.live.models import LiveSession
from lms.paging import page_of
from tests import factories

ITEMS = list(range(1, 31))


@pytest.mark.parametrize(
    ("page", "shown", "position"),
    [(1, ITEMS[:25], (1, 2)), (2, ITEMS[25:], (2, 2)), (3, ITEMS[25:], (2, 2)), (0, ITEMS[:25], (1, 2))],
)
def test_page_of_slices_25_a_page_and_keeps_to_the_pages_there_are(page, shown, position):
    listed = page_of(ITEMS, page)
    assert list(listed.items) == shown
    assert (listed.page, listed.pages, listed.total) == (*position, 30)
    assert listed.has_prev == (listed.page > 1) and listed.has_next == (listed.page < 2)
    assert (listed.prev_num, listed.next_num) == ((None, 2) if listed.page == 1 else (1, None))


def test_an_empty_list_is_one_empty_page():
    listed = page_of([], 4)
    assert (list(listed.items), listed.page, listed.pages, listed.has_next, listed.has_prev) == ([], 1, 1, False, False)


@pytest.fixture
def big_class(world):
    """LOP-1 with 30 learners (the world's two and 28 more) and a session that has begun."""
    factories.enrol_many(world.course_class, world.ward, 28)
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi đông",
        starts_at=datetime.now(UTC) - timedelta(minutes=10),
        duration_minutes=60,
    )
    db.session.add(session)
    db.session.commit()
    return session


SCREENS = {
    "review": ("admin", lambda w, s: f"/certificates/classes/{w.course_class.id}", 'data-test="review-row"'),
    "attendance": ("gv.an", lambda w, s: f"/sessions/{s.id}/attendance", 'data-test="attendance-row"'),
}


@pytest.mark.parametrize("screen", SCREENS)
def test_a_long_screen_shows_25_learners_a_page(world, big_class, auth, client, screen):
    username, path, row = SCREENS[screen]
    auth.login(username)
    base = path(world, big_class)
    first = client.get(base).get_data(as_text=True)
    assert first.count(row) == 25
    assert '<span class="muted" data-test="page-position">Trang 1 / 2</span>' in first
    assert f'href="{base}?page=2" rel="next"' in first
    second = client.get(f"{base}?page=2")
    assert second.status_code == 200
    page = second.get_data(as_text=True)
    assert page.count(row) == 5
    assert f'href="{base}?page=1" rel="prev"' in page
    # every learner is on exactly one of the two pages
    names = ["Nguyễn Thị Mai", "Trần Văn Nam", *(f"Học Viên {n:02d}" for n in range(1, 29))]
    assert all((name in first) != (name in page) for name in names)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize(("asked", "shown"), [("abc", 25), ("-1", 25), ("٣", 25), ("1" * 40, 25), ("99", 5)])
def test_a_page_number_that_is_not_one_never_fails(world, big_class, auth, client, screen, asked, shown):
    username, path, row = SCREENS[screen]
    auth.login(username)
    response = client.get(path(world, big_class), query_string={"page": asked})
    assert response.status_code == 200
    assert response.get_data(as_text=True).count(row) == shown
