"""Real-browser tests: Debian's Chromium driven by pytest-playwright against a live server.

Every test here is marked `browser`. Without Chromium (/usr/bin/chromium, or the path in
LMS_CHROMIUM) they are skipped, unless LMS_REQUIRE_BROWSER=1 is set (CI), in which case each of
them fails with the reason.

The server runs in a background thread of the test process and serves the test's own `app`
object, so it uses the same database: SQLite by default, PostgreSQL with LMS_TEST_DATABASE_URL.
The test body keeps an app context and a database session open; commit before the browser acts
and call `helpers.fresh_session()` before reading what the server wrote.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent
# Browser actions and assertions wait at most this long (milliseconds): the pages are local.
TIMEOUT_MS = 10_000


def browser_required() -> bool:
    return os.environ.get("LMS_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


def chromium_missing() -> str | None:
    """Why Chromium cannot be used, or None when it can."""
    if not os.path.isfile(CHROMIUM):
        return f"Chromium not found at {CHROMIUM} (install Debian's `chromium` package)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium at {CHROMIUM} is not executable"
    return None


@pytest.hookimpl(tryfirst=True)  # before `-m` selection, so `-m "not browser"` sees the marker
def pytest_collection_modifyitems(config, items):
    """Mark this folder's tests `browser`; skip them when Chromium is missing and not required."""
    mine = [item for item in items if HERE in Path(item.path).resolve().parents]
    missing = chromium_missing()
    for item in mine:
        item.add_marker(pytest.mark.browser)
        if missing and not browser_required():
            item.add_marker(pytest.mark.skip(reason=f"{missing}; set LMS_REQUIRE_BROWSER=1 to make this an error"))


@pytest.fixture(scope="session", autouse=True)
def _chromium_present():
    """With LMS_REQUIRE_BROWSER=1 a missing Chromium fails every browser test, loudly."""
    missing = chromium_missing()
    if missing:  # only reached when required: otherwise the tests were skipped at collection
        pytest.fail(f"LMS_REQUIRE_BROWSER=1 but {missing}", pytrace=False)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, _chromium_present):
    """Launch Debian's Chromium instead of a Playwright download (never `playwright install`)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class _InFlight:
    """A count of the requests being handled, so teardown can wait until there are none."""

    def __init__(self):
        self.count = 0
        self.changed = threading.Condition()

    def add(self, n: int) -> None:
        with self.changed:
            self.count += n
            self.changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count == 0, timeout)


_RESPONSE_KEY = "tests.live_server.response"


class _CloseOnce:
    """A response iterable whose `close()` runs once, however often it is called."""

    def __init__(self, iterable):
        self.iterable = iterable
        self.closed = False

    def __iter__(self):
        return iter(self.iterable)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            close = getattr(self.iterable, "close", None)
            if close is not None:
                close()


def _remember_response(app):
    """WSGI middleware handing each response to the request handler, which makes sure it is closed."""

    def wsgi(environ, start_response):
        response = environ[_RESPONSE_KEY] = _CloseOnce(app(environ, start_response))
        return response

    return wsgi


class _RequestHandler(WSGIRequestHandler):
    """Counts requests in flight and always closes the response; logs errors, not every request.

    Werkzeug's dev server skips the response's `close()` when the client resets the connection
    while it drains the request body (a favicon load cut short by a navigation, for instance):
    the static file stays open and its ResourceWarning becomes an error under
    `filterwarnings = ["error"]`. So the response is closed here, after `run_wsgi`, and requests
    are counted around `run_wsgi` rather than until `close()`.
    """

    def run_wsgi(self) -> None:
        self.server.in_flight.add(1)
        try:
            super().run_wsgi()
        finally:
            response = getattr(self, "environ", {}).get(_RESPONSE_KEY)
            try:
                if response is not None:
                    response.close()
            finally:
                self.server.in_flight.add(-1)

    def log_request(self, code="-", size="-") -> None:
        pass


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port) in a thread while the block runs; yield its base URL.

    Server threads start with an empty contextvars context, so each request gets its own app
    context and database session, as in production. Leaving the block waits for requests in
    flight, so none of them runs while the caller empties the tables.
    """
    server = make_server("127.0.0.1", 0, _remember_response(app), threaded=True, request_handler=_RequestHandler)
    server.in_flight = _InFlight()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        idle = server.in_flight.wait_idle(timeout=10)
        server.server_close()
        if not idle:
            pytest.fail(f"live server: {server.in_flight.count} request(s) still running at teardown")


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test's app (see `serving`); yield its base URL."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def base_url():
    """Replace pytest-playwright 0.10's fallback `base_url` fixture (the live server sets it instead).

    The plugin defines that fixture as a method of a plugin instance, which pytest 9.2 deprecates
    with PytestRemovedIn10Warning, an error under this project's `filterwarnings = ["error"]`.
    """
    return None


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    """Every page talks to the live server: `page.goto("/login")` works; actions time out fast.

    Depending on `live_server` here also orders teardown: the browser context closes first.
    """
    return {**browser_context_args, "base_url": live_server}


@pytest.fixture
def context(context):
    """The plugin's browser context, with short timeouts for actions and navigations."""
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(scope="session", autouse=True)
def _data_test_ids(playwright, _chromium_present):
    """`page.get_by_test_id("mark-done")` finds the templates' data-test attributes."""
    playwright.selectors.set_test_id_attribute("data-test")
