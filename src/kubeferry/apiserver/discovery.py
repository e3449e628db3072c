"""Discovery documents: how kubectl learns which groups, versions, kinds and verbs the server has.

Two generations of the protocol are served, both computed from the static resource table
(`kubeferry.machinery.resources.RESOURCES`), once per process, and handed out as ready bytes:

* **Aggregated** (`apidiscovery.k8s.io/v2`, `APIGroupDiscoveryList`): one document at `/api` (the
  core group, one item named `""`) and one at `/apis` (every named group), carrying each resource's
  response kind, scope, verbs, short names, categories and subresources.  kubectl asks for it with
  `Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json`
  and only treats the body as aggregated when the response's Content-Type is exactly
  `AGGREGATED_CONTENT_TYPE`.
* **Legacy**: `/api` (`APIVersions`), `/apis` (`APIGroupList`), `/apis/<group>` (`APIGroup`) and
  the per-group-version `APIResourceList`s at `/api/v1` and `/apis/<group>/<version>`, which list
  subresources as `<plural>/<sub>` entries (`deployments/scale` answers with `autoscaling/v1 Scale`).
  kubectl uses these when aggregated discovery is not offered, and `kubectl auth can-i` reads the
  per-group-version lists even when it is.

`apidiscovery.k8s.io/v2beta1` is not served: kube-apiserver stopped serving it when the
AggregatedDiscoveryRemoveBetaType gate was locked on (v1.35), so a client that asks only for
v2beta1 gets the legacy document, as it would from a v1.37 server.

Only the table and orjson are imported, so importing this module never loads the OpenAPI schemas.
Returned dicts are shared caches: callers must not mutate them.
"""

from __future__ import annotations

from functools import cache

import orjson

from kubeferry.machinery.resources import RESOURCES, Resource, Subresource

AGGREGATED_GROUP = "apidiscovery.k8s.io"
AGGREGATED_VERSION = "v2"
AGGREGATED_KIND = "APIGroupDiscoveryList"
AGGREGATED_CONTENT_TYPE = f"application/json;g={AGGREGATED_GROUP};v={AGGREGATED_VERSION};as={AGGREGATED_KIND}"
LEGACY_CONTENT_TYPE = "application/json"

FRESHNESS_CURRENT = "Current"
SCOPE_NAMESPACED = "Namespaced"
SCOPE_CLUSTER = "Cluster"
# kube-apiserver answers every client CIDR with its own address on `/api`.
ALL_CLIENTS_CIDR = "0.0.0.0/0"

# The order kube-apiserver lists API groups in (its aggregator's group priorities, highest first).
# Groups missing here sort after these, by name.
GROUP_ORDER = (
    "apiregistration.k8s.io",
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "resource.k8s.io",
    "storagemigration.k8s.io",
)

# Media types a legacy discovery handler can answer, when asked for without an `as=` conversion.
_PLAIN_ACCEPTS = frozenset({"application/json", "application/*", "*/*", "application/yaml"})


def _dumps(doc: dict) -> bytes:
    return orjson.dumps(doc)


# --- the table, grouped --------------------------------------------------------------------------


def _group_rank(group: str) -> tuple[int, str]:
    return (GROUP_ORDER.index(group), "") if group in GROUP_ORDER else (len(GROUP_ORDER), group)


@cache
def _by_group() -> dict[str, dict[str, tuple[Resource, ...]]]:
    """{group: {version: resources sorted by plural}}, core ("") first, then by GROUP_ORDER."""
    grouped: dict[str, dict[str, list[Resource]]] = {}
    for res in RESOURCES:
        grouped.setdefault(res.group, {}).setdefault(res.version, []).append(res)
    ordered = sorted(grouped, key=lambda g: (-1, "") if g == "" else _group_rank(g))
    return {g: {v: tuple(sorted(items, key=lambda r: r.plural)) for v, items in grouped[g].items()} for g in ordered}


def _gvk(group: str, version: str, kind: str) -> dict:
    return {"group": group, "version": version, "kind": kind}


def _sorted_subresources(res: Resource) -> list[Subresource]:
    return sorted(res.subresources, key=lambda s: s.name)


