"""The live room's rules: who may do what, and every change written before it is broadcast.

Functions here take the acting user and a session, check the user's right to act, change the
database (the caller commits), and return the payload to broadcast (built by `lms.live.payloads`).
What they refuse, they refuse with `Refused`: the protocol's stable code (docs/live-protocol.md)
and an English sentence marked for the catalogue, which the Socket.IO surface translates into the
acting user's language. No room state is kept in process memory: a late joiner, a reconnect or a
restarted server rebuild the room from `payloads.snapshot()`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lms.auth.models import Role, User
from lms.courses.access import may_manage
from lms.courses.models import Enrolment, EnrolmentStatus, class_instructors
from lms.extensions import db
from lms.live.liveness import ProcessRecord, Running, gone
from lms.live.models import (
    AttendanceInterval,
    ChatMessage,
    HandRaise,
    LiveSession,
    Poll,
    PollVote,
    PresenceSource,
    QuestionVote,
    RoomProcess,
    RoomQuestion,
    SessionMute,
    SessionRemoval,
    SessionState,
)
from lms.live.payloads import chat_line, chat_page, person, question_payload
from lms.live.post_limits import PostKind, count_post
from lms.refusals import N_, Refused, refuse
from lms.text import blank, multi_line_problem, whole_number

MAX_TEXT = 1000
MAX_POLL_QUESTION = 500  # the column's length: PostgreSQL refuses longer text outright
MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL; a larger number would fail in the driver
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SLIDE_RE = re.compile(r"^[A-Za-z0-9_-]{0,100}$")


@dataclass(frozen=True)
class Person:
    """The acting account as a room event reads it (a `User` has the same attributes)."""

    id: int
    full_name: str
    role: Role
    locale: str | None = None  # the account's interface language, if chosen


@dataclass(frozen=True)
class RoomSession:
    """The session as every room event reads it: plain columns, not a mapped LiveSession (events
    that change the session load that with `_live_session`)."""

    id: int
    class_id: int
    title: str
    state: str
    chat_muted: bool
    current_slide: str
    chat_version: int


@dataclass(frozen=True)
class Member:
    """Who is acting in a room, and as what."""

    user: Person | User
    session: RoomSession
    instructor: bool
    muted: bool = False  # by an instructor, in this session: no chat lines or questions


def _core(statement, params: dict):
    """Run a plain-column or DML statement on the session's connection, in its transaction.

    The ORM's result handling (built for entities) costs more than the query for hundreds of
    plain rows; these statements load no objects and the ORM has nothing pending for them.
    """
    return db.session.connection().execute(statement, params)


# What one person does from several tabs at the same instant (on several server processes) must
# count once: those writes are INSERT … ON CONFLICT, which SQLite and PostgreSQL both understand
# but SQLAlchemy builds per dialect. Each such statement is built once for each.
_DIALECT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _per_dialect(build) -> dict:
    """A statement built once for each database: `build(insert)` with that dialect's insert()."""
    return {name: build(make_insert) for name, make_insert in _DIALECT_INSERTS.items()}


def _core_upsert(statements: dict, params: dict):
    """Run the statement of `_per_dialect` made for the session's database."""
    connection = db.session.connection()
    return connection.execute(statements[connection.dialect.name], params)


def record_id(value, field: str) -> int:
    """A database id from a payload: a whole number the database can hold (true is not 1)."""
    number = whole_number(value, minimum=1, maximum=MAX_ID) if isinstance(value, int) else None
    if number is None:
        refuse(N_("'%(name)s' must be a positive whole number"), code="bad_request", field=field, name=field)
    return number


# Every room event starts here: the session, and whether the user is listed among its class's
# instructors or actively enrolled in it, in one statement built once.
_MEMBERSHIP = select(
    LiveSession.id,
    LiveSession.class_id,
    LiveSession.title,
    LiveSession.state,
    LiveSession.chat_muted,
    LiveSession.current_slide,
    LiveSession.chat_version,
    exists().where(
        class_instructors.c.class_id == LiveSession.class_id, class_instructors.c.user_id == bindparam("user_id")
    ),
    # The learner's rule of `active_enrolment()`, as a yes/no: no Enrolment object is needed.
    exists().where(
        Enrolment.class_id == LiveSession.class_id,
        Enrolment.user_id == bindparam("user_id"),
        Enrolment.status == EnrolmentStatus.ACTIVE,
    ),
    # Removed from this session by an instructor (lms/live/removals.py), until readmitted.
    exists().where(SessionRemoval.session_id == LiveSession.id, SessionRemoval.user_id == bindparam("user_id")),
    exists().where(SessionMute.session_id == LiveSession.id, SessionMute.user_id == bindparam("user_id")),
).where(LiveSession.id == bindparam("session_id"))


