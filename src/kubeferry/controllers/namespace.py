"""The namespace controller's decisions for a Terminating namespace: delete its content, report, finalize.

Upstream (`pkg/controller/namespace/deletion/namespaced_resources_deleter.go`) runs, for a namespace
with a `deletionTimestamp` whose `spec.finalizers` is not yet empty:

1. status.phase becomes `Terminating` (the registry normally set it already);
2. for every namespaced resource type: delete everything in it (DeleteCollection or one DELETE per
   item, propagation Background), then list what is left;
3. status conditions summarise the pass (below) and are written only when one changed;
4. when nothing is left and nothing failed, `spec.finalizers` loses `kubernetes` through the
   `/finalize` subresource, after which the registry removes the namespace.

`reconcile(ns, contents, now)` takes `contents` keyed by apiVersion + kind (`"v1/Pod"`,
`"apps/v1/Deployment"`) and *predicts* what step 2's list would return, since a pure function cannot
look again after deleting.  An item is still there after its DELETE when it carries finalizers, or when
it is a pod that gets a grace period (scheduled and not Succeeded/Failed), or when it was already being
deleted before this pass (something is holding it).  Everything else disappears at once.

Per type with items left (`plural.group`, the core group empty: `pods.`, `deployments.apps`):

* the pods' *estimate* is the largest `terminationGracePeriodSeconds` (default 30) of non-terminal
  pods, reset to 0 once the namespace has been deleting that long;
* estimate > 0, or some item has a finalizer (estimate 15 s): normal, the pass waits;
* neither: an error, `unexpected items still remain in namespace: <ns> for gvr: <group>/<version>,
  Resource=<plural>` (the core group prints as `/v1, Resource=pods`).

Conditions, always all five, in this order, each with its failure and its "ok" variant (status False):

| type                                        | failure reason / message                                       | ok reason / message                                                  |
|---------------------------------------------|----------------------------------------------------------------|----------------------------------------------------------------------|
| NamespaceDeletionDiscoveryFailure           | DiscoveryFailed / the discovery error                          | ResourcesDiscovered / All resources successfully discovered          |
| NamespaceDeletionGroupVersionParsingFailure | GroupVersionParsingFailed / the parse error                    | ParsedGroupVersions / All legacy kube types successfully parsed      |
| NamespaceDeletionContentFailure             | ContentDeletionFailed / `Failed to delete all resource types, N remaining: e1, e2` (sorted) | ContentDeleted / All content successfully deleted, may be waiting on finalization |
| NamespaceContentRemaining                   | SomeResourcesRemain / `Some resources are remaining: pods. has 3 resource instances` (entries sorted, `, `-joined) | ContentRemoved / All content successfully removed |
| NamespaceFinalizersRemaining                | SomeFinalizersRemain / `Some content in the namespace has finalizers remaining: example.com/f in 2 resource instances` | ContentHasNoFinalizers / All content-preserving finalizers finished |

An existing condition keeps its `lastTransitionTime` unless its status flips; a new one gets `now`.
Failures the runner saw in the previous pass (a discovery error, DELETE errors) come in as keyword
arguments and join the predicted ones.

Actions, in order: one DeleteObject per item not yet being deleted (type keys sorted, items in given
order, Background, uid precondition); UpdateStatus when phase or conditions changed; then either
`UpdateObject(ns with spec.finalizers minus "kubernetes")` — the runner sends it to `/finalize`; it
carries no resourceVersion when a status write precedes it in the same pass, as upstream re-reads the
namespace before finalizing — or RequeueAfter(estimate) / RequeueAfter(RETRY_SECONDS) on errors.

Pure: no I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from kubeferry.controllers.actions import Action, DeleteObject, RequeueAfter, UpdateObject, UpdateStatus
from kubeferry.machinery import podutil, resources

FINALIZER_KUBERNETES = "kubernetes"
PHASE_TERMINATING = "Terminating"
PROPAGATION_BACKGROUND = "Background"

# Upstream waits this long before looking again at content held by finalizers.
FINALIZER_ESTIMATE_SECONDS = 15
# terminationGracePeriodSeconds when a pod does not say.
DEFAULT_TERMINATION_GRACE_SECONDS = 30
# Retry delay after a failed pass (upstream requeues with its rate limiter).
RETRY_SECONDS = 1.0

COND_DISCOVERY_FAILURE = "NamespaceDeletionDiscoveryFailure"
COND_GV_PARSING_FAILURE = "NamespaceDeletionGroupVersionParsingFailure"
COND_CONTENT_FAILURE = "NamespaceDeletionContentFailure"
COND_CONTENT_REMAINING = "NamespaceContentRemaining"
COND_FINALIZERS_REMAINING = "NamespaceFinalizersRemaining"

CONDITION_TYPES = (
    COND_DISCOVERY_FAILURE,
    COND_GV_PARSING_FAILURE,
    COND_CONTENT_FAILURE,
    COND_CONTENT_REMAINING,
    COND_FINALIZERS_REMAINING,
)
OK_REASONS = {
    COND_DISCOVERY_FAILURE: "ResourcesDiscovered",
    COND_GV_PARSING_FAILURE: "ParsedGroupVersions",
    COND_CONTENT_FAILURE: "ContentDeleted",
    COND_CONTENT_REMAINING: "ContentRemoved",
    COND_FINALIZERS_REMAINING: "ContentHasNoFinalizers",
}
OK_MESSAGES = {
    COND_DISCOVERY_FAILURE: "All resources successfully discovered",
    COND_GV_PARSING_FAILURE: "All legacy kube types successfully parsed",
    COND_CONTENT_FAILURE: "All content successfully deleted, may be waiting on finalization",
    COND_CONTENT_REMAINING: "All content successfully removed",
    COND_FINALIZERS_REMAINING: "All content-preserving finalizers finished",
}
REASON_DISCOVERY_FAILED = "DiscoveryFailed"
REASON_CONTENT_DELETION_FAILED = "ContentDeletionFailed"
REASON_SOME_RESOURCES_REMAIN = "SomeResourcesRemain"
REASON_SOME_FINALIZERS_REMAIN = "SomeFinalizersRemain"
MESSAGE_DELETE_FAILED = "Failed to delete all resource types, {count} remaining: {errors}"
MESSAGE_RESOURCES_REMAINING = "Some resources are remaining: {items}"
MESSAGE_FINALIZERS_REMAINING = "Some content in the namespace has finalizers remaining: {items}"
MESSAGE_UNEXPECTED_ITEMS = "unexpected items still remain in namespace: {namespace} for gvr: {gvr}"


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def split_key(key: str) -> tuple[str, str]:
    """`"apps/v1/Deployment"` → (`"apps/v1"`, `"Deployment"`); `"v1/Pod"` → (`"v1"`, `"Pod"`)."""
    api_version, _, kind = key.rpartition("/")
    return api_version, kind


def _group_version_plural(api_version: str, kind: str) -> tuple[str, str, str]:
    group, _, version = api_version.rpartition("/")
    res = resources.by_api_version_kind(api_version, kind)
    plural = res.plural if res is not None else kind.lower() + "s"
    return group, version, plural


def _is_pod(api_version: str, kind: str) -> bool:
    return api_version == "v1" and kind == "Pod"


def _stays_after_delete(item: Mapping[str, Any], is_pod: bool) -> bool:
    """Whether a list right after this pass's DELETE still returns the item (see module doc)."""
    if _meta(item).get("finalizers") or podutil.is_being_deleted(item):
        return True
    return is_pod and bool(podutil.node_name(item)) and not podutil.is_pod_terminal(item)


