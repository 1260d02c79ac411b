"""Socket.IO handlers of the live room (namespace /live): thin wrappers around lms.live.room.

Every handler checks who is asking (from the login session, never the payload), writes to the
database, commits, and only then broadcasts. The acknowledgement is {"ok": true, ...} or
{"ok": false, "error": code, "message": text}; a refusal is also sent as a `room_error` event.
The message is the refusal (`lms.refusals.Refused`) in the acting user's language: their
account's, else the one chosen in their browser session, else the default. See
docs/live-protocol.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial, wraps

from flask import current_app, request, session
from flask_babel import force_locale
from flask_login import current_user
from flask_socketio import emit, join_room, leave_room
from socketio.exceptions import ConnectionRefusedError  # Socket.IO's, which refuses the handshake

from lms.auth import sessions as login_sessions
from lms.auth.account import load_account
from lms.auth.sessions import SESSION_KEY, AccessEnded, Scope, secret_hash
from lms.database import utcnow, write_transaction
from lms.extensions import db, socketio
from lms.live import payloads, presence, removals, room, transport
from lms.live.queue_watch import queue_carries, recheck
from lms.live.throttle import allowance, stale_sweeps, throttle
from lms.observability import live_room as observed
from lms.refusals import N_, Problem, Refused, refuse
from lms.text import whole_number

NAMESPACE = transport.NAMESPACE
# (event name, handler): attached to each app's Socket.IO server by `register_events`, because
# every create_app() makes a new server and handlers bound at import would stay with the first.
EVENT_HANDLERS: list[tuple[str, Callable]] = []
# The largest payload an event may carry, as JSON text: a poll of 10 options of 1000 characters
# fits; anything bigger is not a room event and is refused before it reaches the database.
MAX_PAYLOAD_CHARS = 16_000

TOO_MANY_EVENTS = Problem(N_("too many events; wait a few seconds"))
LOGIN_ENDED = Problem(N_("please log in again"))
CONNECTION_CLOSED = Problem(N_("the connection closed"))
SERVER_FAILED = Problem(N_("the server could not handle this event"))
INTERRUPTED = Problem(
    N_("live updates are interrupted, so this was not sent; wait until the connection is back and send it again")
)

# The interface language of each connection's account, as last read (at the connection, then on
# every event, which reloads the account anyway): refusals made before any database work (the
# throttle, a malformed payload, an unknown event) are answered in it without reading the
# account. In memory like the throttle: a connection lives on one process.
account_locales: dict[str, str | None] = {}


@dataclass
class Outcome:
    """What a handler answers the sender, and what it broadcasts once committed."""

    ack: dict = field(default_factory=dict)
    broadcasts: list[tuple[str, dict, str]] = field(default_factory=list)  # event, payload, room
    others_only: bool = False  # the sender learns from the ack instead
    # Presence changes queued for the room's next `presence` flush once committed:
    # (session id, user id, person who joined or None for one who left).
    presence: list[tuple[int, int, dict | None]] = field(default_factory=list)


class ConnectionGoneError(Refused):
    """The client disconnected while its event was being handled: a refusal nobody is left to hear."""

    def __init__(self):
        super().__init__(CONNECTION_CLOSED, code="gone")


def enter_room(name: str) -> None:
    """Join a Socket.IO room; a connection that closed meanwhile ends the event quietly."""
    try:
        join_room(name)
    except ValueError as exc:  # python-socketio: "sid is not connected to requested namespace"
        raise ConnectionGoneError from exc


def room_name(session_id: int) -> str:
    return f"session:{session_id}"


def audience_room(session_id: int, staff: bool) -> str:
    """The session's staff (instructors, admins) or its learners: they get different `presence`."""
    return f"session:{session_id}:{'staff' if staff else 'learners'}"


def user_room(user_id: int) -> str:
    """Every socket of one account: an end of the account's sign-ins cuts them."""
    return f"user:{user_id}"


def login_room(key_hash: str) -> str:
    """The sockets opened by one sign-in (one browser), named by its key's hash: a logout cuts them."""
    return f"login:{key_hash}"


