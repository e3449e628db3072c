"""The scheduler's memos give the answers of the plain filters: node views follow node versions, requests
parsed once per template content, and `schedule` agrees with `_filter` + `_score` node by node."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from kubeferry.simulation import nodes, scheduler

T = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)


def stored_node(name, version="1", taints=None, unschedulable=False, ready="True", cpu="4", memory="16Gi", pods="110"):
    """A node as the store hands it out: with a resourceVersion (so its view may be kept)."""
    n = nodes.make_node(name, 0, T)
    n["metadata"]["resourceVersion"] = version
    if taints:
        n["spec"]["taints"] = taints
    if unschedulable:
        n["spec"]["unschedulable"] = True
    n["status"]["allocatable"].update(cpu=cpu, memory=memory, pods=pods)
    for c in n["status"]["conditions"]:
        if c["type"] == "Ready":
            c["status"] = ready
    return n


def stored_pod(name, requests=None, version="1", **spec):
    container = {"name": "app", "image": "nginx", "resources": {"requests": requests} if requests else {}}
    return {
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "resourceVersion": version},
        "spec": {"containers": [container], **spec},
        "status": {"phase": "Pending"},
    }


TAINT = {"key": "dedicated", "value": "db", "effect": "NoSchedule"}


def test_a_rewritten_node_is_filtered_by_its_new_version():
    before = stored_node("a", version="5")
    assert scheduler.schedule(stored_pod("p"), [before], []) == ("a", "")
    tainted = stored_node("a", version="6", taints=[TAINT])
    assert scheduler.schedule(stored_pod("p"), [tainted], []) == (
        None,
        "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: db}. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
    )
    # The first version, still handed out by someone, keeps its own answer.
    assert scheduler.schedule(stored_pod("p"), [before], []) == ("a", "")


def test_a_node_object_replaced_at_the_same_version_is_read_again():
    scheduler.schedule(stored_pod("p"), [stored_node("b", version="7")], [])
    cordoned = stored_node("b", version="7", unschedulable=True)
    name, message = scheduler.schedule(stored_pod("p"), [cordoned], [])
    assert (name, message.split(".")[0]) == (None, "0/1 nodes are available: 1 node(s) were unschedulable")


def test_pods_of_one_template_share_one_parse():
    first = scheduler._cached_requests(stored_pod("one", {"cpu": "250m", "memory": "1Gi"}))
    second = scheduler._cached_requests(stored_pod("two", {"cpu": "250m", "memory": "1Gi"}))
    assert first == {"cpu": 250_000_000, "memory": 1_073_741_824_000_000_000}
    assert second is first


@pytest.mark.parametrize(
    ("requests", "expected"),
    [
        pytest.param({"cpu": "1"}, {"cpu": 1_000_000_000}, id="string one cpu"),
        pytest.param({"cpu": True}, {"cpu": 0}, id="a boolean is no quantity (not the cached one)"),
        pytest.param({"cpu": 1}, {"cpu": 1_000_000_000}, id="a number is read as its text"),
        pytest.param({"cpu": "1", "example.com/gpu": "2"}, {"cpu": 1_000_000_000, "example.com/gpu": 2_000_000_000}),
    ],
)
def test_requests_of_equal_looking_values_are_not_mixed(requests, expected):
    scheduler._cached_requests(stored_pod("warm", {"cpu": "1"}))  # a cached parse for the string "1"
    asked = stored_pod(f"asked-{len(requests)}-{type(requests['cpu']).__name__}", requests)
    assert scheduler._cached_requests(asked) == expected


def test_init_containers_and_sidecars_are_part_of_the_requests_content():
    plain = stored_pod("plain", {"cpu": "100m"})
    with_init = stored_pod(
        "init", {"cpu": "100m"}, initContainers=[{"name": "i", "resources": {"requests": {"cpu": "500m"}}}]
    )
    with_sidecar = stored_pod(
        "sidecar",
        {"cpu": "100m"},
        initContainers=[{"name": "s", "restartPolicy": "Always", "resources": {"requests": {"cpu": "500m"}}}],
    )
    assert [scheduler._cached_requests(p)["cpu"] for p in (plain, with_init, with_sidecar)] == [
        100_000_000,
        500_000_000,
        600_000_000,
    ]


def reference_schedule(pod, all_nodes, pods):
    """`schedule` restated with the plain per-node filter and the Fraction score."""
    feasible, failures = [], []
    for n in sorted(all_nodes, key=lambda n: n["metadata"]["name"]):
        reasons, unresolvable = scheduler.filter_node(pod, n, pods)
        if reasons:
            failures.append((reasons, unresolvable))
            continue
        on_node = [
            p
            for p in pods
            if p["spec"].get("nodeName") == n["metadata"]["name"] and p["metadata"]["uid"] != pod["metadata"]["uid"]
        ]
        used = scheduler._requested(on_node)
        score = scheduler._score(scheduler._cached_requests(pod), n, used)
        feasible.append((-score, len(on_node), n["metadata"]["name"]))
    if not feasible:
        return None, scheduler.fit_error_message(len(all_nodes), failures)
    return min(feasible)[2], ""


def bound(name, node_name, cpu):
    p = stored_pod(name, {"cpu": cpu, "memory": "1Gi"}, nodeName=node_name)
    p["status"]["phase"] = "Running"
    return p


CLUSTERS = {
    "equal nodes": [stored_node("a"), stored_node("b"), stored_node("c")],
    "uneven capacity": [
        stored_node("a", cpu="2"),
        stored_node("b", cpu="3", memory="8Gi"),
        stored_node("c", cpu="500m"),
    ],
    "taints and cordon": [
        stored_node("a", taints=[TAINT]),
        stored_node("b", unschedulable=True),
        stored_node("c", ready="False"),
        stored_node("d", cpu="1"),
    ],
    "nothing fits": [stored_node("a", cpu="1", pods="1"), stored_node("b", taints=[TAINT])],
}
LOADS = {
    "empty": [],
    "busy a": [bound("x1", "a", "1500m"), bound("x2", "a", "250m")],
    "busy b and d": [bound("y1", "b", "2"), bound("y2", "d", "900m")],
}


@pytest.mark.parametrize("load", list(LOADS), ids=list(LOADS))
@pytest.mark.parametrize("cluster", list(CLUSTERS), ids=list(CLUSTERS))
@pytest.mark.parametrize(
    "asked",
    [
        pytest.param({"cpu": "100m", "memory": "128Mi"}, id="small"),
        pytest.param({"cpu": "1", "memory": "4Gi"}, id="one cpu"),
        pytest.param({"cpu": "3"}, id="three cpus"),
        pytest.param({"cpu": "100m", "example.com/gpu": "1"}, id="extended resource"),
    ],
)
def test_schedule_agrees_with_the_plain_filters(cluster, load, asked):
    pod = stored_pod("new", asked, tolerations=[{"key": "dedicated", "operator": "Exists"}] if "gpu" in asked else [])
    expected = reference_schedule(pod, CLUSTERS[cluster], LOADS[load])
    assert scheduler.schedule(pod, CLUSTERS[cluster], LOADS[load]) == expected
    loads = scheduler.NodeLoads()
    for other in LOADS[load]:
        loads.observe(other, False)
    assert scheduler.schedule(pod, CLUSTERS[cluster], [], loads) == expected


def test_score_parts_are_the_score():
    # cpu: (3 - 1.1 - 0.7) / 3 = 40 %; memory: (7Gi - 1Gi) / 7Gi = 600/7 %; the mean is 440/7.
    n = stored_node("a", cpu="3", memory="7Gi")
    request = scheduler._scaled_requests(stored_pod("p", {"cpu": "700m", "memory": "1Gi"}))
    used = {"cpu": 1_100_000_000}
    numerator, denominator = scheduler._score_parts(request, scheduler._allocatable(n), used)
    assert Fraction(numerator, denominator) == scheduler._score(request, n, used) == Fraction(440, 7)
