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
        _create(
            registry, "", "v1", "Namespace", "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        )
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


# ---- RBAC defaults ------------------------------------------------------------------------------

RBAC_API = "rbac.authorization.k8s.io/v1"
BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
AUTOUPDATE = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
AGGREGATE_TO = "rbac.authorization.k8s.io/aggregate-to-"
READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]


def _rule(groups, resources_, verbs, names=None) -> dict:
    rule = {"apiGroups": list(groups), "resources": list(resources_), "verbs": list(verbs)}
    if names:
        rule["resourceNames"] = list(names)
    return rule


def _urls(urls, verbs) -> dict:
    return {"nonResourceURLs": list(urls), "verbs": list(verbs)}


# What `view` may read: everything but Secrets and RBAC, as upstream's system:aggregate-to-view.
_VIEW_RULES = [
    _rule(
        [""],
        [
            "configmaps",
            "endpoints",
            "persistentvolumeclaims",
            "persistentvolumeclaims/status",
            "pods",
            "pods/log",
            "pods/status",
            "replicationcontrollers",
            "replicationcontrollers/scale",
            "replicationcontrollers/status",
            "serviceaccounts",
            "services",
            "services/status",
        ],
        READ,
    ),
    _rule(
        [""],
        [
            "bindings",
            "events",
            "limitranges",
            "namespaces/status",
            "pods/log",
            "pods/status",
            "replicationcontrollers/status",
            "resourcequotas",
            "resourcequotas/status",
        ],
        READ,
    ),
    _rule([""], ["namespaces"], READ),
    _rule(["discovery.k8s.io"], ["endpointslices"], READ),
    _rule(
        ["apps"],
        [
            "controllerrevisions",
            "daemonsets",
            "daemonsets/status",
            "deployments",
            "deployments/scale",
            "deployments/status",
            "replicasets",
            "replicasets/scale",
            "replicasets/status",
            "statefulsets",
            "statefulsets/scale",
            "statefulsets/status",
        ],
        READ,
    ),
    _rule(["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"], READ),
    _rule(["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"], READ),
    _rule(["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"], READ),
    _rule(["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"], READ),
]
# What `edit` adds: writes of workloads and their config, Secrets, proxying, tokens; no RBAC.
_EDIT_RULES = [
    _rule([""], ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"], READ),
    _rule([""], ["serviceaccounts"], ["impersonate"]),
    _rule([""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], WRITE),
    _rule([""], ["pods/eviction"], ["create"]),
    _rule(
        [""],
        [
            "configmaps",
            "events",
            "persistentvolumeclaims",
            "replicationcontrollers",
            "replicationcontrollers/scale",
            "secrets",
            "serviceaccounts",
            "services",
            "services/proxy",
        ],
        WRITE,
    ),
    _rule([""], ["serviceaccounts/token"], ["create"]),
    _rule(
        ["apps"],
        [
            "daemonsets",
            "deployments",
            "deployments/rollback",
            "deployments/scale",
            "replicasets",
            "replicasets/scale",
            "statefulsets",
            "statefulsets/scale",
        ],
        WRITE,
    ),
    _rule(["autoscaling"], ["horizontalpodautoscalers"], WRITE),
    _rule(["batch"], ["cronjobs", "jobs"], WRITE),
    _rule(["policy"], ["poddisruptionbudgets"], WRITE),
    _rule(["networking.k8s.io"], ["ingresses", "networkpolicies"], WRITE),
    _rule(["coordination.k8s.io"], ["leases"], READ + WRITE),
]
# What `admin` adds: RBAC within a namespace, and local access reviews.
_ADMIN_RULES = [
    _rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
    _rule(["rbac.authorization.k8s.io"], ["rolebindings", "roles"], READ + WRITE),
]
_DISCOVERY_URLS = [
    "/api",
    "/api/*",
    "/apis",
    "/apis/*",
    "/healthz",
    "/livez",
    "/openapi",
    "/openapi/*",
    "/readyz",
    "/version",
    "/version/",
]
_PUBLIC_URLS = ["/healthz", "/livez", "/readyz", "/version", "/version/"]


def _cluster_role(name: str, rules=None, labels=None, aggregate: str = "") -> dict:
    role: dict = {
        "apiVersion": RBAC_API,
        "kind": "ClusterRole",
        "metadata": {"name": name, "labels": {**BOOTSTRAP_LABELS, **(labels or {})}, "annotations": dict(AUTOUPDATE)},
        "rules": list(rules or []),
    }
    if aggregate:
        role["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {AGGREGATE_TO + aggregate: "true"}}]}
    return role


def _cluster_binding(name: str, role: str, subjects: list[tuple[str, str]]) -> dict:
    return {
        "apiVersion": RBAC_API,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name, "labels": dict(BOOTSTRAP_LABELS), "annotations": dict(AUTOUPDATE)},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": who} for kind, who in subjects],
    }


def default_cluster_roles() -> list[dict]:
    """The ClusterRoles every cluster starts with (kube-apiserver's bootstrap policy, restated)."""
    everything = [_rule(["*"], ["*"], ["*"]), _urls(["*"], ["*"])]
    return [
        _cluster_role("cluster-admin", everything),
        _cluster_role("admin", aggregate="admin"),
        _cluster_role("edit", labels={AGGREGATE_TO + "admin": "true"}, aggregate="edit"),
        _cluster_role("view", labels={AGGREGATE_TO + "edit": "true"}, aggregate="view"),
        _cluster_role("system:aggregate-to-admin", _ADMIN_RULES, {AGGREGATE_TO + "admin": "true"}),
        _cluster_role("system:aggregate-to-edit", _EDIT_RULES, {AGGREGATE_TO + "edit": "true"}),
        _cluster_role("system:aggregate-to-view", _VIEW_RULES, {AGGREGATE_TO + "view": "true"}),
        _cluster_role(
            "system:basic-user",
            [
                _rule(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"]),
                _rule(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"]),
            ],
        ),
        _cluster_role("system:discovery", [_urls(_DISCOVERY_URLS, ["get"])]),
        _cluster_role("system:public-info-viewer", [_urls(_PUBLIC_URLS, ["get"])]),
        _cluster_role(
            "system:kube-scheduler",
            [
                _rule(
                    [""],
                    ["pods", "nodes", "namespaces", "persistentvolumeclaims", "persistentvolumes", "services"],
                    READ,
                ),
                _rule([""], ["bindings", "pods/binding"], ["create"]),
                _rule([""], ["pods/status"], ["patch", "update"]),
                _rule([""], ["events"], ["create", "patch", "update"]),
                _rule(["events.k8s.io"], ["events"], ["create", "patch", "update"]),
                _rule(["coordination.k8s.io"], ["leases"], ["create", "get", "update"]),
                _rule(["storage.k8s.io"], ["storageclasses"], READ),
            ],
        ),
        _cluster_role(
            "system:node",
            [
                _rule([""], ["nodes"], ["create", "get", "list", "watch", "patch", "update"]),
                _rule([""], ["nodes/status"], ["patch", "update"]),
                _rule([""], ["pods"], ["get", "list", "watch", "create", "delete"]),
                _rule([""], ["pods/status"], ["patch", "update"]),
                _rule([""], ["pods/eviction"], ["create"]),
                _rule(
                    [""],
                    ["configmaps", "secrets", "services", "persistentvolumeclaims", "persistentvolumes"],
                    ["get", "list", "watch"],
                ),
                _rule([""], ["events"], ["create", "patch", "update"]),
                _rule([""], ["serviceaccounts/token"], ["create"]),
                _rule(["coordination.k8s.io"], ["leases"], ["create", "delete", "get", "patch", "update"]),
            ],
        ),
        _cluster_role("system:kube-controller-manager", everything[:1]),
    ]


def default_cluster_role_bindings() -> list[dict]:
    return [
        _cluster_binding("cluster-admin", "cluster-admin", [("Group", "system:masters")]),
        _cluster_binding("system:basic-user", "system:basic-user", [("Group", "system:authenticated")]),
        _cluster_binding("system:discovery", "system:discovery", [("Group", "system:authenticated")]),
        _cluster_binding(
            "system:public-info-viewer",
            "system:public-info-viewer",
            [("Group", "system:authenticated"), ("Group", "system:unauthenticated")],
        ),
        _cluster_binding("system:kube-scheduler", "system:kube-scheduler", [("User", "system:kube-scheduler")]),
        _cluster_binding("system:node", "system:node", [("Group", "system:nodes")]),
        _cluster_binding(
            "system:kube-controller-manager",
            "system:kube-controller-manager",
            [("User", "system:kube-controller-manager")],
        ),
    ]


def ensure_rbac(registry) -> None:
    """Create the default ClusterRoles and ClusterRoleBindings that are missing (also on older data
    dirs), then store the aggregated roles' rules, as the aggregation controller would."""
    for role in default_cluster_roles():
        _create(registry, "rbac.authorization.k8s.io", "v1", "ClusterRole", "", role)
    for binding in default_cluster_role_bindings():
        _create(registry, "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "", binding)
    aggregate_cluster_roles(registry)


def aggregate_cluster_roles(registry) -> None:
    """Write into each ClusterRole with an aggregationRule the rules of the roles it selects."""
    import copy

    from kubeferry.registry.authorization import Authorizer

    res = resources.by_gvk("rbac.authorization.k8s.io", "v1", "ClusterRole")
    resolver = Authorizer(registry.store, listen=False)
    for entry in registry.list(res, None):
        if not entry.obj.get("aggregationRule"):
            continue
        rules = resolver.cluster_role_rules(entry.obj["metadata"]["name"])
        if rules != (entry.obj.get("rules") or []):
            updated = copy.deepcopy(entry.obj)
            updated["rules"] = rules
            registry.update(res, "", updated["metadata"]["name"], updated)
