"""DaemonSet helpers (upstream `pkg/controller/daemon/util` plus the placement predicates): names, pod shape, fit.

Owns the small facts every part of the DaemonSet controller asks:

* **constants** — label and annotation keys, event reasons and messages, the burst cap (250), the
  failed-pod backoff bounds (1 s doubling to 15 min).
* **the pod a DaemonSet creates** (`create_pod_template`, `new_daemon_pod`): the template with the default
  daemon tolerations added, labels `controller-revision-hash: <hash>` (the bare hash) and, when the
  DaemonSet carries `deprecated.daemonset.template.generation`, `pod-template-generation: <n>`; then its
  required node affinity replaced by `matchFields metadata.name In [<node>]`, so the scheduler binds it
  (upstream since 1.12 — `spec.nodeName` stays empty).  Default tolerations (Exists):
  `node.kubernetes.io/not-ready` and `…/unreachable` NoExecute; `…/disk-pressure`, `…/memory-pressure`,
  `…/pid-pressure`, `…/unschedulable` NoSchedule; `…/network-unavailable` NoSchedule for hostNetwork pods.
  An existing toleration equal in key, operator, value and effect is replaced, not duplicated.
* **placement** — `node_should_run_daemon_pod(node, ds) -> (should_run, should_continue_running)`, tested
  on the template pod with the node's name and the default tolerations: the template's `nodeName` (if set)
  must be the node; `nodeSelector` and required node affinity must match; then the node's NoSchedule and
  NoExecute taints must be tolerated for `should_run`, and only its NoExecute taints for
  `should_continue_running`.  `spec.unschedulable` is not looked at (the unschedulable taint is tolerated),
  so cordoned nodes still get daemon pods.  Worked example: a node tainted `not-ready:NoSchedule` → (False,
  True): no new pod, an existing one stays.
* **rolling-update arithmetic** — `surge_count` and `unavailable_count` scale an int-or-percent of the
  desired node count **rounding up** (10% of 15 nodes → 2); no surge unless the strategy is RollingUpdate
  with `maxSurge` set.
* **pod facts** — `is_pod_updated` (hash label equals the current hash, or pod-template-generation equals the
  DaemonSet's), `get_target_node_name` (`spec.nodeName`, else the single `metadata.name In` matchFields
  value), the "oldest first" order (scheduled before unscheduled, then creationTimestamp, then name).
* **`FailedPodBackoff`** — upstream's `flowcontrol.Backoff` keyed `<ds uid>/<observedGeneration>/<node>`: the
  first failed pod on a node is deleted at once; further ones wait 1 s, 2 s, 4 s … (at most 15 min) after
  the previous deletion; an entry untouched for 30 min starts over.  It is state the runner keeps between
  passes (one instance per controller); a pass reads and advances it.

Pure apart from `FailedPodBackoff`'s own entries.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from kubeferry.controllers.ownership import new_controller_ref
from kubeferry.machinery import podutil
from kubeferry.machinery.intstr import get_scaled_value_from_int_or_percent

API_VERSION = "apps/v1"
KIND = "DaemonSet"
POD_API_VERSION = "v1"
POD_KIND = "Pod"

# Labels and annotations.
DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY = "controller-revision-hash"
TEMPLATE_GENERATION_LABEL_KEY = "pod-template-generation"
DEPRECATED_TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"

# Strategies.
ROLLING_UPDATE = "RollingUpdate"
ON_DELETE = "OnDelete"

# At most this many pod creates and this many pod deletes per sync (upstream BurstReplicas).
BURST_REPLICAS = 250

# Failed-pod deletion backoff (kube-controller-manager: NewBackOff(1s, 15min)).
FAILED_POD_BACKOFF_INITIAL_SECONDS = 1.0
FAILED_POD_BACKOFF_MAX_SECONDS = 15 * 60.0

# Events the DaemonSet controller records itself (pod create/delete events come from the executor).
REASON_SELECTING_ALL = "SelectingAll"
REASON_FAILED_DAEMON_POD = "FailedDaemonPod"
REASON_SUCCEEDED_DAEMON_POD = "SucceededDaemonPod"
MESSAGE_SELECTING_ALL = "This daemon set is selecting all pods. A non-empty selector is required."
MESSAGE_FAILED_DAEMON_POD = "Found failed daemon pod {namespace}/{name} on node {node}, will try to kill it"
MESSAGE_SUCCEEDED_DAEMON_POD = "Found succeeded daemon pod {namespace}/{name} on node {node}, will try to delete it"

# Taints and tolerations.
EFFECT_NO_SCHEDULE = "NoSchedule"
EFFECT_NO_EXECUTE = "NoExecute"
OP_EXISTS = "Exists"
OP_EQUAL = "Equal"
TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_DISK_PRESSURE = "node.kubernetes.io/disk-pressure"
TAINT_MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure"
TAINT_PID_PRESSURE = "node.kubernetes.io/pid-pressure"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
TAINT_NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable"

DEFAULT_DAEMON_TOLERATIONS = (
    (TAINT_NOT_READY, EFFECT_NO_EXECUTE),
    (TAINT_UNREACHABLE, EFFECT_NO_EXECUTE),
    (TAINT_DISK_PRESSURE, EFFECT_NO_SCHEDULE),
    (TAINT_MEMORY_PRESSURE, EFFECT_NO_SCHEDULE),
    (TAINT_PID_PRESSURE, EFFECT_NO_SCHEDULE),
    (TAINT_UNSCHEDULABLE, EFFECT_NO_SCHEDULE),
)
HOST_NETWORK_TOLERATION = (TAINT_NETWORK_UNAVAILABLE, EFFECT_NO_SCHEDULE)

# Node affinity.
OBJECT_NAME_FIELD = "metadata.name"
OP_IN = "In"
OP_NOT_IN = "NotIn"
OP_DOES_NOT_EXIST = "DoesNotExist"
OP_GT = "Gt"
OP_LT = "Lt"

_INT64_RE = re.compile(r"[+-]?[0-9]+")
_ZERO_TIME = _dt.datetime.min.replace(tzinfo=_dt.UTC)


# --- accessors ------------------------------------------------------------------------------------------


def meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("spec") or {}


def status(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("status") or {}


def name_of(obj: Mapping[str, Any]) -> str:
    return meta(obj).get("name") or ""


def labels_of(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return meta(obj).get("labels") or {}


def template_of(ds: Mapping[str, Any]) -> Mapping[str, Any]:
    return spec(ds).get("template") or {}


def min_ready_seconds(ds: Mapping[str, Any]) -> int:
    return int(spec(ds).get("minReadySeconds") or 0)


def strategy_type(ds: Mapping[str, Any]) -> str:
    return (spec(ds).get("updateStrategy") or {}).get("type") or ROLLING_UPDATE


def object_reference(ds: Mapping[str, Any]) -> dict:
    """What an Event about the DaemonSet points at."""
    m = meta(ds)
    return {
        "apiVersion": ds.get("apiVersion") or API_VERSION,
        "kind": ds.get("kind") or KIND,
        "metadata": {
            "name": m.get("name", ""),
            "namespace": m.get("namespace", ""),
            "uid": m.get("uid", ""),
            "resourceVersion": m.get("resourceVersion", ""),
        },
    }


# --- template generation, updated pods ------------------------------------------------------------------


def get_template_generation(ds: Mapping[str, Any]) -> int | None:
    """The `deprecated.daemonset.template.generation` annotation as an int; None when absent or unparsable."""
    value = (meta(ds).get("annotations") or {}).get(DEPRECATED_TEMPLATE_GENERATION_ANNOTATION)
    if value is None or not _INT64_RE.fullmatch(str(value)):
        return None
    return int(value)


def is_pod_updated(pod: Mapping[str, Any], hash_: str, generation: int | None) -> bool:
    """The pod runs the current version: its hash label is `hash_`, or its template generation is `generation`."""
    labels = labels_of(pod)
    template_matches = generation is not None and labels.get(TEMPLATE_GENERATION_LABEL_KEY) == str(generation)
    hash_matches = bool(hash_) and labels.get(DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY) == hash_
    return hash_matches or template_matches


# --- tolerations and taints -----------------------------------------------------------------------------


def _same_toleration(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all((a.get(k) or "") == (b.get(k) or "") for k in ("key", "operator", "value", "effect"))


def add_or_update_toleration(pod_spec: dict, toleration: Mapping[str, Any]) -> None:
    """Append `toleration` to the pod spec unless an equal one (key, operator, value, effect) is there."""
    tolerations = list(pod_spec.get("tolerations") or [])
    for index, existing in enumerate(tolerations):
        if _same_toleration(existing, toleration):
            tolerations[index] = dict(toleration) if existing != toleration else existing
            pod_spec["tolerations"] = tolerations
            return
    tolerations.append(dict(toleration))
    pod_spec["tolerations"] = tolerations


def add_daemon_tolerations(pod_spec: dict) -> None:
    """Add the default daemon tolerations (module doc) to `pod_spec` in place."""
    wanted = list(DEFAULT_DAEMON_TOLERATIONS)
    if pod_spec.get("hostNetwork"):
        wanted.append(HOST_NETWORK_TOLERATION)
    for key, effect in wanted:
        add_or_update_toleration(pod_spec, {"key": key, "operator": OP_EXISTS, "effect": effect})


def toleration_tolerates_taint(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """Upstream ToleratesTaint: effect (empty = all), key (empty = all), then Exists, or Equal on values."""
    effect = toleration.get("effect") or ""
    if effect and effect != (taint.get("effect") or ""):
        return False
    key = toleration.get("key") or ""
    if key and key != (taint.get("key") or ""):
        return False
    operator = toleration.get("operator") or ""
    if operator in ("", OP_EQUAL):
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return operator == OP_EXISTS


def find_untolerated_taint(
    taints: Iterable[Mapping[str, Any]], tolerations: Iterable[Mapping[str, Any]], effects: tuple[str, ...]
) -> Mapping[str, Any] | None:
    """The first taint with one of `effects` that no toleration tolerates, or None."""
    tolerations = list(tolerations)
    for taint in taints:
        if (taint.get("effect") or "") not in effects:
            continue
        if not any(toleration_tolerates_taint(t, taint) for t in tolerations):
            return taint
    return None


# --- node selector and affinity -------------------------------------------------------------------------


def _requirement_matches(expression: Mapping[str, Any], values: Mapping[str, str]) -> bool | None:
    """True/False, or None when the requirement is invalid (its whole term is then ignored, as upstream)."""
    key = expression.get("key") or ""
    operator = expression.get("operator") or ""
    wanted = list(expression.get("values") or ())
    present = key in values
    value = values.get(key)
    if operator == OP_IN:
        return present and value in wanted if wanted else None
    if operator == OP_NOT_IN:
        return (not present or value not in wanted) if wanted else None
    if operator == OP_EXISTS:
        return present if not wanted else None
    if operator == OP_DOES_NOT_EXIST:
        return (not present) if not wanted else None
    if operator in (OP_GT, OP_LT):
        if len(wanted) != 1 or not _INT64_RE.fullmatch(str(wanted[0])):
            return None
        if not present or not _INT64_RE.fullmatch(str(value)):
            return False
        mine, theirs = int(value), int(wanted[0])
        return mine > theirs if operator == OP_GT else mine < theirs
    return None


def _term_matches(term: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    expressions = list(term.get("matchExpressions") or ())
    fields = list(term.get("matchFields") or ())
    if not expressions and not fields:
        return False  # an empty term selects no node
    node_labels = labels_of(node)
    for expression in expressions:
        if _requirement_matches(expression, node_labels) is not True:
            return False
    field_values = {OBJECT_NAME_FIELD: name_of(node)}
    for expression in fields:
        if expression.get("key") != OBJECT_NAME_FIELD or expression.get("operator") not in (OP_IN, OP_NOT_IN):
            return False
        if len(expression.get("values") or ()) != 1:
            return False  # a metadata.name field requirement takes exactly one value
        if _requirement_matches(expression, field_values) is not True:
            return False
    return True


def required_node_affinity(pod_spec: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )


def matches_node_selector_and_affinity(pod_spec: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    """`nodeSelector` (every pair) and required node affinity (any term) both select the node."""
    node_labels = labels_of(node)
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if node_labels.get(key) != value:
            return False
    required = required_node_affinity(pod_spec)
    if required is None:
        return True
    return any(_term_matches(term, node) for term in required.get("nodeSelectorTerms") or ())


def node_should_run_daemon_pod(node: Mapping[str, Any], ds: Mapping[str, Any]) -> tuple[bool, bool]:
    """(should_run, should_continue_running) for `ds` on `node` — see the module doc."""
    node_name = name_of(node)
    pod_spec = copy.deepcopy(dict(spec(template_of(ds))))
    template_node = pod_spec.get("nodeName") or ""
    if template_node and template_node != node_name:
        return False, False
    add_daemon_tolerations(pod_spec)
    if not matches_node_selector_and_affinity(pod_spec, node):
        return False, False
    taints = list(spec(node).get("taints") or ())
    tolerations = pod_spec.get("tolerations") or []
    if find_untolerated_taint(taints, tolerations, (EFFECT_NO_SCHEDULE, EFFECT_NO_EXECUTE)) is None:
        return True, True
    return False, find_untolerated_taint(taints, tolerations, (EFFECT_NO_EXECUTE,)) is None


def replace_node_name_affinity(affinity: Mapping[str, Any] | None, node_name: str) -> dict:
    """`affinity` with its required node affinity replaced by `matchFields metadata.name In [node_name]`.

    Preferred node affinity, pod affinity and anti-affinity are kept.
    """
    term = {"matchFields": [{"key": OBJECT_NAME_FIELD, "operator": OP_IN, "values": [node_name]}]}
    result = copy.deepcopy(dict(affinity or {}))
    node_affinity = dict(result.get("nodeAffinity") or {})
    required = dict(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    required["nodeSelectorTerms"] = [term]
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = required
    result["nodeAffinity"] = node_affinity
    return result


def get_target_node_name(pod: Mapping[str, Any]) -> str | None:
    """The node a daemon pod is for: `spec.nodeName`, else its single `metadata.name In` matchFields value."""
    pod_spec = spec(pod)
    if pod_spec.get("nodeName"):
        return pod_spec["nodeName"]
    required = required_node_affinity(pod_spec)
    if not required:
        return None
    for term in required.get("nodeSelectorTerms") or ():
        for expression in term.get("matchFields") or ():
            if expression.get("key") == OBJECT_NAME_FIELD and expression.get("operator") == OP_IN:
                values = list(expression.get("values") or ())
                return values[0] if len(values) == 1 else None
    return None


# --- creating pods --------------------------------------------------------------------------------------


def create_pod_template(template: Mapping[str, Any], generation: int | None, hash_: str) -> dict:
    """The template a daemon pod is made from: default tolerations, generation and hash labels added."""
    result = copy.deepcopy(dict(template))
    pod_spec = result.setdefault("spec", {})
    add_daemon_tolerations(pod_spec)
    template_meta = result.setdefault("metadata", {})
    labels = dict(template_meta.get("labels") or {})
    if generation is not None:
        labels[TEMPLATE_GENERATION_LABEL_KEY] = str(generation)
    if hash_:
        labels[DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY] = hash_
    template_meta["labels"] = labels
    return result


def new_daemon_pod(pod_template: Mapping[str, Any], ds: Mapping[str, Any], node_name: str) -> dict:
    """The pod created for `node_name` from `create_pod_template`'s result (nodeName left for the scheduler)."""
    template = copy.deepcopy(dict(pod_template))
    pod_spec = template.setdefault("spec", {})
    pod_spec["affinity"] = replace_node_name_affinity(pod_spec.get("affinity"), node_name)
    return podutil.pod_from_template(template, ds, new_controller_ref(ds, API_VERSION, KIND))


