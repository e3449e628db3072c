"""Progressing/Available conditions of rollouts, the deadline and its requeue."""

from __future__ import annotations

import datetime as dt

import pytest
from test_deployment_builders import NOW, deployment, replica_set, ts

from kubeferry.controllers.actions import RequeueAfter, UpdateStatus
from kubeferry.controllers.deployment import progress, sync

STUCK_AT = dt.datetime(2017, 2, 15, 18, 49, 0, tzinfo=dt.UTC)
STUCK = {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "lastUpdateTime": ts(STUCK_AT)}
FAILED = {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}


def _st(replicas, updated, available, conditions=None):
    st = {"replicas": replicas, "updatedReplicas": updated, "availableReplicas": available, "observedGeneration": 1}
    if conditions:
        st["conditions"] = conditions
    return st


@pytest.mark.parametrize(
    ("deadline", "r", "status", "now", "expected"),
    [
        pytest.param(None, 4, _st(3, 3, 2), STUCK_AT, None, id="no-deadline"),
        pytest.param(60, 4, _st(3, 3, 2), STUCK_AT, None, id="no-progressing-condition"),
        pytest.param(60, 3, _st(3, 3, 3, [STUCK]), STUCK_AT, None, id="complete"),
        pytest.param(60, 3, _st(3, 3, 0, [FAILED]), STUCK_AT, None, id="already-failed"),
        pytest.param(60, 3, _st(3, 3, 1, [STUCK]), STUCK_AT + dt.timedelta(seconds=30), 31.0, id="30s-left"),
        pytest.param(60, 3, _st(3, 3, 1, [STUCK]), STUCK_AT + dt.timedelta(seconds=59), 2.0, id="1s-left"),
        pytest.param(
            60, 3, _st(3, 3, 1, [STUCK]), STUCK_AT + dt.timedelta(seconds=59, microseconds=500000), 0.505, id="under-1s"
        ),
        pytest.param(60, 3, _st(3, 3, 1, [STUCK]), STUCK_AT + dt.timedelta(seconds=60), 0.005, id="at-deadline"),
        pytest.param(60, 3, _st(3, 3, 1, [STUCK]), STUCK_AT + dt.timedelta(seconds=120), 0.005, id="past-deadline"),
    ],
)
def test_requeue_stuck_deployment(deadline, r, status, now, expected):
    d = deployment(r, deadline=deadline, strategy="Recreate", status=status)
    new_status = {k: v for k, v in status.items() if k != "conditions"}
    got = progress.requeue_stuck_deployment(d, new_status, now)
    assert got == (None if expected is None else pytest.approx(expected))


def _run(d, rss, new_rs, now=NOW):
    p = sync.SyncPass(d, [], [], now)
    progress.sync_rollout_status(p, rss, new_rs)
    return p.actions


def _cond(cond_type, status, reason, message, updated=NOW, transition=NOW):
    return {
        "type": cond_type,
        "status": status,
        "lastUpdateTime": ts(updated),
        "lastTransitionTime": ts(transition),
        "reason": reason,
        "message": message,
    }


AVAILABLE = _cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")


def test_complete_sets_new_replica_set_available():
    new = replica_set("foo-new", 2, image="nginx:1", available=2)
    d = deployment(2, max_surge=1, deadline=600, status={"observedGeneration": 1})
    actions = _run(d, [new], new)
    assert actions == [UpdateStatus(actions[0].obj)]
    assert actions[0].obj["status"]["conditions"] == [
        AVAILABLE,
        _cond("Progressing", "True", "NewReplicaSetAvailable", 'ReplicaSet "foo-new" has successfully progressed.'),
    ]


def test_without_new_rs_message_names_the_deployment():
    old = replica_set("foo-old", 2, available=2)
    d = deployment(2, max_surge=1, deadline=600, status={})
    actions = _run(d, [old], None)
    assert actions[0].obj["status"]["conditions"][-1]["message"] == 'Deployment "foo" is progressing.'


