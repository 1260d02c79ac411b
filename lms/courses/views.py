"""The class catalogue, class pages, module pages and course assets."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from lms.auth.account import signed_in_user_record
from lms.certificates.service import valid_certificate
from lms.content.render import with_module_links
from lms.courses.access import load_class_for_viewer, load_module_page, may_manage_class
from lms.courses.models import Course, CourseAsset, CourseClass
from lms.courses.service import open_classes, self_enrol
from lms.database import write_transaction
from lms.extensions import db
from lms.live.service import class_sessions
from lms.progress.service import EnrolmentRecords, overview, records_for
from lms.quizzes.attempts import active_quizzes
from lms.responses import download

bp = Blueprint("courses", __name__, template_folder="templates")


def _today() -> date:
    return date.today()


@bp.app_template_filter("module_links_in_class")
def module_links_in_class(module_html: str, class_id: int) -> Markup:
    """A module's (sanitized) HTML shown outside its page, its links to other modules pointing at this class's pages."""
    return Markup(  # noqa: S704 - sanitized at sync time (lms.content.render); only hrefs to our own pages change
        with_module_links(module_html, lambda slug: url_for("courses.module_page", class_id=class_id, slug=slug))
    )


@bp.get("/classes")
@login_required
def catalogue():
    """Classes open to self-enrolment."""
    return render_template("courses/catalogue.html", classes=open_classes(current_user, _today()))


@bp.post("/classes/<int:class_id>/enrol")
@login_required
def enrol(class_id: int):
    """Enrol the current learner in an open class."""
    with write_transaction():
        course_class = db.get_or_404(CourseClass, class_id)
        added = self_enrol(signed_in_user_record(), course_class, _today())
    if added:
        flash(_("You are enrolled in %(name)s.", name=course_class.name), "success")
    return redirect(url_for("courses.class_page", class_id=class_id), 303)


@bp.get("/classes/<int:class_id>")
@login_required
def class_page(class_id: int):
    """A class: its course's modules and the viewer's state in each."""
    course_class, enrolment = load_class_for_viewer(class_id)
    quizzes = active_quizzes(course_class.course_id)
    records = records_for([enrolment], quizzes)[enrolment.id] if enrolment else EnrolmentRecords()
    return render_template(
        "courses/class.html",
        course_class=course_class,
        course=course_class.course,
        modules=course_class.course.active_modules,
        quizzes=quizzes,
        sessions=class_sessions(course_class.id),
        enrolment=enrolment,
        progress=records.progress,
        records=records,
        summary=overview(enrolment, records, quizzes) if enrolment else None,
        certificate=valid_certificate(enrolment) if enrolment else None,
        manages=may_manage_class(current_user, course_class),
    )


@bp.get("/classes/<int:class_id>/modules/<slug>")
@login_required
def module_page(class_id: int, slug: str):
    """One module to read, with previous/next and "mark as done"."""
    page = load_module_page(class_id, slug)
    return render_template("courses/module.html", page=page, module=page.content)


@bp.get("/courses/<slug>/assets/<path:path>")
@login_required
def asset(slug: str, path: str):
    """A course asset (image, attachment) for logged-in users."""
    found = db.session.scalar(select(CourseAsset).join(Course).where(Course.slug == slug, CourseAsset.path == path))
    if found is None:
        abort(404)
    headers = {"ETag": f'"{found.sha256}"', "Cache-Control": "private, max-age=86400"}
    if request.if_none_match.contains(found.sha256):
        return "", 304, headers
    response = download(
        found.data, path.rpartition("/")[2], found.media_type, inline=found.media_type.startswith("image/")
    )
    # An SVG opened on its own must not run script either.
    headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.headers.update(headers)
    return response
