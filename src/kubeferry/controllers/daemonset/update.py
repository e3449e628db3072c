"""DaemonSet revisions and rolling updates (upstream `pkg/controller/daemon/update.go`).

**History** (`construct_history`), every sync before anything else:

1. Claim the namespace's ControllerRevisions by the DaemonSet's selector (adopt orphans, release strays).
2. A claimed revision without the `controller-revision-hash` label gets it, set to the revision's *name*
   (no hashing, so no collision can arise) — an UpdateObject.
3. A revision is *current* when its data equals the DaemonSet's revision data byte for byte
   (`history.revision_data` of `spec.template`); the rest are *old*.
4. No current revision → create `<ds-name>-<hash>` where hash = pod-template-hash of the template and
   `status.collisionCount` (`machinery.names.compute_template_hash`), labels = template labels +
   `controller-revision-hash: <hash>`, annotations = the DaemonSet's, revision = max(old) + 1.  If that
   name is taken by a revision with the same data, that one is used; with other data it is a hash
   collision: `status.collisionCount` += 1 is written and the pass stops (the status change resyncs it).
5. Several current revisions → keep the one with the highest number (the last such in list order),
   relabel claimed pods whose hash label differs to its hash (a label patch), delete the others.
6. A current revision numbered below max(old) + 1 is renumbered to it: rolling back to an old template
   makes that revision the newest.  Worked example: revisions 1 (template A), 2 (B), 3 (C); the template
   goes back to A → revision 1 is rewritten as revision 4, its hash (and the pods') unchanged.

**Cleanup** (`cleanup_history`, after manage and the rolling update): `toKill = len(old) −
revisionHistoryLimit`; old revisions are walked by revision ascending, those whose hash labels a claimed
pod (terminal ones too) are skipped, the rest deleted until toKill reaches 0.

**Rolling update** (`rolling_update`, strategy RollingUpdate, only when manage wrote nothing this pass —
upstream's expectations are unsatisfied after any create or delete).  `desired` counts nodes that should
run the pod; nodes that should but have no pod join the map with no pods.  maxSurge and maxUnavailable
scale `desired` rounding up; when both come to 0 (and desired > 0), maxUnavailable is 1.  Pods being
deleted are ignored when classifying a node; a node with two old or two new pods is left to manage.
Nodes are visited by name.

* No surge.  A node with two of a kind, no pod, or both an old and a new pod counts as unavailable; a lone
  new pod counts when not available; a lone old pod that is not available is deleted at once (and counts);
  an available one is a candidate while `numUnavailable < maxUnavailable`.  Deleted: the unavailable old
  pods plus the first `min(max(0, maxUnavailable − numUnavailable), candidates)` candidates.  Worked
  example: 5 nodes, all old and available, maxUnavailable 2 → 2 old pods deleted; manage recreates them at
  the new hash; while they start, numUnavailable = 2 and nothing more is deleted.
* Surge.  A node with two of a kind counts as surging; a lone old pod that is not available gets a new pod
  at once (or, if the node should not run the pod any more, the old pod is deleted); an available lone old
  pod on a node that should no longer run it waits for deletion (below), otherwise it is a candidate while
  `numSurge < maxSurge`; old + new: new not available → surging, else the old pod is deleted.  New pods go to
  the immediate nodes plus the first `min(max(0, maxSurge − numSurge), candidates)` candidates.  Old pods on
  nodes that should not run the pod are deleted only while more pods are available than desired (at most
  `numAvailable − desired` of them), so availability never drops.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from kubeferry.controllers import history, ownership
from kubeferry.controllers.daemonset import util as u
from kubeferry.controllers.daemonset.state import DaemonSetPass, sync_nodes
from kubeferry.machinery import podutil
from kubeferry.machinery.names import compute_template_hash

DEFAULT_REVISION_HISTORY_LIMIT = 10


class HistoryCollision(Exception):
    """The revision name is taken by different data: collisionCount was bumped, the pass must stop."""


class MissingNode(Exception):
    """A rolling update met pods for a node that is not in the node list (upstream returns an error)."""


# --- revisions ------------------------------------------------------------------------------------------


def patch_data(ds: Mapping[str, Any]) -> dict:
    """The DaemonSet's revision data (`{"spec": {"template": {"$patch": "replace", ...}}}`)."""
    return history.revision_data(u.template_of(ds))


def match(ds: Mapping[str, Any], revision: Mapping[str, Any]) -> bool:
    """The revision holds exactly the DaemonSet's current template (byte-equal data)."""
    return history.serialize_revision_data(patch_data(ds)) == history.data_bytes(revision)


def revision_hash(revision: Mapping[str, Any]) -> str:
    return u.labels_of(revision).get(u.DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY, "")