def test_progress_rewrites_update_time_keeps_transition_time():
    earlier = NOW - dt.timedelta(minutes=5)
    prev = _cond("Progressing", "True", "ReplicaSetUpdated", 'ReplicaSet "foo-new" is progressing.', earlier, earlier)
    d = deployment(
        4,
        max_surge=1,
        max_unavailable=1,
        deadline=600,
        status={"replicas": 4, "updatedReplicas": 1, "conditions": [prev]},
    )
    new = replica_set("foo-new", 2, image="nginx:1", status_replicas=2)
    old = replica_set("foo-old", 2, available=2)
    actions = _run(d, [old, new], new)
    assert actions[0].obj["status"]["conditions"][-1] == _cond(
        "Progressing", "True", "ReplicaSetUpdated", 'ReplicaSet "foo-new" is progressing.', NOW, earlier
    )


def test_deadline_exceeded_then_stays():
    earlier = NOW - dt.timedelta(seconds=601)
    prev = _cond("Progressing", "True", "ReplicaSetUpdated", 'ReplicaSet "foo-new" is progressing.', earlier, earlier)
    new = replica_set("foo-new", 1, image="nginx:1", status_replicas=1)
    old = replica_set("foo-old", 1, available=1)
    st = {
        "observedGeneration": 1,
        "replicas": 2,
        "updatedReplicas": 1,
        "readyReplicas": 1,
        "availableReplicas": 1,
        "conditions": [prev],
    }
    d = deployment(1, max_surge=1, deadline=600, status=st)
    actions = _run(d, [old, new], new)
    timed_out = _cond(
        "Progressing", "False", "ProgressDeadlineExceeded", 'ReplicaSet "foo-new" has timed out progressing.'
    )
    assert actions[0].obj["status"]["conditions"] == [AVAILABLE, timed_out]
    # Already timed out and nothing changes: no write, no requeue.
    d["status"] = actions[0].obj["status"]
    assert _run(d, [old, new], new, NOW + dt.timedelta(minutes=1)) == []


def test_no_deadline_removes_progressing():
    prev = _cond("Progressing", "True", "ReplicaSetUpdated", "m")
    new = replica_set("foo-new", 1, image="nginx:1", available=1)
    d = deployment(1, max_surge=1, status={"conditions": [prev]})
    actions = _run(d, [new], new)
    assert actions[0].obj["status"]["conditions"] == [AVAILABLE]


def test_replica_failure_copied_then_removed():
    failure = {
        "type": "ReplicaFailure",
        "status": "True",
        "reason": "FailedCreate",
        "message": "quota",
        "lastTransitionTime": ts(NOW),
    }
    new = replica_set("foo-new", 1, image="nginx:1")
    new["status"]["conditions"] = [failure]
    d = deployment(1, max_surge=1)
    actions = _run(d, [new], new)
    assert actions[0].obj["status"]["conditions"][-1] == _cond("ReplicaFailure", "True", "FailedCreate", "quota")
    d["status"] = actions[0].obj["status"]
    new["status"]["conditions"] = []
    again = _run(d, [new], new)
    assert [c["type"] for c in again[0].obj["status"]["conditions"]] == ["Available"]


def test_unchanged_status_requeues_until_deadline():
    since = NOW - dt.timedelta(seconds=100)
    prev = _cond("Progressing", "True", "ReplicaSetUpdated", 'ReplicaSet "foo-new" is progressing.', since, since)
    new = replica_set("foo-new", 1, image="nginx:1", status_replicas=1)
    st = {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "unavailableReplicas": 1}
    unavailable = _cond(
        "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
    )
    d = deployment(
        1, max_surge=1, deadline=600, status={**st, "terminatingReplicas": 0, "conditions": [unavailable, prev]}
    )
    assert _run(d, [new], new) == [RequeueAfter(501.0)]
