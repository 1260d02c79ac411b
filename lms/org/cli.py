"""`flask units create|list|set-head`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from lms.auth.service import find_user
from lms.database import write_transaction
from lms.extensions import db
from lms.org import heads
from lms.org.models import Unit
from lms.org.service import create_unit, find_unit, unit_path
from lms.refusals import cli_refusals

units_cli = AppGroup("units", help="Manage the organisation tree.")


@units_cli.command("create")
@click.option("--code", required=True, help="Short unique code, e.g. so-noi-vu.")
@click.option("--name", required=True)
@click.option("--level", required=True, help='The unit\'s level, e.g. "Sở/ngành" or "Phường/xã".')
@click.option("--parent", "parent_code", help="Code of the parent unit.")
@cli_refusals
@write_transaction()
def create_command(code, name, level, parent_code):
    """Create a unit."""
    parent = None
    if parent_code:
        parent = find_unit(parent_code)
        if parent is None:
            raise click.UsageError(f"unknown parent unit '{parent_code}'")
    unit = create_unit(code=code, name=name, level=level, parent=parent)
    click.echo(f"Created unit '{unit.code}': {' / '.join(u.name for u in unit_path(unit))}")


@units_cli.command("list")
def list_command():
    """Print the unit tree."""

    def show(unit: Unit, depth: int) -> None:
        retired = " [retired]" if unit.retired_at else ""
        click.echo(f"{'  ' * depth}{unit.code}\t{unit.name} ({unit.level}){retired}")
        for child in unit.children:
            show(child, depth + 1)

    for root in db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.name)):
        show(root, 0)


@units_cli.command("set-head")
@click.option("--unit", "unit_code", required=True, help="Code of the unit.")
@click.option("--username", required=True, help="The person who heads it (any role).")
@click.option("--remove", is_flag=True, help="Stop this person heading the unit.")
@cli_refusals
@write_transaction()
def set_head_command(unit_code, username, remove):
    """Make a person a head of a unit (or, with --remove, no longer). Audited."""
    unit, user = find_unit(unit_code), find_user(username)
    if unit is None:
        raise click.UsageError(f"unknown unit '{unit_code}'")
    if user is None:
        raise click.UsageError(f"unknown user '{username}'")
    if remove:
        heads.remove_head(unit, user)
        click.echo(f"'{user.username}' no longer heads '{unit.code}'.")
    elif heads.set_head(unit, user):
        click.echo(f"'{user.username}' now heads '{unit.code}' and its sub-units.")
    else:
        click.echo(f"'{user.username}' already heads '{unit.code}'; nothing changed.")
