"""One DaemonSet sync: pods per eligible node, pod shape, failed/duplicate/misscheduled pods, history, status."""

from __future__ import annotations

import datetime as dt

import pytest
from test_daemonset_fakes import DS_UID, NOW, FakeCluster, new_ds, new_node, new_pod, owner_ref

from kubeferry.controllers import daemonset, history
from kubeferry.controllers.actions import (
    CreateObject,
    DeleteObject,
    PatchObject,
    RecordEvent,
    RequeueAfter,
    UpdateObject,
    UpdateStatus,
)
from kubeferry.machinery.names import compute_template_hash


def run(ds, nodes, pods=(), revisions=(), **kwargs):
    return daemonset.reconcile(ds, list(nodes), list(pods), list(revisions), NOW, **kwargs)


def of(actions, kind):
    return [a for a in actions if isinstance(a, kind)]


def pod_creates(actions):
    return [a.obj for a in of(actions, CreateObject) if a.obj["kind"] == "Pod"]


def target_nodes(actions):
    return [
        p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0][
            "matchFields"
        ][0]["values"][0]
        for p in pod_creates(actions)
    ]


def deleted(actions):
    return [a.name for a in of(actions, DeleteObject) if a.kind == "Pod"]


def hash_of(ds):
    return compute_template_hash(ds["spec"]["template"], ds["status"].get("collisionCount"))


def current_revision(ds, number=1):
    return daemonset.update.new_revision(ds, number)


THREE_NODES = [new_node("n1"), new_node("n2"), new_node("n3")]


def test_first_sync_creates_revision_then_one_pod_per_node_then_status():
    ds = new_ds(annotations={"kubernetes.io/change-cause": "first"})
    actions = run(ds, THREE_NODES)
    h = hash_of(ds)
    revision = actions[0].obj
    assert isinstance(actions[0], CreateObject)
    assert revision["metadata"] == {
        "name": f"agent-{h}",
        "namespace": "default",
        "labels": {"app": "agent", "controller-revision-hash": h},
        "ownerReferences": [owner_ref(ds)],
        "annotations": {"deprecated.daemonset.template.generation": "1", "kubernetes.io/change-cause": "first"},
    }
    assert revision["revision"] == 1
    assert history.serialize_revision_data(revision["data"]).startswith(b'{"spec":{"template":{"$patch":"replace",')
    assert target_nodes(actions) == ["n1", "n2", "n3"]
    status = of(actions, UpdateStatus)[0].obj["status"]
    assert status == {
        "observedGeneration": 1,
        "desiredNumberScheduled": 3,
        "currentNumberScheduled": 0,
        "numberMisscheduled": 0,
        "numberReady": 0,
        "updatedNumberScheduled": 0,
        "numberAvailable": 0,
        "numberUnavailable": 3,
    }
    assert [type(a).__name__ for a in actions] == ["CreateObject"] * 4 + ["UpdateStatus"]


def test_daemon_pod_shape():
    ds = new_ds(tolerations=[{"key": "dedicated", "operator": "Exists"}])
    pod = pod_creates(run(ds, [new_node("n1")]))[0]
    h = hash_of(ds)
    assert pod["metadata"] == {
        "generateName": "agent-",
        "namespace": "default",
        "labels": {"app": "agent", "pod-template-generation": "1", "controller-revision-hash": h},
        "ownerReferences": [owner_ref(ds)],
    }
    assert "nodeName" not in pod["spec"]
    assert pod["spec"]["affinity"] == {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]
            }
        }
    }
    assert [t["key"] for t in pod["spec"]["tolerations"]] == [
        "dedicated",
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
        "node.kubernetes.io/disk-pressure",
        "node.kubernetes.io/memory-pressure",
        "node.kubernetes.io/pid-pressure",
        "node.kubernetes.io/unschedulable",
    ]


def test_no_generation_annotation_no_generation_label():
    ds = new_ds()
    del ds["metadata"]["annotations"]
    pod = pod_creates(run(ds, [new_node("n1")]))[0]
    assert pod["metadata"]["labels"] == {"app": "agent", "controller-revision-hash": hash_of(ds)}


