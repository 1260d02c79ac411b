"""`flask sessions create|list|edit|cancel`: the page's rules from the command line.

Every refusal prints one clear line naming the option it is about (no file, no line number, no
traceback), exits with status 1, and writes nothing; every change is audited with no actor.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.database import utcnow
from lms.extensions import db
from lms.live.models import LiveSession, SessionState
from lms.live.schedule import utc_to_local_input
from tests.refusals import nothing_written


def local(moment) -> str:
    """A time as the command takes it: Vietnam's, "YYYY-MM-DD HH:MM"."""
    return utc_to_local_input(moment).replace("T", " ")


def in_days(days: float):
    return utcnow().replace(second=0, microsecond=0) + timedelta(days=days)


def audit_rows() -> list[tuple]:
    db.session.commit()
    return [
        (r.actor_id, r.action, r.target, r.details)
        for r in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("session.%")).order_by(AuditEvent.id)
        )
    ]


def only_session() -> LiveSession:
    db.session.commit()
    return db.session.scalars(select(LiveSession)).one()


CREATE = ["sessions", "create", "--class", "LOP-1", "--title", "Buổi 3: Số hóa hồ sơ"]


def test_create_schedules_a_session_in_vietnam_time(world, runner):
    start = in_days(3)
    result = runner.invoke(args=[*CREATE, "--starts", local(start), "--attendance", "counts", "--duration", "60"])
    assert result.exit_code == 0, result.output
    session = only_session()
    assert (session.starts_at, session.duration_minutes, session.attendance_required, session.state) == (
        start,
        60,
        True,
        "scheduled",
    )
    assert result.output == (
        f"Scheduled: {session.id}\tLOP-1\t{local(start)}\t60 min\tscheduled\tattendance counts\tsequence 0\t"
        "Buổi 3: Số hóa hồ sơ\n"
    )
    assert audit_rows() == [(None, "session.schedule", f"session:{session.id}", {"class_id": world.course_class.id})]


def test_create_now_opens_a_live_session(world, runner):
    result = runner.invoke(args=[*CREATE, "--now", "--attendance", "optional", "--slides", "thu-tuc"])
    assert result.exit_code == 0, result.output
    session = only_session()
    assert (session.state, session.attendance_required, session.slides_module.slug) == ("live", False, "thu-tuc")
    assert session.starts_at <= utcnow() and result.output.startswith("Opened: ")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--starts", "2020-01-01 08:00", "--attendance", "counts"], "--starts: The start is in the past."),
        (["--starts", "mai lúc 8 giờ", "--attendance", "counts"], "--starts: Enter the start as a date and time."),
        (["--attendance", "counts"], "Give either a start (--starts) or --now."),
        (
            ["--now", "--starts", "2030-01-01 08:00", "--attendance", "counts"],
            "Give either a start (--starts) or --now.",
        ),
        (
            ["--now", "--attendance", "counts", "--duration", "600"],
            "--duration: The duration is in minutes, from 5 to 480.",
        ),
        (
            ["--now", "--attendance", "counts", "--link", "http://meet.example.vn"],
            "--link: The meeting link must be a web address starting with https://.",
        ),
        (["--now", "--attendance", "counts", "--slides", "khong-co"], "--slides: The course has no module khong-co."),
    ],
)
def test_create_refusals_are_one_clear_line(world, runner, extra, message):
    with nothing_written():
        result = runner.invoke(args=[*CREATE, *extra])
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"


def test_create_in_an_unknown_class_is_refused(world, runner):
    with nothing_written():
        result = runner.invoke(
            args=["sessions", "create", "--class", "LOP-9", "--title", "X", "--now", "--attendance", "counts"]
        )
    assert (result.exit_code, result.output) == (1, "Error: --class: There is no class with the code LOP-9.\n")


def test_the_attendance_choice_has_no_default(world, runner):
    with nothing_written():
        result = runner.invoke(args=[*CREATE, "--now"])
    assert result.exit_code == 2 and "Missing option '--attendance'" in result.output


