"""Which Engine.IO frames and Socket.IO packets the live room takes, judged before any library
decodes or buffers them (pure: text in, a problem or None out).

The room's client sends only text: Engine.IO packets whose type is a digit, carrying Socket.IO
packets of type CONNECT (0), DISCONNECT (1), EVENT (2) or ACK (3). No room event takes binary data,
so binary frames and the binary packet types (5 and 6, whose attachments python-socketio would keep
in memory until the announced count arrived) are refused, not buffered.
"""

from __future__ import annotations

# Engine.IO packet types: OPEN CLOSE PING PONG MESSAGE UPGRADE NOOP.
ENGINE_TYPES = frozenset("0123456")
# Socket.IO packet types a client may send: CONNECT DISCONNECT EVENT ACK.
SOCKET_TYPES = frozenset("0123")
# Engine.IO's separator of the packets in one long-polling body.
RECORD_SEPARATOR = "\x1e"

BINARY = "a binary message (no room event takes binary data)"


def engine_frame_problem(frame: str) -> str | None:
    """Why one Engine.IO text frame (a WebSocket message) cannot be decoded, or None."""
    if not frame:
        return "an empty Engine.IO packet"
    if frame[0] == "b":  # a base64-encoded binary message
        return BINARY
    if frame[0] not in ENGINE_TYPES:
        return "an undecodable Engine.IO packet"
    return None


def engine_payload_problem(body: bytes) -> str | None:
    """Why a long-polling request body (packets joined by U+001E) cannot be decoded, or None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "a polling request that is not UTF-8 text"
    for frame in text.split(RECORD_SEPARATOR):
        if problem := engine_frame_problem(frame):
            return problem
    return None


def socket_packet_problem(data: str | bytes) -> str | None:
    """Why a Socket.IO packet (an Engine.IO message's data) is refused before decoding, or None.

    Decoding errors beyond the type (bad JSON, a bad id) are found by decoding it.
    """
    if not isinstance(data, str):
        return BINARY
    if not data or data[0] not in SOCKET_TYPES:
        return BINARY if data[:1] in ("5", "6") else "an undecodable Socket.IO packet"
    return None
