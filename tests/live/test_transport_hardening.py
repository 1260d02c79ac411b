"""What reaches the live room from the wire, on a real server (the Socket.IO test client skips it).

Only signed-in browsers get an Engine.IO connection; only `/live` takes a Socket.IO connection;
binary frames and packets, and packets that cannot be decoded, close the connection and are logged
once for it, never a traceback per frame; a flood of announced attachments keeps no memory.
"""

from __future__ import annotations

import time

import pytest
import requests

from lms.live import packets
from tests.live.servers import NS, Servers, cookie_header

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"
ATTACHMENT = b"\x04" + b"a" * 95_000  # an Engine.IO binary frame of 95 kB, as in the report
CLOSED = '"socket_closed"'  # the security event, one line per closed connection (JSON logs)


def closed_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if CLOSED in line]


def wait_for_log(server, text: str, timeout: float = 5) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = server.log_text()
        if text in log:
            return log
        time.sleep(0.05)
    return server.log_text()


def binary_event(attachments: int) -> str:
    """A Socket.IO BINARY_EVENT for /live announcing `attachments` frames to follow."""
    placeholders = ",".join(f'{{"_placeholder":true,"num":{i}}}' for i in range(attachments))
    return f'45{attachments}-{NS},["chat",{placeholders}]'


@pytest.fixture
def start_server(tmp_path, database_url):
    with Servers(database_url, tmp_path) as servers:
        yield servers.start


# --- the rules, without a server ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "problem"),
    [
        ("40/live,", None),
        ("2probe", None),
        ("", "an empty Engine.IO packet"),
        ("xx", "an undecodable Engine.IO packet"),
        ("bAAEC", packets.BINARY),
    ],
)
def test_engine_frames_are_judged_by_their_type(frame, problem):
    assert packets.engine_frame_problem(frame) == problem


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ('2/live,1["chat",{}]', None),
        ("0/live,", None),
        (b"\x00\xff", packets.BINARY),
        ('51-/live,["chat",{"_placeholder":true,"num":0}]', packets.BINARY),
        ('61-/live,1[{"_placeholder":true,"num":0}]', packets.BINARY),
        ("x", "an undecodable Socket.IO packet"),
        ("4/live,{}", "an undecodable Socket.IO packet"),  # CONNECT_ERROR is the server's to send
        ("", "an undecodable Socket.IO packet"),
    ],
)
def test_socket_packets_are_judged_before_decoding(data, problem):
    assert packets.socket_packet_problem(data) == problem


def test_a_polling_body_is_judged_packet_by_packet():
    assert packets.engine_payload_problem(b'40/live,\x1e42/live,1["join",{}]') is None
    assert packets.engine_payload_problem(b"40/live,\x1exx") == "an undecodable Engine.IO packet"
    assert packets.engine_payload_problem(b"\xff\xfe") == "a polling request that is not UTF-8 text"


# --- on a real server ------------------------------------------------------------------------------


def test_a_connection_without_a_sign_in_is_refused_at_the_handshake(world, start_server):
    server = start_server()
    assert requests.get(server.base + HANDSHAKE, timeout=5).status_code == 401
    forged = {"Cookie": "session=eyJfdXNlcl9pZCI6IjEifQ.forged.signature"}
    assert requests.get(server.base + HANDSHAKE, headers=forged, timeout=5).status_code == 401
    assert server.websocket_status() == 401  # WebSocket straight away: the same check
    # A sign-in that ended (logged out) no longer opens a connection either.
    browser = server.browser("hv.mai")
    cookie = cookie_header(browser)
    assert requests.get(server.base + HANDSHAKE, headers={"Cookie": cookie}, timeout=5).status_code == 200
    assert server.post_form(browser, "/logout").status_code == 302
    assert requests.get(server.base + HANDSHAKE, headers={"Cookie": cookie}, timeout=5).status_code == 401


def test_only_the_live_namespace_takes_a_connection(world, start_server):
    server = start_server()
    socket = server.raw("hv.mai")
    assert socket.connect("/") == '44"Unable to connect"'
    assert socket.connect("/admin") == '44/admin,"Unable to connect"'
    assert socket.connect(NS).startswith(f'40{NS},{{"sid":')


