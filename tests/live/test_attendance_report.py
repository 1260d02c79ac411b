"""The per-session attendance report, CSV (with each presence stretch), and instructors' present/absent
rulings, refused for a session that has not started."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.live.models import AttendanceInterval, AttendanceOverride, LiveSession, PresenceSource
from lms.localtime import VIETNAM
from lms.progress.service import completion_for


@pytest.fixture
def held(world):
    start = datetime.now(UTC) - timedelta(hours=2)
    session = LiveSession(class_id=world.course_class.id, title="Buổi 1", starts_at=start, duration_minutes=60)
    db.session.add(session)
    db.session.flush()
    db.session.add(
        AttendanceInterval(
            session_id=session.id, user_id=world.learner.id, joined_at=start, left_at=start + timedelta(minutes=54)
        )
    )
    world.other_learner.full_name = '=HYPERLINK("http://evil.example")'
    db.session.commit()
    return session


def test_report_shows_minutes_share_and_source(world, held, auth, client):
    auth.login("gv.an")
    page = client.get(f"/sessions/{held.id}/attendance").get_data(as_text=True)
    rows = page.split('data-test="attendance-row"')[1:]
    assert len(rows) == 2 and "0\u00a0%" in rows[0] and "54" in rows[1] and "90\u00a0%" in rows[1]
    csv = client.get(f"/sessions/{held.id}/attendance?format=csv").data.decode("utf-8-sig")
    joined = held.starts_at.astimezone(VIETNAM)
    left = joined + timedelta(minutes=54)
    assert f"hv.mai,Nguyễn Thị Mai,Phường 1,54,90,online,,,{joined:%H:%M}–{left:%H:%M} (online)" in csv
    assert "'=HYPERLINK(" in csv


def test_marking_needs_a_reason_is_audited_and_counts(world, held, auth, client):
    auth.login("gv.an")
    path = f"/sessions/{held.id}/attendance"
    refused = auth.post(path, {"user_id": str(world.other_learner.id), "present": "1", "reason": " "})
    assert refused.status_code == 400
    assert (
        '<p class="flash flash-error" role="alert">Hãy nêu lý do khi ghi nhận có mặt hoặc vắng mặt.</p>'
        in refused.get_data(as_text=True)
    )
    assert db.session.scalar(select(AttendanceOverride)) is None
    response = auth.post(path, {"user_id": str(world.other_learner.id), "present": "1", "reason": "Học trực tiếp"})
    assert response.status_code == 303
    nam = next(e for e in world.course_class.enrolments if e.user_id == world.other_learner.id)
    assert {r.key: r.met for r in completion_for(nam).requirements}["attendance"] is True
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "attendance.mark"))
    auth.post(path, {"user_id": str(world.learner.id), "present": "0", "reason": "Treo máy, không học"})
    mai = next(e for e in world.course_class.enrolments if e.user_id == world.learner.id)
    assert {r.key: r.met for r in completion_for(mai).requirements}["attendance"] is False


@pytest.mark.parametrize("username", ["hv.mai", "gv.binh"])
def test_only_the_class_instructors_see_or_mark_attendance(world, held, auth, client, username):
    auth.login(username)
    assert client.get(f"/sessions/{held.id}/attendance").status_code == 403
    assert (
        auth.post(
            f"/sessions/{held.id}/attendance", {"user_id": str(world.learner.id), "present": "1", "reason": "x"}
        ).status_code
        == 403
    )
    assert db.session.scalar(select(AttendanceOverride)) is None


def test_marking_someone_outside_the_class_is_refused(world, held, auth):
    auth.login("gv.an")
    response = auth.post(
        f"/sessions/{held.id}/attendance", {"user_id": str(world.teacher.id), "present": "1", "reason": "x"}
    )
    assert response.status_code == 400 and db.session.scalar(select(AttendanceOverride)) is None
    assert '<p class="lead">Yêu cầu không hợp lệ.</p>' in response.get_data(as_text=True)


def test_a_session_that_has_not_started_cannot_be_marked(world, auth, client):
    tomorrow = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 2",
        starts_at=datetime.now(UTC) + timedelta(days=1),
        duration_minutes=60,
        attendance_required=True,
    )
    db.session.add(tomorrow)
    db.session.commit()
    auth.login("gv.an")
    refused = auth.post(
        f"/sessions/{tomorrow.id}/attendance", {"user_id": str(world.learner.id), "present": "1", "reason": "Có mặt"}
    )
    assert refused.status_code == 400
    assert (
        '<p class="flash flash-error" role="alert">'
        "Buổi học chưa bắt đầu; chỉ ghi nhận điểm danh được khi buổi học đã bắt đầu.</p>"
    ) in refused.get_data(as_text=True)
    assert db.session.scalar(select(AttendanceOverride)) is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance.mark")) is None
    mai = next(e for e in world.course_class.enrolments if e.user_id == world.learner.id)
    assert {r.key: r.met for r in completion_for(mai).requirements}["attendance"] is False


def test_the_service_refuses_a_future_session_with_its_code(world):
    from lms.live.service import mark_attendance
    from lms.refusals import Refused

    now = datetime.now(UTC)
    later = LiveSession(
        class_id=world.course_class.id, title="Buổi 3", starts_at=now + timedelta(seconds=1), duration_minutes=60
    )
    db.session.add(later)
    db.session.flush()
    with pytest.raises(Refused) as refused:
        mark_attendance(later, world.learner.id, True, "Có mặt", world.teacher.id, now)
    assert refused.value.code == "not_started"
    assert [p.msgid for p in refused.value.problems] == [
        "This session has not started yet; attendance can be marked once it has begun."
    ]
    assert mark_attendance(later, world.learner.id, True, "Có mặt", world.teacher.id, later.starts_at).present is True


def test_the_csv_lists_each_stretch_and_keeps_formulas_inert(world, auth, client):
    start = datetime(2025, 5, 6, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
    session = LiveSession(class_id=world.course_class.id, title="Buổi 4", starts_at=start, duration_minutes=120)
    db.session.add(session)
    db.session.flush()
    db.session.add_all(
        [
            AttendanceInterval(
                session_id=session.id,
                user_id=world.learner.id,
                source=PresenceSource.IN_PERSON,
                joined_at=start + timedelta(minutes=50),
                left_at=start + timedelta(minutes=120),
            ),
            AttendanceInterval(
                session_id=session.id,
                user_id=world.learner.id,
                sid="a",
                joined_at=start + timedelta(minutes=5),
                left_at=start + timedelta(minutes=45),
            ),
        ]
    )
    world.other_learner.full_name = "=1+1"
    db.session.commit()
    auth.login("gv.an")
    lines = client.get(f"/sessions/{session.id}/attendance?format=csv").data.decode("utf-8-sig").splitlines()
    assert lines == [
        "username,full_name,unit,minutes_present,share_percent,sources,ruling,reason,stretches",
        "hv.nam,'=1+1,Phường 2,0,0,,,,",
        "hv.mai,Nguyễn Thị Mai,Phường 1,110,92,online in_person,,,08:05–08:45 (online); 08:50–10:00 (in_person)",
    ]
