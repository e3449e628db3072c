"""One DaemonSet sync (upstream `syncDaemonSet` in `daemon_controller.go`): history, manage, update, cleanup, status.

`reconcile(ds, nodes, pods, revisions, now)` returns, in upstream's order, the writes of one sync:

1. A selector of `{}` → Warning `SelectingAll` ("This daemon set is selecting all pods. A non-empty selector is
   required.") and nothing else.  A DaemonSet being deleted → nothing at all (not even status).
2. History (`update.construct_history`); its `controller-revision-hash` label is the hash of this pass.  A
   hash collision ends the pass after bumping `status.collisionCount`.
3. Expectations unsatisfied (`expectations_satisfied=False`) → status only, observedGeneration untouched.
4. `manage`: per node (in the order given), from (should_run, should_continue_running) and the node's pods:
   * should run, no pod → create one;
   * should continue running: pods being deleted are skipped; a Failed pod is deleted (Warning
     `FailedDaemonPod` "Found failed daemon pod <ns>/<pod> on node <node>, will try to kill it"), unless the
     node's failed-pod backoff holds it back (then RequeueAfter the backoff delay); a Succeeded pod is
     deleted (Normal `SucceededDaemonPod` "Found succeeded daemon pod … will try to delete it").  Of the
     remaining pods, without surge all but the oldest (scheduled first, then creationTimestamp, then name)
     are deleted; with surge, the oldest pod with the current hash and the oldest without are kept, the
     rest deleted, then the old one goes too if it is not Ready or the new one is Available; and if no
     pod is left and the node should run one, one is created;
   * should not continue running → every pod not already being deleted is deleted;
   * unscheduled pods aimed at nodes that do not exist are deleted.
   Creates come before deletes, each list cut to 250.
5. If manage wrote nothing (upstream: expectations still satisfied) and the strategy is RollingUpdate →
   `update.rolling_update`; OnDelete → nothing.  Then `update.cleanup_history`.
6. Status, from the pods as listed (§4.4): per node that should run — desiredNumberScheduled; with ≥ 1 pod,
   currentNumberScheduled, and for the oldest pod numberReady (Ready), numberAvailable (Available),
   updatedNumberScheduled (updated); nodes that should not run but have pods → numberMisscheduled;
   numberUnavailable = desired − available; observedGeneration = generation.  UpdateStatus only when a
   count changed or observedGeneration lags; RequeueAfter(minReadySeconds) while ready ≠ available.

`failed_pod_backoff` is the runner's `util.FailedPodBackoff` (one per controller, kept across passes);
without it failed pods are deleted on every pass.  The executor records SuccessfulCreate/SuccessfulDelete
("Created pod: <name>", "Deleted pod: <name>") on the DaemonSet for the pod writes.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from kubeferry.controllers.actions import Action, CreateObject, DeleteObject
from kubeferry.controllers.daemonset import update
from kubeferry.controllers.daemonset import util as u
from kubeferry.controllers.daemonset.state import DaemonSetPass, sync_nodes
from kubeferry.machinery import podutil
from kubeferry.machinery.status import StatusError

STATUS_COUNTERS = (
    "desiredNumberScheduled",
    "currentNumberScheduled",
    "numberMisscheduled",
    "numberReady",
    "updatedNumberScheduled",
    "numberAvailable",
    "numberUnavailable",
)
# Retry delay after a failed step of the pass (upstream returns the error and the key is rate-limited).
ERROR_REQUEUE_SECONDS = 1.0


def _selects_everything(ds: Mapping[str, Any]) -> bool:
    """The selector is exactly `{}` (a selector with an empty matchLabels map is not, as in Go)."""
    selector = u.spec(ds).get("selector")
    return isinstance(selector, Mapping) and all(value is None for value in selector.values())


def reconcile(
    ds: dict,
    nodes: list[dict],
    pods: list[dict],
    revisions: list[dict],
    now: _dt.datetime,
    *,
    expectations_satisfied: bool = True,
    failed_pod_backoff: u.FailedPodBackoff | None = None,
) -> list[Action]:
    """One upstream sync of `ds` (module doc).  `pods`/`revisions`: the namespace's; `nodes`: all nodes."""
    p = DaemonSetPass(ds, nodes, pods, revisions, now, failed_pod_backoff)
    if _selects_everything(p.ds):
        p.event("Warning", u.REASON_SELECTING_ALL, u.MESSAGE_SELECTING_ALL)
        return p.actions
    if podutil.is_being_deleted(p.ds):
        return []
    try:
        p.selector  # noqa: B018 — an unparsable selector ends the pass as upstream's first list does
        cur, old = update.construct_history(p)
    except (update.HistoryCollision, StatusError):
        return p.actions
    hash_ = update.revision_hash(cur)

    if not expectations_satisfied:
        update_status(p, hash_, update_observed_generation=False)
        return p.actions

    update_daemonset(p, hash_, old)
    update_status(p, hash_, update_observed_generation=True)
    return p.actions


