"""The Swagger 2.0 document: `GET /openapi/v2`, as JSON or as gnostic's protobuf `openapi.v2.Document`.

kubectl still reads the v2 document for one thing that matters: **client-side validation of a
`kind: List`**.  kubectl asks the v3 documents whether the server validates fields itself; for
`v1/List` the answer is always "no", so with `--validate=true` (Strict) it validates every item of
the list against the v2 `definitions` before sending anything (`kubectl apply|create -f list.yaml`,
and `kubectl edit` of several objects, which it opens as one List).  It looks each item's kind up
through the definitions' `x-kubernetes-group-version-kind` and walks the item against the schema,
reporting e.g. `ValidationError(ConfigMap): unknown field "colour" in io.k8s.api.core.v1.ConfigMap`.
An item whose kind has no definition is not checked.  kubectl's parser refuses the whole document
if any definition is outside what it understands (a `$ref` outside `#/definitions/`, a `$ref` with
`type` or `properties` beside it, an array without exactly one `items` schema, several types), so
every definition here stays inside that shape.

The definitions are the OpenAPI v3 `components.schemas` of the served group-versions (built by
`openapi.py` from the same models), rewritten the way kube-apiserver publishes its v2 spec:

* `#/components/schemas/X` → `#/definitions/X`;
* `{"allOf": [{"$ref": X}], "description": D}` (OpenAPI 3.0's way to describe a reference) →
  `{"$ref": X, "description": D}` (Swagger 2.0 readers, kubectl among them, ignore `allOf`, so
  left alone the reference would not be validated at all);
* `oneOf` does not exist in Swagger 2.0: IntOrString becomes `type: string, format: int-or-string`
  and Quantity `type: string` (kubectl accepts any scalar for a string);
* `nullable` is dropped.

`paths` carries the operations of the v3 documents in Swagger 2.0 form: parameters with their type
inline, the request body as an `in: body` parameter, `consumes`/`produces` from the media types,
responses with their `schema`; kubectl's client-side apply reads the `consumes` of a kind's `patch`
operation when it has to fall back to v2.

The document is built on the first request and kept as bytes (JSON and protobuf) for the life of the
process; both forms carry the same ETag, the quoted SHA-512 of the JSON (upper-case hex), and an
`If-None-Match` naming it is answered 304.
"""

from __future__ import annotations

import functools
import hashlib

import orjson

SWAGGER_VERSION = "2.0"
TITLE = "Kubernetes"
V3_PREFIX = "#/components/schemas/"
V2_PREFIX = "#/definitions/"
JSON = "application/json"
# kube-apiserver answers protobuf with this type whichever of the two spellings was asked for.
PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
PROTOBUF_SUBTYPES = ("com.github.proto-openapi.spec.v2@v1.0+protobuf", "com.github.proto-openapi.spec.v2.v1.0+protobuf")
ANY_MEDIA = "*/*"
INT_OR_STRING_FORMAT = "int-or-string"
SCHEMES = ["https"]
BODY_PARAMETER = "body"
_METHODS = ("get", "put", "post", "delete", "patch")
_DROPPED = ("nullable",)

# Statuses of `answer`.
OK = 200
NOT_MODIFIED = 304
NOT_ACCEPTABLE = 406


# --- schemas -------------------------------------------------------------------------------------


def _v2_ref(ref: str) -> str:
    return V2_PREFIX + ref.removeprefix(V3_PREFIX)


