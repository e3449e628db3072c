"""One StatefulSet sync (upstream `stateful_set.go`'s `sync`): claim revisions and pods, run the pass, requeue.

Owns `reconcile(sts, pods, revisions, pvcs, now)`:

1. An invalid selector is a permanent error: nothing is done.
2. The set's revisions are the namespace's ControllerRevisions its selector matches that it controls or
   that are orphans; orphans are adopted (a PatchObject adding the controller reference, with the uid as a
   precondition).  While the set is being deleted, orphans are neither adopted nor used (upstream's sync
   fails its adoption check and retries until the set is gone).
3. The set's pods are claimed as every controller claims them (`ownership.claim`): the selector must
   match and the name must be `<set>-<something>`; orphans are adopted, ours that stopped matching are
   released.
4. The pass (`control.update_stateful_set`).  If it failed (a claim being deleted blocks its pod) the
   key is looked at again after ERROR_REQUEUE_SECONDS, as upstream's rate-limited requeue; otherwise,
   with minReadySeconds > 0 and fewer available pods than spec.replicas, after minReadySeconds.

Action order: revision adoptions, pod claims, revision create/renumber, pod and claim writes with their
events, status, history truncation, requeue.  Pure: no I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt

from kubeferry.controllers import history, ownership
from kubeferry.controllers.actions import Action, PatchObject, RequeueAfter
from kubeferry.controllers.statefulset import utils as u
from kubeferry.controllers.statefulset.control import update_stateful_set
from kubeferry.machinery.selectors import LabelSelector, from_label_selector
from kubeferry.machinery.status import StatusError

ERROR_REQUEUE_SECONDS = 1.0  # a failed pass is retried; upstream's rate limiter starts at 5 ms and backs off


def _in_namespace(objs: list[dict], namespace: str) -> list[dict]:
    return [o for o in objs if (u.namespace_of(o) or namespace) == namespace]


def claim_revisions(sts: dict, selector: LabelSelector, revisions: list[dict]) -> tuple[list[dict], list[Action]]:
    """The set's revisions (adopted orphans as copies carrying our reference) and the adoption patches."""
    uid = u.uid_of(sts)
    deleting = bool(u.meta(sts).get("deletionTimestamp"))
    ref = ownership.new_controller_ref(sts, u.APPS_V1, u.STATEFUL_SET_KIND)
    owned: list[dict] = []
    actions: list[Action] = []
    for revision in revisions:
        if not selector.matches(u.labels_of(revision)):
            continue
        controller = ownership.get_controller_of(revision)
        if controller is not None:
            if controller.get("uid") == uid:
                owned.append(revision)
            continue
        if deleting:
            continue
        actions.append(
            PatchObject(
                history.API_VERSION,
                history.KIND,
                u.namespace_of(revision) or u.namespace_of(sts),
                u.name_of(revision),
                ownership.adopt_patch(ref, u.uid_of(revision)),
            )
        )
        adopted = copy.deepcopy(revision)
        adopted_meta = adopted.setdefault("metadata", {})
        adopted_meta["ownerReferences"] = [*(adopted_meta.get("ownerReferences") or []), dict(ref)]
        owned.append(adopted)
    return owned, actions


def reconcile(sts: dict, pods: list[dict], revisions: list[dict], pvcs: list[dict], now: _dt.datetime) -> list[Action]:
    """One upstream StatefulSet sync; `pods`, `revisions`, `pvcs` are everything of that kind in its namespace."""
    sts = copy.deepcopy(sts)
    try:
        selector = from_label_selector(u.spec(sts).get("selector"))
    except StatusError:
        return []
    namespace = u.namespace_of(sts)
    ns_revisions = _in_namespace(revisions, namespace)
    own_revisions, actions = claim_revisions(sts, selector, ns_revisions)

    claimed, pod_actions = ownership.claim(
        sts,
        u.STATEFUL_SET_KIND,
        u.APPS_V1,
        lambda pod: selector.matches(u.labels_of(pod)) and u.is_member_of(sts, pod),
        _in_namespace(pods, namespace),
        candidate_api_version=u.CORE_V1,
        candidate_kind=u.POD_KIND,
    )
    actions.extend(pod_actions)

    result = update_stateful_set(sts, claimed, own_revisions, ns_revisions, _in_namespace(pvcs, namespace), now)
    actions.extend(result.actions)
    if result.error is not None:
        actions.append(RequeueAfter(ERROR_REQUEUE_SECONDS))
        return actions
    min_ready = u.min_ready_seconds(sts)
    if min_ready > 0 and result.status is not None and result.status.available_replicas != u.replicas(sts):
        actions.append(RequeueAfter(float(min_ready)))
    return actions
