"""Strategic merge patch: applying it (the server's side) and computing it (kubectl's side).

Upstream semantics (apimachinery `strategicpatch`), with patch metadata from the schemas
(`metadata.field_meta`):

* Maps merge recursively; `null` deletes a key; scalars and type changes replace.
* Lists whose field has the `merge` strategy merge: maps by merge key (same key → merged
  recursively, new ones appended, server-only items kept), scalars are unioned and de-duplicated.
  Every other list is replaced by the patch's list.
* Directives: `$patch: replace|delete` in a map (anything else there is an error, `merge`
  included); `{"$patch": "replace"}` / `{<key>: v, "$patch": "delete"}` as list elements
  (`$patch: merge` in a list is an error); `$retainKeys: [...]` (keys of the original not listed
  are dropped, and every non-null key of the patch must be listed);
  `$deleteFromPrimitiveList/<field>: [...]`; `$setElementOrder/<field>: [...]`.

Order of merged lists.  Patch items keep the patch's relative order, server-only items keep the
server's, and the two are interleaved by the server's order where both are known; a
`$setElementOrder` list then fixes the order of the items it names.  Worked example (merge list of
scalars, current `[1, 2, 4]`, patch `{"$setElementOrder/l": [1, 2, 3], "l": [3]}`):

    union, de-duplicated                  [1, 2, 4, 3]
    items named by $setElementOrder       [1, 2, 3] (in its order)   server-only  [4]
    interleave by server order [1, 2, 4]: 1 before 4, 2 before 4, 3 unknown → before 4
    result                                [1, 2, 3, 4]

Errors are answered as kube-apiserver answers them: malformed directive lists (`$retainKeys`,
`$setElementOrder/...`, `$deleteFromPrimitiveList/...`) → 400 BadRequest with upstream's text
(`invalid patch format of retainKeys`); lists of lists → 422 Invalid `the server rejected our
request due to an error in our request`; every other patch error (a list element without its merge
key, an unknown `$patch`, `$patch: merge` in a list, mixed element types, ...) reaches the client
as upstream's raw error: HTTP 500 with an empty reason, e.g.
`map: map[image:nginx] does not contain declared merge key: name`.  Go's `%v` rendering of the
offending values is reproduced (`map[...]`, sorted keys, `<nil>`).

Applying never mutates its inputs.  The result shares unchanged subtrees with `original` (no deep
copy of what the patch leaves alone); everything taken from the patch is copied.  Treat the
result as read-only below the levels the patch changed, or copy it.  Values the patch places
verbatim (new keys, replaced lists, appended elements) are cleaned as decoding them into typed
objects would: `null` members and directive keys are dropped.

`create_two_way_merge_patch` and `create_three_way_merge_patch` compute what kubectl sends (for
`kubectl apply`: deletions original→modified merged with the delta current→modified), including
its `$setElementOrder` lists, `$retainKeys` and `$patch: delete` elements, and `{}` when nothing
changes.  One upstream quirk is kept on purpose: a merge list of scalars that is unchanged but
not sorted still yields its `$setElementOrder` list, as kubectl's diff sorts the original in place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from kubeferry.machinery.patch.merge import GO_MAP, unmarshal_message
from kubeferry.machinery.patch.metadata import MERGE, REPLACE, FieldMeta, field_meta
from kubeferry.machinery.status import StatusError, bad_request

DIRECTIVE = "$patch"
DELETE = "delete"
REPLACE_DIRECTIVE = "replace"
MERGE_DIRECTIVE = "merge"
RETAIN_KEYS = "$retainKeys"
SET_ORDER = "$setElementOrder"
DELETE_PRIMITIVE = "$deleteFromPrimitiveList"

# Upstream's messages (apimachinery mergepatch / strategicpatch, kube-apiserver's patch handler).
BAD_PRIMITIVE_LIST = "invalid patch format of primitive list"
BAD_RETAIN_KEYS = "invalid patch format of retainKeys"
BAD_SET_ORDER = "invalid patch format of setElementOrder list"
UNPROCESSABLE = "the server rejected our request due to an error in our request"
MERGE_IN_LIST = "merging lists cannot yet be specified in the patch"
GO_SLICE = "[]interface {}"
# The Go type name upstream reports for list elements it merges ("... without merge key for struct").
ELEMENT_TYPE_NAME = "struct"

_MISSING = object()


# --- Go's rendering of values, for upstream's error texts ------------------------------------


def _go_float(value: float) -> str:
    """Go's `%v` of a float64: shortest digits, exponent form below 1e-4 and from 1e6 (`1e+06`)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    from decimal import Decimal  # only error texts and kubectl's list sorting ever format floats

    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    point = len(text) + exponent  # position of the decimal point: 1.5 → digits "15", point 1
    prefix = "-" if sign else ""
    if point - 1 < -4 or point - 1 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        e = point - 1
        return f"{prefix}{mantissa}e{'-' if e < 0 else '+'}{abs(e):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return prefix + text + "0" * (point - len(text))
    return f"{prefix}{text[:point]}.{text[point:]}"


