"""Honest study time: a module with `min_minutes` is "done" only once the pings credited that long."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.database import utcnow
from lms.extensions import db
from lms.progress import service as progress_service
from lms.progress import views as progress_views
from lms.progress.models import ModuleProgress
from tests import factories
from tests.conftest import AuthActions

TOO_EARLY = "Bài này yêu cầu học ít nhất 2 phút trước khi được đánh dấu hoàn thành: còn khoảng {left} phút nữa."


@pytest.fixture
def timed(world, auth, tmp_path):
    """A course whose only module asks for 2 minutes of reading, hv.mai enrolled and signed in."""
    course = factories.make_course(
        tmp_path,
        slug="doc-ky",
        modules={
            "01-doc-ky.md": factories.module_file("Đọc kỹ", "## Nội dung\n\nĐọc chậm.\n", minutes=5, min_minutes=2)
        },
    )
    course_class = factories.make_class(course, "LOP-DOC", learners=[world.learner])
    auth.login("hv.mai")
    base = f"/classes/{course_class.id}/modules/doc-ky"
    return {"page": base, "done": f"{base}/done", "ping": f"{base}/ping"}


class Clock:
    """The server's clock for the progress views, moved by the test."""

    def __init__(self, monkeypatch):
        self.now = utcnow()
        monkeypatch.setattr(progress_views, "utcnow", lambda: self.now)

    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


def the_row() -> ModuleProgress | None:
    db.session.expire_all()
    return db.session.scalar(select(ModuleProgress))


def test_the_page_says_how_long_is_still_needed(timed, client):
    page = client.get(timed["page"]).get_data(as_text=True)
    assert "Bài này yêu cầu học ít nhất 2 phút: còn khoảng 2 phút nữa." in page


def test_done_sent_directly_too_early_is_refused_and_writes_nothing(timed, auth, client):
    response = auth.post(timed["done"])
    assert response.status_code == 303
    assert response.headers["Location"].endswith(timed["page"])  # back to the module, not on to the next
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert TOO_EARLY.format(left=2) in page
    assert the_row() is None  # not even a progress row was left behind


def test_two_tabs_pinging_at_once_are_credited_the_real_time_only(timed, auth, client, monkeypatch):
    clock = Clock(monkeypatch)
    assert auth.post(timed["ping"]).get_json() == {"credited": 0, "seconds_left": 120}  # tab A opens
    # Tabs A and B ping in turn, 15 s apart, each every 30 s, for one minute of real time.
    for _ in range(4):
        clock.advance(15)
        auth.post(timed["ping"])
    assert the_row().seconds_spent == 60  # not 120: B's pings earn only the time since A's
    clock.advance(0)
    assert auth.post(timed["ping"]).get_json() == {"credited": 0, "seconds_left": 60}  # same instant, other tab

    refused = auth.post(timed["done"])
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert TOO_EARLY.format(left=1) in page
    assert the_row().completed_at is None

    for _ in range(4):
        clock.advance(15)
        last = auth.post(timed["ping"]).get_json()
    assert last == {"credited": 15, "seconds_left": 0}
    page = client.get(timed["page"]).get_data(as_text=True)
    assert "Bạn đã học đủ thời gian: có thể đánh dấu hoàn thành bài này." in page

    accepted = auth.post(timed["done"])
    assert accepted.status_code == 303
    assert the_row().completed_at is not None
    assert "Đã học xong “Đọc kỹ”." in client.get(accepted.headers["Location"]).get_data(as_text=True)


def test_a_hidden_tab_earns_nothing_for_the_time_it_was_hidden(timed, auth, monkeypatch):
    clock = Clock(monkeypatch)
    auth.post(timed["ping"])
    clock.advance(30)
    auth.post(timed["ping"])  # the ping sent as the tab is hidden
    clock.advance(3600)  # an hour in the background: no pings
    assert auth.post(timed["ping"]).get_json() == {"credited": 0, "seconds_left": 90}
    assert the_row().seconds_spent == 30


def test_a_module_without_a_minimum_is_done_at_once(world, auth):
    auth.login("hv.mai")
    response = auth.post(f"/classes/{world.course_class.id}/modules/mo-dau/done")
    assert response.status_code == 303
    assert the_row().completed_at is not None


def test_pings_of_two_tabs_arriving_together_credit_the_time_once(timed, app, auth, monkeypatch):
    """Each ping is slowed down between reading the row and writing it: without the row lock both
    tabs would read the same last ping and both be credited the same minute."""
    clock = Clock(monkeypatch)
    auth.post(timed["ping"])  # the page opens
    other_tab = app.test_client()
    AuthActions(other_tab).login("hv.mai")
    clock.advance(60)
    slow_credit = progress_service.credited_seconds

    def credited_slowly(*args):
        time.sleep(0.3)
        return slow_credit(*args)

    monkeypatch.setattr(progress_service, "credited_seconds", credited_slowly)
    answers = []
    tabs = [
        threading.Thread(target=lambda tab=tab: answers.append(AuthActions(tab).post(timed["ping"]).get_json()))
        for tab in (auth.client, other_tab)
    ]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join(timeout=30)
    assert sorted(a["credited"] for a in answers) == [0, 60]
    assert the_row().seconds_spent == 60
