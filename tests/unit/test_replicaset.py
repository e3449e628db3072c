"""ReplicaSet sync decisions: slow start, manage replicas, deletion choice, status and requeue (upstream facts)."""

from __future__ import annotations

import datetime as dt

import pytest

from kubeferry.controllers import replicaset
from kubeferry.controllers.actions import CreateObject, DeleteObject, PatchObject, RequeueAfter, UpdateStatus

NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
NOW_TEXT = "2024-05-01T12:00:00Z"
NS = "default"
RS_UID = "rs-uid"
DEPLOY_UID = "deploy-uid"
LABELS = {"name": "foo"}


def ts(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(seconds: float) -> str:
    return ts(NOW - dt.timedelta(seconds=seconds))


def new_rs(
    replicas: int | None = 1,
    *,
    name: str = "foo",
    uid: str = RS_UID,
    labels: dict | None = None,
    template_labels: dict | None = None,
    status: dict | None = None,
    generation: int = 1,
    min_ready: int = 0,
    owner_uid: str | None = None,
    deleting: bool = False,
) -> dict:
    labels = dict(labels or LABELS)
    meta: dict = {"name": name, "namespace": NS, "uid": uid, "generation": generation}
    if owner_uid:
        meta["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d", "uid": owner_uid, "controller": True}
        ]
    if deleting:
        meta["deletionTimestamp"] = NOW_TEXT
    spec: dict = {
        "selector": {"matchLabels": labels},
        "template": {
            "metadata": {"labels": dict(template_labels or labels)},
            "spec": {"containers": [{"name": "c", "image": "foo/bar"}]},
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    if min_ready:
        spec["minReadySeconds"] = min_ready
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta, "spec": spec}
    if status is not None:
        rs["status"] = status
    return rs


def new_pod(
    name: str,
    *,
    owner: dict | None = None,
    labels: dict | None = None,
    phase: str = "Running",
    ready: bool = True,
    ready_since: str | None = None,
    node: str = "node-1",
    deleting: bool = False,
    namespace: str = NS,
    created: str | None = None,
) -> dict:
    meta: dict = {"name": name, "namespace": namespace, "uid": name + "-uid", "labels": dict(labels or LABELS)}
    if owner is not None:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    if deleting:
        meta["deletionTimestamp"] = NOW_TEXT
    if created:
        meta["creationTimestamp"] = created
    condition = {"type": "Ready", "status": "True" if ready else "False"}
    if ready_since:
        condition["lastTransitionTime"] = ready_since
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"nodeName": node} if node else {},
        "status": {"phase": phase, "conditions": [condition]},
    }


def of_type(actions, kind):
    return [a for a in actions if isinstance(a, kind)]


# --- slow start ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "batches"),
    [
        pytest.param(0, [], id="none"),
        pytest.param(1, [1], id="one"),
        pytest.param(2, [1, 1], id="two"),
        pytest.param(3, [1, 2], id="three"),
        pytest.param(7, [1, 2, 4], id="seven"),
        pytest.param(10, [1, 2, 4, 3], id="ten"),
        pytest.param(500, [1, 2, 4, 8, 16, 32, 64, 128, 245], id="burst"),
    ],
)
def test_slow_start_batches(count, batches):
    assert replicaset.slow_start_batches(count) == batches
    assert sum(batches) == count


@pytest.mark.parametrize(
    ("count", "successes", "calls"),
    [
        pytest.param(10, 5, 7, id="10-creates-5-succeed-7-calls"),
        pytest.param(10, 0, 1, id="first-create-fails-1-call"),
        pytest.param(10, 3, 7, id="third-batch-fails-7-calls"),
        pytest.param(10, 10, 10, id="all-succeed"),
    ],
)
def test_slow_start_stops_after_first_failing_batch(count, successes, calls):
    # The executor sends whole batches and stops after one that contains a failure.
    sent = 0
    for size in replicaset.slow_start_batches(count):
        sent += size
        if sent > successes:
            break
    assert sent == calls


# --- manage replicas ----------------------------------------------------------------------------------


