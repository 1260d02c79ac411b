"""Prometheus metrics of this process, and the /metrics page that shows them.

Each server process keeps and shows its own figures (no shared directory): production runs one
gunicorn worker per process, each on its own port, so Prometheus scrapes every process as its
own target and sums across them (docs/observability.md says why).
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

from lms.extensions import db
from lms.observability.metrics_access import allowed_networks, may_read_metrics

HTTP_REQUESTS = Counter(
    "lms_http_requests", "HTTP requests answered, by endpoint, method and status.", ["endpoint", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "lms_http_request_duration_seconds",
    "Time to produce a response (not to send it), by endpoint; Socket.IO's requests are not timed.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LIVE_CONNECTIONS = Gauge("lms_live_connections", "Open live-room (Socket.IO /live) connections in this process.")
LIVE_EVENTS = Counter("lms_live_events", "Live-room events received, by event name.", ["event"])
SECURITY_EVENTS = Counter(
    "lms_security_events",
    "Security events logged (login_failed, rate_limited, socket_refused, csrf_failed), by event.",
    ["event"],
)
DB_POOL = Gauge(
    "lms_db_pool_connections", "Database connections held by this process's pool, in use or idle.", ["state"]
)
DB_POOL_SIZE = Gauge("lms_db_pool_size", "Connections the database pool keeps open at most before overflowing.")

# Methods outside this set are counted as "other", so junk methods cannot grow the label set.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_request(endpoint: str, method: str, status: int, seconds: float | None) -> None:
    """Count one answered request, and time it unless `seconds` is None."""
    HTTP_REQUESTS.labels(endpoint, method if method in KNOWN_METHODS else "other", str(status)).inc()
    if seconds is not None:
        HTTP_LATENCY.labels(endpoint).observe(seconds)


def observe_pool(pool) -> None:
    """Read the database pool's figures (QueuePool; SQLite's in-memory pools have none)."""
    if not all(hasattr(pool, name) for name in ("size", "checkedin", "checkedout")):
        return
    DB_POOL_SIZE.set(pool.size())
    DB_POOL.labels("in_use").set(pool.checkedout())
    DB_POOL.labels("idle").set(pool.checkedin())


def configure_metrics(app: Flask) -> None:
    """Check the settings of /metrics at start-up, so a typo stops the process, not the scrape."""
    try:
        app.extensions["lms_metrics_networks"] = allowed_networks(app.config["METRICS_ALLOW"])
    except ValueError as exc:
        raise RuntimeError(f"LMS_METRICS_ALLOW: {exc}") from exc
    token = app.config["METRICS_TOKEN"]
    if token and len(token) < 16:
        raise RuntimeError("LMS_METRICS_TOKEN must be at least 16 characters (or empty: no token)")


def metrics_page() -> Response:
    """The metrics in Prometheus's text format; 404 to anyone not allowed to read them."""
    allowed = may_read_metrics(
        request.remote_addr,
        forwarded="X-Forwarded-For" in request.headers,
        authorization=request.headers.get("Authorization"),
        networks=current_app.extensions["lms_metrics_networks"],
        token=current_app.config["METRICS_TOKEN"],
    )
    if not allowed:
        abort(404)
    observe_pool(db.engine.pool)
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    response = Response(encode(REGISTRY), content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response