def member_room(session_id: int, user_id: int) -> str:
    """One person's sockets joined to one session: a removal, or a withdrawal from the class, cuts them."""
    return f"session:{session_id}:user:{user_id}"


def cut_sockets(ended: AccessEnded) -> None:
    """Access ended (and is committed): the sockets it opened get a last event, then are
    disconnected, on every process (through the message queue). A silent client hears nothing more."""
    server = socketio.server
    if ended.scope is Scope.ACCOUNT:
        transport.cut(server, user_room(ended.user_id), "logged_out", {})
    elif ended.scope is Scope.LOGIN:
        transport.cut(server, login_room(str(ended.key)), "logged_out", {})
    elif ended.scope is Scope.SESSION:
        notice = removals.farewell(ended.user_id, int(ended.key), removals.REMOVED, "removed")
        transport.cut(server, member_room(int(ended.key), ended.user_id), "removed", notice)
    elif ended.scope is Scope.CLASS:
        for session_id in removals.class_session_ids(int(ended.key)):
            notice = removals.farewell(ended.user_id, session_id, removals.WITHDRAWN, "withdrawn")
            transport.cut(server, member_room(session_id, ended.user_id), "removed", notice)


def answer_locale() -> str:
    """The language to answer this connection in: its account's, else the one its browser
    session chose, else the default (the rule of the pages, `lms._select_locale`)."""
    languages = current_app.config["LANGUAGES"]
    chosen = account_locales.get(request.sid)
    if chosen in languages:
        return chosen
    chosen = session.get("locale")
    return chosen if chosen in languages else languages[0]


def translated(refusal: Refused) -> str:
    """The refusal's message in the connection's language."""
    with force_locale(answer_locale()):
        return "; ".join(refusal.messages())


def answer_refusal(refusal: Refused) -> dict:
    """Tell the sender why its event was refused: a `room_error` event and the acknowledgement."""
    message = translated(refusal)
    emit("room_error", {"code": refusal.code, "message": message})
    return {"ok": False, "error": refusal.code, "message": message}


def _payload_size(payload) -> int:
    """Length of the payload as JSON text; binary parts count by their byte length."""
    return len(
        json.dumps(
            payload, ensure_ascii=False, default=lambda o: "x" * len(o) if isinstance(o, bytes | bytearray) else str(o)
        )
    )


def check_event(args: tuple) -> dict:
    """The event's one JSON-object payload; refused otherwise.

    Runs before any database work: too many events from this connection, several arguments,
    something other than an object, or an oversized payload are refused here.
    """
    if not throttle.allow(request.sid):
        raise Refused(TOO_MANY_EVENTS, code="rate_limited")
    if len(args) != 1 or not isinstance(args[0], dict):
        refuse(N_("the payload must be one JSON object"), code="bad_request")
    if _payload_size(args[0]) > MAX_PAYLOAD_CHARS:
        refuse(N_("the payload is larger than %(limit)s characters"), code="too_large", limit=MAX_PAYLOAD_CHARS)
    return args[0]


def _from_client() -> bool:
    """True when a `connect`/`disconnect` handler was called by an event the client sent.

    Socket.IO calls these handlers while the connection is still connecting or already
    disconnecting; a client emitting an event with either name reaches the same handler while
    fully connected, and must not be taken for the real thing.
    """
    return socketio.server.manager.is_connected(request.sid, NAMESPACE)


def _logged_out_since(logged_out_at) -> bool:
    """Whether the account logged out (everywhere) after this connection's login."""
    return logged_out_at is not None and session.get("login_at", 0) <= logged_out_at.timestamp()


def _signed_in_user():
    """The connection's user, or None when the login ended (disabled, logged out since)."""
    if not current_user.is_authenticated or _logged_out_since(current_user.logged_out_at):
        return None
    return current_user._get_current_object()


