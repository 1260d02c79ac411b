"""Recording progress from the module page, and a class's progress for its instructors."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from lms.courses.access import load_class_for_staff, load_class_for_viewer, load_module
from lms.database import utcnow, write_transaction
from lms.progress.service import class_overviews, mark_done, record_heartbeat
from lms.refusals import Refused, flash_refusal

bp = Blueprint("progress", __name__, template_folder="templates")
POSITION_RE = re.compile(r"^[A-Za-z0-9_-]{0,100}$")


def _learner_enrolment(class_id: int, slug: str):
    """The current learner's enrolment and the module; only enrolled learners record progress."""
    course_class, enrolment = load_class_for_viewer(class_id)
    module = load_module(course_class, slug)
    if enrolment is None:
        abort(403)
    return enrolment, module


@bp.post("/classes/<int:class_id>/modules/<slug>/done")
@login_required
def done(class_id: int, slug: str):
    """Mark a module as done (idempotent), then go on to the next one."""
    try:
        with write_transaction():
            enrolment, module = _learner_enrolment(class_id, slug)
            changed = mark_done(enrolment, module, utcnow())
    except Refused as refusal:  # too early: back to the module, told how long is left
        flash_refusal(refusal)
        return redirect(url_for("courses.module_page", class_id=class_id, slug=slug), 303)
    if changed:
        flash(_("“%(title)s” is done.", title=module.title), "success")
    target = request.form.get("next_slug", "")
    if target and POSITION_RE.match(target):
        return redirect(url_for("courses.module_page", class_id=class_id, slug=target), 303)
    return redirect(url_for("courses.class_page", class_id=class_id), 303)


@bp.post("/classes/<int:class_id>/modules/<slug>/ping")
@login_required
def ping(class_id: int, slug: str):
    """Heartbeat from an open module page: time spent and the section being read."""
    position = request.form.get("position", "")
    if not POSITION_RE.match(position):
        abort(400)
    with write_transaction():
        enrolment, module = _learner_enrolment(class_id, slug)
        cap = current_app.config["MODULE_TIME_CAP_SECONDS"]
        heartbeat = record_heartbeat(enrolment, module, utcnow(), position, cap)
    return heartbeat._asdict()


@bp.get("/classes/<int:class_id>/progress")
@login_required
def class_progress(class_id: int):
    """Every learner's progress in a class, least advanced first (instructors and admins)."""
    course_class = load_class_for_staff(class_id)
    return render_template(
        "progress/class_progress.html", course_class=course_class, overviews=class_overviews(course_class)
    )
