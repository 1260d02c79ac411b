"""The live room's Socket.IO server: what it lets in, and how it cuts sockets off.

Three things python-socketio does not do by itself (docs/live-protocol.md, docs/security.md):

- **Only signed-in browsers.** The Engine.IO handshake is refused (401) unless the request's
  session cookie names a sign-in that is still open, before the server keeps anything for the
  connection. `/live` is the only namespace (`NAMESPACES`): a CONNECT to any other, `/` included,
  is refused by python-socketio.
- **Only what the room takes.** Binary frames and binary packets are refused before python-socketio
  buffers their attachments; a packet that cannot be decoded is refused instead of logging a
  traceback. Either closes the connection, and is logged once for it; the process counts them in
  `refused_packets`.
- **Cutting a room on every process.** `cut()` sends the sockets in a room one last event and then
  disconnects them, on this process and, through the message queue, on every other one.
- **Knowing when the queue is lost.** The Redis queue is watched (`lms.live.queue_watch`): while it
  does not carry this process's events, the process says so to its sockets.

The hooks are Engine.IO's documented event handlers (`eio.on`), wrapped around python-socketio's
own; `install()` attaches them to each app's new server.
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from urllib.parse import parse_qs

import socketio
from flask import Flask, session
from socketio.base_manager import BaseManager

from lms.auth.account import load_account
from lms.live import packets
from lms.live.queue_watch import WatchedRedis
from lms.observability import security_event

NAMESPACE = "/live"
NAMESPACES = [NAMESPACE]

# What this process refused since it started, by reason (read by operators and tests).
refused_packets: Counter[str] = Counter()
# Socket.IO sids to disconnect once the event being handled has been answered.
_cut_after_answer: set[str] = set()
# Set when this process starts stopping (`lms.live.shutdown`): it opens no new connection.
stopping = threading.Event()

# An Engine.IO message marked with this key is a cut: python-socketio's pub/sub managers pass the
# message on as an emit, and ours disconnect the room's sockets after delivering it.
_CUT = "lms_cut"


def _disconnect_here(manager: BaseManager, sids: list[str], namespace: str) -> None:
    for sid in sids:
        _disconnect(manager.server, sid, namespace)


def _disconnect(server: socketio.Server, sid: str, namespace: str = NAMESPACE) -> None:
    """Disconnect a socket of this process, out of its rooms first.

    python-socketio runs the disconnect handler (which writes to the database) while the socket is
    still in its rooms: what they hear meanwhile would reach a socket already told it is cut.
    """
    for room in server.manager.get_rooms(sid, namespace):
        if room != sid:
            server.manager.basic_leave_room(sid, namespace, room)
    server.disconnect(sid, namespace=namespace, ignore_queue=True)


def _sids(manager: BaseManager, namespace: str, room: str) -> list[str]:
    return [sid for sid, _ in manager.get_participants(namespace, room)]


class LocalRooms(socketio.Manager):
    """python-socketio's in-memory rooms (one process), with `cut()`."""

    def cut(self, room: str, event: str, data: dict, namespace: str = NAMESPACE) -> None:
        """Send the room's sockets `event`, then disconnect them."""
        sids = _sids(self, namespace, room)
        self.emit(event, data, namespace=namespace, room=room)
        _disconnect_here(self, sids, namespace)


class QueuedCuts:
    """`cut()` for python-socketio's pub/sub managers: the cut travels as an emit message that every
    process delivers to its own sockets in the room and then disconnects them."""

    def cut(self, room: str, event: str, data: dict, namespace: str = NAMESPACE) -> None:
        """Send the room's sockets `event`, then disconnect them, on every process."""
        message = {
            # The fields of PubSubManager.emit's own message, so every process handles it as one.
            "method": "emit",
            "event": event,
            "data": [data],
            "binary": False,
            "namespace": namespace,
            "room": room,
            "skip_sid": None,
            "callback": None,
            "host_id": self.host_id,
            _CUT: True,
        }
        self._handle_emit(message)  # this process
        self._publish(message)  # the others

    def _handle_emit(self, message: dict) -> None:
        if not message.get(_CUT):
            return super()._handle_emit(message)
        namespace = message.get("namespace") or NAMESPACE
        sids = _sids(self, namespace, message.get("room"))
        super()._handle_emit(message)  # the last event first: it is queued before the disconnect
        _disconnect_here(self, sids, namespace)


# Flask-SocketIO's choice of queue by the URL's scheme (any other: Kombu).
_QUEUES = (
    ("redis://", WatchedRedis),
    ("rediss://", WatchedRedis),
    ("kafka://", socketio.KafkaManager),
    ("zmq", socketio.ZmqManager),
)


def room_manager(queue_url: str | None, channel: str = "flask-socketio") -> BaseManager:
    """The server's client manager: in memory, or shared through the message queue at `queue_url`."""
    if not queue_url:
        return LocalRooms()
    base = next((cls for prefix, cls in _QUEUES if queue_url.startswith(prefix)), socketio.KombuManager)
    return type(f"Queued{base.__name__}", (QueuedCuts, base), {"namespace": NAMESPACE})(queue_url, channel=channel)


def cut(server: socketio.Server, room: str, event: str, data: dict) -> None:
    """Send the sockets in `room` (on every process) `event`, then disconnect them."""
    server.manager.cut(room, event, data, NAMESPACE)


def cut_after_answer(sid: str) -> None:
    """Disconnect this socket once the event it is sending has been acknowledged."""
    _cut_after_answer.add(sid)


def signed_in(app: Flask, environ: dict) -> bool:
    """Whether the request's session cookie names a sign-in that is still open (the account active)."""
    with app.request_context(environ):  # Flask's own reading of the signed session cookie
        user_id = session.get("_user_id")
        return isinstance(user_id, str) and load_account(user_id) is not None


