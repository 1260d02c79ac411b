"""Responses more than one domain builds: file downloads."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response


def download(body: bytes | str, filename: str, mimetype: str, *, inline: bool = False) -> Response:
    """A file for the browser to save (or, `inline`, to show) under this name.

    The name goes in both forms of Content-Disposition: plain ASCII for old clients, and RFC 6266's
    UTF-8 `filename*` so Vietnamese names survive.
    """
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = "inline" if inline else "attachment"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
        if ascii_name != filename
        else f'{disposition}; filename="{filename}"'
    )
    return response
