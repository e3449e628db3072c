"""JSON merge patch (RFC 7386), as kube-apiserver applies `application/merge-patch+json`.

kube-apiserver applies merge patches with evanphx/json-patch (v4), whose rules are RFC 7386's with
one difference kept here: when a patch value lands where the target has no object to merge into,
`null`s are pruned from the objects inside it, including objects nested in arrays (RFC 7386 would
keep `{"a":[{"b":null}]}` as is; kube-apiserver stores `{"a":[{}]}`).

Errors, as kube-apiserver answers them (the handler decodes the body strictly first):

* a patch body that is not a JSON object → 400 BadRequest
  `error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}`;
* a `null` body → 400 BadRequest `Invalid JSON Patch`.

`apply_merge_patch` never mutates its inputs.  The result shares unchanged subtrees with
`original` (no deep copy of what the patch does not touch); values taken from the patch are
copied.  Treat the result as read-only below the levels the patch changed, or copy it.

`create_merge_patch(original, modified)` is the two-way diff clients send (what `kubectl` computes
for types without strategic-merge metadata): added and changed keys, `null` for removed keys,
objects diffed recursively, arrays replaced whole.
"""

from __future__ import annotations

from typing import Any

from kubeferry.machinery.status import bad_request

GO_MAP = "map[string]interface {}"
BAD_JSON_PATCH = "Invalid JSON Patch"


def json_kind(value: Any) -> str:
    """The JSON type name Go's decoder uses in "cannot unmarshal <kind>" messages."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "null"
    return "number"


def unmarshal_message(value: Any, go_type: str) -> str:
    """`json: cannot unmarshal array into Go value of type map[string]interface {}`."""
    return f"json: cannot unmarshal {json_kind(value)} into Go value of type {go_type}"


def _prune_nulls(value: Any) -> Any:
    """A copy of a patch value with `null` members removed from every object in it."""
    if isinstance(value, dict):
        return {k: _prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune_nulls(v) for v in value]
    return value


def _merge(target: dict, patch: dict) -> dict:
    result = dict(target)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
            continue
        current = result.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            result[key] = _merge(current, value)
        else:
            result[key] = _prune_nulls(value)
    return result


def apply_merge_patch(original: dict, patch: Any) -> dict:
    """Apply JSON merge patch `patch` to `original`; raise StatusError 400 for a non-object patch."""
    if patch is None:
        raise bad_request(BAD_JSON_PATCH)
    if not isinstance(patch, dict):
        raise bad_request("error decoding patch: " + unmarshal_message(patch, GO_MAP))
    # RFC 7386: a target that is not an object is replaced by an empty one before merging.
    return _merge(original if isinstance(original, dict) else {}, patch)


def _same_value(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (1 == 1.0, as Go's float64 decoding sees them), bool apart."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (int, float)):
        return isinstance(b, (int, float)) and a == b
    return type(a) is type(b) and a == b


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _kind(value: Any) -> str:
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else json_kind(value)


def create_merge_patch(original: dict, modified: dict) -> dict:
    """The JSON merge patch that turns `original` into `modified` (`{}` when they are equal).

    The patch shares nothing with the inputs.
    """
    patch: dict = {}
    for key, new in modified.items():
        if key not in original:
            patch[key] = _copy(new)
            continue
        old = original[key]
        if _kind(old) != _kind(new):
            patch[key] = _copy(new)
        elif isinstance(old, dict):
            sub = create_merge_patch(old, new)
            if sub:
                patch[key] = sub
        elif not _same_value(old, new):
            patch[key] = _copy(new)
    for key in original:
        if key not in modified:
            patch[key] = None
    return patch
