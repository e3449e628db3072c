"""sync: proportional scaling (TestScale), history cleanup, claiming, pause, revision sync, dispatch."""

from __future__ import annotations

import datetime as dt

import pytest
from test_deployment_builders import NOW, T0, deployment, events, kinds, last_status, replica_set, rs_updates, ts

from kubeferry.controllers.actions import DeleteObject, PatchObject, RecordEvent, UpdateObject, UpdateStatus
from kubeferry.controllers.deployment import reconcile, sync
from kubeferry.controllers.deployment import util as u

NEW_T, OLD_T, OLDER_T = T0 + dt.timedelta(hours=2), T0 + dt.timedelta(hours=1), T0


def _annotate(rss, old_d, desired_overrides=None):
    for rs in rss:
        if rs is None:
            continue
        desired = (desired_overrides or {}).get(rs["metadata"]["name"], old_d["spec"]["replicas"])
        u.set_replicas_annotations(rs, desired, desired + u.max_surge(old_d))


def _d(replicas, surge=0, unavailable=0, image="nginx:1"):
    return deployment(replicas, max_surge=surge, max_unavailable=unavailable, image=image)


# TestScale: (deployment, previous deployment, new RS, old RSs) → sizes after `scale`.
SCALE_CASES = [
    ("normal-10-to-12", _d(12), _d(10), ("foo-v1", 10, NEW_T), [], {"foo-v1": 12}),
    ("normal-10-to-5", _d(5), _d(10), ("foo-v1", 10, NEW_T), [], {"foo-v1": 5}),
    ("proportional-5-to-10", _d(10), _d(5), ("foo-v2", 2, NEW_T), [("foo-v1", 3, OLD_T)], {"foo-v2": 4, "foo-v1": 6}),
    ("proportional-5-to-3", _d(3), _d(5), ("foo-v2", 2, NEW_T), [("foo-v1", 3, OLD_T)], {"foo-v2": 1, "foo-v1": 2}),
    ("proportional-9-to-4", _d(4), _d(9), ("foo-v2", 8, NEW_T), [("foo-v1", 1, OLD_T)], {"foo-v2": 4, "foo-v1": 0}),
    (
        "proportional-7-to-10",
        _d(10),
        _d(7),
        ("foo-v3", 2, NEW_T),
        [("foo-v2", 3, OLD_T), ("foo-v1", 2, OLDER_T)],
        {"foo-v3": 3, "foo-v2": 4, "foo-v1": 3},
    ),
    (
        "proportional-13-to-8",
        _d(8),
        _d(13),
        ("foo-v3", 2, NEW_T),
        [("foo-v2", 8, OLD_T), ("foo-v1", 3, OLDER_T)],
        {"foo-v3": 1, "foo-v2": 5, "foo-v1": 2},
    ),
    (
        "leftover-3-to-4-goes-to-newest",
        _d(4),
        _d(3),
        ("foo-v3", 1, NEW_T),
        [("foo-v2", 1, OLD_T), ("foo-v1", 1, OLDER_T)],
        {"foo-v3": 2, "foo-v2": 1, "foo-v1": 1},
    ),
    (
        "leftover-3-to-2-taken-from-oldest",
        _d(2),
        _d(3),
        ("foo-v3", 1, NEW_T),
        [("foo-v2", 1, OLD_T), ("foo-v1", 1, OLDER_T)],
        {"foo-v3": 1, "foo-v2": 1, "foo-v1": 0},
    ),
    (
        "no-new-rs-4-to-5",
        _d(5),
        _d(4),
        None,
        [("foo-v2", 2, OLD_T), ("foo-v1", 2, OLDER_T)],
        {"foo-v2": 3, "foo-v1": 2},
    ),
    (
        "6-to-0",
        _d(0),
        _d(6),
        ("foo-v3", 3, NEW_T),
        [("foo-v2", 2, OLD_T), ("foo-v1", 1, OLDER_T)],
        {"foo-v3": 0, "foo-v2": 0, "foo-v1": 0},
    ),
    (
        "0-to-6-only-new-grows",
        _d(6),
        _d(6),
        ("foo-v3", 0, NEW_T),
        [("foo-v2", 0, OLD_T), ("foo-v1", 0, OLDER_T)],
        {"foo-v3": 6, "foo-v2": 0, "foo-v1": 0},
    ),
    (
        "surge-pods-10-to-20",
        _d(20, surge=2),
        _d(10, surge=2),
        ("foo-v2", 6, NEW_T),
        [("foo-v1", 6, OLD_T)],
        {"foo-v2": 11, "foo-v1": 11},
    ),
    (
        "surge-and-size-change",
        _d(50, surge=6),
        _d(10, surge=3),
        ("foo-v2", 5, NEW_T),
        [("foo-v1", 8, OLD_T)],
        {"foo-v2": 22, "foo-v1": 34},
    ),
    (
        "size-and-template-change",
        _d(14, image="nginx:2"),
        _d(10),
        None,
        [("foo-v2", 7, NEW_T), ("foo-v1", 3, OLD_T)],
        {"foo-v2": 10, "foo-v1": 4},
    ),
    (
        "saturated-but-broken-new-rs-leaves-old-pods",
        _d(2, surge=1, unavailable=1),
        _d(2, surge=1, unavailable=1),
        ("foo-v2", 2, NEW_T),
        [("foo-v1", 1, OLD_T)],
        {"foo-v2": 2, "foo-v1": 1},
    ),
]


