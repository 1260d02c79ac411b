"""Every page each kind of visitor can reach, checked by axe-core in a real browser.

The pages come from the app's URL map: each GET rule, filled with the records of the route world
(tests/route_world.py) exactly as the access matrix (tests/test_access.py) fills it, for the
visitors that matrix lets in. Downloads, feeds and other answers that are not HTML pages are left
out (their content type says so); so is every POST. A rule added without a row in the matrix fails
there, so no page escapes this walk.

axe-core (vendored under tests/browser/vendor/) runs the WCAG 2.0/2.1 A and AA rules on each page
at a phone's width (360 px; the live room's wide layout is checked in test_layouts.py) once it has
loaded (the live room once its socket has filled the room); any violation of serious or critical
impact fails the visitor's test, every one listed with its page, rule and elements.
One browser context per visitor is reused for all their pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import TIMEOUT_MS, serving
from tests.test_access import ROWS, L

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
WALKERS = ("anonymous", "learner", "teacher", "admin", "head")  # a head of a unit reads their people
MISSING = "/khong-co-trang-nay"
PHONE = {"width": 360, "height": 740}


def expected_status(path: str) -> int:
    return 404 if path == MISSING else 200


def reachable_pages(route_world, visitor: str) -> list[str]:
    """The addresses of the HTML pages the visitor may open, one per GET row of the matrix."""
    get_rules = {rule.rule for rule in route_world.app.url_map.iter_rules() if "GET" in rule.methods}
    client = route_world.client(visitor)
    pages = []
    for row in ROWS:
        status = row.status(visitor)
        if row.method != "GET" or row.rule not in get_rules or status not in (200, 302):
            continue
        if status == L and visitor == "anonymous":  # to the login page: walked once, as /login
            continue
        path = row.path(route_world.w)
        with client.get(path, follow_redirects=True) as response:
            if response.status_code == 200 and response.mimetype == "text/html":
                pages.append(path)
    return [*pages, MISSING]  # and the error page


def settle(page: Page, path: str) -> None:
    """Wait until the parts a script fills in are there, so axe sees the page a person sees."""
    if path.endswith("/room"):
        expect(page.get_by_test_id("chat").locator("li").first).to_be_visible()
        expect(page.get_by_test_id("room-status")).not_to_have_text("Đang kết nối…")


def violations(page: Page) -> list[dict]:
    """The page's serious and critical WCAG 2.1 A/AA violations, as axe-core reports them."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " targets: v.nodes.map(n => n.target.join(' '))})))",
        WCAG_A_AA,
    )
    return [v for v in found if v["impact"] in BLOCKING]


@pytest.fixture(scope="module")
def site(route_world):
    with serving(route_world.app) as url:
        yield url


@pytest.mark.parametrize("visitor", WALKERS)
def test_no_serious_or_critical_violation_on_any_page(browser, route_world, site, visitor):
    pages = reachable_pages(route_world, visitor)
    assert len(pages) >= 4, pages  # the walk really walks
    # bypass_csp: the pages' policy allows no injected script. A phone's width: there tables and
    # boxes overflow, which is when axe judges whether they can be scrolled from the keyboard.
    context = browser.new_context(base_url=site, bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    cookie = route_world.logins[visitor].cookie
    if cookie is not None:
        context.add_cookies([{"name": "session", "value": cookie, "url": site}])
    problems = []
    try:
        page = context.new_page()
        for path in pages:
            response = page.goto(path)
            assert response is not None and response.status == expected_status(path), f"{path}: {response}"
            settle(page, path)
            for v in violations(page):
                problems.append(f"{path}: {v['id']} ({v['impact']}) at {', '.join(v['targets'][:5])}")
    finally:
        context.close()
    assert problems == [], f"{visitor} walked {len(pages)} pages:\n" + "\n".join(problems)
