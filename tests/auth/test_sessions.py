"""Sign-ins that end on the server: a cookie saved before a logout, a password change, a disable
and re-enable, or "sign out everywhere" opens nothing afterwards; remember-me tokens rotate, and a
replayed one ends its family; the live room's open sockets are told `logged_out` and cut; a wrong
current password changes nothing; an unknown or disabled username costs the same hash check."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.auth import service
from lms.auth.models import LoginSession, RememberToken, User
from lms.auth.service import UserChanges, set_user_active, update_user
from lms.database import utcnow
from lms.extensions import db
from tests.conftest import AuthActions, IsolatedClient, csrf_token
from tests.factories import PASSWORD

LOGIN_PAGE = "/login?next=%2F"


@pytest.fixture(autouse=True)
def _browsers_as_on_a_server(app):
    """Every test client's request in its own context, as on a server (no user cached across requests)."""
    app.test_client_class = IsolatedClient


def _signed_in(app, username: str = "hv.mai", remember: bool = False):
    """A new browser signed in as the user; returns its client."""
    client = app.test_client()
    token = csrf_token(client, "/login")
    form = {"username": username, "password": PASSWORD, "csrf_token": token} | ({"remember": "1"} if remember else {})
    assert client.post("/login", data=form).status_code == 302
    return client


def _replay(app, cookie: str, name: str = "session"):
    """Another browser presenting a saved cookie: where does "/" send it?"""
    copy = app.test_client()
    copy.set_cookie(name, cookie)
    return copy.get("/")


def _open_sessions(user_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count())
        .select_from(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
    )


def test_the_session_row_keeps_only_a_hash_of_the_cookies_key(app, world):
    client = _signed_in(app)
    (row,) = db.session.scalars(select(LoginSession)).all()
    with client.session_transaction() as browser:
        key = browser["_login_key"]
    assert len(key) >= 40 and row.key_hash != key and len(row.key_hash) == 64
    assert (row.user_id, row.ended_at) == (world.learner.id, None)


def test_a_cookie_saved_before_logout_gets_the_login_page(app, world):
    client = _signed_in(app)
    saved = client.get_cookie("session").value
    assert _replay(app, saved).status_code == 200
    AuthActions(client).logout()
    response = _replay(app, saved)
    assert (response.status_code, response.headers["Location"]) == (302, LOGIN_PAGE)
    (row,) = db.session.scalars(select(LoginSession)).all()
    assert row.ended_at is not None


def test_a_logout_ends_only_that_browsers_session(app, world):
    first, second = _signed_in(app), _signed_in(app)
    AuthActions(first).logout()
    assert second.get("/").status_code == 200
    assert _open_sessions(world.learner.id) == 1


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, world):
    here, elsewhere = _signed_in(app), _signed_in(app)
    saved_here = here.get_cookie("session").value
    response = AuthActions(here).post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "hoc-tap-cchc-2026", "new_password_again": "hoc-tap-cchc-2026"},
    )
    assert (response.status_code, response.headers["Location"]) == (303, "/account")
    page = here.get("/account").get_data(as_text=True)
    assert "Đã đổi mật khẩu. Mọi thiết bị khác đã được đăng xuất." in page
    assert elsewhere.get("/").headers["Location"] == LOGIN_PAGE
    assert _replay(app, saved_here).headers["Location"] == LOGIN_PAGE  # this browser has a fresh key
    assert _open_sessions(world.learner.id) == 1
    fresh = app.test_client()
    assert AuthActions(fresh).login("hv.mai", "hoc-tap-cchc-2026").status_code == 302
    assert AuthActions(app.test_client()).login("hv.mai", PASSWORD).status_code == 401


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {"current_password": "sai-mat-khau-roi", "new_password": "hoc-tap-cchc-2026"},
            "current_password",
            "mật khẩu hiện tại không đúng",
        ),
        (
            {"current_password": PASSWORD, "new_password": "matkhau123"},
            "new_password",
            "mật khẩu này nằm trong số những mật khẩu phổ biến nhất",
        ),
        (
            {"current_password": PASSWORD, "new_password": "Nguyen.Thi.Mai.1990"},
            "new_password",
            "mật khẩu này được tạo từ họ tên hoặc tên đăng nhập của bạn",
        ),
        ({"current_password": PASSWORD, "new_password": "ngắn"}, "new_password", "mật khẩu phải có ít nhất 8 ký tự"),
        (
            {
                "current_password": PASSWORD,
                "new_password": "hoc-tap-cchc-2026",
                "new_password_again": "hoc-tap-cchc-2025",
            },
            "new_password_again",
            "hai lần nhập mật khẩu mới không giống nhau",
        ),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(app, world, form, field, message):
    client = _signed_in(app)
    other = _signed_in(app)
    before = db.session.scalar(select(User.password_hash).where(User.id == world.learner.id))
    form = {"new_password_again": form["new_password"], **form}
    response = AuthActions(client).post("/account/password", form)
    assert response.status_code == 400
    assert f'data-test="error-{field}">{message}</p>' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(User.password_hash).where(User.id == world.learner.id)) == before
    assert _open_sessions(world.learner.id) == 2
    assert other.get("/").status_code == 200 and client.get("/").status_code == 200


