"""People screens: search, create, edit, disable/enable, passwords, CSV import with preview and confirm."""

import re

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.extensions import db
from tests import factories

TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')
HEADER = "username,full_name,email,role,unit\n"


def users_count() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(User))


def events(action: str) -> list[AuditEvent]:
    db.session.commit()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def upload(auth, text: str, encoding: str = "utf-8"):
    import io

    return auth.post(
        "/admin/users/import",
        {"file": (io.BytesIO(text.encode(encoding)), "users.csv")},
        content_type="multipart/form-data",
    )


def test_search_filters_and_paginates(world, auth, client):
    for n in range(30):
        factories.make_user(f"hv.{n:02d}", unit=world.other_ward, full_name=f"Học Viên {n:02d}")
    auth.login("admin")
    page = client.get("/admin/users?role=learner").get_data(as_text=True)
    assert page.count('data-test="user-row"') == 25 and 'data-test="pager"' in page
    second = client.get("/admin/users?role=learner&page=2").get_data(as_text=True)
    assert second.count('data-test="user-row"') == 7
    found = client.get("/admin/users?q=Mai").get_data(as_text=True)
    assert 'data-username="hv.mai"' in found and found.count('data-test="user-row"') == 1
    by_unit = client.get(f"/admin/users?unit_id={world.city.id}&subunits=1&role=learner").get_data(as_text=True)
    assert by_unit.count('data-test="user-row"') == 25
    only_city = client.get(f"/admin/users?unit_id={world.city.id}&role=learner").get_data(as_text=True)
    assert only_city.count('data-test="user-row"') == 0
    assert client.get("/admin/users?page=abc&role=nonsense&active=x&unit_id=x").status_code == 200
    assert client.get("/admin/users?q=%25_").status_code == 200
    for query in ("Nguyễn Thị", "nguyễn thị", "HV.MAI"):
        page = client.get("/admin/users", query_string={"q": query}).get_data(as_text=True)
        assert 'data-username="hv.mai"' in page, query


def test_create_with_a_generated_password_shown_once(world, auth, client):
    auth.login("admin")
    response = auth.post(
        "/admin/users/new",
        {
            "username": "HV.Moi",
            "full_name": "Lê Văn Mới",
            "role": "learner",
            "unit_id": str(world.ward.id),
            "email": "",
        },
    )
    assert response.status_code == 200
    password = re.search(r'data-test="generated-password">([^<]+)<', response.get_data(as_text=True)).group(1)
    user = db.session.scalar(select(User).where(User.username == "hv.moi"))
    assert user.check_password(password)
    assert events("user.create")[-1].actor_id == world.admin.id
    again = auth.post(
        "/admin/users/new", {"username": "hv.moi", "full_name": "X", "role": "learner", "unit_id": str(world.ward.id)}
    )
    assert again.status_code == 400 and users_count() == 6


