"""Garbage collector decisions: attemptToDelete classification, foreground and orphan deletion (upstream facts)."""

from __future__ import annotations

import datetime as dt

import pytest

from kubeferry.controllers import garbagecollector as gc
from kubeferry.controllers.actions import DeleteObject, PatchObject, UpdateObject

NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
DELETED_AT = "2024-05-01T11:59:00Z"


def ref(uid: str, *, kind: str = "ReplicaSet", name: str | None = None, block: bool | None = None) -> dict:
    r = {"apiVersion": "apps/v1", "kind": kind, "name": name or uid, "uid": uid}
    if block is not None:
        r["blockOwnerDeletion"] = block
    return r


def obj(
    name: str,
    uid: str,
    *,
    kind: str = "Pod",
    api_version: str = "v1",
    owners: list[dict] | None = None,
    finalizers: list[str] | None = None,
    deleting: bool = False,
) -> dict:
    meta: dict = {"name": name, "namespace": "default", "uid": uid, "resourceVersion": "7"}
    if owners:
        meta["ownerReferences"] = owners
    if finalizers:
        meta["finalizers"] = finalizers
    if deleting:
        meta["deletionTimestamp"] = DELETED_AT
    return {"apiVersion": api_version, "kind": kind, "metadata": meta}


def owner(uid: str, *, deleting: bool = False, finalizers: list[str] | None = None) -> dict:
    return obj(uid, uid, kind="ReplicaSet", api_version="apps/v1", deleting=deleting, finalizers=finalizers)


def delete(name: str, uid: str, propagation: str = "Background", kind: str = "Pod", api: str = "v1") -> DeleteObject:
    return DeleteObject(api, kind, "default", name, uid=uid, propagation=propagation)


def release(name: str, uid: str, owner_uids: list[str], kind: str = "Pod", api: str = "v1") -> PatchObject:
    patch = {"metadata": {"uid": uid, "ownerReferences": [{"$patch": "delete", "uid": u} for u in owner_uids]}}
    return PatchObject(api, kind, "default", name, patch)


FOREGROUND_OWNER = owner("rs-1", deleting=True, finalizers=["foregroundDeletion"])

# attemptToDeleteItem: obj "pod-1" seen as a dependent.
ATTEMPT_TO_DELETE_CASES = [
    pytest.param(obj("pod-1", "p1"), {}, [], [], id="no-owner-references-nothing"),
    pytest.param(obj("pod-1", "p1", owners=[ref("rs-1")]), {"rs-1": owner("rs-1")}, [], [], id="solid-owner-nothing"),
    pytest.param(obj("pod-1", "p1", owners=[ref("rs-1")]), {}, [], [], id="unknown-owner-counts-as-solid"),
    pytest.param(
        obj("pod-1", "p1", owners=[ref("rs-1")]),
        {"rs-1": None},
        [],
        [delete("pod-1", "p1")],
        id="only-owner-absent-delete-background",
    ),
    pytest.param(
        obj("pod-1", "p1", owners=[ref("rs-1")]),
        {"rs-1": owner("other-uid")},
        [],
        [delete("pod-1", "p1")],
        id="owner-name-reused-with-new-uid-is-dangling",
    ),
    pytest.param(
        obj("pod-1", "p1", owners=[ref("rs-1"), ref("rs-2")]),
        {"rs-1": None, "rs-2": owner("rs-2")},
        [],
        [release("pod-1", "p1", ["rs-1"])],
        id="one-dangling-one-solid-patch-out-dangling",
    ),
    pytest.param(
        obj("pod-1", "p1", owners=[ref("rs-1"), ref("rs-2")]),
        {"rs-1": FOREGROUND_OWNER, "rs-2": owner("rs-2")},
        [],
        [release("pod-1", "p1", ["rs-1"])],
        id="waiting-and-solid-patch-out-waiting",
    ),
    pytest.param(
        obj("pod-1", "p1", owners=[ref("rs-1"), ref("rs-2")]),
        {"rs-1": None, "rs-2": None},
        [],
        [delete("pod-1", "p1")],
        id="all-owners-dangling-delete",
    ),
    pytest.param(
        obj("pod-1", "p1", owners=[ref("rs-1")]),
        {"rs-1": FOREGROUND_OWNER},
        [],
        [delete("pod-1", "p1")],
        id="waiting-owner-no-dependents-delete-background",
    ),
    pytest.param(
        obj("pod-1", "p1", owners=[ref("rs-1")]),
        {"rs-1": FOREGROUND_OWNER},
        [obj("child", "c1", owners=[ref("p1", kind="Pod")])],
        [delete("pod-1", "p1", "Foreground")],
        id="waiting-owner-with-dependents-delete-foreground",
    ),
    pytest.param(
        obj("pod-1", "p1", owners=[ref("rs-1", block=True)]),
        {"rs-1": FOREGROUND_OWNER},
        [obj("child", "c1", owners=[ref("p1", kind="Pod")], deleting=True, finalizers=["foregroundDeletion"])],
        [
            PatchObject(
                "v1",
                "Pod",
                "default",
                "pod-1",
                {"metadata": {"uid": "p1", "ownerReferences": [{"uid": "rs-1", "blockOwnerDeletion": False}]}},
            ),
            delete("pod-1", "p1", "Foreground"),
        ],
        id="dependent-also-deleting-dependents-unblock-then-foreground",
    ),
    pytest.param(
        obj("pod-1", "p1", owners=[ref("rs-1")], finalizers=["orphan"]),
        {"rs-1": None},
        [],
        [delete("pod-1", "p1", "Orphan")],
        id="dangling-with-orphan-finalizer-delete-orphan",
    ),
    pytest.param(
        obj("pod-1", "p1", owners=[ref("rs-1")], finalizers=["foregroundDeletion"]),
        {"rs-1": None},
        [],
        [delete("pod-1", "p1", "Foreground")],
        id="dangling-with-foreground-finalizer-delete-foreground",
    ),
    pytest.param(
        obj("pod-1", "p1", owners=[ref("rs-1")], deleting=True),
        {"rs-1": None},
        [],
        [],
        id="already-being-deleted-nothing",
    ),
]


