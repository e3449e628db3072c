"""The ReplicaSet controller's decisions: one upstream `syncReplicaSet` as a pure function returning actions.

`reconcile(rs, pods, now)` does what one sync of kube-controller-manager v1.37 does, in the same order:

1. **Claim.**  Among the namespace's *active* pods (not Succeeded/Failed, not being deleted), adopt
   matching orphans and release owned pods whose labels no longer match (ownership.py, PatchObjects).
2. **Manage replicas** — only when expectations are satisfied and the ReplicaSet is not being deleted.
   `diff = len(claimed active pods) - spec.replicas`, capped at ±500 (`BURST_REPLICAS`).
   * diff < 0: one CreateObject per missing pod, from the template (`podutil.pod_from_template`:
     `generateName` `<rs-name>-`, owner apps/v1 ReplicaSet with controller and blockOwnerDeletion).
     The executor sends them in slow-start batches (`slow_start_batches`: 1, 2, 4, … — 10 pods go out
     as 1+2+4+3) and stops after the first batch with a failure; the rest are retried next sync.
   * diff > 0: one DeleteObject per pod chosen for deletion.  All of them when diff equals the number
     of active pods (list order); otherwise the first `diff` in `podutil.ranked_pods_less` order, where
     a pod's rank is the number of active *related* pods on its node — pods selected by any ReplicaSet
     with the same controller (e.g. every ReplicaSet of one Deployment).  Worked example: RS `a` and RS
     `b` of one Deployment have pods a1, a2 on node n1 and b1 on n1, a3 on n2; scaling `a` from 3 to 2
     ranks a1 and a2 at 3, a3 at 1, so (all else equal) a pod on n1 goes first.
3. **Status**: replicas (claimed active pods), fullyLabeledReplicas (their labels contain every template
   label), readyReplicas, availableReplicas (ready for minReadySeconds at `now`), terminatingReplicas
   (owned, matching pods being deleted but not terminal), observedGeneration; a `ReplicaFailure`
   condition exists only after a failed create/delete and is removed by the next sync whose management
   did not fail.  UpdateStatus is emitted only when one of these changed (or observedGeneration lags).
4. **Requeue**: with minReadySeconds > 0 and readyReplicas != availableReplicas, RequeueAfter the time
   until the next ready pod turns available (falling back to minReadySeconds).

Failures happen in the executor, after this function returned: when a CreateObject/DeleteObject of the
pass fails (other than a 404 on delete, or a create refused because the namespace is terminating), the
runner skips the rest of the pass and applies `manage_error_status(...)` with the error text, which adds
`ReplicaFailure` (reason FailedCreate or FailedDelete) as upstream does; a failed claim patch just ends
the pass.  Pod events (`SuccessfulCreate` "Created pod: <name>", `FailedCreate` "Error creating: <err>",
`SuccessfulDelete` "Deleted pod: <name>", `FailedDelete` "Error deleting: <err>") depend on the outcome,
so the executor records them; the reasons and message formats are named below.

Pure: no I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson

from kubeferry.controllers import ownership
from kubeferry.controllers.actions import Action, CreateObject, DeleteObject, RequeueAfter, UpdateStatus
from kubeferry.machinery import podutil
from kubeferry.machinery.selectors import LabelSelector, from_label_selector
from kubeferry.machinery.status import StatusError

API_VERSION = "apps/v1"
KIND = "ReplicaSet"
POD_API_VERSION = "v1"
POD_KIND = "Pod"

# A ReplicaSet creates or deletes at most this many pods per sync (upstream BurstReplicas).
BURST_REPLICAS = 500
# The first slow-start batch; each successful batch doubles the next one.
SLOW_START_INITIAL_BATCH_SIZE = 1
# status.terminatingReplicas is reported (DeploymentReplicaSetTerminatingReplicas, on by default in v1.37).
STATUS_TERMINATING_REPLICAS = True

CONDITION_REPLICA_FAILURE = "ReplicaFailure"
REASON_FAILED_CREATE = "FailedCreate"
REASON_FAILED_DELETE = "FailedDelete"
REASON_SUCCESSFUL_CREATE = "SuccessfulCreate"
REASON_SUCCESSFUL_DELETE = "SuccessfulDelete"
MESSAGE_CREATED_POD = "Created pod: {name}"
MESSAGE_ERROR_CREATING = "Error creating: {error}"
MESSAGE_DELETED_POD = "Deleted pod: {name}"
MESSAGE_ERROR_DELETING = "Error deleting: {error}"

DEFAULT_REPLICAS = 1

# Given a (valid, not match-nothing) selector, the pods of the ReplicaSet's namespace in list order that it may
# match: every pod it matches is among them; the caller still applies `selector.matches` to each.
PodSelect = Callable[[LabelSelector], Sequence[dict]]
_TERMINAL_PHASES = (podutil.PHASE_SUCCEEDED, podutil.PHASE_FAILED)


def slow_start_batches(count: int, initial: int = SLOW_START_INITIAL_BATCH_SIZE) -> list[int]:
    """Batch sizes for `count` creates: start at `initial`, then min(2 × previous, remaining).

    10 → [1, 2, 4, 3]; 500 → [1, 2, 4, 8, 16, 32, 64, 128, 245].  If the 6th of 10 creates fails, the
    batches [1, 2, 4] have been sent (7 calls) and the remaining 3 wait for the next sync.
    """
    batches: list[int] = []
    remaining = count
    size = min(remaining, initial)
    while size > 0:
        batches.append(size)
        remaining -= size
        size = min(2 * size, remaining)
    return batches


def expected_changes(actions: Sequence[Action]) -> tuple[int, int]:
    """(pod creates, pod deletes) among `actions`, for the runner's expectations bookkeeping."""
    creates = sum(1 for a in actions if isinstance(a, CreateObject))
    deletes = sum(1 for a in actions if isinstance(a, DeleteObject))
    return creates, deletes


