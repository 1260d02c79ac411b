"""Unit heads: assigned and removed by admins (CLI here), audited; a head answers for a whole subtree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.org.heads import answered_unit_ids, heads_of
from lms.org.models import UnitHead
from lms.org.structure import units_within
from tests.factories import make_unit

#       1
#     /   \
#    2     3
#   / \
#  4   5
PARENTS = {1: None, 2: 1, 3: 1, 4: 2, 5: 2}


@pytest.mark.parametrize(
    ("roots", "expected"),
    [
        ({2}, {2, 4, 5}),
        ({1}, {1, 2, 3, 4, 5}),
        ({4}, {4}),
        ({3, 4}, {3, 4}),
        (set(), set()),
    ],
)
def test_a_head_answers_for_their_unit_and_everything_below_it(roots, expected):
    assert units_within(roots, PARENTS) == expected


def test_a_cycle_in_the_parents_does_not_hang():
    assert units_within({1}, {1: 2, 2: 1, 3: None}) == {1, 2}


def set_head(runner, *args: str):
    return runner.invoke(args=["units", "set-head", *args])


def test_an_admin_makes_and_unmakes_a_head_from_the_command_line(runner, world):
    district = make_unit("quan-1", "Quận 1", "Quận/huyện", parent=world.ward)
    db.session.commit()
    result = set_head(runner, "--unit", "phuong-1", "--username", "hv.mai")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "'hv.mai' now heads 'phuong-1' and its sub-units."
    assert [u.username for u in heads_of(world.ward)] == ["hv.mai"]
    assert answered_unit_ids(world.learner.id) == {world.ward.id, district.id}
    assert answered_unit_ids(world.other_learner.id) == set()

    again = set_head(runner, "--unit", "phuong-1", "--username", "hv.mai")
    assert again.output.strip() == "'hv.mai' already heads 'phuong-1'; nothing changed."

    removed = set_head(runner, "--unit", "phuong-1", "--username", "hv.mai", "--remove")
    assert removed.exit_code == 0, removed.output
    assert removed.output.strip() == "'hv.mai' no longer heads 'phuong-1'."
    db.session.expire_all()
    assert heads_of(world.ward) == [] and answered_unit_ids(world.learner.id) == set()
    trail = db.session.execute(select(AuditEvent.action, AuditEvent.target, AuditEvent.details).order_by(AuditEvent.id))
    assert [(a, t, d) for a, t, d in trail if a.startswith("unit.head")] == [
        ("unit.head_set", f"unit:{world.ward.id}", {"unit": "phuong-1", "username": "hv.mai"}),
        ("unit.head_remove", f"unit:{world.ward.id}", {"unit": "phuong-1", "username": "hv.mai"}),
    ]


def test_several_heads_and_any_role(runner, world):
    for username in ("gv.an", "hv.nam", "admin"):
        assert set_head(runner, "--unit", "tp", "--username", username).exit_code == 0
    assert [u.username for u in heads_of(world.city)] == ["gv.an", "admin", "hv.nam"]  # by name
    assert answered_unit_ids(world.teacher.id) == {world.city.id, world.ward.id, world.other_ward.id}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "khong-co", "--username", "hv.mai"], "unknown unit 'khong-co'"),
        (["--unit", "phuong-1", "--username", "khong.co"], "unknown user 'khong.co'"),
        (["--unit", "phuong-1", "--username", "hv.nam", "--remove"], "'hv.nam' does not head unit 'phuong-1'"),
    ],
)
def test_bad_requests_are_refused_with_the_reason_and_change_nothing(runner, world, args, message):
    result = set_head(runner, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalars(select(UnitHead)).all() == []


def test_a_retired_unit_or_a_disabled_account_cannot_be_given_a_head(runner, world):
    world.other_learner.active = False
    db.session.commit()
    refused = set_head(runner, "--unit", "phuong-1", "--username", "hv.nam")
    assert refused.exit_code == 1 and "the account 'hv.nam' is disabled" in refused.output
    world.other_ward.retired_at = datetime.now(UTC)
    db.session.commit()
    retired = set_head(runner, "--unit", "phuong-2", "--username", "hv.mai")
    assert retired.exit_code == 1 and "unit 'phuong-2' is retired" in retired.output
    assert db.session.scalars(select(UnitHead)).all() == []
