"""The dashboard: a learner's classes with progress, an instructor's classes and marking, upcoming
sessions and the cancelled ones; it reads from several domains and owns none of their rules."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from lms.auth.models import Role
from lms.certificates.service import valid_certificates
from lms.courses.service import classes_taught, my_enrolments, open_classes
from lms.database import utcnow
from lms.evaluations.service import evaluations_to_answer
from lms.heads.nominations import nominations_of, pending_counts
from lms.live.service import cancelled_notices, upcoming_sessions
from lms.org.heads import headed_units
from lms.progress.service import overviews_of
from lms.quizzes.attempts import essays_to_mark

bp = Blueprint("dashboard", __name__, template_folder="templates")
# A decided nomination stays on the person's dashboard this long; a pending one until decided.
NOMINATIONS_SHOWN_FOR = timedelta(days=30)


@bp.get("/")
@login_required
def home():
    """The user's home: their classes with progress, and what to do next."""
    enrolments = my_enrolments(current_user, with_courses=True)
    overviews = overviews_of(enrolments)
    certificates = valid_certificates([e.id for e in enrolments])
    taught = classes_taught(current_user) if current_user.role in (Role.INSTRUCTOR, Role.ADMIN) else []
    return render_template(
        "dashboard/home.html",
        overviews=overviews,
        certificates=certificates,
        taught=taught,
        to_mark=len(essays_to_mark([c.id for c in taught])) if taught else 0,
        upcoming=upcoming_sessions(current_user, enrolments=enrolments, taught=taught),
        cancelled=cancelled_notices(enrolments, utcnow()),
        open_count=len(open_classes(current_user, date.today())) if current_user.role == Role.LEARNER else 0,
        evaluations=evaluations_to_answer(enrolments, utcnow()),
        headed=headed_units(current_user.id),
        my_nominations=nominations_of(current_user, since=utcnow() - NOMINATIONS_SHOWN_FOR),
        nominated=pending_counts([c.id for c in taught]),
    )
