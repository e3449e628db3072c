"""The simulated scheduler, kubelets and node heartbeats as controllers of the runner.

    ("scheduler", ns, pod)   an unbound pod: bind it, or mark it Unschedulable
    ("scheduler", "", "*")   a node changed: look at every unbound pod again
    ("kubelet", ns, pod)     a bound pod: play its stage profile up to now, come back when due
    ("node", "", node)       a node: post its status and renew its lease every 10 s
"""

from __future__ import annotations

from datetime import datetime

from kubeferry.client.transport import Transport
from kubeferry.controllers import identity
from kubeferry.controllers.actions import CreateObject, RequeueAfter, UpdateObject
from kubeferry.controllers.runner import Controller, Key
from kubeferry.simulation import behaviour, kubelet, nodes, scheduler

HEARTBEAT_SECONDS = 10.0
ALL_PENDING = "*"


def _pod_keys(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
    if event == "DELETED":
        return []
    meta = obj["metadata"]
    spec = obj.get("spec") or {}
    if spec.get("nodeName"):
        return [("kubelet", meta.get("namespace", ""), meta["name"])]
    if meta.get("deletionTimestamp"):
        return []
    return [("scheduler", meta.get("namespace", ""), meta["name"])]


def _freed_capacity(loads: scheduler.NodeLoads):
    def mapper(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        """Keep the node loads current; a bound pod leaving frees room, so unbound pods may fit now."""
        loads.observe(obj, event == "DELETED")
        if event == "DELETED" and (obj.get("spec") or {}).get("nodeName"):
            return [("scheduler", "", ALL_PENDING)]
        return []

    return mapper


def _node_keys(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
    keys: list[Key] = [("scheduler", "", ALL_PENDING)]
    if event != "DELETED":
        keys.append(("node", "", obj["metadata"]["name"]))
    return keys


def scheduler_sync(loads: scheduler.NodeLoads):
    def sync(namespace: str, name: str, transport: Transport, now: datetime) -> list:
        all_nodes = transport.list("v1", "Node")
        if name == ALL_PENDING:
            actions: list = []
            for pod in transport.list("v1", "Pod"):
                if not (pod.get("spec") or {}).get("nodeName") and not pod["metadata"].get("deletionTimestamp"):
                    actions.extend(_schedule_one(pod, all_nodes, loads, now))
            return actions
        pod = transport.get("v1", "Pod", namespace, name)
        if pod is None or (pod.get("spec") or {}).get("nodeName") or pod["metadata"].get("deletionTimestamp"):
            return []
        return _schedule_one(pod, all_nodes, loads, now)

    return sync


def _schedule_one(pod: dict, all_nodes: list[dict], loads: scheduler.NodeLoads, now: datetime) -> list:
    node_name, message = scheduler.schedule(pod, all_nodes, [], loads)
    if node_name:
        return scheduler.bind_actions(pod, node_name, now)
    return scheduler.unschedulable_actions(pod, message, now)


def sync_kubelet(namespace: str, name: str, transport: Transport, now: datetime) -> list:
    pod = transport.get("v1", "Pod", namespace, name)
    if pod is None:
        return []
    node_name = (pod.get("spec") or {}).get("nodeName")
    node = transport.get("v1", "Node", "", node_name) if node_name else None
    if node is None:
        return []
    rules = behaviour.rules_from_configmap(
        transport.get("v1", "ConfigMap", behaviour.SIMULATION_CONFIGMAP_NAMESPACE, behaviour.SIMULATION_CONFIGMAP_NAME)
    )
    actions, delay = kubelet.reconcile(pod, node, now, rules=rules, configmaps={}, secrets={})
    if delay is not None:
        actions.append(RequeueAfter(delay))
    return actions


def sync_node(namespace: str, name: str, transport: Transport, now: datetime) -> list:
    node = transport.get("v1", "Node", "", name)
    if node is None:
        return []
    actions = list(nodes.heartbeat_actions(node, now))
    if not nodes.heartbeat_stopped(node):
        lease = nodes.lease(name, now)
        current = transport.get("coordination.k8s.io/v1", "Lease", nodes.LEASE_NAMESPACE, name)
        if current is None:
            actions.append(CreateObject(lease))
        else:
            renewed = dict(current)
            renewed["spec"] = {**(current.get("spec") or {}), **lease["spec"]}
            actions.append(UpdateObject(renewed))
    actions.append(RequeueAfter(HEARTBEAT_SECONDS))
    return actions


def simulation_controllers() -> list[Controller]:
    loads = scheduler.NodeLoads()
    return [
        Controller(
            "scheduler",
            scheduler_sync(loads),
            {("v1", "Pod"): _freed_capacity(loads), ("v1", "Node"): _node_keys},
            component="default-scheduler",
            user=identity.SCHEDULER,
        ),
        Controller(
            "kubelet", sync_kubelet, {("v1", "Pod"): _pod_keys}, component="kubelet", user_of=identity.kubelet_of_pod
        ),
        Controller("node", sync_node, {}, component="kubelet", user_of=identity.kubelet_of_node),
    ]
