"""PodDisruptionBudget facts shared by the API server and the disruption controller.

The eviction subresource's decision (kube-apiserver's eviction handler) and the
`DisruptionAllowed` condition both live here: the registry answers `pods/eviction` with them and
the disruption controller keeps budgets' status with them.  Pure functions over JSON dicts.

| pod / budget                                        | answer                                   |
|-----------------------------------------------------|------------------------------------------|
| pod Succeeded, Failed, Pending or being deleted     | allowed, no budget check                 |
| no matching budget                                  | allowed                                  |
| more than one matching budget                       | 500                                      |
| pod not ready and unhealthy pods may be evicted     | allowed, delete with resourceVersion     |
| budget not yet observed at its generation           | 429, retry after 10 s                    |
| disruptionsAllowed < 0 / disruptedPods map too big  | 403                                      |
| disruptionsAllowed == 0                             | 429 "would violate the pod's disruption budget" |
| otherwise                                           | allowed; the budget's disruptionsAllowed drops by one |
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubeferry.machinery import podutil
from kubeferry.machinery.selectors import from_label_selector
from kubeferry.machinery.status import StatusError

CONDITION_DISRUPTION_ALLOWED = "DisruptionAllowed"
REASON_SUFFICIENT_PODS = "SufficientPods"
REASON_INSUFFICIENT_PODS = "InsufficientPods"
POLICY_ALWAYS_ALLOW = "AlwaysAllow"
MESSAGE_EVICTION_VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."
MESSAGE_MULTIPLE_PDBS = (
    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
)
CAUSE_DISRUPTION_BUDGET = "DisruptionBudget"
CAUSE_STILL_PROCESSING = "The disruption budget {name} is still being processed by the server."
CAUSE_NEEDS_HEALTHY = "The disruption budget {name} needs {desired} healthy pods and has {current} currently"
MESSAGE_NEGATIVE_ALLOWED = "pdb disruptions allowed is negative"
MESSAGE_MAP_TOO_BIG = "DisruptedPods map too big - too many evictions not confirmed by PDB controller"
RETRY_AFTER_PROCESSING = 10
MAX_DISRUPTED_POD_SIZE = 2000


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _name(obj: Mapping[str, Any]) -> str:
    return _meta(obj).get("name") or ""


def set_condition(conditions: list[dict], condition: dict, now: _dt.datetime) -> list[dict]:
    """apimachinery SetStatusCondition: replace by type; the transition time moves only when status changes."""
    result = [dict(c) for c in conditions]
    for existing in result:
        if existing.get("type") == condition["type"]:
            if existing.get("status") != condition["status"]:
                existing["status"] = condition["status"]
                existing["lastTransitionTime"] = podutil.format_time(now)
            existing["reason"] = condition["reason"]
            existing["message"] = condition.get("message", "")
            existing["observedGeneration"] = condition["observedGeneration"]
            return result
    result.append({**condition, "lastTransitionTime": podutil.format_time(now)})
    return result


def _allowed_condition(status: Mapping[str, Any]) -> dict:
    allowed = (status.get("disruptionsAllowed") or 0) > 0
    return {
        "type": CONDITION_DISRUPTION_ALLOWED,
        "status": "True" if allowed else "False",
        "observedGeneration": status.get("observedGeneration") or 0,
        "reason": REASON_SUFFICIENT_PODS if allowed else REASON_INSUFFICIENT_PODS,
        "message": "",
    }


def update_disruption_allowed_condition(status: dict, now: _dt.datetime) -> None:
    """Set DisruptionAllowed from status.disruptionsAllowed (upstream UpdateDisruptionAllowedCondition)."""
    status["conditions"] = set_condition(list(status.get("conditions") or []), _allowed_condition(status), now)


@dataclass(frozen=True)
class EvictionDecision:
    """What the eviction handler answers.

    `allowed` with `pdb` set: decrement that budget (`eviction_status_update`) before deleting the pod.
    `allowed` with `check_resource_version`: delete with the pod's resourceVersion as a precondition (an
    unready pod let through; a 409 on that delete becomes a 429).  Refused: `code` (429, 403 or 500),
    `message`, and for 429 the DisruptionBudget `cause` and `retry_after` seconds.
    """

    allowed: bool
    code: int = 201
    message: str = ""
    cause: str = ""
    retry_after: int = 0
    pdb: Mapping[str, Any] | None = None
    check_resource_version: bool = False


def can_ignore_pdb(pod: Mapping[str, Any]) -> bool:
    """Succeeded, Failed or Pending pods, and pods already being deleted, are evicted without a budget check."""
    return podutil.pod_phase(pod) in (
        podutil.PHASE_SUCCEEDED,
        podutil.PHASE_FAILED,
        podutil.PHASE_PENDING,
    ) or podutil.is_being_deleted(pod)


def matching_pdbs(pod: Mapping[str, Any], pdbs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The pod namespace's budgets whose selector is non-empty, valid and matches the pod's labels."""
    namespace = _meta(pod).get("namespace") or ""
    labels = _meta(pod).get("labels") or {}
    result = []
    for pdb in pdbs:
        if (_meta(pdb).get("namespace") or "") != namespace:
            continue
        try:
            selector = from_label_selector((pdb.get("spec") or {}).get("selector"))
        except StatusError:
            continue
        if selector.empty or selector.nothing or not selector.matches(labels):
            continue
        result.append(pdb)
    return result


