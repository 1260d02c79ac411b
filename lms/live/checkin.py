"""In-person check-in codes: six digits that change every minute, derived from the app's secret.

Nothing is stored: the code for a session and a minute is an HMAC of both, so every process
computes the same code, and a code seen on the room's screen stops working a minute later.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)


def _minute(at: datetime) -> int:
    return int(at.timestamp() // 60)


def checkin_code(secret: str, session_id: int, at: datetime) -> str:
    """The code shown in the room at this moment."""
    digest = hmac.new(secret.encode(), f"checkin:{session_id}:{_minute(at)}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"


def code_is_valid(secret: str, session_id: int, code: str, now: datetime) -> bool:
    """Accept this minute's code or the previous one (the learner was typing when it changed)."""
    code = code.strip()
    return any(
        hmac.compare_digest(code, checkin_code(secret, session_id, now - step)) for step in (timedelta(), WINDOW)
    )


def seconds_left(now: datetime) -> int:
    """Seconds until the code changes."""
    return 60 - int(now.timestamp()) % 60
