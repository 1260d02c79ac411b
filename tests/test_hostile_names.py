"""Hostile names in every page and export: `=HYPERLINK(...)` and `<img src=x onerror=...>` as data.

Units, a course (title, summary, module and quiz titles), classes, people (full name, e-mail),
a live session, reasons and an essay answer all carry values that are HTML and spreadsheet
formulas at once. Every page and file that shows one of them is fetched as a role that may see
it, and:

- HTML pages: the raw markup never appears; each expected value appears escaped (`&lt;img ...`);
- CSV and XLSX: no cell starts with `=`, `+`, `-`, `@`, tab or CR; the values are neutralised
  with a leading `'` (`lms.csvfiles.spreadsheet_safe`); no XLSX cell is a formula;
- the certificate PDF: the text is printed literally;
- Open Badges documents: valid JSON with the values as JSON strings;
- calendar files: the values are escaped per RFC 5545, and a line break in a title adds no property.

`test_every_get_route_is_covered` compares the list with the app's URL map, so a new page that
shows names must be added here (or listed as showing none).
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from lms.auth import models
from lms.auth.models import Role, User
from lms.certificates.models import Certificate
from lms.courses.models import CourseClass, Enrolment
from lms.csvfiles import FORMULA_STARTS
from lms.evaluations.models import EvaluationResults
from lms.extensions import db
from lms.live.models import LiveSession
from lms.org.heads import set_head
from lms.org.models import Unit
from lms.quizzes.models import QuizAttempt
from tests import factories
from tests.certificates.test_pdf import read_pdf
from tests.conftest import CSRF_RE, AuthActions, IsolatedClient

EVIL_HTML = "<img src=x onerror=alert(1)>"
RAW_MARKUP = re.compile(r"<img[^>]*onerror", re.IGNORECASE)


def evil(tag: str) -> str:
    """A value that is a spreadsheet formula and an HTML injection at once; `tag` says whose it is."""
    return f'=HYPERLINK("http://x","{tag}"){EVIL_HTML}'


UNIT = evil("unit")
UNIT_LEVEL = "@SUM(1+1)" + EVIL_HTML
COURSE = evil("course")
SUMMARY = "+1 " + EVIL_HTML
MODULE = evil("module")
QUIZ = evil("quiz")
INSTRUCTOR = "-2+3" + EVIL_HTML
LEARNER = evil("learner")
EMAIL = "=x<img/src=x/onerror=alert(1)>@example.org"  # a valid address: no space, one @, a dot after it
CLASS = evil("class")
CLASS_LEVEL = evil("level")
OPEN_CLASS = evil("open-class")
SESSION = evil("session") + "\r\nX-INJECTED:yes"
ATTENDANCE_REASON = evil("attendance")
OVERRIDE_REASON = evil("override")
REVOKE_REASON = evil("revoked")
ESSAY = evil("essay")
HEAD = evil("head")

EVALUATION_QUESTION = evil("evaluation")
EVALUATION_COMMENT = evil("comment")
EVALUATION_YML = (
    "title: 'Phiếu'\nsections:\n  - key: instructors\n    title: 'Giảng viên'\n    questions:\n"
    f"      - id: ro_rang\n        type: rating\n        text: '{EVALUATION_QUESTION}'\n"
    "        low: 'Kém'\n        high: 'Tốt'\n"
    "  - key: format\n    title: 'Hình thức'\n    questions:\n      - id: gop_y\n        type: comment\n"
    "        text: 'Góp ý'\n"
)
COURSE_YML = f"title: '{COURSE}'\nsummary: '{SUMMARY}'\n"
MODULE_MD = f"---\ntitle: '{MODULE}'\nminutes: 5\n---\nNội dung.\n"
QUIZ_GIFT = f"---\ntitle: '{QUIZ}'\nrequired: false\n---\n::Tình huống:: Xử lý hồ sơ thiếu?{{}}\n"


def html_of(value: str) -> str:
    """How Jinja's autoescaping writes a value (quotes as &#34;, markup as &lt; &gt;)."""
    return str(escape(value))


