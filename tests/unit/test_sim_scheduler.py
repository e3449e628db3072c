"""The simulated scheduler: predicates, FailedScheduling wording, resource fit, scoring and bind writes."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from kubeferry.controllers.actions import RecordEvent, UpdateObject
from kubeferry.simulation import nodes, scheduler

T = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def node(name, labels=None, taints=None, unschedulable=False, ready="True", cpu="4", memory="16Gi", pods="110"):
    n = nodes.make_node(name, 0, T)
    n["metadata"]["labels"].update(labels or {})
    if taints:
        n["spec"]["taints"] = taints
    if unschedulable:
        n["spec"]["unschedulable"] = True
    n["status"]["allocatable"].update(cpu=cpu, memory=memory, pods=pods)
    for c in n["status"]["conditions"]:
        if c["type"] == "Ready":
            c["status"] = ready
    return n


def pod(name="web", cpu=None, memory=None, node_name=None, phase="Running", **spec):
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    container = {"name": "app", "image": "nginx", "resources": {"requests": requests} if requests else {}}
    body = {"containers": [container], **spec}
    if node_name:
        body["nodeName"] = node_name
    return {
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
        "spec": body,
        "status": {"phase": phase},
    }


# --- tolerations (facts restated from upstream's toleration matching tests) ---------------------------------


@pytest.mark.parametrize(
    ("toleration", "taint", "expected"),
    [
        pytest.param(
            {"key": "foo", "operator": "Exists", "effect": "NoSchedule"},
            {"key": "foo", "value": "bar", "effect": "NoSchedule"},
            True,
            id="Exists ignores the value",
        ),
        pytest.param(
            {"key": "foo", "operator": "Equal", "value": "bar", "effect": "NoSchedule"},
            {"key": "foo", "value": "bar", "effect": "NoSchedule"},
            True,
            id="Equal with equal values",
        ),
        pytest.param(
            {"key": "foo", "value": "bar", "effect": "NoSchedule"},
            {"key": "foo", "value": "bar", "effect": "NoSchedule"},
            True,
            id="operator defaults to Equal",
        ),
        pytest.param(
            {"key": "foo", "operator": "Equal", "value": "baz", "effect": "NoSchedule"},
            {"key": "foo", "value": "bar", "effect": "NoSchedule"},
            False,
            id="Equal with other value",
        ),
        pytest.param(
            {"key": "foo", "operator": "Exists", "effect": "NoExecute"},
            {"key": "foo", "value": "bar", "effect": "NoSchedule"},
            False,
            id="other effect",
        ),
        pytest.param(
            {"key": "foo", "operator": "Exists"},
            {"key": "foo", "value": "bar", "effect": "NoExecute"},
            True,
            id="empty effect matches all",
        ),
        pytest.param(
            {"operator": "Exists"},
            {"key": "anything", "effect": "NoSchedule"},
            True,
            id="empty key with Exists matches every taint",
        ),
        pytest.param(
            {"key": "foo", "operator": "Exists"}, {"key": "bar", "effect": "NoSchedule"}, False, id="other key"
        ),
        pytest.param(
            {"key": "foo", "operator": "Equal", "effect": "NoSchedule"},
            {"key": "foo", "effect": "NoSchedule"},
            True,
            id="absent values are equal",
        ),
        pytest.param(
            {"key": "foo", "operator": "Lt", "value": "1"},
            {"key": "foo", "value": "0", "effect": "NoSchedule"},
            False,
            id="unknown operator tolerates nothing",
        ),
    ],
)
def test_toleration_tolerates_taint(toleration, taint, expected):
    assert scheduler.toleration_tolerates(toleration, taint) is expected


# --- predicates and the FailedScheduling message ------------------------------------------------------------


def test_upstream_example_message():
    cluster = [node("cp", taints=[CONTROL_PLANE_TAINT]), node("a", {"zone": "a"}), node("b", {"zone": "b"})]
    name, message = scheduler.schedule(pod(nodeSelector={"zone": "c"}), cluster, [])
    assert name is None
    assert message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: "
        "3 Preemption is not helpful for scheduling."
    )


@pytest.mark.parametrize(
    ("cluster", "the_pod", "expected"),
    [
        pytest.param(
            [node("a", unschedulable=True)],
            pod(),
            "0/1 nodes are available: 1 node(s) were unschedulable. "
            "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
            id="cordoned node",
        ),
        pytest.param(
            [node("a", ready="False")],
            pod(),
            "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. "
            "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
            id="NotReady node",
        ),
        pytest.param(
            [node("a", ready="Unknown")],
            pod(),
            "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. "
            "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
            id="unreachable node",
        ),
        pytest.param(
            [node("a", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoExecute"}])],
            pod(),
            "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. "
            "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
            id="NoExecute taint with value",
        ),
        pytest.param(
            [node("a", cpu="1"), node("b", cpu="1")],
            pod(cpu="500m"),
            "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
            "2 No preemption victims found for incoming pod.",
            id="insufficient cpu (resolvable)",
        ),
        pytest.param(
            [node("a", cpu="1")],
            pod(cpu="2", memory="32Gi"),
            "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are "
            "available: 1 Preemption is not helpful for scheduling.",
            id="request above allocatable is unresolvable",
        ),
        pytest.param(
            [node("a", pods="1")],
            pod(),
            "0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: "
            "1 No preemption victims found for incoming pod.",
            id="pods count",
        ),
        pytest.param([], pod(), "no nodes available to schedule pods", id="no nodes"),
    ],
)
def test_failure_messages(cluster, the_pod, expected):
    existing = [pod("old", cpu="600m", node_name="a"), pod("old2", cpu="600m", node_name="b")]
    assert scheduler.schedule(the_pod, cluster, existing) == (None, expected)


def test_prefer_no_schedule_taints_do_not_filter():
    cluster = [node("a", taints=[{"key": "x", "effect": "PreferNoSchedule"}])]
    assert scheduler.schedule(pod(), cluster, []) == ("a", "")


def test_tolerated_taints_and_cordon():
    tolerations = [
        {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
    ]
    cluster = [node("cp", taints=[CONTROL_PLANE_TAINT], unschedulable=True)]
    assert scheduler.schedule(pod(tolerations=tolerations), cluster, []) == ("cp", "")


def affinity(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


@pytest.mark.parametrize(
    ("terms", "fits"),
    [
        pytest.param([{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}], True, id="In"),
        pytest.param(
            [{"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a"]}]}], False, id="NotIn"
        ),
        pytest.param([{"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}], False, id="Exists"),
        pytest.param([{"matchExpressions": [{"key": "gpu", "operator": "DoesNotExist"}]}], True, id="DoesNotExist"),
        pytest.param([{"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["7"]}]}], True, id="Gt"),
        pytest.param([{"matchExpressions": [{"key": "cores", "operator": "Lt", "values": ["8"]}]}], False, id="Lt"),
        pytest.param(
            [{"matchExpressions": [{"key": "zone", "operator": "Gt", "values": ["1"]}]}],
            False,
            id="Gt on a non-integer label",
        ),
        pytest.param(
            [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["a"]}]}],
            True,
            id="matchFields metadata.name",
        ),
        pytest.param(
            [{"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["a"]}]}],
            False,
            id="matchFields NotIn",
        ),
        pytest.param(
            [
                {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z"]}]},
                {"matchExpressions": [{"key": "cores", "operator": "In", "values": ["8"]}]},
            ],
            True,
            id="terms are ORed",
        ),
        pytest.param(
            [
                {
                    "matchExpressions": [
                        {"key": "zone", "operator": "In", "values": ["a"]},
                        {"key": "cores", "operator": "In", "values": ["9"]},
                    ]
                }
            ],
            False,
            id="expressions are ANDed",
        ),
        pytest.param([{}], False, id="an empty term matches nothing"),
    ],
)
def test_required_node_affinity(terms, fits):
    cluster = [node("a", {"zone": "a", "cores": "8"})]
    name, _ = scheduler.schedule(pod(affinity=affinity(*terms)), cluster, [])
    assert (name == "a") is fits


# --- resources and scoring ----------------------------------------------------------------------------------


def test_resource_fit_counts_only_non_terminal_bound_pods():
    cluster = [node("a", cpu="1")]
    running = [pod("r", cpu="800m", node_name="a")]
    assert scheduler.schedule(pod(cpu="300m"), cluster, running)[0] is None
    done = [pod("r", cpu="800m", node_name="a", phase="Succeeded")]
    assert scheduler.schedule(pod(cpu="300m"), cluster, done) == ("a", "")


def test_pod_requests_with_init_and_sidecar_containers():
    the_pod = pod(cpu="100m")
    the_pod["spec"]["containers"].append({"name": "b", "resources": {"requests": {"cpu": "200m"}}})
    the_pod["spec"]["initContainers"] = [
        {"name": "side", "restartPolicy": "Always", "resources": {"requests": {"cpu": "50m"}}},
        {"name": "init", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
    ]
    requests = scheduler.pod_requests(the_pod)
    assert requests["cpu"] * 1000 == 550  # max(100+200+50, 50+500)
    assert requests["memory"] == 2**30


def test_least_allocated_wins_then_fewer_pods_then_name():
    cluster = [node("c"), node("a"), node("b")]
    busy = [pod("x", cpu="2", memory="8Gi", node_name="a")]
    assert scheduler.schedule(pod(cpu="1", memory="1Gi"), cluster, busy) == ("b", "")
    no_requests = [pod("y", node_name="b")]
    assert scheduler.schedule(pod(), cluster, no_requests) == ("a", "")
    assert scheduler.schedule(pod(), cluster, []) == ("a", "")


def test_round_robin_when_nodes_are_equal():
    cluster = [node("n1"), node("n2"), node("n3")]
    placed: list[dict] = []
    for i in range(6):
        name, _ = scheduler.schedule(pod(f"p{i}"), cluster, placed)
        placed.append(pod(f"p{i}", node_name=name))
    assert [p["spec"]["nodeName"] for p in placed] == ["n1", "n2", "n3", "n1", "n2", "n3"]


def test_already_bound_pod_is_skipped():
    assert scheduler.schedule(pod(node_name="z"), [node("a")], []) == ("z", "")


# --- writes -------------------------------------------------------------------------------------------------


def test_bind_actions():
    the_pod = pod("my-app-xyz")
    the_pod["metadata"]["resourceVersion"] = "7"
    update, event = scheduler.bind_actions(the_pod, "kubeferry-node-1", T)
    assert isinstance(update, UpdateObject) and update.obj["spec"]["nodeName"] == "kubeferry-node-1"
    assert update.subresource == "binding"
    assert update.obj["metadata"]["resourceVersion"] == "7"
    assert update.obj["status"]["conditions"] == [
        {"lastProbeTime": None, "lastTransitionTime": "2024-05-01T10:00:00Z", "status": "True", "type": "PodScheduled"}
    ]
    assert event == RecordEvent(
        {"apiVersion": "v1", "kind": "Pod", "namespace": "default", "name": "my-app-xyz", "uid": "uid-my-app-xyz"},
        "Normal",
        "Scheduled",
        "Successfully assigned default/my-app-xyz to kubeferry-node-1",
    )
    assert "nodeName" not in the_pod["spec"]


def test_unschedulable_actions_keep_transition_time_and_skip_unchanged_writes():
    first = scheduler.unschedulable_actions(pod(), "0/1 nodes are available: x.", T)
    status, event = first
    assert status.obj["status"]["conditions"] == [
        {
            "lastProbeTime": None,
            "lastTransitionTime": "2024-05-01T10:00:00Z",
            "message": "0/1 nodes are available: x.",
            "reason": "Unschedulable",
            "status": "False",
            "type": "PodScheduled",
        }
    ]
    assert (event.type, event.reason, event.message) == ("Warning", "FailedScheduling", "0/1 nodes are available: x.")
    again = scheduler.unschedulable_actions(status.obj, "0/1 nodes are available: x.", T + dt.timedelta(seconds=30))
    assert [type(a) for a in again] == [RecordEvent]
    changed = scheduler.unschedulable_actions(status.obj, "0/2 nodes are available: y.", T + dt.timedelta(seconds=30))
    assert changed[0].obj["status"]["conditions"][0]["lastTransitionTime"] == "2024-05-01T10:00:00Z"


@pytest.mark.parametrize(
    "allocatable, used, asked, expected",
    [
        pytest.param({"cpu": "4", "memory": "16Gi"}, ("1", "4Gi"), ("1", "4Gi"), 50, id="docstring node A"),
        pytest.param({"cpu": "4", "memory": "16Gi"}, None, ("1", "4Gi"), 75, id="docstring empty node B"),
        pytest.param(
            {"cpu": "3", "memory": "7Gi"}, None, ("250m", "1Gi"), Fraction(3725, 42), id="thirds and sevenths"
        ),
        pytest.param({"cpu": "1", "memory": "1Gi"}, ("900m", "0"), ("200m", "512Mi"), 25, id="over-full cpu scores 0"),
        pytest.param({"memory": "2Gi"}, None, ("1", "1Gi"), 25, id="no cpu allocatable counts as 0"),
        pytest.param({"cpu": "1500u", "memory": "1k"}, None, ("500u", "250"), Fraction(425, 6), id="micro and kilo"),
    ],
)
def test_least_allocated_score_is_exact(allocatable, used, asked, expected):
    def requests(cpu_memory):
        cpu, memory = cpu_memory
        return scheduler._scaled_requests(
            {"spec": {"containers": [{"resources": {"requests": {"cpu": cpu, "memory": memory}}}]}}
        )

    node_obj = {"metadata": {"name": "n", "resourceVersion": "1"}, "status": {"allocatable": allocatable}}
    assert scheduler._score(requests(asked), node_obj, requests(used) if used else {}) == expected


def test_node_loads_follow_binding_status_writes_completion_and_deletion():
    loads = scheduler.NodeLoads()
    spec = {"nodeName": "a", "containers": [{"name": "c", "resources": {"requests": {"cpu": "250m"}}}]}
    bound = {"metadata": {"uid": "u1", "resourceVersion": "1"}, "spec": spec, "status": {"phase": "Pending"}}
    loads.observe(bound, False)
    assert loads.load("a") == (1, {"cpu": 250_000_000})
    running = {**bound, "metadata": {"uid": "u1", "resourceVersion": "2"}, "status": {"phase": "Running"}}
    loads.observe(running, False)  # a status write keeps the stored spec
    assert loads.load("a") == (1, {"cpu": 250_000_000})
    moved = {**running, "spec": {**spec, "nodeName": "b"}}
    loads.observe(moved, False)
    assert loads.load("a") == (0, {"cpu": 0}) and loads.load("b") == (1, {"cpu": 250_000_000})
    done = {**moved, "status": {"phase": "Succeeded"}}
    loads.observe(done, False)
    assert loads.load("b") == (0, {"cpu": 0})
    loads.observe(moved, False)
    loads.observe(moved, True)
    assert loads.load("b") == (0, {"cpu": 0})
