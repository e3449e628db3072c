"""Deployment controller helpers: named constants, revision arithmetic, fenceposts, counting, conditions, new-RS shape.

Owns every small, pure decision the Deployment sync passes share (upstream's `deployment/util` package), so
the strategy modules (`rolling`, `recreate`, `rollback`, `progress`, `sync`) read as the algorithm alone.
Every annotation key, condition type/reason and event reason is named once here.

Objects are plain dicts as the API serves them.  `spec.replicas` missing means 1 (the API default); status
counters missing mean 0.  Nothing here performs I/O or mutates its inputs unless the name says `set_`.

Fenceposts (maxSurge rounds up, maxUnavailable rounds down, both 0 → maxUnavailable 1).  Worked example,
R = 10 with the default 25%/25%: surge = ceil(2.5) = 3, unavailable = floor(2.5) = 2, so a rollout may run
up to 13 pods and must keep at least 8 available.  R = 1: surge = ceil(0.25) = 1, unavailable = 0.
"""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from kubeferry.controllers.ownership import get_controller_of, new_controller_ref
from kubeferry.machinery.intstr import IntOrStringError, get_scaled_value_from_int_or_percent
from kubeferry.machinery.podutil import format_time, parse_time

# --- names ------------------------------------------------------------------------------------------

APPS_V1 = "apps/v1"
DEPLOYMENT_KIND = "Deployment"
REPLICA_SET_KIND = "ReplicaSet"

POD_TEMPLATE_HASH_LABEL = "pod-template-hash"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"
ROLLBACK_TO_ANNOTATION = "deprecated.deployment.rollback.to"
LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"

# Deployment annotations never copied to the new ReplicaSet (and kept by a legacy rollback).
ANNOTATIONS_TO_SKIP = frozenset(
    {
        LAST_APPLIED_ANNOTATION,
        REVISION_ANNOTATION,
        REVISION_HISTORY_ANNOTATION,
        DESIRED_REPLICAS_ANNOTATION,
        MAX_REPLICAS_ANNOTATION,
        ROLLBACK_TO_ANNOTATION,
    }
)

# revision-history keeps the newest entries that fit in this many characters.
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000
# progressDeadlineSeconds / revisionHistoryLimit equal to this mean "not set".
MAX_INT32 = 2147483647
# A ReplicaSet name is a DNS-1123 subdomain.
DNS1123_SUBDOMAIN_MAX_LENGTH = 253

STRATEGY_ROLLING_UPDATE = "RollingUpdate"
STRATEGY_RECREATE = "Recreate"

# Condition types and statuses.
COND_AVAILABLE = "Available"
COND_PROGRESSING = "Progressing"
COND_REPLICA_FAILURE = "ReplicaFailure"
TRUE, FALSE, UNKNOWN = "True", "False", "Unknown"

# Condition reasons.
REASON_REPLICA_SET_UPDATED = "ReplicaSetUpdated"
REASON_FAILED_RS_CREATE = "ReplicaSetCreateError"
REASON_NEW_REPLICA_SET = "NewReplicaSetCreated"
REASON_FOUND_NEW_RS = "FoundNewReplicaSet"
REASON_NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
REASON_TIMED_OUT = "ProgressDeadlineExceeded"
REASON_PAUSED = "DeploymentPaused"
REASON_RESUMED = "DeploymentResumed"
REASON_MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
REASON_MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"

# Condition messages (format strings take the quoted name where shown).
MSG_MINIMUM_AVAILABLE = "Deployment has minimum availability."
MSG_MINIMUM_UNAVAILABLE = "Deployment does not have minimum availability."
MSG_PAUSED = "Deployment is paused"
MSG_RESUMED = "Deployment is resumed"

