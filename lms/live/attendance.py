"""Attendance as pure functions over presence intervals.

The room records when each learner joined and left (and the last heartbeat while connected);
these functions turn that into minutes and a share of the session. A gap of up to two minutes
between intervals (a reconnect on a bad link) counts as present; an interval a crash left open
ends at its last heartbeat; only the time inside the session's window counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lms.localtime import VIETNAM

RECONNECT_GAP = timedelta(minutes=2)


@dataclass(frozen=True)
class Presence:
    """One stretch of presence: joined, and left (or last heard of, when it was never closed)."""

    start: datetime
    end: datetime | None
    last_heartbeat: datetime | None = None

    def closed_end(self) -> datetime:
        """Where the stretch ends: when it was left, else at the last sign of life."""
        if self.end is not None:
            return self.end
        return self.last_heartbeat or self.start


@dataclass(frozen=True)
class Stretch:
    """One stretch as a report lists it: when it was joined and left (None: still open), and how."""

    joined: datetime
    left: datetime | None
    source: str


def stretches_text(stretches: Iterable[Stretch], session_start: datetime) -> str:
    """Each stretch as "08:30–09:15 (online)", in join order, joined by "; ", in Vietnam's time.

    A stretch still open (connected now, or left open by a crash) ends in "…". A time on another
    day than the session's start (a session past midnight) carries its date: "01/01 00:10".
    """
    day = session_start.astimezone(VIETNAM).date()

    def clock(moment: datetime) -> str:
        local = moment.astimezone(VIETNAM)
        return local.strftime("%H:%M") if local.date() == day else local.strftime("%d/%m %H:%M")

    return "; ".join(
        f"{clock(s.joined)}–{'…' if s.left is None else clock(s.left)} ({s.source})"
        for s in sorted(stretches, key=lambda s: (s.joined, s.left is None, s.left or s.joined, s.source))
    )


def merge_presence(stretches: Iterable[Presence], gap: timedelta = RECONNECT_GAP) -> list[tuple[datetime, datetime]]:
    """Merge overlapping stretches and those separated by at most `gap` into (start, end) pairs."""
    spans = sorted((p.start, max(p.start, p.closed_end())) for p in stretches)
    merged: list[list[datetime]] = []
    for start, end in spans:
        if merged and start - merged[-1][1] <= gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def attended_seconds(stretches: Iterable[Presence], window_start: datetime, window_end: datetime) -> int:
    """Seconds present within the session's window, reconnect gaps counted as present."""
    total = timedelta()
    for start, end in merge_presence(stretches):
        overlap = min(end, window_end) - max(start, window_start)
        if overlap > timedelta():
            total += overlap
    return int(total.total_seconds())


def attendance_share(stretches: Iterable[Presence], window_start: datetime, window_end: datetime) -> float:
    """The share of the session attended, from 0 to 1."""
    length = (window_end - window_start).total_seconds()
    return min(1.0, attended_seconds(stretches, window_start, window_end) / length) if length > 0 else 0.0
