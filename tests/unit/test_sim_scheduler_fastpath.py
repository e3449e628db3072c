"""The scheduler's kept answers (screening per pod side and node list, NodeResourcesFit and score per
node, the asks per request, the last decision) give the plain filters' answers: seeded runs of binds
and departures over mixed nodes and pods compare every decision with `reference_schedule`, which
filters each node with `filter_node` and scores with Fractions."""

from __future__ import annotations

import copy
import datetime as dt
import random

import pytest
from test_sim_scheduler_caches import TAINT, stored_node, stored_pod

from kubeferry.simulation import scheduler

T = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)


def reference_schedule(pod, all_nodes, pods):
    """`schedule` restated with the plain per-node filter (`filter_node`) and the Fraction score."""
    feasible, failures = [], []
    for n in sorted(all_nodes, key=lambda n: n["metadata"]["name"]):
        reasons, unresolvable = scheduler.filter_node(pod, n, pods)
        if reasons:
            failures.append((reasons, unresolvable))
            continue
        on_node = [p for p in pods if p["spec"].get("nodeName") == n["metadata"]["name"]]
        score = scheduler._score(scheduler._cached_requests(pod), n, scheduler._requested(on_node))
        feasible.append((-score, len(on_node), n["metadata"]["name"]))
    if not feasible:
        return None, scheduler.fit_error_message(len(all_nodes), failures)
    return min(feasible)[2], ""


NODES = [
    stored_node("a"),
    stored_node("b", cpu="2", memory="8Gi", pods="6"),
    stored_node("c", taints=[TAINT], pods="5"),
    stored_node("d", unschedulable=True),
    stored_node("e", cpu="1500m", memory="3Gi"),
    stored_node("f", ready="False"),
    stored_node("g", pods="4"),
]
NODES[4]["metadata"]["labels"]["disk"] = "ssd"
NODES[6]["metadata"]["labels"]["tier"] = "7"

TOLERATE_DEDICATED = [{"key": "dedicated", "operator": "Exists"}]
TOLERATE_ALL = [{"operator": "Exists"}]
SSD = {"disk": "ssd"}


def affinity(operator: str, values: list) -> dict:
    term = {"matchExpressions": [{"key": "tier", "operator": operator, "values": values}]}
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}}


# (requests, extra spec) of the pods the runs draw from; equal entries stand for pods of one template.
SHAPES = [
    ({"cpu": "100m", "memory": "128Mi"}, {}),
    ({"cpu": "100m", "memory": "128Mi"}, {"tolerations": TOLERATE_DEDICATED}),
    ({"cpu": "700m"}, {}),
    ({"cpu": "1", "memory": "2Gi"}, {"nodeSelector": SSD}),
    ({"cpu": "250m"}, {"tolerations": TOLERATE_ALL}),
    ({"cpu": "50m"}, {"affinity": affinity("Gt", ["5"])}),
    ({"cpu": "50m"}, {"affinity": affinity("Gt", [5])}),  # a number: read as 5
    ({"cpu": "50m"}, {"affinity": affinity("Gt", [5.0])}),  # equal to 5, but "5.0" reads as nothing
    ({"cpu": "50m"}, {"affinity": affinity("Lt", ["8"]), "tolerations": TOLERATE_ALL}),
    ({"cpu": "100m", "example.com/gpu": "1"}, {}),
    (None, {}),
]


def spec_of(extra: dict) -> dict:
    # Each pod its own copies, as pods created from a template are.
    return {key: copy.deepcopy(value) for key, value in extra.items()}


