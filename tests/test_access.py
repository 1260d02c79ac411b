"""Every route of the URL map against every kind of visitor: one exact status per pair, and
exactly the tables the request may change (none for a refused visitor, none for any GET).

The table below must list every (rule, method) of `app.url_map` (HEAD and OPTIONS aside); a route
added without a row fails `test_every_route_is_in_the_matrix`. Columns are `VISITORS` from
tests/route_world.py: anonymous, a learner of LOP-1, a learner withdrawn from LOP-1, a learner in
no class, LOP-1's instructor, LOP-2's instructor, an admin. 302 for anonymous means "to the login
page"; for a refused visitor the whole database (every row of every table) must be unchanged.

The live room's Socket.IO events get the same treatment: every instructor-only event is refused
for a learner ("instructor_only"), a withdrawn learner, a learner in no class and another class's
instructor ("forbidden"), with the exact acknowledgement, one `room_error`, and nothing written;
the class's instructor and an admin change exactly the tables the event is about. An event added
to lms/live/events.py without a row here fails `test_every_room_event_is_in_the_matrix`.
"""

from __future__ import annotations

import io
import re
import zlib
from base64 import urlsafe_b64encode
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from lms.database import utcnow
from lms.live.checkin import checkin_code
from lms.live.schedule import utc_to_local_input
from tests import snapshots
from tests.factories import PASSWORD
from tests.route_world import ACCOUNT_VISITOR_NAMES, HEAD_VISITOR_NAMES, RESET_CODE, VISITOR_NAMES

L = 302  # anonymous visitors are sent to the login page
REFUSED = {400, 403, 404, 405, 410}
PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


def everyone(status: int) -> tuple[int, ...]:
    return (status,) * len(ACCOUNT_VISITOR_NAMES)


def signed_in(status: int) -> tuple[int, ...]:
    return (L,) + (status,) * (len(ACCOUNT_VISITOR_NAMES) - 1)


ADMIN_ONLY = (L, 403, 403, 403, 403, 403, 200)
STAFF_OF_LOP1 = (L, 403, 403, 403, 200, 403, 200)  # the class's instructor and admins
MEMBERS_OF_LOP1 = (L, 200, 403, 403, 200, 403, 200)  # its active learners too


@dataclass(frozen=True)
class Row:
    """One route asked by every visitor: the URL rule, how to fill it, what each visitor gets."""

    method: str
    rule: str
    expect: tuple[int, ...]  # one status per visitor, in the order of ACCOUNT_VISITOR_NAMES
    args: Callable = lambda w: {}
    form: Callable | None = None  # a realistic, harmless form (POST)
    target: str = ""  # names the record when a rule is listed more than once
    writes: frozenset[str] = frozenset()  # tables a POST changes for the visitors it serves
    writes_for: dict[str, frozenset[str]] = field(default_factory=dict)  # per-visitor exceptions
    public: bool = False  # anonymous visitors may use it (their 302 is not "to the login page")
    heads: tuple[int, int, int] | None = None  # the heads' statuses (HEAD_VISITOR_NAMES); else the outsider's

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}" + (f" [{self.target}]" if self.target else "")

    def path(self, w) -> str:
        values = self.args(w)
        return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), self.rule)

    def status(self, visitor: str) -> int:
        if visitor in HEAD_VISITOR_NAMES:
            return self.heads[HEAD_VISITOR_NAMES.index(visitor)] if self.heads else self.status("outsider")
        return self.expect[ACCOUNT_VISITOR_NAMES.index(visitor)]

    def refused(self, visitor: str) -> bool:
        status = self.status(visitor)
        return status in REFUSED or (visitor == "anonymous" and status == L)

    def expected_writes(self, visitor: str) -> set[str]:
        if visitor in HEAD_VISITOR_NAMES and not self.heads and "outsider" in self.writes_for:
            return set(self.writes_for["outsider"])
        if visitor in self.writes_for:
            return set(self.writes_for[visitor])
        return set() if self.method == "GET" or self.refused(visitor) else set(self.writes)


def tables(*names: str) -> frozenset[str]:
    return frozenset(names)


NO_WRITE = tables()
AUDITED = ("audit_events",)


def _import_token(w) -> str:
    """A signed preview of a one-line user import, as the preview page would hand it to the admin."""
    from flask import current_app

    packed = urlsafe_b64encode(zlib.compress(IMPORT_CSV, 9)).decode("ascii")
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="admin.user-import")
    return serializer.dumps({"admin": w.admin.id, "csv": packed})


