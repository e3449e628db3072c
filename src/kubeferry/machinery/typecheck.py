"""JSON type checks against the kind's schema: what Go's decoder refuses before validation runs.

kube-apiserver decodes a body into typed Go structs, so `"replicas": "three"` never reaches
validation; it is a 400:

    Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal
    string into Go struct field DeploymentSpec.spec.replicas of type int32

`first_type_error` walks a decoded object with its schema and reports the first such mismatch
in that wording; `first_conversion_error` does the same in the words of the unstructured converter
a strategic merge patch goes through.  Unknown fields are not their business (see `fieldcheck`).
"""

from __future__ import annotations

from kubeferry.machinery import schema

_JSON_NAMES = {dict: "object", list: "array", str: "string", bool: "bool", int: "number", float: "number"}
_INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_OPEN = ("io.k8s.apimachinery.pkg.runtime.RawExtension", "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1")


_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def base64_error(text: str) -> str | None:
    """Go's complaint about a `[]byte` field that is not padded standard base64, else None.

    The offset is where Go's decoder stops: the first byte outside the alphabet, or the start
    of an incomplete last quantum (`"abcde"` → byte 4).  Newlines are skipped, as Go skips them.
    """
    data = [(i, c) for i, c in enumerate(text) if c not in "\r\n"]
    chars = "".join(c for _, c in data)
    body = chars.rstrip("=")
    padding = len(chars) - len(body)
    for index, char in data[: len(body)]:
        if char not in _BASE64:
            return f"illegal base64 data at input byte {index}"
    if padding > 2 or len(chars) % 4:
        quantum = len(chars) - len(chars) % 4 if len(chars) % 4 else len(body) - len(body) % 4
        return f"illegal base64 data at input byte {data[quantum][0] if quantum < len(data) else len(text)}"
    return None


def _json_name(value: object) -> str:
    return _JSON_NAMES.get(type(value), "value")


def _go_type(node: dict) -> str:
    kinds = frozenset(schema.types_of(node))
    scalar = _scalar_kind(schema.resolve(node) or {}, kinds)
    if scalar is not None:
        return scalar
    if "array" in kinds:
        return "[]" + _go_type(node.get("items") or {}) if isinstance(node.get("items"), dict) else "[]interface {}"
    return "map[string]interface {}"


def _ref_name(node: dict | None) -> str:
    if not node:
        return ""
    ref = node.get("$ref") or ((node.get("allOf") or [{}])[0]).get("$ref") or ""
    return ref.rsplit("/", 1)[-1]


_NODE_INFO: dict[int, tuple[str, dict, frozenset[str]]] = {}


def _info(node: dict) -> tuple[str, dict, frozenset[str]]:
    """(referenced definition name, resolved schema, admitted JSON types), memoised per node.

    Schema nodes live as long as the process (the definitions are loaded once), so their ids
    are stable keys.
    """
    key = id(node)
    found = _NODE_INFO.get(key)
    if found is None:
        resolved = schema.resolve(node) or {}
        found = (_ref_name(node), resolved, frozenset(schema.types_of(resolved)))
        _NODE_INFO[key] = found
    return found


def _check(value: object, node: dict | None, path: str, struct: str, base: object = None) -> str | None:
    if node is None or value is None or (base is not None and value is base):
        return None
    ref, resolved, kinds = _info(node)
    if ref in _OPEN:
        return None
    if ref == _INT_OR_STRING:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            return f"json: cannot unmarshal {_json_name(value)} into Go struct field {struct}.{path} of type intstr.IntOrString"
        return None
    if ref == _QUANTITY:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            return f"json: cannot unmarshal {_json_name(value)} into Go struct field {struct}.{path} of type resource.Quantity"
        return None
    if not kinds:
        return None
    ok = (
        (isinstance(value, dict) and "object" in kinds)
        or (isinstance(value, list) and "array" in kinds)
        or (isinstance(value, str) and "string" in kinds)
        or (isinstance(value, bool) and "boolean" in kinds)
        or (isinstance(value, int) and not isinstance(value, bool) and ("integer" in kinds or "number" in kinds))
        or (isinstance(value, float) and ("number" in kinds or ("integer" in kinds and value.is_integer())))
    )
    if not ok:
        return f"json: cannot unmarshal {_json_name(value)} into Go struct field {struct}.{path} of type {_go_type(resolved)}"
    if isinstance(value, str) and resolved.get("format") == "byte":
        return base64_error(value)
    if isinstance(value, dict):
        props = resolved.get("properties")
        if props is not None:
            inner = ref.rsplit(".", 1)[-1] if ref else struct
            for key, item in value.items():
                below = base.get(key) if isinstance(base, dict) else None
                found = _check(item, props.get(key), f"{path}.{key}" if path else key, inner, below)
                if found:
                    return found
        else:
            extra = resolved.get("additionalProperties")
            if isinstance(extra, dict):
                for key, item in value.items():
                    found = _check(item, extra, f"{path}.{key}" if path else key, struct)
                    if found:
                        return found
    elif isinstance(value, list):
        items = resolved.get("items")
        if isinstance(items, dict):
            bases = base if isinstance(base, list) else ()
            for index, item in enumerate(value):
                found = _check(item, items, path, struct, bases[index] if index < len(bases) else None)
                if found:
                    return found
    return None


