"""Node lifecycle: stale nodes turn Unknown, condition taints follow the conditions, NoExecute taints evict.

`reconcile(node, lease, pods_on_node, now, grace_seconds=40)` restates, as one pure pass, what upstream's
node lifecycle controller (`pkg/controller/nodelifecycle`) and taint-eviction controller
(`pkg/controller/tainteviction`) do for one node.  It returns `(actions, delay)`: `delay` is the number of
seconds until the next deadline (the node going stale, a pod's toleration running out), or None.

**Health.**  The node was last heard from at its *probe time*: the latest of the Ready condition's
`lastHeartbeatTime` and the Lease's `spec.renewTime`.  A node without a Ready condition has never posted
status: its probe time is its `creationTimestamp` and its grace is the 60 s startup grace.  When
`now > probe + grace`, Ready, MemoryPressure, DiskPressure and PIDPressure all turn Unknown:

* an existing condition not already Unknown gets status Unknown, reason `NodeStatusUnknown`, message
  `Kubelet stopped posting node status.`, `lastTransitionTime` now (heartbeat kept);
* a missing one is added with reason `NodeStatusNeverUpdated`, message `Kubelet never posted node
  status.`, `lastHeartbeatTime` the node's creation time, `lastTransitionTime` now.

Worked example: heartbeat 10:00:00, lease renewed 10:00:30, grace 40 s → Unknown from 10:01:10.001 on;
at 10:01:00 the delay is 10.0.

**Taints.**  Only the controller's own taints are touched; each one it adds gets `timeAdded` now, and
ones already there keep theirs.

| condition                  | NoSchedule taint                         | NoExecute taint                 |
|----------------------------|------------------------------------------|---------------------------------|
| Ready False                | node.kubernetes.io/not-ready             | node.kubernetes.io/not-ready    |
| Ready Unknown              | node.kubernetes.io/unreachable           | node.kubernetes.io/unreachable  |
| MemoryPressure True        | node.kubernetes.io/memory-pressure       |                                 |
| DiskPressure True          | node.kubernetes.io/disk-pressure         |                                 |
| PIDPressure True           | node.kubernetes.io/pid-pressure          |                                 |
| NetworkUnavailable True    | node.kubernetes.io/network-unavailable   |                                 |
| spec.unschedulable         | node.kubernetes.io/unschedulable         |                                 |

Ready True removes both not-ready and unreachable taints.  The new list is sent as a strategic merge
patch of `spec.taints` (the list has no merge key, so it is replaced whole), after the status update.

**Pods** (those with `spec.nodeName` equal to the node's name and not being deleted):

* Ready not True on the node: a pod whose Ready condition is True gets it set to False (transition time
  now, reason and message left as they were — upstream MarkPodsNotReady) and a `NodeNotReady` warning
  `Node is not ready`.
* NoExecute taints on the node (the controller's and anyone else's): a pod not tolerating all of them is
  evicted at once; otherwise each taint's first matching toleration sets a deadline `timeAdded +
  tolerationSeconds` (≤ 0 counts as 0; no tolerationSeconds: never) and the earliest deadline wins.
  Eviction = the pod status gains `DisruptionTarget` True (reason `DeletionByTaintManager`, message
  `Taint manager: deleting due to NoExecute taint`), a Normal `TaintManagerEviction` event `Marking for
  deletion Pod <ns>/<name>`, and a DeleteObject with the pod's uid.  A taint without `timeAdded` counts
  as added long ago.  Worked example: unreachable since 10:00:00, toleration 300 s → deleted from 10:05:00.

Not modelled: zone disruption states and eviction rate limits (every node is its own zone, no limits).
Pure: no I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from kubeferry.controllers.actions import Action, DeleteObject, PatchObject, RecordEvent, UpdateStatus
from kubeferry.machinery import podutil

DEFAULT_GRACE_SECONDS = 40.0
# A node that never posted status is given this long after its creation.
NODE_STARTUP_GRACE_SECONDS = 60.0

COND_READY = "Ready"
COND_MEMORY_PRESSURE = "MemoryPressure"
COND_DISK_PRESSURE = "DiskPressure"
COND_PID_PRESSURE = "PIDPressure"
COND_NETWORK_UNAVAILABLE = "NetworkUnavailable"
# The conditions the controller turns Unknown on a stale node, in upstream's order.
STALE_CONDITION_TYPES = (COND_READY, COND_MEMORY_PRESSURE, COND_DISK_PRESSURE, COND_PID_PRESSURE)

TRUE, FALSE, UNKNOWN = "True", "False", "Unknown"
REASON_STATUS_UNKNOWN = "NodeStatusUnknown"
MESSAGE_STATUS_UNKNOWN = "Kubelet stopped posting node status."
REASON_NEVER_UPDATED = "NodeStatusNeverUpdated"
MESSAGE_NEVER_UPDATED = "Kubelet never posted node status."

TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure"
TAINT_DISK_PRESSURE = "node.kubernetes.io/disk-pressure"
TAINT_PID_PRESSURE = "node.kubernetes.io/pid-pressure"
TAINT_NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
NO_SCHEDULE = "NoSchedule"
NO_EXECUTE = "NoExecute"

# (condition type, status) → NoSchedule taint key.
NO_SCHEDULE_TAINTS = {
    (COND_READY, FALSE): TAINT_NOT_READY,
    (COND_READY, UNKNOWN): TAINT_UNREACHABLE,
    (COND_MEMORY_PRESSURE, TRUE): TAINT_MEMORY_PRESSURE,
    (COND_DISK_PRESSURE, TRUE): TAINT_DISK_PRESSURE,
    (COND_PID_PRESSURE, TRUE): TAINT_PID_PRESSURE,
    (COND_NETWORK_UNAVAILABLE, TRUE): TAINT_NETWORK_UNAVAILABLE,
}
MANAGED_NO_SCHEDULE_KEYS = frozenset(NO_SCHEDULE_TAINTS.values()) | {TAINT_UNSCHEDULABLE}
NO_EXECUTE_TAINTS = {FALSE: TAINT_NOT_READY, UNKNOWN: TAINT_UNREACHABLE}
MANAGED_NO_EXECUTE_KEYS = frozenset(NO_EXECUTE_TAINTS.values())

EVENT_NODE_NOT_READY = "NodeNotReady"
MESSAGE_NODE_STATUS_CHANGE = "Node {name} status is now: {status}"
MESSAGE_POD_NODE_NOT_READY = "Node is not ready"
EVENT_TAINT_EVICTION = "TaintManagerEviction"
MESSAGE_TAINT_EVICTION = "Marking for deletion Pod {namespace}/{name}"
COND_DISRUPTION_TARGET = "DisruptionTarget"
REASON_TAINT_DELETION = "DeletionByTaintManager"
MESSAGE_TAINT_DELETION = "Taint manager: deleting due to NoExecute taint"

_LONG_AGO = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def get_condition(conditions: Sequence[Mapping[str, Any]], ctype: str) -> Mapping[str, Any] | None:
    return next((c for c in conditions if c.get("type") == ctype), None)


def probe_time(node: Mapping[str, Any], lease: Mapping[str, Any] | None) -> tuple[_dt.datetime | None, bool]:
    """(when the node was last heard from, whether it ever posted a Ready condition)."""
    ready = get_condition((node.get("status") or {}).get("conditions") or (), COND_READY)
    if ready is None:
        probe = podutil.parse_time(_meta(node).get("creationTimestamp"))
    else:
        probe = podutil.parse_time(ready.get("lastHeartbeatTime"))
    renewed = podutil.parse_time(((lease or {}).get("spec") or {}).get("renewTime"))
    if renewed is not None and (probe is None or renewed > probe):
        probe = renewed
    return probe, ready is not None


def stale_conditions(node: Mapping[str, Any], now: _dt.datetime) -> list[dict]:
    """The node's conditions after it was found stale (see module doc)."""
    conditions = [dict(c) for c in (node.get("status") or {}).get("conditions") or ()]
    now_text = podutil.format_time(now)
    for ctype in STALE_CONDITION_TYPES:
        current = next((c for c in conditions if c.get("type") == ctype), None)
        if current is None:
            conditions.append(
                {
                    "type": ctype,
                    "status": UNKNOWN,
                    "lastHeartbeatTime": _meta(node).get("creationTimestamp"),
                    "lastTransitionTime": now_text,
                    "reason": REASON_NEVER_UPDATED,
                    "message": MESSAGE_NEVER_UPDATED,
                }
            )
        elif current.get("status") != UNKNOWN:
            current.update(
                status=UNKNOWN,
                reason=REASON_STATUS_UNKNOWN,
                message=MESSAGE_STATUS_UNKNOWN,
                lastTransitionTime=now_text,
            )
    return conditions