# Events.
EVENT_NORMAL = "Normal"
EVENT_WARNING = "Warning"
EVENT_SCALING_REPLICA_SET = "ScalingReplicaSet"
EVENT_SELECTING_ALL = "SelectingAll"
EVENT_ROLLBACK_DONE = "DeploymentRollback"
EVENT_ROLLBACK_REVISION_NOT_FOUND = "DeploymentRollbackRevisionNotFound"
EVENT_ROLLBACK_TEMPLATE_UNCHANGED = "DeploymentRollbackTemplateUnchanged"
MSG_SELECTING_ALL = "This deployment is selecting all pods. A non-empty selector is required."
MSG_LAST_REVISION_NOT_FOUND = "Unable to find last revision."
MSG_REVISION_NOT_FOUND = "Unable to find the revision to rollback to."
# v1.37 wording (the older "Scaled up replica set X to N" / "… to N from M" changed upstream in 2024).
MSG_SCALED_NEW = "Scaled up replica set {name} from 0 to {new}"
MSG_SCALED = "Scaled {direction} replica set {name} from {old} to {new}"
MSG_ROLLED_BACK = "Rolled back deployment {name} to revision {revision}"
MSG_ROLLBACK_TEMPLATE_UNCHANGED = "The rollback revision contains the same template as current deployment {name}"
MSG_FOUND_NEW_RS = "Found new replica set {name}"
MSG_CREATED_NEW_RS = "Created new replica set {name}"
MSG_RS_PROGRESSED = "ReplicaSet {name} has successfully progressed."
MSG_DEPLOYMENT_PROGRESSED = "Deployment {name} has successfully progressed."
MSG_RS_PROGRESSING = "ReplicaSet {name} is progressing."
MSG_DEPLOYMENT_PROGRESSING = "Deployment {name} is progressing."
MSG_RS_TIMED_OUT = "ReplicaSet {name} has timed out progressing."
MSG_DEPLOYMENT_TIMED_OUT = "Deployment {name} has timed out progressing."

# A sync that ends in an error is retried by the workqueue's rate limiter; its first delay is 5 ms.
RATE_LIMITED_REQUEUE_SECONDS = 0.005

_GO_INT_RE = re.compile(r"[+-]?[0-9]+")
_ZERO_TIME = _dt.datetime.min.replace(tzinfo=_dt.UTC)


class SyncError(Exception):
    """Ends one sync pass the way an upstream `return err` does (the runner retries the key)."""