def test_disable_then_enable_does_not_bring_old_cookies_back(app, world):
    client = _signed_in(app)
    saved = client.get_cookie("session").value
    set_user_active(world.learner, False, world.admin.id, utcnow())
    db.session.commit()
    assert _replay(app, saved).headers["Location"] == LOGIN_PAGE
    set_user_active(db.session.get(User, world.learner.id), True, world.admin.id, utcnow())
    db.session.commit()
    assert _replay(app, saved).headers["Location"] == LOGIN_PAGE
    assert _open_sessions(world.learner.id) == 0


def test_a_role_change_ends_every_session(app, world):
    client = _signed_in(app)
    learner = db.session.get(User, world.learner.id)
    update_user(learner, UserChanges(learner.full_name, learner.email, "instructor", learner.unit), world.admin.id)
    db.session.commit()
    assert client.get("/").headers["Location"] == LOGIN_PAGE


def test_record_logout_ends_every_session(app, world):
    first, second = _signed_in(app), _signed_in(app, remember=True)
    service.record_logout(db.session.get(User, world.learner.id), utcnow())
    db.session.commit()
    assert first.get("/").headers["Location"] == LOGIN_PAGE
    second.delete_cookie("session")
    assert second.get("/").headers["Location"] == LOGIN_PAGE  # the remember-me token is revoked too


def test_a_remember_me_cookie_rotates_on_every_use(app, world):
    client = _signed_in(app, remember=True)
    first = client.get_cookie("lms_remember")
    assert first.http_only and first.same_site == "Lax"
    assert client.get_cookie("remember_token") is None  # Flask-Login's own cookie is never set
    client.delete_cookie("session")
    assert client.get("/").status_code == 200  # signed in again from the cookie alone
    second = client.get_cookie("lms_remember").value
    assert second != first.value
    tokens = db.session.scalars(select(RememberToken).order_by(RememberToken.id)).all()
    assert [t.used_at is not None for t in tokens] == [True, False]
    assert tokens[0].family == tokens[1].family and tokens[0].expires_at == tokens[1].expires_at
    assert second.split(":")[1] not in {t.validator_hash for t in tokens}  # stored hashed


def test_a_replayed_rotated_token_ends_its_family(app, world):
    client = _signed_in(app, remember=True)
    stolen = client.get_cookie("lms_remember").value
    client.delete_cookie("session")
    assert client.get("/").status_code == 200  # the owner's browser rotates it
    thief = _replay(app, stolen, "lms_remember")
    assert thief.headers["Location"] == LOGIN_PAGE
    db.session.expire_all()
    assert all(t.revoked_at is not None for t in db.session.scalars(select(RememberToken)))
    # the sign-in restored from that family ends too, and the owner's newer token no longer works
    assert client.get("/").headers["Location"] == LOGIN_PAGE
    client.delete_cookie("session")
    assert client.get("/").headers["Location"] == LOGIN_PAGE


