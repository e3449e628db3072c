"""The objects every cluster starts with, created once on a fresh store.

The four system namespaces, the `kubernetes` Service in `default` (10.96.0.1:443), and the
default StorageClass `standard` that dynamically provisions simulated volumes.

And kube-apiserver's bootstrap RBAC policy, restated: the user-facing roles, the `system:` roles
of the scheduler, the controller manager and the nodes, and one `system:controller:<account>`
ClusterRole per controller we run, bound to the ServiceAccount `kube-system/<account>` it acts
as (controllers/identity.py).  Kubelets are authorized by the Node authorizer
(registry/authorization.py), so `system:node` is bound to nobody, as upstream since v1.8.
"""

from __future__ import annotations

from kubeferry.machinery import resources
from kubeferry.machinery import status as st
from kubeferry.registry.admission import SYSTEM_NAMESPACES
from kubeferry.registry.allocator import KUBERNETES_SERVICE_IP
from kubeferry.registry.authorization import NODE_RULES
from kubeferry.simulation.behaviour import SIMULATION_CONFIGMAP_NAME

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


# ---- the controllers' policy (upstream's bootstrappolicy controller roles, v1.37) ----------------

CONTROLLER_NAMESPACE = "kube-system"
CONTROLLER_ROLE_PREFIX = "system:controller:"
# The simulated kubelets read the simulation's behaviour ConfigMap, which no real kubelet does.
SIMULATED_NODE_ROLE = "kubeferry:simulated-node"
EVENT_WRITES = ["create", "update", "patch"]
_EVENTS = _rule(["", "events.k8s.io"], ["events"], EVENT_WRITES)
_APPS_EXT = ["extensions", "apps"]