def test_creates_missing_pods_from_template():
    rs = new_rs(3)
    actions = replicaset.reconcile(rs, [], NOW)
    creates = of_type(actions, CreateObject)
    assert len(creates) == 3
    assert creates[0].obj == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": "foo-",
            "namespace": NS,
            "labels": LABELS,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "foo",
                    "uid": RS_UID,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {"containers": [{"name": "c", "image": "foo/bar"}]},
    }
    assert creates[0].obj is not creates[1].obj
    assert replicaset.expected_changes(actions) == (3, 0)


def test_missing_replicas_defaults_to_one():
    assert replicaset.expected_changes(replicaset.reconcile(new_rs(None), [], NOW)) == (1, 0)


@pytest.mark.parametrize(
    ("replicas", "existing", "expected"),
    [
        pytest.param(600, 0, (500, 0), id="create-capped-at-burst"),
        pytest.param(0, 600, (0, 500), id="delete-capped-at-burst"),
        pytest.param(5, 2, (3, 0), id="create-difference"),
        pytest.param(2, 5, (0, 3), id="delete-difference"),
        pytest.param(4, 4, (0, 0), id="steady"),
    ],
)
def test_manage_replica_counts(replicas, existing, expected):
    rs = new_rs(replicas)
    pods = [new_pod(f"pod{i}", owner=rs) for i in range(existing)]
    assert replicaset.expected_changes(replicaset.reconcile(rs, pods, NOW)) == expected


def test_deleting_every_pod_keeps_list_order():
    rs = new_rs(0)
    pods = [new_pod("b", owner=rs), new_pod("a", owner=rs, node=""), new_pod("c", owner=rs)]
    deletes = of_type(replicaset.reconcile(rs, pods, NOW), DeleteObject)
    assert deletes == [DeleteObject("v1", "Pod", NS, n) for n in ("b", "a", "c")]


def test_scale_down_deletes_earliest_stage_pods_first():
    rs = new_rs(2)
    pods = [
        new_pod("running-ready", owner=rs, ready_since=ago(3600)),
        new_pod("unscheduled", owner=rs, node="", phase="Pending", ready=False),
        new_pod("not-ready", owner=rs, ready=False),
        new_pod("pending", owner=rs, phase="Pending", ready=False),
    ]
    deletes = of_type(replicaset.reconcile(rs, pods, NOW), DeleteObject)
    assert [d.name for d in deletes] == ["unscheduled", "pending"]


def test_scale_down_prefers_nodes_crowded_with_related_pods():
    # Deployment d owns RS a (pods a1 on n1, a2 and a3 on n2) and RS b (pods b1, b2 on n1).
    rs_a = new_rs(2, name="a", uid="a-uid", labels={"app": "web", "hash": "a"}, owner_uid=DEPLOY_UID)
    rs_b = new_rs(2, name="b", uid="b-uid", labels={"app": "web", "hash": "b"}, owner_uid=DEPLOY_UID)
    pods = [
        new_pod("a1", owner=rs_a, labels={"app": "web", "hash": "a"}, node="n1", ready_since=ago(60)),
        new_pod("a2", owner=rs_a, labels={"app": "web", "hash": "a"}, node="n2", ready_since=ago(60)),
        new_pod("a3", owner=rs_a, labels={"app": "web", "hash": "a"}, node="n2", ready_since=ago(60)),
        new_pod("b1", owner=rs_b, labels={"app": "web", "hash": "b"}, node="n1", ready_since=ago(60)),
        new_pod("b2", owner=rs_b, labels={"app": "web", "hash": "b"}, node="n1", ready_since=ago(60)),
    ]
    # With the sibling: n1 holds 3 related pods, n2 holds 2 → a1 goes.
    with_siblings = replicaset.reconcile(rs_a, pods, NOW, related_replica_sets=[rs_a, rs_b])
    assert [d.name for d in of_type(with_siblings, DeleteObject)] == ["a1"]
    # Only its own pods: n1 holds 1, n2 holds 2 → a2 goes (first of the tied pair).
    alone = replicaset.reconcile(rs_a, pods, NOW)
    assert [d.name for d in of_type(alone, DeleteObject)] == ["a2"]


