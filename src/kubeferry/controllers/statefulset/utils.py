"""StatefulSet facts as pure helpers (upstream `stateful_set_utils.go`): ordinals, identity, storage, revisions.

Owns everything the ordinal algorithm asks about one pod or one set, so `control` reads like upstream's loop:

* ordinals — a member pod is named `<set>-<ordinal>`; the name is split by `^(.*)-([0-9]+)$` and an
  ordinal that is not a decimal int32 (or a name that does not match, such as `1-bar`... no: `bar`)
  counts as -1 (not a member).  The set owns ordinals `start … start+replicas-1`, `start =
  spec.ordinals.start` (0 by default): replicas 3, start 5 → `web-5`, `web-6`, `web-7`.
* identity — name `<set>-<ordinal>`, the set's namespace, labels `statefulset.kubernetes.io/pod-name:
  <pod>` and `apps.kubernetes.io/pod-index: <ordinal>`; at creation also `spec.hostname = <pod>` and
  `spec.subdomain = spec.serviceName`.
* storage — one PVC per volumeClaimTemplate named `<template>-<set>-<ordinal>` (`www-web-0`), labelled
  with the template's labels plus the selector's matchLabels; the pod gets a volume named after the
  template whose `persistentVolumeClaim.claimName` is that PVC (replacing any template volume of that
  name).
* retention — `persistentVolumeClaimRetentionPolicy` (`whenDeleted`/`whenScaled`, Retain by default) is
  expressed as controller ownerReferences on the PVC: whenDeleted=Delete → the set owns it while its pod is
  in range; whenScaled=Delete → the pod owns it once its ordinal is out of range (scaled down).
* pod states — created (phase set), running-and-ready, available (ready for minReadySeconds),
  terminating (deletionTimestamp), unavailable (not available, or terminating).
* revisions — a revision's data is `{"spec": {"template": {"$patch": "replace", …template…}}}`; applying
  it to a set replaces `spec.template` with the stored one.  A pod's revision is its
  `controller-revision-hash` label, which holds the full ControllerRevision name (`web-7b9f5c6d8`).
* maxUnavailable — `max(1, floor(percent × replicas))` or the int as-is (1 when unset): replicas 10,
  `"25%"` → floor(2.5) = 2; replicas 3, `"10%"` → floor(0.3) = 0 → 1.

Pure: no I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any

from kubeferry.controllers import history, ownership
from kubeferry.machinery import podutil
from kubeferry.machinery.intstr import get_scaled_value_from_int_or_percent

# --- names ------------------------------------------------------------------------------------------

APPS_V1 = "apps/v1"
CORE_V1 = "v1"
STATEFUL_SET_KIND = "StatefulSet"
POD_KIND = "Pod"
PVC_KIND = "PersistentVolumeClaim"

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"

PARALLEL = "Parallel"
ORDERED_READY = "OrderedReady"
ROLLING_UPDATE = "RollingUpdate"
ON_DELETE = "OnDelete"
RETAIN = "Retain"
DELETE = "Delete"

DEFAULT_REPLICAS = 1
DEFAULT_REVISION_HISTORY_LIMIT = 10
DEFAULT_MAX_UNAVAILABLE = 1

PATCH_DIRECTIVE = "$patch"
PATCH_REPLACE = "replace"

_POD_NAME_RE = re.compile(r"(.*)-([0-9]+)\Z")
_INT32_MAX = 2**31 - 1

# --- accessors --------------------------------------------------------------------------------------


def meta(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (obj or {}).get("metadata") or {}


def spec(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (obj or {}).get("spec") or {}


def status(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (obj or {}).get("status") or {}


def name_of(obj: Mapping[str, Any] | None) -> str:
    return meta(obj).get("name") or ""


def namespace_of(obj: Mapping[str, Any] | None) -> str:
    return meta(obj).get("namespace") or ""


def uid_of(obj: Mapping[str, Any] | None) -> str:
    return meta(obj).get("uid") or ""


def labels_of(obj: Mapping[str, Any] | None) -> Mapping[str, str]:
    return meta(obj).get("labels") or {}


def replicas(sts: Mapping[str, Any]) -> int:
    value = spec(sts).get("replicas")
    return DEFAULT_REPLICAS if value is None else int(value)


def min_ready_seconds(sts: Mapping[str, Any]) -> int:
    return int(spec(sts).get("minReadySeconds") or 0)


def revision_history_limit(sts: Mapping[str, Any]) -> int:
    value = spec(sts).get("revisionHistoryLimit")
    return DEFAULT_REVISION_HISTORY_LIMIT if value is None else int(value)


def update_strategy(sts: Mapping[str, Any]) -> Mapping[str, Any]:
    return spec(sts).get("updateStrategy") or {}


def strategy_type(sts: Mapping[str, Any]) -> str:
    return update_strategy(sts).get("type") or ROLLING_UPDATE


def rolling_update(sts: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """`spec.updateStrategy.rollingUpdate`, or None when unset."""
    return update_strategy(sts).get("rollingUpdate")


def partition(sts: Mapping[str, Any]) -> int:
    ru = rolling_update(sts)
    return int((ru or {}).get("partition") or 0)


def allows_burst(sts: Mapping[str, Any]) -> bool:
    """Parallel pod management: no ordering, no waiting."""
    return spec(sts).get("podManagementPolicy") == PARALLEL


def object_reference(sts: Mapping[str, Any]) -> dict:
    """The ObjectReference events about the set are recorded against."""
    m = meta(sts)
    ref = {
        "apiVersion": sts.get("apiVersion") or APPS_V1,
        "kind": sts.get("kind") or STATEFUL_SET_KIND,
        "namespace": m.get("namespace", ""),
        "name": m.get("name", ""),
        "uid": m.get("uid", ""),
    }
    if m.get("resourceVersion"):
        ref["resourceVersion"] = m["resourceVersion"]
    return ref


# --- ordinals ---------------------------------------------------------------------------------------


def parent_name_and_ordinal(pod: Mapping[str, Any]) -> tuple[str, int]:
    """(`web`, 3) for `web-3`; ("", -1) when the name does not end in `-<digits>`; (parent, -1) past int32."""
    match = _POD_NAME_RE.search(name_of(pod))
    if match is None:
        return "", -1
    digits = match.group(2)
    ordinal = int(digits)
    return match.group(1), ordinal if ordinal <= _INT32_MAX else -1


def get_ordinal(pod: Mapping[str, Any]) -> int:
    return parent_name_and_ordinal(pod)[1]


def get_parent_name(pod: Mapping[str, Any]) -> str:
    return parent_name_and_ordinal(pod)[0]


def start_ordinal(sts: Mapping[str, Any]) -> int:
    return int((spec(sts).get("ordinals") or {}).get("start") or 0)


def end_ordinal(sts: Mapping[str, Any]) -> int:
    """The last ordinal the set owns (inclusive): start + replicas - 1."""
    return start_ordinal(sts) + replicas(sts) - 1


def pod_in_ordinal_range(pod: Mapping[str, Any], sts: Mapping[str, Any]) -> bool:
    ordinal = get_ordinal(pod)
    return start_ordinal(sts) <= ordinal <= end_ordinal(sts)


def pod_name(sts: Mapping[str, Any], ordinal: int) -> str:
    return f"{name_of(sts)}-{ordinal}"


def claim_name(sts: Mapping[str, Any], claim_template: Mapping[str, Any], ordinal: int) -> str:
    return f"{name_of(claim_template)}-{name_of(sts)}-{ordinal}"


def is_member_of(sts: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
    return get_parent_name(pod) == name_of(sts)


# --- identity and storage ---------------------------------------------------------------------------


def identity_matches(sts: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
    parent, ordinal = parent_name_and_ordinal(pod)
    return (
        ordinal >= 0
        and parent == name_of(sts)
        and name_of(pod) == pod_name(sts, ordinal)
        and namespace_of(pod) == namespace_of(sts)
        and labels_of(pod).get(POD_NAME_LABEL) == name_of(pod)
    )


def claim_templates(sts: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(spec(sts).get("volumeClaimTemplates") or [])


def storage_matches(sts: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
    """Every claim template has a pod volume of its name pointing at this ordinal's PVC."""
    ordinal = get_ordinal(pod)
    if ordinal < 0:
        return False
    volumes = {v.get("name"): v for v in spec(pod).get("volumes") or ()}
    for template in claim_templates(sts):
        volume = volumes.get(name_of(template))
        source = (volume or {}).get("persistentVolumeClaim")
        if not source or source.get("claimName") != claim_name(sts, template, ordinal):
            return False
    return True