# Each controller we run, by the ServiceAccount it acts as, and what it may do.
CONTROLLER_ROLES: dict[str, list[dict]] = {
    "clusterrole-aggregation-controller": [
        _rule(["rbac.authorization.k8s.io"], ["clusterroles"], ["escalate", "get", "list", "patch", "update", "watch"]),
    ],
    "daemon-set-controller": [
        _rule(_APPS_EXT, ["daemonsets"], READ),
        _rule(_APPS_EXT, ["daemonsets/status"], ["update"]),
        _rule(_APPS_EXT, ["daemonsets/finalizers"], ["update"]),
        _rule([""], ["nodes"], ["list", "watch"]),
        _rule([""], ["pods"], ["list", "watch", "create", "delete", "patch"]),
        _rule([""], ["pods/binding"], ["create"]),
        _rule(["apps"], ["controllerrevisions"], READ + ["create", "delete", "update", "patch"]),
        _EVENTS,
    ],
    "deployment-controller": [
        _rule(_APPS_EXT, ["deployments"], READ + ["update"]),
        _rule(_APPS_EXT, ["deployments/status"], ["update"]),
        _rule(_APPS_EXT, ["deployments/finalizers"], ["update"]),
        _rule(["apps", "extensions"], ["replicasets"], READ + ["create", "update", "patch", "delete"]),
        _rule([""], ["pods"], READ + ["update"]),
        _EVENTS,
    ],
    "disruption-controller": [
        _rule(_APPS_EXT, ["deployments"], READ),
        _rule(["apps", "extensions"], ["replicasets"], READ),
        _rule([""], ["replicationcontrollers"], READ),
        _rule(["policy"], ["poddisruptionbudgets"], READ),
        _rule(["apps"], ["statefulsets"], READ),
        _rule(["policy"], ["poddisruptionbudgets/status"], ["update"]),
        _rule([""], ["pods/status"], ["patch", "update"]),
        _rule(["*"], ["*/scale"], ["get"]),
        _EVENTS,
    ],
    "endpoint-controller": [
        _rule([""], ["services", "pods"], READ),
        _rule([""], ["endpoints"], READ + ["create", "update", "delete"]),
        _rule([""], ["endpoints/restricted"], ["create"]),
        _EVENTS,
    ],
    "endpointslice-controller": [
        _rule([""], ["services", "pods", "nodes"], READ),
        _rule([""], ["services/finalizers"], ["update"]),
        _rule(["discovery.k8s.io"], ["endpointslices"], READ + ["create", "update", "delete"]),
        _EVENTS,
    ],
    "generic-garbage-collector": [
        _rule(["*"], ["*"], READ + ["patch", "update", "delete"]),
        _EVENTS,
    ],
    "namespace-controller": [
        _rule([""], ["namespaces"], READ + ["delete"]),
        _rule([""], ["namespaces/finalize", "namespaces/status"], ["update"]),
        _rule(["*"], ["*"], READ + ["delete", "deletecollection"]),
    ],
    "node-controller": [
        _rule([""], ["nodes"], READ + ["update", "delete", "patch"]),
        _rule([""], ["nodes/status"], ["patch", "update"]),
        _rule([""], ["pods/status"], ["patch", "update"]),
        _rule([""], ["pods"], ["list", "watch", "get", "delete"]),
        _EVENTS,
    ],
    "persistent-volume-binder": [
        _rule([""], ["persistentvolumes"], READ + ["update", "create", "delete"]),
        _rule([""], ["persistentvolumes/status"], ["update"]),
        _rule([""], ["persistentvolumeclaims"], READ + ["update"]),
        _rule([""], ["persistentvolumeclaims/status"], ["update"]),
        _rule([""], ["pods"], ["list", "watch", "get", "create", "delete"]),
        _rule(["storage.k8s.io"], ["storageclasses"], READ),
        _rule([""], ["nodes"], ["list", "watch"]),
        _EVENTS,
        _rule([""], ["events"], ["watch"]),
        _rule([""], ["services"], ["get"]),
    ],
    "replicaset-controller": [
        _rule(["apps", "extensions"], ["replicasets"], READ + ["update"]),
        _rule(["apps", "extensions"], ["replicasets/status"], ["update"]),
        _rule(["apps", "extensions"], ["replicasets/finalizers"], ["update"]),
        _rule([""], ["pods"], ["list", "watch", "patch", "create", "delete"]),
        _EVENTS,
    ],
    "service-account-controller": [
        _rule([""], ["serviceaccounts"], ["create"]),
        _EVENTS,
    ],
    "statefulset-controller": [
        _rule([""], ["pods"], ["list", "watch"]),
        _rule(["apps"], ["statefulsets"], READ),
        _rule(["apps"], ["statefulsets/status"], ["update"]),
        _rule(["apps"], ["statefulsets/finalizers"], ["update"]),
        _rule([""], ["pods"], ["get", "create", "delete", "update", "patch"]),
        _rule(["apps"], ["controllerrevisions"], ["get", "create", "delete", "update", "patch", "list", "watch"]),
        _rule([""], ["persistentvolumeclaims"], ["get", "create", "list", "watch"]),
        _rule([""], ["persistentvolumeclaims"], ["update", "delete"]),
        _rule([""], ["pods/finalizers"], ["update"]),
        _EVENTS,
    ],
}
# The controller manager's own credentials: its shared informers list and watch everything; it
# creates the controllers' accounts and runs the legacy token controller.
_CONTROLLER_MANAGER_RULES = [
    _EVENTS,
    _rule(["coordination.k8s.io"], ["leases"], ["create"]),
    _rule(["coordination.k8s.io"], ["leases"], ["get", "update"], ["kube-controller-manager"]),
    _rule([""], ["endpoints"], ["create"]),
    _rule([""], ["endpoints"], ["get", "update"], ["kube-controller-manager"]),
    _rule([""], ["secrets", "serviceaccounts"], ["create"]),
    _rule([""], ["secrets"], ["delete"]),
    _rule([""], ["namespaces", "secrets", "serviceaccounts", "configmaps"], ["get"]),
    _rule([""], ["secrets", "serviceaccounts"], ["update"]),
    _rule(["authentication.k8s.io"], ["tokenreviews"], ["create"]),
    _rule(["authorization.k8s.io"], ["subjectaccessreviews"], ["create"]),
    _rule(["*"], ["*"], ["list", "watch"]),
    _rule([""], ["serviceaccounts/token"], ["create"]),
]


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


def _cluster_binding(name: str, role: str, subjects: list[tuple[str, str]], accounts: list[str] = ()) -> dict:
    """A ClusterRoleBinding to users and groups, and to ServiceAccounts of kube-system by name."""
    binding: dict = {
        "apiVersion": RBAC_API,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name, "labels": dict(BOOTSTRAP_LABELS), "annotations": dict(AUTOUPDATE)},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": who} for kind, who in subjects]
        + [{"kind": "ServiceAccount", "name": account, "namespace": CONTROLLER_NAMESPACE} for account in accounts],
    }
    if not binding["subjects"]:
        del binding["subjects"]  # upstream's system:node binding: kept, bound to nobody
    return binding


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
        _cluster_role("system:node", [dict(rule) for rule in NODE_RULES]),
        _cluster_role("system:kube-controller-manager", _CONTROLLER_MANAGER_RULES),
        _cluster_role(SIMULATED_NODE_ROLE, [_rule([""], ["configmaps"], ["get"], [SIMULATION_CONFIGMAP_NAME])]),
        *(_cluster_role(CONTROLLER_ROLE_PREFIX + account, rules) for account, rules in CONTROLLER_ROLES.items()),
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
        _cluster_binding("system:node", "system:node", []),
        _cluster_binding(
            "system:kube-controller-manager",
            "system:kube-controller-manager",
            [("User", "system:kube-controller-manager")],
        ),
        _cluster_binding(SIMULATED_NODE_ROLE, SIMULATED_NODE_ROLE, [("Group", "system:nodes")]),
        *(
            _cluster_binding(CONTROLLER_ROLE_PREFIX + account, CONTROLLER_ROLE_PREFIX + account, [], [account])
            for account in CONTROLLER_ROLES
        ),
        # Our endpoints controller also writes the EndpointSlices upstream's endpointslice-controller writes.
        _cluster_binding(
            "kubeferry:endpoint-controller:endpointslices",
            CONTROLLER_ROLE_PREFIX + "endpointslice-controller",
            [],
            ["endpoint-controller"],
        ),
    ]


