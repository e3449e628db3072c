"""The scheduler's pass reads the pod and the nodes from what the change stream kept, never through the
API: the kept nodes equal a listing of the Nodes (by name, each as last stored), and a pass over a real
registry binds exactly as reading through the transport did."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from kubeferry.controllers.actions import RecordEvent, UpdateObject, UpdateStatus
from kubeferry.simulation import catalog, nodes, scheduler

T = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TERMINAL = ("Succeeded", "Failed")


def node(name: str, version: int, cordoned: bool = False) -> dict:
    n = nodes.make_node(name, 0, T)
    n["metadata"]["resourceVersion"] = str(version)
    if cordoned:
        n["spec"]["unschedulable"] = True
    return n


def pod(name: str, version: int = 1, node_name: str = "", deleting: bool = False) -> dict:
    meta = {"namespace": "default", "name": name, "uid": f"uid-{name}", "resourceVersion": str(version)}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    spec = {"containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "100m"}}}]}
    if node_name:
        spec["nodeName"] = node_name
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {"phase": "Pending"}}


class NoReads:
    """A transport that fails every call: the scheduler's pass must not read through it."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the scheduler's pass called transport.{name}")


def controllers():
    """The scheduler's sync and its two mappers, wired as `simulation_controllers` wires them."""
    found = {c.name: c for c in catalog.simulation_controllers()}["scheduler"]
    return found.reconcile, found.watches[("v1", "Pod")], found.watches[("v1", "Node")]


@pytest.mark.parametrize("seed", range(12))
def test_kept_nodes_equal_a_listing_by_name(seed):
    rng = random.Random(seed)
    known, stored = catalog.NodeCache(), {}
    names = [f"node-{i}" for i in range(7)]
    for version in range(1, 200):
        name = rng.choice(names)
        if name in stored and rng.random() < 0.25:
            known.observe(stored.pop(name), True)
        else:
            stored[name] = node(name, version, cordoned=rng.random() < 0.2)
            known.observe(stored[name], False)
        listed = known.nodes()
        assert [id(n) for n in listed] == [id(stored[k]) for k in sorted(stored)]
        assert known.nodes() is listed  # the same tuple until the next node change


def test_a_node_change_hands_out_a_new_tuple():
    known = catalog.NodeCache()
    a, b = node("b", 1), node("a", 2)
    known.observe(a, False)
    known.observe(b, False)
    first = known.nodes()
    assert first == (b, a)
    replaced = node("a", 3, cordoned=True)
    known.observe(replaced, False)
    assert known.nodes() is not first and known.nodes() == (replaced, a)
    known.observe(a, True)
    assert known.nodes() == (replaced,)


def test_pending_get_answers_what_a_read_and_the_checks_answered():
    pending = catalog.PendingPods()
    waiting, bound, leaving = pod("a"), pod("b", node_name="node-1"), pod("c", deleting=True)
    for p in (waiting, bound, leaving):
        pending.observe(p, False)
    assert pending.get("default", "a") is waiting
    assert pending.get("default", "b") is None  # bound: nothing to do
    assert pending.get("default", "c") is None  # being deleted: nothing to do
    assert pending.get("default", "missing") is None
    pending.observe(waiting, True)
    assert pending.get("default", "a") is None


def test_a_pass_binds_from_the_change_stream_alone():
    sync, pod_mapper, node_mapper = controllers()
    assert node_mapper("v1", "Node", node("node-1", 1), None, "ADDED") == [
        ("scheduler", "", catalog.ALL_PENDING),
        ("node", "", "node-1"),
    ]
    waiting = pod("web-0", version=2)
    pod_mapper("v1", "Pod", waiting, None, "ADDED")
    actions = sync("default", "web-0", NoReads(), T)
    assert [type(a) for a in actions] == [UpdateObject, RecordEvent]
    assert actions[0].obj["spec"]["nodeName"] == "node-1"
    assert actions[0].subresource == scheduler.BINDING_SUBRESOURCE
    assert actions[1].message == "Successfully assigned default/web-0 to node-1"
    # Once bound (as the change stream says), the pod is no longer the scheduler's.
    pod_mapper("v1", "Pod", pod("web-0", version=3, node_name="node-1"), waiting, "MODIFIED")
    assert sync("default", "web-0", NoReads(), T) == []


