"""RollingUpdate (upstream `rolloutRolling`): grow the new ReplicaSet within maxSurge, shrink old ones within maxUnavailable.

One sync does at most one kind of move and then writes status:

1. get or create the new RS (created at NewRSNewReplicas);
2. scale the new RS up (or down to R) — if it moved, status, end;
3. scale old RSs down — unhealthy replicas first, then as far as availability allows — if any moved,
   status, end;
4. when the Deployment is already complete, clean up history; status.

Worked example (R = 10, maxSurge 3, maxUnavailable 2, old RS 10 all available): sync 1 creates the new RS
at min(13 − 10, 10) = 3; 13 ≥ 13 so no scale-up, and maxScaledDown = 13 − 8 − (3 − 0) = 2 lets the old RS go
10 → 8.  Sync 2: Σspec 11 < 13 → new RS 3 → 5 (scale-up never waits for availability).  While no new pod is
available, 13 − 8 − 5 = 0 blocks any scale-down; with all 5 new pods available the old RS goes 8 → 3, the
new one 5 → 10 (min(13 − 8, 10 − 5) = 5), and the old one 3 → 0 as those become available.
"""

from __future__ import annotations

from kubeferry.controllers.deployment import progress, sync
from kubeferry.controllers.deployment import util as u


def rollout_rolling(p: sync.SyncPass) -> None:
    new_rs, old_rss = sync.get_all_replica_sets_and_sync_revision(p, create=True)
    assert new_rs is not None
    all_rss = [*old_rss, new_rs]

    if reconcile_new_replica_set(p, all_rss, new_rs):
        progress.sync_rollout_status(p, all_rss, new_rs)
        return
    if reconcile_old_replica_sets(p, all_rss, u.filter_active(old_rss), new_rs):
        progress.sync_rollout_status(p, all_rss, new_rs)
        return
    if u.deployment_complete(p.d, u.status(p.d)):
        sync.cleanup_deployment(p, old_rss)
    progress.sync_rollout_status(p, all_rss, new_rs)


def reconcile_new_replica_set(p: sync.SyncPass, all_rss: list[dict], new_rs: dict) -> bool:
    """Scale the new RS toward R within maxSurge; True if its size changed."""
    desired = u.replicas(p.d)
    if u.replicas(new_rs) == desired:
        return False
    if u.replicas(new_rs) > desired:
        scaled, _ = sync.scale_replica_set_and_record_event(p, new_rs, desired)
        return scaled
    target = u.new_rs_new_replicas(p.d, all_rss, new_rs)
    scaled, _ = sync.scale_replica_set_and_record_event(p, new_rs, target)
    return scaled


def reconcile_old_replica_sets(p: sync.SyncPass, all_rss: list[dict], old_rss: list[dict], new_rs: dict) -> bool:
    """Scale active old RSs down as far as maxUnavailable allows; True if any replica was removed.

    maxScaledDown = Σspec(all) − minAvailable − (new.spec − new.available): new pods that are not yet
    available already eat into the unavailability budget.
    """
    if u.get_replica_count(old_rss) == 0:
        return False
    minimum = u.replicas(p.d) - u.max_unavailable(p.d)
    new_unavailable = u.replicas(new_rs) - u.status_int(new_rs, "availableReplicas")
    max_scaled_down = u.get_replica_count(all_rss) - minimum - new_unavailable
    if max_scaled_down <= 0:
        return False
    try:
        old_rss, cleaned = cleanup_unhealthy_replicas(p, old_rss, max_scaled_down)
    except u.SyncError:
        return False  # upstream logs and moves on to the status update
    try:
        scaled_down = scale_down_old_replica_sets_for_rolling_update(p, [*old_rss, new_rs], old_rss)
    except u.SyncError:
        return False
    return cleaned + scaled_down > 0


def cleanup_unhealthy_replicas(p: sync.SyncPass, old_rss: list[dict], max_cleanup: int) -> tuple[list[dict], int]:
    """Remove not-available replicas of old RSs, oldest RS first, at most `max_cleanup` in all.

    Returns the old RSs (oldest first, the scaled ones replaced by what was written) and the count removed.
    """
    ordered = u.sort_by_creation(old_rss)
    total = 0
    for i, rs in enumerate(ordered):
        if total >= max_cleanup:
            break
        size = u.replicas(rs)
        available = u.status_int(rs, "availableReplicas")
        if size == 0 or size == available:
            continue
        count = min(max_cleanup - total, size - available)
        new_size = size - count
        if new_size > size:
            raise u.SyncError(
                "when cleaning up unhealthy replicas, got invalid request to scale down "
                f"{u.meta(rs).get('namespace', '')}/{u.name_of(rs)} {size} -> {new_size}"
            )
        _, ordered[i] = sync.scale_replica_set_and_record_event(p, rs, new_size)
        total += count
    return ordered, total


def scale_down_old_replica_sets_for_rolling_update(p: sync.SyncPass, all_rss: list[dict], old_rss: list[dict]) -> int:
    """Remove `available − minAvailable` replicas from old RSs, oldest first; returns how many."""
    minimum = u.replicas(p.d) - u.max_unavailable(p.d)
    available = u.get_available_replica_count(all_rss)
    if available <= minimum:
        return 0
    goal = available - minimum
    total = 0
    for rs in u.sort_by_creation(old_rss):
        if total >= goal:
            break
        size = u.replicas(rs)
        if size == 0:
            continue
        count = min(size, goal - total)
        new_size = size - count
        if new_size > size:
            raise u.SyncError(
                "when scaling down old RS, got invalid request to scale down "
                f"{u.meta(rs).get('namespace', '')}/{u.name_of(rs)} {size} -> {new_size}"
            )
        sync.scale_replica_set_and_record_event(p, rs, new_size)
        total += count
    return total