def test_a_remember_me_cookie_after_sign_out_everywhere_gets_the_login_page(app, world):
    remembered = _signed_in(app, remember=True)
    saved = remembered.get_cookie("lms_remember").value
    other = _signed_in(app)
    response = AuthActions(other).post("/account/sign-out-everywhere")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    assert "Bạn đã được đăng xuất trên mọi thiết bị." in other.get("/login").get_data(as_text=True)
    assert _replay(app, saved, "lms_remember").headers["Location"] == LOGIN_PAGE
    assert remembered.get("/").headers["Location"] == LOGIN_PAGE
    assert _open_sessions(world.learner.id) == 0


def test_logout_revokes_that_browsers_remember_me_token(app, world):
    client = _signed_in(app, remember=True)
    saved = client.get_cookie("lms_remember").value
    AuthActions(client).logout()
    assert client.get_cookie("lms_remember") is None
    assert _replay(app, saved, "lms_remember").headers["Location"] == LOGIN_PAGE


def test_signing_in_rotates_the_csrf_secret(app, world):
    client = app.test_client()
    csrf_token(client, "/login")
    with client.session_transaction() as browser:
        before = browser["csrf_token"]
    token = csrf_token(client, "/login")
    client.post("/login", data={"username": "hv.mai", "password": PASSWORD, "csrf_token": token})
    csrf_token(client, "/")
    with client.session_transaction() as browser:
        assert browser["csrf_token"] != before


def test_last_seen_is_written_every_few_minutes_at_most(app, world):
    client = _signed_in(app)
    (row,) = db.session.scalars(select(LoginSession)).all()
    created = row.last_seen_at
    client.get("/")
    db.session.expire_all()
    assert db.session.get(LoginSession, row.id).last_seen_at == created  # within the window
    app.config["LOGIN_SESSION_TOUCH_SECONDS"] = 0
    client.get("/")
    db.session.expire_all()
    assert db.session.get(LoginSession, row.id).last_seen_at > created


def test_sign_out_everywhere_cuts_an_open_live_room_socket(app, world):
    from datetime import UTC, datetime, timedelta

    from lms.live.models import AttendanceInterval, LiveSession
    from tests.live.conftest import Socket, call
    from tests.live.conftest import live as _  # noqa: F401 - the fixture is built below instead

    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    db.session.add(session)
    db.session.commit()
    in_room = _signed_in(app)
    socket = Socket(app, in_room)
    assert call(socket, "join", session_id=session.id)["ok"]
    AuthActions(_signed_in(app)).post("/account/sign-out-everywhere")
    assert not socket.is_connected()
    assert [m["args"] for m in socket.client.queue if m["name"] == "logged_out"] == [[{}]]
    db.session.expire_all()
    (stretch,) = db.session.scalars(select(AttendanceInterval)).all()
    assert stretch.left_at is not None
    assert not Socket(app, in_room).is_connected()  # and it cannot come back with that cookie


@pytest.mark.parametrize("case", ["unknown", "disabled", "known"])
def test_every_login_attempt_checks_one_password_hash(app, world, monkeypatch, case):
    checked = []
    real = service.check_password_hash
    monkeypatch.setattr(service, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    if case == "disabled":
        world.learner.active = False
        db.session.commit()
    username = {"unknown": "khong-co-ai", "disabled": "hv.mai", "known": "hv.mai"}[case]
    response = AuthActions(app.test_client()).login(username, "mat-khau-sai-2026")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.get_data(as_text=True)
    dummy = service._dummy_password_hash()
    assert checked == ([world.learner.password_hash] if case == "known" else [dummy])
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


@pytest.mark.parametrize("case", ["unknown", "known"])
def test_the_password_check_holds_no_database_connection(app, world, monkeypatch, case):
    """Sign-ins arriving together must not queue for connections behind each other's 0.1 s hash."""
    held_during_check = []
    real = service.check_password_hash

    def check(password_hash, password):
        held_during_check.append(db.session().get_transaction() is not None)
        return real(password_hash, password)

    monkeypatch.setattr(service, "check_password_hash", check)
    password = "mat-khau-sai-2026" if case == "unknown" else PASSWORD
    response = AuthActions(app.test_client()).login({"unknown": "khong-co-ai", "known": "hv.mai"}[case], password)
    assert response.status_code == (401 if case == "unknown" else 302)
    assert held_during_check == [False]