def pods_estimate(pods: Sequence[Mapping[str, Any]], deleted_at: _dt.datetime | None, now: _dt.datetime) -> int:
    """Seconds the pods may still need: the largest grace period of non-terminal pods, 0 once it has passed.

    Namespace deleted at 10:00:00, pods with grace 30 and 60 → 60 at 10:00:20, 0 from 10:01:00 on.
    """
    estimate = 0
    for pod in pods:
        if podutil.is_pod_terminal(pod):
            continue
        grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds")
        grace = DEFAULT_TERMINATION_GRACE_SECONDS if grace is None else int(grace)
        estimate = max(estimate, grace)
    if deleted_at is not None and (now - deleted_at).total_seconds() >= estimate:
        return 0
    return estimate


def _condition(ctype: str, status: str, reason: str, message: str, now: _dt.datetime) -> dict:
    return {
        "type": ctype,
        "status": status,
        "lastTransitionTime": podutil.format_time(now),
        "reason": reason,
        "message": message,
    }


def update_conditions(existing: Sequence[Mapping[str, Any]], failures: Mapping[str, dict], now: _dt.datetime):
    """(new condition list, changed): every managed type set to its failure or its ok variant."""
    conditions = [dict(c) for c in existing]
    changed = False
    for ctype in CONDITION_TYPES:
        new = failures.get(ctype) or _condition(ctype, "False", OK_REASONS[ctype], OK_MESSAGES[ctype], now)
        old = next((c for c in conditions if c.get("type") == ctype), None)
        if old is None:
            conditions.append(new)
            changed = True
        elif (old.get("status"), old.get("reason"), old.get("message")) != (
            new["status"],
            new["reason"],
            new["message"],
        ):
            if old.get("status") != new["status"]:
                old["lastTransitionTime"] = new["lastTransitionTime"]
            old["status"], old["reason"], old["message"] = new["status"], new["reason"], new["message"]
            changed = True
    return conditions, changed


