"""Quiz routes against every kind of visitor."""

import pytest

from lms.auth.models import Role
from tests import factories

VISITORS = ["anonymous", "learner", "outsider", "teacher", "other_teacher", "admin"]
ROUTES = [
    (
        "GET",
        "/classes/{c}/quizzes/kiem-tra",
        dict(anonymous=302, learner=200, outsider=403, teacher=200, other_teacher=403, admin=200),
    ),
    (
        "POST",
        "/classes/{c}/quizzes/kiem-tra/start",
        dict(anonymous=302, learner=303, outsider=403, teacher=403, other_teacher=403, admin=403),
    ),
    (
        "GET",
        "/classes/{c}/quizzes/kiem-tra/results",
        dict(anonymous=302, learner=403, outsider=403, teacher=200, other_teacher=403, admin=200),
    ),
    ("GET", "/marking", dict(anonymous=302, learner=403, outsider=403, teacher=200, other_teacher=200, admin=200)),
    (
        "GET",
        "/classes/{c}/quizzes/khong-co",
        dict(anonymous=302, learner=404, outsider=403, teacher=404, other_teacher=403, admin=404),
    ),
]


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize(("method", "template", "expected"), ROUTES, ids=[f"{m} {t}" for m, t, _ in ROUTES])
def test_quiz_route_access(quiz_world, auth, client, visitor, method, template, expected):
    people = {
        "learner": "hv.mai",
        "outsider": "hv.ngoai",
        "teacher": "gv.an",
        "other_teacher": "gv.binh",
        "admin": "admin",
    }
    factories.make_user("hv.ngoai", Role.LEARNER)
    factories.make_user("admin", Role.ADMIN)
    if visitor != "anonymous":
        assert auth.login(people[visitor]).status_code == 302
    path = template.format(c=quiz_world.course_class.id)
    response = auth.post(path) if method == "POST" else client.get(path)
    assert response.status_code == expected[visitor]
