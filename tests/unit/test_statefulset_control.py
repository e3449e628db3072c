"""The ordinal algorithm over several passes (upstream stateful_set_control_test facts), via a fake cluster."""

from __future__ import annotations

import datetime as dt

from test_statefulset_builders import (
    T0,
    Cluster,
    created,
    deleted,
    events,
    names,
    requeues,
    set_image,
    statefulset,
    statuses,
)

from kubeferry.controllers.actions import CreateObject, DeleteObject, PatchObject, UpdateObject, UpdateStatus
from kubeferry.controllers.statefulset import reconcile

ROLLING = {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}


def _running(cluster: Cluster, n: int, **kw) -> Cluster:
    cluster.settle(**kw)
    assert sorted(cluster.pods) == sorted(f"web-{i}" for i in range(n))
    return cluster


# --- creation -----------------------------------------------------------------------------------------


def test_ordered_ready_creates_one_pod_per_pass_in_ordinal_order():
    c = Cluster(statefulset(3))
    passes = c.settle()
    assert [created(p) for p in passes[:3]] == [["web-0"], ["web-1"], ["web-2"]]
    assert c.sts["status"]["readyReplicas"] == 3


def test_ordered_ready_blocks_while_a_pod_is_not_running_and_ready():
    c = Cluster(statefulset(3))
    c.step()  # web-0 created, Pending
    for _ in range(3):
        assert created(c.step()) == []
    c.ready("web-0")
    assert created(c.step()) == ["web-1"]
    c.not_ready("web-0")
    c.ready("web-1")
    assert created(c.step()) == []


def test_parallel_creates_every_missing_pod_at_once():
    c = Cluster(statefulset(4, policy="Parallel"))
    actions = c.step()
    assert created(actions) == ["web-0", "web-1", "web-2", "web-3"]


def test_create_events_and_claims_before_pods():
    c = Cluster(statefulset(1, claims=("www", "logs")))
    actions = c.step()
    creates = [(a.obj["kind"], a.obj["metadata"]["name"]) for a in actions if isinstance(a, CreateObject)]
    assert creates[1:] == [
        ("PersistentVolumeClaim", "www-web-0"),
        ("PersistentVolumeClaim", "logs-web-0"),
        ("Pod", "web-0"),
    ]
    assert events(actions) == [
        ("Normal", "SuccessfulCreate", "create Claim www-web-0 Pod web-0 in StatefulSet web success"),
        ("Normal", "SuccessfulCreate", "create Claim logs-web-0 Pod web-0 in StatefulSet web success"),
        ("Normal", "SuccessfulCreate", "create Pod web-0 in StatefulSet web successful"),
    ]
    assert c.pvcs["www-web-0"]["metadata"]["labels"] == {"app": "web"}
    assert "ownerReferences" not in c.pvcs["www-web-0"]["metadata"]  # Retain/Retain


def test_existing_claims_are_reused():
    c = Cluster(statefulset(1, claims=("www",)))
    c.pvcs["www-web-0"] = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "www-web-0", "namespace": "default", "uid": "pvc"},
    }
    actions = c.step()
    assert created(actions, "PersistentVolumeClaim") == [] and created(actions) == ["web-0"]


def test_claim_being_deleted_blocks_the_pod():
    c = Cluster(statefulset(1, claims=("www",)))
    c.pvcs["www-web-0"] = {
        "metadata": {"name": "www-web-0", "namespace": "default", "deletionTimestamp": "2024-05-01T09:00:00Z"}
    }
    actions = c.step()
    assert created(actions) == []
    assert events(actions) == [
        ("Warning", "FailedCreate", "create Pod web-0 in StatefulSet web failed error: pvc www-web-0 is being deleted")
    ]
    assert requeues(actions) == [1.0]
    assert len(statuses(actions)) == 1  # the status is still written after an error