def update_daemonset(p: DaemonSetPass, hash_: str, old: list[dict]) -> None:
    """manage, then (if manage wrote nothing) the strategy's update step, then history cleanup."""
    before = len(p.actions)
    manage(p, hash_)
    manage_wrote = any(isinstance(a, CreateObject | DeleteObject) for a in p.actions[before:])
    if not manage_wrote and u.strategy_type(p.ds) == u.ROLLING_UPDATE:
        try:
            update.rolling_update(p, hash_)
        except update.MissingNode:
            p.requeue(ERROR_REQUEUE_SECONDS)
            return
    update.cleanup_history(p, old)


# --- manage ---------------------------------------------------------------------------------------------


def manage(p: DaemonSetPass, hash_: str) -> None:
    """Create missing daemon pods and delete the ones that must go (module doc, step 4)."""
    node_to_pods = p.nodes_to_daemon_pods()
    nodes_needing_pods: list[str] = []
    pods_to_delete: list[str] = []
    for node in p.nodes:
        create, delete = pods_should_be_on_node(p, node, node_to_pods, hash_)
        nodes_needing_pods.extend(create)
        pods_to_delete.extend(delete)
    pods_to_delete.extend(unscheduled_pods_without_node(p.nodes, node_to_pods))
    sync_nodes(p, pods_to_delete, nodes_needing_pods, hash_)


def pods_should_be_on_node(
    p: DaemonSetPass, node: Mapping[str, Any], node_to_pods: dict[str, list[dict]], hash_: str
) -> tuple[list[str], list[str]]:
    """(nodes needing a pod, pod names to delete) for one node."""
    node_name = u.name_of(node)
    should_run, should_continue = u.node_should_run_daemon_pod(node, p.ds)
    exists = node_name in node_to_pods
    daemon_pods = node_to_pods.get(node_name, [])
    create: list[str] = []
    delete: list[str] = []

    if should_run and not exists:
        return [node_name], []
    if not should_continue:
        if exists:
            delete = [u.name_of(pod) for pod in daemon_pods if not podutil.is_being_deleted(pod)]
        return [], delete

    running: list[dict] = []
    for pod in daemon_pods:
        if podutil.is_being_deleted(pod):
            continue
        phase = podutil.pod_phase(pod)
        if phase == podutil.PHASE_FAILED:
            backoff = p.backoff
            if backoff is not None:
                key = backoff.key(p.ds, node_name)
                if backoff.in_backoff(key, p.now):
                    p.requeue(backoff.delay_seconds(key))
                    continue
                backoff.next(key, p.now)
            message = u.MESSAGE_FAILED_DAEMON_POD.format(namespace=p.namespace, name=u.name_of(pod), node=node_name)
            p.event("Warning", u.REASON_FAILED_DAEMON_POD, message)
            delete.append(u.name_of(pod))
        elif phase == podutil.PHASE_SUCCEEDED:
            message = u.MESSAGE_SUCCEEDED_DAEMON_POD.format(namespace=p.namespace, name=u.name_of(pod), node=node_name)
            p.event("Normal", u.REASON_SUCCEEDED_DAEMON_POD, message)
            delete.append(u.name_of(pod))
        else:
            running.append(pod)

    if not u.allows_surge(p.ds):
        if len(running) > 1:
            delete.extend(u.name_of(pod) for pod in u.sort_oldest_first(running)[1:])
        return create, delete

    if len(running) <= 1:
        if not running and should_run:
            create.append(node_name)
        return create, delete

    oldest_new: dict | None = None
    oldest_old: dict | None = None
    for pod in u.sort_oldest_first(running):
        if u.labels_of(pod).get(u.DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY) == hash_:
            if oldest_new is None:
                oldest_new = pod
                continue
        elif oldest_old is None:
            oldest_old = pod
            continue
        delete.append(u.name_of(pod))
    if oldest_new is not None and oldest_old is not None:
        old_not_ready = not podutil.is_pod_ready(oldest_old)
        if old_not_ready or podutil.is_pod_available(oldest_new, u.min_ready_seconds(p.ds), p.now):
            delete.append(u.name_of(oldest_old))
    return create, delete


