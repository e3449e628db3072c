"""Simulated nodes: what a kubelet registers (the Node), what it keeps posting (conditions, the Lease).

Owns the shape of a kubeferry node and its heartbeat, as a kubelet v1.37 writes them:

* `make_node(name, index, now)` — labels `kubernetes.io/hostname`, `kubernetes.io/os: linux`,
  `kubernetes.io/arch`, `node.kubernetes.io/instance-type`; capacity = allocatable: cpu 4, memory 16Gi,
  pods 110, ephemeral-storage 100Gi; nodeInfo (kubelet v1.37.1, containerd); addresses InternalIP
  172.18.0.0/16 + index + 2 and Hostname; `spec.podCIDR` the index-th /24 from 10.244.0.0.  Worked example: index 0 →
  172.18.0.2 and 10.244.0.0/24 (kind's numbering: .1 is the bridge).
* `heartbeat_actions(node, now, images)` — the status update with the node's images and Ready=True (`KubeletReady`, `kubelet is posting
  ready status`) and MemoryPressure/DiskPressure/PIDPressure=False with upstream's reasons and messages;
  `lastHeartbeatTime` is now, `lastTransitionTime` moves only when a status flips.  A node annotated
  `sim.kubeferry.io/heartbeat: stopped` posts nothing (so the node lifecycle controller can mark it
  NotReady).
* `kubelet_events(node, starting, was_unschedulable)` — the node events a kubelet records with a heartbeat
  (`Starting kubelet.`, NodeHasSufficientMemory … NodeReady, NodeNotSchedulable / NodeSchedulable).
* `lease(node_name, now)` — the coordination.k8s.io/v1 Lease in `kube-node-lease` (renewTime in MicroTime,
  leaseDurationSeconds 40).

Pure: no I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt
import ipaddress
from collections.abc import Mapping
from typing import Any

from kubeferry.controllers.actions import Action, RecordEvent, UpdateStatus
from kubeferry.machinery.podutil import format_time

KUBELET_VERSION = "v1.37.1"
CONTAINER_RUNTIME_VERSION = "containerd://2.1.4"
KERNEL_VERSION = "6.8.0-kubeferry"
OS_IMAGE = "Debian GNU/Linux 12 (bookworm)"
ARCHITECTURE = "amd64"
INSTANCE_TYPE = "kubeferry-sim"
CAPACITY = {
    "cpu": "4",
    "ephemeral-storage": "100Gi",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    "memory": "16Gi",
    "pods": "110",
}
NODE_NETWORK = ipaddress.ip_network("172.18.0.0/16")
FIRST_NODE_HOST = 2
# One /24 of pod addresses per node, counted up from 10.244.0.0: node 0 -> 10.244.0.0/24,
# node 255 -> 10.244.255.0/24, node 256 -> 10.245.0.0/24 (clusters past 256 nodes keep going).
POD_NETWORK_START = int(ipaddress.ip_address("10.244.0.0"))


def node_address(index: int) -> str:
    return str(NODE_NETWORK.network_address + index + FIRST_NODE_HOST)


def pod_cidr(index: int) -> str:
    return f"{ipaddress.ip_address(POD_NETWORK_START + index * 256)}/24"


KUBELET_PORT = 10250

HEARTBEAT_ANNOTATION = "sim.kubeferry.io/heartbeat"
HEARTBEAT_STOPPED = "stopped"

LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40

# (type, status, reason, message) as the kubelet posts them on a healthy node; Ready last, as upstream.
HEALTHY_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)


def node_conditions(now: _dt.datetime, previous: list[Mapping[str, Any]] | None = None) -> list[dict]:
    """The healthy conditions with lastHeartbeatTime now; lastTransitionTime kept while the status is unchanged."""
    stamp = format_time(now)
    before = {c.get("type"): c for c in previous or ()}
    conditions = []
    for kind, status, reason, message in HEALTHY_CONDITIONS:
        old = before.get(kind)
        since = old.get("lastTransitionTime") if old and old.get("status") == status else stamp
        conditions.append(
            {
                "lastHeartbeatTime": stamp,
                "lastTransitionTime": since or stamp,
                "message": message,
                "reason": reason,
                "status": status,
                "type": kind,
            }
        )
    return conditions


def make_node(name: str, index: int, now: _dt.datetime) -> dict:
    """A registered, Ready simulated Node (see the module docstring for every value)."""
    address = node_address(index)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "beta.kubernetes.io/arch": ARCHITECTURE,
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": ARCHITECTURE,
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "node.kubernetes.io/instance-type": INSTANCE_TYPE,
            },
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {"podCIDR": pod_cidr(index), "podCIDRs": [pod_cidr(index)]},
        "status": {
            "addresses": [{"address": address, "type": "InternalIP"}, {"address": name, "type": "Hostname"}],
            "allocatable": dict(CAPACITY),
            "capacity": dict(CAPACITY),
            "conditions": node_conditions(now),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": KUBELET_PORT}},
            "nodeInfo": {
                "architecture": ARCHITECTURE,
                "bootID": f"kubeferry-boot-{name}",
                "containerRuntimeVersion": CONTAINER_RUNTIME_VERSION,
                "kernelVersion": KERNEL_VERSION,
                "kubeProxyVersion": "",
                "kubeletVersion": KUBELET_VERSION,
                "machineID": f"kubeferry-machine-{name}",
                "operatingSystem": "linux",
                "osImage": OS_IMAGE,
                "systemUUID": f"kubeferry-{name}",
            },
        },
    }


def heartbeat_stopped(node: Mapping[str, Any]) -> bool:
    annotations = (node.get("metadata") or {}).get("annotations") or {}
    return annotations.get(HEARTBEAT_ANNOTATION) == HEARTBEAT_STOPPED


def heartbeat_actions(node: dict, now: _dt.datetime, images: list[dict] | None = None) -> list[Action]:
    """The kubelet's periodic node status update, with the node's `images` (`status.images`, left as it
    is when None or empty); [] when the heartbeat is stopped by annotation."""
    if heartbeat_stopped(node):
        return []
    updated = copy.deepcopy(node)
    status = updated.setdefault("status", {})
    previous = list(status.get("conditions") or ())
    others = [c for c in previous if c.get("type") not in {kind for kind, *_ in HEALTHY_CONDITIONS}]
    status["conditions"] = node_conditions(now, previous) + others
    if images:
        status["images"] = images
    return [UpdateStatus(updated)]


# The event a kubelet records when it sets a condition of its node to its healthy status (newly, or back).
CONDITION_EVENTS = {
    "MemoryPressure": "NodeHasSufficientMemory",
    "DiskPressure": "NodeHasNoDiskPressure",
    "PIDPressure": "NodeHasSufficientPID",
    "Ready": "NodeReady",
}


def kubelet_node_ref(name: str) -> dict:
    """The reference a kubelet records its node's events on: kind Node, the name, the name as uid."""
    return {"kind": "Node", "name": name, "uid": name}


