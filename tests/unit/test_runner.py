"""The runner: tiers, timers on the cluster clock, retries, a failing controller that cannot flood the log,
and the passes' Events written in batches as the controllers that recorded them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from kubeferry.controllers.actions import RecordEvent, RequeueAfter
from kubeferry.controllers.runner import Controller, Runner
from kubeferry.machinery.clock import VirtualClock
from kubeferry.machinery.rbac import UserInfo


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


class IdentityTransport:
    """Stores created Events as sent, noting who created each; `act_as` switches who that is.  Events
    whose reason starts with `refuse_reason` fail as a bug in the write path would."""

    def __init__(self, refuse_reason: str = ""):
        self.user: UserInfo | None = None
        self.reader: UserInfo | None = None
        self.created: list[tuple[str, str]] = []
        self.refuse_reason = refuse_reason

    def act_as(self, user, reader=None):
        previous = (self.user, self.reader)
        self.user, self.reader = user, reader
        return previous

    def create(self, obj):
        if self.refuse_reason and obj["reason"].startswith(self.refuse_reason):
            raise RuntimeError("a bug in the write path")
        self.created.append((obj["reason"], self.user.name if self.user else "-"))
        return {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(len(self.created))}}

    def get(self, api_version, kind, namespace, name):
        return None


NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "uid": "u-n1"}}


def recording(name: str, user: UserInfo, seen: list, transport: IdentityTransport) -> Controller:
    """A controller whose pass records one Event named after its key, noting what was written by then."""

    def reconcile(ns, key, t, now):
        seen.append((key, len(transport.created)))
        return [RecordEvent(NODE, "Normal", key, f"about {key}")]

    return Controller(name, reconcile, component=name, user=user)


def test_passes_events_are_written_after_them_in_order_each_as_its_recorder():
    transport = IdentityTransport()
    seen: list = []
    kubelet, scheduler = UserInfo("system:node:n1"), UserInfo("system:kube-scheduler")
    r = Runner(
        transport,
        VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)),
        [recording("kubelet", kubelet, seen, transport), recording("scheduler", scheduler, seen, transport)],
    )
    for key in ("kubelet", "a"), ("scheduler", "b"), ("kubelet", "c"):
        r.enqueue((key[0], "", key[1]))
    r.settle()
    assert seen == [("a", 0), ("b", 0), ("c", 0)]  # held while the passes run
    assert transport.created == [("a", "system:node:n1"), ("b", "system:kube-scheduler"), ("c", "system:node:n1")]
    assert (transport.user, transport.reader) == (None, None)  # the identity before the batch
    assert r.recorder.held == []


def test_held_events_are_written_between_passes_once_a_batch_is_full(monkeypatch):
    monkeypatch.setattr("kubeferry.controllers.runner.HELD_EVENTS", 2)
    transport = IdentityTransport()
    seen: list = []
    r = Runner(
        transport,
        VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)),
        [recording("kubelet", UserInfo("system:node:n1"), seen, transport)],
    )
    for key in "abcde":
        r.enqueue(("kubelet", "", key))
    r.settle()
    assert seen == [("a", 0), ("b", 0), ("c", 2), ("d", 2), ("e", 4)]
    assert [reason for reason, _ in transport.created] == list("abcde")


def test_an_event_that_fails_to_be_written_is_logged_once_and_the_rest_still_go_out(caplog):
    transport = IdentityTransport(refuse_reason="b")
    r = Runner(
        transport,
        VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)),
        [recording("kubelet", UserInfo("system:node:n1"), [], transport)],
    )
    caplog.set_level(logging.ERROR, logger="kubeferry.controllers")
    for i in range(4):  # the same failure in four batches
        for key in "abc":
            r.enqueue(("kubelet", "", f"{key}{i}"))
        r.settle()
    assert [reason for reason, _ in transport.created] == ["a0", "c0", "a1", "c1", "a2", "c2", "a3", "c3"]
    assert (transport.user, transport.reader) == (None, None)
    assert [(rec.getMessage(), bool(rec.exc_info)) for rec in caplog.records] == [
        (
            "the event recorder of kubelet could not record 'b0' about Node n1 "
            "(further failures like this are counted, not logged)",
            True,
        ),
        ("the event recorder of kubelet: the same failure again (2 times so far): a bug in the write path", False),
        ("the event recorder of kubelet: the same failure again (4 times so far): a bug in the write path", False),
    ]


def test_a_failing_identity_switch_loses_only_that_event(caplog):
    transport = IdentityTransport()
    seen: list = []
    kubelet, scheduler = UserInfo("system:node:n1"), UserInfo("system:kube-scheduler")
    switch = transport.act_as

    def act_as(user, reader=None):
        if user is scheduler and len(seen) == 2 and transport.created:  # in the batch, not in the pass
            raise RuntimeError("no such identity")
        return switch(user, reader)

    transport.act_as = act_as
    r = Runner(
        transport,
        VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)),
        [recording("kubelet", kubelet, seen, transport), recording("scheduler", scheduler, seen, transport)],
    )
    r.enqueue(("kubelet", "", "a"))
    r.enqueue(("scheduler", "", "b"))
    caplog.set_level(logging.ERROR, logger="kubeferry.controllers")
    r.settle()
    assert transport.created == [("a", "system:node:n1")]
    assert (transport.user, transport.reader) == (None, None)
    assert len([rec for rec in caplog.records if rec.exc_info]) == 1


def test_a_settle_stopped_by_its_limit_leaves_no_event_held():
    transport = IdentityTransport()
    r = Runner(
        transport,
        VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)),
        [recording("kubelet", UserInfo("system:node:n1"), [], transport)],
    )
    for key in "abcde":
        r.enqueue(("kubelet", "", key))
    assert r.settle(limit=2) == 2
    assert [reason for reason, _ in transport.created] == ["a", "b"]
    assert r.recorder.held == []
    assert r.settle() == 3
    assert [reason for reason, _ in transport.created] == list("abcde")
