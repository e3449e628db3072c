"""Node lifecycle: stale nodes turn Unknown, condition taints, NoExecute eviction timing (upstream facts)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from kubeferry.controllers import nodelifecycle as nl
from kubeferry.controllers.actions import DeleteObject, PatchObject, RecordEvent, UpdateStatus

T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def text(seconds: float) -> str:
    return at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


CREATED = "2024-05-01T09:00:00Z"


def cond(ctype: str, status: str, heartbeat: float = 0, transition: float = -600) -> dict:
    return {
        "type": ctype,
        "status": status,
        "lastHeartbeatTime": text(heartbeat),
        "lastTransitionTime": text(transition),
        "reason": "KubeletReady",
        "message": "kubelet is posting",
    }


def node(conditions=None, taints=None, unschedulable=False) -> dict:
    spec: dict = {}
    if taints is not None:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n1", "uid": "node-uid", "creationTimestamp": CREATED},
        "spec": spec,
        "status": {"conditions": [cond("Ready", "True")] if conditions is None else conditions},
    }


def lease(renewed: float) -> dict:
    return {"spec": {"holderIdentity": "n1", "renewTime": at(renewed).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}}


def pod(name: str, tolerations=None, ready=True) -> dict:
    spec: dict = {"nodeName": "n1"}
    if tolerations is not None:
        spec["tolerations"] = tolerations
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": "u-" + name},
        "spec": spec,
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": text(-600)}],
        },
    }


def taint(key: str, effect: str, added: float) -> dict:
    return {"key": key, "effect": effect, "timeAdded": text(added)}


UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"


@pytest.mark.parametrize(
    ("now", "lease_renewed", "stale"),
    [
        pytest.param(39, None, False, id="heartbeat-within-grace"),
        pytest.param(40, None, False, id="exactly-grace-is-not-stale"),
        pytest.param(41, None, True, id="heartbeat-older-than-grace"),
        pytest.param(60, 30, False, id="lease-renewal-keeps-node-healthy"),
        pytest.param(71, 30, True, id="lease-also-too-old"),
    ],
)
def test_staleness(now: float, lease_renewed: float | None, stale: bool) -> None:
    actions, _ = nl.reconcile(node(), lease(lease_renewed) if lease_renewed is not None else None, [], at(now))
    assert bool(actions) is stale


def test_delay_until_stale() -> None:
    assert nl.reconcile(node(), lease(30), [], at(60)) == ([], 10.0)


def test_stale_node_turns_unknown_and_is_tainted_unreachable() -> None:
    subject = node(conditions=[cond("Ready", "True"), cond("MemoryPressure", "False")])
    actions, delay = nl.reconcile(subject, None, [], at(50))
    updated = copy.deepcopy(subject)
    updated["status"]["conditions"] = [
        {
            **cond("Ready", "True"),
            "status": "Unknown",
            "reason": "NodeStatusUnknown",
            "message": "Kubelet stopped posting node status.",
            "lastTransitionTime": text(50),
        },
        {
            **cond("MemoryPressure", "False"),
            "status": "Unknown",
            "reason": "NodeStatusUnknown",
            "message": "Kubelet stopped posting node status.",
            "lastTransitionTime": text(50),
        },
        {
            "type": "DiskPressure",
            "status": "Unknown",
            "lastHeartbeatTime": CREATED,
            "lastTransitionTime": text(50),
            "reason": "NodeStatusNeverUpdated",
            "message": "Kubelet never posted node status.",
        },
        {
            "type": "PIDPressure",
            "status": "Unknown",
            "lastHeartbeatTime": CREATED,
            "lastTransitionTime": text(50),
            "reason": "NodeStatusNeverUpdated",
            "message": "Kubelet never posted node status.",
        },
    ]
    assert actions == [
        UpdateStatus(updated),
        RecordEvent(
            {"apiVersion": "v1", "kind": "Node", "name": "n1", "uid": "node-uid"},
            "Normal",
            "NodeNotReady",
            "Node n1 status is now: NodeNotReady",
        ),
        PatchObject(
            "v1",
            "Node",
            "",
            "n1",
            {"spec": {"taints": [taint(UNREACHABLE, "NoSchedule", 50), taint(UNREACHABLE, "NoExecute", 50)]}},
        ),
    ]
    assert delay is None


def test_node_that_never_posted_status_gets_startup_grace() -> None:
    subject = node(conditions=[])
    created = dt.datetime(2024, 5, 1, 9, 0, 0, tzinfo=dt.UTC)
    assert nl.reconcile(subject, None, [], created + dt.timedelta(seconds=59)) == ([], 1.0)
    actions, _ = nl.reconcile(subject, None, [], created + dt.timedelta(seconds=61))
    ready = actions[0].obj["status"]["conditions"][0]
    assert (ready["type"], ready["status"], ready["reason"]) == ("Ready", "Unknown", "NodeStatusNeverUpdated")
    assert not any(isinstance(a, RecordEvent) for a in actions)


@pytest.mark.parametrize(
    ("conditions", "taints", "unschedulable", "expected"),
    [
        pytest.param(
            [cond("Ready", "False", heartbeat=10)],
            [],
            False,
            [taint(NOT_READY, "NoSchedule", 20), taint(NOT_READY, "NoExecute", 20)],
            id="ready-false-not-ready-taints",
        ),
        pytest.param(
            [cond("Ready", "False", heartbeat=10)],
            [taint(UNREACHABLE, "NoSchedule", 0), taint(UNREACHABLE, "NoExecute", 0)],
            False,
            [taint(NOT_READY, "NoSchedule", 20), taint(NOT_READY, "NoExecute", 20)],
            id="unreachable-swapped-for-not-ready",
        ),
        pytest.param(
            [cond("Ready", "True", heartbeat=10)],
            [
                {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                taint(UNREACHABLE, "NoSchedule", 0),
                taint(UNREACHABLE, "NoExecute", 0),
            ],
            False,
            [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
            id="recovered-node-loses-controller-taints-only",
        ),
        pytest.param(
            [cond("Ready", "True", heartbeat=10), cond("DiskPressure", "True", heartbeat=10)],
            [],
            True,
            [
                taint("node.kubernetes.io/disk-pressure", "NoSchedule", 20),
                taint("node.kubernetes.io/unschedulable", "NoSchedule", 20),
            ],
            id="pressure-and-unschedulable-taints",
        ),
        pytest.param(
            [cond("Ready", "False", heartbeat=10)],
            [taint(NOT_READY, "NoSchedule", 5), taint(NOT_READY, "NoExecute", 5)],
            False,
            None,
            id="taints-already-right-keep-time-added",
        ),
    ],
)
def test_taints(conditions, taints, unschedulable, expected) -> None:
    actions, _ = nl.reconcile(node(conditions, taints, unschedulable), None, [], at(20))
    patches = [a for a in actions if isinstance(a, PatchObject)]
    if expected is None:
        assert patches == []
    else:
        assert patches == [PatchObject("v1", "Node", "", "n1", {"spec": {"taints": expected}})]


def tainted(added: float = 0) -> dict:
    """A node already found stale: all four conditions Unknown, unreachable taints since `added`."""
    conditions = [
        {**cond(ctype, "Unknown", heartbeat=-100), "reason": "NodeStatusUnknown"} for ctype in nl.STALE_CONDITION_TYPES
    ]
    return node(conditions, [taint(UNREACHABLE, "NoSchedule", added), taint(UNREACHABLE, "NoExecute", added)])


def evicted(p: dict, now: float) -> list:
    updated = copy.deepcopy(p)
    updated["status"]["conditions"].append(
        {
            "type": "DisruptionTarget",
            "status": "True",
            "reason": "DeletionByTaintManager",
            "message": "Taint manager: deleting due to NoExecute taint",
            "lastTransitionTime": text(now),
        }
    )
    ref = {"apiVersion": "v1", "kind": "Pod", "namespace": "default", "name": p["metadata"]["name"]}
    return [
        UpdateStatus(updated),
        RecordEvent(ref, "Normal", "TaintManagerEviction", f"Marking for deletion Pod default/{p['metadata']['name']}"),
        DeleteObject("v1", "Pod", "default", p["metadata"]["name"], uid=p["metadata"]["uid"]),
    ]


TOLERATE_300 = [{"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]


@pytest.mark.parametrize(
    ("tolerations", "now", "evict", "delay"),
    [
        pytest.param(None, 1, True, None, id="no-toleration-evicted-at-once"),
        pytest.param(TOLERATE_300, 299, False, 1.0, id="toleration-300s-not-yet"),
        pytest.param(TOLERATE_300, 300, True, None, id="toleration-300s-elapsed"),
        pytest.param([{"operator": "Exists"}], 10_000, False, None, id="tolerate-everything-forever"),
        pytest.param(
            [{"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": -5}],
            1,
            True,
            None,
            id="negative-toleration-seconds-is-zero",
        ),
        pytest.param(
            [{"key": NOT_READY, "operator": "Exists", "tolerationSeconds": 600}],
            1,
            True,
            None,
            id="toleration-for-other-key-does-not-match",
        ),
        pytest.param(
            [{"key": UNREACHABLE, "operator": "Equal", "value": "", "effect": "NoExecute", "tolerationSeconds": 60}],
            30,
            False,
            30.0,
            id="equal-operator-empty-value",
        ),
    ],
)
def test_no_execute_eviction(tolerations, now: float, evict: bool, delay: float | None) -> None:
    p = pod("p", tolerations=tolerations, ready=False)
    actions, next_delay = nl.reconcile(tainted(), None, [p], at(now))
    assert actions == (evicted(p, now) if evict else [])
    assert next_delay == delay


def test_pods_on_not_ready_node_are_marked_not_ready() -> None:
    p = pod("p", tolerations=[{"operator": "Exists"}])
    actions, _ = nl.reconcile(tainted(), None, [p, pod("elsewhere") | {"spec": {"nodeName": "n2"}}], at(5))
    updated = copy.deepcopy(p)
    updated["status"]["conditions"][0].update(status="False", lastTransitionTime=text(5))
    assert actions == [
        UpdateStatus(updated),
        RecordEvent(
            {"apiVersion": "v1", "kind": "Pod", "namespace": "default", "name": "p"},
            "Warning",
            "NodeNotReady",
            "Node is not ready",
        ),
    ]


def test_healthy_node_with_ready_pods_does_nothing() -> None:
    assert nl.reconcile(node(), None, [pod("p")], at(10)) == ([], 30.0)