def member(user: Person | User, session_id) -> Member:
    """The user's place in the session's room; refuse anyone not in the class."""
    row = db.session.execute(
        _MEMBERSHIP, {"session_id": record_id(session_id, "session_id"), "user_id": user.id}
    ).first()
    if row is None:
        refuse(N_("no such session"), code="not_found")
    *columns, listed_as_instructor, enrolled, removed, muted = row
    session = RoomSession(*columns)
    if may_manage(user, listed_as_instructor):
        return Member(user, session, True)
    if enrolled and removed:
        refuse(N_("an instructor has removed you from this session"), code="removed")
    if enrolled:
        return Member(user, session, False, muted)
    refuse(N_("you are not in this class"), code="forbidden")


def _live_session(who: Member) -> LiveSession:
    """The mapped session, for the instructor events that change it (read in this transaction)."""
    return db.session.get(LiveSession, who.session.id)


def require_instructor(who: Member) -> None:
    """Refuse a learner an instructor's event."""
    if not who.instructor:
        refuse(N_("only the class's instructors may do this"), code="instructor_only")


def _text(value, field: str = "body", limit: int = MAX_TEXT) -> str:
    """Chat, question and poll text: not blank (zero-width characters count as nothing), no control
    character but tab and line breaks, no text-direction override (`lms.text.multi_line_problem`)."""
    if not isinstance(value, str) or blank(value):
        refuse(N_("'%(name)s' must be non-empty text"), code="bad_request", field=field, name=field)
    if problem := multi_line_problem(value, field=field):
        raise Refused(problem, code="bad_request")
    # NFC: Vietnamese typed on some keyboards arrives decomposed and would compare and print differently.
    value = unicodedata.normalize("NFC", value)
    text = " ".join(value.split()) if field != "body" else value.strip()
    if len(text) > limit:
        refuse(
            N_("'%(name)s' is longer than %(limit)s characters"), code="too_long", field=field, name=field, limit=limit
        )
    return text


def _client_id(value) -> str:
    if not isinstance(value, str) or not CLIENT_ID_RE.fullmatch(value):
        refuse(N_("client_id must be 1-64 letters, digits, '-' or '_'"), code="bad_request", field="client_id")
    return value


def _true_or_false(value, field: str) -> bool:
    if not isinstance(value, bool):
        refuse(N_("'%(name)s' must be true or false"), code="bad_request", field=field, name=field)
    return value


# --- presence and attendance -------------------------------------------------------------------

# Every join and heartbeat changes stretches: plain UPDATE/INSERT statements built once, with no
# AttendanceInterval objects loaded (a join in a full room must stay cheap).
_STRETCHES = AttendanceInterval.__table__
_CLOSE_STALE = (
    update(_STRETCHES)
    .where(
        _STRETCHES.c.session_id == bindparam("p_session"),
        _STRETCHES.c.left_at.is_(None),
        _STRETCHES.c.source == PresenceSource.ONLINE.value,
        _STRETCHES.c.last_heartbeat_at < bindparam("p_cutoff"),
    )
    .values(left_at=_STRETCHES.c.last_heartbeat_at)
    .returning(_STRETCHES.c.user_id)
)
_OPEN_STRETCH = insert(_STRETCHES)
_PROCESSES = RoomProcess.__table__
# The open online stretches whose owner is not (or no longer) a recorded process: nobody is left
# to see their connections close. Stretches from before owners were recorded (no owner) are left
# to the heartbeat rule (`close_stale`).
_CLOSE_ORPHANED = (
    update(_STRETCHES)
    .where(
        _STRETCHES.c.left_at.is_(None),
        _STRETCHES.c.owner_id.is_not(None),
        _STRETCHES.c.owner_id.not_in(select(_PROCESSES.c.id).scalar_subquery()),
        _STRETCHES.c.source == PresenceSource.ONLINE.value,
    )
    .values(left_at=_STRETCHES.c.last_heartbeat_at)
    .returning(_STRETCHES.c.session_id, _STRETCHES.c.user_id)
)
_PROCESS_RECORDS = select(
    _PROCESSES.c.id, _PROCESSES.c.pid_scope, _PROCESSES.c.pid, _PROCESSES.c.pid_started, _PROCESSES.c.seen_at
)
_PROCESS_SEEN = update(_PROCESSES).where(_PROCESSES.c.id == bindparam("p_id")).values(seen_at=bindparam("p_now"))
_HEARTBEAT = (
    update(_STRETCHES)
    .where(
        _STRETCHES.c.sid == bindparam("p_sid"),
        _STRETCHES.c.left_at.is_(None),
    )
    .values(last_heartbeat_at=bindparam("p_now"))
)
_LEAVE = (
    update(_STRETCHES)
    .where(
        _STRETCHES.c.sid == bindparam("p_sid"),
        _STRETCHES.c.left_at.is_(None),
    )
    .values(left_at=bindparam("p_now"))
    .returning(_STRETCHES.c.session_id, _STRETCHES.c.user_id)
)
_LEAVE_ONE = _LEAVE.where(_STRETCHES.c.session_id == bindparam("p_session"))


