"""Completion reports (admins: everything; instructors: their classes) and learners' transcripts."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from lms.auth.account import signed_in_user_record
from lms.auth.decorators import roles_required
from lms.auth.models import Role, User
from lms.courses.access import load_class_for_staff
from lms.courses.models import ClassMode, CourseClass
from lms.csvfiles import CSV_FORMATS
from lms.database import utcnow
from lms.extensions import db
from lms.i18n import format_percentage
from lms.org.heads import answered_unit_ids
from lms.reports import queries
from lms.reports.charts import Bar, bar_chart
from lms.reports.export import csv_bytes, name_column, report_table, xlsx_bytes
from lms.reports.figures import (
    Report,
    ReportFilters,
    by_class,
    by_course,
    by_level,
    by_unit,
    parse_filters,
    percent,
)
from lms.responses import download

bp = Blueprint(
    "reports",
    __name__,
    url_prefix="/reports",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

KINDS = {
    "units": _l("By unit"),
    "classes": _l("By class"),
    "courses": _l("By course"),
    "levels": _l("By level"),
}
MODES = {
    ClassMode.ONLINE.value: _l("Online"),
    ClassMode.HYBRID.value: _l("Hybrid"),
    ClassMode.IN_PERSON.value: _l("In person"),
}
STAFF = (Role.ADMIN, Role.INSTRUCTOR)


@bp.get("/")
@roles_required(*STAFF)
def index():
    """The reports start with completion by unit."""
    return redirect(url_for("reports.report", kind="units", **_plain_args()))


def _plain_args() -> dict[str, str]:
    return {k: v[:40] for k, v in request.args.items() if k in ("from", "to", "mode", "course")}


def _build(kind: str, filters: ReportFilters, classes: list[CourseClass], unit_ids: set[int] | None) -> Report:
    places = queries.gather_places(classes)
    if unit_ids is not None:  # a head's report: their units' learners and units only
        places = [p for p in places if p.unit_id in unit_ids]
        return by_unit(places, [u for u in queries.unit_nodes() if u.id in unit_ids])
    if kind == "units":
        return by_unit(places, queries.unit_nodes())
    if kind == "classes":
        return by_class(places, [queries.class_info(c) for c in classes])
    if kind == "courses":
        return by_course(places, {c.course_id: c.course.title for c in classes})
    return by_level(places, [c.level or "" for c in classes])


def _chart(report: Report) -> object:
    bars = []
    for row in report.rows:
        counts = row.counts
        shown = format_percentage(percent(counts.rate), 0)
        bars.append(
            Bar(
                label=("· " * row.depth) + row.label,
                done=counts.completed,
                going=counts.in_progress,
                whole=counts.places,
                caption=f"{counts.completed}/{counts.places} · {shown}",
                spoken=_(
                    "%(done)d of %(places)d learner-places completed (%(rate)s), %(going)d in progress",
                    done=counts.completed,
                    places=counts.places,
                    rate=shown,
                    going=counts.in_progress,
                ),
            )
        )
    title = _("Completion %(what)s", what=str(KINDS[report.kind]).lower())
    legend = [("done", _("Completed")), ("going", _("In progress"))]
    return bar_chart(f"chart-{report.kind}", title, bars, legend=legend)


@bp.get("/<kind>")
@roles_required(*STAFF)
def report(kind: str):
    """One completion report with filters, a chart and a table; `format=csv|xlsx` downloads it."""
    if kind not in KINDS:
        abort(404)
    return _report_page(kind, KINDS, "reports.report", None)


@bp.get("/heads/<kind>")
@login_required
def heads_report(kind: str):
    """The by-unit report of a unit head: the learners of the units they head and of every unit
    below, in every class, with the same figures, chart and downloads as the admin's."""
    unit_ids = answered_unit_ids(current_user.id)
    if not unit_ids:
        abort(403)
    if kind != "units":
        abort(404)
    return _report_page(kind, {"units": KINDS["units"]}, "reports.heads_report", unit_ids)


def _report_page(kind: str, kinds: dict, endpoint: str, unit_ids: set[int] | None):
    parsed = parse_filters(request.args)
    courses = queries.course_choices(current_user, every=unit_ids is not None)
    if parsed.filters.course_id and parsed.filters.course_id not in {c.id for c in courses}:
        parsed.errors.append(_l("Choose a course from the list."))
    export = request.args.get("format", "")
    if export not in ("", "xlsx", *CSV_FORMATS):
        parsed.errors.append(_l("Choose CSV or XLSX to download."))
    # Links keep the filters in one order; a bad value is shown back as typed, to be corrected.
    args = _plain_args() if parsed.errors else parsed.filters.as_args()
    context = {
        "kind": kind,
        "kinds": kinds,
        "endpoint": endpoint,
        "heads_scope": unit_ids is not None,
        "modes": MODES,
        "courses": courses,
        "filters": parsed.filters,
        "args": args,
        "errors": parsed.errors,
    }
    if parsed.errors:
        return render_template("reports/report.html", report=None, **context), 400
    classes = queries.report_classes(current_user, parsed.filters, unit_ids)
    result = _build(kind, parsed.filters, classes, unit_ids)
    if export:
        return _download(result, export)
    return render_template(
        "reports/report.html", report=result, chart=_chart(result), class_count=len(classes), percent=percent, **context
    )


def _download(result: Report, export: str):
    table = report_table(result)
    stamp = utcnow().strftime("%Y%m%d")
    name = f"completion-{result.kind}-{stamp}.{export}"
    if export in CSV_FORMATS:
        body, mimetype = csv_bytes(table, CSV_FORMATS[export]), "text/csv; charset=utf-8"
        name = f"completion-{result.kind}-{stamp}.csv"
    else:
        body = xlsx_bytes(table, str(KINDS[result.kind]), name_column(result.kind))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return download(body, name, mimetype)


@bp.get("/classes/<int:class_id>")
@login_required
def class_detail(class_id: int):
    """One class's learners with their state and a link to each transcript (its instructors, admins)."""
    course_class = load_class_for_staff(class_id)
    return render_template(
        "reports/class.html", course_class=course_class, lines=queries.class_learners(course_class), modes=MODES
    )


@bp.get("/transcript")
@login_required
def my_transcript():
    """The current user's own transcript."""
    return _transcript_page(signed_in_user_record())


@bp.get("/transcript/<int:user_id>")
@login_required
def transcript(user_id: int):
    """A learner's transcript: admins see all of it, instructors their classes' parts, learners their own."""
    learner = db.get_or_404(User, user_id)
    return _transcript_page(learner)


def _transcript_page(learner: User):
    class_ids = queries.transcript_classes(current_user, learner)
    if class_ids is not None and not class_ids:
        abort(403)
    entries = queries.transcript(learner, class_ids)
    if class_ids is not None and not entries:  # an instructor asking about someone not in their classes
        abort(403)
    return render_template(
        "reports/transcript.html",
        learner=learner,
        entries=entries,
        verify_url=verify_url,
        modes=MODES,
        partial=class_ids is not None,
    )


def verify_url(code: str) -> str:
    """The public verification page of a certificate (the route's endpoint if there is one)."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule.startswith("/verify/<") and len(rule.arguments) == 1:
            try:
                return url_for(rule.endpoint, **{next(iter(rule.arguments)): code})
            except BuildError:
                break
    return "/verify/" + quote(code, safe="")
