"""The state of one DaemonSet sync pass: the inputs, the claimed pods, and the writes decided so far.

Owns what every stage of a pass (history, manage, rolling update, cleanup, status) shares:

* the inputs — the DaemonSet (a working copy), all nodes, the namespace's pods and ControllerRevisions,
  `now`, and the runner's `FailedPodBackoff`;
* pod ownership — `daemon_pods()` claims the namespace's pods once per pass (adopting matching orphans,
  releasing owned pods that no longer match; `ownership.claim`), emitting the patches the first time a
  stage asks, as upstream's first `getDaemonPods` call would;
* `nodes_to_daemon_pods()` — claimed pods grouped by target node (`spec.nodeName`, or the node-name affinity
  of a pod not yet bound); pods that are both terminal and being deleted are left out unless asked for;
* the write log — actions in upstream's order.  A second write of one object in a pass carries no
  resourceVersion (upstream's later write builds on its own earlier result);
* `sync_nodes(deletes, node_names)` — upstream `syncNodes`: pod creates for the nodes (the current hash's
  template with node-name affinity), then pod deletes, each list cut to 250 (`BURST_REPLICAS`).  The
  executor sends the creates in slow-start batches and records SuccessfulCreate/SuccessfulDelete events.

Pure apart from the backoff object the runner passes in.
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Mapping
from typing import Any

from kubeferry.controllers import ownership
from kubeferry.controllers.actions import (
    Action,
    CreateObject,
    DeleteObject,
    PatchObject,
    RecordEvent,
    RequeueAfter,
    UpdateObject,
    UpdateStatus,
)
from kubeferry.controllers.daemonset import util as u
from kubeferry.machinery import podutil
from kubeferry.machinery.selectors import LabelSelector, from_label_selector


class DaemonSetPass:
    """One sync of one DaemonSet; stages read the inputs and append actions."""

    def __init__(
        self,
        ds: Mapping[str, Any],
        nodes: list[dict],
        pods: list[dict],
        revisions: list[dict],
        now: _dt.datetime,
        backoff: u.FailedPodBackoff | None,
    ):
        self.ds: dict = copy.deepcopy(dict(ds))
        self.ds.setdefault("metadata", {})
        self.ds.setdefault("spec", {})
        if self.ds.get("status") is None:
            self.ds["status"] = {}
        self.namespace = u.meta(self.ds).get("namespace") or ""
        self.nodes = list(nodes)
        self.pods = [p for p in pods if (u.meta(p).get("namespace") or self.namespace) == self.namespace]
        self.revisions = [r for r in revisions if (u.meta(r).get("namespace") or self.namespace) == self.namespace]
        self.now = now
        self.backoff = backoff
        self.actions: list[Action] = []
        self._written: set[tuple[str, str]] = set()
        self._claimed: list[dict] | None = None
        self._selector: LabelSelector | None = None

    # --- selector and pods ----------------------------------------------------------------------------

    @property
    def selector(self) -> LabelSelector:
        """The DaemonSet's label selector (raises StatusError when it cannot be parsed)."""
        if self._selector is None:
            self._selector = from_label_selector(u.spec(self.ds).get("selector"))
        return self._selector

    def daemon_pods(self) -> list[dict]:
        """The pods this DaemonSet controls once its claim patches succeed (claims on first use)."""
        if self._claimed is None:
            claimed, actions = ownership.claim(
                self.ds,
                u.KIND,
                u.API_VERSION,
                lambda pod: self.selector.matches(u.labels_of(pod)),
                self.pods,
                candidate_api_version=u.POD_API_VERSION,
                candidate_kind=u.POD_KIND,
            )
            for action in actions:
                self.actions.append(action)
                self._written.add((u.POD_KIND, action.name))
            self._claimed = [copy.deepcopy(p) for p in claimed]
        return self._claimed

    def nodes_to_daemon_pods(self, include_deleted_terminal: bool = False) -> dict[str, list[dict]]:
        """Claimed pods by target node, in pod order; pods without a target node are left out."""
        result: dict[str, list[dict]] = {}
        for pod in self.daemon_pods():
            if not include_deleted_terminal and podutil.is_pod_terminal(pod) and podutil.is_being_deleted(pod):
                continue
            node_name = u.get_target_node_name(pod)
            if node_name is None:
                continue
            result.setdefault(node_name, []).append(pod)
        return result

    def node_named(self, name: str) -> dict | None:
        return next((n for n in self.nodes if u.name_of(n) == name), None)

    # --- writes ---------------------------------------------------------------------------------------

    def _versioned(self, obj: Mapping[str, Any]) -> dict:
        key = (obj.get("kind") or "", u.name_of(obj))
        out = copy.deepcopy(dict(obj))
        if key in self._written:
            out.get("metadata", {}).pop("resourceVersion", None)
        self._written.add(key)
        return out

    def create(self, obj: dict) -> None:
        self._written.add((obj.get("kind") or "", u.name_of(obj)))
        self.actions.append(CreateObject(copy.deepcopy(obj)))

    def update(self, obj: Mapping[str, Any]) -> None:
        self.actions.append(UpdateObject(self._versioned(obj)))

    def update_status(self) -> None:
        self.actions.append(UpdateStatus(self._versioned(self.ds)))

    def patch(self, api_version: str, kind: str, name: str, patch: dict) -> None:
        self._written.add((kind, name))
        self.actions.append(PatchObject(api_version, kind, self.namespace, name, patch))

    def delete(self, api_version: str, kind: str, name: str) -> None:
        self.actions.append(DeleteObject(api_version, kind, self.namespace, name))

    def event(self, event_type: str, reason: str, message: str) -> None:
        self.actions.append(RecordEvent(u.object_reference(self.ds), event_type, reason, message))

    def requeue(self, seconds: float) -> None:
        self.actions.append(RequeueAfter(seconds))


def sync_nodes(p: DaemonSetPass, pods_to_delete: list[str], nodes_needing_pods: list[str], hash_: str) -> None:
    """Create a daemon pod on each node of `nodes_needing_pods`, then delete `pods_to_delete` (each ≤ 250)."""
    creates = nodes_needing_pods[: u.BURST_REPLICAS]
    deletes = pods_to_delete[: u.BURST_REPLICAS]
    if creates:
        template = u.create_pod_template(u.template_of(p.ds), u.get_template_generation(p.ds), hash_)
        for node_name in creates:
            p.create(u.new_daemon_pod(template, p.ds, node_name))
    for name in deletes:
        p.delete(u.POD_API_VERSION, u.POD_KIND, name)