NEW_PASSWORD = "ba-con-meo-tren-mai-nha"
IMPORT_CSV = "username,full_name,unit\nhv.moi,Người Mới,phuong-1\n".encode()
CLASS_FORM = {"name": "Lớp mới", "level": "Phường/xã", "mode": "online", "starts_on": "", "ends_on": ""}
REASON = "Hoàn thành bài tình huống tại đơn vị, có xác nhận."


def _class_form(w, code: str) -> dict:
    return {**CLASS_FORM, "code": code, "course_id": w.course.id, "instructors": w.teacher.id}


def _session_form(w) -> dict:
    return {
        "title": "Buổi 2",
        "starts_at": utc_to_local_input(utcnow() + timedelta(days=2)),
        "duration_minutes": "60",
        "video_url": "",
        "attendance_required": "1",
        "attendance_threshold": "80",
    }


def _edit_form(w) -> dict:
    """The session's own values with a new title, as its edit page would send them."""
    return {
        "title": "Buổi 1 (đổi tên)",
        "starts_at": utc_to_local_input(w.session.starts_at),
        "duration_minutes": "60",
        "video_url": "",
        "attendance_required": "1",
        "attendance_threshold": "80",
        "slides_module_id": str(w.session.slides_module_id),
    }


def _checkin_form(w) -> dict:
    from flask import current_app

    return {"code": checkin_code(current_app.config["SECRET_KEY"], w.session.id, utcnow())}


lop1 = lambda w: {"class_id": w.lop1.id}  # noqa: E731
session = lambda w: {"session_id": w.session.id}  # noqa: E731