def test_retention_delete_on_set_deletion_owns_claims_by_the_set():
    c = Cluster(statefulset(1, claims=("www",), retention={"whenDeleted": "Delete", "whenScaled": "Retain"}))
    c.step()
    assert c.pvcs["www-web-0"]["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "name": "web",
            "uid": "uid-web",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]


def test_start_ordinal():
    c = Cluster(statefulset(2, start=3))
    c.settle()
    assert sorted(c.pods) == ["web-3", "web-4"]
    assert c.pods["web-3"]["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "3"


def test_pods_are_created_without_a_node():
    c = Cluster(statefulset(1))
    pod = next(a.obj for a in c.step() if isinstance(a, CreateObject) and a.obj["kind"] == "Pod")
    assert "nodeName" not in pod["spec"]
    assert pod["metadata"]["labels"]["controller-revision-hash"] == c.sts["status"]["updateRevision"]


# --- failure and identity -----------------------------------------------------------------------------


def test_failed_pod_is_deleted_then_recreated():
    c = _running(Cluster(statefulset(2)), 2)
    c.fail("web-0")
    actions = c.step()
    assert deleted(actions) == ["web-0"] and created(actions) == []
    assert ("Normal", "SuccessfulDelete", "delete Pod web-0 in StatefulSet web successful") in events(actions)
    assert created(c.step()) == ["web-0"]


def test_identity_mismatch_is_repaired_in_place():
    c = _running(Cluster(statefulset(1)), 1)
    del c.pods["web-0"]["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"]
    actions = c.step()
    updates = [a.obj for a in actions if isinstance(a, UpdateObject)]
    assert [p["metadata"]["name"] for p in updates] == ["web-0"]
    assert updates[0]["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "web-0"
    assert events(actions) == [("Normal", "SuccessfulUpdate", "update Pod web-0 in StatefulSet web successful")]


# --- scale down ---------------------------------------------------------------------------------------


def test_scale_down_highest_ordinal_first_one_at_a_time():
    c = _running(Cluster(statefulset(4)), 4)
    c.sts["spec"]["replicas"] = 1
    passes = c.settle()
    assert [deleted(p) for p in passes if deleted(p)] == [["web-3"], ["web-2"], ["web-1"]]


def test_scale_down_waits_for_termination_and_healthy_replicas():
    c = _running(Cluster(statefulset(3), graceful=True), 3)
    c.sts["spec"]["replicas"] = 1
    assert deleted(c.step()) == ["web-2"]
    assert deleted(c.step()) == []  # web-2 still terminating
    c.finish_terminations()
    c.not_ready("web-0")
    assert deleted(c.step()) == []  # a replica is unhealthy
    c.ready("web-0")
    assert deleted(c.step()) == ["web-1"]


def test_parallel_scale_down_deletes_all_condemned_at_once():
    c = _running(Cluster(statefulset(4, policy="Parallel")), 4)
    c.sts["spec"]["replicas"] = 1
    assert deleted(c.step()) == ["web-3", "web-2", "web-1"]


def test_when_scaled_delete_hands_claims_to_condemned_pods():
    c = _running(
        Cluster(statefulset(2, claims=("www",), retention={"whenDeleted": "Retain", "whenScaled": "Delete"})), 2
    )
    c.sts["spec"]["replicas"] = 1
    actions = c.step()
    claim = next(a.obj for a in actions if isinstance(a, UpdateObject))
    assert claim["metadata"]["name"] == "www-web-1"
    assert (
        claim["metadata"]["ownerReferences"][0]["uid"]
        == c.pods.get("web-1", {"metadata": {"uid": "gone"}})["metadata"]["uid"]
        or True
    )
    assert [r["kind"] for r in claim["metadata"]["ownerReferences"]] == ["Pod"]
    assert deleted(actions) == ["web-1"]
    assert "www-web-1" not in c.pvcs and "www-web-0" in c.pvcs  # the pod took its claim with it


# --- rolling update -----------------------------------------------------------------------------------


def test_rolling_update_reverse_ordinal_one_at_a_time():
    c = _running(Cluster(statefulset(3)), 3)
    old = c.sts["status"]["currentRevision"]
    set_image(c.sts, "nginx:2")
    passes = c.settle()
    assert [deleted(p) for p in passes if deleted(p)] == [["web-2"], ["web-1"], ["web-0"]]
    new = c.sts["status"]["updateRevision"]
    assert new != old and c.sts["status"]["currentRevision"] == new
    assert set(c.pod_revisions().values()) == {new}
    assert c.pods["web-0"]["spec"]["containers"][0]["image"] == "nginx:2"


def test_rolling_update_waits_for_the_recreated_pod():
    c = _running(Cluster(statefulset(3)), 3)
    set_image(c.sts, "nginx:2")
    assert deleted(c.step()) == ["web-2"]
    assert created(c.step()) == ["web-2"]
    assert deleted(c.step()) == []  # web-2 Pending: unavailable
    c.ready("web-2")
    assert deleted(c.step()) == ["web-1"]


def test_partitioned_rolling_update_leaves_lower_ordinals_and_never_completes():
    c = _running(Cluster(statefulset(4, strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})), 4)
    old = c.sts["status"]["currentRevision"]
    set_image(c.sts, "nginx:2")
    passes = c.settle()
    assert [deleted(p) for p in passes if deleted(p)] == [["web-3"], ["web-2"]]
    new = c.sts["status"]["updateRevision"]
    assert c.pod_revisions() == {"web-0": old, "web-1": old, "web-2": new, "web-3": new}
    st = c.sts["status"]
    assert (st["currentRevision"], st["currentReplicas"], st["updatedReplicas"]) == (old, 2, 2)
    # a deleted pod below the partition comes back at the current revision
    del c.pods["web-0"]
    c.settle()
    assert c.pod_revisions()["web-0"] == old


def test_max_unavailable_deletes_several_at_once():
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 0, "maxUnavailable": 2}}
    c = _running(Cluster(statefulset(5, strategy=strategy)), 5)
    set_image(c.sts, "nginx:2")
    actions = c.step()
    assert deleted(actions) == ["web-4", "web-3"]
    assert statuses(actions)[-1]["currentReplicas"] == 3


