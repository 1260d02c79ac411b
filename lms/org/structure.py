"""Rules of the unit tree, pure: where a unit may go and what its code, name and level may be."""

from __future__ import annotations

import re

from lms.refusals import N_, Problem

UNIT_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def is_descendant_or_self(unit_id: int, ancestor_id: int, parents: dict[int, int | None]) -> bool:
    """Tell whether `unit_id` is `ancestor_id` or lies below it, given each unit's parent id."""
    seen: set[int] = set()
    current: int | None = unit_id
    while current is not None and current not in seen:
        if current == ancestor_id:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def move_problem(unit_id: int, new_parent_id: int | None, parents: dict[int, int | None]) -> Problem | None:
    """Return why a unit may not move under a new parent (no cycles), or None."""
    if new_parent_id is not None and is_descendant_or_self(new_parent_id, unit_id, parents):
        return Problem(N_("a unit cannot move under itself or one of its sub-units"))
    return None


def unit_fields_problem(code: str, name: str, level: str) -> Problem | None:
    """Return why a unit's code, name or level is not acceptable, or None."""
    if not UNIT_CODE_RE.match(code):
        return Problem(N_("the code must be 2-64 characters: a-z, 0-9, '.', '_' or '-'"))
    if not name or len(name) > 200:
        return Problem(N_("the name must have 1-200 characters"))
    if not level or len(level) > 100:
        return Problem(N_("the level must have 1-100 characters"))
    return None


def units_within(roots: set[int], parents: dict[int, int | None]) -> set[int]:
    """The ids of the units in `roots` and every unit below one of them, given each unit's parent id.

    This is what a unit head answers for: the unit they head and all its sub-units, however deep.
    """
    return {unit_id for unit_id in parents if any(is_descendant_or_self(unit_id, root, parents) for root in roots)}