def desired_taints(conditions: Sequence[Mapping[str, Any]], unschedulable: bool) -> list[tuple[str, str]]:
    """(key, effect) of every controller taint the node should carry, NoSchedule first."""
    wanted = []
    for condition in conditions:
        key = NO_SCHEDULE_TAINTS.get((condition.get("type"), condition.get("status")))
        if key and (key, NO_SCHEDULE) not in wanted:
            wanted.append((key, NO_SCHEDULE))
    if unschedulable:
        wanted.append((TAINT_UNSCHEDULABLE, NO_SCHEDULE))
    ready = get_condition(conditions, COND_READY)
    if ready is not None and ready.get("status") in NO_EXECUTE_TAINTS:
        wanted.append((NO_EXECUTE_TAINTS[ready["status"]], NO_EXECUTE))
    return wanted


def _managed(taint: Mapping[str, Any]) -> bool:
    key, effect = taint.get("key"), taint.get("effect")
    return (effect == NO_SCHEDULE and key in MANAGED_NO_SCHEDULE_KEYS) or (
        effect == NO_EXECUTE and key in MANAGED_NO_EXECUTE_KEYS
    )


def reconcile_taints(
    taints: Sequence[Mapping[str, Any]], wanted: Sequence[tuple[str, str]], now: _dt.datetime
) -> list[dict]:
    """The node's taints with the controller's set to `wanted`: others untouched, kept ones unchanged."""
    result = [dict(t) for t in taints if not _managed(t) or (t.get("key"), t.get("effect")) in wanted]
    present = {(t.get("key"), t.get("effect")) for t in result}
    now_text = podutil.format_time(now)
    for key, effect in wanted:
        if (key, effect) not in present:
            result.append({"key": key, "effect": effect, "timeAdded": now_text})
    return result