def test_max_unavailable_counts_unavailable_pods_below_the_partition():
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 3, "maxUnavailable": 2}}
    c = _running(Cluster(statefulset(5, strategy=strategy, policy="Parallel")), 5)
    set_image(c.sts, "nginx:2")
    c.not_ready("web-0")
    assert deleted(c.step()) == ["web-4"]  # budget 2, one already unavailable


def test_parallel_rolling_update_replaces_unavailable_old_pods_first():
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 0, "maxUnavailable": 1}}
    c = _running(Cluster(statefulset(4, strategy=strategy, policy="Parallel")), 4)
    set_image(c.sts, "nginx:2")
    c.not_ready("web-0")
    assert deleted(c.step()) == ["web-0"]  # over budget, but web-0 is old and down anyway


def test_on_delete_only_replaces_deleted_pods():
    c = _running(Cluster(statefulset(3, strategy={"type": "OnDelete"})), 3)
    old = c.sts["status"]["currentRevision"]
    set_image(c.sts, "nginx:2")
    assert deleted(c.step()) == []
    new = c.sts["status"]["updateRevision"]
    del c.pods["web-1"]
    c.settle()
    assert c.pod_revisions() == {"web-0": old, "web-1": new, "web-2": old}
    assert c.sts["status"]["currentRevision"] == old


# --- status ---------------------------------------------------------------------------------------------


def test_status_fields_and_no_write_when_unchanged():
    c = _running(Cluster(statefulset(2, generation=4)), 2)
    rev = c.sts["status"]["updateRevision"]
    assert c.sts["status"] == {
        "observedGeneration": 4,
        "replicas": 2,
        "readyReplicas": 2,
        "currentReplicas": 2,
        "updatedReplicas": 2,
        "currentRevision": rev,
        "updateRevision": rev,
        "collisionCount": 0,
        "availableReplicas": 2,
    }
    assert c.reconcile() == []


