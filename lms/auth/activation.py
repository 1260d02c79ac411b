"""One-time codes in the database: issuing them, using them, handing out an import's codes once.

Reads and writes; never commits (the surface does, in `write_transaction()`). The pure rules are
in lms.auth.codes; what is stored is only the keyed hash of each code.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from lms.audit.models import record_audit
from lms.auth.codes import WRONG_CODE, Purpose, code_hash, code_key, code_problem, derive_code, new_code
from lms.auth.models import CodeHandout, OneTimeCode, User
from lms.auth.policy import password_problem
from lms.auth.service import find_user, record_logout
from lms.extensions import db
from lms.org.models import Unit
from lms.refusals import N_, Problem, Refused

ACTIVATION_DAYS = 30  # LMS config ACTIVATION_CODE_DAYS overrides
RESET_HOURS = 72  # LMS config RESET_CODE_HOURS overrides
ALREADY_HANDED_OUT = N_(
    "These codes have already been handed out in this form; they are not kept. "
    "Reset the password of an account that lost its code."
)


def current_code_key() -> bytes:
    """The key that hashes codes, derived from this application's SECRET_KEY."""
    return code_key(current_app.config["SECRET_KEY"])


def code_lifetime(purpose: str) -> timedelta:
    """How long a new code of this purpose stays usable."""
    if purpose == Purpose.RESET:
        return timedelta(hours=int(current_app.config.get("RESET_CODE_HOURS", RESET_HOURS)))
    return timedelta(days=int(current_app.config.get("ACTIVATION_CODE_DAYS", ACTIVATION_DAYS)))


def _end_open_codes(user_ids, now: datetime) -> None:
    """End every unused code of these accounts (a newer one replaces them, or one was used)."""
    db.session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.user_id.in_(list(user_ids)), OneTimeCode.used_at.is_(None), OneTimeCode.replaced_at.is_(None)
        )
        .values(replaced_at=now)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued: shown once to the admin, never stored as such."""

    code: str
    purpose: str
    expires_at: datetime


def issue_code(user: User, purpose: str, actor_id: int | None, now: datetime) -> IssuedCode:
    """Give an account a new one-time code (its older unused codes end); audit it; return the code.

    An account that never had a password gets an activation code, whatever was asked.
    """
    if not user.password_hash:
        purpose = Purpose.ACTIVATE
    code = new_code()
    expires_at = now + code_lifetime(purpose)
    _end_open_codes([user.id], now)
    db.session.add(
        OneTimeCode(
            user_id=user.id,
            purpose=str(purpose),
            code_hash=code_hash(current_code_key(), code),
            created_at=now,
            expires_at=expires_at,
            created_by=actor_id,
        )
    )
    db.session.flush()
    record_audit(
        actor_id,
        "user.code_issue",
        f"user:{user.id}",
        username=user.username,
        purpose=str(purpose),
        expires_at=expires_at.isoformat(),
    )
    return IssuedCode(code, str(purpose), expires_at)


def use_code(*, username: str, code: str, password: str, confirm: str, now: datetime) -> User:
    """Set a password with a one-time code; end the code, the account's other codes and its sessions.

    Refused, with nothing written, for a wrong code (or another account's: the same words), a code
    used, replaced or expired, a disabled account, passwords that differ or a password the policy
    refuses. `Refused.code` is "wrong_code" for the misses the rate limit counts.
    """
    if not username.strip() or not code.strip():
        raise Refused(Problem(N_("Enter your username and the code you were given.")), code="wrong_code")
    user = find_user(username)
    row = db.session.scalar(select(OneTimeCode).where(OneTimeCode.code_hash == code_hash(current_code_key(), code)))
    if user is None or row is None or row.user_id != user.id:
        raise Refused(Problem(WRONG_CODE, field="code"), code="wrong_code")
    if problem := code_problem(expires_at=row.expires_at, used_at=row.used_at, replaced_at=row.replaced_at, now=now):
        raise Refused(problem.about(field="code"), code="ended_code")
    if not user.active:
        raise Refused(Problem(N_("This account is disabled. Ask your administrator.")), code="disabled", status=403)
    if password != confirm:
        raise Refused(Problem(N_("The two passwords are not the same."), field="confirm"))
    if problem := password_problem(password, username=user.username, full_name=user.full_name):
        raise Refused(problem.about(field="password"))
    user.set_password(password)  # the one slow hash, now that the person chose the password
    row.used_at = now
    _end_open_codes([user.id], now)
    record_logout(user, now)
    db.session.flush()
    record_audit(user.id, "user.code_use", f"user:{user.id}", username=user.username, purpose=row.purpose)
    return user


# An import's codes: derived from a secret that lives only in the admin's page (and in the file the
# command writes), so the database never holds them; each form of the handout is given out once.


@dataclass(frozen=True)
class Slip:
    """What one person's slip says."""

    full_name: str
    username: str
    unit_name: str
    code: str
    expires_at: datetime


def new_handout(actor_id: int | None, now: datetime) -> tuple[CodeHandout, bytes]:
    """Start the handout of an import's codes; return it with the secret its codes come from."""
    handout = CodeHandout(id=secrets.token_hex(16), created_by=actor_id, created_at=now)
    db.session.add(handout)
    db.session.flush()
    return handout, secrets.token_bytes(32)


def handout_slips(handout_id: str, secret: bytes) -> list[Slip]:
    """The slips of a handout, by unit then name; a code that no longer matches its hash is left out."""
    key = current_code_key()
    rows = db.session.execute(
        select(
            User.full_name, User.username, Unit.name, OneTimeCode.purpose, OneTimeCode.code_hash, OneTimeCode.expires_at
        )
        .join(User, User.id == OneTimeCode.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(OneTimeCode.handout_id == handout_id)
        .order_by(Unit.name, User.full_name, User.username)
    ).all()
    slips = []
    for full_name, username, unit_name, purpose, stored, expires_at in rows:
        code = derive_code(secret, purpose, username)
        if code_hash(key, code) == stored:
            slips.append(Slip(full_name, username, unit_name or "", code, expires_at))
    return slips


def take_handout(handout_id: str, secret: bytes, kind: str, actor_id: int, now: datetime) -> list[Slip]:
    """Give out an import's codes as `kind` ("csv" or "slips"), once; audit it; return the slips."""
    handout = db.session.scalar(select(CodeHandout).where(CodeHandout.id == handout_id).with_for_update())
    if handout is None:
        raise Refused(
            N_("These codes are unknown. Import the file again or reset the accounts' passwords."), status=404
        )
    taken = handout.csv_taken_at if kind == "csv" else handout.slips_taken_at
    if taken is not None:
        raise Refused(
            ALREADY_HANDED_OUT,
            code="taken",
            status=410,
        )
    if kind == "csv":
        handout.csv_taken_at = now
    else:
        handout.slips_taken_at = now
    slips = handout_slips(handout_id, secret)
    db.session.flush()
    record_audit(actor_id, "user.codes_handout", f"handout:{handout_id}", form=kind, accounts=len(slips))
    return slips