# --- helpers ---------------------------------------------------------------------------------------


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _spec(rs: Mapping[str, Any]) -> Mapping[str, Any]:
    return rs.get("spec") or {}


def _replicas(rs: Mapping[str, Any]) -> int:
    value = _spec(rs).get("replicas")
    return DEFAULT_REPLICAS if value is None else int(value)


def _min_ready_seconds(rs: Mapping[str, Any]) -> int:
    return int(_spec(rs).get("minReadySeconds") or 0)


def _template_labels(rs: Mapping[str, Any]) -> Mapping[str, str]:
    return ((_spec(rs).get("template") or {}).get("metadata") or {}).get("labels") or {}


def _in_namespace(pods: Sequence[dict], namespace: str) -> list[dict]:
    return [p for p in pods if (_meta(p).get("namespace") or "") == namespace]


def _fully_labeled(pod: Mapping[str, Any], template_labels: Sequence[tuple[str, str]]) -> bool:
    """The pod's labels carry every template label (`template_labels`: its items)."""
    labels = (pod.get("metadata") or {}).get("labels") or {}
    for key, value in template_labels:  # noqa: SIM110 - a loop, not a generator per pod
        if labels.get(key) != value:
            return False
    return True


def _ready(pod: Mapping[str, Any]) -> bool:
    """`podutil.is_pod_ready`, inlined: the first Ready condition has status True."""
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == podutil.POD_READY:
            return condition.get("status") == podutil.CONDITION_TRUE
    return False


class _Tally:
    """The status counts of claimed pods: fully labeled, ready, and available at `now`.

    One pod costs a few dictionary reads: the pass adds every claimed pod while it walks the
    candidates, so the counts need no second walk.
    """

    __slots__ = ("template_labels", "min_ready", "now", "fully_labeled", "ready", "available")

    def __init__(self, rs: Mapping[str, Any], now: _dt.datetime) -> None:
        self.template_labels = list(_template_labels(rs).items())
        self.min_ready = _min_ready_seconds(rs)
        self.now = now
        self.fully_labeled = self.ready = self.available = 0

    def add(self, pod: Mapping[str, Any]) -> None:
        if _fully_labeled(pod, self.template_labels):
            self.fully_labeled += 1
        if _ready(pod):
            self.ready += 1
            if self.min_ready == 0 or podutil.is_pod_available(pod, self.min_ready, self.now):
                self.available += 1