@pytest.mark.parametrize(
    ("d", "old_d", "new", "olds", "expected"), [pytest.param(*c[1:], id=c[0]) for c in SCALE_CASES]
)
def test_scale(d, old_d, new, olds, expected):
    new_rs = None if new is None else replica_set(new[0], new[1], image="nginx:1", created=new[2])
    old_rss = [replica_set(n, r, created=t) for n, r, t in olds]
    _annotate([new_rs, *old_rss], old_d)
    p = sync.SyncPass(d, [], [], NOW)
    sync.scale(p, new_rs, old_rss)
    sizes = {rs["metadata"]["name"]: rs["spec"]["replicas"] for rs in [new_rs, *old_rss] if rs is not None}
    sizes.update(dict(rs_updates(p.actions)))
    assert sizes == expected


def test_scale_writes_only_what_differs_and_refreshes_annotations():
    """The 'failed rs update' TestScale setup: only foo-v2 (annotated for 3) is rewritten, 1 → 2."""
    d, old_d = _d(5), _d(5)
    new_rs = replica_set("foo-v3", 2, image="nginx:1", created=NEW_T)
    old_rss = [replica_set("foo-v2", 1, created=OLD_T), replica_set("foo-v1", 1, created=OLDER_T)]
    _annotate([new_rs, *old_rss], old_d, {"foo-v2": 3})
    p = sync.SyncPass(d, [], [], NOW)
    sync.scale(p, new_rs, old_rss)
    assert rs_updates(p.actions) == [("foo-v2", 2)]
    written = p.actions[0].obj["metadata"]["annotations"]
    assert (written[u.DESIRED_REPLICAS_ANNOTATION], written[u.MAX_REPLICAS_ANNOTATION]) == ("5", "5")
    assert events(p.actions) == [("Normal", "ScalingReplicaSet", "Scaled up replica set foo-v2 from 1 to 2")]


