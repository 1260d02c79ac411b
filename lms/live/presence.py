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

`ProcessOwners` is this process as the owner of the stretches its connections open: it records
itself when it accepts its first connection, closes at once the stretches of processes that are
gone (a restart's predecessor on this host), and then renews its record and sweeps again every
heartbeat period, so the count and the `left` events heal without waiting for anyone to join
(`lms.live.liveness` decides which processes are gone).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask

from lms.database import utcnow, write_transaction
from lms.extensions import socketio
from lms.live import room
from lms.live.liveness import ProcessRecord

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


# --- this process as the owner of its connections' stretches ------------------------------------

Departures = Callable[[list[tuple[int, int]]], None]  # (session id, user id) no longer present


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="ascii").strip()
    except OSError:
        return ""


def _pid_scope() -> str:
    """Where a pid means the same process: this kernel's boot and this pid namespace ("" if unknown)."""
    boot = _read("/proc/sys/kernel/random/boot_id")
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{boot} {namespace}" if boot and namespace else ""


def _started(pid: int) -> tuple[str, int] | None:
    """The process's state letter and start time (clock ticks after boot), from /proc; None if no such process."""
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    fields = stat.rpartition(")")[2].split()  # the command name, in parentheses, may hold spaces
    return fields[0], int(fields[19])


def running(pid: int, started: int | None) -> bool:
    """Whether the process `pid` that started at `started` still runs here (a zombie does not)."""
    found = _started(pid)
    if found is None:
        return False
    state, start = found
    return state not in ("Z", "X") and (started is None or start == started)


def this_process() -> ProcessRecord:
    """A new record for this process: a fresh id, so a restart is never taken for what it replaced."""
    pid = os.getpid()
    found = _started(pid) if _pid_scope() else None
    return ProcessRecord(secrets.token_hex(16), _pid_scope(), pid, found[1] if found else None, utcnow())


class ProcessOwners:
    """This process's record per Socket.IO server (tests make one app, and server, after another)."""

    def __init__(self):
        self.records: dict[object, ProcessRecord] = {}
        self.starting: set[tuple[object, int]] = set()  # (server, pid) whose start is under way
        # Held for dictionary work only, never across database work: under gevent another
        # greenlet of this process may be waiting for it.
        self.lock = threading.Lock()

    def owner_id(self) -> str | None:
        """The id the stretches opened now are recorded under (None until `start` has committed it)."""
        record = self.records.get(socketio.server)
        return record.id if record is not None and record.pid == os.getpid() else None

    def start(self, app: Flask, departures: Departures) -> None:
        """Record this process, close the stretches of processes that are gone, and keep it up.

        Done once per process (again after a fork), by its first connection before that one is
        accepted. Connections accepted meanwhile by other greenlets or threads open stretches
        without an owner (left to the heartbeat rule) rather than under an id not yet committed,
        which another process's sweep could take for a gone one. The stretches closed are handed
        to `departures` once committed, for the `presence` broadcast. If the database fails the
        connection is still accepted, and the next connection tries again.
        """
        server, pid = socketio.server, os.getpid()
        with self.lock:
            if self.owner_id() is not None or (server, pid) in self.starting:
                return
            self.starting.add((server, pid))
        record: ProcessRecord | None = this_process()
        try:
            gone = self._sweep(app, record)
        except Exception:  # a connection is never refused for this: log it, retry with the next
            log.exception("recording the live room's server process failed")
            record = None
        with self.lock:
            self.starting.discard((server, pid))
            if record is not None:
                self.records[server] = record
        if record is None:
            return
        departures(gone)
        socketio.start_background_task(self._keep_up, app, server, record, departures)

    def stop(self, server: object) -> None:
        """Forget the record of a server whose app is shutting down; its heartbeat ends at its next wake."""
        with self.lock:
            self.records.pop(server, None)

    @staticmethod
    def _sweep(app: Flask, record: ProcessRecord) -> list[tuple[int, int]]:
        stale_after = timedelta(seconds=3 * app.config["LIVE_HEARTBEAT_SECONDS"])
        with app.app_context(), write_transaction():
            now = utcnow()
            room.process_seen(record, now)
            return room.close_orphaned(record, now, stale_after, running)

    def _keep_up(self, app: Flask, server: object, record: ProcessRecord, departures: Departures) -> None:
        """Every heartbeat period: renew this process's record, and close what gone processes left."""
        while True:
            socketio.sleep(app.config["LIVE_HEARTBEAT_SECONDS"])
            if self.records.get(server) is not record:
                return
            try:
                gone = self._sweep(app, record)
                with app.app_context():
                    departures(gone)
            except Exception:  # a background task has nobody to answer: log, try again next period
                log.exception("presence sweep failed")


owners = ProcessOwners()
