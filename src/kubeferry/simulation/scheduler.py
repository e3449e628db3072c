"""The simulated kube-scheduler: filter nodes, score them, bind — or say why not, in upstream's words.

Owns the decision `schedule(pod, nodes, pods) -> (node name, "") | (None, message)` and the writes that
follow it (`bind_actions`, `unschedulable_actions`).  The filters run per node in the default profile's
order and the first failing one gives that node's reasons (as the framework stops at the first failure):

1. NodeUnschedulable — `spec.unschedulable` without a toleration of `node.kubernetes.io/unschedulable:
   NoSchedule` → `node(s) were unschedulable`;
2. TaintToleration — the first NoSchedule/NoExecute taint the pod does not tolerate → `node(s) had
   untolerated taint {key: value}`.  A node whose Ready condition is not True carries
   `node.kubernetes.io/not-ready` (Unknown: `node.kubernetes.io/unreachable`) as the node lifecycle
   controller would add it; PreferNoSchedule taints never filter;
3. NodeAffinity — `spec.nodeSelector` and required node affinity (terms ORed; expressions ANDed;
   In/NotIn/Exists/DoesNotExist/Gt/Lt; matchFields `metadata.name`) → `node(s) didn't match Pod's node
   affinity/selector`;
4. NodeResourcesFit — pods count (`Too many pods`), then `Insufficient cpu`, `Insufficient memory`,
   `Insufficient ephemeral-storage`, extended resources: the pod's request against allocatable minus the
   requests of the non-terminal pods already on the node.

Reasons 1–3 (and a request larger than the node's whole allocatable) are *unresolvable*: preemption
cannot help.  The message is upstream's FitError text: `0/N nodes are available: ` + the reasons counted
per node, as `<count> <reason>` sorted as strings, joined by `, `, then `.`; then the preemption part
`preemption: 0/N nodes are available: ` + `<k> No preemption victims found for incoming pod` (resolvable
nodes: kubeferry never preempts, as if no pod had a lower priority) and `<m> Preemption is not helpful for
scheduling`, sorted the same way, then `.`.  Worked example (3 nodes; one control-plane taint, two
labelled wrongly):

    0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: },
    2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available:
    3 Preemption is not helpful for scheduling.

Scoring: least-allocated (upstream NodeResourcesLeastAllocated, cpu and memory weighted equally):
score = mean over cpu, memory of (allocatable - requested_after) * 100 / allocatable.  Ties go to the node
with fewer pods, then to the name (so equal empty nodes fill round-robin in name order).  Worked example:
node A 4 cpu / 16Gi with 1 cpu, 4Gi requested, pod asks 1 cpu, 4Gi → cpu (4-2)/4 = 50, memory (16-8)/16 =
50 → 50; an empty node B scores 75 and wins.
"""

from __future__ import annotations

import datetime as _dt
import operator
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from kubeferry.controllers.actions import Action, RecordEvent, UpdateObject, UpdateStatus
from kubeferry.machinery.podutil import format_time, is_pod_terminal
from kubeferry.machinery.quantity import QuantityError, parse_quantity

SCHEDULER_NAME = "default-scheduler"
BINDING_SUBRESOURCE = "binding"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
EFFECT_NO_SCHEDULE, EFFECT_NO_EXECUTE, EFFECT_PREFER_NO_SCHEDULE = "NoSchedule", "NoExecute", "PreferNoSchedule"

REASON_UNSCHEDULABLE_NODE = "node(s) were unschedulable"
REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
REASON_TOO_MANY_PODS = "Too many pods"
REASON_NO_VICTIMS = "No preemption victims found for incoming pod"
REASON_NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_NODES_MESSAGE = "no nodes available to schedule pods"

EVENT_SCHEDULED = "Scheduled"
EVENT_FAILED_SCHEDULING = "FailedScheduling"
CONDITION_POD_SCHEDULED = "PodScheduled"
REASON_CONDITION_UNSCHEDULABLE = "Unschedulable"

_BASE_RESOURCES = ("cpu", "memory", "ephemeral-storage")
_MAX_SCORE = 100
_SCORED_RESOURCES = ("cpu", "memory")
_SCALE = 10**9  # the scheduler counts resources in billionths (see _scaled)


# --- quantities -------------------------------------------------------------------------------------


def _quantity(text: Any) -> Fraction | int:
    """A quantity as an exact number: an int when it is whole (most are: millicores, bytes), else a Fraction.

    Ints and Fractions mix exactly in Python arithmetic, and int arithmetic is several times cheaper.
    """
    try:
        value = parse_quantity(str(text))
    except (QuantityError, ValueError):
        return 0
    return value.numerator if value.denominator == 1 else value


def _add(total: dict[str, Fraction], resources: Mapping[str, Any] | None) -> None:
    for name, value in (resources or {}).items():
        total[name] = total.get(name, 0) + _quantity(value)


