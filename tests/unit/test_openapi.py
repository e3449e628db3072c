"""OpenAPI v3 documents: shapes kubectl relies on for validation detection, apply patches and explain."""

import orjson
import pytest

from kubeferry.apiserver import openapi
from kubeferry.machinery.resources import group_versions

REF = "#/components/schemas/"


def _doc(group: str, version: str) -> dict:
    return orjson.loads(openapi.group_version_document(group, version))


@pytest.fixture(scope="module")
def apps() -> dict:
    return _doc("apps", "v1")


@pytest.fixture(scope="module")
def core() -> dict:
    return _doc("", "v1")


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        pytest.param({"type": ["string", "null"]}, {"type": "string"}, id="nullable-type"),
        pytest.param({"$ref": "#/$defs/io.k8s.X"}, {"$ref": REF + "io.k8s.X"}, id="bare-ref"),
        pytest.param(
            {"$ref": "#/$defs/io.k8s.X", "description": "d"},
            {"allOf": [{"$ref": REF + "io.k8s.X"}], "description": "d"},
            id="ref-with-description-wrapped",
        ),
        pytest.param(
            {"type": ["array", "null"], "items": {"type": ["integer", "null"], "format": "int32"}},
            {"type": "array", "items": {"type": "integer", "format": "int32"}},
            id="array-items",
        ),
        pytest.param(
            {"type": ["object", "null"], "additionalProperties": {"$ref": "#/$defs/Q"}},
            {"type": "object", "additionalProperties": {"$ref": REF + "Q"}},
            id="map",
        ),
        pytest.param(
            {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
            {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
            id="extensions-kept",
        ),
        pytest.param(
            {
                "properties": {
                    "kind": {"type": ["string", "null"], "enum": ["Pod"]},
                    "phase": {"type": "string", "enum": ["A"]},
                }
            },
            {"properties": {"kind": {"type": "string"}, "phase": {"type": "string", "enum": ["A"]}}},
            id="typemeta-enum-dropped-others-kept",
        ),
    ],
)
def test_convert_schema(node, expected):
    assert openapi.convert_schema(node) == expected


@pytest.mark.parametrize(
    ("name", "required"),
    [
        pytest.param("io.k8s.api.apps.v1.Deployment", None, id="deployment-spec-not-required"),
        pytest.param("io.k8s.api.apps.v1.StatefulSet", None, id="statefulset-spec-not-required"),
        pytest.param("io.k8s.api.apps.v1.ControllerRevision", ["revision"], id="controllerrevision-revision"),
        pytest.param("io.k8s.api.apps.v1.DeploymentCondition", ["type", "status"], id="condition-type-status"),
        pytest.param("io.k8s.api.apps.v1.DeploymentSpec", ["selector", "template"], id="spec-unchanged"),
        pytest.param("io.k8s.api.core.v1.Container", ["name"], id="container-name"),
    ],
)
def test_required_matches_upstream(name, required):
    assert openapi.component(name).get("required") == required


