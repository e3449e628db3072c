"""The label index behind a scale-down's related pods: `PodsByController.select` then `matches` finds exactly
what walking the namespace finds, in the same order, through random pods, label changes and deletions."""

from __future__ import annotations

import functools
import random

import pytest
from test_replicaset import DEPLOY_UID, new_pod, new_rs

from kubeferry.controllers import replicaset
from kubeferry.controllers.catalog import PodsByController
from kubeferry.machinery.selectors import from_label_selector
from kubeferry.machinery.status import StatusError

NAMESPACES = ("default", "other")
LABEL_KEYS = ("app", "tier", "hash", "env")
LABEL_VALUES = ("web", "db", "a", "b", "")


def _random_labels(rng: random.Random) -> dict:
    return {key: rng.choice(LABEL_VALUES) for key in LABEL_KEYS if rng.random() < 0.6}


def _random_expression(rng: random.Random) -> dict:
    operator = rng.choice(["In", "In", "NotIn", "Exists", "DoesNotExist"])
    expression: dict = {"key": rng.choice(LABEL_KEYS), "operator": operator}
    if operator in ("In", "NotIn"):
        expression["values"] = rng.sample(LABEL_VALUES, rng.choice([1, 1, 2, 3]))
    return expression


def _random_selector(rng: random.Random) -> dict | None:
    shape = rng.random()
    if shape < 0.05:
        return None  # selects nothing
    if shape < 0.12:
        return {}  # selects everything
    if shape < 0.15:
        return {"matchExpressions": [{"key": "app", "operator": "Near"}]}  # invalid: selects nothing
    selector: dict = {}
    if rng.random() < 0.8:
        selector["matchLabels"] = {key: rng.choice(LABEL_VALUES) for key in rng.sample(LABEL_KEYS, rng.randint(1, 2))}
    if rng.random() < 0.5 or not selector:
        selector["matchExpressions"] = [_random_expression(rng) for _ in range(rng.randint(1, 2))]
    return selector


def _random_pod(rng: random.Random, namespace: str, name: str) -> dict:
    pod = new_pod(name, labels={"seed": "x"}, namespace=namespace, node=rng.choice(["n1", "n2"]))
    labels = _random_labels(rng)
    if labels:
        pod["metadata"]["labels"] = labels
    else:
        del pod["metadata"]["labels"]
    roll = rng.random()
    if roll < 0.1:
        del pod["metadata"]["uid"]  # pods without a uid are never taken for one seen before
    elif roll < 0.25:
        pod["metadata"]["uid"] = f"shared-{rng.randrange(3)}"  # the first pod with a uid wins
    return pod


def _listed(live: dict) -> list[dict]:
    """What listing pods returns: sorted by namespace, then name."""
    return [live[key] for key in sorted(live)]


def _scanned(pods: list[dict], namespace: str, selector) -> list[dict]:
    return [
        p for p in pods if p["metadata"]["namespace"] == namespace and selector.matches(p["metadata"].get("labels"))
    ]


def _siblings(rng: random.Random) -> tuple[dict, list[dict]]:
    replica_sets = []
    for number in range(rng.randint(1, 4)):
        rs = new_rs(1, name=f"rs{number}", uid=f"rs{number}-uid", owner_uid=DEPLOY_UID)
        rs["spec"]["selector"] = _random_selector(rng)
        replica_sets.append(rs)
    stranger = new_rs(1, name="stranger", uid="stranger-uid", owner_uid="someone-else")
    stranger["spec"]["selector"] = {}
    replica_sets.insert(rng.randrange(len(replica_sets) + 1), stranger)
    return replica_sets[0] if replica_sets[0] is not stranger else replica_sets[1], replica_sets


