"""Strategic-merge-patch metadata, read from the Kubernetes schemas (never a hand-kept list).

Upstream reads a field's patch behaviour from Go struct tags (`patchStrategy`, `patchMergeKey`);
the same facts are published in the OpenAPI schemas as `x-kubernetes-patch-strategy` and
`x-kubernetes-patch-merge-key`, which `kubeferry.machinery.schema` serves for v1.37.  For a schema
node and a field name, `field_meta()` answers:

* the field's own schema (`$ref`s resolved) and, for arrays, the element schema;
* the strategies, split on commas: `"merge,retainKeys"` → `("merge", "retainKeys")`;
* the merge key (`"name"` for containers, `"containerPort"` for container ports, `""` for none);
* the two derived facts every patch engine asks for: whether `retainKeys` is among the strategies,
  and the one other strategy (`"merge"`, `"replace"` or `""`).

A `None` schema means "type unknown" (a field the schema does not describe, or an object with
arbitrary content): no strategy, so lists replace and maps merge, and everything below it is
unknown too.  Maps (`additionalProperties`) answer the value schema for every key.

Lookups are memoised per (schema node, field name): the server applies strategic merge patches on
hot paths (`set image`, pause/resume, scale) and must not resolve the same `$ref` chain twice.  The
memo holds on to each node it has seen, so a node's `id()` can never be reused by another object.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubeferry.machinery import schema as _schema

PATCH_STRATEGY = "x-kubernetes-patch-strategy"
PATCH_MERGE_KEY = "x-kubernetes-patch-merge-key"
MERGE = "merge"
REPLACE = "replace"
RETAIN_KEYS = "retainKeys"


@dataclass(frozen=True, slots=True)
class FieldMeta:
    """Everything a patch engine needs to know about one field of one object schema."""

    schema: dict | None
    """The field's schema with `$ref`s resolved (for a list: the array schema); None when unknown."""
    items: dict | None
    """For a list field, the resolved element schema; None otherwise or when unknown."""
    strategies: tuple[str, ...]
    """`x-kubernetes-patch-strategy` split on commas, e.g. `("merge", "retainKeys")`."""
    merge_key: str
    """`x-kubernetes-patch-merge-key`, or `""`."""
    retain_keys: bool
    """True when `retainKeys` is one of the strategies."""
    strategy: str
    """The strategy other than `retainKeys`: `"merge"`, `"replace"` or `""`."""


UNKNOWN = FieldMeta(None, None, (), "", False, "")

_memo: dict[tuple[int, str], tuple[object, FieldMeta]] = {}


def split_strategies(strategies: tuple[str, ...]) -> tuple[bool, str]:
    """(retainKeys present, the other strategy), as upstream splits a strategy list.

    At most two strategies are allowed, and when there are two one must be `retainKeys`:
    `("merge", "retainKeys")` → `(True, "merge")`; `("retainKeys",)` → `(True, "")`.
    """
    if not strategies:
        return False, ""
    if len(strategies) == 1:
        return (True, "") if strategies[0] == RETAIN_KEYS else (False, strategies[0])
    if len(strategies) == 2:
        if strategies[0] == RETAIN_KEYS:
            return True, strategies[1]
        if strategies[1] == RETAIN_KEYS:
            return True, strategies[0]
    raise ValueError(f"unexpected patch strategy: [{' '.join(strategies)}]")


def _compute(node: dict | None, name: str) -> FieldMeta:
    resolved = _schema.resolve(node)
    if resolved is None:
        return UNKNOWN
    props = resolved.get("properties")
    if props is not None and name in props:
        field = props[name]
    else:
        extra = resolved.get("additionalProperties")
        if not isinstance(extra, dict):
            return UNKNOWN
        field = extra
    raw = field.get(PATCH_STRATEGY, "")
    strategies = tuple(raw.split(",")) if raw else ()
    retain, strategy = split_strategies(strategies)
    target = _schema.resolve(field)
    items = None
    if target is not None and "items" in target:
        items = _schema.resolve(target["items"])
    return FieldMeta(target, items, strategies, field.get(PATCH_MERGE_KEY, ""), retain, strategy)


def field_meta(node: dict | None, name: str) -> FieldMeta:
    """Patch metadata of field `name` inside object schema `node` (memoised; `None` → unknown).

    >>> from kubeferry.machinery import schema
    >>> spec = schema.definitions()["io.k8s.api.core.v1.PodSpec"]
    >>> field_meta(spec, "containers").merge_key
    'name'
    """
    if node is None:
        return UNKNOWN
    key = (id(node), name)
    hit = _memo.get(key)
    if hit is not None and hit[0] is node:
        return hit[1]
    meta = _compute(node, name)
    _memo[key] = (node, meta)
    return meta
