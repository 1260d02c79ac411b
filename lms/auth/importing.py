"""Checking a CSV of officials before anything is written (all or nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lms.auth.models import Role
from lms.auth.policy import email_problem, normalise_username, username_problem
from lms.csvfiles import CsvRow
from lms.refusals import N_, Problem
from lms.text import clean_name, single_line_problem
from lms.turns import taking_turns

REQUIRED_COLUMNS = {"username", "full_name", "unit"}
# No password column: new accounts get a one-time activation code, and the person chooses the password.
OPTIONAL_COLUMNS = {"email", "role"}
TEXT_COLUMNS = ("username", "full_name", "unit", "email", "role")


@dataclass(frozen=True)
class UserRecord:
    """One valid row: what the user should look like after the import."""

    line: int
    username: str
    full_name: str
    email: str | None
    role: str
    unit_code: str


@dataclass
class ImportPlan:
    """Valid records and, per line, every reason a row was refused."""

    records: list[UserRecord] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def plan_user_import(
    rows: list[CsvRow], unit_codes: set[str], retired_codes: frozenset[str] | set[str] = frozenset()
) -> ImportPlan:
    """Validate rows against the known units (retired ones take nobody); report each problem by line."""
    plan = ImportPlan()
    seen: dict[str, int] = {}
    roles = {r.value for r in Role}
    for row in taking_turns(rows):  # a large file is checked while other requests keep running
        v = row.values
        # A control character in any text column refuses the row (PostgreSQL cannot store NUL).
        problems = [
            problem
            for column in TEXT_COLUMNS
            if (problem := single_line_problem(v.get(column) or "", column=column)) is not None
        ]
        if problems:
            plan.errors.extend((row.line, p) for p in problems)
            continue
        username = normalise_username(v.get("username", ""))
        if problem := username_problem(username):
            problems.append(problem)
        elif username in seen:
            problems.append(
                Problem(
                    N_("username '%(username)s' already appears on line %(line)d"),
                    username=username,
                    line=seen[username],
                )
            )
        full_name = clean_name(v.get("full_name", ""))
        if not full_name:
            problems.append(Problem(N_("full_name is empty")))
        elif len(full_name) > 200:
            problems.append(Problem(N_("full_name is longer than 200 characters")))
        email = v.get("email") or None
        if email and (problem := email_problem(email)):
            problems.append(problem)
        role = (v.get("role") or Role.LEARNER.value).lower()
        if role not in roles:
            problems.append(
                Problem(N_("role must be one of %(roles)s, not '%(role)s'"), roles=", ".join(sorted(roles)), role=role)
            )
        unit_code = v.get("unit", "")
        if unit_code in retired_codes:
            problems.append(Problem(N_("unit '%(unit)s' is retired"), unit=unit_code))
        elif unit_code not in unit_codes:
            problems.append(Problem(N_("unknown unit '%(unit)s'"), unit=unit_code))
        if problems:
            plan.errors.extend((row.line, p) for p in problems)
            continue
        seen[username] = row.line
        plan.records.append(UserRecord(row.line, username, full_name, email, role, unit_code))
    return plan