def test_replicaset_without_controller_ranks_every_pod_zero():
    rs = new_rs(2, labels={"app": "web"})
    pods = [
        new_pod("p1", owner=rs, labels={"app": "web"}, node="n1", created=ago(100)),
        new_pod("p2", owner=rs, labels={"app": "web"}, node="n2", created=ago(100)),
        new_pod("p3", owner=rs, labels={"app": "web"}, node="n2", created=ago(10)),
    ]
    # Node crowding does not count; the newest pod goes.
    assert [d.name for d in of_type(replicaset.reconcile(rs, pods, NOW), DeleteObject)] == ["p3"]


def test_unsatisfied_expectations_skip_management_but_not_status():
    rs = new_rs(3)
    actions = replicaset.reconcile(rs, [new_pod("p1", owner=rs)], NOW, expectations_satisfied=False)
    assert replicaset.expected_changes(actions) == (0, 0)
    assert [type(a) for a in actions] == [UpdateStatus]
    assert actions[0].obj["status"] == {
        "replicas": 1,
        "fullyLabeledReplicas": 1,
        "readyReplicas": 1,
        "availableReplicas": 1,
        "terminatingReplicas": 0,
        "observedGeneration": 1,
    }


def test_replicaset_being_deleted_neither_manages_nor_adopts():
    rs = new_rs(3, deleting=True)
    actions = replicaset.reconcile(rs, [new_pod("orphan"), new_pod("mine", owner=rs)], NOW)
    assert of_type(actions, PatchObject) == []
    assert replicaset.expected_changes(actions) == (0, 0)
    assert of_type(actions, UpdateStatus)[0].obj["status"]["replicas"] == 1


# --- claiming -----------------------------------------------------------------------------------------


def test_adopts_matching_orphan_and_counts_it():
    rs = new_rs(1)
    actions = replicaset.reconcile(rs, [new_pod("orphan")], NOW)
    assert actions[0] == PatchObject(
        "v1",
        "Pod",
        NS,
        "orphan",
        {
            "metadata": {
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "ReplicaSet",
                        "name": "foo",
                        "uid": RS_UID,
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
                "uid": "orphan-uid",
            }
        },
    )
    assert replicaset.expected_changes(actions) == (0, 0)


def test_releases_owned_pod_whose_labels_changed_and_replaces_it():
    rs = new_rs(1)
    actions = replicaset.reconcile(rs, [new_pod("relabelled", owner=rs, labels={"name": "bar"})], NOW)
    assert actions[0] == PatchObject(
        "v1",
        "Pod",
        NS,
        "relabelled",
        {"metadata": {"uid": "relabelled-uid", "ownerReferences": [{"$patch": "delete", "uid": RS_UID}]}},
    )
    assert replicaset.expected_changes(actions) == (1, 0)


def test_ignores_inactive_foreign_and_other_namespace_pods():
    rs = new_rs(2)
    other = new_rs(1, name="other", uid="other-uid")
    pods = [
        new_pod("done", owner=rs, phase="Succeeded", ready=False),
        new_pod("failed-orphan", phase="Failed", ready=False),
        new_pod("terminating", owner=rs, deleting=True),
        new_pod("foreign", owner=other),
        new_pod("elsewhere", namespace="other-ns"),
        new_pod("mine", owner=rs),
    ]
    actions = replicaset.reconcile(rs, pods, NOW)
    assert of_type(actions, PatchObject) == []
    assert replicaset.expected_changes(actions) == (1, 0)
    status = of_type(actions, UpdateStatus)[0].obj["status"]
    assert (status["replicas"], status["terminatingReplicas"]) == (1, 1)


def test_invalid_selector_yields_nothing():
    rs = new_rs(1)
    rs["spec"]["selector"] = {"matchExpressions": [{"key": "a", "operator": "Bogus"}]}
    assert replicaset.reconcile(rs, [], NOW) == []


# --- status (TestCalculateStatus) ---------------------------------------------------------------------

FULL_LABELS = {"name": "foo", "type": "production"}


def _fully_labelled_rs() -> dict:
    return new_rs(2, labels=LABELS, template_labels=FULL_LABELS)


def _not_fully_labelled_rs() -> dict:
    return new_rs(1, labels=LABELS)


