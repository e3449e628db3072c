"""One Deployment sync pass (upstream `syncDeployment`): claim, revision sync, scaling, cleanup, status, dispatch.

Owns the pass itself — `reconcile(deployment, replica_sets, pods, now)` — and the pieces every strategy
shares: getting (or creating) the new ReplicaSet while syncing revisions, scaling a ReplicaSet with its
event, proportional scaling on scaling events and while paused (`scale`), revision-history cleanup and the
counters of the status.  The rollout strategies live in `rolling`, `recreate` and `rollback`; the
Progressing/Available bookkeeping of rollouts in `progress`.

A pass is pure: it works on copies and returns the writes upstream would perform, in order, as actions.
The executor applies them in order and stops at the first failure (as upstream's sync returns its error).
Two rules keep that faithful without a live API:

* Objects are carried forward the way upstream carries them: a scaled ReplicaSet is used afterwards only
  where upstream uses the returned object (unhealthy cleanup before old-RS scale-down, Recreate's scale
  down); status is computed from the ReplicaSets as listed, as upstream's `allRSs` still holds them.
* The second write of one object in a pass carries no resourceVersion.  Upstream's later write is based on
  its own earlier one (the returned object), so it cannot lose anything; where upstream would instead
  re-send a stale copy and fail with a conflict, the pass does the write once and goes on.

Proportional scaling worked example (R 5 → 10, maxSurge 25%, so the new maximum is 10 + 3 = 13): new RS 2
and old RS 3, both annotated max-replicas 5 (no surge left at the old size, e.g. maxSurge 0 before).  toAdd
= 13 − 5 = 8; the larger RS goes first: old gets round(3 × 13 / 5) − 3 = round(7.8) − 3 = 5, new gets
min(round(2 × 13 / 5) − 2, 8 − 5) = min(3, 3) = 3 → old 8, new 5.  Upstream's TestScale case keeps
maxSurge 0: 13 becomes 10, old round(3 × 10 / 5) − 3 = 3 → 6 and new round(2 × 10 / 5) − 2 = 2 → 4.
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Mapping
from typing import Any

from kubeferry.controllers import ownership
from kubeferry.controllers.actions import (
    Action,
    CreateObject,
    DeleteObject,
    RecordEvent,
    RequeueAfter,
    UpdateObject,
    UpdateStatus,
)
from kubeferry.controllers.deployment import util as u
from kubeferry.machinery.names import compute_template_hash
from kubeferry.machinery.selectors import from_label_selector


class SyncPass:
    """The state of one sync: the Deployment copy upstream mutates as it goes, the writes so far."""

    def __init__(self, deployment: Mapping[str, Any], replica_sets: list[dict], pods: list[dict], now: _dt.datetime):
        self.d: dict = copy.deepcopy(dict(deployment))
        self.d.setdefault("metadata", {})
        self.d.setdefault("spec", {})
        if self.d.get("status") is None:
            self.d["status"] = {}
        self.namespace_rss = replica_sets
        self.pods = pods
        self.now = now
        self.actions: list[Action] = []
        self.rs_list: list[dict] = []  # the claimed ReplicaSets, as this pass last saw or wrote them
        self._written: set[tuple[str, str]] = set()
        self._ref = u.object_reference(self.d)

    # --- writes ---------------------------------------------------------------------------------

    def _versioned(self, obj: dict, kind: str) -> dict:
        key = (kind, u.name_of(obj))
        out = copy.deepcopy(obj)
        if key in self._written:
            out.get("metadata", {}).pop("resourceVersion", None)
        self._written.add(key)
        return out

    def create(self, obj: dict) -> None:
        self._written.add((obj.get("kind", ""), u.name_of(obj)))
        self.actions.append(CreateObject(copy.deepcopy(obj)))

    def update(self, obj: dict) -> None:
        self.actions.append(UpdateObject(self._versioned(obj, obj.get("kind") or u.REPLICA_SET_KIND)))

    def update_deployment(self) -> None:
        self.actions.append(UpdateObject(self._versioned(self.d, u.DEPLOYMENT_KIND)))

    def update_status(self) -> None:
        self.actions.append(UpdateStatus(self._versioned(self.d, u.DEPLOYMENT_KIND)))

    def delete_rs(self, rs: Mapping[str, Any]) -> None:
        m = u.meta(rs)
        self.actions.append(DeleteObject(u.APPS_V1, u.REPLICA_SET_KIND, m.get("namespace", ""), m.get("name", "")))

    def event(self, event_type: str, reason: str, message: str) -> None:
        self.actions.append(RecordEvent(dict(self._ref), event_type, reason, message))

    def requeue(self, seconds: float) -> None:
        self.actions.append(RequeueAfter(seconds))

    def replace_rs(self, rs: dict) -> None:
        """Later look-ups in this pass see `rs` (a write this pass made) instead of the listed copy."""
        self.rs_list = [
            rs if u.uid_of(x) == u.uid_of(rs) and u.name_of(x) == u.name_of(rs) else x for x in self.rs_list
        ]


# --- claiming -------------------------------------------------------------------------------------


def claim_replica_sets(p: SyncPass) -> None:
    """Adopt matching orphans, release owned ReplicaSets that no longer match, keep the rest that are ours."""
    selector = from_label_selector(u.spec(p.d).get("selector"))
    namespace = u.meta(p.d).get("namespace", "")
    candidates = [rs for rs in p.namespace_rss if u.meta(rs).get("namespace", namespace) == namespace]
    claimed, actions = ownership.claim(
        p.d,
        u.DEPLOYMENT_KIND,
        u.APPS_V1,
        lambda rs: selector.matches(u.meta(rs).get("labels")),
        candidates,
        candidate_api_version=u.APPS_V1,
        candidate_kind=u.REPLICA_SET_KIND,
    )
    for action in actions:
        p.actions.append(action)
        p._written.add((u.REPLICA_SET_KIND, action.name))
    p.rs_list = [copy.deepcopy(rs) for rs in claimed]


def pod_map(p: SyncPass) -> dict[str, list[dict]]:
    """Pods grouped by the uid of the claimed ReplicaSet that controls them (inactive pods included)."""
    groups: dict[str, list[dict]] = {u.uid_of(rs): [] for rs in p.rs_list}
    for pod in p.pods:
        ref = ownership.get_controller_of(pod)
        if ref is not None and ref.get("uid") in groups:
            groups[ref["uid"]].append(pod)
    return groups


# --- the new ReplicaSet and revisions -------------------------------------------------------------


def get_all_replica_sets_and_sync_revision(p: SyncPass, create: bool) -> tuple[dict | None, list[dict]]:
    """(new RS or None, all old RSs oldest first), with the new RS's and the Deployment's revision synced."""
    ordered = u.sort_by_creation(p.rs_list)
    found = u.find_new_replica_set(p.d, ordered)
    old = [rs for rs in ordered if rs is not found]
    return get_new_replica_set(p, found, old, create), old


def get_new_replica_set(p: SyncPass, existing: dict | None, old_rss: list[dict], create: bool) -> dict | None:
    d = p.d
    new_revision = str(u.max_revision(old_rss) + 1)

    if existing is not None:
        rs_copy = copy.deepcopy(existing)
        annotations_updated = u.set_new_replica_set_annotations(d, rs_copy, new_revision, exists=True)
        min_ready = u.spec(d).get("minReadySeconds") or 0
        if annotations_updated or (u.spec(rs_copy).get("minReadySeconds") or 0) != min_ready:
            if min_ready:
                rs_copy["spec"]["minReadySeconds"] = min_ready
            else:
                rs_copy.setdefault("spec", {}).pop("minReadySeconds", None)
            p.update(rs_copy)
            p.replace_rs(rs_copy)
            return rs_copy
        needs_update = u.set_deployment_revision(d, u.annotations(rs_copy).get(u.REVISION_ANNOTATION, ""))
        if u.has_progress_deadline(d) and u.get_condition(d["status"], u.COND_PROGRESSING) is None:
            message = u.MSG_FOUND_NEW_RS.format(name=u.go_quote(u.name_of(rs_copy)))
            u.set_condition(
                d["status"], u.new_condition(u.COND_PROGRESSING, u.TRUE, u.REASON_FOUND_NEW_RS, message, p.now)
            )
            needs_update = True
        if needs_update:
            p.update_status()
        return rs_copy

    if not create:
        return None

    template_hash = compute_template_hash(u.spec(d).get("template") or {}, u.status(d).get("collisionCount"))
    new_rs = u.new_replica_set(d, template_hash, new_revision)
    count = u.new_rs_new_replicas(d, [*old_rss, new_rs], new_rs)
    new_rs["spec"]["replicas"] = count

    clash = next(
        (
            rs
            for rs in p.namespace_rss
            if u.name_of(rs) == u.name_of(new_rs) and u.meta(rs).get("namespace", "") == u.meta(new_rs)["namespace"]
        ),
        None,
    )
    if clash is not None:
        # AlreadyExists: ours with the same template is the new RS; anything else is a hash collision.
        if u.is_controlled_by_uid(clash, u.uid_of(d)) and u.equal_ignore_hash(
            u.spec(d).get("template"), u.spec(clash).get("template")
        ):
            created = copy.deepcopy(clash)
            if u.set_deployment_revision(d, new_revision):
                p.update_status()
            return created
        d["status"]["collisionCount"] = int(d["status"].get("collisionCount") or 0) + 1
        p.update_status()
        p.requeue(u.RATE_LIMITED_REQUEUE_SECONDS)
        raise u.SyncError(f'replicasets.apps "{u.name_of(new_rs)}" already exists')

    p.create(new_rs)
    if count > 0:
        p.event(u.EVENT_NORMAL, u.EVENT_SCALING_REPLICA_SET, u.MSG_SCALED_NEW.format(name=u.name_of(new_rs), new=count))
    needs_update = u.set_deployment_revision(d, new_revision)
    if u.has_progress_deadline(d):
        message = u.MSG_CREATED_NEW_RS.format(name=u.go_quote(u.name_of(new_rs)))
        u.set_condition(
            d["status"], u.new_condition(u.COND_PROGRESSING, u.TRUE, u.REASON_NEW_REPLICA_SET, message, p.now)
        )
        needs_update = True
    if needs_update:
        p.update_status()
    return new_rs


# --- scaling --------------------------------------------------------------------------------------


def scale_replica_set(p: SyncPass, rs: dict, new_scale: int) -> tuple[bool, dict]:
    """Write `rs` at `new_scale` with fresh desired/max annotations if either differs; event on a size change.

    Returns (scaled, the ReplicaSet as written — or `rs` unchanged when nothing was written).
    """
    d = p.d
    desired, max_replicas = u.replicas(d), u.replicas(d) + u.max_surge(d)
    old_scale = u.replicas(rs)
    size_needs_update = old_scale != new_scale
    if not (size_needs_update or u.replicas_annotations_need_update(rs, desired, max_replicas)):
        return False, rs
    rs_copy = copy.deepcopy(rs)
    rs_copy.setdefault("spec", {})["replicas"] = new_scale
    u.set_replicas_annotations(rs_copy, desired, max_replicas)
    p.update(rs_copy)
    if size_needs_update:
        direction = "up" if old_scale < new_scale else "down"
        message = u.MSG_SCALED.format(direction=direction, name=u.name_of(rs), old=old_scale, new=new_scale)
        p.event(u.EVENT_NORMAL, u.EVENT_SCALING_REPLICA_SET, message)
    return size_needs_update, rs_copy


def scale_replica_set_and_record_event(p: SyncPass, rs: dict, new_scale: int) -> tuple[bool, dict]:
    """Like scale_replica_set, but a ReplicaSet already at `new_scale` is left alone (annotations too)."""
    if u.replicas(rs) == new_scale:
        return False, rs
    return scale_replica_set(p, rs, new_scale)


def scale(p: SyncPass, new_rs: dict | None, old_rss: list[dict]) -> None:
    """Scaling events and paused Deployments: resize without rolling (see the module docstring's example)."""
    d = p.d
    target = u.find_active_or_latest(new_rs, old_rss)
    if target is not None:
        if u.replicas(target) != u.replicas(d):
            scale_replica_set_and_record_event(p, target, u.replicas(d))
        return

    if u.is_saturated(d, new_rs):
        for old in u.filter_active(old_rss):
            scale_replica_set_and_record_event(p, old, 0)
        return

    if not u.is_rolling_update(d):
        return
    active = u.filter_active([*old_rss, new_rs])
    allowed = u.replicas(d) + u.max_surge(d) if u.replicas(d) > 0 else 0
    to_add = allowed - u.get_replica_count(active)
    if to_add > 0:
        active = u.sort_by_size(active, newer_first=True)
    elif to_add < 0:
        active = u.sort_by_size(active, newer_first=False)

    sizes: dict[str, int] = {}
    added = 0
    for rs in active:
        if to_add != 0:
            proportion = u.get_replica_set_proportion(rs, d, to_add, added)
            sizes[u.name_of(rs)] = u.replicas(rs) + proportion
            added += proportion
        else:
            sizes[u.name_of(rs)] = u.replicas(rs)

    for i, rs in enumerate(active):
        name = u.name_of(rs)
        if i == 0 and to_add != 0:
            sizes[name] = max(sizes[name] + (to_add - added), 0)
        scale_replica_set(p, rs, sizes[name])


def is_scaling_event(p: SyncPass) -> bool:
    """An active ReplicaSet was last scaled for a different R (its desired-replicas annotation differs)."""
    new_rs, old_rss = get_all_replica_sets_and_sync_revision(p, create=False)
    for rs in u.filter_active([*old_rss, new_rs]):
        desired = u.get_desired_replicas_annotation(rs)
        if desired is not None and desired != u.replicas(p.d):
            return True
    return False


# --- history cleanup --------------------------------------------------------------------------------


def cleanup_deployment(p: SyncPass, old_rss: list[dict]) -> None:
    """Delete the oldest-revision old ReplicaSets beyond revisionHistoryLimit that are fully scaled down."""
    d = p.d
    if not u.has_revision_history_limit(d):
        return
    candidates = [rs for rs in old_rss if rs is not None and not u.meta(rs).get("deletionTimestamp")]
    diff = len(candidates) - int(u.spec(d)["revisionHistoryLimit"])
    if diff <= 0:
        return
    for rs in u.sort_by_revision(candidates)[:diff]:
        if (
            u.status_int(rs, "replicas") != 0
            or u.replicas(rs) != 0
            or int(u.meta(rs).get("generation") or 0) > u.status_int(rs, "observedGeneration")
            or u.meta(rs).get("deletionTimestamp")
        ):
            continue
        p.delete_rs(rs)


# --- status -----------------------------------------------------------------------------------------


def calculate_status(p: SyncPass, all_rss: list[dict | None], new_rs: dict | None) -> dict:
    """Counters from the ReplicaSets plus the Available condition, the other conditions carried over."""
    d = p.d
    rss = [rs for rs in all_rss if rs is not None]
    available = u.get_available_replica_count(rss)
    st: dict[str, Any] = {
        "observedGeneration": int(u.meta(d).get("generation") or 0),
        "replicas": u.get_actual_replica_count(rss),
        "updatedReplicas": u.get_actual_replica_count([new_rs]),
        "readyReplicas": u.get_ready_replica_count(rss),
        "availableReplicas": available,
        "unavailableReplicas": max(u.get_replica_count(rss) - available, 0),
        "terminatingReplicas": u.get_terminating_replica_count(rss),
        "collisionCount": u.status(d).get("collisionCount"),
        "conditions": copy.deepcopy(list(u.status(d).get("conditions") or [])),
    }
    if available >= u.replicas(d) - u.max_unavailable(d):
        cond = u.new_condition(
            u.COND_AVAILABLE, u.TRUE, u.REASON_MINIMUM_REPLICAS_AVAILABLE, u.MSG_MINIMUM_AVAILABLE, p.now
        )
    else:
        cond = u.new_condition(
            u.COND_AVAILABLE, u.FALSE, u.REASON_MINIMUM_REPLICAS_UNAVAILABLE, u.MSG_MINIMUM_UNAVAILABLE, p.now
        )
    u.set_condition(st, cond)
    return u.normalize_status(st)


def write_status_if_changed(p: SyncPass, new_status: dict) -> bool:
    if u.normalize_status(p.d.get("status")) == new_status:
        return False
    p.d["status"] = new_status
    p.update_status()
    return True


def sync_deployment_status(p: SyncPass, all_rss: list[dict | None], new_rs: dict | None) -> None:
    """Status for the non-rollout paths: counters and Available only."""
    write_status_if_changed(p, calculate_status(p, all_rss, new_rs))


def sync_status_only(p: SyncPass) -> None:
    new_rs, old_rss = get_all_replica_sets_and_sync_revision(p, create=False)
    sync_deployment_status(p, [*old_rss, new_rs], new_rs)


def sync(p: SyncPass) -> None:
    """Paused Deployments and scaling events: proportional scaling, then (paused only) history cleanup."""
    from kubeferry.controllers.deployment.rollback import get_rollback_to

    new_rs, old_rss = get_all_replica_sets_and_sync_revision(p, create=False)
    scale(p, new_rs, old_rss)
    if u.spec(p.d).get("paused") and get_rollback_to(p.d) is None:
        cleanup_deployment(p, old_rss)
    sync_deployment_status(p, [*old_rss, new_rs], new_rs)


def check_paused_conditions(p: SyncPass) -> None:
    """Progressing=Unknown DeploymentPaused / DeploymentResumed, so a long pause never reads as a timeout."""
    d = p.d
    if not u.has_progress_deadline(d):
        return
    cond = u.get_condition(d["status"], u.COND_PROGRESSING)
    if cond is not None and cond.get("reason") == u.REASON_TIMED_OUT:
        return
    paused_cond_exists = cond is not None and cond.get("reason") == u.REASON_PAUSED
    paused = bool(u.spec(d).get("paused"))
    if paused and not paused_cond_exists:
        new = u.new_condition(u.COND_PROGRESSING, u.UNKNOWN, u.REASON_PAUSED, u.MSG_PAUSED, p.now)
    elif not paused and paused_cond_exists:
        new = u.new_condition(u.COND_PROGRESSING, u.UNKNOWN, u.REASON_RESUMED, u.MSG_RESUMED, p.now)
    else:
        return
    u.set_condition(d["status"], new)
    p.update_status()


def _selects_everything(selector: Mapping[str, Any] | None) -> bool:
    selector = selector or {}
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


# --- the pass -----------------------------------------------------------------------------------------


def reconcile(
    deployment: dict, replica_sets: list[dict], pods: list[dict], now: _dt.datetime, *, rng: Any = None
) -> list[Action]:
    """One upstream sync of `deployment`; `replica_sets`/`pods` are everything in its namespace.

    Returns the writes in upstream's order.  `rng` is accepted for the common controller signature; the
    Deployment controller invents no random names.
    """
    from kubeferry.controllers.deployment import recreate, rollback, rolling

    p = SyncPass(deployment, replica_sets, pods, now)
    d = p.d
    try:
        if _selects_everything(u.spec(d).get("selector")):
            p.event(u.EVENT_WARNING, u.EVENT_SELECTING_ALL, u.MSG_SELECTING_ALL)
            if int(d["status"].get("observedGeneration") or 0) < int(u.meta(d).get("generation") or 0):
                d["status"]["observedGeneration"] = int(u.meta(d).get("generation") or 0)
                p.update_status()
            return p.actions

        claim_replica_sets(p)
        pods_by_rs = pod_map(p)

        if u.meta(d).get("deletionTimestamp"):
            sync_status_only(p)
            return p.actions

        check_paused_conditions(p)
        if u.spec(d).get("paused"):
            sync(p)
            return p.actions

        if rollback.get_rollback_to(d) is not None:
            rollback.rollback(p)
            return p.actions

        if is_scaling_event(p):
            sync(p)
            return p.actions

        kind = u.strategy_type(d)
        if kind == u.STRATEGY_RECREATE:
            recreate.rollout_recreate(p, pods_by_rs)
        elif kind == u.STRATEGY_ROLLING_UPDATE:
            rolling.rollout_rolling(p)
        else:
            raise u.SyncError(f"unexpected deployment strategy type: {kind}")
    except u.SyncError:
        pass
    return p.actions
