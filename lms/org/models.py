"""Units of the organisation tree (city, department, ward/commune, ...)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class Unit(db.Model):
    """One unit of the organisation; `level` is free data such as "Thành phố" or "Phường/xã"."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Retired units stay in the tree so past enrolments, reports and certificates keep their unit;
    # they take no new people.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class UnitHead(db.Model):
    """A person who heads a unit: they answer for the training of its staff and its sub-units'.

    An assignment, not a kind of account: a learner, an instructor or an admin can head a unit, and a
    unit can have several heads (a director and deputies).
    """

    __tablename__ = "unit_heads"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