def evaluate_eviction(pod: Mapping[str, Any], pdbs: Sequence[Mapping[str, Any]]) -> EvictionDecision:
    """The eviction handler's decision for `pod` given the namespace's budgets (table in the module doc)."""
    if can_ignore_pdb(pod):
        return EvictionDecision(True)
    matched = matching_pdbs(pod, pdbs)
    if len(matched) > 1:
        return EvictionDecision(False, 500, MESSAGE_MULTIPLE_PDBS)
    if not matched:
        return EvictionDecision(True)
    pdb = matched[0]
    name = _name(pdb)
    spec = pdb.get("spec") or {}
    status = pdb.get("status") or {}
    current = status.get("currentHealthy") or 0
    desired = status.get("desiredHealthy") or 0
    unhealthy_ok = spec.get("unhealthyPodEvictionPolicy") == POLICY_ALWAYS_ALLOW or (current >= desired > 0)
    if not podutil.is_pod_ready(pod) and unhealthy_ok:
        return EvictionDecision(True, check_resource_version=True)
    if (status.get("observedGeneration") or 0) < (_meta(pdb).get("generation") or 0):
        return EvictionDecision(
            False,
            429,
            MESSAGE_EVICTION_VIOLATION,
            CAUSE_STILL_PROCESSING.format(name=name),
            RETRY_AFTER_PROCESSING,
        )
    allowed = status.get("disruptionsAllowed") or 0
    if allowed < 0:
        return EvictionDecision(False, 403, MESSAGE_NEGATIVE_ALLOWED)
    if len(status.get("disruptedPods") or {}) > MAX_DISRUPTED_POD_SIZE:
        return EvictionDecision(False, 403, MESSAGE_MAP_TOO_BIG)
    if allowed == 0:
        cause = CAUSE_NEEDS_HEALTHY.format(name=name, desired=desired, current=current)
        return EvictionDecision(False, 429, MESSAGE_EVICTION_VIOLATION, cause)
    return EvictionDecision(True, pdb=pdb)


def check_eviction(pod: Mapping[str, Any], pdbs: Sequence[Mapping[str, Any]]) -> tuple[bool, str]:
    """(allowed, message): the message is the refusal's Status message, "" when allowed."""
    decision = evaluate_eviction(pod, pdbs)
    return decision.allowed, decision.message


def eviction_status_update(pdb: Mapping[str, Any], pod_name: str, now: _dt.datetime) -> dict:
    """The budget after admitting one eviction: disruptionsAllowed − 1 (condition refreshed when it reaches
    0) and `disruptedPods[pod_name] = now`.  The caller writes it with an UpdateStatus (409 → retry)."""
    updated = copy.deepcopy(dict(pdb))
    status = updated.setdefault("status", {})
    status["disruptionsAllowed"] = (status.get("disruptionsAllowed") or 0) - 1
    if status["disruptionsAllowed"] == 0:
        update_disruption_allowed_condition(status, now)
    status["disruptedPods"] = {**(status.get("disruptedPods") or {}), pod_name: podutil.format_time(now)}
    return updated
