"""Discovery documents: aggregated v2 and legacy shapes, as kubectl 1.37 reads them."""

import orjson
import pytest

from kubeferry.apiserver import discovery
from kubeferry.machinery.resources import RESOURCES


def _agg_resource(doc: dict, group: str, plural: str) -> dict:
    (item,) = [i for i in doc["items"] if i["metadata"]["name"] == group]
    (version,) = item["versions"]
    (res,) = [r for r in version["resources"] if r["resource"] == plural]
    return res


def test_aggregated_content_type_is_exact():
    assert discovery.AGGREGATED_CONTENT_TYPE == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def test_aggregated_api_has_only_the_core_group():
    doc = discovery.aggregated_api()
    assert doc["kind"] == "APIGroupDiscoveryList"
    assert doc["apiVersion"] == "apidiscovery.k8s.io/v2"
    assert [i["metadata"]["name"] for i in doc["items"]] == [""]
    assert doc["items"][0]["versions"][0]["version"] == "v1"
    assert doc["items"][0]["versions"][0]["freshness"] == "Current"


def test_aggregated_apis_lists_named_groups_in_apiserver_order():
    names = [i["metadata"]["name"] for i in discovery.aggregated_apis()["items"]]
    assert names == [
        "apps",
        "events.k8s.io",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "batch",
        "policy",
        "rbac.authorization.k8s.io",
        "storage.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
    ]


def test_aggregated_deployment_entry_matches_the_wire_shape():
    assert _agg_resource(discovery.aggregated_apis(), "apps", "deployments") == {
        "resource": "deployments",
        "responseKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "scope": "Namespaced",
        "singularResource": "deployment",
        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        "shortNames": ["deploy"],
        "categories": ["all"],
        "subresources": [
            {
                "subresource": "scale",
                "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
                "verbs": ["get", "patch", "update"],
            },
            {
                "subresource": "status",
                "responseKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
                "verbs": ["get", "patch", "update"],
            },
        ],
    }


@pytest.mark.parametrize(
    ("plural", "scope", "short", "has_subresources"),
    [
        pytest.param("namespaces", "Cluster", ["ns"], True, id="namespace-cluster-scoped"),
        pytest.param("nodes", "Cluster", ["no"], True, id="node-cluster-scoped"),
        pytest.param("pods", "Namespaced", ["po"], True, id="pod"),
        pytest.param("secrets", "Namespaced", None, False, id="secret-no-shortnames"),
    ],
)
def test_aggregated_core_entries(plural, scope, short, has_subresources):
    res = _agg_resource(discovery.aggregated_api(), "", plural)
    assert res["scope"] == scope
    assert res.get("shortNames") == short
    assert ("subresources" in res) is has_subresources


def test_aggregated_pod_subresources_are_sorted_with_their_kinds():
    subs = _agg_resource(discovery.aggregated_api(), "", "pods")["subresources"]
    assert [(s["subresource"], s["responseKind"]["group"], s["responseKind"]["kind"], s["verbs"]) for s in subs] == [
        ("binding", "", "Binding", ["create"]),
        ("eviction", "policy", "Eviction", ["create"]),
        ("log", "", "Pod", ["get"]),
        ("proxy", "", "PodProxyOptions", ["create", "delete", "get", "patch", "update"]),
        ("status", "", "Pod", ["get", "patch", "update"]),
    ]


def test_namespaces_have_no_deletecollection():
    assert "deletecollection" not in _agg_resource(discovery.aggregated_api(), "", "namespaces")["verbs"]


def test_every_resource_appears_once_in_aggregated_discovery():
    seen = []
    for doc in (discovery.aggregated_api(), discovery.aggregated_apis()):
        for item in doc["items"]:
            for version in item["versions"]:
                seen += [(item["metadata"]["name"], version["version"], r["resource"]) for r in version["resources"]]
    assert sorted(seen) == sorted((r.group, r.version, r.plural) for r in RESOURCES)


def test_bytes_are_the_serialized_documents_and_cached():
    assert orjson.loads(discovery.aggregated_apis_bytes()) == discovery.aggregated_apis()
    assert discovery.aggregated_api_bytes() is discovery.aggregated_api_bytes()


def test_legacy_api_versions_carries_the_server_address():
    assert orjson.loads(discovery.api_versions_bytes("127.0.0.1:6443")) == {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}],
    }


def test_legacy_group_list_and_group():
    groups = discovery.api_group_list()
    assert groups["kind"] == "APIGroupList"
    assert groups["apiVersion"] == "v1"
    apps = groups["groups"][0]
    assert apps == {
        "name": "apps",
        "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
        "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
    }
    assert discovery.api_group("apps") == {"kind": "APIGroup", "apiVersion": "v1", **apps}
    assert discovery.api_group("nope.example.com") is None
    assert discovery.api_group("") is None


