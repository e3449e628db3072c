"""The objects every cluster starts with, created once on a fresh store.

The four system namespaces, the `kubernetes` Service in `default` (10.96.0.1:443), and the
default StorageClass `standard` that dynamically provisions simulated volumes.
"""

from __future__ import annotations

from kubeferry.machinery import resources
from kubeferry.machinery import status as st
from kubeferry.registry.admission import SYSTEM_NAMESPACES
from kubeferry.registry.allocator import KUBERNETES_SERVICE_IP

DEFAULT_STORAGE_CLASS = "standard"


def _create(registry, group: str, version: str, kind: str, namespace: str, obj: dict) -> None:
    res = resources.by_gvk(group, version, kind)
    assert res is not None
    try:
        registry.get(res, namespace, obj["metadata"]["name"])
        return
    except st.StatusError as e:
        if e.code != 404:
            raise
    registry.create(res, namespace, obj)


def ensure_system_objects(registry) -> None:
    for name in SYSTEM_NAMESPACES:
        _create(registry, "", "v1", "Namespace", "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    _create(
        registry,
        "",
        "v1",
        "Service",
        "default",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {
                "clusterIP": KUBERNETES_SERVICE_IP,
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                "sessionAffinity": "None",
                "type": "ClusterIP",
            },
        },
    )
    _create(
        registry,
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "",
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "name": DEFAULT_STORAGE_CLASS,
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            "provisioner": "kubeferry.io/simulated",
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
        },
    )


def node_name(index: int) -> str:
    return f"kubeferry-node-{index + 1}"


def ensure_nodes(registry, count: int) -> None:
    """On a store with no nodes yet, create `count` simulated nodes."""
    res = resources.by_gvk("", "v1", "Node")
    if count <= 0 or registry.list(res, None):
        return
    from kubeferry.simulation import nodes

    now = registry.now()
    for index in range(count):
        registry.create(res, "", nodes.make_node(node_name(index), index, now))
