"""A server process that stops hands its live-room connections over at once.

On SIGTERM (a deploy, `systemctl stop`) gunicorn stops accepting and then waits up to its graceful
timeout for the requests in flight. A live-room connection never ends by itself: its client would
hang on the stopping process for the whole wait, and its attendance stretch would stay open until
another process's sweep noticed this one gone. Instead the process closes every connection at once.
Each close runs the room's disconnect handler (the stretch ends now, and the room hears the
departure), and the client, seeing its transport closed, reconnects at once, through the proxy, to a
process still running, and joins again with a fresh snapshot. This process answers that reconnect
503 (`lms.live.transport.stopping`), which the proxy passes on to another process. `lms.gunicorn_config` calls this
from the worker's SIGTERM handler.
"""

from __future__ import annotations

import logging

import socketio

from lms.live import presence, transport

log = logging.getLogger(__name__)


def hand_over(server: socketio.Server) -> int:
    """Close every Engine.IO connection of this process (clients reconnect elsewhere); how many."""
    # First: the clients come straight back, and gunicorn's worker still accepts for up to a second.
    transport.stopping.set()
    connections = list(server.eio.sockets.values())
    for connection in connections:
        try:
            # Not waiting for the client to read the close: a long-polling client may not come back.
            connection.close(wait=False)
        except Exception:  # one connection failing to close must not keep the others
            log.exception("closing a live-room connection at shutdown failed")
    presence.batches.flush_now(server)  # the departures go out now, not after the batch window
    presence.owners.stop(server)
    log.info("stopping: handed %d live-room connections over", len(connections))
    return len(connections)