def go_v(value: Any) -> str:
    """Go's `%v` of a decoded JSON value: `map[image:nginx name:x]`, `[a b]`, `<nil>`."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_v(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_v(v) for v in value) + "]"
    return str(value)


def go_type(value: Any) -> str:
    """Go's type name of a decoded JSON value (as the apiserver decodes: ints are int64)."""
    if isinstance(value, dict):
        return GO_MAP
    if isinstance(value, list):
        return GO_SLICE
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    return "%!s(<nil>)"


def _go_s(value: Any) -> str:
    """Go's `%s` of a decoded JSON value (non-strings render as `%!s(int64=1)`)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "%!s(<nil>)"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_s(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_s(v) for v in value) + "]"
    return f"%!s({go_type(value)}={go_v(value)})"


# --- errors -----------------------------------------------------------------------------------


def _raw(message: str) -> StatusError:
    """An upstream error kube-apiserver does not classify: 500, empty reason, the raw text."""
    return StatusError(500, "", message)


def _unprocessable() -> StatusError:
    return StatusError(422, "Invalid", UNPROCESSABLE)


def _no_merge_key(item: dict, key: str) -> StatusError:
    return _raw(f"map: {go_v(item)} does not contain declared merge key: {key}")


def _bad_arg_type(expected: str, actual: Any) -> StatusError:
    return _raw(f"expected a {expected}, but received a {go_type(actual)}")


def _bad_patch_type(directive: Any, item: dict) -> StatusError:
    return _raw(f"unknown patch type: {_go_s(directive)} in map: {go_v(item)}")


# --- value helpers ----------------------------------------------------------------------------

_CATEGORY = {dict: dict, list: list, str: str, bool: bool, int: int, float: float, type(None): None}


def _cat(value: Any) -> Any:
    """The Go dynamic type of a value decoded by the apiserver (ints and floats differ)."""
    t = type(value)
    if t in _CATEGORY:
        return _CATEGORY[t]
    for base in (dict, list, str, bool, int, float):
        if isinstance(value, base):
            return base
    return t


def _cat_client(value: Any) -> Any:
    """The Go dynamic type as kubectl decodes JSON: every number is a float64."""
    c = _cat(value)
    return float if c is int else c


def _same(a: Any, b: Any) -> bool:
    """Go's `==` on two interface values: same dynamic type and equal."""
    t = type(a)
    if t is type(b) and t in _CATEGORY:
        return a == b
    return _cat(a) is _cat(b) and a == b


def _hash_key(value: Any) -> Any:
    t = type(value)
    if t is str or t is int:
        return (t, value)
    try:
        hash(value)
    except TypeError:
        return _MISSING
    return (_cat(value), value)