def assert_safe_html(body: str, expected: tuple[str, ...] = ()) -> None:
    """No raw injected markup; every expected value is there, escaped."""
    assert not RAW_MARKUP.search(body), RAW_MARKUP.search(body).group(0)
    assert EVIL_HTML not in body
    for value in expected:
        assert html_of(value) in body, f"{value!r} is not shown (escaped) on the page"
    if expected:
        assert "&lt;img src=x onerror=alert(1)&gt;" in body


def assert_safe_cells(cells: list[str], expected: tuple[str, ...]) -> None:
    """No cell a spreadsheet would read as a formula; each expected value neutralised with a quote."""
    risky = [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert not risky, risky
    for value in expected:
        assert "'" + value in cells, f"{value!r} is not in the file as neutralised text"


def form(client, path: str, data: dict, status: int = 303):
    """Post a form with the CSRF token of the page it lives on; check the answer and any page it shows."""
    page = client.get(path)
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    response = client.post(path, data={"csrf_token": token, **data})
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    if response.mimetype == "text/html":
        assert_safe_html(response.get_data(as_text=True))
    return response


@pytest.fixture
def hostile(app, tmp_path, monkeypatch):
    """Everything named with hostile values, made through the admin screens where they exist."""
    # A cheap hash for the accounts the admin form creates, as tests/factories.py does for its own.
    monkeypatch.setattr(
        models, "generate_password_hash", lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000")
    )
    clients = {}
    app.test_client_class = IsolatedClient  # each request in its own app context, as in production

    def client_of(username: str):
        if username not in clients:
            client = app.test_client()
            if username != "anonymous":
                response = AuthActions(client).login(username)
                assert response.status_code == 302, f"login of {username} failed"
            clients[username] = client
        return clients[username]

    city = factories.make_unit("tp", "Thành phố", "Thành phố")
    factories.make_user("admin", Role.ADMIN, city, "Quản Trị Viên")
    course = factories.make_course(
        tmp_path,
        slug="evil",
        course_yml=COURSE_YML,
        modules={"01-evil.md": MODULE_MD},
        quizzes={"bai-tap.gift": QUIZ_GIFT},
        evaluation=EVALUATION_YML,
    )
    db.session.commit()
    admin = client_of("admin")

    form(admin, "/admin/units", {"code": "evil-unit", "name": UNIT, "level": UNIT_LEVEL, "parent_id": city.id})
    unit = db.session.scalar(select(Unit).where(Unit.code == "evil-unit"))
    assert unit.name == UNIT  # stored as typed: the pages must escape it, not the input mangle it

    # Usernames are a-z 0-9 . _ - only: a hostile one is refused, and the refusal page escapes it.
    refused = form(
        admin,
        "/admin/users/new",
        {
            "username": EVIL_HTML,
            "full_name": "X",
            "role": "learner",
            "unit_id": unit.id,
            "password": factories.PASSWORD,
        },
        400,
    )
    assert html_of(EVIL_HTML) in refused.get_data(as_text=True)
    people = {}
    for username, role, name in (("gv.evil", "instructor", INSTRUCTOR), ("hv.evil", "learner", LEARNER)):
        form(
            admin,
            "/admin/users/new",
            {
                "username": username,
                "full_name": name,
                "email": EMAIL,
                "role": role,
                "unit_id": unit.id,
                "password": factories.PASSWORD,
            },
        )
        people[username] = db.session.scalar(select(User).where(User.username == username))
        assert people[username].full_name == name and people[username].email == EMAIL
    learner, instructor = people["hv.evil"], people["gv.evil"]
    # A learner whose password is generated: the "shown once" page names them.
    shown = form(
        admin,
        "/admin/users/new",
        {"username": "hv.khac", "full_name": evil("generated"), "role": "learner", "unit_id": unit.id},
        200,
    )
    assert html_of(evil("generated")) in shown.get_data(as_text=True)

    created = form(
        admin,
        "/admin/classes/new",
        {
            "course_id": course.id,
            "code": "EVIL-1",
            "name": CLASS,
            "level": CLASS_LEVEL,
            "mode": "hybrid",
            "starts_on": "2026-03-02",
            "ends_on": "2026-12-31",
            "instructors": instructor.id,
        },
    )
    class_id = int(created.headers["Location"].rsplit("/", 1)[1])
    form(admin, f"/admin/classes/{class_id}/enrol/unit", {"unit_id": unit.id, "subunits": "1"})
    course_class = db.session.get(CourseClass, class_id)
    assert course_class.name == CLASS and course_class.level == CLASS_LEVEL
    form(
        admin,
        "/admin/classes/new",
        {
            "course_id": course.id,
            "code": "EVIL-OPEN",
            "name": OPEN_CLASS,
            "mode": "online",
            "self_enrol": "1",
            "instructors": instructor.id,
        },
    )
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.class_id == class_id, Enrolment.user_id == learner.id)
    )
    # Five answers (a group large enough to be shown), one with a hostile comment.
    db.session.add(
        EvaluationResults(
            class_id=class_id,
            respondents=5,
            tallies={f"ro_rang@{instructor.id}": [0, 0, 0, 1, 4]},
            comments={"gop_y": [EVALUATION_COMMENT]},
        )
    )

    # Not completed: a certificate issued by override, revoked, then issued again; both show their reasons.
    review = f"/certificates/classes/{class_id}"
    form(admin, review, {"only": enrolment.id, f"reason-{enrolment.id}": OVERRIDE_REASON})
    first = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    form(admin, f"/certificates/{first.id}/revoke", {"reason": REVOKE_REASON}, 303)
    form(admin, review, {"only": enrolment.id, f"reason-{enrolment.id}": OVERRIDE_REASON})
    db.session.commit()
    valid = db.session.scalar(
        select(Certificate).where(Certificate.enrolment_id == enrolment.id, Certificate.revoked_at.is_(None))
    )
    assert valid.recipient_name == LEARNER and valid.unit_name == UNIT

    # A live session that has just begun, so its attendance can be marked (its title has a line
    # break: the calendar must not turn it into a property).
    session = LiveSession(
        class_id=class_id,
        title=SESSION,
        duration_minutes=60,
        created_by_id=instructor.id,
        starts_at=datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1),
    )
    db.session.add(session)
    learner.calendar_token = secrets.token_urlsafe(32)
    db.session.commit()
    teacher = client_of("gv.evil")
    form(
        teacher,
        f"/sessions/{session.id}/attendance",
        {"user_id": learner.id, "present": "1", "reason": ATTENDANCE_REASON},
    )

    # The learner answers the essay: it waits for marking.
    student = client_of("hv.evil")
    token = CSRF_RE.search(student.get(f"/classes/{class_id}/quizzes/bai-tap").get_data(as_text=True)).group(1)
    response = student.post(f"/classes/{class_id}/quizzes/bai-tap/start", data={"csrf_token": token})
    assert response.status_code == 303
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = student.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    field = re.search(r'<textarea name="([^"]+)"', page).group(1)
    form(student, f"/attempts/{attempt_id}/submit", {field: ESSAY, "seq": "1"})
    db.session.commit()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.state == "pending"

    # The unit's head (a learner in no class) nominates the learner for the open class.
    head = factories.make_user("ld.evil", Role.LEARNER, unit, HEAD)
    set_head(unit, head)
    db.session.commit()
    open_class = db.session.scalar(select(CourseClass.id).where(CourseClass.code == "EVIL-OPEN"))
    form(client_of("ld.evil"), "/heads/nominate", {"user_id": learner.id, "class_id": open_class})

    return SimpleNamespace(
        client_of=client_of,
        unit=unit.id,
        cls=class_id,
        enrolment=enrolment.id,
        learner=learner.id,
        session=session.id,
        cert=valid.id,
        revoked_cert=first.id,
        code=valid.verification_code,
        revoked_code=first.verification_code,
        attempt=attempt_id,
        token=learner.calendar_token,
        open_class=open_class,
        instructor=instructor.id,
        course=course.id,
    )


