"""Sign-in limits that fit an office: only wrong passwords count, per account, per account and
address, and per address with a ceiling an office of 200 behind one address never reaches; the
refusal names what is limited; limits keep working (in memory, logged) when Redis is down."""

import logging
import socket

import pytest
from sqlalchemy import select

from lms import create_app
from lms.auth.models import User
from lms.extensions import db
from tests import factories
from tests.conftest import IsolatedClient, csrf_token

ACCOUNT_MESSAGE = (
    "Too many wrong passwords for this account. Please try again later, or ask an administrator to reset the password."
)
ADDRESS_MESSAGE = "Too many failed sign-ins from your network. Please wait a few minutes and try again."


def sign_in(app, username: str, password: str = factories.PASSWORD, address: str = "127.0.0.1"):
    """One person's browser: a fresh client from `address` posting the login form."""
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def last_login(username: str):
    db.session.commit()
    return db.session.scalar(select(User.last_login_at).where(User.username == username))


def english(app):
    app.config["LANGUAGES"] = ("en", "vi")  # pages in English, so the messages read as written


@pytest.mark.parametrize("people", [12, 200])
def test_an_office_behind_one_address_signs_in(app, world, people):
    english(app)
    for n in range(people):
        factories.make_user(f"cb.{n:03d}", unit=world.ward)
    db.session.commit()
    for n in range(people):
        assert sign_in(app, f"cb.{n:03d}", "a-typing-mistake").status_code == 401  # everyone mistypes once
        response = sign_in(app, f"cb.{n:03d}")
        assert response.status_code == 302, n
        assert response.headers["Location"] == "/"
    assert last_login(f"cb.{people - 1:03d}") is not None


def test_eleven_wrong_passwords_for_one_account_are_refused_but_others_sign_in(app, world):
    english(app)
    statuses = [sign_in(app, "hv.mai", "wrong-password").status_code for _ in range(10)]
    assert statuses == [401] * 10
    refused = sign_in(app, "hv.mai", "wrong-password")
    assert refused.status_code == 429
    assert ACCOUNT_MESSAGE in refused.get_data(as_text=True)
    right = sign_in(app, "hv.mai")  # even the right password waits now
    assert right.status_code == 429 and ACCOUNT_MESSAGE in right.get_data(as_text=True)
    assert last_login("hv.mai") is None
    assert sign_in(app, "HV.NAM ").status_code == 302  # another account, same address
    assert last_login("hv.nam") is not None


def test_the_account_limit_holds_across_addresses(app, world):
    english(app)
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "15 per 15 minutes"
    for n in range(15):
        address = f"198.51.100.{n // 10 + 1}"  # ten from one address, five from another
        assert sign_in(app, "hv.mai", "wrong-password", address).status_code == 401
    refused = sign_in(app, "hv.mai", "wrong-password", "198.51.100.9")
    assert refused.status_code == 429 and ACCOUNT_MESSAGE in refused.get_data(as_text=True)


def test_the_address_ceiling_counts_wrong_passwords_of_every_account(app, world):
    english(app)
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 10 minutes"
    for username in ("hv.mai", "hv.nam", "gv.an"):
        assert sign_in(app, username, "wrong-password").status_code == 401
    refused = sign_in(app, "gv.binh")
    assert refused.status_code == 429 and ADDRESS_MESSAGE in refused.get_data(as_text=True)
    assert sign_in(app, "gv.binh", address="198.51.100.20").status_code == 302  # another address


def test_successful_sign_ins_never_count(app, world):
    for _ in range(25):
        assert sign_in(app, "hv.mai").status_code == 302
    assert sign_in(app, "hv.mai", "wrong-password").status_code == 401


def test_the_refusal_is_translated(app, world):
    for _ in range(10):
        sign_in(app, "hv.mai", "wrong-password")
    page = sign_in(app, "hv.mai", "wrong-password").get_data(as_text=True)
    assert (
        "Nhập sai mật khẩu quá nhiều lần cho tài khoản này. Vui lòng thử lại sau, "
        "hoặc đề nghị quản trị viên đặt lại mật khẩu."
    ) in page


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_limits_go_on_in_memory_when_the_storage_is_unreachable(world, database_url, caplog):
    down = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{closed_port()}/15"},
    )
    english(down)
    db.session.commit()
    with caplog.at_level(logging.WARNING, logger="flask-limiter"), down.app_context():
        statuses = [sign_in(down, "hv.mai", "wrong-password").status_code for _ in range(11)]
        assert statuses == [401] * 10 + [429]  # still limited, from memory
        assert sign_in(down, "hv.nam").status_code == 302
        assert down.test_client().get("/verify/" + "B" * 32).status_code == 404
        db.session.remove()
        db.engine.dispose()  # this app's own connections, not the fixture's
    assert "Rate limit storage unreachable - falling back to in-memory storage" in caplog.text
