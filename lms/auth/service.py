"""Creating and updating users in the database (the caller commits)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select

from lms.audit.models import record_audit
from lms.auth.importing import ImportPlan
from lms.auth.models import User
from lms.extensions import db
from lms.org.models import Unit


class AccountError(ValueError):
    """A user cannot be created or changed as asked."""


def find_user(username: str) -> User | None:
    """Return the user with this username (case-insensitive), or None."""
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def create_user(
    *, username: str, full_name: str, role: str, unit: Unit | None, password: str,
    email: str | None = None, actor_id: int | None = None,
) -> User:
    """Add a new user; refuse a username that is taken."""
    if find_user(username) is not None:
        raise AccountError(f"username '{username}' is already taken")
    user = User(username=username, full_name=full_name, role=role, unit=unit, email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_audit(actor_id, "user.create", f"user:{user.id}", role=role)
    return user


@dataclass
class ImportResult:
    """What an import did, and the passwords it generated for new accounts."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    generated_passwords: list[tuple[str, str]] = field(default_factory=list)


def apply_user_import(plan: ImportPlan, actor_id: int | None = None, on_record=None) -> ImportResult:
    """Create or update the users of a checked plan; existing usernames are updated, not doubled."""
    if plan.errors:
        raise AccountError("the import plan has errors; nothing may be written")
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    existing = {
        u.username: u
        for u in db.session.scalars(select(User).where(User.username.in_([r.username for r in plan.records])))
    }
    result = ImportResult()
    for record in plan.records:
        user = existing.get(record.username)
        unit = units[record.unit_code]
        if user is None:
            user = User(username=record.username)
            db.session.add(user)
            password = record.password
            if password is None:
                password = secrets.token_urlsafe(9)
                result.generated_passwords.append((record.username, password))
            user.set_password(password)
            result.created += 1
        else:
            same = (user.full_name, user.email, user.role, user.unit_id) == (
                record.full_name, record.email, record.role, unit.id,
            )
            if same and record.password is None:
                result.unchanged += 1
                if on_record:
                    on_record()
                continue
            if record.password is not None:
                user.set_password(record.password)
            result.updated += 1
        user.full_name, user.email, user.role, user.unit = record.full_name, record.email, record.role, unit
        if on_record:
            on_record()
    db.session.flush()
    record_audit(
        actor_id, "user.import", "users", created=result.created, updated=result.updated
    )
    return result