def persistent_volume_claims(sts: Mapping[str, Any], pod: Mapping[str, Any]) -> dict[str, dict]:
    """The PVCs `pod` needs, by template name, in template order (no owner references yet)."""
    ordinal = get_ordinal(pod)
    match_labels = (spec(sts).get("selector") or {}).get("matchLabels") or {}
    claims: dict[str, dict] = {}
    for template in claim_templates(sts):
        claim = copy.deepcopy(dict(template))
        claim.pop("status", None)
        claim["apiVersion"] = CORE_V1
        claim["kind"] = PVC_KIND
        claim_meta = claim.setdefault("metadata", {})
        claim_meta["name"] = claim_name(sts, template, ordinal)
        claim_meta["namespace"] = namespace_of(sts)
        claim_meta["labels"] = {**(claim_meta.get("labels") or {}), **match_labels}
        claims[name_of(template)] = claim
    return claims


def update_storage(sts: Mapping[str, Any], pod: dict) -> None:
    """Point the pod's claim volumes at its PVCs (claim volumes first, then the other volumes)."""
    claims = persistent_volume_claims(sts, pod)
    volumes = [
        {"name": template_name, "persistentVolumeClaim": {"claimName": name_of(claim)}}
        for template_name, claim in claims.items()
    ]
    volumes += [v for v in spec(pod).get("volumes") or () if v.get("name") not in claims]
    pod.setdefault("spec", {})["volumes"] = volumes


