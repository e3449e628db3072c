"""Rollout status: the Progressing and ReplicaFailure conditions, the progress deadline and its requeue.

Runs at the end of every RollingUpdate/Recreate sync (upstream `syncRolloutStatus`).  With
`progressDeadlineSeconds` set (and not 2147483647) the Progressing condition is, first match wins:
complete → True NewReplicaSetAvailable; any progress since the last status → True ReplicaSetUpdated with a
fresh lastUpdateTime; deadline passed → False ProgressDeadlineExceeded.  Without a deadline the condition is
removed.  Status is written only when it changed; otherwise a Deployment still under way is looked at again
when its deadline can pass: lastUpdateTime + deadline − now, plus one second.  Example: Progressing updated
at 10:00:00, deadline 600 s, now 10:03:00 → requeue after 420 + 1 = 421 s.
"""

from __future__ import annotations

import datetime as _dt

from kubeferry.controllers.deployment import sync
from kubeferry.controllers.deployment import util as u
from kubeferry.machinery.podutil import parse_time

# Upstream requeues "now, rate-limited" when under a second is left; on a virtual clock that would spin
# without time passing, so the pass asks to be looked at once the deadline can have passed instead.
_SUB_SECOND_SLACK = u.RATE_LIMITED_REQUEUE_SECONDS


def sync_rollout_status(p: sync.SyncPass, all_rss: list[dict | None], new_rs: dict | None) -> None:
    d = p.d
    new_status = sync.calculate_status(p, all_rss, new_rs)
    if not u.has_progress_deadline(d):
        u.remove_condition(new_status, u.COND_PROGRESSING)

    current = u.get_condition(u.status(d), u.COND_PROGRESSING)
    is_complete = (
        int(new_status.get("replicas") or 0) == int(new_status.get("updatedReplicas") or 0)
        and current is not None
        and current.get("reason") == u.REASON_NEW_RS_AVAILABLE
    )
    if u.has_progress_deadline(d) and not is_complete:
        rs_name = u.go_quote(u.name_of(new_rs)) if new_rs is not None else None
        d_name = u.go_quote(u.name_of(d))
        if u.deployment_complete(d, new_status):
            message = (
                u.MSG_RS_PROGRESSED.format(name=rs_name) if rs_name else u.MSG_DEPLOYMENT_PROGRESSED.format(name=d_name)
            )
            u.set_condition(
                new_status, u.new_condition(u.COND_PROGRESSING, u.TRUE, u.REASON_NEW_RS_AVAILABLE, message, p.now)
            )
        elif u.deployment_progressing(d, new_status):
            message = (
                u.MSG_RS_PROGRESSING.format(name=rs_name)
                if rs_name
                else u.MSG_DEPLOYMENT_PROGRESSING.format(name=d_name)
            )
            cond = u.new_condition(u.COND_PROGRESSING, u.TRUE, u.REASON_REPLICA_SET_UPDATED, message, p.now)
            if current is not None:
                if current.get("status") == u.TRUE:
                    cond["lastTransitionTime"] = current.get("lastTransitionTime")
                u.remove_condition(new_status, u.COND_PROGRESSING)
            u.set_condition(new_status, cond)
        elif u.deployment_timed_out(d, new_status, p.now):
            message = (
                u.MSG_RS_TIMED_OUT.format(name=rs_name) if rs_name else u.MSG_DEPLOYMENT_TIMED_OUT.format(name=d_name)
            )
            u.set_condition(
                new_status, u.new_condition(u.COND_PROGRESSING, u.FALSE, u.REASON_TIMED_OUT, message, p.now)
            )

    failures = get_replica_failures(all_rss, new_rs)
    if failures:
        u.set_condition(new_status, failures[0])
    else:
        u.remove_condition(new_status, u.COND_REPLICA_FAILURE)
    new_status = u.normalize_status(new_status)

    if not sync.write_status_if_changed(p, new_status):
        after = requeue_stuck_deployment(d, new_status, p.now)
        if after is not None:
            p.requeue(after)


def get_replica_failures(all_rss: list[dict | None], new_rs: dict | None) -> list[dict]:
    """ReplicaFailure conditions of the new RS, else of every RS, as Deployment conditions."""

    def convert(rss: list[dict | None]) -> list[dict]:
        out = []
        for rs in rss:
            for cond in u.status(rs).get("conditions") or () if rs is not None else ():
                if cond.get("type") == u.COND_REPLICA_FAILURE:
                    out.append(
                        {
                            "type": u.COND_REPLICA_FAILURE,
                            "status": cond.get("status"),
                            "lastUpdateTime": cond.get("lastTransitionTime"),
                            "lastTransitionTime": cond.get("lastTransitionTime"),
                            "reason": cond.get("reason", ""),
                            "message": cond.get("message", ""),
                        }
                    )
        return out

    return convert([new_rs]) or convert(all_rss)


def requeue_stuck_deployment(d: dict, new_status: dict, now: _dt.datetime) -> float | None:
    """Seconds until this Deployment should be checked for a passed deadline, or None if it need not be."""
    current = u.get_condition(u.status(d), u.COND_PROGRESSING)
    if not u.has_progress_deadline(d) or current is None:
        return None
    if u.deployment_complete(d, new_status) or current.get("reason") == u.REASON_TIMED_OUT:
        return None
    since = parse_time(current.get("lastUpdateTime"))
    if since is None:
        return None
    after = (since + _dt.timedelta(seconds=int(u.spec(d)["progressDeadlineSeconds"])) - now).total_seconds()
    if after < 1:
        return max(after, 0.0) + _SUB_SECOND_SLACK
    return after + 1