def pod_requests(pod: Mapping[str, Any]) -> dict[str, Fraction]:
    """The pod's effective requests: regular containers plus sidecars, at least each plain init container's
    (with the sidecars started before it), plus `spec.overhead`.

    Worked example: containers 100m + 200m, one init container 500m → max(300m, 500m) = 500m.
    """
    spec = pod.get("spec") or {}
    total: dict[str, Fraction] = {}
    for container in spec.get("containers") or ():
        _add(total, (container.get("resources") or {}).get("requests"))
    sidecars: dict[str, Fraction] = {}
    init_peak: dict[str, Fraction] = {}
    for init in spec.get("initContainers") or ():
        requests = (init.get("resources") or {}).get("requests") or {}
        if init.get("restartPolicy") == "Always":
            _add(sidecars, requests)
            continue
        need = dict(sidecars)
        _add(need, requests)
        for name, value in need.items():
            init_peak[name] = max(init_peak.get(name, 0), value)
    for name, value in sidecars.items():  # already numbers: added as they are, not parsed again
        total[name] = total.get(name, 0) + value
    for name, value in init_peak.items():
        total[name] = max(total.get(name, 0), value)
    _add(total, spec.get("overhead"))
    return total


# --- predicates -------------------------------------------------------------------------------------


def toleration_tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """Upstream Toleration.ToleratesTaint: effects match (empty tolerates all), keys match (empty key with
    Exists tolerates every key), and the operator holds: Exists ignores the value; Equal (the default)
    compares values, an absent value counting as empty."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def tolerated(tolerations: list[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    return any(toleration_tolerates(t, taint) for t in tolerations)


def effective_taints(node: Mapping[str, Any]) -> list[dict]:
    """The node's taints plus the ones the node controllers would add for `spec.unschedulable` and a
    Ready condition that is not True (not already present)."""
    spec = node.get("spec") or {}
    taints = [dict(t) for t in spec.get("taints") or ()]
    present = {(t.get("key"), t.get("effect")) for t in taints}
    ready = next(
        (c.get("status") for c in (node.get("status") or {}).get("conditions") or () if c.get("type") == "Ready"),
        None,
    )
    if ready is not None and ready != "True":
        key = TAINT_UNREACHABLE if ready == "Unknown" else TAINT_NOT_READY
        if (key, EFFECT_NO_SCHEDULE) not in present:
            taints.append({"key": key, "effect": EFFECT_NO_SCHEDULE})
    return taints


def _format_taint(taint: Mapping[str, Any]) -> str:
    return "{" + f"{taint.get('key', '')}: {taint.get('value', '') or ''}" + "}"


def _node_unschedulable(pod: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    if not (node.get("spec") or {}).get("unschedulable"):
        return False
    taint = {"key": TAINT_UNSCHEDULABLE, "effect": EFFECT_NO_SCHEDULE}
    return not tolerated(list((pod.get("spec") or {}).get("tolerations") or ()), taint)


def _untolerated_taint(pod: Mapping[str, Any], node: Mapping[str, Any]) -> dict | None:
    tolerations = list((pod.get("spec") or {}).get("tolerations") or ())
    for taint in effective_taints(node):
        if taint.get("effect") not in (EFFECT_NO_SCHEDULE, EFFECT_NO_EXECUTE):
            continue
        if not tolerated(tolerations, taint):
            return taint
    return None


def _parse_int(text: Any) -> int | None:
    try:
        return int(str(text))
    except ValueError:
        return None


def _requirement_matches(expression: Mapping[str, Any], values_of: Mapping[str, str]) -> bool:
    key, operator = expression.get("key") or "", expression.get("operator") or ""
    values = list(expression.get("values") or ())
    present = key in values_of
    value = values_of.get(key)
    if operator == "In":
        return present and value in values
    if operator == "NotIn":
        return not present or value not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt"):
        if not present or len(values) != 1:
            return False
        mine, theirs = _parse_int(value), _parse_int(values[0])
        if mine is None or theirs is None:
            return False
        return mine > theirs if operator == "Gt" else mine < theirs
    return False


def _term_matches(term: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    expressions = list(term.get("matchExpressions") or ())
    fields = list(term.get("matchFields") or ())
    if not expressions and not fields:
        return False  # an empty term matches no objects
    labels = (node.get("metadata") or {}).get("labels") or {}
    if not all(_requirement_matches(e, labels) for e in expressions):
        return False
    field_values = {"metadata.name": (node.get("metadata") or {}).get("name") or ""}
    for expression in fields:
        if expression.get("key") != "metadata.name" or expression.get("operator") not in ("In", "NotIn"):
            return False
        if not _requirement_matches(expression, field_values):
            return False
    return True


def matches_node_selector_and_affinity(pod: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    spec = pod.get("spec") or {}
    labels = (node.get("metadata") or {}).get("labels") or {}
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms")
    if terms is None:
        return True
    return any(_term_matches(term, node) for term in terms)


_ALLOCATABLE_CACHE: dict[tuple[str, str], tuple[Mapping[str, Any], dict[str, Fraction]]] = {}
_ALLOCATABLE_CACHE_LIMIT = 10_000


def _allocatable(node: Mapping[str, Any]) -> dict[str, Fraction]:
    """The node's allocatable (else capacity) as numbers; memoised per (name, resourceVersion).

    The cache entry keeps the source mapping and is used only when the node still carries that very
    mapping, so an unversioned or rewritten node is never answered from a stale entry.
    """
    status = node.get("status") or {}
    source = status.get("allocatable") or status.get("capacity") or {}
    meta = node.get("metadata") or {}
    key = (meta.get("name") or "", meta.get("resourceVersion") or "")
    found = _ALLOCATABLE_CACHE.get(key) if key[1] else None
    if found is not None and found[0] is source:
        return found[1]
    parsed = {name: _scaled(name, _quantity(value)) for name, value in source.items()}
    if key[1]:
        if len(_ALLOCATABLE_CACHE) > _ALLOCATABLE_CACHE_LIMIT:
            _ALLOCATABLE_CACHE.clear()
        _ALLOCATABLE_CACHE[key] = (source, parsed)
    return parsed


def _pods_on(node_name: str, pods: list[Mapping[str, Any]], exclude_uid: str = "") -> list[Mapping[str, Any]]:
    return [
        p
        for p in pods
        if (p.get("spec") or {}).get("nodeName") == node_name
        and not is_pod_terminal(p)
        and (not exclude_uid or (p.get("metadata") or {}).get("uid") != exclude_uid)
    ]


_REQUESTS_CACHE: dict[tuple[str, str], dict[str, Fraction | int]] = {}


def _scaled(name: str, value: Fraction | int) -> Fraction | int:
    """A quantity in billionths (an int for every quantity with at most nine decimals), so that the
    scheduler's sums and comparisons are int arithmetic.  `pods` counts stay counts.

    Worked example: cpu `250m` = Fraction(1, 4) → 250_000_000; memory `1Gi` → 1_073_741_824_000_000_000.
    Sums, comparisons and the least-allocated ratios do not depend on the common unit.
    """
    if name == "pods":
        return value
    value = value * _SCALE
    return value.numerator if isinstance(value, Fraction) and value.denominator == 1 else value


def _scaled_requests(pod: Mapping[str, Any]) -> dict[str, Fraction | int]:
    return {name: _scaled(name, value) for name, value in pod_requests(pod).items()}


_REQUESTS_BY_CONTENT: dict[tuple, dict[str, Fraction | int]] = {}
_REQUESTS_CACHE_LIMIT = 50_000
# The parts of a pod spec `pod_requests` reads, by the containers list's id: binding keeps the pod's
# containers, init containers and overhead (stored objects are never changed in place), so the bound
# pod finds its requests without building the content key again.  Entries hold the parts, so an id
# is never taken for another list while its entry lives.
_REQUESTS_BY_PARTS: dict[int, tuple[Any, Any, Any, dict[str, Fraction | int]]] = {}
_REQUESTS_BY_PARTS_LIMIT = 4096
# The parts whose content key was last built, with their requests: the next pod of the same template
# has equal parts (its own copies), found by comparing values instead of building the key again.
_LAST_PARTS: list = [None, None, None, None]


def _requests_key(spec: Mapping[str, Any]) -> tuple | None:
    """Everything `pod_requests` reads from a pod spec, as a hashable value: the containers' requests,
    the init containers' (with whether each is a sidecar) and the overhead, each in its own order.
    None when a quantity is not a string (`1` and `True` are equal keys but different quantities).

    The pods of one template share it, so their requests are parsed once."""

    def items(resources: Any) -> tuple:
        pairs = tuple((resources or {}).items())
        for _, value in pairs:
            if type(value) is not str:
                raise TypeError
        return pairs

    try:
        containers = tuple(items((c.get("resources") or {}).get("requests")) for c in spec.get("containers") or ())
        inits = tuple(
            (c.get("restartPolicy") == "Always", items((c.get("resources") or {}).get("requests")))
            for c in spec.get("initContainers") or ()
        )
        return containers, inits, items(spec.get("overhead"))
    except (AttributeError, TypeError):  # an odd spec: no content key
        return None


def _cached_requests(pod: Mapping[str, Any]) -> dict[str, Fraction | int]:
    """The pod's requests in the scheduler's unit (`_scaled`), memoised per (uid, resourceVersion) —
    stored pods never change in place — and per requests content (`_requests_key`).  The answer is
    shared: callers only read it."""
    meta = pod.get("metadata") or {}
    key = (meta.get("uid", ""), meta.get("resourceVersion", ""))
    if not key[0] or not key[1]:
        return _scaled_requests(pod)
    found = _REQUESTS_CACHE.get(key)
    if found is None:
        if len(_REQUESTS_CACHE) > _REQUESTS_CACHE_LIMIT:
            _REQUESTS_CACHE.clear()
        spec = pod.get("spec") or {}
        containers, inits, overhead = spec.get("containers"), spec.get("initContainers"), spec.get("overhead")
        kept = _REQUESTS_BY_PARTS.get(id(containers))
        last = _LAST_PARTS
        if kept is not None and kept[0] is containers and kept[1] is inits and kept[2] is overhead:
            found = kept[3]
        elif last[3] is not None and containers == last[0] and inits == last[1] and overhead == last[2]:
            # A new pod of the template seen last: equal parts, so equal requests.  The kept parts
            # have string quantities only (they had a content key), and only a string equals a string.
            found = last[3]
            if len(_REQUESTS_BY_PARTS) > _REQUESTS_BY_PARTS_LIMIT:
                _REQUESTS_BY_PARTS.clear()
            _REQUESTS_BY_PARTS[id(containers)] = (containers, inits, overhead, found)
        else:
            content = _requests_key(spec)
            found = None if content is None else _REQUESTS_BY_CONTENT.get(content)
            if found is None:
                found = _scaled_requests(pod)
                if content is not None:
                    if len(_REQUESTS_BY_CONTENT) > _REQUESTS_CACHE_LIMIT:
                        _REQUESTS_BY_CONTENT.clear()
                    _REQUESTS_BY_CONTENT[content] = found
            if content is not None:  # an odd spec (no content key) is parsed afresh each time
                if len(_REQUESTS_BY_PARTS) > _REQUESTS_BY_PARTS_LIMIT:
                    _REQUESTS_BY_PARTS.clear()
                _REQUESTS_BY_PARTS[id(containers)] = (containers, inits, overhead, found)
                _LAST_PARTS[:] = (containers, inits, overhead, found)
        _REQUESTS_CACHE[key] = found
    return found


def _requested(pods_on_node: list[Mapping[str, Any]]) -> dict[str, Fraction]:
    total: dict[str, Fraction] = {}
    for pod in pods_on_node:
        for name, value in _cached_requests(pod).items():
            total[name] = total.get(name, 0) + value
    return total


class NodeLoads:
    """What each node already runs: pod count and summed requests, kept up to date from pod changes.

    The scheduler's cache, as kube-scheduler keeps one: a decision then costs O(nodes), not
    O(pods).  `observe` is fed every pod change (bound, non-terminal pods count).
    """

    def __init__(self) -> None:
        self._by_pod: dict[str, tuple[str, dict[str, Fraction]]] = {}
        # The spec each counted pod was counted with: stored objects are never changed in place and a
        # status write keeps the stored spec object, so the same object means the same node and requests.
        self._spec_of: dict[str, Any] = {}
        self.count: dict[str, int] = {}
        self.used: dict[str, dict[str, Fraction]] = {}
        # Bumped whenever a count or a sum changes: a decision taken at one version holds while it
        # stays (see `schedule`, which keeps the last one).  `changed` is the version at which each
        # node's count or sums last changed, and `fits` each node's last NodeResourcesFit answer and
        # score (see `_decide`): a bind changes one node, so the next decision re-scores only that one.
        self.version = 0
        self.last_decision: tuple | None = None
        self.changed: dict[str, int] = {}
        self.fits: dict[str, tuple] = {}

    def observe(self, pod: Mapping[str, Any], deleted: bool) -> None:
        uid = (pod.get("metadata") or {}).get("uid") or ""
        spec = pod.get("spec")
        if not deleted and spec is not None and self._spec_of.get(uid) is spec and not is_pod_terminal(pod):
            return  # a status write: the same stored spec (so node and requests), still counted
        self._spec_of.pop(uid, None)
        old = self._by_pod.pop(uid, None)
        if old is not None:
            self.version += 1
            node, requests = old
            self.changed[node] = self.version
            self.count[node] -= 1
            totals = self.used[node]
            for name, value in requests.items():
                totals[name] = totals.get(name, 0) - value
        node = (pod.get("spec") or {}).get("nodeName")
        if deleted or not node or not uid or is_pod_terminal(pod):
            return
        requests = _cached_requests(pod)
        self.version += 1
        self.changed[node] = self.version
        self._by_pod[uid] = (node, requests)
        self._spec_of[uid] = spec
        self.count[node] = self.count.get(node, 0) + 1
        totals = self.used.setdefault(node, {})
        for name, value in requests.items():
            totals[name] = totals.get(name, 0) + value

    def load(self, node: str) -> tuple[int, dict[str, Fraction]]:
        return self.count.get(node, 0), self.used.get(node, {})


def _fit_reasons(
    request: Mapping[str, Fraction], node: Mapping[str, Any], pods_on_node: list[Mapping[str, Any]] | tuple[int, dict]
) -> tuple[list[str], bool]:
    """(NodeResourcesFit reasons, unresolvable) for one node; its load as pods or as (count, requests)."""
    allocatable = _allocatable(node)
    count, used = pods_on_node if isinstance(pods_on_node, tuple) else (len(pods_on_node), _requested(pods_on_node))
    reasons: list[str] = []
    unresolvable = False
    if count + 1 > allocatable.get("pods", 0):
        reasons.append(REASON_TOO_MANY_PODS)
    names = [n for n in _BASE_RESOURCES if n in request]
    if len(names) < len(request):
        names += sorted(n for n in request if n not in _BASE_RESOURCES and n != "pods")
    for name in names:
        wanted = request[name]
        if wanted <= 0:
            continue
        free = allocatable.get(name, 0) - used.get(name, 0)
        if wanted > free:
            reasons.append(f"Insufficient {name}")
            unresolvable = unresolvable or wanted > allocatable.get(name, 0)
    return reasons, unresolvable


def filter_node(
    pod: Mapping[str, Any], node: Mapping[str, Any], pods: list[Mapping[str, Any]]
) -> tuple[list[str], bool]:
    """([], False) when the pod fits `node`; else (reasons, unresolvable) of the first failing filter."""
    node_name = (node.get("metadata") or {}).get("name") or ""
    on_node = _pods_on(node_name, pods, (pod.get("metadata") or {}).get("uid") or "")
    return _filter(pod, node, on_node)


def _filter(
    pod: Mapping[str, Any], node: Mapping[str, Any], on_node: list[Mapping[str, Any]] | tuple[int, dict]
) -> tuple[list[str], bool]:
    if _node_unschedulable(pod, node):
        return [REASON_UNSCHEDULABLE_NODE], True
    taint = _untolerated_taint(pod, node)
    if taint is not None:
        return [f"node(s) had untolerated taint {_format_taint(taint)}"], True
    if not matches_node_selector_and_affinity(pod, node):
        return [REASON_NODE_AFFINITY], True
    return _fit_reasons(_cached_requests(pod), node, on_node)


def _histogram(reasons: list[str]) -> str:
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return ", ".join(sorted(f"{count} {reason}" for reason, count in counts.items()))


def fit_error_message(total: int, per_node: list[tuple[list[str], bool]]) -> str:
    """Upstream FitError text with DefaultPreemption's post-filter message (see the module docstring)."""
    reasons = [reason for node_reasons, _ in per_node for reason in node_reasons]
    preemption = [REASON_NOT_HELPFUL if unresolvable else REASON_NO_VICTIMS for _, unresolvable in per_node]
    return (
        f"0/{total} nodes are available: {_histogram(reasons)}. "
        f"preemption: 0/{total} nodes are available: {_histogram(preemption)}."
    )


