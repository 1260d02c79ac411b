"""What the live room reports: connections opened and closed, events by name, refused sockets.

One call each from lms/live/events.py's connect, disconnect and event paths.
"""

from __future__ import annotations

from lms.observability.logs import security_event
from lms.observability.metrics import LIVE_CONNECTIONS, LIVE_EVENTS


def connected() -> None:
    """A live-room connection was accepted."""
    LIVE_CONNECTIONS.inc()


def disconnected() -> None:
    """An accepted live-room connection ended."""
    LIVE_CONNECTIONS.dec()


def event(name: str) -> None:
    """One of the room's own events arrived (unknown names are not counted: the label set stays small)."""
    LIVE_EVENTS.labels(name).inc()


def refused(reason: str) -> None:
    """A connection was refused before it opened, for `reason` (the code the client is told)."""
    security_event("socket_refused", reason=reason)
