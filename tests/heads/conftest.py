"""The heads of the `world`'s units."""

from __future__ import annotations

import pytest

from lms.auth.models import Role
from lms.extensions import db
from lms.org.heads import set_head
from tests.factories import make_user


@pytest.fixture
def heads(world):
    """Heads (learners in no class) of Phường 1, Phường 2 and the city above both."""
    made = {}
    for username, unit in (("ld.p1", world.ward), ("ld.p2", world.other_ward), ("ld.tp", world.city)):
        made[username] = make_user(username, Role.LEARNER, world.city, f"Lãnh đạo {unit.name}")
        set_head(unit, made[username])
    db.session.commit()
    return made