class _Pass:
    """What one sync learns before deciding: the selector, the claimed active pods and the terminating ones
    (and, given `now`, the status counts of the claimed pods).

    One walk over the candidates in list order: terminal pods are skipped; pods being deleted count as
    terminating when we control them and they match; other controllers' pods are skipped; our matching
    pods are claimed as they are; the rest (orphans, and ours that no longer match) are handed one at a
    time to `ownership.claim`, which adopts or releases them — the same claims and patches, in the same
    order, as one `claim` over all active pods.
    """

    def __init__(self, rs: dict, pods: Sequence[dict], now: _dt.datetime | None = None) -> None:
        self.rs = rs
        self.selector = from_label_selector(_spec(rs).get("selector"))
        rs_meta = _meta(rs)
        namespace = rs_meta.get("namespace") or ""
        claim_uid = rs_meta.get("uid", "")  # what ownership.claim compares controller references with
        owner_uid = rs_meta.get("uid")  # what ownership.is_controlled_by compares them with
        matches = self.selector.matches
        self.tally = tally = _Tally(rs, now) if now is not None else None
        claimed: list[dict] = []
        actions: list[Action] = []
        terminating: list[dict] = []
        for pod in pods:
            found = _classify(pod, namespace, owner_uid, claim_uid, matches)
            if found is _CLAIMED:
                claimed.append(pod)
                if tally is not None:
                    tally.add(pod)
                continue
            if found is _TERMINATING:
                terminating.append(pod)
                continue
            if found is _SKIPPED:
                continue
            more, patches = ownership.claim(
                rs,
                KIND,
                API_VERSION,
                self.matches,
                [pod],
                candidate_api_version=POD_API_VERSION,
                candidate_kind=POD_KIND,
            )
            actions.extend(patches)
            for adopted in more:
                claimed.append(adopted)
                if tally is not None:
                    tally.add(adopted)
        self.active, self.claim_actions, self.terminating = claimed, actions, terminating

    def matches(self, pod: Mapping[str, Any]) -> bool:
        return self.selector.matches((pod.get("metadata") or {}).get("labels") or {})


# What a pass does with one candidate pod (`_classify`).
_SKIPPED = "skipped"  # another namespace, terminal, someone else's, or being deleted and not ours
_TERMINATING = "terminating"  # ours, matching, being deleted (status.terminatingReplicas)
_CLAIMED = "claimed"  # ours and matching: counted as it is
_TO_CLAIM = "to claim"  # an orphan, or ours no longer matching: ownership.claim adopts or releases it


def _classify(pod: Mapping[str, Any], namespace: str, owner_uid: Any, claim_uid: Any, matches) -> str:
    """The one step of a pass's walk that decides about `pod` alone (see `_Pass`)."""
    meta = pod.get("metadata") or {}
    if (meta.get("namespace") or "") != namespace:
        return _SKIPPED
    if ((pod.get("status") or {}).get("phase") or "") in _TERMINAL_PHASES:
        return _SKIPPED
    ref = None
    for owner_ref in meta.get("ownerReferences") or ():  # ownership.get_controller_of
        if owner_ref.get("controller") is True:
            ref = owner_ref
            break
    if meta.get("deletionTimestamp"):
        if ref is not None and ref.get("uid") == owner_uid and matches(meta.get("labels") or {}):
            return _TERMINATING
        return _SKIPPED
    if ref is not None:
        if ref.get("uid") != claim_uid:
            return _SKIPPED
        if matches(meta.get("labels") or {}):
            return _CLAIMED
    return _TO_CLAIM


