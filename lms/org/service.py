"""The unit tree: queries, and adding, renaming, moving and retiring units (rules in structure.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lms.audit.models import record_audit
from lms.extensions import db
from lms.org.models import Unit
from lms.org.structure import move_problem, unit_fields_problem
from lms.refusals import N_, Problem, Refused
from lms.text import clean_name


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


@dataclass(frozen=True)
class TreeRow:
    """One unit of the tree in display order, with its depth below the root."""

    unit: Unit
    depth: int


def unit_tree(include_retired: bool = True) -> list[TreeRow]:
    """Return every unit depth-first, children by name, in one query."""
    units = list(db.session.scalars(select(Unit).order_by(Unit.name, Unit.code)))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    rows: list[TreeRow] = []
    stack = [(root, 0) for root in reversed(children.get(None, []))]
    while stack:
        unit, depth = stack.pop()
        if unit.retired_at is not None and not include_retired:
            continue  # a retired unit's sub-units are retired too
        rows.append(TreeRow(unit, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(unit.id, [])))
    return rows


def _parent_or_error(parent: Unit | None) -> Unit | None:
    if parent is not None and parent.retired_at is not None:
        raise Refused(Problem(N_("unit '%(unit)s' is retired"), unit=parent.code))
    return parent


def create_unit(*, code: str, name: str, level: str, parent: Unit | None, actor_id: int | None = None) -> Unit:
    """Add a unit under an active parent (or as a root); the caller commits."""
    code, name, level = code.strip().lower(), clean_name(name), clean_name(level)
    if problem := unit_fields_problem(code, name, level):
        raise Refused(problem)
    if find_unit(code) is not None:
        raise Refused(Problem(N_("unit code '%(code)s' is already used"), code=code))
    unit = Unit(code=code, name=name, level=level, parent=_parent_or_error(parent))
    db.session.add(unit)
    db.session.flush()
    record_audit(
        actor_id,
        "unit.create",
        f"unit:{unit.id}",
        code=code,
        name=name,
        level=level,
        parent=parent.code if parent else None,
    )
    return unit


def rename_unit(unit: Unit, *, name: str, level: str, actor_id: int | None = None) -> bool:
    """Change a unit's name and level; return False when nothing changed."""
    name, level = clean_name(name), clean_name(level)
    if problem := unit_fields_problem(unit.code, name, level):
        raise Refused(problem)
    if (unit.name, unit.level) == (name, level):
        return False
    record_audit(
        actor_id, "unit.rename", f"unit:{unit.id}", old_name=unit.name, name=name, old_level=unit.level, level=level
    )
    unit.name, unit.level = name, level
    db.session.flush()
    return True


def move_unit(unit: Unit, new_parent: Unit | None, actor_id: int | None = None) -> bool:
    """Move a unit (with its sub-units) under another active unit; refuse cycles."""
    if unit.retired_at is not None:
        raise Refused(Problem(N_("unit '%(unit)s' is retired"), unit=unit.code))
    parents = dict(db.session.execute(select(Unit.id, Unit.parent_id)).all())
    if problem := move_problem(unit.id, new_parent.id if new_parent else None, parents):
        raise Refused(problem)
    _parent_or_error(new_parent)
    if unit.parent_id == (new_parent.id if new_parent else None):
        return False
    record_audit(
        actor_id,
        "unit.move",
        f"unit:{unit.id}",
        old_parent=unit.parent.code if unit.parent else None,
        parent=new_parent.code if new_parent else None,
    )
    unit.parent = new_parent
    db.session.flush()
    return True


def retire_unit(unit: Unit, now: datetime, actor_id: int | None = None) -> None:
    """Retire a unit that has no active sub-units; its people and records stay."""
    if unit.retired_at is not None:
        return
    if any(child.retired_at is None for child in unit.children):
        raise Refused(Problem(N_("retire or move the sub-units of '%(unit)s' first"), unit=unit.code))
    unit.retired_at = now
    db.session.flush()
    record_audit(actor_id, "unit.retire", f"unit:{unit.id}", code=unit.code)


def restore_unit(unit: Unit, actor_id: int | None = None) -> None:
    """Bring a retired unit back; its parent must be active."""
    if unit.retired_at is None:
        return
    _parent_or_error(unit.parent)
    unit.retired_at = None
    db.session.flush()
    record_audit(actor_id, "unit.restore", f"unit:{unit.id}", code=unit.code)


def active_unit_or_error(unit: Unit | None) -> Unit | None:
    """Return the unit if it may take new people; raise Refused for a retired one."""
    return _parent_or_error(unit)
