"""The keys the workload and cluster controllers' mappers derive from a change, exactly and in order."""

from __future__ import annotations

import pytest

from kubeferry.controllers import catalog, cluster_controllers

RS = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "rs-1", "controller": True}
RS2 = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-2", "uid": "rs-2", "controller": True}
STS = {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "sts-1", "controller": True}
NOT_CONTROLLER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-3", "uid": "rs-3"}


def pod(*refs: dict, namespace: str = "default", name: str = "p") -> dict:
    meta: dict = {"name": name, "namespace": namespace}
    if refs:
        meta["ownerReferences"] = list(refs)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta}


@pytest.mark.parametrize(
    ("prev", "obj", "keys"),
    [
        pytest.param(None, pod(RS), [("replicaset", "default", "web-1")], id="created-with-owner"),
        pytest.param(pod(RS), pod(RS), [("replicaset", "default", "web-1")], id="status-write-one-key"),
        pytest.param(
            pod(RS), pod(RS2), [("replicaset", "default", "web-2"), ("replicaset", "default", "web-1")], id="moved"
        ),
        pytest.param(pod(RS), pod(), [("replicaset", "default", "web-1")], id="released"),
        pytest.param(pod(), pod(RS2), [("replicaset", "default", "web-2")], id="adopted"),
        pytest.param(pod(STS), pod(STS), [], id="other-kind"),
        pytest.param(None, pod(NOT_CONTROLLER), [], id="owner-not-controller"),
        pytest.param(None, pod(), [], id="orphan"),
    ],
)
def test_owner_mapper_keys_now_and_before(prev, obj, keys):
    mapper = catalog._owner("replicaset", "ReplicaSet")
    assert list(mapper("v1", "Pod", obj, prev, "MODIFIED" if prev else "ADDED")) == keys


@pytest.mark.parametrize(
    ("event", "obj", "keys"),
    [
        pytest.param("DELETED", pod(RS), [("deployment", "default", "web")], id="deleted-pod-wakes-deployment"),
        pytest.param("MODIFIED", pod(RS), [], id="modified-pod-nothing"),
        pytest.param("DELETED", pod(STS), [], id="not-a-replicaset-pod"),
        pytest.param("DELETED", pod(), [], id="orphan"),
    ],
)
def test_pods_to_deployment_keys(event, obj, keys):
    assert list(catalog._pods_to_deployment("v1", "Pod", obj, None, event)) == keys


def service(name: str, namespace: str = "default") -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace}}


def test_endpoints_pod_change_wakes_its_namespaces_services_by_name():
    watches = cluster_controllers.endpoints_controller().watches
    on_service, on_pod = watches[("v1", "Service")], watches[("v1", "Pod")]
    assert list(on_pod("v1", "Pod", pod(), None, "ADDED")) == []
    assert on_service("v1", "Service", service("web"), None, "ADDED") == [("endpoints", "default", "web")]
    on_service("v1", "Service", service("api"), None, "ADDED")
    on_service("v1", "Service", service("web", "other"), None, "ADDED")
    assert list(on_pod("v1", "Pod", pod(), None, "ADDED")) == [
        ("endpoints", "default", "api"),
        ("endpoints", "default", "web"),
    ]
    assert on_service("v1", "Service", service("api"), None, "DELETED") == [("endpoints", "default", "api")]
    assert list(on_pod("v1", "Pod", pod(), None, "MODIFIED")) == [("endpoints", "default", "web")]
    assert list(on_pod("v1", "Pod", pod(namespace="other"), None, "MODIFIED")) == [("endpoints", "other", "web")]
    on_service("v1", "Service", service("web"), None, "DELETED")
    assert list(on_pod("v1", "Pod", pod(), None, "MODIFIED")) == []


def budget(name: str) -> dict:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": "default"},
    }


def test_disruption_member_change_wakes_its_namespaces_budgets_by_name():
    watches = cluster_controllers.disruption_controller().watches
    on_budget, on_member = watches[("policy/v1", "PodDisruptionBudget")], watches[("v1", "Pod")]
    assert list(on_member("v1", "Pod", pod(), None, "ADDED")) == []
    on_budget("policy/v1", "PodDisruptionBudget", budget("z"), None, "ADDED")
    on_budget("policy/v1", "PodDisruptionBudget", budget("a"), None, "ADDED")
    assert list(on_member("v1", "Pod", pod(), None, "ADDED")) == [
        ("disruption", "default", "a"),
        ("disruption", "default", "z"),
    ]
    assert on_budget("policy/v1", "PodDisruptionBudget", budget("z"), None, "DELETED") == []
    assert list(on_member("v1", "Pod", pod(), None, "DELETED")) == [("disruption", "default", "a")]
    assert list(on_member("v1", "Pod", pod(namespace="other"), None, "DELETED")) == []


@pytest.mark.parametrize(
    ("event", "keys"),
    [
        pytest.param("DELETED", [("namespace", "", "default")], id="deleted"),
        pytest.param("MODIFIED", [], id="modified"),
    ],
)
def test_namespace_content_change_keys(event, keys):
    on_content = cluster_controllers.namespace_controller().watches[("v1", "Pod")]
    assert list(on_content("v1", "Pod", pod(), None, event)) == keys
