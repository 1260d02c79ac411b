"""Scheduling sessions, the session page, and calendar files (per session and a per-user feed)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.audit.models import record_audit
from lms.auth.account import signed_in_user_record
from lms.auth.models import User
from lms.courses.access import load_class_for_viewer, may_manage_class
from lms.courses.service import active_enrolment
from lms.csvfiles import csv_for_excel
from lms.database import begin_write, utcnow
from lms.extensions import db, limiter
from lms.live.calendar import session_calendar
from lms.live.checkin import checkin_code, code_is_valid, seconds_left
from lms.live.models import AttendanceInterval, AttendanceOverride, LiveSession, PresenceSource
from lms.live.report import attendance_rows
from lms.live.schedule import read_session_form
from lms.live.service import upcoming_sessions, visible_class_ids

bp = Blueprint("live", __name__, template_folder="templates")

FIELD_ERRORS = {
    "title": lambda: _("Give the session a title (at most 300 characters)."),
    "past": lambda: _("The start is in the past."),
    "format": lambda: _("Enter the start as a date and time."),
    "duration": lambda: _("The duration is in minutes, from 5 to 480."),
    "url": lambda: _("The meeting link must be a web address starting with https://."),
    "threshold": lambda: _("The share of the session to attend is a percentage from 1 to 100."),
    "module": lambda: _("Choose one of this course's modules for the slides."),
}


def _session_for_viewer(session_id: int) -> LiveSession:
    session = db.session.get(LiveSession, session_id) or abort(404)
    load_class_for_viewer(session.class_id)  # 403 unless a member of the class
    return session


def _session_url(session: LiveSession) -> str:
    return url_for("live.session_page", session_id=session.id, _external=True)


@bp.route("/classes/<int:class_id>/sessions/new", methods=["GET", "POST"])
@login_required
def schedule(class_id: int):
    """Schedule a live session of a class (its instructors and admins)."""
    course_class, _enrolment = load_class_for_viewer(class_id)
    if not may_manage_class(current_user, course_class):
        abort(403)
    modules = course_class.course.active_modules
    errors: dict[str, str] = {}
    if request.method == "POST":
        form, errors = read_session_form(request.form.to_dict(), {m.id for m in modules}, utcnow())
        if form is not None:
            begin_write()
            session = LiveSession(
                class_id=class_id,
                title=form.title,
                starts_at=form.starts_at,
                duration_minutes=form.duration_minutes,
                video_url=form.video_url,
                attendance_required=form.attendance_required,
                attendance_threshold=form.attendance_threshold,
                slides_module_id=form.slides_module_id,
                created_by_id=current_user.id,
            )
            db.session.add(session)
            db.session.flush()
            record_audit(current_user.id, "session.schedule", f"session:{session.id}", class_id=class_id)
            db.session.commit()
            flash(_("The session is scheduled."), "success")
            return redirect(url_for("live.session_page", session_id=session.id), 303)
    return render_template(
        "live/schedule.html",
        course_class=course_class,
        modules=modules,
        values=request.form,
        errors={field: FIELD_ERRORS[code]() for field, code in errors.items()},
    ), 400 if errors else 200


@bp.get("/sessions/<int:session_id>")
@login_required
def session_page(session_id: int):
    """A session's details: when, where to join, whether attendance counts."""
    session = _session_for_viewer(session_id)
    return render_template(
        "live/session.html", session=session, manages=may_manage_class(current_user, session.course_class)
    )


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(session_id: int):
    """Attendance of every learner (instructors): minutes, share, source; mark present or absent."""
    session = _session_for_viewer(session_id)
    if not may_manage_class(current_user, session.course_class):
        abort(403)
    error = None
    if request.method == "POST":
        begin_write()
        learner_id = request.form.get("user_id", "")
        reason = " ".join(request.form.get("reason", "").split())[:500]
        present = request.form.get("present")
        enrolled = {r.enrolment.user_id for r in attendance_rows(session)}
        if not learner_id.isdigit() or int(learner_id) not in enrolled or present not in ("1", "0"):
            abort(400)
        if not reason:
            error = _("Give a reason for marking someone present or absent.")
            db.session.rollback()
        else:
            ruling = db.session.scalar(
                select(AttendanceOverride).where(
                    AttendanceOverride.session_id == session.id, AttendanceOverride.user_id == int(learner_id)
                )
            )
            marker_id = current_user.id
            if ruling is None:
                ruling = AttendanceOverride(session_id=session.id, user_id=int(learner_id))
            ruling.present, ruling.reason, ruling.marked_by_id, ruling.marked_at = (
                present == "1",
                reason,
                marker_id,
                utcnow(),
            )
            db.session.add(ruling)
            record_audit(
                current_user.id,
                "attendance.mark",
                f"session:{session.id}",
                user_id=int(learner_id),
                present=present == "1",
                reason=reason,
            )
            db.session.commit()
            flash(_("Attendance updated."), "success")
            return redirect(url_for("live.attendance", session_id=session.id), 303)
    rows = attendance_rows(session)
    if request.args.get("format") == "csv":
        body = csv_for_excel(
            ["username", "full_name", "unit", "minutes_present", "share_percent", "sources", "ruling", "reason"],
            (
                [
                    r.enrolment.user.username,
                    r.enrolment.user.full_name,
                    r.enrolment.user.unit.name if r.enrolment.user.unit else "",
                    r.seconds // 60,
                    round(r.share * 100),
                    " ".join(r.sources),
                    "" if r.override is None else ("present" if r.override.present else "absent"),
                    r.override.reason if r.override else "",
                ]
                for r in rows
            ),
        )
        return (
            body,
            200,
            {
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="attendance-{session.id}.csv"',
            },
        )
    return render_template("live/attendance.html", session=session, rows=rows, error=error), 400 if error else 200


