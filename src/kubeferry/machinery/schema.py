"""The Kubernetes v1.37 object schemas, as shipped by the `kubernetes-validate` package.

These definitions (OpenAPI-derived JSON Schema, with the `x-kubernetes-*` extensions: patch
strategies and merge keys, list types, group-version-kind) are the single source for strategic
merge patch metadata, OpenAPI documents, `kubectl explain` and strict field validation.  Nothing
here is hand-kept.

Loading the 1.8 MB file costs tens of milliseconds, so it happens on first use, once per process.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import orjson

SCHEMA_VERSION = "v1.37.0-local"
REF_PREFIX = "#/$defs/"


@cache
def definitions() -> dict[str, dict]:
    """Every definition, keyed by its Go-package-qualified name (`io.k8s.api.apps.v1.Deployment`)."""
    # Locate the package without importing it: its __init__ pulls in jsonschema, which is slow.
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the kubernetes-validate package is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    return orjson.loads((root / "kubernetes-json-schema" / SCHEMA_VERSION / "_definitions.json").read_bytes())["$defs"]


@cache
def _gvk_index() -> dict[tuple[str, str, str], str]:
    index: dict[tuple[str, str, str], str] = {}
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind", ()):
            index.setdefault((gvk.get("group", ""), gvk.get("version", ""), gvk.get("kind", "")), name)
    return index


def definition_name(group: str, version: str, kind: str) -> str | None:
    """The definition name of a top-level kind, or None when no schema exists for it."""
    return _gvk_index().get((group, version, kind))


def for_kind(group: str, version: str, kind: str) -> dict | None:
    name = definition_name(group, version, kind)
    return definitions()[name] if name else None


def resolve(node: dict | None) -> dict | None:
    """Follow a `$ref` (possibly wrapped in `allOf`) to the schema it names."""
    seen = 0
    while node is not None and seen < 32:
        seen += 1
        ref = node.get("$ref")
        if ref is None and len(node.get("allOf", ())) == 1:
            ref = node["allOf"][0].get("$ref")
        if ref is None:
            return node
        node = definitions().get(ref.rsplit("/", 1)[-1])
    return node


def property_schema(node: dict | None, name: str) -> dict | None:
    """The schema of field `name` inside object schema `node` (unresolved: it may carry patch metadata)."""
    node = resolve(node)
    if node is None:
        return None
    return (node.get("properties") or {}).get(name)


def items_schema(node: dict | None) -> dict | None:
    """The element schema of an array schema."""
    if node is None:
        return None
    node = resolve(node) if "$ref" in node else node
    return node.get("items") if node else None


def additional_schema(node: dict | None) -> dict | None:
    """The value schema of a map (`additionalProperties`)."""
    node = resolve(node)
    if node is None:
        return None
    extra = node.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def types_of(node: dict | None) -> set[str]:
    """The JSON types a schema admits, ignoring `null`."""
    node = resolve(node)
    if node is None:
        return set()
    t = node.get("type")
    if t is None:
        return set()
    kinds = {t} if isinstance(t, str) else set(t)
    kinds.discard("null")
    return kinds
