"""The ReplicaSet controller's pod index: a pass on the index's candidates decides as a pass on every pod."""

from __future__ import annotations

import pytest
from test_replicaset import DEPLOY_UID, NOW, ago, new_pod, new_rs

from kubeferry.controllers import replicaset
from kubeferry.controllers.catalog import PodsByController

WEB_A = {"app": "web", "hash": "a"}
WEB_B = {"app": "web", "hash": "b"}


def indexed(pods):
    index = PodsByController()
    for pod in pods:
        index.observe(pod, False)
    return index


def cluster(replicas_a: int):
    rs_a = new_rs(replicas_a, name="a", uid="a-uid", labels=WEB_A, owner_uid=DEPLOY_UID)
    rs_b = new_rs(2, name="b", uid="b-uid", labels=WEB_B, owner_uid=DEPLOY_UID)
    other = new_rs(1, name="x", uid="x-uid", labels={"app": "other"})
    pods = [
        new_pod("a1", owner=rs_a, labels=WEB_A, node="n1", ready_since=ago(60)),
        new_pod("a2", owner=rs_a, labels=WEB_A, node="n2", ready_since=ago(60)),
        new_pod("a3", owner=rs_a, labels={"app": "moved"}, node="n2", ready_since=ago(60)),
        new_pod("a4", owner=rs_a, labels=WEB_A, node="n2", deleting=True),
        new_pod("b1", owner=rs_b, labels=WEB_B, node="n1", ready_since=ago(60)),
        new_pod("b2", owner=rs_b, labels=WEB_B, node="n1", ready_since=ago(60)),
        new_pod("orphan-match", labels=WEB_A, node="n2", ready_since=ago(5)),
        new_pod("orphan-other", labels={"app": "nobody"}, node="n1"),
        new_pod("x1", owner=other, labels=WEB_A, node="n1"),
        new_pod("elsewhere", labels=WEB_A, namespace="other-ns"),
    ]
    return rs_a, rs_b, sorted(pods, key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))


@pytest.mark.parametrize(
    "replicas",
    [
        pytest.param(0, id="scale to zero"),
        pytest.param(1, id="scale down"),
        pytest.param(3, id="steady"),
        pytest.param(6, id="scale up"),
    ],
)
def test_a_pass_on_candidates_decides_as_a_pass_on_every_pod(replicas):
    rs_a, rs_b, pods = cluster(replicas)
    in_namespace = [p for p in pods if p["metadata"]["namespace"] == "default"]
    candidates = indexed(pods).candidates("default", "a-uid")
    full = replicaset.reconcile(rs_a, in_namespace, NOW, related_replica_sets=[rs_a, rs_b])
    short = replicaset.reconcile(rs_a, in_namespace, NOW, related_replica_sets=[rs_a, rs_b], candidates=candidates)
    assert short == full


def test_candidates_are_owned_pods_and_orphans_by_name_and_follow_changes():
    rs_a, _, pods = cluster(2)
    index = indexed(pods)
    names = lambda found: [p["metadata"]["name"] for p in found]  # noqa: E731
    assert names(index.candidates("default", "a-uid")) == ["a1", "a2", "a3", "a4", "orphan-match", "orphan-other"]
    released = {**pods[0], "metadata": {**pods[0]["metadata"], "ownerReferences": []}}  # a1 released
    index.observe(released, False)
    index.observe(pods[1], True)  # a2 deleted
    assert names(index.candidates("default", "a-uid")) == ["a1", "a3", "a4", "orphan-match", "orphan-other"]
    assert names(index.candidates("default", "b-uid")) == ["a1", "b1", "b2", "orphan-match", "orphan-other"]
    assert names(index.candidates("other-ns", "a-uid")) == ["elsewhere"]
    assert names(index.candidates("default", "")) == ["a1", "orphan-match", "orphan-other"]


class _Unread(list):
    """The namespace's pods, which a pass must not read: any access fails the test."""

    def __iter__(self):
        raise AssertionError("the pass read every pod of the namespace")

    def __getitem__(self, index):
        raise AssertionError("the pass read every pod of the namespace")

    def __len__(self):
        raise AssertionError("the pass read every pod of the namespace")


@pytest.mark.parametrize(
    ("replicas", "deleted"),
    [
        pytest.param(0, ["a1", "a2", "orphan-match"], id="scale to zero deletes every active pod"),
        pytest.param(3, [], id="steady"),
    ],
)
def test_a_pass_that_ranks_nothing_never_reads_the_namespace(replicas, deleted):
    rs_a, rs_b, pods = cluster(replicas)
    candidates = indexed(pods).candidates("default", "a-uid")
    actions = replicaset.reconcile(rs_a, _Unread(), NOW, related_replica_sets=[rs_a, rs_b], candidates=candidates)
    assert [a.name for a in actions if type(a).__name__ == "DeleteObject"] == deleted


def test_a_scale_down_that_keeps_pods_ranks_by_related_pods_on_each_node():
    # Active and claimed: a1 (n1), a2 (n2) and the adopted orphan-match (n2), one too many.  Related
    # (selected by a or b, active): n1 runs a1, b1, b2 and x1 (another owner's, but its labels match),
    # n2 runs a2 and orphan-match; so a1 ranks 4 against 2 and goes first.
    rs_a, rs_b, pods = cluster(2)
    in_namespace = [p for p in pods if p["metadata"]["namespace"] == "default"]
    candidates = indexed(pods).candidates("default", "a-uid")
    actions = replicaset.reconcile(rs_a, in_namespace, NOW, related_replica_sets=[rs_a, rs_b], candidates=candidates)
    assert [a.name for a in actions if type(a).__name__ == "DeleteObject"] == ["a1"]
