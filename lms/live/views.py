"""Scheduling, editing, rescheduling and cancelling sessions, the session page, attendance,
check-in, and calendar files (per session and a per-user feed). Thin: each view reads its input,
calls `lms.live.service` inside `write_transaction()`, and shows a refusal on the form or as a
flash."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from lms.courses.access import load_class_for_staff, load_class_for_viewer, may_manage_class
from lms.csvfiles import CSV_FORMATS, csv_for_excel
from lms.database import utcnow, write_transaction
from lms.extensions import db, limiter
from lms.live import service
from lms.live.attendance import stretches_text
from lms.live.calendar import session_calendar, uid_domain
from lms.live.checkin import checkin_code, seconds_left
from lms.live.events import announce_cancelled
from lms.live.models import LiveSession, SessionState
from lms.live.report import attendance_rows
from lms.live.schedule import TIME_FIELDS, form_values
from lms.paging import page_number, page_of
from lms.refusals import Refused, flash_refusal
from lms.responses import download
from lms.text import whole_number

bp = Blueprint("live", __name__, template_folder="templates")


def _session_for_viewer(session_id: int) -> LiveSession:
    """The session, for a member of its class (404 if missing, 403 for anyone else)."""
    session = db.get_or_404(LiveSession, session_id)
    load_class_for_viewer(session.class_id)
    return session


def _session_for_staff(session_id: int) -> LiveSession:
    """The session, for its class's instructors and admins (404 if missing, 403 for anyone else)."""
    session = db.get_or_404(LiveSession, session_id)
    load_class_for_staff(session.class_id)
    return session


def _session_url(session: LiveSession) -> str:
    return url_for("live.session_page", session_id=session.id, _external=True)


@bp.route("/classes/<int:class_id>/sessions/new", methods=["GET", "POST"])
@login_required
def schedule(class_id: int):
    """Schedule a live session of a class (its instructors and admins)."""
    course_class = load_class_for_staff(class_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        start_now = request.form.get("when") == "now"  # "Open now": an impromptu session, live at once
        try:
            with write_transaction():
                session = service.schedule_session(
                    course_class, request.form.to_dict(), current_user.id, utcnow(), start_now=start_now
                )
        except Refused as refusal:
            errors = refusal.by_field()
        else:
            if start_now:
                flash(_("The session is open: it started now."), "success")
                return redirect(url_for("live.room_page", session_id=session.id), 303)
            flash(_("The session is scheduled."), "success")
            return redirect(url_for("live.session_page", session_id=session.id), 303)
    return render_template(
        "live/schedule.html",
        course_class=course_class,
        modules=course_class.course.active_modules,
        values=request.form,
        errors=errors,
    ), 400 if errors else 200


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id: int):
    """Change or reschedule a session, or cancel it (the class's instructors and admins)."""
    session = _session_for_staff(session_id)
    values, errors, status = form_values(service.session_values(session)), {}, 200
    if request.method == "POST":
        values = request.form
        try:
            with write_transaction():
                session = _session_for_staff(session_id)  # read again inside the write
                changed = service.edit_session(session, request.form.to_dict(), current_user.id, utcnow())
        except Refused as refusal:
            errors, status = refusal.by_field(), refusal.status
            session = _session_for_staff(session_id)
        else:
            if not changed:
                flash(_("Nothing was changed."), "info")
            elif set(TIME_FIELDS) & set(changed):
                flash(_("The session is rescheduled; calendars that subscribe will show the new time."), "success")
            else:
                flash(_("The session is changed."), "success")
            return redirect(url_for("live.session_page", session_id=session.id), 303)
    return render_template(
        "live/edit.html",
        session=session,
        course_class=session.course_class,
        modules=session.course_class.course.active_modules,
        values=values,
        errors=errors,
    ), status


@bp.post("/sessions/<int:session_id>/cancel")
@login_required
def cancel(session_id: int):
    """Cancel a session (the class's instructors and admins); its room is told and closed."""
    _session_for_staff(session_id)
    try:
        with write_transaction():
            session = _session_for_staff(session_id)
            service.cancel_session(session, request.form.get("reason", ""), current_user.id, utcnow())
    except Refused as refusal:
        flash_refusal(refusal)
    else:
        announce_cancelled(session.id, session.cancel_reason)
        flash(_("The session is cancelled. Its learners are told on their home page."), "success")
    return redirect(url_for("live.session_page", session_id=session_id), 303)


@bp.get("/sessions/<int:session_id>")
@login_required
def session_page(session_id: int):
    """A session's details: when, where to join, whether attendance counts."""
    session = _session_for_viewer(session_id)
    return render_template(
        "live/session.html",
        session=session,
        manages=may_manage_class(current_user, session.course_class),
        changeable=session.state not in (SessionState.ENDED, SessionState.CANCELLED),
    )


