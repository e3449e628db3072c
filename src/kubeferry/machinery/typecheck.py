"""JSON type checks against the kind's schema: what Go's decoder refuses before validation runs.

kube-apiserver decodes a body into typed Go structs, so `"replicas": "three"` never reaches
validation; it is a 400:

    Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal
    string into Go struct field DeploymentSpec.spec.replicas of type int32

`first_type_error` walks a decoded object with its schema and reports the first such mismatch
in that wording.  Unknown fields are not its business (see `fieldcheck`).
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
    kinds = schema.types_of(node)
    fmt = (schema.resolve(node) or {}).get("format", "")
    if "integer" in kinds:
        return fmt or "int64"
    if "number" in kinds:
        return "float64"
    if "boolean" in kinds:
        return "bool"
    if "string" in kinds:
        return "string"
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
