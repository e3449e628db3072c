"""Builders and a tiny fake cluster for the StatefulSet controller tests (imported by test_statefulset_*.py).

`Cluster` holds one StatefulSet with its pods, ControllerRevisions and PVCs, applies a pass's actions the
way the API server would (uids, resourceVersions, creation times; a created pod starts Pending), and lets
a test play kubelet: `ready(...)` turns pods Running+Ready, `fail(...)` marks them Failed.  `settle()`
drives passes until the controller has nothing left to write.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools

from kubeferry.controllers.actions import (
    CreateObject,
    DeleteObject,
    PatchObject,
    RecordEvent,
    RequeueAfter,
    UpdateObject,
    UpdateStatus,
)
from kubeferry.controllers.statefulset import reconcile
from kubeferry.machinery.podutil import format_time

T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
NS = "default"
SET_UID = "uid-web"


def ts(moment: dt.datetime) -> str:
    return format_time(moment)


def statefulset(
    replicas: int = 3,
    *,
    name: str = "web",
    image: str = "nginx:1",
    policy: str = "OrderedReady",
    strategy: dict | None = None,
    claims: tuple[str, ...] = (),
    retention: dict | None = None,
    min_ready: int = 0,
    start: int | None = None,
    history_limit: int = 10,
    generation: int = 1,
) -> dict:
    spec: dict = {
        "replicas": replicas,
        "serviceName": "nginx",
        "selector": {"matchLabels": {"app": name}},
        "podManagementPolicy": policy,
        "updateStrategy": strategy
        if strategy is not None
        else {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "revisionHistoryLimit": history_limit,
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "nginx", "image": image}]},
        },
    }
    if claims:
        spec["volumeClaimTemplates"] = [
            {
                "metadata": {"name": c},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }
            for c in claims
        ]
    if retention is not None:
        spec["persistentVolumeClaimRetentionPolicy"] = retention
    if min_ready:
        spec["minReadySeconds"] = min_ready
    if start is not None:
        spec["ordinals"] = {"start": start}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": NS, "uid": SET_UID, "generation": generation, "resourceVersion": "1"},
        "spec": spec,
        "status": {},
    }


def set_image(sts: dict, image: str) -> None:
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = image
    sts["metadata"]["generation"] += 1


def names(actions, kind_type, kind: str | None = None) -> list[str]:
    out = []
    for a in actions:
        if not isinstance(a, kind_type):
            continue
        if isinstance(a, DeleteObject):
            if kind is None or a.kind == kind:
                out.append(a.name)
        elif kind is None or a.obj.get("kind") == kind:
            out.append(a.obj["metadata"]["name"])
    return out


def created(actions, kind: str = "Pod") -> list[str]:
    return names(actions, CreateObject, kind)


def deleted(actions, kind: str = "Pod") -> list[str]:
    return names(actions, DeleteObject, kind)


def events(actions) -> list[tuple[str, str, str]]:
    return [(a.type, a.reason, a.message) for a in actions if isinstance(a, RecordEvent)]


def statuses(actions) -> list[dict]:
    return [a.obj["status"] for a in actions if isinstance(a, UpdateStatus)]


def requeues(actions) -> list[float]:
    return [a.seconds for a in actions if isinstance(a, RequeueAfter)]


class Cluster:
    """The API server and kubelet, as far as one StatefulSet's passes need them."""

    def __init__(self, sts: dict, *, now: dt.datetime = T0, graceful: bool = False):
        self.sts = copy.deepcopy(sts)
        self.pods: dict[str, dict] = {}
        self.revisions: dict[str, dict] = {}
        self.pvcs: dict[str, dict] = {}
        self.now = now
        self.graceful = graceful
        self._uids = itertools.count(1)
        self._rv = itertools.count(100)
        self.log: list = []

    # --- passes ---------------------------------------------------------------------------------------

    def reconcile(self) -> list:
        return reconcile(
            copy.deepcopy(self.sts),
            [copy.deepcopy(p) for p in self.pods.values()],
            [copy.deepcopy(r) for r in self.revisions.values()],
            [copy.deepcopy(c) for c in self.pvcs.values()],
            self.now,
        )

    def step(self) -> list:
        actions = self.reconcile()
        self.apply(actions)
        return actions

    def settle(self, *, ready: bool = True, max_passes: int = 50) -> list[list]:
        """Passes (each followed by the kubelet making every live pod Running+Ready) until nothing is written."""
        passes = []
        for _ in range(max_passes):
            actions = self.step()
            passes.append(actions)
            if ready:
                self.ready()
            self.finish_terminations()
            writes = [a for a in actions if not isinstance(a, RecordEvent | RequeueAfter)]
            if not writes:
                return passes
        raise AssertionError("the controller did not settle")

    # --- the API server -------------------------------------------------------------------------------

    def _store(self, kind: str) -> dict[str, dict]:
        return {"Pod": self.pods, "ControllerRevision": self.revisions, "PersistentVolumeClaim": self.pvcs}[kind]

    def apply(self, actions) -> None:
        self.log.extend(actions)
        for a in actions:
            if isinstance(a, CreateObject):
                obj = copy.deepcopy(a.obj)
                store = self._store(obj["kind"])
                name = obj["metadata"]["name"]
                assert name not in store, f"{name} already exists"
                obj["metadata"]["uid"] = f"uid-{name}-{next(self._uids)}"
                obj["metadata"]["resourceVersion"] = str(next(self._rv))
                obj["metadata"]["creationTimestamp"] = ts(self.now)
                if obj["kind"] == "Pod":
                    assert not obj["spec"].get("nodeName")
                    obj["status"] = {"phase": "Pending"}
                store[name] = obj
            elif isinstance(a, UpdateObject):
                obj = copy.deepcopy(a.obj)
                store = self._store(obj["kind"])
                obj["metadata"]["resourceVersion"] = str(next(self._rv))
                store[obj["metadata"]["name"]] = obj
            elif isinstance(a, UpdateStatus):
                self.sts["status"] = copy.deepcopy(a.obj["status"])
            elif isinstance(a, DeleteObject):
                store = self._store(a.kind)
                if a.name not in store:
                    continue
                if a.kind == "Pod" and self.graceful:
                    store[a.name]["metadata"]["deletionTimestamp"] = ts(self.now)
                else:
                    self._remove(a.kind, a.name)
            elif isinstance(a, PatchObject):
                obj = self._store(a.kind)[a.name]
                refs = obj["metadata"].setdefault("ownerReferences", [])
                for ref in a.patch["metadata"]["ownerReferences"]:
                    if ref.get("$patch") == "delete":
                        refs[:] = [r for r in refs if r["uid"] != ref["uid"]]
                    else:
                        refs.append(ref)

    def _remove(self, kind: str, name: str) -> None:
        obj = self._store(kind).pop(name)
        if kind == "Pod":  # the garbage collector: claims owned by the pod go with it
            uid = obj["metadata"]["uid"]
            for claim in list(self.pvcs.values()):
                if any(r["uid"] == uid for r in claim["metadata"].get("ownerReferences") or []):
                    del self.pvcs[claim["metadata"]["name"]]

    def finish_terminations(self) -> None:
        for name in [n for n, p in self.pods.items() if p["metadata"].get("deletionTimestamp")]:
            self._remove("Pod", name)

    # --- the kubelet --------------------------------------------------------------------------------

    def ready(self, *pod_names: str) -> None:
        for name in pod_names or list(self.pods):
            pod = self.pods[name]
            if pod["metadata"].get("deletionTimestamp") or pod["status"].get("phase") in ("Failed", "Succeeded"):
                continue
            if pod["status"].get("phase") == "Running" and not pod_names:
                continue
            pod["status"] = {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": ts(self.now)}],
            }

    def not_ready(self, *pod_names: str) -> None:
        for name in pod_names:
            self.pods[name]["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}]}

    def fail(self, name: str) -> None:
        self.pods[name]["status"] = {"phase": "Failed"}

    def pod_revisions(self) -> dict[str, str]:
        return {n: p["metadata"]["labels"]["controller-revision-hash"] for n, p in sorted(self.pods.items())}
