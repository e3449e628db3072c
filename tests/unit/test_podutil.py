"""Pod readiness, availability, lifecycle filters and the deletion rankings (upstream facts, restated)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from kubeferry.machinery import podutil

NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
ONE_MONTH_AGO = dt.datetime(2024, 4, 1, 12, 0, 0, tzinfo=dt.UTC)


def ts(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(**kwargs: float) -> dt.datetime:
    return NOW - dt.timedelta(**kwargs)


def pod(
    name: str,
    node: str = "node",
    phase: str = "Running",
    ready: bool | None = None,
    ready_since: dt.datetime | None = None,
    restarts: tuple[int, ...] = (),
    created: dt.datetime | None = None,
    annotations: dict | None = None,
    uid: str = "",
    deleting: bool = False,
) -> dict:
    meta: dict = {"name": name}
    if created is not None:
        meta["creationTimestamp"] = ts(created)
    if annotations:
        meta["annotations"] = annotations
    if uid:
        meta["uid"] = uid
    if deleting:
        meta["deletionTimestamp"] = ts(NOW)
    status: dict = {"phase": phase}
    if ready is not None:
        condition = {"type": "Ready", "status": "True" if ready else "False"}
        if ready_since is not None:
            condition["lastTransitionTime"] = ts(ready_since)
        status["conditions"] = [condition]
    if restarts:
        status["containerStatuses"] = [{"name": f"c{i}", "restartCount": n} for i, n in enumerate(restarts)]
    return {"metadata": meta, "spec": {"nodeName": node} if node else {}, "status": status}


# --- readiness and availability ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "ready"),
    [
        pytest.param(None, False, id="no-conditions"),
        pytest.param([{"type": "Ready", "status": "False"}], False, id="ready-false"),
        pytest.param([{"type": "Ready", "status": "Unknown"}], False, id="ready-unknown"),
        pytest.param([{"type": "Ready", "status": "True"}], True, id="ready-true"),
        pytest.param([{"type": "ContainersReady", "status": "True"}], False, id="only-containers-ready"),
        pytest.param(
            [{"type": "Ready", "status": "False"}, {"type": "Ready", "status": "True"}], False, id="first-ready-wins"
        ),
    ],
)
def test_is_pod_ready(conditions, ready):
    assert podutil.is_pod_ready({"status": {"conditions": conditions}}) is ready


@pytest.mark.parametrize(
    ("p", "min_ready", "available"),
    [
        pytest.param(pod("p", ready=True, ready_since=NOW), 0, True, id="min-ready-0-ready-now"),
        pytest.param(pod("p", ready=True), 0, True, id="min-ready-0-no-transition-time"),
        pytest.param(pod("p", ready=False, ready_since=ago(hours=1)), 0, False, id="not-ready"),
        pytest.param(pod("p", ready=True, ready_since=ago(seconds=29)), 30, False, id="ready-29s-of-30"),
        pytest.param(pod("p", ready=True, ready_since=ago(seconds=30)), 30, True, id="ready-exactly-30s-of-30"),
        pytest.param(pod("p", ready=True, ready_since=ago(seconds=31)), 30, True, id="ready-31s-of-30"),
        pytest.param(pod("p", ready=True), 30, False, id="no-transition-time-never-available"),
        pytest.param(pod("p", ready=True, ready_since=NOW), 3600, False, id="long-min-ready-seconds"),
    ],
)
def test_is_pod_available(p, min_ready, available):
    assert podutil.is_pod_available(p, min_ready, NOW) is available


def test_find_min_next_availability_check_ignores_unready_and_available_pods():
    pods = [
        pod("pod1", ready=False),
        pod("pod2", ready=True, ready_since=ago(seconds=15)),
        pod("pod3", ready=True, ready_since=ago(seconds=11)),
        pod("pod4", ready=True, ready_since=ago(seconds=10)),
        pod("pod5", ready=False),
    ]
    assert podutil.find_min_next_pod_availability_check(pods, 10, NOW) is None


def test_find_min_next_availability_check_picks_the_soonest():
    pods = [
        pod("pod1", ready=True, ready_since=ago(seconds=2)),
        pod("pod2", ready=True, ready_since=ago(seconds=4)),
        pod("pod3", ready=True, ready_since=ago(seconds=20)),
        pod("pod4", ready=False),
    ]
    assert podutil.find_min_next_pod_availability_check(pods, 10, NOW) == 6.0
    assert podutil.next_pod_availability_check(pods[0], 10, NOW) == 8.0
    assert podutil.next_pod_availability_check(pods[2], 10, NOW) is None
    assert podutil.next_pod_availability_check(pods[0], 0, NOW) is None


# --- lifecycle --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "deleting", "active", "terminating"),
    [
        pytest.param("Pending", False, True, False, id="pending"),
        pytest.param("Running", False, True, False, id="running"),
        pytest.param("Unknown", False, True, False, id="unknown"),
        pytest.param("", False, True, False, id="no-phase"),
        pytest.param("Succeeded", False, False, False, id="succeeded"),
        pytest.param("Failed", False, False, False, id="failed"),
        pytest.param("Running", True, False, True, id="running-being-deleted"),
        pytest.param("Pending", True, False, True, id="pending-being-deleted"),
        pytest.param("Succeeded", True, False, False, id="succeeded-being-deleted"),
        pytest.param("Failed", True, False, False, id="failed-being-deleted"),
    ],
)
def test_active_and_terminating(phase, deleting, active, terminating):
    p = pod("p", phase=phase, deleting=deleting)
    assert podutil.is_pod_active(p) is active
    assert podutil.is_pod_terminating(p) is terminating


def test_filter_active_pods_keeps_order():
    pods = [pod(f"pod-{i}", phase=phase) for i, phase in enumerate(["Succeeded", "Failed", "", "", ""], start=1)]
    assert [p["metadata"]["name"] for p in podutil.filter_active_pods(pods)] == ["pod-3", "pod-4", "pod-5"]


# --- deletion cost and restarts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cost"),
    [
        pytest.param(None, 0, id="absent"),
        pytest.param("10", 10, id="positive"),
        pytest.param("-5", -5, id="negative"),
        pytest.param("0", 0, id="zero"),
        pytest.param("+10", 0, id="plus-sign-invalid"),
        pytest.param("008", 0, id="leading-zero-invalid"),
        pytest.param("", 0, id="empty-invalid"),
        pytest.param("1e3", 0, id="exponent-invalid"),
        pytest.param("2147483647", 2147483647, id="int32-max"),
        pytest.param("2147483648", 0, id="above-int32-invalid"),
        pytest.param("-2147483648", -2147483648, id="int32-min"),
        pytest.param("abc", 0, id="not-a-number"),
    ],
)
def test_deletion_cost(value, cost):
    annotations = None if value is None else {podutil.POD_DELETION_COST_ANNOTATION: value}
    assert podutil.deletion_cost(pod("p", annotations=annotations)) == cost


def test_max_container_restarts_separates_sidecars():
    p = pod("p", restarts=(2, 7))
    p["spec"]["initContainers"] = [{"name": "sidecar", "restartPolicy": "Always"}, {"name": "init"}]
    p["status"]["initContainerStatuses"] = [
        {"name": "sidecar", "restartCount": 4},
        {"name": "init", "restartCount": 9},
    ]
    assert podutil.max_container_restarts(p) == (7, 4)


# --- ActivePods ordering (TestSortingActivePods) -----------------------------------------------------

ACTIVE_PODS_IN_ORDER = [
    pod("unscheduled", node="", phase="Pending"),
    pod("scheduledButPending", node="bar", phase="Pending"),
    pod("unknownPhase", node="foo", phase="Unknown"),
    pod("runningButNotReady", node="foo"),
    pod("runningNoLastTransitionTime", node="foo", ready=True, restarts=(3, 0)),
    pod("runningWithLastTransitionTime", node="foo", ready=True, ready_since=NOW, restarts=(3, 0)),
    pod("runningLongerTime", node="foo", ready=True, ready_since=ONE_MONTH_AGO, restarts=(3, 0)),
    pod("lowerContainerRestartCount", node="foo", ready=True, ready_since=ONE_MONTH_AGO, restarts=(2, 1), created=NOW),
    pod("oldest", node="foo", ready=True, ready_since=ONE_MONTH_AGO, restarts=(2, 1), created=ONE_MONTH_AGO),
]


@pytest.mark.parametrize("seed", range(20))
def test_sort_active_pods_from_any_starting_order(seed):
    shuffled = list(ACTIVE_PODS_IN_ORDER)
    random.Random(seed).shuffle(shuffled)
    got = [p["metadata"]["name"] for p in podutil.sort_active_pods(shuffled)]
    assert got == [p["metadata"]["name"] for p in ACTIVE_PODS_IN_ORDER]


# --- ActivePodsWithRanks (TestSortingActivePodsWithRanks) ---------------------------------------------

TWO_HOURS = ago(hours=2)
FIVE_HOURS = ago(hours=5)
EIGHT_HOURS = ago(hours=8)
COST = podutil.POD_DELETION_COST_ANNOTATION

UNSCHEDULED = pod("unscheduled", node="", phase="Pending")
SCHEDULED_PENDING = pod("pending", phase="Pending")
UNKNOWN_PHASE = pod("unknown-phase", phase="Unknown")
RUNNING_NOT_READY = pod("not-ready")
READY_NO_TRANSITION_TIME = pod("ready-no-last-transition-time", ready=True, restarts=(0,))
READY_NOW = pod("ready-now", ready=True, ready_since=NOW, created=NOW, restarts=(0,))
READY_THEN = pod("ready-then", ready=True, ready_since=ONE_MONTH_AGO, created=ONE_MONTH_AGO, restarts=(0,))
READY_NOW_HIGH_RESTARTS = pod("ready-high-restarts", ready=True, ready_since=NOW, created=NOW, restarts=(9001,))
READY_NOW_CREATED_THEN = pod(
    "ready-now-created-then", ready=True, ready_since=NOW, created=ONE_MONTH_AGO, restarts=(0,)
)
LOW_COST = pod("low-cost", ready=True, ready_since=NOW, created=ONE_MONTH_AGO, annotations={COST: "10"}, restarts=(0,))
HIGH_COST = pod(
    "high-cost", ready=True, ready_since=NOW, created=ONE_MONTH_AGO, annotations={COST: "100"}, restarts=(0,)
)
UNSCHEDULED_5H = pod("unscheduled-5-hours", node="", phase="Pending", created=FIVE_HOURS)
UNSCHEDULED_8H = pod("unscheduled-8-hours", node="", phase="Pending", created=EIGHT_HOURS)
READY_2H = pod("ready-2-hours", node="", ready=True, ready_since=TWO_HOURS, created=ONE_MONTH_AGO, restarts=(0,))
READY_5H = pod("ready-5-hours", node="", ready=True, ready_since=FIVE_HOURS, created=ONE_MONTH_AGO, restarts=(0,))
READY_8H = pod("ready-8-hours", node="", ready=True, ready_since=EIGHT_HOURS, created=ONE_MONTH_AGO, restarts=(0,))


@pytest.mark.parametrize(
    ("p1", "p2"),
    [
        pytest.param(UNSCHEDULED, UNSCHEDULED, id="unscheduled"),
        pytest.param(SCHEDULED_PENDING, SCHEDULED_PENDING, id="scheduled-pending"),
        pytest.param(UNKNOWN_PHASE, UNKNOWN_PHASE, id="unknown-phase"),
        pytest.param(RUNNING_NOT_READY, RUNNING_NOT_READY, id="not-ready"),
        pytest.param(READY_NOW_CREATED_THEN, READY_NOW_CREATED_THEN, id="ready-now-created-then"),
        pytest.param(READY_NOW, READY_NOW, id="ready-now"),
        pytest.param(READY_THEN, READY_THEN, id="ready-then"),
        pytest.param(READY_NOW_HIGH_RESTARTS, READY_NOW_HIGH_RESTARTS, id="ready-high-restarts"),
        pytest.param(UNSCHEDULED_5H, UNSCHEDULED_8H, id="created-5h-and-8h-share-a-log2-bucket"),
        pytest.param(READY_5H, READY_8H, id="ready-5h-and-8h-share-a-log2-bucket"),
    ],
)
def test_ranked_equality(p1, p2):
    assert not podutil.ranked_pods_less(p1, 1, p2, 1, NOW)
    assert not podutil.ranked_pods_less(p2, 1, p1, 1, NOW)


@pytest.mark.parametrize(
    ("lesser", "lesser_rank", "greater", "greater_rank"),
    [
        pytest.param(UNSCHEDULED, 1, SCHEDULED_PENDING, 2, id="unscheduled-first-despite-lower-rank"),
        pytest.param(UNSCHEDULED, 2, SCHEDULED_PENDING, 1, id="unscheduled-first"),
        pytest.param(SCHEDULED_PENDING, 1, UNKNOWN_PHASE, 2, id="pending-before-unknown"),
        pytest.param(UNKNOWN_PHASE, 1, RUNNING_NOT_READY, 2, id="unknown-before-running"),
        pytest.param(RUNNING_NOT_READY, 1, READY_NO_TRANSITION_TIME, 1, id="not-ready-before-ready"),
        pytest.param(READY_NO_TRANSITION_TIME, 1, READY_NOW, 1, id="missing-ready-time-counts-as-newest"),
        pytest.param(READY_NOW, 2, READY_NO_TRANSITION_TIME, 1, id="higher-rank-before-ready-time"),
        pytest.param(READY_NOW, 1, READY_THEN, 1, id="recently-ready-first"),
        pytest.param(READY_NOW, 2, READY_THEN, 1, id="higher-rank-and-recently-ready"),
        pytest.param(READY_NOW_HIGH_RESTARTS, 1, READY_NOW, 1, id="more-restarts-first"),
        pytest.param(READY_NOW, 2, READY_NOW_HIGH_RESTARTS, 1, id="higher-rank-before-restarts"),
        pytest.param(READY_NOW, 1, READY_NOW_CREATED_THEN, 1, id="newer-creation-first"),
        pytest.param(READY_NOW_CREATED_THEN, 2, READY_NOW, 1, id="higher-rank-before-creation"),
        pytest.param(LOW_COST, 2, HIGH_COST, 1, id="lower-deletion-cost-before-rank"),
        pytest.param(READY_2H, 1, READY_5H, 1, id="ready-2h-bucket-42-before-5h-bucket-44"),
    ],
)
def test_ranked_inequality(lesser, lesser_rank, greater, greater_rank):
    assert podutil.ranked_pods_less(lesser, lesser_rank, greater, greater_rank, NOW)
    assert not podutil.ranked_pods_less(greater, greater_rank, lesser, lesser_rank, NOW)


def test_ranked_same_bucket_ties_on_uid():
    a = pod("a", ready=True, ready_since=FIVE_HOURS, created=ONE_MONTH_AGO, uid="uid-b")
    b = pod("b", ready=True, ready_since=EIGHT_HOURS, created=ONE_MONTH_AGO, uid="uid-a")
    assert podutil.ranked_pods_less(b, 0, a, 0, NOW)
    assert not podutil.ranked_pods_less(a, 0, b, 0, NOW)


def test_ranked_without_now_compares_exact_times():
    assert podutil.ranked_pods_less(READY_5H, 1, READY_8H, 1, None)
    assert not podutil.ranked_pods_less(READY_8H, 1, READY_5H, 1, None)


def test_sidecar_restarts_break_a_tie_on_regular_restarts():
    def with_sidecar(name: str, count: int) -> dict:
        p = pod(name, ready=True, ready_since=NOW, created=NOW, restarts=(1,))
        p["spec"]["initContainers"] = [{"name": "proxy", "restartPolicy": "Always"}]
        p["status"]["initContainerStatuses"] = [{"name": "proxy", "restartCount": count}]
        return p

    assert podutil.ranked_pods_less(with_sidecar("many", 5), 0, with_sidecar("few", 1), 0, NOW)
    assert podutil.active_pods_less(with_sidecar("many", 5), with_sidecar("few", 1))


def test_sort_pods_with_ranks():
    pods = [READY_THEN, READY_NOW, RUNNING_NOT_READY, UNSCHEDULED]
    got = podutil.sort_pods_with_ranks(pods, [5, 0, 0, 0], NOW)
    assert [p["metadata"]["name"] for p in got] == ["unscheduled", "not-ready", "ready-then", "ready-now"]


# --- pods from templates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        pytest.param("web", "web-", id="plain"),
        pytest.param("web-5d9c7b5f6", "web-5d9c7b5f6-", id="deployment-replicaset"),
        pytest.param("a" * 253, "a" * 253 + "-", id="longest-valid-name-keeps-dash"),
        pytest.param("Web_1", "Web_1", id="invalid-prefix-drops-dash"),
    ],
)
def test_pods_prefix(name, prefix):
    assert podutil.pods_prefix(name) == prefix


def test_pod_from_template_copies_metadata_and_spec():
    template = {
        "metadata": {
            "labels": {"app": "web"},
            "annotations": {"a": "b"},
            "finalizers": ["example.com/keep"],
            "name": "ignored",
        },
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }
    parent = {"metadata": {"name": "web-abc", "namespace": "prod", "uid": "u"}}
    ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "u", "controller": True}
    got = podutil.pod_from_template(template, parent, ref)
    assert got == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": "web-abc-",
            "namespace": "prod",
            "labels": {"app": "web"},
            "annotations": {"a": "b"},
            "finalizers": ["example.com/keep"],
            "ownerReferences": [ref],
        },
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }
    got["spec"]["containers"][0]["image"] = "changed"
    assert template["spec"]["containers"][0]["image"] == "nginx"


# --- the ranked sort compares precomputed facts ------------------------------------------------------


def _pairwise_sorted(pods: list[dict], ranks: list[int], now: dt.datetime | None) -> list[str]:
    """The ranked order as a stable sort over `ranked_pods_less` called on the pods themselves."""
    import functools

    def compare(x, y):
        if podutil.ranked_pods_less(x[0], x[1], y[0], y[1], now):
            return -1
        if podutil.ranked_pods_less(y[0], y[1], x[0], x[1], now):
            return 1
        return 0

    pairs = sorted(zip(pods, ranks, strict=True), key=functools.cmp_to_key(compare))
    return [p["metadata"]["name"] for p, _ in pairs]


@pytest.mark.parametrize("now", [NOW, None], ids=["bucketed", "exact-times"])
@pytest.mark.parametrize("seed", range(12))
def test_sort_pods_with_ranks_matches_the_pairwise_comparator(seed, now):
    rng = random.Random(seed)
    moments = [None, ago(seconds=1), ago(hours=2), ago(hours=5), ago(hours=8), ONE_MONTH_AGO]
    pods = [
        pod(
            f"p{i}",
            node=rng.choice(["", "n1", "n2"]),
            phase=rng.choice(["Pending", "Running", "Unknown"]),
            ready=rng.choice([None, True, False]),
            ready_since=rng.choice(moments),
            restarts=rng.choice([(), (0,), (2,)]),
            created=rng.choice(moments),
            annotations=rng.choice([None, {podutil.POD_DELETION_COST_ANNOTATION: rng.choice(["-1", "5", "x"])}]),
            uid=rng.choice(["", "uid-a", "uid-b", f"uid-{i}"]),
        )
        for i in range(30)
    ]
    ranks = [rng.randint(0, 2) for _ in pods]
    got = [p["metadata"]["name"] for p in podutil.sort_pods_with_ranks(pods, ranks, now)]
    assert got == _pairwise_sorted(pods, ranks, now)


def test_same_bucket_and_same_uid_tie_keeps_input_order():
    # Ready 5 h and 8 h ago share log2 bucket 44; equal UIDs decide nothing, so the sort is stable.
    first = pod("first", ready=True, ready_since=FIVE_HOURS, created=ONE_MONTH_AGO, uid="same")
    second = pod("second", ready=True, ready_since=EIGHT_HOURS, created=ONE_MONTH_AGO, uid="same")
    assert not podutil.ranked_pods_less(first, 0, second, 0, NOW)
    assert not podutil.ranked_pods_less(second, 0, first, 0, NOW)
    got = podutil.sort_pods_with_ranks([second, first], [0, 0], NOW)
    assert [p["metadata"]["name"] for p in got] == ["second", "first"]


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        pytest.param("2024-05-01T10:00:00Z", dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC), id="utc"),
        pytest.param("2024-05-01T10:00:00", dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC), id="naive-is-utc"),
        pytest.param("not a time", None, id="unparsable"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_parse_time_twice_gives_the_same_answer(value, parsed):
    assert podutil.parse_time(value) == parsed
    assert podutil.parse_time(value) == parsed  # memoised


def test_pod_from_template_copies_are_independent():
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "args": ["a"]}]}}
    ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": "u", "controller": True}
    one = podutil.pod_from_template(template, {"metadata": {"name": "web"}}, ref)
    two = podutil.pod_from_template(template, {"metadata": {"name": "web"}}, ref)
    one["spec"]["containers"][0]["args"].append("b")
    one["metadata"]["labels"]["extra"] = "x"
    assert two["spec"]["containers"][0]["args"] == ["a"]
    assert template["spec"]["containers"][0]["args"] == ["a"]
    assert template["metadata"]["labels"] == {"app": "web"}


def _typed(value):
    """`value` with every node's exact type spelled out, so equal-but-differently-typed values differ."""
    if isinstance(value, dict):
        return (type(value).__name__, [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_typed(v) for v in value])
    return (type(value).__name__, repr(value))