class OwnedPods:
    """What a pass over one ReplicaSet's candidates learns, kept up to date pod by pod.

    The owner of the pod index (controllers/catalog.py) notes in `changed` the name of every pod the
    ReplicaSet controls (or controlled) that changed, and has it `refresh`ed before a pass: each such
    pod is classified again by `_classify`, the very step of the pass's walk, and counted as `_Tally`
    counts it (a pod written several times between two passes is classified once).  `pass_facts` then gives what `_Pass` would over the same candidates (the owned
    pods and the namespace's orphans, by name) without walking them — valid only while no owned pod
    waits to be adopted or released (`to_claim` empty) and no orphan of the namespace would be claimed,
    as the index checks; otherwise the pass walks.  The facts depend on the ReplicaSet only through its
    namespace, uid, selector and template labels (`fits`); minReadySeconds and `now` are applied when
    the facts are asked for.
    """

    __slots__ = (
        "namespace",
        "uid",
        "_shape",
        "_matches",
        "_labels",
        "claimed",
        "fully_labeled",
        "terminating",
        "ready",
        "to_claim",
        "changed",
        "_order",
    )

    def __init__(self, rs: Mapping[str, Any]) -> None:
        meta = _meta(rs)
        self.namespace = meta.get("namespace") or ""
        self.uid = meta.get("uid") or ""
        self._shape = self.shape(rs)
        self._matches = from_label_selector(_spec(rs).get("selector")).matches  # StatusError when invalid
        self._labels = list(_template_labels(rs).items())
        self.claimed: dict[str, tuple[Mapping[str, Any], bool]] = {}  # name -> (pod, fully labeled)
        self.fully_labeled = 0  # claimed pods carrying every template label
        self.terminating: dict[str, Mapping[str, Any]] = {}
        self.ready: dict[str, Mapping[str, Any]] = {}  # claimed pods that are ready
        self.to_claim: set[str] = set()
        self.changed: set[str] = set()  # names of pods changed since the last `refresh`
        self._order: list[str] | None = []  # the claimed pods' names, sorted; None once they changed

    @staticmethod
    def shape(rs: Mapping[str, Any]) -> bytes:
        """The parts of `rs` the classification depends on, as exact JSON text (`True` and `1` differ)."""
        meta = _meta(rs)
        try:
            return orjson.dumps(
                [meta.get("namespace") or "", meta.get("uid") or "", _spec(rs).get("selector"), _template_labels(rs)]
            )
        except TypeError:
            return b""  # not JSON: never fits, so every pass walks

    def fits(self, rs: Mapping[str, Any]) -> bool:
        return bool(self._shape) and self.shape(rs) == self._shape

    def classify(self, pod: Mapping[str, Any]) -> str:
        return _classify(pod, self.namespace, self.uid, self.uid, self._matches)

    def would_claim(self, orphan: Mapping[str, Any]) -> bool:
        """A pass would hand this orphan of the namespace to `ownership.claim` and it would be adopted:
        it is to claim and matches the selector (claim leaves a non-matching orphan alone, no patch)."""
        return self.classify(orphan) is _TO_CLAIM and self._matches((orphan.get("metadata") or {}).get("labels") or {})

    def put(self, name: str, pod: Mapping[str, Any]) -> None:
        """`pod` (named `name`, controlled by the ReplicaSet) is new or changed."""
        was_claimed = self._forget(name)
        found = _classify(pod, self.namespace, self.uid, self.uid, self._matches)
        if (found is _CLAIMED) is not was_claimed:
            self._order = None  # one claimed pod more, or one fewer
        if found is _CLAIMED:
            fully = _fully_labeled(pod, self._labels)
            self.claimed[name] = (pod, fully)
            if fully:
                self.fully_labeled += 1
            if _ready(pod):
                self.ready[name] = pod
        elif found is _TERMINATING:
            self.terminating[name] = pod
        elif found is _TO_CLAIM:
            self.to_claim.add(name)

    def refresh(self, pods: Mapping[str, Mapping[str, Any]]) -> None:
        """Classify again the pods named in `changed`, as they are now in `pods` (the ReplicaSet's
        controlled pods by name; a name no longer there is gone or controlled by another)."""
        for name in self.changed:
            pod = pods.get(name)
            if pod is None:
                self.discard(name)
            else:
                self.put(name, pod)
        self.changed.clear()

    def discard(self, name: str) -> None:
        """The pod named `name` is gone, or no longer controlled by the ReplicaSet."""
        if self._forget(name):
            self._order = None

    def _forget(self, name: str) -> bool:
        """Drop what is kept of the pod named `name`; True when it was claimed (the sorted names then
        no longer hold, unless the caller claims it again)."""
        was = self.claimed.pop(name, None)
        if was is not None:
            if was[1]:
                self.fully_labeled -= 1
            self.ready.pop(name, None)
            return True
        if self.terminating.pop(name, None) is None:
            self.to_claim.discard(name)
        return False

    def pass_facts(self, rs: dict, now: _dt.datetime) -> _Pass:
        """What `_Pass(rs, candidates, now)` finds, from the kept classification (see the class doc)."""
        facts = _Pass.__new__(_Pass)
        facts.rs = rs
        claimed = self.claimed
        if self._order is None:
            self._order = sorted(claimed)
        facts.active = [claimed[name][0] for name in self._order]
        terminating = self.terminating
        facts.terminating = [terminating[name] for name in sorted(terminating)] if terminating else []
        facts.claim_actions = []
        tally = facts.tally = _Tally(rs, now)
        tally.fully_labeled = self.fully_labeled
        tally.ready = len(self.ready)
        if tally.min_ready == 0:
            tally.available = tally.ready
        else:
            tally.available = sum(
                1 for pod in self.ready.values() if podutil.is_pod_available(pod, tally.min_ready, now)
            )
        return facts


