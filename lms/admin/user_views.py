"""Admin screens for people: find, create, edit, disable/enable, issue a reset code, import from CSV
(with the new accounts' activation codes, handed out once as CSV and as printable slips)."""

from __future__ import annotations

import zlib
from base64 import urlsafe_b64decode, urlsafe_b64encode

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lms.admin.blueprint import bp, listed_problems, paginate
from lms.auth.activation import issue_code, take_handout
from lms.auth.codes import Purpose, format_code
from lms.auth.decorators import roles_required
from lms.auth.importing import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, plan_user_import
from lms.auth.models import Role, User
from lms.auth.policy import generate_password, normalise_username, password_problem, username_problem
from lms.auth.service import (
    UserChanges,
    UserFilter,
    account_problems,
    apply_user_import,
    create_user,
    existing_usernames,
    find_users,
    import_admin_problems,
    set_user_active,
    unit_codes,
    update_user,
)
from lms.csvfiles import csv_for_excel, read_csv_rows
from lms.database import utcnow, write_transaction
from lms.extensions import db
from lms.org.models import Unit
from lms.org.service import subtree_ids, unit_tree
from lms.refusals import N_, Problem, Refused, flash_refusal
from lms.requestdata import optional_int
from lms.responses import download
from lms.text import clean_name

MAX_IMPORT_BYTES = 1024 * 1024
PREVIEW_ROWS = 200  # a preview lists this many rows; the counts cover the whole file
IMPORT_TOKEN_MAX_AGE = 3600  # seconds between the preview and the confirmation


def _unit_choice(value: str) -> tuple[bool, Unit | None]:
    unit_id = optional_int(value)
    if unit_id is None:
        return False, None
    unit = db.session.get(Unit, unit_id)
    return unit is not None, unit


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    """Find people by name, username or e-mail; filter by role, unit and state."""
    args = request.args
    role = args.get("role", "") if args.get("role", "") in {r.value for r in Role} else ""
    active = {"1": True, "0": False}.get(args.get("active", ""))
    unit = None
    if (unit_id := optional_int(args.get("unit_id"))) is not None:
        unit = db.session.get(Unit, unit_id)
    criteria = UserFilter(text=args.get("q", "")[:200], role=role, active=active, subunits=args.get("subunits") == "1")
    unit_ids = None
    if unit is not None:
        unit_ids = subtree_ids(unit) if criteria.subunits else {unit.id}
    return render_template(
        "admin/users.html",
        page=paginate(find_users(criteria, unit_ids)),
        criteria=criteria,
        unit=unit,
        units=unit_tree(),
    )