def _score_parts(
    request: Mapping[str, Fraction], allocatable: Mapping[str, Fraction], used: Mapping[str, Fraction]
) -> tuple[Fraction | int, Fraction | int]:
    """The least-allocated score as (numerator, denominator), the denominator positive.

    The mean of max(0, left_i) * 100 / capacity_i over the scored resources, kept as one fraction
    num / den: for cpu and memory, (l1*100*c2 + l2*100*c1) / (c1*c2*2).
    """
    return _score_of(request, _scored_capacities(allocatable), used)


def _scored_capacities(allocatable: Mapping[str, Fraction]) -> tuple[tuple[str, Fraction | int], ...]:
    """(resource, capacity) of the scored resources the node has (capacity > 0), in scoring order."""
    return tuple((name, allocatable.get(name, 0)) for name in _SCORED_RESOURCES if allocatable.get(name, 0) > 0)


def _score_of(
    request: Mapping[str, Fraction], scored: tuple[tuple[str, Fraction | int], ...], used: Mapping[str, Fraction]
) -> tuple[Fraction | int, Fraction | int]:
    """`_score_parts` over the node's `_scored_capacities`."""
    numerator: Fraction | int = 0
    denominator: Fraction | int = 1
    for name, capacity in scored:
        left = capacity - used.get(name, 0) - request.get(name, 0)
        if left > 0:
            numerator = numerator * capacity + left * _MAX_SCORE * denominator
            denominator = denominator * capacity
    return numerator, denominator * len(_SCORED_RESOURCES)


