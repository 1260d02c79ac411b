"""Demo data for a first look (`flask demo seed`) and the development server (`flask serve`).

The seed writes through the domain services, as the pages would: learners read modules (pings
credit their time), mark them done, attend a live session, take the final quiz; instructors mark
an essay; the admin certifies. So every rule (minimum study time, completion, serials) holds for
the demo too, and every screen has something on it (docs/administration.md lists what).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from lms.auth.models import Role, User
from lms.auth.service import create_user
from lms.certificates.models import Certificate
from lms.certificates.service import certify
from lms.courses.models import ClassMode, Course, CourseClass, Enrolment, Module
from lms.courses.service import enrol_users
from lms.database import utcnow, write_transaction
from lms.extensions import db, socketio
from lms.live import room
from lms.live.models import LiveSession
from lms.live.schedule import utc_to_local_input
from lms.live.service import mark_attendance, schedule_session
from lms.localtime import VIETNAM
from lms.org.models import Unit
from lms.progress.service import mark_done, record_heartbeat, refresh_completion
from lms.quizzes.attempts import (
    DrawnQuestion,
    active_quizzes,
    drawn_questions,
    mark_essay,
    start_attempt,
    submit_attempt,
)
from lms.quizzes.models import QuizAttempt
from lms.quizzes.questions import QuestionType

DEMO_PASSWORD = "hoctap2026"  # noqa: S105 - printed demo login, demo data only
DEMO_COURSE = "cai-cach-hanh-chinh"
DEMO_CLASS = "CCHC-2026-01"

UNITS = [
    # code, name, level, parent code
    ("tphcm", "Thành phố Hồ Chí Minh", "Thành phố", None),
    ("so-noi-vu", "Sở Nội vụ", "Sở/ngành", "tphcm"),
    ("so-tu-phap", "Sở Tư pháp", "Sở/ngành", "tphcm"),
    ("so-khcn", "Sở Khoa học và Công nghệ", "Sở/ngành", "tphcm"),
    ("phuong-sai-gon", "Phường Sài Gòn", "Phường/xã", "tphcm"),
    ("phuong-ben-thanh", "Phường Bến Thành", "Phường/xã", "tphcm"),
    ("phuong-tan-dinh", "Phường Tân Định", "Phường/xã", "tphcm"),
    ("xa-binh-hung", "Xã Bình Hưng", "Phường/xã", "tphcm"),
]
STAFF = [
    ("admin", "Nguyễn Thị Thu Hà", Role.ADMIN, "so-noi-vu"),
    ("gv.lan", "Trần Thị Ngọc Lan", Role.INSTRUCTOR, "so-noi-vu"),
    ("gv.minh", "Lê Quang Minh", Role.INSTRUCTOR, "so-tu-phap"),
]
LEARNER_NAMES = [
    "Phạm Văn Đức",
    "Võ Thị Hồng Nhung",
    "Đặng Quốc Bảo",
    "Huỳnh Thị Mỹ Duyên",
    "Bùi Thanh Tùng",
    "Ngô Thị Kim Oanh",
    "Dương Minh Khoa",
    "Lý Thị Thanh Thảo",
    "Trương Công Hậu",
    "Phan Ngọc Ánh",
    "Hồ Văn Lực",
    "Đỗ Thị Phương Linh",
    "Mai Xuân Trường",
    "Tạ Thị Bích Ngọc",
    "Châu Gia Huy",
    "Lương Thị Cẩm Tú",
    "Vũ Đình Nghĩa",
    "Kiều Thị Yến",
    "Tôn Thất Phước",
    "Quách Thị Diễm My",
]
LEARNER_UNITS = [
    "phuong-sai-gon",
    "phuong-ben-thanh",
    "phuong-tan-dinh",
    "xa-binh-hung",
    "so-tu-phap",
    "so-khcn",
    "so-noi-vu",
]

demo_cli = AppGroup("demo", help="Demo data.")


def seed_demo(now: datetime) -> DemoSummary | None:
    """Fill an empty database with units, staff, twenty learners, one class and their activity.

    Returns what was made, or None (nothing written) when the database already has users.
    """
    if db.session.scalar(select(func.count()).select_from(User)):
        return None
    today = now.astimezone(VIETNAM).date()
    course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE))
    if course is None:
        raise click.ClickException(f"course '{DEMO_COURSE}' is not synced; run 'flask content sync' first")
    units: dict[str, Unit] = {}
    for code, name, level, parent in UNITS:
        units[code] = Unit(code=code, name=name, level=level, parent=units.get(parent))
        db.session.add(units[code])
    users = {}
    for username, name, role, unit in STAFF:
        users[username] = create_user(
            username=username,
            full_name=name,
            role=role,
            unit=units[unit],
            password=DEMO_PASSWORD,
            email=f"{username}@example.gov.vn",
        )
    learners = []
    for number, name in enumerate(LEARNER_NAMES, start=1):
        learners.append(
            create_user(
                username=f"hv{number:02d}",
                full_name=name,
                role=Role.LEARNER,
                unit=units[LEARNER_UNITS[number % len(LEARNER_UNITS)]],
                password=DEMO_PASSWORD,
                email=f"hv{number:02d}@example.gov.vn",
            )
        )
    course_class = CourseClass(
        code=DEMO_CLASS,
        name="Bồi dưỡng CCHC cho công chức cấp xã, khóa 1/2026",
        course=course,
        level="Cấp xã",
        mode=ClassMode.HYBRID,
        starts_on=today - timedelta(days=7),
        ends_on=today + timedelta(days=60),
        self_enrol=True,
        instructors=[users["gv.lan"], users["gv.minh"]],
    )
    db.session.add(course_class)
    enrol_users(course_class, learners, source="admin")
    return seed_activity(course_class, users, now)


# --- activity: what the learners, instructors and admin have done so far -----------------------

PING_SECONDS = 60  # the module page pings every 30 s; a minute apart is well within the cap
ESSAY_ANSWER = (
    "Bước 1: xác định vấn đề là hồ sơ bị trả lại nhiều lần vì hướng dẫn không đầy đủ. "
    "Bước 2: tìm nguyên nhân từ phía Bộ phận Một cửa và phía người dân. "
    "Bước 3: đề ra hai phương án: hướng dẫn bổ sung một lần bằng phiếu, hoặc tiếp nhận trực tuyến. "
    "Bước 4: chọn phương án phiếu hướng dẫn một lần, xin lỗi người dân và trả lời công khai. "
    "Bước 5: tổ chức thực hiện, theo dõi thời hạn và rút kinh nghiệm trong đơn vị."
)


@dataclass
class DemoSummary:
    """What the seed made that a newcomer will want to open first."""

    upcoming: LiveSession
    past: LiveSession
    certificate: Certificate
    in_progress: int


@dataclass
class LearnerPlan:
    """How far one demo learner got: modules done, the live session, the final quiz."""

    modules_done: int
    attended: str = ""  # "online", "ruled" (marked present by the instructor) or "" (absent)
    quiz: str = ""  # "passed" (essay marked), "pending" (essay waiting), "failed", or "" (not tried)
    reading_now: bool = True  # has the next module open (read for a while, not long enough for "done")


# hv01 finished everything and is certified; hv02 waits for an essay mark; hv03 failed the quiz once;
# hv04-hv09 are part-way through the modules; the others have not started.
PLANS = {
    "hv01": LearnerPlan(7, "online", "passed"),
    "hv02": LearnerPlan(7, "online", "pending"),
    "hv03": LearnerPlan(7, "online", "failed"),
    "hv04": LearnerPlan(5, "online"),
    "hv05": LearnerPlan(4, "ruled"),
    "hv06": LearnerPlan(3, "online"),
    "hv07": LearnerPlan(2, reading_now=False),
    "hv08": LearnerPlan(1, "online"),
    "hv09": LearnerPlan(0),  # opened the first module and read a while, not done yet
}


def seed_activity(course_class: CourseClass, staff: dict[str, User], now: datetime) -> DemoSummary:
    """Give the demo class a past session with attendance, progress, quiz attempts and a certificate."""
    instructor = staff["gv.lan"]
    enrolments = {
        e.user.username: e for e in db.session.scalars(select(Enrolment).where(Enrolment.class_id == course_class.id))
    }
    modules = [m for m in course_class.course.active_modules if m.required]
    past = _past_session(course_class, instructor, enrolments, now - timedelta(days=2))
    for username, plan in PLANS.items():
        enrolment = enrolments[username]
        start = now - timedelta(days=6)
        for module in modules[: plan.modules_done]:
            start = _read(enrolment, module, start, done=True) + timedelta(hours=5)
        if plan.reading_now and plan.modules_done < len(modules):
            _read(enrolment, modules[plan.modules_done], now - timedelta(hours=3), done=False)
    rng = random.Random(2026)  # the same demo every time
    for username, plan in PLANS.items():
        if plan.quiz:
            _take_final_quiz(enrolments[username], plan.quiz, instructor, now - timedelta(days=1), rng)
    for enrolment in enrolments.values():
        refresh_completion(enrolment, now - timedelta(hours=12))
    (certificate,) = certify(
        course_class,
        [enrolments["hv01"].id],
        {},
        staff["admin"],
        now - timedelta(hours=6),
        VIETNAM,
        current_app.config["CERTIFICATE_SERIAL_PREFIX"],
    )
    upcoming = _upcoming_session(course_class, instructor, now)
    in_progress = sum(1 for p in PLANS.values() if p.quiz != "passed")
    return DemoSummary(upcoming=upcoming, past=past, certificate=certificate, in_progress=in_progress)


def _read(enrolment: Enrolment, module: Module, start: datetime, done: bool) -> datetime:
    """Read a module from `start`, pinging as its page does, for a little longer than it asks; return the end."""
    minutes = (module.min_minutes or 5) + 2 if done else max(1, (module.min_minutes or 5) // 2)
    moment = start
    for _ in range(minutes + 1):  # the first ping opens the module, each later one earns a minute
        record_heartbeat(enrolment, module, moment, "", current_app.config["MODULE_TIME_CAP_SECONDS"])
        moment += timedelta(seconds=PING_SECONDS)
    if done:
        mark_done(enrolment, module, moment)
    return moment


def _session_form(title: str, starts_at: datetime, required: bool) -> dict[str, str]:
    return {
        "title": title,
        "starts_at": utc_to_local_input(starts_at),
        "duration_minutes": "90",
        "video_url": "",
        "attendance_required": "1" if required else "0",
        "attendance_threshold": "80",
        "slides_module_id": "",
    }


def _past_session(
    course_class: CourseClass, instructor: User, enrolments: dict[str, Enrolment], start: datetime
) -> LiveSession:
    """A session held two days ago: opened by its instructor, attended online or ruled present, ended."""
    form = _session_form("Sinh hoạt lớp: trao đổi tình huống tại Bộ phận Một cửa", start, required=True)
    session = schedule_session(course_class, form, instructor.id, start, start_now=True)
    start = session.starts_at
    for username, plan in PLANS.items():
        if plan.attended == "online":
            who = room.member(enrolments[username].user, session.id)
            sid = f"demo-{username}"
            room.join(who, sid, start + timedelta(minutes=2), None)
            room.leave(sid, start + timedelta(minutes=88))
        elif plan.attended == "ruled":
            reason = "Dự tại hội trường, giảng viên điểm danh"
            mark_attendance(
                session, enrolments[username].user_id, True, reason, instructor.id, start + timedelta(minutes=90)
            )
    room.set_state(room.member(instructor, session.id), "ended", start + timedelta(minutes=90))
    return session


def _upcoming_session(course_class: CourseClass, instructor: User, now: datetime) -> LiveSession:
    """A session starting in a quarter of an hour, not counted for completion (so the certificate holds)."""
    form = _session_form(
        "Hỏi đáp trực tuyến về đo lường cải cách hành chính", now + timedelta(minutes=16), required=False
    )
    return schedule_session(course_class, form, instructor.id, now)


def _take_final_quiz(enrolment: Enrolment, outcome: str, instructor: User, start: datetime, rng: random.Random) -> None:
    """Take the course's final quiz through the attempt services; mark the essay when `outcome` is "passed"."""
    (quiz,) = [q for q in active_quizzes(enrolment.course_class.course_id) if q.required]
    attempt = start_attempt(enrolment, quiz, start, rng)
    right = None if outcome in ("passed", "pending") else 10  # a failed try: ten right, the essay left empty
    submit_attempt(attempt, _answers(attempt, right, essay=outcome != "failed"), 1, start + timedelta(minutes=20))
    if outcome == "passed":
        index = next(i for i, d in enumerate(drawn_questions(attempt)) if d.question.type == QuestionType.ESSAY)
        comment = "Đủ năm bước, có căn cứ; cần nêu rõ thời hạn trả lời người dân."
        mark_essay(
            attempt,
            index,
            0.75 * drawn_questions(attempt)[index].question.points,
            comment,
            instructor.id,
            start + timedelta(hours=3),
        )


