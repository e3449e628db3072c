"""Graceful deletion stores the object with deletionTimestamp, grace period and finalizers set, and
leaves the previously stored state (the watch event's `prev`) as it was."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime

import orjson
import pytest

from kubeferry.cluster import bootstrap
from kubeferry.machinery import resources
from kubeferry.machinery.status import StatusError
from kubeferry.registry.registry import Registry
from kubeferry.storage.store import Store

POD = resources.by_gvk("", "v1", "Pod")
NAMESPACE = resources.by_gvk("", "v1", "Namespace")
NOW = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)


def bound_pod(registry: Registry, **meta) -> dict:
    registry.create(
        POD,
        "default",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "labels": {"app": "web"}, **meta},
            "spec": {"containers": [{"name": "c", "image": "nginx"}], "nodeName": "node-1"},
        },
    )
    return registry.get(POD, "default", "web").obj


def cluster() -> Registry:
    registry = Registry(Store(None), now=lambda: NOW, rng=random.Random(7))
    bootstrap.ensure_system_objects(registry)
    return registry


@pytest.mark.parametrize(
    ("options", "finalizers", "expected_meta"),
    [
        pytest.param(
            {},
            None,
            {"deletionTimestamp": "2026-01-01T10:00:30Z", "deletionGracePeriodSeconds": 30, "generation": 2},
            id="default grace",
        ),
        pytest.param(
            {"gracePeriodSeconds": 5, "propagationPolicy": "Foreground"},
            ["example.com/hold"],
            {
                "deletionTimestamp": "2026-01-01T10:00:05Z",
                "deletionGracePeriodSeconds": 5,
                "finalizers": ["example.com/hold", "foregroundDeletion"],
                "generation": 2,
            },
            id="foreground with a finalizer",
        ),
        pytest.param(
            {"gracePeriodSeconds": 0, "propagationPolicy": "Orphan"},
            None,
            {
                "finalizers": ["orphan"],
                "deletionTimestamp": "2026-01-01T10:00:00Z",
                "deletionGracePeriodSeconds": 0,
                "generation": 2,
            },
            id="orphan finalizer holds an immediate delete",
        ),
    ],
)
def test_graceful_delete_changes_only_metadata_and_keeps_the_stored_state(options, finalizers, expected_meta):
    registry = cluster()
    before = bound_pod(registry, **({"finalizers": finalizers} if finalizers else {}))
    snapshot = copy.deepcopy(before)
    events = []
    registry.store.listeners.append(events.append)
    entry, removed = registry.delete(POD, "default", "web", options)
    assert removed is False
    got = entry.obj
    assert {k: got["metadata"][k] for k in expected_meta} == expected_meta
    assert {k: v for k, v in got.items() if k != "metadata"} == {k: v for k, v in snapshot.items() if k != "metadata"}
    unchanged = {k: v for k, v in got["metadata"].items() if k not in {*expected_meta, "resourceVersion"}}
    assert unchanged == {k: v for k, v in snapshot["metadata"].items() if k not in {*expected_meta, "resourceVersion"}}
    assert before == snapshot  # the previous state is untouched
    assert [e.type for e in events] == ["MODIFIED"] and events[0].prev.obj == snapshot
    assert orjson.loads(entry.raw) == got


def test_namespace_delete_sets_terminating_without_touching_the_stored_namespace():
    registry = cluster()
    registry.create(NAMESPACE, "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    before = registry.get(NAMESPACE, "", "team").obj
    snapshot = copy.deepcopy(before)
    entry, removed = registry.delete(NAMESPACE, "", "team")
    assert removed is False
    assert entry.obj["status"] == {"phase": "Terminating"}
    assert entry.obj["metadata"]["deletionTimestamp"] == "2026-01-01T10:00:00Z"
    assert before == snapshot


def test_status_write_of_a_terminating_pod_keeps_it_until_its_final_delete():
    """A graceful deletion pending (grace > 0) is not completed by an update, even with no finalizers."""
    registry = cluster()
    bound_pod(registry)
    registry.delete(POD, "default", "web")
    pod = copy.deepcopy(registry.get(POD, "default", "web").obj)
    pod["status"] = {"phase": "Succeeded"}
    registry.update(POD, "default", "web", pod, subresource="status")
    assert registry.get(POD, "default", "web").obj["status"]["phase"] == "Succeeded"
    entry, removed = registry.delete(POD, "default", "web", {"gracePeriodSeconds": 0})
    assert removed
    with pytest.raises(StatusError, match="not found"):
        registry.get(POD, "default", "web")


def test_shorter_grace_moves_the_deletion_time_and_finalizer_removal_then_deletes():
    registry = cluster()
    bound_pod(registry, finalizers=["example.com/hold"])
    registry.delete(POD, "default", "web", {"gracePeriodSeconds": 30})
    entry, removed = registry.delete(POD, "default", "web", {"gracePeriodSeconds": 10})
    assert not removed
    assert entry.obj["metadata"]["deletionTimestamp"] == "2026-01-01T10:00:10Z"
    assert entry.obj["metadata"]["deletionGracePeriodSeconds"] == 10
    entry, removed = registry.delete(POD, "default", "web", {"gracePeriodSeconds": 0})
    assert not removed  # the finalizer holds it
    assert entry.obj["metadata"]["deletionTimestamp"] == "2026-01-01T10:00:00Z"
    assert entry.obj["metadata"]["deletionGracePeriodSeconds"] == 0
    pod = copy.deepcopy(entry.obj)
    pod["metadata"]["finalizers"] = []
    registry.update(POD, "default", "web", pod)
    with pytest.raises(StatusError, match="not found"):
        registry.get(POD, "default", "web")


def test_finalizer_removal_during_a_pending_graceful_deletion_waits_for_the_final_delete():
    registry = cluster()
    bound_pod(registry, finalizers=["example.com/hold"])
    registry.delete(POD, "default", "web")
    pod = copy.deepcopy(registry.get(POD, "default", "web").obj)
    pod["metadata"]["finalizers"] = []
    registry.update(POD, "default", "web", pod)
    assert registry.get(POD, "default", "web").obj["metadata"]["deletionGracePeriodSeconds"] == 30


def test_an_update_sharing_the_stored_metadata_leaves_the_stored_entry_as_it_was():
    """A client that renews an object as `dict(stored)` with a new spec hands back the stored metadata
    itself; the registry works on a copy, so the entry already stored (and its watchers' view) stays."""
    reg = Registry(Store(None), now=lambda: datetime(2026, 1, 1, tzinfo=UTC), rng=random.Random(5))
    bootstrap.ensure_system_objects(reg)
    lease = resources.by_gvk("coordination.k8s.io", "v1", "Lease")
    body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "n1"}, "spec": {}}
    first = reg.create(lease, "kube-node-lease", body).entry
    renewed = dict(first.obj)
    renewed["spec"] = {"renewTime": "2026-01-01T00:00:10.000000Z"}
    second = reg.update(lease, "kube-node-lease", "n1", renewed).entry
    assert second.obj["metadata"]["resourceVersion"] == str(second.rv) != str(first.rv)
    assert first.obj["metadata"]["resourceVersion"] == str(first.rv)
    assert first.obj["spec"] == {}
    assert b'"resourceVersion":"%d"' % first.rv in first.raw
    # the stored object itself handed back unchanged is not a write
    assert reg.update(lease, "kube-node-lease", "n1", second.obj).entry is second


def test_a_daemonset_update_sharing_the_stored_annotations_leaves_them_as_they_were():
    reg = Registry(Store(None), now=lambda: datetime(2026, 1, 1, tzinfo=UTC), rng=random.Random(5))
    bootstrap.ensure_system_objects(reg)
    ds = resources.by_gvk("apps", "v1", "DaemonSet")
    template = {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "x:1"}]}}
    body = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "d", "annotations": {"note": "n"}},
        "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": template},
    }
    first = reg.create(ds, "default", body).entry
    changed = copy.deepcopy(first.obj["spec"])
    changed["template"]["spec"]["containers"][0]["image"] = "x:2"
    renewed = {**first.obj, "metadata": dict(first.obj["metadata"]), "spec": changed}
    second = reg.update(ds, "default", "d", renewed).entry
    key = "deprecated.daemonset.template.generation"
    assert (first.obj["metadata"]["annotations"][key], second.obj["metadata"]["annotations"][key]) == ("1", "2")
    assert b'"deprecated.daemonset.template.generation":"1"' in first.raw