# Flask-Login checks the login when the socket connects (on_connect). Each event then re-reads the
# account's current state (`load_account`, plain columns), so a disabled account, a logout or a
# role change counts from the next event.
def _event_user():
    """The event's user (a `room.Person`), or None when the login ended since the connection."""
    user_id = session.get("_user_id")
    if user_id is None:  # kept only by the remember-me cookie: Flask-Login restores it
        return _signed_in_user()
    if not isinstance(user_id, str) or whole_number(user_id, minimum=1) is None:
        return None
    account = load_account(user_id)
    if account is None or _logged_out_since(account.logged_out_at):
        return None
    return room.Person(account.id, account.full_name, account.role, account.locale)


def handler(event: str, in_room: bool = True, reads_only: bool = False) -> Callable:
    """Register a room event: check the user, run it in one transaction, then broadcast.

    With `in_room` (every event but the heartbeat) the handler gets the user's `room.Member` for
    the payload's session_id, after the membership check; otherwise the user. An event that is
    not `reads_only` is refused in a session that has ended or was cancelled, and while the
    message queue does not carry this process's events to the others (`lms.live.queue_watch`).
    """

    def decorate(fn: Callable[..., Outcome]) -> Callable:
        @wraps(fn)
        def wrapped(*args):
            observed.event(event)
            try:
                payload = check_event(args)
                # The write transaction starts before the login check, so the account is read inside it.
                with write_transaction():
                    user = _event_user()
                    if user is None:
                        raise Refused(LOGIN_ENDED, code="unauthorized")
                    account_locales[request.sid] = user.locale  # a language chosen since counts from now
                    actor = room.member(user, payload.get("session_id")) if in_room else user
                    if in_room and not reads_only:
                        room.refuse_if_read_only(actor.session)
                        if not queue_carries(socketio.server):
                            raise Refused(INTERRUPTED, code="interrupted")
                    outcome = fn(actor, payload, utcnow())
            except ConnectionGoneError as gone:  # no one is left to tell with a `room_error`
                return {"ok": False, "error": gone.code, "message": translated(gone)}
            except Refused as refusal:
                if refusal.code == "unauthorized":  # answered first: the client learns why it is cut
                    transport.cut_after_answer(request.sid)
                return answer_refusal(refusal)
            for name, body, target in outcome.broadcasts:
                emit(name, body, to=target, namespace=NAMESPACE, include_self=not outcome.others_only)
            if outcome.broadcasts:  # the queue may have failed just now: this process's sockets hear it at once
                recheck(socketio.server)
            queue_presence(outcome.presence)
            return {"ok": True, **outcome.ack}

        EVENT_HANDLERS.append((event, wrapped))
        return wrapped

    return decorate


def on_connect(auth=None):
    """Browser connects: only with a live login session."""
    if _from_client():
        return on_unknown("connect")
    user_id, key = session.get("_user_id"), session.get(SESSION_KEY)
    number = whole_number(user_id, minimum=1) if isinstance(user_id, str) else None
    if number is None or not isinstance(key, str) or not key:
        observed.refused("unauthorized")
        raise ConnectionRefusedError("unauthorized")
    # In the rooms that cut it before the login is checked: an end committed after the check
    # finds the socket there. A refused connection leaves every room.
    try:
        enter_room(user_room(number))
        enter_room(login_room(secret_hash(key)))
    except ConnectionGoneError:
        return False
    if _signed_in_user() is None:
        observed.refused("unauthorized")
        raise ConnectionRefusedError("unauthorized")
    # The process's first connection records it as the owner of the stretches it will open, and
    # first closes those that processes now gone (the one this restart replaced) left open.
    presence.owners.start(current_app._get_current_object(), queue_departures)
    account_locales[request.sid] = current_user.locale
    observed.connected()


def on_disconnect(*_reason):
    """Connection gone: close its presence stretches and tell the rooms."""
    if _from_client():  # an event named "disconnect" must not close a live connection's attendance
        return on_unknown("disconnect")
    observed.disconnected()
    throttle.forget(request.sid)
    account_locales.pop(request.sid, None)
    with write_transaction():
        gone = [
            (session_id, user_id, None)
            for session_id, user_id in room.leave(request.sid, utcnow())
            if not room.present(session_id, user_id)
        ]  # another tab keeps them present
    queue_presence(gone)