def update_identity(sts: Mapping[str, Any], pod: dict) -> None:
    """Name, namespace and the pod-name / pod-index labels from the ordinal."""
    ordinal = get_ordinal(pod)
    pod_meta = pod.setdefault("metadata", {})
    pod_meta["name"] = pod_name(sts, ordinal)
    pod_meta["namespace"] = namespace_of(sts)
    labels = pod_meta.setdefault("labels", {})
    labels[POD_NAME_LABEL] = pod_meta["name"]
    labels[POD_INDEX_LABEL] = str(ordinal)


def init_identity(sts: Mapping[str, Any], pod: dict) -> None:
    """update_identity plus the fields only set at creation: hostname and subdomain."""
    update_identity(sts, pod)
    pod_spec = pod.setdefault("spec", {})
    pod_spec["hostname"] = name_of(pod)
    service = spec(sts).get("serviceName") or ""
    if service:
        pod_spec["subdomain"] = service
    else:
        pod_spec.pop("subdomain", None)


def get_pod_revision(pod: Mapping[str, Any]) -> str:
    return labels_of(pod).get(REVISION_LABEL) or ""


def set_pod_revision(pod: dict, revision_name: str) -> None:
    pod.setdefault("metadata", {}).setdefault("labels", {})[REVISION_LABEL] = revision_name


def new_stateful_set_pod(sts: Mapping[str, Any], ordinal: int) -> dict:
    """The pod for `ordinal` from the set's template: owner, identity, storage; no phase (not created)."""
    ref = ownership.new_controller_ref(sts, APPS_V1, STATEFUL_SET_KIND)
    pod = podutil.pod_from_template(spec(sts).get("template") or {}, sts, ref)
    pod["metadata"]["name"] = pod_name(sts, ordinal)
    init_identity(sts, pod)
    update_storage(sts, pod)
    return pod


def new_versioned_pod(
    current_set: Mapping[str, Any],
    update_set: Mapping[str, Any],
    current_revision: str,
    update_revision: str,
    ordinal: int,
) -> dict:
    """A missing ordinal's pod, at the current revision or at the update revision.

    Current when (RollingUpdate, rollingUpdate unset and ordinal < start + status.currentReplicas) or
    (rollingUpdate set and ordinal < start + partition); otherwise update.  Replicas 3, partition 2, pod
    web-1 deleted → recreated at the current revision; web-2 deleted → at the update revision.
    """
    start = start_ordinal(current_set)
    ru = rolling_update(current_set)
    at_current = (
        strategy_type(current_set) == ROLLING_UPDATE
        and ru is None
        and ordinal < start + int(status(current_set).get("currentReplicas") or 0)
    ) or (ru is not None and ordinal < start + partition(current_set))
    if at_current:
        pod = new_stateful_set_pod(current_set, ordinal)
        set_pod_revision(pod, current_revision)
    else:
        pod = new_stateful_set_pod(update_set, ordinal)
        set_pod_revision(pod, update_revision)
    return pod


