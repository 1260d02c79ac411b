"""Request ids: one per HTTP request, carried into its log lines and its `X-Request-Id` header."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

HEADER = "X-Request-Id"
# What a proxy's id may look like to be kept: nginx's $request_id (32 hex digits), UUIDs, and the
# trace ids of common load balancers ("Root=1-67891233-abcdef012345678912345678"). Nothing that
# could break a log line or a header: no spaces, quotes, control characters; at most 128 characters.
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")

# The id of the request this code runs for (None outside a request). A context variable: each
# thread, greenlet and test-client call has its own.
current_request_id: ContextVar[str | None] = ContextVar("lms_request_id", default=None)


def request_id_for(incoming: str | None, trust_incoming: bool) -> str:
    """The id of a request: the proxy's when one is trusted and it looks sane, else a new one."""
    if trust_incoming and incoming and SANE_ID.fullmatch(incoming):
        return incoming
    return secrets.token_hex(16)  # 128 random bits, like nginx's $request_id
