"""DaemonSet updates: RollingUpdate without and with surge, step by step, and OnDelete (upstream update_test facts)."""

from __future__ import annotations

import datetime as dt

import pytest
from test_daemonset_fakes import FakeCluster, new_ds, new_node

from kubeferry.controllers.actions import CreateObject, DeleteObject

NODES = [new_node(f"n{i}") for i in range(1, 6)]


def started(strategy: dict, nodes=NODES) -> FakeCluster:
    cluster = FakeCluster(new_ds(image="agent:1", strategy=strategy), nodes)
    cluster.sync()
    cluster.kubelet()
    cluster.sync()
    return cluster


def step(cluster: FakeCluster, ready: bool = True) -> tuple[int, int]:
    """One sync, then the kubelet runs what was created; returns (pods created, pods deleted)."""
    actions = cluster.sync()
    cluster.kubelet(ready=ready)
    creates = sum(1 for a in actions if isinstance(a, CreateObject) and a.obj["kind"] == "Pod")
    deletes = sum(1 for a in actions if isinstance(a, DeleteObject) and a.kind == "Pod")
    return creates, deletes


def images(cluster: FakeCluster) -> list[str]:
    return [img for imgs in cluster.images_by_node().values() for img in imgs]


@pytest.mark.parametrize(
    ("max_unavailable", "steps"),
    [
        pytest.param(1, [(0, 1), (1, 0)] * 5, id="one-at-a-time"),
        pytest.param(2, [(0, 2), (2, 0), (0, 2), (2, 0), (0, 1), (1, 0)], id="two-at-a-time"),
        pytest.param("40%", [(0, 2), (2, 0), (0, 2), (2, 0), (0, 1), (1, 0)], id="percent-rounds-up-to-two"),
        pytest.param(5, [(0, 5), (5, 0)], id="all-at-once"),
    ],
)
def test_rolling_update_without_surge(max_unavailable, steps):
    cluster = started({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": max_unavailable, "maxSurge": 0}})
    cluster.set_image("agent:2")
    seen = []
    for _ in steps:
        seen.append(step(cluster))
    assert seen == steps
    assert images(cluster) == ["agent:2"] * 5
    assert step(cluster) == (0, 0)
    status = cluster.ds["status"]
    assert (status["updatedNumberScheduled"], status["numberAvailable"], status["observedGeneration"]) == (5, 5, 2)


def test_rolling_update_without_surge_waits_for_new_pods_to_be_ready():
    cluster = started({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
    cluster.set_image("agent:2")
    assert step(cluster, ready=False) == (0, 1)
    assert step(cluster, ready=False) == (1, 0)
    # The new pod is running but not ready: it uses up the whole unavailability budget.
    assert step(cluster, ready=False) == (0, 0)
    assert step(cluster, ready=False) == (0, 0)
    assert sorted(images(cluster)) == ["agent:1"] * 4 + ["agent:2"]


def test_unavailable_old_pods_are_replaced_beyond_the_budget():
    cluster = started({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
    for name in sorted(cluster.pods)[:3]:
        cluster.pods[name]["status"]["conditions"][0]["status"] = "False"
    cluster.set_image("agent:2")
    assert step(cluster) == (0, 3)  # every unavailable old pod goes at once, no healthy one on top
    assert step(cluster) == (3, 0)


@pytest.mark.parametrize(
    ("max_surge", "steps"),
    [
        pytest.param(1, [(1, 0), (0, 1)] * 5, id="one-at-a-time"),
        pytest.param(2, [(2, 0), (0, 2), (2, 0), (0, 2), (1, 0), (0, 1)], id="two-at-a-time"),
        pytest.param("100%", [(5, 0), (0, 5)], id="all-at-once"),
    ],
)
def test_rolling_update_with_surge(max_surge, steps):
    cluster = started({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": max_surge}})
    cluster.set_image("agent:2")
    seen = []
    for _ in steps:
        seen.append(step(cluster))
        # Surge never leaves a node without an available pod.
        assert all(len(imgs) >= 1 for imgs in cluster.images_by_node().values())
    assert seen == steps
    assert images(cluster) == ["agent:2"] * 5


def test_surge_keeps_old_pod_until_new_one_is_available():
    cluster = started({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}})
    cluster.ds["spec"]["minReadySeconds"] = 10
    cluster.now += dt.timedelta(seconds=30)  # the old pods have been available for a while
    cluster.set_image("agent:2")
    assert step(cluster) == (1, 0)
    assert step(cluster) == (0, 0)  # ready but not available for 10 s yet
    cluster.now += dt.timedelta(seconds=10)
    assert step(cluster) == (0, 1)
    assert cluster.images_by_node()["n1"] == ["agent:2"]


def test_surge_replaces_unavailable_old_pods_at_once():
    cluster = started({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}})
    cluster.ds["spec"]["minReadySeconds"] = 10  # the old pods turned ready just now: none is available
    cluster.set_image("agent:2")
    assert step(cluster) == (5, 0)


def test_on_delete_replaces_only_deleted_pods():
    cluster = started({"type": "OnDelete"})
    cluster.set_image("agent:2")
    assert step(cluster) == (0, 0)
    assert cluster.ds["status"]["updatedNumberScheduled"] == 0
    del cluster.pods[sorted(cluster.pods)[0]]
    assert step(cluster) == (1, 0)
    assert sorted(images(cluster)) == ["agent:1"] * 4 + ["agent:2"]
    cluster.sync()
    assert cluster.ds["status"]["updatedNumberScheduled"] == 1


def test_rollback_reuses_the_old_revision_and_hash():
    cluster = started({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 5, "maxSurge": 0}})
    first_hash = cluster.current_hash()
    cluster.set_image("agent:2")
    step(cluster)
    step(cluster)
    cluster.set_image("agent:1")
    step(cluster)
    step(cluster)
    assert cluster.current_hash() == first_hash
    numbers = sorted(
        (r["revision"], r["metadata"]["labels"]["controller-revision-hash"]) for r in cluster.revisions.values()
    )
    assert [n for n, _ in numbers] == [2, 3]
    assert numbers[-1][1] == first_hash
    assert {p["metadata"]["labels"]["controller-revision-hash"] for p in cluster.pods.values()} == {first_hash}