@pytest.mark.parametrize("seed", range(25))
def test_indexed_related_pods_equal_the_walk_after_every_change(seed):
    rng = random.Random(seed)
    index = PodsByController()
    live: dict[tuple[str, str], dict] = {}
    compared = nonempty = 0
    for _ in range(120):
        namespace = rng.choice(NAMESPACES)
        name = f"p{rng.randrange(30):02d}"
        key = (namespace, name)
        roll = rng.random()
        if key in live and roll < 0.2:
            index.observe(live.pop(key), True)
        elif key in live and roll < 0.5:
            pod = {**live[key], "metadata": {**live[key]["metadata"], "labels": _random_labels(rng)}}
            live[key] = pod  # a relabel: a new object, as every write stores
            index.observe(pod, False)
        elif key in live and roll < 0.6:
            pod = {**live[key], "status": {"phase": rng.choice(["Running", "Succeeded"])}}
            live[key] = pod  # a status write: labels unchanged
            index.observe(pod, False)
        else:
            pod = _random_pod(rng, namespace, name)
            live[key] = pod
            index.observe(pod, False)

        pods = _listed(live)
        for _ in range(3):
            try:
                selector = from_label_selector(_random_selector(rng))
            except StatusError:
                continue
            namespace = rng.choice(NAMESPACES)
            expected = _scanned(pods, namespace, selector)
            got = [p for p in index.select(namespace, selector) if selector.matches(p["metadata"].get("labels"))]
            assert [id(p) for p in got] == [id(p) for p in expected]

        rs, replica_sets = _siblings(rng)
        in_namespace = [p for p in pods if p["metadata"]["namespace"] == "default"]
        walked = replicaset._related_pods(rs, in_namespace, replica_sets)
        indexed = replicaset._related_pods(rs, in_namespace, replica_sets, functools.partial(index.select, "default"))
        assert [id(p) for p in indexed] == [id(p) for p in walked]
        compared += 1
        nonempty += bool(walked)
    assert compared == 120 and nonempty > 20  # the comparison saw real related pods, not only empty lists


def _labels_index(index: PodsByController) -> dict:
    return {key: sorted(names) for key, names in index._labelled.items()}


def test_the_label_index_follows_relabels_and_deletions_and_keeps_no_empty_entries():
    index = PodsByController()
    a = new_pod("a", labels={"app": "web", "hash": "1"})
    b = new_pod("b", labels={"app": "web", "hash": "2"})
    index.observe(a, False)
    index.observe(b, False)
    assert _labels_index(index) == {
        ("default", "app", "web"): ["a", "b"],
        ("default", "hash", "1"): ["a"],
        ("default", "hash", "2"): ["b"],
    }
    relabelled = {**a, "metadata": {**a["metadata"], "labels": {"app": "db", "hash": "1"}}}
    index.observe(relabelled, False)
    assert _labels_index(index) == {
        ("default", "app", "web"): ["b"],
        ("default", "app", "db"): ["a"],
        ("default", "hash", "1"): ["a"],
        ("default", "hash", "2"): ["b"],
    }
    index.observe(b, True)
    unlabelled = {**a, "metadata": {k: v for k, v in a["metadata"].items() if k != "labels"}}
    index.observe(unlabelled, False)
    assert _labels_index(index) == {}
    selector = from_label_selector({})
    assert [p["metadata"]["name"] for p in index.select("default", selector)] == ["a"]
    index.observe(unlabelled, True)
    assert index.select("default", selector) == []
    assert index._pods == {} and index._labels_of == {}


def test_a_label_changed_in_place_before_the_write_is_still_reindexed():
    # The index compares against its own copy of the labels it indexed, not the previous object's dict.
    index = PodsByController()
    pod = new_pod("a", labels={"app": "web"})
    index.observe(pod, False)
    pod["metadata"]["labels"]["app"] = "db"
    index.observe(pod, False)
    assert _labels_index(index) == {("default", "app", "db"): ["a"]}


@pytest.mark.parametrize(
    ("selector", "names"),
    [
        pytest.param({"matchLabels": {"app": "web"}}, ["a", "c"], id="one equality"),
        pytest.param({"matchLabels": {"app": "web", "hash": "1"}}, ["a"], id="two equalities intersected"),
        pytest.param(
            {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}, ["a", "c"], id="In one value"
        ),
        pytest.param(
            {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "db"]}]},
            ["a", "b", "c", "d"],
            id="In two values: every pod is a candidate",
        ),
        pytest.param({"matchExpressions": [{"key": "hash", "operator": "Exists"}]}, ["a", "b", "c", "d"], id="Exists"),
        pytest.param({"matchLabels": {"app": "gone"}}, [], id="no pod carries the label"),
        pytest.param({}, ["a", "b", "c", "d"], id="empty selector"),
    ],
)
def test_select_returns_the_candidates_by_name(selector, names):
    index = PodsByController()
    for name, labels in [
        ("d", {"app": "db"}),
        ("c", {"app": "web", "hash": "2"}),
        ("b", {"app": "db", "hash": "1"}),
        ("a", {"app": "web", "hash": "1"}),
    ]:
        index.observe(new_pod(name, labels=labels), False)
    index.observe(new_pod("elsewhere", labels={"app": "web"}, namespace="other"), False)
    assert [p["metadata"]["name"] for p in index.select("default", from_label_selector(selector))] == names
