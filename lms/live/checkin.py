"""In-person check-in codes: six digits that change every minute, derived from the app's secret.

Nothing is stored: the code for a session and a minute is an HMAC of both, so every process
computes the same code, and a code seen on the room's screen stops working a minute later.
Check-in is open from 15 minutes before the session until its end.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from lms.refusals import N_, refuse

WINDOW = timedelta(minutes=1)
OPENS_BEFORE = timedelta(minutes=15)


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


def check_checkin(
    secret: str, session_id: int, code: str, starts_at: datetime, ends_at: datetime, now: datetime
) -> None:
    """Refuse a check-in outside its hours, or with a code other than the one shown in the room."""
    if not starts_at - OPENS_BEFORE <= now <= ends_at:
        refuse(N_("Check-in is open from 15 minutes before the session until its end."), code="checkin_closed")
    if not code_is_valid(secret, session_id, code, now):
        refuse(
            N_("That code is not the one shown in the room now. Check it and try again."),
            code="wrong_code",
            field="code",
        )
