"""Nominations: a head puts their staff forward, the class's staff decide, the person is told; every
refusal says why and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.courses.models import Enrolment
from lms.database import utcnow
from lms.extensions import db
from lms.heads.models import Nomination
from lms.heads.nominations import nomination_problem
from lms.localtime import VIETNAM
from tests.factories import make_user


def nominate(auth, user_id: int, class_id: int):
    return auth.post("/heads/nominate", {"user_id": str(user_id), "class_id": str(class_id)})


def error_text(response) -> str:
    page = response.get_data(as_text=True)
    start = page.index('data-test="form-error">') + len('data-test="form-error">')
    return page[start : page.index("</p>", start)]


def nominations() -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(n.person.username, n.state) for n in db.session.scalars(select(Nomination).order_by(Nomination.id))]


@pytest.fixture
def newcomer(world):
    """A learner of Phường 1 in no class yet."""
    user = make_user("hv.moi", Role.LEARNER, world.ward, "Đỗ Văn Mới")
    db.session.commit()
    return user


def test_a_head_nominates_the_staff_decide_and_the_person_is_told(client, auth, world, heads, newcomer):
    auth.login("ld.p1")
    done = nominate(auth, newcomer.id, world.other_class.id)
    assert done.status_code == 303
    assert nominations() == [("hv.moi", "pending")]
    home = client.get("/heads/").get_data(as_text=True)
    assert 'data-username="hv.moi" data-state="pending"' in home
    auth.logout()

    auth.login("hv.moi")
    told = client.get("/").get_data(as_text=True)
    assert "Lãnh đạo Phường 1 đã đề cử bạn tham gia Lớp LOP-2" in told
    assert 'data-state="pending"' in told
    auth.logout()

    auth.login("gv.binh")  # LOP-2's instructor
    assert "1 đề cử cần quyết định" in client.get("/").get_data(as_text=True)
    (pending,) = db.session.scalars(select(Nomination)).all()
    decided = auth.post(f"/nominations/{pending.id}/decide", {"decision": "accept"})
    assert decided.status_code == 303
    assert nominations() == [("hv.moi", "accepted")]
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == newcomer.id))
    assert (enrolment.class_id, enrolment.status, enrolment.source) == (world.other_class.id, "active", "nomination")
    again = auth.post(f"/nominations/{pending.id}/decide", {"decision": "decline", "reason": "Trễ"})
    assert again.status_code == 303 and nominations() == [("hv.moi", "accepted")]  # decided once
    auth.logout()

    auth.login("hv.moi")
    assert 'data-state="accepted"' in client.get("/").get_data(as_text=True)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("nomination.%")))
    assert sorted(actions) == ["nomination.accept", "nomination.create"]


def test_declining_needs_a_reason_that_the_person_and_the_head_read(client, auth, world, heads, newcomer):
    auth.login("ld.p1")
    nominate(auth, newcomer.id, world.course_class.id)
    auth.logout()
    auth.login("gv.an")
    (pending,) = db.session.scalars(select(Nomination)).all()
    auth.post(f"/nominations/{pending.id}/decide", {"decision": "decline", "reason": "   "})
    assert nominations() == [("hv.moi", "pending")]
    assert "hãy cho biết lý do từ chối đề cử" in client.get(f"/classes/{world.course_class.id}/nominations").get_data(
        as_text=True
    )
    auth.post(f"/nominations/{pending.id}/decide", {"decision": "decline", "reason": "x" * 501})
    assert nominations() == [("hv.moi", "pending")]
    auth.post(f"/nominations/{pending.id}/decide", {"decision": "decline", "reason": "Lớp đã đủ chỗ"})
    assert nominations() == [("hv.moi", "declined")]
    assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == newcomer.id)) is None
    auth.logout()
    auth.login("hv.moi")
    assert "Lý do: Lớp đã đủ chỗ" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("ld.p1")
    assert "Lý do: Lớp đã đủ chỗ" in client.get("/heads/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("outside", "bạn chỉ có thể đề cử người thuộc các đơn vị bạn phụ trách"),
        ("ended", "lớp này đã kết thúc"),
        ("enrolled", "người này đã ở trong lớp"),
        ("twice", "người này đã được đề cử vào lớp"),
        ("instructor", "chỉ học viên đang hoạt động mới được đề cử"),
    ],
)
def test_bad_nominations_are_refused_with_the_reason(client, auth, world, heads, newcomer, case, message):
    person, course_class = newcomer, world.course_class
    if case == "outside":
        person = world.other_learner  # Phường 2
    elif case == "ended":
        course_class.ends_on = utcnow().astimezone(VIETNAM).date() - timedelta(days=1)
    elif case == "enrolled":
        person = world.learner  # already in LOP-1
    elif case == "instructor":
        person = make_user("gv.p1", Role.INSTRUCTOR, world.ward, "Giảng Viên Phường")
    db.session.commit()
    auth.login("ld.p1")
    if case == "twice":
        assert nominate(auth, person.id, course_class.id).status_code == 303
    before = nominations()
    refused = nominate(auth, person.id, course_class.id)
    assert refused.status_code == 400
    assert error_text(refused) == message
    assert nominations() == before


def test_unknown_ids_are_refused_without_a_crash(auth, heads):
    auth.login("ld.p1")
    refused = auth.post("/heads/nominate", {"user_id": "¹", "class_id": "99999999999"})
    assert refused.status_code == 400
    assert nominations() == []


def test_one_pending_nomination_per_person_and_class_is_held_by_the_database(world, heads, newcomer):
    for _ in range(2):
        db.session.add(
            Nomination(class_id=world.course_class.id, user_id=newcomer.id, nominated_by_id=heads["ld.p1"].id)
        )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_rule_names_the_first_problem():
    ok = dict(in_scope=True, learner=True, active=True, class_ended=False, enrolled=False, pending=False)
    assert nomination_problem(**ok) is None
    assert str(nomination_problem(**(ok | {"in_scope": False, "class_ended": True}))).startswith("you can only")
    assert str(nomination_problem(**(ok | {"active": False}))).startswith("only active learners")