def to_definition(node: dict) -> dict:
    """One OpenAPI 3.0 schema (from `openapi.component`) rewritten as a Swagger 2.0 schema (see module doc)."""
    out: dict = {}
    all_of = node.get("allOf")
    if all_of is not None and len(all_of) == 1 and set(all_of[0]) == {"$ref"}:
        out["$ref"] = _v2_ref(all_of[0]["$ref"])
    for key, value in node.items():
        if key in _DROPPED or (key == "allOf" and "$ref" in out):
            continue
        if key == "$ref":
            out["$ref"] = _v2_ref(value)
        elif key == "oneOf":
            # The only unions are IntOrString and Quantity; upstream's v2 form of both is a string.
            out["type"] = "string"
        elif key == "properties":
            out["properties"] = {name: to_definition(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = to_definition(value)
        elif key == "allOf":
            out["allOf"] = [to_definition(sub) for sub in value]
        else:
            out[key] = value
    return out


# --- operations ----------------------------------------------------------------------------------


def _parameter(node: dict) -> dict:
    """A v3 query/path parameter (`schema: {type, uniqueItems}`) with its schema inline, as Swagger 2.0 has it."""
    out = {key: value for key, value in node.items() if key != "schema"}
    out.update(node.get("schema", {}))
    return out


def _content_schema(content: dict) -> dict | None:
    for media in content.values():
        if "schema" in media:
            return to_definition(media["schema"])
    return None


def _operation(op: dict) -> dict:
    out: dict = {"description": op["description"]}
    body = op.get("requestBody")
    out["consumes"] = list(body["content"]) if body else [ANY_MEDIA]
    produces: list[str] = []
    for response in op.get("responses", {}).values():
        for media in response.get("content", {}):
            if media not in produces:
                produces.append(media)
    out["produces"] = produces or [ANY_MEDIA]
    out["schemes"] = SCHEMES
    out["tags"] = op["tags"]
    out["operationId"] = op["operationId"]
    parameters = []
    if body:
        # Swagger 2.0 writers omit `required: false` (proto3 cannot carry it either).
        parameter = {"name": BODY_PARAMETER, "in": "body", "required": True, "schema": _content_schema(body["content"])}
        if not body["required"]:
            del parameter["required"]
        parameters.append(parameter)
    parameters.extend(_parameter(p) for p in op.get("parameters", ()))
    if parameters:
        out["parameters"] = parameters
    responses = {}
    for code, response in op.get("responses", {}).items():
        entry = {"description": response["description"]}
        schema = _content_schema(response.get("content", {}))
        if schema is not None:
            entry["schema"] = schema
        responses[code] = entry
    out["responses"] = responses
    out.update((key, value) for key, value in op.items() if key.startswith("x-"))
    return out


def _path_item(item: dict) -> dict:
    out: dict = {method: _operation(item[method]) for method in _METHODS if method in item}
    if "parameters" in item:
        out["parameters"] = [_parameter(p) for p in item["parameters"]]
    return out


# --- the document --------------------------------------------------------------------------------


@functools.cache
def document() -> dict:
    """The whole Swagger 2.0 document as a dict (shared: do not mutate)."""
    from kubeferry.apiserver import openapi
    from kubeferry.apiserver.app import VERSION_INFO
    from kubeferry.machinery.resources import group_versions

    paths: dict[str, dict] = {}
    names: set[str] = set()
    security_schemes: dict = {}
    for group, version in group_versions():
        doc = openapi.group_version_dict(group, version)
        if doc is None:
            continue
        for path, item in doc["paths"].items():
            paths[path] = _path_item(item)
        names.update(doc["components"]["schemas"])
        security_schemes.update(doc["components"].get("securitySchemes", {}))
    return {
        "swagger": SWAGGER_VERSION,
        "info": {"title": TITLE, "version": VERSION_INFO["gitVersion"]},
        "paths": dict(sorted(paths.items())),
        "definitions": {name: to_definition(openapi.component(name)) for name in sorted(names)},
        "securityDefinitions": security_schemes,
        "security": [{name: [] for name in security_schemes}],
    }


@functools.cache
def json_bytes() -> bytes:
    return orjson.dumps(document())


@functools.cache
def protobuf_bytes() -> bytes:
    from kubeferry.apiserver.openapi_v2_messages import encode_document

    return encode_document(document())


@functools.cache
def etag() -> str:
    """The quoted ETag of both forms: SHA-512 of the JSON bytes, upper-case hex, as kube-apiserver computes it."""
    return '"' + hashlib.sha512(json_bytes()).hexdigest().upper() + '"'


def negotiate(accept: str) -> str | None:
    """`JSON` or `PROTOBUF` for an Accept header (the first acceptable range wins), None when neither fits.

    An empty header means `*/*`, which is JSON; `application/*` is JSON too, since JSON is listed first.
    """
    from kubeferry.apiserver.discovery import _media_ranges

    for media, _params in _media_ranges(accept or ANY_MEDIA):
        kind, _, subtype = media.partition("/")
        if kind not in ("application", "*"):
            continue
        if subtype in ("json", "*"):
            return JSON
        if subtype in PROTOBUF_SUBTYPES:
            return PROTOBUF
    return None


def _matches(if_none_match: str, tag: str) -> bool:
    candidates = [c.strip().removeprefix("W/") for c in if_none_match.split(",")]
    return "*" in candidates or tag in candidates


def answer(headers: dict[str, str]) -> tuple[int, str, bytes, list[tuple[str, str]]]:
    """Status, content type, body and extra headers for `GET /openapi/v2` with these (lower-cased) headers."""
    vary = [("vary", "Accept")]
    media = negotiate(headers.get("accept", ""))
    if media is None:
        return NOT_ACCEPTABLE, JSON, b"", vary
    tag = etag()
    extra = [*vary, ("etag", tag)]
    if _matches(headers.get("if-none-match", ""), tag):
        return NOT_MODIFIED, media, b"", extra
    body = protobuf_bytes() if media == PROTOBUF else json_bytes()
    return OK, media, body, extra