def queue_presence(changes: list[tuple[int, int, dict | None]]) -> None:
    """Hand committed presence changes to the room's next batched `presence` broadcast."""
    if not changes:
        return
    app = current_app._get_current_object()
    deliver = partial(send_presence, app, socketio.server)
    for session_id, user_id, person in changes:
        presence.batches.add(session_id, user_id, person, app.config["LIVE_PRESENCE_BATCH_SECONDS"], deliver)


def queue_departures(pairs: list[tuple[int, int]]) -> None:
    """Hand the people whose stretches were closed for a gone process to the `presence` batches."""
    queue_presence([(session_id, user_id, None) for session_id, user_id in pairs])


def send_presence(app, server, session_id: int, joined: list[dict], left: list[int]) -> None:
    """One batch of a room's presence changes: the staff get every arrival, learners only the
    class's instructors'; both get the departures' ids and how many people are in the room now."""
    with app.app_context():  # a background task: its own database session, removed at the end
        count, teachers = payloads.present_count(session_id), room.instructor_ids(session_id)
    server.emit(
        "presence",
        {"joined": joined, "left": left, "count": count},
        to=audience_room(session_id, True),
        namespace=NAMESPACE,
    )
    server.emit(
        "presence",
        {"joined": [p for p in joined if p["id"] in teachers], "left": left, "count": count},
        to=audience_room(session_id, False),
        namespace=NAMESPACE,
    )


@handler("join", reads_only=True)
def on_join(who, data, now) -> Outcome:
    """Anyone in the class joins a session's room; the ack carries the room's snapshot."""
    session_id = who.session.id
    room.leave(request.sid, now, session_id)  # a re-join on the same connection: one stretch
    stale = room.close_stale(who.session, now, stale_after()) if stale_sweeps.due(session_id) else []
    room.join(who, request.sid, now, presence.owners.owner_id())
    enter_room(room_name(session_id))
    enter_room(member_room(session_id, who.user.id))
    leave_room(audience_room(session_id, not who.instructor))  # the user's role in the class changed
    enter_room(audience_room(session_id, who.instructor))
    throttle.set_budget(request.sid, allowance(who.instructor))
    person = {"id": who.user.id, "name": who.user.full_name, "instructor": who.instructor}
    snapshot = payloads.snapshot(who)
    if who.instructor:  # the staff readmit from this list
        snapshot["removed"] = removals.removed_people(session_id)
    return Outcome(
        ack={"snapshot": snapshot, "link_up": queue_carries(socketio.server)},
        presence=[(session_id, user_id, None) for user_id in stale if user_id != who.user.id]
        + [(session_id, who.user.id, person)],
    )


@handler("leave", reads_only=True)
def on_leave(who, data, now) -> Outcome:
    """Leave a session's room (the page closes or navigates)."""
    session_id = who.session.id
    room.leave(request.sid, now, session_id)
    for name in (
        room_name(session_id),
        member_room(session_id, who.user.id),
        audience_room(session_id, True),
        audience_room(session_id, False),
    ):
        leave_room(name)
    gone = not room.present(session_id, who.user.id)
    return Outcome(presence=[(session_id, who.user.id, None)] if gone else [])


@handler("heartbeat", in_room=False)
def on_heartbeat(user, data, now) -> Outcome:
    """Still here: keeps attendance open; also cuts a socket whose login ended."""
    return Outcome(ack={"open": room.heartbeat(request.sid, now)})


@handler("chat")
def on_chat(who, data, now) -> Outcome:
    """Anyone in the room posts a chat line {client_id, body}."""
    message, new = room.chat(who, data.get("client_id"), data.get("body"), now)
    return Outcome(ack={"message": message}, broadcasts=[("chat", message, room_name(who.session.id))] if new else [])


@handler("chat_history", reads_only=True)
def on_chat_history(who, data, now) -> Outcome:
    """Anyone in the room asks for the chat lines before one they have {before_id}."""
    return Outcome(ack=room.earlier_chat(who, data.get("before_id")))


@handler("delete_message")
def on_delete_message(who, data, now) -> Outcome:
    """Instructor hides a chat line."""
    body = room.delete_message(who, data.get("message_id"), now)
    return Outcome(broadcasts=[("message_deleted", body, room_name(who.session.id))])


