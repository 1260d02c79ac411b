"""Attendance edges: a reconnect exactly at the allowed gap, and windows of zero or one second.

Pure: no app, no database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lms.live.attendance import Presence, attendance_share, attended_seconds, merge_presence

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_gap_of_exactly_two_minutes_is_one_stretch():
    stretches = [Presence(at(0), at(10)), Presence(at(12), at(20))]
    assert merge_presence(stretches) == [(at(0), at(20))]
    assert attended_seconds(stretches, at(0), at(30)) == 20 * 60


def test_gap_just_over_two_minutes_is_two_stretches():
    stretches = [Presence(at(0), at(10)), Presence(at(12) + timedelta(seconds=1), at(20))]
    assert merge_presence(stretches) == [(at(0), at(10)), (at(12) + timedelta(seconds=1), at(20))]
    assert attended_seconds(stretches, at(0), at(30)) == 10 * 60 + 7 * 60 + 59  # the gap is not counted


def test_a_window_of_no_length_was_not_attended():
    assert attendance_share([Presence(at(0), at(5))], at(1), at(1)) == 0.0
    assert attendance_share([Presence(at(0), at(5))], at(2), at(1)) == 0.0


def test_a_one_second_window_fully_attended():
    window_end = T0 + timedelta(seconds=1)
    assert attendance_share([Presence(T0, at(5))], T0, window_end) == 1.0