def go_quote(text: str) -> str:
    """Go's `%q` for the plain names used in messages."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- small accessors --------------------------------------------------------------------------------


def meta(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (obj or {}).get("metadata") or {}


def spec(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (obj or {}).get("spec") or {}


def status(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (obj or {}).get("status") or {}


def name_of(obj: Mapping[str, Any] | None) -> str:
    return meta(obj).get("name", "")


def uid_of(obj: Mapping[str, Any] | None) -> str:
    return meta(obj).get("uid", "")


def annotations(obj: Mapping[str, Any] | None) -> Mapping[str, str]:
    return meta(obj).get("annotations") or {}


def replicas(obj: Mapping[str, Any] | None) -> int:
    """`spec.replicas` of a Deployment or ReplicaSet (missing means the API default, 1)."""
    value = spec(obj).get("replicas")
    return 1 if value is None else int(value)


def status_int(obj: Mapping[str, Any] | None, field: str) -> int:
    return int(status(obj).get(field) or 0)


def parse_go_int(text: Any) -> int | None:
    """Go `strconv.Atoi`/`ParseInt` on a string: an int, or None when it does not parse."""
    if not isinstance(text, str) or not _GO_INT_RE.fullmatch(text):
        return None
    return int(text)


def object_reference(obj: Mapping[str, Any]) -> dict:
    """The ObjectReference an event is recorded against."""
    m = meta(obj)
    ref = {
        "apiVersion": obj.get("apiVersion") or APPS_V1,
        "kind": obj.get("kind") or DEPLOYMENT_KIND,
        "namespace": m.get("namespace", ""),
        "name": m.get("name", ""),
        "uid": m.get("uid", ""),
    }
    if m.get("resourceVersion"):
        ref["resourceVersion"] = m["resourceVersion"]
    return ref


# --- strategy and fenceposts ------------------------------------------------------------------------


def strategy_type(d: Mapping[str, Any]) -> str:
    return (spec(d).get("strategy") or {}).get("type") or STRATEGY_ROLLING_UPDATE


def is_rolling_update(d: Mapping[str, Any]) -> bool:
    return strategy_type(d) == STRATEGY_ROLLING_UPDATE


def _rolling_params(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return (spec(d).get("strategy") or {}).get("rollingUpdate") or {}


def resolve_fenceposts(max_surge: int | str | None, max_unavailable: int | str | None, desired: int) -> tuple[int, int]:
    """(surge, unavailable) for `desired` replicas; raises IntOrStringError for a malformed value.

    Surge rounds up and unavailable rounds down; a missing value counts as 0; if both come out 0,
    unavailable becomes 1 (a rollout must be able to move).
    """
    surge = get_scaled_value_from_int_or_percent(0 if max_surge is None else max_surge, desired, True)
    unavailable = get_scaled_value_from_int_or_percent(
        0 if max_unavailable is None else max_unavailable, desired, False
    )
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: Mapping[str, Any]) -> int:
    """Pods allowed above R during a rolling update; 0 for Recreate (and for a malformed value)."""
    if not is_rolling_update(d):
        return 0
    params = _rolling_params(d)
    try:
        surge, _ = resolve_fenceposts(params.get("maxSurge"), params.get("maxUnavailable"), replicas(d))
    except IntOrStringError:
        return 0
    return surge


def max_unavailable(d: Mapping[str, Any]) -> int:
    """Pods allowed below R; 0 for Recreate or R == 0, never more than R."""
    desired = replicas(d)
    if not is_rolling_update(d) or desired == 0:
        return 0
    params = _rolling_params(d)
    try:
        _, unavailable = resolve_fenceposts(params.get("maxSurge"), params.get("maxUnavailable"), desired)
    except IntOrStringError:
        return 0
    return min(unavailable, desired)


def min_available(d: Mapping[str, Any]) -> int:
    if not is_rolling_update(d):
        return 0
    return replicas(d) - max_unavailable(d)


def new_rs_new_replicas(
    d: Mapping[str, Any], all_rss: Iterable[Mapping[str, Any] | None], new_rs: Mapping[str, Any]
) -> int:
    """The size the new ReplicaSet may grow to in this sync (upstream NewRSNewReplicas).

    RollingUpdate: with maxTotal = R + surge and current = Σ spec.replicas, the new RS grows by
    min(maxTotal − current, R − new) when current < maxTotal.  Example: R = 10, surge 3, old RS 10 and a
    fresh new RS at 0 → min(13 − 10, 10 − 0) = 3.  Recreate: R.
    """
    kind = strategy_type(d)
    desired = replicas(d)
    if kind == STRATEGY_ROLLING_UPDATE:
        try:
            surge = get_scaled_value_from_int_or_percent(_rolling_params(d).get("maxSurge"), desired, True)
        except IntOrStringError as err:
            raise SyncError(str(err)) from None
        current = get_replica_count(all_rss)
        max_total = desired + surge
        if current >= max_total:
            return replicas(new_rs)
        return replicas(new_rs) + min(max_total - current, desired - replicas(new_rs))
    if kind == STRATEGY_RECREATE:
        return desired
    raise SyncError(f"deployment type {kind} isn't supported")


# --- counting ---------------------------------------------------------------------------------------


def get_replica_count(rss: Iterable[Mapping[str, Any] | None]) -> int:
    """Σ spec.replicas."""
    return sum(replicas(rs) for rs in rss if rs is not None)


def get_actual_replica_count(rss: Iterable[Mapping[str, Any] | None]) -> int:
    """Σ status.replicas."""
    return sum(status_int(rs, "replicas") for rs in rss if rs is not None)


def get_ready_replica_count(rss: Iterable[Mapping[str, Any] | None]) -> int:
    return sum(status_int(rs, "readyReplicas") for rs in rss if rs is not None)


def get_available_replica_count(rss: Iterable[Mapping[str, Any] | None]) -> int:
    return sum(status_int(rs, "availableReplicas") for rs in rss if rs is not None)


def get_terminating_replica_count(rss: Iterable[Mapping[str, Any] | None]) -> int | None:
    """Σ status.terminatingReplicas; None when a ReplicaSet its controller has synced does not report it."""
    total = 0
    for rs in rss:
        if rs is None:
            continue
        value = status(rs).get("terminatingReplicas")
        if value is None:
            if status_int(rs, "observedGeneration") == 0:
                continue  # never synced: contributes nothing
            return None
        total += int(value)
    return total


def filter_active(rss: Iterable[Mapping[str, Any] | None]) -> list[Any]:
    """ReplicaSets with spec.replicas > 0."""
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


# --- ordering ---------------------------------------------------------------------------------------


def creation_key(rs: Mapping[str, Any]) -> tuple[_dt.datetime, str]:
    """Oldest first, ties by name (upstream ReplicaSetsByCreationTimestamp); missing time sorts first."""
    return (parse_time(meta(rs).get("creationTimestamp")) or _ZERO_TIME, name_of(rs))


def sort_by_creation(rss: Iterable[Any], *, newest_first: bool = False) -> list[Any]:
    return sorted(rss, key=creation_key, reverse=newest_first)


def sort_by_size(rss: Iterable[Any], *, newer_first: bool) -> list[Any]:
    """Largest spec.replicas first; equal sizes newer first (`newer_first`) or older first."""

    def cmp(a: Mapping[str, Any], b: Mapping[str, Any]) -> int:
        if replicas(a) != replicas(b):
            return -1 if replicas(a) > replicas(b) else 1
        ka, kb = creation_key(a), creation_key(b)
        if ka == kb:
            return 0
        older = -1 if ka < kb else 1
        return -older if newer_first else older

    return sorted(rss, key=functools.cmp_to_key(cmp))


def sort_by_revision(rss: Iterable[Any]) -> list[Any]:
    """Ascending revision; missing = 0; equal or unparsable revisions fall back to creation order."""

    def cmp(a: Mapping[str, Any], b: Mapping[str, Any]) -> int:
        ra, rb = revision(a), revision(b)
        if ra is None or rb is None or ra == rb:
            ka, kb = creation_key(a), creation_key(b)
            return (ka > kb) - (ka < kb)
        return -1 if ra < rb else 1

    return sorted(rss, key=functools.cmp_to_key(cmp))


# --- revisions --------------------------------------------------------------------------------------


def revision(obj: Mapping[str, Any] | None) -> int | None:
    """The revision annotation: 0 when missing, None when it does not parse (callers skip it)."""
    if obj is None:
        return None
    value = annotations(obj).get(REVISION_ANNOTATION)
    if value is None:
        return 0
    return parse_go_int(value)


def max_revision(rss: Iterable[Mapping[str, Any] | None]) -> int:
    best = 0
    for rs in rss:
        v = revision(rs)
        if v is not None and v > best:
            best = v
    return best


def last_revision(rss: Iterable[Mapping[str, Any] | None]) -> int:
    """The second-highest revision (a tie for the highest counts twice): what "previous" means for rollback."""
    first = second = 0
    for rs in rss:
        v = revision(rs)
        if v is None:
            continue
        if v >= first:
            first, second = v, first
        elif v > second:
            second = v
    return second


def set_deployment_revision(d: dict, value: str) -> bool:
    """Set the Deployment's revision annotation; True if it changed."""
    ann = d.setdefault("metadata", {}).setdefault("annotations", {})
    if ann is None:
        ann = d["metadata"]["annotations"] = {}
    if ann.get(REVISION_ANNOTATION) != value:
        ann[REVISION_ANNOTATION] = value
        return True
    return False