def _score(request: Mapping[str, Fraction], node: Mapping[str, Any], used: Mapping[str, Fraction]) -> Fraction:
    return Fraction(*_score_parts(request, _allocatable(node), used))


class _NodeView:
    """What the filters and the score read from one node version: its name, whether it is
    unschedulable, its NoSchedule/NoExecute effective taints in order, and its allocatable."""

    __slots__ = ("node", "version", "name", "unschedulable", "taints", "allocatable", "pods", "scored")

    def __init__(self, node: Mapping[str, Any]) -> None:
        meta = node.get("metadata") or {}
        self.node = node
        self.version = meta.get("resourceVersion") or ""
        self.name = meta.get("name") or ""
        self.unschedulable = bool((node.get("spec") or {}).get("unschedulable"))
        self.taints = [t for t in effective_taints(node) if t.get("effect") in (EFFECT_NO_SCHEDULE, EFFECT_NO_EXECUTE)]
        self.allocatable = _allocatable(node)
        self.pods = self.allocatable.get("pods", 0)
        self.scored = _scored_capacities(self.allocatable)


_VIEWS: dict[str, _NodeView] = {}
_VIEWS_LIMIT = 10_000


def _node_view(node: Mapping[str, Any]) -> _NodeView:
    """The node's view, kept per name for a stored node (one with a resourceVersion; stored objects
    never change in place) and used only while the node is that very object at that version."""
    meta = node.get("metadata") or {}
    name = meta.get("name") or ""
    found = _VIEWS.get(name)
    if found is not None and found.node is node and found.version == (meta.get("resourceVersion") or ""):
        return found
    view = _NodeView(node)
    if view.version:
        if len(_VIEWS) > _VIEWS_LIMIT:
            _VIEWS.clear()
        _VIEWS[name] = view
    return view