ATTENDANCE_CSV_COLUMNS = [
    "username",
    "full_name",
    "unit",
    "minutes_present",
    "share_percent",
    "sources",
    "ruling",
    "reason",
    "stretches",  # each presence stretch, "08:30–09:15 (online); …" in Vietnam's time
]


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(session_id: int):
    """Attendance of every learner (instructors): minutes, share, source; mark present or absent."""
    session = _session_for_staff(session_id)
    error = None
    if request.method == "POST":
        learner_id, present = whole_number(request.form.get("user_id", ""), minimum=1), request.form.get("present")
        if learner_id is None or present not in ("1", "0"):
            abort(400)
        try:
            with write_transaction():
                service.mark_attendance(
                    session, learner_id, present == "1", request.form.get("reason", ""), current_user.id, utcnow()
                )
        except Refused as refusal:
            if refusal.code == "not_listed":  # not a row the page offers: a malformed request, like a bad id
                abort(400)
            error = " ".join(refusal.messages())
        else:
            flash(_("Attendance updated."), "success")
            page = page_number()  # back to the page the instructor was on
            return redirect(url_for("live.attendance", session_id=session.id, page=page if page > 1 else None), 303)
    rows = attendance_rows(session)
    delimiter = CSV_FORMATS.get(request.args.get("format", ""))
    if delimiter:
        body = csv_for_excel(
            ATTENDANCE_CSV_COLUMNS,
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
                    stretches_text(r.stretches, session.starts_at),
                ]
                for r in rows
            ),
            delimiter,
        )
        return download(body, f"attendance-{session.id}.csv", "text/csv")
    page = page_of(rows, page_number())
    return render_template("live/attendance.html", session=session, page=page, error=error), 400 if error else 200


@bp.get("/sessions/<int:session_id>/checkin-code")
@login_required
def checkin_code_page(session_id: int):
    """The code to show on the room's screen (instructors); its script asks for the next one (`?format=json`)."""
    session = _session_for_staff(session_id)
    now = utcnow()
    code, left = checkin_code(current_app.config["SECRET_KEY"], session.id, now), seconds_left(now)
    if request.args.get("format") == "json":
        response = jsonify(code=code, seconds_left=left)
        response.headers["Cache-Control"] = "no-store"  # a code a minute old is useless
        return response
    return render_template("live/checkin_code.html", session=session, seconds_left=left, code=code)


@bp.post("/sessions/<int:session_id>/checkin")
@login_required
@limiter.limit(
    lambda: current_app.config["CHECKIN_LIMIT_PER_LEARNER"],
    key_func=lambda: f"learner:{current_user.id}",
    error_message=_l("Too many check-in attempts. Please wait a minute and try again."),
)
def checkin(session_id: int):
    """A learner in the room enters the code shown there; counted as present from now to the end."""
    session = db.get_or_404(LiveSession, session_id)
    _course_class, enrolment = load_class_for_viewer(session.class_id)
    if enrolment is None:
        abort(403)
    try:
        with write_transaction():
            service.check_in(
                session, current_user.id, request.form.get("code", ""), current_app.config["SECRET_KEY"], utcnow()
            )
    except Refused as refusal:
        flash_refusal(refusal)
    else:
        flash(_("You are checked in."), "success")
    return redirect(url_for("live.session_page", session_id=session.id), 303)


@bp.get("/sessions/<int:session_id>/room")
@login_required
def room_page(session_id: int):
    """The live room: chat, questions, hands, polls and slides, kept live over Socket.IO."""
    session = _session_for_viewer(session_id)
    return render_template(
        "live/room.html",
        session=session,
        manages=may_manage_class(current_user, session.course_class),
        read_only=session.state in (SessionState.ENDED, SessionState.CANCELLED),
    )


@bp.get("/sessions/<int:session_id>.ics")
@login_required
def session_ics(session_id: int):
    """One session as a calendar file."""
    session = _session_for_viewer(session_id)
    body = session_calendar([session], _session_url, session.title, uid_domain(current_app.config))
    return download(body, f"session-{session.id}.ics", "text/calendar")


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """Every session of the token owner's classes; the secret token stands in for a login."""
    user = service.calendar_owner(token)
    if user is None:
        abort(404)
    body = session_calendar(
        service.feed_sessions(user), _session_url, _("Live sessions"), uid_domain(current_app.config)
    )
    return body, 200, {"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "private, max-age=900"}


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
def calendar_settings():
    """Show the user's calendar feed address; make a new one, which revokes the old."""
    if request.method == "POST":
        revoke = request.form.get("action") == "revoke"
        had_one = current_user.calendar_token is not None
        with write_transaction():
            service.renew_calendar_token(current_user.id, revoke=revoke)
        if revoke:
            message = _("Your calendar address is turned off; calendars subscribed to it no longer update.")
        elif had_one:
            message = _("Your calendar address has changed; the old one no longer works.")
        else:
            message = _("Your calendar address is ready: copy it into your calendar app.")
        flash(message, "success")
        return redirect(url_for("live.calendar_settings"), 303)
    feed = (
        url_for("live.calendar_feed", token=current_user.calendar_token, _external=True)
        if current_user.calendar_token
        else None
    )
    return render_template("live/calendar.html", feed=feed, sessions=service.upcoming_sessions(current_user, 20))