def close_stale(session: RoomSession, now: datetime, stale_after: timedelta) -> list[int]:
    """End the session's open stretches whose connection fell silent, at their last heartbeat.

    A server that crashes or is killed never sees its sockets disconnect, so their stretches stay
    open. Once nothing has been heard for `stale_after`, the stretch ends where it was last heard
    of: the attendance counted so far is kept, the person leaves the participants list, and a
    reconnect opens a new stretch. Returns the users who are no longer present because of it.
    """
    users = set(_core(_CLOSE_STALE, {"p_session": session.id, "p_cutoff": now - stale_after}).scalars())
    return sorted(u for u in users if not present(session.id, u))


def join(who: Member, sid: str, now: datetime, owner_id: str | None) -> None:
    """Open a presence stretch for this connection (learners and instructors alike), held by the
    server process `owner_id` (see `close_orphaned`)."""
    _core(
        _OPEN_STRETCH,
        {
            "session_id": who.session.id,
            "user_id": who.user.id,
            "sid": sid,
            "source": PresenceSource.ONLINE.value,
            "joined_at": now,
            "last_heartbeat_at": now,
            "owner_id": owner_id,
            "reason": "",
        },
    )


def process_seen(me: ProcessRecord, now: datetime) -> None:
    """Record that this server process serves the room (at its start, then every heartbeat period).

    A process whose record was removed meanwhile (taken for gone after a long stall) records
    itself again; the stretches closed for it meanwhile stay closed, and its pages join again
    when their heartbeat finds no open stretch.
    """
    if _core(_PROCESS_SEEN, {"p_id": me.id, "p_now": now}).rowcount == 0:
        _core(
            insert(_PROCESSES),
            {
                "id": me.id,
                "pid_scope": me.pid_scope,
                "pid": me.pid,
                "pid_started": me.pid_started,
                "started_at": now,
                "seen_at": now,
            },
        )


def close_orphaned(me: ProcessRecord, now: datetime, stale_after: timedelta, running: Running) -> list[tuple[int, int]]:
    """Close the open stretches of server processes that are gone, at their last heartbeat.

    Which processes are gone is `lms.live.liveness.gone` (silent for `stale_after`, or, on this
    host, no longer running); their records are removed, then every open stretch whose owner is
    not recorded is closed where it was last heard of, as `close_stale` would close it later.
    Returns the (session, user) pairs no longer present anywhere because of it.
    """
    recorded = [ProcessRecord(*row) for row in _core(_PROCESS_RECORDS, {})]
    ended = [p.id for p in recorded if gone(p, me, now, stale_after, running)]
    if ended:
        _core(delete(_PROCESSES).where(_PROCESSES.c.id.in_(ended)), {})
    closed = {(session, user) for session, user in _core(_CLOSE_ORPHANED, {})}
    return sorted((session, user) for session, user in closed if not present(session, user))


def heartbeat(sid: str, now: datetime) -> int:
    """Note that the connection is alive; return how many open stretches it has."""
    return _core(_HEARTBEAT, {"p_sid": sid, "p_now": now}).rowcount


