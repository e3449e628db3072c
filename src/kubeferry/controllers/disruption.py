"""PodDisruptionBudgets: the disruption controller's status and the eviction subresource's decision.

**Status** (`reconcile(pdb, pods, controllers, now)`, upstream `pkg/controller/disruption` trySync).
Pods are those of the PDB's namespace its selector matches (policy/v1: a null selector matches none, `{}`
all).  Then:

* *expectedPods* and *desiredHealthy*:

  | spec                      | expectedPods                  | desiredHealthy                                   |
  |---------------------------|-------------------------------|--------------------------------------------------|
  | maxUnavailable (int or %) | sum of the controllers' scale | max(0, expected − maxUnavailable, % rounded up)  |
  | minAvailable int          | number of selected pods       | minAvailable                                     |
  | minAvailable %            | sum of the controllers' scale | minAvailable of expected, rounded up             |
  | neither                   | 0                             | 0                                                |

  The *scale* comes from each pod's controller (its controllerRef uid looked up in `controllers`): a
  ReplicaSet owned by a Deployment found in `controllers` counts with the Deployment's `spec.replicas`
  (once per Deployment), any other controller with its own `spec.replicas` (default 1).  Pods without a
  controller are *unmanaged*: ignored for the sum, reported by an `UnmanagedPods` warning.  A controller
  missing from `controllers` is an error: `found no controllers for pod "<name>"`.
  Worked example: maxUnavailable `"30%"`, one Deployment with 10 replicas → maxUnavailable ceil(3.0) = 3,
  expectedPods 10, desiredHealthy 7; with 7 ready pods disruptionsAllowed is 0, with 9 it is 2.
* *disruptedPods*: entries of the previous status for pods still present and not being deleted, whose
  eviction time + 2 min (DeletionTimeout) has not passed; an expired entry drops with a `NotDeleted`
  warning on the pod, the earliest live one sets the RequeueAfter.
* *currentHealthy*: ready pods, not being deleted and not in disruptedPods.
* *disruptionsAllowed* = currentHealthy − desiredHealthy, but 0 when that is negative or expectedPods ≤ 0.
* condition `DisruptionAllowed`: True/SufficientPods when disruptionsAllowed > 0, else
  False/InsufficientPods, with `observedGeneration`; `lastTransitionTime` moves only when status flips.

UpdateStatus is emitted only when a number, disruptedPods, observedGeneration or the condition is stale.
On an error the status is failed safe (disruptionsAllowed 0, condition False/SyncFailed with the error
text) after a `CalculateExpectedPodCountFailed` warning.  With no matching pods a Normal `NoPods` event
says `No matching pods found`.

**Eviction** (`check_eviction(pod, pdbs)` / `evaluate_eviction`, upstream
`pkg/registry/core/pod/storage/eviction.go`): a pod that is Succeeded, Failed, Pending or already being
deleted is deleted without looking at budgets.  Otherwise, among `pdbs` those of the pod's namespace
whose non-empty selector matches the pod:

| case                                                          | result                                                  |
|---------------------------------------------------------------|---------------------------------------------------------|
| more than one                                                 | 500 `This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.` |
| none                                                          | allowed                                                 |
| pod not ready and (policy AlwaysAllow, or currentHealthy ≥ desiredHealthy > 0) | allowed, budget untouched (delete carries the pod's resourceVersion) |
| status.observedGeneration < metadata.generation               | 429, cause `The disruption budget <pdb> is still being processed by the server.` |
| disruptionsAllowed < 0                                        | 403 `pdb disruptions allowed is negative`               |
| more than 2000 disruptedPods                                  | 403 `DisruptedPods map too big - too many evictions not confirmed by PDB controller` |
| disruptionsAllowed == 0                                       | 429, cause `The disruption budget <pdb> needs <desired> healthy pods and has <current> currently` |
| otherwise                                                     | allowed; `eviction_status_update` decrements the budget |

Every 429 says `Cannot evict pod as it would violate the pod's disruption budget.`.  Pure: no I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from kubeferry.controllers import ownership
from kubeferry.controllers.actions import Action, RecordEvent, RequeueAfter, UpdateStatus
from kubeferry.machinery import intstr, podutil
from kubeferry.machinery.disruption import (  # noqa: F401 - the controller's tests and callers use these names
    CAUSE_DISRUPTION_BUDGET,
    CAUSE_NEEDS_HEALTHY,
    CAUSE_STILL_PROCESSING,
    CONDITION_DISRUPTION_ALLOWED,
    MAX_DISRUPTED_POD_SIZE,
    MESSAGE_EVICTION_VIOLATION,
    MESSAGE_MAP_TOO_BIG,
    MESSAGE_MULTIPLE_PDBS,
    MESSAGE_NEGATIVE_ALLOWED,
    POLICY_ALWAYS_ALLOW,
    REASON_INSUFFICIENT_PODS,
    REASON_SUFFICIENT_PODS,
    RETRY_AFTER_PROCESSING,
    EvictionDecision,
    _allowed_condition,
    can_ignore_pdb,
    check_eviction,
    evaluate_eviction,
    eviction_status_update,
    matching_pdbs,
    set_condition,
    update_disruption_allowed_condition,
)
from kubeferry.machinery.selectors import from_label_selector
from kubeferry.machinery.status import StatusError

# An evicted pod counts as disrupted this long; after that the controller assumes it was not deleted.
DELETION_TIMEOUT_SECONDS = 120
# The eviction handler refuses to evict once this many evictions are unconfirmed.

REASON_SYNC_FAILED = "SyncFailed"


EVENT_NO_PODS = "NoPods"
EVENT_UNMANAGED_PODS = "UnmanagedPods"
EVENT_NOT_DELETED = "NotDeleted"
EVENT_CALCULATE_FAILED = "CalculateExpectedPodCountFailed"
MESSAGE_NO_PODS = "No matching pods found"
MESSAGE_UNMANAGED_PODS = (
    "Pods selected by this PodDisruptionBudget (selector: {selector}) were found to be unmanaged. As a result, "
    "the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account "
    'for these pods please set ".spec.minAvailable" field of the PDB to an integer value.'
)
# Upstream prints the PDB's namespace twice here.
MESSAGE_NOT_DELETED = "Pod was expected by PDB {namespace}/{namespace} to be deleted but it wasn't"
MESSAGE_CALCULATE_FAILED = "Failed to calculate the number of expected pods: {error}"
MESSAGE_NO_CONTROLLERS = 'found no controllers for pod "{name}"'

# 429 answers suggest a retry after this many seconds (the "still being processed" one says 10).

DEFAULT_REPLICAS = 1


class _ExpectedCountError(Exception):
    pass


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _name(obj: Mapping[str, Any]) -> str:
    return _meta(obj).get("name") or ""


# --- the controller ---------------------------------------------------------------------------------


def format_selector(selector: Mapping[str, Any] | None) -> str:
    """A LabelSelector as Go's `%v` prints it: `&LabelSelector{MatchLabels:map[string]string{app: web,},...}`."""
    if selector is None:
        return "nil"
    labels = selector.get("matchLabels") or {}
    label_text = "".join(f"{k}: {labels[k]}," for k in sorted(labels))
    exprs = "".join(
        f"LabelSelectorRequirement{{Key:{e.get('key', '')},Operator:{e.get('operator', '')},"
        f"Values:[{' '.join(e.get('values') or [])}],}},"
        for e in selector.get("matchExpressions") or []
    )
    return (
        f"&LabelSelector{{MatchLabels:map[string]string{{{label_text}}},"
        f"MatchExpressions:[]LabelSelectorRequirement{{{exprs}}},}}"
    )


