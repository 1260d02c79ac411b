"""Admin screens for the unit tree: view, add, rename, move, retire and restore."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from lms.admin.blueprint import bp
from lms.auth.decorators import roles_required
from lms.auth.models import Role, User
from lms.auth.service import find_user
from lms.database import utcnow, write_transaction
from lms.extensions import db
from lms.org.heads import heads_of, remove_head, set_head
from lms.org.models import Unit
from lms.org.service import (
    create_unit,
    move_unit,
    rename_unit,
    restore_unit,
    retire_unit,
    subtree_ids,
    unit_path,
    unit_tree,
)
from lms.refusals import N_, Problem, Refused
from lms.requestdata import optional_int

BAD_PARENT = Problem(N_("choose a parent unit from the list"), field="parent_id")


def _parent_from_form(field: str = "parent_id") -> tuple[bool, Unit | None]:
    """Read a parent unit id from the form: (valid, unit); empty means the root."""
    value = request.form.get(field, "").strip()
    if not value:
        return True, None
    unit_id = optional_int(value)
    if unit_id is None:
        return False, None
    unit = db.session.get(Unit, unit_id)
    return unit is not None, unit


def _people_counts() -> dict[int, int]:
    return dict(db.session.execute(select(User.unit_id, func.count()).group_by(User.unit_id)).all())


@bp.route("/units", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def units():
    """The unit tree, and the form to add a unit."""
    error = None
    if request.method == "POST":
        try:
            with write_transaction():
                valid, parent = _parent_from_form()
                if not valid:
                    raise Refused(BAD_PARENT)
                unit = create_unit(
                    code=request.form.get("code", ""),
                    name=request.form.get("name", ""),
                    level=request.form.get("level", ""),
                    parent=parent,
                    actor_id=current_user.id,
                )
        except Refused as refusal:
            error = refusal.messages()[0]
        else:
            flash(_("Unit %(name)s added.", name=unit.name), "success")
            return redirect(url_for("admin.units"), 303)
    tree = unit_tree()
    return render_template(
        "admin/units.html",
        tree=tree,
        parents=[row for row in tree if row.unit.retired_at is None],
        people=_people_counts(),
        error=error,
        values=request.form,
    ), 400 if error else 200


@bp.get("/units/<int:unit_id>")
@roles_required(Role.ADMIN)
def unit_page(unit_id: int):
    """One unit: its path, people, and the forms to rename, move, retire or restore it."""
    return _render_unit(db.get_or_404(Unit, unit_id))


def _render_unit(unit: Unit, error: str | None = None, values=None):
    below = subtree_ids(unit)
    parents = [row for row in unit_tree(include_retired=False) if row.unit.id not in below]
    return render_template(
        "admin/unit.html",
        unit=unit,
        path=unit_path(unit),
        parents=parents,
        error=error,
        values=values or {},
        people=db.session.scalar(select(func.count()).where(User.unit_id == unit.id)),
        heads=heads_of(unit),
    ), 400 if error else 200


def _unit_action(unit_id: int, action) -> object:
    """Run one change to a unit in a write transaction; show the unit page with the reason if refused."""
    try:
        with write_transaction():
            message = action(db.get_or_404(Unit, unit_id))
    except Refused as refusal:
        return _render_unit(db.get_or_404(Unit, unit_id), refusal.messages()[0], request.form)
    if message:
        flash(message, "success")
    return redirect(url_for("admin.unit_page", unit_id=unit_id), 303)


@bp.post("/units/<int:unit_id>/rename")
@roles_required(Role.ADMIN)
def rename_unit_view(unit_id: int):
    """Change a unit's name and level."""

    def action(unit):
        changed = rename_unit(
            unit, name=request.form.get("name", ""), level=request.form.get("level", ""), actor_id=current_user.id
        )
        return _("Unit renamed.") if changed else _("Nothing changed.")

    return _unit_action(unit_id, action)


@bp.post("/units/<int:unit_id>/move")
@roles_required(Role.ADMIN)
def move_unit_view(unit_id: int):
    """Move a unit, with everything below it, under another unit (or to the top)."""

    def action(unit):
        valid, parent = _parent_from_form()
        if not valid:
            raise Refused(BAD_PARENT)
        return _("Unit moved.") if move_unit(unit, parent, actor_id=current_user.id) else _("Nothing changed.")

    return _unit_action(unit_id, action)


@bp.post("/units/<int:unit_id>/retire")
@roles_required(Role.ADMIN)
def retire_unit_view(unit_id: int):
    """Retire a unit: it stays in the tree, marked, and takes no new people or enrolments."""

    def action(unit):
        retire_unit(unit, utcnow(), actor_id=current_user.id)
        return _("Unit retired.")

    return _unit_action(unit_id, action)


@bp.post("/units/<int:unit_id>/restore")
@roles_required(Role.ADMIN)
def restore_unit_view(unit_id: int):
    """Bring a retired unit back into use."""

    def action(unit):
        restore_unit(unit, actor_id=current_user.id)
        return _("Unit restored.")

    return _unit_action(unit_id, action)


@bp.post("/units/<int:unit_id>/heads")
@roles_required(Role.ADMIN)
def add_unit_head(unit_id: int):
    """Make a person (any role, by username) a head of the unit."""

    def action(unit):
        username = request.form.get("username", "")
        person = find_user(username) if username.strip() else None
        if person is None:
            raise Refused(Problem(N_("no account has the username '%(username)s'"), username=username.strip()[:64]))
        if set_head(unit, person, actor_id=current_user.id):
            return _("%(name)s now heads this unit and its sub-units.", name=person.full_name)
        return _("Nothing changed.")

    return _unit_action(unit_id, action)


@bp.post("/units/<int:unit_id>/heads/<int:user_id>/remove")
@roles_required(Role.ADMIN)
def remove_unit_head(unit_id: int, user_id: int):
    """Stop a person heading the unit."""

    def action(unit):
        person = db.get_or_404(User, user_id)
        remove_head(unit, person, actor_id=current_user.id)
        return _("%(name)s no longer heads this unit.", name=person.full_name)

    return _unit_action(unit_id, action)
