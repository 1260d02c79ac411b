"""The check-in code on the room's screen follows the minute by script, announced in a live region."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from lms.extensions import db
from lms.live.models import LiveSession
from tests.browser.helpers import login

pytestmark = pytest.mark.browser


@pytest.fixture
def live(world):
    session = LiveSession(
        class_id=world.course_class.id, title="Buổi 1", duration_minutes=60, starts_at=datetime.now(UTC)
    )
    db.session.add(session)
    db.session.commit()
    return session


def test_the_code_changes_in_place_when_its_minute_ends(page: Page, live):
    """The server's next code is faked (a real one changes once a minute); the page's clock is
    Playwright's, so the minute ends at once."""
    asked = []

    def next_code(route):
        asked.append(route.request.url)
        route.fulfill(content_type="application/json", body=json.dumps({"code": "654321", "seconds_left": 60}))

    page.clock.install()
    login(page, "gv.an")
    page.route("**/checkin-code?format=json", next_code)
    page.goto(f"/sessions/{live.id}/checkin-code")
    code = page.get_by_test_id("checkin-code")
    first = code.inner_text()
    assert first.isdigit() and len(first) == 6 and first != "654321"
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    expect(code).to_have_attribute("aria-live", "polite")
    page.clock.run_for(61_000)
    expect(code).to_have_text("654321")
    assert asked and all(url.endswith(f"/sessions/{live.id}/checkin-code?format=json") for url in asked)
    assert page.url.endswith(f"/sessions/{live.id}/checkin-code")  # the same page: nothing reloaded
