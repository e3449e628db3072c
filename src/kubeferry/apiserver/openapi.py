"""OpenAPI v3 documents: `GET /openapi/v3` (the index) and `GET /openapi/v3/<api|apis/group>/<version>`.

kubectl reads these for three things, so they must look like kube-apiserver's:

* **Server-side field validation.** For each object it writes, kubectl looks in the group-version
  document for a path whose `patch` operation carries `x-kubernetes-group-version-kind` equal to the
  object's kind and a `fieldValidation` query parameter.  When it finds one it skips client-side
  validation and sends `fieldValidation=Strict` (or `Warn`).
* **Client-side apply patches.** The three-way strategic merge patch is computed from
  `components.schemas`: the schema whose `x-kubernetes-group-version-kind` names the kind, followed
  through `$ref`s, reading `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`.
* **`kubectl explain`.** Its template finds the kind through the operations' GVK, then walks
  `properties`, `allOf`, `items` and `additionalProperties`, printing `description`, `required` and
  a type guessed from `type`, `$ref` and `format`.

The schemas come from `kubeferry.machinery.schema` (kubernetes-validate's JSON Schema for v1.37)
and are rewritten into OpenAPI 3.0 the way kube-apiserver publishes them:

* `{"$ref": "#/$defs/X"}` → `{"$ref": "#/components/schemas/X"}`; a reference with sibling keys
  (a description) becomes `{"allOf": [{"$ref": ...}], "description": ...}`, since OpenAPI 3.0
  ignores siblings of `$ref`;
* `"type": ["string", "null"]` → `"type": "string"` (OpenAPI 3.0 has no type arrays);
* the `enum` kubernetes-validate adds to every `apiVersion`/`kind` property is dropped (upstream
  publishes none there);
* IntOrString and Quantity keep their `oneOf` and no `type` (so explain prints `<IntOrString>`),
  IntOrString with `format: int-or-string`;
* `required` lists are corrected where kubernetes-validate differs from upstream's published
  specification (see `REQUIRED_AS_UPSTREAM`).

Each document is built once per process and kept as bytes; the index carries a content hash of
each document (SHA-512, upper-case hex, as kube-apiserver does) so kubectl can cache them forever.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import cache

import orjson

from kubeferry.machinery import schema
from kubeferry.machinery.resources import RESOURCES, Resource, Subresource, group_versions

OPENAPI_VERSION = "3.0.0"
COMPONENTS_PREFIX = "#/components/schemas/"
INDEX_PREFIX = "/openapi/v3/"
JSON = "application/json"
WATCH_STREAM = "application/json;stream=watch"
ANY_MEDIA = "*/*"
PATCH_MEDIA_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
STATUS = META + "Status"
DELETE_OPTIONS = META + "DeleteOptions"
WATCH_EVENT = META + "WatchEvent"
PATCH = META + "Patch"
API_RESOURCE_LIST = META + "APIResourceList"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"

# Where kubernetes-validate's `required` differs from the specification kube-apiserver publishes
# (checked against the upstream swagger.json for the served groups): kubernetes-validate marks
# `spec` required on the workload kinds and `data` on ControllerRevision, which upstream does not,
# and misses `type`/`status` on the workload conditions and `revision` on ControllerRevision.
# An empty tuple means "nothing is required".
REQUIRED_AS_UPSTREAM: dict[str, tuple[str, ...]] = {
    "io.k8s.api.apps.v1.ControllerRevision": ("revision",),
    "io.k8s.api.apps.v1.DaemonSet": (),
    "io.k8s.api.apps.v1.Deployment": (),
    "io.k8s.api.apps.v1.ReplicaSet": (),
    "io.k8s.api.apps.v1.StatefulSet": (),
    "io.k8s.api.apps.v1.DaemonSetCondition": ("type", "status"),
    "io.k8s.api.apps.v1.DeploymentCondition": ("type", "status"),
    "io.k8s.api.apps.v1.ReplicaSetCondition": ("type", "status"),
    "io.k8s.api.apps.v1.StatefulSetCondition": ("type", "status"),
}

# Definitions kubernetes-validate ships without a description or in a shape OpenAPI 3.0 readers
# expect differently; these replace them whole.
_REPLACED: dict[str, dict] = {
    INT_OR_STRING: {
        "description": "An int32 or a string; the value is serialized as whichever of the two it holds.",
        "format": "int-or-string",
        "oneOf": [{"type": "integer"}, {"type": "string"}],
    },
    QUANTITY: {
        "description": "A fixed-point number with an optional SI or binary suffix, such as `500m`, `2` or `1Gi`.",
        "oneOf": [{"type": "string"}, {"type": "number"}],
    },
}

# Keys copied through unchanged (after their values are converted where they hold schemas).
_SCALAR_KEYS = (
    "description",
    "format",
    "enum",
    "default",
    "pattern",
    "minimum",
    "maximum",
    "maxLength",
    "minLength",
    "maxItems",
    "minItems",
    "uniqueItems",
    "nullable",
    "readOnly",
)
_TYPE_META_FIELDS = ("apiVersion", "kind")


# --- schema conversion ---------------------------------------------------------------------------


def _ref(name: str) -> dict:
    return {"$ref": COMPONENTS_PREFIX + name}


def _single_type(value: str | list[str]) -> str | None:
    if isinstance(value, str):
        return value
    kinds = [t for t in value if t != "null"]
    return kinds[0] if kinds else None


def convert_schema(node: dict) -> dict:
    """Rewrite one kubernetes-validate JSON Schema node as an OpenAPI 3.0 schema (see module doc)."""
    out: dict = {}
    ref = node.get("$ref")
    for key, value in node.items():
        if key == "$ref":
            continue
        if key == "type":
            single = _single_type(value)
            if single is not None:
                out["type"] = single
        elif key == "properties":
            out["properties"] = {name: _convert_property(name, sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = convert_schema(value)
        elif key in ("oneOf", "anyOf", "allOf"):
            out[key] = [convert_schema(sub) for sub in value]
        elif key == "required":
            out["required"] = list(value)
        else:
            # description, format, enum, additionalProperties: bool, and every x-kubernetes-* extension.
            out[key] = value
    if ref is not None:
        target = _ref(ref.rsplit("/", 1)[-1])
        if not out:
            return target
        # OpenAPI 3.0 ignores siblings of $ref; kube-apiserver wraps the reference in allOf.
        return {"allOf": [target], **out}
    return out


def _convert_property(name: str, node: dict) -> dict:
    converted = convert_schema(node)
    if name in _TYPE_META_FIELDS:
        converted.pop("enum", None)
    return converted


@cache
def component(name: str) -> dict:
    """The OpenAPI 3.0 form of definition `name`, with upstream's `required` list."""
    if name in _REPLACED:
        return _REPLACED[name]
    converted = convert_schema(schema.definitions()[name])
    if name in REQUIRED_AS_UPSTREAM:
        required = REQUIRED_AS_UPSTREAM[name]
        if required:
            converted["required"] = list(required)
        else:
            converted.pop("required", None)
    return converted


