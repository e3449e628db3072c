"""RollingUpdate: upstream's rolling_test tables as facts, and the R=10 worked example across passes."""

from __future__ import annotations

import pytest
from test_deployment_builders import (
    NOW,
    FakeCluster,
    deployment,
    events,
    kinds,
    new_rs_name,
    replica_set,
    rs_updates,
    ts,
)

from kubeferry.controllers.actions import CreateObject, RequeueAfter, UpdateObject, UpdateStatus
from kubeferry.controllers.deployment import reconcile, rolling, sync


def _pass(d: dict) -> sync.SyncPass:
    return sync.SyncPass(d, [], [], NOW)


# reconcileNewReplicaSet: (R, maxSurge, old, new) → new size written, or None when nothing is scaled.
@pytest.mark.parametrize(
    ("r", "surge", "old", "new", "expected"),
    [
        pytest.param(10, 0, 10, 0, None, id="no-surge-no-scale-up"),
        pytest.param(10, 2, 10, 0, 2, id="surge-2-from-0"),
        pytest.param(10, 2, 5, 0, 7, id="old-5-new-grows-to-7"),
        pytest.param(10, 2, 10, 2, None, id="at-max-total"),
        pytest.param(10, 2, 2, 11, 10, id="new-above-R-scales-down"),
    ],
)
def test_reconcile_new_replica_set(r, surge, old, new, expected):
    d = deployment(r, max_surge=surge, max_unavailable=0)
    new_rs = replica_set("foo-v2", new, image="nginx:1")
    old_rs = replica_set("foo-v1", old)
    p = _pass(d)
    scaled = rolling.reconcile_new_replica_set(p, [new_rs, old_rs], new_rs)
    assert scaled is (expected is not None)
    assert rs_updates(p.actions) == ([] if expected is None else [("foo-v2", expected)])


# reconcileOldReplicaSets: (R, maxUnavailable, old, new, old available, new available) → writes, scaled.
@pytest.mark.parametrize(
    ("r", "unavailable", "old", "new", "old_avail", "new_avail", "writes"),
    [
        pytest.param(10, 0, 10, 0, 10, 0, [("foo-old", 9)], id="fencepost-1-unavailable"),
        pytest.param(10, 2, 10, 0, 10, 0, [("foo-old", 8)], id="max-unavailable-2"),
        pytest.param(10, 2, 10, 0, 8, 0, [("foo-old", 8)], id="unhealthy-cleaned-up"),
        pytest.param(10, 2, 10, 0, 9, 0, [("foo-old", 9), ("foo-old", 8)], id="one-unhealthy-one-ready"),
        pytest.param(10, 2, 8, 2, 8, 0, [], id="unavailable-new-pods-block"),
    ],
)
def test_reconcile_old_replica_sets(r, unavailable, old, new, old_avail, new_avail, writes):
    d = deployment(r, max_surge=0, max_unavailable=unavailable)
    new_rs = replica_set("foo-new", new, image="nginx:1", available=new_avail)
    old_rs = replica_set("foo-old", old, available=old_avail)
    p = _pass(d)
    scaled = rolling.reconcile_old_replica_sets(p, [old_rs, new_rs], [old_rs], new_rs)
    assert scaled is bool(writes)
    assert rs_updates(p.actions) == writes


@pytest.mark.parametrize(
    ("ready", "max_cleanup", "expected"),
    [
        pytest.param(8, 1, 1, id="capped-by-max"),
        pytest.param(8, 3, 2, id="all-unhealthy"),
        pytest.param(8, 0, 0, id="nothing-allowed"),
        pytest.param(10, 3, 0, id="all-healthy"),
    ],
)
def test_cleanup_unhealthy_replicas(ready, max_cleanup, expected):
    d = deployment(10, max_surge=2, max_unavailable=2)
    p = _pass(d)
    old = [replica_set("foo-v2", 10, available=ready)]
    remaining, count = rolling.cleanup_unhealthy_replicas(p, old, max_cleanup)
    assert count == expected
    assert [rs["spec"]["replicas"] for rs in remaining] == [10 - expected]


