"""Creating and updating users in the database (the caller commits)."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from lms.audit.models import record_audit
from lms.auth.importing import ImportPlan
from lms.auth.models import Role, User
from lms.auth.policy import admin_change_problem, email_problem, generate_password, password_problem
from lms.auth.sessions import end_every_session
from lms.database import release_connection, utcnow
from lms.extensions import db
from lms.org.models import Unit
from lms.org.service import active_unit_or_error
from lms.refusals import N_, Problem, Refused
from lms.text import contains_pattern
from lms.turns import Turns, in_statements


def find_user(username: str) -> User | None:
    """Return the user with this username (case-insensitive), or None."""
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


@cache
def _dummy_password_hash() -> str:
    """A hash of a random password, made like real ones: checked when there is no account to check."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _password_matches(password_hash: str, password: str) -> bool:
    """Check a password against its hash, off the event loop when the process runs under gevent.

    The hash is deliberately slow (scrypt, about 0.1 s of CPU). Under gevent (production) it would
    stop every other request of the process for that long; the standard library's scrypt releases
    the GIL, so gevent's thread pool runs it while the process serves other requests (an exam
    hall signing in: a dozen sign-ins a second, measured by bench/exam_day.py).
    """
    try:
        from gevent import get_hub, monkey
    except ImportError:  # gevent is a production dependency; without it there is no event loop to spare
        return check_password_hash(password_hash, password)
    if not monkey.is_module_patched("threading"):
        return check_password_hash(password_hash, password)
    return get_hub().threadpool.apply(check_password_hash, (password_hash, password))


def check_login(username: str, password: str) -> User | None:
    """The active account these credentials open, or None.

    An unknown username or a disabled account costs one password-hash check too (of a dummy hash),
    so the answer's timing does not tell which usernames exist.
    """
    user = find_user(username) if username else None
    password_hash = user.password_hash if user is not None and user.active else None
    # The check takes about 0.1 s of CPU: it must not hold a database connection meanwhile (on exam
    # day hundreds of sign-ins arrive together and the pool is a few dozen connections).
    release_connection()
    if not password_hash:
        _password_matches(_dummy_password_hash(), password)
        return None
    return user if _password_matches(password_hash, password) else None


def record_login(user: User, now: datetime, chosen_locale: str | None) -> None:
    """Note a successful sign-in; a language chosen before it becomes the account's if it has none."""
    user.last_login_at = now
    if user.locale is None and chosen_locale:
        user.locale = chosen_locale


def record_logout(user: User, now: datetime) -> None:
    """End every sign-in of the account (pages, remember-me logins, live-room sockets)."""
    user.logged_out_at = now
    end_every_session(user.id, now)


def change_own_password(user: User, current: str, new: str, again: str, now: datetime) -> None:
    """Set the signed-in person's new password; every sign-in of the account ends (the caller starts one)."""
    if not user.check_password(current):
        raise Refused(Problem(N_("the current password is not right"), field="current_password"))
    if problem := password_problem(new, username=user.username, full_name=user.full_name):
        raise Refused(problem, field="new_password")
    if new != again:
        raise Refused(Problem(N_("the two new passwords are not the same"), field="new_password_again"))
    if new == current:
        raise Refused(Problem(N_("the new password is the same as the current one"), field="new_password"))
    user.set_password(new)
    end_every_session(user.id, now)
    db.session.flush()
    record_audit(user.id, "user.password_change", f"user:{user.id}", username=user.username)


