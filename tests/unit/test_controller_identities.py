"""Each controller, the scheduler and every kubelet act as their own principal, as upstream runs them:
the decisions their bootstrap roles give (what each controller does is allowed, little else), the
Node authorizer and NodeRestriction (a kubelet touches only its own Node, Lease and pods), and the
in-process transport refusing a call with the same 403 an HTTP request gets."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from kubeferry.cluster import bootstrap, controlplane
from kubeferry.controllers import catalog, cluster_controllers, identity
from kubeferry.machinery import clock as clocks
from kubeferry.machinery import status as st
from kubeferry.machinery.rbac import Attributes
from kubeferry.machinery.resources import by_gvk
from kubeferry.registry import authorization
from kubeferry.registry.authorization import Authorizer
from kubeferry.registry.registry import Registry
from kubeferry.simulation import catalog as simulation
from kubeferry.storage.store import Store

NOW = datetime(2026, 1, 1, tzinfo=UTC)
NODE_1, NODE_2 = "kubeferry-node-1", "kubeferry-node-2"


@pytest.fixture
def registry():
    registry = Registry(Store(None), now=lambda: NOW)
    bootstrap.ensure_system_objects(registry)
    bootstrap.ensure_rbac(registry)
    bootstrap.ensure_nodes(registry, 2)
    for name, node in (("on-1", NODE_1), ("on-2", NODE_2)):
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]},
        }
        registry.create(by_gvk("", "v1", "Pod"), "default", pod)
    return registry


def attrs(verb, group, resource, namespace="", name="", sub=""):
    return Attributes(verb, api_group=group, resource=resource, subresource=sub, namespace=namespace, name=name)


# (account, verb, group, resource, subresource, allowed): what each controller does, and neighbours it may not.
CONTROLLER_DECISIONS = [
    ("replicaset-controller", "create", "", "pods", "", True),
    ("replicaset-controller", "delete", "", "pods", "", True),
    ("replicaset-controller", "update", "apps", "replicasets", "status", True),
    ("replicaset-controller", "update", "apps", "deployments", "", False),
    ("replicaset-controller", "update", "", "pods", "status", False),
    ("deployment-controller", "create", "apps", "replicasets", "", True),
    ("deployment-controller", "delete", "apps", "replicasets", "", True),
    ("deployment-controller", "update", "apps", "deployments", "status", True),
    ("deployment-controller", "create", "", "pods", "", False),
    ("statefulset-controller", "create", "", "pods", "", True),
    ("statefulset-controller", "create", "", "persistentvolumeclaims", "", True),
    ("statefulset-controller", "create", "apps", "controllerrevisions", "", True),
    ("statefulset-controller", "update", "apps", "statefulsets", "status", True),
    ("statefulset-controller", "update", "apps", "statefulsets", "", False),
    ("daemon-set-controller", "create", "", "pods", "", True),
    ("daemon-set-controller", "create", "", "pods", "binding", True),
    ("daemon-set-controller", "list", "", "nodes", "", True),
    ("daemon-set-controller", "update", "", "nodes", "", False),
    ("generic-garbage-collector", "delete", "apps", "replicasets", "", True),
    ("generic-garbage-collector", "patch", "", "pods", "", True),
    ("generic-garbage-collector", "create", "", "pods", "", False),
    ("namespace-controller", "deletecollection", "apps", "deployments", "", True),
    ("namespace-controller", "update", "", "namespaces", "finalize", True),
    ("namespace-controller", "create", "", "configmaps", "", False),
    ("endpoint-controller", "create", "", "endpoints", "", True),
    ("endpoint-controller", "create", "discovery.k8s.io", "endpointslices", "", True),  # our second binding
    ("endpoint-controller", "update", "", "services", "", False),
    ("service-account-controller", "create", "", "serviceaccounts", "", True),
    ("service-account-controller", "delete", "", "serviceaccounts", "", False),
    ("node-controller", "update", "", "nodes", "", True),
    ("node-controller", "update", "", "pods", "status", True),
    ("node-controller", "delete", "", "pods", "", True),
    ("node-controller", "create", "", "pods", "", False),
    ("disruption-controller", "update", "policy", "poddisruptionbudgets", "status", True),
    ("disruption-controller", "get", "apps", "deployments", "scale", True),
    ("disruption-controller", "update", "policy", "poddisruptionbudgets", "", False),
    ("persistent-volume-binder", "create", "", "persistentvolumes", "", True),
    ("persistent-volume-binder", "update", "", "persistentvolumeclaims", "status", True),
    ("persistent-volume-binder", "delete", "", "persistentvolumeclaims", "", False),
]


@pytest.mark.parametrize(
    "account,verb,group,resource,sub,allowed",
    CONTROLLER_DECISIONS,
    ids=[
        f"{a}-{v}-{r}{'/' + s if s else ''}-{'allowed' if ok else 'denied'}"
        for a, v, _, r, s, ok in CONTROLLER_DECISIONS
    ],
)
def test_controller_role_decisions(registry, account, verb, group, resource, sub, allowed):
    user = identity.controller_account(account)
    assert Authorizer(registry.store).allows(user, attrs(verb, group, resource, "default", "x", sub)) is allowed


def test_every_controller_of_the_catalogs_has_a_bound_role(registry):
    controllers = catalog.workload_controllers() + cluster_controllers.cluster_controllers()
    accounts = {c.user.name.rsplit(":", 1)[1] for c in controllers}
    assert accounts == {
        "clusterrole-aggregation-controller",
        "replicaset-controller",
        "deployment-controller",
        "statefulset-controller",
        "daemon-set-controller",
        "generic-garbage-collector",
        "namespace-controller",
        "endpoint-controller",
        "service-account-controller",
        "node-controller",
        "disruption-controller",
        "persistent-volume-binder",
    }
    for c in controllers:
        assert c.reader == identity.CONTROLLER_MANAGER
        binding = registry.store.get(
            "rbac.authorization.k8s.io/clusterrolebindings", "", "system:controller:" + c.user.name.rsplit(":", 1)[1]
        )
        assert binding.obj["subjects"] == [
            {"kind": "ServiceAccount", "name": c.user.name.rsplit(":", 1)[1], "namespace": "kube-system"}
        ]
    sim = {c.name: c for c in simulation.simulation_controllers()}
    assert sim["scheduler"].user.name == "system:kube-scheduler"
    assert sim["node"].user_of("", NODE_2, None) == identity.node(NODE_2)


def test_the_controller_manager_itself_only_lists_and_watches_everything(registry):
    authz = Authorizer(registry.store)
    kcm = identity.CONTROLLER_MANAGER
    assert authz.allows(kcm, attrs("list", "apps", "deployments", "default"))
    assert authz.allows(kcm, attrs("watch", "", "pods"))
    assert not authz.allows(kcm, attrs("delete", "apps", "deployments", "default", "web"))
    assert authz.allows(kcm, attrs("update", "", "secrets", "default", "tok"))


SCHEDULER_DECISIONS = [
    ("create", "pods", "binding", True),
    ("update", "pods", "status", True),
    ("list", "nodes", "", True),
    ("delete", "pods", "", False),
    ("update", "pods", "", False),
]


@pytest.mark.parametrize(
    "verb,resource,sub,allowed",
    SCHEDULER_DECISIONS,
    ids=[f"{v}-{r}{'/' + s if s else ''}" for v, r, s, _ in SCHEDULER_DECISIONS],
)
def test_scheduler_decisions(registry, verb, resource, sub, allowed):
    assert (
        Authorizer(registry.store).allows(identity.SCHEDULER, attrs(verb, "", resource, "default", "on-1", sub))
        is allowed
    )


# (verb, group, resource, subresource, namespace, name, allowed) for the kubelet of node 1.
NODE_DECISIONS = [
    ("get", "", "pods", "", "default", "on-1", True),
    ("get", "", "pods", "", "default", "on-2", False),
    ("list", "", "pods", "", "", "", False),
    ("update", "", "pods", "status", "default", "on-1", True),
    ("delete", "", "pods", "", "default", "on-1", True),
    ("get", "", "nodes", "", "", NODE_1, True),
    ("get", "", "nodes", "", "", NODE_2, False),
    ("list", "", "nodes", "", "", "", False),
    ("update", "", "nodes", "status", "", NODE_1, True),
    ("get", "coordination.k8s.io", "leases", "", "kube-node-lease", NODE_1, True),
    ("update", "coordination.k8s.io", "leases", "", "kube-node-lease", NODE_2, False),
    ("get", "coordination.k8s.io", "leases", "", "default", NODE_1, False),
    ("create", "", "events", "", "default", "", True),
    ("get", "", "secrets", "", "default", "other", False),
    ("get", "", "configmaps", "", "kube-system", "kubeferry-simulation", True),  # kubeferry:simulated-node
    ("delete", "apps", "deployments", "", "default", "web", False),
]


@pytest.mark.parametrize(
    "verb,group,resource,sub,namespace,name,allowed",
    NODE_DECISIONS,
    ids=[f"{v}-{r}{'/' + s if s else ''}-{n or 'all'}" for v, _, r, s, _, n, _ in NODE_DECISIONS],
)
def test_node_authorizer_decisions(registry, verb, group, resource, sub, namespace, name, allowed):
    authz = Authorizer(registry.store)
    assert authz.allows(identity.node(NODE_1), attrs(verb, group, resource, namespace, name, sub)) is allowed


def test_a_node_may_read_the_secrets_its_pods_use_and_no_others(registry):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "uses", "namespace": "default"},
        "spec": {
            "nodeName": NODE_1,
            "containers": [{"name": "c", "image": "nginx", "envFrom": [{"secretRef": {"name": "creds"}}]}],
            "volumes": [{"name": "v", "configMap": {"name": "settings"}}],
        },
    }
    registry.create(by_gvk("", "v1", "Pod"), "default", pod)
    authz = Authorizer(registry.store)
    assert authz.allows(identity.node(NODE_1), attrs("get", "", "secrets", "default", "creds"))
    assert authz.allows(identity.node(NODE_1), attrs("get", "", "configmaps", "default", "settings"))
    assert not authz.allows(identity.node(NODE_2), attrs("get", "", "secrets", "default", "creds"))


def kubelet_transport(registry, node):
    transport = controlplane.InProcessTransport(registry, Authorizer(registry.store), controlplane.CONTROLLER_MANAGER)
    transport.act_as(identity.node(node))
    return transport


def test_a_kubelet_cannot_read_another_nodes_pod(registry):
    with pytest.raises(st.StatusError) as e:
        kubelet_transport(registry, NODE_1).get("v1", "Pod", "default", "on-2")
    assert e.value.code == 403
    assert e.value.message == (
        'pods "on-2" is forbidden: User "system:node:kubeferry-node-1" cannot get resource "pods" in API group "" '
        "in the namespace \"default\": no relationship found between node 'kubeferry-node-1' and this object"
    )


def test_a_kubelet_cannot_update_the_status_of_another_nodes_pod(registry):
    transport = kubelet_transport(registry, NODE_1)
    other = copy.deepcopy(registry.get(by_gvk("", "v1", "Pod"), "default", "on-2").obj)
    other["status"] = {"phase": "Running"}
    with pytest.raises(st.StatusError) as e:
        transport.update(other, subresource="status")
    assert e.value.code == 403
    assert e.value.message == (
        'pods "on-2" is forbidden: node "kubeferry-node-1" can only update pod status for pods with spec.nodeName set to itself'
    )
    own = copy.deepcopy(transport.get("v1", "Pod", "default", "on-1"))
    own["status"] = {"phase": "Running"}
    assert transport.update(own, subresource="status")["status"]["phase"] == "Running"


def test_a_kubelet_cannot_delete_another_nodes_pod_or_modify_another_node(registry):
    transport = kubelet_transport(registry, NODE_1)
    with pytest.raises(st.StatusError) as e:
        transport.delete("v1", "Pod", "default", "on-2")
    assert (
        e.value.message
        == 'pods "on-2" is forbidden: node "kubeferry-node-1" can only delete pods with spec.nodeName set to itself'
    )
    node_2 = copy.deepcopy(registry.get(by_gvk("", "v1", "Node"), "", NODE_2).obj)
    with pytest.raises(st.StatusError) as e:
        transport.update(node_2, subresource="status")
    assert (
        e.value.message
        == 'nodes "kubeferry-node-2" is forbidden: node "kubeferry-node-1" is not allowed to modify node "kubeferry-node-2"'
    )
    transport.delete("v1", "Pod", "default", "on-1")
    assert registry.store.get("pods", "default", "on-1") is None or registry.store.get("pods", "default", "on-1").obj[
        "metadata"
    ].get("deletionTimestamp")


def event(name: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "on-1", "namespace": "default"},
        "reason": "Pulled",
        "message": "pulled",
        "type": "Normal",
    }


def test_a_kubelets_event_rights_are_decided_once_per_namespace(registry):
    """Events are not decided object by object (no Node graph, no NodeRestriction): the answer holds
    for every name, so it is kept; what the kubelet may not do is still refused."""
    transport = kubelet_transport(registry, NODE_1)
    transport.create(event("e1"))
    assert ("create", "", "events", "", "default") in transport._allowed
    transport.create(event("e2"))
    with pytest.raises(st.StatusError) as e:
        transport.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}})
    assert e.value.code == 403
    assert ("create", "", "configmaps", "", "default") not in transport._allowed
    assert authorization.node_decides_per_object("", "pods") and not authorization.node_decides_per_object("", "events")


def test_a_denied_controller_call_is_the_http_403(registry):
    transport = controlplane.InProcessTransport(registry, Authorizer(registry.store), controlplane.CONTROLLER_MANAGER)
    transport.act_as(**identity.controller_manager("replicaset-controller"))
    assert transport.list("v1", "Pod", "default")  # its own right
    assert transport.get("apps/v1", "Deployment", "default", "none") is None  # served by the manager's informers
    with pytest.raises(st.StatusError) as e:
        transport.delete("apps/v1", "Deployment", "default", "web")
    assert e.value.code == 403 and e.value.reason == "Forbidden"
    assert e.value.message == (
        'deployments.apps "web" is forbidden: User "system:serviceaccount:kube-system:replicaset-controller" '
        'cannot delete resource "deployments" in API group "apps" in the namespace "default"'
    )


def deployment(replicas: int) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]},
            },
        },
    }


def test_the_control_plane_enforces_each_controllers_role():
    """Without its binding the ReplicaSet controller cannot create pods; bound again (the cached
    decisions are dropped on the change), it does."""
    registry = Registry(Store(None))
    clock = clocks.VirtualClock(NOW)
    registry.now = clock.now
    bootstrap.ensure_system_objects(registry)
    control = controlplane.ControlPlane(
        registry,
        clock,
        catalog.workload_controllers()
        + cluster_controllers.cluster_controllers()
        + simulation.simulation_controllers(),
    )
    bootstrap.ensure_nodes(registry, 2)
    control.resync()
    binding_res = by_gvk("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding")
    binding = copy.deepcopy(registry.get(binding_res, "", "system:controller:replicaset-controller").obj)
    registry.delete(binding_res, "", "system:controller:replicaset-controller")
    registry.create(by_gvk("apps", "v1", "Deployment"), "default", deployment(2))
    control.advance(5)
    assert len(list(registry.store.list("apps/replicasets", "default"))) == 1
    assert list(registry.store.list("pods", "default")) == []
    for key in ("resourceVersion", "uid", "creationTimestamp"):
        binding["metadata"].pop(key, None)
    registry.create(binding_res, "", binding)
    control.advance(5)
    pods = [e.obj for e in registry.store.list("pods", "default")]
    assert len(pods) == 2 and {p["spec"]["nodeName"] for p in pods} <= {NODE_1, NODE_2}
    assert {p["status"]["phase"] for p in pods} == {"Running"}


# The kubelet requests the Node authorizer allows by itself, which the in-process transport decides
# from the request's parts (`node_allows`): (verb, group, resource, subresource, namespace, name).
NODE_ALLOWS_ALONE = [
    ("get", "", "pods", "", "default", "on-1"),
    ("create", "", "pods", "", "default", "mirror"),
    ("delete", "", "pods", "", "default", "on-2"),  # NodeRestriction, not the authorizer, refuses this one
    ("update", "", "pods", "status", "default", "on-1"),
    ("patch", "", "pods", "status", "default", "on-1"),
    ("create", "", "pods", "eviction", "default", "on-1"),
    ("get", "", "nodes", "", "", NODE_1),
    ("update", "", "nodes", "", "", NODE_2),  # likewise left to NodeRestriction
    ("update", "", "nodes", "status", "", NODE_1),
    ("create", "coordination.k8s.io", "leases", "", "kube-node-lease", "any"),
    ("update", "coordination.k8s.io", "leases", "", "kube-node-lease", NODE_1),
]


def test_node_allows_answers_yes_only_where_the_node_authorizer_does(registry):
    authz = Authorizer(registry.store)
    verbs = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")
    targets = [("", "pods"), ("", "nodes"), ("coordination.k8s.io", "leases")]
    seen = set()
    for verb in verbs:
        for group, resource in targets:
            for sub in ("", "status", "eviction", "binding"):
                for namespace in ("", "default", "kube-node-lease"):
                    for name in ("", "on-1", "on-2", "missing", "mirror", "any", NODE_1, NODE_2):
                        for node in (NODE_1, ""):
                            fast = authorization.node_allows(
                                registry.store, node, verb, group, resource, sub, namespace, name
                            )
                            full = authz.node_decision(node, attrs(verb, group, resource, namespace, name, sub))[0]
                            assert not fast or full, (node, verb, group, resource, sub, namespace, name)
                            if fast and node:
                                seen.add((verb, group, resource, sub, namespace, name))
    assert set(NODE_ALLOWS_ALONE) <= seen
    assert ("get", "", "pods", "", "default", "on-2") not in seen
    assert ("get", "", "pods", "", "default", "missing") not in seen
    assert ("update", "coordination.k8s.io", "leases", "", "kube-node-lease", NODE_2) not in seen


def test_a_kubelets_transport_decides_its_own_pods_without_the_full_decision(registry, monkeypatch):
    transport = kubelet_transport(registry, NODE_1)
    full = []
    monkeypatch.setattr(transport.authorizer, "check_in_process", lambda *a, **k: full.append(a))
    own = copy.deepcopy(transport.get("v1", "Pod", "default", "on-1"))
    own["status"] = {"phase": "Running"}
    transport.update(own, subresource="status")
    transport.get("v1", "Pod", "default", "on-2")  # not its pod: the full decision is asked
    assert [a[1].name for a in full] == ["on-2"]