def test_int_or_string_and_quantity_have_no_type(apps, core):
    ios = apps["components"]["schemas"]["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert ios["format"] == "int-or-string"
    assert ios["oneOf"] == [{"type": "integer"}, {"type": "string"}]
    assert "type" not in ios
    quantity = core["components"]["schemas"]["io.k8s.apimachinery.pkg.api.resource.Quantity"]
    assert quantity["oneOf"] == [{"type": "string"}, {"type": "number"}]
    assert "type" not in quantity


def test_document_header(apps):
    assert apps["openapi"] == "3.0.0"
    assert apps["info"] == {"title": "Kubernetes", "version": "unversioned"}


def test_apps_components_hold_the_closure(apps):
    schemas = apps["components"]["schemas"]
    for name in (
        "io.k8s.api.apps.v1.Deployment",
        "io.k8s.api.apps.v1.DeploymentList",
        "io.k8s.api.core.v1.PodTemplateSpec",
        "io.k8s.api.core.v1.Container",
        "io.k8s.api.autoscaling.v1.Scale",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
        "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
        "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
    ):
        assert name in schemas, name
    assert "io.k8s.api.batch.v1.Job" not in schemas
    # Every reference resolves inside the document.
    text = orjson.dumps(apps).decode()
    for chunk in text.split('"$ref":"')[1:]:
        target = chunk.split('"', 1)[0]
        assert target.startswith(REF)
        assert target[len(REF) :] in schemas, target


def test_deployment_schema_carries_gvk_and_patch_metadata(apps):
    schemas = apps["components"]["schemas"]
    assert schemas["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["items"] == {"$ref": REF + "io.k8s.api.core.v1.Container"}


def _param_names(op: dict) -> list[str]:
    return [p["name"] for p in op.get("parameters", [])]


def test_deployment_item_path_operations(apps):
    item = apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
    assert set(item) == {"get", "put", "patch", "delete", "parameters"}
    assert _param_names(item) == ["name", "namespace", "pretty"]
    patch = item["patch"]
    assert patch["operationId"] == "patchAppsV1NamespacedDeployment"
    assert patch["x-kubernetes-action"] == "patch"
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "kind": "Deployment", "version": "v1"}
    assert _param_names(patch) == ["dryRun", "fieldManager", "fieldValidation", "force"]
    assert all(p["in"] == "query" for p in patch["parameters"])
    assert list(patch["requestBody"]["content"]) == [
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
    ]
    assert patch["requestBody"]["content"]["application/strategic-merge-patch+json"]["schema"] == {
        "$ref": REF + "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
    }
    assert set(patch["responses"]) == {"200", "201", "401"}
    assert item["put"]["operationId"] == "replaceAppsV1NamespacedDeployment"
    assert _param_names(item["put"]) == ["dryRun", "fieldManager", "fieldValidation"]
    assert item["get"]["operationId"] == "readAppsV1NamespacedDeployment"
    assert item["delete"]["operationId"] == "deleteAppsV1NamespacedDeployment"
    assert item["delete"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": REF + "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
    }


def test_deployment_collection_path_operations(apps):
    coll = apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments"]
    assert coll["get"]["operationId"] == "listAppsV1NamespacedDeployment"
    assert coll["get"]["x-kubernetes-action"] == "list"
    assert _param_names(coll["get"]) == [
        "allowWatchBookmarks",
        "continue",
        "fieldSelector",
        "labelSelector",
        "limit",
        "resourceVersion",
        "resourceVersionMatch",
        "sendInitialEvents",
        "timeoutSeconds",
        "watch",
    ]
    assert coll["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": REF + "io.k8s.api.apps.v1.DeploymentList"
    }
    assert coll["post"]["operationId"] == "createAppsV1NamespacedDeployment"
    assert coll["post"]["x-kubernetes-action"] == "post"
    assert "fieldValidation" in _param_names(coll["post"])
    assert coll["delete"]["operationId"] == "deleteAppsV1CollectionNamespacedDeployment"
    assert coll["delete"]["x-kubernetes-action"] == "deletecollection"
    all_ns = apps["paths"]["/apis/apps/v1/deployments"]["get"]
    assert all_ns["operationId"] == "listAppsV1DeploymentForAllNamespaces"


def test_scale_and_status_subresources(apps):
    scale = apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]
    assert set(scale) == {"get", "put", "patch", "parameters"}
    assert scale["get"]["operationId"] == "readAppsV1NamespacedDeploymentScale"
    assert scale["patch"]["x-kubernetes-group-version-kind"] == {
        "group": "autoscaling",
        "kind": "Scale",
        "version": "v1",
    }
    status = apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"]
    assert status["put"]["operationId"] == "replaceAppsV1NamespacedDeploymentStatus"
    assert status["patch"]["x-kubernetes-group-version-kind"]["kind"] == "Deployment"