CHECKIN_OPENS = timedelta(minutes=15)


@bp.get("/sessions/<int:session_id>/checkin-code")
@login_required
def checkin_code_page(session_id: int):
    """The code to show on the room's screen (instructors); the page refreshes itself."""
    session = _session_for_viewer(session_id)
    if not may_manage_class(current_user, session.course_class):
        abort(403)
    now = utcnow()
    return render_template(
        "live/checkin_code.html",
        session=session,
        refresh=seconds_left(now),
        code=checkin_code(current_app.config["SECRET_KEY"], session.id, now),
    )


@bp.post("/sessions/<int:session_id>/checkin")
@login_required
@limiter.limit("10 per minute")
def checkin(session_id: int):
    """A learner in the room enters the code shown there; counted as present from now to the end."""
    session = _session_for_viewer(session_id)
    enrolment = active_enrolment(current_user, session.course_class)
    now = utcnow()
    if enrolment is None:
        abort(403)
    if not session.starts_at - CHECKIN_OPENS <= now <= session.ends_at:
        flash(_("Check-in is open from 15 minutes before the session until its end."), "error")
    elif not code_is_valid(current_app.config["SECRET_KEY"], session.id, request.form.get("code", ""), now):
        flash(_("That code is not the one shown in the room now. Check it and try again."), "error")
    else:
        begin_write()
        already = db.session.scalar(
            select(AttendanceInterval).where(
                AttendanceInterval.session_id == session.id,
                AttendanceInterval.user_id == current_user.id,
                AttendanceInterval.source == PresenceSource.IN_PERSON,
            )
        )
        if already is None:
            db.session.add(
                AttendanceInterval(
                    session_id=session.id,
                    user_id=current_user.id,
                    source=PresenceSource.IN_PERSON,
                    joined_at=max(now, session.starts_at),
                    left_at=session.ends_at,
                )
            )
        db.session.commit()
        flash(_("You are checked in."), "success")
        return redirect(url_for("live.session_page", session_id=session.id), 303)
    return redirect(url_for("live.session_page", session_id=session.id), 303)


@bp.get("/sessions/<int:session_id>/room")
@login_required
def room_page(session_id: int):
    """The live room: chat, questions, hands, polls and slides, kept live over Socket.IO."""
    session = _session_for_viewer(session_id)
    return render_template(
        "live/room.html", session=session, manages=may_manage_class(current_user, session.course_class)
    )


@bp.get("/sessions/<int:session_id>.ics")
@login_required
def session_ics(session_id: int):
    """One session as a calendar file."""
    session = _session_for_viewer(session_id)
    body = session_calendar([session], _session_url, session.title, request.host)
    return (
        body,
        200,
        {
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": f'attachment; filename="session-{session.id}.ics"',
        },
    )


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """Every session of the token owner's classes; the secret token stands in for a login."""
    user = db.session.scalar(select(User).where(User.calendar_token == token)) if len(token) >= 32 else None
    if user is None or not user.active:
        abort(404)
    sessions = db.session.scalars(
        select(LiveSession).where(LiveSession.class_id.in_(visible_class_ids(user))).order_by(LiveSession.starts_at)
    ).all()
    body = session_calendar(sessions, _session_url, _("Live sessions"), request.host)
    return body, 200, {"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "private, max-age=900"}


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
def calendar_settings():
    """Show the user's calendar feed address; make a new one, which revokes the old."""
    if request.method == "POST":
        begin_write()
        signed_in_user_record().calendar_token = (
            secrets.token_urlsafe(32) if request.form.get("action") != "revoke" else None
        )
        db.session.commit()
        flash(_("Your calendar address has changed; the old one no longer works."), "success")
        return redirect(url_for("live.calendar_settings"), 303)
    feed = (
        url_for("live.calendar_feed", token=current_user.calendar_token, _external=True)
        if current_user.calendar_token
        else None
    )
    return render_template("live/calendar.html", feed=feed, sessions=upcoming_sessions(current_user, 20))
