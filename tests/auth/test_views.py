"""Logging in and out, CSRF, rate limits, cookies, security headers, language."""

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from tests.conftest import csrf_token


def test_login_lands_on_dashboard_and_records_time(world, auth, client):
    response = auth.login("hv.mai")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert db.session.scalar(select(User.last_login_at).where(User.username == "hv.mai")) is not None


def test_usernames_are_case_insensitive(world, auth):
    assert auth.login("  HV.Mai ").status_code == 302


@pytest.mark.parametrize(
    ("username", "password"), [("hv.mai", "wrong-password"), ("khong-co", "whatever123"), ("", "")]
)
def test_wrong_credentials_get_one_clear_message(world, auth, client, username, password):
    response = auth.login(username, password)
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(
        as_text=True
    ) or "Wrong username or password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_disabled_user_cannot_log_in_and_is_cut_off(world, auth, client):
    assert auth.login("hv.mai").status_code == 302
    world.learner.active = False
    db.session.commit()
    assert client.get("/").status_code == 302  # the open session no longer counts
    assert auth.login("hv.mai").status_code == 401


def test_safe_next_is_followed(world, auth):
    target = f"/classes/{world.course_class.id}"
    assert auth.login("hv.mai", next_url=target).headers["Location"] == target


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_next_to_another_site_is_ignored(world, auth, evil):
    assert auth.login("hv.mai", next_url=evil).headers["Location"] == "/"


def test_login_page_drops_unsafe_next(client):
    body = client.get("/login?next=https://evil.example/").get_data(as_text=True)
    login_form = body[body.index('action="/login"') :]
    assert '<input type="hidden" name="next" value="">' in login_form


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_forms_without_a_valid_csrf_token_are_refused(world, client, token):
    data = {"username": "hv.mai", "password": "correct-horse-42"}
    if token:
        data["csrf_token"] = token
    response = client.post("/login", data=data)
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not logged in


def test_csrf_protects_progress_too(world, auth, client):
    auth.login("hv.mai")
    path = f"/classes/{world.course_class.id}/modules/mo-dau/done"
    assert client.post(path, data={"csrf_token": "x"}).status_code == 400
    assert client.post(path).status_code == 400


def test_login_attempts_are_rate_limited(world, auth, client):
    statuses = [auth.login("hv.mai", "wrong-password").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    assert auth.login("hv.mai").status_code == 429  # even the right password waits


def test_session_cookie_is_httponly_and_samesite(world, auth):
    cookie = auth.login("hv.mai").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.get_data(as_text=True)  # no inline script for the CSP to block


def test_logout_ends_the_session(world, auth, client):
    auth.login("hv.mai")
    response = auth.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_vietnamese_is_the_default_language(client):
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in body


def test_language_choice_is_remembered_for_the_user(world, auth, client):
    auth.login("hv.mai")
    response = auth.post("/language", {"locale": "en", "next": "/"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert db.session.scalar(select(User.locale).where(User.username == "hv.mai")) == "en"
    auth.logout()
    with client.session_transaction() as session:
        session.clear()
    auth.login("hv.mai")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_refused(client):
    response = client.post("/language", data={"locale": "xx", "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 303
    assert '<html lang="vi">' in client.get("/login").get_data(as_text=True)


def test_language_switch_does_not_redirect_off_site(client):
    response = client.post(
        "/language", data={"locale": "en", "next": "https://evil.example/", "csrf_token": csrf_token(client)}
    )
    assert response.headers["Location"] == "/login"
