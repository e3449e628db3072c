"""Fail-fast diagnosis: which new pod is stuck, the reason and message, and the latest event about it."""

from __future__ import annotations

import pytest

from kubeferry.delivery import diagnosis as dg


def pod(
    name,
    *,
    waiting=None,
    message="",
    scheduled=None,
    ready=None,
    phase="Pending",
    owner="rs-new",
    labels=None,
    deleting=False,
    init=False,
):
    status = {"phase": phase, "conditions": []}
    if waiting:
        key = "initContainerStatuses" if init else "containerStatuses"
        status[key] = [{"name": "app", "state": {"waiting": {"reason": waiting, "message": message}}}]
    if scheduled is not None:
        status["conditions"].append(
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": scheduled}
        )
    if ready is not None:
        status["conditions"].append(
            {"type": "Ready", "status": ready, "message": "containers with unready status: [app]"}
        )
    meta = {
        "name": name,
        "uid": "u-" + name,
        "labels": labels or {},
        "ownerReferences": [{"uid": owner, "controller": True}],
    }
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"metadata": meta, "status": status}


FAILURE_CASES = [
    (
        "image-pull-backoff",
        pod("a", waiting="ImagePullBackOff", message='Back-off pulling image "x"'),
        False,
        ("ImagePullBackOff", 'container "app": Back-off pulling image "x"'),
    ),
    ("err-image-pull", pod("a", waiting="ErrImagePull"), False, ("ErrImagePull", 'container "app"')),
    (
        "crash-loop",
        pod("a", waiting="CrashLoopBackOff", message="back-off 20s"),
        False,
        ("CrashLoopBackOff", 'container "app": back-off 20s'),
    ),
    (
        "init-crash-loop",
        pod("a", waiting="CrashLoopBackOff", init=True),
        False,
        ("CrashLoopBackOff", 'container "app"'),
    ),
    (
        "unschedulable",
        pod("a", scheduled="0/3 nodes are available"),
        False,
        ("Unschedulable", "0/3 nodes are available"),
    ),
    ("container-creating-is-fine", pod("a", waiting="ContainerCreating"), False, None),
    ("unready-before-deadline", pod("a", ready="False", phase="Running"), False, None),
    (
        "unready-after-deadline",
        pod("a", ready="False", phase="Running"),
        True,
        ("NotReady", "containers with unready status: [app]"),
    ),
    ("no-conditions-after-deadline", pod("a"), True, ("NotReady", "pod is Pending and not ready")),
    ("ready-after-deadline", pod("a", ready="True", phase="Running"), True, None),
]


@pytest.mark.parametrize(("p", "passed", "expected"), [c[1:] for c in FAILURE_CASES], ids=[c[0] for c in FAILURE_CASES])
def test_pod_failure(p, passed, expected):
    assert dg.pod_failure(p, passed) == expected


def event(pod_name, reason, message, when, rv, kind="Warning", count=1, uid=None):
    return {
        "metadata": {"resourceVersion": str(rv)},
        "involvedObject": {"kind": "Pod", "name": pod_name, **({"uid": uid} if uid else {})},
        "type": kind,
        "reason": reason,
        "message": message,
        "lastTimestamp": when,
        "count": count,
    }


def test_diagnose_prefers_hard_failures_then_names_and_attaches_latest_event():
    pods = [
        pod("b", ready="False", phase="Running"),
        pod("c", waiting="ImagePullBackOff", message="no"),
        pod("a", ready="False", phase="Running"),
    ]
    events = [
        event("c", "Failed", "Error: ErrImagePull", "2026-01-01T00:00:05Z", 10),
        event("c", "BackOff", 'Back-off pulling image "x"', "2026-01-01T00:00:09Z", 12, kind="Normal", count=3),
        event("c", "Failed", "Error: ImagePullBackOff", "2026-01-01T00:00:09Z", 11),
        event("a", "Scheduled", "assigned", "2026-01-01T00:00:20Z", 30, kind="Normal"),
    ]
    found = dg.diagnose(pods, events, deadline_passed=True)
    assert found == dg.Diagnosis(
        "c", "ImagePullBackOff", 'container "app": no', 'Normal BackOff (x3): Back-off pulling image "x"'
    )
    assert found.lines("Deployment", "web") == [
        'error: deployment "web" rollout failed: pod "c": ImagePullBackOff: container "app": no',
        '  latest event: Normal BackOff (x3): Back-off pulling image "x"',
    ]


def test_diagnose_unready_only_after_deadline_and_first_by_name():
    pods = [pod("b", ready="False", phase="Running"), pod("a", ready="False", phase="Running")]
    assert dg.diagnose(pods) is None
    found = dg.diagnose(pods, deadline_passed=True)
    assert (found.pod, found.reason, found.event) == ("a", "NotReady", "")
    assert found.lines("StatefulSet", "db") == [
        'error: statefulset "db" rollout failed: pod "a": NotReady: containers with unready status: [app]'
    ]


def test_latest_event_ignores_other_pods_and_other_uids():
    p = pod("a")
    events = [
        event("a", "Old", "other incarnation", "2026-01-01T00:01:00Z", 50, uid="someone-else"),
        event("b", "Other", "other pod", "2026-01-01T00:02:00Z", 60),
        event("a", "Mine", "this one", "2026-01-01T00:00:30Z", 40, uid="u-a"),
    ]
    assert dg.describe_event(dg.latest_event(events, p)) == "Warning Mine: this one"
    assert dg.latest_event([], p) is None
    assert dg.describe_event(None) == ""


