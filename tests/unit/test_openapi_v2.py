"""The Swagger 2.0 document of `GET /openapi/v2`: definitions, paths, protobuf form and negotiation."""

from __future__ import annotations

import json

import orjson
import pytest
import yaml

from kubeferry.apiserver import openapi, openapi_v2
from kubeferry.apiserver.openapi_v2_messages import decode_document, encode_document, message_class

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
OBJECT_META = META + "ObjectMeta"
PROTOBUF_ASKED = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
PRIMITIVES = {"string", "number", "integer", "boolean"}


@pytest.fixture(scope="module")
def doc() -> dict:
    return openapi_v2.document()


def _walk(node: object, path: str = ""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if not key.startswith("x-"):
                yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


# --- schema rewriting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        pytest.param(
            {"$ref": "#/components/schemas/io.k8s.X"},
            {"$ref": "#/definitions/io.k8s.X"},
            id="plain-reference",
        ),
        pytest.param(
            {"allOf": [{"$ref": "#/components/schemas/io.k8s.X"}], "description": "The X."},
            {"$ref": "#/definitions/io.k8s.X", "description": "The X."},
            id="described-reference-loses-its-allOf",
        ),
        pytest.param(
            {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/A"}], "default": {}}},
            {"type": "array", "items": {"$ref": "#/definitions/A", "default": {}}},
            id="reference-inside-items",
        ),
        pytest.param(
            {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/io.k8s.Q"}},
            {"type": "object", "additionalProperties": {"$ref": "#/definitions/io.k8s.Q"}},
            id="reference-inside-additionalProperties",
        ),
        pytest.param(
            {"format": "int-or-string", "oneOf": [{"type": "integer"}, {"type": "string"}], "description": "d"},
            {"format": "int-or-string", "type": "string", "description": "d"},
            id="int-or-string-becomes-a-string",
        ),
        pytest.param(
            {"oneOf": [{"type": "string"}, {"type": "number"}]},
            {"type": "string"},
            id="quantity-becomes-a-string",
        ),
        pytest.param({"type": "string", "nullable": True}, {"type": "string"}, id="nullable-dropped"),
        pytest.param(
            {
                "type": "object",
                "properties": {"m": {"allOf": [{"$ref": "#/components/schemas/M"}], "description": "d"}},
            },
            {"type": "object", "properties": {"m": {"$ref": "#/definitions/M", "description": "d"}}},
            id="reference-inside-properties",
        ),
        pytest.param(
            {"type": "object", "x-kubernetes-map-type": "atomic", "additionalProperties": True},
            {"type": "object", "x-kubernetes-map-type": "atomic", "additionalProperties": True},
            id="extensions-and-boolean-additionalProperties-kept",
        ),
    ],
)
def test_to_definition(node, expected):
    assert openapi_v2.to_definition(node) == expected


def test_every_reference_points_into_definitions(doc):
    text = openapi_v2.json_bytes().decode()
    assert "#/components/schemas/" not in text
    refs = [node["$ref"] for _, node in _walk(doc) if "$ref" in node]
    assert len(refs) > 1000
    assert all(ref.startswith("#/definitions/") for ref in refs)
    assert {ref.removeprefix("#/definitions/") for ref in refs} <= set(doc["definitions"])


def test_definitions_are_the_union_of_the_v3_schemas(doc):
    from kubeferry.machinery.resources import group_versions

    expected: set[str] = set()
    for group, version in group_versions():
        gv = openapi.group_version_dict(group, version)
        if gv is not None:
            expected.update(gv["components"]["schemas"])
    assert list(doc["definitions"]) == sorted(expected)


def test_configmap_definition_carries_its_gvk_and_described_metadata(doc):
    configmap = doc["definitions"]["io.k8s.api.core.v1.ConfigMap"]
    assert configmap["x-kubernetes-group-version-kind"] == [{"group": "", "kind": "ConfigMap", "version": "v1"}]
    assert configmap["type"] == "object"
    assert configmap["properties"]["metadata"] == {
        "$ref": "#/definitions/" + OBJECT_META,
        "description": openapi.component("io.k8s.api.core.v1.ConfigMap")["properties"]["metadata"]["description"],
    }
    assert configmap["properties"]["data"] == {
        "additionalProperties": {"type": "string"},
        "description": configmap["properties"]["data"]["description"],
        "type": "object",
    }