def _refs_in(node: object, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs_in(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs_in(value, found)


def closure(roots: Iterable[str]) -> list[str]:
    """Every definition name reachable from `roots` through `$ref`s, sorted."""
    definitions = schema.definitions()
    seen: set[str] = set()
    pending = [r for r in roots if r in definitions]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        found: set[str] = set()
        _refs_in(definitions[name], found)
        pending.extend(n for n in found if n not in seen and n in definitions)
    return sorted(seen)


# --- operations ----------------------------------------------------------------------------------


def _camel_group(group: str) -> str:
    """`apps` → `Apps`, `coordination.k8s.io` → `Coordination`, `""` → `Core` (operationId infix)."""
    if not group:
        return "Core"
    trimmed = group.removesuffix(".k8s.io")
    return "".join(part[:1].upper() + part[1:] for part in trimmed.split("."))


def _tag(group: str, version: str) -> str:
    return f"{_camel_group(group)[:1].lower()}{_camel_group(group)[1:]}_{version}"


def _query(name: str, kind: str, description: str) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": {"type": kind, "uniqueItems": True}}


PRETTY = _query("pretty", "string", "If 'true', the output is indented for reading.")
DRY_RUN = _query("dryRun", "string", "'All' runs every stage of the request without persisting the result.")
FIELD_MANAGER = _query("fieldManager", "string", "Name of the actor making the change, recorded in managedFields.")
FIELD_VALIDATION = _query(
    "fieldValidation",
    "string",
    "How to treat unknown or duplicate fields in the request object: 'Ignore' drops them silently, "
    "'Warn' drops them and answers with a warning for each, 'Strict' fails the request with BadRequest.",
)
FORCE = _query("force", "boolean", "Apply requests only: take ownership of fields other managers own.")
LIST_PARAMS = (
    _query(
        "allowWatchBookmarks", "boolean", "Watch only: ask for BOOKMARK events carrying the latest resourceVersion."
    ),
    _query("continue", "string", "The continue token of a previous page of this list."),
    _query("fieldSelector", "string", "Select objects by field values, e.g. metadata.name=web."),
    _query("labelSelector", "string", "Select objects by labels, e.g. app=web,tier!=cache."),
    _query("limit", "integer", "Return at most this many objects, with a continue token if more exist."),
    _query("resourceVersion", "string", "Which version of the collection to read or to watch from."),
    _query("resourceVersionMatch", "string", "How resourceVersion is interpreted: Exact or NotOlderThan."),
    _query("sendInitialEvents", "boolean", "Watch only: start with synthetic ADDED events for existing objects."),
    _query("timeoutSeconds", "integer", "End the list or watch call after this many seconds."),
    _query("watch", "boolean", "Stream change events instead of returning a list."),
)
DELETE_PARAMS = (
    DRY_RUN,
    _query("gracePeriodSeconds", "integer", "Seconds to wait before the object is deleted; 0 means now."),
    _query(
        "ignoreStoreReadErrorWithClusterBreakingPotential",
        "boolean",
        "Delete an object that cannot be read from storage (dangerous).",
    ),
    _query("orphanDependents", "boolean", "Deprecated: use propagationPolicy."),
    _query("propagationPolicy", "string", "Garbage collection of dependents: Orphan, Background or Foreground."),
)
LOG_PARAMS = (
    _query("container", "string", "The container to stream logs of; optional when the pod has one container."),
    _query("follow", "boolean", "Keep streaming as the log grows."),
    _query("insecureSkipTLSVerifyBackend", "boolean", "Skip verifying the kubelet's serving certificate."),
    _query("limitBytes", "integer", "Stop after this many bytes."),
    _query("previous", "boolean", "Logs of the previous, terminated container instance."),
    _query("sinceSeconds", "integer", "Only lines newer than this many seconds."),
    _query("stream", "string", "Which stream: All, Stdout or Stderr."),
    _query("tailLines", "integer", "Only this many lines from the end of the log."),
    _query("timestamps", "boolean", "Prefix every line with an RFC3339 timestamp."),
)
_CONNECT_METHODS = {"get": "Get", "post": "Post", "put": "Put", "patch": "Patch", "delete": "Delete"}
_VERB_METHODS = {"create": "post", "delete": "delete", "get": "get", "patch": "patch", "update": "put"}


def _path_param(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "uniqueItems": True},
    }


NAMESPACE_PARAM = _path_param("namespace", "object name and auth scope, such as for teams and projects")


def _responses(schema_name: str | None, *codes: tuple[str, str], stream: bool = False, text: bool = False) -> dict:
    out: dict = {}
    for code, description in codes:
        entry: dict = {"description": description}
        if text:
            entry["content"] = {"text/plain": {"schema": {"type": "string"}}}
        elif schema_name is not None:
            content = {JSON: {"schema": _ref(schema_name)}}
            if stream:
                content[WATCH_STREAM] = {"schema": _ref(schema_name)}
            entry["content"] = content
        out[code] = entry
    out["401"] = {"description": "Unauthorized"}
    return out


OK = ("200", "OK")
CREATED = ("201", "Created")
ACCEPTED = ("202", "Accepted")


def _body(schema_name: str, media_types: Iterable[str] = (ANY_MEDIA,), required: bool = True) -> dict:
    return {"content": {m: {"schema": _ref(schema_name)} for m in media_types}, "required": required}


def _operation(op_id: str, action: str, gvk: dict | None, tag: str, description: str, **extra: object) -> dict:
    op: dict = {"description": description, "operationId": op_id, "tags": [tag]}
    op.update(extra)
    op["x-kubernetes-action"] = action
    if gvk is not None:
        op["x-kubernetes-group-version-kind"] = gvk
    return op


class _Builder:
    """Collects the paths and schema roots of one group-version document."""

    def __init__(self, group: str, version: str) -> None:
        self.group = group
        self.version = version
        self.infix = _camel_group(group) + version[:1].upper() + version[1:]
        self.tag = _tag(group, version)
        self.root = f"/apis/{group}/{version}" if group else f"/api/{version}"
        self.paths: dict[str, dict] = {}
        self.roots: set[str] = {STATUS, DELETE_OPTIONS, WATCH_EVENT, PATCH, API_RESOURCE_LIST}

    def definition(self, group: str, version: str, kind: str) -> str | None:
        name = schema.definition_name(group, version, kind)
        if name is not None:
            self.roots.add(name)
        return name

    def add_root_path(self) -> None:
        self.paths[self.root + "/"] = {
            "get": _operation(
                f"get{self.infix}APIResources",
                "get",
                None,
                self.tag,
                "The resources this group-version serves.",
                responses=_responses(API_RESOURCE_LIST, OK),
            )
        }

    def add(self, res: Resource) -> None:
        kind_def = self.definition(res.group, res.version, res.kind)
        list_def = self.definition(res.group, res.version, res.list_kind)
        if kind_def is None:
            return
        gvk = {"group": res.group, "kind": res.kind, "version": res.version}
        scoped = "Namespaced" if res.namespaced else ""
        kind = res.kind
        collection = (
            f"{self.root}/namespaces/{{namespace}}/{res.plural}" if res.namespaced else f"{self.root}/{res.plural}"
        )
        item = collection + "/{name}"
        name_param = _path_param("name", f"name of the {kind}")
        scope_params = [NAMESPACE_PARAM] if res.namespaced else []
        verbs = set(res.verbs)

        ops: dict = {}
        if "list" in verbs and list_def is not None:
            ops["get"] = _operation(
                f"list{self.infix}{scoped}{kind}",
                "list",
                gvk,
                self.tag,
                f"List or watch {kind} objects.",
                parameters=list(LIST_PARAMS),
                responses=_responses(list_def, OK, stream=True),
            )
        if "create" in verbs:
            ops["post"] = _operation(
                f"create{self.infix}{scoped}{kind}",
                "post",
                gvk,
                self.tag,
                f"Create a {kind}.",
                parameters=[DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
                requestBody=_body(kind_def),
                responses=_responses(kind_def, OK, CREATED, ACCEPTED),
            )
        if "deletecollection" in verbs:
            ops["delete"] = _operation(
                f"delete{self.infix}Collection{scoped}{kind}",
                "deletecollection",
                gvk,
                self.tag,
                f"Delete every {kind} the selectors match.",
                parameters=[
                    *DELETE_PARAMS,
                    *(p for p in LIST_PARAMS if p["name"] not in ("watch", "allowWatchBookmarks")),
                ],
                requestBody=_body(DELETE_OPTIONS, required=False),
                responses=_responses(STATUS, OK),
            )
        if ops:
            ops["parameters"] = [*scope_params, PRETTY]
            self.paths[collection] = ops

        if res.namespaced and "list" in verbs and list_def is not None:
            self.paths[f"{self.root}/{res.plural}"] = {
                "get": _operation(
                    f"list{self.infix}{kind}ForAllNamespaces",
                    "list",
                    gvk,
                    self.tag,
                    f"List or watch {kind} objects in every namespace.",
                    responses=_responses(list_def, OK, stream=True),
                ),
                "parameters": [*LIST_PARAMS, PRETTY],
            }

        ops = {}
        if "get" in verbs:
            ops["get"] = _operation(
                f"read{self.infix}{scoped}{kind}",
                "get",
                gvk,
                self.tag,
                f"Read the named {kind}.",
                responses=_responses(kind_def, OK),
            )
        if "update" in verbs:
            ops["put"] = self._replace(f"replace{self.infix}{scoped}{kind}", gvk, kind, kind_def)
        if "patch" in verbs:
            ops["patch"] = self._patch(f"patch{self.infix}{scoped}{kind}", gvk, kind, kind_def)
        if "delete" in verbs:
            ops["delete"] = _operation(
                f"delete{self.infix}{scoped}{kind}",
                "delete",
                gvk,
                self.tag,
                f"Delete the named {kind}.",
                parameters=list(DELETE_PARAMS),
                requestBody=_body(DELETE_OPTIONS, required=False),
                responses=_responses(STATUS, OK, ACCEPTED),
            )
        if ops:
            ops["parameters"] = [name_param, *scope_params, PRETTY]
            self.paths[item] = ops

        for sub in res.subresources:
            self._subresource(res, sub, item, [name_param, *scope_params, PRETTY], scoped)

    def _replace(self, op_id: str, gvk: dict, kind: str, kind_def: str) -> dict:
        return _operation(
            op_id,
            "put",
            gvk,
            self.tag,
            f"Replace the named {kind}.",
            parameters=[DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
            requestBody=_body(kind_def),
            responses=_responses(kind_def, OK, CREATED),
        )

    def _patch(self, op_id: str, gvk: dict, kind: str, kind_def: str) -> dict:
        return _operation(
            op_id,
            "patch",
            gvk,
            self.tag,
            f"Partially update the named {kind}.",
            parameters=[DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
            requestBody=_body(PATCH, PATCH_MEDIA_TYPES),
            responses=_responses(kind_def, OK, CREATED),
        )

    def _subresource(self, res: Resource, sub: Subresource, item: str, params: list[dict], scoped: str) -> None:
        path = f"{item}/{sub.name}"
        suffix = sub.name[:1].upper() + sub.name[1:]
        base = f"{self.infix}{scoped}{res.kind}{suffix}"
        gvk = {"group": sub.group, "kind": sub.kind, "version": sub.version}
        if sub.name == "proxy":
            ops = {
                method: _operation(
                    f"connect{self.infix}{label}{scoped}{res.kind}Proxy",
                    "connect",
                    {"group": res.group, "kind": sub.kind, "version": res.version},
                    self.tag,
                    f"Connect {method.upper()} requests to the proxy of the {res.kind}.",
                    responses={
                        "200": {"description": "OK", "content": {ANY_MEDIA: {"schema": {"type": "string"}}}},
                        "401": {"description": "Unauthorized"},
                    },
                )
                for method, label in _CONNECT_METHODS.items()
                if _verb_for_method(method) in sub.verbs
            }
            if ops:
                ops["parameters"] = [p for p in params if p is not PRETTY]
                self.paths[path] = ops
            return
        if sub.name == "log":
            self.paths[path] = {
                "get": _operation(
                    f"read{base}",
                    "get",
                    {"group": res.group, "kind": res.kind, "version": res.version},
                    self.tag,
                    f"Read the log of the {res.kind}.",
                    parameters=list(LOG_PARAMS),
                    responses=_responses(None, OK, text=True),
                ),
                "parameters": params,
            }
            return
        sub_def = self.definition(sub.group, sub.version, sub.kind)
        if sub_def is None:
            return
        ops: dict = {}
        for verb in sorted(sub.verbs, key=list(_VERB_METHODS).index):
            method = _VERB_METHODS[verb]
            if verb == "get":
                ops[method] = _operation(
                    f"read{base}",
                    "get",
                    gvk,
                    self.tag,
                    f"Read the {sub.name} of the named {res.kind}.",
                    responses=_responses(sub_def, OK),
                )
            elif verb == "update":
                ops[method] = self._replace(f"replace{base}", gvk, f"{sub.name} of a {res.kind}", sub_def)
            elif verb == "patch":
                ops[method] = self._patch(f"patch{base}", gvk, f"{sub.name} of a {res.kind}", sub_def)
            elif verb == "create":
                ops[method] = _operation(
                    f"create{base}",
                    "post",
                    gvk,
                    self.tag,
                    f"Create a {sub.kind} for the named {res.kind}.",
                    parameters=[DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
                    requestBody=_body(sub_def),
                    responses=_responses(sub_def, OK, CREATED, ACCEPTED),
                )
        if ops:
            ops["parameters"] = params
            self.paths[path] = ops

    def document(self) -> dict:
        return {
            "openapi": OPENAPI_VERSION,
            "info": {"title": "Kubernetes", "version": "unversioned"},
            "paths": dict(sorted(self.paths.items())),
            "components": {
                "schemas": {name: component(name) for name in closure(self.roots)},
                "securitySchemes": {
                    "BearerToken": {
                        "type": "apiKey",
                        "in": "header",
                        "name": "authorization",
                        "description": "Bearer Token authentication",
                    }
                },
            },
            "security": [{"BearerToken": []}],
        }


def _verb_for_method(method: str) -> str:
    return {"get": "get", "post": "create", "put": "update", "patch": "patch", "delete": "delete"}[method]


# --- public surface ------------------------------------------------------------------------------


def _served(group: str, version: str) -> list[Resource]:
    return [r for r in RESOURCES if r.group == group and r.version == version]


@cache
def group_version_dict(group: str, version: str) -> dict | None:
    """The OpenAPI 3.0 document of one served group-version as a dict (shared: do not mutate)."""
    resources = _served(group, version)
    if not resources:
        return None
    builder = _Builder(group, version)
    builder.add_root_path()
    for res in resources:
        builder.add(res)
    return builder.document()


@cache
def group_version_document(group: str, version: str) -> bytes | None:
    """The document for `GET /openapi/v3/api/v1` (group "") or `/openapi/v3/apis/<g>/<v>`; None if not served."""
    doc = group_version_dict(group, version)
    return None if doc is None else orjson.dumps(doc)


def content_hash(body: bytes) -> str:
    """kube-apiserver's document hash: SHA-512 of the bytes, upper-case hex (128 characters)."""
    return hashlib.sha512(body).hexdigest().upper()


def index_key(group: str, version: str) -> str:
    """`api/v1`, `apis/apps/v1`: the key of a group-version in the index and its URL suffix."""
    return f"apis/{group}/{version}" if group else f"api/{version}"


@cache
def document_hash(group: str, version: str) -> str | None:
    body = group_version_document(group, version)
    return None if body is None else content_hash(body)


@cache
def index(server_hash_fn: Callable[[bytes], str] = content_hash) -> dict:
    """The `GET /openapi/v3` index: every served group-version and its URL with the content hash."""
    paths = {}
    for group, version in group_versions():
        body = group_version_document(group, version)
        if body is None:
            continue
        key = index_key(group, version)
        paths[key] = {"serverRelativeURL": f"{INDEX_PREFIX}{key}?hash={server_hash_fn(body)}"}
    return {"paths": paths}


@cache
def index_bytes(server_hash_fn: Callable[[bytes], str] = content_hash) -> bytes:
    return orjson.dumps(index(server_hash_fn))


def parse_path(path: str) -> tuple[str, str] | None:
    """`/openapi/v3/apis/apps/v1` → ("apps", "v1"); `/openapi/v3/api/v1` → ("", "v1"); else None."""
    if not path.startswith(INDEX_PREFIX):
        return None
    parts = path[len(INDEX_PREFIX) :].strip("/").split("/")
    if len(parts) == 2 and parts[0] == "api":
        return "", parts[1]
    if len(parts) == 3 and parts[0] == "apis":
        return parts[1], parts[2]
    return None
