"""Hands, upvotes and votes change once: a repeat is answered "no change" and broadcast to no one.

An instructor lowers one learner's hand (`lower_hand`) as well as all of them (`clear_hands`).
The database holds at most one raised hand per person and session, whatever writes it.
"""

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import MetaData, insert, select
from sqlalchemy.exc import IntegrityError

from lms import create_app
from lms.database import utcnow
from lms.extensions import db
from lms.live.models import HandRaise, PollVote, QuestionVote
from tests.live.conftest import NS, call

REPEAT_EVENTS = ("hand", "hands_cleared", "question", "poll_counts")
ONE_OPEN_HAND = "c13b1d8f6622"  # the migration that made one open hand per person a unique index


@pytest.fixture
def room(live, connect):
    """The instructor and both learners joined, with nothing received yet."""
    sockets = {name: connect(name) for name in ("gv.an", "hv.mai", "hv.nam")}
    for socket in sockets.values():
        assert call(socket, "join", session_id=live.id)["ok"]
    for socket in sockets.values():
        socket.get_received(NS)
    return sockets


def room_events(socket) -> list[tuple[str, dict]]:
    """The hand, question and poll events the socket received since last asked."""
    return [(m["name"], m["args"][0]) for m in socket.get_received(NS) if m["name"] in REPEAT_EVENTS]


def open_hands(session_id: int) -> list[tuple[int, bool]]:
    db.session.expire_all()
    rows = db.session.scalars(select(HandRaise).where(HandRaise.session_id == session_id).order_by(HandRaise.id))
    return [(h.user_id, h.lowered_at is None) for h in rows]


def test_a_hand_raised_twice_is_one_hand_and_one_broadcast(live, world, room):
    teacher, mai = room["gv.an"], room["hv.mai"]
    mai_hand = {"user": {"id": world.learner.id, "name": "Nguyễn Thị Mai"}, "raised": True}
    assert call(mai, "hand", session_id=live.id, raised=True) == {"ok": True, "changed": True}
    assert room_events(teacher) == [("hand", mai_hand)]
    assert call(mai, "hand", session_id=live.id, raised=True) == {"ok": True, "changed": False}
    assert room_events(teacher) == [] and room_events(mai) == [("hand", mai_hand)]
    assert open_hands(live.id) == [(world.learner.id, True)]
    snapshot = call(teacher, "join", session_id=live.id)["snapshot"]
    assert snapshot["hands"] == [{"id": world.learner.id, "name": "Nguyễn Thị Mai"}]


def test_lowering_a_hand_that_is_not_raised_changes_nothing_and_sends_nothing(live, world, room):
    teacher, mai = room["gv.an"], room["hv.mai"]
    assert call(mai, "hand", session_id=live.id, raised=False) == {"ok": True, "changed": False}
    assert call(teacher, "clear_hands", session_id=live.id) == {"ok": True, "changed": False}
    assert call(teacher, "lower_hand", session_id=live.id, user_id=world.learner.id) == {"ok": True, "changed": False}
    assert room_events(teacher) == [] and room_events(mai) == []
    assert open_hands(live.id) == []


def test_an_instructor_lowers_one_learners_hand_and_the_others_stay_up(live, world, room):
    teacher, mai, nam = room["gv.an"], room["hv.mai"], room["hv.nam"]
    call(mai, "hand", session_id=live.id, raised=True)
    call(nam, "hand", session_id=live.id, raised=True)
    for socket in room.values():
        socket.get_received(NS)

    assert call(teacher, "lower_hand", session_id=live.id, user_id=world.learner.id) == {"ok": True, "changed": True}
    lowered = ("hand", {"user": {"id": world.learner.id, "name": "Nguyễn Thị Mai"}, "raised": False})
    for socket in room.values():
        assert room_events(socket) == [lowered]
    assert open_hands(live.id) == [(world.learner.id, False), (world.other_learner.id, True)]
    assert call(nam, "join", session_id=live.id)["snapshot"]["hands"] == [
        {"id": world.other_learner.id, "name": "Trần Văn Nam"}
    ]
    # Again: the hand is already down.
    assert call(teacher, "lower_hand", session_id=live.id, user_id=world.learner.id) == {"ok": True, "changed": False}
    assert room_events(mai) == []

    # Learners lower only their own hand; a malformed id is refused and changes nothing.
    refused = call(mai, "lower_hand", session_id=live.id, user_id=world.other_learner.id)
    assert refused == {
        "ok": False,
        "error": "instructor_only",
        "message": "chỉ giảng viên của lớp mới được thực hiện thao tác này",
    }
    assert call(teacher, "lower_hand", session_id=live.id, user_id="5")["error"] == "bad_request"
    assert call(teacher, "lower_hand", session_id=live.id)["message"] == "'user_id' phải là số nguyên dương"
    assert open_hands(live.id) == [(world.learner.id, False), (world.other_learner.id, True)]

    # Raised again: a new hand, at the end of the list.
    assert call(mai, "hand", session_id=live.id, raised=True) == {"ok": True, "changed": True}
    assert call(teacher, "clear_hands", session_id=live.id) == {"ok": True, "changed": True}
    assert room_events(nam)[-1] == ("hands_cleared", {})
    assert [up for _, up in open_hands(live.id)] == [False, False, False]


