"""PodDisruptionBudget status and eviction decisions (upstream disruption controller and eviction.go facts)."""

from __future__ import annotations

import datetime as dt

import pytest

from kubeferry.controllers import disruption
from kubeferry.controllers.actions import RecordEvent, RequeueAfter, UpdateStatus

NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
NOW_TEXT = "2024-05-01T12:00:00Z"
EARLIER = "2024-05-01T11:00:00Z"
LABELS = {"app": "web"}


def pdb(*, min_available=None, max_unavailable=None, status=None, generation=1, selector=None, policy=None) -> dict:
    spec: dict = {"selector": {"matchLabels": LABELS} if selector is None else selector}
    if min_available is not None:
        spec["minAvailable"] = min_available
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    if policy:
        spec["unhealthyPodEvictionPolicy"] = policy
    obj = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web-pdb", "namespace": "default", "uid": "pdb-uid", "generation": generation},
        "spec": spec,
    }
    if status is not None:
        obj["status"] = status
    return obj


def pod(name: str, *, ready: bool = True, owner: str | None = "rs-1", labels=None, deleting=False, phase="Running"):
    meta: dict = {
        "name": name,
        "namespace": "default",
        "uid": "uid-" + name,
        "labels": dict(LABELS if labels is None else labels),
    }
    if owner:
        meta["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": owner, "controller": True}
        ]
    if deleting:
        meta["deletionTimestamp"] = NOW_TEXT
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    return {"metadata": meta, "status": {"phase": phase, "conditions": conditions}}


def controller(uid: str, replicas: int, kind: str = "ReplicaSet", owner: dict | None = None) -> dict:
    meta: dict = {"name": uid, "namespace": "default", "uid": uid}
    if owner:
        meta["ownerReferences"] = [owner]
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": {"replicas": replicas}}


def status_of(actions: list) -> dict:
    updates = [a for a in actions if isinstance(a, UpdateStatus)]
    assert len(updates) == 1
    return updates[0].obj["status"]


def numbers(status: dict) -> tuple[int, int, int, int]:
    return (status["currentHealthy"], status["desiredHealthy"], status["expectedPods"], status["disruptionsAllowed"])


RS3 = {"rs-1": controller("rs-1", 3)}

# (spec, pods, controllers) → (currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed)
STATUS_CASES = [
    pytest.param({"min_available": 3}, [pod("a"), pod("b")], RS3, (2, 3, 2, 0), id="TestNoSelector-int-min-not-met"),
    pytest.param({"min_available": 3}, [pod(n) for n in "abcd"], RS3, (4, 3, 4, 1), id="int-min-available-one-spare"),
    pytest.param(
        {"min_available": 1}, [pod("a"), pod("b", ready=False)], RS3, (1, 1, 2, 0), id="unready-pod-not-healthy"
    ),
    pytest.param({"min_available": 2}, [pod(n, owner=None) for n in "abc"], {}, (3, 2, 3, 1), id="int-unmanaged-ok"),
    pytest.param(
        {"min_available": "50%"}, [pod(n) for n in "abc"], RS3, (3, 2, 3, 1), id="percent-min-rounds-up-1.5-to-2"
    ),
    pytest.param(
        {"min_available": "28%"},
        [pod(n) for n in "abcd"],
        {"rs-1": controller("rs-1", 7)},
        (4, 2, 7, 2),
        id="TestReplicaSet-28-percent-of-7-is-2",
    ),
    pytest.param({"max_unavailable": 1}, [pod(n) for n in "abc"], RS3, (3, 2, 3, 1), id="int-max-unavailable"),
    pytest.param(
        {"max_unavailable": "30%"},
        [pod(n) for n in "abcdefg"],
        {"rs-1": controller("rs-1", 10)},
        (7, 7, 10, 0),
        id="percent-max-unavailable-30-of-10",
    ),
    pytest.param({"max_unavailable": 5}, [pod("a")], RS3, (1, 0, 3, 1), id="desired-healthy-never-negative"),
    pytest.param({"max_unavailable": 0}, [pod(n) for n in "abc"], RS3, (3, 3, 3, 0), id="max-unavailable-zero"),
    pytest.param(
        {"min_available": "100%"},
        [pod("a"), pod("b", owner="rs-2")],
        {
            "rs-1": controller("rs-1", 2, owner={"kind": "Deployment", "uid": "dep", "name": "d", "controller": True}),
            "rs-2": controller("rs-2", 0, owner={"kind": "Deployment", "uid": "dep", "name": "d", "controller": True}),
            "dep": controller("dep", 4, kind="Deployment"),
        },
        (2, 4, 4, 0),
        id="TestReplicationController-deployment-scale-counted-once",
    ),
    pytest.param(
        {"min_available": "50%"},
        [pod("a"), pod("b", owner="ss-1")],
        {"rs-1": controller("rs-1", 2), "ss-1": controller("ss-1", 4, kind="StatefulSet")},
        (2, 3, 6, 0),
        id="two-controllers-scales-add-up",
    ),
    pytest.param({"min_available": 1}, [], {}, (0, 1, 0, 0), id="no-pods"),
    pytest.param({}, [pod("a")], RS3, (1, 0, 0, 0), id="neither-field-expected-zero"),
    pytest.param(
        {"min_available": 1}, [pod("a"), pod("b", deleting=True)], RS3, (1, 1, 2, 0), id="deleting-pod-not-healthy"
    ),
]