@handler("mute_chat")
def on_mute_chat(who, data, now) -> Outcome:
    """Instructor pauses or resumes the learners' chat."""
    body = room.mute_chat(who, data.get("muted"))
    return Outcome(broadcasts=[("chat_muted", body, room_name(who.session.id))])


@handler("ask")
def on_ask(who, data, now) -> Outcome:
    """Anyone in the room asks the instructor a question {client_id, body}."""
    question, new = room.ask(who, data.get("client_id"), data.get("body"), now)
    return Outcome(
        ack={"question": question}, broadcasts=[("question", question, room_name(who.session.id))] if new else []
    )


@handler("upvote")
def on_upvote(who, data, now) -> Outcome:
    """Anyone in the room upvotes a question once; a repeated upvote is answered, not broadcast."""
    question, changed = room.upvote(who, data.get("question_id"))
    broadcasts = [("question", question, room_name(who.session.id))] if changed else []
    return Outcome(ack={"question": question, "changed": changed}, broadcasts=broadcasts)


@handler("answered")
def on_answered(who, data, now) -> Outcome:
    """Instructor marks a question answered."""
    question = room.mark_answered(who, data.get("question_id"), now)
    return Outcome(broadcasts=[("question", question, room_name(who.session.id))])


@handler("hand")
def on_hand(who, data, now) -> Outcome:
    """Anyone raises or lowers their own hand {raised}; broadcast only when that changes it."""
    body, changed = room.raise_hand(who, data.get("raised"), now)
    return Outcome(ack={"changed": changed}, broadcasts=[("hand", body, room_name(who.session.id))] if changed else [])


@handler("lower_hand")
def on_lower_hand(who, data, now) -> Outcome:
    """Instructor lowers one person's hand {user_id}."""
    body = room.lower_hand(who, data.get("user_id"), now)
    broadcasts = [("hand", body, room_name(who.session.id))] if body is not None else []
    return Outcome(ack={"changed": body is not None}, broadcasts=broadcasts)


@handler("mute_person")
def on_mute_person(who, data, now) -> Outcome:
    """Instructor mutes or unmutes one learner {user_id, muted}: chat lines and questions refused
    meanwhile. The staff in the room and the person's own sockets hear it; others do not."""
    body, changed = room.mute_person(who, data.get("user_id"), data.get("muted"), now)
    told = [audience_room(who.session.id, staff=True), user_room(body["user"]["id"])]
    return Outcome(
        ack={**body, "changed": changed}, broadcasts=[("person_muted", body, to) for to in told] if changed else []
    )


@handler("clear_hands")
def on_clear_hands(who, data, now) -> Outcome:
    """Instructor lowers every hand."""
    changed = room.clear_hands(who, now)
    broadcasts = [("hands_cleared", {}, room_name(who.session.id))] if changed else []
    return Outcome(ack={"changed": changed}, broadcasts=broadcasts)


@handler("poll_open")
def on_poll_open(who, data, now) -> Outcome:
    """Instructor opens a poll {client_id, question, options}."""
    poll, new = room.open_poll(who, data.get("client_id"), data.get("question"), data.get("options"), now)
    body = payloads.poll_payload(poll, with_counts=False)
    return Outcome(ack={"poll": body}, broadcasts=[("poll", body, room_name(who.session.id))] if new else [])


@handler("poll_vote")
def on_poll_vote(who, data, now) -> Outcome:
    """Learner votes (or changes their vote) in an open poll; live counts go to the staff in the room
    (the class's instructors and admins), whose sockets of this session only are in its staff audience."""
    poll, changed = room.vote(who, data.get("poll_id"), data.get("option"), now)
    staff = []
    if changed:
        counts = payloads.poll_payload(poll, with_counts=True)
        staff = [("poll_counts", counts, audience_room(who.session.id, staff=True))]
    return Outcome(ack={"poll": payloads.poll_payload(poll, False, who.user.id), "changed": changed}, broadcasts=staff)