@pytest.mark.parametrize(
    "data",
    [
        {"username": "x", "full_name": "A", "role": "learner"},
        {"username": "hv.ok", "full_name": "", "role": "learner"},
        {"username": "hv.ok", "full_name": "A", "role": "chief"},
        {"username": "hv.ok", "full_name": "A", "role": "learner", "email": "not-mail"},
        {"username": "hv.ok", "full_name": "A", "role": "learner", "password": "short"},
        {"username": "hv.ok", "full_name": "A", "role": "learner", "unit_id": "999999"},
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(world, auth, data):
    auth.login("admin")
    data = {"unit_id": str(world.ward.id), **data}
    response = auth.post("/admin/users/new", data)
    assert response.status_code == 400 and 'data-test="form-error"' in response.get_data(as_text=True)
    assert users_count() == 5 and events("user.create") == []


def test_edit_changes_fields_and_audits_old_and_new(world, auth):
    auth.login("admin")
    response = auth.post(
        f"/admin/users/{world.learner.id}",
        {
            "full_name": "Nguyễn Thị Mai Anh",
            "email": "mai@example.vn",
            "role": "instructor",
            "unit_id": str(world.other_ward.id),
        },
    )
    assert response.status_code == 303
    db.session.commit()
    user = db.session.get(User, world.learner.id)
    assert (user.full_name, user.email, user.role, user.unit_id) == (
        "Nguyễn Thị Mai Anh",
        "mai@example.vn",
        "instructor",
        world.other_ward.id,
    )
    (event,) = events("user.update")
    assert event.details["role"] == {"from": "learner", "to": "instructor"}
    assert event.target == f"user:{world.learner.id}"


def test_an_admin_cannot_lock_themselves_out(world, auth):
    auth.login("admin")
    demote = auth.post(
        f"/admin/users/{world.admin.id}", {"full_name": "A", "role": "learner", "unit_id": str(world.city.id)}
    )
    assert demote.status_code == 400
    disable = auth.post(f"/admin/users/{world.admin.id}/active", {"active": "0"})
    assert disable.status_code == 303
    db.session.commit()
    admin = db.session.get(User, world.admin.id)
    assert admin.role == "admin" and admin.active
    assert events("user.update") == [] and events("user.disable") == []


def test_disabling_ends_the_users_session_and_enabling_restores_login(world, app, auth, client):
    other = app.test_client()
    from tests.conftest import AuthActions

    learner = AuthActions(other)
    learner.login("hv.mai")
    assert other.get("/").status_code == 200
    auth.login("admin")
    assert auth.post(f"/admin/users/{world.learner.id}/active", {"active": "0"}).status_code == 303
    assert other.get("/").status_code == 302  # the open session has ended
    assert learner.login("hv.mai").status_code == 401
    assert auth.post(f"/admin/users/{world.learner.id}/active", {"active": "1"}).status_code == 303
    assert learner.login("hv.mai").status_code == 302
    assert [e.action for e in events("user.disable") + events("user.enable")] == ["user.disable", "user.enable"]
    assert auth.post(f"/admin/users/{world.learner.id}/active", {"active": "maybe"}).status_code == 400


def test_password_reset_issues_a_code_and_never_shows_a_password(world, auth):
    auth.login("admin")
    response = auth.post(f"/admin/users/{world.learner.id}/password", {"password": "mot-mat-khau-moi"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-test="issued-code"' in page and "mot-mat-khau-moi" not in page
    db.session.commit()
    learner = db.session.get(User, world.learner.id)
    assert learner.check_password("correct-horse-42") and not learner.check_password("mot-mat-khau-moi")
    assert [e.details["purpose"] for e in events("user.code_issue")] == ["reset"]
    assert events("user.password_reset") == []


def test_import_preview_lists_every_bad_line_and_writes_nothing(world, auth):
    auth.login("admin")
    response = upload(
        auth,
        HEADER
        + "hv01,Nguyễn Văn An,,,phuong-1\n"
        + "hv02,Lê B,,chief,tp\n"
        + ",Không tên,,,tp\n"
        + "hv01,Trùng Tên,,,tp\n"
        + "hv05,Phạm E,not-an-email,,khong-co\n",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    lines = re.findall(r'data-test="import-error" data-line="(\d+)"', page)
    assert sorted(set(lines)) == ["3", "4", "5", "6"] and lines.count("6") == 2
    assert 'data-test="import-confirm"' not in page
    assert users_count() == 5


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("username,name,unit\nhv01,A,tp\n", "utf-8"),
        (HEADER + "hv01,Lê Hà,,,tp\n", "latin-1"),
        ("", "utf-8"),
        (HEADER + "hv01,A,,,tp,extra\n", "utf-8"),
    ],
)
def test_import_refuses_malformed_files(world, auth, text, encoding):
    auth.login("admin")
    response = upload(auth, text, encoding)
    assert response.status_code == 400 and 'data-test="import-error"' in response.get_data(as_text=True)
    assert users_count() == 5


def test_import_preview_then_confirm_writes_all_and_reimport_creates_no_duplicates(world, auth):
    auth.login("admin")
    csv = "\ufeff" + HEADER + "hv01,Nguyễn Văn An,,,phuong-1\nhv02,Lê Thị Bình,,,phuong-2\n"
    preview = upload(auth, csv)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert page.count('data-test="import-row"') == 2 and users_count() == 5
    token = TOKEN_RE.search(page).group(1)
    done = auth.post("/admin/users/import/confirm", {"token": token})
    assert done.status_code == 200
    result = done.get_data(as_text=True)
    assert 'data-created="2"' in result and 'data-test="open-slips"' in result
    assert users_count() == 7
    again = auth.post("/admin/users/import/confirm", {"token": token})
    assert 'data-created="0"' in again.get_data(as_text=True) and 'data-unchanged="2"' in again.get_data(as_text=True)
    assert users_count() == 7
    assert events("user.import")[0].details["created_users"] == ["hv01", "hv02"]


def test_confirm_refuses_a_changed_or_foreign_token(world, auth, app):
    auth.login("admin")
    token = TOKEN_RE.search(upload(auth, HEADER + "hv01,An,,,tp\n").get_data(as_text=True)).group(1)
    for bad in (token[:-3] + "abc", "", "x.y.z"):
        assert auth.post("/admin/users/import/confirm", {"token": bad}).status_code == 400
    assert users_count() == 5
    factories.make_user("admin2", "admin", world.city)
    db.session.commit()
    auth.logout()
    auth.login("admin2")
    assert auth.post("/admin/users/import/confirm", {"token": token}).status_code == 400
    assert users_count() == 6


def test_confirm_rechecks_units_retired_since_the_preview(world, auth):
    from lms.database import utcnow

    auth.login("admin")
    token = TOKEN_RE.search(upload(auth, HEADER + "hv01,An,,,phuong-2\n").get_data(as_text=True)).group(1)
    world.other_ward.retired_at = utcnow()
    db.session.commit()
    response = auth.post("/admin/users/import/confirm", {"token": token})
    assert response.status_code == 400 and 'data-line="2"' in response.get_data(as_text=True)
    assert users_count() == 5


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "<img src=x onerror=alert(1)>"])
def test_names_are_shown_escaped(world, auth, client, name):
    auth.login("admin")
    auth.post(f"/admin/users/{world.learner.id}", {"full_name": name, "role": "learner", "unit_id": str(world.ward.id)})
    for path in (
        "/admin/users",
        f"/admin/users/{world.learner.id}",
        f"/admin/classes/{world.course_class.id}",
        "/admin/audit",
    ):
        page = client.get(path).get_data(as_text=True)
        assert "<img src=x" not in page
        if name.startswith("<"):
            assert "&lt;img src=x onerror=alert(1)&gt;" in page, path
        else:
            assert "=HYPERLINK(&#34;http://x&#34;)" in page, path
    preview = upload(auth, HEADER + f'hv09,"{name.replace(chr(34), chr(34) * 2)}",,,tp,\n')
    assert "<img src=x" not in preview.get_data(as_text=True)
