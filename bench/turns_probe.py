"""A gunicorn configuration file for the benchmarks: how long the worker serves one request alone.

A gevent worker runs one greenlet (one request) at a time; the others wait until it blocks on a
socket or sleeps. The longest such stretches bound what every other page waits, whatever the
client measures. Loaded with `gunicorn -c bench/turns_probe.py`, it traces greenlet switches in
the worker and, when the worker exits, writes to $BENCH_STRETCHES_FILE (JSON) every stretch of
at least 5 ms of CPU: when it ended (time.monotonic, comparable across processes on Linux), its
CPU time (time.thread_time: what the worker did, not time lost to other processes on a busy
machine), its wall time, and the project's frames on the stack where it gave the turn back.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback

RECORDED_CPU_SECONDS = 0.005
stretches: list[dict] = []


def _short(filename: str) -> str:
    return filename.rsplit("/site-packages/", 1)[-1].rsplit("/lms/", 1)[-1]


def post_worker_init(worker) -> None:
    import greenlet
    from gevent import get_hub

    hub = get_hub()
    last = {"cpu": time.thread_time(), "wall": time.monotonic()}

    def trace(event: str, args) -> None:
        if event not in ("switch", "throw"):
            return
        origin = args[0]
        cpu, wall = time.thread_time(), time.monotonic()
        if origin is not hub and cpu - last["cpu"] >= RECORDED_CPU_SECONDS:
            frames = traceback.extract_stack(sys._getframe(1))
            ours = [f for f in frames if "/lms/" in f.filename] or frames[-4:-1]
            stretches.append(
                {
                    "ended": wall,
                    "cpu_s": cpu - last["cpu"],
                    "wall_s": wall - last["wall"],
                    "where": [f"{_short(f.filename)}:{f.lineno} {f.name}" for f in ours][-4:],
                }
            )
        last["cpu"], last["wall"] = time.thread_time(), time.monotonic()

    greenlet.settrace(trace)


def worker_exit(server, worker) -> None:
    path = os.environ.get("BENCH_STRETCHES_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(stretches, out)