@pytest.mark.parametrize(("spec", "pods", "controllers", "expected"), STATUS_CASES)
def test_status_numbers(spec: dict, pods: list, controllers: dict, expected: tuple) -> None:
    status = status_of(disruption.reconcile(pdb(**spec), pods, controllers, NOW))
    assert numbers(status) == expected
    assert status["observedGeneration"] == 1
    allowed = expected[3] > 0
    assert status["conditions"] == [
        {
            "type": "DisruptionAllowed",
            "status": "True" if allowed else "False",
            "observedGeneration": 1,
            "reason": "SufficientPods" if allowed else "InsufficientPods",
            "message": "",
            "lastTransitionTime": NOW_TEXT,
        }
    ]


def test_pods_outside_selector_and_namespace_are_ignored() -> None:
    other_ns = pod("x")
    other_ns["metadata"]["namespace"] = "other"
    pods = [pod("a"), pod("b", labels={"app": "db"}), other_ns]
    assert numbers(status_of(disruption.reconcile(pdb(min_available=1), pods, RS3, NOW))) == (1, 1, 1, 0)


def test_no_pods_event() -> None:
    actions = disruption.reconcile(pdb(min_available=1), [], {}, NOW)
    assert actions[0] == RecordEvent(pdb(min_available=1), "Normal", "NoPods", "No matching pods found")


def test_up_to_date_status_is_not_written() -> None:
    status = {
        "observedGeneration": 1,
        "disruptionsAllowed": 1,
        "currentHealthy": 3,
        "desiredHealthy": 2,
        "expectedPods": 3,
        "conditions": [
            {
                "type": "DisruptionAllowed",
                "status": "True",
                "observedGeneration": 1,
                "reason": "SufficientPods",
                "message": "",
                "lastTransitionTime": EARLIER,
            }
        ],
    }
    assert disruption.reconcile(pdb(min_available=2, status=status), [pod(n) for n in "abc"], RS3, NOW) == []


def test_condition_keeps_transition_time_when_status_does_not_flip() -> None:
    status = {
        "observedGeneration": 1,
        "disruptionsAllowed": 2,
        "conditions": [
            {
                "type": "DisruptionAllowed",
                "status": "True",
                "observedGeneration": 1,
                "reason": "SufficientPods",
                "message": "",
                "lastTransitionTime": EARLIER,
            }
        ],
    }
    new = status_of(disruption.reconcile(pdb(min_available=2, status=status), [pod(n) for n in "abc"], RS3, NOW))
    assert new["conditions"][0]["lastTransitionTime"] == EARLIER


