"""Configuration, migrations, the demo seed and the translation catalogues."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from babel.messages.pofile import read_po
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from lms import create_app
from lms.auth.models import Role, User
from lms.courses.models import CourseClass, Enrolment
from lms.extensions import db
from lms.org.models import Unit
from tests.factories import sync_dir

REPO = Path(__file__).resolve().parents[1]


def test_migrations_build_the_schema_the_models_describe(fresh_database):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": fresh_database()})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    with pytest.raises(RuntimeError, match="LMS_SECRET_KEY"):
        create_app("production", {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="LMS_SECRET_KEY"):
        create_app("production", {"SECRET_KEY": "change-me", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="LMS_DATABASE_URL"):
        create_app("production", {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": None})
    app = create_app("production", {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SOCKETIO_ASYNC_MODE"] == "gevent"


def test_development_keeps_a_generated_key_in_the_instance_folder(tmp_path):
    first = create_app("development", {"SECRET_KEY": None}, instance_path=str(tmp_path))
    second = create_app("development", {"SECRET_KEY": None}, instance_path=str(tmp_path))
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lms.sqlite3'}"


def test_postgres_urls_use_psycopg3():
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "postgresql://u@h/d"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/d"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only; this run uses another database")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_demo_seed_fills_an_empty_database_once(runner):
    sync_dir(REPO / "content")
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "hoctap2026" in result.output and "admin" in result.output
    counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert counts == {Role.ADMIN: 1, Role.INSTRUCTOR: 2, Role.LEARNER: 20}
    learner_units = set(db.session.scalars(select(User.unit_id).where(User.role == Role.LEARNER)))
    assert len(learner_units) > 3
    assert set(db.session.scalars(select(Unit.level))) == {"Thành phố", "Sở/ngành", "Phường/xã"}
    (course_class,) = db.session.scalars(select(CourseClass)).all()
    assert len(course_class.instructors) == 2
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 20
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0 and "Demo data created" not in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 23


def test_every_interface_string_has_a_vietnamese_translation():
    with open(REPO / "lms/translations/vi/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    with open(REPO / "lms/translations/messages.pot", "rb") as pot:
        template = read_po(pot)
    missing = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert missing == []
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}, "run 'make extract-messages'"
    assert not [m.id for m in catalog if m.fuzzy and m.id]


@pytest.mark.parametrize(
    ("channel", "database", "expected"),
    [
        ("lms-staging", "sqlite://", "lms-staging"),
        (None, "postgresql://lms:secret@db.example:5433/lms_tinh", "lms:postgresql:db.example:5433:lms_tinh"),
    ],
)
def test_the_message_queue_uses_the_configured_or_the_databases_channel(channel, database, expected):
    # Redis channels ignore the database number in the URL: only the channel keeps two
    # installations sharing one Redis out of each other's rooms. A process of its own, because
    # Flask-SocketIO keeps a queue once it has been given one.
    env = {k: v for k, v in os.environ.items() if k != "LMS_SOCKETIO_CHANNEL"}
    env |= {
        "LMS_SECRET_KEY": "k" * 40,
        "LMS_DATABASE_URL": database,
        "LMS_SOCKETIO_MESSAGE_QUEUE": "redis://127.0.0.1:6379/15",
        **({"LMS_SOCKETIO_CHANNEL": channel} if channel else {}),
    }
    code = "from lms import create_app; from lms.extensions import socketio; create_app('production'); "
    code += "print(socketio.server.manager.channel)"
    shown = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == expected


def test_installations_on_different_databases_get_different_channels():
    from lms import message_queue_channel

    channels = {
        message_queue_channel(url)
        for url in (
            "postgresql://u:p@127.0.0.1:5432/lms",
            "postgresql://u:other@127.0.0.1:5432/lms_staging",
            "postgresql://u:p@10.0.0.2:5432/lms",
            "sqlite:////srv/lms/lms.sqlite3",
            "sqlite:////srv/staging/lms.sqlite3",
        )
    }
    assert len(channels) == 5
    assert all("p@" not in c and "other" not in c for c in channels)  # never the password
