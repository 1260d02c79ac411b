"""Every refusal of scheduling, marking attendance and checking in, read as the person reads it.

The scheduling form puts each field's exact message right after that field; marking attendance
without a reason and a wrong or early check-in code each say why, in Vietnamese (English for an
account that chose it), with the exact status code, and write nothing.
"""

from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app

from lms.database import utcnow
from lms.extensions import db
from lms.live.checkin import checkin_code
from lms.live.models import LiveSession
from lms.live.schedule import utc_to_local_input
from tests.refusals import (
    error_elements,
    field_error,
    flashed_errors,
    nothing_written,
    only_error,
    parse,
    speak_english,
)


def session_data(**changes) -> dict:
    return {
        "title": "Buổi 2: Một cửa liên thông",
        "starts_at": utc_to_local_input(datetime.now(UTC) + timedelta(days=2)),
        "duration_minutes": "90",
        "video_url": "https://meet.example.vn/cchc",
        "attendance_required": "1",
        "attendance_threshold": "80",
        "slides_module_id": "",
    } | changes


def schedule_errors(response) -> dict[str, str]:
    """Each field's error, found right after the field it is about."""
    page = parse(response)
    errors = {}
    for element in error_elements(page):
        field = element.attrs["id"].removesuffix("-error")
        assert field_error(page, field) is element
        errors[field] = element.text
    return errors


TITLE = "Hãy đặt tên cho buổi học (tối đa 300 ký tự)."
DURATION = "Thời lượng tính bằng phút, từ 5 đến 480."
URL = "Đường dẫn phòng họp phải là địa chỉ web bắt đầu bằng https://."
THRESHOLD = "Tỷ lệ thời gian phải tham dự là số phần trăm từ 1 đến 100."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "  "}, "title", TITLE),
        ({"title": "T" * 301}, "title", TITLE),
        ({"starts_at": "2020-01-01T08:00"}, "starts_at", "Thời gian bắt đầu đã qua."),
        ({"starts_at": "ngày mai"}, "starts_at", "Hãy nhập ngày và giờ bắt đầu."),
        ({"starts_at": ""}, "starts_at", "Hãy nhập ngày và giờ bắt đầu."),
        ({"duration_minutes": "4"}, "duration_minutes", DURATION),
        ({"duration_minutes": "481"}, "duration_minutes", DURATION),
        ({"duration_minutes": "1,5"}, "duration_minutes", DURATION),
        ({"video_url": "ftp://meet.example.vn"}, "video_url", URL),
        ({"video_url": "meet.example.vn"}, "video_url", URL),
        ({"attendance_threshold": "0"}, "attendance_threshold", THRESHOLD),
        ({"attendance_threshold": "101"}, "attendance_threshold", THRESHOLD),
        ({"slides_module_id": "99999"}, "slides_module_id", "Hãy chọn một bài học của khóa học này để trình chiếu."),
    ],
)
def test_a_bad_session_shows_the_reason_next_to_its_field(world, auth, changes, field, message):
    auth.login("gv.an")
    with nothing_written():
        response = auth.post(f"/classes/{world.course_class.id}/sessions/new", session_data(**changes))
    assert response.status_code == 400
    assert schedule_errors(response) == {field: message}


def test_every_bad_session_field_gets_its_own_message(world, auth):
    auth.login("gv.an")
    data = session_data(
        title="",
        starts_at="x",
        duration_minutes="0",
        video_url="javascript:alert(1)",
        attendance_threshold="-5",
        slides_module_id="abc",
    )
    with nothing_written():
        response = auth.post(f"/classes/{world.course_class.id}/sessions/new", data)
    assert response.status_code == 400
    assert schedule_errors(response) == {
        "title": TITLE,
        "starts_at": "Hãy nhập ngày và giờ bắt đầu.",
        "duration_minutes": DURATION,
        "video_url": URL,
        "attendance_threshold": THRESHOLD,
        "slides_module_id": "Hãy chọn một bài học của khóa học này để trình chiếu.",
    }


def test_schedule_refusal_in_english(world, auth):
    speak_english(world.teacher)
    auth.login("gv.an")
    with nothing_written():
        response = auth.post(f"/classes/{world.course_class.id}/sessions/new", session_data(duration_minutes="600"))
    assert response.status_code == 400
    assert schedule_errors(response) == {"duration_minutes": "The duration is in minutes, from 5 to 480."}


