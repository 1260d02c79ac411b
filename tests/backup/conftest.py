"""Databases made by the migrations (so they carry a schema revision), filled the way the app fills them.

Each test gets databases of its own from `fresh_database` (SQLite files, or new PostgreSQL databases
when LMS_TEST_DATABASE_URL is set): a backup and a restore need a real file or server, never the
session's shared database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from lms import create_app
from lms.auth.models import Role
from lms.database import utcnow
from lms.extensions import db
from lms.quizzes import attempts as quiz_service
from lms.quizzes.models import Quiz
from tests import factories

# Unlimited attempts: the load test submits as many as it can.
QUIZ = """---
title: "Kiểm tra nhanh"
pass_mark: 50
---
::Một cửa:: Cơ chế tiếp nhận hồ sơ tại một đầu mối gọi là gì?{=một cửa}

::Đúng sai:: Cải cách hành chính chỉ là việc của cấp tỉnh.{F}
"""
LEARNERS = ("hv.mai", "hv.nam", "hv.lan", "hv.hoa")


@pytest.fixture
def make_app(fresh_database):
    """Build an app on a new database, migrated to `revision` (None: left empty)."""
    made: list[Flask] = []

    def make(revision: str | None = "head", url: str | None = None) -> Flask:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url or fresh_database()})
        if revision:
            with app.app_context():
                upgrade(revision=revision)
                db.engine.dispose()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def fill(tmp_path: Path) -> dict:
    """Units, people, a course with a quiz, a class and one submitted attempt; committed."""
    ward = factories.make_unit("phuong-1", "Phường Bến Thành")
    teacher = factories.make_user("gv.an", Role.INSTRUCTOR, ward, "Giảng Viên An")
    learners = [factories.make_user(name, Role.LEARNER, ward, f"Học Viên {name[3:].title()}") for name in LEARNERS]
    course = factories.make_course(tmp_path, quizzes={"kiem-tra.gift": QUIZ})
    course_class = factories.make_class(course, "LOP-1", instructors=[teacher], learners=learners)
    quiz = db.session.scalar(select(Quiz))
    enrolment = course_class.enrolments[0]
    attempt = quiz_service.start_attempt(enrolment, quiz, utcnow())
    quiz_service.submit_attempt(attempt, {}, 1, utcnow())
    db.session.commit()
    return {"class_id": course_class.id, "quiz_slug": quiz.slug, "learners": LEARNERS}


@pytest.fixture
def source(make_app, tmp_path):
    """An app whose database is migrated and filled."""
    app = make_app()
    with app.app_context():
        app.world = fill(tmp_path)
        db.session.remove()
        db.engine.dispose()
    return app


def run(app: Flask, *args: str):
    """Run a `flask` command against an app, outside any request, and return click's result."""
    with app.app_context():
        db.session.remove()
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
        db.engine.dispose()
    return result


def written_path(output: str) -> Path:
    """The backup file named by `flask backup create`."""
    line = next(line for line in output.splitlines() if line.startswith("Backup written: "))
    return Path(line.removeprefix("Backup written: "))