def test_scaling_event_through_reconcile():
    d = deployment(10, max_surge=0, max_unavailable=0)
    new_rs = replica_set(
        "foo-v2", 2, image="nginx:1", created=NEW_T, available=2, desired=5, max_replicas=5, revision="2"
    )
    old_rs = replica_set("foo-v1", 3, created=OLD_T, available=3, desired=5, max_replicas=5, revision="1")
    actions = reconcile(d, [old_rs, new_rs], [], NOW)
    assert rs_updates(actions) == [("foo-v1", 6), ("foo-v2", 4)]
    assert events(actions) == [
        ("Normal", "ScalingReplicaSet", "Scaled up replica set foo-v1 from 3 to 6"),
        ("Normal", "ScalingReplicaSet", "Scaled up replica set foo-v2 from 2 to 4"),
    ]
    # The sync path recomputes counters and Available only (from the ReplicaSets as listed).
    assert last_status(actions) == {
        "observedGeneration": 1,
        "replicas": 5,
        "updatedReplicas": 2,
        "readyReplicas": 5,
        "availableReplicas": 5,
        "terminatingReplicas": 0,
        "conditions": [
            {
                "type": "Available",
                "status": "False",
                "lastUpdateTime": ts(NOW),
                "lastTransitionTime": ts(NOW),
                "reason": "MinimumReplicasUnavailable",
                "message": "Deployment does not have minimum availability.",
            }
        ],
    }


def _rs_with_status(name, spec_replicas, status_replicas, *, revision=None, created=T0, deleting=False):
    rs = replica_set(name, spec_replicas, status_replicas=status_replicas, revision=revision, created=created)
    if deleting:
        rs["metadata"]["deletionTimestamp"] = ts(NOW)
    return rs


@pytest.mark.parametrize(
    ("olds", "limit", "deleted"),
    [
        pytest.param([("foo-1", 0, 0), ("foo-2", 0, 0), ("foo-3", 0, 0)], 1, ["foo-1", "foo-2"], id="keep-1"),
        pytest.param(
            [("foo-1", 0, 0), ("foo-2", 0, 1), ("foo-3", 1, 0), ("foo-4", 1, 1)],
            0,
            ["foo-1"],
            id="only-fully-scaled-down",
        ),
        pytest.param([("foo-1", 0, 0), ("foo-2", 0, 0)], 0, ["foo-1", "foo-2"], id="keep-0"),
        pytest.param([("foo-1", 1, 1), ("foo-2", 1, 1)], 0, [], id="all-running"),
        pytest.param([("foo-1", 0, 0), ("foo-2", 0, 0), ("foo-3", 0, 0)], 2147483647, [], id="unlimited"),
    ],
)
def test_cleanup_deployment(olds, limit, deleted):
    p = sync.SyncPass(deployment(1, history=limit), [], [], NOW)
    sync.cleanup_deployment(p, [_rs_with_status(n, s, st) for n, s, st in olds])
    assert [a.name for a in p.actions if isinstance(a, DeleteObject)] == deleted


def test_cleanup_skips_rs_being_deleted():
    p = sync.SyncPass(deployment(1, history=0), [], [], NOW)
    sync.cleanup_deployment(p, [_rs_with_status("foo-1", 0, 0, deleting=True)])
    assert p.actions == []


MINUTE = dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("olds", "limit", "deleted"),
    [
        pytest.param([("foo-1", 0, "1", -1), ("foo-2", 0, "2", 0)], 1, ["foo-1"], id="lower-revision-first"),
        pytest.param([("foo-1", 0, "2", -1), ("foo-2", 0, "1", 0)], 1, ["foo-2"], id="revision-beats-age"),
        pytest.param([("foo-1", 0, "1", -1), ("foo-2", 0, None, 0)], 1, ["foo-2"], id="missing-revision-is-0"),
        pytest.param([("foo-1", 0, None, -1), ("foo-2", 0, "2", 0)], 1, ["foo-1"], id="missing-revision-oldest"),
        pytest.param(
            [("foo-1", 1, "1", -1), ("foo-2", 0, "2", 0), ("foo-3", 0, "3", 1)],
            1,
            ["foo-2"],
            id="running-skipped-not-replaced",
        ),
        pytest.param(
            [("foo-1", 1, "1", -1), ("foo-2", 1, "2", 0), ("foo-3", 0, "3", 1)], 1, [], id="both-candidates-running"
        ),
        pytest.param(
            [("foo-1", 0, "3", -1), ("foo-2", 0, "1", 0), ("foo-3", 0, "4", 1), ("foo-4", 0, "2", 2)],
            2,
            ["foo-2", "foo-4"],
            id="two-lowest-revisions",
        ),
    ],
)
def test_cleanup_deployment_order(olds, limit, deleted):
    rss = [_rs_with_status(n, r, r, revision=rev, created=NOW + k * MINUTE) for n, r, rev, k in olds]
    p = sync.SyncPass(deployment(1, history=limit), [], [], NOW)
    sync.cleanup_deployment(p, rss)
    assert sorted(a.name for a in p.actions if isinstance(a, DeleteObject)) == deleted


