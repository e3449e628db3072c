"""Recreate (upstream `rolloutRecreate`): every old pod gone before the new ReplicaSet exists at full size.

1. Find the new RS without creating it; scale every active old RS to 0 — if any moved, status, end.
2. While any old pod still runs (Σ old status.replicas > 0, or a pod of an old RS in a phase other than
   Failed/Succeeded — Pending, Running, Unknown and empty all count), status, end.
3. Create the new RS if missing (at R) and scale it to R.
4. When already complete, clean up history; status.

maxSurge and maxUnavailable are both 0 for Recreate, so Available needs all R replicas available.
"""

from __future__ import annotations

from kubeferry.controllers.deployment import progress, sync
from kubeferry.controllers.deployment import util as u
from kubeferry.machinery.podutil import PHASE_FAILED, PHASE_SUCCEEDED


def rollout_recreate(p: sync.SyncPass, pods_by_rs: dict[str, list[dict]]) -> None:
    new_rs, old_rss = sync.get_all_replica_sets_and_sync_revision(p, create=False)
    all_rss: list[dict | None] = [*old_rss, new_rs]

    if scale_down_old_replica_sets_for_recreate(p, u.filter_active(old_rss)):
        progress.sync_rollout_status(p, all_rss, new_rs)
        return
    if old_pods_running(new_rs, old_rss, pods_by_rs):
        progress.sync_rollout_status(p, all_rss, new_rs)
        return

    if new_rs is None:
        new_rs, old_rss = sync.get_all_replica_sets_and_sync_revision(p, create=True)
        all_rss = [*old_rss, new_rs]
    assert new_rs is not None
    sync.scale_replica_set_and_record_event(p, new_rs, u.replicas(p.d))

    if u.deployment_complete(p.d, u.status(p.d)):
        sync.cleanup_deployment(p, old_rss)
    progress.sync_rollout_status(p, all_rss, new_rs)


def scale_down_old_replica_sets_for_recreate(p: sync.SyncPass, old_rss: list[dict]) -> bool:
    scaled = False
    for i, rs in enumerate(old_rss):
        if u.replicas(rs) == 0:
            continue
        did, updated = sync.scale_replica_set_and_record_event(p, rs, 0)
        if did:
            old_rss[i] = updated
            scaled = True
    return scaled


def old_pods_running(new_rs: dict | None, old_rss: list[dict], pods_by_rs: dict[str, list[dict]]) -> bool:
    """Any pod of an old ReplicaSet may still be running."""
    if u.get_actual_replica_count(old_rss) > 0:
        return True
    new_uid = u.uid_of(new_rs) if new_rs is not None else None
    for rs_uid, pods in pods_by_rs.items():
        if new_uid is not None and rs_uid == new_uid:
            continue
        for pod in pods:
            if (pod.get("status") or {}).get("phase") not in (PHASE_FAILED, PHASE_SUCCEEDED):
                return True
    return False