def test_a_repeated_upvote_is_answered_and_not_broadcast(live, world, room):
    teacher, mai, nam = room["gv.an"], room["hv.mai"], room["hv.nam"]
    question = call(nam, "ask", session_id=live.id, client_id="q1", body="Hồ sơ thiếu thì sao?")["question"]
    for socket in room.values():
        socket.get_received(NS)
    first = call(mai, "upvote", session_id=live.id, question_id=question["id"])
    expected = {**question, "votes": 1}
    assert first == {"ok": True, "question": expected, "changed": True}
    assert room_events(teacher) == [("question", expected)]
    again = call(mai, "upvote", session_id=live.id, question_id=question["id"])
    assert again == {"ok": True, "question": expected, "changed": False}
    assert room_events(teacher) == [] and room_events(nam) == [("question", expected)]
    db.session.expire_all()
    assert db.session.scalars(select(QuestionVote.user_id)).all() == [world.learner.id]


def test_the_same_vote_again_is_no_change_and_the_instructors_hear_of_changes_only(live, world, room):
    teacher, mai = room["gv.an"], room["hv.mai"]
    poll = call(teacher, "poll_open", session_id=live.id, client_id="p1", question="Rõ chưa?", options=["Rõ", "Chưa"])
    poll_id = poll["poll"]["id"]
    room_events(teacher)
    mine = {"id": poll_id, "question": "Rõ chưa?", "options": ["Rõ", "Chưa"], "open": True}
    assert call(mai, "poll_vote", session_id=live.id, poll_id=poll_id, option=1) == {
        "ok": True,
        "poll": {**mine, "my_vote": 1},
        "changed": True,
    }
    assert room_events(teacher) == [("poll_counts", {**mine, "counts": [0, 1]})]
    assert call(mai, "poll_vote", session_id=live.id, poll_id=poll_id, option=1)["changed"] is False
    assert room_events(teacher) == []
    assert call(mai, "poll_vote", session_id=live.id, poll_id=poll_id, option=0)["changed"] is True
    assert room_events(teacher) == [("poll_counts", {**mine, "counts": [1, 0]})]
    db.session.expire_all()
    assert [(v.user_id, v.option) for v in db.session.scalars(select(PollVote))] == [(world.learner.id, 0)]


def test_the_database_keeps_one_raised_hand_per_person(live, world):
    now = datetime.now(UTC)
    db.session.add(HandRaise(session_id=live.id, user_id=world.learner.id, raised_at=now, lowered_at=now))
    db.session.add(HandRaise(session_id=live.id, user_id=world.learner.id, raised_at=now))
    db.session.add(HandRaise(session_id=live.id, user_id=world.other_learner.id, raised_at=now))
    db.session.commit()  # lowered hands and other people's hands do not count
    db.session.add(HandRaise(session_id=live.id, user_id=world.learner.id, raised_at=now))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert sorted(up for user, up in open_hands(live.id) if user == world.learner.id) == [False, True]


def insert_as_then(conn, then: MetaData, now: datetime, table_name: str, /, **values) -> int:
    """Insert a row into a table as it was at an earlier revision (reflected); the columns it
    requires that `values` leaves out get a plain value of their type. Returns the new id."""
    table = then.tables[table_name]
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key or column.server_default is not None:
            continue
        try:
            kind = column.type.python_type
        except NotImplementedError:
            kind = str
        values[column.name] = {str: "x", int: 0, bool: False, float: 0.0, datetime: now}.get(kind, now.date())
    return conn.execute(insert(table).returning(table.c.id), values).scalar_one()


def test_the_upgrade_keeps_the_first_of_the_hands_a_race_raised_twice(fresh_database, tmp_path):
    """Hands recorded twice before the unique index existed: the upgrade lowers all but the first.

    The rows are written with the tables as they were then (reflected), not with today's models.
    """
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": fresh_database()})
    with app.app_context():
        before = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config()).get_revision(
            ONE_OPEN_HAND
        )
        upgrade(revision=before.down_revision)
        then = MetaData()
        then.reflect(db.engine)
        now = utcnow()
        with db.engine.begin() as conn:
            row = partial(insert_as_then, conn, then, now)
            unit = row("units", code="tp", name="Thành phố", level="Thành phố")
            mai, nam = (
                row("users", username=name, full_name=name, role="learner", unit_id=unit)
                for name in ("hv.mai", "hv.nam")
            )
            course = row("courses", slug="demo", title="Khoá học", requirements={})
            course_class = row("classes", code="LOP-1", name="Lớp 1", course_id=course)
            session_id = row("live_sessions", class_id=course_class, title="Buổi 1", starts_at=now, duration_minutes=60)
            hands = then.tables["hand_raises"]
            rows = [(mai, now - timedelta(seconds=9), now), (mai, now, None), (mai, now, None)]
            ids = [
                conn.execute(
                    insert(hands).returning(hands.c.id),
                    {"session_id": session_id, "user_id": user_id, "raised_at": raised, "lowered_at": lowered},
                ).scalar_one()
                for user_id, raised, lowered in [*rows, (nam, now, None)]
            ]
        db.session.remove()

        upgrade()
        found = db.session.execute(select(HandRaise.id, HandRaise.lowered_at).order_by(HandRaise.id)).all()
        assert [(hand_id, lowered is None) for hand_id, lowered in found] == [
            (ids[0], False),
            (ids[1], True),  # the first of the two open ones stays up
            (ids[2], False),
            (ids[3], True),
        ]
        db.session.remove()
        db.engine.dispose()
