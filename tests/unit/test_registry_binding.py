"""Binding a pod in process: nodeName and PodScheduled in one write, equal to the spec write plus the
status write it replaces."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime

import pytest

from kubeferry.cluster import bootstrap
from kubeferry.machinery import resources
from kubeferry.machinery.status import StatusError
from kubeferry.registry.registry import Registry
from kubeferry.simulation import scheduler
from kubeferry.storage.store import Store

POD = resources.by_gvk("", "v1", "Pod")
NOW = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)


def cluster() -> Registry:
    registry = Registry(Store(None), now=lambda: NOW, rng=random.Random(7))
    bootstrap.ensure_system_objects(registry)
    registry.create(
        POD,
        "default",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
    )
    return registry


def test_binding_stores_what_the_spec_and_status_writes_stored():
    two, one = cluster(), cluster()
    pod = two.get(POD, "default", "web").obj
    update, _event = scheduler.bind_actions(pod, "node-1", NOW)
    # The two writes binding replaces: the spec with the node, then the status with the condition.
    spec_write = {**update.obj, "status": pod["status"]}
    two.update(POD, "default", "web", copy.deepcopy(spec_write))
    unversioned = {
        **update.obj,
        "metadata": {k: v for k, v in update.obj["metadata"].items() if k != "resourceVersion"},
    }
    two.update(POD, "default", "web", copy.deepcopy(unversioned), subresource="status")
    events = []
    one.store.listeners.append(events.append)
    one.update(POD, "default", "web", copy.deepcopy(update.obj), subresource="binding")
    expected, got = two.get(POD, "default", "web").obj, one.get(POD, "default", "web").obj
    assert got["spec"]["nodeName"] == "node-1"
    assert [c["type"] for c in got["status"]["conditions"]] == ["PodScheduled"]
    strip = lambda o: {**o, "metadata": {k: v for k, v in o["metadata"].items() if k != "resourceVersion"}}  # noqa: E731
    assert strip(got) == strip(expected)
    assert [e.type for e in events] == ["MODIFIED"]


def test_binding_a_stale_copy_is_a_conflict():
    registry = cluster()
    pod = registry.get(POD, "default", "web").obj
    update, _event = scheduler.bind_actions(pod, "node-1", NOW)
    relabelled = copy.deepcopy(pod)
    relabelled["metadata"]["labels"] = {"x": "y"}
    registry.update(POD, "default", "web", relabelled)
    with pytest.raises(StatusError) as failure:
        registry.update(POD, "default", "web", copy.deepcopy(update.obj), subresource="binding")
    assert failure.value.code == 409
