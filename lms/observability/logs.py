"""Logs: one line per record, JSON or text, each carrying the id of the request it belongs to.

`LMS_LOG_FORMAT=json` (production's default) writes one JSON object per line for a log
collector; `text` (development and tests) writes a line a person reads. Fields given as
`extra={"fields": {...}}` become JSON keys (text: `key=value` after the message). See
docs/observability.md for the fields.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flask import Flask, has_request_context, request
from flask.logging import default_handler

from lms.observability import metrics
from lms.observability.requestid import current_request_id

access_log = logging.getLogger("lms.access")
security_log = logging.getLogger("lms.security")

FORMATS = ("json", "text")
# Loggers of libraries that add a stream handler of their own when they start (Engine.IO and
# Socket.IO do): their lines would be printed twice, once without the format.
OWN_HANDLER_LOGGERS = ("engineio.server", "socketio.server")
# Flask-Limiter says "ratelimit ... exceeded" at INFO for every 429, which the `rate_limited`
# security event already says; its warnings (storage unreachable) stay.
QUIETER = {"flask-limiter": logging.WARNING}


def _with_request_id(factory):
    def make_record(*args, **kwargs):
        record = factory(*args, **kwargs)
        record.request_id = current_request_id.get()
        return record

    make_record.lms_request_id = True
    return make_record


def install_request_id_on_records() -> None:
    """Give every log record the id of the request it was made in (None outside a request).

    Done where records are made, not in a handler: every handler sees it, a test's capture too.
    """
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "lms_request_id", False):
        logging.setLogRecordFactory(_with_request_id(factory))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, the record's fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (request_id := getattr(record, "request_id", None)) is not None:
            entry["request_id"] = request_id
        for key, value in (getattr(record, "fields", None) or {}).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [request id] message key=value ...`, exceptions below."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(rid)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.rid = getattr(record, "request_id", None) or "-"
        line = super().format(record)
        fields = getattr(record, "fields", None)
        if not fields:
            return line
        head, newline, rest = line.partition("\n")  # fields stay on the message's line
        pairs = " ".join(f"{key}={json.dumps(value, ensure_ascii=False, default=str)}" for key, value in fields.items())
        return f"{head} {pairs}{newline}{rest}"


class StderrHandler(logging.StreamHandler):
    """Writes to the standard error of the moment (test runners replace it between tests)."""

    lms_handler = True

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class WithoutOriginRefusals(logging.Filter):
    """Drop Engine.IO's own line for a refused origin: the `socket_refused` security event says it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "is not an accepted origin." not in record.getMessage()


class WithoutDevServerAccessLines(logging.Filter):
    """Drop the development server's own line per request: the app's access line says it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.endswith('"%s" %s %s'))


# Library loggers and the filter that keeps each from repeating what the app logs.
FILTERS = {"engineio.server": WithoutOriginRefusals, "werkzeug": WithoutDevServerAccessLines}


def configure_logging(app: Flask) -> None:
    """Send every logger's records to standard error in the configured format and level."""
    log_format = app.config["LOG_FORMAT"]
    if log_format not in FORMATS:
        raise RuntimeError(f"LMS_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    install_request_id_on_records()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "lms_handler", False)]:
        root.removeHandler(handler)  # an earlier app's (tests make many)
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"].upper())
    app.logger.removeHandler(default_handler)  # the app's records reach the root handler
    for name, level in QUIETER.items():
        logging.getLogger(name).setLevel(level)
    for name in OWN_HANDLER_LOGGERS:
        library_logger = logging.getLogger(name)
        for own in [h for h in library_logger.handlers if type(h) is logging.StreamHandler]:
            library_logger.removeHandler(own)
    for name, kind in FILTERS.items():
        library_logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in library_logger.filters):
            library_logger.addFilter(kind())


def security_event(event: str, **fields) -> None:
    """Log one security event and count it. Callers pass no secret: never a password, code,
    cookie or token; the request's address, endpoint and method are added here."""
    if has_request_context():
        fields = {"remote_addr": request.remote_addr, "endpoint": request.endpoint, "method": request.method, **fields}
    security_log.warning("%s", event, extra={"fields": {"event": event, **fields}})
    metrics.SECURITY_EVENTS.labels(event).inc()
