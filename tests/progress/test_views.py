"""Recording progress through the module page's endpoints."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.courses.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.progress.models import ModuleProgress


@pytest.fixture
def learner(world, auth):
    auth.login("hv.mai")
    return world


def done_path(world, slug="mo-dau"):
    return f"/classes/{world.course_class.id}/modules/{slug}/done"


def progress_rows():
    db.session.expire_all()
    return db.session.scalars(select(ModuleProgress)).all()


def test_mark_done_records_once_and_moves_on(learner, auth):
    response = auth.post(done_path(learner), {"next_slug": "thu-tuc"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/modules/thu-tuc")
    (row,) = progress_rows()
    first_done = row.completed_at
    assert first_done is not None

    again = auth.post(done_path(learner))  # a replayed request
    assert again.status_code == 303
    (row,) = progress_rows()
    assert row.completed_at == first_done


def test_completion_is_stamped_when_required_modules_are_done(learner, auth, client):
    auth.post(done_path(learner, "mo-dau"))
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.learner.id))
    assert enrolment.completed_at is None
    auth.post(done_path(learner, "thu-tuc"))  # the optional module stays undone
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).completed_at is not None
    page = client.get(f"/classes/{learner.course_class.id}").get_data(as_text=True)
    assert 'data-test="complete"' in page


def test_heartbeat_credits_time_between_pings_only(learner, auth):
    path = f"/classes/{learner.course_class.id}/modules/mo-dau/ping"
    assert auth.post(path, {"position": "muc-tieu"}).get_json() == {"credited": 0, "seconds_left": 0}
    (row,) = progress_rows()
    assert row.last_position == "muc-tieu" and row.seconds_spent == 0
    row.last_seen_at -= timedelta(seconds=40)  # as if the last ping was 40 s ago
    db.session.commit()
    assert auth.post(path, {"position": "muc-tieu"}).get_json()["credited"] >= 40
    (row,) = progress_rows()
    assert 40 <= row.seconds_spent < 45
    row.last_seen_at -= timedelta(hours=2)  # the tab sat in the background
    db.session.commit()
    assert auth.post(path).get_json()["credited"] == 0


def test_replayed_heartbeat_adds_almost_nothing(learner, auth):
    path = f"/classes/{learner.course_class.id}/modules/mo-dau/ping"
    for _ in range(5):
        auth.post(path)
    (row,) = progress_rows()
    assert row.seconds_spent <= 2


def test_bad_position_is_refused(learner, auth):
    path = f"/classes/{learner.course_class.id}/modules/mo-dau/ping"
    assert auth.post(path, {"position": "<script>"}).status_code == 400
    assert progress_rows() == []


def test_withdrawn_learner_records_nothing(learner, auth):
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.learner.id))
    enrolment.status = EnrolmentStatus.WITHDRAWN
    db.session.commit()
    assert auth.post(done_path(learner)).status_code == 403
    assert progress_rows() == []


def test_one_learner_cannot_write_into_anothers_class(world, auth):
    auth.login("hv.mai")
    path = f"/classes/{world.other_class.id}/modules/mo-dau/done"
    assert auth.post(path).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ModuleProgress)) == 0


def test_instructor_sees_who_is_behind(world, auth, client):
    auth.login("hv.mai")
    auth.post(done_path(world))
    auth.logout()
    auth.login("gv.an")
    page = client.get(f"/classes/{world.course_class.id}/progress").get_data(as_text=True)
    rows = page.split('data-test="learner-row"')[1:]
    assert len(rows) == 2
    assert "Trần Văn Nam" in rows[0] and "0/2" in rows[0]  # least advanced first
    assert "Nguyễn Thị Mai" in rows[1] and "1/2" in rows[1]