STATUS_CASES = [
    pytest.param(_fully_labelled_rs(), [FULL_LABELS], 0, (1, 1, 1, 1, 0), id="1-fully-labelled-pod"),
    pytest.param(_not_fully_labelled_rs(), [LABELS], 0, (1, 1, 1, 1, 0), id="1-pod-labelled-as-template"),
    pytest.param(_fully_labelled_rs(), [LABELS], 0, (1, 0, 1, 1, 0), id="1-not-fully-labelled-pod"),
    pytest.param(_fully_labelled_rs(), [FULL_LABELS] * 2, 0, (2, 2, 2, 2, 0), id="2-fully-labelled-pods"),
    pytest.param(_fully_labelled_rs(), [LABELS] * 2, 0, (2, 0, 2, 2, 0), id="2-not-fully-labelled-pods"),
    pytest.param(_fully_labelled_rs(), [LABELS, FULL_LABELS], 0, (2, 1, 2, 2, 0), id="1-fully-1-not"),
    pytest.param(_fully_labelled_rs(), [FULL_LABELS], 2, (1, 1, 1, 1, 2), id="1-pod-and-2-terminating"),
]


@pytest.mark.parametrize(("rs", "pod_labels", "terminating", "expected"), STATUS_CASES)
def test_calculate_status_counts(rs, pod_labels, terminating, expected):
    active = [new_pod(f"p{i}", owner=rs, labels=labels) for i, labels in enumerate(pod_labels)]
    dying = [new_pod(f"t{i}", owner=rs, deleting=True) for i in range(terminating)]
    status = replicaset.calculate_status(rs, active, dying, NOW)
    got = tuple(
        status.get(k, 0)
        for k in ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "terminatingReplicas")
    )
    assert got == expected


@pytest.mark.parametrize(
    ("pod_kwargs", "min_ready", "ready", "available"),
    [
        pytest.param({"phase": "Pending", "ready": False}, 0, 0, 0, id="non-ready-pod"),
        pytest.param({"ready_since": NOW_TEXT}, 3600, 1, 0, id="ready-but-not-available"),
        pytest.param({"ready_since": ago(3600)}, 3600, 1, 1, id="ready-exactly-min-ready-seconds"),
        pytest.param({"ready_since": ago(3599)}, 3600, 1, 0, id="ready-one-second-short"),
    ],
)
def test_calculate_status_ready_and_available(pod_kwargs, min_ready, ready, available):
    rs = new_rs(1, min_ready=min_ready)
    status = replicaset.calculate_status(rs, [new_pod("p", owner=rs, **pod_kwargs)], [], NOW)
    assert (status.get("readyReplicas", 0), status.get("availableReplicas", 0)) == (ready, available)


FAILURE = {"type": "ReplicaFailure", "status": "True"}


@pytest.mark.parametrize(
    ("replicas", "existing", "conditions", "error", "expected"),
    [
        pytest.param(
            2,
            1,
            None,
            "fake manageReplicasErr",
            [
                {
                    "type": "ReplicaFailure",
                    "status": "True",
                    "lastTransitionTime": NOW_TEXT,
                    "reason": "FailedCreate",
                    "message": "fake manageReplicasErr",
                }
            ],
            id="error-adds-failed-create-when-short",
        ),
        pytest.param(
            2,
            3,
            None,
            "fake manageReplicasErr",
            [
                {
                    "type": "ReplicaFailure",
                    "status": "True",
                    "lastTransitionTime": NOW_TEXT,
                    "reason": "FailedDelete",
                    "message": "fake manageReplicasErr",
                }
            ],
            id="error-adds-failed-delete-when-over",
        ),
        pytest.param(10, 1, [FAILURE], None, None, id="success-removes-failure"),
        pytest.param(10, 1, [FAILURE], "fake manageReplicasErr", [FAILURE], id="error-keeps-existing-failure"),
        pytest.param(2, 1, None, None, None, id="success-without-failure"),
    ],
)
def test_calculate_status_conditions(replicas, existing, conditions, error, expected):
    rs = new_rs(replicas, status={"conditions": conditions} if conditions else None)
    active = [new_pod(f"p{i}", owner=rs) for i in range(existing)]
    status = replicaset.calculate_status(rs, active, [], NOW, manage_error=error)
    assert status.get("conditions") == expected