def leave(sid: str, now: datetime, session_id: int | None = None) -> list[tuple[int, int]]:
    """Close the connection's open stretches; return the (session, user) pairs it left."""
    if session_id is None:
        rows = _core(_LEAVE, {"p_sid": sid, "p_now": now})
    else:
        rows = _core(_LEAVE_ONE, {"p_sid": sid, "p_now": now, "p_session": session_id})
    return [(session, user) for session, user in rows]


_PRESENT = (
    select(AttendanceInterval.id)
    .where(
        AttendanceInterval.session_id == bindparam("session_id"),
        AttendanceInterval.user_id == bindparam("user_id"),
        AttendanceInterval.left_at.is_(None),
        AttendanceInterval.source == PresenceSource.ONLINE,
    )
    .limit(1)
)
_INSTRUCTOR_IDS = (
    select(class_instructors.c.user_id)
    .join(LiveSession, LiveSession.class_id == class_instructors.c.class_id)
    .where(LiveSession.id == bindparam("session_id"))
)


def present(session_id: int, user_id: int) -> bool:
    """Whether the user still has an open online stretch in the session (another tab, another device)."""
    return _core(_PRESENT, {"session_id": session_id, "user_id": user_id}).first() is not None


def instructor_ids(session_id: int) -> set[int]:
    """The ids of the people listed as the session's class's instructors."""
    return set(_core(_INSTRUCTOR_IDS, {"session_id": session_id}).scalars())


# --- chat ---------------------------------------------------------------------------------------


# Chat is the busiest event: its statements are built once, read plain columns, and the line is
# written with a plain INSERT … RETURNING rather than through the unit of work (an object nobody
# reads afterwards).
_CHAT_RESEND = select(ChatMessage.id, ChatMessage.body, ChatMessage.created_at).where(
    ChatMessage.session_id == bindparam("session_id"),
    ChatMessage.user_id == bindparam("user_id"),
    ChatMessage.client_id == bindparam("client_id"),
)
# A resend arriving twice at once (two tabs replaying one line after a reconnect) inserts nothing
# the second time and reads the stored line instead.
_INSERT_CHAT = _per_dialect(
    lambda make: (
        make(ChatMessage.__table__)
        .on_conflict_do_nothing(index_elements=["session_id", "user_id", "client_id"])
        .returning(ChatMessage.__table__.c.id)
    )
)
_BUMP_CHAT_VERSION = (
    update(LiveSession.__table__)
    .where(LiveSession.__table__.c.id == bindparam("p_session"))
    .values(chat_version=LiveSession.__table__.c.chat_version + 1)
)


def _chat_changed(session_id: int) -> None:
    """Note in the session, in the same transaction, that its chat changed (see payloads.chat_tails)."""
    _core(_BUMP_CHAT_VERSION, {"p_session": session_id})


def _stored_line(who: Member, client_id: str) -> dict | None:
    """The chat line this person already sent under `client_id`, if any."""
    row = _core(_CHAT_RESEND, {"session_id": who.session.id, "user_id": who.user.id, "client_id": client_id}).first()
    return None if row is None else chat_line(row.id, client_id, person(who.user), row.body, row.created_at)


def chat(who: Member, client_id, body, now: datetime) -> tuple[dict, bool]:
    """Post a chat line; a resent client_id returns the stored line and False (nothing new)."""
    client_id, body = _client_id(client_id), _text(body)
    if (stored := _stored_line(who, client_id)) is not None:
        return stored, False
    if who.session.chat_muted and not who.instructor:
        refuse(N_("the instructor has paused the chat"), code="chat_muted")
    _refuse_if_muted(who)
    message_id = _core_upsert(
        _INSERT_CHAT,
        {"session_id": who.session.id, "user_id": who.user.id, "client_id": client_id, "body": body, "created_at": now},
    ).scalar()
    if message_id is None:  # the same resend, from another tab, was written first
        return _stored_line(who, client_id), False
    count_post(who, PostKind.CHAT, now)
    _chat_changed(who.session.id)
    return chat_line(message_id, client_id, person(who.user), body, now), True


def earlier_chat(who: Member, before_id) -> dict:
    """The page of chat lines before a line the client already has (anyone in the room)."""
    lines, more = chat_page(who.session.id, record_id(before_id, "before_id"))
    return {"chat": lines, "more": more}