def _rs_annotations(rs: dict) -> dict:
    m = rs.setdefault("metadata", {})
    if m.get("annotations") is None:
        m["annotations"] = {}
    return m["annotations"]


def copy_deployment_annotations(d: Mapping[str, Any], rs: dict) -> bool:
    """Copy every Deployment annotation except ANNOTATIONS_TO_SKIP onto `rs`; True if any was added or changed.

    Keys the Deployment no longer has are left on the ReplicaSet.
    """
    target = _rs_annotations(rs)
    changed = False
    for key, value in annotations(d).items():
        if key in ANNOTATIONS_TO_SKIP or (key in target and target[key] == value):
            continue
        target[key] = value
        changed = True
    return changed


def replicas_annotations_need_update(rs: Mapping[str, Any], desired: int, max_replicas: int) -> bool:
    ann = meta(rs).get("annotations")
    if ann is None:
        return True
    return ann.get(DESIRED_REPLICAS_ANNOTATION) != str(desired) or ann.get(MAX_REPLICAS_ANNOTATION) != str(max_replicas)


def set_replicas_annotations(rs: dict, desired: int, max_replicas: int) -> bool:
    ann = _rs_annotations(rs)
    changed = False
    for key, value in ((DESIRED_REPLICAS_ANNOTATION, str(desired)), (MAX_REPLICAS_ANNOTATION, str(max_replicas))):
        if ann.get(key) != value:
            ann[key] = value
            changed = True
    return changed


