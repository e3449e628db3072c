"""Per-kind write rules kube-apiserver applies before validation (its registry "strategies").

- which kinds track `metadata.generation`, and what counts as a change that bumps it
  (spec for all; for Deployments also annotations, since they are copied to ReplicaSets);
- `status` is cleared on create and kept on main-resource updates; `spec` is kept on status
  updates;
- DaemonSet `templateGeneration` (`deprecated.daemonset.template.generation`) follows template edits;
- Namespace phase, finalizers and the `kubernetes.io/metadata.name` label;
- a Job's selector and pod labels from its name and uid (unless `manualSelector`);
- Service cluster IPs and node ports are carried over on updates that omit them.

Pure functions over JSON dicts: each `prepare_*` mutates the new object in place.
"""

from __future__ import annotations

from kubeferry.machinery.resources import Resource

# Kinds whose registry strategy sets metadata.generation (1 on create, +1 on spec change).
GENERATION_KINDS = frozenset(
    {
        ("apps", "Deployment"),
        ("apps", "ReplicaSet"),
        ("apps", "DaemonSet"),
        ("apps", "StatefulSet"),
        ("batch", "Job"),
        ("policy", "PodDisruptionBudget"),
        ("", "Pod"),
    }
)

DS_TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def tracks_generation(res: Resource) -> bool:
    return (res.group, res.kind) in GENERATION_KINDS


def has_status(res: Resource) -> bool:
    return res.subresource("status") is not None


def prepare_create(res: Resource, obj: dict) -> None:
    meta = obj["metadata"]
    if has_status(res) and res.kind not in ("Namespace", "Node", "PersistentVolume", "PersistentVolumeClaim"):
        obj.pop("status", None)
    if tracks_generation(res):
        meta["generation"] = 1
    else:
        meta.pop("generation", None)
    if res.kind == "DaemonSet":
        spec = obj.setdefault("spec", {})
        spec.pop("templateGeneration", None)
        meta.setdefault("annotations", {})[DS_TEMPLATE_GENERATION] = "1"
    elif res.kind == "Namespace":
        meta.setdefault("labels", {})[NAMESPACE_NAME_LABEL] = meta["name"]
        obj.setdefault("spec", {})["finalizers"] = ["kubernetes"]
        obj["status"] = {"phase": "Active"}
    elif res.kind == "Node":
        obj["status"] = obj.get("status") or {}
    elif res.kind == "PersistentVolumeClaim" or res.kind == "PersistentVolume":
        obj["status"] = {"phase": "Pending"}
    elif res.kind == "Pod":
        obj["status"] = {"phase": "Pending", "qosClass": _qos_class(obj.get("spec") or {})}
    elif res.kind == "Job" and res.group == "batch":
        _generate_job_selector(obj)


def prepare_update(res: Resource, new: dict, old: dict) -> None:
    """Main-resource update: status stays as stored; generation follows spec changes."""
    if has_status(res):
        if "status" in old:
            new["status"] = old["status"]
        else:
            new.pop("status", None)
    meta, old_meta = new["metadata"], old["metadata"]
    if res.kind == "Namespace":
        meta.setdefault("labels", {})[NAMESPACE_NAME_LABEL] = meta["name"]
        new.setdefault("spec", {})["finalizers"] = (old.get("spec") or {}).get("finalizers", [])
    if res.kind == "DaemonSet":
        annotations = meta.setdefault("annotations", {})
        if annotations.__class__ is dict:  # a copy: it may be the stored object's own, never mutated
            annotations = meta["annotations"] = dict(annotations)
        generation = int((old_meta.get("annotations") or {}).get(DS_TEMPLATE_GENERATION, "1") or 1)
        if (new.get("spec") or {}).get("template") != (old.get("spec") or {}).get("template"):
            generation += 1
        annotations[DS_TEMPLATE_GENERATION] = str(generation)
    if res.kind == "Service":
        _carry_service_allocations(new, old)
    if tracks_generation(res):
        generation = old_meta.get("generation", 1)
        changed = new.get("spec") != old.get("spec")
        if res.kind == "Deployment" and (meta.get("annotations") or {}) != (old_meta.get("annotations") or {}):
            changed = True
        meta["generation"] = generation + 1 if changed else generation
    else:
        meta.pop("generation", None)


# Metadata a status write may change, per kind (upstream's status strategies):
# workload controllers write the revision annotations through /status (only spec and labels
# are reset), kubelets write pod metadata; for other kinds the stored metadata stays.
STATUS_KEEPS_NEW_METADATA = {
    "Deployment": ("annotations", "finalizers", "ownerReferences"),
    "ReplicaSet": ("annotations", "finalizers", "ownerReferences"),
    "DaemonSet": ("annotations", "finalizers", "ownerReferences"),
    "StatefulSet": ("annotations", "finalizers", "ownerReferences"),
    "Pod": ("labels", "annotations", "finalizers", "ownerReferences"),
}


