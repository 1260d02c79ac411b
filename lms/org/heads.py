"""Unit heads: who heads which unit, and the units whose people a head answers for.

A head answers for the unit they head and every unit below it (`units_within`); heading two units
answers for both subtrees. Assigning and removing a head is an admin's act, audited; the caller
commits.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from lms.audit.models import record_audit
from lms.auth.models import User
from lms.extensions import db
from lms.org.models import Unit, UnitHead
from lms.org.structure import units_within
from lms.refusals import N_, Problem, Refused


def heads_of(unit: Unit) -> list[User]:
    """The people who head this unit, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(UnitHead, UnitHead.user_id == User.id)
            .where(UnitHead.unit_id == unit.id)
            .order_by(User.full_name, User.id)
        )
    )


def headed_units(user_id: int) -> list[Unit]:
    """The units this person heads (not those below them), by name."""
    return list(
        db.session.scalars(
            select(Unit)
            .join(UnitHead, UnitHead.unit_id == Unit.id)
            .where(UnitHead.user_id == user_id)
            .order_by(Unit.name)
        )
    )


def answered_unit_ids(user_id: int) -> set[int]:
    """The ids of the units whose people this person answers for as a head (empty: not a head)."""
    roots = set(db.session.scalars(select(UnitHead.unit_id).where(UnitHead.user_id == user_id)))
    if not roots:
        return set()
    parents = {unit_id: parent_id for unit_id, parent_id in db.session.execute(select(Unit.id, Unit.parent_id))}
    return units_within(roots, parents)


def set_head(unit: Unit, user: User, actor_id: int | None = None) -> bool:
    """Make `user` a head of `unit`; False when they already are. Refused for a retired unit or a
    disabled account."""
    if unit.retired_at is not None:
        raise Refused(Problem(N_("unit '%(unit)s' is retired"), unit=unit.code))
    if not user.active:
        raise Refused(Problem(N_("the account '%(username)s' is disabled"), username=user.username))
    if db.session.get(UnitHead, (unit.id, user.id)) is not None:
        return False
    db.session.add(UnitHead(unit_id=unit.id, user_id=user.id))
    db.session.flush()
    record_audit(actor_id, "unit.head_set", f"unit:{unit.id}", unit=unit.code, username=user.username)
    return True


def remove_head(unit: Unit, user: User, actor_id: int | None = None) -> None:
    """Stop `user` heading `unit`; refused when they do not head it."""
    removed = db.session.execute(delete(UnitHead).where(UnitHead.unit_id == unit.id, UnitHead.user_id == user.id))
    if removed.rowcount == 0:
        raise Refused(
            Problem(N_("'%(username)s' does not head unit '%(unit)s'"), username=user.username, unit=unit.code)
        )
    record_audit(actor_id, "unit.head_remove", f"unit:{unit.id}", unit=unit.code, username=user.username)
