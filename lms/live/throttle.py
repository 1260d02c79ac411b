"""Per-connection limits of the live room, kept in this process's memory.

A connection lives on one process, so its counts can stay there: they guard against a runaway
client and spare the database repeated work, they are not room state (which stays in the
database). `Throttle` caps the events one connection sends per window; `StaleSweeps` notes when
this process last closed a session's silent presence stretches.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from flask import current_app

from lms.extensions import socketio

# Events one connection may send per EVENT_WINDOW_SECONDS, whatever they are (valid, refused or
# unknown): a client looping on an event costs no database work beyond this.
EVENT_BURST = 50
EVENT_WINDOW_SECONDS = 10.0
# A connection that joined a session as its instructor (or as an admin) gets a larger budget: a
# lecturer chatting, moving slides and running polls from one tab sends far more than a learner
# (20 lines a second is realistic in bursts). Still a limit: a runaway instructor page is cut too.
INSTRUCTOR_BURST = 600


def allowance(instructor: bool) -> int:
    """The events per window of a connection joined as instructor (or admin), or as learner."""
    return INSTRUCTOR_BURST if instructor else EVENT_BURST


class Throttle:
    """Per-connection event counts over a sliding window, in this process's memory."""

    def __init__(self, burst: int, window: float):
        self.burst, self.window = burst, window
        self.sent: dict[str, deque[float]] = {}
        self.budgets: dict[str, int] = {}  # connections with a budget other than `burst`
        self.lock = threading.Lock()

    def allow(self, sid: str) -> bool:
        """Count one more event of the connection; False when it is over its budget."""
        now = time.monotonic()
        with self.lock:
            times = self.sent.setdefault(sid, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.budgets.get(sid, self.burst):
                return False
            times.append(now)
            return True

    def set_budget(self, sid: str, burst: int) -> None:
        """Give one connection another number of events per window (the default: `burst`)."""
        with self.lock:
            if burst == self.burst:
                self.budgets.pop(sid, None)
            else:
                self.budgets[sid] = burst

    def forget(self, sid: str) -> None:
        """Drop a closed connection's counts."""
        with self.lock:
            self.sent.pop(sid, None)
            self.budgets.pop(sid, None)


throttle = Throttle(EVENT_BURST, EVENT_WINDOW_SECONDS)


class StaleSweeps:
    """When this process last closed each session's stale stretches (see `room.close_stale`).

    A sweep reads every open stretch of the room, so it runs at most once per heartbeat period
    per session, not on each of a class's hundreds of joins. Stretches become stale after three
    periods and are closed at their last heartbeat whenever the sweep comes, so attendance is the
    same; a crashed connection only stays listed up to one period longer. A new process sweeps
    on its first join. In memory, like the throttle: not room state.
    """

    def __init__(self):
        self.last: dict[tuple[object, int], float] = {}
        self.lock = threading.Lock()

    def due(self, session_id: int) -> bool:
        """True (and noted) when the session's last sweep here is a heartbeat period old or more."""
        key, now = (socketio.server, session_id), time.monotonic()
        with self.lock:
            if now - self.last.get(key, -math.inf) < current_app.config["LIVE_HEARTBEAT_SECONDS"]:
                return False
            self.last[key] = now
            return True


stale_sweeps = StaleSweeps()