def test_cluster_scoped_and_core_paths(core):
    paths = core["paths"]
    assert "/api/v1/namespaces/{name}" in paths
    ns = paths["/api/v1/namespaces/{name}"]
    assert ns["patch"]["operationId"] == "patchCoreV1Namespace"
    assert _param_names(ns) == ["name", "pretty"]
    assert "delete" not in paths["/api/v1/namespaces"]  # namespaces have no deletecollection
    assert paths["/api/v1/nodes"]["delete"]["operationId"] == "deleteCoreV1CollectionNode"
    assert paths["/api/v1/namespaces/{namespace}/pods/{name}/eviction"]["post"]["operationId"] == (
        "createCoreV1NamespacedPodEviction"
    )
    log = paths["/api/v1/namespaces/{namespace}/pods/{name}/log"]["get"]
    assert log["operationId"] == "readCoreV1NamespacedPodLog"
    assert "tailLines" in _param_names(log)
    proxy = paths["/api/v1/namespaces/{namespace}/pods/{name}/proxy"]
    assert proxy["get"]["operationId"] == "connectCoreV1GetNamespacedPodProxy"
    assert proxy["get"]["x-kubernetes-action"] == "connect"


@pytest.mark.parametrize(("group", "version"), group_versions())
def test_every_served_kind_has_a_patch_with_field_validation(group, version):
    doc = _doc(group, version)
    kinds = {
        op["x-kubernetes-group-version-kind"]["kind"]
        for path, item in doc["paths"].items()
        if "{name}" in path and not path.endswith(("/status", "/scale"))
        for method, op in item.items()
        if method == "patch" and "fieldValidation" in _param_names(op)
    }
    from kubeferry.machinery.resources import RESOURCES

    expected = {r.kind for r in RESOURCES if (r.group, r.version) == (group, version) and "patch" in r.verbs}
    assert kinds == expected


def test_index_lists_every_group_version_with_a_content_hash():
    idx = openapi.index()
    assert list(idx["paths"]) == [openapi.index_key(g, v) for g, v in group_versions()]
    url = idx["paths"]["apis/apps/v1"]["serverRelativeURL"]
    body = openapi.group_version_document("apps", "v1")
    expected_hash = openapi.content_hash(body)
    assert url == f"/openapi/v3/apis/apps/v1?hash={expected_hash}"
    assert len(expected_hash) == 128 and expected_hash == expected_hash.upper()
    assert idx["paths"]["api/v1"]["serverRelativeURL"].startswith("/openapi/v3/api/v1?hash=")
    assert openapi.document_hash("apps", "v1") == expected_hash


def test_index_uses_the_given_hash_function():
    idx = openapi.index(lambda body: "H" + str(len(body)))
    assert idx["paths"]["apis/policy/v1"]["serverRelativeURL"] == (
        f"/openapi/v3/apis/policy/v1?hash=H{len(openapi.group_version_document('policy', 'v1'))}"
    )


def test_documents_are_memoised_bytes():
    assert openapi.group_version_document("apps", "v1") is openapi.group_version_document("apps", "v1")
    assert openapi.group_version_document("apps", "v2") is None
    assert openapi.index_bytes() is openapi.index_bytes()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/openapi/v3/api/v1", ("", "v1"), id="core"),
        pytest.param("/openapi/v3/apis/apps/v1", ("apps", "v1"), id="apps"),
        pytest.param("/openapi/v3/apis/discovery.k8s.io/v1/", ("discovery.k8s.io", "v1"), id="trailing-slash"),
        pytest.param("/openapi/v3", None, id="index-is-not-a-gv"),
        pytest.param("/openapi/v2", None, id="v2"),
        pytest.param("/openapi/v3/apis/apps", None, id="group-only"),
    ],
)
def test_parse_path(path, expected):
    assert openapi.parse_path(path) == expected