def prepare_status_update(res: Resource, new: dict, old: dict) -> None:
    """Status update: spec (and most metadata) come from the stored object.

    `new` becomes the stored object with its status and the metadata the kind's status write may
    change (`STATUS_KEEPS_NEW_METADATA`), in the stored object's key order; nothing of `new`'s own
    metadata is kept otherwise, so it is only read.
    """
    status = new.get("status")
    new_meta = new["metadata"]
    meta = dict(old["metadata"])
    for key in STATUS_KEEPS_NEW_METADATA.get(res.kind, ()):
        if key in new_meta:
            meta[key] = new_meta[key]
        else:
            meta.pop(key, None)
    if new is old:
        old = dict(old)  # cleared below
    new.clear()
    new.update(old)
    new["metadata"] = meta
    if status is None:
        new.pop("status", None)
    else:
        new["status"] = status


def prepare_finalize_update(new: dict, old: dict) -> None:
    """A Namespace `finalize` write changes only `spec.finalizers`."""
    finalizers = list((new.get("spec") or {}).get("finalizers") or [])
    merged = dict(old)
    merged["spec"] = {**(old.get("spec") or {}), "finalizers": finalizers}
    new.clear()
    new.update(merged)


def spec_finalizers(obj: dict) -> list:
    """A Namespace's `spec.finalizers` (other kinds have none): the namespace controller's hold."""
    return list((obj.get("spec") or {}).get("finalizers") or []) if obj.get("kind") == "Namespace" else []


# The labels a Job's pods get unless it chose its selector by hand (upstream's batch/v1 constants).
JOB_NAME_LABELS = ("job-name", "batch.kubernetes.io/job-name")
JOB_UID_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid")


def _generate_job_selector(obj: dict) -> None:
    """Upstream's generateSelector: unless `spec.manualSelector`, the pod template is labelled with the
    Job's name and uid (labels the user set are kept) and the selector matches the uid label, which
    makes the Job's pods its own alone.  A template or selector of the wrong shape is left for
    validation to refuse."""
    spec = obj.get("spec")
    if not isinstance(spec, dict) or spec.get("manualSelector") is True:
        return
    template = spec.setdefault("template", {})
    if not isinstance(template, dict):
        return
    template_meta = template.setdefault("metadata", {})
    if not isinstance(template_meta, dict):
        return
    labels = template_meta.get("labels")
    if labels is None:
        labels = template_meta["labels"] = {}
    if not isinstance(labels, dict):
        return
    meta = obj["metadata"]
    for key in JOB_NAME_LABELS:
        labels.setdefault(key, meta["name"])
    for key in JOB_UID_LABELS:
        labels.setdefault(key, meta["uid"])
    selector = spec.get("selector")
    if selector is None:
        selector = spec["selector"] = {}
    if not isinstance(selector, dict):
        return
    match = selector.get("matchLabels")
    if match is None:
        match = selector["matchLabels"] = {}
    if isinstance(match, dict):
        match.setdefault(JOB_UID_LABELS[1], meta["uid"])


def _carry_service_allocations(new: dict, old: dict) -> None:
    """A PUT that omits clusterIP(s) or nodePorts keeps what was allocated (v1.37 behaviour)."""
    spec, old_spec = new.setdefault("spec", {}), old.get("spec") or {}
    if not spec.get("clusterIP") and old_spec.get("clusterIP") and spec.get("type", "ClusterIP") != "ExternalName":
        spec["clusterIP"] = old_spec["clusterIP"]
    old_ips = old_spec.get("clusterIPs") or []
    if not spec.get("clusterIPs") and old_ips and spec.get("type", "ClusterIP") != "ExternalName":
        # clusterIPs omitted: follow clusterIP, so a changed clusterIP is refused on clusterIPs[0].
        spec["clusterIPs"] = [spec.get("clusterIP") or old_ips[0], *old_ips[1:]]
    elif spec.get("clusterIP") and spec.get("clusterIPs") == old_ips and old_ips and spec["clusterIP"] != old_ips[0]:
        spec["clusterIPs"] = [spec["clusterIP"], *old_ips[1:]]
    if spec.get("type") in ("NodePort", "LoadBalancer"):
        old_ports = {(p.get("port"), p.get("protocol", "TCP")): p for p in old_spec.get("ports") or []}
        for port in spec.get("ports") or []:
            previous = old_ports.get((port.get("port"), port.get("protocol", "TCP")))
            if not port.get("nodePort") and previous and previous.get("nodePort"):
                port["nodePort"] = previous["nodePort"]


def _qos_class(spec: dict) -> str:
    """The pod's QoS class as the apiserver computes it on create (Guaranteed, Burstable, BestEffort)."""
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    any_set = False
    guaranteed = True
    for container in containers:
        resources = container.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        if requests or limits:
            any_set = True
        for name in ("cpu", "memory"):
            if name not in limits or name in requests and requests[name] != limits[name]:
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed and containers else "Burstable"
