"""The dashboard links to a live session left to attend (`next_step` itself: test_completion_edges.py)."""

from datetime import UTC, datetime, timedelta

from lms.extensions import db
from lms.live.models import LiveSession


def next_step_link(client) -> str:
    page = client.get("/").get_data(as_text=True)
    link = page.split('data-test="next-step"', 1)[1]
    return link.split("</a>", 1)[0]


def test_the_dashboard_links_to_a_required_live_session_left(world, auth, client):
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi trao đổi tình huống",
        starts_at=datetime.now(UTC) + timedelta(days=1),
        duration_minutes=60,
    )
    db.session.add(session)
    db.session.commit()
    auth.login("hv.mai")
    for slug in ("mo-dau", "thu-tuc"):
        auth.post(f"/classes/{world.course_class.id}/modules/{slug}/done")
    link = next_step_link(client)
    assert f'href="/sessions/{session.id}"' in link
    assert "Buổi học trực tuyến bắt buộc: Buổi trao đổi tình huống" in link
