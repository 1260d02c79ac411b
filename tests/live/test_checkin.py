"""In-person check-in with a code that changes every minute."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.live.checkin import checkin_code, code_is_valid
from lms.live.models import AttendanceInterval, LiveSession
from tests import factories
from tests.conftest import AuthActions, IsolatedClient, csrf_token

T = datetime(2026, 12, 1, 1, 0, 30, tzinfo=UTC)


def test_codes_change_every_minute_and_the_previous_one_still_works():
    now = checkin_code("k", 1, T)
    assert re.fullmatch(r"\d{6}", now)
    assert checkin_code("k", 1, T + timedelta(seconds=20)) == now
    assert checkin_code("k", 1, T + timedelta(minutes=1)) != now
    assert checkin_code("k", 2, T) != now and checkin_code("other", 1, T) != now
    assert code_is_valid("k", 1, now, T + timedelta(minutes=1))
    assert not code_is_valid("k", 1, now, T + timedelta(minutes=2))
    assert not code_is_valid("k", 1, "", T)


@pytest.fixture
def now_session(world):
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=90,
        starts_at=datetime.now(UTC) - timedelta(minutes=10),
    )
    db.session.add(session)
    db.session.commit()
    return session


def shown_code(client, session) -> str:
    page = client.get(f"/sessions/{session.id}/checkin-code").get_data(as_text=True)
    return re.search(r'data-test="checkin-code">(\d{6})<', page).group(1)


def in_person_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AttendanceInterval).where(AttendanceInterval.source == "in_person")
    )


def test_learner_checks_in_with_the_code_on_the_screen(now_session, auth, client):
    auth.login("gv.an")
    code = shown_code(client, now_session)
    auth.logout()
    auth.login("hv.mai")
    assert client.get(f"/sessions/{now_session.id}/checkin-code").status_code == 403
    wrong = "000000" if code != "000000" else "111111"
    page = auth.post(f"/sessions/{now_session.id}/checkin", {"code": wrong}, follow_redirects=True)
    assert (
        '<p class="flash flash-error" role="status">'
        "Mã này không phải mã đang hiển thị trong phòng. Hãy kiểm tra lại và thử lần nữa.</p>"
    ) in page.get_data(as_text=True)
    assert in_person_count() == 0
    for _ in range(2):  # twice is harmless
        assert auth.post(f"/sessions/{now_session.id}/checkin", {"code": code}).status_code == 303
    (stretch,) = db.session.scalars(select(AttendanceInterval)).all()
    assert stretch.source == "in_person" and stretch.left_at == now_session.ends_at


def test_check_in_outside_the_session_or_class_is_refused(world, now_session, auth, client):
    now_session.starts_at = datetime.now(UTC) + timedelta(hours=2)
    db.session.commit()
    auth.login("gv.an")
    code = shown_code(client, now_session)
    auth.logout()
    auth.login("hv.mai")
    page = auth.post(f"/sessions/{now_session.id}/checkin", {"code": code}, follow_redirects=True)
    assert (
        '<p class="flash flash-error" role="status">'
        "Có thể điểm danh từ 15 phút trước giờ học đến khi buổi học kết thúc.</p>"
    ) in page.get_data(as_text=True)
    assert in_person_count() == 0
    auth.logout()
    auth.login("gv.binh")
    assert auth.post(f"/sessions/{now_session.id}/checkin", {"code": code}).status_code == 403


def _learner_posts_code(app, username: str, session, code: str, address: str = "10.0.0.7"):
    """One learner's own phone on the classroom's Wi-Fi (one address for the whole room): sign in, post the code."""
    app.test_client_class = IsolatedClient
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = address
    assert AuthActions(phone).login(username).status_code == 302
    return phone, phone.post(
        f"/sessions/{session.id}/checkin", data={"code": code, "csrf_token": csrf_token(phone, "/account")}
    )


def test_a_classroom_behind_one_address_checks_in_and_the_limit_is_per_learner(app, world, now_session, auth, client):
    """Check-in is limited per learner, not per address: 12 learners sharing the room's Wi-Fi all check
    in, while one learner trying code after code is refused at the 11th try within a minute."""
    learners = factories.enrol_many(world.course_class, world.ward, 12)
    auth.login("gv.an")
    code = shown_code(client, now_session)
    auth.logout()
    for learner in learners:
        _phone, answer = _learner_posts_code(app, learner.username, now_session, code)
        assert answer.status_code == 303, learner.username
    assert in_person_count() == 12

    wrong = "000000" if code != "000000" else "111111"
    phone, first = _learner_posts_code(app, "hv.mai", now_session, wrong)
    token = csrf_token(phone, "/account")
    statuses = [first.status_code] + [
        phone.post(f"/sessions/{now_session.id}/checkin", data={"code": wrong, "csrf_token": token}).status_code
        for _ in range(10)
    ]
    assert statuses == [303] * 10 + [429]
    refused = phone.post(f"/sessions/{now_session.id}/checkin", data={"code": code, "csrf_token": token})
    assert refused.status_code == 429  # the right code waits too, for this learner only
    assert "Nhập mã điểm danh quá nhiều lần. Vui lòng chờ một phút rồi thử lại." in refused.get_data(as_text=True)
    assert in_person_count() == 12
    _other_phone, other = _learner_posts_code(app, "hv.nam", now_session, code)
    assert other.status_code == 303  # hv.nam, same address, is not held back by hv.mai's tries
    assert in_person_count() == 13
