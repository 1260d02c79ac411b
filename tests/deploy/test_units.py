"""The systemd units in deploy/systemd: systemd's check, the backup command, what docs/operations.md explains.

`systemd-analyze verify` needs the programs a unit starts to exist, so the units are checked as
installed in this checkout (/opt/lms → the repository; nothing else changed). Without
systemd-analyze (a container without systemd) the check is skipped with the reason.
"""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lms import gunicorn_config

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "deploy" / "systemd"
INSTALL = "/opt/lms"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((UNITS / name).read_text(encoding="utf-8"))
    return parser


def test_systemd_analyze_verify_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    for path in UNITS.iterdir():
        text = path.read_text(encoding="utf-8")
        assert INSTALL in text, f"{path.name} does not run from {INSTALL}"
        (tmp_path / path.name).write_text(text.replace(INSTALL, str(REPO)), encoding="utf-8")
    (tmp_path / "lms@8001.service").symlink_to(tmp_path / "lms@.service")
    names = ["lms@8001.service", "lms-backup.service", "lms-backup.timer"]
    checked = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in names)], capture_output=True, text=True, timeout=60
    )
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")


def test_an_app_process_runs_production_gunicorn_settings_with_the_shared_environment():
    service = unit("lms@.service")["Service"]
    assert service["ExecStart"] == (f"{INSTALL}/.venv/bin/gunicorn -c lms/gunicorn_config.py -b 127.0.0.1:%i wsgi:app")
    assert (service["User"], service["WorkingDirectory"], service["EnvironmentFile"]) == (
        "lms",
        INSTALL,
        "/etc/lms/lms.env",
    )
    # systemd's SIGKILL must come after gunicorn's graceful wait, with room for the shutdown itself.
    assert int(service["TimeoutStopSec"]) >= 2 * gunicorn_config.graceful_timeout
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"
    # A descriptor per connection, and the worker serves this many at once (tests/live/test_many_connections.py).
    assert int(service["LimitNOFILE"]) > gunicorn_config.worker_connections + 1_000


def test_the_backup_service_creates_then_verifies_into_its_own_folder():
    service = unit("lms-backup.service")["Service"]
    assert service["Type"] == "oneshot"
    assert "backup create --out /var/backups/lms" in service["ExecStart"]
    assert "backup verify" in service["ExecStart"]
    assert service["ReadWritePaths"] == "/var/backups/lms"
    timer = unit("lms-backup.timer")
    assert timer["Timer"]["Persistent"] == "true" and timer["Install"]["WantedBy"] == "timers.target"


def test_the_backup_command_line_makes_and_verifies_a_backup(tmp_path):
    """The service's ExecStart as systemd runs it (`$$` is a `$`), on a SQLite database of the test's."""
    command = unit("lms-backup.service")["Service"]["ExecStart"]
    out = tmp_path / "backups"
    command = command.replace("$$", "$").replace("/var/backups/lms", str(out)).replace(INSTALL, str(REPO))
    env = {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": "k" * 64,
        "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'lms.sqlite3'}",
    }
    migrated = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=REPO, env=env, capture_output=True
    )
    assert migrated.returncode == 0, migrated.stderr
    ran = subprocess.run(shlex.split(command), cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    (made,) = out.glob("lms-backup-*.tar")
    assert f"OK: {made} restores whole" in ran.stdout, ran.stdout


def test_a_worker_keeps_what_it_loaded_out_of_the_collectors_scans():
    import gc

    before = gc.get_threshold()
    try:
        gunicorn_config.tune_garbage_collector()
        assert gc.get_threshold() == gunicorn_config.GC_THRESHOLDS
        assert gc.get_freeze_count() > 10_000  # the modules, the app and its templates
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_gunicorn_raises_a_low_limit_of_open_files_to_fit_its_connections():
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 1_024:
        pytest.skip(f"the hard limit of open files is {hard}: nothing to raise it to")
    resource.setrlimit(resource.RLIMIT_NOFILE, (1_024, hard))
    try:
        gunicorn_config.on_starting(None)
        raised, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = gunicorn_config.worker_connections + 1_000
        assert raised == (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard))
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
