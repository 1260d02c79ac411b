"""Every POST route of the URL map refuses a form without a valid CSRF token: exactly 400, the
"form expired" page, and not one row of the database changed.

The request comes from a visitor the access matrix (tests/test_access.py) lets use the route, with
the form the matrix shows it accepting with a token, so only the token is missing: a route that
loses its protection (say, `@csrf.exempt`) answers as the view would and fails here. The testing configuration keeps
Flask-WTF's CSRFProtect on (WTF_CSRF_ENABLED is never turned off), which the first test checks.
"""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext

from tests import snapshots
from tests.factories import PASSWORD
from tests.test_access import ROWS, Row

EXPIRED = "Your form expired or was sent from elsewhere. Please reload the page and try again."
# Signed-in visitors first: a route is swept as someone who may use it.
PREFERRED = ("admin", "teacher", "learner", "head", "anonymous")


def _user_of(row: Row) -> str:
    return next(v for v in PREFERRED if not row.refused(v))


def _post_rows() -> list[Row]:
    """One row per POST rule: the first that some visitor may use."""
    chosen: dict[str, Row] = {}
    for row in ROWS:
        if row.method == "POST" and row.rule not in chosen and any(not row.refused(v) for v in PREFERRED):
            chosen[row.rule] = row
    return list(chosen.values())


POST_ROWS = _post_rows()


def test_csrf_protection_is_on_and_every_post_route_is_swept(route_world):
    app = route_world.app
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True
    posts = {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posts == {row.rule for row in POST_ROWS}


@pytest.mark.parametrize("token", [None, "forged"], ids=["no-token", "forged-token"])
@pytest.mark.parametrize("row", POST_ROWS, ids=[f"{row.rule}-{_user_of(row)}" for row in POST_ROWS])
def test_a_post_without_a_valid_token_is_refused_and_writes_nothing(route_world, row, token):
    visitor = _user_of(row)
    form = row.form(route_world.w) if row.form else {}
    if token:
        form["csrf_token"] = token
    response = route_world.client(visitor).post(row.path(route_world.w), data=form)
    after = snapshots.take()
    try:
        assert response.status_code == 400
        with route_world.app.test_request_context(), force_locale("vi"):
            message = gettext(EXPIRED)
        assert message != EXPIRED  # the page speaks the default language, Vietnamese
        assert message in response.get_data(as_text=True)
        assert snapshots.changes(route_world.base, after) == {}
    finally:
        response.close()
        if after != route_world.base:
            snapshots.restore(route_world.base)


@pytest.mark.parametrize("token", [None, "forged"], ids=["no-token", "forged-token"])
def test_the_login_form_needs_its_token(route_world, token):
    """Signing in from a page elsewhere (login CSRF) is refused before the password is checked."""
    form = {"username": "hv.mai", "password": PASSWORD} | ({"csrf_token": token} if token else {})
    client = route_world.client("anonymous")
    response = client.post("/login", data=form)
    after = snapshots.take()
    try:
        assert response.status_code == 400
        assert client.get("/").headers["Location"] == "/login?next=%2F"  # still signed out
        assert snapshots.changes(route_world.base, after) == {}  # no last_login_at written
    finally:
        if after != route_world.base:
            snapshots.restore(route_world.base)