@pytest.mark.parametrize(
    ("unavailable", "ready", "old", "expected"),
    [
        pytest.param(0, 10, 10, 9, id="fencepost-1"),
        pytest.param(2, 10, 10, 8, id="down-by-2"),
        pytest.param(2, 8, 10, None, id="at-min-available"),
        pytest.param(2, 10, 0, None, id="nothing-to-scale"),
        pytest.param(2, 1, 10, None, id="below-min-available"),
    ],
)
def test_scale_down_old_replica_sets_for_rolling_update(unavailable, ready, old, expected):
    d = deployment(10, max_surge=0, max_unavailable=unavailable)
    p = _pass(d)
    rs = replica_set("foo-v2", old, available=ready)
    count = rolling.scale_down_old_replica_sets_for_rolling_update(p, [rs], [rs])
    assert rs_updates(p.actions) == ([] if expected is None else [("foo-v2", expected)])
    assert count == (0 if expected is None else old - expected)


def test_crash_looping_new_rs_blocks_scale_down_until_undo():
    """Unit-test example from the spec: new RS crash-looping at 5, old at 8 (R=10, surge 3, unavailable 2)."""
    d = deployment(10, max_surge=3, max_unavailable=2)
    new_rs = replica_set("foo-new", 5, image="nginx:1", available=0)
    old_rs = replica_set("foo-old", 8, available=7)  # one old pod failed too
    p = _pass(d)
    assert rolling.reconcile_old_replica_sets(p, [old_rs, new_rs], [old_rs], new_rs) is False
    assert p.actions == []
    # After `rollout undo` the old template is the new one: the crash-looping RS is now old.
    d_undo = deployment(10, max_surge=3, max_unavailable=2, image="old/foo-old")
    p = _pass(d_undo)
    assert rolling.reconcile_old_replica_sets(p, [new_rs, old_rs], [new_rs], old_rs) is True
    assert rs_updates(p.actions) == [("foo-new", 1)]  # 13 − 8 − 1 = 4 crash-looping pods removed