def first_type_error(obj: dict, group: str, version: str, kind: str, baseline: dict | None = None) -> str | None:
    """The Go decoder's complaint about the first mistyped field of `obj`, or None.

    With `baseline` (the stored object a patch was applied to), subtrees the patch left
    untouched (the very same objects) are skipped.
    """
    node = schema.for_kind(group, version, kind)
    if node is None:
        return None
    for key, item in obj.items():
        below = baseline.get(key) if baseline is not None else None
        found = _check(item, (node.get("properties") or {}).get(key), key, kind, below)
        if found:
            return found
    return None


# --- strategic merge patches: the unstructured converter's wording ---------------------------------------
#
# A strategic merge patch is applied to the object as a map and the result converted into the typed
# object by apimachinery's unstructured converter, which words a mismatch by the Go kinds involved:
# a scalar field given a value it cannot take is `unrecognized type: int32` (`string` for a list given
# to a string field); a number it cannot convert exactly, `cannot convert float64 to int32`; an object
# field given anything but an object, `cannot restore struct from: string`; a list field, `cannot
# restore slice from map`; a map field (labels), `cannot restore map from slice`.  The JSON kinds are
# Go's: string, bool, int64 (a whole number), float64, map, slice.

_GO_KINDS = {dict: "map", list: "slice", str: "string", bool: "bool", int: "int64", float: "float64"}
_OWN_DECODING = (
    _INT_OR_STRING,
    _QUANTITY,
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
)


def _go_kind(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return "int64"  # decoded with whole numbers kept as integers
    return _GO_KINDS.get(type(value), "interface")


def _scalar_kind(resolved: dict, kinds: frozenset[str]) -> str | None:
    """The Go kind of a scalar schema (`int32`, `int64`, `float64`, `bool`, `string`), else None."""
    if "integer" in kinds:
        return resolved.get("format") or "int64"
    if "number" in kinds:
        return "float64"
    if "boolean" in kinds:
        return "bool"
    if "string" in kinds:
        return "string"
    return None


def _convert(value: object, node: dict | None, base: object = None) -> str | None:
    if node is None or value is None or (base is not None and value is base):
        return None
    ref, resolved, kinds = _info(node)
    if ref in _OPEN or ref in _OWN_DECODING or not kinds:
        return None  # types with their own decoding, or no declared type: not this walk's business
    if "object" in kinds:
        props = resolved.get("properties")
        if not isinstance(value, dict):
            what = "struct from:" if props is not None else "map from"
            return f"cannot restore {what} {_go_kind(value)}"
        if props is not None:
            for key, item in value.items():
                found = _convert(item, props.get(key), base.get(key) if isinstance(base, dict) else None)
                if found:
                    return found
        elif isinstance(resolved.get("additionalProperties"), dict):
            for item in value.values():
                found = _convert(item, resolved["additionalProperties"])
                if found:
                    return found
        return None
    if "array" in kinds:
        if not isinstance(value, list):
            return f"cannot restore slice from {_go_kind(value)}"
        items = resolved.get("items")
        if isinstance(items, dict):
            bases = base if isinstance(base, list) else ()
            for index, item in enumerate(value):
                found = _convert(item, items, bases[index] if index < len(bases) else None)
                if found:
                    return found
        return None
    target = _scalar_kind(resolved, kinds)
    if target is None:
        return None
    source = _go_kind(value)
    numeric = ("int32", "int64", "float64")
    if source == target or (source == "int64" and target in numeric):
        return None
    if source == "float64" and target in numeric:
        return None if target == "float64" else f"cannot convert float64 to {target}"
    if source == "int64" and target == "string":
        return "cannot convert int64 to string"  # Go converts integers to strings, the converter refuses
    return f"unrecognized type: {target}"


def first_conversion_error(obj: dict, group: str, version: str, kind: str, baseline: dict | None = None) -> str | None:
    """The unstructured converter's complaint about the first mistyped field of `obj` (a strategic merge
    patch applied), or None; subtrees left as `baseline` had them are skipped."""
    node = schema.for_kind(group, version, kind)
    if node is None:
        return None
    for key, item in obj.items():
        below = baseline.get(key) if baseline is not None else None
        found = _convert(item, (node.get("properties") or {}).get(key), below)
        if found:
            return found
    return None