def controlled_histories(p: DaemonSetPass) -> list[dict]:
    """Claim the namespace's revisions for the DaemonSet; returns copies of the claimed ones."""
    claimed, actions = ownership.claim(
        p.ds,
        u.KIND,
        u.API_VERSION,
        lambda r: p.selector.matches(u.labels_of(r)),
        p.revisions,
        candidate_api_version=history.API_VERSION,
        candidate_kind=history.KIND,
    )
    for action in actions:
        p.actions.append(action)
        p._written.add((history.KIND, action.name))
    return [copy.deepcopy(r) for r in claimed]


def construct_history(p: DaemonSetPass) -> tuple[dict, list[dict]]:
    """(current revision, old revisions) after creating, relabelling, deduplicating or renumbering."""
    current: list[dict] = []
    old: list[dict] = []
    for revision in controlled_histories(p):
        labels = u.labels_of(revision)
        if u.DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY not in labels:
            revision.setdefault("metadata", {})["labels"] = {
                **labels,
                u.DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY: u.name_of(revision),
            }
            revision.setdefault("kind", history.KIND)
            revision.setdefault("apiVersion", history.API_VERSION)
            p.update(revision)
        (current if match(p.ds, revision) else old).append(revision)

    wanted = history.max_revision(old) + 1
    if not current:
        return snapshot(p, wanted), old
    cur = dedup_current_histories(p, current)
    if history.revision_number(cur) < wanted:
        cur = history.renumbered(cur, wanted)
        cur.setdefault("kind", history.KIND)
        cur.setdefault("apiVersion", history.API_VERSION)
        p.update(cur)
    return cur, old


def new_revision(ds: Mapping[str, Any], revision: int) -> dict:
    """The ControllerRevision for the DaemonSet's current template (name `<ds>-<pod-template-hash>`)."""
    template = u.template_of(ds)
    hash_ = compute_template_hash(dict(template), u.status(ds).get("collisionCount"))
    ds_meta = u.meta(ds)
    metadata: dict[str, Any] = {
        "name": f"{ds_meta.get('name', '')}-{hash_}",
        "namespace": ds_meta.get("namespace", ""),
        "labels": {**(u.labels_of(template)), u.DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY: hash_},
        "ownerReferences": [ownership.new_controller_ref(ds, u.API_VERSION, u.KIND)],
    }
    if ds_meta.get("annotations"):
        metadata["annotations"] = dict(ds_meta["annotations"])
    return {
        "apiVersion": history.API_VERSION,
        "kind": history.KIND,
        "metadata": metadata,
        "data": patch_data(ds),
        "revision": int(revision),
    }


def snapshot(p: DaemonSetPass, revision: int) -> dict:
    """Create the current revision, or find it under its name; a clash with other data raises HistoryCollision."""
    wanted = new_revision(p.ds, revision)
    clash = next((r for r in p.revisions if u.name_of(r) == u.name_of(wanted)), None)
    if clash is None:
        p.create(wanted)
        return wanted
    if match(p.ds, clash):
        return copy.deepcopy(clash)
    p.ds["status"]["collisionCount"] = int(u.status(p.ds).get("collisionCount") or 0) + 1
    p.update_status()
    raise HistoryCollision(u.name_of(wanted))


def dedup_current_histories(p: DaemonSetPass, current: list[dict]) -> dict:
    """Keep the highest-numbered current revision; relabel pods to its hash and delete the duplicates."""
    if len(current) == 1:
        return current[0]
    keep = current[0]
    highest = 0
    for revision in current:
        if history.revision_number(revision) >= highest:
            keep, highest = revision, history.revision_number(revision)
    keep_hash = revision_hash(keep)
    for pod in p.daemon_pods():
        if u.labels_of(pod).get(u.DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY) != keep_hash:
            p.patch(
                u.POD_API_VERSION,
                u.POD_KIND,
                u.name_of(pod),
                {"metadata": {"labels": {u.DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY: keep_hash}}},
            )
            # Later stages of this pass see the pod as the patch leaves it.
            pod.setdefault("metadata", {})["labels"] = {
                **u.labels_of(pod),
                u.DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY: keep_hash,
            }
    for revision in current:
        if u.name_of(revision) != u.name_of(keep):
            p.delete(history.API_VERSION, history.KIND, u.name_of(revision))
    return keep


def cleanup_history(p: DaemonSetPass, old: list[dict]) -> None:
    """Delete the oldest unused old revisions beyond `spec.revisionHistoryLimit` (default 10)."""
    limit = u.spec(p.ds).get("revisionHistoryLimit")
    limit = DEFAULT_REVISION_HISTORY_LIMIT if limit is None else int(limit)
    to_kill = len(old) - limit
    if to_kill <= 0:
        return
    live = {
        u.labels_of(pod).get(u.DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY)
        for pods in p.nodes_to_daemon_pods(include_deleted_terminal=True).values()
        for pod in pods
    }
    live.discard(None)
    live.discard("")
    for revision in sorted(old, key=history.revision_number):
        if to_kill <= 0:
            break
        if revision_hash(revision) in live:
            continue
        p.delete(history.API_VERSION, history.KIND, u.name_of(revision))
        to_kill -= 1