class _Labels(dict):
    pass


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param({"containers": [{"name": "c", "image": "nginx", "args": ["a", "b"]}]}, id="plain"),
        pytest.param({"n": 1, "f": 1.0, "t": True, "z": None, "neg": -0.0, "big": 2**63}, id="numbers-keep-types"),
        pytest.param({"b": {"y": 1, "a": 2}, "a": []}, id="key-order"),
        pytest.param({"huge": 2**70}, id="beyond-64-bit"),
        pytest.param({"x": float("nan")}, id="nan"),
        pytest.param({"t": (1, 2)}, id="tuple"),
        pytest.param({1: "int-key"}, id="non-string-key"),
        pytest.param({"s": "\ud800"}, id="lone-surrogate"),
        pytest.param(_Labels(a="b"), id="dict-subclass"),
    ],
)
def test_pods_from_template_equal_pod_from_template_exactly(spec):
    template = {"metadata": {"labels": {"app": "web"}, "annotations": {"n": "1"}, "finalizers": ["f"]}, "spec": spec}
    parent = {"metadata": {"name": "web-abc", "namespace": "prod", "uid": "u"}}
    ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "u", "controller": True}
    one = podutil.pod_from_template(template, parent, ref)
    many = podutil.pods_from_template(template, parent, ref, 3)
    assert [_typed(p) for p in many] == [_typed(one)] * 3
    assert [list(p["metadata"]) for p in many] == [list(one["metadata"])] * 3
    many[0]["spec"]["added"] = 1
    many[0]["metadata"]["labels"]["extra"] = "x"
    many[0]["metadata"]["ownerReferences"][0]["name"] = "changed"
    assert "added" not in many[1]["spec"] and "added" not in template["spec"]
    assert many[1]["metadata"]["labels"] == template["metadata"]["labels"] == {"app": "web"}
    assert many[1]["metadata"]["ownerReferences"] == [ref] and ref["name"] == "web-abc"


