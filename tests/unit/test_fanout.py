"""The change fan-out: stored writes reach only the mappers of the kinds they change, and the mappers'
indexes stay exact when a write keeps an object's owners (status writes)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kubeferry.cluster import controlplane
from kubeferry.controllers.catalog import PodsByController
from kubeferry.controllers.cluster_controllers import OwnerIndex, garbage_collector
from kubeferry.controllers.runner import ONLY_DELETIONS, Controller, Runner
from kubeferry.machinery.clock import VirtualClock
from kubeferry.registry.registry import Registry
from kubeferry.storage.store import Store

RS_REF = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "rs-1", "controller": True}
OTHER_REF = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-2", "uid": "rs-2", "controller": True}


def pod(
    name: str, refs: list | None = None, phase: str = "Pending", deleting: bool = False, finalizers: list | None = None
) -> dict:
    meta: dict = {"name": name, "namespace": "default", "uid": f"uid-{name}"}
    if finalizers:
        meta["finalizers"] = finalizers
    if refs is not None:
        meta["ownerReferences"] = refs
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "status": {"phase": phase}}


class NoTransport:
    pass


def runner(*controllers: Controller) -> Runner:
    return Runner(NoTransport(), VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)), list(controllers))


# --- routing -----------------------------------------------------------------------------------------


def control_plane(*controllers: Controller) -> tuple[Store, controlplane.ControlPlane]:
    """An in-memory store and a control plane running `controllers` over it, on a virtual clock."""
    store = Store(None)
    control = controlplane.ControlPlane(
        Registry(store), VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)), list(controllers), authorize=False
    )
    return store, control


def test_route_is_none_for_a_kind_nobody_watches():
    r = runner(Controller("c", lambda *a: [], {("v1", "Pod"): lambda *a: [("c", "", "x")]}))
    assert r.route("v1", "ConfigMap") is None
    assert r.route("v1", "Pod") is not None


def test_route_queues_each_key_once_in_mapper_order():
    calls = []

    def first(api_version, kind, obj, prev, event):
        calls.append(("first", obj["metadata"]["name"], event))
        return [("a", "default", "x"), ("a", "default", "y")]

    def second(api_version, kind, obj, prev, event):
        calls.append(("second", obj["metadata"]["name"], event))
        return [("b", "default", "x"), ("a", "default", "x")]

    r = runner(
        Controller("a", lambda *a: [], {("v1", "Pod"): first}),
        Controller("b", lambda *a: [], {("v1", "Pod"): second}),
    )
    deliver = r.route("v1", "Pod")
    deliver(pod("p"), None, "ADDED")
    deliver(pod("p"), pod("p"), "MODIFIED")
    assert calls == [
        ("first", "p", "ADDED"),
        ("second", "p", "ADDED"),
        ("first", "p", "MODIFIED"),
        ("second", "p", "MODIFIED"),
    ]
    assert r.queue == [("a", "default", "x"), ("a", "default", "y"), ("b", "default", "x")]


def test_control_plane_sends_stored_writes_only_to_watchers_of_their_kind():
    seen = []

    def on_pod(api_version, kind, obj, prev, event):
        seen.append((kind, obj["metadata"]["name"], prev["metadata"]["name"] if prev else None, event))
        return []

    store, control = control_plane(Controller("pods", lambda *a: [], {("v1", "Pod"): on_pod}))
    assert set(control._routes) == {"pods"}
    store.put("configmaps", {"metadata": {"name": "cm", "namespace": "default"}}, create=True)
    store.put("pods", pod("p1"), create=True)
    store.put("pods", pod("p1", phase="Running"))
    store.remove("pods", "default", "p1")
    assert seen == [("Pod", "p1", None, "ADDED"), ("Pod", "p1", "p1", "MODIFIED"), ("Pod", "p1", "p1", "DELETED")]


# --- the garbage collector's owner index -----------------------------------------------------------


def test_owner_index_follows_adoption_status_writes_release_and_deletion():
    index = OwnerIndex()
    bare = pod("p")
    owned = pod("p", [RS_REF])
    running = pod("p", [dict(RS_REF)], phase="Running")
    moved = pod("p", [OTHER_REF], phase="Running")
    index.observe("v1", "Pod", bare, "ADDED")
    assert not any(index.dependents.values())
    index.observe("v1", "Pod", owned, "MODIFIED", bare)
    assert index.dependents["rs-1"] == {("v1|Pod|default", "p")}
    index.observe("v1", "Pod", running, "MODIFIED", owned)  # same references: nothing to redo
    assert index.dependents["rs-1"] == {("v1|Pod|default", "p")}
    assert index.owners_of[("v1|Pod|default", "p")] == {"rs-1"}
    index.observe("v1", "Pod", moved, "MODIFIED", running)
    assert index.dependents["rs-1"] == set()
    assert index.dependents["rs-2"] == {("v1|Pod|default", "p")}
    index.observe("v1", "Pod", moved, "DELETED", moved)
    assert index.dependents["rs-2"] == set()
    assert ("v1|Pod|default", "p") not in index.owners_of


def test_owner_index_status_write_of_an_unseen_object_is_recorded():
    # A MODIFIED whose earlier version the index never saw (it started later) still records the owners.
    index = OwnerIndex()
    index.observe("v1", "Pod", pod("p", [RS_REF], phase="Running"), "MODIFIED", pod("p", [RS_REF]))
    assert index.dependents["rs-1"] == {("v1|Pod|default", "p")}


@pytest.mark.parametrize(
    ("prev", "obj", "event", "keys"),
    [
        pytest.param(None, pod("p", [RS_REF]), "ADDED", [("gc", "v1|Pod|default", "p")], id="appears-with-owner"),
        pytest.param(pod("p", [RS_REF]), pod("p", [RS_REF], phase="Running"), "MODIFIED", [], id="status-write"),
        pytest.param(
            pod("p", [RS_REF]), pod("p", [OTHER_REF]), "MODIFIED", [("gc", "v1|Pod|default", "p")], id="owner-changed"
        ),
        pytest.param(
            pod("p", [RS_REF]), pod("p", [RS_REF], deleting=True), "MODIFIED", [], id="being-deleted-nothing-to-do"
        ),
        pytest.param(
            pod("p", [RS_REF]),
            pod("p", [RS_REF], deleting=True, finalizers=["orphan"]),
            "MODIFIED",
            [("gc", "v1|Pod|default", "p")],
            id="being-deleted-orphaning",
        ),
        pytest.param(None, pod("p"), "ADDED", [], id="no-owner"),
    ],
)
def test_gc_mapper_keys(prev, obj, event, keys):
    mapper = garbage_collector().watches[("v1", "Pod")]
    if prev is not None:
        mapper("v1", "Pod", prev, None, "ADDED")
    assert list(mapper("v1", "Pod", obj, prev, event)) == keys


# --- the ReplicaSet controller's pod index ---------------------------------------------------------


def test_pods_by_controller_replaces_in_place_and_moves_on_owner_change():
    index = PodsByController()
    first = pod("p", [RS_REF])
    assert index.observe(first, False) == RS_REF
    running = pod("p", [dict(RS_REF)], phase="Running")
    index.observe(running, False)
    assert index.candidates("default", "rs-1") == [running]
    orphan = pod("p")
    assert index.observe(orphan, False) is None
    assert index.candidates("default", "rs-1") == [orphan]  # orphans are everyone's candidates
    assert index.candidates("default", "rs-2") == [orphan]
    moved = pod("p", [OTHER_REF])
    index.observe(moved, False)
    assert index.candidates("default", "rs-1") == []
    assert index.candidates("default", "rs-2") == [moved]
    assert index.observe(moved, True) == OTHER_REF
    assert index.candidates("default", "rs-2") == []


def test_control_plane_calls_no_mapper_for_a_change_type_none_answers():
    seen = []

    def on_deleted(api_version, kind, obj, prev, event):
        seen.append((obj["metadata"]["name"], event))
        return []

    on_deleted.only_on = ONLY_DELETIONS
    store, control = control_plane(Controller("cms", lambda *a: [], {("v1", "ConfigMap"): on_deleted}))
    assert control._routes["configmaps"][1] == {"DELETED"}
    store.put("configmaps", {"metadata": {"name": "cm", "namespace": "default"}}, create=True)
    store.put("configmaps", {"metadata": {"name": "cm", "namespace": "default"}, "data": {"a": "b"}})
    store.remove("configmaps", "default", "cm")
    assert seen == [("cm", "DELETED")]