def test_unmanaged_pods_warning_for_percentages() -> None:
    actions = disruption.reconcile(pdb(max_unavailable="50%"), [pod("a"), pod("b", owner=None)], RS3, NOW)
    assert actions[0] == RecordEvent(
        pdb(max_unavailable="50%"),
        "Warning",
        "UnmanagedPods",
        "Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: web,},"
        "MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged. As a result, the status of the "
        "PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods "
        'please set ".spec.minAvailable" field of the PDB to an integer value.',
    )
    assert numbers(status_of(actions)) == (2, 1, 3, 1)


def test_missing_controller_fails_safe() -> None:
    subject = pdb(min_available="50%", status={"observedGeneration": 1, "disruptionsAllowed": 3})
    actions = disruption.reconcile(subject, [pod("a")], {}, NOW)
    assert actions[0] == RecordEvent(
        subject,
        "Warning",
        "CalculateExpectedPodCountFailed",
        'Failed to calculate the number of expected pods: found no controllers for pod "a"',
    )
    status = status_of(actions)
    assert status["disruptionsAllowed"] == 0
    assert status["conditions"] == [
        {
            "type": "DisruptionAllowed",
            "status": "False",
            "observedGeneration": 1,
            "reason": "SyncFailed",
            "message": 'found no controllers for pod "a"',
            "lastTransitionTime": NOW_TEXT,
        }
    ]


def test_disrupted_pods_not_counted_until_timeout_and_requeued() -> None:
    status = {"disruptedPods": {"a": "2024-05-01T11:59:30Z", "b": "2024-05-01T11:57:00Z", "gone": NOW_TEXT}}
    actions = disruption.reconcile(pdb(min_available=1, status=status), [pod("a"), pod("b")], RS3, NOW)
    assert actions[0] == RecordEvent(
        pod("b"), "Warning", "NotDeleted", "Pod was expected by PDB default/default to be deleted but it wasn't"
    )
    new = status_of(actions)
    assert new["disruptedPods"] == {"a": "2024-05-01T11:59:30Z"}
    assert numbers(new) == (1, 1, 2, 0)
    assert actions[-1] == RequeueAfter(90.0)


# --- eviction ---------------------------------------------------------------------------------------

HEALTHY = {
    "observedGeneration": 1,
    "disruptionsAllowed": 1,
    "currentHealthy": 3,
    "desiredHealthy": 2,
    "expectedPods": 3,
}


def budget(name: str = "web-pdb", **status_overrides) -> dict:
    obj = pdb(min_available=2, status={**HEALTHY, **status_overrides})
    obj["metadata"]["name"] = name
    return obj