# --- managing replicas -----------------------------------------------------------------------------


def _create_actions(rs: dict, count: int) -> list[Action]:
    template = _spec(rs).get("template") or {}
    controller_ref = ownership.new_controller_ref(rs, API_VERSION, KIND)
    return [CreateObject(pod) for pod in podutil.pods_from_template(template, rs, controller_ref, count)]


def _scan(pods: Sequence[dict], namespace: str) -> PodSelect:
    """The default `PodSelect`: every pod of `namespace` among `pods` (found once), whatever the selector."""
    found: list[dict] | None = None

    def select(selector: LabelSelector) -> Sequence[dict]:
        nonlocal found
        if found is None:
            found = _in_namespace(pods, namespace)
        return found

    return select


def _related_pods(
    rs: dict, pods: Sequence[dict], related_replica_sets: Sequence[dict] | None, select: PodSelect | None = None
) -> list[dict]:
    """Pods selected by any ReplicaSet sharing `rs`'s controller (each pod once); none when `rs` has no controller.

    Siblings in order, each one's matching pods in list order, a pod (by uid) only the first time.
    `select(selector)`, when given, returns the pods of `rs`'s namespace in list order that `selector`
    may match (every pod it matches among them); the default walks `pods`.
    """
    controller = ownership.get_controller_of(rs)
    if controller is None:
        return []
    candidates = related_replica_sets if related_replica_sets is not None else [rs]
    namespace = _meta(rs).get("namespace") or ""
    siblings = [
        other
        for other in candidates
        if (_meta(other).get("namespace") or "") == namespace
        and (ownership.get_controller_of(other) or {}).get("uid") == controller.get("uid")
    ]
    if not any(_meta(s).get("uid") == _meta(rs).get("uid") for s in siblings):
        siblings.append(rs)
    related: list[dict] = []
    seen: set[str] = set()
    if select is None:
        select = _scan(pods, namespace)
    for sibling in siblings:
        try:
            selector = from_label_selector(_spec(sibling).get("selector"))
        except StatusError:
            continue  # an invalid selector selects nothing
        if selector.nothing:
            continue
        matches = selector.matches
        for pod in select(selector):
            meta = pod.get("metadata") or {}
            uid = meta.get("uid") or ""
            if uid and uid in seen:
                continue  # already related through an earlier sibling
            if not matches(meta.get("labels") or {}):
                continue
            seen.add(uid)
            related.append(pod)
    return related


def pods_to_delete(active: Sequence[dict], related: Sequence[dict], count: int, now: _dt.datetime | None) -> list[dict]:
    """The `count` pods to delete: all (in order) when `count` covers them, else the first in ranked order."""
    if count >= len(active):
        return list(active[:count])
    per_node: dict[str, int] = {}
    terminal = _TERMINAL_PHASES
    for pod in related:  # podutil.is_pod_active and node_name, inlined: a scale-down may see every pod
        if ((pod.get("status") or {}).get("phase") or "") in terminal:
            continue
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            continue
        node = (pod.get("spec") or {}).get("nodeName") or ""
        per_node[node] = per_node.get(node, 0) + 1
    ranks = [per_node.get(podutil.node_name(pod), 0) for pod in active]
    return podutil.sort_pods_with_ranks(active, ranks, now)[:count]