@pytest.mark.parametrize(
    ("ds_kwargs", "nodes", "expected"),
    [
        pytest.param(
            {"node_selector": {"role": "edge"}},
            [new_node("n1", labels={"role": "edge"}), new_node("n2"), new_node("n3", labels={"role": "edge"})],
            ["n1", "n3"],
            id="node-selector",
        ),
        pytest.param(
            {},
            [
                new_node(
                    "n1",
                    unschedulable=True,
                    taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}],
                ),
                new_node("n2"),
            ],
            ["n1", "n2"],
            id="unschedulable-node-gets-a-pod",
        ),
        pytest.param(
            {},
            [new_node("n1", taints=[{"key": "gpu", "effect": "NoSchedule"}]), new_node("n2")],
            ["n2"],
            id="untolerated-taint-skipped",
        ),
        pytest.param({}, [], [], id="no-nodes"),
    ],
)
def test_pods_go_to_eligible_nodes(ds_kwargs, nodes, expected):
    assert target_nodes(run(new_ds(**ds_kwargs), nodes)) == expected


def test_nothing_to_do_when_every_node_runs_a_current_pod():
    ds = new_ds(status={"observedGeneration": 1})
    h = hash_of(ds)
    pods = [new_pod(f"p{i}", f"n{i}", ds=ds, hash_=h) for i in (1, 2, 3)]
    ds["status"].update(
        desiredNumberScheduled=3, currentNumberScheduled=3, numberReady=3, updatedNumberScheduled=3, numberAvailable=3
    )
    assert run(ds, THREE_NODES, pods, [current_revision(ds)]) == []


def test_selecting_everything_only_warns():
    ds = new_ds()
    ds["spec"]["selector"] = {}
    actions = run(ds, THREE_NODES)
    assert len(actions) == 1
    assert (actions[0].type, actions[0].reason, actions[0].message) == (
        "Warning",
        "SelectingAll",
        "This daemon set is selecting all pods. A non-empty selector is required.",
    )


def test_daemonset_being_deleted_does_nothing():
    ds = new_ds()
    ds["metadata"]["deletionTimestamp"] = "2024-05-01T11:00:00Z"
    assert run(ds, THREE_NODES) == []


def test_expectations_unsatisfied_writes_status_only_without_observed_generation():
    ds = new_ds(generation=2, status={"observedGeneration": 1})
    actions = run(ds, THREE_NODES, revisions=[current_revision(ds)], expectations_satisfied=False)
    assert [type(a) for a in actions] == [UpdateStatus]
    assert actions[0].obj["status"]["observedGeneration"] == 1
    assert actions[0].obj["status"]["desiredNumberScheduled"] == 3


def test_failed_pod_deleted_with_event_then_backoff():
    ds = new_ds()
    h = hash_of(ds)
    pods = [new_pod("p1", "n1", ds=ds, hash_=h, phase="Failed", ready=False)]
    backoff = daemonset.FailedPodBackoff()
    actions = run(ds, [new_node("n1")], pods, [current_revision(ds)], failed_pod_backoff=backoff)
    assert deleted(actions) == ["p1"]
    event = of(actions, RecordEvent)[0]
    assert (event.type, event.reason, event.message) == (
        "Warning",
        "FailedDaemonPod",
        "Found failed daemon pod default/p1 on node n1, will try to kill it",
    )
    # Another failed pod on the same node within the backoff: kept, and the pass comes back after 1 s.
    again = run(
        ds,
        [new_node("n1")],
        [new_pod("p2", "n1", ds=ds, hash_=h, phase="Failed", ready=False)],
        [current_revision(ds)],
        failed_pod_backoff=backoff,
    )
    assert deleted(again) == []
    assert RequeueAfter(1.0) in again


def test_succeeded_pod_deleted_with_normal_event():
    ds = new_ds()
    h = hash_of(ds)
    actions = run(
        ds,
        [new_node("n1")],
        [new_pod("p1", "n1", ds=ds, hash_=h, phase="Succeeded", ready=False)],
        [current_revision(ds)],
    )
    assert deleted(actions) == ["p1"]
    event = of(actions, RecordEvent)[0]
    assert (event.type, event.reason, event.message) == (
        "Normal",
        "SucceededDaemonPod",
        "Found succeeded daemon pod default/p1 on node n1, will try to delete it",
    )