def _deep_equal_client(a: Any, b: Any) -> bool:
    """reflect.DeepEqual on kubectl-decoded JSON (numbers compare by value, bools apart)."""
    ca, cb = _cat_client(a), _cat_client(b)
    if ca is not cb:
        return False
    if ca is dict:
        return a.keys() == b.keys() and all(_deep_equal_client(a[k], b[k]) for k in a)
    if ca is list:
        return len(a) == len(b) and all(_deep_equal_client(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _is_directive_key(key: str) -> bool:
    return key[:1] == "$" and (
        key in (DIRECTIVE, RETAIN_KEYS) or key.startswith(SET_ORDER) or key.startswith(DELETE_PRIMITIVE)
    )


def _strip(value: Any) -> Any:
    """A copy of a patch value placed verbatim: without `null` members and directive keys."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if v is not None and not _is_directive_key(k)}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _new_value(value: Any, server: bool) -> tuple[Any, bool]:
    """Upstream's `removeDirectives` on a value new to the original: maps holding `$patch` vanish.

    On the server the copy also loses `null` members (upstream discards them) and parallel-list
    directive keys (which decoding into a typed object would drop).  Returns (value, keep).
    """
    if isinstance(value, dict):
        if DIRECTIVE in value:
            return None, False
        out = {}
        for k, v in value.items():
            if server and (v is None or _is_directive_key(k)):
                continue
            nv, keep = _new_value(v, server)
            if keep:
                out[k] = nv
        return out, True
    if isinstance(value, list):
        items = []
        for v in value:
            nv, keep = _new_value(v, server)
            if keep:
                items.append(nv)
        return items, True
    return value, True


def _put_new(result: dict, key: str, value: Any, server: bool) -> None:
    new, keep = _new_value(value, server)
    if keep:
        result[key] = new
    else:
        result.pop(key, None)


def _extract_key(key: str, prefix: str) -> str:
    """`$setElementOrder/containers` → `containers`; a malformed key is a 400."""
    head, sep, tail = key.partition("/")
    if not sep or head != prefix:
        raise bad_request(BAD_PRIMITIVE_LIST if prefix == DELETE_PRIMITIVE else BAD_SET_ORDER)
    return tail


def _slice_kind(*lists: list, client: bool = False) -> Any:
    """The common element type of the lists; mixed types and lists of lists are errors."""
    cat = _cat_client if client else _cat
    kind: Any = _MISSING
    for items in lists:
        for v in items:
            c = cat(v)
            if kind is _MISSING:
                kind = c
                if c is list:
                    raise _unprocessable()
            elif c is not kind:
                raise _raw(f"list element types are not identical: {go_v([list(x) for x in lists])}")
    if kind is _MISSING:
        raise _raw("no elements in any of the given slices")
    return kind


class _Positions:
    """First index of each item of an order list, by merge-key value (maps) or by value."""

    __slots__ = ("_by_key", "_items", "_key", "_maps")

    def __init__(self, items: list, merge_key: str, maps: bool) -> None:
        self._items = items
        self._key = merge_key
        self._maps = maps
        self._by_key: dict = {}
        for i in range(len(items) - 1, -1, -1):
            h = _hash_key(self._value(items[i]))
            if h is not _MISSING:
                self._by_key[h] = i

    def _value(self, item: Any) -> Any:
        if self._maps:
            return item.get(self._key) if isinstance(item, dict) else None
        return item

    def index(self, item: Any) -> int:
        value = self._value(item)
        h = _hash_key(value)
        if h is not _MISSING:
            return self._by_key.get(h, -1)
        for i, other in enumerate(self._items):
            if _same(self._value(other), value):
                return i
        return -1


def _validate_merge_keys(key: str, *lists: list) -> None:
    for items in lists:
        for item in items:
            if not isinstance(item, dict):
                raise _bad_arg_type(GO_MAP, item)
            if key not in item:
                raise _no_merge_key(item, key)


def _split_deletes(items: list) -> tuple[list, list]:
    keep, delete = [], []
    for item in items:
        if not isinstance(item, dict):
            raise _bad_arg_type(GO_MAP, item)
        (delete if item.get(DIRECTIVE, None) == DELETE else keep).append(item)
    return keep, delete


def _normalize_slice_order(items: list, order: list, key: str, kind: Any) -> list:
    """Sort `items` by their position in `order` (stable); `$patch: delete` elements go last."""
    deletes: list = []
    if kind is dict:
        _validate_merge_keys(key, items, order)
        items, deletes = _split_deletes(items)
    if len(items) > 1:
        positions = _Positions(order, key, kind is dict)
        end = len(order)

        def rank(item: Any) -> int:
            i = positions.index(item)
            return i if i >= 0 else end

        items = sorted(items, key=rank)
    return items + deletes if deletes else list(items)


def _merge_sorted(left: list, right: list, server_order: list, key: str, kind: Any) -> list:
    """Interleave server-only items (`left`) into patch items (`right`) by the server's order."""
    if not left:
        return right
    if not right:
        return left
    positions = _Positions(server_order, key, kind is dict)
    out: list = []
    i = j = 0
    while i < len(left) and j < len(right):
        li, ri = positions.index(left[i]), positions.index(right[j])
        if li >= 0 and ri >= 0 and li < ri:
            out.append(left[i])
            i += 1
        else:
            out.append(right[j])
            j += 1
    out.extend(left[i:])
    out.extend(right[j:])
    return out


def _normalize_element_order(
    patch_items: list, server_only: list, patch_order: list, server_order: list, key: str, kind: Any
) -> list:
    patch_items = _normalize_slice_order(patch_items, patch_order, key, kind)
    server_only = _normalize_slice_order(server_only, server_order, key, kind)
    return _merge_sorted(server_only, patch_items, server_order, key, kind)


def _contains(items: list, value: Any) -> bool:
    h = _hash_key(value)
    if h is not _MISSING:
        return any(_hash_key(v) == h for v in items)
    return any(_same(v, value) for v in items)


def _partition_primitives(merged: list, by: list) -> tuple[list, list]:
    keys = {h for h in map(_hash_key, by) if h is not _MISSING}
    inside, outside = [], []
    for v in merged:
        h = _hash_key(v)
        present = h in keys if h is not _MISSING else _contains(by, v)
        (inside if present else outside).append(v)
    return inside, outside


def _find(items: list, key: str, value: Any) -> int:
    """Index of the first map in `items` whose merge key equals `value`, or -1."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _raw(f"value for key {i} is not a map")
        if key in item and _same(item[key], value):
            return i
    return -1


def _partition_maps(merged: list, by: list, key: str) -> tuple[list, list]:
    inside, outside = [], []
    for v in merged:
        if not isinstance(v, dict):
            raise _bad_arg_type(GO_MAP, v)
        if key not in v:
            raise _no_merge_key(v, key)
        (inside if _find(by, key, v[key]) >= 0 else outside).append(v)
    return inside, outside


def _dedupe(items: list) -> list:
    """Upstream's in-place de-duplication: a duplicate is overwritten by the last element.

    `[1, 2, 1, 3]` → the second 1 takes the value 3 and the list shrinks → `[1, 2, 3]`;
    `[1, 1, 2]` → `[1, 2]`; `[2, 1, 2, 3]` → `[2, 1, 3]`.  The order matters: it is the order
    the merged list is later sorted from.
    """
    s = list(items)
    length = len(s) - 1
    i = 0
    while i < length:
        j = i + 1
        while j <= length:
            if _same(s[i], s[j]):
                s[j] = s[length]
                del s[length]
                length -= 1
                j -= 1
            j += 1
        i += 1
    return s


# --- applying ---------------------------------------------------------------------------------


def _map_directive(patch: dict, server: bool) -> dict:
    directive = patch[DIRECTIVE]
    if directive == REPLACE_DIRECTIVE:
        rest = {k: v for k, v in patch.items() if k != DIRECTIVE}
        return _strip(rest) if server else _copy(rest)
    if directive == DELETE:
        return {}
    raise _bad_patch_type(directive, patch)


def _apply_retain_keys(result: dict, patch: dict, server: bool) -> None:
    retain = patch[RETAIN_KEYS]
    if not server:
        # Merging two patches (kubectl's three-way patch): both must carry the same list.
        if RETAIN_KEYS in result:
            if not _deep_equal_client(result[RETAIN_KEYS], retain):
                raise _raw(
                    f"{go_v(result[RETAIN_KEYS])} and {go_v(retain)} are not deep equal: "
                    "this may happen when calculating the 3-way diff patch"
                )
        else:
            result[RETAIN_KEYS] = _copy(retain)
        return
    if not isinstance(retain, list):
        raise bad_request(BAD_RETAIN_KEYS)
    allowed = {v for v in retain if _hash_key(v) is not _MISSING}
    for key, value in patch.items():
        if key == RETAIN_KEYS or value is None or key.startswith(DELETE_PRIMITIVE) or key.startswith(SET_ORDER):
            continue
        if key not in allowed:
            raise bad_request(BAD_RETAIN_KEYS)
    for key in [k for k in result if k not in allowed]:
        del result[key]


def _validate_with_set_order(patch_list: list, order: list, key: str) -> None:
    """Every patch element must appear in the `$setElementOrder` list, in the same relative order."""
    if not order or not patch_list:
        return
    items = _split_deletes(patch_list)[0] if key else patch_list
    pi = si = 0
    while pi < len(items) and si < len(order):
        item = items[pi]
        if isinstance(item, dict) and DIRECTIVE in item:
            pi += 1
            continue
        if key:
            other = order[si]
            if not isinstance(item, dict):
                raise _bad_arg_type(GO_MAP, item)
            if not isinstance(other, dict):
                raise _bad_arg_type(GO_MAP, other)
            if key not in item:
                raise _no_merge_key(item, key)
            if key not in other:
                raise _no_merge_key(other, key)
            equal = _same(item[key], other[key])
        else:
            equal = _same(item, order[si])
        if equal:
            pi += 1
        si += 1
    if pi < len(items) and si >= len(order):
        raise _raw(f"The order in patch list:\n{go_v(patch_list)}\n doesn't match {SET_ORDER} list:\n{go_v(order)}\n")


def _merge_with_order(result: dict, patch: dict, key: str, order: Any, node: dict | None, server: bool) -> str | None:
    """Merge the list a `$setElementOrder/<field>` names and put it in that order.

    Returns the field name when the field's patch list has been consumed.
    """
    if not server:
        if key in result:
            if not _deep_equal_client(result[key], order):
                raise bad_request(BAD_SET_ORDER)
        else:
            result[key] = _copy(order)
    if not isinstance(order, list):
        raise _bad_arg_type(GO_SLICE, order)
    field = _extract_key(key, SET_ORDER)
    found_original = field in result
    found_patch = field in patch
    original_list = result.get(field)
    patch_list = patch.get(field)
    if found_original and not isinstance(original_list, list):
        raise _bad_arg_type(GO_SLICE, original_list)
    if found_patch and not isinstance(patch_list, list):
        raise _bad_arg_type(GO_SLICE, patch_list)
    meta = field_meta(node, field)
    merge_key = meta.merge_key
    _validate_with_set_order(patch_list or [], order, merge_key)
    if found_original and not found_patch:
        merged = original_list
    elif found_patch and not found_original:
        merged = _new_value(patch_list, server)[0]
    elif found_original and found_patch:
        merged = _merge_list_field(original_list, patch_list, meta, False, server)
    else:
        return None
    original_list = original_list or []
    if not original_list and not (patch_list or []):
        result[field] = merged
        return field
    if merge_key:
        patch_items, server_only = _partition_maps(merged, order, merge_key)
    else:
        patch_items, server_only = _partition_primitives(merged, order)
    kind = _slice_kind(original_list, patch_list or [])
    result[field] = _normalize_element_order(patch_items, server_only, order, original_list, merge_key, kind)
    return field


def _special_elements(original: list, patch: list, key: str, server: bool) -> tuple[list, list]:
    """Apply the `$patch` elements of a merge list: returns (original, patch without them)."""
    plain: list = []
    replace_all = False
    for item in patch:
        if DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[DIRECTIVE]
        if directive == DELETE:
            if key not in item:
                raise _no_merge_key(item, key)
            value = item[key]
            original = [e for e in original if not (key in e and _same(e[key], value))]
        elif directive == REPLACE_DIRECTIVE:
            replace_all = True
        elif directive == MERGE_DIRECTIVE:
            raise _raw(MERGE_IN_LIST)
        else:
            raise _bad_patch_type(directive, item)
    if replace_all:
        return [_strip(v) if server else _copy(v) for v in plain], []
    return original, plain


def _merge_list(original: list, patch: list, meta: FieldMeta, delete_list: bool, server: bool) -> list:
    if not original and not patch:
        return original
    kind = _slice_kind(original, patch)
    key = meta.merge_key
    if kind is not dict:
        if server and delete_list:
            drop = patch
            return [v for v in original if not _contains(drop, v)]
        merged = _dedupe(original + patch)
    else:
        if not key:
            raise _raw(f"cannot merge lists without merge key for {ELEMENT_TYPE_NAME}")
        original, patch = _special_elements(original, patch, key, server)
        merged = list(original)
        for item in patch:
            if key not in item:
                raise _no_merge_key(item, key)
            at = _find(merged, key, item[key])
            if at >= 0:
                merged[at] = _merge_map(merged[at], item, meta.items, server)
            else:
                merged.append(_strip(item) if server else _copy(item))
    if key:
        patch_items, server_only = _partition_maps(merged, patch, key)
    else:
        patch_items, server_only = _partition_primitives(merged, patch)
    return _normalize_element_order(patch_items, server_only, patch, original, key, kind)


def _merge_list_field(original: list, patch: list, meta: FieldMeta, delete_list: bool, server: bool) -> list:
    if meta.strategy == MERGE or delete_list:
        return _merge_list(original, patch, meta, delete_list, server)
    return _strip(patch) if server else _copy(patch)


def _merge_map(original: dict | None, patch: dict, node: dict | None, server: bool) -> dict:
    """Merge `patch` into a copy of `original` (server: applying; client: combining two patches)."""
    if DIRECTIVE in patch:
        return _map_directive(patch, server)
    result = dict(original) if original else {}
    if RETAIN_KEYS in patch:
        _apply_retain_keys(result, patch, server)
    consumed: set[str] = set()
    for key, value in patch.items():
        if key[:1] == "$" and key.startswith(SET_ORDER):
            field = _merge_with_order(result, patch, key, value, node, server)
            if field is not None:
                consumed.add(field)
    for key, value in patch.items():
        if key in consumed or key == RETAIN_KEYS or (key[:1] == "$" and key.startswith(SET_ORDER)):
            continue
        delete_list = False
        if key[:1] == "$" and key.startswith(DELETE_PRIMITIVE):
            if not server:
                result[key] = _copy(value)
                continue
            key = _extract_key(key, DELETE_PRIMITIVE)
            delete_list = True
        if value is None:
            result.pop(key, None)
            if server:
                continue
        current = result.get(key, _MISSING)
        if current is _MISSING or _cat(current) is not _cat(value):
            if not delete_list:
                _put_new(result, key, value, server)
            continue
        if isinstance(value, dict):
            meta = field_meta(node, key)
            if meta.strategy == REPLACE:
                result[key] = _strip(value) if server else _copy(value)
            else:
                result[key] = _merge_map(current, value, meta.schema, server)
        elif isinstance(value, list):
            result[key] = _merge_list_field(current, value, field_meta(node, key), delete_list, server)
        else:
            result[key] = value
    return result


def apply_strategic_merge_patch(original: dict, patch: Any, schema_node: dict | None) -> dict:
    """Apply strategic merge patch `patch` to `original`, whose schema is `schema_node`.

    `schema_node` is a definition from `kubeferry.machinery.schema` (e.g. `for_kind("apps", "v1",
    "Deployment")`); `None` means the type is unknown (lists replace, maps merge).  A `null` patch
    changes nothing.  Raises StatusError for an invalid patch, with kube-apiserver's code and text
    (see the module docstring).  Never mutates its inputs; the result shares untouched subtrees
    with `original`.
    """
    if patch is None:
        return dict(original) if original else {}
    if not isinstance(patch, dict):
        raise bad_request(unmarshal_message(patch, GO_MAP))
    return _merge_map(original, patch, schema_node, True)


# --- computing (kubectl's side) ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Diff:
    ignore_changes: bool = False
    ignore_deletions: bool = False
    set_order: bool = True
    retain_keys: bool = False


def _sort_scalars(items: list) -> list:
    return sorted(items, key=go_v)


def _diff_scalar_lists(original: list, modified: list, opts: _Diff) -> tuple[list, list, list]:
    """(added, deleted, original sorted): a merge walk over both lists sorted by their `%v` text."""
    old = _sort_scalars(original)
    new = _sort_scalars(modified)
    added: list = []
    deleted: list = []
    i = j = 0
    while i < len(old) or j < len(new):
        in_old, in_new = i < len(old), j < len(new)
        old_text = go_v(old[i]) if in_old else ""
        new_text = go_v(new[j]) if in_new else ""
        if in_old and in_new and old_text == new_text:
            i += 1
            j += 1
        elif not in_old or (in_new and old_text > new_text):
            if not opts.ignore_changes:
                added.append(new[j])
            j += 1
        else:
            if not opts.ignore_deletions:
                deleted.append(old[i])
            i += 1
    return added, _dedupe(deleted), old


def _element(items: list, index: int, key: str) -> tuple[dict, Any]:
    item = items[index]
    if not isinstance(item, dict):
        raise _bad_arg_type(GO_MAP, item)
    if key not in item:
        raise _no_merge_key(item, key)
    return item, item[key]


def _diff_map_lists(original: list, modified: list, meta: FieldMeta, opts: _Diff) -> tuple[list, list]:
    """(changed or added elements, `$patch: delete` elements), walking both lists sorted by key."""
    key = meta.merge_key

    def by_key(items: list) -> list:
        if not items:
            return items
        _slice_kind(items, client=True)
        return sorted(items, key=lambda m: go_v(m.get(key)) if isinstance(m, dict) else "")

    old, new = by_key(original), by_key(modified)
    changes: list = []
    deletions: list = []
    i = j = 0
    while i < len(old) or j < len(new):
        in_old, in_new = i < len(old), j < len(new)
        if in_old:
            old_item, old_key = _element(old, i, key)
        if in_new:
            new_item, new_key = _element(new, j, key)
        old_text = go_v(old_key) if in_old else ""
        new_text = go_v(new_key) if in_new else ""
        if in_old and in_new and old_text == new_text:
            sub = _diff_maps(old_item, new_item, meta.items, opts)
            if sub:
                sub[key] = new_key
                changes.append(sub)
            i += 1
            j += 1
        elif not in_old or (in_new and old_text > new_text):
            if not opts.ignore_changes:
                changes.append(new_item)
            j += 1
        else:
            if not opts.ignore_deletions:
                deletions.append({key: old_key, DIRECTIVE: DELETE})
            i += 1
    return changes, deletions


def _order_same(original: list, modified: list, key: str) -> bool:
    if len(original) != len(modified):
        return False
    for old, new in zip(original, modified, strict=True):
        if not isinstance(old, dict):
            raise _bad_arg_type(GO_MAP, old)
        if not isinstance(new, dict):
            raise _bad_arg_type(GO_MAP, new)
        if key not in old:
            raise _no_merge_key(old, key)
        if key not in new:
            raise _no_merge_key(new, key)
        if not _same(old[key], new[key]):
            return False
    return True


def _diff_lists(original: list, modified: list, meta: FieldMeta, opts: _Diff) -> tuple[list, list, list]:
    """(patch list, `$deleteFromPrimitiveList` values, `$setElementOrder` list) for a merge list."""
    if not original:
        if not modified or opts.ignore_changes:
            return [], [], []
        return modified, [], []
    kind = _slice_kind(original, modified, client=True)
    key = meta.merge_key
    if kind is dict:
        changes, deletions = _diff_map_lists(original, modified, meta, opts)
        changes = _normalize_slice_order(changes, modified, key, dict)
        same = _order_same(original, modified, key)
        changes = changes + deletions
        order: list = []
        if opts.set_order and (
            (not opts.ignore_changes and (changes or not same)) or (not opts.ignore_deletions and changes)
        ):
            order = [{key: item.get(key)} for item in modified]
        return changes, [], order
    added, deleted, sorted_original = _diff_scalar_lists(original, modified, opts)
    added = _normalize_slice_order(added, modified, key, kind)
    order = []
    # Upstream compares the original as its diff left it: sorted in place (see module docstring).
    if opts.set_order and (
        (not opts.ignore_deletions and deleted)
        or (not opts.ignore_changes and not _deep_equal_client(sorted_original, modified))
    ):
        order = modified
    return added, deleted, order


def _diff_maps(original: dict, modified: dict, node: dict | None, opts: _Diff) -> dict:
    """The strategic patch from `original` to `modified` under the options (upstream `diffMaps`)."""
    patch: dict = {}
    retain: list = []
    for key, new in modified.items():
        if opts.retain_keys and new is not None:
            retain.append(key)
        if key not in original:
            if not opts.ignore_changes:
                patch[key] = new
            continue
        old = original[key]
        if key == DIRECTIVE:
            if not isinstance(old, str) or not isinstance(new, str):
                raise _raw(f"invalid value for special key: {DIRECTIVE}")
            if old != new:
                patch[DIRECTIVE] = new
            continue
        if _cat_client(old) is not _cat_client(new):
            if not opts.ignore_changes:
                patch[key] = new
            continue
        if isinstance(old, dict):
            meta = field_meta(node, key)
            if meta.strategy == REPLACE:
                if not opts.ignore_changes:
                    patch[key] = new
                continue
            sub = _diff_maps(old, new, meta.schema, replace(opts, retain_keys=meta.retain_keys))
            if sub:
                patch[key] = sub
        elif isinstance(old, list):
            meta = field_meta(node, key)
            if meta.strategy == MERGE:
                changes, deleted, order = _diff_lists(old, new, meta, replace(opts, retain_keys=meta.retain_keys))
                if changes:
                    patch[key] = changes
                if deleted:
                    patch[f"{DELETE_PRIMITIVE}/{key}"] = deleted
                if order:
                    patch[f"{SET_ORDER}/{key}"] = order
            elif not opts.ignore_changes and not _deep_equal_client(old, new):
                patch[key] = new
        elif not opts.ignore_changes and not _deep_equal_client(old, new):
            patch[key] = new
    if not opts.ignore_deletions:
        for key in original:
            if key not in modified:
                patch[key] = None
    if retain and (patch or any(v is not None and k not in modified for k, v in original.items())):
        patch[RETAIN_KEYS] = _sort_scalars(retain)
    return patch


def create_two_way_merge_patch(original: dict, modified: dict, schema_node: dict | None) -> dict:
    """The strategic patch that turns `original` into `modified` (`{}` when they are equal).

    Added and changed fields, `null` for removed map keys, `{<key>: v, "$patch": "delete"}` for
    removed merge-list elements, `$deleteFromPrimitiveList/<f>` for removed scalars, and
    `$setElementOrder/<f>` / `$retainKeys` as kubectl emits them.  The result shares nothing with
    the inputs.
    """
    return _copy(_diff_maps(original or {}, modified or {}, schema_node, _Diff()))


def create_three_way_merge_patch(
    original: dict | None, modified: dict, current: dict, schema_node: dict | None
) -> dict:
    """What `kubectl apply` sends: deletions original→modified merged with the delta current→modified.

    `original` is the last-applied configuration (None or `{}` when there is none), `modified` the
    new manifest, `current` the live object.  Fields only the server (or other writers) set are
    left alone; fields the last apply set and the new manifest drops are deleted.  `{}` means
    "unchanged".  The result shares nothing with the inputs.
    """
    modified = modified or {}
    delta = _diff_maps(current or {}, modified, schema_node, _Diff(ignore_deletions=True))
    deletions = _diff_maps(original or {}, modified, schema_node, _Diff(ignore_changes=True))
    return _copy(_merge_map(deletions, delta, schema_node, False))