def _view_name(view: _NodeView) -> str:
    return view.name


# The views of the last node list seen, in name order: the scheduler's passes list the nodes afresh,
# but the stored node objects stay the same until a node changes.
_SORTED_VIEWS: list = [(), []]


def _sorted_views(nodes: list[dict]) -> list[_NodeView]:
    """`_node_view` of each node, sorted by name; kept while the list holds the very same node objects."""
    seen, views = _SORTED_VIEWS
    if _same_objects(seen, nodes):
        return views
    views = sorted(map(_node_view, nodes), key=_view_name)
    _SORTED_VIEWS[:] = (tuple(nodes), views)
    return views


def _same_objects(first: tuple, second: list | tuple) -> bool:
    return first is second or (len(first) == len(second) and all(map(operator.is_, first, second)))


def schedule(pod: dict, nodes: list[dict], pods: list[dict], loads: NodeLoads | None = None) -> tuple[str | None, str]:
    """Pick a node for `pod`: (name, "") or (None, the FailedScheduling message).

    A pod that already names a node is left alone: (its nodeName, "").  With `loads` (kept from
    the change stream) `pods` is not scanned.  The filters run as `_filter` does, with what they
    read from the pod worked out once per call and from each node once per node version.

    With `loads` the last decision is kept: the answer depends only on the pod's requests, its
    tolerations, node selector and affinity, the node objects and the loads, so a pod asking the
    same of the same nodes at the same `loads.version` gets the same answer without the filters
    (pods of one template waiting for room ask the same, one after the other).
    """
    spec = pod.get("spec") or {}
    bound = spec.get("nodeName")
    if bound:
        return bound, ""
    if not nodes:
        return None, NO_NODES_MESSAGE
    request = _cached_requests(pod)
    if loads is not None:
        side = _side_key(spec)
        last = loads.last_decision
        if (
            side is not None
            and last is not None
            and last[0] == loads.version
            and last[1] is request
            and last[2] == side
            and _same_objects(last[3], nodes)
        ):
            return last[4]
        answer = _decide(pod, spec, request, nodes, loads.count, loads.used, loads)
        # The request, the side and the nodes are kept alive with the answer, so `is` stays meaningful.
        loads.last_decision = (loads.version, request, side, tuple(nodes), answer)
        return answer
    uid = (pod.get("metadata") or {}).get("uid") or ""
    # One pass over the pods groups them by node (instead of one scan per node).
    by_node: dict[str, list[Mapping[str, Any]]] = {}
    for other in pods:
        bound_to = (other.get("spec") or {}).get("nodeName")
        if bound_to and not is_pod_terminal(other) and (not uid or (other.get("metadata") or {}).get("uid") != uid):
            by_node.setdefault(bound_to, []).append(other)
    counts = {name: len(group) for name, group in by_node.items()}
    used = {name: _requested(group) for name, group in by_node.items()}
    return _decide(pod, spec, request, nodes, counts, used)