def test_new_pods_deployment_uses_the_replicaset_of_the_current_revision():
    deployment = {
        "kind": "Deployment",
        "metadata": {"uid": "d1", "annotations": {"deployment.kubernetes.io/revision": "2"}},
    }
    replicasets = [
        {
            "metadata": {
                "uid": "rs-old",
                "annotations": {"deployment.kubernetes.io/revision": "1"},
                "ownerReferences": [{"uid": "d1", "controller": True}],
            }
        },
        {
            "metadata": {
                "uid": "rs-new",
                "annotations": {"deployment.kubernetes.io/revision": "2"},
                "ownerReferences": [{"uid": "d1", "controller": True}],
            }
        },
        {
            "metadata": {
                "uid": "rs-foreign",
                "annotations": {"deployment.kubernetes.io/revision": "2"},
                "ownerReferences": [{"uid": "x", "controller": True}],
            }
        },
    ]
    pods = [pod("n2"), pod("o1", owner="rs-old"), pod("n1"), pod("gone", deleting=True), pod("f", owner="rs-foreign")]
    assert [p["metadata"]["name"] for p in dg.new_pods(deployment, pods, replicasets)] == ["n1", "n2"]


def test_new_pods_statefulset_and_daemonset_by_revision_hash():
    sts = {"kind": "StatefulSet", "metadata": {"uid": "s1"}, "status": {"updateRevision": "db-new"}}
    pods = [
        pod("db-0", owner="s1", labels={"controller-revision-hash": "db-new"}),
        pod("db-1", owner="s1", labels={"controller-revision-hash": "db-old"}),
    ]
    assert [p["metadata"]["name"] for p in dg.new_pods(sts, pods)] == ["db-0"]
    ds = {"kind": "DaemonSet", "metadata": {"uid": "ds1"}}
    revisions = [
        {
            "revision": 1,
            "metadata": {
                "name": "agent-aaa",
                "labels": {"controller-revision-hash": "aaa"},
                "ownerReferences": [{"uid": "ds1", "controller": True}],
            },
        },
        {
            "revision": 3,
            "metadata": {
                "name": "agent-ccc",
                "labels": {"controller-revision-hash": "ccc"},
                "ownerReferences": [{"uid": "ds1", "controller": True}],
            },
        },
    ]
    dpods = [
        pod("x", owner="ds1", labels={"controller-revision-hash": "ccc"}),
        pod("y", owner="ds1", labels={"controller-revision-hash": "aaa"}),
    ]
    assert [p["metadata"]["name"] for p in dg.new_pods(ds, dpods, revisions)] == ["x"]
    assert dg.new_pods(ds, dpods, []) == []


def creating(name):
    """A new pod whose sandbox waits for its volumes (as the kubelet shows a failing mount)."""
    p = pod(name, waiting="ContainerCreating")
    p["status"]["conditions"].append({"type": "PodReadyToStartContainers", "status": "False"})
    return p


MISSING = 'MountVolume.SetUp failed for volume "cfg" : configmap "app-config" not found'


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        pytest.param(
            [event("a", "FailedMount", MISSING, "2026-01-01T00:00:09Z", 12, count=3)],
            dg.Diagnosis("a", "FailedMount", MISSING, f"Warning FailedMount (x3): {MISSING}"),
            id="source-missing",
        ),
        pytest.param(
            [
                event(
                    "a",
                    "FailedMount",
                    'MountVolume.SetUp failed for volume "cfg" : configmap references non-existent config key: k',
                    "2026-01-01T00:00:09Z",
                    12,
                )
            ],
            dg.Diagnosis(
                "a",
                "FailedMount",
                'MountVolume.SetUp failed for volume "cfg" : configmap references non-existent config key: k',
                'Warning FailedMount: MountVolume.SetUp failed for volume "cfg" : '
                "configmap references non-existent config key: k",
            ),
            id="key-missing",
        ),
        pytest.param(
            [
                event(
                    "a", "FailedMount", 'MountVolume.SetUp failed for volume "d" : timed out', "2026-01-01T00:00:09Z", 1
                )
            ],
            None,
            id="other-mount-error-may-pass",
        ),
        pytest.param(
            [
                event("a", "FailedMount", MISSING, "2026-01-01T00:00:09Z", 12),
                event("a", "Scheduled", "assigned", "2026-01-01T00:00:10Z", 13, kind="Normal"),
            ],
            None,
            id="failed-mount-not-the-latest",
        ),
        pytest.param([], None, id="no-events-no-verdict"),
    ],
)
def test_failed_mount_of_a_missing_source_is_a_failure(events, expected):
    assert dg.diagnose([creating("a"), pod("b")], events) == expected


def test_mount_suspects_are_pods_whose_sandbox_waits():
    started = pod("b", ready="False", phase="Running")
    started["status"]["conditions"].append({"type": "PodReadyToStartContainers", "status": "True"})
    assert dg.mount_suspects([creating("a"), started, pod("c"), creating("d")]) == ["a", "d"]


def test_failed_mount_ranks_with_the_hard_failures():
    events = [event("a", "FailedMount", MISSING, "2026-01-01T00:00:09Z", 12)]
    found = dg.diagnose([creating("a"), pod("b", waiting="CrashLoopBackOff")], events)
    assert (found.pod, found.reason) == ("a", "FailedMount")  # both hard: first by name
    found = dg.diagnose([creating("z"), pod("b", waiting="CrashLoopBackOff")], events)
    assert (found.pod, found.reason) == ("b", "CrashLoopBackOff")
