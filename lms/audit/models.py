"""Audit events for admin and instructor actions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class AuditEvent(db.Model):
    """One action that changed someone else's record; `actor_id` is empty for the CLI."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def record_audit(actor_id: int | None, action: str, target: str, **details) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    event = AuditEvent(actor_id=actor_id, action=action, target=target, details=details)
    db.session.add(event)
    return event