# --- rolling update numbers -----------------------------------------------------------------------------


def _rolling_update(ds: Mapping[str, Any]) -> Mapping[str, Any] | None:
    if strategy_type(ds) != ROLLING_UPDATE:
        return None
    return (spec(ds).get("updateStrategy") or {}).get("rollingUpdate")


def surge_count(ds: Mapping[str, Any], number_to_schedule: int) -> int:
    """maxSurge of `number_to_schedule`, rounded up; 0 unless RollingUpdate with maxSurge set."""
    rolling = _rolling_update(ds)
    if rolling is None or rolling.get("maxSurge") is None:
        return 0
    return get_scaled_value_from_int_or_percent(rolling["maxSurge"], number_to_schedule, True)


def unavailable_count(ds: Mapping[str, Any], number_to_schedule: int) -> int:
    """maxUnavailable of `number_to_schedule`, rounded up; 0 unless RollingUpdate."""
    rolling = _rolling_update(ds)
    if rolling is None:
        return 0
    return get_scaled_value_from_int_or_percent(rolling.get("maxUnavailable"), number_to_schedule, True)


def allows_surge(ds: Mapping[str, Any]) -> bool:
    """More than one pod per node may run during an update (maxSurge of one node rounds up above 0)."""
    try:
        return surge_count(ds, 1) > 0
    except ValueError:
        return False


