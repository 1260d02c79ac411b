"""bench/exam_day.py end to end at a tiny size: it runs, stores every answer and prints its verdicts.

Nothing here is timed (speed is the bench's business, not the tests'); the test only checks that
the bench works, so `make bench` does not find it broken. Skipped without PostgreSQL and Redis.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _services_missing() -> str | None:
    spec = importlib.util.spec_from_file_location("bench_province_for_test", REPO / "bench" / "province.py")
    province = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(province)
    try:
        province.check_services()
    except province.ServiceMissingError as exc:
        return str(exc)
    return None


def test_a_tiny_exam_day_stores_every_answer_and_prints_its_verdicts():
    missing = _services_missing()
    if missing:
        pytest.skip(missing)
    command = [sys.executable, "bench/exam_day.py", "--learners", "6", "--answers", "2", "--time-scale", "0.01"]
    command += ["--processes", "1", "--start-spread", "10"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "In the database: 6 attempts of 6 learners, 6 with all 2 answers, 6 submitted; 6 learners saw" in out
    assert "met      every answer and every submitted attempt stored" in out
    assert "met      6 learners: 0 errors (0)" in out
    # A run this small is never taken for the target's.
    assert "NOT met  run at the target's size (2000 learners, time scale 1)" in out
    for phase in ("sign-in", "start", "autosave", "submit"):
        assert any(line.split()[:1] == [phase] for line in out.splitlines()), phase
    assert "sign-in limits are raised" in out
