"""One world with a record of every kind a route can name, and a signed-in visitor of every kind.

Built once per test module (see the `route_world` fixture in conftest.py): the access matrix and
the CSRF sweep ask hundreds of questions of it, and `tests.snapshots.restore` puts it back after
a request that was allowed to write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from lms.auth.activation import current_code_key
from lms.auth.codes import code_hash
from lms.auth.models import OneTimeCode, Role
from lms.certificates.service import certify
from lms.courses.models import Enrolment
from lms.courses.service import withdraw
from lms.database import utcnow
from lms.extensions import db, limiter
from lms.heads.nominations import nominate
from lms.live.models import ChatMessage, HandRaise, LiveSession, Poll, RoomQuestion
from lms.org.heads import set_head
from lms.progress.service import mark_done
from lms.quizzes import attempts as quiz_attempts
from lms.quizzes.models import Quiz
from tests import factories
from tests.conftest import CSRF_RE, AuthActions
from tests.quizzes.conftest import QUIZ

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
RESET_CODE = "7K4M-Q2XA-9BCD-EFGH-JKMN-PQRS-TV01"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


@dataclass(frozen=True)
class Visitor:
    """Who asks: a name (a column of the matrix) and the account they sign in with (None: anonymous)."""

    name: str
    username: str | None


# The columns of the access matrix, in order. A new kind of visitor is one more entry here, one
# more account in `build_world`, and one more number in each row.
ACCOUNT_VISITORS = (
    Visitor("anonymous", None),
    Visitor("learner", "hv.mai"),  # enrolled in LOP-1
    Visitor("withdrawn", "hv.rut"),  # was in LOP-1, withdrawn (with an open quiz attempt)
    Visitor("outsider", "hv.ngoai"),  # a learner in no class
    Visitor("teacher", "gv.an"),  # instructor of LOP-1
    Visitor("other_teacher", "gv.binh"),  # instructor of LOP-2 only
    Visitor("admin", "admin"),
)
# Unit heads: learners in no class (of Phường 3) who head a unit. Heading opens only the heads'
# pages and the transcripts of the heads' people, so a row gives them their own numbers only where
# it says so; elsewhere they get the outsider's.
HEAD_VISITORS = (
    Visitor("head", "ld.phuong1"),  # heads Phường 1: hv.mai, hv.rut, hv.ngoai
    Visitor("sibling_head", "ld.phuong2"),  # heads Phường 2: hv.nam, hv.lan
    Visitor("parent_head", "ld.thanhpho"),  # heads Thành phố, above both
)
VISITORS = ACCOUNT_VISITORS + HEAD_VISITORS
VISITOR_NAMES = tuple(v.name for v in VISITORS)
ACCOUNT_VISITOR_NAMES = tuple(v.name for v in ACCOUNT_VISITORS)
HEAD_VISITOR_NAMES = tuple(v.name for v in HEAD_VISITORS)


@dataclass
class Login:
    """A visitor's signed session cookie and a CSRF token valid with it."""

    cookie: str | None
    csrf: str


@dataclass
class RouteWorld:
    app: Flask
    w: SimpleNamespace
    logins: dict[str, Login] = field(default_factory=dict)
    base: dict = field(default_factory=dict)  # the snapshot every test starts from

    def client(self, visitor: str):
        """A fresh test client carrying the visitor's session."""
        client = self.app.test_client()
        cookie = self.logins[visitor].cookie
        if cookie is not None:
            client.set_cookie("session", cookie)
        return client

    def token(self, visitor: str) -> str:
        return self.logins[visitor].csrf


def _enrolment(user, course_class) -> Enrolment:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.class_id == course_class.id)
    )


def _essay_index(attempt) -> int:
    return next(i for i, d in enumerate(quiz_attempts.drawn_questions(attempt)) if d.question.type == "essay")


def _submitted_attempt(enrolment, quiz, now):
    """An attempt submitted with only the essay answered: it waits for an instructor's mark."""
    attempt = quiz_attempts.start_attempt(enrolment, quiz, now)
    db.session.flush()
    form = {f"q{_essay_index(attempt)}": ["Hướng dẫn người dân bổ sung hồ sơ một lần."]}
    quiz_attempts.submit_attempt(attempt, form, 1, now)
    return attempt