def _int32_annotation(rs: Mapping[str, Any], key: str) -> int | None:
    value = parse_go_int(annotations(rs).get(key))
    if value is None or not -(2**31) <= value < 2**31:
        return None
    return value


def get_desired_replicas_annotation(rs: Mapping[str, Any]) -> int | None:
    return _int32_annotation(rs, DESIRED_REPLICAS_ANNOTATION)


def get_max_replicas_annotation(rs: Mapping[str, Any]) -> int | None:
    return _int32_annotation(rs, MAX_REPLICAS_ANNOTATION)


def append_revision_history(
    history: str, old_revision: str, limit: int = MAX_REV_HISTORY_LENGTH_IN_CHARS
) -> str | None:
    """revision-history with `old_revision` appended, oldest entries dropped to stay within `limit` chars.

    Returns None when even dropping everything cannot make room (the annotation is left alone).
    Example: history "1,2" + "4" → "1,2,4".
    """
    entries = history.split(",")
    if not entries[0]:
        return old_revision
    total = len(history) + len(old_revision) + 1
    start = 0
    while total > limit and start < len(entries):
        total -= len(entries[start]) + 1
        start += 1
    if total > limit:
        return None
    return ",".join([*entries[start:], old_revision])


def set_new_replica_set_annotations(
    d: Mapping[str, Any], rs: dict, new_revision: str, exists: bool, limit: int = MAX_REV_HISTORY_LENGTH_IN_CHARS
) -> bool:
    """Bring the new ReplicaSet's annotations up to date; True if anything changed.

    Copies the Deployment's annotations (copy rule), raises the revision to `new_revision` only if it is
    higher — recording the replaced revision in revision-history when there was one (a rollback re-uses an
    old ReplicaSet: revision 1 raised to 3 leaves revision-history "1") — and, for a ReplicaSet about to be
    created, sets desired-replicas/max-replicas.
    """
    changed = copy_deployment_annotations(d, rs)
    ann = _rs_annotations(rs)
    had_revision = REVISION_ANNOTATION in ann
    old_text = ann.get(REVISION_ANNOTATION, "")
    old_value = parse_go_int(old_text)
    if old_value is None:
        if old_text != "":
            return False
        old_value = 0
    new_value = parse_go_int(new_revision)
    if new_value is None:
        return False
    if old_value < new_value:
        ann[REVISION_ANNOTATION] = new_revision
        changed = True
        if had_revision:
            history = append_revision_history(ann.get(REVISION_HISTORY_ANNOTATION, ""), old_text, limit)
            if history is not None:
                ann[REVISION_HISTORY_ANNOTATION] = history
    if not exists and set_replicas_annotations(rs, replicas(d), replicas(d) + max_surge(d)):
        changed = True
    return changed


