"""Plumbing every HTTP request passes through, kept to what it must do.

Each piece here replaces a per-request cost of a library default that this app does not need;
docs/performance.md says what each one cost.
"""

from __future__ import annotations

from collections.abc import Callable

import socketio
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key set.

    Flask builds a new serializer for every request, and building one serializes an empty dict to
    check the serializer's type. Cookies, keys, salts and signatures are exactly Flask's.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        try:
            return self._serializers[keys]
        except KeyError:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
            return serializer


def socketio_middleware_for_its_path_only(app: Flask, screen: Callable | None = None) -> None:
    """Send only Socket.IO's own path through Flask-SocketIO's WSGI middleware.

    Flask-SocketIO wraps the whole app (call after `socketio.init_app`). For every other request
    the wrapper copies the WSGI environ and, under gunicorn, defines a class to carry the socket;
    pages, assets and health checks need neither. `screen(environ, start_response)` sees Socket.IO's
    requests first and may answer one itself (it returns the response, or None to pass it on).
    """
    middleware = app.wsgi_app
    if not isinstance(middleware, socketio.WSGIApp):  # not wrapped: nothing to narrow
        return
    pages: Callable = middleware.wsgi_app
    socketio_path: str = middleware.engineio_path

    def dispatch(environ, start_response):
        if (environ.get("PATH_INFO") or "").startswith(socketio_path):
            if screen is not None and (answer := screen(environ, start_response)) is not None:
                return answer
            return middleware(environ, start_response)
        return pages(environ, start_response)

    app.wsgi_app = dispatch