def unscheduled_pods_without_node(nodes: list[dict], node_to_pods: dict[str, list[dict]]) -> list[str]:
    """Pods not yet bound whose target node is not in the node list (PodGC never sees them)."""
    known = {u.name_of(n) for n in nodes}
    return [
        u.name_of(pod)
        for node_name in sorted(node_to_pods)
        if node_name not in known
        for pod in node_to_pods[node_name]
        if not podutil.node_name(pod)
    ]


# --- status ---------------------------------------------------------------------------------------------


def calculate_status(p: DaemonSetPass, hash_: str) -> dict[str, int]:
    """The seven counters of the status (module doc, step 6)."""
    node_to_pods = p.nodes_to_daemon_pods()
    generation = u.get_template_generation(p.ds)
    min_ready = u.min_ready_seconds(p.ds)
    counts = dict.fromkeys(STATUS_COUNTERS, 0)
    for node in p.nodes:
        should_run, _ = u.node_should_run_daemon_pod(node, p.ds)
        pods = node_to_pods.get(u.name_of(node), [])
        if not should_run:
            if pods:
                counts["numberMisscheduled"] += 1
            continue
        counts["desiredNumberScheduled"] += 1
        if not pods:
            continue
        counts["currentNumberScheduled"] += 1
        pod = u.sort_oldest_first(pods)[0]
        if podutil.is_pod_ready(pod):
            counts["numberReady"] += 1
            if podutil.is_pod_available(pod, min_ready, p.now):
                counts["numberAvailable"] += 1
        if u.is_pod_updated(pod, hash_, generation):
            counts["updatedNumberScheduled"] += 1
    counts["numberUnavailable"] = counts["desiredNumberScheduled"] - counts["numberAvailable"]
    return counts


def update_status(p: DaemonSetPass, hash_: str, *, update_observed_generation: bool) -> None:
    """UpdateStatus when a counter changed or observedGeneration lags; requeue while pods wait to be available."""
    counts = calculate_status(p, hash_)
    current = u.status(p.ds)
    generation = int(u.meta(p.ds).get("generation") or 0)
    observed = int(current.get("observedGeneration") or 0)
    unchanged = all(int(current.get(key) or 0) == value for key, value in counts.items())
    if not (unchanged and observed >= generation):
        status = p.ds["status"]
        if update_observed_generation:
            status["observedGeneration"] = generation
        status.update(counts)
        p.update_status()
    min_ready = u.min_ready_seconds(p.ds)
    if min_ready > 0 and counts["numberReady"] != counts["numberAvailable"]:
        p.requeue(float(min_ready))