def test_a_pass_with_no_kept_nodes_marks_the_pod_unschedulable():
    sync, pod_mapper, node_mapper = controllers()
    only = node("node-1", 1, cordoned=True)
    node_mapper("v1", "Node", only, None, "ADDED")
    pod_mapper("v1", "Pod", pod("web-0"), None, "ADDED")
    actions = sync("default", "web-0", NoReads(), T)
    assert [type(a) for a in actions] == [UpdateStatus, RecordEvent]
    assert actions[1].message == (
        "0/1 nodes are available: 1 node(s) were unschedulable. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )
    node_mapper("v1", "Node", only, None, "DELETED")
    (status, event) = sync("", catalog.ALL_PENDING, NoReads(), T)
    assert event.message == scheduler.NO_NODES_MESSAGE
    condition = status.obj["status"]["conditions"][-1]
    assert (condition["reason"], condition["message"]) == ("Unschedulable", scheduler.NO_NODES_MESSAGE)


def kubelet_controller():
    found = {c.name: c for c in catalog.simulation_controllers()}["kubelet"]
    return found.reconcile, found.watches[("v1", "Pod")], found.watches[("v1", "Node")]


def test_kept_objects_answer_as_the_store():
    kept = catalog.KeptObjects()
    first, second = node("node-1", 1), node("node-1", 2)
    kept.observe(first, False)
    assert kept.get("", "node-1") is first
    kept.observe(second, False)
    assert kept.get("", "node-1") is second
    kept.observe(second, True)
    assert kept.get("", "node-1") is None
    assert kept.get("default", "node-1") is None


def test_a_kubelet_pass_plays_the_pod_from_the_change_stream_alone():
    sync, pod_mapper, node_mapper = kubelet_controller()
    assert node_mapper("v1", "Node", node("node-1", 1), None, "ADDED") == []
    bound = pod("web-0", version=3, node_name="node-1")
    assert pod_mapper("v1", "Pod", bound, None, "ADDED") == [("kubelet", "default", "web-0")]

    # The simulation ConfigMap is still read through the API (it may not exist: None).
    class ConfigMapOnly(NoReads):
        def get(self, api_version, kind, namespace, name):
            assert kind == "ConfigMap", f"the kubelet's pass read a {kind} through the API"
            return None

    actions = sync("default", "web-0", ConfigMapOnly(), T)
    status = next(a for a in actions if isinstance(a, UpdateStatus))
    assert status.obj["metadata"]["name"] == "web-0"
    assert status.obj["status"]["hostIP"] == nodes.node_address(0)
    reasons = [a.reason for a in actions if isinstance(a, RecordEvent)]
    assert reasons[:2] == ["Pulling", "Pulled"]
    # Gone from the change stream: nothing to do.
    pod_mapper("v1", "Pod", bound, None, "DELETED")
    assert sync("default", "web-0", ConfigMapOnly(), T) == []
    # A pod whose node is not (yet) kept: nothing to do, as when the read found no Node.
    pod_mapper("v1", "Pod", pod("web-1", node_name="node-9"), None, "ADDED")
    assert sync("default", "web-1", ConfigMapOnly(), T) == []


@pytest.mark.parametrize("seed", range(12))
def test_the_pod_mapper_keeps_the_unbound_pods_and_loads_as_the_store(seed):
    """Creates, binds, status writes (the spec object kept, as the registry keeps it), deletion
    marks and deletions, fed with their previous versions: the kept unbound pods equal a filtered
    listing, the loads equal a count of the bound, non-terminal pods, and the waiting pods are tried
    again exactly when a bound pod leaves (turns terminal, or is deleted while not terminal)."""
    rng = random.Random(seed)
    loads, pending = scheduler.NodeLoads(), catalog.PendingPods()
    mapper = catalog._freed_capacity(loads, pending)
    stored: dict[str, dict] = {}
    for version in range(1, 250):
        name = f"p{rng.randrange(8)}"
        old = stored.get(name)
        roll = rng.random()
        if old is None:
            new, event = pod(name, version), "ADDED"
        elif roll < 0.15:
            keys = mapper("v1", "Pod", stored.pop(name), None, "DELETED")
            # a bound pod leaves the scheduler once: when deleted, unless it left when it turned terminal
            left = old["spec"].get("nodeName") and old["status"]["phase"] not in TERMINAL
            assert keys == ([("scheduler", "", catalog.ALL_PENDING)] if left else [])
            continue
        elif roll < 0.35 and not old["spec"].get("nodeName"):
            new = {**old, "metadata": {**old["metadata"], "resourceVersion": str(version)}}
            new["spec"] = {**old["spec"], "nodeName": rng.choice(("n1", "n2"))}
            event = "MODIFIED"
        elif roll < 0.45:
            new = {**old, "metadata": {**old["metadata"], "resourceVersion": str(version)}}
            new["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
            event = "MODIFIED"
        else:  # a status write: the same spec object
            phase = rng.choice(("Pending", "Running", "Running", "Succeeded", "Failed"))
            new = {**old, "metadata": {**old["metadata"], "resourceVersion": str(version)}, "status": {"phase": phase}}
            event = "MODIFIED"
        keys = mapper("v1", "Pod", new, old, event)
        turned = new["status"]["phase"] in TERMINAL and (old is None or old["status"]["phase"] not in TERMINAL)
        left = old is not None and new["spec"].get("nodeName") and turned
        assert keys == ([("scheduler", "", catalog.ALL_PENDING)] if left else [])
        stored[name] = new
        unbound = [
            p
            for _, p in sorted(stored.items())
            if not p["spec"].get("nodeName")
            and not p["metadata"].get("deletionTimestamp")
            and p["status"]["phase"] not in TERMINAL
        ]
        assert pending.pods() == unbound
        counted = [p for p in stored.values() if p["spec"].get("nodeName") and p["status"]["phase"] not in TERMINAL]
        for node_name in ("n1", "n2"):
            on_node = [p for p in counted if p["spec"]["nodeName"] == node_name]
            assert loads.count.get(node_name, 0) == len(on_node)
            assert loads.used.get(node_name, {}).get("cpu", 0) == 100_000_000 * len(on_node)


class _StoreReads:
    """A transport whose get reads a dict of pods (what identity.kubelet_of_pod reads through the API)."""

    def __init__(self, pods: dict) -> None:
        self.pods = pods

    def get(self, api_version, kind, namespace, name):
        assert (api_version, kind) == ("v1", "Pod")
        return self.pods.get((namespace, name))


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param({"nodeName": "node-a"}, id="bound"),
        pytest.param({}, id="unbound"),
        pytest.param(None, id="gone"),
    ],
)
def test_the_kubelet_a_pass_runs_as_comes_from_the_kept_pods_as_from_a_read(spec):
    from kubeferry.controllers import identity

    kept = catalog.KeptObjects()
    pods = {}
    if spec is not None:
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": spec}
        kept.observe(pod, False)
        pods[("ns", "p")] = pod
    user_of = catalog._kubelet_of_kept(kept)
    expected = identity.kubelet_of_pod("ns", "p", _StoreReads(pods))
    assert user_of("ns", "p", None) == expected
    assert (expected is None) == (spec is None or "nodeName" not in spec)
