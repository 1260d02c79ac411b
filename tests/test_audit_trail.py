"""Every audited action writes exactly one audit row, with the right actor, target and details.

Each action that calls `record_audit` (lms/) is performed through its real surface (the admin,
certificate, marking, scheduling and attendance forms; the `flask` commands), and the new audit
rows are compared whole: (actor id, action, target, details). The CLI acts with no actor (None).
For each action, a refused attempt (bad input or the wrong person) writes no audit row at all.
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.courses.models import CourseClass, Enrolment
from lms.database import utcnow
from lms.extensions import db
from lms.live.models import LiveSession
from lms.org.models import Unit
from lms.quizzes import attempts as quiz_service
from lms.quizzes.models import Quiz, QuizAttempt
from tests import factories
from tests.certificates.conftest import complete, enrolment_of, issue


@pytest.fixture
def audit(world):
    """New audit rows since the last call, as (actor id, action, target, details)."""
    seen = SimpleNamespace(last=0)

    def new_rows() -> list[tuple]:
        db.session.expire_all()
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.id > seen.last).order_by(AuditEvent.id)).all()
        seen.last = max([seen.last, *(r.id for r in rows)])
        return [(r.actor_id, r.action, r.target, r.details) for r in rows]

    new_rows()  # the world's own setup (its class enrolment) is not what a test checks
    return new_rows


def user_id(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def unit_id(code: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


# -- users --------------------------------------------------------------------------------------


def test_user_create(world, auth, audit):
    auth.login("admin")
    form = {
        "username": "hv.lan",
        "full_name": "Lê Thị Lan",
        "email": "",
        "role": "learner",
        "unit_id": str(world.ward.id),
        "password": "mat-khau-dai-42",
    }
    refused = auth.post("/admin/users/new", {**form, "username": "hv.mai"})  # taken
    assert refused.status_code == 400 and audit() == []
    assert auth.post("/admin/users/new", form).status_code == 303
    assert audit() == [
        (
            world.admin.id,
            "user.create",
            f"user:{user_id('hv.lan')}",
            {"username": "hv.lan", "role": "learner", "unit": "phuong-1"},
        )
    ]


def test_user_create_refused_to_an_instructor(world, auth, audit):
    auth.login("gv.an")
    form = {"username": "hv.lan", "full_name": "Lan", "role": "learner", "unit_id": str(world.ward.id)}
    assert auth.post("/admin/users/new", form).status_code == 403
    assert audit() == []


def test_user_create_from_the_command_line(world, runner, audit):
    refused = runner.invoke(
        args=["users", "create", "--username", "hv.lan", "--unit", "khong-co", "--password", "mat-khau-dai-42"]
    )
    assert refused.exit_code != 0 and audit() == []
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--username",
            "hv.lan",
            "--role",
            "instructor",
            "--unit",
            "tp",
            "--password",
            "mat-khau-dai-42",
        ]
    )
    assert result.exit_code == 0, result.output
    assert audit() == [
        (None, "user.create", f"user:{user_id('hv.lan')}", {"username": "hv.lan", "role": "instructor", "unit": "tp"})
    ]


def test_user_update(world, auth, audit):
    auth.login("admin")
    form = {"full_name": "Nguyễn Thị Mai Anh", "email": "", "role": "learner", "unit_id": str(world.other_ward.id)}
    own = {"full_name": "Quản Trị Viên", "email": "", "role": "learner", "unit_id": str(world.city.id)}
    assert auth.post(f"/admin/users/{world.admin.id}", own).status_code == 400  # may not drop own admin role
    same = {"full_name": "Nguyễn Thị Mai", "email": "", "role": "learner", "unit_id": str(world.ward.id)}
    assert auth.post(f"/admin/users/{world.learner.id}", same).status_code == 303  # nothing changed
    assert audit() == []
    assert auth.post(f"/admin/users/{world.learner.id}", form).status_code == 303
    assert audit() == [
        (
            world.admin.id,
            "user.update",
            f"user:{world.learner.id}",
            {
                "username": "hv.mai",
                "full_name": {"from": "Nguyễn Thị Mai", "to": "Nguyễn Thị Mai Anh"},
                "unit": {"from": "phuong-1", "to": "phuong-2"},
            },
        )
    ]


def test_user_disable_and_enable(world, auth, audit):
    auth.login("admin")
    assert auth.post(f"/admin/users/{world.admin.id}/active", {"active": "0"}).status_code == 303  # not oneself
    assert auth.post(f"/admin/users/{world.learner.id}/active", {"active": "maybe"}).status_code == 400
    assert auth.post(f"/admin/users/{world.learner.id}/active", {"active": "1"}).status_code == 303  # already
    assert audit() == []
    auth.post(f"/admin/users/{world.learner.id}/active", {"active": "0"})
    auth.post(f"/admin/users/{world.learner.id}/active", {"active": "1"})
    target = f"user:{world.learner.id}"
    assert audit() == [
        (world.admin.id, "user.disable", target, {"username": "hv.mai"}),
        (world.admin.id, "user.enable", target, {"username": "hv.mai"}),
    ]


def test_user_password_reset(world, auth, audit):
    auth.login("admin")
    assert auth.post(f"/admin/users/{999999}/password").status_code == 404
    assert audit() == []
    assert auth.post(f"/admin/users/{world.learner.id}/password").status_code == 200
    [(actor, action, target, details)] = audit()
    assert (actor, action, target) == (world.admin.id, "user.code_issue", f"user:{world.learner.id}")
    assert (
        details["username"] == "hv.mai"
        and details["purpose"] == "reset"
        and set(details)
        == {
            "username",
            "purpose",
            "expires_at",
        }
    )  # never the code


def test_operator_set_password(world, runner, audit):
    result = runner.invoke(args=["users", "set-password", "--username", "hv.mai", "--password", "mat-khau-moi-42"])
    assert result.exit_code == 0, result.output
    assert audit() == [(None, "user.password_reset", f"user:{world.learner.id}", {"username": "hv.mai"})]


IMPORT_CSV = "username,full_name,unit\nhv.lan,Lê Thị Lan,phuong-1\nhv.mai,Nguyễn Thị Mai Hoa,phuong-1\n"
IMPORT_DETAILS = {
    "created": 1,
    "updated": 1,
    "created_users": ["hv.lan"],
    "updated_users": ["hv.mai"],
    "activation_codes": 1,
}


def without_handout(events):
    """The events with the import's handout id (random) checked for presence and left out."""
    found = []
    for actor, action, target, details in events:
        details = dict(details)
        assert len(details.pop("handout", "") or "") == 32
        found.append((actor, action, target, details))
    return found