def test_duplicate_pods_keep_the_oldest():
    ds = new_ds()
    h = hash_of(ds)
    pods = [
        new_pod("young", "n1", ds=ds, hash_=h, created=NOW - dt.timedelta(minutes=1)),
        new_pod("old", "n1", ds=ds, hash_=h, created=NOW - dt.timedelta(hours=3)),
        new_pod("middle", "n1", ds=ds, hash_=h, created=NOW - dt.timedelta(hours=2)),
    ]
    assert deleted(run(ds, [new_node("n1")], pods, [current_revision(ds)])) == ["middle", "young"]


def test_misscheduled_pod_is_deleted_and_counted():
    ds = new_ds(node_selector={"role": "edge"})
    h = hash_of(ds)
    pods = [new_pod("p1", "n1", ds=ds, hash_=h), new_pod("p2", "n2", ds=ds, hash_=h)]
    nodes = [new_node("n1", labels={"role": "edge"}), new_node("n2", taints=[{"key": "x", "effect": "NoExecute"}])]
    actions = run(ds, nodes, pods, [current_revision(ds)])
    assert deleted(actions) == ["p2"]
    status = of(actions, UpdateStatus)[0].obj["status"]
    assert (status["desiredNumberScheduled"], status["numberMisscheduled"], status["numberAvailable"]) == (1, 1, 1)


def test_pod_stays_on_node_that_only_gained_a_noschedule_taint():
    ds = new_ds()
    h = hash_of(ds)
    nodes = [new_node("n1", taints=[{"key": "x", "effect": "NoSchedule"}])]
    actions = run(ds, nodes, [new_pod("p1", "n1", ds=ds, hash_=h)], [current_revision(ds)])
    assert deleted(actions) == []
    assert of(actions, UpdateStatus)[0].obj["status"]["numberMisscheduled"] == 1


def test_unscheduled_pod_for_vanished_node_is_deleted():
    ds = new_ds()
    h = hash_of(ds)
    pods = [new_pod("p1", "n1", ds=ds, hash_=h), new_pod("ghost", "gone", ds=ds, hash_=h, bound=False, ready=False)]
    assert deleted(run(ds, [new_node("n1")], pods, [current_revision(ds)])) == ["ghost"]


def test_orphan_pod_is_adopted_and_counted():
    ds = new_ds()
    h = hash_of(ds)
    actions = run(ds, [new_node("n1")], [new_pod("p1", "n1", hash_=h)], [current_revision(ds)])
    patch = of(actions, PatchObject)[0]
    assert (patch.kind, patch.name) == ("Pod", "p1")
    assert patch.patch["metadata"]["ownerReferences"][0]["uid"] == DS_UID
    assert pod_creates(actions) == []
    assert of(actions, UpdateStatus)[0].obj["status"]["currentNumberScheduled"] == 1


def test_status_counts_oldest_pod_per_node_and_requeues_for_min_ready():
    ds = new_ds(min_ready=30)
    h = hash_of(ds)
    pods = [
        new_pod("a", "n1", ds=ds, hash_=h, ready_since=NOW - dt.timedelta(seconds=10)),  # ready, not yet available
        new_pod("b", "n2", ds=ds, hash_="old"),  # ready long ago, old
        new_pod("c", "n3", ds=ds, hash_=h, ready=False, phase="Pending"),
    ]
    ds["metadata"]["annotations"].pop("deprecated.daemonset.template.generation")
    actions = run(ds, THREE_NODES, pods, [current_revision(ds)], expectations_satisfied=False)
    status = of(actions, UpdateStatus)[0].obj["status"]
    assert {k: status[k] for k in status if k != "observedGeneration"} == {
        "desiredNumberScheduled": 3,
        "currentNumberScheduled": 3,
        "numberMisscheduled": 0,
        "numberReady": 2,
        "updatedNumberScheduled": 2,
        "numberAvailable": 1,
        "numberUnavailable": 2,
    }
    assert actions[-1] == RequeueAfter(30.0)


# --- history ----------------------------------------------------------------------------------------------


def old_revision(ds, image, number):
    other = new_ds(image=image)
    revision = daemonset.update.new_revision(other, number)
    revision["metadata"]["ownerReferences"] = [owner_ref(ds)]
    return revision


def test_rollback_renumbers_the_matching_revision():
    ds = new_ds(image="agent:1")
    revisions = [current_revision(ds, 1), old_revision(ds, "agent:2", 2), old_revision(ds, "agent:3", 3)]
    actions = run(ds, [], [], revisions)
    updates = of(actions, UpdateObject)
    assert len(updates) == 1
    assert (updates[0].obj["metadata"]["name"], updates[0].obj["revision"]) == (f"agent-{hash_of(ds)}", 4)
    assert of(actions, CreateObject) == []