# --- templates --------------------------------------------------------------------------------------


def _prune(value: Any) -> Any:
    """Drop None, {} and [] recursively: Kubernetes' semantic equality treats nil and empty alike."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value  # a JSON scalar, without the (slower) Mapping check
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            pv = _prune(v)
            if pv is None or pv == {} or pv == []:
                continue
            out[k] = pv
        return out
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _without_hash(template: Mapping[str, Any] | None) -> Any:
    """The template pruned (`_prune` builds new containers all the way down), its labels without the
    pod-template-hash: the label is left out of a copy of the labels and metadata before pruning, so
    labels that held only the hash are pruned away as empty."""
    t = dict(template or {})
    meta = t.get("metadata") or {}
    labels = meta.get("labels")
    if labels and POD_TEMPLATE_HASH_LABEL in labels:
        t["metadata"] = {**meta, "labels": {k: v for k, v in labels.items() if k != POD_TEMPLATE_HASH_LABEL}}
    return _prune(t)


def equal_ignore_hash(t1: Mapping[str, Any] | None, t2: Mapping[str, Any] | None) -> bool:
    """Pod templates equal once the pod-template-hash label is removed from both."""
    return _without_hash(t1) == _without_hash(t2)


def find_new_replica_set(d: Mapping[str, Any], rss: Iterable[Any]) -> Any:
    """The oldest ReplicaSet whose template equals the Deployment's ignoring the hash, or None."""
    template = spec(d).get("template")
    for rs in sort_by_creation(rss):
        if equal_ignore_hash(spec(rs).get("template"), template):
            return rs
    return None


def rs_name(deployment_name: str, template_hash: str) -> str:
    """`<deployment>-<hash>`, the Deployment name cut so the result stays a valid subdomain."""
    room = DNS1123_SUBDOMAIN_MAX_LENGTH - 1 - len(template_hash)
    if len(deployment_name) > room > 0:
        deployment_name = deployment_name[:room]
    return f"{deployment_name}-{template_hash}"


def new_replica_set(d: Mapping[str, Any], template_hash: str, new_revision: str) -> dict:
    """The ReplicaSet a Deployment creates for its current template (spec.replicas set by the caller).

    Labels, selector and template carry `pod-template-hash`; the owner reference names the Deployment
    as controller; annotations follow the copy rule plus revision, desired-replicas and max-replicas.
    """
    d_spec = spec(d)
    template = copy.deepcopy(d_spec.get("template") or {})
    template_meta = template.setdefault("metadata", {})
    labels = dict(template_meta.get("labels") or {})
    labels[POD_TEMPLATE_HASH_LABEL] = template_hash
    template_meta["labels"] = labels
    selector = copy.deepcopy(d_spec.get("selector") or {})
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), POD_TEMPLATE_HASH_LABEL: template_hash}
    rs_spec: dict[str, Any] = {"replicas": 0, "selector": selector, "template": template}
    if d_spec.get("minReadySeconds"):
        rs_spec["minReadySeconds"] = d_spec["minReadySeconds"]
    rs = {
        "apiVersion": APPS_V1,
        "kind": REPLICA_SET_KIND,
        "metadata": {
            "name": rs_name(name_of(d), template_hash),
            "namespace": meta(d).get("namespace", ""),
            "labels": dict(labels),
            "ownerReferences": [new_controller_ref(d, APPS_V1, DEPLOYMENT_KIND)],
        },
        "spec": rs_spec,
    }
    set_new_replica_set_annotations(d, rs, new_revision, exists=False)
    return rs


