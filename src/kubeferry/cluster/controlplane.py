"""The controllers and simulated nodes wired to the registry, on a real or virtual clock.

`InProcessTransport` gives the controllers the registry without sockets or JSON: reads return
the stored objects themselves (read-only by contract), writes go through the same pipeline as
HTTP writes (strategy, admission, defaulting, validation).  `ControlPlane` feeds every stored
change to the runner and drives it: on the real clock a background task works the queue and
sleeps until the next timer; on the virtual clock timers fire only through `advance`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from kubeferry.machinery import clock as clocks
from kubeferry.machinery import resources
from kubeferry.machinery import status as st
from kubeferry.registry.registry import Registry

log = logging.getLogger("kubeferry.controlplane")
BATCH = 200
VIRTUAL_NOW_KEY = "virtual-now"
CREATED_KEY = "created"
CLOCK_MODE_KEY = "clock-mode"  # a cluster keeps its clock across restarts unless told otherwise

_BY_STORAGE_KEY = {resources.storage_key(r): r for r in resources.RESOURCES}


class InProcessTransport:
    """The controllers' client transport: the registry, called directly."""

    def __init__(self, registry: Registry):
        self.registry = registry

    @staticmethod
    def _resource(api_version: str, kind: str) -> resources.Resource:
        res = resources.by_api_version_kind(api_version, kind)
        if res is None:
            raise st.StatusError(404, "NotFound", f"no resource for {api_version} {kind}")
        return res

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict | None:
        res = self._resource(api_version, kind)
        entry = self.registry.store.get(resources.storage_key(res), namespace if res.namespaced else "", name)
        return entry.obj if entry is not None else None

    def list(self, api_version: str, kind: str, namespace: str | None = None) -> list[dict]:
        res = self._resource(api_version, kind)
        return [e.obj for e in self.registry.list(res, namespace)]

    def create(self, obj: dict) -> dict:
        res = self._resource(obj.get("apiVersion", ""), obj.get("kind", ""))
        namespace = (obj.get("metadata") or {}).get("namespace", "")
        return self.registry.create(res, namespace, obj).entry.obj

    def update(self, obj: dict, subresource: str = "") -> dict:
        res = self._resource(obj.get("apiVersion", ""), obj.get("kind", ""))
        meta = obj.get("metadata") or {}
        return self.registry.update(res, meta.get("namespace", ""), meta["name"], obj, subresource=subresource).entry.obj

    def patch(self, api_version, kind, namespace, name, patch, patch_type="application/strategic-merge-patch+json", subresource=""):
        res = self._resource(api_version, kind)
        return self.registry.patch(res, namespace, name, patch_type, patch, subresource=subresource).entry.obj

    def delete(self, api_version: str, kind: str, namespace: str, name: str, options: dict | None = None) -> None:
        res = self._resource(api_version, kind)
        self.registry.delete(res, namespace, name, options)


def make_clock(store, mode: str, time_scale: float, start_time: str | None):
    """The cluster clock; virtual time is persisted in the store and resumes where it stopped."""
    if mode == clocks.REAL:
        return clocks.RealClock(time_scale)
    saved = store.meta_get(VIRTUAL_NOW_KEY)
    if saved:
        start = clocks.parse_time(saved)
    elif start_time:
        start = clocks.parse_time(start_time)
    else:
        created = store.meta_get(CREATED_KEY)
        start = clocks.parse_time(created) if created else datetime.now(UTC)
    return clocks.VirtualClock(start)


class ControlPlane:
    def __init__(self, registry: Registry, clock, controllers):
        from kubeferry.controllers.runner import Runner

        self.registry = registry
        self.clock = clock
        self.transport = InProcessTransport(registry)
        self.runner = Runner(self.transport, clock, controllers)
        registry.now = clock.now
        registry.store.listeners.append(self._on_event)
        self._wake = asyncio.Event()
        self.runner.on_work = self._wake.set
        self._task: asyncio.Task | None = None
        self._stopping = False

    def _on_event(self, event) -> None:
        res = _BY_STORAGE_KEY.get(event.kind)
        if res is None:
            return
        prev = event.prev.obj if event.prev is not None else None
        self.runner.notify(res.api_version, res.kind, event.entry.obj, prev, event.type)

    def resync(self) -> None:
        """Queue every object once (at start-up): level-based controllers pick up where they were."""
        for res in resources.RESOURCES:
            for entry in self.registry.store.list(resources.storage_key(res)):
                self.runner.notify(res.api_version, res.kind, entry.obj, None, "ADDED")

    # ---- driving -----------------------------------------------------------------------------

    async def start(self) -> None:
        self.resync()
        self._task = asyncio.ensure_future(self._loop())

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.wait([self._task], timeout=2)

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            ran = 0
            with self.registry.store.group():
                while ran < BATCH:
                    self.runner.fire_due()
                    if not self.runner.run_one():
                        break
                    ran += 1
            if ran >= BATCH or not self.runner.idle():
                await asyncio.sleep(0)
                continue
            timeout = None
            due = self.runner.next_due()
            if due is not None and self.clock.mode == clocks.REAL:
                timeout = self.clock.real_delay((due - self.clock.now()).total_seconds())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)

    def advance(self, seconds: float) -> None:
        if self.clock.mode != clocks.VIRTUAL:
            raise st.StatusError(409, "Conflict", "the cluster runs on the real clock; only a virtual clock can be advanced")
        with self.registry.store.group():
            self.runner.advance(seconds)
            self.registry.store.meta_set(VIRTUAL_NOW_KEY, clocks.rfc3339_micro(self.clock.now()))

    async def settle(self, timeout: float | None = None) -> bool:
        """Work the queue until nothing is pending at the current time; False if `timeout` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self.registry.store.group():
                self.runner.settle(limit=BATCH)
            if self.runner.idle():
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0)
