"""Builders and a tiny fake cluster shared by the Deployment controller tests (no tests of its own)."""

from __future__ import annotations

import copy
import datetime as dt

from kubeferry.controllers.actions import CreateObject, DeleteObject, RecordEvent, UpdateObject, UpdateStatus
from kubeferry.controllers.deployment import reconcile
from kubeferry.controllers.deployment import util as u
from kubeferry.machinery.names import compute_template_hash

UTC = dt.UTC
NOW = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
T0 = dt.datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)
D_UID = "uid-foo"


def ts(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def template(image: str = "nginx:1", name: str = "foo") -> dict:
    return {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": image}]}}


def deployment(
    replicas: int = 10,
    *,
    name: str = "foo",
    image: str = "nginx:1",
    max_surge: int | str | None = 0,
    max_unavailable: int | str | None = 0,
    strategy: str = "RollingUpdate",
    history: int | None = None,
    deadline: int | None = None,
    generation: int = 1,
    status: dict | None = None,
    annotations: dict | None = None,
    paused: bool = False,
    min_ready: int = 0,
) -> dict:
    spec: dict = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": name}},
        "template": template(image, name),
        "strategy": {"type": strategy},
    }
    if strategy == "RollingUpdate":
        spec["strategy"]["rollingUpdate"] = {"maxSurge": max_surge, "maxUnavailable": max_unavailable}
    if history is not None:
        spec["revisionHistoryLimit"] = history
    if deadline is not None:
        spec["progressDeadlineSeconds"] = deadline
    if paused:
        spec["paused"] = True
    if min_ready:
        spec["minReadySeconds"] = min_ready
    meta: dict = {
        "name": name,
        "namespace": "default",
        "uid": D_UID,
        "generation": generation,
        "resourceVersion": "100",
    }
    if annotations:
        meta["annotations"] = dict(annotations)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec, "status": status or {}}


def replica_set(
    name: str,
    replicas: int,
    *,
    image: str | None = None,
    created: dt.datetime = T0,
    available: int = 0,
    status_replicas: int | None = None,
    owner: str | None = D_UID,
    revision: str | None = None,
    annotations: dict | None = None,
    app: str = "foo",
    desired: int | None = None,
    max_replicas: int | None = None,
) -> dict:
    """A ReplicaSet of Deployment `foo`; `image` None gives a template no Deployment in the tests uses."""
    tpl = template(image or f"old/{name}", app)
    h = "h" + name.replace("-", "")
    tpl["metadata"]["labels"][u.POD_TEMPLATE_HASH_LABEL] = h
    ann = dict(annotations or {})
    if revision is not None:
        ann[u.REVISION_ANNOTATION] = revision
    if desired is not None:
        ann[u.DESIRED_REPLICAS_ANNOTATION] = str(desired)
    if max_replicas is not None:
        ann[u.MAX_REPLICAS_ANNOTATION] = str(max_replicas)
    meta: dict = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "resourceVersion": "7",
        "creationTimestamp": ts(created),
        "labels": {"app": app, u.POD_TEMPLATE_HASH_LABEL: h},
    }
    if ann:
        meta["annotations"] = ann
    if owner:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": "foo",
                "uid": owner,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": app, u.POD_TEMPLATE_HASH_LABEL: h}},
            "template": tpl,
        },
        "status": {
            "replicas": replicas if status_replicas is None else status_replicas,
            "readyReplicas": available,
            "availableReplicas": available,
        },
    }


def new_rs_name(d: dict) -> str:
    return "foo-" + compute_template_hash(d["spec"]["template"], d["status"].get("collisionCount"))


def kinds(actions: list) -> list[str]:
    return [type(a).__name__ for a in actions]


def events(actions: list) -> list[tuple[str, str, str]]:
    return [(a.type, a.reason, a.message) for a in actions if isinstance(a, RecordEvent)]


def rs_updates(actions: list) -> list[tuple[str, int]]:
    return [
        (a.obj["metadata"]["name"], a.obj["spec"]["replicas"])
        for a in actions
        if isinstance(a, UpdateObject) and a.obj["kind"] == "ReplicaSet"
    ]


def last_status(actions: list) -> dict | None:
    statuses = [a.obj["status"] for a in actions if isinstance(a, UpdateStatus)]
    return statuses[-1] if statuses else None


class FakeCluster:
    """Applies actions to an in-memory Deployment + ReplicaSets; `settle_pods` plays the ReplicaSet controller."""

    def __init__(self, d: dict, rss: list[dict], now: dt.datetime = NOW):
        self.d = copy.deepcopy(d)
        self.rss = {r["metadata"]["name"]: copy.deepcopy(r) for r in rss}
        self.now = now
        self.events: list[str] = []

    def sync(self, advance: float = 0.0) -> list:
        self.now += dt.timedelta(seconds=advance)
        actions = reconcile(copy.deepcopy(self.d), [copy.deepcopy(r) for r in self.rss.values()], [], self.now)
        self.apply(actions)
        return actions

    def apply(self, actions: list) -> None:
        for a in actions:
            if isinstance(a, CreateObject):
                obj = copy.deepcopy(a.obj)
                obj["metadata"].update(
                    uid="uid-" + obj["metadata"]["name"], creationTimestamp=ts(self.now), resourceVersion="1"
                )
                obj["status"] = {}
                self.rss[obj["metadata"]["name"]] = obj
            elif isinstance(a, UpdateObject) and a.obj["kind"] == "ReplicaSet":
                obj = copy.deepcopy(a.obj)
                obj["status"] = self.rss[obj["metadata"]["name"]].get("status", {})
                self.rss[obj["metadata"]["name"]] = obj
            elif isinstance(a, UpdateObject):
                obj = copy.deepcopy(a.obj)
                obj["status"] = self.d["status"]
                self.d = obj
            elif isinstance(a, UpdateStatus):
                # The Deployment status strategy keeps spec and labels but takes annotations (as upstream).
                self.d["status"] = copy.deepcopy(a.obj["status"])
                self.d["metadata"]["annotations"] = copy.deepcopy(a.obj["metadata"].get("annotations"))
            elif isinstance(a, DeleteObject):
                self.rss.pop(a.name)
            elif isinstance(a, RecordEvent):
                self.events.append(a.message)

    def settle_pods(self, available: dict[str, int] | None = None) -> None:
        """Every RS runs spec.replicas pods; `available` caps how many of an RS's pods are available."""
        for name, rs in self.rss.items():
            n = rs["spec"]["replicas"]
            avail = n if available is None or name not in available else min(n, available[name])
            rs["status"] = {"replicas": n, "readyReplicas": avail, "availableReplicas": avail, "observedGeneration": 1}

    def sizes(self) -> dict[str, int]:
        return {name: rs["spec"]["replicas"] for name, rs in self.rss.items()}
