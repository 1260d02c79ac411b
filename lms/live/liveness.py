"""Whether a server process of the live room is gone: the rule that lets presence heal by itself.

Every process serving the room records itself when it starts (`RoomProcess`): an id new at each
start, where its pid means something (`pid_scope`), its pid and the kernel's start time of that
pid, and a heartbeat (`seen_at`) it renews every heartbeat period. Each open online presence
stretch names the process holding its connection. A process that crashes or is killed never
sees its connections close, so the processes still running (and its successor, as soon as it
starts) close those stretches for it. This module only decides which records are gone, from
plain values; `lms.live.room` reads and writes them, `lms.live.presence` runs the heartbeat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

# (pid, the kernel's start time of that pid or None) → whether that very process still runs.
Running = Callable[[int, int | None], bool]


@dataclass(frozen=True)
class ProcessRecord:
    """A server process as recorded in `room_processes`."""

    id: str
    pid_scope: str  # "" when unknown: the pid is then never checked, only the heartbeat
    pid: int
    pid_started: int | None
    seen_at: datetime


def gone(other: ProcessRecord, me: ProcessRecord, now: datetime, stale_after: timedelta, running: Running) -> bool:
    """Whether `other` no longer serves the room, as `me` can tell.

    Silent for `stale_after` (three heartbeat periods): gone, wherever it ran. In the same pid
    scope (same kernel boot, same pid namespace) it is also gone as soon as its pid no longer
    runs the process it recorded, or is `me`'s own pid: a restarted container hands out the same
    pids again, and two records can never share a live process. Elsewhere a pid says nothing, so
    only the heartbeat counts: two hosts sharing a database never close each other's stretches
    while both are alive.
    """
    if other.id == me.id:
        return False
    if other.seen_at <= now - stale_after:
        return True
    if not other.pid_scope or other.pid_scope != me.pid_scope:
        return False
    if other.pid == me.pid:
        return True
    return not running(other.pid, other.pid_started)
