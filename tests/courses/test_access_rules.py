"""Who may load a class or a module page, and what the module page then holds, field by field.

Calls lms.courses.access directly inside a request with a signed-in user (the existing `world`:
hv.mai enrolled in LOP-1 taught by gv.an; LOP-2 taught by gv.binh). A refusal is the HTTP error
the person gets: 404 for what does not exist, 403 for what is not theirs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_login import login_user
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from lms.courses.access import ModuleLink, load_class_for_staff, load_class_for_viewer, load_module, load_module_page
from lms.courses.models import Enrolment, Module
from lms.database import utcnow
from lms.extensions import db
from lms.progress.service import mark_done, record_heartbeat
from tests import factories


def status_of(call, *args) -> int:
    """The HTTP status a refused call aborts with."""
    with pytest.raises(HTTPException) as refused:
        call(*args)
    return refused.value.code


@pytest.fixture
def signed_in(app):
    """Run the body inside a request with `user` signed in."""

    def enter(user):
        context = app.test_request_context()
        context.push()
        login_user(user)
        contexts.append(context)

    contexts = []
    yield enter
    for context in reversed(contexts):
        context.pop()


def test_learner_loads_their_class_with_their_enrolment(world, signed_in):
    signed_in(world.learner)
    course_class, enrolment = load_class_for_viewer(world.course_class.id)
    assert course_class.id == world.course_class.id
    assert (enrolment.user_id, enrolment.class_id) == (world.learner.id, world.course_class.id)


@pytest.mark.parametrize("who", ["teacher", "admin"])
def test_staff_load_the_class_they_manage(world, signed_in, who):
    signed_in(getattr(world, who))
    assert load_class_for_staff(world.course_class.id).id == world.course_class.id


@pytest.mark.parametrize("who", ["learner", "other_teacher", "other_learner"])
def test_anyone_else_is_refused_the_staff_view_of_a_class(world, signed_in, who):
    signed_in(getattr(world, who))
    assert status_of(load_class_for_staff, world.course_class.id) == 403


def test_the_staff_view_of_a_missing_class_is_not_found(world, signed_in):
    signed_in(world.admin)
    assert status_of(load_class_for_staff, 10**6) == 404


def test_instructor_loads_the_class_they_teach_without_an_enrolment(world, signed_in):
    signed_in(world.teacher)
    course_class, enrolment = load_class_for_viewer(world.course_class.id)
    assert (course_class.id, enrolment) == (world.course_class.id, None)


def test_other_class_is_forbidden_and_a_missing_one_not_found(world, signed_in):
    signed_in(world.learner)
    assert status_of(load_class_for_viewer, world.other_class.id) == 403
    assert status_of(load_class_for_viewer, world.other_class.id + 1000) == 404


def test_instructor_of_another_class_is_forbidden(world, signed_in):
    signed_in(world.other_teacher)
    assert status_of(load_class_for_viewer, world.course_class.id) == 403


def test_module_of_another_course_with_the_same_slug_is_not_found(world, signed_in, tmp_path):
    other_course = factories.make_course(tmp_path, slug="khac", title="Khóa khác")
    own = load_module(world.course_class, "mo-dau")
    assert (own.course_id, own.title) == (world.course.id, "Mở đầu")
    other_class = factories.make_class(other_course, "LOP-K")
    assert load_module(other_class, "mo-dau").course_id == other_course.id
    world.modules[0].retired_at = utcnow()
    db.session.commit()
    assert status_of(load_module, world.course_class, "mo-dau") == 404
    assert status_of(load_module, world.course_class, "khong-co") == 404


def test_module_page_holds_the_content_and_the_readers_progress(world, signed_in):
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == world.learner.id, Enrolment.class_id == world.course_class.id)
    )
    done_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    mark_done(enrolment, world.modules[1], done_at)
    db.session.commit()
    signed_in(world.learner)

    first = load_module_page(world.course_class.id, "mo-dau")
    assert (first.class_id, first.module_id, first.enrolment_id, first.completed_at) == (
        world.course_class.id,
        world.modules[0].id,
        enrolment.id,
        None,
    )
    content = first.content
    assert (content.course_title, content.slug, content.title, content.estimated_minutes, content.required) == (
        "Khóa học thử",
        "mo-dau",
        "Mở đầu",
        5,
        True,
    )
    assert (content.position, content.count, content.previous) == (1, 3, None)
    assert content.following == ModuleLink("thu-tuc", "Thủ tục hành chính")
    assert "<strong>mở đầu</strong>" in content.html

    second = load_module_page(world.course_class.id, "thu-tuc")
    assert second.module_id == world.modules[1].id
    assert second.completed_at.replace(tzinfo=UTC) == done_at
    assert (second.content.title, second.content.position) == ("Thủ tục hành chính", 2)
    assert second.content.previous == ModuleLink("mo-dau", "Mở đầu")
    assert second.content.following == ModuleLink("doc-them", "Đọc thêm")

    last = load_module_page(world.course_class.id, "doc-them")
    assert (last.content.title, last.content.required, last.content.estimated_minutes) == ("Đọc thêm", False, None)
    assert (last.content.position, last.content.following) == (3, None)


def test_module_page_of_another_class_is_forbidden_and_a_missing_one_not_found(world, signed_in):
    signed_in(world.learner)
    assert status_of(load_module_page, world.other_class.id, "mo-dau") == 403
    assert status_of(load_module_page, world.course_class.id, "khong-co") == 404


def test_instructor_reads_a_module_page_without_an_enrolment(world, signed_in):
    signed_in(world.teacher)
    page = load_module_page(world.course_class.id, "mo-dau")
    assert (page.enrolment_id, page.completed_at, page.content.title) == (None, None, "Mở đầu")
    assert db.session.scalar(select(Module.id).where(Module.slug == "mo-dau")) == page.module_id


def test_module_page_follows_a_new_version_of_the_course(world, signed_in):
    signed_in(world.learner)
    assert load_module_page(world.course_class.id, "mo-dau").content.title == "Mở đầu"
    world.modules[0].title = "Mở đầu (bản mới)"
    world.course.content_hash = "a-new-version"
    db.session.commit()
    assert load_module_page(world.course_class.id, "mo-dau").content.title == "Mở đầu (bản mới)"


def test_module_page_holds_the_minimum_and_the_readers_credited_time(world, signed_in, tmp_path):
    module = factories.module_file("Đọc kỹ", "Nội dung.\n", minutes=20, min_minutes=3)
    course = factories.make_course(tmp_path, slug="doc-ky", modules={"01-doc-ky.md": module})
    course_class = factories.make_class(course, "LOP-DOC", learners=[world.learner], instructors=[world.teacher])
    enrolment = course_class.enrolments[0]
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for seconds in (0, 60, 121):  # opened, then two pings: 121 s credited
        record_heartbeat(enrolment, course.active_modules[0], start + timedelta(seconds=seconds), "", 90)
    db.session.commit()
    signed_in(world.learner)
    page = load_module_page(course_class.id, "doc-ky")
    assert (page.content.min_minutes, page.seconds_spent, page.seconds_left, page.minutes_left) == (3, 121, 59, 1)
    signed_in(world.teacher)
    preview = load_module_page(course_class.id, "doc-ky")
    assert (preview.seconds_spent, preview.seconds_left) == (0, 180)
    signed_in(world.learner)
    assert load_module_page(world.course_class.id, "mo-dau").content.min_minutes is None
    assert load_module_page(world.course_class.id, "mo-dau").seconds_left == 0
