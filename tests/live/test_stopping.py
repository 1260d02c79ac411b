"""A stopping process opens no new live-room connection: the proxy sends it to another process.

After SIGTERM (`lms.live.shutdown.hand_over`) the handed-over clients reconnect at once, while
gunicorn's worker still accepts for up to a second; a new connection's handshake is answered 503,
which nginx passes on to the next process (deploy/nginx/lms.conf; tests/deploy/test_topology.py
runs it for real), as is a request of a connection another process holds. Requests of the
connections it still holds are left to Engine.IO.
"""

import json

import pytest

from lms.live import transport
from tests.conftest import AuthActions


@pytest.fixture
def stopping():
    transport.stopping.set()
    yield
    transport.stopping.clear()


@pytest.mark.parametrize("transport_name", ["polling", "websocket"])
def test_a_stopping_process_answers_a_new_connection_503(client, stopping, transport_name):
    answer = client.get(f"/socket.io/?EIO=4&transport={transport_name}")
    assert (answer.status_code, answer.headers["Retry-After"], answer.data) == (503, "1", b"stopping")


def test_a_stopping_process_answers_503_for_a_connection_it_does_not_hold(client, stopping):
    # Opened by another process: this client's route still leads here.
    answer = client.post("/socket.io/?EIO=4&transport=polling&sid=opened-elsewhere", data="40/live,")
    assert (answer.status_code, answer.data) == (503, b"stopping")


def test_a_stopping_process_still_serves_a_connection_it_holds(client, world):
    assert AuthActions(client).login("hv.mai").status_code == 302
    opened = client.get("/socket.io/?EIO=4&transport=polling")
    assert opened.status_code == 200
    eio_sid = json.loads(opened.get_data(as_text=True)[1:])["sid"]
    transport.stopping.set()
    try:
        answer = client.post(f"/socket.io/?EIO=4&transport=polling&sid={eio_sid}", data="40/live,")
    finally:
        transport.stopping.clear()
    assert (answer.status_code, answer.data) == (200, b"OK")  # Engine.IO took the packet


def test_a_running_process_screens_handshakes_as_usual(client):
    assert client.get("/socket.io/?EIO=4&transport=polling").status_code == 401  # no sign-in
