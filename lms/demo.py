"""Demo data for a first look (`flask demo seed`) and the development server (`flask serve`)."""

from __future__ import annotations

import os
from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from lms.auth.models import Role, User
from lms.auth.service import create_user
from lms.courses.models import ClassMode, Course, CourseClass
from lms.courses.service import enrol_users
from lms.database import write_transaction
from lms.extensions import db, socketio
from lms.org.models import Unit

DEMO_PASSWORD = "hoctap2026"  # noqa: S105 - printed demo login, demo data only
DEMO_COURSE = "cai-cach-hanh-chinh"
DEMO_CLASS = "CCHC-2026-01"

UNITS = [
    # code, name, level, parent code
    ("tphcm", "Thành phố Hồ Chí Minh", "Thành phố", None),
    ("so-noi-vu", "Sở Nội vụ", "Sở/ngành", "tphcm"),
    ("so-tu-phap", "Sở Tư pháp", "Sở/ngành", "tphcm"),
    ("so-khcn", "Sở Khoa học và Công nghệ", "Sở/ngành", "tphcm"),
    ("phuong-sai-gon", "Phường Sài Gòn", "Phường/xã", "tphcm"),
    ("phuong-ben-thanh", "Phường Bến Thành", "Phường/xã", "tphcm"),
    ("phuong-tan-dinh", "Phường Tân Định", "Phường/xã", "tphcm"),
    ("xa-binh-hung", "Xã Bình Hưng", "Phường/xã", "tphcm"),
]
STAFF = [
    ("admin", "Nguyễn Thị Thu Hà", Role.ADMIN, "so-noi-vu"),
    ("gv.lan", "Trần Thị Ngọc Lan", Role.INSTRUCTOR, "so-noi-vu"),
    ("gv.minh", "Lê Quang Minh", Role.INSTRUCTOR, "so-tu-phap"),
]
LEARNER_NAMES = [
    "Phạm Văn Đức",
    "Võ Thị Hồng Nhung",
    "Đặng Quốc Bảo",
    "Huỳnh Thị Mỹ Duyên",
    "Bùi Thanh Tùng",
    "Ngô Thị Kim Oanh",
    "Dương Minh Khoa",
    "Lý Thị Thanh Thảo",
    "Trương Công Hậu",
    "Phan Ngọc Ánh",
    "Hồ Văn Lực",
    "Đỗ Thị Phương Linh",
    "Mai Xuân Trường",
    "Tạ Thị Bích Ngọc",
    "Châu Gia Huy",
    "Lương Thị Cẩm Tú",
    "Vũ Đình Nghĩa",
    "Kiều Thị Yến",
    "Tôn Thất Phước",
    "Quách Thị Diễm My",
]
LEARNER_UNITS = [
    "phuong-sai-gon",
    "phuong-ben-thanh",
    "phuong-tan-dinh",
    "xa-binh-hung",
    "so-tu-phap",
    "so-khcn",
    "so-noi-vu",
]

demo_cli = AppGroup("demo", help="Demo data.")


def seed_demo(today: date) -> bool:
    """Fill an empty database with units, staff, twenty learners and one class; False if not empty."""
    if db.session.scalar(select(func.count()).select_from(User)):
        return False
    course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE))
    if course is None:
        raise click.ClickException(f"course '{DEMO_COURSE}' is not synced; run 'flask content sync' first")
    units: dict[str, Unit] = {}
    for code, name, level, parent in UNITS:
        units[code] = Unit(code=code, name=name, level=level, parent=units.get(parent))
        db.session.add(units[code])
    users = {}
    for username, name, role, unit in STAFF:
        users[username] = create_user(
            username=username,
            full_name=name,
            role=role,
            unit=units[unit],
            password=DEMO_PASSWORD,
            email=f"{username}@example.gov.vn",
        )
    learners = []
    for number, name in enumerate(LEARNER_NAMES, start=1):
        learners.append(
            create_user(
                username=f"hv{number:02d}",
                full_name=name,
                role=Role.LEARNER,
                unit=units[LEARNER_UNITS[number % len(LEARNER_UNITS)]],
                password=DEMO_PASSWORD,
                email=f"hv{number:02d}@example.gov.vn",
            )
        )
    course_class = CourseClass(
        code=DEMO_CLASS,
        name="Bồi dưỡng CCHC cho công chức cấp xã, khóa 1/2026",
        course=course,
        level="Cấp xã",
        mode=ClassMode.HYBRID,
        starts_on=today - timedelta(days=7),
        ends_on=today + timedelta(days=60),
        self_enrol=True,
        instructors=[users["gv.lan"], users["gv.minh"]],
    )
    db.session.add(course_class)
    enrol_users(course_class, learners, source="admin")
    return True


@demo_cli.command("seed")
def seed_command():
    """Seed demo data into an empty database and print the demo logins."""
    with write_transaction():
        created = seed_demo(date.today())
    if created:
        click.echo("Demo data created.")
    elif db.session.scalar(select(User).where(User.username == "admin")) is None:
        click.echo("The database already has users; no demo data added.")
        return
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    click.echo("  admin (admin), gv.lan and gv.minh (instructors), hv01 ... hv20 (learners)")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host, port):
    """Serve the app with Socket.IO on the development server."""
    app = current_app._get_current_object()
    # Flask refuses app.run() inside a `flask` command unless told this is deliberate.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    click.echo(f"Serving on http://{host}:{port} (Ctrl+C to stop)")
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)