def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """Upstream ToleratesTaint: effect and key match when set; operator Exists, or Equal ("") on value."""
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    if toleration.get("key") and toleration["key"] != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def eviction_deadline(
    pod: Mapping[str, Any], no_execute: Sequence[Mapping[str, Any]]
) -> tuple[bool, _dt.datetime | None]:
    """(tolerates every taint, earliest deadline or None for never).  Not tolerated → (False, None)."""
    tolerations = list((pod.get("spec") or {}).get("tolerations") or ())
    deadline: _dt.datetime | None = None
    for taint in no_execute:
        match = next((t for t in tolerations if tolerates(t, taint)), None)
        if match is None:
            return False, None
        seconds = match.get("tolerationSeconds")
        if seconds is None:
            continue
        added = podutil.parse_time(taint.get("timeAdded")) or _LONG_AGO
        candidate = added + _dt.timedelta(seconds=max(0, int(seconds)))
        if deadline is None or candidate < deadline:
            deadline = candidate
    return True, deadline


def _pod_ref(pod: Mapping[str, Any]) -> dict:
    meta = _meta(pod)
    return {"apiVersion": "v1", "kind": "Pod", "namespace": meta.get("namespace") or "", "name": meta.get("name") or ""}


def _node_ref(node: Mapping[str, Any]) -> dict:
    meta = _meta(node)
    return {"apiVersion": "v1", "kind": "Node", "name": meta.get("name") or "", "uid": meta.get("uid") or ""}


def registered_event(node: Mapping[str, Any]) -> RecordEvent:
    """`RegisteredNode`, recorded when the controller first sees a node (also after its own restart)."""
    name = _meta(node).get("name") or ""
    return RecordEvent(
        _node_ref(node), "Normal", "RegisteredNode", f"Node {name} event: Registered Node {name} in Controller"
    )