def create_user(
    *,
    username: str,
    full_name: str,
    role: str,
    unit: Unit | None,
    password: str,
    email: str | None = None,
    actor_id: int | None = None,
) -> User:
    """Add a new user; refuse a username that is taken."""
    if find_user(username) is not None:
        raise Refused(Problem(N_("username '%(username)s' is already taken"), username=username))
    active_unit_or_error(unit)
    user = User(username=username, full_name=full_name, role=role, unit=unit, email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_audit(
        actor_id, "user.create", f"user:{user.id}", username=username, role=role, unit=unit.code if unit else None
    )
    return user


@dataclass
class ImportResult:
    """What an import did; new accounts' activation codes come from `secret` (see lms.auth.activation)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    handout_id: str | None = None
    secret: bytes | None = field(default=None, repr=False)
    expires_at: datetime | None = None


def _active_admins() -> dict[str, int]:
    """Username to id of every active admin, their rows locked until the transaction ends (PostgreSQL),
    so two admins demoting each other at once cannot both succeed."""
    rows = db.session.execute(
        select(User.username, User.id).where(User.role == Role.ADMIN.value, User.active.is_(True)).with_for_update()
    )
    return dict(rows.all())


def _change_problem(user: User, actor_id: int | None, *, role: str | None = None, active: bool | None = None):
    """Why this change to an account may not be made (`admin_change_problem`), or None."""
    admins = _active_admins()
    return admin_change_problem(
        actor_id,
        user.id,
        active_admin_now=user.username in admins,
        other_active_admins=len(admins.keys() - {user.username}),
        role=role,
        active=active,
    )


def import_admin_problems(plan: ImportPlan, actor_id: int | None) -> list[tuple[int, Problem]]:
    """Each line of an import that would demote the importing admin or the last active admin."""
    admins = _active_admins()
    remaining = set(admins)
    found = []
    for record in plan.records:
        if record.username not in admins or record.role == Role.ADMIN.value:
            continue
        remaining.discard(record.username)
        problem = admin_change_problem(
            actor_id,
            admins[record.username],
            active_admin_now=True,
            other_active_admins=len(remaining),
            role=record.role,
        )
        if problem:
            found.append((record.line, problem))
    return found


def existing_usernames(usernames: list[str]) -> set[str]:
    """Which of these usernames have an account, asked a chunk at a time (a 10,000-name IN list is
    slow to build and would hold the worker)."""
    found: set[str] = set()
    for chunk in in_statements(usernames):
        found.update(db.session.scalars(select(User.username).where(User.username.in_(chunk))))
    return found


def apply_user_import(
    plan: ImportPlan, actor_id: int | None = None, on_record=None, now: datetime | None = None
) -> ImportResult:
    """Create or update the users of a checked plan; existing usernames are updated, not doubled.

    New accounts get no password and an activation code each (a fast keyed hash; the slow password
    hash runs when the person chooses one). Rows are written in bulk, a chunk per statement.
    """
    from lms.auth.activation import code_lifetime, current_code_key, new_handout
    from lms.auth.codes import Purpose, code_hash, derive_code
    from lms.auth.models import OneTimeCode

    if plan.errors:
        raise RuntimeError("the import plan has errors; nothing may be written")  # callers check first
    if problems := import_admin_problems(plan, actor_id):
        raise Refused(*(problem.about(line=line) for line, problem in problems))
    now = now or utcnow()
    turns = Turns()  # a 10,000-row import must not hold the worker that serves everyone else's pages
    units = dict(db.session.execute(select(Unit.code, Unit.id)).all())
    existing = {}
    for chunk in in_statements([r.username for r in plan.records], turns=turns):
        for row in db.session.execute(
            select(User.id, User.username, User.full_name, User.email, User.role, User.unit_id).where(
                User.username.in_(chunk)
            )
        ):
            existing[row.username] = row
    result = ImportResult()
    new_rows, changes, created, updated, demoted_or_promoted = [], [], [], [], []
    for record in plan.records:
        turns.take()
        unit_id = units[record.unit_code]
        values = {"full_name": record.full_name, "email": record.email, "role": record.role, "unit_id": unit_id}
        user = existing.get(record.username)
        if user is None:
            new_rows.append(
                {"username": record.username, "password_hash": "", "active": True, "created_at": now, **values}
            )
            created.append(record.username)
        elif (user.full_name, user.email, user.role, user.unit_id) == tuple(values.values()):
            result.unchanged += 1
        else:
            changes.append({"id": user.id, **values})
            updated.append(record.username)
            if user.role != record.role:
                demoted_or_promoted.append(user.id)
        if on_record:
            on_record()
    for chunk in in_statements(new_rows, turns=turns):
        db.session.execute(insert(User), chunk)
    for chunk in in_statements(changes, turns=turns):
        db.session.execute(update(User), chunk)
    for user_id in demoted_or_promoted:  # a role change ends the account's sign-ins, as on the edit screen
        end_every_session(user_id, now)
    result.created, result.updated = len(created), len(updated)
    if created:
        handout, secret = new_handout(actor_id, now)
        key, expires_at = current_code_key(), now + code_lifetime(Purpose.ACTIVATE)
        purpose = str(Purpose.ACTIVATE)
        for chunk in in_statements(created, turns=turns):
            ids = db.session.execute(select(User.username, User.id).where(User.username.in_(chunk))).all()
            db.session.execute(
                insert(OneTimeCode),
                [
                    {
                        "user_id": user_id,
                        "purpose": purpose,
                        "code_hash": code_hash(key, derive_code(secret, purpose, username)),
                        "created_at": now,
                        "expires_at": expires_at,
                        "created_by": actor_id,
                        "handout_id": handout.id,
                    }
                    for username, user_id in ids
                ],
            )
        result.handout_id, result.secret, result.expires_at = handout.id, secret, expires_at
    db.session.flush()
    record_audit(
        actor_id,
        "user.import",
        "users",
        created=result.created,
        updated=result.updated,
        created_users=created,
        updated_users=updated,
        activation_codes=result.created,
        handout=result.handout_id,
    )
    return result


@dataclass(frozen=True)
class UserChanges:
    """What an admin may change on an account."""

    full_name: str
    email: str | None
    role: str
    unit: Unit | None


def account_problems(*, full_name: str, email: str | None, role: str) -> list[str]:
    """Every reason the edited fields of an account are not acceptable."""
    problems = []
    if not full_name or len(full_name) > 200:
        problems.append(Problem(N_("the full name must have 1-200 characters")))
    if email and (problem := email_problem(email)):
        problems.append(problem)
    if role not in {r.value for r in Role}:
        problems.append(Problem(N_("unknown role '%(role)s'"), role=role))
    return problems


def update_user(user: User, changes: UserChanges, actor_id: int) -> dict:
    """Apply an admin's edit to an account and audit what changed; return the changes."""
    if problem := _change_problem(user, actor_id, role=changes.role):
        raise Refused(problem)
    if changes.unit is not None and changes.unit.id != user.unit_id:
        active_unit_or_error(changes.unit)
    before = {
        "full_name": user.full_name,
        "email": user.email,
        "role": user.role,
        "unit": user.unit.code if user.unit else None,
    }
    after = {
        "full_name": changes.full_name,
        "email": changes.email,
        "role": changes.role,
        "unit": changes.unit.code if changes.unit else None,
    }
    changed = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
    if not changed:
        return {}
    user.full_name, user.email, user.role, user.unit = changes.full_name, changes.email, changes.role, changes.unit
    if "role" in changed:  # what the account may do changed: every sign-in starts again
        end_every_session(user.id, utcnow())
    db.session.flush()
    record_audit(actor_id, "user.update", f"user:{user.id}", username=user.username, **changed)
    return changed


def set_user_active(user: User, active: bool, actor_id: int, now: datetime) -> bool:
    """Enable or disable an account; a disabled one's sessions end. Return False if unchanged."""
    if problem := _change_problem(user, actor_id, active=active):
        raise Refused(problem)
    if user.active == active:
        return False
    user.active = active
    if not active:
        user.logged_out_at = now
    # Disabling ends every sign-in; so does enabling, so that no cookie from before comes back.
    end_every_session(user.id, now)
    db.session.flush()
    record_audit(actor_id, "user.enable" if active else "user.disable", f"user:{user.id}", username=user.username)
    return True


def reset_password(user: User, password: str | None, actor_id: int | None) -> str:
    """Set a password chosen by an admin, or a generated one; return the password set."""
    password = password or generate_password()
    if problem := password_problem(password, username=user.username, full_name=user.full_name):
        raise Refused(problem)
    user.set_password(password)
    end_every_session(user.id, utcnow())
    db.session.flush()
    record_audit(actor_id, "user.password_reset", f"user:{user.id}", username=user.username)
    return password


@dataclass(frozen=True)
class UserFilter:
    """What the user list is narrowed to."""

    text: str = ""
    role: str = ""
    unit_id: int | None = None
    subunits: bool = False
    active: bool | None = None


def find_users(criteria: UserFilter, unit_ids: set[int] | None = None) -> Select:
    """Return a query for the users matching a filter (name, username or e-mail), by username."""
    query = select(User).options(joinedload(User.unit)).order_by(User.username)
    text = unicodedata.normalize("NFC", " ".join(criteria.text.split()))
    if text:
        typed = contains_pattern(text)
        lowered = typed.lower()
        query = query.where(
            or_(
                func.lower(User.username).like(lowered, escape="\\"),
                func.lower(User.full_name).like(lowered, escape="\\"),
                func.lower(User.email).like(lowered, escape="\\"),
                User.full_name.like(typed, escape="\\"),  # SQLite lowers ASCII only: also match as typed
            )
        )
    if criteria.role:
        query = query.where(User.role == criteria.role)
    if unit_ids is not None:
        query = query.where(User.unit_id.in_(unit_ids))
    if criteria.active is not None:
        query = query.where(User.active.is_(criteria.active))
    return query


def unit_codes() -> tuple[set[str], set[str]]:
    """Return the codes of all units and of the retired ones, for checking an import."""
    rows = db.session.execute(select(Unit.code, Unit.retired_at)).all()
    return {code for code, _ in rows}, {code for code, retired in rows if retired is not None}