EVICTION_CASES = [
    pytest.param(pod("a"), [], (True, 201, "", ""), id="no-budget-allowed"),
    pytest.param(pod("a"), [budget()], (True, 201, "", ""), id="budget-with-room-allowed"),
    pytest.param(
        pod("a"),
        [budget(disruptionsAllowed=0)],
        (
            False,
            429,
            disruption.MESSAGE_EVICTION_VIOLATION,
            "The disruption budget web-pdb needs 2 healthy pods and has 3 currently",
        ),
        id="no-disruptions-allowed-429",
    ),
    pytest.param(
        pod("a"),
        [budget(observedGeneration=0)],
        (
            False,
            429,
            disruption.MESSAGE_EVICTION_VIOLATION,
            "The disruption budget web-pdb is still being processed by the server.",
        ),
        id="budget-not-yet-observed-429",
    ),
    pytest.param(
        pod("a"),
        [budget(disruptionsAllowed=-1)],
        (False, 403, "pdb disruptions allowed is negative", ""),
        id="negative-allowed-403",
    ),
    pytest.param(
        pod("a"),
        [budget(disruptedPods={f"p{i}": NOW_TEXT for i in range(2001)})],
        (False, 403, "DisruptedPods map too big - too many evictions not confirmed by PDB controller", ""),
        id="disrupted-map-too-big-403",
    ),
    pytest.param(
        pod("a"),
        [budget(), budget("second")],
        (
            False,
            500,
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
            "",
        ),
        id="two-budgets-500",
    ),
    pytest.param(pod("a", phase="Succeeded"), [budget(disruptionsAllowed=0)], (True, 201, "", ""), id="terminal-pod"),
    pytest.param(pod("a", phase="Pending"), [budget(disruptionsAllowed=0)], (True, 201, "", ""), id="pending-pod"),
    pytest.param(pod("a", deleting=True), [budget(disruptionsAllowed=0)], (True, 201, "", ""), id="deleting-pod"),
    pytest.param(
        pod("a", ready=False),
        [budget(disruptionsAllowed=0)],
        (True, 201, "", ""),
        id="unready-pod-budget-met-IfHealthyBudget",
    ),
    pytest.param(
        pod("a", ready=False),
        [budget(disruptionsAllowed=0, currentHealthy=1)],
        (
            False,
            429,
            disruption.MESSAGE_EVICTION_VIOLATION,
            "The disruption budget web-pdb needs 2 healthy pods and has 1 currently",
        ),
        id="unready-pod-budget-not-met",
    ),
    pytest.param(
        pod("a", labels={"app": "db"}),
        [budget(disruptionsAllowed=0)],
        (True, 201, "", ""),
        id="budget-not-matching-pod",
    ),
]


@pytest.mark.parametrize(("subject", "pdbs", "expected"), EVICTION_CASES)
def test_evaluate_eviction(subject: dict, pdbs: list, expected: tuple) -> None:
    decision = disruption.evaluate_eviction(subject, pdbs)
    assert (decision.allowed, decision.code, decision.message, decision.cause) == expected
    assert disruption.check_eviction(subject, pdbs) == (expected[0], expected[2])


def test_unready_pod_always_allow_policy() -> None:
    subject = pdb(
        min_available=2, status={**HEALTHY, "disruptionsAllowed": 0, "currentHealthy": 0}, policy="AlwaysAllow"
    )
    decision = disruption.evaluate_eviction(pod("a", ready=False), [subject])
    assert decision.allowed and decision.check_resource_version and decision.pdb is None


@pytest.mark.parametrize("selector", [pytest.param({}, id="empty-selector"), pytest.param(None, id="null-selector")])
def test_empty_or_null_selector_never_matches_for_eviction(selector) -> None:
    subject = pdb(min_available=2, status={**HEALTHY, "disruptionsAllowed": 0})
    subject["spec"]["selector"] = selector
    assert disruption.check_eviction(pod("a"), [subject]) == (True, "")


def test_eviction_status_update_decrements_and_records() -> None:
    subject = budget()
    subject["status"]["conditions"] = [
        {
            "type": "DisruptionAllowed",
            "status": "True",
            "observedGeneration": 1,
            "reason": "SufficientPods",
            "message": "",
            "lastTransitionTime": EARLIER,
        }
    ]
    updated = disruption.eviction_status_update(subject, "a", NOW)
    assert updated["status"]["disruptionsAllowed"] == 0
    assert updated["status"]["disruptedPods"] == {"a": NOW_TEXT}
    assert updated["status"]["conditions"] == [
        {
            "type": "DisruptionAllowed",
            "status": "False",
            "observedGeneration": 1,
            "reason": "InsufficientPods",
            "message": "",
            "lastTransitionTime": NOW_TEXT,
        }
    ]
    assert subject["status"]["disruptionsAllowed"] == 1  # input untouched


def test_eviction_status_update_above_zero_keeps_condition() -> None:
    subject = budget(disruptionsAllowed=3)
    updated = disruption.eviction_status_update(subject, "b", NOW)
    assert updated["status"]["disruptionsAllowed"] == 2
    assert "conditions" not in updated["status"]
