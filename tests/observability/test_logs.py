"""Request ids in every line of a request and in `X-Request-Id`; the JSON and text formats; the
access line."""

from __future__ import annotations

import json
import logging
import re

import pytest
from flask import current_app

from lms import create_app
from lms.observability.logs import JsonFormatter, TextFormatter
from lms.observability.requestid import request_id_for
from tests.conftest import IsolatedClient

GENERATED = re.compile(r"[0-9a-f]{32}")


def app_with_a_chatty_page(database_url, **settings):
    """The app, plus one page that logs from the app, a library and a hook before answering."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, **settings})
    app.test_client_class = IsolatedClient

    @app.before_request
    def note():
        logging.getLogger("lms.test.hook").info("before the page")

    @app.get("/chatty")
    def chatty():
        current_app.logger.info("the page starts")
        logging.getLogger("some.library").warning("a library has something to say")
        current_app.logger.error("the page fails softly", exc_info=ValueError("bad value"))
        return "done"

    return app


def lines_of(caplog, request_id):
    return [record for record in caplog.records if getattr(record, "request_id", None) == request_id]


def test_every_line_of_a_request_carries_its_id_and_the_answer_names_it(database_url, caplog):
    app = app_with_a_chatty_page(database_url)
    client = app.test_client()
    with caplog.at_level(logging.INFO):
        first = client.get("/chatty")
        second = client.get("/chatty")
    logging.getLogger("lms.test").warning("after the requests")
    ids = [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
    assert all(GENERATED.fullmatch(request_id) for request_id in ids) and ids[0] != ids[1]
    for request_id in ids:
        records = lines_of(caplog, request_id)
        assert [(r.name, r.getMessage()) for r in records] == [
            ("lms.test.hook", "before the page"),
            ("lms", "the page starts"),
            ("some.library", "a library has something to say"),
            ("lms", "the page fails softly"),
            ("lms.access", "GET /chatty 200"),
        ]
    outside = [r for r in caplog.records if r.getMessage() == "after the requests"]
    assert [r.request_id for r in outside] == [None]


def test_json_lines_are_one_object_each_with_the_request_id_fields_and_the_exception(database_url, caplog):
    app = app_with_a_chatty_page(database_url)
    with caplog.at_level(logging.INFO):
        response = app.test_client().get("/chatty", headers={"User-Agent": "Trình duyệt"})
    request_id = response.headers["X-Request-Id"]
    lines = [JsonFormatter().format(record) for record in lines_of(caplog, request_id)]
    assert all("\n" not in line for line in lines)
    entries = [json.loads(line) for line in lines]
    assert {entry["request_id"] for entry in entries} == {request_id}
    failed = entries[3]
    assert (failed["level"], failed["logger"], failed["message"]) == ("ERROR", "lms", "the page fails softly")
    assert failed["exception"].endswith("ValueError: bad value")
    access = entries[4]
    assert {key: access[key] for key in ("event", "method", "path", "status", "endpoint", "remote_addr")} == {
        "event": "access",
        "method": "GET",
        "path": "/chatty",
        "status": 200,
        "endpoint": "chatty",
        "remote_addr": "127.0.0.1",
    }
    assert access["bytes"] == 4 and access["duration_ms"] >= 0
    assert access["user_agent"] == "Trình duyệt"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", access["time"])


def test_text_lines_show_the_request_id_and_the_fields(database_url, caplog):
    app = app_with_a_chatty_page(database_url)
    with caplog.at_level(logging.INFO):
        response = app.test_client().get("/chatty")
    request_id = response.headers["X-Request-Id"]
    access = TextFormatter().format(lines_of(caplog, request_id)[-1])
    assert re.fullmatch(
        rf"\S+ \S+ INFO lms\.access \[{request_id}\] GET /chatty 200 event=\"access\" method=\"GET\" "
        r'path="/chatty" status=200 duration_ms=[\d.]+ bytes=4 endpoint="chatty" remote_addr="127.0.0.1" '
        r'user_agent="[^"]*"',
        access,
    )


def test_a_proxys_sane_id_is_kept_only_behind_a_declared_proxy(database_url):
    behind = app_with_a_chatty_page(database_url, PROXY_HOPS=1).test_client()
    direct = app_with_a_chatty_page(database_url).test_client()
    from_proxy = "Root=1-67891233-abcdef012345678912345678"
    assert behind.get("/healthz", headers={"X-Request-Id": from_proxy}).headers["X-Request-Id"] == from_proxy
    mine = direct.get("/healthz", headers={"X-Request-Id": from_proxy}).headers["X-Request-Id"]
    assert GENERATED.fullmatch(mine)
    for insane in ("a b", "x" * 129, "id\r\nX-Injected: 1", "<script>", "-starts-with-a-dash", "é"):
        kept = behind.get("/healthz", headers={"X-Request-Id": insane.replace("\r\n", "")})
        assert GENERATED.fullmatch(kept.headers["X-Request-Id"]), insane
        assert kept.headers.getlist("X-Request-Id") == [kept.headers["X-Request-Id"]]


@pytest.mark.parametrize(
    ("incoming", "trusted", "kept"),
    [
        ("0123456789abcdef0123456789abcdef", True, True),
        ("3f2504e0-4f89-11d3-9a0c-0305e82c3301", True, True),
        ("0123456789abcdef0123456789abcdef", False, False),
        ("", True, False),
        (None, True, False),
        ("a" * 128, True, True),
        ("a" * 129, True, False),
        ("a;b", True, False),
    ],
)
def test_request_id_for(incoming, trusted, kept):
    request_id = request_id_for(incoming, trusted)
    assert (request_id == incoming) is kept
    if not kept:
        assert GENERATED.fullmatch(request_id)


def test_secret_route_arguments_are_not_logged(client, caplog):
    with caplog.at_level(logging.INFO):
        client.get("/calendar/" + "s" * 40 + ".ics")
        client.get("/verify/CODE-THAT-IS-PRIVATE")
        client.get("/login?next=/private-place")
    paths = [r.fields["path"] for r in caplog.records if r.name == "lms.access"]
    assert paths == ["/calendar/<token>.ics", "/verify/<code>", "/login"]
    assert "s" * 40 not in caplog.text and "PRIVATE" not in caplog.text and "private-place" not in caplog.text


def test_probes_are_logged_at_debug_only(client, caplog):
    with caplog.at_level(logging.INFO):
        client.get("/healthz")
        client.get("/readyz")
        client.get("/metrics")
    assert [r for r in caplog.records if r.name == "lms.access"] == []
    with caplog.at_level(logging.DEBUG, logger="lms.access"):
        client.get("/healthz")
    assert [r.getMessage() for r in caplog.records if r.name == "lms.access"] == ["GET /healthz 200"]


def test_production_writes_json_and_a_bad_format_stops_the_start(database_url, capsys):
    # Threading, not production's gevent: gevent imported into the test process (unpatched) would
    # change how other tests' code behaves.
    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "k" * 40, "SOCKETIO_ASYNC_MODE": "threading"}
    app = create_app("production", settings)
    app.test_client_class = IsolatedClient
    capsys.readouterr()
    response = app.test_client().get("/login", environ_base={"wsgi.url_scheme": "https"})
    entries = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(e["logger"], e["message"], e["request_id"]) for e in entries] == [
        ("lms.access", "GET /login 200", response.headers["X-Request-Id"])
    ]
    with pytest.raises(RuntimeError, match="LMS_LOG_FORMAT must be one of json, text, not 'xml'"):
        create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "LOG_FORMAT": "xml"})


def test_libraries_do_not_repeat_what_the_app_logs(client, caplog):
    """The development server's request line and Engine.IO's origin line are left out; their other lines stay."""
    with caplog.at_level(logging.INFO):
        werkzeug = logging.getLogger("werkzeug")
        werkzeug.info('127.0.0.1 - - [03/Dec/2026 14:10:41] "%s" %s %s', "GET /login HTTP/1.1", "200", "-")
        werkzeug.info(" * Running on %s", "http://127.0.0.1:5000")
        engineio = logging.getLogger("engineio.server")
        engineio.error("http://evil.example is not an accepted origin. (further occurrences ...)")
        engineio.error("Invalid websocket upgrade")
    assert [r.getMessage() for r in caplog.records] == [
        " * Running on http://127.0.0.1:5000",
        "Invalid websocket upgrade",
    ]