def reconcile(
    ns: Mapping[str, Any],
    contents: Mapping[str, Sequence[Mapping[str, Any]]],
    now: _dt.datetime,
    *,
    discovery_error: str | None = None,
    delete_errors: Sequence[str] = (),
) -> list[Action]:
    """One namespace-deletion pass (see module doc); nothing for a namespace that is not being deleted."""
    meta = _meta(ns)
    if not meta.get("deletionTimestamp"):
        return []
    finalizers = list((ns.get("spec") or {}).get("finalizers") or ())
    if not finalizers:
        return []
    name = meta.get("name") or ""
    deleted_at = podutil.parse_time(meta.get("deletionTimestamp"))

    actions: list[Action] = []
    errors = list(delete_errors)
    remaining: list[str] = []
    by_finalizer: dict[str, int] = {}
    estimate = 0
    for key in sorted(contents):
        items = list(contents[key])
        if not items:
            continue
        api_version, kind = split_key(key)
        is_pod = _is_pod(api_version, kind)
        for item in items:
            if not podutil.is_being_deleted(item):
                item_meta = _meta(item)
                actions.append(
                    DeleteObject(
                        api_version=api_version,
                        kind=kind,
                        namespace=item_meta.get("namespace") or name,
                        name=item_meta.get("name") or "",
                        uid=item_meta.get("uid") or "",
                        propagation=PROPAGATION_BACKGROUND,
                    )
                )
        left = [item for item in items if _stays_after_delete(item, is_pod)]
        if not left:
            continue
        group, version, plural = _group_version_plural(api_version, kind)
        remaining.append(f"{plural}.{group} has {len(left)} resource instances")
        with_finalizers = False
        for item in left:
            for finalizer in _meta(item).get("finalizers") or ():
                by_finalizer[finalizer] = by_finalizer.get(finalizer, 0) + 1
                with_finalizers = True
        type_estimate = pods_estimate(items, deleted_at, now) if is_pod else 0
        if type_estimate:
            estimate = max(estimate, type_estimate)
        elif with_finalizers:
            estimate = max(estimate, FINALIZER_ESTIMATE_SECONDS)
        else:
            gvr = f"{group}/{version}, Resource={plural}"
            errors.append(MESSAGE_UNEXPECTED_ITEMS.format(namespace=name, gvr=gvr))

    failures: dict[str, dict] = {}
    if discovery_error:
        failures[COND_DISCOVERY_FAILURE] = _condition(
            COND_DISCOVERY_FAILURE, "True", REASON_DISCOVERY_FAILED, discovery_error, now
        )
    if errors:
        message = MESSAGE_DELETE_FAILED.format(count=len(errors), errors=", ".join(sorted(errors)))
        failures[COND_CONTENT_FAILURE] = _condition(
            COND_CONTENT_FAILURE, "True", REASON_CONTENT_DELETION_FAILED, message, now
        )
    if remaining:
        message = MESSAGE_RESOURCES_REMAINING.format(items=", ".join(sorted(remaining)))
        failures[COND_CONTENT_REMAINING] = _condition(
            COND_CONTENT_REMAINING, "True", REASON_SOME_RESOURCES_REMAIN, message, now
        )
    if by_finalizer:
        entries = sorted(f"{f} in {n} resource instances" for f, n in by_finalizer.items())
        message = MESSAGE_FINALIZERS_REMAINING.format(items=", ".join(entries))
        failures[COND_FINALIZERS_REMAINING] = _condition(
            COND_FINALIZERS_REMAINING, "True", REASON_SOME_FINALIZERS_REMAIN, message, now
        )

    status = dict(ns.get("status") or {})
    conditions, changed = update_conditions(status.get("conditions") or [], failures, now)
    if status.get("phase") != PHASE_TERMINATING:
        changed = True
    wrote_status = False
    if changed:
        updated = copy.deepcopy(dict(ns))
        updated["status"] = {**status, "phase": PHASE_TERMINATING, "conditions": conditions}
        actions.append(UpdateStatus(updated))
        wrote_status = True

    if errors or discovery_error:
        actions.append(RequeueAfter(float(estimate) if estimate else RETRY_SECONDS))
        return actions
    if estimate:
        actions.append(RequeueAfter(float(estimate)))
        return actions
    if FINALIZER_KUBERNETES in finalizers:
        finalized = copy.deepcopy(dict(ns))
        finalized.setdefault("spec", {})["finalizers"] = sorted({f for f in finalizers if f != FINALIZER_KUBERNETES})
        if wrote_status:
            finalized["metadata"].pop("resourceVersion", None)
            finalized["status"] = {**status, "phase": PHASE_TERMINATING, "conditions": conditions}
        actions.append(UpdateObject(finalized))
    return actions