def delete_message(who: Member, message_id, now: datetime) -> dict:
    """Hide a chat line (instructors)."""
    require_instructor(who)
    message = db.session.get(ChatMessage, record_id(message_id, "message_id"))
    if message is None or message.session_id != who.session.id:
        refuse(N_("no such message in this session"), code="not_found")
    if message.deleted_at is None:
        message.deleted_at = now
        _chat_changed(who.session.id)
    return {"id": message.id}


def _refuse_if_muted(who: Member) -> None:
    """A resend of what was stored before the mute still answers with it; anything new is refused."""
    if who.muted:
        refuse(N_("the instructor has muted you in this session"), code="muted")


# RETURNING tells whether a row was written: psycopg reports no row count for these statements.
_MUTE = _per_dialect(
    lambda make: (
        make(SessionMute.__table__)
        .on_conflict_do_nothing(index_elements=["session_id", "user_id"])
        .returning(SessionMute.__table__.c.id)
    )
)


def class_learner(who: Member, user_id) -> User:
    """The active learner of the session's class an instructor names; refused for anyone else."""
    user = db.session.get(User, record_id(user_id, "user_id"))
    enrolled = user is not None and db.session.scalar(
        select(
            exists().where(
                Enrolment.class_id == who.session.class_id,
                Enrolment.user_id == user.id,
                Enrolment.status == EnrolmentStatus.ACTIVE,
            )
        )
    )
    if not enrolled:
        refuse(N_("no such learner in this class"), code="not_found")
    return user


def mute_person(who: Member, user_id, muted, now: datetime) -> tuple[dict, bool]:
    """Mute or unmute one learner of the class in this session (instructors): their chat lines
    and questions are refused meanwhile. Return the `person_muted` payload and whether it changed."""
    require_instructor(who)
    learner, muted = class_learner(who, user_id), _true_or_false(muted, "muted")
    user_id = learner.id
    if muted:
        params = {"session_id": who.session.id, "user_id": user_id, "muted_by_id": who.user.id, "muted_at": now}
        changed = _core_upsert(_MUTE, params).first() is not None
    else:
        unmute = (
            delete(SessionMute.__table__)
            .where(SessionMute.session_id == who.session.id, SessionMute.user_id == user_id)
            .returning(SessionMute.__table__.c.id)
        )
        changed = _core(unmute, {}).first() is not None
    body = {"session_id": who.session.id, "user": {"id": user_id, "name": learner.full_name}, "muted": muted}
    return body, changed


def mute_chat(who: Member, muted) -> dict:
    """Pause or resume the chat for learners (instructors)."""
    require_instructor(who)
    _live_session(who).chat_muted = _true_or_false(muted, "muted")
    return {"muted": muted}


# --- questions and hands ------------------------------------------------------------------------


_INSERT_QUESTION = _per_dialect(
    lambda make: (
        make(RoomQuestion.__table__)
        .on_conflict_do_nothing(index_elements=["session_id", "user_id", "client_id"])
        .returning(RoomQuestion.__table__.c.id)
    )
)


def _stored_question(who: Member, client_id: str) -> dict | None:
    """The question this person already asked under `client_id`, if any."""
    existing = db.session.scalar(
        select(RoomQuestion).where(
            RoomQuestion.session_id == who.session.id,
            RoomQuestion.user_id == who.user.id,
            RoomQuestion.client_id == client_id,
        )
    )
    return None if existing is None else question_payload(existing)


def ask(who: Member, client_id, body, now: datetime) -> tuple[dict, bool]:
    """Ask the instructor a question; a resend returns the stored one and False."""
    client_id, body = _client_id(client_id), _text(body)
    if (stored := _stored_question(who, client_id)) is not None:
        return stored, False
    _refuse_if_muted(who)
    question_id = _core_upsert(
        _INSERT_QUESTION,
        {"session_id": who.session.id, "user_id": who.user.id, "client_id": client_id, "body": body, "created_at": now},
    ).scalar()
    if question_id is None:  # the same resend, from another tab, was written first
        return _stored_question(who, client_id), False
    count_post(who, PostKind.QUESTION, now)
    return {"id": question_id, "user": person(who.user), "body": body, "votes": 0, "answered": False}, True


