"""The audit log: who changed what, when; filtered and paginated."""

from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from lms.admin.blueprint import PER_PAGE, bp, page_number
from lms.audit.actions import action_sentence
from lms.audit.models import AuditEvent
from lms.audit.service import AuditFilter, audit_query
from lms.auth.decorators import roles_required
from lms.auth.models import Role
from lms.extensions import db


def _date_arg(name: str, errors: list[str]) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(_("Enter dates as YYYY-MM-DD."))
        return None


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    """Every recorded change to someone else's record, newest first."""
    errors: list[str] = []
    actions = list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    action = request.args.get("action", "")
    criteria = AuditFilter(
        actor=request.args.get("actor", "").strip()[:100],
        action=action if action in actions else "",
        target=request.args.get("target", "").strip()[:128],
        since=_date_arg("since", errors),
        until=_date_arg("until", errors),
    )
    query = audit_query(criteria)
    page = page_number()
    rows = db.session.execute(query.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)).all()
    return render_template(
        "admin/audit.html",
        rows=rows[:PER_PAGE],
        has_next=len(rows) > PER_PAGE,
        page=page,
        criteria=criteria,
        actions=actions,
        action_sentence=action_sentence,
        errors=list(dict.fromkeys(errors)),
    ), 400 if errors else 200