# (role, path, expected values). The path's {names} come from the `hostile` fixture.
FOOTER = (LEARNER, UNIT)  # every page shows the logged-in learner's name and unit
HTML_PAGES = [
    # the learner
    ("hv.evil", "/", (*FOOTER, CLASS, COURSE, HEAD, OPEN_CLASS)),  # the head's nomination
    ("hv.evil", "/classes", (*FOOTER, OPEN_CLASS, COURSE)),
    ("hv.evil", "/classes/{cls}", (*FOOTER, CLASS, COURSE, MODULE, QUIZ, "X-INJECTED")),
    ("hv.evil", "/classes/{cls}/modules/evil", (*FOOTER, MODULE)),
    ("hv.evil", "/classes/{cls}/quizzes/bai-tap", (*FOOTER, QUIZ)),
    ("hv.evil", "/attempts/{attempt}", (*FOOTER, QUIZ, ESSAY)),
    ("hv.evil", "/certificates", (*FOOTER, COURSE, CLASS)),
    ("hv.evil", "/reports/transcript", (*FOOTER, COURSE, CLASS, CLASS_LEVEL, MODULE, QUIZ)),
    ("hv.evil", "/sessions/{session}", (*FOOTER, CLASS)),
    ("hv.evil", "/sessions/{session}/room", (*FOOTER,)),
    ("hv.evil", "/calendar", (*FOOTER, "X-INJECTED")),
    ("hv.evil", "/account", (*FOOTER,)),
    ("hv.evil", "/evaluations/classes/{cls}", (*FOOTER, CLASS, COURSE)),  # not open yet: no questions
    # the instructor
    ("gv.evil", "/", (INSTRUCTOR, UNIT, CLASS)),
    ("gv.evil", "/classes/{cls}/progress", (INSTRUCTOR, LEARNER, CLASS)),
    ("gv.evil", "/classes/{cls}/sessions/new", (INSTRUCTOR, CLASS, MODULE)),
    ("gv.evil", "/sessions/{session}/edit", (INSTRUCTOR, CLASS, MODULE)),
    ("gv.evil", "/classes/{cls}/quizzes/bai-tap/results", (LEARNER, QUIZ, CLASS)),
    ("gv.evil", "/marking", (LEARNER, CLASS, QUIZ)),
    ("gv.evil", "/marking/{attempt}/0", (LEARNER, QUIZ, ESSAY)),
    ("gv.evil", "/sessions/{session}/attendance", (LEARNER, UNIT, ATTENDANCE_REASON)),
    ("gv.evil", "/sessions/{session}/checkin-code", (INSTRUCTOR,)),
    ("gv.evil", "/reports/classes/{cls}", (LEARNER, UNIT, CLASS, COURSE)),
    ("gv.evil", "/reports/transcript/{learner}", (LEARNER, UNIT, CLASS, COURSE)),
    ("gv.evil", "/evaluations/", (INSTRUCTOR, CLASS)),
    ("gv.evil", "/evaluations/classes/{cls}", (INSTRUCTOR, CLASS, COURSE, EVALUATION_QUESTION)),  # the preview
    ("gv.evil", "/evaluations/classes/{cls}/results", (INSTRUCTOR, CLASS, EVALUATION_QUESTION, EVALUATION_COMMENT)),
    ("gv.evil", "/evaluations/instructors/{instructor}", (INSTRUCTOR, EVALUATION_QUESTION)),
    # the admin
    ("admin", "/admin/", (CLASS, COURSE)),
    ("admin", "/admin/units", (UNIT, UNIT_LEVEL)),
    ("admin", "/admin/units/{unit}", (UNIT, UNIT_LEVEL)),
    ("admin", "/admin/users", (LEARNER, INSTRUCTOR, EMAIL, UNIT)),
    ("admin", "/admin/users?q=evil", (LEARNER, INSTRUCTOR, EMAIL, UNIT)),
    ("admin", "/admin/users/{learner}", (LEARNER, EMAIL, UNIT)),
    ("admin", "/admin/users/new", (UNIT,)),
    ("admin", "/admin/users/import", ()),
    ("admin", "/admin/classes", (CLASS, COURSE)),
    ("admin", "/admin/classes/new", (COURSE, INSTRUCTOR)),
    ("admin", "/admin/classes/{cls}", (CLASS, CLASS_LEVEL, COURSE, LEARNER, INSTRUCTOR, UNIT)),
    ("admin", "/admin/classes/{cls}/edit", (CLASS, CLASS_LEVEL, COURSE, INSTRUCTOR)),
    ("admin", "/admin/classes/{cls}/enrolments/{enrolment}/withdraw", (LEARNER, CLASS)),
    ("admin", "/admin/audit", (UNIT, CLASS, OVERRIDE_REASON, REVOKE_REASON, ATTENDANCE_REASON)),
    ("admin", "/certificates/classes", (CLASS, COURSE)),
    ("admin", "/certificates/classes/{cls}", (LEARNER, UNIT, CLASS, COURSE)),
    ("admin", "/certificates/{cert}", (LEARNER, UNIT, CLASS, COURSE, OVERRIDE_REASON)),
    ("admin", "/certificates/{revoked_cert}", (LEARNER, REVOKE_REASON)),
    ("admin", "/certificates/{revoked_cert}/certificate.pdf", ()),  # 410: a page saying so
    ("admin", "/reports/units", (UNIT, UNIT_LEVEL)),
    ("admin", "/reports/classes", (CLASS, COURSE)),
    ("admin", "/reports/courses", (COURSE,)),
    ("admin", "/reports/levels", (CLASS_LEVEL,)),
    ("admin", "/reports/units?mode=hybrid&from=2026-01-01", (UNIT, UNIT_LEVEL, COURSE)),
    ("admin", "/reports/classes/{cls}", (LEARNER, UNIT, CLASS)),
    ("admin", "/reports/transcript/{learner}", (LEARNER, UNIT, CLASS, COURSE, MODULE, QUIZ, CLASS_LEVEL)),
    # the unit's head, and the open class's instructor deciding the head's nomination
    ("ld.evil", "/heads/", (HEAD, UNIT, LEARNER, OPEN_CLASS)),
    ("ld.evil", "/heads/people", (HEAD, UNIT, LEARNER, INSTRUCTOR)),
    ("ld.evil", "/heads/nominate", (LEARNER, UNIT, CLASS, OPEN_CLASS)),
    ("ld.evil", "/reports/heads/units", (UNIT, UNIT_LEVEL)),
    ("ld.evil", "/reports/transcript/{learner}", (LEARNER, UNIT, CLASS, COURSE, MODULE, QUIZ)),
    ("gv.evil", "/classes/{open_class}/nominations", (LEARNER, UNIT, HEAD, OPEN_CLASS)),
    ("admin", "/evaluations/courses/{course}", (COURSE, EVALUATION_QUESTION, EVALUATION_COMMENT)),
    # anyone
    ("anonymous", "/verify/{code}", (LEARNER, COURSE, CLASS)),
    ("anonymous", "/verify/{revoked_code}", (LEARNER, REVOKE_REASON)),
    ("anonymous", "/badges/courses/evil/criteria", (COURSE, SUMMARY)),
]
TABLE_FILES = [
    ("admin", "/reports/units?format={fmt}", (UNIT, UNIT_LEVEL)),
    ("admin", "/reports/classes?format={fmt}", (CLASS, COURSE)),
    ("admin", "/reports/courses?format={fmt}", (COURSE,)),
    ("admin", "/reports/levels?format={fmt}", (CLASS_LEVEL,)),
    ("gv.evil", "/reports/classes?format={fmt}", (CLASS, COURSE)),
    ("ld.evil", "/reports/heads/units?format={fmt}", (UNIT, UNIT_LEVEL)),
    (
        "gv.evil",
        "/evaluations/classes/{cls}/results?format={fmt}",
        (CLASS, INSTRUCTOR, EVALUATION_QUESTION, EVALUATION_COMMENT),
    ),
    ("admin", "/evaluations/courses/{course}?format={fmt}", (COURSE, EVALUATION_QUESTION, EVALUATION_COMMENT)),
]
CSV_ONLY = [
    ("gv.evil", "/sessions/{session}/attendance?format=csv", (LEARNER, UNIT, ATTENDANCE_REASON)),
    ("gv.evil", "/classes/{cls}/quizzes/bai-tap/results?format=csv", (LEARNER, UNIT)),
]


