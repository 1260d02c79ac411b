"""The one way tests start the app as production runs it: gunicorn with `lms.gunicorn_config`, on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def start_gunicorn(port: int, env: dict, out=subprocess.DEVNULL, **popen) -> subprocess.Popen:
    """Start one gevent worker serving wsgi:app on 127.0.0.1:`port`, its output to `out`."""
    command = [sys.executable, "-m", "gunicorn", "-c", "lms/gunicorn_config.py"]
    return subprocess.Popen(
        [*command, "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=REPO, env=env, stdout=out, stderr=out, **popen
    )
