"""A world for reports: a unit tree, classes of every mode and level, learners in every state."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from lms.auth.models import Role
from lms.certificates.models import Certificate
from lms.courses.models import Enrolment, EnrolmentStatus
from lms.courses.service import enrol_users
from lms.database import utcnow
from lms.extensions import db
from lms.progress.models import ModuleProgress
from tests import factories

# (learner, class, state): the whole story the report tests check against, written out by hand.
STORY = [
    ("hv.an", "ONL", "not_started"),
    ("hv.binh", "ONL", "in_progress"),
    ("hv.chi", "ONL", "completed"),
    ("hv.dung", "ONL", "certified"),
    ("hv.em", "ONL", "revoked"),  # completed, certificate revoked: not certified
    ("hv.giang", "ONL", "withdrawn"),  # completed, then withdrawn: counted nowhere
    ("hv.an", "HYB", "completed"),  # hv.an holds two places
    ("hv.hoa", "HYB", "in_progress"),
    ("hv.khoa", "HYB", "not_started"),
    ("hv.lan", "HYB", "certified"),
    ("hv.minh", "INP", "completed"),
    ("hv.nga", "INP", "not_started"),
    ("hv.oanh", "INP", "withdrawn"),
    ("hv.binh", "INP", "in_progress"),
]

# Learner -> unit code.
HOMES = {
    "hv.an": "ward-a1",
    "hv.binh": "ward-a1",
    "hv.chi": "ward-a2",
    "hv.dung": "district-a",
    "hv.em": "dept",
    "hv.giang": "ward-a1",
    "hv.hoa": "ward-b1",
    "hv.khoa": "old-ward",
    "hv.lan": "ward-b1",
    "hv.minh": None,
    "hv.nga": "dept",
    "hv.oanh": "ward-a2",
}


def set_state(enrolment: Enrolment, modules, state: str, admin) -> None:
    """Give an enrolment the records of a state, the way the app would leave them."""
    now = utcnow()
    required = [m for m in modules if m.required]
    if state == "not_started":
        return
    if state == "in_progress":
        db.session.add(
            ModuleProgress(
                enrolment_id=enrolment.id,
                module_id=required[0].id,
                first_opened_at=now,
                last_seen_at=now,
                completed_at=now,
                seconds_spent=300,
            )
        )
        return
    for module in required:
        db.session.add(
            ModuleProgress(
                enrolment_id=enrolment.id,
                module_id=module.id,
                first_opened_at=now,
                last_seen_at=now,
                completed_at=now,
                seconds_spent=600,
            )
        )
    enrolment.completed_at = now
    if state in ("certified", "revoked"):
        add_certificate(enrolment, admin, revoked=state == "revoked")
    if state == "withdrawn":
        enrolment.status = EnrolmentStatus.WITHDRAWN


def add_certificate(enrolment: Enrolment, admin, revoked: bool = False) -> Certificate:
    now = utcnow()
    cert = Certificate(
        enrolment_id=enrolment.id,
        serial=f"CCHC-{secrets.token_hex(3).upper()}",
        verification_code=secrets.token_urlsafe(16),
        recipient_salt=secrets.token_hex(8),
        recipient_name=enrolment.user.full_name,
        unit_name="",
        course_title=enrolment.course_class.course.title,
        class_name=enrolment.course_class.name,
        completed_on=now.date(),
        issued_at=now,
        issued_by_id=admin.id,
        revoked_at=now if revoked else None,
        revoked_by_id=admin.id if revoked else None,
        revocation_reason="sai sót" if revoked else None,
    )
    db.session.add(cert)
    db.session.flush()
    return cert


@pytest.fixture
def report_world(app, tmp_path):
    """Units: city > district A > wards A1, A2; city > district B > ward B1; city > dept; old-ward (retired)."""
    city = factories.make_unit("city", "Thành phố Hồ Chí Minh", "Thành phố")
    district_a = factories.make_unit("district-a", "Quận A", "Quận/huyện", parent=city)
    district_b = factories.make_unit("district-b", "Quận B", "Quận/huyện", parent=city)
    units = {
        "city": city,
        "district-a": district_a,
        "district-b": district_b,
        "ward-a1": factories.make_unit("ward-a1", "Phường A1", "Phường/xã", parent=district_a),
        "ward-a2": factories.make_unit("ward-a2", "Phường A2", "Phường/xã", parent=district_a),
        "ward-b1": factories.make_unit("ward-b1", "Phường B1", "Phường/xã", parent=district_b),
        "dept": factories.make_unit("dept", "Sở Nội vụ", "Sở/ngành", parent=city),
        "old-ward": factories.make_unit("old-ward", "Phường Cũ", "Phường/xã", parent=district_b),
        "empty": factories.make_unit("empty", "Xã Trống", "Phường/xã", parent=city),
    }
    admin = factories.make_user("admin", Role.ADMIN, city, "Quản Trị Viên")
    teacher = factories.make_user("gv.an", Role.INSTRUCTOR, city, "Giảng Viên An")
    other_teacher = factories.make_user("gv.binh", Role.INSTRUCTOR, city, "Giảng Viên Bình")
    learners = {
        name: factories.make_user(name, Role.LEARNER, units[code] if code else None, f"Học viên {name[3:].title()}")
        for name, code in HOMES.items()
    }
    course = factories.make_course(tmp_path)
    other_course = factories.make_course(tmp_path, slug="khac", title="Kỹ năng khác")
    day = date(2025, 3, 1)
    classes = {
        "ONL": factories.make_class(
            course,
            "ONL",
            instructors=[teacher],
            mode="online",
            level="Thành phố",
            starts_on=day,
            ends_on=day + timedelta(days=30),
        ),
        "HYB": factories.make_class(
            course,
            "HYB",
            instructors=[teacher, other_teacher],
            mode="hybrid",
            level="Phường/xã",
            starts_on=date(2025, 6, 1),
            ends_on=date(2025, 6, 30),
        ),
        "INP": factories.make_class(
            other_course,
            "INP",
            instructors=[other_teacher],
            mode="in_person",
            level="Phường/xã",
            starts_on=date(2024, 10, 1),
            ends_on=date(2024, 10, 5),
        ),
        "EMPTY": factories.make_class(other_course, "EMPTY", mode="online", level=""),
    }
    enrolments = {}
    for name, code, state in STORY:
        course_class = classes[code]
        enrol_users(course_class, [learners[name]], source="admin")
        enrolment = db.session.scalar(
            db.select(Enrolment).where(Enrolment.class_id == course_class.id, Enrolment.user_id == learners[name].id)
        )
        set_state(enrolment, course_class.course.active_modules, state, admin)
        enrolments[(name, code)] = enrolment
    units["old-ward"].retired_at = utcnow()  # retired after its learner enrolled: the past stays counted
    db.session.commit()
    return SimpleNamespace(
        units=units,
        admin=admin,
        teacher=teacher,
        other_teacher=other_teacher,
        learners=learners,
        course=course,
        other_course=other_course,
        classes=classes,
        enrolments=enrolments,
    )