def fetch(hostile, role: str, path: str, status: int = 200):
    response = hostile.client_of(role).get(path.format(**vars(hostile)))
    assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True)[:500])
    return response


@pytest.mark.parametrize(("role", "path", "expected"), HTML_PAGES, ids=[f"{r}:{p}" for r, p, _e in HTML_PAGES])
def test_page_escapes_names(hostile, role, path, expected):
    status = 410 if path.endswith(".pdf") else 200
    response = fetch(hostile, role, path, status)
    assert response.mimetype == "text/html"
    assert_safe_html(response.get_data(as_text=True), expected)


def csv_cells(data: bytes) -> list[str]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the accents
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]


@pytest.mark.parametrize(
    ("role", "path", "expected"), TABLE_FILES + CSV_ONLY, ids=[f"{r}:{p}" for r, p, _e in TABLE_FILES + CSV_ONLY]
)
def test_csv_neutralises_formulas(hostile, role, path, expected):
    response = fetch(hostile, role, path.replace("{fmt}", "csv"))
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert_safe_cells(csv_cells(response.get_data()), expected)


@pytest.mark.parametrize(("role", "path", "expected"), TABLE_FILES, ids=[f"{r}:{p}" for r, p, _e in TABLE_FILES])
def test_xlsx_has_no_formula(hostile, role, path, expected):
    response = fetch(hostile, role, path.replace("{fmt}", "xlsx"))
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # XLSX has types: each name is a string cell, shown exactly as written (no apostrophe added).
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert [value for value in expected if value not in texts] == []
    assert not [t for t in texts if t.startswith("'")]