def build_world(tmp_path: Path) -> SimpleNamespace:
    """Units, one account per visitor kind and two more learners, a course with a quiz and an asset,
    classes LOP-1 and LOP-2, attempts, certificates, a live session with chat, questions, hands
    and a poll."""
    city = factories.make_unit("tp", "Thành phố", "Thành phố")
    ward = factories.make_unit("phuong-1", "Phường 1", "Phường/xã", parent=city)
    other_ward = factories.make_unit("phuong-2", "Phường 2", "Phường/xã", parent=city)
    empty_ward = factories.make_unit("phuong-3", "Phường 3", "Phường/xã", parent=city)
    retired_ward = factories.make_unit("phuong-cu", "Phường Cũ", "Phường/xã", parent=city)
    retired_ward.retired_at = utcnow()
    admin = factories.make_user("admin", Role.ADMIN, city, "Quản Trị Viên")
    teacher = factories.make_user("gv.an", Role.INSTRUCTOR, city, "Giảng Viên An")
    other_teacher = factories.make_user("gv.binh", Role.INSTRUCTOR, city, "Giảng Viên Bình")
    learner = factories.make_user("hv.mai", Role.LEARNER, ward, "Nguyễn Thị Mai")
    learner.email = "mai@example.org"
    learner.calendar_token = "t" * 43
    other_learner = factories.make_user("hv.nam", Role.LEARNER, other_ward, "Trần Văn Nam")
    third_learner = factories.make_user("hv.lan", Role.LEARNER, other_ward, "Lê Thị Lan")
    withdrawn_learner = factories.make_user("hv.rut", Role.LEARNER, ward, "Phạm Văn Rút")
    outsider = factories.make_user("hv.ngoai", Role.LEARNER, ward, "Hồ Văn Ngoại")
    ward_head = factories.make_user("ld.phuong1", Role.LEARNER, empty_ward, "Lãnh Đạo Phường Một")
    set_head(ward, ward_head)
    set_head(other_ward, factories.make_user("ld.phuong2", Role.LEARNER, empty_ward, "Lãnh Đạo Phường Hai"))
    set_head(city, factories.make_user("ld.thanhpho", Role.LEARNER, empty_ward, "Lãnh Đạo Thành Phố"))
    course = factories.make_course(
        tmp_path, quizzes={"kiem-tra.gift": QUIZ}, assets={"so-do.svg": SVG}, evaluation=factories.EVALUATION_YML
    )
    lop1 = factories.make_class(
        course,
        "LOP-1",
        instructors=[teacher],
        learners=[learner, other_learner, third_learner, withdrawn_learner],
    )
    lop2 = factories.make_class(course, "LOP-2", instructors=[other_teacher], self_enrol=True)
    # The head of Phường 1 has put the outsider forward for LOP-1: its staff decide.
    nomination = nominate(ward_head, outsider, lop1, utcnow().date())
    quiz = db.session.scalar(select(Quiz))
    now = utcnow()
    # A reset code the outsider may use on /activate (the code is known; only its hash is stored).
    db.session.add(
        OneTimeCode(
            user_id=outsider.id,
            purpose="reset",
            code_hash=code_hash(current_code_key(), RESET_CODE),
            expires_at=now + timedelta(days=1),
        )
    )

    mine, theirs, gone = (_enrolment(u, lop1) for u in (learner, other_learner, withdrawn_learner))
    for enrolment in (mine, theirs):
        for module in course.active_modules:
            if module.required:  # the optional "doc-them" is left for the matrix to mark done
                mark_done(enrolment, module, now)
    mark_done(gone, course.active_modules[0], now)
    marked = _submitted_attempt(mine, quiz, now)  # an essay waiting for its mark
    open_attempt = quiz_attempts.start_attempt(mine, quiz, now)
    their_attempt = _submitted_attempt(theirs, quiz, now)
    gone_attempt = quiz_attempts.start_attempt(gone, quiz, now)
    db.session.flush()
    withdraw(gone, admin.id)
    essay = _essay_index(marked)
    reasons = {e.id: "Hoàn thành bài tập tình huống tại đơn vị." for e in (mine, theirs)}
    my_certificate, their_certificate = certify(lop1, [mine.id, theirs.id], reasons, admin, now, ZONE, "CCHC")

    session = LiveSession(
        class_id=lop1.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) - timedelta(seconds=1),  # begun: its attendance can be marked
        slides_module_id=course.active_modules[1].id,
        created_by_id=teacher.id,
    )
    db.session.add(session)
    db.session.flush()
    chat = {
        who: ChatMessage(session_id=session.id, user_id=user.id, client_id=f"c-{who}", body=f"Chào, tôi là {who}")
        for who, user in (("teacher", teacher), ("learner", learner), ("other_learner", other_learner))
    }
    question = RoomQuestion(session_id=session.id, user_id=other_learner.id, client_id="q-1", body="Hỏi thầy?")
    poll = Poll(session_id=session.id, client_id="p-1", question="Rõ chưa?", options=["Rõ", "Chưa"], opened_at=now)
    hand = HandRaise(session_id=session.id, user_id=other_learner.id, raised_at=now)
    db.session.add_all([*chat.values(), question, poll, hand])
    db.session.commit()
    return SimpleNamespace(
        city=city,
        ward=ward,
        other_ward=other_ward,
        empty_ward=empty_ward,
        retired_ward=retired_ward,
        admin=admin,
        teacher=teacher,
        other_teacher=other_teacher,
        learner=learner,
        other_learner=other_learner,
        third_learner=third_learner,
        withdrawn_learner=withdrawn_learner,
        outsider=outsider,
        course=course,
        lop1=lop1,
        lop2=lop2,
        quiz=quiz,
        modules=course.active_modules,
        my_enrolment=mine,
        their_enrolment=theirs,
        third_enrolment=_enrolment(third_learner, lop1),
        withdrawn_enrolment=gone,
        marked_attempt=marked,
        essay_index=essay,
        open_attempt=open_attempt,
        their_attempt=their_attempt,
        withdrawn_attempt=gone_attempt,
        my_certificate=my_certificate,
        their_certificate=their_certificate,
        session=session,
        chat=chat,
        question=question,
        poll=poll,
        nomination=nomination,
    )


def sign_in(app: Flask, visitor: Visitor) -> Login:
    """Sign in through the real form (anonymous: just open the login page) and keep the cookie."""
    client = app.test_client()
    if visitor.username is not None:
        limiter.reset()  # the login form's limit counts every sign-in from the test client's address
        assert AuthActions(client).login(visitor.username).status_code == 302
    page = client.get("/login", follow_redirects=True).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token for {visitor.name}"
    cookie = client.get_cookie("session")
    return Login(cookie.value if cookie else None, match.group(1))
