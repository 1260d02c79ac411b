"""`flask users create|import|set-password`."""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup

from lms.auth.activation import handout_slips
from lms.auth.codes import format_code
from lms.auth.importing import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, plan_user_import
from lms.auth.models import Role
from lms.auth.policy import email_problem, normalise_username, password_problem, username_problem
from lms.auth.service import (
    apply_user_import,
    create_user,
    find_user,
    import_admin_problems,
    reset_password,
    unit_codes,
)
from lms.cli import progressbar
from lms.csvfiles import csv_for_excel, read_csv_rows
from lms.database import write_transaction
from lms.org.service import find_unit
from lms.refusals import cli_refusals, in_file
from lms.text import clean_name

users_cli = AppGroup("users", help="Create and import users.")


def _check(problem: str | None) -> None:
    if problem:
        raise click.UsageError(problem)


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--full-name", help="Full name with diacritics; defaults to the username.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.LEARNER.value, show_default=True)
@click.option("--unit", "unit_code", required=True, help="Code of the user's unit.")
@click.option("--email")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Prompted (hidden) when omitted."
)
@cli_refusals
def create_command(username, full_name, role, unit_code, email, password):
    """Create one user."""
    username = normalise_username(username)
    _check(username_problem(username))
    _check(password_problem(password))
    _check(email_problem(email or ""))
    with write_transaction():
        unit = find_unit(unit_code)
        if unit is None:
            raise click.UsageError(f"unknown unit '{unit_code}' (see 'flask units list')")
        user = create_user(
            username=username,
            full_name=clean_name(full_name or username),
            role=role,
            unit=unit,
            password=password,
            email=email or None,
        )
    click.echo(f"Created {user.role} '{user.username}' in {unit.name}.")


@users_cli.command("set-password")
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password_command(username, password):
    """Set a user's password."""
    _check(password_problem(password))
    with write_transaction():
        user = find_user(username)
        if user is None:
            raise click.UsageError(f"unknown user '{username}'")
        reset_password(user, password, actor_id=None)
    click.echo(f"Password of '{user.username}' changed.")


@users_cli.command("import")
@click.argument("csv_file", type=click.File("rb"))
@click.option(
    "--codes-out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the new accounts' activation codes to this CSV file (it must not exist yet).",
)
@cli_refusals
def import_command(csv_file, codes_out):
    """Create or update users from a CSV file (all or nothing).

    Columns: username, full_name, unit (required); email, role (optional). New accounts get no
    password but a one-time activation code each, written to --codes-out (required when the file
    creates accounts); the codes are not kept anywhere else.
    """
    if codes_out and os.path.exists(codes_out):
        raise click.UsageError(f"{codes_out} already exists; choose a new file for the codes")
    with in_file(csv_file.name):
        rows = read_csv_rows(csv_file.read(), REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    with write_transaction():
        plan = plan_user_import(rows, *unit_codes())
        plan.errors.extend(import_admin_problems(plan, actor_id=None))
        if plan.errors:
            for line, message in plan.errors:
                click.echo(f"{csv_file.name}:{line}: {message}", err=True)
            raise click.ClickException(f"{len(plan.errors)} error(s); no user was created or changed.")
        with progressbar(len(plan.records), "Importing users") as bar:
            result = apply_user_import(plan, on_record=lambda: bar.update(1))
        if result.created and not codes_out:
            raise click.UsageError("the file creates accounts: give --codes-out FILE for their activation codes")
        slips = handout_slips(result.handout_id, result.secret) if result.created else []
        if slips:
            _write_codes(codes_out, slips)
    click.echo(f"created: {result.created}, updated: {result.updated}, unchanged: {result.unchanged}")
    if slips:
        click.echo(
            f"Activation codes of the {len(slips)} new account(s) written to {codes_out} (hand them over privately)."
        )


def _write_codes(path: str, slips) -> None:
    """Write the codes CSV, refusing to replace a file (a second run must not erase the first's codes)."""
    header = ["unit", "full_name", "username", "activation_code", "valid_until_utc"]
    rows = [(s.unit_name, s.full_name, s.username, format_code(s.code), s.expires_at.isoformat()) for s in slips]
    try:
        with open(path, "xb") as out:
            out.write(csv_for_excel(header, rows))
    except FileExistsError:
        raise click.UsageError(f"{path} already exists; choose a new file for the codes") from None