def test_certificate_pdf_prints_the_names_literally(hostile):
    for role in ("hv.evil", "admin"):
        response = fetch(hostile, role, "/certificates/{cert}/certificate.pdf")
        assert response.mimetype == "application/pdf"
        _size, text, codes = read_pdf(response.get_data())
        flat = " ".join(text.split())
        for value in (LEARNER, UNIT, COURSE, CLASS):
            assert value in flat, value
        assert codes and codes[0].endswith("/verify/" + hostile.code)


def test_badges_are_json_with_the_values_as_strings(hostile):
    anyone = "anonymous"
    assertion = fetch(hostile, anyone, "/badges/assertions/{code}")
    document = json.loads(assertion.get_data(as_text=True))
    assert document["type"] == "Assertion" and document["recipient"]["hashed"] is True
    assert EMAIL.lower() not in assertion.get_data(as_text=True)  # the e-mail is hashed, never shown
    revoked = fetch(hostile, anyone, "/badges/assertions/{revoked_code}", 410)
    assert json.loads(revoked.get_data(as_text=True))["revocationReason"] == REVOKE_REASON
    badge = json.loads(fetch(hostile, anyone, "/badges/courses/evil").get_data(as_text=True))
    assert badge["name"] == COURSE and badge["description"] == SUMMARY
    image = fetch(hostile, anyone, "/badges/courses/evil/badge.svg")
    assert_safe_html(image.get_data(as_text=True), (COURSE,))
    issuer = json.loads(fetch(hostile, anyone, "/badges/issuer").get_data(as_text=True))
    assert issuer["type"] == "Issuer"