def test_missing_hash_label_is_set_to_the_revision_name():
    ds = new_ds()
    legacy = old_revision(ds, "agent:0", 1)
    legacy["metadata"]["name"] = "agent-legacy"
    del legacy["metadata"]["labels"]["controller-revision-hash"]
    actions = run(ds, [], [], [legacy])
    update = of(actions, UpdateObject)[0]
    assert update.obj["metadata"]["labels"]["controller-revision-hash"] == "agent-legacy"
    created = of(actions, CreateObject)[0].obj
    assert created["revision"] == 2


def test_duplicate_current_revisions_keep_highest_and_relabel_pods():
    ds = new_ds()
    keep = current_revision(ds, 5)
    dup = current_revision(ds, 2)
    dup["metadata"]["name"] = "agent-dup"
    dup["metadata"]["labels"]["controller-revision-hash"] = "dup"
    pods = [new_pod("p1", "n1", ds=ds, hash_="dup")]
    actions = run(ds, [new_node("n1")], pods, [dup, keep])
    relabel = [a for a in of(actions, PatchObject) if a.kind == "Pod"]
    assert relabel[0].patch == {"metadata": {"labels": {"controller-revision-hash": hash_of(ds)}}}
    assert [(a.kind, a.name) for a in of(actions, DeleteObject)] == [("ControllerRevision", "agent-dup")]
    assert of(actions, UpdateStatus)[0].obj["status"]["updatedNumberScheduled"] == 1


def test_hash_collision_bumps_collision_count_and_stops():
    ds = new_ds()
    squatter = old_revision(ds, "agent:9", 1)
    squatter["metadata"]["name"] = f"agent-{hash_of(ds)}"
    squatter["metadata"]["ownerReferences"] = [dict(owner_ref(ds), uid="someone-else")]
    actions = run(ds, THREE_NODES, [], [squatter])
    assert [type(a) for a in actions] == [UpdateStatus]
    assert actions[0].obj["status"]["collisionCount"] == 1
    # Next pass hashes with the collision count and gets a fresh name.
    ds["status"]["collisionCount"] = 1
    again = run(ds, THREE_NODES, [], [squatter])
    assert again[0].obj["metadata"]["name"] == f"agent-{compute_template_hash(ds['spec']['template'], 1)}"
    assert len(pod_creates(again)) == 3


@pytest.mark.parametrize(
    ("limit", "live_images", "expected_deleted"),
    [
        pytest.param(1, set(), ["r1", "r2"], id="oldest-first"),
        pytest.param(1, {"agent:a"}, ["r2", "r3"], id="skip-revision-used-by-a-pod"),
        pytest.param(3, set(), [], id="within-limit"),
        pytest.param(0, {"agent:a", "agent:b", "agent:c"}, [], id="all-live"),
    ],
)
def test_history_cleanup(limit, live_images, expected_deleted):
    ds = new_ds(history_limit=limit, strategy={"type": "OnDelete"})
    olds = []
    for number, image in ((1, "agent:a"), (2, "agent:b"), (3, "agent:c")):
        revision = old_revision(ds, image, number)
        revision["metadata"]["name"] = f"r{number}"
        olds.append(revision)
    pods = [
        new_pod(
            f"p-{r['metadata']['name']}",
            "n1",
            ds=ds,
            hash_=r["metadata"]["labels"]["controller-revision-hash"],
            phase="Succeeded",
            deleting=True,
        )
        for r, image in zip(olds, ("agent:a", "agent:b", "agent:c"), strict=True)
        if image in live_images
    ]
    actions = run(ds, [], pods, [*olds, current_revision(ds, 4)])
    assert [a.name for a in of(actions, DeleteObject) if a.kind == "ControllerRevision"] == expected_deleted


def test_fake_cluster_converges_and_goes_quiet():
    cluster = FakeCluster(new_ds(), THREE_NODES)
    cluster.sync()
    cluster.kubelet()
    cluster.sync()
    status = cluster.ds["status"]
    assert (status["numberReady"], status["numberAvailable"], status["updatedNumberScheduled"]) == (3, 3, 3)
    assert cluster.sync() == []