@pytest.mark.parametrize(("item", "owners", "dependents", "expected"), ATTEMPT_TO_DELETE_CASES)
def test_attempt_to_delete(item: dict, owners: dict, dependents: list[dict], expected: list) -> None:
    assert gc.reconcile(item, owners, dependents, NOW) == expected


def rs_being_deleted(finalizer: str) -> dict:
    return owner("rs-1", deleting=True, finalizers=[finalizer, "example.com/keep"])


def rs_without(finalizer: str) -> UpdateObject:
    updated = rs_being_deleted(finalizer)
    updated["metadata"]["finalizers"] = ["example.com/keep"]
    return UpdateObject(updated)


OWNER_CASES = [
    pytest.param(
        rs_being_deleted("orphan"),
        [obj("pod-1", "p1", owners=[ref("rs-1")]), obj("pod-2", "p2", owners=[ref("rs-1"), ref("x")])],
        [release("pod-1", "p1", ["rs-1"]), release("pod-2", "p2", ["rs-1"]), rs_without("orphan")],
        id="orphan-releases-every-dependent-then-drops-finalizer",
    ),
    pytest.param(
        rs_being_deleted("orphan"), [], [rs_without("orphan")], id="orphan-without-dependents-drops-finalizer"
    ),
    pytest.param(
        rs_being_deleted("foregroundDeletion"),
        [obj("pod-1", "p1", owners=[ref("rs-1", block=True)]), obj("pod-2", "p2", owners=[ref("rs-1", block=True)])],
        [delete("pod-1", "p1", "Foreground"), delete("pod-2", "p2", "Foreground")],
        id="foreground-deletes-blocking-dependents-and-waits",
    ),
    pytest.param(
        rs_being_deleted("foregroundDeletion"),
        [obj("pod-1", "p1", owners=[ref("rs-1", block=True)], deleting=True)],
        [],
        id="foreground-dependent-already-deleting-keeps-blocking",
    ),
    pytest.param(
        rs_being_deleted("foregroundDeletion"),
        [obj("pod-1", "p1", owners=[ref("rs-1", block=False)])],
        [delete("pod-1", "p1", "Foreground"), rs_without("foregroundDeletion")],
        id="foreground-non-blocking-dependent-does-not-hold-owner",
    ),
    pytest.param(
        rs_being_deleted("foregroundDeletion"),
        [obj("pod-1", "p1", owners=[ref("rs-1", block=True), ref("other")])],
        [release("pod-1", "p1", ["rs-1"])],
        id="foreground-dependent-with-another-owner-is-released",
    ),
    pytest.param(
        rs_being_deleted("foregroundDeletion"),
        [],
        [rs_without("foregroundDeletion")],
        id="foreground-no-dependents-left-drops-finalizer",
    ),
    pytest.param(
        owner("rs-1", deleting=True, finalizers=["example.com/keep"]),
        [obj("pod-1", "p1", owners=[ref("rs-1")])],
        [],
        id="deleting-without-gc-finalizers-nothing",
    ),
]


@pytest.mark.parametrize(("item", "dependents", "expected"), OWNER_CASES)
def test_owner_being_deleted(item: dict, dependents: list[dict], expected: list) -> None:
    assert gc.reconcile(item, {}, dependents, NOW) == expected