@pytest.mark.parametrize("seed", range(16))
def test_runs_of_binds_and_departures_agree_with_the_plain_filters(seed):
    rng = random.Random(seed)
    loads = scheduler.NodeLoads()
    nodes = [n for n in NODES if rng.random() < 0.85] or NODES[:1]
    placed: list[dict] = []
    for step in range(60):
        if placed and rng.random() < 0.3:
            gone = placed.pop(rng.randrange(len(placed)))
            loads.observe(gone, True)
        requests, extra = rng.choice(SHAPES)
        pod = stored_pod(f"p{seed}-{step}", requests, version=str(step + 1), **spec_of(extra))
        expected = reference_schedule(pod, nodes, placed)
        assert scheduler.schedule(pod, nodes, [], loads) == expected, f"step {step}"
        # Asked again at once (the kept decision), then as the scan of the pods.
        assert scheduler.schedule(pod, nodes, [], loads) == expected
        assert scheduler.schedule(pod, nodes, placed) == expected
        if expected[0]:
            bound = {**pod, "spec": {**pod["spec"], "nodeName": expected[0]}, "status": {"phase": "Running"}}
            placed.append(bound)
            loads.observe(bound, False)


def test_equal_operands_of_other_types_are_not_answered_from_each_other():
    """Gt 6 (a number) reads as 6 and matches node g (tier 7); Gt 6.0 is equal but reads as nothing
    ("6.0" is no integer) and matches no node: no kept answer of one may answer the other."""
    nodes = [NODES[6]]
    loads = scheduler.NodeLoads()
    as_int = stored_pod("int", {"cpu": "50m"}, affinity=affinity("Gt", [6]))
    as_float = stored_pod("float", {"cpu": "50m"}, affinity=affinity("Gt", [6.0]))
    assert scheduler.schedule(as_int, nodes, [], loads) == ("g", "")
    assert scheduler.schedule(as_float, nodes, [], loads) == (
        None,
        "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
    )
    assert scheduler.schedule(as_int, nodes, [], loads) == ("g", "")


@pytest.mark.parametrize(
    ("requests", "extra", "expected"),
    [
        pytest.param({"cpu": "1"}, {}, {"cpu": 1_000_000_000}, id="the same template: the kept parse"),
        pytest.param({"cpu": True}, {}, {"cpu": 0}, id="a boolean equals 1 but is no quantity"),
        pytest.param({"cpu": 1.0}, {}, {"cpu": 1_000_000_000}, id="a float is read as its text"),
        pytest.param({"cpu": "1.5"}, {}, {"cpu": 1_500_000_000}, id="another quantity"),
        pytest.param(
            {"cpu": "1"},
            {"initContainers": [{"name": "i", "resources": {"requests": {"cpu": "3"}}}]},
            {"cpu": 3_000_000_000},
            id="equal containers, another init container",
        ),
        pytest.param({"cpu": "1"}, {"overhead": {"cpu": "250m"}}, {"cpu": 1_250_000_000}, id="with overhead"),
    ],
)
def test_a_new_pod_right_after_its_template_sibling(requests, extra, expected):
    """The parts of the pod parsed last answer the next pod only when its parts are equal; equal
    looking values of other types and other init containers or overhead are parsed afresh."""
    tag = f"{requests['cpu']!r}-{sorted(extra)}"
    sibling = stored_pod(f"sibling-{tag}", {"cpu": "1"})
    scheduler._cached_requests(sibling)  # parsed from its content: its parts are the last ones kept
    asked = stored_pod(f"asked-{tag}", requests, **copy.deepcopy(extra))
    assert scheduler._cached_requests(asked) == expected == scheduler._scaled_requests(asked)


@pytest.mark.parametrize(
    "affinity_value",
    [
        pytest.param({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": 5}}}),
        pytest.param({"nodeAffinity": ["not", "a", "map"]}),
        pytest.param(affinity("Gt", [6.0])),
        pytest.param(affinity("Lt", [True])),
    ],
    ids=["terms not a list", "nodeAffinity not a map", "float operand", "boolean operand"],
)
def test_odd_affinities_get_no_side_key(affinity_value):
    assert scheduler._side_key({"affinity": affinity_value}) is None


def test_plain_sides_are_kept_by_value():
    spec = {"tolerations": [{"operator": "Exists"}], "affinity": affinity("Gt", ["5"])}
    assert scheduler._side_key(spec) == scheduler._side_key(copy.deepcopy(spec)) is not None
