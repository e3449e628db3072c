"""Pod facts every workload controller asks: ready, available, active, terminating, and who dies first.

Owns the pod helpers upstream keeps in `pkg/api/v1/pod` and `pkg/controller/controller_utils.go`, as pure
functions over pod dicts (v1 JSON):

* readiness — `is_pod_ready` (the first `Ready` condition has status `"True"`) and `is_pod_available`: ready
  and either `minReadySeconds == 0` or the Ready condition's `lastTransitionTime + minReadySeconds <= now`
  (v1.34+ compares with `<=`; older releases used a strict `<`).  A ready pod without a transition time
  is never available while `minReadySeconds > 0`.
* lifecycle filters — *active* (phase neither Succeeded nor Failed, no `deletionTimestamp`), *terminal*
  (Succeeded or Failed), *terminating* (being deleted but not yet terminal).
* the next availability check — how many seconds until the earliest ready-but-not-yet-available pod turns
  available (`find_min_next_pod_availability_check`), which the ReplicaSet controller uses to requeue.
* the deletion ranking — two comparators deciding which pods a controller removes first when scaling down:
  `active_pods_less` (upstream `ActivePods`) and `ranked_pods_less` (upstream `ActivePodsWithRanks`, the
  one the ReplicaSet controller uses).  `ranked_pods_less(a, b)` is True when `a` should be deleted before
  `b`; the first rule that tells the two apart wins:

  1. unscheduled (`spec.nodeName` empty) before scheduled;
  2. phase Pending < Unknown < Running (any other phase counts as Pending);
  3. not ready before ready;
  4. lower `controller.kubernetes.io/pod-deletion-cost` first (int32; absent or invalid counts as 0);
  5. higher rank first (rank = related active pods on the same node, see replicaset.py);
  6. both ready: the more recently ready first, compared in log2 buckets of age — a pod ready 5 h ago
     and one ready 8 h ago share bucket floor(log2(age in ns)) = 44 and tie on UID (lower first); a
     missing ready time counts as the most recent;
  7. higher max restart count of regular containers first, then of sidecar (restartable init) containers;
  8. newer `creationTimestamp` first, in the same log2 buckets with the same UID tie-break; a missing
     creation time counts as the newest.

  `active_pods_less` is the older ranking: rules 1–3, then 6, 7, 8 compared exactly (no buckets), and no
  deletion cost and no rank.
* `pod_from_template` — the pod a controller creates from its template (upstream `GetPodFromTemplate`);
  `pods_from_template` makes many of them at once.

Timestamps are RFC 3339 strings (`2024-05-01T10:00:00Z`, fractions allowed); `now` is an aware datetime
(naive ones are taken as UTC).  Pure: no I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import orjson

from kubeferry.machinery import dns

# --- names (core/v1) -------------------------------------------------------------------------------

POD_READY = "Ready"
CONDITION_TRUE = "True"
PHASE_PENDING = "Pending"
PHASE_RUNNING = "Running"
PHASE_SUCCEEDED = "Succeeded"
PHASE_FAILED = "Failed"
PHASE_UNKNOWN = "Unknown"
RESTART_POLICY_ALWAYS = "Always"

# Pods with a lower cost are deleted first when a ReplicaSet scales down (int32, default 0).
POD_DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"

# Pending < Unknown < Running; phases outside the table (Succeeded, Failed, "") rank like Pending.
_PHASE_ORDINAL = {PHASE_PENDING: 0, PHASE_UNKNOWN: 1, PHASE_RUNNING: 2}

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_DECIMAL_RE = re.compile(r"-?[0-9]+")

_NS_PER_SECOND = 1_000_000_000
_NS_PER_MICROSECOND = 1_000

# --- time ---------------------------------------------------------------------------------------------


def parse_time(value: Any) -> _dt.datetime | None:
    """An RFC 3339 timestamp as an aware datetime; None for absent, empty or unparsable (Go's zero time)."""
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_dt.UTC)
    if not isinstance(value, str) or not value:
        return None
    return _parse_text(value)


