"""Deployment util: fenceposts, NewRSNewReplicas, revisions and annotations, template equality, conditions."""

from __future__ import annotations

import datetime as dt

import pytest
from test_deployment_builders import NOW, deployment, replica_set, ts

from kubeferry.controllers.deployment import util as u
from kubeferry.machinery.intstr import IntOrStringError


@pytest.mark.parametrize(
    ("surge", "unavailable", "desired", "expected"),
    [
        pytest.param("0%", "0%", 0, (0, 1), id="both-zero-percent-unavailable-becomes-1"),
        pytest.param("39%", "39%", 10, (4, 3), id="surge-rounds-up-unavailable-down"),
        pytest.param(None, "39%", 10, (0, 3), id="missing-surge-is-0"),
        pytest.param("39%", None, 10, (4, 0), id="missing-unavailable-is-0"),
        pytest.param(None, None, 10, (0, 1), id="both-missing"),
        pytest.param("25%", "25%", 1, (1, 0), id="defaults-R1"),
        pytest.param("25%", "25%", 3, (1, 0), id="defaults-R3"),
        pytest.param("25%", "25%", 4, (1, 1), id="defaults-R4"),
        pytest.param("25%", "25%", 10, (3, 2), id="defaults-R10"),
    ],
)
def test_resolve_fenceposts(surge, unavailable, desired, expected):
    assert u.resolve_fenceposts(surge, unavailable, desired) == expected


@pytest.mark.parametrize(
    ("surge", "unavailable", "message"),
    [
        pytest.param(
            "oops", "39%", "invalid value for IntOrString: invalid type: string is not a percentage", id="bad-surge"
        ),
        pytest.param(
            "55%",
            "urg",
            "invalid value for IntOrString: invalid type: string is not a percentage",
            id="bad-unavailable",
        ),
    ],
)
def test_resolve_fenceposts_errors(surge, unavailable, message):
    with pytest.raises(IntOrStringError) as err:
        u.resolve_fenceposts(surge, unavailable, 10)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("replicas", "unavailable", "strategy", "expected"),
    [
        pytest.param(10, 5, "RollingUpdate", 5, id="less-than-replicas"),
        pytest.param(10, 10, "RollingUpdate", 10, id="equal-replicas"),
        pytest.param(5, 10, "RollingUpdate", 5, id="capped-at-replicas"),
        pytest.param(0, 10, "RollingUpdate", 0, id="zero-replicas"),
        pytest.param(10, 5, "Recreate", 0, id="recreate"),
        pytest.param(10, "50%", "RollingUpdate", 5, id="percent-less"),
        pytest.param(10, "100%", "RollingUpdate", 10, id="percent-equal"),
        pytest.param(5, "100%", "RollingUpdate", 5, id="percent-capped"),
    ],
)
def test_max_unavailable(replicas, unavailable, strategy, expected):
    d = deployment(replicas, max_surge=1, max_unavailable=unavailable, strategy=strategy)
    assert u.max_unavailable(d) == expected


@pytest.mark.parametrize(
    ("replicas", "surge", "strategy", "expected"),
    [
        pytest.param(10, "25%", "RollingUpdate", 3, id="percent-rounds-up"),
        pytest.param(10, 2, "RollingUpdate", 2, id="int"),
        pytest.param(10, 2, "Recreate", 0, id="recreate"),
        pytest.param(10, "bad", "RollingUpdate", 0, id="malformed-is-0"),
    ],
)
def test_max_surge(replicas, surge, strategy, expected):
    assert u.max_surge(deployment(replicas, max_surge=surge, max_unavailable=0, strategy=strategy)) == expected