# --- rolling update -------------------------------------------------------------------------------------


def find_updated_pods_on_node(
    ds: Mapping[str, Any], pods: list[dict], hash_: str
) -> tuple[dict | None, dict | None, bool]:
    """(new pod, old pod, ok) among the node's pods not being deleted; ok False when one kind appears twice."""
    generation = u.get_template_generation(ds)
    new_pod: dict | None = None
    old_pod: dict | None = None
    for pod in pods:
        if podutil.is_being_deleted(pod):
            continue
        if u.is_pod_updated(pod, hash_, generation):
            if new_pod is not None:
                return None, None, False
            new_pod = pod
        else:
            if old_pod is not None:
                return None, None, False
            old_pod = pod
    return new_pod, old_pod, True


def updated_desired_node_counts(p: DaemonSetPass, node_to_pods: dict[str, list[dict]]) -> tuple[int, int, int]:
    """(maxSurge, maxUnavailable, desired); adds an empty entry for each node that should run but has no pod."""
    desired = 0
    for node in p.nodes:
        should_run, _ = u.node_should_run_daemon_pod(node, p.ds)
        if not should_run:
            continue
        desired += 1
        node_to_pods.setdefault(u.name_of(node), [])
    max_unavailable = u.unavailable_count(p.ds, desired)
    max_surge = u.surge_count(p.ds, desired)
    if desired > 0 and max_unavailable == 0 and max_surge == 0:
        max_unavailable = 1
    return max_surge, max_unavailable, desired


def rolling_update(p: DaemonSetPass, hash_: str) -> None:
    """One rolling-update step (module doc): old pods to delete and/or nodes to surge onto."""
    node_to_pods = p.nodes_to_daemon_pods()
    max_surge, max_unavailable, desired = updated_desired_node_counts(p, node_to_pods)
    min_ready = u.min_ready_seconds(p.ds)

    def available(pod: Mapping[str, Any]) -> bool:
        return podutil.is_pod_available(pod, min_ready, p.now)

    if max_surge == 0:
        num_unavailable = 0
        replacements: list[str] = []
        candidates: list[str] = []
        for node_name in sorted(node_to_pods):
            new_pod, old_pod, ok = find_updated_pods_on_node(p.ds, node_to_pods[node_name], hash_)
            if not ok or (old_pod is None) == (new_pod is None):
                num_unavailable += 1  # manage sorts out this node
            elif new_pod is not None:
                if not available(new_pod):
                    num_unavailable += 1
            elif not available(old_pod):
                replacements.append(u.name_of(old_pod))
                num_unavailable += 1
            elif num_unavailable < max_unavailable:
                candidates.append(u.name_of(old_pod))
        room = min(max(0, max_unavailable - num_unavailable), len(candidates))
        sync_nodes(p, replacements + candidates[:room], [], hash_)
        return

    old_pods_to_delete: list[str] = []
    should_not_run_pods: list[str] = []
    candidate_nodes: list[str] = []
    allowed_nodes: list[str] = []
    num_surge = 0
    num_available = 0
    for node_name in sorted(node_to_pods):
        new_pod, old_pod, ok = find_updated_pods_on_node(p.ds, node_to_pods[node_name], hash_)
        if not ok:
            num_surge += 1
            continue
        if old_pod is not None:
            if available(old_pod):
                num_available += 1
        elif new_pod is not None and available(new_pod):
            num_available += 1

        if old_pod is None:
            continue
        if new_pod is None:
            node = p.node_named(node_name)
            if node is None:
                raise MissingNode(node_name)
            should_run, _ = u.node_should_run_daemon_pod(node, p.ds)
            if not available(old_pod):
                if not should_run:
                    old_pods_to_delete.append(u.name_of(old_pod))
                    continue
                allowed_nodes.append(node_name)
                continue
            if not should_run:
                should_not_run_pods.append(u.name_of(old_pod))
                continue
            if num_surge >= max_surge:
                continue
            candidate_nodes.append(node_name)
            continue
        if not available(new_pod):
            num_surge += 1
            continue
        old_pods_to_delete.append(u.name_of(old_pod))

    deletable = num_available - desired
    if deletable > 0:
        old_pods_to_delete.extend(should_not_run_pods[: min(deletable, len(should_not_run_pods))])
    room = min(max(0, max_surge - num_surge), len(candidate_nodes))
    sync_nodes(p, old_pods_to_delete, allowed_nodes + candidate_nodes[:room], hash_)