# --- pod states -------------------------------------------------------------------------------------


def is_created(pod: Mapping[str, Any]) -> bool:
    """The API server holds the pod (its phase is set); a freshly built replacement has none."""
    return bool(status(pod).get("phase"))


def is_pending(pod: Mapping[str, Any]) -> bool:
    return podutil.pod_phase(pod) == podutil.PHASE_PENDING


def is_failed(pod: Mapping[str, Any]) -> bool:
    return podutil.pod_phase(pod) == podutil.PHASE_FAILED


def is_succeeded(pod: Mapping[str, Any]) -> bool:
    return podutil.pod_phase(pod) == podutil.PHASE_SUCCEEDED


def is_terminating(pod: Mapping[str, Any]) -> bool:
    return bool(meta(pod).get("deletionTimestamp"))


def is_running_and_ready(pod: Mapping[str, Any]) -> bool:
    return podutil.pod_phase(pod) == podutil.PHASE_RUNNING and podutil.is_pod_ready(pod)


def is_running_and_available(pod: Mapping[str, Any], min_ready: int, now: _dt.datetime) -> bool:
    """Ready for at least `min_ready` seconds (upstream checks availability only, not the phase)."""
    return podutil.is_pod_available(pod, min_ready, now)


def is_healthy(pod: Mapping[str, Any]) -> bool:
    return is_running_and_ready(pod) and not is_terminating(pod)


def is_unavailable(pod: Mapping[str, Any], min_ready: int, now: _dt.datetime) -> bool:
    return not is_running_and_available(pod, min_ready, now) or is_terminating(pod)


# --- retention policy -------------------------------------------------------------------------------


def retention_policy(sts: Mapping[str, Any]) -> tuple[str, str]:
    """(whenDeleted, whenScaled), Retain for anything unset."""
    policy = spec(sts).get("persistentVolumeClaimRetentionPolicy") or {}
    return policy.get("whenDeleted") or RETAIN, policy.get("whenScaled") or RETAIN


def _matches_ref(ref: Mapping[str, Any], obj: Mapping[str, Any], api_version: str, kind: str) -> bool:
    return ref.get("apiVersion") == api_version and ref.get("kind") == kind and ref.get("name") == name_of(obj)