def _answers(attempt: QuizAttempt, right: int | None, essay: bool) -> dict[str, list[str]]:
    """The attempt form a learner would send: the right answer to the first `right` questions (all: None)."""
    form: dict[str, list[str]] = {}
    answered = 0
    for number, drawn in enumerate(drawn_questions(attempt)):
        if drawn.question.type == QuestionType.ESSAY:
            if essay:
                form[f"q{number}"] = [ESSAY_ANSWER]
        elif right is None or answered < right:
            answered += 1
            form.update(_right_answer(number, drawn))
    return form


def _right_answer(number: int, drawn: DrawnQuestion) -> dict[str, list[str]]:
    """The form fields answering one drawn question right, options named by their place on the page."""
    question, name = drawn.question, f"q{number}"
    if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        best = max(c.weight for c in question.choices)
        chosen = [
            i
            for i, c in enumerate(question.choices)
            if c.weight > 0 and (question.type == QuestionType.MULTIPLE or c.weight == best)
        ]
        return {name: [str(drawn.order.index(i)) for i in chosen]}
    if question.type == QuestionType.TRUE_FALSE:
        return {name: ["true" if question.correct else "false"]}
    if question.type == QuestionType.SHORT_ANSWER:
        return {name: [max(question.choices, key=lambda c: c.weight).text.replace("*", "")]}
    if question.type == QuestionType.NUMERICAL:
        best = max((a for a in question.numeric if a.value is not None), key=lambda a: a.weight)
        return {name: [f"{best.value:g}"]}
    if question.type == QuestionType.MATCHING:
        # Each prompt takes the place of the (first) shown answer with its pair's answer text.
        place = {question.pairs[o].answer: p for p, o in reversed(list(enumerate(drawn.order)))}
        return {f"{name}-{slot}": [str(place[question.pairs[pair].answer])] for slot, pair in enumerate(drawn.prompts)}
    return {}


