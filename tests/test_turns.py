"""Long requests take turns (lms/turns.py): other requests run during a long loop under gevent."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from lms import turns
from lms.turns import Turns, in_statements, taking_turns


def test_a_turn_is_given_only_once_a_slice_of_work_is_spent(monkeypatch):
    clock = [100.0]
    given = []
    monkeypatch.setattr(turns.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(turns, "_let_others_run", lambda: given.append(clock[0]))
    loop = Turns(time_slice=0.01)
    clock[0] += 0.004
    loop.take()
    assert given == []
    clock[0] += 0.006
    loop.take()
    assert given == [100.01]
    clock[0] += 0.009
    loop.take()
    assert given == [100.01]  # the slice counts again from the last turn


def test_statements_cover_every_item_once_in_order():
    items = list(range(250))
    chunks = list(in_statements(items, size=100))
    assert [len(c) for c in chunks] == [100, 100, 50]
    assert [i for c in chunks for i in c] == items
    assert list(taking_turns(iter("abc"))) == ["a", "b", "c"]


GEVENT_LOOP = textwrap.dedent(
    """
    from gevent import monkey; monkey.patch_all()
    import sys, time, gevent
    from lms.turns import taking_turns

    ticks = []
    def other_request():
        while True:
            ticks.append(1)
            gevent.sleep(0.001)

    def long_request(take_turns):
        items = range(400_000)
        ticks.clear()
        for n in (taking_turns(items) if take_turns else items):
            sum(range(20))
        return len(ticks)  # how often the other request ran while this one was going on

    other = gevent.spawn(other_request)
    gevent.sleep(0.01)
    for take_turns in (False, True):
        print(gevent.spawn(long_request, take_turns).get())
    """
)


def test_under_gevent_other_requests_run_during_a_long_loop_only_when_it_takes_turns():
    done = subprocess.run([sys.executable, "-c", GEVENT_LOOP], capture_output=True, text=True, timeout=120, check=True)
    without_turns, with_turns = (int(n) for n in done.stdout.split())
    assert without_turns == 0  # the loop held the worker from start to end
    assert with_turns >= 5  # the other request ran again and again while the loop went on