def test_worked_example_r10_across_passes():
    d = deployment(10, max_surge="25%", max_unavailable="25%", deadline=600, history=10)
    old = replica_set("foo-old", 10, available=10, revision="1", desired=10, max_replicas=13)
    c = FakeCluster(d, [old])
    new = new_rs_name(d)

    # Sync 1: create the new RS at min(13 − 10, 10) = 3, then 13 − 8 − 3 = 2 lets the old RS go 10 → 8.
    actions = c.sync()
    assert kinds(actions) == [
        "CreateObject",
        "RecordEvent",
        "UpdateStatus",
        "UpdateObject",
        "RecordEvent",
        "UpdateStatus",
    ]
    created = actions[0].obj
    assert created["metadata"]["name"] == new
    assert created["spec"]["replicas"] == 3
    assert created["metadata"]["annotations"] == {
        "deployment.kubernetes.io/revision": "2",
        "deployment.kubernetes.io/desired-replicas": "10",
        "deployment.kubernetes.io/max-replicas": "13",
    }
    assert events(actions) == [
        ("Normal", "ScalingReplicaSet", f"Scaled up replica set {new} from 0 to 3"),
        ("Normal", "ScalingReplicaSet", "Scaled down replica set foo-old from 10 to 8"),
    ]
    assert actions[2].obj["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "2"}
    assert actions[2].obj["status"]["conditions"] == [
        {
            "type": "Progressing",
            "status": "True",
            "lastUpdateTime": ts(NOW),
            "lastTransitionTime": ts(NOW),
            "reason": "NewReplicaSetCreated",
            "message": f'Created new replica set "{new}"',
        }
    ]
    # Status comes from the ReplicaSets as listed (old spec still 10, as upstream's allRSs holds it).
    assert actions[5].obj["status"] == {
        "observedGeneration": 1,
        "replicas": 10,
        "readyReplicas": 10,
        "availableReplicas": 10,
        "unavailableReplicas": 3,
        "terminatingReplicas": 0,
        "conditions": [
            {
                "type": "Available",
                "status": "True",
                "lastUpdateTime": ts(NOW),
                "lastTransitionTime": ts(NOW),
                "reason": "MinimumReplicasAvailable",
                "message": "Deployment has minimum availability.",
            },
            # Ready/available counts rose from the empty status: progress, so the condition is rewritten.
            {
                "type": "Progressing",
                "status": "True",
                "lastUpdateTime": ts(NOW),
                "lastTransitionTime": ts(NOW),
                "reason": "ReplicaSetUpdated",
                "message": f'ReplicaSet "{new}" is progressing.',
            },
        ],
    }
    assert "resourceVersion" not in actions[5].obj["metadata"]  # second write of the Deployment in this pass
    c.settle_pods({new: 0})

    # Sync 2: Σspec 11 < 13 → the new RS grows 3 → 5 without waiting for availability.
    assert rs_updates(c.sync(10)) == [(new, 5)]
    c.settle_pods({new: 0})
    # Sync 3: 13 − 8 − 5 = 0 blocks any scale-down while no new pod is available.
    actions = c.sync(10)
    assert rs_updates(actions) == []
    assert c.sizes() == {"foo-old": 8, new: 5}
    # All 5 new pods available → old 8 → 3, then new 5 → 10, then old 3 → 0 once those are available.
    c.settle_pods()
    assert rs_updates(c.sync(10)) == [("foo-old", 3)]
    c.settle_pods({new: 5})
    assert rs_updates(c.sync(10)) == [(new, 10)]
    c.settle_pods({new: 5})
    assert rs_updates(c.sync(10)) == []
    c.settle_pods()
    assert rs_updates(c.sync(10)) == [("foo-old", 0)]
    c.settle_pods()
    final = c.sync(10)
    assert kinds(final) == ["UpdateStatus"]
    done = NOW.replace(minute=1, second=10)  # the seventh pass, 10 s apart
    # The RS controller reports terminatingReplicas nowhere here, so the sum is unknown and omitted.
    assert c.d["status"] == {
        "observedGeneration": 1,
        "replicas": 10,
        "updatedReplicas": 10,
        "readyReplicas": 10,
        "availableReplicas": 10,
        "conditions": [
            {
                "type": "Available",
                "status": "True",
                "lastUpdateTime": ts(NOW),
                "lastTransitionTime": ts(NOW),
                "reason": "MinimumReplicasAvailable",
                "message": "Deployment has minimum availability.",
            },
            {
                "type": "Progressing",
                "status": "True",
                "lastUpdateTime": ts(done),
                "lastTransitionTime": ts(NOW),
                "reason": "NewReplicaSetAvailable",
                "message": f'ReplicaSet "{new}" has successfully progressed.',
            },
        ],
    }
    assert c.d["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "2"}
    # Steady state: nothing to write and, being complete, nothing to requeue.
    assert c.sync(10) == []


def test_no_progress_requeues_for_the_deadline():
    d = deployment(3, max_surge=1, max_unavailable=0, deadline=600)
    c = FakeCluster(d, [replica_set("foo-old", 3, available=3, revision="1")])
    new = new_rs_name(d)
    c.sync()
    c.settle_pods({new: 0})
    c.sync(60)  # progress: the new RS reports a replica
    c.settle_pods({new: 0})
    actions = c.sync(60)
    assert actions == [RequeueAfter(600 - 60 + 1)]
    actions = c.sync(600)
    assert kinds(actions) == ["UpdateStatus"]
    cond = actions[0].obj["status"]["conditions"][-1]
    assert cond["reason"] == "ProgressDeadlineExceeded"
    assert cond["status"] == "False"
    assert cond["message"] == f'ReplicaSet "{new}" has timed out progressing.'


def test_hash_collision_bumps_collision_count_then_uses_new_name():
    d = deployment(2, max_surge=1, max_unavailable=0)
    name = new_rs_name(d)
    clash = replica_set(name.replace("foo-", "x-"), 1, owner="someone-else")
    clash["metadata"]["name"] = name
    actions = reconcile(d, [clash], [], NOW)
    assert kinds(actions) == ["UpdateStatus", "RequeueAfter"]
    assert actions[0].obj["status"] == {"collisionCount": 1}
    d["status"] = {"collisionCount": 1}
    actions = reconcile(d, [clash], [], NOW)
    created = [a.obj for a in actions if isinstance(a, CreateObject)]
    assert [c["metadata"]["name"] for c in created] == [new_rs_name(d)]
    assert new_rs_name(d) != name


def test_existing_new_rs_gets_annotations_and_min_ready_seconds_synced():
    d = deployment(2, max_surge=1, max_unavailable=0, annotations={"kubernetes.io/change-cause": "v2"}, min_ready=5)
    new = replica_set("foo-new", 2, image="nginx:1", available=2, revision="2", desired=2, max_replicas=3)
    old = replica_set("foo-old", 0, revision="1", desired=2, max_replicas=3)
    actions = reconcile(d, [old, new], [], NOW)
    updates = [a.obj for a in actions if isinstance(a, UpdateObject)]
    assert len(updates) == 1
    assert updates[0]["spec"]["minReadySeconds"] == 5
    assert updates[0]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "v2"
    assert isinstance(actions[-1], UpdateStatus)