@demo_cli.command("seed")
def seed_command():
    """Seed demo data into an empty database and print the demo logins."""
    with write_transaction():
        summary = seed_demo(utcnow())
    if summary is None:
        click.echo("Nothing seeded: the database already has users, and the demo only goes into an empty one.")
        if db.session.scalar(select(User).where(User.username == "admin")) is not None:
            click.echo("An account 'admin' exists: the demo data seeded earlier may still be there.")
        return
    click.echo("Demo data created.")
    starts = summary.upcoming.starts_at.astimezone(VIETNAM).strftime("%H:%M on %d/%m/%Y")
    click.echo(f'  live session "{summary.upcoming.title}" starts at {starts}; its room is open now')
    click.echo(f"  {summary.in_progress} learners part-way through, 1 essay waiting in the marking queue")
    click.echo(f"  hv01 completed and certified: /verify/{summary.certificate.verification_code}")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    click.echo("  admin (admin), gv.lan and gv.minh (instructors), hv01 ... hv20 (learners)")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host, port):
    """Serve the app with Socket.IO on the development server."""
    app = current_app._get_current_object()
    # Flask refuses app.run() inside a `flask` command unless told this is deliberate.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    click.echo(f"Serving on http://{host}:{port} (Ctrl+C to stop)")
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)
