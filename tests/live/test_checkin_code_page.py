"""The check-in code page follows the code by script (no `meta refresh`, which reloads the page
under a screen reader), announcing it in a live region; its JSON answer is for staff only."""

from __future__ import annotations

import re

from flask import current_app

from lms.database import utcnow
from lms.live.checkin import checkin_code, seconds_left


def current_codes(session_id: int, before) -> set[str]:
    """The codes of every minute from `before` to now (a request may straddle a minute's end)."""
    secret = current_app.config["SECRET_KEY"]
    return {checkin_code(secret, session_id, before), checkin_code(secret, session_id, utcnow())}


def test_the_page_shows_the_code_in_a_live_region_without_meta_refresh(live, auth, client):
    auth.login("gv.an")
    before = utcnow()
    page = client.get(f"/sessions/{live.id}/checkin-code").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    shown = re.search(
        r'<p class="checkin-code" id="checkin-code" aria-live="polite" aria-atomic="true"[^>]*>(\d{6})<', page
    )
    assert shown and shown.group(1) in current_codes(live.id, before)
    assert f'data-url="/sessions/{live.id}/checkin-code?format=json"' in page
    assert re.search(r'<script src="/static/js/checkin\.js(\?v=\w+)?" defer></script>', page)


def test_the_script_gets_the_code_and_its_seconds_left_as_json(live, auth, client):
    auth.login("gv.an")
    before = utcnow()
    response = client.get(f"/sessions/{live.id}/checkin-code?format=json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == {"code", "seconds_left"}
    assert body["code"] in current_codes(live.id, before)
    assert body["seconds_left"] in {seconds_left(before), seconds_left(utcnow())}


def test_a_learner_gets_no_code_as_json_either(live, auth, client):
    auth.login("hv.mai")
    response = client.get(f"/sessions/{live.id}/checkin-code?format=json")
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert "<h1>403</h1>" in response.get_data(as_text=True)
