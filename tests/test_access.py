"""Every route against every kind of visitor: allowed, forbidden, or sent to log in."""

import pytest

from lms.auth.models import Role
from tests import factories

# Who asks: None is an anonymous visitor; "outsider" is a learner enrolled in no class.
VISITORS = ["anonymous", "learner", "outsider", "teacher", "other_teacher", "admin"]

# (method, path template, expected status per visitor). 302 for anonymous means "to the login page".
ROUTES = [
    ("GET", "/healthz", dict(anonymous=200, learner=200, outsider=200, teacher=200, other_teacher=200, admin=200)),
    ("GET", "/login", dict(anonymous=200, learner=302, outsider=302, teacher=302, other_teacher=302, admin=302)),
    ("GET", "/", dict(anonymous=302, learner=200, outsider=200, teacher=200, other_teacher=200, admin=200)),
    ("GET", "/classes", dict(anonymous=302, learner=200, outsider=200, teacher=200, other_teacher=200, admin=200)),
    (
        "GET",
        "/classes/{lop1}",
        dict(anonymous=302, learner=200, outsider=403, teacher=200, other_teacher=403, admin=200),
    ),
    (
        "GET",
        "/classes/{lop1}/modules/mo-dau",
        dict(anonymous=302, learner=200, outsider=403, teacher=200, other_teacher=403, admin=200),
    ),
    (
        "POST",
        "/classes/{lop1}/modules/mo-dau/done",
        dict(anonymous=302, learner=303, outsider=403, teacher=403, other_teacher=403, admin=403),
    ),
    (
        "POST",
        "/classes/{lop1}/modules/mo-dau/ping",
        dict(anonymous=302, learner=200, outsider=403, teacher=403, other_teacher=403, admin=403),
    ),
    (
        "GET",
        "/classes/{lop1}/progress",
        dict(anonymous=302, learner=403, outsider=403, teacher=200, other_teacher=403, admin=200),
    ),
    (
        "POST",
        "/classes/{lop2}/enrol",
        dict(anonymous=302, learner=303, outsider=303, teacher=403, other_teacher=403, admin=403),
    ),
    (
        "POST",
        "/classes/{lop1}/enrol",
        dict(anonymous=302, learner=303, outsider=403, teacher=403, other_teacher=403, admin=403),
    ),
    ("GET", "/admin/", dict(anonymous=302, learner=403, outsider=403, teacher=403, other_teacher=403, admin=200)),
    (
        "GET",
        "/courses/demo/assets/so-do.svg",
        dict(anonymous=302, learner=200, outsider=200, teacher=200, other_teacher=200, admin=200),
    ),
]


@pytest.fixture
def people(world):
    outsider = factories.make_user("hv.ngoai", Role.LEARNER, world.ward)
    from lms.courses.models import CourseAsset
    from lms.extensions import db

    db.session.add(
        CourseAsset(
            course_id=world.course.id, path="so-do.svg", media_type="image/svg+xml", sha256="0" * 64, data=b"<svg/>"
        )
    )
    return {
        "learner": world.learner,
        "outsider": outsider,
        "teacher": world.teacher,
        "other_teacher": world.other_teacher,
        "admin": world.admin,
    }


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize(("method", "template", "expected"), ROUTES, ids=[f"{m} {t}" for m, t, _ in ROUTES])
def test_route_access(world, people, auth, client, visitor, method, template, expected):
    path = template.format(lop1=world.course_class.id, lop2=world.other_class.id)
    if visitor != "anonymous":
        assert auth.login(people[visitor].username).status_code == 302
    response = auth.post(path) if method == "POST" else client.get(path)
    assert response.status_code == expected[visitor], response.get_data(as_text=True)[:500]
    if visitor == "anonymous" and response.status_code == 302:
        assert response.headers["Location"].startswith("/login?next=")
    elif response.status_code == 302:
        assert response.headers["Location"] == "/"  # a logged-in user asking for the login page


def test_missing_class_and_module_are_404(world, auth, client):
    auth.login("admin")
    assert client.get("/classes/99999").status_code == 404
    assert client.get(f"/classes/{world.course_class.id}/modules/khong-co").status_code == 404
    assert client.get("/courses/demo/assets/khong-co.png").status_code == 404


def test_logout_is_post_only(world, auth, client):
    auth.login("hv.mai")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
