"""The one runner behind every controller: a deduplicating work queue, timers, retries.

Controllers are level-based: a change to any object maps to keys `(controller, namespace, name)`;
each key is reconciled from the current state, and the actions it returns are executed.  A key
queued twice runs once.  `RequeueAfter` actions and retries become timers on the cluster clock.

On the virtual clock nothing moves until `advance(seconds)`: due timers fire one at a time in
timestamp order, the clock stepping to each, and all work they cause settles before the next.
Work due at the current time always runs as soon as it arises, on either clock.

    runner.advance(30)   # timers due in the next 30 s fire in order; the clock ends 30 s later
    runner.settle()      # run until nothing is queued at the current time

Each pass acts as its controller's identity (`user`, or `user_of(namespace, name, transport)` for one
that depends on the key, such as the kubelet of the node a pod is bound to) when the transport
authorizes calls (`act_as`); a key whose identity cannot be found (its pod is gone) is dropped.
The Events the passes record are written in batches between passes, each as the identity of the
pass that recorded it; `settle` returns with none held.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kubeferry.client.transport import Transport
from kubeferry.controllers import executor
from kubeferry.machinery import status as st
from kubeferry.machinery.rbac import UserInfo

log = logging.getLogger("kubeferry.controllers")

Key = tuple[str, str, str]
# (api_version, kind, object, previous object or None, ADDED|MODIFIED|DELETED) -> keys to reconcile, in
# order (a list or a tuple; most changes map to none, and an empty tuple costs nothing to build).
# Optional attributes `only_on` and `fuse`: see `_plan`.
Mapper = Callable[[str, str, dict, dict | None, str], Iterable[Key]]
MAX_RETRIES_PER_SETTLE = 15
RETRY_DELAY = 1.0
MIN_DELAY = 0.001
# Held Events written at once, between passes (`settle`): past ~64 a bigger batch gains nothing more.
HELD_EVENTS = 256


@dataclass
class Controller:
    """A named reconciler and the kinds whose changes wake it."""

    name: str
    reconcile: Callable[[str, str, Transport, datetime], list]
    watches: dict[tuple[str, str], Mapper] = field(default_factory=dict)
    component: str = ""
    # Keys of lower tiers run first: a Deployment looks again only after its ReplicaSets have
    # acted on what it last asked of them (so it never counts pods about to be removed).
    tier: int = 0
    # Who the controller acts as, and whose informers serve its reads (controllers/identity.py).
    user: UserInfo | None = None
    reader: UserInfo | None = None
    user_of: Callable[[str, str, Transport], UserInfo | None] | None = None


class _RecorderTransport:
    """The event recorder's client: Events are written as the acting controller, but the recorder's
    look-up of an Event it wrote itself stands for upstream's in-memory event cache."""

    def __init__(self, transport: Transport):
        self._transport = transport

    def get(self, api_version: str, kind: str, namespace: str, name: str):
        unchecked = getattr(self._transport, "get_unchecked", None)
        return (unchecked or self._transport.get)(api_version, kind, namespace, name)

    # The recorder's writes, named here so that each call skips the `__getattr__` fallback.
    def create(self, *args, **kwargs):
        return self._transport.create(*args, **kwargs)

    def patch(self, *args, **kwargs):
        return self._transport.patch(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


EVENT_TYPES = ("ADDED", "MODIFIED", "DELETED")
# The `only_on` of a mapper that answers deletions only (see `_plan`).
ONLY_DELETIONS = frozenset({"DELETED"})


def _plan(mappers: tuple[Mapper, ...], event: str) -> tuple[Mapper, ...]:
    """The mappers to ask about a change of type `event`, in order.

    A mapper may carry two optional attributes:

    * `only_on`: the event types it can answer or learn anything from; for any other it answers
      nothing and keeps nothing, so it is not asked (the namespace controller's mapper of namespaced
      objects waits for deletions only: an Event's creation then asks no mapper at all);
    * `fuse(next_mapper)`: a mapper that does the work of both (its own keys first, then those of
      `next_mapper`, each index kept as by the two) or None; mappers that read the same parts of an
      object (the owner mappers of pods) then read them once.

        (rs_owner, to_deployment, sts_owner, ds_owner) on MODIFIED, to_deployment only_on DELETED
        -> (rs_owner.fuse(sts_owner).fuse(ds_owner),)
    """
    plan: list[Mapper] = []
    for mapper in mappers:
        only_on = getattr(mapper, "only_on", None)
        if only_on is not None and event not in only_on:
            continue
        if plan:
            fuse = getattr(plan[-1], "fuse", None)
            fused = fuse(mapper) if fuse is not None else None
            if fused is not None:
                plan[-1] = fused
                continue
        plan.append(mapper)
    return tuple(plan)


class Runner:
    def __init__(self, transport: Transport, clock, controllers: list[Controller]):
        self.transport = transport
        self.clock = clock
        self.controllers = {c.name: c for c in controllers}
        self._mappers: dict[tuple[str, str], list[Mapper]] = {}
        for c in controllers:
            for kind, mapper in c.watches.items():
                self._mappers.setdefault(kind, []).append(mapper)
        self.tiers = sorted({c.tier for c in controllers}) or [0]
        self._queues: dict[int, deque[Key]] = {t: deque() for t in self.tiers}
        # Each controller's queue (its tier's); keys of unknown controllers go to the first tier.
        self._queue_of = {c.name: self._queues[c.tier] for c in controllers}
        self._first_queue = self._queues[self.tiers[0]]
        self._tier_queues = tuple(self._queues[t] for t in self.tiers)  # in the order they run
        self.queued: set[Key] = set()
        self.timers: list[tuple[datetime, int, Key]] = []
        self._seq = itertools.count()
        self._failures: dict[Key, int] = {}
        self._bugs: dict[tuple, int] = {}
        self.recorder = executor.EventRecorder(_RecorderTransport(transport))
        self.recorder.hold()  # written in batches by `settle`
        self._act_as = getattr(transport, "act_as", None)
        self.on_work: Callable[[], None] | None = None
        self.processing = False

    # ---- inputs ------------------------------------------------------------------------------

    def notify(self, api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> None:
        """A stored object changed: queue every key a controller derives from it."""
        deliver = self.route(api_version, kind)
        if deliver is not None:
            deliver(obj, prev, event)

    def route(self, api_version: str, kind: str) -> Callable[[dict, dict | None, str], None] | None:
        """`notify` for one kind, its mappers looked up once: the change fan-out calls this for every
        stored write, so it asks only the controllers that watch the kind.  None when none does.

        Per event type the mappers are planned once (`_plan`): a mapper that declares the events it
        answers (`only_on`) is left out of the others, and neighbours that can share their work
        (`fuse`) are asked as one.  Either way the keys come in the same order as asking each mapper.
        The returned function's `answers` are the change types some mapper answers: a change of another
        type needs no call (the namespace controller watches Events, thousands a rollout, for deletions)."""
        mappers = tuple(self._mappers.get((api_version, kind), ()))
        if not mappers:
            return None
        queued = self.queued
        enqueue = self.enqueue
        plans = {event: _plan(mappers, event) for event in EVENT_TYPES}

        def deliver(obj: dict, prev: dict | None, event: str) -> None:
            plan = plans.get(event)
            if plan is None:
                plan = plans[event] = _plan(mappers, event)
            for mapper in plan:
                keys = mapper(api_version, kind, obj, prev, event)
                if keys:
                    for key in keys:
                        if key not in queued:
                            enqueue(key)

        deliver.answers = frozenset(event for event, plan in plans.items() if plan)  # type: ignore[attr-defined]
        return deliver

    def enqueue(self, key: Key) -> None:
        queued = self.queued
        if key in queued:
            return
        queued.add(key)
        queue = self._queue_of.get(key[0])
        (self._first_queue if queue is None else queue).append(key)
        if self.on_work is not None:
            self.on_work()

    def schedule(self, key: Key, seconds: float) -> None:
        """Look at `key` again `seconds` of cluster time from now.

        A delay of zero would make a reconciler that waits for a strict deadline ("older than
        40 s") spin at the boundary on a virtual clock that does not move by itself; timers are
        therefore at least one millisecond away.
        """
        due = self.clock.now() + timedelta(seconds=max(MIN_DELAY, seconds))
        heapq.heappush(self.timers, (due, next(self._seq), key))
        if self.on_work is not None:
            self.on_work()

    # ---- processing --------------------------------------------------------------------------

    def next_due(self) -> datetime | None:
        return self.timers[0][0] if self.timers else None

    def fire_due(self) -> int:
        """Queue every timer due at the current time."""
        now = self.clock.now()
        fired = 0
        while self.timers and self.timers[0][0] <= now:
            _, _, key = heapq.heappop(self.timers)
            self.enqueue(key)
            fired += 1
        return fired

    @property
    def queue(self) -> list[Key]:
        """Queued keys in the order they will run."""
        return [key for tier in self.tiers for key in self._queues[tier]]

    def _pop(self) -> Key | None:
        for queue in self._tier_queues:
            if queue:
                return queue.popleft()
        return None

    def run_one(self) -> bool:
        for queue in self._tier_queues:
            if queue:
                key = queue.popleft()
                break
        else:
            return False
        self.queued.discard(key)
        controller = self.controllers.get(key[0])
        if controller is None:
            return True
        now = self.clock.now()
        previous = None
        act_as = self._act_as
        transport = self.transport
        try:
            if act_as is not None:
                user = controller.user
                if controller.user_of is not None:
                    user = controller.user_of(key[1], key[2], transport)
                    if user is None:
                        return True
                previous = act_as(user, controller.reader)
                self.recorder.writer = (user, controller.reader)
            actions = controller.reconcile(key[1], key[2], transport, now)
            if actions:
                executor.execute(
                    actions,
                    transport,
                    self.recorder,
                    controller.component or controller.name,
                    now,
                    lambda s: self.schedule(key, s),
                )
        except st.StatusError as e:
            self._retry(key, e)
        except Exception:  # noqa: BLE001 - a controller bug must not stop the control plane
            self._log_bug(key)
            self.schedule(key, RETRY_DELAY)
        else:
            self._failures.pop(key, None)
        finally:
            if previous is not None:
                act_as(*previous)
                self.recorder.writer = None
        return True

    def _log_bug(self, key: Key) -> None:
        """Log a controller bug with its traceback once per (controller, exception type, place);
        repeats only count, so a bug hit by every pod of a big cluster cannot flood the log."""
        self._log_once(f"controller {key[0]}", f"failed on {key[1]}/{key[2]}")

    def _log_event_failure(self, component: str, reason: str, regarding: dict) -> None:
        """`_log_bug` for a held Event that could not be written (`EventRecorder.flush`)."""
        self._log_once(
            f"the event recorder of {component}", f"could not record {reason!r} about {executor.described(regarding)}"
        )

    def _log_once(self, who: str, what: str) -> None:
        """Log the exception being handled with its traceback once per (who, exception type, place);
        after that only its 2nd, 4th, 8th, … repeat, as a count."""
        import sys
        import traceback

        kind, error, tb = sys.exc_info()
        last = traceback.extract_tb(tb)[-1] if tb is not None else None
        signature = (who, kind.__name__ if kind else "", last.filename if last else "", last.lineno if last else 0)
        seen = self._bugs.get(signature, 0)
        self._bugs[signature] = seen + 1
        if seen == 0:
            log.exception("%s %s (further failures like this are counted, not logged)", who, what)
        elif (seen + 1) & seen == 0:  # 2, 4, 8, … repeats
            log.error("%s: the same failure again (%d times so far): %s", who, seen + 1, error)

    def _retry(self, key: Key, error: st.StatusError) -> None:
        """Conflicts and races retry at once (the next pass sees fresher state); repeated failures back off."""
        count = self._failures.get(key, 0) + 1
        self._failures[key] = count
        if count <= MAX_RETRIES_PER_SETTLE:
            self.enqueue(key)
        else:
            log.info(
                "controller %s: %s/%s keeps failing (%s); retrying in %ss",
                key[0],
                key[1],
                key[2],
                error.message,
                RETRY_DELAY,
            )
            self._failures[key] = 0
            self.schedule(key, RETRY_DELAY)

    def settle(self, limit: int = 10_000_000) -> int:
        """Run until nothing is queued or due at the current time, or `limit` passes have run.
        Returns the passes run.

        The passes' Events are held (`EventRecorder.hold`) and written in batches of `HELD_EVENTS`
        between passes; none is left held on return, so they commit with the caller's group."""
        recorder = self.recorder
        passes = 0
        while True:
            while passes < limit:
                self.fire_due()
                if not self.run_one():
                    break
                passes += 1
                if recorder.held and len(recorder.held) >= HELD_EVENTS:
                    recorder.flush(self._act_as, self._log_event_failure)
            # Writing Events wakes no controller here, but a controller may watch them.
            if not recorder.flush(self._act_as, self._log_event_failure) or passes >= limit:
                return passes

    def advance(self, seconds: float) -> None:
        """Virtual clock: process every timer due within `seconds`, in order, then settle."""
        target = self.clock.now() + timedelta(seconds=seconds)
        self.settle()
        while self.timers and self.timers[0][0] <= target:
            self.clock.advance_to(self.timers[0][0])
            self.settle()
        self.clock.advance_to(target)
        self.settle()

    def idle(self) -> bool:
        now = self.clock.now()
        return not self.queued and not (self.timers and self.timers[0][0] <= now)