@pytest.mark.parametrize(
    ("strategy", "r", "new", "surge", "old", "expected"),
    [
        pytest.param("RollingUpdate", 1, 2, 0, 1, 2, id="cannot-scale-up-keeps-new-size"),
        pytest.param("RollingUpdate", 6, 2, 10, 1, 6, id="scale-up-to-R"),
        pytest.param("Recreate", 3, 1, 1, 1, 3, id="recreate-is-R"),
    ],
)
def test_new_rs_new_replicas(strategy, r, new, surge, old, expected):
    d = deployment(r, max_surge=surge, max_unavailable=0, strategy=strategy)
    new_rs = replica_set("foo-new", new)
    assert u.new_rs_new_replicas(d, [new_rs, replica_set("foo-old", old)], new_rs) == expected


@pytest.mark.parametrize(
    ("history", "old", "limit", "expected"),
    [
        pytest.param("", "1", 2000, "1", id="first-entry"),
        pytest.param("1,2", "4", 2000, "1,2,4", id="appended"),
        pytest.param("1,2,3", "4", 7, "1,2,3,4", id="exactly-fits"),
        pytest.param("1,2,3", "4", 6, "2,3,4", id="oldest-dropped"),
        pytest.param("1,2,3", "4", 1, "4", id="all-dropped"),
        pytest.param("1,2,3", "4", 0, None, id="cannot-fit"),
    ],
)
def test_append_revision_history(history, old, limit, expected):
    assert u.append_revision_history(history, old, limit) == expected


def test_new_replica_set_annotations_copy_rule_and_revision_raise():
    d = deployment(
        3,
        max_surge=1,
        annotations={
            "kubernetes.io/change-cause": "v3",
            "team": "a",
            u.LAST_APPLIED_ANNOTATION: "{}",
            u.REVISION_ANNOTATION: "9",
            u.ROLLBACK_TO_ANNOTATION: "1",
        },
    )
    rs = replica_set("foo-v1", 0, revision="1", annotations={"kubernetes.io/change-cause": "v1", "kept": "x"})
    assert u.set_new_replica_set_annotations(d, rs, "3", exists=True) is True
    assert rs["metadata"]["annotations"] == {
        "kubernetes.io/change-cause": "v3",
        "kept": "x",
        "team": "a",
        u.REVISION_ANNOTATION: "3",
        u.REVISION_HISTORY_ANNOTATION: "1",
    }
    # Never lowered; nothing else changes → no update.
    assert u.set_new_replica_set_annotations(d, rs, "2", exists=True) is False
    assert rs["metadata"]["annotations"][u.REVISION_ANNOTATION] == "3"


def test_new_replica_set_shape():
    d = deployment(3, max_surge=1, min_ready=4, annotations={"kubernetes.io/change-cause": "c"})
    rs = u.new_replica_set(d, "5d9c7b5f6", "2")
    assert rs == {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": "foo-5d9c7b5f6",
            "namespace": "default",
            "labels": {"app": "foo", "pod-template-hash": "5d9c7b5f6"},
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
            "annotations": {
                "kubernetes.io/change-cause": "c",
                "deployment.kubernetes.io/revision": "2",
                "deployment.kubernetes.io/desired-replicas": "3",
                "deployment.kubernetes.io/max-replicas": "4",
            },
        },
        "spec": {
            "replicas": 0,
            "minReadySeconds": 4,
            "selector": {"matchLabels": {"app": "foo", "pod-template-hash": "5d9c7b5f6"}},
            "template": {
                "metadata": {"labels": {"app": "foo", "pod-template-hash": "5d9c7b5f6"}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1"}]},
            },
        },
    }
    assert d["spec"]["template"]["metadata"]["labels"] == {"app": "foo"}  # the Deployment is untouched


