"""Searching the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import aliased

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.localtime import VIETNAM
from lms.text import contains_pattern


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log is narrowed to; dates are days in Vietnam's time, both ends included."""

    actor: str = ""
    action: str = ""
    target: str = ""
    since: date | None = None
    until: date | None = None


def day_start(day: date) -> datetime:
    """The first instant of a day in Vietnam (aware; stored and compared in UTC)."""
    return datetime.combine(day, time.min, tzinfo=VIETNAM)


def audit_query(criteria: AuditFilter) -> Select:
    """Return (event, actor or None) rows matching a filter, newest first."""
    actor = aliased(User)
    query = (
        select(AuditEvent, actor)
        .outerjoin(actor, AuditEvent.actor_id == actor.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )
    if criteria.actor:
        pattern = contains_pattern(criteria.actor.lower())
        query = query.where(
            or_(
                actor.username.like(pattern, escape="\\"),
                actor.full_name.like(contains_pattern(criteria.actor), escape="\\"),
            )
        )
    if criteria.action:
        query = query.where(AuditEvent.action == criteria.action)
    if criteria.target:
        query = query.where(AuditEvent.target.like(contains_pattern(criteria.target), escape="\\"))
    if criteria.since:
        query = query.where(AuditEvent.created_at >= day_start(criteria.since))
    if criteria.until:
        query = query.where(AuditEvent.created_at < day_start(criteria.until + timedelta(days=1)))
    return query
