"""Why the backup commands refuse a file or a database, each saying that nothing was changed."""

from __future__ import annotations

from pathlib import Path

from lms.refusals import N_, Problem


def not_a_backup(path: Path, reason: str) -> Problem:
    """A file that is not a backup file at all (or whose manifest cannot be read)."""
    return Problem(
        N_("%(file)s is not a backup made by `flask backup create` (%(reason)s). Nothing was changed."),
        file=str(path),
        reason=reason,
    )


def cut_short(path: Path, got: int, expected: int) -> Problem:
    """A backup file that ends before its database copy does."""
    return Problem(
        N_(
            "%(file)s is incomplete: it holds %(got)d of the %(expected)d bytes of its database copy "
            "(it was cut short while being written or copied). Nothing was changed; use another backup."
        ),
        file=str(path),
        got=got,
        expected=expected,
    )


def damaged(path: Path, reason: str) -> Problem:
    """A backup whose database copy is not what its manifest describes."""
    return Problem(
        N_("%(file)s is damaged: %(reason)s. Nothing was changed; use another backup."),
        file=str(path),
        reason=reason,
    )


def not_empty(where: str, tables: list[str]) -> Problem:
    """Restoring into a database that already holds tables."""
    return Problem(
        N_(
            "The database %(database)s is not empty (%(count)d tables, such as %(examples)s). Restore only into "
            "a new, empty database (create one and point LMS_DATABASE_URL at it). Nothing was changed."
        ),
        database=where,
        count=len(tables),
        examples=", ".join(tables[:3]),
    )