@pytest.mark.parametrize(
    ("t1", "t2", "equal"),
    [
        pytest.param(
            {"metadata": {"labels": {"a": "1", "pod-template-hash": "x"}}},
            {"metadata": {"labels": {"a": "1"}}},
            True,
            id="hash-ignored",
        ),
        pytest.param(
            {"metadata": {"labels": {"a": "1"}}}, {"metadata": {"labels": {"a": "2"}}}, False, id="label-differs"
        ),
        pytest.param(
            {"metadata": {"labels": {"pod-template-hash": "x"}}}, {"metadata": {}}, True, id="only-hash-vs-none"
        ),
        pytest.param({"spec": {"volumes": []}}, {"spec": {}}, True, id="empty-list-is-nil"),
        pytest.param(
            {"metadata": {"labels": {"pod-template-hash": "x"}, "annotations": {"n": "1"}}},
            {"metadata": {"annotations": {"n": "1"}}},
            True,
            id="only-hash-labels-pruned-metadata-kept",
        ),
        pytest.param(
            {"metadata": {"labels": {"pod-template-hash": "x", "b": "2"}}},
            {"metadata": {"labels": {"b": "2", "pod-template-hash": "y"}}},
            True,
            id="hashes-differ",
        ),
        pytest.param(None, {"metadata": {"labels": {"pod-template-hash": "x"}}}, True, id="none-vs-only-hash"),
        pytest.param(
            {"spec": {"containers": [{"image": "a"}]}},
            {"spec": {"containers": [{"image": "b"}]}},
            False,
            id="image-differs",
        ),
    ],
)
def test_equal_ignore_hash(t1, t2, equal):
    import copy

    before = copy.deepcopy((t1, t2))
    assert u.equal_ignore_hash(t1, t2) is equal
    assert u.equal_ignore_hash(t2, t1) is equal
    assert (t1, t2) == before  # the templates are left as they were


def test_find_new_replica_set_oldest_matching_wins():
    d = deployment(1)
    newer = replica_set("foo-b", 1, image="nginx:1", created=NOW)
    older = replica_set("foo-a", 1, image="nginx:1", created=NOW - dt.timedelta(hours=1))
    other = replica_set("foo-c", 1, created=NOW - dt.timedelta(hours=2))
    assert u.find_new_replica_set(d, [newer, other, older]) is older
    assert u.find_new_replica_set(d, [other]) is None


@pytest.mark.parametrize(
    ("revisions", "max_rev", "last"),
    [
        pytest.param(["1", "2", "3"], 3, 2, id="distinct"),
        pytest.param(["3", "3", "1"], 3, 3, id="tie-for-highest-counts-twice"),
        pytest.param(["1"], 1, 0, id="single"),
        pytest.param([None, "2", "abc"], 2, 0, id="missing-is-0-unparsable-skipped"),
    ],
)
def test_max_and_last_revision(revisions, max_rev, last):
    rss = [replica_set(f"foo-{i}", 0, revision=r) for i, r in enumerate(revisions)]
    assert u.max_revision(rss) == max_rev
    assert u.last_revision(rss) == last


# DeploymentComplete: (R, status replicas, updated, available, observedGeneration) for generation 2.
@pytest.mark.parametrize(
    ("r", "current", "updated", "available", "observed", "complete"),
    [
        pytest.param(5, 5, 5, 4, 2, False, id="not-all-available"),
        pytest.param(5, 5, 5, 3, 2, False, id="min-availability-not-honored"),
        pytest.param(5, 5, 5, 5, 2, True, id="complete"),
        pytest.param(5, 5, 4, 5, 2, False, id="available-but-not-updated"),
        pytest.param(1, 2, 1, 1, 2, False, id="old-pods-still-running"),
        pytest.param(1, 1, 1, 0, 2, False, id="single-replica-never-available"),
        pytest.param(5, 5, 5, 5, 1, False, id="generation-not-observed"),
    ],
)
def test_deployment_complete(r, current, updated, available, observed, complete):
    d = deployment(r, generation=2)
    st = {
        "replicas": current,
        "updatedReplicas": updated,
        "availableReplicas": available,
        "observedGeneration": observed,
    }
    assert u.deployment_complete(d, st) is complete


