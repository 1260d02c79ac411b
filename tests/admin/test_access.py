"""Admin routes naming a record that does not exist (or belongs to another class) answer 404.

Who may use each admin route is in the access matrix (tests/test_access.py); CSRF in tests/test_csrf.py.
"""

import pytest

from lms.courses.models import Enrolment
from lms.extensions import db


@pytest.mark.parametrize(
    "path",
    [
        "/admin/units/999999",
        "/admin/users/999999",
        "/admin/classes/999999",
        "/admin/classes/999999/edit",
    ],
)
def test_unknown_ids_are_not_found(world, auth, client, path):
    auth.login("admin")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/admin/units/999999/rename",
        "/admin/units/999999/move",
        "/admin/units/999999/retire",
        "/admin/users/999999",
        "/admin/users/999999/active",
        "/admin/users/999999/password",
        "/admin/classes/999999/enrol/unit",
        "/admin/classes/{lop}/enrolments/999999/withdraw",
        "/admin/classes/{lop2}/enrolments/{enrolment}/withdraw",
        "/admin/classes/{lop2}/enrolments/{enrolment}/reenrol",
    ],
)
def test_unknown_ids_in_posts_are_not_found(world, auth, client, path):
    auth.login("admin")
    enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == world.learner.id))
    path = path.format(lop=world.course_class.id, lop2=world.other_class.id, enrolment=enrolment.id)
    assert auth.post(path, {"name": "X", "level": "Y", "active": "0"}).status_code == 404
