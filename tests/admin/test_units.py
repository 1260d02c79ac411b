"""The unit tree screens: add, rename, move (no cycles), retire and restore, audited."""

from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.database import utcnow
from lms.extensions import db
from lms.org.models import Unit
from lms.org.service import unit_tree
from lms.org.structure import move_problem
from tests import factories


def audit_actions() -> list[str]:
    db.session.commit()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_move_problem_refuses_cycles_without_a_database():
    parents = {1: None, 2: 1, 3: 2, 4: 1}
    assert move_problem(2, 3, parents) is not None  # under its own child
    assert move_problem(2, 2, parents) is not None  # under itself
    assert move_problem(3, 4, parents) is None
    assert move_problem(2, None, parents) is None


def test_tree_lists_units_depth_first(world):
    rows = [(r.unit.code, r.depth) for r in unit_tree()]
    assert rows == [("tp", 0), ("phuong-1", 1), ("phuong-2", 1)]


def test_admin_adds_a_unit_under_a_parent(world, auth, client):
    auth.login("admin")
    response = auth.post(
        "/admin/units",
        {"name": "  Phường  3 ", "code": "Phuong-3", "level": "Phường/xã", "parent_id": str(world.city.id)},
    )
    assert response.status_code == 303
    unit = db.session.scalar(select(Unit).where(Unit.code == "phuong-3"))
    assert unit.name == "Phường 3" and unit.parent_id == world.city.id
    assert audit_actions() == ["class.enrol", "unit.create"]
    page = client.get("/admin/units").get_data(as_text=True)
    assert 'data-code="phuong-3"' in page and "depth-1" in page


def test_bad_unit_input_is_refused_with_a_message(world, auth):
    auth.login("admin")
    for data in (
        {"name": "", "code": "x1", "level": "L"},
        {"name": "A", "code": "tp", "level": "L"},
        {"name": "A", "code": "ok-code", "level": "L", "parent_id": "abc"},
        {"name": "A", "code": "ok-code", "level": "L", "parent_id": "99999"},
    ):
        response = auth.post("/admin/units", data)
        assert response.status_code == 400
        assert 'data-test="form-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 3


def test_moving_a_unit_under_its_descendant_is_refused(world, auth):
    child = factories.make_unit("to-1", "Tổ 1", "Tổ", parent=world.ward)
    auth.login("admin")
    response = auth.post(f"/admin/units/{world.city.id}/move", {"parent_id": str(child.id)})
    assert response.status_code == 400
    assert 'data-test="form-error"' in response.get_data(as_text=True)
    db.session.commit()
    assert db.session.get(Unit, world.city.id).parent_id is None
    assert "unit.move" not in audit_actions()


def test_moving_a_unit_takes_its_sub_units_along(world, auth):
    child = factories.make_unit("to-1", "Tổ 1", "Tổ", parent=world.ward)
    auth.login("admin")
    assert auth.post(f"/admin/units/{world.ward.id}/move", {"parent_id": str(world.other_ward.id)}).status_code == 303
    db.session.commit()
    assert db.session.get(Unit, world.ward.id).parent_id == world.other_ward.id
    assert db.session.get(Unit, child.id).parent_id == world.ward.id
    assert audit_actions()[-1] == "unit.move"


def test_rename_and_its_audit(world, auth):
    auth.login("admin")
    assert (
        auth.post(f"/admin/units/{world.ward.id}/rename", {"name": "Phường Bến Thành", "level": "Phường"}).status_code
        == 303
    )
    db.session.commit()
    assert db.session.get(Unit, world.ward.id).name == "Phường Bến Thành"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "unit.rename"))
    assert event.details["old_name"] == "Phường 1" and event.actor_id == world.admin.id


def test_retire_needs_sub_units_retired_first_and_takes_nobody_new(world, auth):
    auth.login("admin")
    response = auth.post(f"/admin/units/{world.city.id}/retire")
    assert response.status_code == 400
    db.session.commit()
    assert db.session.get(Unit, world.city.id).retired_at is None
    assert auth.post(f"/admin/units/{world.ward.id}/retire").status_code == 303
    db.session.commit()
    assert db.session.get(Unit, world.ward.id).retired_at is not None
    page = auth.client.get("/admin/units").get_data(as_text=True)
    assert 'data-code="phuong-1"' in page and "retired" in page
    # A retired unit takes no new unit, no new account and no enrolment.
    assert (
        auth.post(
            "/admin/units", {"name": "A", "code": "con", "level": "L", "parent_id": str(world.ward.id)}
        ).status_code
        == 400
    )
    assert (
        auth.post(
            "/admin/users/new",
            {"username": "hv.moi", "full_name": "Mới", "role": "learner", "unit_id": str(world.ward.id)},
        ).status_code
        == 400
    )
    response = auth.post(f"/admin/classes/{world.other_class.id}/enrol/unit", {"unit_id": str(world.ward.id)})
    assert response.status_code == 400
    # Restored, it takes people again.
    assert auth.post(f"/admin/units/{world.ward.id}/restore").status_code == 303
    db.session.commit()
    assert db.session.get(Unit, world.ward.id).retired_at is None
    assert audit_actions()[-2:] == ["unit.retire", "unit.restore"]


def test_a_retired_unit_cannot_be_restored_under_a_retired_parent(world, auth):
    world.ward.retired_at = world.other_ward.retired_at = utcnow()
    world.city.retired_at = utcnow()
    auth.login("admin")
    assert auth.post(f"/admin/units/{world.ward.id}/restore").status_code == 400


def form_error(response) -> str:
    page = response.get_data(as_text=True)
    start = page.index('data-test="form-error">') + len('data-test="form-error">')
    return page[start : page.index("</p>", start)]


def test_admin_sets_and_removes_a_unit_head_on_the_unit_page(world, auth, client):
    auth.login("admin")
    path = f"/admin/units/{world.ward.id}"
    added = auth.post(f"{path}/heads", {"username": " GV.AN "})
    assert added.status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert "Giảng Viên An nay phụ trách đơn vị này và các đơn vị trực thuộc." in page
    assert 'data-test="unit-head" data-username="gv.an"' in page
    unknown = auth.post(f"{path}/heads", {"username": "khong.co"})
    assert unknown.status_code == 400
    assert form_error(unknown) == "không có tài khoản nào có tên đăng nhập &#39;khong.co&#39;"
    removed = auth.post(f"{path}/heads/{world.teacher.id}/remove")
    assert removed.status_code == 303
    assert "Giảng Viên An không còn phụ trách đơn vị này." in client.get(path).get_data(as_text=True)
    not_head = auth.post(f"{path}/heads/{world.teacher.id}/remove")
    assert form_error(not_head) == "&#39;gv.an&#39; không phải là lãnh đạo của đơn vị &#39;phuong-1&#39;"
    assert audit_actions()[-2:] == ["unit.head_set", "unit.head_remove"]