_OLD = {"replicas": 10, "updatedReplicas": 4, "readyReplicas": 8, "availableReplicas": 8}


@pytest.mark.parametrize(
    ("new", "progressing"),
    [
        pytest.param({**_OLD, "updatedReplicas": 5, "replicas": 11}, True, id="more-updated"),
        pytest.param({**_OLD, "replicas": 9}, True, id="fewer-old-replicas"),
        pytest.param({**_OLD, "readyReplicas": 9}, True, id="more-ready"),
        pytest.param({**_OLD, "availableReplicas": 9}, True, id="more-available"),
        pytest.param(dict(_OLD), False, id="no-change"),
        pytest.param({**_OLD, "readyReplicas": 7, "availableReplicas": 7}, False, id="worse"),
    ],
)
def test_deployment_progressing(new, progressing):
    assert u.deployment_progressing(deployment(10, status=dict(_OLD)), new) is progressing


def _at(minute: int, second: int) -> dt.datetime:
    return dt.datetime(2016, 1, 1, 0, minute, second, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("deadline", "reason", "since", "timed_out"),
    [
        pytest.param(None, "", _at(1, 9), False, id="no-deadline"),
        pytest.param(10, "", _at(1, 9), True, id="11s-past-10s-deadline"),
        pytest.param(10, "", _at(1, 11), False, id="9s-within-10s-deadline"),
        pytest.param(10, "NewReplicaSetAvailable", _at(1, 9), False, id="complete-never-times-out"),
        pytest.param(10, "ProgressDeadlineExceeded", _at(1, 19), True, id="already-timed-out"),
        pytest.param(10, "", _at(1, 10), False, id="exactly-at-deadline-is-not-past"),
    ],
)
def test_deployment_timed_out(deadline, reason, since, timed_out):
    d = deployment(1, deadline=deadline)
    cond = {
        "type": "Progressing",
        "status": "True",
        "reason": reason,
        "lastUpdateTime": ts(since),
        "lastTransitionTime": ts(since),
    }
    assert u.deployment_timed_out(d, {"conditions": [cond]}, _at(1, 20)) is timed_out


def test_set_condition_semantics():
    st: dict = {}
    u.set_condition(st, u.new_condition("Progressing", "True", "A", "first", _at(0, 0)))
    u.set_condition(st, u.new_condition("Available", "True", "X", "x", _at(0, 0)))
    # Same status and reason: no-op (message and times untouched).
    u.set_condition(st, u.new_condition("Progressing", "True", "A", "second", _at(0, 5)))
    assert st["conditions"][0]["message"] == "first"
    # Same status, new reason: replaced, moved to the end, lastTransitionTime kept.
    u.set_condition(st, u.new_condition("Progressing", "True", "B", "third", _at(0, 10)))
    assert [c["type"] for c in st["conditions"]] == ["Available", "Progressing"]
    assert st["conditions"][1] == {
        "type": "Progressing",
        "status": "True",
        "lastUpdateTime": ts(_at(0, 10)),
        "lastTransitionTime": ts(_at(0, 0)),
        "reason": "B",
        "message": "third",
    }
    # New status: both times move.
    u.set_condition(st, u.new_condition("Progressing", "False", "C", "x", _at(0, 20)))
    assert st["conditions"][1]["lastTransitionTime"] == ts(_at(0, 20))


def test_replica_set_fraction_and_rounding():
    d = deployment(10, max_surge=3, status={"replicas": 5})
    assert u.get_replica_set_fraction(replica_set("a", 2, max_replicas=7), d) == 2  # round(26/7)=4
    assert u.get_replica_set_fraction(replica_set("a", 3, max_replicas=0), d) == 5  # falls back to status.replicas 5
    assert u.round_half_away_from_zero(2.5) == 3
    assert u.round_half_away_from_zero(-2.5) == -3
    assert u.get_replica_set_fraction(replica_set("a", 3), deployment(0)) == -3
