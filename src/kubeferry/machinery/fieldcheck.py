"""Strict field validation: the unknown and duplicate fields `fieldValidation=Strict|Warn` reports.

kube-apiserver decodes request bodies into Go structs with a strict JSON decoder that records, in
document order, every key the target type lacks (`unknown field "spec.bogusField"`) and every key
given twice in one object (`duplicate field "spec.replicas"`).  Paths have no leading dot; object
keys are joined with `.` and list positions written `[i]`, so a typo in the first container of a
Deployment template reads `unknown field "spec.template.spec.containers[0].imagex"`.  The value of
an unknown field is skipped whole, so nothing below it is reported; each distinct error is kept
once, and at most `MAX_STRICT_ERRORS` are kept.

What is "known" comes from the v1.37 schemas (`kubeferry.machinery.schema`):

* an object schema with `properties` is a struct: any other key is unknown (`metadata` is checked
  against ObjectMeta like any other struct);
* an object schema with `additionalProperties` is a map: every key is fine, values are checked;
* `RawExtension`, `FieldsV1` and the apiextensions `JSON` type take raw JSON (nothing inside is
  checked, not even duplicates), and `x-kubernetes-preserve-unknown-fields` opens a subtree;
* a named definition with no properties at all is an empty struct: every key is unknown.

How a failure is reported depends on the request (facts from kube-apiserver's handlers):

* create/update, Strict → 400 BadRequest,
  `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.bogusField"`;
* JSON/merge/strategic patch, Strict → 422 Invalid on field `patch` whose detail is the
  `strict decoding error: ...` text;
* Warn → the request goes on and every error text becomes a `Warning: 299 - "<text>"` header,
  which kubectl prints as `Warning: unknown field "spec.bogusField"`.

Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from kubeferry.machinery import schema
from kubeferry.machinery.status import StatusError, bad_request, invalid, invalid_object

STRICT = "Strict"
WARN = "Warn"
IGNORE = "Ignore"
MAX_STRICT_ERRORS = 100
STRICT_PREFIX = "strict decoding error: "
UNKNOWN = "unknown field"
DUPLICATE = "duplicate field"
WARNING_CODE = 299

# Definitions whose Go types take any JSON (they implement their own unmarshalling).
RAW_DEFINITIONS = frozenset(
    {
        "io.k8s.apimachinery.pkg.runtime.RawExtension",
        "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON",
    }
)
PRESERVE_UNKNOWN = "x-kubernetes-preserve-unknown-fields"


class _Pairs(list):
    """A JSON object as the ordered list of its (key, value) pairs, duplicates kept."""


def _pairs_hook(pairs: list[tuple[str, object]]) -> _Pairs:
    return _Pairs(pairs)


def parse_pairs(raw_json: bytes | str) -> object:
    """Parse JSON keeping every key of every object, in order (objects become `_Pairs`)."""
    return json.loads(raw_json, object_pairs_hook=_pairs_hook)


# --- schema classification -----------------------------------------------------------------------

_OPEN, _STRUCT, _MAP, _LIST, _SCALAR, _RAW = "open", "struct", "map", "list", "scalar", "raw"


def _ref_name(node: dict) -> str | None:
    ref = node.get("$ref")
    if ref is None and len(node.get("allOf", ())) == 1:
        ref = node["allOf"][0].get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


_SHAPES: dict[int, tuple[str, dict | None]] = {}


def _classify(node: dict | None) -> tuple[str, dict | None]:
    """What a schema node expects: (shape, resolved node), memoised per (long-lived) schema node."""
    if node is None:
        return _OPEN, None
    key = id(node)
    found = _SHAPES.get(key)
    if found is None:
        found = _SHAPES[key] = _classify_uncached(node)
    return found


def _classify_uncached(node: dict) -> tuple[str, dict | None]:
    if node.get(PRESERVE_UNKNOWN):
        return _OPEN, node
    name = _ref_name(node)
    if name in RAW_DEFINITIONS:
        return _RAW, None
    resolved = schema.resolve(node)
    if resolved is None:
        return _OPEN, None
    if resolved.get(PRESERVE_UNKNOWN):
        return _OPEN, resolved
    if "properties" in resolved:
        return _STRUCT, resolved
    if isinstance(resolved.get("additionalProperties"), dict):
        return _MAP, resolved
    if "items" in resolved:
        return _LIST, resolved
    kinds = schema.types_of(resolved)
    if "object" in kinds:
        # A named definition with no properties is a Go struct with no fields; an inline bare object is free-form.
        return (_STRUCT, resolved) if name is not None else (_OPEN, resolved)
    return _SCALAR, resolved


def _error(kind: str, path: str) -> str:
    """`unknown field "spec.x"`: the path quoted as Go's strconv.Quote does for printable text."""
    return f"{kind} {json.dumps(path, ensure_ascii=False)}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# --- the walk ------------------------------------------------------------------------------------


