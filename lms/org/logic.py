"""Queries over the unit tree."""

from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.org.models import Unit


def find_unit(code: str) -> Unit | None:
    """Return the unit with this code, or None."""
    return db.session.scalar(select(Unit).where(Unit.code == code.strip()))


def subtree_ids(root: Unit) -> set[int]:
    """Return the ids of a unit and every unit below it."""
    ids = {root.id}
    frontier = [root.id]
    while frontier:
        children = db.session.scalars(select(Unit.id).where(Unit.parent_id.in_(frontier))).all()
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids


def unit_path(unit: Unit | None) -> list[Unit]:
    """Return the units from the root down to this one."""
    path = []
    while unit is not None:
        path.append(unit)
        unit = unit.parent
    return list(reversed(path))
