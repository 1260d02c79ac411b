"""Every export pairs each header with its own value: no two columns swapped under their headers.

A world in which one report row has every figure different (learners 8, learner-places 9, not
started 1, in progress 3, completed 5, certified 4, rate 56%) and one class row too (8, 8, 1, 2,
5, 4, 63%). Each completion report (by unit, class, course, level) is downloaded as CSV and as
XLSX, in English and in Vietnamese, and read as header -> value. The quiz results CSV and the
attendance CSV get rows whose fields all differ, read the same way.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.auth.models import Role
from lms.courses.service import enrol_users
from lms.database import utcnow
from lms.extensions import db
from lms.live.models import AttendanceInterval, LiveSession, PresenceSource
from lms.quizzes import attempts as quiz_service
from lms.quizzes.models import Quiz
from tests import factories
from tests.factories import enrolment_of
from tests.reports.conftest import set_state

# Class A: 8 places. Class B (same course and level): one more place, by a learner of class A.
CLASS_A = ["not_started"] + ["in_progress"] * 2 + ["completed"] + ["certified"] * 4
CLASS_B_STATE = "in_progress"

EN = ["Learners", "Learner-places", "Not started", "In progress", "Completed", "Certified", "Completion rate (%)"]
VI = ["Học viên", "Lượt học viên", "Chưa bắt đầu", "Đang học", "Đã hoàn thành", "Đã cấp chứng chỉ"]
WARD = dict(zip(EN, [8, 9, 1, 3, 5, 4, 56], strict=True))  # 5 of 9 places completed: 55.6% -> 56
ROW_A = dict(zip(EN, [8, 8, 1, 2, 5, 4, 63], strict=True))  # 5 of 8: 62.5% -> 63 (half up)


@pytest.fixture
def export_world(app, tmp_path):
    city = factories.make_unit("city", "Thành phố", "Thành phố")
    ward = factories.make_unit("ward", "Phường Một", "Phường/xã", parent=city)
    admin = factories.make_user("admin", Role.ADMIN, city, "Quản Trị Viên")
    teacher = factories.make_user("gv.an", Role.INSTRUCTOR, city, "Giảng Viên An")
    course = factories.make_course(tmp_path)
    day = datetime(2025, 3, 1).date()
    class_a = factories.make_class(
        course, "LOP-A", instructors=[teacher], mode="online", level="Cấp xã", starts_on=day, ends_on=day
    )
    class_b = factories.make_class(
        course, "LOP-B", instructors=[teacher], mode="online", level="Cấp xã", starts_on=day, ends_on=day
    )
    learners = [
        factories.make_user(f"hv.{n:02d}", Role.LEARNER, ward, f"Học viên {n:02d}") for n in range(1, len(CLASS_A) + 1)
    ]
    for learner, state in zip(learners, CLASS_A, strict=True):
        enrol_users(class_a, [learner], source="admin")
        set_state(enrolment_of(learner, class_a), course.active_modules, state, admin)
    enrol_users(class_b, [learners[0]], source="admin")
    set_state(enrolment_of(learners[0], class_b), course.active_modules, CLASS_B_STATE, admin)
    db.session.commit()
    return SimpleNamespace(course=course, class_a=class_a, class_b=class_b, learners=learners, teacher=teacher)


def csv_table(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_table(data: bytes) -> list[list[object]]:
    return [list(row) for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


def row_named(table: list[list], name: str) -> dict:
    """The row whose cells include `name`, as header -> cell."""
    header, *rows = table
    (row,) = [r for r in rows if name in r]
    return dict(zip(header, row, strict=True))


def as_text(expected: dict) -> dict:
    return {k: str(v) for k, v in expected.items()}


@pytest.fixture
def english_admin(export_world, auth):
    auth.login("admin")
    auth.post("/language", {"locale": "en"})
    return export_world


@pytest.mark.parametrize(
    ("kind", "name", "leading", "expected"),
    [
        ("units", "Phường Một", {"Depth": 1, "Unit": "Phường Một", "Unit level": "Phường/xã"}, WARD),
        ("classes", "Lớp LOP-A", {"Class": "Lớp LOP-A", "Course": "Khóa học thử"}, ROW_A),
        ("courses", "Khóa học thử", {"Course": "Khóa học thử"}, WARD),
        ("levels", "Cấp xã", {"Level": "Cấp xã"}, WARD),
    ],
)
def test_completion_report_exports_pair_each_header_with_its_value(
    english_admin, client, kind, name, leading, expected
):
    xlsx = row_named(xlsx_table(client.get(f"/reports/{kind}?format=xlsx").get_data()), name)
    assert xlsx == {**leading, **expected}
    text = row_named(csv_table(client.get(f"/reports/{kind}?format=csv").get_data()), name)
    assert text == as_text({**leading, **expected})


@pytest.mark.parametrize("kind", ["units", "classes", "courses", "levels"])
def test_completion_report_total_row(english_admin, client, kind):
    """The total covers the nine places whatever the grouping."""
    total = row_named(xlsx_table(client.get(f"/reports/{kind}?format=xlsx").get_data()), "Total")
    assert {k: total[k] for k in EN} == WARD


def test_completion_report_headers_in_vietnamese(export_world, auth, client):
    auth.login("admin")
    table = csv_table(client.get("/reports/units?format=csv").get_data())
    ward = row_named(table, "Phường Một")
    assert [ward[h] for h in VI] == ["8", "9", "1", "3", "5", "4"]


def test_instructor_gets_the_same_figures(export_world, auth, client):
    auth.login("gv.an")
    auth.post("/language", {"locale": "en"})
    row = row_named(csv_table(client.get("/reports/classes?format=csv").get_data()), "Lớp LOP-A")
    assert {k: row[k] for k in EN} == as_text(ROW_A)


# -- quiz results CSV -----------------------------------------------------------------------------

QUIZ = """title: "Kiểm tra"
pass_mark: 70
shuffle: false
questions:
""" + "".join(
    f"""  - type: single
    text: "Câu {n}"
    choices:
      - {{text: "Đúng", correct: true}}
      - {{text: "Sai"}}
