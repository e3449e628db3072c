"""Rollout status viewers: kubectl's line, done flag and error for each Deployment/DaemonSet/StatefulSet state."""

from __future__ import annotations

import pytest

from kubeferry.delivery import rolloutstatus as rs


def deployment(generation=2, observed=2, replicas=3, updated=3, total=3, available=3, reason="", revision=None):
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "generation": generation, "annotations": {}},
        "spec": {"replicas": replicas},
        "status": {
            "observedGeneration": observed,
            "updatedReplicas": updated,
            "replicas": total,
            "availableReplicas": available,
        },
    }
    if reason:
        obj["status"]["conditions"] = [{"type": "Progressing", "status": "False", "reason": reason}]
    if revision is not None:
        obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = revision
    return obj


WAIT = 'Waiting for deployment "web" rollout to finish: '

DEPLOYMENT_CASES = [
    (
        "spec-not-observed",
        deployment(generation=3, observed=2),
        0,
        ("Waiting for deployment spec update to be observed...", False, None),
    ),
    ("updating", deployment(updated=1), 0, (WAIT + "1 out of 3 new replicas have been updated...", False, None)),
    ("old-pending", deployment(total=4), 0, (WAIT + "1 old replicas are pending termination...", False, None)),
    ("unavailable", deployment(available=2), 0, (WAIT + "2 of 3 updated replicas are available...", False, None)),
    ("done", deployment(), 0, ('deployment "web" successfully rolled out', True, None)),
    (
        "deadline-exceeded",
        deployment(updated=1, reason="ProgressDeadlineExceeded"),
        0,
        ("", False, 'deployment "web" exceeded its progress deadline'),
    ),
    (
        "deadline-ignored-until-observed",
        deployment(generation=3, reason="ProgressDeadlineExceeded"),
        0,
        ("Waiting for deployment spec update to be observed...", False, None),
    ),
    ("revision-matches", deployment(revision="4"), 4, ('deployment "web" successfully rolled out', True, None)),
    (
        "revision-differs",
        deployment(revision="3"),
        4,
        ("", False, "desired revision (4) is different from the running revision (3)"),
    ),
    (
        "revision-missing",
        deployment(),
        2,
        ("", False, "desired revision (2) is different from the running revision (0)"),
    ),
    (
        "scaled-to-zero",
        deployment(replicas=0, updated=0, total=0, available=0),
        0,
        ('deployment "web" successfully rolled out', True, None),
    ),
]


@pytest.mark.parametrize(
    ("obj", "revision", "expected"), [c[1:] for c in DEPLOYMENT_CASES], ids=[c[0] for c in DEPLOYMENT_CASES]
)
def test_deployment(obj, revision, expected):
    assert rs.deployment_status(obj, revision) == expected
    assert rs.status(obj, revision) == expected


def daemonset(strategy="RollingUpdate", generation=1, observed=1, desired=3, updated=3, available=3):
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "generation": generation},
        "spec": {"updateStrategy": {"type": strategy}},
        "status": {
            "observedGeneration": observed,
            "desiredNumberScheduled": desired,
            "updatedNumberScheduled": updated,
            "numberAvailable": available,
            "numberReady": available,
        },
    }


DS_WAIT = 'Waiting for daemon set "agent" rollout to finish: '
DAEMONSET_CASES = [
    (
        "on-delete",
        daemonset(strategy="OnDelete"),
        ("", False, "rollout status is only available for RollingUpdate strategy type"),
    ),
    ("not-observed", daemonset(generation=2), ("Waiting for daemon set spec update to be observed...", False, None)),
    ("updating", daemonset(updated=1), (DS_WAIT + "1 out of 3 new pods have been updated...", False, None)),
    ("unavailable", daemonset(available=2), (DS_WAIT + "2 of 3 updated pods are available...", False, None)),
    ("done", daemonset(), ('daemon set "agent" successfully rolled out', True, None)),
]


@pytest.mark.parametrize(("obj", "expected"), [c[1:] for c in DAEMONSET_CASES], ids=[c[0] for c in DAEMONSET_CASES])
def test_daemonset(obj, expected):
    assert rs.daemonset_status(obj, 7) == expected  # the revision is ignored
    assert rs.status(obj) == expected


def statefulset(
    strategy="RollingUpdate",
    partition=0,
    generation=1,
    observed=1,
    replicas=3,
    ready=3,
    updated=3,
    rolling=True,
    current_rev="web-a",
    update_rev="web-a",
    current=3,
):
    update = {"type": strategy}
    if rolling:
        update["rollingUpdate"] = {"partition": partition}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "generation": generation},
        "spec": {"replicas": replicas, "updateStrategy": update},
        "status": {
            "observedGeneration": observed,
            "readyReplicas": ready,
            "updatedReplicas": updated,
            "currentRevision": current_rev,
            "updateRevision": update_rev,
            "currentReplicas": current,
        },
    }


STATEFULSET_CASES = [
    (
        "on-delete",
        statefulset(strategy="OnDelete"),
        ("", False, "rollout status is only available for RollingUpdate strategy type"),
    ),
    ("never-observed", statefulset(observed=0), ("Waiting for statefulset spec update to be observed...", False, None)),
    ("not-observed", statefulset(generation=2), ("Waiting for statefulset spec update to be observed...", False, None)),
    ("not-ready", statefulset(ready=1), ("Waiting for 2 pods to be ready...", False, None)),
    (
        "partition-updating",
        statefulset(partition=1, updated=1),
        ("Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...", False, None),
    ),
    (
        "partition-done",
        statefulset(partition=1, updated=2),
        ("partitioned roll out complete: 2 new pods have been updated...", True, None),
    ),
    (
        "partition-zero-done",
        statefulset(),
        ("partitioned roll out complete: 3 new pods have been updated...", True, None),
    ),
    (
        "no-rolling-block-updating",
        statefulset(rolling=False, updated=1, update_rev="web-b"),
        ("waiting for statefulset rolling update to complete 1 pods at revision web-b...", False, None),
    ),
    (
        "no-rolling-block-done",
        statefulset(rolling=False, current=3),
        ("statefulset rolling update complete 3 pods at revision web-a...", True, None),
    ),
]


@pytest.mark.parametrize(("obj", "expected"), [c[1:] for c in STATEFULSET_CASES], ids=[c[0] for c in STATEFULSET_CASES])
def test_statefulset(obj, expected):
    assert rs.statefulset_status(obj) == expected
    assert rs.status(obj) == expected


@pytest.mark.parametrize(
    ("api_version", "kind", "expected"),
    [
        ("apps/v1", "ReplicaSet", "no status viewer has been implemented for ReplicaSet.apps"),
        ("v1", "Pod", "no status viewer has been implemented for Pod"),
    ],
    ids=["replicaset", "core-pod"],
)
def test_no_viewer(api_version, kind, expected):
    assert rs.status({"apiVersion": api_version, "kind": kind}) == ("", False, expected)


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (deployment(updated=2, available=1), {"updated": 2, "ready": 0, "available": 1, "desired": 3}),
        (daemonset(updated=1, available=2), {"updated": 1, "ready": 2, "available": 2, "desired": 3}),
    ],
    ids=["deployment", "daemonset"],
)
def test_progress_counters(obj, expected):
    assert rs.progress(obj) == expected