def test_a_cookieless_attachment_flood_keeps_no_memory(world, start_server):
    """The report's flood, 300 frames of 95 kB: without a sign-in nothing opens a connection to send
    them on, and a signed-in client's binary packet closes its connection before any attachment."""
    server = start_server()
    warm = server.raw("hv.mai")  # the first connection's one-off costs
    warm.connect(NS)
    warm.close()
    time.sleep(0.5)
    before = server.worker_rss_kb()
    for _ in range(3):
        assert server.websocket_status() == 401
    with requests.Session() as flood:
        for _ in range(300):  # polling bodies for a session that was never opened
            answer = flood.post(f"{server.base}{HANDSHAKE}&sid=AAAAAAAAAAAAAAAAAAAA", data=ATTACHMENT, timeout=5)
            assert answer.status_code == 400
    signed_in = server.raw("hv.mai")
    signed_in.connect(NS)
    signed_in.send(binary_event(300))
    assert signed_in.frames_for(2) == ["1"] and not signed_in.connected  # closed at the announcement
    assert signed_in.flood([ATTACHMENT] * 300) == 0
    time.sleep(0.5)
    grown_kb = server.worker_rss_kb() - before
    # Buffered until the announced count arrived, the attachments alone were 28 MB (they were, before).
    assert grown_kb < 4_000, f"the worker grew by {grown_kb} kB"
    log = server.log_text()
    assert len(closed_lines(log)) == 1 and "it sent a binary message" in log
    assert "Traceback" not in log


def test_a_binary_packet_closes_the_connection_before_its_attachments(world, start_server):
    server = start_server()
    socket = server.raw("hv.mai")
    socket.connect(NS)
    socket.send(binary_event(2))
    assert socket.frames_for(2) == ["1"]  # Engine.IO's CLOSE, then the connection ends
    assert not socket.connected
    log = wait_for_log(server, CLOSED)
    assert "it sent a binary message (no room event takes binary data)" in log
    assert "Traceback" not in log


@pytest.mark.parametrize("frame", ["4x", "4" + "9" * 20, '42/live,1["chat",', "42/live,1{}"])
def test_an_undecodable_packet_is_logged_once_and_closes_the_connection(world, start_server, frame):
    server = start_server()
    socket = server.raw("hv.mai")
    socket.connect(NS)
    size = len(server.log_text())
    socket.flood([frame] * 2000)  # the report's 2,000 frames: 1.8 MB of tracebacks before
    socket.frames_for(1)
    assert not socket.connected
    log = wait_for_log(server, CLOSED)[size:]
    assert len(closed_lines(log)) == 1, log
    assert "an undecodable Socket.IO packet" in log and "Traceback" not in log
    assert len(log) < 1000


def test_an_undecodable_engine_io_frame_is_logged_once(world, start_server):
    server = start_server()
    socket = server.raw("hv.mai")
    socket.connect(NS)
    socket.send("xx")
    socket.frames_for(1)
    assert not socket.connected
    log = wait_for_log(server, CLOSED)
    assert len(closed_lines(log)) == 1 and "it sent an undecodable Engine.IO packet" in log
    assert "Traceback" not in log


def test_an_undecodable_polling_body_is_refused_and_logged_once(world, start_server):
    server = start_server()
    http = server.browser("hv.mai")
    opening = http.get(server.base + HANDSHAKE, timeout=5)
    sid = opening.text.split('"sid":"')[1].split('"')[0]
    polling = f"{server.base}{HANDSHAKE}&sid={sid}"
    assert http.post(polling, data="40/live,", timeout=5).text == "OK"
    for _ in range(20):
        assert http.post(polling, data="xx", timeout=5).status_code == 400
    assert http.get(polling, timeout=5).status_code == 400  # the session is closed, or already gone
    log = wait_for_log(server, CLOSED)
    assert len(closed_lines(log)) == 1 and "it sent an undecodable Engine.IO packet" in log
    assert "Traceback" not in log
