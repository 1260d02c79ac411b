"""A production process serves more live-room connections at once than a room of 1,000 holds.

A live-room socket keeps its connection for the whole session. With gunicorn's default of 1,000
connections per gevent worker, the 1,001st client (a learner joining, or any page request of the
process) waited in the listen backlog until someone left.
"""

from __future__ import annotations

import resource
import socket

import pytest
import requests

from lms import gunicorn_config
from tests.live.servers import Servers

HELD = 1_005


@pytest.fixture
def descriptors():
    """Enough file descriptors for the held connections, in this process and the server it starts."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * HELD + 200
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"the hard limit of open files ({hard}) is below {wanted}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def websocket_upgrade(port: int, cookie: str) -> socket.socket:
    """A connection asking for an Engine.IO WebSocket, its answer left unread (it stays open)."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.sendall(
        (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"Cookie: {cookie}\r\n\r\n"
        ).encode()
    )
    return connection


def test_a_page_is_answered_while_more_than_a_thousand_sockets_are_open(world, tmp_path, database_url, descriptors):
    assert gunicorn_config.worker_connections >= 5_000
    with Servers(database_url, tmp_path) as servers:
        server = servers.start()
        cookie = server.cookie("hv.mai")
        held = []
        try:
            for _ in range(HELD):
                held.append(websocket_upgrade(server.port, cookie))
            # The last socket was accepted and upgraded while the 1,004 before it stay open...
            assert held[-1].recv(12) == b"HTTP/1.1 101"
            # ...and a page request after them all is answered too.
            answer = requests.get(f"{server.base}/healthz", timeout=10)
            assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
        finally:
            for connection in held:
                connection.close()
