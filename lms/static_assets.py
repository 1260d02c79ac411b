"""Static files with fingerprinted addresses, which browsers and proxies may keep for a year.

`url_for("static", filename=...)` gets `?v=` and the start of the file's SHA-256. A request that
carries the current fingerprint is answered with a year's `immutable` cache, so a phone on a slow
link downloads app.css and live.js once per release; an address without it (or with an old one)
keeps Flask's default (revalidate). nginx serves /static/ itself in production with the same rule
(deploy/). Fingerprints are computed once per file and process — files change only with a
release, which restarts the processes — except in debug mode, where they are read every time.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, request
from werkzeug.security import safe_join

YEAR_SECONDS = 365 * 24 * 3600


def register_static_fingerprints(app: Flask) -> None:
    known: dict[str, str | None] = {}

    def fingerprint(filename: str) -> str | None:
        if filename in known and not app.debug:
            return known[filename]
        path = safe_join(app.static_folder, filename)
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12] if path else None
        except OSError:  # no such file: the address stays as it is, and answers 404
            digest = None
        known[filename] = digest
        return digest

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and (digest := fingerprint(values.get("filename", ""))):
            values["v"] = digest

    @app.after_request
    def cache_fingerprinted(response):
        if (
            request.endpoint == "static"
            and response.status_code in (200, 304)
            and request.args.get("v")
            and request.args.get("v") == fingerprint((request.view_args or {}).get("filename", ""))
        ):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = YEAR_SECONDS
            response.cache_control.immutable = True
        return response