def _set_pod_condition(status: dict, condition: dict, now: _dt.datetime) -> None:
    conditions = [dict(c) for c in status.get("conditions") or ()]
    for existing in conditions:
        if existing.get("type") == condition["type"]:
            flipped = existing.get("status") != condition["status"]
            existing.update(condition)
            if flipped:
                existing["lastTransitionTime"] = podutil.format_time(now)
            break
    else:
        conditions.append({**condition, "lastTransitionTime": podutil.format_time(now)})
    status["conditions"] = conditions


def reconcile(
    node: Mapping[str, Any],
    lease: Mapping[str, Any] | None,
    pods_on_node: Sequence[Mapping[str, Any]],
    now: _dt.datetime,
    *,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
) -> tuple[list[Action], float | None]:
    """One node-lifecycle pass over `node` (see module doc)."""
    actions: list[Action] = []
    delays: list[float] = []
    name = _meta(node).get("name") or ""
    status = node.get("status") or {}
    old_conditions = list(status.get("conditions") or ())

    probe, ever_posted = probe_time(node, lease)
    grace = grace_seconds if ever_posted else NODE_STARTUP_GRACE_SECONDS
    conditions: list[Any] = old_conditions
    if probe is not None:
        stale_at = probe + _dt.timedelta(seconds=grace)
        if now > stale_at:
            conditions = stale_conditions(node, now)
        else:
            delays.append((stale_at - now).total_seconds())

    old_ready = get_condition(old_conditions, COND_READY)
    new_ready = get_condition(conditions, COND_READY)
    if conditions != old_conditions:
        updated = copy.deepcopy(dict(node))
        updated.setdefault("status", {})["conditions"] = conditions
        actions.append(UpdateStatus(updated))
        if (old_ready or {}).get("status") == TRUE and (new_ready or {}).get("status") != TRUE:
            message = MESSAGE_NODE_STATUS_CHANGE.format(name=name, status=EVENT_NODE_NOT_READY)
            actions.append(RecordEvent(_node_ref(node), "Normal", EVENT_NODE_NOT_READY, message))

    spec = node.get("spec") or {}
    old_taints = list(spec.get("taints") or ())
    taints = reconcile_taints(old_taints, desired_taints(conditions, bool(spec.get("unschedulable"))), now)
    if taints != [dict(t) for t in old_taints]:
        actions.append(PatchObject("v1", "Node", "", name, {"spec": {"taints": taints}}))

    node_not_ready = new_ready is not None and new_ready.get("status") != TRUE
    no_execute = [t for t in taints if t.get("effect") == NO_EXECUTE]
    for pod in pods_on_node:
        if podutil.node_name(pod) != name or podutil.is_being_deleted(pod):
            continue
        pod_status = copy.deepcopy(dict(pod.get("status") or {}))
        mark_not_ready = node_not_ready and podutil.is_pod_ready(pod)
        if mark_not_ready:
            ready = dict(podutil.get_pod_ready_condition(pod) or {})
            ready["status"] = FALSE
            _set_pod_condition(pod_status, ready, now)
        evict = False
        if no_execute:
            tolerated, deadline = eviction_deadline(pod, no_execute)
            if not tolerated or (deadline is not None and deadline <= now):
                evict = True
            elif deadline is not None:
                delays.append((deadline - now).total_seconds())
        if evict:
            target = {
                "type": COND_DISRUPTION_TARGET,
                "status": TRUE,
                "reason": REASON_TAINT_DELETION,
                "message": MESSAGE_TAINT_DELETION,
            }
            _set_pod_condition(pod_status, target, now)
        if mark_not_ready or evict:
            updated_pod = copy.deepcopy(dict(pod))
            updated_pod["status"] = pod_status
            actions.append(UpdateStatus(updated_pod))
        if mark_not_ready:
            actions.append(RecordEvent(_pod_ref(pod), "Warning", EVENT_NODE_NOT_READY, MESSAGE_POD_NODE_NOT_READY))
        if evict:
            meta = _meta(pod)
            message = MESSAGE_TAINT_EVICTION.format(namespace=meta.get("namespace") or "", name=meta.get("name") or "")
            actions.append(RecordEvent(_pod_ref(pod), "Normal", EVENT_TAINT_EVICTION, message))
            actions.append(
                DeleteObject(
                    "v1", "Pod", meta.get("namespace") or "", meta.get("name") or "", uid=meta.get("uid") or ""
                )
            )
    return actions, (min(delays) if delays else None)
