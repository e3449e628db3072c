"""Endpoints and EndpointSlices of a Service (upstream TestSyncEndpoints* and endpointslice reconciler facts)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from kubeferry.controllers import endpoints
from kubeferry.controllers.actions import CreateObject, DeleteObject, UpdateObject

NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
SVC_CREATED = "2024-05-01T10:00:00Z"
NS = "default"


def service(*, ports=None, selector=None, cluster_ip="10.0.0.1", publish=False, labels=None, svc_type=None):
    spec: dict = {
        "selector": {"foo": "bar"} if selector is None else selector,
        "clusterIP": cluster_ip,
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}] if ports is None else ports,
    }
    if publish:
        spec["publishNotReadyAddresses"] = True
    if svc_type:
        spec["type"] = svc_type
    meta = {"name": "foo", "namespace": NS, "uid": "svc-uid", "creationTimestamp": SVC_CREATED}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


def pod(i: int, *, ready=True, deleting=False, phase="Running", ports=None, labels=None, ip=None, ready_at=None):
    meta: dict = {"name": f"pod{i}", "namespace": NS, "uid": f"uid{i}", "labels": labels or {"foo": "bar"}}
    if deleting:
        meta["deletionTimestamp"] = "2024-05-01T11:59:00Z"
    container = {"name": "c", "image": "img"}
    if ports:
        container["ports"] = ports
    ready_cond = {
        "type": "Ready",
        "status": "True" if ready else "False",
        "lastTransitionTime": ready_at or f"2024-05-01T11:0{i}:00Z",
    }
    address = ip if ip is not None else f"1.2.3.{4 + i}"
    status: dict = {"phase": phase, "conditions": [ready_cond]}
    if address:
        status["podIP"] = address
        status["podIPs"] = [{"ip": address}]
    return {"metadata": meta, "spec": {"nodeName": "node-1", "containers": [container]}, "status": status}


def addr(i: int) -> dict:
    return {
        "ip": f"1.2.3.{4 + i}",
        "nodeName": "node-1",
        "targetRef": {"kind": "Pod", "namespace": NS, "name": f"pod{i}", "uid": f"uid{i}"},
    }


def endpoints_obj(subsets, labels=None, trigger="2024-05-01T10:00:00Z", rv="1") -> dict:
    meta: dict = {"name": "foo", "namespace": NS}
    if rv:
        meta["resourceVersion"] = rv
    if labels:
        meta["labels"] = labels
    if trigger:
        meta["annotations"] = {"endpoints.kubernetes.io/last-change-trigger-time": trigger}
    obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta}
    if subsets:
        obj["subsets"] = subsets
    return obj


def endpoints_actions(actions):
    return [a for a in actions if a.obj.get("kind") == "Endpoints"] if actions else []


def subsets_of(svc, pods, current=None):
    (action,) = endpoints_actions(endpoints.reconcile(svc, pods, current, [], NOW))
    return action.obj.get("subsets", [])


PORT_80 = {"port": 8080, "protocol": "TCP"}

SUBSET_CASES = [
    pytest.param(service(), [pod(0)], [{"addresses": [addr(0)], "ports": [PORT_80]}], id="one-ready-pod"),
    pytest.param(
        service(),
        [pod(0, ready=False)],
        [{"notReadyAddresses": [addr(0)], "ports": [PORT_80]}],
        id="TestSyncEndpointsItemsPreexistingNotReady-unready-goes-to-notReadyAddresses",
    ),
    pytest.param(
        service(),
        [pod(0), pod(1, ready=False)],
        [{"addresses": [addr(0)], "notReadyAddresses": [addr(1)], "ports": [PORT_80]}],
        id="ready-and-unready-share-a-subset",
    ),
    pytest.param(
        service(publish=True),
        [pod(0, ready=False)],
        [{"addresses": [addr(0)], "ports": [PORT_80]}],
        id="publishNotReadyAddresses-lists-unready-as-ready",
    ),
    pytest.param(service(), [pod(0, deleting=True)], [], id="terminating-pod-excluded"),
    pytest.param(
        service(publish=True),
        [pod(0, deleting=True)],
        [{"addresses": [addr(0)], "ports": [PORT_80]}],
        id="terminating-pod-kept-with-publishNotReadyAddresses",
    ),
    pytest.param(service(), [pod(0, phase="Succeeded"), pod(1, phase="Failed")], [], id="terminal-pods-excluded"),
    pytest.param(service(), [pod(0, ip="")], [], id="pod-without-ip-excluded"),
    pytest.param(service(), [pod(0, labels={"foo": "other"})], [], id="pod-not-selected"),
    pytest.param(
        service(ports=[{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "web"}]),
        [
            pod(0, ports=[{"name": "web", "containerPort": 8080, "protocol": "TCP"}]),
            pod(1, ports=[{"name": "web", "containerPort": 9090}]),
            pod(2),
        ],
        [
            {"addresses": [addr(0)], "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]},
            {"addresses": [addr(1)], "ports": [{"name": "http", "port": 9090, "protocol": "TCP"}]},
        ],
        id="TestSyncEndpointsItemsWithLabels-named-target-port-resolved-per-pod",
    ),
    pytest.param(
        service(ports=[{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": "dns"}]),
        [pod(0, ports=[{"name": "dns", "containerPort": 53, "protocol": "TCP"}])],
        [],
        id="named-port-protocol-must-match",
    ),
    pytest.param(
        service(
            ports=[
                {"name": "a", "port": 80, "protocol": "TCP", "targetPort": 8080},
                {"name": "b", "port": 81, "protocol": "TCP", "targetPort": 8088},
            ]
        ),
        [pod(1), pod(0)],
        [
            {
                "addresses": [addr(0), addr(1)],
                "ports": [
                    {"name": "a", "port": 8080, "protocol": "TCP"},
                    {"name": "b", "port": 8088, "protocol": "TCP"},
                ],
            }
        ],
        id="TestSyncEndpointsProtocolTCP-multiple-ports-one-subset-sorted",
    ),
    pytest.param(
        service(ports=[], cluster_ip="None"),
        [pod(0)],
        [{"addresses": [addr(0)]}],
        id="headless-without-ports-keeps-addresses",
    ),
    pytest.param(service(ports=[]), [pod(0)], [], id="non-headless-without-ports-has-nothing"),
]


@pytest.mark.parametrize(("svc", "pods", "expected"), SUBSET_CASES)
def test_subsets(svc, pods, expected) -> None:
    assert subsets_of(svc, pods) == expected


def test_create_endpoints_with_labels_and_trigger_time() -> None:
    svc = service(labels={"app": "web"})
    actions = endpoints.reconcile(svc, [pod(0), pod(1)], None, [], NOW)
    assert actions[0] == CreateObject(
        endpoints_obj([{"addresses": [addr(0), addr(1)], "ports": [PORT_80]}], labels={"app": "web"}, rv="")
    )


def test_headless_service_label() -> None:
    (action,) = endpoints_actions(endpoints.reconcile(service(cluster_ip="None"), [], None, [], NOW))
    assert action.obj["metadata"]["labels"] == {"service.kubernetes.io/headless": ""}


def test_unchanged_endpoints_are_not_written() -> None:
    current = endpoints_obj([{"addresses": [addr(0)], "ports": [PORT_80]}])
    current["subsets"][0]["addresses"][0]["targetRef"]["resourceVersion"] = "99"
    assert endpoints_actions(endpoints.reconcile(service(), [pod(0)], current, [], NOW)) == []


def test_headless_label_is_ignored_in_comparison() -> None:
    current = endpoints_obj(
        [{"addresses": [addr(0)], "ports": [PORT_80]}], labels={"service.kubernetes.io/headless": ""}
    )
    assert endpoints_actions(endpoints.reconcile(service(cluster_ip="None"), [pod(0)], current, [], NOW)) == []


def test_update_when_a_pod_turns_ready_uses_its_transition_time() -> None:
    current = endpoints_obj([{"notReadyAddresses": [addr(0)], "ports": [PORT_80]}])
    fresh = pod(0, ready_at="2024-05-01T11:59:30Z")
    expected = endpoints_obj([{"addresses": [addr(0)], "ports": [PORT_80]}], trigger="2024-05-01T11:59:30Z")
    assert endpoints_actions(endpoints.reconcile(service(), [fresh, pod(1, labels={"x": "y"})], current, [], NOW)) == [
        UpdateObject(expected)
    ]


def test_removed_pod_clears_trigger_annotation() -> None:
    current = endpoints_obj([{"addresses": [addr(0), addr(1)], "ports": [PORT_80]}])
    expected = endpoints_obj([{"addresses": [addr(0)], "ports": [PORT_80]}], trigger=None)
    assert endpoints_actions(endpoints.reconcile(service(), [pod(0)], current, [], NOW)) == [UpdateObject(expected)]


@pytest.mark.parametrize(
    "svc",
    [
        pytest.param(service(selector={}), id="no-selector"),
        pytest.param(service(svc_type="ExternalName"), id="external-name"),
    ],
)
def test_services_left_alone(svc) -> None:
    assert endpoints.reconcile(svc, [pod(0)], None, [], NOW) == []


def test_over_capacity_truncates_and_annotates() -> None:
    pods = [pod(i, ip=f"10.0.{i // 250}.{i % 250}") for i in range(1001)]
    (action,) = endpoints_actions(endpoints.reconcile(service(), pods, None, [], NOW))
    assert len(action.obj["subsets"][0]["addresses"]) == 1000
    assert action.obj["metadata"]["annotations"]["endpoints.kubernetes.io/over-capacity"] == "truncated"


def test_truncate_keeps_ready_first_proportionally() -> None:
    subsets = [
        {"addresses": [{"ip": f"a{i}"} for i in range(600)], "notReadyAddresses": [{"ip": "x"}]},
        {"addresses": [{"ip": f"b{i}"} for i in range(600)]},
    ]
    assert endpoints.truncate_subsets(subsets)
    assert [len(s.get("addresses", [])) for s in subsets] == [500, 500]
    assert all("notReadyAddresses" not in s for s in subsets)


# --- EndpointSlices ---------------------------------------------------------------------------------

SLICE_LABELS = {
    "kubernetes.io/service-name": "foo",
    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
}
OWNER = {
    "apiVersion": "v1",
    "kind": "Service",
    "name": "foo",
    "uid": "svc-uid",
    "controller": True,
    "blockOwnerDeletion": True,
}


def slice_endpoint(i: int, ready=True, serving=True, terminating=False) -> dict:
    return {
        "addresses": [f"1.2.3.{4 + i}"],
        "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
        "targetRef": {"kind": "Pod", "namespace": NS, "name": f"pod{i}", "uid": f"uid{i}"},
        "nodeName": "node-1",
    }


SLICE_PORT = {"name": "", "port": 8080, "protocol": "TCP"}


def new_slice(eps, ports, trigger) -> dict:
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "generateName": "foo-",
            "namespace": NS,
            "labels": SLICE_LABELS,
            "ownerReferences": [OWNER],
            "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": trigger},
        },
        "addressType": "IPv4",
        "endpoints": eps,
        "ports": ports,
    }


def slice_actions(actions):
    return [
        a
        for a in actions
        if getattr(a, "kind", None) == "EndpointSlice" or (hasattr(a, "obj") and a.obj.get("kind") == "EndpointSlice")
    ]


@pytest.mark.parametrize(
    ("svc", "pods", "eps"),
    [
        pytest.param(service(), [pod(1), pod(0)], [slice_endpoint(0), slice_endpoint(1)], id="ready-pods"),
        pytest.param(
            service(),
            [pod(0, ready=False)],
            [slice_endpoint(0, ready=False, serving=False)],
            id="unready-pod-not-ready-not-serving",
        ),
        pytest.param(
            service(),
            [pod(0, deleting=True)],
            [slice_endpoint(0, ready=False, terminating=True)],
            id="terminating-ready-pod-serving-but-not-ready",
        ),
        pytest.param(
            service(publish=True),
            [pod(0, ready=False, deleting=True)],
            [slice_endpoint(0, ready=True, serving=False, terminating=True)],
            id="publishNotReadyAddresses-always-ready",
        ),
    ],
)
def test_slice_endpoint_conditions(svc, pods, eps) -> None:
    (action,) = slice_actions(endpoints.reconcile(svc, pods, None, [], NOW))
    assert action == CreateObject(new_slice(eps, [SLICE_PORT], "2024-05-01T10:00:00Z"))


def test_placeholder_slice_without_endpoints() -> None:
    (action,) = slice_actions(endpoints.reconcile(service(), [], None, [], NOW))
    assert action == CreateObject(new_slice([], [], "2024-05-01T10:00:00Z"))


def existing_slice(eps, ports, name="foo-abc") -> dict:
    obj = new_slice(eps, ports, "2024-05-01T10:00:00Z")
    meta = obj["metadata"]
    meta.pop("generateName")
    meta.update(name=name, uid="uid-" + name, resourceVersion="5")
    return obj


def test_unchanged_slice_is_not_written_and_foreign_slices_are_ignored() -> None:
    foreign = existing_slice([], [], name="mine")
    foreign["metadata"]["labels"] = {
        "kubernetes.io/service-name": "foo",
        "endpointslice.kubernetes.io/managed-by": "someone-else",
    }
    current = existing_slice([slice_endpoint(0)], [SLICE_PORT])
    assert slice_actions(endpoints.reconcile(service(), [pod(0)], None, [current, foreign], NOW)) == []


def test_changed_slice_is_updated_and_surplus_deleted() -> None:
    current = existing_slice([slice_endpoint(0)], [SLICE_PORT])
    surplus = existing_slice([], [], name="foo-old")
    expected = copy.deepcopy(current)
    expected["endpoints"] = [slice_endpoint(0), slice_endpoint(1)]
    expected["metadata"]["annotations"] = {"endpoints.kubernetes.io/last-change-trigger-time": "2024-05-01T11:01:00Z"}
    assert slice_actions(endpoints.reconcile(service(), [pod(0), pod(1)], None, [current, surplus], NOW)) == [
        UpdateObject(expected),
        DeleteObject("discovery.k8s.io/v1", "EndpointSlice", NS, "foo-old", uid="uid-foo-old"),
    ]


def test_slice_labels_copy_service_labels_but_not_reserved_ones() -> None:
    svc = service(labels={"app": "web", "kubernetes.io/service-name": "spoof"}, cluster_ip="None")
    assert endpoints.slice_labels(svc) == {"app": "web", "service.kubernetes.io/headless": "", **SLICE_LABELS}


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC), "2024-05-01T10:00:00Z", id="whole-seconds"),
        pytest.param(
            dt.datetime(2024, 5, 1, 10, 0, 0, 120000, tzinfo=dt.UTC), "2024-05-01T10:00:00.12Z", id="fraction-trimmed"
        ),
    ],
)
def test_format_rfc3339_nano(moment, expected) -> None:
    assert endpoints.format_rfc3339_nano(moment) == expected