def is_controlled_by_uid(obj: Mapping[str, Any], uid: str) -> bool:
    ref = get_controller_of(obj)
    return ref is not None and ref.get("uid") == uid


def set_from_replica_set_template(d: dict, template: Mapping[str, Any]) -> None:
    """Deployment template := the ReplicaSet's template without the pod-template-hash label."""
    new_template = copy.deepcopy(dict(template))
    labels = (new_template.get("metadata") or {}).get("labels")
    if labels is not None:
        new_template["metadata"]["labels"] = {k: v for k, v in labels.items() if k != POD_TEMPLATE_HASH_LABEL}
    d.setdefault("spec", {})["template"] = new_template


def set_deployment_annotations_to(d: dict, rs: Mapping[str, Any]) -> None:
    """Deployment annotations := its own skip-list annotations + the ReplicaSet's other annotations."""
    kept = {k: v for k, v in annotations(d).items() if k in ANNOTATIONS_TO_SKIP}
    for key, value in annotations(rs).items():
        if key not in ANNOTATIONS_TO_SKIP:
            kept[key] = value
    d.setdefault("metadata", {})["annotations"] = kept


# --- scaling helpers --------------------------------------------------------------------------------


def is_saturated(d: Mapping[str, Any], rs: Mapping[str, Any] | None) -> bool:
    """The new RS runs R replicas, all available, and was last scaled for R."""
    if rs is None:
        return False
    desired = parse_go_int(annotations(rs).get(DESIRED_REPLICAS_ANNOTATION))
    if desired is None:
        return False
    r = replicas(d)
    return replicas(rs) == r and desired == r and status_int(rs, "availableReplicas") == r


def find_active_or_latest(new_rs: Any, old_rss: list[Any]) -> Any:
    """The only active ReplicaSet; with none active, the new one (else the newest old one); None if several."""
    if new_rs is None and not old_rss:
        return None
    newest_first = sort_by_creation(old_rss, newest_first=True)
    active = filter_active([*newest_first, new_rs])
    if not active:
        return new_rs if new_rs is not None else newest_first[0]
    if len(active) == 1:
        return active[0]
    return None


def round_half_away_from_zero(value: float) -> int:
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def get_replica_set_fraction(rs: Mapping[str, Any], d: Mapping[str, Any]) -> int:
    """How many replicas `rs` gains (or loses) when the Deployment's max size changes, before capping.

    fraction = round(spec × (R + surge) / maxReplicasBefore) − spec, maxReplicasBefore from the
    max-replicas annotation (else the Deployment's status.replicas; 0 there → 0).  Example: R 5→10,
    surge 25% (3), RS at 2 annotated max 7 (5 + 2): round(2 × 13 / 7) − 2 = round(3.71) − 2 = 2.
    """
    size = replicas(rs)
    if replicas(d) == 0:
        return -size
    deployment_max = replicas(d) + max_surge(d)
    before = get_max_replicas_annotation(rs)
    if not before:
        before = status_int(d, "replicas")
        if before == 0:
            return 0
    return round_half_away_from_zero(size * deployment_max / before) - size


def get_replica_set_proportion(rs: Mapping[str, Any] | None, d: Mapping[str, Any], to_add: int, added: int) -> int:
    """The share of `to_add − added` this ReplicaSet takes, never overshooting what is left."""
    if rs is None or replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = get_replica_set_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


# --- conditions -------------------------------------------------------------------------------------


def has_progress_deadline(d: Mapping[str, Any]) -> bool:
    value = spec(d).get("progressDeadlineSeconds")
    return value is not None and value != MAX_INT32


def has_revision_history_limit(d: Mapping[str, Any]) -> bool:
    value = spec(d).get("revisionHistoryLimit")
    return value is not None and value != MAX_INT32


def new_condition(cond_type: str, cond_status: str, reason: str, message: str, now: _dt.datetime) -> dict:
    stamp = format_time(now)
    return {
        "type": cond_type,
        "status": cond_status,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
        "reason": reason,
        "message": message,
    }