@handler("poll_close")
def on_poll_close(who, data, now) -> Outcome:
    """Instructor closes a poll; everyone gets the results."""
    poll = room.close_poll(who, data.get("poll_id"), now)
    return Outcome(broadcasts=[("poll", payloads.poll_payload(poll, True), room_name(who.session.id))])


@handler("slide")
def on_slide(who, data, now) -> Outcome:
    """Instructor shows a section of the slides module; every learner's view follows."""
    body = room.show_slide(who, data.get("section"))
    return Outcome(broadcasts=[("slide", body, room_name(who.session.id))])


@handler("session_state")
def on_session_state(who, data, now) -> Outcome:
    """Instructor starts ("live") or ends ("ended") the session."""
    body = room.set_state(who, data.get("state"), now)
    return Outcome(broadcasts=[("session_state", body, room_name(who.session.id))])


@handler("remove")
def on_remove(who, data, now) -> Outcome:
    """Instructor removes a learner {user_id} from this session; their sockets in it are cut."""
    learner, lowered, changed = removals.remove(who, data.get("user_id"), now)
    staff = audience_room(who.session.id, True)
    broadcasts = [("removal", {"user": learner, "removed": True}, staff)] if changed else []
    if lowered is not None:
        broadcasts.append(("hand", lowered, room_name(who.session.id)))
    return Outcome(ack={"user": learner}, broadcasts=broadcasts)


@handler("readmit")
def on_readmit(who, data, now) -> Outcome:
    """Instructor lets a removed learner {user_id} back into this session."""
    learner, changed = removals.readmit(who, data.get("user_id"), now)
    staff = audience_room(who.session.id, True)
    return Outcome(
        ack={"user": learner}, broadcasts=[("removal", {"user": learner, "removed": False}, staff)] if changed else []
    )


def on_unknown(event, *args):
    """Any event the room does not know (the namespace's catch-all): refused, nothing else done."""
    if not throttle.allow(request.sid):
        return answer_refusal(Refused(TOO_MANY_EVENTS, code="rate_limited"))
    name = event if isinstance(event, str) and len(event) <= 64 else "?"
    return answer_refusal(Refused(Problem(N_("the room has no event '%(name)s'"), name=name), code="unknown_event"))


def on_error(exc: Exception) -> dict:
    """A handler failed unexpectedly: undo its writes, log it, and still answer the sender."""
    db.session.rollback()
    current_app.logger.exception("live room event failed", exc_info=exc)
    return answer_refusal(Refused(SERVER_FAILED, code="server_error"))


def stale_after() -> timedelta:
    """How long a silent connection's presence stretch stays open: three missed heartbeats."""
    return timedelta(seconds=3 * current_app.config["LIVE_HEARTBEAT_SECONDS"])


def register_events() -> None:
    """Attach the room's handlers to the app's Socket.IO server (called by create_app)."""
    socketio.on_event("connect", on_connect, namespace=NAMESPACE)
    socketio.on_event("disconnect", on_disconnect, namespace=NAMESPACE)
    socketio.on_event("*", on_unknown, namespace=NAMESPACE)
    socketio.on_error(NAMESPACE)(on_error)
    for event, fn in EVENT_HANDLERS:
        socketio.on_event(event, fn, namespace=NAMESPACE)
    if cut_sockets not in login_sessions.ACCESS_ENDED_LISTENERS:
        login_sessions.ACCESS_ENDED_LISTENERS.append(cut_sockets)


def announce_cancelled(session_id: int, reason: str) -> None:
    """Tell every socket in a session's room, on every process, that it was cancelled (once the
    cancellation is committed), then empty the room: nothing will be broadcast there any more.

    Called by the page and the command that cancel. From a command this reaches the servers only
    through the message queue; without one, the sockets learn it at their next write (refused).
    """
    body = {"session_id": session_id, "state": "cancelled", "reason": reason}
    socketio.emit("session_cancelled", body, to=room_name(session_id), namespace=NAMESPACE)
    for name in (room_name(session_id), audience_room(session_id, True), audience_room(session_id, False)):
        socketio.close_room(name, namespace=NAMESPACE)