def _delete_actions(rs: dict, victims: Sequence[dict]) -> list[Action]:
    namespace = _meta(rs).get("namespace") or ""
    return [DeleteObject(POD_API_VERSION, POD_KIND, namespace, _meta(p).get("name") or "") for p in victims]


def manage_replicas(
    rs: dict,
    active: Sequence[dict],
    pods: Sequence[dict],
    now: _dt.datetime,
    related_replica_sets: Sequence[dict] | None,
    select: PodSelect | None = None,
) -> list[Action]:
    """The creates or deletes that bring the active pod count to spec.replicas, at most BURST_REPLICAS of them."""
    diff = len(active) - _replicas(rs)
    if diff < 0:
        return _create_actions(rs, min(-diff, BURST_REPLICAS))
    if diff > 0:
        count = min(diff, BURST_REPLICAS)
        # Ranking needs the related pods only when some active pods stay (see pods_to_delete).
        related = _related_pods(rs, pods, related_replica_sets, select) if count < len(active) else []
        return _delete_actions(rs, pods_to_delete(active, related, count, now))
    return []


# --- status ----------------------------------------------------------------------------------------


def _get_condition(status: Mapping[str, Any], cond_type: str) -> Mapping[str, Any] | None:
    for condition in status.get("conditions") or ():
        if condition.get("type") == cond_type:
            return condition
    return None


def calculate_status(
    rs: dict,
    active: Sequence[dict],
    terminating: Sequence[dict],
    now: _dt.datetime,
    manage_error: str | None = None,
    *,
    tally: _Tally | None = None,
) -> dict:
    """The ReplicaSet's new status (upstream calculateStatus); observedGeneration is left as it was.

    `tally` holds the counts of `active` when the pass already took them (at the same `now`).

    `manage_error` is the error text of a failed create/delete: it adds ReplicaFailure (True, reason
    FailedCreate when pods were missing, FailedDelete when there were too many, message = the text) unless
    the condition is already there; without an error an existing ReplicaFailure is removed.
    """
    status = copy.deepcopy(dict(rs.get("status") or {}))
    if tally is None:
        tally = _Tally(rs, now)
        for pod in active:
            tally.add(pod)
    fully_labeled, ready, available = tally.fully_labeled, tally.ready, tally.available

    failure = _get_condition(status, CONDITION_REPLICA_FAILURE)
    conditions = list(status.get("conditions") or [])
    if manage_error is not None and failure is None:
        diff = len(active) - _replicas(rs)
        reason = REASON_FAILED_CREATE if diff < 0 else REASON_FAILED_DELETE if diff > 0 else ""
        conditions.append(
            {
                "type": CONDITION_REPLICA_FAILURE,
                "status": podutil.CONDITION_TRUE,
                "lastTransitionTime": podutil.format_time(now),
                "reason": reason,
                "message": manage_error,
            }
        )
    elif manage_error is None and failure is not None:
        conditions = [c for c in conditions if c.get("type") != CONDITION_REPLICA_FAILURE]

    status["replicas"] = len(active)
    _set_or_omit(status, "fullyLabeledReplicas", fully_labeled)
    _set_or_omit(status, "readyReplicas", ready)
    _set_or_omit(status, "availableReplicas", available)
    if STATUS_TERMINATING_REPLICAS:
        status["terminatingReplicas"] = len(terminating)
    else:
        status.pop("terminatingReplicas", None)
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)
    return status


def _set_or_omit(status: dict, key: str, value: int) -> None:
    """Integer fields tagged omitempty upstream are absent when zero."""
    if value:
        status[key] = value
    else:
        status.pop(key, None)