_NOTHING_USED: dict[str, Fraction | int] = {}


def _fit_and_score(
    view: _NodeView,
    count: int,
    used: Mapping[str, Fraction | int],
    request: Mapping[str, Fraction | int],
    asks: list[tuple[str, Fraction | int, str]],
) -> tuple[list[str], bool, Fraction | int, Fraction | int]:
    """(NodeResourcesFit reasons, unresolvable, score numerator, score denominator) on one node; the
    score only when the pod fits (else 0, 1).  The reasons list is shared by later answers from
    `NodeLoads.fits`: readers only."""
    reasons: list[str] = []
    unresolvable = False
    if count + 1 > view.pods:
        reasons.append(REASON_TOO_MANY_PODS)
    allocatable = view.allocatable
    for resource, wanted, reason in asks:
        capacity = allocatable.get(resource, 0)
        if wanted > capacity - used.get(resource, 0):
            reasons.append(reason)
            unresolvable = unresolvable or wanted > capacity
    if reasons:
        return reasons, unresolvable, 0, 1
    numerator, denominator = _score_of(request, view.scored, used)
    return reasons, unresolvable, numerator, denominator


def _side_key(spec: Mapping[str, Any]) -> tuple | None:
    """What the NodeUnschedulable, TaintToleration and NodeAffinity filters read from a pod spec
    (tolerations, node selector, affinity), to be compared by value with `==`; None when equal values
    could be read differently.

    Those filters compare the pod's values with `==` (and by truth), which equal values pass alike,
    except the operand of a Gt/Lt expression, read as `int(str(value))`: `1`, `1.0` and `True` are
    equal but read 1, nothing and nothing.  A spec with such an operand that is not a string gets
    None, so no memo answers it from another spec's filtering.
    """
    affinity = spec.get("affinity")
    if affinity is not None and not _plain_operands(affinity):
        return None
    return (spec.get("tolerations"), spec.get("nodeSelector"), affinity)


