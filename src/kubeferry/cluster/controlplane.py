"""The controllers and simulated nodes wired to the registry, on a real or virtual clock.

`InProcessTransport` gives the controllers the registry without sockets or JSON: reads return
the stored objects themselves (read-only by contract), writes go through the same pipeline as
HTTP writes (strategy, admission, defaulting, validation).  Every call is authorized as the
controller that makes it (`act_as`; the runner switches identity per pass) by the same Node and
RBAC decision an HTTP request gets, and refused with the same 403; a kubelet's writes also pass
NodeRestriction.  A decision that cannot depend on the object's name is kept per (identity, verb,
resource, subresource, namespace) until a role or binding changes, so the check costs one set
look-up on the hot path.  `ControlPlane` feeds every stored
change to the runner and drives it: on the real clock a background task works the queue and
sleeps until the next timer; on the virtual clock timers fire only through `advance`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from datetime import UTC, datetime

from kubeferry.machinery import clock as clocks
from kubeferry.machinery import resources
from kubeferry.machinery import status as st
from kubeferry.machinery.rbac import Attributes, UserInfo
from kubeferry.registry import authorization
from kubeferry.registry.registry import Registry

log = logging.getLogger("kubeferry.controlplane")
BATCH = 200
VIRTUAL_NOW_KEY = "virtual-now"
CREATED_KEY = "created"
CLOCK_MODE_KEY = "clock-mode"  # a cluster keeps its clock across restarts unless told otherwise

_BY_STORAGE_KEY = {resources.storage_key(r): r for r in resources.RESOURCES}
# (apiVersion, kind) -> (resource, storage key), filled as controllers ask (the served resources are fixed).
_RESOLVED: dict[tuple[str, str], tuple[resources.Resource, str]] = {}
# Who acts when a controller names nobody: the controller manager's own credentials.
CONTROLLER_MANAGER = UserInfo("system:kube-controller-manager", ("system:authenticated",))
# The write a subresource stands for: binding a pod is a POST (create) of pods/binding.
_SUBRESOURCE_VERBS = {"binding": "create", "eviction": "create"}
# A kubelet's writes NodeRestriction looks at.
_NODE_RESTRICTED_VERBS = frozenset({"create", "update", "patch", "delete"})

# core/v1 Event, for `InProcessTransport.create_event`.
_EVENT = resources.by_gvk("", "v1", "Event")


def _resolve(api_version: str, kind: str) -> tuple[resources.Resource, str]:
    found = _RESOLVED.get((api_version, kind))
    if found is None:
        res = resources.by_api_version_kind(api_version, kind)
        if res is None:
            raise st.StatusError(404, "NotFound", f"no resource for {api_version} {kind}")
        found = _RESOLVED[(api_version, kind)] = (res, resources.storage_key(res))
    return found


class InProcessTransport:
    """The controllers' client transport: the registry, called directly, as the acting identity.

    Without an authorizer every call is trusted (unit tests of the runner and of single controllers).
    """

    def __init__(self, registry: Registry, authorizer=None, default_user: UserInfo | None = None):
        self.registry = registry
        self.authorizer = authorizer
        self.default_user = default_user
        self.user: UserInfo | None = default_user
        self.reader: UserInfo | None = None
        self._node = False
        self._node_name = ""  # the kubelet's node while acting as one
        self._allowed: set[tuple] = set()
        self._allowed_by: dict[tuple, set[tuple]] = {}
        self._identities: dict[tuple, tuple[bool, set[tuple], str]] = {}
        self._generation = -1

    def act_as(self, user: UserInfo | None, reader: UserInfo | None = None) -> tuple:
        """Act as `user` (None: the default identity), reads also served by `reader`'s informers;
        returns what to pass back to restore the previous identity."""
        previous = (self.user, self.reader)
        self.user = user if user is not None else self.default_user
        self.reader = reader if user is not None else None
        identity = (self.user, self.reader)
        known = self._identities.get(identity)
        if known is None:  # first pass as this identity: is it a kubelet, and its set of allowed checks
            node = authorization.node_name_of(self.user) if self.user is not None else None
            allowed = self._allowed_by.setdefault(identity, set())
            known = self._identities[identity] = (node is not None, allowed, node or "")
        self._node, self._allowed, self._node_name = known
        return previous

    # ---- authorization ------------------------------------------------------------------------

    def _check(
        self,
        verb: str,
        res: resources.Resource,
        namespace: str,
        name: str,
        subresource: str = "",
        obj: dict | None = None,
    ) -> None:
        if self.authorizer is None or self.user is None:
            return
        if self._generation != self.authorizer.generation:
            self._generation = self.authorizer.generation
            for allowed in self._allowed_by.values():
                allowed.clear()
        namespace = namespace if res.namespaced else ""
        group, plural = res.group, res.plural
        key = (verb, group, plural, subresource, namespace)
        if key in self._allowed:
            return
        if self._node and authorization.node_decides_per_object(group, plural):
            # A kubelet's request the Node authorizer allows by itself needs no `Attributes` and no RBAC;
            # any other goes through the full decision (the same answer, and the same 403).
            node, store = self._node_name, self.registry.store
            if not authorization.node_allows(store, node, verb, group, plural, subresource, namespace, name):
                attrs = Attributes(
                    verb, api_group=group, resource=plural, subresource=subresource, namespace=namespace, name=name
                )
                self.authorizer.check_in_process(self.user, attrs, self.reader)
            if verb in _NODE_RESTRICTED_VERBS:
                existing = store.get(resources.storage_key(res), namespace, name) if name else None
                authorization.restrict_node_write(
                    node,
                    verb,
                    group,
                    plural,
                    subresource,
                    namespace,
                    name,
                    obj,
                    existing.obj if existing is not None else None,
                )
            return
        unnamed = Attributes(verb, api_group=group, resource=plural, subresource=subresource, namespace=namespace)
        try:
            self.authorizer.check_in_process(self.user, unnamed, self.reader)
        except st.StatusError:
            if not name:
                raise
            attrs = Attributes(
                verb, api_group=group, resource=plural, subresource=subresource, namespace=namespace, name=name
            )
            self.authorizer.check_in_process(self.user, attrs, self.reader)  # a rule naming this object
        else:
            self._allowed.add(key)

    @staticmethod
    def _resource(api_version: str, kind: str) -> resources.Resource:
        return _resolve(api_version, kind)[0]

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict | None:
        res, key = _resolve(api_version, kind)
        entry = self.registry.store.get(key, namespace if res.namespaced else "", name)
        if entry is None and self._node:
            return None  # gone from the kubelet's own pod cache (over HTTP the Node authorizer says 403)
        self._check("get", res, namespace, name)
        return entry.obj if entry is not None else None

    def get_unchecked(self, api_version: str, kind: str, namespace: str, name: str) -> dict | None:
        """A look-up that stands for a client's memory of what it wrote itself (the event recorder's
        cache), so it needs no right of its own."""
        res, key = _resolve(api_version, kind)
        entry = self.registry.store.get(key, namespace if res.namespaced else "", name)
        return entry.obj if entry is not None else None

    def list(self, api_version: str, kind: str, namespace: str | None = None) -> list[dict]:
        res = self._resource(api_version, kind)
        self._check("list", res, namespace or "", "")
        return [e.obj for e in self.registry.list(res, namespace)]

    def create(self, obj: dict) -> dict:
        res = self._resource(obj.get("apiVersion", ""), obj.get("kind", ""))
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace", "")
        self._check("create", res, namespace, meta.get("name", ""), obj=obj)
        return self.registry.create(res, namespace, obj).entry.obj

    def create_event(self, obj: dict) -> dict:
        """`create` of a core/v1 Event an in-process event recorder built (see `Registry.create_event`):
        the same authorization, the kind resolved once.  Any other object takes `create`."""
        if obj.get("kind") != "Event" or obj.get("apiVersion") != "v1":
            return self.create(obj)
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace", "")
        self._check("create", _EVENT, namespace, meta.get("name", ""), obj=obj)
        return self.registry.create_event(namespace, obj).obj

    def update(self, obj: dict, subresource: str = "") -> dict:
        res = self._resource(obj.get("apiVersion", ""), obj.get("kind", ""))
        meta = obj.get("metadata") or {}
        verb = _SUBRESOURCE_VERBS.get(subresource, "update")
        self._check(verb, res, meta.get("namespace", ""), meta["name"], subresource, obj)
        return self.registry.update(
            res, meta.get("namespace", ""), meta["name"], obj, subresource=subresource
        ).entry.obj

    def patch(
        self,
        api_version,
        kind,
        namespace,
        name,
        patch,
        patch_type="application/strategic-merge-patch+json",
        subresource="",
    ):
        res = self._resource(api_version, kind)
        self._check("patch", res, namespace, name, subresource)
        return self.registry.patch(res, namespace, name, patch_type, patch, subresource=subresource).entry.obj

    def delete(self, api_version: str, kind: str, namespace: str, name: str, options: dict | None = None) -> None:
        res = self._resource(api_version, kind)
        self._check("delete", res, namespace, name)
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
    """The runner over the in-process transport.  With `authorize` (the default) the bootstrap RBAC
    policy the controllers are bound by is ensured first (as kube-apiserver's bootstrap-roles hook
    does on every start) and each controller acts as its own identity."""

    def __init__(self, registry: Registry, clock, controllers, *, authorize: bool = True):
        from kubeferry.controllers.runner import Runner

        self.registry = registry
        self.clock = clock
        registry.now = clock.now
        authorizer = None
        if authorize:
            from kubeferry.cluster import bootstrap

            bootstrap.ensure_rbac(registry)
            authorizer = authorization.Authorizer(registry.store)
        # `transport` is the cluster admin's (the in-process `Cluster` API); the controllers get their own.
        self.transport = InProcessTransport(registry)
        self.controller_transport = InProcessTransport(registry, authorizer, CONTROLLER_MANAGER if authorize else None)
        self.runner = Runner(self.controller_transport, clock, controllers)
        # Event names end in the instant's nanoseconds plus an offset drawn once per instant: drawn from
        # the store's state at start, a control plane started again at the same virtual instant names
        # its Events apart from the ones stored before (the same inputs still give the same names).
        self.runner.recorder.rng = random.Random(f"events/{registry.store.resource_version}")
        # storage key -> the runner's delivery to the mappers of the controllers watching that kind, and
        # the change types they answer; kinds nobody watches are absent, so their writes cost one look-up.
        self._routes = {}
        for key, res in _BY_STORAGE_KEY.items():
            deliver = self.runner.route(res.api_version, res.kind)
            if deliver is not None:
                self._routes[key] = (deliver, deliver.answers)
        registry.store.listeners.append(self._on_event)
        self._wake = asyncio.Event()
        self.runner.on_work = self._wake.set
        self._task: asyncio.Task | None = None
        self._stopping = False

    def _on_event(self, event) -> None:
        route = self._routes.get(event.kind)
        if route is None or event.type not in route[1]:
            return
        prev = event.prev
        route[0](event.entry.obj, prev.obj if prev is not None else None, event.type)

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
            with self.registry.store.group():
                ran = self.runner.settle(limit=BATCH)
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
            raise st.StatusError(
                409, "Conflict", "the cluster runs on the real clock; only a virtual clock can be advanced"
            )
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