def select_pods(pdb: Mapping[str, Any], pods: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The pods of the PDB's namespace its selector matches."""
    namespace = _meta(pdb).get("namespace") or ""
    selector = from_label_selector((pdb.get("spec") or {}).get("selector"))
    return [
        p
        for p in pods
        if (_meta(p).get("namespace") or namespace) == namespace and selector.matches(_meta(p).get("labels") or {})
    ]


def _replicas(obj: Mapping[str, Any]) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    return DEFAULT_REPLICAS if value is None else int(value)


def expected_scale(
    pods: Sequence[Mapping[str, Any]], controllers: Mapping[str, Mapping[str, Any]]
) -> tuple[int, list[str]]:
    """(sum of the controllers' scale, names of unmanaged pods); raises on a pod whose controller is unknown."""
    scale: dict[str, int] = {}
    unmanaged: list[str] = []
    for pod in pods:
        ref = ownership.get_controller_of(pod)
        if ref is None:
            unmanaged.append(_name(pod))
            continue
        controller = controllers.get(ref.get("uid") or "")
        if controller is None or _meta(controller).get("uid") not in (None, "", ref.get("uid")):
            raise _ExpectedCountError(MESSAGE_NO_CONTROLLERS.format(name=_name(pod)))
        owner = controller
        if controller.get("kind") == "ReplicaSet":
            rs_ref = ownership.get_controller_of(controller)
            if rs_ref is not None and rs_ref.get("kind") == "Deployment":
                deployment = controllers.get(rs_ref.get("uid") or "")
                if deployment is not None and deployment.get("kind") == "Deployment":
                    owner = deployment
        scale[_meta(owner).get("uid") or ref.get("uid") or ""] = _replicas(owner)
    return sum(scale.values()), unmanaged


def expected_pod_count(
    pdb: Mapping[str, Any], pods: Sequence[Mapping[str, Any]], controllers: Mapping[str, Mapping[str, Any]]
) -> tuple[int, int, list[str]]:
    """(expectedPods, desiredHealthy, unmanaged pod names) as the table in the module doc says."""
    spec = pdb.get("spec") or {}
    max_unavailable = spec.get("maxUnavailable")
    min_available = spec.get("minAvailable")
    try:
        if max_unavailable is not None:
            expected, unmanaged = expected_scale(pods, controllers)
            unavailable = intstr.get_scaled_value_from_int_or_percent(max_unavailable, expected, True)
            return expected, max(0, expected - unavailable), unmanaged
        if min_available is not None:
            if isinstance(min_available, int):
                return len(pods), min_available, []
            expected, unmanaged = expected_scale(pods, controllers)
            return expected, intstr.get_scaled_value_from_int_or_percent(min_available, expected, True), unmanaged
    except intstr.IntOrStringError as err:
        raise _ExpectedCountError(str(err)) from None
    return 0, 0, []


def _disruption_deadline(value: Any) -> _dt.datetime | None:
    moment = podutil.parse_time(value)
    return None if moment is None else moment + _dt.timedelta(seconds=DELETION_TIMEOUT_SECONDS)


def build_disrupted_pod_map(
    pdb: Mapping[str, Any], pods: Sequence[Mapping[str, Any]], now: _dt.datetime
) -> tuple[dict[str, str], _dt.datetime | None, list[Mapping[str, Any]]]:
    """(live disruptedPods entries, earliest expected deletion, pods whose entry expired)."""
    recorded = (pdb.get("status") or {}).get("disruptedPods") or {}
    result: dict[str, str] = {}
    recheck: _dt.datetime | None = None
    expired: list[Mapping[str, Any]] = []
    for pod in pods:
        if podutil.is_being_deleted(pod) or _name(pod) not in recorded:
            continue
        deadline = _disruption_deadline(recorded[_name(pod)])
        if deadline is None or deadline < now:
            expired.append(pod)
            continue
        result[_name(pod)] = recorded[_name(pod)]
        if recheck is None or deadline < recheck:
            recheck = deadline
    return result, recheck, expired


def count_healthy_pods(pods: Sequence[Mapping[str, Any]], disrupted: Mapping[str, str], now: _dt.datetime) -> int:
    healthy = 0
    for pod in pods:
        if podutil.is_being_deleted(pod):
            continue
        deadline = _disruption_deadline(disrupted.get(_name(pod)))
        if deadline is not None and deadline > now:
            continue
        if podutil.is_pod_ready(pod):
            healthy += 1
    return healthy


def conditions_are_up_to_date(pdb: Mapping[str, Any]) -> bool:
    status = pdb.get("status") or {}
    cond = next((c for c in status.get("conditions") or () if c.get("type") == CONDITION_DISRUPTION_ALLOWED), None)
    if cond is None:
        return False
    observed = status.get("observedGeneration") or 0
    if observed != (_meta(pdb).get("generation") or 0) or (cond.get("observedGeneration") or 0) != observed:
        return False
    want = _allowed_condition(status)
    return cond.get("status") == want["status"] and cond.get("reason") == want["reason"]


def _fail_safe(pdb: Mapping[str, Any], error: str, now: _dt.datetime) -> list[Action]:
    updated = copy.deepcopy(dict(pdb))
    status = updated.setdefault("status", {})
    status["disruptionsAllowed"] = 0
    condition = {
        "type": CONDITION_DISRUPTION_ALLOWED,
        "status": "False",
        "observedGeneration": status.get("observedGeneration") or 0,
        "reason": REASON_SYNC_FAILED,
        "message": error,
    }
    status["conditions"] = set_condition(list(status.get("conditions") or []), condition, now)
    return [
        RecordEvent(dict(pdb), "Warning", EVENT_CALCULATE_FAILED, MESSAGE_CALCULATE_FAILED.format(error=error)),
        UpdateStatus(updated),
    ]


def reconcile(
    pdb: Mapping[str, Any],
    pods: Sequence[Mapping[str, Any]],
    controllers: Mapping[str, Mapping[str, Any]],
    now: _dt.datetime,
) -> list[Action]:
    """One disruption-controller sync of `pdb` (see module doc)."""
    try:
        selected = select_pods(pdb, pods)
    except StatusError as err:
        return [RecordEvent(dict(pdb), "Warning", EVENT_NO_PODS, f"Failed to get pods: {err}")]
    actions: list[Action] = []
    if not selected:
        actions.append(RecordEvent(dict(pdb), "Normal", EVENT_NO_PODS, MESSAGE_NO_PODS))
    try:
        expected, desired, unmanaged = expected_pod_count(pdb, selected, controllers)
    except _ExpectedCountError as err:
        return actions + _fail_safe(pdb, str(err), now)
    if unmanaged:
        selector = format_selector((pdb.get("spec") or {}).get("selector"))
        actions.append(
            RecordEvent(dict(pdb), "Warning", EVENT_UNMANAGED_PODS, MESSAGE_UNMANAGED_PODS.format(selector=selector))
        )

    disrupted, recheck, expired = build_disrupted_pod_map(pdb, selected, now)
    namespace = _meta(pdb).get("namespace") or ""
    for pod in expired:
        actions.append(
            RecordEvent(dict(pod), "Warning", EVENT_NOT_DELETED, MESSAGE_NOT_DELETED.format(namespace=namespace))
        )
    healthy = count_healthy_pods(selected, disrupted, now)
    allowed = healthy - desired
    if expected <= 0 or allowed <= 0:
        allowed = 0

    status = pdb.get("status") or {}
    generation = _meta(pdb).get("generation") or 0
    unchanged = (
        (status.get("currentHealthy") or 0) == healthy
        and (status.get("desiredHealthy") or 0) == desired
        and (status.get("expectedPods") or 0) == expected
        and (status.get("disruptionsAllowed") or 0) == allowed
        and (status.get("disruptedPods") or {}) == disrupted
        and (status.get("observedGeneration") or 0) == generation
        and conditions_are_up_to_date(pdb)
    )
    if not unchanged:
        new_status: dict[str, Any] = {"observedGeneration": generation}
        if disrupted:
            new_status["disruptedPods"] = disrupted
        new_status.update(
            disruptionsAllowed=allowed, currentHealthy=healthy, desiredHealthy=desired, expectedPods=expected
        )
        new_status["conditions"] = list(status.get("conditions") or [])
        update_disruption_allowed_condition(new_status, now)
        updated = copy.deepcopy(dict(pdb))
        updated["status"] = new_status
        actions.append(UpdateStatus(updated))
    if recheck is not None:
        actions.append(RequeueAfter((recheck - now).total_seconds()))
    return actions