def ics_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and line breaks escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("hv.evil", "/sessions/{session}.ics"),
        ("gv.evil", "/sessions/{session}.ics"),
        ("anonymous", "/calendar/{token}.ics"),
    ],
)
def test_calendar_escapes_names(hostile, role, path):
    response = fetch(hostile, role, path)
    assert response.mimetype == "text/calendar"
    raw = response.get_data(as_text=True)
    unfolded = re.sub(r"\r\n[ \t]", "", raw)
    lines = unfolded.split("\r\n")
    assert not [line for line in lines if line.startswith("X-INJECTED")]
    assert "SUMMARY:" + ics_text(SESSION) in lines
    if "/sessions/" in path:  # one session's file is named after it
        assert "X-WR-CALNAME:" + ics_text(SESSION) in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert description.startswith("DESCRIPTION:" + ics_text(CLASS) + "\\n")
    from icalendar import Calendar

    (event,) = Calendar.from_ical(raw).walk("VEVENT")
    assert str(event["SUMMARY"]) == SESSION.replace("\r\n", "\n") or str(event["SUMMARY"]) == SESSION


def test_import_preview_escapes_names(hostile):
    """The CSV import preview shows every name of the file before anything is written."""
    admin = hostile.client_of("admin")
    page = admin.get("/admin/users/import").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    data = f'username,full_name,unit,email\nhv.moi,"{LEARNER.replace(chr(34), chr(34) * 2)}",evil-unit,{EMAIL}\n'
    response = admin.post(
        "/admin/users/import", data={"csrf_token": token, "file": (io.BytesIO(data.encode("utf-8-sig")), "users.csv")}
    )
    assert response.status_code == 200
    assert_safe_html(response.get_data(as_text=True), (LEARNER,))