def _plain_operands(affinity: Any) -> bool:
    """Every Gt/Lt operand of the required node affinity is a string (anything odd: False)."""
    try:
        required = ((affinity or {}).get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
        for term in (required or {}).get("nodeSelectorTerms") or ():
            for expression in term.get("matchExpressions") or ():
                if expression.get("operator") in ("Gt", "Lt") and not all(
                    type(value) is str for value in expression.get("values") or ()
                ):
                    return False
    except (AttributeError, TypeError):  # a malformed affinity: filtered afresh, never from a memo
        return False
    return True


# The last screening (see `_screen`): [views, side key, failures, eligible views].
_SCREENED: list = [None, None, (), ()]


def _screen(
    pod: Mapping[str, Any], spec: Mapping[str, Any], views: list[_NodeView], side: tuple | None
) -> tuple[list[tuple[list[str], bool]], list[_NodeView]]:
    """NodeUnschedulable, TaintToleration and NodeAffinity over the views: (the failing nodes' reasons,
    all unresolvable, and the views that pass), as the filters run in order per node.

    They read only the views and the pod's side (`_side_key`), so the answer is kept for the last
    views list and side asked: the pods of one template ask the same of the same nodes.  The answer
    is shared: callers only read it."""
    kept = _SCREENED
    if side is not None and kept[0] is views and kept[1] == side:
        return kept[2], kept[3]
    tolerations = list(spec.get("tolerations") or ())
    tolerates_unschedulable: bool | None = None
    affinity_free = (
        not spec.get("nodeSelector")
        and (
            ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
                "requiredDuringSchedulingIgnoredDuringExecution"
            )
            or {}
        ).get("nodeSelectorTerms")
        is None
    )
    failures: list[tuple[list[str], bool]] = []
    eligible: list[_NodeView] = []
    for view in views:
        if view.unschedulable:
            if tolerates_unschedulable is None:
                taint = {"key": TAINT_UNSCHEDULABLE, "effect": EFFECT_NO_SCHEDULE}
                tolerates_unschedulable = tolerated(tolerations, taint)
            if not tolerates_unschedulable:
                failures.append(([REASON_UNSCHEDULABLE_NODE], True))
                continue
        if view.taints:
            untolerated = next((t for t in view.taints if not tolerated(tolerations, t)), None)
            if untolerated is not None:
                failures.append(([f"node(s) had untolerated taint {_format_taint(untolerated)}"], True))
                continue
        if not affinity_free and not matches_node_selector_and_affinity(pod, view.node):
            failures.append(([REASON_NODE_AFFINITY], True))
            continue
        eligible.append(view)
    if side is not None:
        _SCREENED[:] = (views, side, failures, eligible)
    return failures, eligible


# NodeResourcesFit's asks of one request: [(resource, quantity, reason)] in the order the filter
# checks them, by the request's id (requests are shared per content: see `_cached_requests`).
# Entries hold the request, so an id is never taken for another dict while its entry lives.
_ASKS: dict[int, tuple[Mapping[str, Any], list[tuple[str, Fraction | int, str]]]] = {}
_ASKS_LIMIT = 4096


def _asks(request: Mapping[str, Fraction | int]) -> list[tuple[str, Fraction | int, str]]:
    kept = _ASKS.get(id(request))
    if kept is not None and kept[0] is request:
        return kept[1]
    names = [n for n in _BASE_RESOURCES if n in request]
    if len(names) < len(request):
        names += sorted(n for n in request if n not in _BASE_RESOURCES and n != "pods")
    asks = [(name, request[name], f"Insufficient {name}") for name in names if request[name] > 0]
    if len(_ASKS) > _ASKS_LIMIT:
        _ASKS.clear()
    _ASKS[id(request)] = (request, asks)
    return asks