# --- aggregated discovery ------------------------------------------------------------------------


def _aggregated_resource(res: Resource) -> dict:
    entry: dict = {
        "resource": res.plural,
        "responseKind": _gvk(res.group, res.version, res.kind),
        "scope": SCOPE_NAMESPACED if res.namespaced else SCOPE_CLUSTER,
        "singularResource": res.singular_name,
        "verbs": sorted(res.verbs),
    }
    if res.short_names:
        entry["shortNames"] = list(res.short_names)
    if res.categories:
        entry["categories"] = list(res.categories)
    if res.subresources:
        entry["subresources"] = [
            {
                "subresource": sub.name,
                "responseKind": _gvk(sub.group, sub.version, sub.kind),
                "verbs": sorted(sub.verbs),
            }
            for sub in _sorted_subresources(res)
        ]
    return entry


def _aggregated_group(group: str) -> dict:
    versions = _by_group()[group]
    return {
        "metadata": {"name": group, "creationTimestamp": None},
        "versions": [
            {
                "version": version,
                "resources": [_aggregated_resource(r) for r in resources],
                "freshness": FRESHNESS_CURRENT,
            }
            for version, resources in versions.items()
        ],
    }


def _aggregated_list(groups: list[str]) -> dict:
    return {
        "kind": AGGREGATED_KIND,
        "apiVersion": f"{AGGREGATED_GROUP}/{AGGREGATED_VERSION}",
        "metadata": {},
        "items": [_aggregated_group(g) for g in groups],
    }


@cache
def aggregated_api() -> dict:
    """The aggregated document for `GET /api`: one item, the core group (`metadata.name: ""`)."""
    return _aggregated_list([g for g in _by_group() if g == ""])


@cache
def aggregated_apis() -> dict:
    """The aggregated document for `GET /apis`: one item per named group, in kube-apiserver's order."""
    return _aggregated_list([g for g in _by_group() if g != ""])


@cache
def aggregated_api_bytes() -> bytes:
    return _dumps(aggregated_api())


@cache
def aggregated_apis_bytes() -> bytes:
    return _dumps(aggregated_apis())


# --- legacy discovery ----------------------------------------------------------------------------


def _group_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def api_versions(server_address: str) -> dict:
    """`APIVersions` for legacy `GET /api`; `server_address` is `host:port` as clients reach the server."""
    return {
        "kind": "APIVersions",
        "versions": list(_by_group().get("", {})),
        "serverAddressByClientCIDRs": [{"clientCIDR": ALL_CLIENTS_CIDR, "serverAddress": server_address}],
    }


@cache
def api_versions_bytes(server_address: str) -> bytes:
    return _dumps(api_versions(server_address))


def _version_entries(group: str) -> list[dict]:
    return [{"groupVersion": _group_version(group, v), "version": v} for v in _by_group()[group]]


def _api_group(group: str) -> dict:
    versions = _version_entries(group)
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


@cache
def api_group_list() -> dict:
    """`APIGroupList` for legacy `GET /apis`."""
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_api_group(g) for g in _by_group() if g]}


@cache
def api_group_list_bytes() -> bytes:
    return _dumps(api_group_list())


@cache
def api_group(group: str) -> dict | None:
    """`APIGroup` for `GET /apis/<group>`, or None when the group is not served."""
    if not group or group not in _by_group():
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_api_group(group)}


@cache
def api_group_bytes(group: str) -> bytes | None:
    doc = api_group(group)
    return None if doc is None else _dumps(doc)


def _legacy_resource(res: Resource) -> dict:
    entry: dict = {
        "name": res.plural,
        "singularName": res.singular_name,
        "namespaced": res.namespaced,
        "kind": res.kind,
        "verbs": sorted(res.verbs),
    }
    if res.short_names:
        entry["shortNames"] = list(res.short_names)
    if res.categories:
        entry["categories"] = list(res.categories)
    return entry