def test_list_prints_the_sessions_in_time_order(world, runner):
    later, sooner = in_days(5), in_days(2)
    for start, title in ((later, "Sau"), (sooner, "Trước")):
        runner.invoke(
            args=[
                "sessions",
                "create",
                "--class",
                "LOP-1",
                "--title",
                title,
                "--starts",
                local(start),
                "--attendance",
                "counts",
            ]
        )
    result = runner.invoke(args=["sessions", "list", "--class", "LOP-1"])
    assert result.exit_code == 0
    assert [line.split("\t")[-1] for line in result.output.splitlines()] == ["Trước", "Sau"]
    assert runner.invoke(args=["sessions", "list", "--class", "LOP-2"]).output == ""


def test_edit_reschedules_and_changes_only_what_is_given(world, runner):
    runner.invoke(
        args=[*CREATE, "--starts", local(in_days(3)), "--attendance", "counts", "--link", "https://meet.example.vn/a"]
    )
    session = only_session()
    new_start = in_days(4)
    result = runner.invoke(args=["sessions", "edit", str(session.id), "--starts", local(new_start)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Changed starts_at: {session.id}\tLOP-1\t{local(new_start)}\t90 min")
    session = only_session()
    assert (session.starts_at, session.sequence, session.video_url) == (new_start, 1, "https://meet.example.vn/a")
    assert audit_rows()[-1][:2] == (None, "session.reschedule")
    result = runner.invoke(args=["sessions", "edit", str(session.id), "--title", "Buổi 3 (đổi tên)", "--link", ""])
    assert result.output.startswith("Changed title, video_url: ")
    assert (only_session().sequence, only_session().video_url) == (1, "")
    assert runner.invoke(args=["sessions", "edit", str(session.id)]).output.startswith("Nothing changed: ")


def test_edit_refusals(world, runner):
    runner.invoke(args=[*CREATE, "--starts", local(in_days(3)), "--attendance", "counts"])
    session = only_session()
    with nothing_written():
        past = runner.invoke(args=["sessions", "edit", str(session.id), "--starts", local(in_days(-1))])
        missing = runner.invoke(args=["sessions", "edit", "999999", "--title", "X"])
    assert (past.exit_code, past.output) == (1, "Error: --starts: The start is in the past.\n")
    assert (missing.exit_code, missing.output) == (1, "Error: There is no session 999999.\n")


def test_cancel_once_then_refused(world, runner):
    runner.invoke(args=[*CREATE, "--starts", local(in_days(3)), "--attendance", "counts"])
    session = only_session()
    result = runner.invoke(args=["sessions", "cancel", str(session.id), "--reason", "Trùng lịch họp HĐND"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Cancelled: {session.id}\t") and "\tcancelled\t" in result.output
    cancelled = only_session()
    assert (cancelled.state, cancelled.sequence, cancelled.cancel_reason) == (
        SessionState.CANCELLED,
        1,
        "Trùng lịch họp HĐND",
    )
    rows = audit_rows()
    assert rows[-1] == (
        None,
        "session.cancel",
        f"session:{session.id}",
        {"reason": "Trùng lịch họp HĐND", "sequence": 1},
    )
    with nothing_written():
        again = runner.invoke(args=["sessions", "cancel", str(session.id)])
        edit = runner.invoke(args=["sessions", "edit", str(session.id), "--title", "Y"])
    assert (again.exit_code, again.output) == (1, "Error: This session is already cancelled.\n")
    assert (edit.exit_code, edit.output) == (1, "Error: This session is cancelled; it can no longer be changed.\n")
    assert audit_rows() == rows


def test_an_ended_session_cannot_be_cancelled_from_the_command_line(world, runner):
    runner.invoke(args=[*CREATE, "--now", "--attendance", "counts"])
    session = only_session()
    session.state = SessionState.ENDED
    db.session.commit()
    with nothing_written():
        result = runner.invoke(args=["sessions", "cancel", str(session.id)])
    assert (result.exit_code, result.output) == (1, "Error: This session has ended; it can no longer be cancelled.\n")