def test_deployment_definition_keeps_patch_metadata(doc):
    containers = doc["definitions"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["items"] == {"$ref": "#/definitions/io.k8s.api.core.v1.Container"}
    assert doc["definitions"]["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]


def test_int_or_string_and_quantity_are_strings(doc):
    int_or_string = doc["definitions"]["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert (int_or_string["type"], int_or_string["format"]) == ("string", "int-or-string")
    assert doc["definitions"]["io.k8s.apimachinery.pkg.api.resource.Quantity"]["type"] == "string"


def _parse_error(node: dict, definitions: dict) -> str | None:
    """kubectl's (kube-openapi proto) parser rules for one schema, restated: the reason it refuses it, or None."""
    if "$ref" in node:
        if node.get("properties"):
            return "unallowed embedded type definition"
        if "type" in node:
            return "definition reference can't have a type"
        if not node["$ref"].startswith("#/definitions/"):
            return "unallowed reference to non-definition"
        if node["$ref"].removeprefix("#/definitions/") not in definitions:
            return "unknown model in reference"
        return None
    kind = node.get("type")
    if isinstance(kind, list):
        return "definitions with multiple types aren't supported"
    if kind == "array":
        items = node.get("items")
        if not isinstance(items, dict):
            return "array should have exactly one sub-item"
        return _parse_error(items, definitions)
    if kind is not None and kind != "object" and kind not in PRIMITIVES:
        return f"Unknown primitive type: {kind!r}"
    for sub in node.get("properties", {}).values():
        error = _parse_error(sub, definitions)
        if error:
            return error
    extra = node.get("additionalProperties")
    if kind == "object" and isinstance(extra, dict):
        return _parse_error(extra, definitions)
    return None


@pytest.mark.parametrize(
    ("node", "error"),
    [
        pytest.param(
            {"$ref": "#/definitions/A", "type": "object"}, "definition reference can't have a type", id="ref+type"
        ),
        pytest.param({"$ref": "#/components/schemas/A"}, "unallowed reference to non-definition", id="v3-ref"),
        pytest.param({"$ref": "#/definitions/Missing"}, "unknown model in reference", id="dangling-ref"),
        pytest.param({"type": "array"}, "array should have exactly one sub-item", id="array-without-items"),
        pytest.param({"type": ["string", "null"]}, "definitions with multiple types aren't supported", id="type-list"),
        pytest.param({"type": "null"}, "Unknown primitive type: 'null'", id="null-type"),
        pytest.param({"type": "object", "properties": {"a": {"$ref": "#/definitions/A"}}}, None, id="fine"),
    ],
)
def test_parser_rules_table(node, error):
    assert _parse_error(node, {"A": {}}) == error


def test_every_definition_is_accepted_by_kubectls_parser(doc):
    refused = {
        name: error for name, node in doc["definitions"].items() if (error := _parse_error(node, doc["definitions"]))
    }
    assert refused == {}
    left = [path for path, node in _walk(doc["definitions"]) if {"oneOf", "anyOf", "nullable"} & set(node)]
    assert left == []


# --- paths -----------------------------------------------------------------------------------------


def test_configmap_patch_operation_in_swagger_form(doc):
    item = doc["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]
    patch = item["patch"]
    assert patch["consumes"] == [
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
    ]
    assert patch["produces"] == ["application/json"]
    assert patch["schemes"] == ["https"]
    assert patch["operationId"] == "patchCoreV1NamespacedConfigMap"
    assert patch["x-kubernetes-action"] == "patch"
    assert patch["x-kubernetes-group-version-kind"] == {"group": "", "kind": "ConfigMap", "version": "v1"}
    assert patch["parameters"][0] == {
        "name": "body",
        "in": "body",
        "required": True,
        "schema": {"$ref": "#/definitions/" + META + "Patch"},
    }
    validation = next(p for p in patch["parameters"] if p["name"] == "fieldValidation")
    assert (validation["in"], validation["type"], validation["uniqueItems"]) == ("query", "string", True)
    assert "schema" not in validation
    assert patch["responses"]["200"] == {
        "description": "OK",
        "schema": {"$ref": "#/definitions/io.k8s.api.core.v1.ConfigMap"},
    }
    assert patch["responses"]["401"] == {"description": "Unauthorized"}
    assert [p["name"] for p in item["parameters"]] == ["name", "namespace", "pretty"]
    assert item["parameters"][0]["required"] is True


def test_optional_body_has_no_required_key_and_logs_are_text(doc):
    delete = doc["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["delete"]
    assert delete["parameters"][0] == {
        "name": "body",
        "in": "body",
        "schema": {"$ref": "#/definitions/" + META + "DeleteOptions"},
    }
    log = doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/log"]["get"]
    assert log["produces"] == ["text/plain"]
    assert log["responses"]["200"]["schema"] == {"type": "string"}


def test_document_header(doc):
    from kubeferry.apiserver.app import VERSION_INFO

    assert doc["swagger"] == "2.0"
    assert doc["info"] == {"title": "Kubernetes", "version": VERSION_INFO["gitVersion"]}
    assert doc["securityDefinitions"]["BearerToken"]["in"] == "header"
    assert doc["security"] == [{"BearerToken": []}]


# --- protobuf --------------------------------------------------------------------------------------


def test_protobuf_decodes_to_the_json_document():
    assert decode_document(openapi_v2.protobuf_bytes()) == orjson.loads(openapi_v2.json_bytes())


def test_protobuf_wire_bytes_of_a_tiny_document():
    body = encode_document(
        {"swagger": "2.0", "info": {"title": "T", "version": "v"}, "definitions": {"A": {"type": "string"}}}
    )
    # Document{1 swagger "2.0"; 2 info{1 "T"; 2 "v"}; 8 paths{}; 9 definitions{1 NamedSchema{1 "A"; 2 Schema{22 TypeItem{1 "string"}}}}}
    # Schema.type is field 22: key (22 << 3) | 2 = 178, the varint b2 01.
    expected = (
        b"\x0a\x032.0"
        + b"\x12\x06\x0a\x01T\x12\x01v"
        + b"\x42\x00"
        + b"\x4a\x12\x0a\x10\x0a\x01A\x12\x0b\xb2\x01\x08\x0a\x06string"
    )
    assert body == expected


def test_vendor_extensions_are_yaml_any_values():
    body = openapi_v2.protobuf_bytes()
    message = message_class("Document").FromString(body)
    configmap = next(
        e.value for e in message.definitions.additional_properties if e.name == "io.k8s.api.core.v1.ConfigMap"
    )
    extensions = {e.name: yaml.safe_load(e.value.yaml) for e in configmap.vendor_extension}
    assert extensions == {"x-kubernetes-group-version-kind": [{"group": "", "kind": "ConfigMap", "version": "v1"}]}
    metadata = next(p.value for p in configmap.properties.additional_properties if p.name == "metadata")
    assert metadata._ref == "#/definitions/" + OBJECT_META
    assert not metadata.HasField("type")


def test_boolean_additional_properties_round_trip():
    doc = {"swagger": "2.0", "info": {"title": "T", "version": "v"}, "paths": {}, "definitions": {}}
    doc["definitions"]["Closed"] = {"type": "object", "additionalProperties": False, "enum": ["a", 1], "default": "a"}
    assert decode_document(encode_document(doc)) == doc


def test_unknown_schema_key_is_refused():
    doc = {"swagger": "2.0", "definitions": {"A": {"oneOf": [{"type": "string"}]}}}
    with pytest.raises(ValueError, match="schema key 'oneOf' has no protobuf field"):
        encode_document(doc)


# --- negotiation and answers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        pytest.param("", openapi_v2.JSON, id="empty-is-json"),
        pytest.param("*/*", openapi_v2.JSON, id="wildcard"),
        pytest.param("application/json", openapi_v2.JSON, id="json"),
        pytest.param("application/*", openapi_v2.JSON, id="application-wildcard"),
        pytest.param(PROTOBUF_ASKED, openapi_v2.PROTOBUF, id="kubectl-protobuf"),
        pytest.param("application/com.github.proto-openapi.spec.v2.v1.0+protobuf", openapi_v2.PROTOBUF, id="dotted"),
        pytest.param(f"application/json;q=0.5, {PROTOBUF_ASKED}", openapi_v2.PROTOBUF, id="quality-wins"),
        pytest.param(f"application/json, {PROTOBUF_ASKED}", openapi_v2.JSON, id="first-wins"),
        pytest.param(f"text/html, {PROTOBUF_ASKED};q=0.9", openapi_v2.PROTOBUF, id="unservable-skipped"),
        pytest.param("application/yaml", None, id="yaml-not-served"),
        pytest.param("application/json;q=0", None, id="q-zero"),
    ],
)
def test_negotiate(accept, media):
    assert openapi_v2.negotiate(accept) == media


def test_answer_json_with_etag():
    code, content_type, body, headers = openapi_v2.answer({"accept": "application/json"})
    assert (code, content_type) == (200, "application/json")
    assert body is openapi_v2.json_bytes()
    tag = dict(headers)["etag"]
    assert len(tag) == 130 and tag.startswith('"') and tag.endswith('"') and tag[1:-1].isupper()
    assert dict(headers)["vary"] == "Accept"
    assert json.loads(body)["swagger"] == "2.0"


def test_answer_protobuf_has_the_same_etag():
    code, content_type, body, headers = openapi_v2.answer({"accept": PROTOBUF_ASKED})
    assert (code, content_type) == (200, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
    assert body is openapi_v2.protobuf_bytes()
    assert dict(headers)["etag"] == openapi_v2.etag()


@pytest.mark.parametrize(
    ("if_none_match", "code"),
    [
        pytest.param(None, 304, id="current-tag"),
        pytest.param("*", 304, id="star"),
        pytest.param('"OLD"', 200, id="old-tag"),
        pytest.param('"OLD", W/{tag}', 304, id="weak-in-list"),
    ],
)
def test_answer_if_none_match(if_none_match, code):
    tag = openapi_v2.etag()
    value = tag if if_none_match is None else if_none_match.replace("{tag}", tag)
    got, _, body, _ = openapi_v2.answer({"accept": "application/json", "if-none-match": value})
    assert got == code
    assert (body == b"") == (code == 304)


def test_answer_not_acceptable():
    assert openapi_v2.answer({"accept": "text/html"}) == (406, "application/json", b"", [("vary", "Accept")])


def test_import_builds_nothing():
    import subprocess
    import sys

    code = (
        "import kubeferry.apiserver.openapi_v2 as v, kubeferry.apiserver.openapi_v2_messages as m, sys; "
        "print(v.document.cache_info().currsize, m._classes.cache_info().currsize, "
        "'google.protobuf' in sys.modules, 'kubeferry.machinery.schema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "0", "False", "False"]