def _walk(
    value: object, node: dict | None, path: str, *, unknown: bool, duplicates: bool, baseline: object = None
) -> Iterator[str]:
    """Yield strict errors in document order for `value` (parsed with `parse_pairs` or plain).

    Subtrees that are `baseline`'s own objects (shared, unchanged by a patch) are skipped: they
    were checked when they were stored.
    """
    if baseline is not None and value is baseline:
        return
    shape, resolved = _classify(node)
    if shape == _RAW:
        return
    if isinstance(value, (_Pairs, dict)):
        pairs = value if isinstance(value, _Pairs) else list(value.items())
        seen: set[str] = set()
        props = (resolved or {}).get("properties") or {}
        for key, child in pairs:
            repeated = key in seen
            seen.add(key)
            if shape == _STRUCT and unknown and key not in props:
                yield _error(UNKNOWN, _join(path, key))
                continue
            if repeated and duplicates:
                yield _error(DUPLICATE, _join(path, key))
            if shape == _STRUCT:
                child_node = props.get(key)
            elif shape == _MAP:
                child_node = schema.additional_schema(resolved)
            else:
                child_node = None
            base = baseline.get(key) if isinstance(baseline, dict) else None
            yield from _walk(child, child_node, _join(path, key), unknown=unknown, duplicates=duplicates, baseline=base)
    elif isinstance(value, list):
        item_node = schema.items_schema(resolved) if shape == _LIST else None
        bases = baseline if isinstance(baseline, list) else ()
        for index, child in enumerate(value):
            base = bases[index] if index < len(bases) else None
            yield from _walk(
                child, item_node, f"{path}[{index}]", unknown=unknown, duplicates=duplicates, baseline=base
            )


def _collect(errors: Iterator[str]) -> list[str]:
    kept: list[str] = []
    seen: set[str] = set()
    for error in errors:
        if error in seen:
            continue
        seen.add(error)
        kept.append(error)
        if len(kept) >= MAX_STRICT_ERRORS:
            break
    return kept


def _strip(error: str, prefix: str) -> str:
    return json.loads(error[len(prefix) + 1 :])


def unknown_fields(obj: dict, schema_node: dict, baseline: dict | None = None) -> list[str]:
    """Paths of the fields in `obj` that `schema_node` does not know, in document order.

    `obj` is a decoded object (plain dicts and lists); `schema_node` the kind's schema, e.g.
    `schema.for_kind("apps", "v1", "Deployment")`.  Paths look like `spec.bogusField` and
    `spec.template.spec.containers[0].imagex`.  With `baseline` (the stored object a patch was
    applied to), subtrees the patch left untouched (the very same objects) are not walked again.
    """
    walk = _walk(obj, schema_node, "", unknown=True, duplicates=False, baseline=baseline)
    return [_strip(e, UNKNOWN) for e in _collect(walk)]