# fmt: off
ROWS = [
    # Columns: anonymous, learner, withdrawn, outsider, teacher, other_teacher, admin.
    # --- public and static -------------------------------------------------------------------
    Row("GET", "/healthz", everyone(200)),
    Row("GET", "/readyz", everyone(200)),
    Row("GET", "/metrics", everyone(200)),  # the test client's address is loopback, allowed by default
    Row("GET", "/favicon.ico", everyone(200)),
    Row("GET", "/static/<path:filename>", everyone(200), lambda w: {"filename": "css/app.css"}),
    Row("GET", "/certificates/static/<path:filename>", everyone(200), lambda w: {"filename": "certificates.css"}),
    Row("GET", "/reports/static/<path:filename>", everyone(200), lambda w: {"filename": "reports.css"}),
    Row("GET", "/verify/<code>", everyone(200), lambda w: {"code": w.my_certificate.verification_code}),
    Row("GET", "/badges/issuer", everyone(200)),
    Row("GET", "/badges/courses/<slug>", everyone(200), lambda w: {"slug": "demo"}),
    Row("GET", "/badges/courses/<slug>/criteria", everyone(200), lambda w: {"slug": "demo"}),
    Row("GET", "/badges/courses/<slug>/badge.svg", everyone(200), lambda w: {"slug": "demo"}),
    Row("GET", "/badges/assertions/<code>", everyone(200), lambda w: {"code": w.my_certificate.verification_code}),
    Row("GET", "/calendar/<token>.ics", everyone(200), lambda w: {"token": w.learner.calendar_token}),
    # --- signing in and out, language -------------------------------------------------------
    Row("GET", "/login", (200, 302, 302, 302, 302, 302, 302)),
    Row("POST", "/login", (302, 302, 302, 302, 302, 302, 302),
        form=lambda w: {"username": "hv.mai", "password": PASSWORD},
        writes_for={"anonymous": tables("users", "login_sessions")} | {v: NO_WRITE for v in VISITOR_NAMES[1:]},
        public=True),
    Row("POST", "/logout", everyone(302), writes=tables("login_sessions"), writes_for={"anonymous": NO_WRITE},
        public=True),
    Row("GET", "/account", signed_in(200)),
    Row("POST", "/account/password", signed_in(303),
        form=lambda w: {"current_password": PASSWORD, "new_password": "mat-khau-moi-2026",
                        "new_password_again": "mat-khau-moi-2026"},
        writes=tables("users", "login_sessions", *AUDITED)),
    Row("POST", "/account/sign-out-everywhere", signed_in(302), writes=tables("login_sessions")),
    Row("GET", "/activate", everyone(200)),
    Row("POST", "/activate", everyone(303),  # the outsider's reset code: a new password, signed in as them
        form=lambda w: {"username": "hv.ngoai", "code": RESET_CODE, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        writes=tables("users", "one_time_codes", "login_sessions", *AUDITED), public=True),
    Row("POST", "/language", everyone(303), form=lambda w: {"locale": "en"},
        writes=tables("users"), writes_for={"anonymous": NO_WRITE}),
    # --- dashboard, catalogue, classes, modules, assets --------------------------------------
    Row("GET", "/", signed_in(200)),
    Row("GET", "/classes", signed_in(200)),
    Row("POST", "/classes/<int:class_id>/enrol", (L, 303, 303, 303, 403, 403, 403),
        lambda w: {"class_id": w.lop2.id}, target="open class LOP-2", writes=tables("enrolments")),
    Row("POST", "/classes/<int:class_id>/enrol", (L, 303, 403, 403, 403, 403, 403),
        lop1, target="closed class LOP-1", writes=NO_WRITE),
    Row("GET", "/classes/<int:class_id>", MEMBERS_OF_LOP1, lop1),
    Row("GET", "/classes/<int:class_id>/modules/<slug>", MEMBERS_OF_LOP1,
        lambda w: {"class_id": w.lop1.id, "slug": "mo-dau"}),
    Row("POST", "/classes/<int:class_id>/modules/<slug>/done", (L, 303, 403, 403, 403, 403, 403),
        lambda w: {"class_id": w.lop1.id, "slug": "doc-them"}, writes=tables("module_progress")),
    Row("POST", "/classes/<int:class_id>/modules/<slug>/ping", (L, 200, 403, 403, 403, 403, 403),
        lambda w: {"class_id": w.lop1.id, "slug": "doc-them"}, form=lambda w: {"position": "tai-lieu"},
        writes=tables("module_progress")),
    Row("GET", "/classes/<int:class_id>/progress", STAFF_OF_LOP1, lop1),
    Row("GET", "/courses/<slug>/assets/<path:path>", signed_in(200), lambda w: {"slug": "demo", "path": "so-do.svg"}),
    # --- quizzes, attempts, marking ----------------------------------------------------------
    Row("GET", "/classes/<int:class_id>/quizzes/<slug>", MEMBERS_OF_LOP1,
        lambda w: {"class_id": w.lop1.id, "slug": "kiem-tra"}),
    Row("POST", "/classes/<int:class_id>/quizzes/<slug>/start", (L, 303, 403, 403, 403, 403, 403),
        lambda w: {"class_id": w.lop1.id, "slug": "kiem-tra"}, writes=NO_WRITE),  # resumes the open attempt
    Row("GET", "/classes/<int:class_id>/quizzes/<slug>/results", STAFF_OF_LOP1,
        lambda w: {"class_id": w.lop1.id, "slug": "kiem-tra"}),
    Row("GET", "/attempts/<int:attempt_id>", (L, 200, 404, 404, 404, 404, 404),
        lambda w: {"attempt_id": w.open_attempt.id}, target="the learner's open attempt"),
    Row("GET", "/attempts/<int:attempt_id>", (L, 404, 404, 404, 404, 404, 404),
        lambda w: {"attempt_id": w.their_attempt.id}, target="another learner's attempt"),
    Row("GET", "/attempts/<int:attempt_id>", (L, 404, 403, 404, 404, 404, 404),
        lambda w: {"attempt_id": w.withdrawn_attempt.id}, target="the withdrawn learner's open attempt"),
    Row("POST", "/attempts/<int:attempt_id>/save", (L, 303, 404, 404, 404, 404, 404),
        lambda w: {"attempt_id": w.open_attempt.id}, form=lambda w: {"seq": "1"},
        target="the learner's open attempt", writes=tables("quiz_attempts")),
    Row("POST", "/attempts/<int:attempt_id>/save", (L, 404, 403, 404, 404, 404, 404),
        lambda w: {"attempt_id": w.withdrawn_attempt.id}, form=lambda w: {"seq": "1"},
        target="the withdrawn learner's open attempt"),
    Row("POST", "/attempts/<int:attempt_id>/submit", (L, 303, 404, 404, 404, 404, 404),
        lambda w: {"attempt_id": w.open_attempt.id}, form=lambda w: {"seq": "1"},
        target="the learner's open attempt", writes=tables("quiz_attempts")),
    Row("POST", "/attempts/<int:attempt_id>/submit", (L, 404, 403, 404, 404, 404, 404),
        lambda w: {"attempt_id": w.withdrawn_attempt.id}, form=lambda w: {"seq": "1"},
        target="the withdrawn learner's open attempt"),
    Row("GET", "/marking", (L, 403, 403, 403, 200, 200, 200)),
    Row("GET", "/marking/<int:attempt_id>/<int:index>", STAFF_OF_LOP1,
        lambda w: {"attempt_id": w.marked_attempt.id, "index": w.essay_index}),
    Row("POST", "/marking/<int:attempt_id>/<int:index>", (L, 403, 403, 403, 303, 403, 303),
        lambda w: {"attempt_id": w.marked_attempt.id, "index": w.essay_index},
        form=lambda w: {"points": "1", "comment": "Đủ ý, trình bày rõ."},
        writes=tables("essay_marks", "quiz_attempts", *AUDITED)),
    # --- live sessions -------------------------------------------------------------------------
    Row("GET", "/classes/<int:class_id>/sessions/new", STAFF_OF_LOP1, lop1),
    Row("POST", "/classes/<int:class_id>/sessions/new", (L, 403, 403, 403, 303, 403, 303), lop1,
        form=_session_form, writes=tables("live_sessions", *AUDITED)),
    Row("GET", "/sessions/<int:session_id>", MEMBERS_OF_LOP1, session),
    Row("GET", "/sessions/<int:session_id>/edit", STAFF_OF_LOP1, session),
    Row("POST", "/sessions/<int:session_id>/edit", (L, 403, 403, 403, 303, 403, 303), session,
        form=_edit_form, writes=tables("live_sessions", *AUDITED)),
    Row("POST", "/sessions/<int:session_id>/cancel", (L, 403, 403, 403, 303, 403, 303), session,
        form=lambda w: {"reason": "Giảng viên đi công tác"}, writes=tables("live_sessions", *AUDITED)),
    Row("GET", "/sessions/<int:session_id>.ics", MEMBERS_OF_LOP1, session),
    Row("GET", "/sessions/<int:session_id>/room", MEMBERS_OF_LOP1, session),
    Row("GET", "/sessions/<int:session_id>/attendance", STAFF_OF_LOP1, session),
    Row("POST", "/sessions/<int:session_id>/attendance", (L, 403, 403, 403, 303, 403, 303), session,
        form=lambda w: {"user_id": w.learner.id, "present": "1", "reason": "Có mặt tại hội trường"},
        writes=tables("attendance_overrides", *AUDITED)),
    Row("GET", "/sessions/<int:session_id>/checkin-code", STAFF_OF_LOP1, session),
    Row("POST", "/sessions/<int:session_id>/checkin", (L, 303, 403, 403, 403, 403, 403), session,
        form=_checkin_form, writes=tables("attendance_intervals")),
    Row("GET", "/calendar", signed_in(200)),
    Row("POST", "/calendar", signed_in(303), writes=tables("users")),
    # --- certificates ----------------------------------------------------------------------------
    Row("GET", "/certificates", signed_in(200)),
    Row("GET", "/certificates/classes", ADMIN_ONLY),
    Row("GET", "/certificates/classes/<int:class_id>", ADMIN_ONLY, lop1),
    Row("POST", "/certificates/classes/<int:class_id>", (L, 403, 403, 403, 403, 403, 303), lop1,
        form=lambda w: {"only": w.third_enrolment.id, f"reason-{w.third_enrolment.id}": REASON},
        writes=tables("certificates", "enrolments", *AUDITED)),
    Row("GET", "/certificates/<int:certificate_id>", ADMIN_ONLY, lambda w: {"certificate_id": w.my_certificate.id}),
    Row("POST", "/certificates/<int:certificate_id>/revoke", (L, 403, 403, 403, 403, 403, 303),
        lambda w: {"certificate_id": w.my_certificate.id}, form=lambda w: {"reason": "Cấp nhầm lớp, đã xác minh."},
        writes=tables("certificates", "enrolments", *AUDITED)),
    Row("GET", "/certificates/<int:certificate_id>/certificate.pdf", (L, 200, 404, 404, 404, 404, 200),
        lambda w: {"certificate_id": w.my_certificate.id}, target="the learner's certificate"),
    Row("GET", "/certificates/<int:certificate_id>/certificate.pdf", (L, 404, 404, 404, 404, 404, 200),
        lambda w: {"certificate_id": w.their_certificate.id}, target="another learner's certificate"),
    # --- reports and transcripts -----------------------------------------------------------------
    Row("GET", "/reports/", (L, 403, 403, 403, 302, 302, 302)),
    Row("GET", "/reports/<kind>", (L, 403, 403, 403, 200, 200, 200), lambda w: {"kind": "units"}),
    Row("GET", "/reports/classes/<int:class_id>", STAFF_OF_LOP1, lop1),
    Row("GET", "/reports/transcript", signed_in(200)),
    # heads: of the learner's unit and of the unit above it, not of a sibling unit
    Row("GET", "/reports/transcript/<int:user_id>", (L, 200, 403, 403, 200, 403, 200),
        lambda w: {"user_id": w.learner.id}, target="the learner's own", heads=(200, 403, 200)),
    Row("GET", "/reports/transcript/<int:user_id>", STAFF_OF_LOP1,
        lambda w: {"user_id": w.other_learner.id}, target="another learner's", heads=(403, 200, 200)),
    # --- unit heads ---------------------------------------------------------------------------------
    Row("GET", "/heads/", signed_in(403), heads=(200, 200, 200)),
    Row("GET", "/heads/people", signed_in(403), heads=(200, 200, 200)),
    Row("GET", "/reports/heads/<kind>", signed_in(403), lambda w: {"kind": "units"}, heads=(200, 200, 200)),
    # --- course evaluations (the learner is certified: the form is open to them) ------------------
    Row("GET", "/evaluations/", (L, 403, 403, 403, 200, 200, 200)),
    Row("GET", "/evaluations/classes/<int:class_id>", MEMBERS_OF_LOP1, lop1),  # staff: a preview
    Row("POST", "/evaluations/classes/<int:class_id>", (L, 303, 403, 403, 403, 403, 403), lop1,
        form=lambda w: {"q:phu_hop": "4", "q:thoi_luong": "2", f"q:ro_rang@{w.teacher.id}": "5", "q:gop_y": "Tốt"},
        writes=tables("evaluation_submissions", "evaluation_results")),
    Row("GET", "/evaluations/classes/<int:class_id>/results", STAFF_OF_LOP1, lop1),
    Row("POST", "/evaluations/classes/<int:class_id>/settings", (L, 403, 403, 403, 303, 403, 303), lop1,
        form=lambda w: {"required": "1", "closes_on": ""}, writes=tables("class_evaluations", *AUDITED)),
    Row("GET", "/evaluations/instructors/<int:user_id>", (L, 403, 403, 403, 200, 403, 200),
        lambda w: {"user_id": w.teacher.id}),
    Row("GET", "/evaluations/courses/<int:course_id>", ADMIN_ONLY, lambda w: {"course_id": w.course.id}),
    Row("GET", "/heads/nominate", signed_in(403), heads=(200, 200, 200)),
    # the outsider (Phường 1) for LOP-2: their head and the city's head may, the sibling unit's head may not
    Row("POST", "/heads/nominate", signed_in(403), form=lambda w: {"user_id": w.outsider.id, "class_id": w.lop2.id},
        heads=(303, 400, 303), writes=tables("nominations", *AUDITED)),
    Row("GET", "/classes/<int:class_id>/nominations", STAFF_OF_LOP1, lop1),
    Row("POST", "/nominations/<int:nomination_id>/decide", (L, 403, 403, 403, 303, 403, 303),
        lambda w: {"nomination_id": w.nomination.id}, form=lambda w: {"decision": "accept"},
        writes=tables("nominations", "enrolments", *AUDITED)),
    # --- admin: overview, audit, classes ----------------------------------------------------------
    Row("GET", "/admin/", ADMIN_ONLY),
    Row("GET", "/admin/audit", ADMIN_ONLY),
    Row("GET", "/admin/classes", ADMIN_ONLY),
    Row("GET", "/admin/classes/new", ADMIN_ONLY),
    Row("POST", "/admin/classes/new", (L, 403, 403, 403, 403, 403, 303), form=lambda w: _class_form(w, "LOP-9"),
        writes=tables("classes", "class_instructors", *AUDITED)),
    Row("GET", "/admin/classes/<int:class_id>", ADMIN_ONLY, lop1),
    Row("GET", "/admin/classes/<int:class_id>/edit", ADMIN_ONLY, lop1),
    Row("POST", "/admin/classes/<int:class_id>/edit", (L, 403, 403, 403, 403, 403, 303), lop1,
        form=lambda w: _class_form(w, "LOP-1"), writes=tables("classes", *AUDITED)),
    Row("POST", "/admin/classes/<int:class_id>/enrol/unit", (L, 403, 403, 403, 403, 403, 303), lop1,
        form=lambda w: {"unit_id": w.ward.id}, writes=tables("enrolments", *AUDITED)),
    Row("POST", "/admin/classes/<int:class_id>/enrol/csv", (L, 403, 403, 403, 403, 403, 303), lop1,
        form=lambda w: {"file": (io.BytesIO(b"username\nhv.ngoai\n"), "lop.csv")},
        writes=tables("enrolments", *AUDITED)),
    Row("POST", "/admin/classes/<int:class_id>/enrol/user", (L, 403, 403, 403, 403, 403, 303), lop1,
        form=lambda w: {"user_id": w.outsider.id}, writes=tables("enrolments", *AUDITED)),
    Row("GET", "/admin/classes/<int:class_id>/enrolments/<int:enrolment_id>/withdraw", ADMIN_ONLY,
        lambda w: {"class_id": w.lop1.id, "enrolment_id": w.their_enrolment.id}),
    Row("POST", "/admin/classes/<int:class_id>/enrolments/<int:enrolment_id>/withdraw",
        (L, 403, 403, 403, 403, 403, 303), lambda w: {"class_id": w.lop1.id, "enrolment_id": w.their_enrolment.id},
        writes=tables("enrolments", *AUDITED)),
    Row("POST", "/admin/classes/<int:class_id>/enrolments/<int:enrolment_id>/reenrol",
        (L, 403, 403, 403, 403, 403, 303),
        lambda w: {"class_id": w.lop1.id, "enrolment_id": w.withdrawn_enrolment.id},
        writes=tables("enrolments", *AUDITED)),
    # --- admin: units ----------------------------------------------------------------------------
    Row("GET", "/admin/units", ADMIN_ONLY),
    Row("POST", "/admin/units", (L, 403, 403, 403, 403, 403, 303),
        form=lambda w: {"code": "phuong-9", "name": "Phường 9", "level": "Phường/xã", "parent_id": w.city.id},
        writes=tables("units", *AUDITED)),
    Row("GET", "/admin/units/<int:unit_id>", ADMIN_ONLY, lambda w: {"unit_id": w.other_ward.id}),
    Row("POST", "/admin/units/<int:unit_id>/rename", (L, 403, 403, 403, 403, 403, 303),
        lambda w: {"unit_id": w.other_ward.id}, form=lambda w: {"name": "Phường Hai", "level": "Phường/xã"},
        writes=tables("units", *AUDITED)),
    Row("POST", "/admin/units/<int:unit_id>/move", (L, 403, 403, 403, 403, 403, 303),
        lambda w: {"unit_id": w.empty_ward.id}, form=lambda w: {"parent_id": w.ward.id},
        writes=tables("units", *AUDITED)),
    Row("POST", "/admin/units/<int:unit_id>/retire", (L, 403, 403, 403, 403, 403, 303),
        lambda w: {"unit_id": w.empty_ward.id}, writes=tables("units", *AUDITED)),
    Row("POST", "/admin/units/<int:unit_id>/restore", (L, 403, 403, 403, 403, 403, 303),
        lambda w: {"unit_id": w.retired_ward.id}, writes=tables("units", *AUDITED)),
    # --- admin: users ----------------------------------------------------------------------------
    Row("GET", "/admin/users", ADMIN_ONLY),
    Row("GET", "/admin/users/new", ADMIN_ONLY),
    Row("POST", "/admin/users/new", (L, 403, 403, 403, 403, 403, 303),
        form=lambda w: {"username": "hv.moi", "full_name": "Người Mới", "role": "learner", "unit_id": w.ward.id,
                        "email": "", "password": "mat-khau-moi-2026"},
        writes=tables("users", *AUDITED)),
    Row("GET", "/admin/users/<int:user_id>", ADMIN_ONLY, lambda w: {"user_id": w.other_learner.id}),
    Row("POST", "/admin/users/<int:user_id>", (L, 403, 403, 403, 403, 403, 303),
        lambda w: {"user_id": w.other_learner.id},
        form=lambda w: {"full_name": "Trần Văn Nam Mới", "email": "", "role": "learner", "unit_id": w.other_ward.id},
        writes=tables("users", *AUDITED)),
    Row("POST", "/admin/users/<int:user_id>/active", (L, 403, 403, 403, 403, 403, 303),
        lambda w: {"user_id": w.other_learner.id}, form=lambda w: {"active": "0"}, writes=tables("users", *AUDITED)),
    Row("POST", "/admin/users/<int:user_id>/password", (L, 403, 403, 403, 403, 403, 200),  # a reset code, shown once
        lambda w: {"user_id": w.other_learner.id}, writes=tables("one_time_codes", *AUDITED)),
    Row("GET", "/admin/users/import", ADMIN_ONLY),
    Row("POST", "/admin/users/import", ADMIN_ONLY,  # a preview: nothing written yet
        form=lambda w: {"file": (io.BytesIO(IMPORT_CSV), "users.csv")}, writes=NO_WRITE),
    Row("POST", "/admin/users/import/confirm", ADMIN_ONLY, form=lambda w: {"token": _import_token(w)},
        writes=tables("users", "one_time_codes", "code_handouts", *AUDITED)),
    # the new accounts' codes, once: a token that is not the done page's is refused (flash and redirect)
    Row("POST", "/admin/users/import/codes.csv", (L, 403, 403, 403, 403, 403, 303), form=lambda w: {"token": "x"}),
    Row("POST", "/admin/users/import/slips", (L, 403, 403, 403, 403, 403, 303), form=lambda w: {"token": "x"}),
]
# fmt: on


def _cases():
    for row in ROWS:
        for visitor in VISITOR_NAMES:
            yield pytest.param(row, visitor, id=f"{row.id}-{visitor}")


def ask(route_world, row: Row, visitor: str):
    """Send the row's request as the visitor (a POST with a valid CSRF token and the row's form)."""
    client = route_world.client(visitor)
    path = row.path(route_world.w)
    if row.method == "GET":
        return client.get(path)
    form = row.form(route_world.w) if row.form else {}
    return client.post(path, data={"csrf_token": route_world.token(visitor), **form})


def test_every_route_is_in_the_matrix(route_world):
    in_map = {
        (rule.rule, method)
        for rule in route_world.app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    in_table = {(row.rule, row.method) for row in ROWS}
    assert in_map - in_table == set(), "routes without a row in the access matrix"
    assert in_table - in_map == set(), "rows for routes that do not exist"
    assert all(len(row.expect) == len(ACCOUNT_VISITOR_NAMES) for row in ROWS), "a row lacks a visitor's status"
    assert len({row.id for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize(("row", "visitor"), list(_cases()))
def test_access(route_world, row, visitor):
    expected = row.status(visitor)
    response = ask(route_world, row, visitor)
    after = snapshots.take()
    try:
        assert response.status_code == expected, response.get_data()[:300]
        if visitor == "anonymous" and expected == L and not row.public:
            assert response.headers["Location"].startswith("/login?next=")
        elif expected in (403, 404):
            assert f"<h1>{expected}</h1>" in response.get_data(as_text=True)
        assert snapshots.changed_tables(route_world.base, after) == row.expected_writes(visitor), snapshots.changes(
            route_world.base, after
        )
    finally:
        response.close()
        if after != route_world.base:
            snapshots.restore(route_world.base)


# --- the live room's Socket.IO events (namespace /live) -----------------------------------------

INSTRUCTOR_EVENTS = [  # (event, what it aims at, payload without the session id)
    ("delete_message", "the instructor's line", lambda w: {"message_id": w.chat["teacher"].id}),
    ("delete_message", "the learner's own line", lambda w: {"message_id": w.chat["learner"].id}),
    ("delete_message", "another learner's line", lambda w: {"message_id": w.chat["other_learner"].id}),
    ("mute_chat", "", lambda w: {"muted": True}),
    ("answered", "", lambda w: {"question_id": w.question.id}),
    ("clear_hands", "", lambda w: {}),
    ("lower_hand", "another learner's hand", lambda w: {"user_id": w.other_learner.id}),
    ("mute_person", "another learner", lambda w: {"user_id": w.other_learner.id, "muted": True}),
    ("poll_open", "", lambda w: {"client_id": "p-2", "question": "Thêm câu hỏi?", "options": ["Có", "Không"]}),
    ("poll_close", "", lambda w: {"poll_id": w.poll.id}),
    ("slide", "", lambda w: {"section": "mot-cua"}),
    ("session_state", "", lambda w: {"state": "live"}),
    ("remove", "a learner with a raised hand", lambda w: {"user_id": w.other_learner.id}),
    ("readmit", "a learner never removed", lambda w: {"user_id": w.other_learner.id}),
]
# What an instructor's event changes (chat lines carry the session's chat version).
INSTRUCTOR_WRITES = {
    "delete_message": {"chat_messages", "live_sessions"},
    "mute_chat": {"live_sessions"},
    "answered": {"room_questions"},
    "clear_hands": {"hand_raises"},
    "lower_hand": {"hand_raises"},
    "mute_person": {"session_mutes"},
    "poll_open": {"polls"},
    "poll_close": {"polls"},
    "slide": {"live_sessions"},
    "session_state": {"live_sessions"},
    "remove": {"session_removals", "audit_events", "hand_raises"},  # their raised hand goes down
    "readmit": set(),  # nothing to undo: the refusals are what this row checks
}
MEMBER_EVENTS = [
    ("join", lambda w: {}),
    ("leave", lambda w: {}),
    ("chat", lambda w: {"client_id": "c-x", "body": "Xin chào"}),
    ("chat_history", lambda w: {"before_id": 10**6}),
    ("ask", lambda w: {"client_id": "q-x", "body": "Em hỏi ạ?"}),
    ("upvote", lambda w: {"question_id": w.question.id}),
    ("hand", lambda w: {"raised": True}),
    ("poll_vote", lambda w: {"poll_id": w.poll.id, "option": 0}),
]
ANY_SIGNED_IN_EVENTS = {"heartbeat"}
# In Vietnamese, the interface's default language (the accounts chose none).
REFUSALS = {
    "instructor_only": "chỉ giảng viên của lớp mới được thực hiện thao tác này",
    "forbidden": "bạn không thuộc lớp học này",
}
# The room's refusal for each visitor who is not LOP-1's instructor (the others act).
NOT_INSTRUCTOR = {"learner": "instructor_only", "withdrawn": "forbidden", "outsider": "forbidden"} | {
    "other_teacher": "forbidden"
}
# tests/live/test_room_events.py already asserts these exactly (test_outsiders_cannot_join, ...).
ASSERTED_ELSEWHERE = {("join", "outsider"), ("join", "other_teacher"), ("chat", "outsider"), ("chat", "other_teacher")}
ASSERTED_ELSEWHERE |= {("chat_history", "outsider")}


def test_every_room_event_is_in_the_matrix():
    from lms.live.events import EVENT_HANDLERS

    listed = {e for e, _, _ in INSTRUCTOR_EVENTS} | {e for e, _ in MEMBER_EVENTS} | ANY_SIGNED_IN_EVENTS
    assert {name for name, _ in EVENT_HANDLERS} == listed
    assert set(INSTRUCTOR_WRITES) == {e for e, _, _ in INSTRUCTOR_EVENTS}


def _socket(route_world, visitor: str):
    from tests.live.conftest import Socket

    socket = Socket(route_world.app, route_world.client(visitor))
    assert socket.is_connected()
    return socket


def _room_event(route_world, visitor: str, event: str, payload: dict, join: bool):
    """Connect as the visitor (joining the room first if they may), send one event; return the
    acknowledgement, the `room_error` events received and the tables the event changed."""
    from tests.live.conftest import NS

    socket = _socket(route_world, visitor)
    session_id = route_world.w.session.id
    try:
        if join:
            assert socket.emit("join", {"session_id": session_id})["ok"]
        before = snapshots.take()
        socket.get_received(NS)
        ack = socket.emit(event, {"session_id": session_id, **payload})
        after = snapshots.take()
        errors = [m["args"][0] for m in socket.get_received(NS) if m["name"] == "room_error"]
        return ack, errors, snapshots.changes(before, after)
    finally:
        socket.disconnect()
        snapshots.restore(route_world.base)


@pytest.mark.parametrize("visitor", ["learner", "withdrawn", "outsider", "other_teacher", "teacher", "admin"])
@pytest.mark.parametrize(
    ("event", "aim", "payload"), INSTRUCTOR_EVENTS, ids=[f"{e} {a}".strip() for e, a, _ in INSTRUCTOR_EVENTS]
)
def test_instructor_events(route_world, event, aim, payload, visitor):
    refusal = NOT_INSTRUCTOR.get(visitor)
    joins = visitor in ("learner", "teacher", "admin")
    ack, errors, changed = _room_event(route_world, visitor, event, payload(route_world.w), joins)
    if refusal:
        assert ack == {"ok": False, "error": refusal, "message": REFUSALS[refusal]}
        assert [e["code"] for e in errors] == [refusal]
        assert changed == {}
    else:
        assert ack["ok"] is True, ack
        assert errors == []
        assert set(changed) == INSTRUCTOR_WRITES[event]


def _member_cases():
    for event, payload in MEMBER_EVENTS:
        for visitor in ("withdrawn", "outsider", "other_teacher"):
            if (event, visitor) not in ASSERTED_ELSEWHERE:
                yield pytest.param(event, payload, visitor, id=f"{event}-{visitor}")


@pytest.mark.parametrize(("event", "payload", "visitor"), list(_member_cases()))
def test_room_events_are_for_the_class_only(route_world, event, payload, visitor):
    ack, errors, changed = _room_event(route_world, visitor, event, payload(route_world.w), join=False)
    assert ack == {"ok": False, "error": "forbidden", "message": REFUSALS["forbidden"]}
    assert [e["code"] for e in errors] == ["forbidden"]
    assert changed == {}


@pytest.mark.parametrize("visitor", [v for v in VISITOR_NAMES if v != "anonymous"])
def test_a_heartbeat_needs_only_a_login(route_world, visitor):
    ack, errors, changed = _room_event(route_world, visitor, "heartbeat", {}, join=False)
    assert (ack, errors, changed) == ({"ok": True, "open": 0}, [], {})


def test_an_anonymous_socket_is_refused(route_world):
    from lms.extensions import socketio

    client = socketio.test_client(route_world.app, namespace="/live", flask_test_client=route_world.client("anonymous"))
    assert not client.is_connected("/live")