def _read_account_form(form, username_problem: Problem | None = None, password_problem: Problem | None = None) -> dict:
    """Read the fields shared by the create and edit forms; refuse them with every problem found, in
    the form's order (the create form's username first and password last)."""
    values = {
        "full_name": clean_name(form.get("full_name", ""), field="full_name"),
        "email": form.get("email", "").strip() or None,
        "role": form.get("role", ""),
    }
    found = [username_problem, *account_problems(**values)]
    valid, unit = _unit_choice(form.get("unit_id", ""))
    if not valid:
        found.append(Problem(N_("Choose a unit from the list."), field="unit_id"))
    found = [problem for problem in (*found, password_problem) if problem]
    if found:
        raise Refused(*found)
    values["unit"] = unit
    return values


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    """Create one account; the password is typed by the admin or generated and shown once."""
    problems: list[str] = []
    if request.method == "POST":
        username = normalise_username(request.form.get("username", ""))
        password = request.form.get("password", "")
        generated = not password
        try:
            with write_transaction():
                values = _read_account_form(
                    request.form, username_problem(username), password_problem(password) if password else None
                )
                password = password or generate_password()
                user = create_user(username=username, password=password, actor_id=current_user.id, **values)
        except Refused as refusal:
            problems = refusal.messages()
        else:
            flash(_("Account %(username)s created.", username=user.username), "success")
            if generated:
                return render_template("admin/password_shown.html", user=user, password=password)
            return redirect(url_for("admin.user_page", user_id=user.id), 303)
    return render_template(
        "admin/user_form.html",
        user=None,
        values=request.form,
        problems=problems,
        units=unit_tree(include_retired=False),
    ), 400 if problems else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_page(user_id: int):
    """One account: edit full name, e-mail, role and unit; disable, enable, reset the password."""
    problems: list[str] = []
    if request.method == "POST":
        try:
            with write_transaction():
                user = db.get_or_404(User, user_id)
                changed = update_user(user, UserChanges(**_read_account_form(request.form)), actor_id=current_user.id)
        except Refused as refusal:
            problems = refusal.messages()
        else:
            flash(_("Account updated.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("admin.user_page", user_id=user_id), 303)
    user = db.get_or_404(User, user_id)
    return render_template(
        "admin/user_form.html",
        user=user,
        values=request.form,
        problems=problems,
        units=unit_tree(include_retired=False),
    ), 400 if problems else 200


@bp.post("/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def set_active(user_id: int):
    """Disable an account (its sessions end) or enable it again."""
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        abort(400)
    try:
        with write_transaction():
            set_user_active(db.get_or_404(User, user_id), wanted == "1", current_user.id, utcnow())
    except Refused as refusal:
        flash_refusal(refusal)
        return redirect(url_for("admin.user_page", user_id=user_id), 303)
    flash(_("Account enabled.") if wanted == "1" else _("Account disabled; its sessions have ended."), "success")
    return redirect(url_for("admin.user_page", user_id=user_id), 303)


@bp.post("/users/<int:user_id>/password")
@roles_required(Role.ADMIN)
def set_password(user_id: int):
    """Issue a one-time reset code (or, for an account never activated, an activation code), shown once.

    Nobody but the person learns the new password; the old one keeps working until the code is used.
    """
    with write_transaction():
        user = db.get_or_404(User, user_id)
        issued = issue_code(user, Purpose.RESET, current_user.id, utcnow())
    return render_template(
        "admin/code_issued.html",
        user=user,
        unit_name=user.unit_name,
        code=format_code(issued.code),
        issued=issued,
        link=url_for("activation.activate", username=user.username, _external=True),
    )


# Import: the preview keeps the uploaded file in a signed, compressed hidden field, so the
# confirmation writes exactly what was previewed (a changed or forged field fails the signature).


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="admin.user-import")


def _import_token(data: bytes) -> str:
    packed = urlsafe_b64encode(zlib.compress(data, 9)).decode("ascii")
    return _serializer().dumps({"admin": current_user.id, "csv": packed})


def _import_data(token: str) -> bytes | None:
    try:
        payload = _serializer().loads(token, max_age=IMPORT_TOKEN_MAX_AGE)
        if payload.get("admin") != current_user.id:
            return None
        return zlib.decompress(urlsafe_b64decode(payload["csv"].encode("ascii")), bufsize=MAX_IMPORT_BYTES)
    except (BadSignature, KeyError, TypeError, ValueError, zlib.error, AttributeError):
        return None


def _plan(data: bytes):
    """Check a CSV file and plan its import; refuse it with every problem by line."""
    if not data:
        raise Refused(N_("Choose a CSV file to upload."))
    if len(data) > MAX_IMPORT_BYTES:
        raise Refused(N_("The file is larger than 1 MB; split it into smaller files."))
    plan = plan_user_import(read_csv_rows(data, REQUIRED_COLUMNS, OPTIONAL_COLUMNS), *unit_codes())
    plan.errors.extend(import_admin_problems(plan, current_user.id))
    if plan.errors:
        raise Refused(*(problem.about(line=line) for line, problem in plan.errors))
    return plan


def _import_refused(refusal: Refused):
    return render_template("admin/user_import.html", plan=None, errors=listed_problems(refusal)), 400


def _existing_usernames(plan) -> set[str]:
    return existing_usernames([r.username for r in plan.records])


@bp.route("/users/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_users():
    """Upload a CSV and preview it: every problem by line, or what would be created and updated."""
    if request.method == "GET":
        return render_template("admin/user_import.html", plan=None, errors=[])
    upload = request.files.get("file")
    data = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
    try:
        plan = _plan(data)
    except Refused as refusal:
        return _import_refused(refusal)
    existing = _existing_usernames(plan)
    return render_template(
        "admin/user_import.html",
        plan=plan,
        errors=[],
        token=_import_token(data),
        existing=existing,
        new_count=len(plan.records) - len(existing),
        preview_rows=PREVIEW_ROWS,
    )


@bp.post("/users/import/confirm")
@roles_required(Role.ADMIN)
def confirm_import():
    """Write a previewed import, all or nothing; re-checked first, since units may have changed."""
    try:
        data = _import_data(request.form.get("token", ""))
        if data is None:
            raise Refused(N_("The preview has expired or was changed. Upload the file again."))
        with write_transaction():
            result = apply_user_import(_plan(data), actor_id=current_user.id)
    except Refused as refusal:
        return _import_refused(refusal)
    handout = _handout_token(result.handout_id, result.secret) if result.handout_id else None
    return render_template("admin/user_import_done.html", result=result, handout=handout)


# The new accounts' codes: the done page holds a signed token with the secret they are derived
# from (the database keeps only their hashes); each form (CSV, slips) is given out once.

HANDOUT_MAX_AGE = 24 * 3600
HANDOUT_GONE = N_("These codes are no longer available (the page expired or was changed).")


def _handout_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="admin.code-handout")


def _handout_token(handout_id: str, secret: bytes) -> str:
    return _handout_serializer().dumps(
        {"admin": current_user.id, "handout": handout_id, "secret": urlsafe_b64encode(secret).decode("ascii")}
    )


def _take_handout(kind: str):
    """The slips of the posted handout token, given out once in this form; refused otherwise."""
    try:
        payload = _handout_serializer().loads(request.form.get("token", ""), max_age=HANDOUT_MAX_AGE)
        handout_id, secret = str(payload["handout"]), urlsafe_b64decode(payload["secret"].encode("ascii"))
    except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
        raise Refused(HANDOUT_GONE, status=410) from None
    if payload.get("admin") != current_user.id:
        raise Refused(HANDOUT_GONE, status=410)
    with write_transaction():
        return take_handout(handout_id, secret, kind, current_user.id, utcnow())


def _codes_refused(refusal: Refused):
    flash_refusal(refusal)
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/import/codes.csv")
@roles_required(Role.ADMIN)
def import_codes_csv():
    """The new accounts' activation codes as CSV for Excel, once."""
    try:
        slips = _take_handout("csv")
    except Refused as refusal:
        return _codes_refused(refusal)
    link = url_for("activation.activate", _external=True)
    header = [_("Unit"), _("Full name"), _("Username"), _("Activation code"), _("Valid until"), _("Where to go")]
    rows = [
        (s.unit_name, s.full_name, s.username, format_code(s.code), format_datetime(s.expires_at, "short"), link)
        for s in slips
    ]
    return download(csv_for_excel(header, rows), "ma-kich-hoat.csv", "text/csv")


@bp.post("/users/import/slips")
@roles_required(Role.ADMIN)
def import_codes_slips():
    """The new accounts' activation codes as printable slips, grouped by unit, once."""
    try:
        slips = _take_handout("slips")
    except Refused as refusal:
        return _codes_refused(refusal)
    link = url_for("activation.activate", _external=True)
    return render_template("admin/code_slips.html", slips=slips, link=link, format_code=format_code)
