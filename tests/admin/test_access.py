"""Every admin route against every kind of visitor: admins in, others 403, anonymous to the login page."""

import pytest

from lms.courses.models import Enrolment
from lms.extensions import db

VISITORS = {"anonymous": None, "learner": "hv.mai", "instructor": "gv.an", "admin": "admin"}

ROUTES = [
    ("GET", "/admin/"),
    ("GET", "/admin/units"),
    ("POST", "/admin/units"),
    ("GET", "/admin/units/{unit}"),
    ("POST", "/admin/units/{unit}/rename"),
    ("POST", "/admin/units/{unit}/move"),
    ("POST", "/admin/units/{unit}/retire"),
    ("POST", "/admin/units/{unit}/restore"),
    ("GET", "/admin/users"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{user}"),
    ("POST", "/admin/users/{user}"),
    ("POST", "/admin/users/{user}/active"),
    ("POST", "/admin/users/{user}/password"),
    ("GET", "/admin/users/import"),
    ("POST", "/admin/users/import"),
    ("POST", "/admin/users/import/confirm"),
    ("GET", "/admin/classes"),
    ("GET", "/admin/classes/new"),
    ("POST", "/admin/classes/new"),
    ("GET", "/admin/classes/{lop}"),
    ("GET", "/admin/classes/{lop}/edit"),
    ("POST", "/admin/classes/{lop}/edit"),
    ("POST", "/admin/classes/{lop}/enrol/unit"),
    ("POST", "/admin/classes/{lop}/enrol/csv"),
    ("POST", "/admin/classes/{lop}/enrol/user"),
    ("GET", "/admin/classes/{lop}/enrolments/{enrolment}/withdraw"),
    ("POST", "/admin/classes/{lop}/enrolments/{enrolment}/withdraw"),
    ("POST", "/admin/classes/{lop}/enrolments/{enrolment}/reenrol"),
    ("GET", "/admin/audit"),
]


def _path(world, template: str) -> str:
    enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == world.other_learner.id))
    return template.format(
        unit=world.other_ward.id, user=world.other_learner.id, lop=world.course_class.id, enrolment=enrolment.id
    )


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize(("method", "template"), ROUTES, ids=[f"{m} {t}" for m, t in ROUTES])
def test_admin_route_access(world, auth, client, visitor, method, template):
    path = _path(world, template)
    if VISITORS[visitor]:
        auth.login(VISITORS[visitor])
    response = client.get(path) if method == "GET" else auth.post(path)
    if visitor == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif visitor == "admin":
        assert response.status_code not in (302, 401, 403, 404, 500), response.status_code
    else:
        assert response.status_code == 403


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


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/admin/units", {"name": "Phường 9", "code": "phuong-9", "level": "Phường/xã"}),
        ("/admin/users/{user}/active", {"active": "0"}),
        ("/admin/classes/{lop}/enrol/unit", {"unit_id": "{unit}"}),
    ],
)
@pytest.mark.parametrize("token", [None, "forged"])
def test_posts_without_a_valid_csrf_token_are_refused(world, auth, client, path, data, token):
    from lms.audit.models import AuditEvent

    auth.login("admin")
    ids = {"user": world.other_learner.id, "lop": world.course_class.id, "unit": world.city.id}
    form = {k: v.format(**ids) for k, v in data.items()}
    if token:
        form["csrf_token"] = token
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    response = client.post(path.format(**ids), data=form)
    assert response.status_code == 400
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == before
    assert world.other_learner.active