def _own_question(who: Member, question_id, lock: bool = False) -> RoomQuestion:
    """The session's question; with `lock`, held until the transaction ends (its votes change)."""
    question = db.session.get(
        RoomQuestion, record_id(question_id, "question_id"), with_for_update={"key_share": True} if lock else None
    )
    if question is None or question.session_id != who.session.id:
        refuse(N_("no such question in this session"), code="not_found")
    return question


_UPVOTE = _per_dialect(
    lambda make: (
        make(QuestionVote.__table__)
        .on_conflict_do_nothing(index_elements=["question_id", "user_id"])
        .returning(QuestionVote.__table__.c.question_id)
    )
)


def upvote(who: Member, question_id) -> tuple[dict, bool]:
    """Upvote a question once; a second upvote (from any tab) changes nothing and says so (False).

    The question's row is locked first, so simultaneous upvotes are counted one after another
    and each answer carries the number of votes its own commit made.
    """
    question = _own_question(who, question_id, lock=True)
    added = _core_upsert(_UPVOTE, {"question_id": question.id, "user_id": who.user.id}).first() is not None
    return question_payload(question), added


def mark_answered(who: Member, question_id, now: datetime) -> dict:
    """Mark a question answered (instructors)."""
    require_instructor(who)
    question = _own_question(who, question_id)
    question.answered_at = question.answered_at or now
    return question_payload(question)


_HANDS = HandRaise.__table__
# At most one open hand per person and session (a partial unique index): raising a hand that is
# up, from any tab on any process, inserts nothing.
_RAISE_HAND = _per_dialect(
    lambda make: (
        make(_HANDS)
        .on_conflict_do_nothing(index_elements=["session_id", "user_id"], index_where=_HANDS.c.lowered_at.is_(None))
        .returning(_HANDS.c.id)
    )
)
_LOWER_HANDS = (
    update(_HANDS)
    .where(_HANDS.c.session_id == bindparam("p_session"), _HANDS.c.lowered_at.is_(None))
    .values(lowered_at=bindparam("p_now"))
    .returning(_HANDS.c.user_id)
)
_LOWER_HAND = _LOWER_HANDS.where(_HANDS.c.user_id == bindparam("p_user"))
_FULL_NAME = select(User.full_name).where(User.id == bindparam("user_id"))


def _lower(session_id: int, user_id: int, now: datetime) -> bool:
    """Lower the person's hand if it is up; whether it was."""
    return _core(_LOWER_HAND, {"p_session": session_id, "p_user": user_id, "p_now": now}).first() is not None


def raise_hand(who: Member, raised, now: datetime) -> tuple[dict, bool]:
    """Raise or lower one's own hand; False when it already was so (nothing changed)."""
    raised = _true_or_false(raised, "raised")
    if raised:
        changed = (
            _core_upsert(_RAISE_HAND, {"session_id": who.session.id, "user_id": who.user.id, "raised_at": now}).first()
            is not None
        )
    else:
        changed = _lower(who.session.id, who.user.id, now)
    return {"user": person(who.user), "raised": raised}, changed


def lower_hand(who: Member, user_id, now: datetime) -> dict | None:
    """Lower one person's raised hand (instructors); the `hand` payload, or None if it was not up."""
    require_instructor(who)
    user_id = record_id(user_id, "user_id")
    if not _lower(who.session.id, user_id, now):
        return None
    name = _core(_FULL_NAME, {"user_id": user_id}).scalar_one()
    return {"user": {"id": user_id, "name": name}, "raised": False}


def clear_hands(who: Member, now: datetime) -> bool:
    """Lower every raised hand (instructors); whether any was up."""
    require_instructor(who)
    return _core(_LOWER_HANDS, {"p_session": who.session.id, "p_now": now}).first() is not None


# --- polls --------------------------------------------------------------------------------------


def open_poll(who: Member, client_id, question, options, now: datetime) -> tuple[Poll, bool]:
    """Open a poll with 2-10 options (instructors); a resend returns the same poll."""
    require_instructor(who)
    client_id, question = _client_id(client_id), _text(question, "question", MAX_POLL_QUESTION)
    if not isinstance(options, list) or not 2 <= len(options) <= 10:
        refuse(N_("a poll has 2 to 10 options"), code="bad_request", field="options")
    options = [_text(o, "option") for o in options]
    existing = db.session.scalar(select(Poll).where(Poll.session_id == who.session.id, Poll.client_id == client_id))
    if existing is not None:
        return existing, False
    poll = Poll(session_id=who.session.id, client_id=client_id, question=question, options=options, opened_at=now)
    db.session.add(poll)
    db.session.flush()
    return poll, True


