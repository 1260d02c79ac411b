"""The outermost WSGI layer: a request id for every request, its access line and its metrics.

It wraps everything (the proxy fix, Socket.IO's path, the pages), so every line logged while a
request runs carries its id, and every answer, Socket.IO's included, is counted and logged once.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, request

from lms.observability import metrics
from lms.observability.logs import access_log, security_event
from lms.observability.requestid import HEADER, current_request_id, request_id_for

ENDPOINT_KEY = "lms.endpoint"
PATH_KEY = "lms.log_path"
# Probes a balancer or Prometheus sends every few seconds: their access lines are DEBUG.
PROBES = frozenset({"healthz", "readyz", "metrics"})
# Route arguments that are secrets of their own (a calendar feed's token, a certificate's code):
# the access line shows the route (`/calendar/<token>.ics`) instead of the address.
SECRET_ARGUMENTS = frozenset({"token", "code"})
MAX_LOGGED_PATH = 200
ORIGIN_REFUSED = "Not an accepted origin."  # Engine.IO's answer to a connection from another site


def note_route() -> None:
    """Before any other hook: keep the endpoint, and the path as it may be logged, for the access line."""
    environ = request.environ
    environ[ENDPOINT_KEY] = request.endpoint or "none"
    rule, arguments = request.url_rule, request.view_args or {}
    secret = rule is not None and not SECRET_ARGUMENTS.isdisjoint(arguments)
    environ[PATH_KEY] = rule.rule if secret else request.path


class RequestObserver:
    """Give each request its id (kept from a trusted proxy, else new), answer it in `X-Request-Id`,
    then log one access line and count the request once the app has answered."""

    def __init__(self, app: Flask, wsgi_app, socketio_path: str) -> None:
        self.wsgi_app = wsgi_app
        self.trust_incoming = bool(app.config["PROXY_HOPS"])  # only a declared proxy sets the header
        self.socketio_path = socketio_path

    def __call__(self, environ, start_response):
        request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID"), self.trust_incoming)
        token = current_request_id.set(request_id)
        try:
            return self.observe(environ, start_response, request_id)
        finally:
            current_request_id.reset(token)  # a thread's or greenlet's next lines are not this request's

    def observe(self, environ, start_response, request_id: str):
        started = time.perf_counter()
        answered: dict = {}

        def start(status: str, headers: list, exc_info=None):
            headers = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
            headers.append((HEADER, request_id))
            answered["status"] = status
            answered["headers"] = headers
            return start_response(status, headers, exc_info)

        try:
            body = self.wsgi_app(environ, start)
        except BaseException:
            answered.setdefault("status", "500 INTERNAL SERVER ERROR")
            self.finish(environ, answered, None, started)
            raise
        self.finish(environ, answered, body, started)
        return body

    def finish(self, environ, answered: dict, body, started: float) -> None:
        """The access line and the metrics of an answered request."""
        seconds = time.perf_counter() - started
        status = int((answered.get("status") or "0").split(" ", 1)[0] or 0)
        path = environ.get("PATH_INFO") or "/"
        socketio = path.startswith(self.socketio_path)
        endpoint = "socketio" if socketio else environ.get(ENDPOINT_KEY, "none")
        method = environ.get("REQUEST_METHOD", "")
        metrics.observe_request(endpoint, method, status, None if socketio else seconds)
        if socketio and status == 400 and (reason := _short_body(body)) == ORIGIN_REFUSED:
            # Engine.IO refuses a page of another site before any handler runs; other 400s there
            # (an unknown session after a restart) are ordinary and stay in the access line.
            security_event("socket_refused", reason=reason, remote_addr=environ.get("REMOTE_ADDR"))
        level = logging.DEBUG if endpoint in PROBES else logging.INFO
        if not access_log.isEnabledFor(level):  # tests, or a quieter production: build nothing
            return
        logged_path = environ.get(PATH_KEY, path)[:MAX_LOGGED_PATH]
        length = next((value for name, value in answered.get("headers", ()) if name.lower() == "content-length"), None)
        fields = {
            "event": "access",
            "method": method,
            "path": logged_path,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "bytes": int(length) if length and length.isdigit() else None,
            "endpoint": endpoint,
            "remote_addr": environ.get("REMOTE_ADDR"),
            "user_agent": (environ.get("HTTP_USER_AGENT") or "")[:200],
        }
        access_log.log(level, "%s %s %s", method, logged_path, status, extra={"fields": fields})


def _short_body(body) -> str:
    """Engine.IO's reason for a 400: its short JSON string body ("Not an accepted origin.")."""
    if not isinstance(body, list | tuple):
        return ""
    text = b"".join(part for part in body if isinstance(part, bytes))[:200].decode("utf-8", "replace")
    return text.strip().strip('"')
