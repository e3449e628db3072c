"""Dynamic provisioning and binding of simulated PersistentVolumes (the PV controller and a
provisioner for the `kubeferry.io/simulated` StorageClass provisioner).

A Pending claim whose class is provisioned by us gets a volume `pvc-<claim uid>` sized as the
claim asks, then both are bound:

    PVC www-web-0 (1Gi, class standard)  ->  PV pvc-1f2e… (1Gi, claimRef www-web-0)
    PVC: spec.volumeName, status Bound    PV: status Bound
A volume whose claim is gone is Released; with reclaimPolicy Delete it is deleted.
"""

from __future__ import annotations

import datetime as _dt

from kubeferry.controllers.actions import CreateObject, DeleteObject, RecordEvent, UpdateObject, UpdateStatus

PROVISIONER = "kubeferry.io/simulated"
BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"


def volume_name(claim: dict) -> str:
    return f"pvc-{claim['metadata']['uid']}"


def reconcile_claim(claim: dict, volumes: list[dict], classes: dict[str, dict], now: _dt.datetime) -> list:
    """Provision and bind one claim (no-op once Bound or when another provisioner owns its class)."""
    meta = claim["metadata"]
    if meta.get("deletionTimestamp") or (claim.get("status") or {}).get("phase") == "Bound":
        return []
    spec = claim.get("spec") or {}
    class_name = spec.get("storageClassName")
    storage_class = classes.get(class_name or "")
    if storage_class is None or storage_class.get("provisioner") != PROVISIONER:
        return []
    name = spec.get("volumeName") or volume_name(claim)
    volume = next((v for v in volumes if v["metadata"]["name"] == name), None)
    if volume is None:
        request = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        pv = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": name, "annotations": {PROVISIONED_BY: PROVISIONER}, "finalizers": ["kubernetes.io/pv-protection"]},
            "spec": {
                "capacity": {"storage": request},
                "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
                "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy", "Delete"),
                "storageClassName": class_name,
                "volumeMode": spec.get("volumeMode", "Filesystem"),
                "hostPath": {"path": f"/var/lib/kubeferry/volumes/{name}", "type": ""},
                "claimRef": {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "namespace": meta.get("namespace", ""),
                    "name": meta["name"],
                    "uid": meta["uid"],
                },
            },
        }
        message = f'Successfully provisioned volume {name}'
        return [CreateObject(pv), RecordEvent(claim, "Normal", "ProvisioningSucceeded", message)]
    actions: list = []
    if (volume.get("status") or {}).get("phase") != "Bound":
        bound = dict(volume)
        bound["status"] = {"phase": "Bound"}
        actions.append(UpdateStatus(bound))
    if spec.get("volumeName") != name:
        claimed = dict(claim)
        claimed["metadata"] = {
            **meta,
            "annotations": {**(meta.get("annotations") or {}), BIND_COMPLETED: "yes", BOUND_BY_CONTROLLER: "yes", STORAGE_PROVISIONER: PROVISIONER},
        }
        claimed["spec"] = {**spec, "volumeName": name}
        actions.append(UpdateObject(claimed))
        return actions  # the status write follows once the spec write is seen
    status = {
        "phase": "Bound",
        "accessModes": list((volume.get("spec") or {}).get("accessModes") or []),
        "capacity": dict((volume.get("spec") or {}).get("capacity") or {}),
    }
    claimed = dict(claim)
    claimed["status"] = status
    actions.append(UpdateStatus(claimed))
    return actions


def reconcile_volume(volume: dict, claim: dict | None, now: _dt.datetime) -> list:
    """A provisioned volume whose claim is gone is Released, then deleted (reclaimPolicy Delete)."""
    spec = volume.get("spec") or {}
    ref = spec.get("claimRef") or {}
    if not ref or volume["metadata"].get("deletionTimestamp"):
        if volume["metadata"].get("deletionTimestamp") and volume["metadata"].get("finalizers"):
            released = dict(volume)
            released["metadata"] = {**volume["metadata"], "finalizers": []}
            return [UpdateObject(released)]
        return []
    if claim is not None and claim["metadata"].get("uid") == ref.get("uid"):
        return []
    actions: list = []
    if (volume.get("status") or {}).get("phase") != "Released":
        released = dict(volume)
        released["status"] = {"phase": "Released"}
        actions.append(UpdateStatus(released))
    if spec.get("persistentVolumeReclaimPolicy", "Delete") == "Delete":
        actions.append(DeleteObject("v1", "PersistentVolume", "", volume["metadata"]["name"], uid=volume["metadata"].get("uid", "")))
    return actions