def _poll(who: Member, poll_id, share: bool = False) -> Poll:
    """The session's poll; with `share`, its closing waits for this transaction (and the reverse)."""
    poll = db.session.get(Poll, record_id(poll_id, "poll_id"), with_for_update={"read": True} if share else None)
    if poll is None or poll.session_id != who.session.id:
        refuse(N_("no such poll in this session"), code="not_found")
    return poll


# One vote per person and poll, changed in place: the same vote again (another tab, a double
# click) updates nothing and returns no row.
_VOTE = _per_dialect(
    lambda make: (
        (statement := make(PollVote.__table__))
        .on_conflict_do_update(
            index_elements=["poll_id", "user_id"],
            set_={"option": statement.excluded.option, "voted_at": statement.excluded.voted_at},
            where=PollVote.__table__.c.option != statement.excluded.option,
        )
        .returning(PollVote.__table__.c.poll_id)
    )
)


def vote(who: Member, poll_id, option, now: datetime) -> tuple[Poll, bool]:
    """Vote in an open poll, or change one's vote while it is open; False when the vote was
    already that one (nothing changed).

    The poll is read with a share lock, so a vote and the poll's closing cannot overtake each
    other: a vote read as open is counted before the close, one read after it is refused.
    """
    poll = _poll(who, poll_id, share=True)
    if poll.closed_at is not None:
        refuse(N_("the poll is closed"), code="poll_closed")
    if not isinstance(option, int) or isinstance(option, bool) or not 0 <= option < len(poll.options):
        refuse(N_("no such option"), code="bad_request", field="option")
    changed = _core_upsert(
        _VOTE, {"poll_id": poll.id, "user_id": who.user.id, "option": option, "voted_at": now}
    ).first()
    return poll, changed is not None


def close_poll(who: Member, poll_id, now: datetime) -> Poll:
    """Close a poll; its results go to everyone (instructors)."""
    require_instructor(who)
    poll = _poll(who, poll_id)
    poll.closed_at = poll.closed_at or now
    return poll


# --- slides and the session itself --------------------------------------------------------------


def show_slide(who: Member, section) -> dict:
    """Show a section of the slides module to everyone (instructors)."""
    require_instructor(who)
    if not isinstance(section, str) or not SLIDE_RE.fullmatch(section):
        refuse(N_("no such section"), code="bad_request", field="section")
    live = _live_session(who)
    toc = live.slides_module.toc if live.slides_module else []
    if section and section not in {entry["id"] for entry in toc}:
        refuse(N_("the slides have no such section"), code="not_found", field="section")
    live.current_slide = section
    return {"section": section}


def set_state(who: Member, state, now: datetime) -> dict:
    """Start or end the session (instructors)."""
    require_instructor(who)
    if state not in ("live", "ended"):
        refuse(N_('\'state\' must be "live" or "ended"'), code="bad_request", field="state")
    # Read again under a row lock: an edit or a cancellation (which lock the row too) committed
    # since this event's membership check must not be overwritten by "live" or "ended".
    live = db.session.get(LiveSession, who.session.id, with_for_update=True, populate_existing=True)
    if state == "live" and live.state in (SessionState.SCHEDULED, SessionState.LIVE):
        live.state = SessionState.LIVE
        live.started_at = live.started_at or now
    elif state == "ended" and live.state == SessionState.LIVE:
        live.state = SessionState.ENDED
        live.ended_at = now
    else:
        refuse(N_("cannot go from %(current)s to %(wanted)s"), code="bad_state", current=live.state, wanted=state)
    return {"state": live.state}


# --- after the end: the room keeps its history and takes no more writes -------------------------


def refuse_if_read_only(session: RoomSession) -> None:
    """Refuse a write event in a session that has ended or was cancelled (reads stay allowed).

    Checked once for every write event by the dispatch (`lms.live.events.handler`), on the state
    read in the event's own transaction: an event whose transaction read the session before the
    end was committed is ordered before the end, any later one is refused.
    """
    if session.state == SessionState.ENDED:
        refuse(N_("the session has ended; the room can be read but not changed"), code="session_ended")
    if session.state == SessionState.CANCELLED:
        refuse(N_("the session was cancelled; the room can be read but not changed"), code="session_cancelled")