def test_pods_from_template_without_namespace_or_metadata():
    ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "w", "uid": "u", "controller": True}
    many = podutil.pods_from_template({"spec": {"a": [1]}}, {"metadata": {"name": "w"}}, ref, 2)
    assert many == [podutil.pod_from_template({"spec": {"a": [1]}}, {"metadata": {"name": "w"}}, ref)] * 2
    assert podutil.pods_from_template({}, {"metadata": {"name": "w"}}, ref, 0) == []


def _first_five_rules(a: dict, rank_a: int, b: dict, rank_b: int) -> int | None:
    """Rules 1-5 of the ranking restated one by one, first deciding rule wins: -1 (a first), 1, or None."""
    node_a, node_b = podutil.node_name(a), podutil.node_name(b)
    if node_a != node_b and (not node_a or not node_b):
        return -1 if not node_a else 1
    phases = {"Pending": 0, "Unknown": 1, "Running": 2}
    phase_a, phase_b = phases.get(podutil.pod_phase(a), 0), phases.get(podutil.pod_phase(b), 0)
    if phase_a != phase_b:
        return -1 if phase_a < phase_b else 1
    ready_a, ready_b = podutil.is_pod_ready(a), podutil.is_pod_ready(b)
    if ready_a != ready_b:
        return -1 if not ready_a else 1
    cost_a, cost_b = podutil.deletion_cost(a), podutil.deletion_cost(b)
    if cost_a != cost_b:
        return -1 if cost_a < cost_b else 1
    if rank_a != rank_b:
        return -1 if rank_a > rank_b else 1
    return None


@pytest.mark.parametrize("seed", range(6))
def test_the_first_five_rules_decide_as_restated(seed):
    rng = random.Random(seed)
    pods = [
        (
            pod(
                f"p{i}",
                node=rng.choice(["", "n1", "n2"]),
                phase=rng.choice(["Pending", "Running", "Unknown", "Succeeded"]),
                ready=rng.choice([None, True, False]),
                annotations=rng.choice([None, {podutil.POD_DELETION_COST_ANNOTATION: rng.choice(["-3", "0", "7"])}]),
                created=ONE_MONTH_AGO,
            ),
            rng.randint(0, 3),
        )
        for i in range(40)
    ]
    decided = 0
    for a, rank_a in pods:
        for b, rank_b in pods:
            expected = _first_five_rules(a, rank_a, b, rank_b)
            if expected is None:
                continue
            decided += 1
            assert podutil.ranked_pods_less(a, rank_a, b, rank_b, NOW) == (expected < 0)
            assert podutil.ranked_pods_less(b, rank_b, a, rank_a, NOW) == (expected > 0)
    assert decided > 1000