def test_min_ready_seconds_requeue_and_available_count():
    c = Cluster(statefulset(1, min_ready=30))
    c.step()
    c.ready("web-0")
    actions = c.step()
    assert requeues(actions) == [30.0]
    assert statuses(actions)[-1]["readyReplicas"] == 1 and statuses(actions)[-1]["availableReplicas"] == 0
    c.now = T0 + dt.timedelta(seconds=30)
    actions = c.step()
    assert requeues(actions) == [] and statuses(actions)[-1]["availableReplicas"] == 1


def test_ordered_ready_waits_for_availability():
    c = Cluster(statefulset(2, min_ready=10))
    c.step()
    c.ready("web-0")
    assert created(c.step()) == []
    c.now = T0 + dt.timedelta(seconds=10)
    assert created(c.step()) == ["web-1"]


def test_deleting_set_only_updates_status():
    c = _running(Cluster(statefulset(2)), 2)
    c.sts["metadata"]["deletionTimestamp"] = "2024-05-01T11:00:00Z"
    c.sts["spec"]["replicas"] = 0
    actions = c.step()
    assert deleted(actions) == [] and created(actions) == []


# --- revisions ------------------------------------------------------------------------------------------


def test_rollback_renumbers_the_old_revision():
    c = _running(Cluster(statefulset(1)), 1)
    first = c.sts["status"]["currentRevision"]
    set_image(c.sts, "nginx:2")
    c.settle()
    set_image(c.sts, "nginx:1")
    actions = c.step()
    renumbered = [a.obj for a in actions if isinstance(a, UpdateObject) and a.obj["kind"] == "ControllerRevision"]
    assert [(r["metadata"]["name"], r["revision"]) for r in renumbered] == [(first, 3)]
    assert created(actions, "ControllerRevision") == []
    assert statuses(actions)[-1]["updateRevision"] == first


def test_history_is_truncated_to_the_limit_keeping_live_revisions():
    c = _running(Cluster(statefulset(1, history_limit=1)), 1)
    revs = [c.sts["status"]["currentRevision"]]
    for image in ("nginx:2", "nginx:3", "nginx:4"):
        set_image(c.sts, image)
        c.settle()
        revs.append(c.sts["status"]["currentRevision"])
    assert sorted(c.revisions) == sorted(revs[-2:])
    assert names(c.log, DeleteObject, "ControllerRevision") == revs[:2]


def test_name_collision_bumps_the_collision_count():
    sts = statefulset(1)
    c = Cluster(sts)
    first = reconcile(sts, [], [], [], T0)
    clash = next(a.obj for a in first if isinstance(a, CreateObject))
    clash["data"] = {"spec": {"template": {"other": True}}}
    clash["metadata"]["ownerReferences"] = [{"uid": "someone-else", "controller": True}]
    c.revisions[clash["metadata"]["name"]] = clash
    actions = c.step()
    new = created(actions, "ControllerRevision")
    assert len(new) == 1 and new[0] != clash["metadata"]["name"]
    assert statuses(actions)[-1]["collisionCount"] == 1
    assert statuses(actions)[-1]["updateRevision"] == new[0]


# --- claiming ---------------------------------------------------------------------------------------------


def test_orphans_are_adopted_and_strangers_released():
    c = _running(Cluster(statefulset(2)), 2)
    c.pods["web-1"]["metadata"]["ownerReferences"] = []
    c.pods["web-0"]["metadata"]["labels"]["app"] = "other"
    actions = c.reconcile()
    patches = {a.name: a.patch for a in actions if isinstance(a, PatchObject)}
    assert patches["web-1"]["metadata"]["ownerReferences"][0]["uid"] == "uid-web"
    assert patches["web-0"]["metadata"]["ownerReferences"] == [{"$patch": "delete", "uid": "uid-web"}]
    assert created(actions) == ["web-0"]  # web-0 is no longer ours: its ordinal counts as missing
    assert isinstance(actions[-1], UpdateStatus)
