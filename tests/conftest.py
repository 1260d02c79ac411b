"""Fixtures in the Flask tutorial's style: app, client, runner, auth, plus a small world."""

from __future__ import annotations

import contextvars
import os
import re
import secrets
from types import SimpleNamespace

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, make_url, text

from lms import create_app, normalise_database_url
from lms.auth.models import Role
from lms.extensions import db, limiter, socketio
from lms.live import presence
from tests import factories

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
# A test whose fixtures include one of these reads or writes the database under test; any other
# test gives the same result on every database, so a PostgreSQL run leaves it to the SQLite run.
DATABASE_FIXTURES = frozenset({"database_url", "fresh_database"})
PURE_LEFT_OUT = pytest.StashKey[int]()


def pytest_addoption(parser):
    parser.addoption(
        "--pure-tests-too",
        action="store_true",
        help="with LMS_TEST_DATABASE_URL, also run the tests that use no database (left to SQLite by default)",
    )


def pytest_configure(config):
    """Give this process (each xdist worker, or the single pytest process) its own Socket.IO channel.

    Servers the tests start inherit the environment. Redis publish/subscribe ignores the database
    number, so two workers (or two people's runs) sharing LMS_TEST_REDIS_URL would otherwise hear
    each other's rooms, whose ids start at 1 in every test database.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    os.environ["LMS_SOCKETIO_CHANNEL"] = f"lms-test-{worker}-{secrets.token_hex(6)}"


@pytest.hookimpl(trylast=True)  # after `-k`/`-m`, so the count is of tests that were selected
def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, deselect the tests that use no database: the SQLite run covers them."""
    if not os.environ.get("LMS_TEST_DATABASE_URL") or config.getoption("pure_tests_too"):
        return
    pure = [item for item in items if DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))]
    if pure:
        config.hook.pytest_deselected(items=pure)
        left_out = set(pure)
        items[:] = [item for item in items if item not in left_out]
    config.stash[PURE_LEFT_OUT] = len(pure)
    if hasattr(config, "workeroutput"):  # an xdist worker: tell the controller, which prints the summary
        config.workeroutput["pure_left_out"] = len(pure)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """Every xdist worker collects the same tests; keep the count one of them reports."""
    if "pure_left_out" in getattr(node, "workeroutput", {}):
        node.config.stash[PURE_LEFT_OUT] = node.workeroutput["pure_left_out"]


def pytest_terminal_summary(terminalreporter, config):
    left = config.stash.get(PURE_LEFT_OUT, 0)
    if left and not hasattr(config, "workeroutput"):
        terminalreporter.write_line(
            f"{left} tests that use no database were left to the SQLite run (--pure-tests-too runs them here)"
        )


def _fresh_postgres_database(base_url: str) -> tuple[str, callable]:
    """Create a new, empty database next to the given one; return its URL and a dropper."""
    url = make_url(normalise_database_url(base_url))
    name = f"lms_test_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def fresh_database(tmp_path_factory):
    """Make empty databases: SQLite files, or new PostgreSQL databases if LMS_TEST_DATABASE_URL is set."""
    droppers = []

    def make() -> str:
        base = os.environ.get("LMS_TEST_DATABASE_URL")
        if not base:
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'lms.sqlite3'}"
        url, drop = _fresh_postgres_database(base)
        droppers.append(drop)
        return url

    yield make
    for drop in droppers:
        drop()


@pytest.fixture(scope="session")
def database_url(fresh_database):
    """One database for the session's tests; its schema is made once, rows emptied after each test."""
    url = fresh_database()
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return url


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for the whole test process, in memory.

    Every test makes its own app, and each app's Jinja environment would otherwise parse and
    compile the same templates again: a fifth of a view test's time. Jinja checks each entry
    against the template's source, so a changed template is compiled afresh.
    """

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


def testing_app(database_url: str):
    """An app of the testing configuration on the given database, sharing compiled templates."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    return app


@pytest.fixture
def app(database_url):
    app = testing_app(database_url)
    limiter.reset()
    with app.app_context():
        yield app
        # Presence batches still waiting would read the database from a background task after
        # the engine is disposed below, opening connections nobody closes.
        presence.batches.flush_now(socketio.server)
        presence.owners.stop(socketio.server)  # its heartbeat would write to the next test's rows
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context and database session.

    The test body keeps an app context open for convenience; without this, requests would
    share it (and its session and `g`) with the test, which a real server never does.
    The test's own transaction is committed first, so the request sees its setup and the
    test sees what the request wrote.
    """

    def open(self, *args, **kwargs):
        if has_app_context():  # not when following a redirect, already inside a fresh context
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str = "/") -> str:
    """Fetch a page (following a redirect to the login page) and return its forms' CSRF token."""
    match = CSRF_RE.search(client.get(path, follow_redirects=True).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    """Log in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = factories.PASSWORD, next_url: str = ""):
        token = csrf_token(self.client, "/login")
        return self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token, "next": next_url}
        )

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client)})

    def post(self, path: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token, as the browser would."""
        return self.client.post(path, data={"csrf_token": csrf_token(self.client), **(data or {})}, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def world(app, tmp_path):
    """Units, one user per role, a course of three modules (one optional) and two classes."""
    return build_world(tmp_path)


def build_world(tmp_path) -> SimpleNamespace:
    """The `world` fixture's records, in the database of the current app context."""
    city = factories.make_unit("tp", "Thành phố", "Thành phố")
    ward = factories.make_unit("phuong-1", "Phường 1", "Phường/xã", parent=city)
    other_ward = factories.make_unit("phuong-2", "Phường 2", "Phường/xã", parent=city)
    admin = factories.make_user("admin", Role.ADMIN, city, "Quản Trị Viên")
    teacher = factories.make_user("gv.an", Role.INSTRUCTOR, city, "Giảng Viên An")
    other_teacher = factories.make_user("gv.binh", Role.INSTRUCTOR, city, "Giảng Viên Bình")
    learner = factories.make_user("hv.mai", Role.LEARNER, ward, "Nguyễn Thị Mai")
    other_learner = factories.make_user("hv.nam", Role.LEARNER, other_ward, "Trần Văn Nam")
    course = factories.make_course(tmp_path)
    course_class = factories.make_class(course, "LOP-1", instructors=[teacher], learners=[learner, other_learner])
    other_class = factories.make_class(course, "LOP-2", instructors=[other_teacher], self_enrol=True)
    return SimpleNamespace(
        city=city,
        ward=ward,
        other_ward=other_ward,
        admin=admin,
        teacher=teacher,
        other_teacher=other_teacher,
        learner=learner,
        other_learner=other_learner,
        course=course,
        course_class=course_class,
        other_class=other_class,
        modules=course.active_modules,
    )


@pytest.fixture(scope="module")
def route_world(database_url, tmp_path_factory):
    """One world for a whole module, a signed-in session per kind of visitor, and its snapshot.

    A test that lets a request write must put the database back (`tests.snapshots.restore`).
    """
    from tests import snapshots
    from tests.route_world import VISITORS, RouteWorld, build_world, sign_in

    app = testing_app(database_url)
    app.test_client_class = IsolatedClient
    limiter.reset()
    with app.app_context():
        world = RouteWorld(app, build_world(tmp_path_factory.mktemp("route-world")))
        for visitor in VISITORS:
            world.logins[visitor.name] = sign_in(app, visitor)
        world.base = snapshots.take()
        yield world
        presence.batches.flush_now(socketio.server)
        presence.owners.stop(socketio.server)  # its heartbeat would write to the next test's rows
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()