def get_condition(st: Mapping[str, Any] | None, cond_type: str) -> dict | None:
    for cond in (st or {}).get("conditions") or ():
        if cond.get("type") == cond_type:
            return cond
    return None


def set_condition(st: dict, condition: dict) -> None:
    """Upstream SetDeploymentCondition: same status and reason → no-op; same status → keep lastTransitionTime;
    otherwise the condition of that type is replaced and moves to the end."""
    current = get_condition(st, condition["type"])
    if (
        current is not None
        and current.get("status") == condition["status"]
        and current.get("reason") == condition.get("reason")
    ):
        return
    condition = dict(condition)
    if current is not None and current.get("status") == condition["status"]:
        condition["lastTransitionTime"] = current.get("lastTransitionTime")
    kept = [c for c in st.get("conditions") or () if c.get("type") != condition["type"]]
    st["conditions"] = [*kept, condition]


def remove_condition(st: dict, cond_type: str) -> None:
    conditions = st.get("conditions")
    if not conditions:
        return
    kept = [c for c in conditions if c.get("type") != cond_type]
    if kept:
        st["conditions"] = kept
    else:
        st.pop("conditions", None)


def deployment_complete(d: Mapping[str, Any], st: Mapping[str, Any]) -> bool:
    """All R replicas updated, present and available, and the current generation observed."""
    r = replicas(d)
    return (
        int(st.get("updatedReplicas") or 0) == r
        and int(st.get("replicas") or 0) == r
        and int(st.get("availableReplicas") or 0) == r
        and int(st.get("observedGeneration") or 0) >= int(meta(d).get("generation") or 0)
    )


def deployment_progressing(d: Mapping[str, Any], new_status: Mapping[str, Any]) -> bool:
    """Any progress from the Deployment's current status to `new_status`."""
    old = status(d)

    def n(st: Mapping[str, Any], field: str) -> int:
        return int(st.get(field) or 0)

    old_old = n(old, "replicas") - n(old, "updatedReplicas")
    new_old = n(new_status, "replicas") - n(new_status, "updatedReplicas")
    return (
        n(new_status, "updatedReplicas") > n(old, "updatedReplicas")
        or new_old < old_old
        or n(new_status, "readyReplicas") > n(old, "readyReplicas")
        or n(new_status, "availableReplicas") > n(old, "availableReplicas")
    )


def deployment_timed_out(d: Mapping[str, Any], new_status: Mapping[str, Any], now: _dt.datetime) -> bool:
    """Progressing's lastUpdateTime + progressDeadlineSeconds is strictly before `now`."""
    if not has_progress_deadline(d):
        return False
    cond = get_condition(new_status, COND_PROGRESSING)
    if cond is None:
        return False
    if cond.get("reason") == REASON_NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == REASON_TIMED_OUT:
        return True
    since = parse_time(cond.get("lastUpdateTime")) or _ZERO_TIME
    return since + _dt.timedelta(seconds=int(spec(d)["progressDeadlineSeconds"])) < now


# --- status -----------------------------------------------------------------------------------------

_STATUS_COUNTERS = (
    "observedGeneration",
    "replicas",
    "updatedReplicas",
    "readyReplicas",
    "availableReplicas",
    "unavailableReplicas",
)


def normalize_status(st: Mapping[str, Any] | None) -> dict:
    """A DeploymentStatus as the API serialises it: zero counters and empty lists omitted."""
    st = st or {}
    out: dict[str, Any] = {}
    for field in _STATUS_COUNTERS:
        if st.get(field):
            out[field] = int(st[field])
    if st.get("terminatingReplicas") is not None:
        out["terminatingReplicas"] = int(st["terminatingReplicas"])
    if st.get("conditions"):
        out["conditions"] = [{k: v for k, v in c.items() if v not in (None, "")} for c in st["conditions"]]
    if st.get("collisionCount") is not None:
        out["collisionCount"] = int(st["collisionCount"])
    return out