def _decide(
    pod: Mapping[str, Any],
    spec: Mapping[str, Any],
    request: Mapping[str, Fraction | int],
    nodes: list[dict] | tuple[dict, ...],
    counts: Mapping[str, int],
    used_of: Mapping[str, Mapping[str, Fraction | int]],
    loads: NodeLoads | None = None,
) -> tuple[str | None, str]:
    """`schedule`'s filters and score over the nodes, given each node's pod count and summed requests.

    The unresolvable filters come from `_screen`.  With `loads`, a node's NodeResourcesFit answer and
    score are kept per node (`loads.fits`) with the node's view, the request and the version its load
    last changed at, and reused while all three are the same.

    The best node has the highest score num/den, then fewer pods, then the lower name.  Two scores
    with the same denominator (nodes of equal capacities with room left in every resource) compare
    by numerator; others by cross-multiplying: 3/8 > 1/4 as 3*4 > 1*8.
    """
    failures, eligible = _screen(pod, spec, _sorted_views(nodes), _side_key(spec))
    asks = _asks(request)
    fits = changed = None
    if loads is not None:
        fits, changed = loads.fits, loads.changed
    short: list[tuple[list[str], bool]] = []  # NodeResourcesFit failures
    best_name = ""
    best_num: Fraction | int = 0
    best_den: Fraction | int = 0  # 0: no feasible node yet
    best_count = 0
    for view in eligible:
        name = view.name
        if fits is None:
            count = counts.get(name, 0)
            fit = _fit_and_score(view, count, used_of.get(name, _NOTHING_USED), request, asks)
        else:
            stamp = changed.get(name, 0)
            kept = fits.get(name)
            if kept is not None and kept[0] == stamp and kept[1] is view and kept[2] is request:
                fit, count = kept[3], kept[4]
            else:
                count = counts.get(name, 0)
                fit = _fit_and_score(view, count, used_of.get(name, _NOTHING_USED), request, asks)
                fits[name] = (stamp, view, request, fit, count)
        reasons, unresolvable, numerator, denominator = fit
        if reasons:
            short.append((reasons, unresolvable))
            continue
        if not best_den:
            best_name, best_num, best_den, best_count = name, numerator, denominator, count
            continue
        if denominator == best_den:
            mine, theirs = numerator, best_num
        else:
            mine, theirs = numerator * best_den, best_num * denominator
        # Higher score first, then fewer pods, then the name; equal ones keep the first (as `min`).
        if mine > theirs or (mine == theirs and (count < best_count or (count == best_count and name < best_name))):
            best_name, best_num, best_den, best_count = name, numerator, denominator, count
    if not best_den:
        return None, fit_error_message(len(nodes), failures + short)
    return best_name, ""


# --- writes -----------------------------------------------------------------------------------------


def _reference(pod: Mapping[str, Any]) -> dict:
    meta = pod.get("metadata") or {}
    ref = {"apiVersion": "v1", "kind": "Pod", "namespace": meta.get("namespace", ""), "name": meta.get("name", "")}
    if meta.get("uid"):
        ref["uid"] = meta["uid"]
    return ref


def _scheduled_status(pod: Mapping[str, Any], condition: dict) -> dict:
    """The pod's status with `condition` in place of its PodScheduled condition (phase Pending if none)."""
    status = dict(pod.get("status") or {})
    conditions = [c for c in status.get("conditions") or () if c.get("type") != CONDITION_POD_SCHEDULED]
    conditions.append(condition)
    status["conditions"] = conditions
    status.setdefault("phase", "Pending")
    return status


def _with_scheduled_condition(pod: dict, condition: dict) -> dict:
    return {**pod, "status": _scheduled_status(pod, condition)}


def bind_actions(pod: dict, node_name: str, now: _dt.datetime) -> list[Action]:
    """What binding writes: the pod with `spec.nodeName` and its PodScheduled=True condition, in one write
    through the `binding` subresource (as upstream's `pods/binding` stores both at once), and the Normal
    `Scheduled` event.  The write carries the pod's resourceVersion: a pod changed since it was read is
    not bound from the stale copy.
    """
    meta = pod.get("metadata") or {}
    condition = {"lastProbeTime": None, "lastTransitionTime": format_time(now), "status": "True"}
    condition["type"] = CONDITION_POD_SCHEDULED
    bound = {
        **pod,
        "metadata": dict(meta),
        "spec": {**(pod.get("spec") or {}), "nodeName": node_name},
        "status": _scheduled_status(pod, condition),
    }
    message = f"Successfully assigned {meta.get('namespace', '')}/{meta.get('name', '')} to {node_name}"
    return [
        UpdateObject(bound, subresource=BINDING_SUBRESOURCE),
        RecordEvent(_reference(pod), "Normal", EVENT_SCHEDULED, message),
    ]


def unschedulable_actions(pod: dict, message: str, now: _dt.datetime) -> list[Action]:
    """PodScheduled=False (reason Unschedulable, the message) and the Warning FailedScheduling event.

    The condition keeps its lastTransitionTime while it stays False; an unchanged condition is not rewritten.
    """
    old = next(
        (c for c in (pod.get("status") or {}).get("conditions") or () if c.get("type") == CONDITION_POD_SCHEDULED),
        None,
    )
    since = old.get("lastTransitionTime") if old and old.get("status") == "False" else format_time(now)
    condition = {
        "lastProbeTime": None,
        "lastTransitionTime": since,
        "message": message,
        "reason": REASON_CONDITION_UNSCHEDULABLE,
        "status": "False",
        "type": CONDITION_POD_SCHEDULED,
    }
    actions: list[Action] = []
    if old != condition:
        actions.append(UpdateStatus(_with_scheduled_condition(pod, condition)))
    actions.append(RecordEvent(_reference(pod), "Warning", EVENT_FAILED_SCHEDULING, message))
    return actions
