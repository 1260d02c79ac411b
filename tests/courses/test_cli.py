"""`flask classes create|enrol|list`."""

import pytest
from sqlalchemy import select

from lms.auth.models import Role
from lms.courses.models import CourseClass, Enrolment
from lms.extensions import db
from tests.factories import make_class, make_course, make_unit, make_user


@pytest.fixture
def org(app, tmp_path):
    city = make_unit("tp", "Thành phố", "Thành phố")
    ward = make_unit("phuong-1", parent=city)
    make_user("hv.a", unit=ward)
    make_user("hv.b", unit=city)
    make_user("hv.c", unit=ward, active=False)
    make_user("gv.a", Role.INSTRUCTOR, city)
    course = make_course(tmp_path)
    make_class(course, "LOP-1")
    return course


def enrolled(code="LOP-1"):
    db.session.expire_all()
    course_class = db.session.scalar(select(CourseClass).where(CourseClass.code == code))
    return sorted(e.user.username for e in course_class.enrolments)


def test_create_class(runner, org):
    result = runner.invoke(
        args=[
            "classes",
            "create",
            "--code",
            "LOP-2",
            "--name",
            "Lớp 2",
            "--course",
            "demo",
            "--mode",
            "hybrid",
            "--starts",
            "2026-12-01",
            "--ends",
            "2027-01-31",
            "--instructor",
            "gv.a",
            "--self-enrol",
        ]
    )
    assert result.exit_code == 0, result.output
    course_class = db.session.scalar(select(CourseClass).where(CourseClass.code == "LOP-2"))
    assert course_class.mode == "hybrid" and course_class.self_enrol
    assert [i.username for i in course_class.instructors] == ["gv.a"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--code", "LOP-1"], "already used"),
        (["--code", "X", "--course", "khong-co"], "unknown course"),
        (["--code", "X", "--instructor", "hv.a"], "is not an instructor"),
        (["--code", "X", "--starts", "2027-01-02", "--ends", "2027-01-01"], "cannot end before it starts"),
    ],
)
def test_create_class_refuses_bad_input(runner, org, args, message):
    base = {"--name": "Lớp", "--course": "demo"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    result = runner.invoke(args=["classes", "create", *[x for kv in base.items() for x in kv]])
    assert result.exit_code != 0 and message in result.output, result.output
    assert db.session.scalar(select(CourseClass).where(CourseClass.code == "X")) is None


def test_enrol_a_unit_with_its_subunits(runner, org):
    result = runner.invoke(args=["classes", "enrol", "--class", "LOP-1", "--unit", "tp"])
    assert result.exit_code == 0, result.output
    assert "2 enrolled, 0 re-enrolled, 0 already enrolled" in result.output
    assert enrolled() == ["hv.a", "hv.b"]  # the inactive learner and the instructor are left out
    again = runner.invoke(args=["classes", "enrol", "--class", "LOP-1", "--unit", "tp"])
    assert "0 enrolled, 0 re-enrolled, 2 already enrolled" in again.output


def test_enrol_a_unit_without_subunits(runner, org):
    runner.invoke(args=["classes", "enrol", "--class", "LOP-1", "--unit", "tp", "--no-subunits"])
    assert enrolled() == ["hv.b"]


def test_enrol_from_csv(runner, org, tmp_path):
    path = tmp_path / "lop.csv"
    path.write_text("\ufeffusername\nhv.a\nHV.B\nhv.a\n", encoding="utf-8")
    result = runner.invoke(args=["classes", "enrol", "--class", "LOP-1", "--csv", str(path)])
    assert result.exit_code == 0, result.output
    assert enrolled() == ["hv.a", "hv.b"]


def test_enrol_csv_with_unknown_users_enrols_nobody(runner, org, tmp_path):
    path = tmp_path / "lop.csv"
    path.write_text("username\nhv.a\nkhong-co\ngv.a\n", encoding="utf-8")
    result = runner.invoke(args=["classes", "enrol", "--class", "LOP-1", "--csv", str(path)])
    assert result.exit_code == 1
    assert "lop.csv:3: unknown user 'khong-co'" in result.output
    assert "lop.csv:4: 'gv.a' is not a learner" in result.output
    assert enrolled() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--class", "KHONG-CO", "--unit", "tp"], "unknown class"),
        (["--class", "LOP-1", "--unit", "khong-co"], "unknown unit"),
        (["--class", "LOP-1"], "exactly one of --unit or --csv"),
    ],
)
def test_enrol_refuses_bad_input(runner, org, args, message):
    result = runner.invoke(args=["classes", "enrol", *args])
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(Enrolment)) is None


def test_list_classes(runner, org):
    assert "LOP-1\tLớp LOP-1\tdemo\tonline\t0 enrolled" in runner.invoke(args=["classes", "list"]).output
