"""Admission: what kube-apiserver's built-in admission plugins do to a write before validation.

- NamespaceLifecycle: namespaced objects need an existing namespace that is not terminating;
  the four system namespaces cannot be deleted.
- ServiceAccount: pods run as `default` unless they say otherwise.
- DefaultTolerationSeconds: pods tolerate `node.kubernetes.io/not-ready` and `unreachable`
  (NoExecute) for 300 s unless they already tolerate them.
- DefaultStorageClass: a PVC without a class gets the default StorageClass.
- Priority: pods without a priority class get priority 0.
"""

from __future__ import annotations

from kubeferry.machinery import status as st
from kubeferry.machinery.resources import Resource
from kubeferry.storage.store import Store

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
DEFAULT_TOLERATION_SECONDS = 300
PREEMPT_LOWER_PRIORITY = "PreemptLowerPriority"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


def check_namespace(store: Store, res: Resource, namespace: str, creating: bool) -> None:
    if not res.namespaced:
        return
    entry = store.get("namespaces", "", namespace)
    if entry is None:
        raise st.not_found("namespaces", "", namespace)
    if creating and entry.obj.get("metadata", {}).get("deletionTimestamp"):
        raise st.StatusError(
            403,
            "Forbidden",
            f"{res.plural} is forbidden: unable to create new content in namespace {namespace} "
            "because it is being terminated",
            {"name": "", "kind": res.plural, "causes": [{"reason": "NamespaceTerminating", "message": f"namespace {namespace} is being terminated", "field": "metadata.namespace"}]},
        )


def check_delete(res: Resource, name: str) -> None:
    if res.kind == "Namespace" and name in SYSTEM_NAMESPACES:
        raise st.forbidden_error(f'namespaces "{name}" is forbidden: this namespace may not be deleted', "namespaces", "", name)


def admit_create(store: Store, res: Resource, obj: dict) -> None:
    if res.kind == "Pod":
        _admit_pod(obj)
    elif res.kind == "PersistentVolumeClaim":
        _admit_pvc(store, obj)


def _admit_pod(pod: dict) -> None:
    spec = pod.setdefault("spec", {})
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = spec.get("serviceAccount") or "default"
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    tolerations = spec.setdefault("tolerations", [])
    for key in (NOT_READY_TAINT, UNREACHABLE_TAINT):
        if not any(_tolerates(t, key) for t in tolerations):
            tolerations.append(
                {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": DEFAULT_TOLERATION_SECONDS}
            )
    if "priority" not in spec and not spec.get("priorityClassName"):
        # Priority admission with no default PriorityClass: priority 0, and the policy that goes with it
        spec["priority"] = 0
        spec.setdefault("preemptionPolicy", PREEMPT_LOWER_PRIORITY)


def _tolerates(toleration: dict, key: str) -> bool:
    if toleration.get("effect") not in (None, "", "NoExecute"):
        return False
    if toleration.get("operator") == "Exists" and not toleration.get("key"):
        return True
    return toleration.get("key") == key


def _admit_pvc(store: Store, pvc: dict) -> None:
    spec = pvc.setdefault("spec", {})
    if spec.get("storageClassName") is not None:
        return
    for entry in store.list("storage.k8s.io/storageclasses"):
        annotations = entry.obj.get("metadata", {}).get("annotations") or {}
        if annotations.get(DEFAULT_CLASS_ANNOTATION) == "true":
            spec["storageClassName"] = entry.obj["metadata"]["name"]
            return
