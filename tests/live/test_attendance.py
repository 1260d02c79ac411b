"""Attendance from presence stretches (pure)."""

from datetime import UTC, datetime, timedelta

from lms.live.attendance import Presence, Stretch, attendance_share, attended_seconds, merge_presence, stretches_text

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_short_reconnect_counts_as_present():
    stretches = [Presence(at(0), at(30)), Presence(at(31.5), at(60))]
    assert merge_presence(stretches) == [(at(0), at(60))]
    assert attended_seconds(stretches, at(0), at(60)) == 3600


def test_a_long_gap_is_absence():
    stretches = [Presence(at(0), at(30)), Presence(at(35), at(60))]
    assert merge_presence(stretches) == [(at(0), at(30)), (at(35), at(60))]
    assert attended_seconds(stretches, at(0), at(60)) == 55 * 60


def test_overlapping_stretches_from_two_devices_count_once():
    stretches = [Presence(at(0), at(40)), Presence(at(10), at(50))]
    assert attended_seconds(stretches, at(0), at(60)) == 50 * 60


def test_a_stretch_left_open_by_a_crash_ends_at_its_last_heartbeat():
    stretches = [Presence(at(0), None, last_heartbeat=at(20))]
    assert attended_seconds(stretches, at(0), at(60)) == 20 * 60
    assert attended_seconds([Presence(at(5), None)], at(0), at(60)) == 0


def test_only_time_inside_the_session_counts_and_the_share():
    stretches = [Presence(at(-15), at(30)), Presence(at(50), at(90))]
    assert attended_seconds(stretches, at(0), at(60)) == 40 * 60
    assert round(attendance_share(stretches, at(0), at(60)), 4) == round(40 / 60, 4)
    assert attendance_share([], at(0), at(60)) == 0.0


def test_stretches_are_listed_in_join_order_in_vietnam_time():
    start = datetime(2025, 3, 4, 1, 30, tzinfo=UTC)  # 08:30 in Vietnam
    listed = [
        Stretch(start + timedelta(minutes=50), start + timedelta(minutes=90), "in_person"),
        Stretch(start, start + timedelta(minutes=45), "online"),
        Stretch(start + timedelta(minutes=95), None, "online"),
    ]
    assert stretches_text(listed, start) == "08:30–09:15 (online); 09:20–10:00 (in_person); 10:05–… (online)"
    assert stretches_text([], start) == ""


def test_a_stretch_past_midnight_carries_its_date():
    start = datetime(2025, 3, 4, 16, 30, tzinfo=UTC)  # 23:30 on 4 March in Vietnam
    listed = [Stretch(start, start + timedelta(minutes=40), "online")]
    assert stretches_text(listed, start) == "23:30–05/03 00:10 (online)"