def test_claim_adopts_releases_and_ignores():
    d = deployment(1, max_surge=1)
    orphan = replica_set("foo-orphan", 0, owner=None)
    stale = replica_set("foo-stale", 0, app="other")
    foreign = replica_set("foo-foreign", 0, owner="uid-bar")
    actions = reconcile(d, [orphan, stale, foreign], [], NOW)
    patches = [a for a in actions if isinstance(a, PatchObject)]
    assert patches == [
        PatchObject(
            "apps/v1",
            "ReplicaSet",
            "default",
            "foo-orphan",
            {
                "metadata": {
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "Deployment",
                            "name": "foo",
                            "uid": "uid-foo",
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                    "uid": "uid-foo-orphan",
                }
            },
        ),
        PatchObject(
            "apps/v1",
            "ReplicaSet",
            "default",
            "foo-stale",
            {"metadata": {"uid": "uid-foo-stale", "ownerReferences": [{"$patch": "delete", "uid": "uid-foo"}]}},
        ),
    ]
    # The adopted RS is an old RS of this Deployment: the new RS gets revision max(0)+1 = 1.
    created = [a.obj for a in actions if type(a).__name__ == "CreateObject"]
    assert created[0]["metadata"]["annotations"][u.REVISION_ANNOTATION] == "1"


