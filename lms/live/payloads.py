"""What the live room sends its clients: chat lines, questions, polls, and the join's snapshot.

Each payload has one builder here, used by the acknowledgement, the broadcast, the snapshot and
the history alike, so a client gets the same fields whichever way a thing reaches it. The lists
read for a full room (participants, the chat's last page, questions, hands, polls) are plain
columns from statements built once, not mapped objects: a class of hundreds joins together.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, and_, bindparam, distinct, func, literal, select

from lms.auth.models import Role, User
from lms.cache import VersionedCache
from lms.courses.models import class_instructors
from lms.extensions import db
from lms.live.models import (
    AttendanceInterval,
    ChatMessage,
    HandRaise,
    Poll,
    PollVote,
    PresenceSource,
    QuestionVote,
    RoomQuestion,
    SessionMute,
)

if TYPE_CHECKING:
    from lms.live.room import Member, Person, RoomSession

CHAT_PAGE = 100  # chat lines in a join's snapshot, and per request for earlier ones
# "Before every line": one past the largest 32-bit id. A 64-bit parameter, since PostgreSQL's
# integer refuses that number.
_AFTER_EVERY_ID = 2**31


def _rows(statement, params: dict):
    """Run a plain-column statement on the session's connection, in its transaction.

    The ORM's result handling (built for entities) costs more than the query for hundreds of
    plain rows; these statements load no objects.
    """
    return db.session.connection().execute(statement, params)


def person(user: Person | User) -> dict:
    """Who wrote, asked or raised a hand: {id, name}."""
    return {"id": user.id, "name": user.full_name}


def chat_line(message_id: int, client_id: str, user: dict, body: str, at: datetime) -> dict:
    """A chat line as clients get it (broadcast, acknowledgement, snapshot and history alike)."""
    return {"id": message_id, "client_id": client_id, "user": user, "body": body, "at": at.isoformat()}


def question_payload(question: RoomQuestion) -> dict:
    """A question with its author, its number of votes and whether it was answered."""
    return {
        "id": question.id,
        "user": person(question.user),
        "body": question.body,
        "votes": len(question.votes),
        "answered": question.answered_at is not None,
    }


def _counts(poll) -> list[int]:
    counts = [0] * len(poll.options)
    for option, count in db.session.execute(
        select(PollVote.option, func.count()).where(PollVote.poll_id == poll.id).group_by(PollVote.option)
    ):
        counts[option] += count
    return counts


def poll_payload(poll, with_counts: bool, user_id: int | None = None) -> dict:
    """A poll (a Poll, or a row with its id, question, options and closed_at) as a client sees it:
    counts for instructors, or for everyone once closed."""
    payload = {"id": poll.id, "question": poll.question, "options": poll.options, "open": poll.closed_at is None}
    if with_counts or poll.closed_at is not None:
        payload["counts"] = _counts(poll)
    if user_id is not None:
        vote = db.session.get(PollVote, (poll.id, user_id))
        payload["my_vote"] = vote.option if vote else None
    return payload


# --- who is here --------------------------------------------------------------------------------

# Every instructor's join lists everyone present, each marked whether the class lists them as
# its instructor: plain columns, not User objects, since a full room has hundreds of rows.
_OPEN_STRETCH_OF_USER = and_(
    AttendanceInterval.user_id == User.id,
    AttendanceInterval.session_id == bindparam("session_id"),
    AttendanceInterval.left_at.is_(None),
    AttendanceInterval.source == PresenceSource.ONLINE,
)
_LISTED_INSTRUCTOR = and_(class_instructors.c.user_id == User.id, class_instructors.c.class_id == bindparam("class_id"))
_PARTICIPANTS = (
    select(User.id, User.full_name, User.role, class_instructors.c.user_id.is_not(None))
    .join(AttendanceInterval, _OPEN_STRETCH_OF_USER)
    .outerjoin(class_instructors, _LISTED_INSTRUCTOR)
)
# A learner's join lists only the class's instructors present: looked up from the class's few
# instructors, not by scanning the room.
_INSTRUCTORS_PRESENT = (
    select(User.id, User.full_name, User.role, literal(True))
    .join(class_instructors, _LISTED_INSTRUCTOR)
    .join(AttendanceInterval, _OPEN_STRETCH_OF_USER)
)
_PRESENT_COUNT = select(func.count(distinct(AttendanceInterval.user_id))).where(
    AttendanceInterval.session_id == bindparam("session_id"),
    AttendanceInterval.left_at.is_(None),
    AttendanceInterval.source == PresenceSource.ONLINE,
)


def participants(session: RoomSession, instructors_only: bool = False) -> tuple[dict, ...]:
    """Everyone connected now (an open online stretch), once each, by name; or only the instructors.

    De-duplicated and sorted here rather than with DISTINCT … ORDER BY, which cost the database
    more than Python for a few hundred rows (and sorts the same way on SQLite and PostgreSQL).
    """
    statement = _INSTRUCTORS_PRESENT if instructors_only else _PARTICIPANTS
    rows = _rows(statement, {"session_id": session.id, "class_id": session.class_id})
    people = {user_id: (name, user_id, listed or role == Role.ADMIN) for user_id, name, role, listed in rows}
    return tuple({"id": user_id, "name": name, "instructor": staff} for name, user_id, staff in sorted(people.values()))


def present_count(session_id: int) -> int:
    """How many people are connected to the session now (several tabs count once)."""
    return _rows(_PRESENT_COUNT, {"session_id": session_id}).scalar_one()


# --- the chat's pages ---------------------------------------------------------------------------

# Every join sends the chat's last page, and a page asks for the lines before it: plain columns
# with the author's name in one statement, not ChatMessage objects and their users (the same
# fields as chat_line). By id, which is the order the lines were written in: the session's
# index (which SQLite keeps in id order) serves it without sorting the session's whole chat.
_CHAT_PAGE = (
    select(
        ChatMessage.id,
        ChatMessage.client_id,
        ChatMessage.user_id,
        User.full_name,
        ChatMessage.body,
        ChatMessage.created_at,
    )
    .join(User, User.id == ChatMessage.user_id)
    .where(
        ChatMessage.session_id == bindparam("session_id"),
        ChatMessage.deleted_at.is_(None),
        ChatMessage.id < bindparam("before_id", type_=BigInteger()),
    )
    .order_by(ChatMessage.id.desc())
    .limit(CHAT_PAGE + 1)
)

# The last chat page of each session, as built for its chat version: hundreds of learners joining
# together would otherwise each read and build the same page. `chat_version` is read with the
# membership check and bumped in the same transaction as every chat line written or deleted
# (`room.chat`, `room.delete_message`). A cache, not room state; sessions not joined for a while
# make way.
chat_tails: VersionedCache[tuple[tuple[dict, ...], bool]] = VersionedCache(max_entries=200)


def chat_page(session_id: int, before_id: int | None = None) -> tuple[tuple[dict, ...], bool]:
    """Up to CHAT_PAGE visible lines before `before_id` (the latest by default), oldest first,
    and whether there are earlier ones."""
    before = _AFTER_EVERY_ID if before_id is None else before_id
    rows = _rows(_CHAT_PAGE, {"session_id": session_id, "before_id": before}).all()
    lines = tuple(
        chat_line(row.id, row.client_id, {"id": row.user_id, "name": row.full_name}, row.body, row.created_at)
        for row in reversed(rows[:CHAT_PAGE])
    )
    return lines, len(rows) > CHAT_PAGE


# --- the snapshot -------------------------------------------------------------------------------

# The questions with their authors' names and vote counts, and the raised hands with names: one
# statement each (the same fields as question_payload and person), not an object per row plus
# its lazy loads.
_QUESTIONS = (
    select(
        RoomQuestion.id,
        RoomQuestion.user_id,
        User.full_name,
        RoomQuestion.body,
        RoomQuestion.answered_at,
        select(func.count()).where(QuestionVote.question_id == RoomQuestion.id).scalar_subquery(),
    )
    .join(User, User.id == RoomQuestion.user_id)
    .where(RoomQuestion.session_id == bindparam("session_id"))
    .order_by(RoomQuestion.created_at, RoomQuestion.id)
)
_HANDS = (
    select(User.id, User.full_name)
    .join(HandRaise, HandRaise.user_id == User.id)
    .where(HandRaise.session_id == bindparam("session_id"), HandRaise.lowered_at.is_(None))
    .order_by(HandRaise.raised_at, HandRaise.id)
)
# The polls as plain rows: they have the attributes poll_payload reads (id, question, options,
# closed_at), without a mapped Poll per row.
_POLLS = (
    select(Poll.id, Poll.question, Poll.options, Poll.closed_at)
    .where(Poll.session_id == bindparam("session_id"))
    .order_by(Poll.opened_at, Poll.id)
)


def _muted_ids(session_id: int) -> tuple[int, ...]:
    return tuple(
        db.session.scalars(
            select(SessionMute.user_id).where(SessionMute.session_id == session_id).order_by(SessionMute.user_id)
        )
    )


def snapshot(who: Member) -> dict:
    """Everything a client needs to draw the room, rebuilt from the database.

    The lists are tuples: python-socketio looks through every list and dict of an outgoing
    payload for binary parts (thousands of calls for a full room's snapshot, more than building
    it), but not through tuples, which hold no bytes here. The JSON sent is the same.
    """
    session = who.session
    key = {"session_id": session.id}
    chat, chat_more = chat_tails.get(session.id, session.chat_version, lambda: chat_page(session.id))
    return {
        "session": {
            "id": session.id,
            "title": session.title,
            "state": session.state,
            "chat_muted": session.chat_muted,
            "slide": session.current_slide,
        },
        "you": {**person(who.user), "instructor": who.instructor, "muted": who.muted},
        # The learners an instructor muted in this session: the staff's controls show who.
        "muted": _muted_ids(session.id) if who.instructor else (),
        # Only the staff see who else is here: a class of hundreds is a lecture hall, and a
        # learner's join would otherwise carry (and cost) the whole list. Learners see the
        # instructors present and the count.
        "participants": participants(session, instructors_only=not who.instructor),
        "participant_count": present_count(session.id),
        "chat": chat,
        "chat_more": chat_more,
        "questions": tuple(
            {
                "id": qid,
                "user": {"id": uid, "name": name},
                "body": body,
                "votes": votes,
                "answered": answered_at is not None,
            }
            for qid, uid, name, body, answered_at, votes in _rows(_QUESTIONS, key)
        ),
        "hands": tuple({"id": uid, "name": name} for uid, name in _rows(_HANDS, key)),
        "polls": tuple(poll_payload(p, who.instructor, who.user.id) for p in _rows(_POLLS, key)),
    }
