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


# --- the kept classification (replicaset.OwnedPods) against a fresh walk --------------------------


def _walk(rs, index, now):
    """A fresh pass over the index's candidates: the reference the kept facts must equal."""
    return replicaset._Pass(rs, index.candidates("default", rs["metadata"]["uid"]), now)


def _same_facts(kept, walked):
    assert [id(p) for p in kept.active] == [id(p) for p in walked.active]
    assert [id(p) for p in kept.terminating] == [id(p) for p in walked.terminating]
    assert kept.claim_actions == walked.claim_actions == []
    counts = lambda t: (t.fully_labeled, t.ready, t.available)  # noqa: E731
    assert counts(kept.tally) == counts(walked.tally)


def _random_pod(rng, name, rs_a, rs_b):
    owner = rng.choice([rs_a, rs_a, rs_a, rs_b, None])
    labels = rng.choice([WEB_A, WEB_A, WEB_A, {**WEB_A, "extra": "x"}, {"app": "web"}, WEB_B])
    return new_pod(
        name,
        owner=owner,
        labels=labels,
        phase=rng.choice(["Pending", "Running", "Running", "Succeeded", "Failed"]),
        ready=rng.random() < 0.6,
        ready_since=rng.choice([None, ago(1), ago(30), ago(600)]),
        node=rng.choice(["n1", "n2", ""]),
        deleting=rng.random() < 0.2,
    )


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("min_ready", [0, 20])
def test_kept_facts_equal_a_fresh_walk_after_every_change(seed, min_ready):
    import random

    rng = random.Random(seed)
    rs_a = new_rs(3, name="a", uid="a-uid", labels=WEB_A, owner_uid=DEPLOY_UID, min_ready=min_ready)
    rs_a["spec"]["template"]["metadata"]["labels"] = {**WEB_A, "extra": "x"}  # some claimed pods lack a label
    rs_b = new_rs(2, name="b", uid="b-uid", labels=WEB_B, owner_uid=DEPLOY_UID)
    index = PodsByController()
    live: dict[str, dict] = {}
    kept_passes = walked_only = 0
    for step in range(150):
        name = f"p{rng.randrange(25):02d}"
        if name in live and rng.random() < 0.15:
            index.observe(live.pop(name), True)
        else:
            pod = _random_pod(rng, name, rs_a, rs_b)
            if rng.random() < 0.7:
                pod["metadata"]["ownerReferences"] = [dict(r) for r in pod["metadata"].get("ownerReferences", [])]
            live[name] = pod
            index.observe(pod, False)
        owned = index.owned(rs_a)
        walked = _walk(rs_a, index, NOW)
        if owned is None:
            walked_only += 1
            assert walked.claim_actions  # the walk had something to adopt or release
            for pod in list(live.values()):  # as the claim's patches would: adopt or release
                refs = pod["metadata"].get("ownerReferences") or []
                matching = walked.matches(pod)
                if not refs and matching and not pod["metadata"].get("deletionTimestamp"):
                    live[pod["metadata"]["name"]] = adopted = new_pod("x", owner=rs_a)
                    adopted.update({k: v for k, v in pod.items() if k != "metadata"})
                    adopted["metadata"] = {**pod["metadata"], "ownerReferences": adopted["metadata"]["ownerReferences"]}
                    index.observe(adopted, False)
                elif refs and refs[0]["uid"] == "a-uid" and not matching:
                    live[pod["metadata"]["name"]] = released = {**pod, "metadata": {**pod["metadata"]}}
                    del released["metadata"]["ownerReferences"]
                    index.observe(released, False)
            continue
        kept_passes += 1
        _same_facts(owned.pass_facts(rs_a, NOW), walked)
        pods = sorted(live.values(), key=lambda p: p["metadata"]["name"])
        assert replicaset.reconcile(rs_a, pods, NOW, related_replica_sets=[rs_a, rs_b], owned=owned) == (
            replicaset.reconcile(
                rs_a, pods, NOW, related_replica_sets=[rs_a, rs_b], candidates=walked_candidates(index)
            )
        ), step
    assert kept_passes and walked_only  # both paths were exercised


def walked_candidates(index):
    return index.candidates("default", "a-uid")


def test_kept_facts_are_refused_while_a_pod_waits_to_be_claimed():
    rs_a, rs_b, pods = cluster(2)
    index = indexed(pods)
    assert index.owned(rs_a) is None  # a3 no longer matches (to release) and orphan-match is adoptable
    only_owned = indexed([p for p in pods if p["metadata"]["name"] in ("a1", "a2", "a4", "b1")])
    owned = only_owned.owned(rs_a)
    assert owned is not None
    facts = owned.pass_facts(rs_a, NOW)
    assert [p["metadata"]["name"] for p in facts.active] == ["a1", "a2"]
    assert [p["metadata"]["name"] for p in facts.terminating] == ["a4"]
    terminal_orphan = new_pod("gone", labels=WEB_A, phase="Succeeded")
    only_owned.observe(terminal_orphan, False)
    assert only_owned.owned(rs_a) is owned  # a terminal orphan is never claimed
    only_owned.observe(new_pod("stray", labels=WEB_A), False)
    assert only_owned.owned(rs_a) is None  # an adoptable orphan: the pass walks and claims it


def test_kept_facts_are_rebuilt_when_the_template_labels_change():
    rs_a, _, pods = cluster(2)
    index = indexed([p for p in pods if p["metadata"]["name"] in ("a1", "a2")])
    first = index.owned(rs_a)
    assert first.pass_facts(rs_a, NOW).tally.fully_labeled == 2
    relabelled = {**rs_a, "spec": {**rs_a["spec"], "template": {"metadata": {"labels": {**WEB_A, "new": "y"}}}}}
    again = index.owned(relabelled)
    assert again is not first
    assert again.pass_facts(relabelled, NOW).tally.fully_labeled == 0
    assert index.owned(relabelled) is again
