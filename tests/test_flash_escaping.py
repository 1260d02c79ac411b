"""Flash messages that name a person, class, unit or module show the name as text, never as markup.

Each action whose confirmation names a record is performed through its form on a record whose
name is HTML (`<b>…</b><script>x()</script>`); the page shown after the redirect carries the
flash with the name escaped (`&lt;b&gt;…`), exactly, and the raw tags appear nowhere on it.
Flashes that name nothing a person typed (counts, serial numbers, fixed texts) are not listed.
"""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from lms.courses.models import Enrolment
from lms.extensions import db
from lms.org.models import Unit
from tests import factories

FLASH_RE = re.compile(r'<p class="flash flash-(\w+)" role="status">(.*?)</p>', re.DOTALL)


def hostile(name: str) -> str:
    return f"<b>{name}</b><script>x()</script>"


def flashes(html: str) -> list[tuple[str, str]]:
    return FLASH_RE.findall(html)


def assert_escaped(response, expected_text: str, *raw_values: str) -> None:
    """The page after the redirect shows exactly this success flash (escaped) and no raw markup."""
    assert response.status_code == 200
    assert len(response.history) == 1 and response.history[0].status_code == 303
    html = response.get_data(as_text=True)
    assert flashes(html) == [("success", str(escape(expected_text)))]
    for raw in raw_values:
        assert raw not in html
    assert "<script>x()</script>" not in html and "<b>" not in html


@pytest.fixture
def english(auth):
    """Log in and read the pages in English."""

    def login(username: str) -> None:
        auth.login(username)
        auth.post("/language", {"locale": "en"})

    return login


def test_unit_added_names_the_unit_escaped(world, english, auth):
    english("admin")
    name = hostile("Phường Mai")
    response = auth.post(
        "/admin/units",
        {"code": "phuong-mai", "name": name, "level": "Phường/xã", "parent_id": str(world.city.id)},
        follow_redirects=True,
    )
    assert_escaped(response, f"Unit {name} added.", name)
    assert db.session.scalar(select(Unit.name).where(Unit.code == "phuong-mai")) == name


def test_withdrawal_names_the_learner_escaped(world, english, auth):
    name = hostile("Mai")
    world.learner.full_name = name
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.learner.id))
    db.session.commit()
    english("admin")
    response = auth.post(
        f"/admin/classes/{world.course_class.id}/enrolments/{enrolment.id}/withdraw", follow_redirects=True
    )
    assert_escaped(response, f"{name} was withdrawn from the class.", name)


def test_self_enrolment_names_the_class_escaped(world, english, auth):
    name = hostile("Lớp Mai")
    world.other_class.name = name
    db.session.commit()
    english("hv.mai")
    response = auth.post(f"/classes/{world.other_class.id}/enrol", follow_redirects=True)
    assert_escaped(response, f"You are enrolled in {name}.", name)


def test_module_done_names_the_module_escaped(app, tmp_path, english, auth):
    title = hostile("Bài Mai")
    ward = factories.make_unit("phuong-1")
    learner = factories.make_user("hv.mai", "learner", ward)
    course = factories.make_course(
        tmp_path, modules={"01-bai.md": factories.module_file(title.replace('"', '\\"'), "Nội dung")}
    )
    assert course.active_modules[0].title == title
    course_class = factories.make_class(course, "LOP-1", learners=[learner])
    english("hv.mai")
    response = auth.post(f"/classes/{course_class.id}/modules/bai/done", follow_redirects=True)
    assert_escaped(response, f"“{title}” is done.", title)
