"""No path demotes or disables the acting admin or the last active admin: the edit screen, the
disable button, the CSV import (web preview and confirm, and `flask users import`) all apply the
one rule, with the same message, and write nothing on refusal."""

import io
import re

from sqlalchemy import select

from lms.auth.models import Role, User
from lms.extensions import db
from tests import factories

HEADER = "username,full_name,role,unit\n"
SELF_DEMOTE = "bạn không thể tự bỏ vai trò quản trị của mình"
LAST_DEMOTE = "quản trị viên đang hoạt động cuối cùng không thể mất vai trò quản trị"
LAST_DISABLE = "không thể vô hiệu hóa quản trị viên đang hoạt động cuối cùng"


def role_of(username: str) -> str:
    db.session.commit()
    db.session.expire_all()
    return db.session.scalar(select(User.role).where(User.username == username))


def upload(auth, text: str):
    return auth.post(
        "/admin/users/import", {"file": (io.BytesIO(text.encode()), "u.csv")}, content_type="multipart/form-data"
    )


def errors(response) -> list[tuple[str, str]]:
    return re.findall(
        r'data-test="import-error" data-line="(\d+)">Dòng \d+: ([^<]*)</li>', response.get_data(as_text=True)
    )


def test_an_import_cannot_demote_the_importing_admin(world, auth):
    factories.make_user("admin2", Role.ADMIN, world.city)
    auth.login("admin")
    response = upload(auth, HEADER + "hv01,Người Mới,learner,tp\nadmin,Quản Trị Viên,learner,tp\n")
    assert response.status_code == 400
    assert errors(response) == [("3", SELF_DEMOTE)]
    assert role_of("admin") == "admin" and role_of("hv01") is None


def test_an_import_cannot_demote_the_last_active_admin(world, auth, runner, tmp_path):
    other = factories.make_user("admin2", Role.ADMIN, world.city)
    factories.make_user("admin3", Role.ADMIN, world.city, active=False)  # a disabled admin does not count
    auth.login("admin2")
    db.session.commit()
    other_admin = db.session.get(User, world.admin.id)
    other_admin.active = True
    db.session.commit()
    # admin2 demotes admin: fine while admin2 stays; with admin2's own demotion it is refused.
    response = upload(auth, HEADER + "admin,Quản Trị Viên,instructor,tp\n")
    assert response.status_code == 200
    path = tmp_path / "u.csv"
    path.write_text(HEADER + "admin,Quản Trị Viên,instructor,tp\nadmin2,Hai,learner,tp\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: the last active admin cannot lose the admin role" in result.output
    assert role_of("admin") == "admin" and role_of("admin2") == "admin"
    assert other.active


def test_the_last_admin_is_kept_on_the_edit_screen_and_the_disable_button(world, auth, runner):
    learner_admin = factories.make_user("admin2", Role.ADMIN, world.city)
    auth.login("admin2")
    # Disable admin (fine, admin2 remains), then admin2 cannot be demoted by... nobody else: the CLI
    # path (no acting admin) meets the last-admin rule through the same service.
    assert auth.post(f"/admin/users/{world.admin.id}/active", {"active": "0"}).status_code == 303
    page = auth.post(f"/admin/users/{learner_admin.id}/active", {"active": "0"}, follow_redirects=True)
    assert "bạn không thể khóa tài khoản của chính mình" in page.get_data(as_text=True)
    edited = auth.post(
        f"/admin/users/{learner_admin.id}",
        {"full_name": "Hai", "role": "learner", "unit_id": str(world.city.id)},
    )
    assert edited.status_code == 400 and SELF_DEMOTE in edited.get_data(as_text=True)
    assert role_of("admin2") == "admin"


def test_the_rule_refuses_the_last_admin_for_any_actor(world):
    from lms.auth.service import set_user_active
    from lms.database import utcnow
    from lms.refusals import Refused

    try:
        set_user_active(world.admin, False, actor_id=None, now=utcnow())
    except Refused as refusal:
        assert [str(p) for p in refusal.problems] == ["the last active admin cannot be disabled"]
    else:
        raise AssertionError("the last admin was disabled")
    db.session.rollback()
    assert db.session.get(User, world.admin.id).active
