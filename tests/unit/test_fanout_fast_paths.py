"""The change fan-out's fast paths answer as the plain computations, change by change.

Seeded random pod streams (status writes that keep the very lists of owner references, labels and
finalizers, relabels, adoption, release, controller changes, deletion marks, removals, and changes
whose `prev` is not what the indexes last saw) go through the owner mappers, the garbage collector's
mapper, the kubelets' pod mapper and the whole runner; each answer and each index is compared with a
straightforward computation written here."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime

import pytest

from kubeferry.controllers import catalog, cluster_controllers
from kubeferry.controllers.catalog import PodsByController, _indexing_owner, _owner, controller_of
from kubeferry.controllers.cluster_controllers import OwnerIndex
from kubeferry.controllers.runner import Runner, _plan
from kubeferry.machinery.clock import VirtualClock
from kubeferry.simulation import catalog as simulation

OWNERS = [
    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "rs-1", "controller": True},
    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-2", "uid": "rs-2", "controller": True},
    {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "sts-1", "controller": True},
    {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "uid": "ds-1", "controller": True},
    {"apiVersion": "v1", "kind": "ConfigMap", "name": "cm", "uid": "cm-1"},  # not a controller
]
NAMES = ["a", "b", "c", "d"]


def _plain_owner_keys(name: str, owner_kind: str, obj: dict, prev: dict | None) -> tuple:
    """What the owner mapper answered before its fast paths: both controllers read, each keyed once."""
    ref = controller_of(obj)
    before = controller_of(prev) if prev is not None else None
    namespace = obj["metadata"].get("namespace", "")
    keys = []
    if ref and ref.get("kind") == owner_kind:
        keys.append((name, namespace, ref["name"]))
    if before and before.get("kind") == owner_kind and (name, namespace, before["name"]) not in keys:
        keys.append((name, namespace, before["name"]))
    return tuple(keys)


def _plain_observe(index: PodsByController, pod: dict, deleted: bool) -> None:
    """PodsByController.observe written plainly: labels compared with the kept copy, buckets moved."""
    meta = pod["metadata"]
    ns, name = meta.get("namespace", ""), meta["name"]
    old_labels = index._labels_of.get((ns, name), {})
    if deleted:
        new_labels: dict = {}
        pods = index._pods.get(ns)
        if pods is not None and pods.pop(name, None) is not None and not pods:
            del index._pods[ns]
        index._labels_of.pop((ns, name), None)
    else:
        new_labels = meta.get("labels") or {}
        index._pods.setdefault(ns, {})[name] = pod
    if old_labels != new_labels:
        if not deleted:
            index._labels_of[(ns, name)] = dict(new_labels)
        for label, value in old_labels.items():
            if new_labels.get(label, object()) != value:
                names = index._labelled[(ns, label, value)]
                names.discard(name)
                if not names:
                    del index._labelled[(ns, label, value)]
        for label, value in new_labels.items():
            if old_labels.get(label, object()) != value:
                index._labelled.setdefault((ns, label, value), set()).add(name)
    ref = controller_of(pod)
    key = (ns, ref.get("uid", "") if ref else "")
    old = index._bucket_of.get((ns, name))
    if old == key and not deleted:
        index._buckets[key][name] = pod  # replaced in place: the bucket keeps its order
        if key in index._owned:
            index._owned[key].changed.add(name)
        return
    if old is not None:
        del index._bucket_of[(ns, name)]
        bucket = index._buckets[old]
        bucket.pop(name, None)
        if old in index._owned:
            index._owned[old].changed.add(name)
        if not bucket:
            del index._buckets[old]
            index._owned.pop(old, None)
    if not deleted:
        index._bucket_of[(ns, name)] = key
        index._buckets.setdefault(key, {})[name] = pod
        if key in index._owned:
            index._owned[key].changed.add(name)


def _orders(index: PodsByController) -> list:
    """The indexes' dicts with their orders (dict equality alone ignores order)."""
    return [list(index._buckets.items()), [list(b) for b in index._buckets.values()], list(index._pods.items())]


def _plain_gc_keys(index: OwnerIndex, obj: dict, prev: dict | None, event: str) -> list:
    """The garbage collector's mapper before its status-write fast path."""
    meta = obj["metadata"]
    me = index.observe("v1", "Pod", obj, event, prev)
    keys = []
    deleting = event == "DELETED" or bool(meta.get("deletionTimestamp"))
    if event != "DELETED":
        refs = meta.get("ownerReferences")
        if deleting:
            if {"orphan", "foregroundDeletion"} & set(meta.get("finalizers") or ()):
                keys.append(("gc", *me))
        elif refs:
            before = (prev or {}).get("metadata") or {}
            if (
                prev is None
                or before.get("ownerReferences") != refs
                or before.get("finalizers") != meta.get("finalizers")
            ):
                keys.append(("gc", *me))
    if deleting:
        keys.extend(("gc", ref, name) for ref, name in sorted(index.dependents.get(meta.get("uid", ""), ())))
    return keys


