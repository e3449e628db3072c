"""Recreate: old pods gone before the new ReplicaSet is created at full size."""

from __future__ import annotations

import pytest
from test_deployment_builders import NOW, FakeCluster, deployment, events, kinds, new_rs_name, replica_set

from kubeferry.controllers.actions import CreateObject
from kubeferry.controllers.deployment import reconcile, recreate


def _pod(phase: str, owner_uid: str = "uid-1") -> dict:
    return {
        "metadata": {
            "name": f"p-{phase}",
            "ownerReferences": [{"kind": "ReplicaSet", "uid": owner_uid, "controller": True}],
        },
        "status": {"phase": phase},
    }


def _rs(uid: str, status_replicas: int = 0) -> dict:
    rs = replica_set("rs-" + uid, 0, status_replicas=status_replicas)
    rs["metadata"]["uid"] = uid
    return rs


@pytest.mark.parametrize(
    ("olds", "pods", "running"),
    [
        pytest.param([], {}, False, id="no-old-rss"),
        pytest.param(
            [_rs("some-uid"), _rs("other-uid")],
            {"some-uid": [_pod("Running")], "other-uid": [_pod("Running")]},
            True,
            id="running-pods",
        ),
        pytest.param([_rs("uid-1", 1)], {}, True, id="status-replicas-nonzero"),
        pytest.param([_rs("uid-1")], {}, False, id="no-pods-no-status-replicas"),
        pytest.param([_rs("uid-1")], {"uid-1": [_pod("Failed"), _pod("Succeeded")]}, False, id="terminal-pods-only"),
        pytest.param([_rs("uid-1")], {"uid-1": [_pod("Unknown")]}, True, id="unknown-phase-counts"),
        pytest.param([_rs("uid-1")], {"uid-1": [_pod("Pending")]}, True, id="pending-counts"),
        pytest.param([_rs("uid-1")], {"uid-1": [_pod("Running")]}, True, id="running-counts"),
        pytest.param(
            [_rs("uid-1")],
            {"uid-1": [_pod("Failed"), _pod("Succeeded"), _pod("Pending")]},
            True,
            id="terminal-and-pending",
        ),
        pytest.param([_rs("uid-1")], {"uid-1": [_pod("")]}, True, id="empty-phase-counts"),
    ],
)
def test_old_pods_running(olds, pods, running):
    assert recreate.old_pods_running(None, olds, pods) is running


def test_pods_of_the_new_rs_are_ignored():
    new = _rs("new-uid")
    assert recreate.old_pods_running(new, [], {"new-uid": [_pod("Running", "new-uid")]}) is False


def test_recreate_flow_across_passes():
    d = deployment(3, strategy="Recreate", image="nginx:2", deadline=600)
    old = replica_set("foo-old", 3, available=3, revision="1", desired=3, max_replicas=3)
    c = FakeCluster(d, [old])
    new = new_rs_name(d)

    # Pass 1: scale every active old RS to 0, write status, stop (no new RS yet).
    actions = c.sync()
    assert kinds(actions) == ["UpdateObject", "RecordEvent", "UpdateStatus"]
    assert events(actions) == [("Normal", "ScalingReplicaSet", "Scaled down replica set foo-old from 3 to 0")]
    # Pass 2: the old pods still run (status.replicas 3): status only, still no new RS.
    actions = c.sync(5)
    assert not any(isinstance(a, CreateObject) for a in actions)
    # A pod of the old RS still Running keeps the new RS away even once status says 0.
    c.settle_pods()
    running_pod = _pod("Running", "uid-foo-old")
    actions = reconcile(c.d, list(c.rss.values()), [running_pod], c.now)
    assert not any(isinstance(a, CreateObject) for a in actions)
    # Pass 3: all gone → the new RS is created at R with one event, then status.
    actions = c.sync(5)
    assert kinds(actions)[:3] == ["CreateObject", "RecordEvent", "UpdateStatus"]
    assert actions[0].obj["spec"]["replicas"] == 3
    assert actions[0].obj["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "3"
    assert events(actions) == [("Normal", "ScalingReplicaSet", f"Scaled up replica set {new} from 0 to 3")]
    c.settle_pods({new: 2})
    # Available needs all 3 (maxUnavailable is 0 for Recreate).
    c.sync(5)
    available = [x for x in c.d["status"]["conditions"] if x["type"] == "Available"][0]
    assert (available["status"], available["reason"]) == ("False", "MinimumReplicasUnavailable")
    c.settle_pods()
    c.sync(5)
    progressing = [x for x in c.d["status"]["conditions"] if x["type"] == "Progressing"][0]
    assert (progressing["reason"], progressing["message"]) == (
        "NewReplicaSetAvailable",
        f'ReplicaSet "{new}" has successfully progressed.',
    )
    assert c.sizes() == {"foo-old": 0, new: 3}
    assert c.now > NOW