def ensure_rbac(registry) -> None:
    """Reconcile the default ClusterRoles and ClusterRoleBindings as kube-apiserver does at every start
    (so a data dir made by an older kubeferry gains what newer controllers need), then store the
    aggregated roles' rules, as the aggregation controller would."""
    for role in default_cluster_roles():
        reconcile_cluster_role(registry, role)
    for binding in default_cluster_role_bindings():
        reconcile_cluster_role_binding(registry, binding)
    aggregate_cluster_roles(registry)


AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate"


def _existing(registry, kind: str, name: str) -> dict | None:
    res = resources.by_gvk("rbac.authorization.k8s.io", "v1", kind)
    try:
        return registry.get(res, "", name).obj
    except st.StatusError as e:
        if e.code != 404:
            raise
        return None


def _merged_meta(existing: dict, expected: dict) -> dict:
    """Labels and annotations: the expected ones added, the stored values kept where both have a key."""
    meta = dict(existing["metadata"])
    for field in ("labels", "annotations"):
        merged = {**(expected["metadata"].get(field) or {}), **(meta.get(field) or {})}
        if merged:
            meta[field] = merged
    return meta


def reconcile_cluster_role(registry, expected: dict) -> None:
    """Create a default ClusterRole, or add to the stored one what it lacks (upstream's reconciliation).

    A role annotated `rbac.authorization.kubernetes.io/autoupdate: "false"` is left as it is.  Rules
    the stored role does not cover are appended (rules someone added are kept); an aggregated role
    gains the expected cluster role selectors, its rules being the aggregation's to write.
    """
    from kubeferry.machinery import rbac

    existing = _existing(registry, "ClusterRole", expected["metadata"]["name"])
    if existing is None:
        _create(registry, "rbac.authorization.k8s.io", "v1", "ClusterRole", "", expected)
        return
    if ((existing["metadata"].get("annotations") or {}).get(AUTOUPDATE_ANNOTATION)) == "false":
        return
    updated = {**existing, "metadata": _merged_meta(existing, expected)}
    if expected.get("aggregationRule"):
        selectors = list((existing.get("aggregationRule") or {}).get("clusterRoleSelectors") or [])
        for selector in expected["aggregationRule"].get("clusterRoleSelectors") or []:
            if selector not in selectors:
                selectors.append(selector)
        updated["aggregationRule"] = {"clusterRoleSelectors": selectors}
    elif (existing.get("rules") or []) != (expected.get("rules") or []):  # equal: nothing to check
        covered, missing = rbac.covers(existing.get("rules") or [], expected.get("rules") or [])
        if not covered:
            updated["rules"] = list(existing.get("rules") or []) + missing
    if updated != existing:
        res = resources.by_gvk("rbac.authorization.k8s.io", "v1", "ClusterRole")
        registry.update(res, "", expected["metadata"]["name"], updated)


def _subject_key(subject: dict) -> tuple:
    return (subject.get("kind"), subject.get("apiGroup", ""), subject.get("name"), subject.get("namespace", ""))


def reconcile_cluster_role_binding(registry, expected: dict) -> None:
    """Create a default ClusterRoleBinding, or add the subjects the stored one lacks; one that points
    at another role is made again (a roleRef cannot change), unless autoupdate is "false"."""
    res = resources.by_gvk("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding")
    name = expected["metadata"]["name"]
    existing = _existing(registry, "ClusterRoleBinding", name)
    if existing is None:
        registry.create(res, "", expected)
        return
    if ((existing["metadata"].get("annotations") or {}).get(AUTOUPDATE_ANNOTATION)) == "false":
        return
    if existing.get("roleRef") != expected.get("roleRef"):
        registry.delete(res, "", name)
        registry.create(res, "", expected)
        return
    subjects = list(existing.get("subjects") or [])
    known = {_subject_key(s) for s in subjects}
    subjects += [s for s in expected.get("subjects") or [] if _subject_key(s) not in known]
    updated = {**existing, "metadata": _merged_meta(existing, expected)}
    if subjects:
        updated["subjects"] = subjects
    if updated != existing:
        registry.update(res, "", name, updated)


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