def _close(server: socketio.Server, eio_sid: str | None, reason: str, environ: dict | None) -> None:
    """Refuse what a connection sent: count it, log it (a `socket_closed` security event), and close
    the connection.

    What a closed connection still sends is dropped unlogged (`on_message`), so this logs once for
    it; `eio_sid` is None where Engine.IO has not named the connection (a WebSocket frame).
    """
    refused_packets[reason] += 1
    environ = environ or server.environ.get(eio_sid) or {}
    security_event("socket_closed", reason=f"it sent {reason}", remote_addr=environ.get("REMOTE_ADDR", "?"))
    connection = server.eio.sockets.get(eio_sid) if eio_sid is not None else None
    if connection is not None:
        # Not Server.disconnect(): it waits until the client has read what is queued, which a
        # long-polling client that stops polling never does.
        connection.close(wait=False, reason=server.eio.reason.SERVER_DISCONNECT)


def install(app: Flask, server: socketio.Server) -> None:
    """Screen the handshakes and packets of a new Socket.IO server (create_app calls it)."""
    eio = server.eio
    accept, dispatch, forget = server._handle_eio_connect, server._handle_eio_message, server._handle_eio_disconnect

    def on_handshake(eio_sid: str, environ: dict):
        if not signed_in(app, environ):
            refused_packets["handshake without a sign-in"] += 1
            security_event("socket_refused", reason="no sign-in", remote_addr=environ.get("REMOTE_ADDR", "?"))
            return False  # Engine.IO answers 401 and keeps nothing
        return accept(eio_sid, environ)

    def on_message(eio_sid: str, data) -> None:
        connection = eio.sockets.get(eio_sid)
        if connection is not None and (connection.closing or connection.closed):
            refused_packets["sent after the connection was closed"] += 1
            return
        if problem := packets.socket_packet_problem(data):
            return _close(server, eio_sid, problem, None)
        try:
            dispatch(eio_sid, data)
        except Exception as exc:  # python-socketio's decoder: handlers answer their own failures
            return _close(server, eio_sid, f"an undecodable Socket.IO packet ({type(exc).__name__})", None)
        if _cut_after_answer:
            sid = server.manager.sid_from_eio_sid(eio_sid, NAMESPACE)
            if sid in _cut_after_answer:
                _cut_after_answer.discard(sid)
                _disconnect(server, sid)

    def on_gone(eio_sid: str, reason) -> None:
        sid = server.manager.sid_from_eio_sid(eio_sid, NAMESPACE)
        try:
            forget(eio_sid, reason)
        finally:
            _cut_after_answer.discard(sid)

    eio.on("connect", on_handshake)
    eio.on("message", on_message)
    eio.on("disconnect", on_gone)
    # Flask-SocketIO's test client hands packets to this method by name, so tests see the same screen.
    server._handle_eio_message = on_message
    _screen_websocket_frames(server)


def _screen_websocket_frames(server: socketio.Server) -> None:
    """Refuse undecodable Engine.IO frames on WebSocket connections before Engine.IO decodes them.

    Engine.IO decodes each frame outside any error handling: one it cannot decode ends the
    connection with a traceback in the server's log. Engine.IO has no hook there, so the async
    driver's WebSocket class (this server's copy of the table) is replaced by a subclass whose
    `wait()` screens each frame; a refused frame reads as the client having closed.
    """
    drivers = dict(server.eio._async)
    websocket_class = drivers.get("websocket")
    if websocket_class is None:
        return

    class ScreenedWebSocket(websocket_class):
        def __call__(self, environ, start_response):
            self.lms_environ = environ
            return super().__call__(environ, start_response)

        def wait(self):
            frame = super().wait()
            if isinstance(frame, str) and (problem := packets.engine_frame_problem(frame)):
                _close(server, None, problem, getattr(self, "lms_environ", None))
                return None
            return frame

    drivers["websocket"] = ScreenedWebSocket
    server.eio._async = drivers


def polling_screen(server: socketio.Server):
    """A WSGI screen for Socket.IO's path: refuse new connections while stopping, and a long-polling
    body Engine.IO could not decode.

    A stopping process (after SIGTERM, `lms.live.shutdown`) answers 503 to every request but those
    of a connection it still holds: a new connection's handshake, and the requests of a connection
    another process opened (its client's route still leads here). Its clients, handed over, come
    back at once, while gunicorn's worker still accepts for up to a second; the proxy must send
    them to another process (nginx: `proxy_next_upstream ... http_503`), not back to this one.
    An undecodable body: Engine.IO logs a traceback for each such request and keeps the connection;
    this answers 400, closes the connection and logs once. Returns a response, or None to let
    Engine.IO handle it.
    """

    def screen(environ: dict, start_response):
        eio_sid = (parse_qs(environ.get("QUERY_STRING", "")).get("sid") or [""])[0]
        connection = server.eio.sockets.get(eio_sid)
        if connection is None and stopping.is_set():
            start_response("503 SERVICE UNAVAILABLE", [("Content-Type", "text/plain"), ("Retry-After", "1")])
            return [b"stopping"]
        if environ.get("REQUEST_METHOD") != "POST":
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        # Engine.IO refuses an unknown session and an oversized body itself (logging each once).
        if connection is None or not 0 < length <= server.eio.max_http_buffer_size:
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        problem = packets.engine_payload_problem(body)
        if problem is None:
            return None
        if connection.closing or connection.closed:
            refused_packets["sent after the connection was closed"] += 1
        else:
            _close(server, eio_sid, problem, environ)
        start_response("400 BAD REQUEST", [("Content-Type", "text/plain")])
        return [b"refused"]

    return screen
