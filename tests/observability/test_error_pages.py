"""Error pages without the database: the translated 503 page (and one log line, no traceback)
when the database is away, and a 500 page that reads neither the database nor the signed-in user."""

from __future__ import annotations

import logging
import re
import socket

import pytest
from sqlalchemy import event

from lms import create_app
from lms.auth.sessions import SESSION_KEY
from lms.extensions import db
from tests.conftest import IsolatedClient
from tests.refusals import parse

VI_UNAVAILABLE = "Hệ thống tạm thời không phục vụ được. Vui lòng thử lại sau ít phút."
EN_UNAVAILABLE = "The service is temporarily unavailable. Please try again in a few minutes."
VI_FAILED = "Hệ thống đang gặp sự cố. Vui lòng thử lại sau."


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the block ends


@pytest.fixture
def no_database():
    """The app with its database server gone (nothing listens where it should be)."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"postgresql://postgres@127.0.0.1:{closed_port()}/lms"})
    app.test_client_class = IsolatedClient
    return app


def signed_in(client, locale: str | None = None):
    """A browser whose signed session cookie says it is signed in (checking it needs the database)."""
    with client.session_transaction() as session:
        session["_user_id"] = "1"
        session[SESSION_KEY] = "k" * 43
        if locale:
            session["locale"] = locale
    return client


def shown(response, data_test: str) -> str:
    """The text of the page's element marked `data-test`."""
    (element,) = [e for e in parse(response).elements() if e.attrs.get("data-test") == data_test]
    return element.text


def errors_logged(caplog):
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("path", "locale", "message"),
    [
        ("/", None, VI_UNAVAILABLE),
        ("/", "en", EN_UNAVAILABLE),
        ("/courses", None, VI_UNAVAILABLE),
        ("/no-such-page", None, VI_UNAVAILABLE),  # even the 404 page needs the user for its header
    ],
)
def test_a_signed_in_user_gets_the_translated_503_page_and_one_log_line(no_database, caplog, path, locale, message):
    client = signed_in(no_database.test_client(), locale)
    with caplog.at_level(logging.INFO):
        response = client.get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert f'<html lang="{locale or "vi"}">' in response.get_data(as_text=True)
    assert shown(response, "error-message") == message
    request_id = response.headers["X-Request-Id"]
    reference = "Reference code" if locale == "en" else "Mã tham chiếu"
    assert shown(response, "request-id") == f"{reference}: {request_id}"
    (error,) = errors_logged(caplog)
    assert (error.name, error.getMessage(), error.request_id) == ("lms.errors", "database unavailable", request_id)
    assert error.exc_info is None  # one line, no traceback
    assert error.fields["error"] == "OperationalError"
    assert "Connection refused" in error.fields["detail"]
    assert re.fullmatch(r"lms/auth/account\.py:\d+ load_account", error.fields["where"])


def test_an_anonymous_page_that_reads_the_database_gets_the_503_page(no_database, caplog):
    with caplog.at_level(logging.INFO):
        response = no_database.test_client().get("/verify/" + "A" * 40)
    assert response.status_code == 503
    assert shown(response, "error-message") == VI_UNAVAILABLE
    assert [r.getMessage() for r in errors_logged(caplog)] == ["database unavailable"]


def test_pages_that_need_no_database_still_answer(no_database):
    client = no_database.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_the_500_page_reads_neither_the_database_nor_the_user(app, world, auth, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page answers

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    assert auth.login("hv.mai").status_code == 302
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        with caplog.at_level(logging.INFO):
            response = auth.client.get("/boom")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 500
    assert shown(response, "error-message") == VI_FAILED
    assert shown(response, "request-id") == f"Mã tham chiếu: {response.headers['X-Request-Id']}"
    assert statements == []
    (error,) = errors_logged(caplog)
    assert error.getMessage() == "Exception on /boom [GET]" and error.exc_info[0] is RuntimeError
    assert error.request_id == response.headers["X-Request-Id"]


def test_the_500_page_has_no_header_of_the_signed_in_user(app, world, auth):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    auth.login("hv.mai")
    page = auth.client.get("/boom").get_data(as_text=True)
    assert "Nguyễn Thị Mai" not in page and 'data-test="logout"' not in page
    assert re.search(r"<h1>500</h1>", page)
