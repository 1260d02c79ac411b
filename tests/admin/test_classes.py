"""Class screens: create and edit, enrol by unit, CSV or one by one, withdraw and re-enrol, roster."""

import io
import re

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.courses.models import CourseClass, Enrolment
from lms.extensions import db
from tests import factories


def class_form(world, **overrides):
    data = {
        "course_id": str(world.course.id),
        "code": "CCHC-2026-09",
        "name": "Lớp cấp xã 9",
        "level": "Cấp xã",
        "mode": "hybrid",
        "starts_on": "2026-03-02",
        "ends_on": "2026-04-30",
        "instructors": [str(world.teacher.id), str(world.other_teacher.id)],
        "self_enrol": "1",
    }
    data.update(overrides)
    return data


def enrolments(course_class) -> dict[str, str]:
    db.session.commit()
    rows = db.session.scalars(select(Enrolment).where(Enrolment.class_id == course_class.id))
    return {e.user.username: e.status for e in rows}


def test_create_a_class_then_edit_it(world, auth):
    auth.login("admin")
    response = auth.post("/admin/classes/new", class_form(world))
    assert response.status_code == 303
    course_class = db.session.scalar(select(CourseClass).where(CourseClass.code == "CCHC-2026-09"))
    assert course_class.mode == "hybrid" and course_class.self_enrol and course_class.level == "Cấp xã"
    assert [u.username for u in course_class.instructors] == ["gv.an", "gv.binh"]
    edit = auth.post(
        f"/admin/classes/{course_class.id}/edit",
        class_form(world, name="Lớp mới", instructors=[str(world.teacher.id)], self_enrol=""),
    )
    assert edit.status_code == 303
    db.session.commit()
    course_class = db.session.get(CourseClass, course_class.id)
    assert course_class.name == "Lớp mới" and not course_class.self_enrol
    assert [u.username for u in course_class.instructors] == ["gv.an"]
    actions = list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target == f"class:{course_class.id}").order_by(AuditEvent.id)
        )
    )
    assert actions == ["class.create", "class.update"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"code": "LOP-1"},
        {"code": "có dấu"},
        {"name": ""},
        {"course_id": "99999"},
        {"mode": "radio"},
        {"starts_on": "2026-13-01"},
        {"ends_on": "2026-01-01"},
        {"instructors": ["99999"]},
        {"instructors": ["{learner}"]},
    ],
)
def test_bad_class_input_is_refused_and_nothing_is_written(world, auth, overrides):
    auth.login("admin")
    if overrides.get("instructors") == ["{learner}"]:
        overrides = {"instructors": [str(world.learner.id)]}
    response = auth.post("/admin/classes/new", class_form(world, **overrides))
    assert response.status_code == 400 and 'data-test="field-error"' in response.get_data(as_text=True)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CourseClass)) == 2


def test_enrol_a_unit_with_or_without_sub_units(world, auth, client):
    factories.make_user("hv.tp", Role.LEARNER, world.city)
    factories.make_user("hv.off", Role.LEARNER, world.ward, active=False)
    auth.login("admin")
    target = world.other_class
    assert auth.post(f"/admin/classes/{target.id}/enrol/unit", {"unit_id": str(world.city.id)}).status_code == 303
    assert enrolments(target) == {"hv.tp": "active"}
    assert (
        auth.post(
            f"/admin/classes/{target.id}/enrol/unit", {"unit_id": str(world.city.id), "subunits": "1"}
        ).status_code
        == 303
    )
    assert enrolments(target) == {"hv.tp": "active", "hv.mai": "active", "hv.nam": "active"}
    roster = client.get(f"/admin/classes/{target.id}").get_data(as_text=True)
    assert roster.count('data-test="roster-row"') == 3 and 'data-active="3"' in roster
    assert auth.post(f"/admin/classes/{target.id}/enrol/unit", {"unit_id": "abc"}).status_code == 400
    assert auth.post(f"/admin/classes/{target.id}/enrol/unit", {"unit_id": "99999"}).status_code == 400


def test_enrol_from_csv_is_all_or_nothing_with_problems_by_line(world, auth):
    auth.login("admin")
    target = world.other_class
    bad = "username\nhv.mai\nkhong-ai\ngv.an\n"
    response = auth.post(
        f"/admin/classes/{target.id}/enrol/csv",
        {"file": (io.BytesIO(bad.encode()), "l.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert re.findall(r'data-test="enrol-error" data-line="(\d+)"', response.get_data(as_text=True)) == ["3", "4"]
    assert enrolments(target) == {}
    good = "\ufeffusername\nHV.MAI\nhv.nam\nhv.mai\n"
    response = auth.post(
        f"/admin/classes/{target.id}/enrol/csv",
        {"file": (io.BytesIO(good.encode()), "l.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert enrolments(target) == {"hv.mai": "active", "hv.nam": "active"}
    missing = auth.post(f"/admin/classes/{target.id}/enrol/csv", {}, content_type="multipart/form-data")
    assert missing.status_code == 400


def test_enrol_one_learner_found_by_search(world, auth, client):
    auth.login("admin")
    target = world.other_class
    page = client.get(f"/admin/classes/{target.id}?q=nam").get_data(as_text=True)
    candidates = page.split("enrol-candidates")[1]
    assert 'data-test="enrol-candidate" data-username="hv.nam"' in candidates and "gv.an" not in candidates
    one = {"user_id": str(world.other_learner.id)}
    assert auth.post(f"/admin/classes/{target.id}/enrol/user", one).status_code == 303
    assert enrolments(target) == {"hv.nam": "active"}
    assert auth.post(f"/admin/classes/{target.id}/enrol/user", {"user_id": str(world.teacher.id)}).status_code == 400
    assert auth.post(f"/admin/classes/{target.id}/enrol/user", {"user_id": "99999"}).status_code == 400
    assert enrolments(target) == {"hv.nam": "active"}


def test_withdraw_after_confirmation_then_re_enrol(world, auth, client):
    auth.login("admin")
    course_class = world.course_class
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.learner.id))
    url = f"/admin/classes/{course_class.id}/enrolments/{enrolment.id}"
    confirm = client.get(url + "/withdraw")
    assert confirm.status_code == 200 and 'data-test="withdraw-confirm"' in confirm.get_data(as_text=True)
    assert enrolments(course_class)["hv.mai"] == "active"  # asking changes nothing
    assert auth.post(url + "/withdraw").status_code == 303
    assert enrolments(course_class)["hv.mai"] == "withdrawn"
    roster = client.get(f"/admin/classes/{course_class.id}").get_data(as_text=True)
    assert 'data-username="hv.mai" data-status="withdrawn"' in roster
    assert auth.post(url + "/reenrol").status_code == 303
    assert enrolments(course_class)["hv.mai"] == "active"
    # In the order written: PostgreSQL returns rows in any order without ORDER BY.
    actions = list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == world.admin.id).order_by(AuditEvent.id)
        )
    )
    assert actions == ["class.withdraw", "class.enrol"]
