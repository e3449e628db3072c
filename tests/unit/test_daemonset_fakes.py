"""Builders and a tiny fake cluster shared by the DaemonSet tests (applies actions, binds, marks pods ready; no tests here)."""

from __future__ import annotations

import copy
import datetime as dt

from kubeferry.controllers import daemonset
from kubeferry.controllers.actions import CreateObject, DeleteObject, PatchObject, UpdateObject, UpdateStatus
from kubeferry.controllers.daemonset import util as u

NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
NS = "default"
DS_UID = "ds-uid"
LABELS = {"app": "agent"}


def ts(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_ds(
    *,
    name: str = "agent",
    image: str = "agent:1",
    strategy: dict | None = None,
    node_selector: dict | None = None,
    tolerations: list | None = None,
    affinity: dict | None = None,
    host_network: bool = False,
    min_ready: int = 0,
    generation: int = 1,
    history_limit: int | None = None,
    status: dict | None = None,
    annotations: dict | None = None,
) -> dict:
    pod_spec: dict = {"containers": [{"name": "agent", "image": image}], "restartPolicy": "Always"}
    if node_selector:
        pod_spec["nodeSelector"] = node_selector
    if tolerations:
        pod_spec["tolerations"] = tolerations
    if affinity:
        pod_spec["affinity"] = affinity
    if host_network:
        pod_spec["hostNetwork"] = True
    spec: dict = {
        "selector": {"matchLabels": dict(LABELS)},
        "template": {"metadata": {"labels": dict(LABELS)}, "spec": pod_spec},
        "updateStrategy": strategy or {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
    }
    if min_ready:
        spec["minReadySeconds"] = min_ready
    if history_limit is not None:
        spec["revisionHistoryLimit"] = history_limit
    meta: dict = {
        "name": name,
        "namespace": NS,
        "uid": DS_UID,
        "generation": generation,
        "resourceVersion": "10",
        "annotations": {u.DEPRECATED_TEMPLATE_GENERATION_ANNOTATION: str(generation), **(annotations or {})},
    }
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta, "spec": spec, "status": status or {}}


def new_node(name: str, *, labels: dict | None = None, taints: list | None = None, unschedulable: bool = False) -> dict:
    node: dict = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or {}}, "spec": {}}
    if taints:
        node["spec"]["taints"] = taints
    if unschedulable:
        node["spec"]["unschedulable"] = True
    return node


def owner_ref(ds: dict) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "name": ds["metadata"]["name"],
        "uid": ds["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def new_pod(
    name: str,
    node: str,
    *,
    ds: dict | None = None,
    hash_: str = "old",
    phase: str = "Running",
    ready: bool = True,
    ready_since: dt.datetime | None = None,
    created: dt.datetime | None = None,
    deleting: bool = False,
    bound: bool = True,
    labels: dict | None = None,
) -> dict:
    meta: dict = {
        "name": name,
        "namespace": NS,
        "uid": name + "-uid",
        "labels": labels if labels is not None else {**LABELS, u.DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY: hash_},
        "creationTimestamp": ts(created or NOW - dt.timedelta(hours=1)),
    }
    if ds is not None:
        meta["ownerReferences"] = [owner_ref(ds)]
    if deleting:
        meta["deletionTimestamp"] = ts(NOW)
    spec: dict = {"containers": [{"name": "agent", "image": "agent:0"}]}
    if bound:
        spec["nodeName"] = node
    else:
        spec["affinity"] = u.replace_node_name_affinity(None, node)
    status: dict = {"phase": phase}
    if ready:
        since = ready_since or NOW - dt.timedelta(hours=1)
        status["conditions"] = [{"type": "Ready", "status": "True", "lastTransitionTime": ts(since)}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


class FakeCluster:
    """Holds one DaemonSet, nodes, pods and revisions; `sync()` runs reconcile and applies its actions."""

    def __init__(
        self, ds: dict, nodes: list[dict], pods: list[dict] | None = None, revisions: list[dict] | None = None
    ):
        self.ds = copy.deepcopy(ds)
        self.nodes = nodes
        self.pods: dict[str, dict] = {p["metadata"]["name"]: p for p in pods or []}
        self.revisions: dict[str, dict] = {r["metadata"]["name"]: r for r in revisions or []}
        self.now = NOW
        self.counter = 0
        self.backoff = daemonset.FailedPodBackoff()

    def sync(self) -> list:
        actions = daemonset.reconcile(
            copy.deepcopy(self.ds),
            self.nodes,
            copy.deepcopy(list(self.pods.values())),
            copy.deepcopy(list(self.revisions.values())),
            self.now,
            failed_pod_backoff=self.backoff,
        )
        for action in actions:
            self.apply(action)
        return actions

    def apply(self, action) -> None:
        if isinstance(action, CreateObject):
            obj = copy.deepcopy(action.obj)
            meta = obj["metadata"]
            self.counter += 1
            if not meta.get("name"):
                meta["name"] = f"{meta['generateName']}{self.counter:05d}"
            meta["uid"] = meta["name"] + "-uid"
            meta["creationTimestamp"] = ts(self.now + dt.timedelta(microseconds=self.counter))
            if obj["kind"] == "Pod":
                obj["status"] = {"phase": "Pending"}
                self.pods[meta["name"]] = obj
            else:
                self.revisions[meta["name"]] = obj
        elif isinstance(action, UpdateObject):
            self.revisions[action.obj["metadata"]["name"]] = copy.deepcopy(action.obj)
        elif isinstance(action, UpdateStatus):
            self.ds["status"] = copy.deepcopy(action.obj["status"])
        elif isinstance(action, PatchObject):
            target = self.pods if action.kind == "Pod" else self.revisions
            labels = action.patch.get("metadata", {}).get("labels")
            if labels and action.name in target:
                target[action.name]["metadata"].setdefault("labels", {}).update(labels)
        elif isinstance(action, DeleteObject):
            (self.pods if action.kind == "Pod" else self.revisions).pop(action.name, None)

    def kubelet(self, ready: bool = True) -> None:
        """Bind unbound pods to their target node and run them (Ready now when `ready`)."""
        for pod in self.pods.values():
            if not pod["spec"].get("nodeName"):
                pod["spec"]["nodeName"] = u.get_target_node_name(pod)
            if pod["status"].get("phase") == "Pending":
                pod["status"]["phase"] = "Running"
                if ready:
                    pod["status"]["conditions"] = [
                        {"type": "Ready", "status": "True", "lastTransitionTime": ts(self.now)}
                    ]

    def set_image(self, image: str) -> None:
        generation = self.ds["metadata"]["generation"] + 1
        self.ds["metadata"]["generation"] = generation
        self.ds["metadata"]["annotations"][u.DEPRECATED_TEMPLATE_GENERATION_ANNOTATION] = str(generation)
        self.ds["spec"]["template"]["spec"]["containers"][0]["image"] = image

    def current_hash(self) -> str:
        owned = [r for r in self.revisions.values()]
        newest = max(owned, key=lambda r: r["revision"])
        return newest["metadata"]["labels"][u.DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY]

    def images_by_node(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for pod in sorted(self.pods.values(), key=lambda p: p["metadata"]["name"]):
            node = pod["spec"].get("nodeName") or u.get_target_node_name(pod)
            result.setdefault(node, []).append(pod["spec"]["containers"][0]["image"])
        return dict(sorted(result.items()))
