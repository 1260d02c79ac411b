"""Steps shared by the browser tests: log in and out, switch language, read the server's writes."""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Page, expect

from lms.extensions import db
from tests import factories


def fresh_session() -> None:
    """End the test's transaction so the next query sees what the server committed.

    SQLite in WAL mode keeps a transaction's snapshot; commit also expires loaded objects.
    """
    db.session.commit()


def wait_for(condition: Callable[[], object], timeout: float = 5.0, interval: float = 0.05, message: str = ""):
    """Poll `condition` (in a fresh transaction each time) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        fresh_session()
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(message or f"condition not met within {timeout} s")
        time.sleep(interval)


def login(page: Page, username: str, password: str = factories.PASSWORD) -> None:
    """Log in through the real form; return once a logged-in page has loaded."""
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("form.form button[type=submit]").click()
    expect(page.get_by_test_id("logout")).to_be_visible()


def logout(page: Page) -> None:
    """Press "Log out" in the header and wait for the login page."""
    page.get_by_test_id("logout").click()
    expect(page.locator("#username")).to_be_visible()


def choose_language(page: Page, code: str) -> None:
    """Press a language button in the header and wait until the page is in that language."""
    page.locator(f'form.lang button[name="locale"][value="{code}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", code)
