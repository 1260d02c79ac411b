"""Presence changes batched per room: one `presence` broadcast per room per batch window.

A class arriving together would otherwise send one broadcast per arrival to everyone already in
the room (N joins, N²/2 deliveries). Here the first change of a room schedules a flush after
LIVE_PRESENCE_BATCH_SECONDS; the flush hands every change queued meanwhile to the room's delivery
(lms.live.events sends the staff and the learners each their `presence` event). A person appears
once per flush, with their last change: someone who joined and left within one window is only in
`left` (a page that never saw them ignores it), someone who left and came back is only in `joined`.

Changes are queued only after they are committed, and a `left` only when the person has no other
open stretch in the room (another tab or device keeps them present). The batches live in this
process's memory and each process flushes its own: with the Redis message queue the flush is
broadcast through it like any other event. Nothing here is room state: a page that missed a
flush (a reconnect) re-joins and draws the room from the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from lms.extensions import socketio

log = logging.getLogger(__name__)


Deliver = Callable[[int, list[dict], list[int]], None]  # (session id, joined, left ids)


class PresenceBatches:
    """Pending changes per (Socket.IO server, session): user id → person who joined, or None (left).

    Keyed by the server too, so a flush scheduled by one app (a test's) never lands in another's.
    """

    def __init__(self):
        self.pending: dict[tuple[object, int], dict[int, dict | None]] = {}
        self.delivery: dict[tuple[object, int], Deliver] = {}
        self.lock = threading.Lock()

    def add(self, session_id: int, user_id: int, person: dict | None, delay: float, deliver: Deliver) -> None:
        """Queue a change (person: {id, name, instructor} for a join, None for a leave).

        The room's first change schedules `deliver(session_id, joined, left)` `delay` seconds later.
        """
        key = (socketio.server, session_id)
        with self.lock:
            changes = self.pending.get(key)
            first = changes is None
            if first:
                changes = self.pending[key] = {}
                self.delivery[key] = deliver
            changes.pop(user_id, None)  # the order of the flush is the order of the last changes
            changes[user_id] = person
        if first:
            socketio.start_background_task(self._flush_later, key, delay)

    def _flush_later(self, key: tuple[object, int], delay: float) -> None:
        socketio.sleep(delay)
        try:
            self.flush(key)
        except Exception:  # a background task has nobody to answer: log, never raise
            log.exception("presence flush failed")

    def flush(self, key: tuple[object, int]) -> None:
        with self.lock:
            changes = self.pending.pop(key, None)
            deliver = self.delivery.pop(key, None)
        if not changes:
            return
        deliver(
            key[1],
            [p for p in changes.values() if p is not None],
            [user_id for user_id, p in changes.items() if p is None],
        )

    def flush_now(self, server: object) -> None:
        """Deliver every pending batch of one Socket.IO server at once (its app is shutting down)."""
        with self.lock:
            due = [key for key in self.pending if key[0] is server]
        for key in due:
            self.flush(key)


batches = PresenceBatches()
