"""Rolling a workload back to an earlier revision: which revision, and the patch that restores it.

Shared by `kubeferry rollout undo` (kubectl's client-side undo, semantics §6.3) and the deliver
step's automatic rollback.  Revisions come from the workload's own history objects:

* Deployment — ReplicaSets it controls, numbered by their `deployment.kubernetes.io/revision`
  annotation.  The rollback is a JSON patch replacing `/spec/template` (the ReplicaSet's, without
  its `pod-template-hash` label) and `/metadata/annotations` (the Deployment's own bookkeeping
  annotations kept, every other annotation taken from the ReplicaSet).
* DaemonSet / StatefulSet — ControllerRevisions it controls, numbered by `.revision`; their `data`
  (a strategic merge patch holding the pod template with `$patch: replace`) is sent unchanged.

Pure: objects in, revisions and patches out.

Worked example: a Deployment at revision 3 whose ReplicaSets carry revisions 1, 2 and 3.  `undo`
without `--to-revision` picks 2 (the second-highest); the deliver step, which remembers that the
Deployment was at revision 2 before it changed it, asks for 2 explicitly.  After the patch the
controller re-labels ReplicaSet 2 as revision 4.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
POD_TEMPLATE_HASH = "pod-template-hash"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
ROLLBACK_KINDS = ("Deployment", "DaemonSet", "StatefulSet")
# Deployment annotations the rollback keeps from the Deployment itself rather than taking from the ReplicaSet.
SKIPPED_ANNOTATIONS = (
    LAST_APPLIED,
    REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
)


@dataclass
class Revision:
    """One entry of a workload's history."""

    number: int
    template: dict  # the revision's pod template
    cause: str = ""  # its kubernetes.io/change-cause, or ""
    source: dict = field(default_factory=dict)  # the ReplicaSet or ControllerRevision


@dataclass
class Plan:
    """What a rollback to `revision` sends: `body` as `patch_type`; `skip` when the template already matches."""

    revision: int
    body: object
    patch_type: str
    skip: bool = False


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def controlled_by(obj: Mapping[str, Any], uid: str) -> bool:
    return any(ref.get("controller") and ref.get("uid") == uid for ref in _meta(obj).get("ownerReferences") or [])


def history(workload: Mapping[str, Any], owned: Iterable[Mapping[str, Any]]) -> dict[int, Revision]:
    """revision number → Revision, from the ReplicaSets (Deployment) or ControllerRevisions (sets) in `owned`.

    Objects the workload does not control, and ReplicaSets without a numeric revision, are left out.
    A set's revision template is rebuilt by applying the revision's data to the set, as the
    controller would.
    """
    uid = str(_meta(workload).get("uid", ""))
    out: dict[int, Revision] = {}
    kind = workload.get("kind")
    if kind == "Deployment":
        for rs in owned:
            if not controlled_by(rs, uid):
                continue
            annotations = _meta(rs).get("annotations") or {}
            try:
                number = int(annotations.get(REVISION_ANNOTATION, ""))
            except ValueError:
                continue
            template = copy.deepcopy((rs.get("spec") or {}).get("template") or {})
            out[number] = Revision(number, template, annotations.get(CHANGE_CAUSE, ""), dict(rs))
        return out
    from kubeferry.machinery import schema
    from kubeferry.machinery.patch import apply_strategic_merge_patch

    node = schema.for_kind("apps", "v1", str(kind))
    for cr in owned:
        if not controlled_by(cr, uid):
            continue
        rebuilt = apply_strategic_merge_patch(copy.deepcopy(dict(workload)), cr.get("data") or {}, node)
        cause = (_meta(cr).get("annotations") or {}).get(CHANGE_CAUSE, "")
        number = int(cr.get("revision") or 0)
        out[number] = Revision(number, (rebuilt.get("spec") or {}).get("template") or {}, cause, dict(cr))
    return out


def pick_deployment_revision(numbers: Iterable[int], to_revision: int, name: str) -> tuple[int, str | None]:
    """(revision, error): `to_revision` when present, else for 0 the second-highest revision."""
    numbers = sorted(numbers)
    if to_revision > 0:
        if to_revision in numbers:
            return to_revision, None
        return 0, f"unable to find specified revision {to_revision} in history"
    if len(numbers) < 2:
        return 0, f'no rollout history found for deployment "{name}"'
    return numbers[-2], None


def pick_set_revision(numbers: Iterable[int], to_revision: int) -> tuple[int, str | None]:
    """DaemonSet/StatefulSet: `to_revision`, else the second-highest revision; at most one → no last revision."""
    numbers = sorted(numbers)
    if to_revision == 0 and len(numbers) <= 1:
        return 0, "no last revision to roll back to"
    if to_revision > 0:
        if to_revision in numbers:
            return to_revision, None
        return 0, f"unable to find specified revision {to_revision} in history"
    return numbers[-2], None


def pick_revision(kind: str, numbers: Iterable[int], to_revision: int, name: str) -> tuple[int, str | None]:
    if kind == "Deployment":
        return pick_deployment_revision(numbers, to_revision, name)
    return pick_set_revision(numbers, to_revision)


def without_hash(template: Mapping[str, Any] | None) -> dict:
    template = copy.deepcopy(dict(template or {}))
    labels = (template.get("metadata") or {}).get("labels")
    if labels:
        labels.pop(POD_TEMPLATE_HASH, None)
    return template


def normal(value):
    """Drop nulls (`creationTimestamp: null`) and empty maps so templates compare by content."""
    if isinstance(value, dict):
        out = {k: normal(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in out.items() if v != {}}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def deployment_patch(deployment: Mapping[str, Any], rs: Mapping[str, Any]) -> list[dict]:
    """kubectl's JSON patch: the RS template without its hash label, and the merged annotations."""
    own = _meta(deployment).get("annotations") or {}
    annotations = {k: own[k] for k in SKIPPED_ANNOTATIONS if k in own}
    for key, value in (_meta(rs).get("annotations") or {}).items():
        if key not in SKIPPED_ANNOTATIONS:
            annotations[key] = value
    template = without_hash((rs.get("spec") or {}).get("template") or {})
    return [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]


def current_revision_data(workload: Mapping[str, Any]) -> dict:
    """What the controller would store as revision data for the set's current template."""
    template = copy.deepcopy((workload.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def plan(workload: Mapping[str, Any], revision: Revision) -> Plan:
    """The patch that returns `workload` to `revision`; `skip` when its template already matches."""
    kind = workload.get("kind")
    if kind == "Deployment":
        current = (workload.get("spec") or {}).get("template") or {}
        same = normal(without_hash(revision.template)) == normal(without_hash(current))
        return Plan(revision.number, deployment_patch(workload, revision.source), JSON_PATCH, same)
    data = revision.source.get("data") or {}
    same = normal(json.loads(json.dumps(data))) == normal(current_revision_data(workload))
    return Plan(revision.number, data, STRATEGIC, same)


def current_revision(workload: Mapping[str, Any], revisions: Mapping[int, Revision]) -> int:
    """The revision the workload's template is at now: a Deployment's annotation, else the highest
    ControllerRevision whose template matches the set's; 0 when unknown."""
    if workload.get("kind") == "Deployment":
        try:
            return int((_meta(workload).get("annotations") or {}).get(REVISION_ANNOTATION) or 0)
        except ValueError:
            return 0
    current = normal(without_hash((workload.get("spec") or {}).get("template") or {}))
    matching = [n for n, r in revisions.items() if normal(without_hash(r.template)) == current]
    return max(matching, default=0)