def drop_unknown_fields(obj: object, schema_node: dict | None, baseline: object = None) -> None:
    """Remove, in place, every field `unknown_fields` would report: what decoding into the Go type drops.

    kube-apiserver never stores a field its type lacks; `fieldValidation` only decides whether it
    says so (Strict: 400, Warn: a warning, Ignore: nothing).  Subtrees shared with `baseline` are
    left alone (they were stored clean), so a patched object's unchanged parts are never touched.
    """
    if baseline is not None and obj is baseline:
        return
    shape, resolved = _classify(schema_node)
    if shape == _RAW:
        return
    if isinstance(obj, dict):
        props = (resolved or {}).get("properties") or {}
        if shape == _STRUCT:
            for key in [k for k in obj if k not in props]:
                del obj[key]
        for key, child in obj.items():
            if shape == _STRUCT:
                child_node = props.get(key)
            elif shape == _MAP:
                child_node = schema.additional_schema(resolved)
            else:
                continue
            base = baseline.get(key) if isinstance(baseline, dict) else None
            drop_unknown_fields(child, child_node, base)
    elif isinstance(obj, list) and shape == _LIST:
        item_node = schema.items_schema(resolved)
        bases = baseline if isinstance(baseline, list) else ()
        for index, child in enumerate(obj):
            drop_unknown_fields(child, item_node, bases[index] if index < len(bases) else None)


def duplicate_fields(raw_json: bytes | str, schema_node: dict | None = None) -> list[str]:
    """Paths of keys given more than once in one JSON object of the request body, in document order.

    Without `schema_node` every object is checked; with it, raw-JSON fields (RawExtension, FieldsV1)
    are skipped as the Go decoder skips them.  Raises ValueError on malformed JSON.
    """
    parsed = parse_pairs(raw_json)
    if schema_node is None:
        errors = _walk(parsed, None, "", unknown=False, duplicates=True)
    else:
        errors = (e for e in _walk(parsed, schema_node, "", unknown=True, duplicates=True) if e.startswith(DUPLICATE))
    return [_strip(e, DUPLICATE) for e in _collect(errors)]


def strict_errors(raw_json: bytes | str, schema_node: dict) -> list[str]:
    """Every strict decoding error of a request body, as kube-apiserver words them, in document order.

    E.g. `['unknown field "spec.bogusField"', 'duplicate field "spec.replicas"']`.  An empty list
    means the body is clean.  Raises ValueError on malformed JSON.
    """
    return _collect(_walk(parse_pairs(raw_json), schema_node, "", unknown=True, duplicates=True))


def strict_decoding_message(errors: list[str]) -> str:
    """`strict decoding error: unknown field "a", duplicate field "b"`."""
    return STRICT_PREFIX + ", ".join(errors)


def decode_error(body_kind: str, body_version: str, target_kind: str, errors: list[str]) -> StatusError:
    """The 400 a Strict create or update fails with.

    `body_kind`/`body_version` come from the request body's `kind` and `apiVersion` (version part
    only: `apps/v1` → `v1`); `target_kind` is the kind the endpoint serves:
    `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ...`.
    """
    message = f'{body_kind} in version "{body_version}" cannot be handled as a {target_kind}: '
    return bad_request(message + strict_decoding_message(errors))


def patch_error(patched: str, errors: list[str]) -> StatusError:
    """The 422 a Strict JSON, merge or strategic merge patch fails with.

    `patched` is how kube-apiserver shows the patch in the message: the patched object's JSON for
    JSON and merge patches, Go's `%+v` of the patch map for strategic merge patches (see
    `go_repr`).  The message reads
    ` "" is invalid: patch: Invalid value: "<patched>": strict decoding error: ...`.
    """
    return invalid_object("", "", "", [invalid("patch", patched, strict_decoding_message(errors))])


def warnings(errors: list[str]) -> list[str]:
    """The warning texts of a Warn request: one per strict error, worded as the error."""
    return list(errors)


def warning_header(text: str) -> str:
    """A `Warning` header value: `299 - "unknown field \\"spec.bogusField\\""`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'{WARNING_CODE} - "{escaped}"'


def go_repr(value: object) -> str:
    """Go's `%+v` rendering of decoded JSON (`map[spec:map[replicas:3]]`), keys sorted as Go prints maps."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_repr(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_repr(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def validate(directive: str, raw_json: bytes | str, schema_node: dict) -> list[str]:
    """Run the checks a `fieldValidation` directive asks for.

    Returns the strict errors found (empty for `Ignore` or a clean body); the caller fails the
    request with `decode_error`/`patch_error` when the directive is Strict, or sends `warnings()`
    as Warning headers when it is Warn.
    """
    if directive not in (STRICT, WARN):
        return []
    return strict_errors(raw_json, schema_node)