# --- ordering -------------------------------------------------------------------------------------------


def _creation_time(pod: Mapping[str, Any]) -> _dt.datetime:
    return podutil.parse_time(meta(pod).get("creationTimestamp")) or _ZERO_TIME


def oldest_first_key(pod: Mapping[str, Any]) -> tuple[int, _dt.datetime, str]:
    """Scheduled pods first, then older creationTimestamp, then name (upstream podByCreationTimestampAndPhase)."""
    return (0 if podutil.node_name(pod) else 1, _creation_time(pod), name_of(pod))


def sort_oldest_first(pods: Iterable[Mapping[str, Any]]) -> list:
    return sorted(pods, key=oldest_first_key)


# --- failed pod backoff ---------------------------------------------------------------------------------


class FailedPodBackoff:
    """Per-(DaemonSet, generation, node) backoff for deleting failed pods (upstream flowcontrol.Backoff, no jitter).

    Worked example (initial 1 s): failures at t=0 (deleted, next wait 1 s), t=0.5 (waits: 0.5 < 1), t=1 (deleted,
    wait doubles to 2 s), t=2 (waits), t=3 (deleted, 4 s) …; the wait never exceeds 15 min, and an entry not
    touched for twice that long is forgotten.
    """

    def __init__(
        self,
        initial_seconds: float = FAILED_POD_BACKOFF_INITIAL_SECONDS,
        max_seconds: float = FAILED_POD_BACKOFF_MAX_SECONDS,
    ):
        self.initial = _dt.timedelta(seconds=initial_seconds)
        self.maximum = _dt.timedelta(seconds=max_seconds)
        self._entries: dict[str, tuple[_dt.timedelta, _dt.datetime]] = {}

    @staticmethod
    def key(ds: Mapping[str, Any], node_name: str) -> str:
        return f"{meta(ds).get('uid', '')}/{int(status(ds).get('observedGeneration') or 0)}/{node_name}"

    def _expired(self, now: _dt.datetime, last: _dt.datetime) -> bool:
        return now - last > 2 * self.maximum

    def in_backoff(self, key: str, now: _dt.datetime) -> bool:
        entry = self._entries.get(key)
        if entry is None:
            return False
        delay, last = entry
        if self._expired(now, last):
            return False
        return now - last < delay

    def delay_seconds(self, key: str) -> float:
        entry = self._entries.get(key)
        return entry[0].total_seconds() if entry else 0.0

    def next(self, key: str, now: _dt.datetime) -> None:
        entry = self._entries.get(key)
        if entry is None or self._expired(now, entry[1]):
            delay = self.initial
        else:
            delay = min(entry[0] * 2, self.maximum)
        self._entries[key] = (delay, now)

    def gc(self, now: _dt.datetime) -> None:
        """Forget entries untouched for twice the maximum delay."""
        for key in [k for k, (_d, last) in self._entries.items() if self._expired(now, last)]:
            del self._entries[key]