def attendance_error(response) -> str:
    page = parse(response)
    box = only_error(page)
    assert box.attrs.get("role") == "alert"
    assert page.find_all("li", data_test="attendance-row"), "the attendance cards are shown again"
    return box.text


@pytest.mark.parametrize("reason", ["", "   \t "])
def test_marking_attendance_without_a_reason_is_refused(world, live, auth, reason):
    auth.login("gv.an")
    with nothing_written():
        response = auth.post(
            f"/sessions/{live.id}/attendance", {"user_id": str(world.learner.id), "present": "1", "reason": reason}
        )
    assert response.status_code == 400
    assert attendance_error(response) == "Hãy nêu lý do khi ghi nhận có mặt hoặc vắng mặt."


def test_attendance_refusal_in_english(world, live, auth):
    speak_english(world.teacher)
    auth.login("gv.an")
    with nothing_written():
        response = auth.post(
            f"/sessions/{live.id}/attendance", {"user_id": str(world.learner.id), "present": "0", "reason": ""}
        )
    assert response.status_code == 400
    assert attendance_error(response) == "Give a reason for marking someone present or absent."


def test_marking_a_session_that_has_not_started_is_refused_in_english(world, live, auth):
    speak_english(world.teacher)
    auth.login("gv.an")
    with nothing_written():
        response = auth.post(
            f"/sessions/{live.id}/attendance", {"user_id": str(world.learner.id), "present": "1", "reason": "Có mặt"}
        )
    assert response.status_code == 400
    assert attendance_error(response) == "This session has not started yet; attendance can be marked once it has begun."


@pytest.mark.parametrize(
    "data",
    [{"user_id": "abc", "present": "1"}, {"user_id": "99999", "present": "1"}, {"user_id": "LEARNER", "present": "2"}],
)
def test_marking_someone_not_listed_is_refused(world, live, auth, data):
    if data["user_id"] == "LEARNER":
        data = data | {"user_id": str(world.learner.id)}
    auth.login("gv.an")
    with nothing_written():
        response = auth.post(f"/sessions/{live.id}/attendance", data | {"reason": "Có mặt tại hội trường"})
    assert response.status_code == 400
    assert parse(response).one("p", class_="lead").text == "Yêu cầu không hợp lệ."


def wrong_code(session_id: int) -> str:
    now = utcnow()
    shown = {checkin_code(current_app.config["SECRET_KEY"], session_id, now - timedelta(minutes=m)) for m in (0, 1)}
    return next(code for code in ("000000", "111111", "222222") if code not in shown)


def checkin_refusal(auth, client, session_id: int, code: str) -> list[str]:
    response = auth.post(f"/sessions/{session_id}/checkin", {"code": code})
    assert response.status_code == 303
    page = parse(client.get(response.headers["Location"]))
    assert len(error_elements(page)) == 1
    return flashed_errors(page)


def test_a_wrong_check_in_code_is_refused(world, live, auth, client):
    auth.login("hv.mai")
    with nothing_written():
        messages = checkin_refusal(auth, client, live.id, wrong_code(live.id))
    assert messages == ["Mã này không phải mã đang hiển thị trong phòng. Hãy kiểm tra lại và thử lần nữa."]


def test_checking_in_outside_the_window_is_refused(world, auth, client):
    later = LiveSession(
        class_id=world.course_class.id,
        title="Buổi sau",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(days=1),
    )
    db.session.add(later)
    db.session.commit()
    code = checkin_code(current_app.config["SECRET_KEY"], later.id, utcnow())
    auth.login("hv.mai")
    with nothing_written():
        messages = checkin_refusal(auth, client, later.id, code)
    assert messages == ["Có thể điểm danh từ 15 phút trước giờ học đến khi buổi học kết thúc."]


def test_check_in_refusal_in_english(world, live, auth, client):
    speak_english(world.learner)
    auth.login("hv.mai")
    with nothing_written():
        messages = checkin_refusal(auth, client, live.id, wrong_code(live.id))
    assert messages == ["That code is not the one shown in the room now. Check it and try again."]