@functools.lru_cache(maxsize=4096)
def _parse_text(value: str) -> _dt.datetime | None:
    """Memoised: pods made on a virtual clock share a handful of whole-second timestamps."""
    try:
        parsed = _dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)


@functools.lru_cache(maxsize=4096)
def format_time(moment: _dt.datetime) -> str:
    """metav1.Time on the wire: RFC 3339 in UTC, whole seconds (`2024-05-01T10:00:00Z`).

    Memoised: on a virtual clock thousands of writes share one instant, and strftime is slow.
    """
    return _aware(moment).astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _aware(moment: _dt.datetime) -> _dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def _nanoseconds(delta: _dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * _NS_PER_SECOND + delta.microseconds * _NS_PER_MICROSECOND


# --- accessors --------------------------------------------------------------------------------------


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _status(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    return pod.get("status") or {}


def _spec(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    return pod.get("spec") or {}


def node_name(pod: Mapping[str, Any]) -> str:
    return _spec(pod).get("nodeName") or ""


def pod_phase(pod: Mapping[str, Any]) -> str:
    return _status(pod).get("phase") or ""


def pod_uid(pod: Mapping[str, Any]) -> str:
    return _meta(pod).get("uid") or ""


# --- readiness and availability ---------------------------------------------------------------------


def get_pod_ready_condition(pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod's first `Ready` condition, or None."""
    for condition in _status(pod).get("conditions") or ():
        if condition.get("type") == POD_READY:
            return condition
    return None


def is_pod_ready(pod: Mapping[str, Any]) -> bool:
    """The Ready condition exists and its status is `"True"`."""
    condition = get_pod_ready_condition(pod)
    return condition is not None and condition.get("status") == CONDITION_TRUE


def pod_ready_time(pod: Mapping[str, Any]) -> _dt.datetime | None:
    """When a ready pod became ready (its Ready condition's lastTransitionTime); None when not ready or unset."""
    if not is_pod_ready(pod):
        return None
    condition = get_pod_ready_condition(pod)
    return parse_time(condition.get("lastTransitionTime")) if condition else None


def is_pod_available(pod: Mapping[str, Any], min_ready_seconds: int, now: _dt.datetime) -> bool:
    """Ready, and ready for at least `min_ready_seconds`: `lastTransitionTime + minReadySeconds <= now`.

    Worked example: Ready since 10:00:00, minReadySeconds 30 → not available at 10:00:29, available from
    10:00:30 on.
    """
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    ready_since = pod_ready_time(pod)
    if ready_since is None:
        return False
    return ready_since + _dt.timedelta(seconds=min_ready_seconds) <= _aware(now)


def next_pod_availability_check(pod: Mapping[str, Any], min_ready_seconds: int, now: _dt.datetime) -> float | None:
    """Seconds until a ready pod becomes available; None when it is not ready, already available, or never will.

    Ready since 10:00:00, minReadySeconds 30, now 10:00:12 → 18.0.
    """
    if min_ready_seconds <= 0 or not is_pod_ready(pod):
        return None
    ready_since = pod_ready_time(pod)
    if ready_since is None:
        return None
    remaining = (ready_since + _dt.timedelta(seconds=min_ready_seconds) - _aware(now)).total_seconds()
    return remaining if remaining > 0 else None


def find_min_next_pod_availability_check(
    pods: Iterable[Mapping[str, Any]], min_ready_seconds: int, now: _dt.datetime
) -> float | None:
    """The smallest `next_pod_availability_check` over `pods`; None when no pod is waiting to turn available."""
    checks = [c for c in (next_pod_availability_check(p, min_ready_seconds, now) for p in pods) if c is not None]
    return min(checks) if checks else None


# --- lifecycle --------------------------------------------------------------------------------------


def is_being_deleted(obj: Mapping[str, Any]) -> bool:
    return bool(_meta(obj).get("deletionTimestamp"))


def is_pod_terminal(pod: Mapping[str, Any]) -> bool:
    """Phase Succeeded or Failed: its containers will not run again."""
    return pod_phase(pod) in (PHASE_SUCCEEDED, PHASE_FAILED)


def is_pod_active(pod: Mapping[str, Any]) -> bool:
    """Not terminal and not being deleted: counts towards a controller's replicas."""
    return not is_pod_terminal(pod) and not is_being_deleted(pod)


def is_pod_terminating(pod: Mapping[str, Any]) -> bool:
    """Being deleted but not yet terminal (status.terminatingReplicas counts these)."""
    return not is_pod_terminal(pod) and is_being_deleted(pod)


def filter_active_pods(pods: Iterable[Mapping[str, Any]]) -> list[Any]:
    return [p for p in pods if is_pod_active(p)]


def filter_terminating_pods(pods: Iterable[Mapping[str, Any]]) -> list[Any]:
    return [p for p in pods if is_pod_terminating(p)]


# --- deletion ranking -------------------------------------------------------------------------------


def deletion_cost(pod: Mapping[str, Any]) -> int:
    """The pod-deletion-cost annotation as an int32; 0 when absent or invalid.

    Valid: an optional `-` then decimal digits without a leading zero ("0" itself is fine), within int32.
    So `"10"`, `"-5"`, `"0"` parse; `"+10"`, `"008"`, `"1e3"`, `"2147483648"` all count as 0.
    """
    value = (_meta(pod).get("annotations") or {}).get(POD_DELETION_COST_ANNOTATION)
    if value is None or not value:
        return 0
    first = value[0]
    if not (first == "-" or value == "0" or "1" <= first <= "9"):
        return 0
    if not _DECIMAL_RE.fullmatch(value):
        return 0
    number = int(value)
    return number if _INT32_MIN <= number <= _INT32_MAX else 0


def max_container_restarts(pod: Mapping[str, Any]) -> tuple[int, int]:
    """(highest restartCount of regular containers, highest of sidecars — init containers with restartPolicy Always)."""
    status = _status(pod)
    regular = max((int(c.get("restartCount") or 0) for c in status.get("containerStatuses") or ()), default=0)
    if not status.get("initContainerStatuses"):
        return regular, 0  # no init container statuses: no sidecar restarts to count
    sidecar_names = {
        c.get("name") for c in _spec(pod).get("initContainers") or () if c.get("restartPolicy") == RESTART_POLICY_ALWAYS
    }
    sidecar = max(
        (
            int(c.get("restartCount") or 0)
            for c in status.get("initContainerStatuses") or ()
            if c.get("name") in sidecar_names
        ),
        default=0,
    )
    return regular, sidecar


def _more_restarts(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool | None:
    """True/False when one pod restarted more (regular containers first, then sidecars); None on a tie."""
    regular_a, sidecar_a = max_container_restarts(a)
    regular_b, sidecar_b = max_container_restarts(b)
    if regular_a != regular_b:
        return regular_a > regular_b
    if sidecar_a != sidecar_b:
        return sidecar_a > sidecar_b
    return None


def _after_or_zero(t1: _dt.datetime | None, t2: _dt.datetime | None) -> bool:
    """t1 is later than t2, a missing time counting as the latest of all."""
    if t1 is None or t2 is None:
        return t1 is None
    return t1 > t2


@functools.lru_cache(maxsize=4096)
def _log2_bucket(moment: _dt.datetime, now: _dt.datetime) -> int:
    """floor(log2(age in nanoseconds)), or -1 for an age of zero or less.

    Worked example: 2 h = 7.2e12 ns → 42; 5 h = 1.8e13 ns → 44; 8 h = 2.88e13 ns → 44 (same bucket).
    """
    age = _nanoseconds(now - moment)
    return int(math.log2(float(age))) if age > 0 else -1


def _creation_time(pod: Mapping[str, Any]) -> _dt.datetime | None:
    return parse_time(_meta(pod).get("creationTimestamp"))


def _first_rules(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool | None:
    """Rules 1–3 shared by both rankings; None when they do not tell the pods apart."""
    node_a, node_b = node_name(a), node_name(b)
    if node_a != node_b and (not node_a or not node_b):
        return not node_a
    phase_a, phase_b = _PHASE_ORDINAL.get(pod_phase(a), 0), _PHASE_ORDINAL.get(pod_phase(b), 0)
    if phase_a != phase_b:
        return phase_a < phase_b
    ready_a, ready_b = is_pod_ready(a), is_pod_ready(b)
    if ready_a != ready_b:
        return not ready_a
    return None


class _RankFacts:
    """What the ranked comparison reads of one pod, computed once per sort instead of once per comparison.

    Everything but the restart counts is read up front (cheap and needed by almost every comparison);
    the restart counts are read only when a comparison gets that far, exactly as the comparator would.
    """

    __slots__ = (
        "pod",
        "order",
        "rank",
        "node",
        "phase",
        "ready",
        "cost",
        "uid",
        "ready_at",
        "ready_bucket",
        "created",
        "created_bucket",
        "_restarts",
    )

    def __init__(self, pod: Mapping[str, Any], rank: int, now: _dt.datetime | None) -> None:
        self.pod = pod
        self.rank = rank
        meta = _meta(pod)
        status = _status(pod)
        self.node = _spec(pod).get("nodeName") or ""  # node_name
        self.phase = _PHASE_ORDINAL.get(status.get("phase") or "", 0)
        condition = None  # get_pod_ready_condition
        for candidate in status.get("conditions") or ():
            if candidate.get("type") == POD_READY:
                condition = candidate
                break
        self.ready = condition is not None and condition.get("status") == CONDITION_TRUE
        self.cost = deletion_cost(pod) if meta.get("annotations") else 0
        self.uid = meta.get("uid") or ""  # pod_uid
        # pod_ready_time: None unless ready; then the Ready condition's transition time.
        self.ready_at = parse_time(condition.get("lastTransitionTime")) if self.ready and condition else None
        self.created = parse_time(meta.get("creationTimestamp"))  # _creation_time
        # Buckets are compared only when `now` and both times are known (see _newer_first).
        self.ready_bucket = _log2_bucket(self.ready_at, now) if now is not None and self.ready_at is not None else 0
        self.created_bucket = _log2_bucket(self.created, now) if now is not None and self.created is not None else 0
        self._restarts: tuple[int, int] | None = None
        # Rules 1-5 as one tuple compared in order: scheduled after unscheduled, phase, ready after not
        # ready, cost, higher rank first.  The first element that differs is the first rule that decides.
        self.order = (1 if self.node else 0, self.phase, 1 if self.ready else 0, self.cost, -rank)

    def restarts(self) -> tuple[int, int]:
        if self._restarts is None:
            self._restarts = max_container_restarts(self.pod)
        return self._restarts


def _newer_first(
    t1: _dt.datetime | None, t2: _dt.datetime | None, b1: int, b2: int, uid1: str, uid2: str, bucketed: bool
) -> int:
    """Rules 6 and 8 of the ranking for two different times: -1 when the first pod goes first, 1 when the
    second does, 0 when neither.  The newer time goes first, compared by log2 age buckets `b1`, `b2` when
    `bucketed` (a `now` was given) and both times are known, equal buckets → the lower UID (equal UIDs
    tie); otherwise the exact times decide, a missing one counting as the newest."""
    if not bucketed or t1 is None or t2 is None:
        return -1 if _after_or_zero(t1, t2) else 1
    if b1 == b2:
        return -1 if uid1 < uid2 else 1 if uid2 < uid1 else 0
    return -1 if b1 < b2 else 1


def _ranked_order(a: _RankFacts, b: _RankFacts, bucketed: bool) -> int:
    """`ranked_pods_less` on precomputed facts, both ways at once: -1 when `a` goes first, 1 when `b`
    does, 0 when neither.  The rules are those of the module doc, in order; each is symmetric in when it
    applies, so the first one that applies decides `less(a, b)` and `less(b, a)` alike."""
    if a.order != b.order:  # rules 1-5 (see _RankFacts.order)
        return -1 if a.order < b.order else 1
    if a.ready and b.ready and a.ready_at != b.ready_at:
        return _newer_first(a.ready_at, b.ready_at, a.ready_bucket, b.ready_bucket, a.uid, b.uid, bucketed)
    regular_a, sidecar_a = a.restarts()
    regular_b, sidecar_b = b.restarts()
    if regular_a != regular_b:
        return -1 if regular_a > regular_b else 1
    if sidecar_a != sidecar_b:
        return -1 if sidecar_a > sidecar_b else 1
    if a.created != b.created:
        return _newer_first(a.created, b.created, a.created_bucket, b.created_bucket, a.uid, b.uid, bucketed)
    return 0


def ranked_pods_less(
    a: Mapping[str, Any], rank_a: int, b: Mapping[str, Any], rank_b: int, now: _dt.datetime | None
) -> bool:
    """True when `a` (with `rank_a`) should be deleted before `b` — upstream ActivePodsWithRanks (see module doc).

    `now=None` compares times exactly instead of in log2 buckets.
    """
    now = _aware(now) if now is not None else None
    return _ranked_order(_RankFacts(a, rank_a, now), _RankFacts(b, rank_b, now), now is not None) < 0


def active_pods_less(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True when `a` should be deleted before `b` — upstream ActivePods (no cost, no rank, exact times)."""
    decided = _first_rules(a, b)
    if decided is not None:
        return decided
    if is_pod_ready(a) and is_pod_ready(b):
        ready_a, ready_b = pod_ready_time(a), pod_ready_time(b)
        if ready_a != ready_b:
            return _after_or_zero(ready_a, ready_b)
    restarts = _more_restarts(a, b)
    if restarts is not None:
        return restarts
    created_a, created_b = _creation_time(a), _creation_time(b)
    if created_a != created_b:
        return _after_or_zero(created_a, created_b)
    return False


def _sorted_by_less(items: Sequence[Any], less: Callable[[Any, Any], bool]) -> list[Any]:
    def compare(x: Any, y: Any) -> int:
        if less(x, y):
            return -1
        if less(y, x):
            return 1
        return 0

    return sorted(items, key=functools.cmp_to_key(compare))


def sort_active_pods(pods: Sequence[Mapping[str, Any]]) -> list[Any]:
    """`pods` in ActivePods order, deletion candidates first (stable for equal pods)."""
    return _sorted_by_less(pods, active_pods_less)


def sort_pods_with_ranks(
    pods: Sequence[Mapping[str, Any]], ranks: Sequence[int], now: _dt.datetime | None
) -> list[Any]:
    """`pods` in ActivePodsWithRanks order, deletion candidates first (stable for equal pods).

    Each pod's facts are read once; the comparisons (n log n of them) then only compare those.
    """
    if len(pods) != len(ranks):
        raise ValueError("pods and ranks must have the same length")
    now = _aware(now) if now is not None else None
    bucketed = now is not None
    facts = [_RankFacts(pod, rank, now) for pod, rank in zip(pods, ranks, strict=True)]
    ordered = sorted(facts, key=functools.cmp_to_key(lambda x, y: _ranked_order(x, y, bucketed)))
    return [f.pod for f in ordered]


# --- creating pods ----------------------------------------------------------------------------------

_DNS1123_SUBDOMAIN_MAX = 253


def _valid_generate_name_prefix(prefix: str) -> bool:
    """Pod-name validation in prefix mode: a trailing dash is masked before the DNS-subdomain check.

    Upstream masks by dropping the last two characters and appending `a` (`web-` → `wea`), so the check
    sees a name one character shorter than the prefix.
    """
    if len(prefix) > 1 and prefix.endswith("-"):
        prefix = prefix[:-2] + "a"
    return len(prefix) <= _DNS1123_SUBDOMAIN_MAX and dns.is_dns1123_subdomain(prefix)


def pods_prefix(controller_name: str) -> str:
    """`metadata.generateName` for a controller's pods: `<name>-`, or `<name>` when that is not a valid prefix."""
    prefix = controller_name + "-"
    return prefix if _valid_generate_name_prefix(prefix) else controller_name


_ATOMS = (str, int, float, bool, type(None))


def _copy_json(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars) without `copy.deepcopy`'s bookkeeping;
    anything else is handed to `copy.deepcopy`.  Every pod a ReplicaSet creates copies its template."""
    kind = type(value)
    if kind is dict:
        return {k: _copy_json(v) for k, v in value.items()}
    if kind is list:
        return [_copy_json(v) for v in value]
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)


def pod_from_template(
    template: Mapping[str, Any], parent: Mapping[str, Any], controller_ref: Mapping[str, Any]
) -> dict:
    """The pod a controller creates: template labels, annotations, finalizers and spec (deep copies),
    `generateName` from the parent's name, the parent's namespace and `controller_ref` as sole owner."""
    meta = template.get("metadata") or {}
    parent_meta = _meta(parent)
    pod_meta: dict[str, Any] = {"generateName": pods_prefix(parent_meta.get("name") or "")}
    if parent_meta.get("namespace"):
        pod_meta["namespace"] = parent_meta["namespace"]
    for key in ("labels", "annotations", "finalizers"):
        if meta.get(key):
            pod_meta[key] = _copy_json(meta[key])
    pod_meta["ownerReferences"] = [dict(controller_ref)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": _copy_json(template.get("spec") or {})}


_TEMPLATE_META_COPIED = ("labels", "annotations", "finalizers")
# orjson writes integers in this range; outside it (and for NaN, infinities) its text would not read back equal.
_JSON_INT_MIN, _JSON_INT_MAX = -(2**63), 2**64 - 1


def _plain_json(value: Any) -> bool:
    """`value` is made of exactly dict (string keys), list, str, int, finite float, bool and None: its
    orjson text then reads back as an equal value of the same types, keys in the same order."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain_json(v) for k, v in value.items())
    if kind is list:
        return all(_plain_json(v) for v in value)
    if kind is int:
        return _JSON_INT_MIN <= value <= _JSON_INT_MAX
    if kind is float:
        return math.isfinite(value)
    return kind is str or kind is bool or value is None


def pods_from_template(
    template: Mapping[str, Any], parent: Mapping[str, Any], controller_ref: Mapping[str, Any], count: int
) -> list[dict]:
    """`count` pods, each equal to what `pod_from_template` makes (and as independent of each other and of
    the template).  The template's parts are checked once to be plain JSON and then copied by decoding one
    JSON text per pod, which is several times cheaper than walking them; otherwise each pod is made by
    `pod_from_template`.  A ReplicaSet scaling up by 500 makes 500 pods of one template."""
    meta = template.get("metadata") or {}
    copied = {key: meta[key] for key in _TEMPLATE_META_COPIED if meta.get(key)}
    spec = template.get("spec") or {}
    if count <= 1 or not (_plain_json(copied) and _plain_json(spec)):
        return [pod_from_template(template, parent, controller_ref) for _ in range(count)]
    try:
        text = orjson.dumps([copied, spec])
    except (TypeError, ValueError):  # e.g. a string orjson refuses (lone surrogates)
        return [pod_from_template(template, parent, controller_ref) for _ in range(count)]
    parent_meta = _meta(parent)
    prefix = pods_prefix(parent_meta.get("name") or "")
    namespace = parent_meta.get("namespace")
    loads = orjson.loads
    pods = []
    for _ in range(count):
        parts, pod_spec = loads(text)
        pod_meta: dict[str, Any] = {"generateName": prefix}
        if namespace:
            pod_meta["namespace"] = namespace
        pod_meta.update(parts)
        pod_meta["ownerReferences"] = [dict(controller_ref)]
        pods.append({"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": pod_spec})
    return pods