def test_selecting_all_only_records_event_and_observed_generation():
    d = deployment(1, generation=3, status={"observedGeneration": 2})
    d["spec"]["selector"] = {}
    actions = reconcile(d, [replica_set("foo-a", 1)], [], NOW)
    assert kinds(actions) == ["RecordEvent", "UpdateStatus"]
    assert events(actions) == [
        ("Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
    ]
    assert actions[1].obj["status"] == {"observedGeneration": 3}


def test_being_deleted_only_syncs_status():
    d = deployment(3, max_surge=1, image="nginx:2")
    d["metadata"]["deletionTimestamp"] = ts(NOW)
    old = replica_set("foo-old", 3, available=3, revision="1", desired=3, max_replicas=4)
    actions = reconcile(d, [old], [], NOW)
    assert kinds(actions) == ["UpdateStatus"]
    assert actions[0].obj["status"]["replicas"] == 3
    assert "updatedReplicas" not in actions[0].obj["status"]  # no new RS is created or counted


PAUSED = {
    "type": "Progressing",
    "status": "Unknown",
    "lastUpdateTime": ts(NOW),
    "lastTransitionTime": ts(NOW),
    "reason": "DeploymentPaused",
    "message": "Deployment is paused",
}


def test_paused_template_change_creates_nothing_but_scaling_works():
    d = deployment(12, max_surge=1, image="nginx:2", paused=True, deadline=600)
    old = replica_set("foo-old", 10, available=10, revision="1", desired=10, max_replicas=11)
    actions = reconcile(d, [old], [], NOW)
    assert kinds(actions) == ["UpdateStatus", "UpdateObject", "RecordEvent", "UpdateStatus"]
    assert actions[0].obj["status"] == {"conditions": [PAUSED]}
    assert rs_updates(actions) == [("foo-old", 12)]
    assert events(actions) == [("Normal", "ScalingReplicaSet", "Scaled up replica set foo-old from 10 to 12")]
    assert not any(type(a).__name__ == "CreateObject" for a in actions)
    # Already paused: the condition is not rewritten.
    d["status"] = {"conditions": [PAUSED]}
    again = reconcile(d, [replica_set("foo-old", 12, available=12, revision="1", desired=12, max_replicas=13)], [], NOW)
    assert [c["reason"] for a in again if isinstance(a, UpdateStatus) for c in a.obj["status"]["conditions"]] == [
        "DeploymentPaused",
        "MinimumReplicasAvailable",
    ]


def test_paused_runs_history_cleanup():
    d = deployment(1, paused=True, history=1)
    rss = [
        replica_set("foo-new", 1, image="nginx:1", available=1, revision="3", desired=1, max_replicas=1),
        _rs_with_status("foo-1", 0, 0, revision="1"),
        _rs_with_status("foo-2", 0, 0, revision="2"),
    ]
    actions = reconcile(d, rss, [], NOW)
    assert [a.name for a in actions if isinstance(a, DeleteObject)] == ["foo-1"]


def test_resume_sets_deployment_resumed():
    later = NOW + dt.timedelta(hours=1)
    d = deployment(1, deadline=600, status={"conditions": [PAUSED]})
    new = replica_set("foo-new", 1, image="nginx:1", available=1, revision="1", desired=1, max_replicas=1)
    actions = reconcile(d, [new], [], later)
    first = actions[0]
    assert isinstance(first, UpdateStatus)
    assert first.obj["status"]["conditions"] == [
        {
            "type": "Progressing",
            "status": "Unknown",
            "lastUpdateTime": ts(later),
            "lastTransitionTime": ts(NOW),
            "reason": "DeploymentResumed",
            "message": "Deployment is resumed",
        }
    ]


def test_timed_out_condition_is_not_overwritten_by_pause():
    timed_out = {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "m"}
    d = deployment(1, deadline=600, paused=True, status={"conditions": [timed_out]})
    p = sync.SyncPass(d, [], [], NOW)
    sync.check_paused_conditions(p)
    assert p.actions == []


def test_revision_sync_rollout_back_to_old_template_renumbers_it():
    """Revisions 1 (nginx:1) and 2 (nginx:2); the template goes back to nginx:1: that RS becomes revision 3."""
    d = deployment(2, max_surge=1, max_unavailable=0, image="nginx:1", annotations={u.REVISION_ANNOTATION: "2"})
    v1 = replica_set("foo-v1", 0, image="nginx:1", revision="1", desired=2, max_replicas=3, created=OLD_T)
    v2 = replica_set("foo-v2", 2, image="nginx:2", revision="2", desired=2, max_replicas=3, available=2, created=NEW_T)
    actions = reconcile(d, [v1, v2], [], NOW)
    updates = [a.obj for a in actions if isinstance(a, UpdateObject)]
    assert updates[0]["metadata"]["name"] == "foo-v1"
    assert updates[0]["metadata"]["annotations"][u.REVISION_ANNOTATION] == "3"
    assert updates[0]["metadata"]["annotations"][u.REVISION_HISTORY_ANNOTATION] == "1"
    assert updates[0]["metadata"]["resourceVersion"] == "7"
    status_writes = [a.obj for a in actions if isinstance(a, UpdateStatus)]
    assert status_writes[0]["metadata"]["annotations"] == {u.REVISION_ANNOTATION: "3"}
    # Then the rollout proceeds: the re-used RS grows within maxSurge (second write of it: no resourceVersion).
    assert rs_updates(actions) == [("foo-v1", 0), ("foo-v1", 1)]
    assert "resourceVersion" not in updates[1]["metadata"]
    assert [m for t, r, m in events(actions)] == ["Scaled up replica set foo-v1 from 0 to 1"]
    assert isinstance(actions[-1], UpdateStatus)
    assert not any(isinstance(a, RecordEvent) and a.type == "Warning" for a in actions)