def _stream(seed: int, length: int = 400):
    """(obj, prev, event) changes of a few pods; most writes keep the previous version's lists."""
    rng = random.Random(seed)
    current: dict[str, dict] = {}
    for _ in range(length):
        name = rng.choice(NAMES)
        old = current.get(name)
        roll = rng.random()
        if old is None:
            meta = {"name": name, "namespace": rng.choice(["default", "default", "other"]), "uid": f"u-{name}"}
            if rng.random() < 0.8:
                meta["ownerReferences"] = rng.sample(OWNERS, rng.randint(1, 2))
            meta["labels"] = {"app": rng.choice(["web", "db"])}
            pod = {"metadata": meta, "spec": {"nodeName": rng.choice(["", "n1"])}, "status": {}}
            current[name] = pod
            yield pod, None, "ADDED"
            continue
        if roll < 0.12:
            del current[name]
            last = dict(old)
            last["metadata"] = {**old["metadata"], "resourceVersion": str(rng.random())}
            yield last, old, "DELETED"
            continue
        pod = dict(old)
        meta = pod["metadata"] = {**old["metadata"], "resourceVersion": str(rng.random())}
        if roll < 0.55:
            pod["status"] = {"phase": rng.choice(["Pending", "Running"])}  # a status write
        elif roll < 0.65:
            meta["ownerReferences"] = rng.sample(OWNERS, rng.randint(0, 2))  # adoption, release, new owner
        elif roll < 0.7:
            meta["ownerReferences"] = copy.deepcopy(old["metadata"].get("ownerReferences"))  # equal, not the same
        elif roll < 0.78:
            meta["labels"] = {"app": rng.choice(["web", "db"]), **({"tier": "x"} if rng.random() < 0.5 else {})}
        elif roll < 0.86:
            meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
            meta["finalizers"] = rng.choice([["orphan"], ["foregroundDeletion"], ["x"], []])
        elif roll < 0.92:
            pod["spec"] = {"nodeName": rng.choice(["n1", "n2"])}
        else:
            meta["finalizers"] = rng.choice([["x"], []])
        current[name] = pod
        # Now and then the change names a prev the indexes never saw (as a test may hand it).
        prev = old if rng.random() < 0.9 else {"metadata": {**old["metadata"], "ownerReferences": []}}
        yield pod, prev, "MODIFIED"


@pytest.mark.parametrize("seed", range(12), ids=lambda s: f"seed-{s}")
def test_owner_mappers_and_pod_index_answer_as_the_plain_computation(seed):
    index, plain = PodsByController(), PodsByController()
    rs = _indexing_owner(index, "replicaset", "ReplicaSet")
    sts, ds = _owner("statefulset", "StatefulSet"), _owner("daemonset", "DaemonSet")
    assert len(_plan((rs, sts, ds), "MODIFIED")) == 1  # the runner asks the three as one
    fused_index = PodsByController()
    fused = _indexing_owner(fused_index, "replicaset", "ReplicaSet").fuse(sts).fuse(ds)
    for obj, prev, event in _stream(seed):
        expected_rs = _plain_owner_keys("replicaset", "ReplicaSet", obj, prev)
        expected = (
            expected_rs
            + _plain_owner_keys("statefulset", "StatefulSet", obj, prev)
            + _plain_owner_keys("daemonset", "DaemonSet", obj, prev)
        )
        assert rs("v1", "Pod", obj, prev, event) == expected_rs
        assert fused("v1", "Pod", obj, prev, event) == expected
        _plain_observe(plain, obj, event == "DELETED")
        assert vars(index) == vars(plain) == vars(fused_index)
        assert _orders(index) == _orders(plain) == _orders(fused_index)


@pytest.mark.parametrize("seed", range(12), ids=lambda s: f"seed-{s}")
def test_gc_and_kubelet_mappers_answer_as_the_plain_computation(seed):
    gc = cluster_controllers.garbage_collector()
    gc_mapper = gc.watches[("v1", "Pod")]
    gc_index = next(c.cell_contents for c in gc_mapper.__closure__ if isinstance(c.cell_contents, OwnerIndex))
    plain_index = OwnerIndex()
    kept, plain_kept = simulation.KeptObjects(), simulation.KeptObjects()
    kubelet = simulation._kubelet_pod_keys(kept)
    for obj, prev, event in _stream(seed):
        assert list(gc_mapper("v1", "Pod", obj, prev, event)) == _plain_gc_keys(plain_index, obj, prev, event)
        assert gc_index.owners_of == plain_index.owners_of
        assert {k: v for k, v in gc_index.dependents.items() if v} == {
            k: v for k, v in plain_index.dependents.items() if v
        }
        plain_kept.observe(obj, event == "DELETED")
        assert kubelet("v1", "Pod", obj, prev, event) == simulation._pod_keys("v1", "Pod", obj, prev, event)
        assert kept._objects == plain_kept._objects


def _controllers():
    return (
        catalog.workload_controllers() + cluster_controllers.cluster_controllers() + simulation.simulation_controllers()
    )


@pytest.mark.parametrize("seed", range(6), ids=lambda s: f"seed-{s}")
def test_the_runner_queues_what_asking_every_mapper_in_turn_queues(seed):
    planned = Runner(object(), VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)), _controllers())
    deliver = planned.route("v1", "Pod")
    one_by_one = [m for c in _controllers() for kind, m in c.watches.items() if kind == ("v1", "Pod")]
    expected: list = []
    for obj, prev, event in _stream(seed, 300):
        deliver(obj, prev, event)
        for mapper in one_by_one:
            for key in mapper("v1", "Pod", obj, prev, event) or ():
                if key not in expected:
                    expected.append(key)
    assert planned.queue == sorted(expected, key=lambda k: planned.tiers.index(planned.controllers[k[0]].tier))


@pytest.mark.parametrize("event", ["ADDED", "MODIFIED", "BOOKMARK"])
def test_mappers_declared_for_deletions_answer_nothing_else(event):
    pod = {"metadata": {"name": "p", "namespace": "default", "ownerReferences": [OWNERS[0]]}}
    declared = [m for c in _controllers() for m in c.watches.values() if getattr(m, "only_on", None) is not None]
    assert declared  # the namespace controller's, the Recreate wait, the service accounts'
    for mapper in declared:
        assert event not in mapper.only_on
        assert not mapper("v1", "Pod", pod, pod, event)
