"""Server-side Table output: columns, cells and ages as kube-apiserver v1.37 prints them.

Expected values restate upstream's printer behaviour (pkg/printers/internalversion and its
tests) as facts: inputs and the exact cells they produce.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kubeferry.apiserver.podstatus import summarize_pod
from kubeferry.apiserver.tables import (
    column_definitions,
    format_label_selector,
    format_labels,
    human_duration,
    printer_for,
    to_table,
)
from kubeferry.machinery import resources
from kubeferry.machinery.status import StatusError

NOW = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)


def ago(seconds: float) -> str:
    """An RFC 3339 timestamp `seconds` before NOW."""
    return (NOW - dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def res(group: str, plural: str) -> resources.Resource:
    found = resources.by_gvr(group, "v1", plural)
    assert found is not None
    return found


def meta(name: str, age: float | None = 300, **extra) -> dict:
    m = {"name": name, "namespace": "default", "uid": "u-" + name, "resourceVersion": "7", **extra}
    if age is not None:
        m["creationTimestamp"] = ago(age)
    return m


def cells(group: str, plural: str, obj: dict) -> list:
    return to_table(res(group, plural), [obj], NOW)["rows"][0]["cells"]


# --- ages ----------------------------------------------------------------------------------------

HUMAN_DURATIONS = [
    ("now", 0, "0s"),
    ("one-second-ahead-is-skew", -1, "0s"),
    ("fraction-ahead-is-skew", -1.9, "0s"),
    ("two-seconds-ahead-invalid", -2, "<invalid>"),
    ("seconds", 59, "59s"),
    ("seconds-up-to-two-minutes", 119, "119s"),
    ("two-minutes", 120, "2m"),
    ("minutes-and-seconds", 123, "2m3s"),
    ("under-ten-minutes", 599, "9m59s"),
    ("ten-minutes", 600, "10m"),
    ("minutes-drop-seconds", 10 * 60 + 59, "10m"),
    ("under-three-hours", 179 * 60 + 59, "179m"),
    ("three-hours", 3 * 3600, "3h"),
    ("hours-and-minutes", 3 * 3600 + 60, "3h1m"),
    ("under-eight-hours", 8 * 3600 - 1, "7h59m"),
    ("eight-hours", 8 * 3600, "8h"),
    ("under-two-days", 48 * 3600 - 1, "47h"),
    ("two-days", 48 * 3600, "2d"),
    ("days-and-hours", 3 * 86400 + 4 * 3600, "3d4h"),
    ("under-eight-days", 8 * 86400 - 1, "7d23h"),
    ("eight-days", 8 * 86400, "8d"),
    ("days", 45 * 86400, "45d"),
    ("under-two-years", 730 * 86400 - 1, "729d"),
    ("two-years", 730 * 86400, "2y"),
    ("years-and-days", 733 * 86400, "2y3d"),
    ("under-eight-years", 8 * 365 * 86400 - 1, "7y364d"),
    ("eight-years", 8 * 365 * 86400, "8y"),
    ("ten-years", 10 * 365 * 86400 + 5 * 86400, "10y"),
]


@pytest.mark.parametrize(("seconds", "expected"), [c[1:] for c in HUMAN_DURATIONS], ids=[c[0] for c in HUMAN_DURATIONS])
def test_human_duration(seconds, expected):
    assert human_duration(seconds) == expected


def test_missing_creation_timestamp_is_unknown_age():
    assert cells("", "configmaps", {"metadata": meta("c", age=None)}) == ["c", 0, "<unknown>"]


def test_fractional_timestamps_and_naive_now():
    obj = {"metadata": {"name": "c", "creationTimestamp": "2026-03-01T11:59:30.500000Z"}}
    table = to_table(res("", "configmaps"), [obj], NOW.replace(tzinfo=None))
    assert table["rows"][0]["cells"] == ["c", 0, "29s"]


# --- selectors -----------------------------------------------------------------------------------

SELECTORS = [
    ("missing", None, "<none>"),
    ("empty", {}, "<none>"),
    ("match-labels-sorted", {"matchLabels": {"tier": "web", "app": "my-app"}}, "app=my-app,tier=web"),
    (
        "expressions",
        {"matchLabels": {"app": "my-app"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]},
        "app=my-app,tier in (web)",
    ),
    (
        "in-values-sorted",
        {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]}]},
        "env in (dev,prod)",
    ),
    ("notin", {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["qa"]}]}, "env notin (qa)"),
    ("exists", {"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}, "gpu"),
    ("does-not-exist", {"matchExpressions": [{"key": "gpu", "operator": "DoesNotExist"}]}, "!gpu"),
    (
        "sorted-by-key-across-kinds",
        {"matchLabels": {"z": "1"}, "matchExpressions": [{"key": "a", "operator": "Exists"}]},
        "a,z=1",
    ),
    ("in-without-values", {"matchExpressions": [{"key": "env", "operator": "In", "values": []}]}, "<error>"),
    ("exists-with-values", {"matchExpressions": [{"key": "env", "operator": "Exists", "values": ["x"]}]}, "<error>"),
    ("bad-operator", {"matchExpressions": [{"key": "env", "operator": "Equals", "values": ["x"]}]}, "<error>"),
]


@pytest.mark.parametrize(("selector", "expected"), [c[1:] for c in SELECTORS], ids=[c[0] for c in SELECTORS])
def test_format_label_selector(selector, expected):
    assert format_label_selector(selector) == expected


def test_format_labels():
    assert format_labels({"b": "2", "a": "1"}) == "a=1,b=2"
    assert format_labels({}) == "<none>"
    assert format_labels(None) == "<none>"


# --- column definitions --------------------------------------------------------------------------

# (group, plural) → [(name, type, priority)]
S, INT = "string", "integer"
COLUMNS = {
    ("", "namespaces"): [("Name", S, 0), ("Status", S, 0), ("Age", S, 0)],
    ("", "nodes"): [
        ("Name", S, 0), ("Status", S, 0), ("Roles", S, 0), ("Age", S, 0), ("Version", S, 0),
        ("Internal-IP", S, 1), ("External-IP", S, 1), ("OS-Image", S, 1), ("Kernel-Version", S, 1),
        ("Container-Runtime", S, 1),
    ],
    ("", "pods"): [
        ("Name", S, 0), ("Ready", S, 0), ("Status", S, 0), ("Restarts", S, 0), ("Age", S, 0),
        ("IP", S, 1), ("Node", S, 1), ("Nominated Node", S, 1), ("Readiness Gates", S, 1),
    ],
    ("", "services"): [
        ("Name", S, 0), ("Type", S, 0), ("Cluster-IP", S, 0), ("External-IP", S, 0), ("Port(s)", S, 0),
        ("Age", S, 0), ("Selector", S, 1),
    ],
    ("", "endpoints"): [("Name", S, 0), ("Endpoints", S, 0), ("Age", S, 0)],
    ("", "configmaps"): [("Name", S, 0), ("Data", S, 0), ("Age", S, 0)],
    ("", "secrets"): [("Name", S, 0), ("Type", S, 0), ("Data", S, 0), ("Age", S, 0)],
    ("", "serviceaccounts"): [("Name", S, 0), ("Secrets", S, 0), ("Age", S, 0)],
    ("", "events"): [
        ("Last Seen", S, 0), ("Type", S, 0), ("Reason", S, 0), ("Object", S, 0), ("Subobject", S, 1),
        ("Source", S, 1), ("Message", S, 0), ("First Seen", S, 1), ("Count", S, 1), ("Name", S, 1),
    ],
    ("events.k8s.io", "events"): [
        ("Last Seen", S, 0), ("Type", S, 0), ("Reason", S, 0), ("Object", S, 0), ("Subobject", S, 1),
        ("Source", S, 1), ("Message", S, 0), ("First Seen", S, 1), ("Count", S, 1), ("Name", S, 1),
    ],
    ("", "persistentvolumeclaims"): [
        ("Name", S, 0), ("Status", S, 0), ("Volume", S, 0), ("Capacity", S, 0), ("Access Modes", S, 0),
        ("StorageClass", S, 0), ("VolumeAttributesClass", S, 0), ("Age", S, 0), ("VolumeMode", S, 1),
    ],
    ("", "persistentvolumes"): [
        ("Name", S, 0), ("Capacity", S, 0), ("Access Modes", S, 0), ("Reclaim Policy", S, 0), ("Status", S, 0),
        ("Claim", S, 0), ("StorageClass", S, 0), ("VolumeAttributesClass", S, 0), ("Reason", S, 0), ("Age", S, 0),
        ("VolumeMode", S, 1),
    ],
    ("apps", "deployments"): [
        ("Name", S, 0), ("Ready", S, 0), ("Up-to-date", S, 0), ("Available", S, 0), ("Age", S, 0),
        ("Containers", S, 1), ("Images", S, 1), ("Selector", S, 1),
    ],
    ("apps", "replicasets"): [
        ("Name", S, 0), ("Desired", INT, 0), ("Current", INT, 0), ("Ready", INT, 0), ("Age", S, 0),
        ("Containers", S, 1), ("Images", S, 1), ("Selector", S, 1),
    ],
    ("apps", "daemonsets"): [
        ("Name", S, 0), ("Desired", INT, 0), ("Current", INT, 0), ("Ready", INT, 0), ("Up-to-date", INT, 0),
        ("Available", INT, 0), ("Node Selector", S, 0), ("Age", S, 0), ("Containers", S, 1), ("Images", S, 1),
        ("Selector", S, 1),
    ],
    ("apps", "statefulsets"): [("Name", S, 0), ("Ready", S, 0), ("Age", S, 0), ("Containers", S, 1), ("Images", S, 1)],
    ("apps", "controllerrevisions"): [("Name", S, 0), ("Controller", S, 0), ("Revision", S, 0), ("Age", S, 0)],
    ("batch", "jobs"): [
        ("Name", S, 0), ("Status", S, 0), ("Completions", S, 0), ("Duration", S, 0), ("Age", S, 0),
        ("Containers", S, 1), ("Images", S, 1), ("Selector", S, 1),
    ],
    ("coordination.k8s.io", "leases"): [("Name", S, 0), ("Holder", S, 0), ("Age", S, 0)],
    ("discovery.k8s.io", "endpointslices"): [
        ("Name", S, 0), ("AddressType", S, 0), ("Ports", S, 0), ("Endpoints", S, 0), ("Age", S, 0),
    ],
    ("policy", "poddisruptionbudgets"): [
        ("Name", S, 0), ("Min Available", S, 0), ("Max Unavailable", S, 0), ("Allowed Disruptions", INT, 0), ("Age", S, 0),
    ],
    ("rbac.authorization.k8s.io", "roles"): [("Name", S, 0), ("Created At", "date", 0)],
    ("rbac.authorization.k8s.io", "clusterroles"): [("Name", S, 0), ("Created At", "date", 0)],
    ("rbac.authorization.k8s.io", "rolebindings"): [
        ("Name", S, 0), ("Role", S, 0), ("Age", S, 0), ("Users", S, 1), ("Groups", S, 1), ("ServiceAccounts", S, 1),
    ],
    ("rbac.authorization.k8s.io", "clusterrolebindings"): [
        ("Name", S, 0), ("Role", S, 0), ("Age", S, 0), ("Users", S, 1), ("Groups", S, 1), ("ServiceAccounts", S, 1),
    ],
    # reviews are create-only: kube-apiserver has no printer for them, so the default applies
    ("authentication.k8s.io", "selfsubjectreviews"): [("Name", S, 0), ("Age", S, 0)],
    ("authentication.k8s.io", "tokenreviews"): [("Name", S, 0), ("Age", S, 0)],
    ("authorization.k8s.io", "localsubjectaccessreviews"): [("Name", S, 0), ("Age", S, 0)],
    ("authorization.k8s.io", "selfsubjectaccessreviews"): [("Name", S, 0), ("Age", S, 0)],
    ("authorization.k8s.io", "selfsubjectrulesreviews"): [("Name", S, 0), ("Age", S, 0)],
    ("authorization.k8s.io", "subjectaccessreviews"): [("Name", S, 0), ("Age", S, 0)],
    ("storage.k8s.io", "storageclasses"): [
        ("Name", S, 0), ("Provisioner", S, 0), ("ReclaimPolicy", S, 0), ("VolumeBindingMode", S, 0),
        ("AllowVolumeExpansion", S, 0), ("Age", S, 0),
    ],
}  # fmt: skip


def test_every_served_resource_has_its_columns_listed_here():
    served = {(r.group, r.plural) for r in resources.RESOURCES}
    assert served == set(COLUMNS)


@pytest.mark.parametrize("key", sorted(COLUMNS), ids=lambda k: f"{k[1]}.{k[0]}" if k[0] else k[1])
def test_column_definitions(key):
    group, plural = key
    columns = column_definitions(res(group, plural))
    assert [(c["name"], c["type"], c["priority"]) for c in columns] == COLUMNS[key]
    for column in columns:
        assert set(column) == {"name", "type", "format", "description", "priority"}
        assert column["format"] == ("name" if column["name"] == "Name" else "")


def test_column_descriptions_come_from_the_api_docs_or_are_our_own():
    columns = {c["name"]: c for c in column_definitions(res("", "pods"))}
    assert columns["Name"]["description"].startswith("Name must be unique within a namespace.")
    assert columns["Node"]["description"]  # PodSpec.nodeName's doc
    assert columns["Ready"]["description"]


@pytest.mark.parametrize("key", sorted(COLUMNS), ids=lambda k: f"{k[1]}.{k[0]}" if k[0] else k[1])
def test_every_column_has_a_description(key):
    assert all(c["description"] for c in column_definitions(res(*key)))


def test_unknown_kinds_get_name_and_age():
    custom = resources.Resource("example.com", "v1", "Widget", "widgets", True)
    table = to_table(custom, [{"metadata": meta("w1", age=90)}], NOW)
    assert [(c["name"], c["priority"]) for c in table["columnDefinitions"]] == [("Name", 0), ("Age", 0)]
    assert table["rows"][0]["cells"] == ["w1", "90s"]


# --- the Table envelope --------------------------------------------------------------------------


def test_table_shape_with_metadata_objects():
    obj = {"metadata": meta("cm1", labels={"a": "1"}), "data": {"k": "v"}}
    table = to_table(res("", "configmaps"), [obj], NOW, resource_version="42", continue_token="tok")
    assert table["kind"] == "Table"
    assert table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "42", "continue": "tok"}
    assert table["rows"] == [
        {
            "cells": ["cm1", 1, "5m"],
            "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]},
        }
    ]


def test_include_object_variants():
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("cm1")}
    configmaps = res("", "configmaps")
    assert to_table(configmaps, [obj], NOW, include_object="Object")["rows"][0]["object"] == obj
    assert to_table(configmaps, [obj], NOW, include_object="None")["rows"][0]["object"] is None
    assert to_table(configmaps, [obj], NOW, include_object="")["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert to_table(configmaps, [], NOW)["rows"] == []
    assert to_table(configmaps, [], NOW)["metadata"] == {}


def test_invalid_include_object_is_a_bad_request():
    with pytest.raises(StatusError) as caught:
        to_table(res("", "configmaps"), [], NOW, include_object="Everything")
    assert caught.value.code == 400
    assert caught.value.message == (
        "includeObject: Invalid value: \"Everything\": must be 'Metadata', 'Object', 'None', or empty"
    )


def test_finished_pods_carry_completed_row_conditions():
    pods = res("", "pods")
    done = {"metadata": meta("p"), "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Succeeded"}}
    failed = {"metadata": meta("q"), "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Failed"}}
    running = {"metadata": meta("r"), "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Running"}}
    rows = to_table(pods, [done, failed, running], NOW)["rows"]
    assert rows[0]["conditions"] == [
        {"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}
    ]
    assert rows[1]["conditions"] == [
        {"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}
    ]
    assert "conditions" not in rows[2]


# --- per-kind rows -------------------------------------------------------------------------------


def test_namespace_row():
    assert cells(
        "", "namespaces", {"metadata": meta("dev", age=3 * 86400 + 4 * 3600), "status": {"phase": "Active"}}
    ) == [
        "dev",
        "Active",
        "3d4h",
    ]


NODE_CASES = [
    (
        "ready-control-plane",
        {
            "metadata": meta(
                "kf-1", age=3600, labels={"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "worker"}
            ),
            "status": {
                "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                "addresses": [{"type": "Hostname", "address": "kf-1"}, {"type": "InternalIP", "address": "10.0.0.1"}],
                "nodeInfo": {
                    "kubeletVersion": "v1.37.1",
                    "osImage": "kubeferry",
                    "kernelVersion": "6.8.0",
                    "containerRuntimeVersion": "kubeferry://1.0",
                },
            },
        },
        [
            "kf-1",
            "Ready",
            "control-plane,worker",
            "60m",
            "v1.37.1",
            "10.0.0.1",
            "<none>",
            "kubeferry",
            "6.8.0",
            "kubeferry://1.0",
        ],
    ),
    (
        "cordoned-not-ready",
        {
            "metadata": meta("kf-2", age=60),
            "spec": {"unschedulable": True},
            "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]},
        },
        [
            "kf-2",
            "NotReady,SchedulingDisabled",
            "<none>",
            "60s",
            "",
            "<none>",
            "<none>",
            "<unknown>",
            "<unknown>",
            "<unknown>",
        ],
    ),
    (
        "no-conditions-first-addresses",
        {
            "metadata": meta("foo3", age=None),
            "status": {
                "addresses": [
                    {"type": "InternalIP", "address": "2.2.2.2"},
                    {"type": "ExternalIP", "address": "3.3.3.3"},
                    {"type": "InternalIP", "address": "4.4.4.4"},
                ]
            },
        },
        ["foo3", "Unknown", "<none>", "<unknown>", "", "2.2.2.2", "3.3.3.3", "<unknown>", "<unknown>", "<unknown>"],
    ),
    (
        "cordoned-without-conditions",
        {"metadata": meta("n", age=None), "spec": {"unschedulable": True}},
        [
            "n",
            "Unknown,SchedulingDisabled",
            "<none>",
            "<unknown>",
            "",
            "<none>",
            "<none>",
            "<unknown>",
            "<unknown>",
            "<unknown>",
        ],
    ),
]


@pytest.mark.parametrize(("node", "expected"), [c[1:] for c in NODE_CASES], ids=[c[0] for c in NODE_CASES])
def test_node_rows(node, expected):
    assert cells("", "nodes", node) == expected


SERVICE_CASES = [
    (
        "cluster-ip",
        {"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "ports": [{"port": 80, "protocol": "TCP"}], "selector": {"app": "my-app"}},
        {},
        ["svc", "ClusterIP", "10.96.0.10", "<none>", "80/TCP", "5m", "app=my-app"],
    ),
    (
        "node-port-with-external-ips",
        {
            "type": "NodePort",
            "clusterIPs": ["10.96.0.11"],
            "externalIPs": ["1.2.3.4", "5.6.7.8"],
            "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
        },
        {},
        ["svc", "NodePort", "10.96.0.11", "1.2.3.4,5.6.7.8", "80:30080/TCP,53/UDP", "5m", "<none>"],
    ),
    (
        "headless-without-ports",
        {"type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"], "selector": {"b": "2", "a": "1"}},
        {},
        ["svc", "ClusterIP", "None", "<none>", "<none>", "5m", "a=1,b=2"],
    ),
    (
        "load-balancer-pending",
        {"type": "LoadBalancer", "clusterIPs": ["1.3.4.5"], "ports": [{"port": 80, "protocol": "TCP"}, {"port": 7777, "protocol": "SCTP"}]},
        {},
        ["svc", "LoadBalancer", "1.3.4.5", "<pending>", "80/TCP,7777/SCTP", "5m", "<none>"],
    ),
    (
        "load-balancer-ingress-sorted-and-not-clipped",
        {"type": "LoadBalancer", "clusterIPs": ["1.5.6.7"], "ports": [{"port": 80, "protocol": "TCP"}]},
        {"loadBalancer": {"ingress": [{"ip": "3.4.5.6"}, {"ip": "2.3.4.5"}, {"ip": "5.6.7.8", "hostname": "host5678"}]}},
        ["svc", "LoadBalancer", "1.5.6.7", "2.3.4.5,3.4.5.6,5.6.7.8", "80/TCP", "5m", "<none>"],
    ),
    (
        "load-balancer-hostname-and-external-ips",
        {"type": "LoadBalancer", "clusterIPs": ["1.5.6.7"], "externalIPs": ["9.9.9.9"], "ports": [{"port": 443, "protocol": "TCP"}]},
        {"loadBalancer": {"ingress": [{"hostname": "lb.example.com"}]}},
        ["svc", "LoadBalancer", "1.5.6.7", "lb.example.com,9.9.9.9", "443/TCP", "5m", "<none>"],
    ),
    (
        "external-name",
        {"type": "ExternalName", "externalName": "db.example.com"},
        {},
        ["svc", "ExternalName", "<none>", "db.example.com", "<none>", "5m", "<none>"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "status", "expected"), [c[1:] for c in SERVICE_CASES], ids=[c[0] for c in SERVICE_CASES]
)
def test_service_rows(spec, status, expected):
    assert cells("", "services", {"metadata": meta("svc"), "spec": spec, "status": status}) == expected


ENDPOINTS_CASES = [
    ("no-subsets", [], "<none>"),
    ("one-address-one-port", [{"addresses": [{"ip": "10.1.0.5"}], "ports": [{"port": 8080}]}], "10.1.0.5:8080"),
    (
        "ports-times-addresses",
        [{"addresses": [{"ip": "10.1.0.5"}, {"ip": "10.1.0.6"}], "ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]}],
        "10.1.0.5:80,10.1.0.6:80,10.1.0.5:443 + 1 more...",
    ),
    ("headless-without-ports", [{"addresses": [{"ip": "10.1.0.5"}, {"ip": "10.1.0.6"}]}], "10.1.0.5,10.1.0.6"),
    ("ipv6-bracketed", [{"addresses": [{"ip": "fd00::5"}], "ports": [{"port": 80}]}], "[fd00::5]:80"),
    ("only-not-ready", [{"notReadyAddresses": [{"ip": "10.1.0.5"}], "ports": [{"port": 80}]}], ""),
    (
        "more-across-subsets",
        [
            {"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"port": 80}]},
            {"addresses": [{"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}, {"ip": "10.0.0.5"}], "ports": [{"port": 81}]},
        ],
        "10.0.0.1:80,10.0.0.2:80,10.0.0.3:81 + 2 more...",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("subsets", "expected"), [c[1:] for c in ENDPOINTS_CASES], ids=[c[0] for c in ENDPOINTS_CASES])
def test_endpoints_rows(subsets, expected):
    assert cells("", "endpoints", {"metadata": meta("web"), "subsets": subsets}) == ["web", expected, "5m"]


def test_endpoint_slice_rows():
    full = {
        "metadata": meta("web-abc12"),
        "addressType": "IPv4",
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "named-only"}, {}, {"port": 9090}],
        "endpoints": [
            {"addresses": ["10.1.0.5"]},
            {"addresses": ["10.1.0.6", "10.1.0.7"]},
            {"addresses": ["10.1.0.8"]},
        ],
    }
    assert cells("discovery.k8s.io", "endpointslices", full) == [
        "web-abc12",
        "IPv4",
        "80,named-only,* + 1 more...",
        "10.1.0.5,10.1.0.6,10.1.0.7 + 1 more...",
        "5m",
    ]
    empty = {"metadata": meta("web-empty"), "addressType": "IPv6"}
    assert cells("discovery.k8s.io", "endpointslices", empty) == ["web-empty", "IPv6", "<unset>", "<unset>", "5m"]


def test_config_map_secret_service_account_rows():
    cm = {"metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}
    assert cells("", "configmaps", cm) == ["cfg", 3, "5m"]
    secret = {"metadata": meta("tls"), "type": "kubernetes.io/tls", "data": {"tls.crt": "x", "tls.key": "y"}}
    assert cells("", "secrets", secret) == ["tls", "kubernetes.io/tls", 2, "5m"]
    assert cells("", "secrets", {"metadata": meta("empty"), "type": "Opaque"}) == ["empty", "Opaque", 0, "5m"]
    sa = {"metadata": meta("default"), "secrets": [{"name": "default-token"}]}
    assert cells("", "serviceaccounts", sa) == ["default", 1, "5m"]
    assert cells("", "serviceaccounts", {"metadata": meta("bare")}) == ["bare", 0, "5m"]


EVENT_CASES = [
    (
        "classic-repeated",
        {
            "metadata": meta("my-app-1.17f", age=600),
            "involvedObject": {"kind": "Pod", "name": "my-app-1", "fieldPath": "spec.containers{app}"},
            "reason": "BackOff",
            "message": "Back-off restarting failed container\n",
            "type": "Warning",
            "source": {"component": "kubelet", "host": "kf-1"},
            "firstTimestamp": ago(600),
            "lastTimestamp": ago(30),
            "count": 5,
        },
        ["30s", "Warning", "BackOff", "pod/my-app-1", "spec.containers{app}", "kubelet, kf-1", "Back-off restarting failed container", "10m", 5, "my-app-1.17f"],
    ),
    (
        "new-api-singleton-uses-event-time",
        {
            "metadata": meta("e2", age=45),
            "involvedObject": {"kind": "Deployment", "name": "my-app"},
            "reason": "ScalingReplicaSet",
            "message": "Scaled up replica set my-app-5d9 from 0 to 2",
            "type": "Normal",
            "eventTime": "2026-03-01T11:59:15.000000Z",
            "reportingComponent": "deployment-controller",
        },
        ["45s", "Normal", "ScalingReplicaSet", "deployment/my-app", "", "deployment-controller", "Scaled up replica set my-app-5d9 from 0 to 2", "45s", 1, "e2"],
    ),
    (
        "series-overrides-last-seen-and-count",
        {
            "metadata": meta("e3"),
            "involvedObject": {"kind": "Node"},
            "reason": "NodeNotReady",
            "type": "Normal",
            "eventTime": "2026-03-01T11:00:00.000000Z",
            "series": {"count": 7, "lastObservedTime": "2026-03-01T11:58:00.000000Z"},
            "reportingComponent": "node-controller",
            "reportingInstance": "kf-cp",
        },
        ["2m", "Normal", "NodeNotReady", "node", "", "node-controller, kf-cp", "", "60m", 7, "e3"],
    ),
    (
        "no-timestamps",
        {"metadata": meta("e4"), "involvedObject": {"kind": "Pod", "name": "p"}, "reason": "R", "type": "Normal", "count": 2},
        ["<unknown>", "Normal", "R", "pod/p", "", "", "", "<unknown>", 2, "e4"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("event", "expected"), [c[1:] for c in EVENT_CASES], ids=[c[0] for c in EVENT_CASES])
def test_core_event_rows(event, expected):
    assert cells("", "events", event) == expected


def test_events_k8s_io_rows_map_their_field_names():
    event = {
        "metadata": meta("my-app.18a"),
        "regarding": {"kind": "ReplicaSet", "name": "my-app-5d9", "fieldPath": ""},
        "note": " Created pod: my-app-5d9-x7k2p ",
        "reason": "SuccessfulCreate",
        "type": "Normal",
        "eventTime": None,
        "deprecatedSource": {"component": "replicaset-controller"},
        "deprecatedFirstTimestamp": ago(200),
        "deprecatedLastTimestamp": ago(100),
        "deprecatedCount": 3,
        "reportingController": "ignored-when-source-set",
    }
    assert cells("events.k8s.io", "events", event) == [
        "100s",
        "Normal",
        "SuccessfulCreate",
        "replicaset/my-app-5d9",
        "",
        "replicaset-controller",
        "Created pod: my-app-5d9-x7k2p",
        "3m20s",
        3,
        "my-app.18a",
    ]


def test_pvc_rows():
    bound = {
        "metadata": meta("data"),
        "spec": {
            "volumeName": "pv-1",
            "storageClassName": "standard",
            "volumeMode": "Filesystem",
            "resources": {"requests": {"storage": "1Gi"}},
        },
        "status": {
            "phase": "Bound",
            "capacity": {"storage": "10Gi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
        },
    }
    assert cells("", "persistentvolumeclaims", bound) == [
        "data", "Bound", "pv-1", "10Gi", "RWO,RWX", "standard", "<unset>", "5m", "Filesystem",
    ]  # fmt: skip
    pending = {
        "metadata": meta(
            "new", annotations={"volume.beta.kubernetes.io/storage-class": "legacy"}, deletionTimestamp=ago(1)
        ),
        "spec": {"storageClassName": "standard", "volumeAttributesClassName": "gold"},
        "status": {"phase": "Pending"},
    }
    assert cells("", "persistentvolumeclaims", pending) == [
        "new", "Terminating", "", "", "", "legacy", "gold", "5m", "<unset>",
    ]  # fmt: skip


def test_pv_row():
    pv = {
        "metadata": meta("pv-1"),
        "spec": {
            "capacity": {"storage": "10Gi"},
            "accessModes": ["ReadWriteOncePod", "ReadOnlyMany"],
            "persistentVolumeReclaimPolicy": "Retain",
            "claimRef": {"namespace": "default", "name": "data"},
            "storageClassName": "standard",
            "volumeMode": "Block",
        },
        "status": {"phase": "Bound"},
    }
    assert cells("", "persistentvolumes", pv) == [
        "pv-1", "10Gi", "ROX,RWOP", "Retain", "Bound", "default/data", "standard", "<unset>", "", "5m", "Block",
    ]  # fmt: skip
    released = {"metadata": meta("pv-2"), "spec": {}, "status": {"phase": "Failed", "reason": "Recycler failed"}}
    assert cells("", "persistentvolumes", released) == [
        "pv-2", "0", "", "", "Failed", "", "", "<unset>", "Recycler failed", "5m", "<unset>",
    ]  # fmt: skip


def test_storage_class_rows():
    default = {
        "metadata": meta("standard", annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
        "provisioner": "kubeferry.io/hostpath",
        "reclaimPolicy": "Retain",
        "volumeBindingMode": "WaitForFirstConsumer",
        "allowVolumeExpansion": True,
    }
    assert cells("storage.k8s.io", "storageclasses", default) == [
        "standard (default)", "kubeferry.io/hostpath", "Retain", "WaitForFirstConsumer", True, "5m",
    ]  # fmt: skip
    beta = {
        "metadata": meta("old", annotations={"storageclass.beta.kubernetes.io/is-default-class": "true"}),
        "provisioner": "x",
    }
    assert cells("storage.k8s.io", "storageclasses", beta) == ["old (default)", "x", "Delete", "Immediate", False, "5m"]
    other = {
        "metadata": meta("fast", annotations={"storageclass.kubernetes.io/is-default-class": "false"}),
        "provisioner": "y",
    }
    assert cells("storage.k8s.io", "storageclasses", other)[0] == "fast"


def template(*containers: tuple[str, str], node_selector: dict | None = None) -> dict:
    spec: dict = {"containers": [{"name": n, "image": i} for n, i in containers]}
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {"metadata": {"labels": {"app": "my-app"}}, "spec": spec}


def test_deployment_rows():
    deployment = {
        "metadata": meta("my-app"),
        "spec": {
            "replicas": 3,
            "selector": {
                "matchLabels": {"app": "my-app"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}],
            },
            "template": template(("app", "nginx:1.26"), ("sidecar", "busybox")),
        },
        "status": {"replicas": 3, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 1},
    }
    assert cells("apps", "deployments", deployment) == [
        "my-app", "2/3", 2, 1, "5m", "app,sidecar", "nginx:1.26,busybox", "app=my-app,tier in (web)",
    ]  # fmt: skip
    fresh = {"metadata": meta("fresh", age=2), "spec": {"template": template(("app", "nginx"))}}
    assert cells("apps", "deployments", fresh) == ["fresh", "0/1", 0, 0, "2s", "app", "nginx", ""]
    broken = {
        "metadata": meta("b"),
        "spec": {"replicas": 0, "selector": {"matchExpressions": [{"key": "k", "operator": "In"}]}},
    }
    assert cells("apps", "deployments", broken) == ["b", "0/0", 0, 0, "5m", "", "", "<invalid>"]


def test_replica_set_row():
    rs = {
        "metadata": meta("my-app-5d9"),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "my-app", "pod-template-hash": "5d9"}},
            "template": template(("app", "nginx:1.26")),
        },
        "status": {"replicas": 2, "readyReplicas": 1},
    }
    assert cells("apps", "replicasets", rs) == [
        "my-app-5d9", 2, 2, 1, "5m", "app", "nginx:1.26", "app=my-app,pod-template-hash=5d9",
    ]  # fmt: skip
    assert cells("apps", "replicasets", {"metadata": meta("bare"), "spec": {}})[1:4] == [1, 0, 0]
    assert cells("apps", "replicasets", {"metadata": meta("bare"), "spec": {}})[-1] == "<none>"


def test_daemon_set_row():
    ds = {
        "metadata": meta("agent"),
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": template(("agent", "agent:2"), node_selector={"kubernetes.io/os": "linux"}),
        },
        "status": {
            "desiredNumberScheduled": 3,
            "currentNumberScheduled": 3,
            "numberReady": 2,
            "updatedNumberScheduled": 1,
            "numberAvailable": 2,
        },
    }
    assert cells("apps", "daemonsets", ds) == [
        "agent", 3, 3, 2, 1, 2, "kubernetes.io/os=linux", "5m", "agent", "agent:2", "app=agent",
    ]  # fmt: skip
    bare = {"metadata": meta("b"), "spec": {"template": template(("a", "i"))}}
    assert cells("apps", "daemonsets", bare) == ["b", 0, 0, 0, 0, 0, "<none>", "5m", "a", "i", "<none>"]


def test_stateful_set_row():
    sts = {
        "metadata": meta("web"),
        "spec": {"replicas": 3, "serviceName": "web", "template": template(("nginx", "nginx:1.26"))},
        "status": {"replicas": 2, "readyReplicas": 2},
    }
    assert cells("apps", "statefulsets", sts) == ["web", "2/3", "5m", "nginx", "nginx:1.26"]


def test_controller_revision_rows():
    owned = {
        "metadata": meta(
            "web-6c8",
            ownerReferences=[
                {"apiVersion": "v1", "kind": "Pod", "name": "not-controller", "uid": "1"},
                {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "Web", "uid": "2", "controller": True},
            ],
        ),
        "revision": 2,
        "data": {},
    }
    assert cells("apps", "controllerrevisions", owned) == ["web-6c8", "statefulset.apps/Web", 2, "5m"]
    core = {
        "metadata": meta("r", ownerReferences=[{"apiVersion": "v1", "kind": "Pod", "name": "p", "controller": True}]),
        "revision": 1,
    }
    assert cells("apps", "controllerrevisions", core) == ["r", "pod/p", 1, "5m"]
    assert cells("apps", "controllerrevisions", {"metadata": meta("o"), "revision": 3}) == ["o", "<none>", 3, "5m"]


JOB_CASES = [
    (
        "running-with-completions",
        {"completions": 3, "parallelism": 3},
        {"succeeded": 1, "startTime": ago(150)},
        {},
        ["Running", "1/3", "2m30s"],
    ),
    ("complete", {"completions": 1}, {"succeeded": 1, "startTime": ago(200), "completionTime": ago(185), "conditions": [{"type": "Complete", "status": "True"}]}, {}, ["Complete", "1/1", "15s"]),
    ("parallel-without-completions", {"parallelism": 4}, {"succeeded": 2}, {}, ["Running", "2/1 of 4", ""]),
    ("failed", {}, {"conditions": [{"type": "FailureTarget", "status": "True"}, {"type": "Failed", "status": "True"}]}, {}, ["Failed", "0/1", ""]),
    ("failure-target", {}, {"conditions": [{"type": "FailureTarget", "status": "True"}]}, {}, ["FailureTarget", "0/1", ""]),
    ("suspended", {"suspend": True}, {"conditions": [{"type": "Suspended", "status": "True"}]}, {}, ["Suspended", "0/1", ""]),
    ("terminating", {}, {"conditions": [{"type": "Suspended", "status": "True"}]}, {"deletionTimestamp": ago(1)}, ["Terminating", "0/1", ""]),
    ("false-condition-ignored", {}, {"conditions": [{"type": "Complete", "status": "False"}]}, {}, ["Running", "0/1", ""]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "status", "extra_meta", "expected"), [c[1:] for c in JOB_CASES], ids=[c[0] for c in JOB_CASES]
)
def test_job_rows(spec, status, extra_meta, expected):
    job = {
        "metadata": meta("pi", **extra_meta),
        "spec": {
            **spec,
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "abc"}},
            "template": template(("pi", "perl:5.34")),
        },
        "status": status,
    }
    assert cells("batch", "jobs", job) == [
        "pi",
        *expected,
        "5m",
        "pi",
        "perl:5.34",
        "batch.kubernetes.io/controller-uid=abc",
    ]


def test_lease_and_pdb_rows():
    lease = {
        "metadata": meta("kf-1", namespace="kube-node-lease"),
        "spec": {"holderIdentity": "kf-1", "leaseDurationSeconds": 40},
    }
    assert cells("coordination.k8s.io", "leases", lease) == ["kf-1", "kf-1", "5m"]
    assert cells("coordination.k8s.io", "leases", {"metadata": meta("free"), "spec": {}}) == ["free", "", "5m"]
    pdb = {"metadata": meta("web-pdb"), "spec": {"minAvailable": 2}, "status": {"disruptionsAllowed": 1}}
    assert cells("policy", "poddisruptionbudgets", pdb) == ["web-pdb", "2", "N/A", 1, "5m"]
    pct = {"metadata": meta("pct"), "spec": {"maxUnavailable": "25%"}, "status": {}}
    assert cells("policy", "poddisruptionbudgets", pct) == ["pct", "N/A", "25%", 0, "5m"]


# --- pods ----------------------------------------------------------------------------------------


def cstatus(
    name: str = "",
    *,
    ready: bool = False,
    restarts: int = 0,
    running: bool = False,
    waiting: str | None = None,
    terminated: dict | None = None,
    last_finished: float | None = None,
    started: bool | None = None,
) -> dict:
    """A container status; `waiting=""` is a waiting state without a reason."""
    state: dict = {}
    if running:
        state["running"] = {"startedAt": ago(3600)}
    if waiting is not None:
        state["waiting"] = {"reason": waiting} if waiting else {}
    if terminated is not None:
        state["terminated"] = terminated
    status = {"name": name, "ready": ready, "restartCount": restarts, "state": state, "image": "i", "imageID": ""}
    if last_finished is not None:
        status["lastState"] = {"terminated": {"exitCode": 1, "finishedAt": ago(last_finished)}}
    if started is not None:
        status["started"] = started
    return status


def pod(
    containers: int | list[dict] = 1,
    statuses: list[dict] | None = None,
    *,
    phase: str = "Running",
    reason: str = "",
    init: list[dict] | None = None,
    init_statuses: list[dict] | None = None,
    conditions: list[dict] | None = None,
    deleting: bool = False,
) -> dict:
    if isinstance(containers, int):
        containers = [{"name": f"c{i}", "image": "i"} for i in range(containers)]
    metadata = {"name": "p", "namespace": "default", "creationTimestamp": ago(3600)}
    if deleting:
        metadata["deletionTimestamp"] = ago(10)
    status: dict = {"phase": phase}
    if reason:
        status["reason"] = reason
    if statuses is not None:
        status["containerStatuses"] = statuses
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    if conditions is not None:
        status["conditions"] = conditions
    spec: dict = {"containers": containers}
    if init is not None:
        spec["initContainers"] = init
    return {"metadata": metadata, "spec": spec, "status": status}


def sidecar(name: str) -> dict:
    return {"name": name, "image": "i", "restartPolicy": "Always"}


def plain_init(name: str) -> dict:
    return {"name": name, "image": "i"}


READY_TRUE = {"type": "Ready", "status": "True"}
INITIALIZED_TRUE = {"type": "Initialized", "status": "True"}
INITIALIZED_FALSE = {"type": "Initialized", "status": "False"}

POD_CASES = [
    # Restated from upstream TestPrintPod.
    ("counts-ready-and-sums-restarts", pod(2, [cstatus(ready=True, restarts=3, running=True), cstatus(restarts=3)], phase="podPhase"), ("1/2", "podPhase", "6")),
    ("waiting-reason-overrides-phase", pod(2, [cstatus(ready=True, restarts=3, running=True), cstatus(waiting="ContainerWaitingReason", restarts=3)], phase="podPhase"), ("1/2", "ContainerWaitingReason", "6")),
    ("first-listed-container-wins", pod(2, [cstatus(waiting="ContainerWaitingReason", restarts=3), cstatus(terminated={"reason": "ContainerTerminatedReason"}, restarts=3)], phase="podPhase"), ("0/2", "ContainerWaitingReason", "6")),
    ("ready-without-running-is-not-counted", pod(2, [cstatus(ready=True, restarts=3, running=True), cstatus(ready=True, restarts=3)], phase="podPhase"), ("1/2", "podPhase", "6")),
    ("pod-reason-overrides-phase", pod(2, [cstatus(ready=True, restarts=3, running=True), cstatus(ready=True, restarts=3)], phase="podPhase", reason="podReason"), ("1/2", "podReason", "6")),
    ("completed-and-running-without-ready-condition", pod(2, [cstatus(ready=True, restarts=3, terminated={"reason": "Completed", "exitCode": 0}), cstatus(ready=True, restarts=3, running=True)]), ("1/2", "NotReady", "6")),
    ("completed-and-running-with-ready-condition", pod(2, [cstatus(ready=True, restarts=3, terminated={"reason": "Completed", "exitCode": 0}), cstatus(ready=True, restarts=3, running=True)], conditions=[READY_TRUE]), ("1/2", "Running", "6")),
    ("init-restarting", pod(1, [cstatus(waiting="")], phase="podPhase", init=[plain_init("i0")], init_statuses=[cstatus("i0", restarts=3, running=True, last_finished=10)]), ("0/1", "Init:0/1", "3 (10s ago)")),
    ("two-inits-first-restarting", pod(1, [cstatus(waiting="")], phase="podPhase", init=[plain_init("i0"), plain_init("i1")], init_statuses=[cstatus("i0", restarts=3, running=True, last_finished=10), cstatus("i1", waiting="")]), ("0/1", "Init:0/2", "3 (10s ago)")),
    ("two-inits-second-restarting", pod(1, [cstatus(waiting="")], phase="podPhase", init=[plain_init("i0"), plain_init("i1")], init_statuses=[cstatus("i0", terminated={}), cstatus("i1", restarts=3, running=True, last_finished=10)]), ("0/1", "Init:1/2", "3 (10s ago)")),
    ("init-restarts-summed-newest-age", pod(1, [cstatus(waiting="")], phase="podPhase", init=[plain_init("i0"), plain_init("i1")], init_statuses=[cstatus("i0", restarts=2, terminated={}, last_finished=120), cstatus("i1", restarts=3, running=True, last_finished=10)]), ("0/1", "Init:1/2", "5 (10s ago)")),
    ("after-init-only-regular-restarts-count", pod(1, [cstatus(restarts=4, running=True, last_finished=20)], init=[plain_init("i0")], init_statuses=[cstatus("i0", restarts=2, terminated={}, last_finished=120)]), ("0/1", "Running", "4 (20s ago)")),
    ("restarted-five-days-ago", pod(1, [cstatus(ready=True, restarts=3, running=True, last_finished=5 * 86400)]), ("1/1", "Running", "3 (5d ago)")),
    ("one-never-restarted", pod(2, [cstatus(ready=True, running=True), cstatus(ready=True, restarts=3, running=True, last_finished=10 * 86400)]), ("2/2", "Running", "3 (10d ago)")),
    ("newest-restart-wins", pod(2, [cstatus(ready=True, restarts=6, running=True, last_finished=5 * 86400), cstatus(ready=True, restarts=3, running=True, last_finished=20 * 86400)]), ("2/2", "Running", "9 (5d ago)")),
    ("scheduling-gated", pod(2, phase="podPhase", conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]), ("0/2", "SchedulingGated", "0")),
    ("succeeded", pod(1, [cstatus(terminated={"reason": "Completed", "exitCode": 0})], phase="Succeeded"), ("0/1", "Completed", "0")),
    ("failed", pod(1, [cstatus(terminated={"reason": "Error", "exitCode": 1})], phase="Failed"), ("0/1", "Error", "0")),
    ("succeeded-while-deleting-stays-completed", pod(1, [cstatus(terminated={"reason": "Completed", "exitCode": 0})], phase="Succeeded", deleting=True), ("0/1", "Completed", "0")),
    ("running-while-deleting", pod(1, [cstatus(running=True)], deleting=True), ("0/1", "Terminating", "0")),
    ("pending-while-deleting", pod(1, phase="Pending", deleting=True), ("0/1", "Terminating", "0")),
    # Restated from upstream TestPrintPodWithRestartableInitContainer.
    ("sidecar-running-not-started", pod(1, [cstatus(waiting="")], phase="Pending", init=[sidecar("s1"), sidecar("s2")], init_statuses=[cstatus("s1", restarts=3, running=True, started=False, last_finished=10), cstatus("s2", waiting="", started=False)], conditions=[INITIALIZED_FALSE]), ("0/3", "Init:0/2", "3 (10s ago)")),
    ("first-sidecar-started", pod(1, [cstatus(waiting="")], phase="Pending", init=[sidecar("s1"), sidecar("s2")], init_statuses=[cstatus("s1", restarts=3, running=True, started=True, last_finished=10), cstatus("s2", running=True, started=False)], conditions=[INITIALIZED_FALSE]), ("0/3", "Init:1/2", "3 (10s ago)")),
    ("sidecars-started-and-container-running", pod(1, [cstatus(ready=True, restarts=4, running=True, last_finished=20)], init=[sidecar("s1"), sidecar("s2")], init_statuses=[cstatus("s1", restarts=3, running=True, started=True, last_finished=10), cstatus("s2", running=True, started=True)], conditions=[INITIALIZED_TRUE]), ("1/3", "Running", "7 (10s ago)")),
    ("sidecars-killed-container-completed", pod(1, [cstatus(restarts=4, terminated={"reason": "Completed", "exitCode": 0}, last_finished=20)], phase="Succeeded", init=[sidecar("s1"), sidecar("s2")], init_statuses=[cstatus("s1", restarts=3, terminated={"reason": "Error", "exitCode": 137}, started=False, last_finished=10), cstatus("s2", terminated={"reason": "Error", "exitCode": 137}, started=False)], conditions=[INITIALIZED_TRUE]), ("0/3", "Completed", "7 (10s ago)")),
    ("statuses-for-unknown-containers", pod([{"name": "container1", "image": "x"}], [{"name": "containerinvalid"}, {"name": "container1"}], init=[plain_init("init1"), sidecar("sidecar1")], init_statuses=[{"name": "initinvalid"}, {"name": "init1"}, {"name": "sidecar1"}]), ("0/2", "Init:0/2", "0")),
    # Restated from upstream TestPrintNonTerminatedPod / TestPrintPodConditions.
    ("phase-pending", pod(2, [cstatus(ready=True, restarts=3, running=True), cstatus(restarts=3)], phase="Pending"), ("1/2", "Pending", "6")),
    ("phase-unknown", pod(2, [cstatus(ready=True, restarts=3, running=True), cstatus(restarts=3)], phase="Unknown"), ("1/2", "Unknown", "6")),
    ("phase-succeeded-without-reasons", pod(2, [cstatus(ready=True, restarts=3, running=True), cstatus(restarts=3)], phase="Succeeded"), ("1/2", "Succeeded", "6")),
    # The everyday states kubectl users see.
    ("container-creating", pod(1, [cstatus(waiting="ContainerCreating")], phase="Pending"), ("0/1", "ContainerCreating", "0")),
    ("crash-loop", pod(1, [cstatus(restarts=2, waiting="CrashLoopBackOff", last_finished=300)]), ("0/1", "CrashLoopBackOff", "2 (5m ago)")),
    ("image-pull-error", pod(1, [cstatus(waiting="ErrImagePull")], phase="Pending"), ("0/1", "ErrImagePull", "0")),
    ("image-pull-backoff", pod(1, [cstatus(waiting="ImagePullBackOff")], phase="Pending"), ("0/1", "ImagePullBackOff", "0")),
    ("pending-unscheduled", pod(1, phase="Pending"), ("0/1", "Pending", "0")),
    ("pod-initializing", pod(1, [cstatus(waiting="PodInitializing")], phase="Pending", init=[plain_init("i0")], init_statuses=[cstatus("i0", terminated={"reason": "Completed", "exitCode": 0})]), ("0/1", "PodInitializing", "0")),
    ("init-waiting-pod-initializing-counts-index", pod(1, [cstatus(waiting="PodInitializing")], phase="Pending", init=[plain_init("i0")], init_statuses=[cstatus("i0", waiting="PodInitializing")]), ("0/1", "Init:0/1", "0")),
    ("init-crash-loop", pod(1, [cstatus(waiting="PodInitializing")], phase="Pending", init=[plain_init("i0")], init_statuses=[cstatus("i0", restarts=4, waiting="CrashLoopBackOff", last_finished=30)]), ("0/1", "Init:CrashLoopBackOff", "4 (30s ago)")),
    ("init-error-reason", pod(1, phase="Pending", init=[plain_init("i0")], init_statuses=[cstatus("i0", terminated={"reason": "Error", "exitCode": 2})]), ("0/1", "Init:Error", "0")),
    ("init-exit-code", pod(1, phase="Pending", init=[plain_init("i0")], init_statuses=[cstatus("i0", terminated={"exitCode": 3})]), ("0/1", "Init:ExitCode:3", "0")),
    ("init-signal", pod(1, phase="Pending", init=[plain_init("i0")], init_statuses=[cstatus("i0", terminated={"exitCode": 137, "signal": 9})]), ("0/1", "Init:Signal:9", "0")),
    ("container-exit-code", pod(1, [cstatus(terminated={"exitCode": 2})]), ("0/1", "ExitCode:2", "0")),
    ("container-signal", pod(1, [cstatus(terminated={"exitCode": 143, "signal": 15})]), ("0/1", "Signal:15", "0")),
    ("node-lost-while-deleting", pod(1, [cstatus(ready=True, running=True)], reason="NodeLost", deleting=True), ("1/1", "Unknown", "0")),
    ("node-lost-not-deleting", pod(1, [cstatus(ready=True, running=True)], reason="NodeLost"), ("1/1", "NodeLost", "0")),
    ("zero-restarts-never-show-an-age", pod(1, [cstatus(ready=True, running=True, last_finished=30)]), ("1/1", "Running", "0")),
    ("restarts-without-termination-time", pod(1, [cstatus(ready=True, restarts=2, running=True)]), ("1/1", "Running", "2")),
]  # fmt: skip


@pytest.mark.parametrize(("pod_obj", "expected"), [c[1:] for c in POD_CASES], ids=[c[0] for c in POD_CASES])
def test_pod_ready_status_restarts(pod_obj, expected):
    summary = summarize_pod(pod_obj, NOW)
    assert (summary.ready, summary.status, summary.restarts) == expected


def test_pod_row_wide_cells():
    obj = pod(2, [cstatus(ready=True, restarts=3, running=True), cstatus(restarts=3)], phase="podPhase")
    obj["spec"]["nodeName"] = "kf-1"
    obj["spec"]["readinessGates"] = [{"conditionType": "c1"}, {"conditionType": "c2"}, {"conditionType": "c3"}]
    obj["status"]["conditions"] = [{"type": "c1", "status": "False"}, {"type": "c2", "status": "True"}]
    obj["status"]["podIPs"] = [{"ip": "1.1.1.1"}, {"ip": "2001:db8::"}]
    obj["status"]["podIP"] = "1.1.1.1"
    obj["status"]["nominatedNodeName"] = "node1"
    assert cells("", "pods", obj) == ["p", "1/2", "podPhase", "6", "60m", "1.1.1.1", "kf-1", "node1", "1/3"]
    bare = pod(
        2, [cstatus(ready=True, restarts=3, running=True), cstatus(waiting="ContainerWaitingReason", restarts=3)]
    )
    assert cells("", "pods", bare) == [
        "p", "1/2", "ContainerWaitingReason", "6", "60m", "<none>", "<none>", "<none>", "<none>",
    ]  # fmt: skip


def test_rbac_rows():
    now = dt.datetime(2026, 1, 1, 0, 5, tzinfo=dt.UTC)
    role = {"metadata": {"name": "r1", "creationTimestamp": "2026-01-01T00:00:00Z"}}
    binding = {
        "metadata": {"name": "rb", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "roleRef": {"kind": "ClusterRole", "name": "edit"},
        "subjects": [
            {"kind": "User", "name": "alice"},
            {"kind": "User", "name": "bob"},
            {"kind": "Group", "name": "devs"},
            {"kind": "ServiceAccount", "name": "cd-agent", "namespace": "ci"},
        ],
    }
    assert printer_for(res("rbac.authorization.k8s.io", "roles")).cells(role, now) == ["r1", "2026-01-01T00:00:00Z"]
    assert printer_for(res("rbac.authorization.k8s.io", "rolebindings")).cells(binding, now) == [
        "rb", "ClusterRole/edit", "5m", "alice, bob", "devs", "ci/cd-agent",
    ]  # fmt: skip