def test_classify_owners_keeps_reference_order() -> None:
    item = obj("pod-1", "p1", owners=[ref("a"), ref("b"), ref("c"), ref("d")])
    owners = {"a": owner("a"), "b": None, "c": owner("c", deleting=True, finalizers=["foregroundDeletion"])}
    assert gc.classify_owners(item, owners) == (["a", "d"], ["b"], ["c"])


def test_gc_looks_again_only_when_owners_or_deletion_change():
    """A status write to a dependent queues no garbage-collector pass; new owners and deletion do."""
    from kubeferry.controllers.cluster_controllers import garbage_collector

    mapper = garbage_collector().watches[("v1", "Pod")]
    owner = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "rs-uid", "controller": True}]
    pod = {"metadata": {"name": "p", "namespace": "default", "uid": "p-uid", "ownerReferences": owner}}
    key = [("gc", "v1|Pod|default", "p")]
    assert list(mapper("v1", "Pod", pod, None, "ADDED")) == key
    written = {**pod, "status": {"phase": "Running"}}
    assert list(mapper("v1", "Pod", written, pod, "MODIFIED")) == []
    released = {**pod, "metadata": {**pod["metadata"], "ownerReferences": []}}
    assert list(mapper("v1", "Pod", released, written, "MODIFIED")) == []  # no owners left: nothing to collect
    readopted = {**pod, "metadata": {**pod["metadata"], "ownerReferences": owner, "finalizers": ["x"]}}
    assert list(mapper("v1", "Pod", readopted, released, "MODIFIED")) == key
    deleting = {**readopted, "metadata": {**readopted["metadata"], "deletionTimestamp": "2026-01-01T00:00:00Z"}}
    assert list(mapper("v1", "Pod", deleting, readopted, "MODIFIED")) == []  # no orphan/foreground finalizer
    foreground = {**deleting, "metadata": {**deleting["metadata"], "finalizers": ["foregroundDeletion"]}}
    assert list(mapper("v1", "Pod", foreground, deleting, "MODIFIED")) == key
    assert list(mapper("v1", "Pod", foreground, foreground, "MODIFIED")) == key  # looked at while deleting


def test_gc_skips_a_new_dependent_whose_owners_it_has_seen_live():
    """As upstream's graph builder: a new object is queued only when an owner it names was not observed
    live under that uid, apiVersion, kind, name and namespace (a pass would otherwise decide nothing)."""
    from kubeferry.controllers.cluster_controllers import garbage_collector

    gc = garbage_collector()
    on_rs, on_pod = gc.watches[("apps/v1", "ReplicaSet")], gc.watches[("v1", "Pod")]
    rs = {"metadata": {"name": "rs", "namespace": "default", "uid": "rs-uid"}}
    ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "rs-uid", "controller": True}

    def added(name: str, refs: list, namespace: str = "default") -> list:
        pod = {"metadata": {"name": name, "namespace": namespace, "uid": f"{name}-uid", "ownerReferences": refs}}
        return list(on_pod("v1", "Pod", pod, None, "ADDED"))

    assert added("before", [ref]) == [("gc", "v1|Pod|default", "before")]  # owner not seen yet
    on_rs("apps/v1", "ReplicaSet", rs, None, "ADDED")
    assert added("p", [ref]) == []
    assert added("q", [ref, {**ref, "name": "other", "uid": "other-uid"}]) == [("gc", "v1|Pod|default", "q")]
    assert added("r", [{**ref, "name": "renamed"}]) == [("gc", "v1|Pod|default", "r")]
    assert added("s", [{**ref, "kind": "StatefulSet"}]) == [("gc", "v1|Pod|default", "s")]
    assert added("t", [{**ref, "apiVersion": "apps/v1beta2"}]) == [("gc", "v1|Pod|default", "t")]
    assert added("u", [ref], namespace="elsewhere") == [("gc", "v1|Pod|elsewhere", "u")]
    deleting = {"metadata": {**rs["metadata"], "deletionTimestamp": "2026-01-01T00:00:00Z"}}
    on_rs("apps/v1", "ReplicaSet", deleting, rs, "MODIFIED")
    assert added("v", [ref]) == [("gc", "v1|Pod|default", "v")]  # an owner being deleted: looked at
    on_rs("apps/v1", "ReplicaSet", deleting, None, "DELETED")
    assert added("w", [ref]) == [("gc", "v1|Pod|default", "w")]  # gone: dangling


def test_gc_ignores_events_as_upstream():
    """Upstream's collector ignores core and events.k8s.io Events; every other stored kind is watched."""
    from kubeferry.controllers import cluster_controllers
    from kubeferry.machinery import resources

    watched = set(cluster_controllers.garbage_collector().watches)
    assert ("v1", "Event") not in watched and ("events.k8s.io/v1", "Event") not in watched
    assert watched == {(r.api_version, r.kind) for r in resources.RESOURCES if r.plural != "events"}