def _legacy_subresource(res: Resource, sub: Subresource) -> dict:
    entry: dict = {"name": f"{res.plural}/{sub.name}", "singularName": "", "namespaced": res.namespaced}
    # group/version appear only when the subresource answers in another group-version than its parent.
    if (sub.group, sub.version) != (res.group, res.version):
        entry["group"] = sub.group
        entry["version"] = sub.version
    entry["kind"] = sub.kind
    entry["verbs"] = sorted(sub.verbs)
    return entry


@cache
def api_resource_list(group: str, version: str) -> dict | None:
    """`APIResourceList` for `GET /api/v1` (group "") or `GET /apis/<group>/<version>`; None if not served."""
    resources = _by_group().get(group, {}).get(version)
    if resources is None:
        return None
    entries: list[dict] = []
    for res in resources:
        entries.append(_legacy_resource(res))
        entries.extend(_legacy_subresource(res, sub) for sub in _sorted_subresources(res))
    doc: dict = {"kind": "APIResourceList"}
    if group:
        # kube-apiserver leaves apiVersion out of the core list (a historical quirk kept for compatibility).
        doc["apiVersion"] = "v1"
    doc["groupVersion"] = _group_version(group, version)
    doc["resources"] = entries
    return doc


@cache
def api_resource_list_bytes(group: str, version: str) -> bytes | None:
    doc = api_resource_list(group, version)
    return None if doc is None else _dumps(doc)


# --- content negotiation -------------------------------------------------------------------------


def _media_ranges(accept_header: str) -> list[tuple[str, dict[str, str]]]:
    """Split an Accept header into (media type, parameters), highest `q` first, ties in client order."""
    ranges: list[tuple[float, int, str, dict[str, str]]] = []
    for index, clause in enumerate(accept_header.split(",")):
        parts = [p.strip() for p in clause.split(";")]
        if not parts[0]:
            continue
        params: dict[str, str] = {}
        for param in parts[1:]:
            key, _, value = param.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 1.0
        if quality > 0:
            ranges.append((-quality, index, parts[0].lower(), params))
    ranges.sort(key=lambda r: (r[0], r[1]))
    return [(media, params) for _, _, media, params in ranges]


def negotiate_discovery(accept_header: str) -> bool:
    """Whether `GET /api` or `GET /apis` should answer with the aggregated v2 document.

    The first acceptable media range wins: `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`
    selects the aggregated document; a plain JSON/YAML or wildcard range selects the legacy one.
    Ranges the server cannot produce (v2beta1, protobuf, other conversions) are skipped, so a
    header asking only for those gets the legacy document.  An empty header means legacy.
    """
    for media, params in _media_ranges(accept_header or ""):
        if "as" in params or "g" in params or "v" in params:
            wanted = (params.get("g"), params.get("v"), params.get("as"))
            if media in ("application/json", "application/*", "*/*") and wanted == (
                AGGREGATED_GROUP,
                AGGREGATED_VERSION,
                AGGREGATED_KIND,
            ):
                return True
            continue
        if media in _PLAIN_ACCEPTS:
            return False
    return False


def document(path: str, accept_header: str, server_address: str) -> tuple[str, bytes] | None:
    """The (Content-Type, body) that answers a discovery GET for `path`, or None when `path` is not one.

    `path` is the URL path without query (`/api`, `/apis`, `/api/v1`, `/apis/apps`, `/apis/apps/v1`).
    """
    path = path.rstrip("/") or "/"
    if path in ("/api", "/apis"):
        if negotiate_discovery(accept_header):
            body = aggregated_api_bytes() if path == "/api" else aggregated_apis_bytes()
            return AGGREGATED_CONTENT_TYPE, body
        body = api_versions_bytes(server_address) if path == "/api" else api_group_list_bytes()
        return LEGACY_CONTENT_TYPE, body
    parts = path.strip("/").split("/")
    found: bytes | None = None
    if len(parts) == 2 and parts[0] == "api":
        found = api_resource_list_bytes("", parts[1])
    elif len(parts) == 2 and parts[0] == "apis":
        found = api_group_bytes(parts[1])
    elif len(parts) == 3 and parts[0] == "apis":
        found = api_resource_list_bytes(parts[1], parts[2])
    return None if found is None else (LEGACY_CONTENT_TYPE, found)
