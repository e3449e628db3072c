"""The runner: tiers, timers on the cluster clock, retries, and a failing controller that cannot flood the log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from kubeferry.controllers.actions import RequeueAfter
from kubeferry.controllers.runner import Controller, Runner
from kubeferry.machinery.clock import VirtualClock


class NoTransport:
    pass


def runner(*controllers: Controller) -> Runner:
    return Runner(NoTransport(), VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)), list(controllers))


def test_lower_tiers_run_first_and_keys_deduplicate():
    order = []
    low = Controller("low", lambda ns, name, t, now: order.append(("low", name)) or [])
    high = Controller("high", lambda ns, name, t, now: order.append(("high", name)) or [], tier=1)
    r = runner(low, high)
    r.enqueue(("high", "", "a"))
    r.enqueue(("low", "", "b"))
    r.enqueue(("high", "", "a"))
    r.settle()
    assert order == [("low", "b"), ("high", "a")]


def test_requeue_after_fires_only_when_the_virtual_clock_reaches_it():
    seen = []
    c = Controller("c", lambda ns, name, t, now: seen.append(now) or [RequeueAfter(30)])
    r = runner(c)
    r.enqueue(("c", "", "x"))
    r.settle()
    assert len(seen) == 1
    r.advance(29.9)
    assert len(seen) == 1
    r.advance(0.1)
    assert len(seen) == 2 and (seen[1] - seen[0]).total_seconds() == 30


def test_a_controller_bug_is_logged_once_then_counted(caplog):
    def broken(ns, name, t, now):
        raise ValueError("boom")

    r = runner(Controller("broken", broken))
    caplog.set_level(logging.INFO, logger="kubeferry.controllers")
    for i in range(100):
        r.enqueue(("broken", "", f"k{i}"))
    r.settle()
    tracebacks = [rec for rec in caplog.records if rec.exc_info]
    assert len(tracebacks) == 1
    assert len([rec for rec in caplog.records if "the same failure again" in rec.getMessage()]) == 6  # 2,4,8,16,32,64