def _status_unchanged(rs: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Upstream's steady-state test: counts, terminatingReplicas, conditions equal and observedGeneration current."""
    old = rs.get("status") or {}
    for key in ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas"):
        if int(old.get(key) or 0) != int(new.get(key) or 0):
            return False
    if old.get("terminatingReplicas") != new.get("terminatingReplicas"):
        return False
    if int(_meta(rs).get("generation") or 0) != int(old.get("observedGeneration") or 0):
        return False
    return (old.get("conditions") or []) == (new.get("conditions") or [])


def status_actions(rs: dict, new_status: dict) -> list[Action]:
    """UpdateStatus with observedGeneration = metadata.generation, or nothing when the status is unchanged."""
    if _status_unchanged(rs, new_status):
        return []
    updated = copy.deepcopy(rs)
    status = dict(new_status)
    generation = int(_meta(rs).get("generation") or 0)
    _set_or_omit(status, "observedGeneration", generation)
    updated["status"] = status
    return [UpdateStatus(updated)]


def _requeue_actions(rs: dict, status: Mapping[str, Any], active: Sequence[dict], now: _dt.datetime) -> list[Action]:
    """RequeueAfter for pods that are ready but not yet available (they turn available without any event)."""
    min_ready = _min_ready_seconds(rs)
    if min_ready <= 0 or int(status.get("readyReplicas") or 0) == int(status.get("availableReplicas") or 0):
        return []
    next_check = podutil.find_min_next_pod_availability_check(active, min_ready, now)
    return [RequeueAfter(float(min_ready) if next_check is None else next_check)]


# --- the sync --------------------------------------------------------------------------------------


def reconcile(
    rs: dict,
    pods: list[dict],
    now: _dt.datetime,
    *,
    expectations_satisfied: bool = True,
    rng: Any = None,
    related_replica_sets: Sequence[dict] | None = None,
    candidates: Sequence[dict] | None = None,
    owned: OwnedPods | None = None,
    select: PodSelect | None = None,
) -> list[Action]:
    """One upstream sync of `rs`: claim patches, pod creates or deletes, status update, requeue.

    `pods` are all pods of the ReplicaSet's namespace.  `related_replica_sets` are the namespace's
    ReplicaSets (those sharing `rs`'s controller rank pods for deletion); when omitted only `rs`'s own
    selector counts.  `candidates`, when given, are the pods `rs` controls plus the namespace's orphans
    in `pods`' order: the claim only ever looks at those, so the pass need not walk all of `pods`
    (which a scale-down still reads, to rank by sibling pods).  `owned`, when given, stands for the
    walk over `candidates`: its `pass_facts` are what that walk would find (see `OwnedPods`; the
    caller makes sure it applies).  `select`, when given, stands for walking `pods` when a scale-down
    looks for the pods a sibling's selector matches (see `PodSelect`).  `rng` is accepted for symmetry with
    the other reconcilers: every choice here is deterministic.  A selector that cannot be parsed
    yields no actions (upstream logs and gives up).
    """
    del rng
    try:
        sync = (
            owned.pass_facts(rs, now)
            if owned is not None
            else _Pass(rs, pods if candidates is None else candidates, now)
        )
    except StatusError:
        return []
    actions: list[Action] = list(sync.claim_actions)
    if expectations_satisfied and not _meta(rs).get("deletionTimestamp"):
        actions.extend(manage_replicas(rs, sync.active, pods, now, related_replica_sets, select))
    status = calculate_status(rs, sync.active, sync.terminating, now, tally=sync.tally)
    actions.extend(status_actions(rs, status))
    actions.extend(_requeue_actions(rs, status, sync.active, now))
    return actions


def manage_error_status(rs: dict, pods: list[dict], now: _dt.datetime, error: str) -> list[Action]:
    """The status update upstream writes when creating or deleting pods failed with `error` (ReplicaFailure).

    Call it with the same `rs` and `pods` the failed pass was decided from; it returns an UpdateStatus or
    nothing.  The key is then retried with backoff (no RequeueAfter).
    """
    try:
        sync = _Pass(rs, pods)
    except StatusError:
        return []
    return status_actions(rs, calculate_status(rs, sync.active, sync.terminating, now, manage_error=error))