def kubelet_node_event(name: str, reason: str, message: str) -> RecordEvent:
    """A Normal event the node's kubelet records on its node (with the node as the event's source)."""
    return RecordEvent(kubelet_node_ref(name), "Normal", reason, message, name)


def node_status_event(name: str, reason: str) -> RecordEvent:
    """One of the kubelet's node status events: `Node n1 status is now: NodeReady`."""
    return kubelet_node_event(name, reason, f"Node {name} status is now: {reason}")


def kubelet_events(node: Mapping[str, Any], starting: bool, was_unschedulable: bool) -> list[RecordEvent]:
    """The events the node's kubelet records with a heartbeat, as upstream's does.

    `starting`: the first heartbeat of this kubelet (the server's start): `Starting kubelet.` and the
    allocatable enforcement, and — for a node that never posted status after it was registered — the
    condition events of the registration.  Every heartbeat: a condition set back to its healthy status
    (after the node controller made it Unknown), and `NodeNotSchedulable` / `NodeSchedulable` when
    `spec.unschedulable` differs from `was_unschedulable` (cordon, uncordon)."""
    meta = node.get("metadata") or {}
    name = meta.get("name") or ""
    spec = node.get("spec") or {}
    events: list[RecordEvent] = []
    if starting:
        events.append(kubelet_node_event(name, "Starting", "Starting kubelet."))
        events.append(kubelet_node_event(name, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods"))
    created = meta.get("creationTimestamp")
    current = {c.get("type"): c for c in (node.get("status") or {}).get("conditions") or ()}
    for kind, healthy, *_ in HEALTHY_CONDITIONS:
        found = current.get(kind)
        registered_now = starting and found is not None and found.get("lastHeartbeatTime") == created
        if found is None or found.get("status") != healthy or registered_now:
            events.append(node_status_event(name, CONDITION_EVENTS[kind]))
    unschedulable = bool(spec.get("unschedulable"))
    if unschedulable != was_unschedulable:
        events.append(node_status_event(name, "NodeNotSchedulable" if unschedulable else "NodeSchedulable"))
    return events


def micro_time(now: _dt.datetime) -> str:
    """metav1.MicroTime on the wire: RFC 3339 with exactly six fractional digits, UTC (`…T10:00:00.000000Z`)."""
    moment = now if now.tzinfo else now.replace(tzinfo=_dt.UTC)
    return moment.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lease(node_name: str, now: _dt.datetime) -> dict:
    """The node's Lease as the kubelet renews it."""
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": node_name, "namespace": LEASE_NAMESPACE},
        "spec": {
            "holderIdentity": node_name,
            "leaseDurationSeconds": LEASE_DURATION_SECONDS,
            "renewTime": micro_time(now),
        },
    }
