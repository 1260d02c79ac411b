"""A unit head's pages: the units they head, who is behind, the people they answer for, and their
nominations; and the class staff's page that decides nominations.

Every head page is for heads only (403 for anyone who heads nothing) and shows only the people of
the units they head and of every unit below them (`lms.org.heads.answered_unit_ids`). Each person
links to their transcript (`reports.transcript`, which lets a head read it) and the units' report
is `reports.heads_report`. A head writes only nominations; the class's instructors and admins
accept or decline them (`lms.heads.nominations`).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.admin.blueprint import paginate
from lms.auth.account import signed_in_user_record
from lms.auth.models import User
from lms.auth.service import UserFilter, find_users
from lms.courses.access import load_class_for_staff
from lms.courses.models import CourseClass
from lms.database import utcnow, write_transaction
from lms.extensions import db
from lms.heads.following import WINDOW_DAYS, behind
from lms.heads.models import Nomination
from lms.heads.nominations import decide, nominate, nominations_by, pending_for_class
from lms.localtime import VIETNAM
from lms.org.heads import answered_unit_ids, headed_units
from lms.org.models import Unit
from lms.refusals import N_, Problem, Refused
from lms.reports import queries
from lms.reports.export import Table, csv_bytes
from lms.requestdata import optional_int
from lms.responses import download

bp = Blueprint("heads", __name__, template_folder="templates")


def _today() -> date:
    return utcnow().astimezone(VIETNAM).date()  # class dates are the province's calendar days


def _my_units() -> set[int]:
    unit_ids = answered_unit_ids(current_user.id)
    if not unit_ids:
        abort(403)
    return unit_ids


def _behind_rows(unit_ids: set[int], today: date) -> list[dict]:
    """The places of the head's people that are behind in classes ending soon, ready to show."""
    ending = list(
        db.session.scalars(
            select(CourseClass).where(
                CourseClass.ends_on.between(today, today + timedelta(days=WINDOW_DAYS)),
                CourseClass.id.in_(queries.classes_with_learners_in(unit_ids)),
            )
        )
    )
    places = queries.gather_places(ending)
    found = behind(places, {c.id: c.ends_on for c in ending}, today, unit_ids)
    if not found:
        return []
    classes = {c.id: c for c in ending}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([p.user_id for p, _ in found])))}
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_({p.unit_id for p, _ in found})))}
    return [
        {
            "person": people[place.user_id],
            "unit": units.get(place.unit_id),
            "course_class": classes[place.class_id],
            "share": place.share,
            "median": class_median,
        }
        for place, class_median in found
    ]


@bp.get("/heads/")
@login_required
def home():
    """The head's page: the units they head, and who is behind in a class ending within 14 days."""
    unit_ids = _my_units()
    today = _today()
    rows = _behind_rows(unit_ids, today)
    if request.args.get("format") == "csv":
        return _behind_csv(rows, today)
    return render_template(
        "heads/home.html",
        headed=headed_units(current_user.id),
        unit_count=len(unit_ids),
        rows=rows,
        window=WINDOW_DAYS,
        nominations=nominations_by(current_user),
    )


def _behind_csv(rows: list[dict], today: date):
    table = Table(
        header=[_("Name"), _("Username"), _("Unit"), _("Class"), _("Ends on"), _("Progress %"), _("Class median %")],
        rows=[
            [
                row["person"].full_name,
                row["person"].username,
                row["unit"].name if row["unit"] else "",
                row["course_class"].name,
                row["course_class"].ends_on.isoformat(),
                round(row["share"] * 100, 1),
                round(row["median"] * 100, 1),
            ]
            for row in rows
        ],
        depths=[0] * len(rows),
    )
    return download(csv_bytes(table), f"behind-{today.strftime('%Y%m%d')}.csv", "text/csv; charset=utf-8")


@bp.get("/heads/people")
@login_required
def people():
    """The people of the head's units, found by name, username or e-mail; each links to a transcript."""
    unit_ids = _my_units()
    criteria = UserFilter(text=request.args.get("q", "")[:200])
    return render_template("heads/people.html", page=paginate(find_users(criteria, unit_ids)), criteria=criteria)


def _nominees(unit_ids: set[int]) -> list[User]:
    """The active learners of the head's units, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.unit_id.in_(unit_ids), User.active.is_(True), User.role == "learner")
            .order_by(User.full_name, User.id)
        )
    )


def _open_classes(today: date) -> list[CourseClass]:
    """Classes that have not ended, by start date."""
    return list(
        db.session.scalars(
            select(CourseClass)
            .where((CourseClass.ends_on.is_(None)) | (CourseClass.ends_on >= today))
            .order_by(CourseClass.starts_on, CourseClass.name)
        )
    )


@bp.route("/heads/nominate", methods=["GET", "POST"])
@login_required
def nominate_page():
    """A head puts a learner of their units forward for a class that has not ended."""
    unit_ids = _my_units()
    today = _today()
    error = None
    if request.method == "POST":
        person = db.session.get(User, optional_int(request.form.get("user_id")) or 0)
        course_class = db.session.get(CourseClass, optional_int(request.form.get("class_id")) or 0)
        try:
            with write_transaction():
                if person is None or course_class is None:
                    raise Refused(Problem(N_("choose a person and a class from the lists")))
                nominate(signed_in_user_record(), person, course_class, today)
        except Refused as refusal:
            error = refusal.messages()[0]
        else:
            flash(
                _("%(name)s is nominated for %(class_name)s.", name=person.full_name, class_name=course_class.name),
                "success",
            )
            return redirect(url_for("heads.home"), 303)
    return render_template(
        "heads/nominate.html",
        people=_nominees(unit_ids),
        classes=_open_classes(today),
        error=error,
        values=request.form,
    ), 400 if error else 200


@bp.get("/classes/<int:class_id>/nominations")
@login_required
def class_nominations(class_id: int):
    """The class's open nominations, for its instructors and admins to accept or decline."""
    course_class = load_class_for_staff(class_id)
    return render_template(
        "heads/class_nominations.html", course_class=course_class, nominations=pending_for_class(course_class)
    )


@bp.post("/nominations/<int:nomination_id>/decide")
@login_required
def decide_nomination(nomination_id: int):
    """Accept (enrol) or decline (with a reason) one open nomination: the class's staff only."""
    nomination = db.get_or_404(Nomination, nomination_id)
    course_class = load_class_for_staff(nomination.class_id)
    accept = request.form.get("decision") == "accept"
    if not accept and request.form.get("decision") != "decline":
        abort(400)
    try:
        with write_transaction():
            decide(nomination, accept, request.form.get("reason", ""), signed_in_user_record())
    except Refused as refusal:
        flash(refusal.messages()[0], "error")
    else:
        name = nomination.person.full_name
        flash(
            _("%(name)s is enrolled.", name=name)
            if accept
            else _("The nomination of %(name)s is declined.", name=name),
            "success",
        )
    return redirect(url_for("heads.class_nominations", class_id=course_class.id), 303)
