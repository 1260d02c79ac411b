"""Long requests take turns: a slow request gives the others the CPU every few milliseconds.

One gevent worker serves every request of its process, and Python code (or a SQLite call) never
lets another request run until it waits on a socket. A request that works for a second (checking
and writing a 10,000-row import) would hold every other page for that second, and a page that
needs three turns of the worker (read the request, query, send) would wait three times as long.
So long loops call `Turns.take()` on every item: after `TIME_SLICE` of work it waits until the
worker is idle (gevent.idle: every other request has run as far as it can), for at most
`MOST_WAITED_FOR_IDLE`, so pages go first and the long request still finishes on a busy server.
Without gevent (threads, the CLI, the tests) it yields the interpreter once, which costs nothing.

A slice is measured in time, not items, because an item's cost varies (a checked CSV row, a
500-row INSERT): the longest stretch another request waits stays the same whatever the loop does.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence

TIME_SLICE = 0.01  # seconds of work between two turns for the others (a page is ~5 ms of work)
# How long a turn may wait for the worker to have nothing else to do: pages first, but the long
# request still gets at least a slice in every few, so a busy server cannot starve it.
MOST_WAITED_FOR_IDLE = 0.05
STATEMENT_ROWS = 100  # rows per INSERT/UPDATE/SELECT … IN: one statement stays well within a slice or two


class Turns:
    """Counts the time since this loop last let others run, and lets them run when a slice is spent."""

    def __init__(self, time_slice: float = TIME_SLICE):
        self.time_slice = time_slice
        self.since = time.monotonic()

    def take(self) -> None:
        """Let other requests run if this loop has worked for a whole slice since it last did."""
        now = time.monotonic()
        if now - self.since >= self.time_slice:
            _let_others_run()
            self.since = time.monotonic()


def _let_others_run() -> None:
    """Under gevent, wait until every other request has had all it can use (at most a while);
    otherwise yield the interpreter once."""
    monkey = sys.modules.get("gevent.monkey")  # gevent may be imported without patching anything
    if monkey is not None and monkey.is_module_patched("time"):
        import gevent

        with gevent.Timeout(MOST_WAITED_FOR_IDLE, False):
            gevent.idle()
    else:
        time.sleep(0)


def taking_turns(items, turns: Turns | None = None) -> Iterator:
    """Each of `items`, letting other requests run between them once a slice is spent."""
    turns = turns or Turns()
    for item in items:
        turns.take()
        yield item


def in_statements(items: Sequence, size: int = STATEMENT_ROWS, turns: Turns | None = None) -> Iterator[Sequence]:
    """`items` in slices of `size` (one SQL statement each), letting other requests run between them."""
    turns = turns or Turns()
    for start in range(0, len(items), size):
        turns.take()
        yield items[start : start + size]