def upload(auth, path: str, text: str, **fields):
    data = {"file": (io.BytesIO(text.encode("utf-8")), "users.csv"), **fields}
    return auth.post(path, data, content_type="multipart/form-data")


def test_user_import(world, auth, audit):
    auth.login("admin")
    bad = upload(auth, "/admin/users/import", IMPORT_CSV.replace("phuong-1\n", "khong-co\n", 1))
    assert bad.status_code == 400
    preview = upload(auth, "/admin/users/import", IMPORT_CSV)
    token = re.search(r'name="token" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    assert auth.post("/admin/users/import/confirm", {"token": token + "x"}).status_code == 400
    assert audit() == []
    assert auth.post("/admin/users/import/confirm", {"token": token}).status_code == 200
    assert without_handout(audit()) == [(world.admin.id, "user.import", "users", IMPORT_DETAILS)]


def test_user_import_from_the_command_line(world, runner, audit, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(IMPORT_CSV.replace("phuong-1\n", "khong-co\n", 1), encoding="utf-8")
    assert runner.invoke(args=["users", "import", str(bad)]).exit_code != 0
    assert audit() == []
    good = tmp_path / "users.csv"
    good.write_text(IMPORT_CSV.replace("hv.lan,Lê Thị Lan,phuong-1", "hv.lan,Lê Thị Lan,phuong-1"), encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(good), "--codes-out", str(tmp_path / "codes.csv")])
    assert result.exit_code == 0, result.output
    assert without_handout(audit()) == [(None, "user.import", "users", IMPORT_DETAILS)]


# -- units --------------------------------------------------------------------------------------


def test_unit_create(world, auth, audit):
    auth.login("admin")
    form = {"code": "phuong-3", "name": "Phường 3", "level": "Phường/xã", "parent_id": str(world.city.id)}
    assert auth.post("/admin/units", {**form, "code": "phuong-1"}).status_code == 400  # code taken
    assert auth.post("/admin/units", {**form, "parent_id": "999999"}).status_code == 400
    assert audit() == []
    assert auth.post("/admin/units", form).status_code == 303
    assert audit() == [
        (
            world.admin.id,
            "unit.create",
            f"unit:{unit_id('phuong-3')}",
            {"code": "phuong-3", "name": "Phường 3", "level": "Phường/xã", "parent": "tp"},
        )
    ]


def test_unit_create_from_the_command_line(world, runner, audit):
    assert runner.invoke(args=["units", "create", "--code", "tp", "--name", "X", "--level", "Y"]).exit_code != 0
    assert audit() == []
    result = runner.invoke(args=["units", "create", "--code", "so-nv", "--name", "Sở Nội vụ", "--level", "Sở/ngành"])
    assert result.exit_code == 0, result.output
    assert audit() == [
        (
            None,
            "unit.create",
            f"unit:{unit_id('so-nv')}",
            {"code": "so-nv", "name": "Sở Nội vụ", "level": "Sở/ngành", "parent": None},
        )
    ]


def test_unit_rename(world, auth, audit):
    auth.login("admin")
    path = f"/admin/units/{world.ward.id}/rename"
    assert auth.post(path, {"name": "", "level": "Phường/xã"}).status_code == 400
    assert auth.post(path, {"name": "Phường 1", "level": "Phường/xã"}).status_code == 303  # nothing changed
    assert audit() == []
    assert auth.post(path, {"name": "Phường Bến Thành", "level": "Phường"}).status_code == 303
    assert audit() == [
        (
            world.admin.id,
            "unit.rename",
            f"unit:{world.ward.id}",
            {"old_name": "Phường 1", "name": "Phường Bến Thành", "old_level": "Phường/xã", "level": "Phường"},
        )
    ]


def test_unit_move(world, auth, audit):
    auth.login("admin")
    assert auth.post(f"/admin/units/{world.city.id}/move", {"parent_id": str(world.ward.id)}).status_code == 400
    assert audit() == []  # a cycle
    assert auth.post(f"/admin/units/{world.other_ward.id}/move", {"parent_id": str(world.ward.id)}).status_code == 303
    assert audit() == [
        (world.admin.id, "unit.move", f"unit:{world.other_ward.id}", {"old_parent": "tp", "parent": "phuong-1"})
    ]


def test_unit_retire_and_restore(world, auth, audit):
    auth.login("admin")
    assert auth.post(f"/admin/units/{world.city.id}/retire").status_code == 400  # it has active sub-units
    assert audit() == []
    assert auth.post(f"/admin/units/{world.ward.id}/retire").status_code == 303
    assert auth.post(f"/admin/units/{world.ward.id}/restore").status_code == 303
    target = f"unit:{world.ward.id}"
    assert audit() == [
        (world.admin.id, "unit.retire", target, {"code": "phuong-1"}),
        (world.admin.id, "unit.restore", target, {"code": "phuong-1"}),
    ]


def test_unit_restore_refused_under_a_retired_parent(world, auth, audit):
    now = utcnow()
    world.ward.retired_at = world.other_ward.retired_at = world.city.retired_at = now
    db.session.commit()
    auth.login("admin")
    assert auth.post(f"/admin/units/{world.ward.id}/restore").status_code == 400
    assert auth.post(f"/admin/units/{world.ward.id}/retire").status_code == 303  # already retired: nothing to do
    assert audit() == []


# -- classes ------------------------------------------------------------------------------------


def class_form(world, **overrides) -> dict:
    form = {
        "code": "LOP-3",
        "name": "Lớp ba",
        "course_id": str(world.course.id),
        "level": "Cấp xã",
        "mode": "hybrid",
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-31",
        "self_enrol": "1",
        "instructors": [str(world.teacher.id)],
    }
    return {**form, **overrides}


def class_created(world) -> dict:
    """The audit details of LOP-3 as both the form and the command create it."""
    return {
        "code": "LOP-3",
        "name": "Lớp ba",
        "course_id": world.course.id,
        "level": "Cấp xã",
        "mode": "hybrid",
        "self_enrol": True,
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-31",
        "instructors": ["gv.an"],
    }


def test_class_create(world, auth, audit):
    auth.login("admin")
    assert auth.post("/admin/classes/new", class_form(world, code="LOP-1")).status_code == 400  # code taken
    assert auth.post("/admin/classes/new", class_form(world, ends_on="2026-02-01")).status_code == 400
    assert audit() == []
    assert auth.post("/admin/classes/new", class_form(world)).status_code == 303
    created = db.session.scalar(select(CourseClass).where(CourseClass.code == "LOP-3"))
    assert audit() == [
        (
            world.admin.id,
            "class.create",
            f"class:{created.id}",
            class_created(world),
        )
    ]


def test_class_update(world, auth, audit):
    auth.login("admin")
    auth.post("/admin/classes/new", class_form(world))
    created = db.session.scalar(select(CourseClass).where(CourseClass.code == "LOP-3"))
    audit()
    path = f"/admin/classes/{created.id}/edit"
    assert auth.post(path, class_form(world, code="LOP-1")).status_code == 400
    assert auth.post(path, class_form(world)).status_code == 303  # nothing changed
    assert audit() == []
    changed = class_form(
        world, name="Lớp ba (buổi tối)", instructors=[str(world.teacher.id), str(world.other_teacher.id)]
    )
    assert auth.post(path, changed).status_code == 303
    assert audit() == [
        (
            world.admin.id,
            "class.update",
            f"class:{created.id}",
            {
                "name": {"from": "Lớp ba", "to": "Lớp ba (buổi tối)"},
                "instructors": {"from": ["gv.an"], "to": ["gv.an", "gv.binh"]},
            },
        )
    ]


def test_class_enrol(world, auth, audit):
    auth.login("admin")
    path = f"/admin/classes/{world.other_class.id}/enrol/user"
    assert auth.post(path, {"user_id": str(world.teacher.id)}).status_code == 400  # not a learner
    assert auth.post(path, {"user_id": "999999"}).status_code == 400
    assert audit() == []
    assert auth.post(path, {"user_id": str(world.learner.id)}).status_code == 303
    assert audit() == [(world.admin.id, "class.enrol", f"class:{world.other_class.id}", {"added": 1, "reactivated": 0})]


def test_self_enrolment_is_not_audited(world, auth, audit):
    auth.login("hv.mai")
    assert auth.post(f"/classes/{world.other_class.id}/enrol").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 3
    assert audit() == []


def test_class_enrol_from_the_command_line(world, runner, audit):
    assert runner.invoke(args=["classes", "enrol", "--class", "LOP-2", "--unit", "khong-co"]).exit_code != 0
    assert audit() == []
    result = runner.invoke(args=["classes", "enrol", "--class", "LOP-2", "--unit", "tp"])
    assert result.exit_code == 0, result.output
    assert audit() == [(None, "class.enrol", f"class:{world.other_class.id}", {"added": 2, "reactivated": 0})]


def test_class_withdraw_and_reenrol(world, auth, audit):
    enrolment = enrolment_of(world.learner, world.course_class)
    auth.login("admin")
    wrong_class = f"/admin/classes/{world.other_class.id}/enrolments/{enrolment.id}/withdraw"
    assert auth.post(wrong_class).status_code == 404
    assert audit() == []
    assert auth.post(f"/admin/classes/{world.course_class.id}/enrolments/{enrolment.id}/withdraw").status_code == 303
    assert auth.post(f"/admin/classes/{world.course_class.id}/enrolments/{enrolment.id}/withdraw").status_code == 303
    assert auth.post(f"/admin/classes/{world.course_class.id}/enrolments/{enrolment.id}/reenrol").status_code == 303
    target = f"class:{world.course_class.id}"
    assert audit() == [
        (world.admin.id, "class.withdraw", target, {"user_id": world.learner.id, "username": "hv.mai"}),
        (world.admin.id, "class.enrol", target, {"added": 0, "reactivated": 1}),
    ]


# -- certificates -------------------------------------------------------------------------------


def test_certificate_issue(world, auth, audit):
    complete(enrolment_of(world.learner, world.course_class))
    mai, nam = enrolment_of(world.learner, world.course_class), enrolment_of(world.other_learner, world.course_class)
    path = f"/certificates/classes/{world.course_class.id}"
    auth.login("gv.an")
    assert auth.post(path, {"only": str(mai.id)}).status_code == 403
    auth.logout()
    auth.login("admin")
    assert auth.post(path, {"only": str(nam.id)}).status_code == 400  # not complete, no reason
    assert audit() == []
    # Nam first, so that certificate ids and enrolment ids differ.
    assert auth.post(path, {"only": str(nam.id), f"reason-{nam.id}": "Đã học bù đủ nội dung"}).status_code == 303
    assert auth.post(path, {"only": str(mai.id)}).status_code == 303
    first, second = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert (first.enrolment_id, second.enrolment_id) == (nam.id, mai.id)
    assert audit() == [
        (
            world.admin.id,
            "certificate.issue",
            f"certificate:{first.id}",
            {"enrolment_id": nam.id, "serial": first.serial, "override_reason": "Đã học bù đủ nội dung"},
        ),
        (
            world.admin.id,
            "certificate.issue",
            f"certificate:{second.id}",
            {"enrolment_id": mai.id, "serial": second.serial, "override_reason": None},
        ),
    ]


def test_certificate_revoke(world, auth, audit):
    complete(enrolment_of(world.learner, world.course_class))
    certificate = issue(world, world.learner)
    audit()
    auth.login("admin")
    path = f"/certificates/{certificate.id}/revoke"
    assert auth.post(path, {"reason": "sai"}).status_code == 400  # too short
    assert audit() == []
    assert auth.post(path, {"reason": "Cấp nhầm người học"}).status_code == 303
    assert auth.post(path, {"reason": "Cấp nhầm người học"}).status_code == 303  # already revoked
    assert audit() == [
        (
            world.admin.id,
            "certificate.revoke",
            f"certificate:{certificate.id}",
            {"enrolment_id": certificate.enrolment_id, "serial": certificate.serial, "reason": "Cấp nhầm người học"},
        )
    ]


# -- essays, live sessions, attendance ----------------------------------------------------------

ESSAY_QUIZ = """title: "Tình huống"
questions:
  - type: single
    text: "Câu chọn"
    choices:
      - {text: "Đúng", correct: true}
      - {text: "Sai"}
  - type: essay
    text: "Xử lý hồ sơ thiếu"
    points: 4
"""


def test_essay_mark(world, auth, audit, tmp_path):
    course = factories.make_course(tmp_path, slug="tinh-huong", quizzes={"tinh-huong.yml": ESSAY_QUIZ})
    course_class = factories.make_class(course, "LOP-TH", instructors=[world.teacher], learners=[world.learner])
    attempt = quiz_service.start_attempt(
        enrolment_of(world.learner, course_class), db.session.scalar(select(Quiz)), utcnow()
    )
    essay = next(i for i, entry in enumerate(attempt.drawn) if entry["question"]["type"] == "essay")
    quiz_service.submit_attempt(attempt, {f"q{essay}": ["Hướng dẫn bổ sung một lần."]}, 1, utcnow())
    db.session.commit()
    audit()
    path = f"/marking/{attempt.id}/{essay}"
    auth.login("gv.binh")  # teaches another class
    assert auth.post(path, {"points": "3", "comment": "Tốt"}).status_code == 403
    auth.logout()
    auth.login("gv.an")
    assert auth.post(path, {"points": "5", "comment": "Tốt"}).status_code == 400  # above the question's 4 points
    assert audit() == []
    assert auth.post(path, {"points": "2,5", "comment": "Khá"}).status_code == 303
    assert audit() == [(world.teacher.id, "essay.mark", f"attempt:{attempt.id}", {"question": essay, "points": 2.5})]
    assert db.session.get(QuizAttempt, attempt.id).points == 2.5


SESSION_FORM = {
    "title": "Buổi 1: Một cửa",
    "starts_at": "2030-01-02T08:30",
    "duration_minutes": "90",
    "video_url": "",
    "attendance_required": "1",
    "attendance_threshold": "80",
    "slides_module_id": "",
}


def other_class_session(world) -> None:
    """A session of the other class, so that session ids and class ids differ."""
    db.session.add(LiveSession(class_id=world.other_class.id, title="Khác", starts_at=utcnow(), duration_minutes=30))
    db.session.commit()


def test_session_schedule(world, auth, audit):
    other_class_session(world)
    path = f"/classes/{world.course_class.id}/sessions/new"
    auth.login("gv.binh")  # not this class's instructor
    assert auth.post(path, SESSION_FORM).status_code == 403
    auth.logout()
    auth.login("gv.an")
    assert auth.post(path, {**SESSION_FORM, "duration_minutes": "0"}).status_code == 400
    assert audit() == []
    assert auth.post(path, SESSION_FORM).status_code == 303
    session_id = db.session.scalar(select(LiveSession.id).where(LiveSession.class_id == world.course_class.id))
    assert audit() == [
        (world.teacher.id, "session.schedule", f"session:{session_id}", {"class_id": world.course_class.id})
    ]


def test_session_edit_reschedule_and_cancel(world, auth, audit):
    other_class_session(world)
    auth.login("gv.an")
    assert auth.post(f"/classes/{world.course_class.id}/sessions/new", SESSION_FORM).status_code == 303
    session_id = db.session.scalar(select(LiveSession.id).where(LiveSession.class_id == world.course_class.id))
    audit()
    path, target = f"/sessions/{session_id}", f"session:{session_id}"
    auth.logout()
    auth.login("gv.binh")  # not this class's instructor
    assert auth.post(f"{path}/edit", {**SESSION_FORM, "title": "Khác"}).status_code == 403
    assert auth.post(f"{path}/cancel", {"reason": "Khác"}).status_code == 403
    auth.logout()
    auth.login("gv.an")
    assert auth.post(f"{path}/edit", {**SESSION_FORM, "starts_at": "2020-01-02T08:30"}).status_code == 400
    assert audit() == []
    assert auth.post(f"{path}/edit", {**SESSION_FORM, "title": "Buổi 1: Một cửa (sửa)"}).status_code == 303
    moved = {**SESSION_FORM, "title": "Buổi 1: Một cửa (sửa)", "starts_at": "2030-01-03T08:30"}
    assert auth.post(f"{path}/edit", moved).status_code == 303
    assert auth.post(f"{path}/cancel", {"reason": "Trùng lịch"}).status_code == 303
    assert auth.post(f"{path}/cancel", {"reason": "Lần nữa"}).status_code == 303  # refused: already cancelled
    assert audit() == [
        (world.teacher.id, "session.edit", target, {"fields": ["title"]}),
        (
            world.teacher.id,
            "session.reschedule",
            target,
            {
                "fields": ["starts_at"],
                "starts_at": ["2030-01-02T01:30:00+00:00", "2030-01-03T01:30:00+00:00"],
                "duration_minutes": [90, 90],
                "sequence": 1,
            },
        ),
        (world.teacher.id, "session.cancel", target, {"reason": "Trùng lịch", "sequence": 2}),
    ]


def test_attendance_mark(world, auth, audit):
    other_class_session(world)
    session = LiveSession(class_id=world.course_class.id, title="Buổi 1", starts_at=utcnow(), duration_minutes=60)
    db.session.add(session)
    db.session.commit()
    path = f"/sessions/{session.id}/attendance"
    form = {"user_id": str(world.learner.id), "present": "1", "reason": "Có mặt tại hội trường"}
    auth.login("gv.binh")
    assert auth.post(path, form).status_code == 403
    auth.logout()
    auth.login("gv.an")
    assert auth.post(path, {**form, "reason": "  "}).status_code == 400
    assert auth.post(path, {**form, "user_id": str(world.teacher.id)}).status_code == 400  # not a learner of it
    assert audit() == []
    assert auth.post(path, form).status_code == 303
    assert auth.post(path, {**form, "present": "0", "reason": "Về sớm"}).status_code == 303
    target = f"session:{session.id}"
    assert audit() == [
        (
            world.teacher.id,
            "attendance.mark",
            target,
            {"user_id": world.learner.id, "present": True, "reason": "Có mặt tại hội trường"},
        ),
        (
            world.teacher.id,
            "attendance.mark",
            target,
            {"user_id": world.learner.id, "present": False, "reason": "Về sớm"},
        ),
    ]


# -- the same actions from the command line (no actor) -----------------------------------------


def test_password_set_from_the_command_line(world, runner, audit):
    refused = runner.invoke(args=["users", "set-password", "--username", "hv.mai"], input="ngan\nngan\n")
    assert refused.exit_code != 0
    assert audit() == []
    result = runner.invoke(
        args=["users", "set-password", "--username", "hv.mai"], input="mat-khau-moi-42\nmat-khau-moi-42\n"
    )
    assert result.exit_code == 0, result.output
    assert audit() == [(None, "user.password_reset", f"user:{world.learner.id}", {"username": "hv.mai"})]


def test_class_create_from_the_command_line(world, runner, audit):
    args = ["classes", "create", "--name", "Lớp ba", "--course", world.course.slug, "--mode", "hybrid"]
    assert runner.invoke(args=[*args, "--code", "LOP-1"]).exit_code != 0  # code taken
    assert audit() == []
    result = runner.invoke(
        args=[
            *args,
            "--code",
            "LOP-3",
            "--level",
            "Cấp xã",
            "--starts",
            "2026-03-01",
            "--ends",
            "2026-03-31",
            "--instructor",
            "gv.an",
            "--self-enrol",
        ]
    )
    assert result.exit_code == 0, result.output
    created = db.session.scalar(select(CourseClass).where(CourseClass.code == "LOP-3"))
    assert audit() == [
        (
            None,
            "class.create",
            f"class:{created.id}",
            class_created(world),
        )
    ]