"""
    for n in range(1, 5)
)


def test_quiz_results_csv_pairs_each_header_with_its_value(app, tmp_path, auth, client):
    ward = factories.make_unit("ward", "Phường Một")
    teacher = factories.make_user("gv.an", Role.INSTRUCTOR, ward)
    mai = factories.make_user("hv.mai", Role.LEARNER, ward, "Nguyễn Thị Mai")
    nam = factories.make_user("hv.nam", Role.LEARNER, ward, "Trần Văn Nam")
    course = factories.make_course(tmp_path, quizzes={"kiem-tra.yml": QUIZ})
    course_class = factories.make_class(course, "LOP-1", instructors=[teacher], learners=[mai, nam])
    quiz = db.session.scalar(select(Quiz))
    now = utcnow()
    for right in (1, 3, 2):  # 25%, 75% (passed), 50%: three attempts, best 75
        attempt = quiz_service.start_attempt(enrolment_of(mai, course_class), quiz, now)
        form = {f"q{i}": ["0" if i < right else "1"] for i in range(4)}
        quiz_service.submit_attempt(attempt, form, 1, now)
    db.session.commit()
    auth.login("gv.an")
    response = client.get(f"/classes/{course_class.id}/quizzes/kiem-tra/results?format=csv")
    table = csv_table(response.get_data())
    assert row_named(table, "hv.mai") == {
        "username": "hv.mai",
        "full_name": "Nguyễn Thị Mai",
        "unit": "Phường Một",
        "attempts": "3",
        "best_percent": "75",
        "passed": "yes",
        "waiting_for_marking": "no",
    }
    assert row_named(table, "hv.nam") == {
        "username": "hv.nam",
        "full_name": "Trần Văn Nam",
        "unit": "Phường Một",
        "attempts": "0",
        "best_percent": "",
        "passed": "no",
        "waiting_for_marking": "no",
    }


# -- attendance CSV -------------------------------------------------------------------------------


def test_attendance_csv_pairs_each_header_with_its_value(world, auth, client):
    starts = datetime(2025, 1, 2, 1, 30, tzinfo=UTC)
    session = LiveSession(class_id=world.course_class.id, title="Buổi 1", starts_at=starts, duration_minutes=80)
    db.session.add(session)
    db.session.flush()
    db.session.add_all(
        [
            AttendanceInterval(  # 40 of 80 minutes online
                session_id=session.id,
                user_id=world.learner.id,
                source=PresenceSource.ONLINE,
                joined_at=starts,
                left_at=starts + timedelta(minutes=40),
            ),
            AttendanceInterval(  # 20 minutes checked in, the last quarter
                session_id=session.id,
                user_id=world.other_learner.id,
                source=PresenceSource.IN_PERSON,
                joined_at=starts + timedelta(minutes=60),
                left_at=starts + timedelta(minutes=80),
            ),
        ]
    )
    db.session.commit()
    auth.login("gv.an")
    marked = auth.post(
        f"/sessions/{session.id}/attendance",
        {"user_id": str(world.other_learner.id), "present": "1", "reason": "Đi công tác, có giấy"},
    )
    assert marked.status_code == 303
    table = csv_table(client.get(f"/sessions/{session.id}/attendance?format=csv").get_data())
    assert table[0] == [
        "username",
        "full_name",
        "unit",
        "minutes_present",
        "share_percent",
        "sources",
        "ruling",
        "reason",
        "stretches",
    ]
    assert row_named(table, "hv.mai") == {
        "username": "hv.mai",
        "full_name": "Nguyễn Thị Mai",
        "unit": "Phường 1",
        "minutes_present": "40",
        "share_percent": "50",
        "sources": "online",
        "ruling": "",
        "reason": "",
        "stretches": "08:30–09:10 (online)",  # 01:30 UTC is 08:30 in Vietnam
    }
    assert row_named(table, "hv.nam") == {
        "username": "hv.nam",
        "full_name": "Trần Văn Nam",
        "unit": "Phường 2",
        "minutes_present": "20",
        "share_percent": "25",
        "sources": "in_person",
        "ruling": "present",
        "reason": "Đi công tác, có giấy",
        "stretches": "09:30–09:50 (in_person)",
    }