# GET routes that show no name: nothing of the data above can appear in them.
NO_NAMES = {
    "static": "files",
    "reports.static": "files",
    "certificates.static": "files",
    "favicon": "file",
    "healthz": "status",
    "readyz": "status",
    "metrics": "numbers",
    "auth.login": "a form",
    "activation.activate": "a form (the username typed is echoed, escaped, at most 64 characters)",
    "courses.asset": "course files, served as uploaded",
    "reports.index": "a redirect to /reports/units",
}
COVERED_ELSEWHERE = {
    "certificates.pdf": "test_certificate_pdf_prints_the_names_literally",
    "certificates.badge_assertion": "test_badges_are_json_with_the_values_as_strings",
    "certificates.badge_class": "test_badges_are_json_with_the_values_as_strings",
    "certificates.badge_image": "test_badges_are_json_with_the_values_as_strings",
    "certificates.badge_issuer": "test_badges_are_json_with_the_values_as_strings",
    "live.session_ics": "test_calendar_escapes_names",
    "live.calendar_feed": "test_calendar_escapes_names",
}


def test_every_get_route_is_covered(app):
    """A page added later that is in none of the lists above fails here until it is checked."""
    adapter = app.url_map.bind("localhost")
    ids = {
        "cls": 1,
        "unit": 1,
        "learner": 1,
        "session": 1,
        "cert": 1,
        "revoked_cert": 2,
        "attempt": 1,
        "enrolment": 1,
        "code": "x" * 32,
        "revoked_code": "y" * 32,
        "token": "t" * 40,
        "fmt": "csv",
        "open_class": 2,
        "instructor": 1,
        "course": 1,
    }
    covered = set()
    for _role, path, _expected in HTML_PAGES + TABLE_FILES + CSV_ONLY:
        endpoint, _args = adapter.match(path.format(**ids).split("?")[0], "GET")
        covered.add(endpoint)
    every = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    missing = every - covered - set(NO_NAMES) - set(COVERED_ELSEWHERE)
    assert not missing, f"pages not checked for hostile names: {sorted(missing)}"
