"""Watching the running service: health and readiness, Prometheus metrics, structured logs with
request ids, security events, and error pages that need no database (docs/observability.md)."""

from __future__ import annotations

from flask import Flask

from lms.observability.failures import DATABASE_OUTAGES, database_unavailable
from lms.observability.health import healthz, readyz
from lms.observability.logs import configure_logging, security_event
from lms.observability.metrics import configure_metrics, metrics_page
from lms.observability.wsgi import RequestObserver, note_route

__all__ = ["init_observability", "observe_requests", "security_event"]


def init_observability(app: Flask) -> None:
    """Logging, the probes' routes, /metrics and the database-outage page (first in create_app)."""
    configure_logging(app)
    configure_metrics(app)
    app.before_request_funcs.setdefault(None, []).insert(0, note_route)  # before any hook that may fail
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)
    app.add_url_rule("/metrics", "metrics", metrics_page)
    for error in DATABASE_OUTAGES:
        app.register_error_handler(error, database_unavailable)


def observe_requests(app: Flask) -> None:
    """Wrap the finished WSGI stack (last in create_app): ids, access lines and request metrics."""
    app.wsgi_app = RequestObserver(app, app.wsgi_app, "/socket.io")