def test_other_conditions_survive_removal_of_replica_failure():
    other = {"type": "Custom", "status": "True"}
    rs = new_rs(1, status={"conditions": [FAILURE, other]})
    assert replicaset.calculate_status(rs, [new_pod("p", owner=rs)], [], NOW)["conditions"] == [other]


def test_manage_error_status_writes_replica_failure():
    rs = new_rs(3)
    actions = replicaset.manage_error_status(rs, [new_pod("p", owner=rs)], NOW, 'pods "foo-x" is forbidden: quota')
    assert len(actions) == 1
    status = actions[0].obj["status"]
    assert status["conditions"] == [
        {
            "type": "ReplicaFailure",
            "status": "True",
            "lastTransitionTime": NOW_TEXT,
            "reason": "FailedCreate",
            "message": 'pods "foo-x" is forbidden: quota',
        }
    ]
    assert status["observedGeneration"] == 1


# --- when status is written ---------------------------------------------------------------------------

STEADY = {
    "replicas": 1,
    "fullyLabeledReplicas": 1,
    "readyReplicas": 1,
    "availableReplicas": 1,
    "terminatingReplicas": 0,
    "observedGeneration": 1,
}


def test_steady_state_writes_no_status():
    rs = new_rs(1, status=dict(STEADY))
    assert replicaset.reconcile(rs, [new_pod("p", owner=rs)], NOW) == []


def test_generation_change_alone_writes_status():
    rs = new_rs(1, status=dict(STEADY), generation=2)
    actions = replicaset.reconcile(rs, [new_pod("p", owner=rs)], NOW)
    assert [type(a) for a in actions] == [UpdateStatus]
    assert actions[0].obj["status"]["observedGeneration"] == 2


def test_missing_terminating_replicas_is_a_change():
    status = dict(STEADY)
    del status["terminatingReplicas"]
    rs = new_rs(1, status=status)
    actions = replicaset.reconcile(rs, [new_pod("p", owner=rs)], NOW)
    assert actions[0].obj["status"]["terminatingReplicas"] == 0


def test_stale_replica_failure_is_removed():
    rs = new_rs(1, status={**STEADY, "conditions": [FAILURE]})
    actions = replicaset.reconcile(rs, [new_pod("p", owner=rs)], NOW)
    assert [type(a) for a in actions] == [UpdateStatus]
    assert "conditions" not in actions[0].obj["status"]


def test_actions_come_in_sync_order():
    rs = new_rs(3)
    actions = replicaset.reconcile(rs, [new_pod("orphan")], NOW)
    assert [type(a) for a in actions] == [PatchObject, CreateObject, CreateObject, UpdateStatus]


# --- requeue ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ready_since", "min_ready", "requeue"),
    [
        pytest.param([ago(10)], 30, [RequeueAfter(20.0)], id="ready-10s-of-30-requeue-in-20"),
        pytest.param([ago(10), ago(25)], 30, [RequeueAfter(5.0)], id="soonest-pod-wins"),
        pytest.param([ago(40)], 30, [], id="all-available-no-requeue"),
        pytest.param([None], 30, [RequeueAfter(30.0)], id="no-transition-time-falls-back-to-min-ready"),
        pytest.param([ago(10)], 0, [], id="no-min-ready-seconds"),
    ],
)
def test_requeue_for_pods_turning_available(ready_since, min_ready, requeue):
    rs = new_rs(len(ready_since), min_ready=min_ready)
    pods = [new_pod(f"p{i}", owner=rs, ready_since=since) for i, since in enumerate(ready_since)]
    assert of_type(replicaset.reconcile(rs, pods, NOW), RequeueAfter) == requeue


def test_requeue_even_when_not_all_pods_are_ready():
    rs = new_rs(2, min_ready=30)
    pods = [new_pod("ready", owner=rs, ready_since=ago(10)), new_pod("starting", owner=rs, ready=False)]
    assert of_type(replicaset.reconcile(rs, pods, NOW), RequeueAfter) == [RequeueAfter(20.0)]
