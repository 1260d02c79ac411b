"""The audit log page: filters, pagination, safe details."""

from datetime import UTC, datetime

from lms.audit.models import AuditEvent, record_audit
from lms.extensions import db


def test_filters_by_actor_action_target_and_dates(world, auth, client):
    record_audit(world.admin.id, "user.disable", f"user:{world.learner.id}", username="hv.mai")
    old = record_audit(None, "unit.create", "unit:1", code="tp")
    old.created_at = datetime(2025, 1, 10, 3, 0, tzinfo=UTC)
    db.session.commit()
    auth.login("admin")

    def shown(query: str) -> list[str]:
        page = client.get("/admin/audit" + query)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        return [a for a in ("user.disable", "unit.create", "class.enrol") if f'data-action="{a}"' in text]

    assert shown("") == ["user.disable", "unit.create", "class.enrol"]
    assert shown("?actor=admin") == ["user.disable"]
    assert shown("?action=unit.create") == ["unit.create"]
    assert shown(f"?target=user:{world.learner.id}") == ["user.disable"]
    assert shown("?since=2025-01-10&until=2025-01-10") == ["unit.create"]
    assert shown("?until=2025-01-09") == []
    assert shown("?action=bogus&page=zz") == ["user.disable", "unit.create", "class.enrol"]
    assert client.get("/admin/audit?since=2025-02-31").status_code == 400


def test_paginates(world, auth, client):
    for n in range(30):
        record_audit(world.admin.id, "user.update", f"user:{n}")
    db.session.commit()
    auth.login("admin")
    first = client.get("/admin/audit").get_data(as_text=True)
    assert first.count('data-test="audit-event"') == 25 and 'rel="next"' in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert second.count('data-test="audit-event"') == 6 and 'rel="prev"' in second
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 31


def test_details_are_shown_escaped(world, auth, client):
    record_audit(world.admin.id, "user.update", "user:1", full_name={"from": "<b>x</b>", "to": "<script>1</script>"})
    db.session.commit()
    auth.login("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "<script>1</script>" not in page and "&lt;script&gt;1&lt;/script&gt;" in page