def _refs(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(meta(obj).get("ownerReferences") or [])


def has_owner_ref(target: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    return any(ref.get("uid") == uid_of(owner) for ref in _refs(target))


def has_stale_owner_ref(target: Mapping[str, Any], obj: Mapping[str, Any], api_version: str, kind: str) -> bool:
    """The first reference naming `obj` (by apiVersion, kind, name) carries another uid."""
    for ref in _refs(target):
        if _matches_ref(ref, obj, api_version, kind):
            return ref.get("uid") != uid_of(obj)
    return False


def has_unexpected_controller(claim: Mapping[str, Any], sts: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
    """Under a non-Retain policy, a controller other than this set or this pod (or a stale uid of either)."""
    if retention_policy(sts) == (RETAIN, RETAIN):
        return False
    for ref in _refs(claim):
        if _matches_ref(ref, sts, APPS_V1, STATEFUL_SET_KIND):
            if ref.get("uid") != uid_of(sts):
                return True
            continue
        if _matches_ref(ref, pod, CORE_V1, POD_KIND):
            if ref.get("uid") != uid_of(pod):
                return True
            continue
        if ref.get("controller") is True:
            return True
    return False


def has_non_controller_owner(claim: Mapping[str, Any], sts: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
    return any(
        ref.get("uid") in (uid_of(sts), uid_of(pod)) and ref.get("controller") is not True for ref in _refs(claim)
    )


def is_claim_owner_up_to_date(claim: Mapping[str, Any], sts: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
    """The claim's references agree with the policy (stale or foreign-controlled claims count as up to date).

    | whenScaled | whenDeleted | pod in range       | pod scaled down    |
    |------------|-------------|--------------------|--------------------|
    | Retain     | Retain      | no refs            | no refs            |
    | Retain     | Delete      | set only           | set only           |
    | Delete     | Retain      | none               | pod only           |
    | Delete     | Delete      | set only           | pod only           |
    """
    if has_stale_owner_ref(claim, sts, APPS_V1, STATEFUL_SET_KIND) or has_stale_owner_ref(
        claim, pod, CORE_V1, POD_KIND
    ):
        return True
    if has_unexpected_controller(claim, sts, pod):
        return not (has_owner_ref(claim, sts) or has_owner_ref(claim, pod))
    if has_non_controller_owner(claim, sts, pod):
        return False
    when_deleted, when_scaled = retention_policy(sts)
    set_ref, pod_ref = has_owner_ref(claim, sts), has_owner_ref(claim, pod)
    scaled_down = not pod_in_ordinal_range(pod, sts)
    if when_scaled == DELETE and when_deleted == DELETE:
        return scaled_down != set_ref and scaled_down == pod_ref
    if when_scaled == DELETE and when_deleted == RETAIN:
        return not set_ref and scaled_down == pod_ref
    if when_scaled == RETAIN and when_deleted == DELETE:
        return set_ref and not pod_ref
    return not set_ref and not pod_ref  # Retain/Retain, and any unknown value


def _controller_ref_to(owner: Mapping[str, Any], api_version: str, kind: str) -> dict:
    return ownership.new_controller_ref(owner, api_version, kind)


def claim_owner_refs_for_policy(claim: Mapping[str, Any], sts: Mapping[str, Any], pod: Mapping[str, Any]) -> list[dict]:
    """The claim's ownerReferences after scrubbing ours (set and pod, by name) and adding the policy's."""
    unexpected = has_unexpected_controller(claim, sts, pod)
    refs = [
        dict(ref)
        for ref in _refs(claim)
        if not (_matches_ref(ref, sts, APPS_V1, STATEFUL_SET_KIND) or _matches_ref(ref, pod, CORE_V1, POD_KIND))
    ]
    if unexpected:
        return refs
    when_deleted, when_scaled = retention_policy(sts)
    scaled_down = not pod_in_ordinal_range(pod, sts)

    def add(owner: Mapping[str, Any], api_version: str, kind: str) -> None:
        if not any(ref.get("uid") == uid_of(owner) for ref in refs):
            refs.append(_controller_ref_to(owner, api_version, kind))

    if (when_scaled, when_deleted) == (RETAIN, DELETE):
        add(sts, APPS_V1, STATEFUL_SET_KIND)
    elif (when_scaled, when_deleted) == (DELETE, RETAIN):
        if scaled_down:
            add(pod, CORE_V1, POD_KIND)
    elif (when_scaled, when_deleted) == (DELETE, DELETE):
        if scaled_down:
            add(pod, CORE_V1, POD_KIND)
        else:
            add(sts, APPS_V1, STATEFUL_SET_KIND)
    return refs


# --- revisions --------------------------------------------------------------------------------------


def revision_data(sts: Mapping[str, Any]) -> dict:
    """The revision data of the set's current template: `{"spec": {"template": {"$patch": "replace", …}}}`."""
    template = copy.deepcopy(dict(spec(sts).get("template") or {}))
    template[PATCH_DIRECTIVE] = PATCH_REPLACE
    return {"spec": {"template": template}}


def new_revision(sts: Mapping[str, Any], revision: int, collision_count: int) -> dict:
    """The ControllerRevision for the set's template: template labels + hash label, the set's annotations."""
    template_labels = (meta(spec(sts).get("template")).get("labels")) or {}
    return history.new_controller_revision(
        sts,
        STATEFUL_SET_KIND,
        template_labels,
        revision_data(sts),
        revision,
        collision_count,
        parent_api_version=APPS_V1,
    )


def apply_revision(sts: Mapping[str, Any], revision: Mapping[str, Any]) -> dict:
    """A copy of the set with `spec.template` restored from `revision` (the `$patch: replace` directive)."""
    restored = copy.deepcopy(dict(sts))
    data_spec = ((revision.get("data") or {}).get("spec")) or {}
    if "template" in data_spec:
        template = copy.deepcopy(dict(data_spec["template"] or {}))
        template.pop(PATCH_DIRECTIVE, None)
        restored.setdefault("spec", {})["template"] = template
    return restored


def max_unavailable(sts: Mapping[str, Any]) -> int:
    """`rollingUpdate.maxUnavailable` against spec.replicas, rounded down, at least 1 (see module doc)."""
    ru = rolling_update(sts)
    value = (ru or {}).get("maxUnavailable")
    number = get_scaled_value_from_int_or_percent(
        DEFAULT_MAX_UNAVAILABLE if value is None else value, replicas(sts), False
    )
    return max(number, 1)
