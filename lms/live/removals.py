"""Removing a learner from one live session, and readmitting them (the caller commits).

An instructor of the class (or an admin) removes a learner who disrupts a session: a
`SessionRemoval` row is written and audited, the learner's raised hand is lowered, and once the
transaction commits their sockets in that session get a last `removed` event and are disconnected
on every process (`lms.auth.sessions.access_ended`, `lms.live.events.cut_sockets`). Until an
instructor readmits them (which deletes the row, audited too), every event they send for that
session, a join included, is refused with the code `removed` (`lms.live.room.member`). Their
chat lines, questions and attendance so far stay. Only this session: the class and its other
sessions are theirs as before.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, exists, select

from lms.audit.models import record_audit
from lms.auth.models import Role, User
from lms.auth.sessions import AccessEnded, Scope, access_ended
from lms.courses.models import class_instructors
from lms.extensions import db
from lms.live.models import HandRaise, LiveSession, SessionRemoval
from lms.live.payloads import person
from lms.live.room import Member, class_learner, record_id, require_instructor
from lms.refusals import N_, Problem, refuse

REMOVED = Problem(N_("An instructor has removed you from this session."))
WITHDRAWN = Problem(N_("You have been withdrawn from this class; the room is closed."))


def _learner(who: Member, user_id) -> User:
    """The learner of the session's class an instructor names; refused for anyone else, staff included."""
    user = class_learner(who, user_id)
    teaches = db.session.scalar(
        select(
            exists().where(class_instructors.c.class_id == who.session.class_id, class_instructors.c.user_id == user.id)
        )
    )
    if user.role == Role.ADMIN or (user.role == Role.INSTRUCTOR and teaches):
        refuse(N_("only learners can be removed from a session"), code="bad_request")
    return user


def remove(who: Member, user_id, now: datetime) -> tuple[dict, dict | None, bool]:
    """Remove a learner from the session (instructors): (the learner, their lowered hand or None,
    whether anything changed). Removing someone already removed changes nothing."""
    require_instructor(who)
    learner = _learner(who, user_id)
    session_id = who.session.id
    found = db.session.scalar(
        select(SessionRemoval).where(SessionRemoval.session_id == session_id, SessionRemoval.user_id == learner.id)
    )
    if found is not None:
        return person(learner), None, False
    db.session.add(SessionRemoval(session_id=session_id, user_id=learner.id, removed_by_id=who.user.id, removed_at=now))
    hand = db.session.scalar(
        select(HandRaise).where(
            HandRaise.session_id == session_id, HandRaise.user_id == learner.id, HandRaise.lowered_at.is_(None)
        )
    )
    if hand is not None:
        hand.lowered_at = now
    db.session.flush()
    record_audit(who.user.id, "live.remove", f"user:{learner.id}", session_id=session_id, username=learner.username)
    access_ended(AccessEnded(learner.id, Scope.SESSION, session_id))
    lowered = {"user": person(learner), "raised": False} if hand is not None else None
    return person(learner), lowered, True


def readmit(who: Member, user_id, now: datetime) -> tuple[dict, bool]:
    """Let a removed learner back into the session (instructors): (the learner, whether anything changed)."""
    require_instructor(who)
    learner = db.session.get(User, record_id(user_id, "user_id"))
    if learner is None:
        refuse(N_("no such learner in this class"), code="not_found")
    gone = db.session.execute(
        delete(SessionRemoval).where(SessionRemoval.session_id == who.session.id, SessionRemoval.user_id == learner.id)
    ).rowcount
    if gone:
        record_audit(
            who.user.id, "live.readmit", f"user:{learner.id}", session_id=who.session.id, username=learner.username
        )
    return person(learner), bool(gone)


def removed_people(session_id: int) -> tuple[dict, ...]:
    """The learners removed from the session, by name: the staff's list to readmit from."""
    rows = db.session.execute(
        select(User.id, User.full_name)
        .join(SessionRemoval, SessionRemoval.user_id == User.id)
        .where(SessionRemoval.session_id == session_id)
        .order_by(User.full_name, User.id)
    )
    return tuple({"id": user_id, "name": name} for user_id, name in rows)


def class_session_ids(class_id: int) -> list[int]:
    """Every live session of a class (a withdrawn learner's sockets in any of them are cut)."""
    return list(db.session.scalars(select(LiveSession.id).where(LiveSession.class_id == class_id)))


def farewell(user_id: int, session_id: int, problem: Problem, code: str) -> dict:
    """The last event a cut socket gets, `removed`, in the learner's language."""
    languages = current_app.config["LANGUAGES"]
    locale = db.session.scalar(select(User.locale).where(User.id == user_id))
    with force_locale(locale if locale in languages else languages[0]):
        return {"code": code, "message": problem.translated(), "session_id": session_id}
