"""Simulated nodes: registration, heartbeats and leases."""

from __future__ import annotations

import datetime as dt

from kubeferry.controllers.actions import UpdateStatus
from kubeferry.simulation import kubelet, nodes

T = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)


def test_make_node():
    node = nodes.make_node("kubeferry-node-2", 1, T)
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "kubeferry-node-2"
    assert node["metadata"]["labels"]["kubernetes.io/os"] == "linux"
    assert node["metadata"]["labels"]["kubernetes.io/arch"] == "amd64"
    assert "node.kubernetes.io/instance-type" in node["metadata"]["labels"]
    assert node["spec"]["podCIDR"] == "10.244.1.0/24"
    status = node["status"]
    assert status["addresses"] == [
        {"address": "172.18.0.3", "type": "InternalIP"},
        {"address": "kubeferry-node-2", "type": "Hostname"},
    ]
    for key in ("capacity", "allocatable"):
        assert {k: status[key][k] for k in ("cpu", "memory", "pods")} == {"cpu": "4", "memory": "16Gi", "pods": "110"}
        assert "ephemeral-storage" in status[key]
    assert status["nodeInfo"]["kubeletVersion"] == "v1.37.1"
    assert status["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "True",
        "KubeletReady",
        "kubelet is posting ready status",
    )


def test_heartbeat_refreshes_heartbeat_time_and_keeps_transition_time():
    node = nodes.make_node("n", 0, T)
    later = T + dt.timedelta(seconds=40)
    (action,) = nodes.heartbeat_actions(node, later)
    assert isinstance(action, UpdateStatus)
    conditions = {c["type"]: c for c in action.obj["status"]["conditions"]}
    assert [(k, c["status"], c["reason"], c["message"]) for k, c in conditions.items()] == [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
    assert all(c["lastHeartbeatTime"] == "2024-05-01T10:00:40Z" for c in conditions.values())
    assert all(c["lastTransitionTime"] == "2024-05-01T10:00:00Z" for c in conditions.values())
    assert node["status"]["conditions"][0]["lastHeartbeatTime"] == "2024-05-01T10:00:00Z"  # input untouched


def test_heartbeat_after_not_ready_moves_the_transition_time():
    node = nodes.make_node("n", 0, T)
    for c in node["status"]["conditions"]:
        if c["type"] == "Ready":
            c.update(status="Unknown", reason="NodeStatusUnknown")
    (action,) = nodes.heartbeat_actions(node, T + dt.timedelta(seconds=90))
    ready = next(c for c in action.obj["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["lastTransitionTime"]) == ("True", "2024-05-01T10:01:30Z")


def test_stopped_heartbeat_posts_nothing():
    node = nodes.make_node("n", 0, T)
    node["metadata"]["annotations"]["sim.kubeferry.io/heartbeat"] = "stopped"
    assert nodes.heartbeat_actions(node, T) == []


def test_lease():
    assert nodes.lease("n", T + dt.timedelta(microseconds=1500)) == {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "n", "namespace": "kube-node-lease"},
        "spec": {"holderIdentity": "n", "leaseDurationSeconds": 40, "renewTime": "2024-05-01T10:00:00.001500Z"},
    }


def test_heartbeat_posts_the_node_images_when_it_has_some():
    node = nodes.make_node("n", 0, T)
    images = [{"names": ["docker.io/library/nginx@sha256:aa", "docker.io/library/nginx:1.25"], "sizeBytes": 5}]
    (action,) = nodes.heartbeat_actions(node, T, images)
    assert action.obj["status"]["images"] == images
    (action,) = nodes.heartbeat_actions(node, T, [])
    assert "images" not in action.obj["status"]


def test_a_node_lists_its_fifty_largest_images_largest_first():
    held = kubelet.NodeImages()
    held.held["n"] = {kubelet.normalized_image(f"app{i}:v1"): T for i in range(52)}
    reported = held.status_images("n")
    sizes = sorted((kubelet.image_size(f"app{i}:v1"), f"docker.io/library/app{i}:v1") for i in range(52))[::-1]
    assert [(i["sizeBytes"], i["names"][1]) for i in reported] == sizes[:50]
    assert all(i["names"][0] == kubelet.image_id(i["names"][1]) for i in reported)
    assert held.status_images("other") == []


def reasons(events):
    return [(e.reason, e.message) for e in events]


def test_a_kubelet_starting_on_a_just_registered_node_records_its_startup_events():
    node = nodes.make_node("n1", 0, T)
    node["metadata"]["creationTimestamp"] = "2024-05-01T10:00:00Z"
    events = nodes.kubelet_events(node, starting=True, was_unschedulable=False)
    assert reasons(events) == [
        ("Starting", "Starting kubelet."),
        ("NodeAllocatableEnforced", "Updated Node Allocatable limit across pods"),
        ("NodeHasSufficientMemory", "Node n1 status is now: NodeHasSufficientMemory"),
        ("NodeHasNoDiskPressure", "Node n1 status is now: NodeHasNoDiskPressure"),
        ("NodeHasSufficientPID", "Node n1 status is now: NodeHasSufficientPID"),
        ("NodeReady", "Node n1 status is now: NodeReady"),
    ]
    assert events[0].regarding == {"kind": "Node", "name": "n1", "uid": "n1"} and events[0].type == "Normal"


def test_later_heartbeats_record_transitions_and_cordons_only():
    node = nodes.make_node("n1", 0, T)
    node["metadata"]["creationTimestamp"] = "2024-05-01T09:00:00Z"  # registered long before: a restart
    assert reasons(nodes.kubelet_events(node, starting=True, was_unschedulable=False))[2:] == []
    assert nodes.kubelet_events(node, starting=False, was_unschedulable=False) == []
    node["spec"]["unschedulable"] = True
    assert reasons(nodes.kubelet_events(node, starting=False, was_unschedulable=False)) == [
        ("NodeNotSchedulable", "Node n1 status is now: NodeNotSchedulable")
    ]
    assert nodes.kubelet_events(node, starting=False, was_unschedulable=True) == []
    node["spec"]["unschedulable"] = False
    assert reasons(nodes.kubelet_events(node, starting=False, was_unschedulable=True)) == [
        ("NodeSchedulable", "Node n1 status is now: NodeSchedulable")
    ]
    # Back from Unknown (the node controller's mark while the heartbeat stopped): NodeReady again.
    for c in node["status"]["conditions"]:
        if c["type"] == "Ready":
            c.update(status="Unknown", reason="NodeStatusUnknown")
    assert reasons(nodes.kubelet_events(node, starting=False, was_unschedulable=False)) == [
        ("NodeReady", "Node n1 status is now: NodeReady")
    ]
