"""Accounts made in bulk and passwords reset by an admin, through one-time codes.

An import creates accounts without a password and with one activation code each, stored only as a
keyed hash; the codes are handed out once as CSV and once as slips (a second time is refused); a
good code sets the password and signs the person in; a wrong code, another account's code, an
expired, used or replaced code, a disabled account, differing or weak passwords are refused with the
exact message and nothing written; an admin's reset issues a code (shown once), the old password
works until it is used, and using it ends the account's older sessions. `flask users import` writes
the codes to a new file given by --codes-out.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.auth.activation import ALREADY_HANDED_OUT
from lms.auth.codes import normalise_code
from lms.auth.models import OneTimeCode, User
from lms.database import utcnow
from lms.extensions import db
from tests import snapshots
from tests.conftest import csrf_token
from tests.refusals import parse

HEADER = "username,full_name,email,role,unit\n"
ROWS = "hv01,Nguyễn Văn An,,,phuong-1\nhv02,Lê Thị Bình,,,phuong-2\nhv.mai,Nguyễn Thị Mai,,,phuong-1\n"
NEW_PASSWORD = "ba-con-meo-tren-mai-nha"


def english(client):
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client, "/login")})


def user(username: str) -> User:
    db.session.commit()
    return db.session.scalar(select(User).where(User.username == username))


def events(action: str) -> list[AuditEvent]:
    db.session.commit()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def import_as_admin(auth, client, text: str = HEADER + ROWS) -> str:
    """Preview and confirm an import as the admin; return the done page."""
    auth.login("admin")
    english(client)
    preview = auth.post(
        "/admin/users/import",
        {"file": (io.BytesIO(text.encode()), "users.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    done = auth.post("/admin/users/import/confirm", {"token": token})
    assert done.status_code == 200
    return done.get_data(as_text=True)


def handout_token(done_page: str) -> str:
    form = done_page[done_page.index('data-test="codes-csv-form"') :]
    return re.search(r'name="token" value="([^"]+)"', form).group(1)


def slip_codes(page: str) -> dict[str, str]:
    slips = re.findall(r'data-test="slip-username">([^<]+)</dd>.*?data-test="slip-code">([^<]+)</dd>', page, flags=re.S)
    return dict(slips)


def activate(client, username: str, code: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        "/activate",
        data={
            "username": username,
            "code": code,
            "password": password,
            "confirm": password if confirm is None else confirm,
            "csrf_token": csrf_token(client, "/activate"),
        },
    )


def problems(response) -> list[str]:
    return [e.text for e in parse(response).find_all(data_test="form-error")]


@pytest.fixture
def imported(world, auth, client):
    """hv01 and hv02 imported (hv.mai updated), with their slips opened once by the admin."""
    done = import_as_admin(auth, client)
    token = handout_token(done)
    slips = auth.post("/admin/users/import/slips", {"token": token}).get_data(as_text=True)
    auth.logout()
    english(client)
    return {"codes": slip_codes(slips), "token": token, "slips": slips}


def test_import_creates_accounts_without_password_and_one_code_each(world, auth, client):
    done = import_as_admin(auth, client)
    assert 'data-created="2"' in done and 'data-updated="0"' in done and 'data-unchanged="1"' in done
    for username in ("hv01", "hv02"):
        account = user(username)
        assert account.password_hash == "" and account.active and not account.check_password("")
        codes = db.session.scalars(select(OneTimeCode).where(OneTimeCode.user_id == account.id)).all()
        assert [(c.purpose, c.used_at, c.created_by) for c in codes] == [("activate", None, world.admin.id)]
        assert timedelta(days=29, hours=23) < codes[0].expires_at - utcnow() <= timedelta(days=30)
    # an existing account is updated, never given a code, and keeps its password
    assert (
        db.session.scalar(select(func.count()).select_from(OneTimeCode).where(OneTimeCode.user_id == world.learner.id))
        == 0
    )
    assert user("hv.mai").check_password("correct-horse-42")
    [event] = events("user.import")
    assert event.details["created_users"] == ["hv01", "hv02"] and event.details["activation_codes"] == 2


def test_the_codes_csv_lists_each_new_account_once_and_is_given_once(world, auth, client):
    done = import_as_admin(auth, client)
    token = handout_token(done)
    response = auth.post("/admin/users/import/codes.csv", {"token": token})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Unit", "Full name", "Username", "Activation code", "Valid until", "Where to go"]
    assert sorted((r[0], r[1], r[2]) for r in rows[1:]) == [
        ("Phường 1", "Nguyễn Văn An", "hv01"),
        ("Phường 2", "Lê Thị Bình", "hv02"),
    ]
    assert all(
        re.fullmatch(r"([0-9A-Z]{4}-){6}[0-9A-Z]{4}", r[3]) and r[5] == "http://localhost/activate" for r in rows[1:]
    )
    before = snapshots.take()
    again = auth.post("/admin/users/import/codes.csv", {"token": token}, follow_redirects=True)
    assert again.request.path == "/admin/users"
    assert ALREADY_HANDED_OUT in again.get_data(as_text=True)
    assert snapshots.changes(before, snapshots.take()) == {}
    assert [e.details for e in events("user.codes_handout")] == [{"form": "csv", "accounts": 2}]


def test_a_forged_or_another_admins_handout_token_is_refused(world, auth, client):
    done = import_as_admin(auth, client)
    token = handout_token(done)
    before = snapshots.take()
    forged = auth.post("/admin/users/import/codes.csv", {"token": token[:-2] + "xx"}, follow_redirects=True)
    assert "These codes are no longer available (the page expired or was changed)." in forged.get_data(as_text=True)
    assert snapshots.changes(before, snapshots.take()) == {}


def test_slips_group_by_unit_and_a_slip_code_activates_the_account_and_signs_in(world, imported, client):
    page = imported["slips"]
    assert re.findall(r'data-test="slip-unit" data-unit="([^"]+)"', page) == ["Phường 1", "Phường 2"]
    assert set(imported["codes"]) == {"hv01", "hv02"} and "http://localhost/activate" in page
    response = activate(client, "hv01", imported["codes"]["hv01"].lower())
    assert response.status_code == 303 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Nguyễn Văn An" in home.get_data(as_text=True)
    account = user("hv01")
    assert account.check_password(NEW_PASSWORD) and account.last_login_at is not None
    code = db.session.scalar(select(OneTimeCode).where(OneTimeCode.user_id == account.id))
    assert code.used_at is not None and account.logged_out_at == code.used_at
    assert [e.details for e in events("user.code_use")] == [{"username": "hv01", "purpose": "activate"}]


def test_the_plain_code_is_nowhere_in_the_database(world, imported):
    dump = repr(snapshots.take())
    for code in imported["codes"].values():
        assert code not in dump and normalise_code(code) not in dump


WRONG = "The username or the code is wrong."


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("wrong code", 400, WRONG),
        ("another user's code", 400, WRONG),
        ("unknown username", 400, WRONG),
        ("empty code", 400, "Enter your username and the code you were given."),
        ("expired", 400, "This code has expired. Ask your administrator for a new one."),
        ("used", 400, "This code has already been used."),
        ("disabled account", 403, "This account is disabled. Ask your administrator."),
        ("passwords differ", 400, "The two passwords are not the same."),
        ("weak password", 400, "password must have at least 8 characters"),
    ],
)
def test_a_bad_activation_is_refused_with_its_message_and_writes_nothing(
    world, imported, client, case, status, message
):
    codes = imported["codes"]
    username, code, password, confirm = "hv01", codes["hv01"], NEW_PASSWORD, None
    if case == "wrong code":
        code = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345"
    elif case == "another user's code":
        code = codes["hv02"]
    elif case == "unknown username":
        username = "khong-co-ai"
    elif case == "empty code":
        code = ""
    elif case == "expired":
        row = db.session.scalar(
            select(OneTimeCode).join(User, User.id == OneTimeCode.user_id).where(User.username == "hv01")
        )
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    elif case == "used":
        assert activate(client, "hv01", code).status_code == 303
        client.post("/logout", data={"csrf_token": csrf_token(client)})
        english(client)
        password = "mot-mat-khau-khac-nua"
    elif case == "disabled account":
        user("hv01").active = False
        db.session.commit()
    elif case == "passwords differ":
        confirm = NEW_PASSWORD + "!"
    elif case == "weak password":
        password = "ngan"
    before = snapshots.take()
    response = activate(client, username, code, password, confirm)
    assert response.status_code == status
    assert problems(response) == [message]
    assert snapshots.changes(before, snapshots.take()) == {}
    assert client.get("/").status_code == 302  # not signed in


def test_wrong_codes_are_limited_per_username(world, imported, client, app):
    app.config["ACTIVATION_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert activate(client, "hv01", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345").status_code == 400
    assert activate(client, "hv01", imported["codes"]["hv01"]).status_code == 429
    assert user("hv01").password_hash == ""
    # another username is not held back by hv01's misses
    assert activate(client, "hv02", imported["codes"]["hv02"]).status_code == 303


def test_an_admin_reset_issues_a_code_shown_once_and_its_use_ends_older_sessions(world, auth, client):
    auth.login("admin")
    english(client)
    page = auth.post(f"/admin/users/{world.learner.id}/password").get_data(as_text=True)
    code = re.search(r'data-test="issued-code">([^<]+)<', page).group(1)
    assert re.search(r'data-test="code-link">http://localhost/activate\?username=hv.mai<', page)
    assert 'data-purpose="reset"' in page and 'data-test="slip-code">' + code in page
    [event] = events("user.code_issue")
    assert event.target == f"user:{world.learner.id}" and event.details["purpose"] == "reset"
    assert code not in repr(snapshots.take())
    # the old password still works until the code is used
    assert user("hv.mai").check_password("correct-horse-42")
    # a second reset replaces the first code
    second = auth.post(f"/admin/users/{world.learner.id}/password").get_data(as_text=True)
    newer = re.search(r'data-test="issued-code">([^<]+)<', second).group(1)
    auth.logout()
    english(client)
    assert problems(activate(client, "hv.mai", code)) == [
        "This code was replaced by a newer one. Use the newest code you were given."
    ]
    assert activate(client, "hv.mai", newer).status_code == 303
    account = user("hv.mai")
    assert account.check_password(NEW_PASSWORD) and not account.check_password("correct-horse-42")
    assert account.logged_out_at is not None


def test_a_used_reset_code_sends_an_older_session_to_the_login_page(world, auth, client, app):
    from tests.conftest import AuthActions

    learner_client = app.test_client()
    assert AuthActions(learner_client).login("hv.mai").status_code == 302
    auth.login("admin")
    page = auth.post(f"/admin/users/{world.learner.id}/password").get_data(as_text=True)
    code = re.search(r'data-test="issued-code">([^<]+)<', page).group(1)
    auth.logout()
    assert activate(client, "hv.mai", code).status_code == 303
    assert learner_client.get("/").status_code == 302


def test_the_command_writes_the_codes_to_a_new_file_only(world, runner, tmp_path):
    source = tmp_path / "users.csv"
    source.write_text(HEADER + ROWS, encoding="utf-8")
    missing = runner.invoke(args=["users", "import", str(source)])
    assert missing.exit_code == 2 and "give --codes-out FILE" in missing.output
    assert user("hv01") is None
    taken = tmp_path / "taken.csv"
    taken.write_text("keep me")
    refused = runner.invoke(args=["users", "import", str(source), "--codes-out", str(taken)])
    assert refused.exit_code == 2 and "already exists" in refused.output and taken.read_text() == "keep me"
    assert user("hv01") is None
    out = tmp_path / "codes.csv"
    result = runner.invoke(args=["users", "import", str(source), "--codes-out", str(out)])
    assert result.exit_code == 0, result.output
    assert "created: 2, updated: 0, unchanged: 1" in result.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["unit", "full_name", "username", "activation_code", "valid_until_utc"]
    assert sorted(r[2] for r in rows[1:]) == ["hv01", "hv02"]
    assert user("hv01").password_hash == ""
