"""A unit head's pages: the units they head, who is behind, and the people they answer for.

Every page is for heads only (403 for anyone who heads nothing) and shows only the people of the
units they head and of every unit below them (`lms.org.heads.answered_unit_ids`). Each person links
to their transcript (`reports.transcript`, which lets a head read it) and the units' report is
`reports.heads_report`. Read-only: a head changes nothing here.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.admin.blueprint import paginate
from lms.auth.models import User
from lms.auth.service import UserFilter, find_users
from lms.courses.models import CourseClass, Enrolment, EnrolmentStatus
from lms.database import utcnow
from lms.extensions import db
from lms.heads.following import WINDOW_DAYS, behind
from lms.localtime import VIETNAM
from lms.org.heads import answered_unit_ids, headed_units
from lms.org.models import Unit
from lms.reports import queries
from lms.reports.export import Table, csv_bytes
from lms.responses import download

bp = Blueprint("heads", __name__, url_prefix="/heads", template_folder="templates")


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
                CourseClass.id.in_(
                    select(Enrolment.class_id)
                    .join(User, User.id == Enrolment.user_id)
                    .where(Enrolment.status == EnrolmentStatus.ACTIVE, User.unit_id.in_(unit_ids))
                ),
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


@bp.get("/")
@login_required
def home():
    """The head's page: the units they head, and who is behind in a class ending within 14 days."""
    unit_ids = _my_units()
    today = utcnow().astimezone(VIETNAM).date()  # class dates are the province's calendar days
    rows = _behind_rows(unit_ids, today)
    if request.args.get("format") == "csv":
        return _behind_csv(rows, today)
    return render_template(
        "heads/home.html",
        headed=headed_units(current_user.id),
        unit_count=len(unit_ids),
        rows=rows,
        window=WINDOW_DAYS,
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


@bp.get("/people")
@login_required
def people():
    """The people of the head's units, found by name, username or e-mail; each links to a transcript."""
    unit_ids = _my_units()
    criteria = UserFilter(text=request.args.get("q", "")[:200])
    return render_template("heads/people.html", page=paginate(find_users(criteria, unit_ids)), criteria=criteria)