def test_legacy_apps_resource_list_has_subresource_entries():
    doc = discovery.api_resource_list("apps", "v1")
    assert doc["kind"] == "APIResourceList"
    assert doc["apiVersion"] == "v1"
    assert doc["groupVersion"] == "apps/v1"
    by_name = {r["name"]: r for r in doc["resources"]}
    assert by_name["deployments"] == {
        "name": "deployments",
        "singularName": "deployment",
        "namespaced": True,
        "kind": "Deployment",
        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        "shortNames": ["deploy"],
        "categories": ["all"],
    }
    assert by_name["deployments/scale"] == {
        "name": "deployments/scale",
        "singularName": "",
        "namespaced": True,
        "group": "autoscaling",
        "version": "v1",
        "kind": "Scale",
        "verbs": ["get", "patch", "update"],
    }
    assert by_name["deployments/status"] == {
        "name": "deployments/status",
        "singularName": "",
        "namespaced": True,
        "kind": "Deployment",
        "verbs": ["get", "patch", "update"],
    }
    names = [r["name"] for r in doc["resources"]]
    assert names[:4] == ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments"]


def test_legacy_core_list_has_no_api_version_and_pod_log():
    doc = discovery.api_resource_list("", "v1")
    assert list(doc) == ["kind", "groupVersion", "resources"]
    by_name = {r["name"]: r for r in doc["resources"]}
    assert by_name["pods/log"] == {
        "name": "pods/log",
        "singularName": "",
        "namespaced": True,
        "kind": "Pod",
        "verbs": ["get"],
    }
    assert by_name["pods/eviction"]["group"] == "policy"
    assert by_name["nodes"]["namespaced"] is False


def test_unknown_group_version_is_none():
    assert discovery.api_resource_list("apps", "v1beta1") is None
    assert discovery.api_resource_list_bytes("nope", "v1") is None


@pytest.mark.parametrize(
    ("accept", "aggregated"),
    [
        pytest.param(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json", True, id="kubectl"
        ),
        pytest.param("application/json", False, id="plain-json"),
        pytest.param("application/json, */*", False, id="legacy-client"),
        pytest.param("", False, id="no-accept"),
        pytest.param(
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList", False, id="v2beta1-only"
        ),
        pytest.param(
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
            True,
            id="v2beta1-then-v2",
        ),
        pytest.param(
            "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
            False,
            id="protobuf-aggregated-skipped",
        ),
        pytest.param(
            "application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
            False,
            id="legacy-first",
        ),
        pytest.param(
            "application/json;q=0.5, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
            True,
            id="q-value-order",
        ),
        pytest.param("application/json;as=Table;v=v1;g=meta.k8s.io", False, id="table-not-discovery"),
    ],
)
def test_negotiate_discovery(accept, aggregated):
    assert discovery.negotiate_discovery(accept) is aggregated


@pytest.mark.parametrize(
    ("path", "accept", "content_type", "kind"),
    [
        pytest.param(
            "/api",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
            discovery.AGGREGATED_CONTENT_TYPE,
            "APIGroupDiscoveryList",
            id="api-aggregated",
        ),
        pytest.param(
            "/apis/",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
            discovery.AGGREGATED_CONTENT_TYPE,
            "APIGroupDiscoveryList",
            id="apis-aggregated",
        ),
        pytest.param("/api", "application/json", "application/json", "APIVersions", id="api-legacy"),
        pytest.param("/apis", "application/json", "application/json", "APIGroupList", id="apis-legacy"),
        pytest.param("/api/v1", "application/json", "application/json", "APIResourceList", id="core-v1"),
        pytest.param("/apis/apps", "application/json", "application/json", "APIGroup", id="apps-group"),
        pytest.param("/apis/batch/v1", "application/json", "application/json", "APIResourceList", id="batch-v1"),
    ],
)
def test_document_routes_discovery_paths(path, accept, content_type, kind):
    found = discovery.document(path, accept, "10.0.0.1:443")
    assert found is not None
    assert found[0] == content_type
    assert orjson.loads(found[1])["kind"] == kind


@pytest.mark.parametrize("path", ["/api/v2", "/apis/nope", "/apis/apps/v2", "/apis/apps/v1/deployments", "/version"])
def test_document_is_none_for_other_paths(path):
    assert discovery.document(path, "application/json", "x:1") is None


def test_discovery_import_does_not_load_schemas():
    import subprocess
    import sys

    code = (
        "import sys; import kubeferry.apiserver.discovery as d; d.aggregated_apis_bytes(); "
        "import kubeferry.machinery.schema as s; print(s.definitions.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "0"
