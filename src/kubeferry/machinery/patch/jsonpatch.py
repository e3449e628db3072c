"""JSON patch (RFC 6902), as kube-apiserver applies `application/json-patch+json`.

The operations run through the pinned `jsonpatch` library; this module adds kube-apiserver's
framing and answers:

* the body is decoded strictly into a list of `{op, path, from, value}` first: a body that is not
  a list, an element that is not an object, or an `op`/`path`/`from` that is not a string →
  400 BadRequest `error decoding patch: json: cannot unmarshal object into Go value of type
  []handlers.jsonPatchOp` (Go's wording, naming the handler's type);
* more than 10000 operations → 413 `The allowed maximum operations in a JSON patch is 10000, got N`;
* any failure while applying — unknown `op`, a path that does not exist, a failed `test`, a
  missing member — → 422 Invalid `the server rejected our request due to an error in our
  request` (kube-apiserver discards the library's own text and sends no causes);
* a `null` body holds no operations and changes nothing.

kube-apiserver uses evanphx/json-patch v4, whose `test` of a missing object member against
`null` succeeds; that is kept here.  The original is never mutated (the library works on a copy).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from kubeferry.machinery.patch.merge import json_kind, unmarshal_message
from kubeferry.machinery.status import StatusError, bad_request, too_large

MAX_OPERATIONS = 10000
PATCH_TYPE = "[]handlers.jsonPatchOp"
OPERATION_TYPE = "handlers.jsonPatchOp"
STRING_MEMBERS = ("op", "path", "from")
UNPROCESSABLE = "the server rejected our request due to an error in our request"


@cache
def _patch_class() -> type:
    """The library's JsonPatch with a v4-compatible `test` (imported on first use)."""
    from types import MappingProxyType

    import jsonpatch
    from jsonpointer import JsonPointerException

    class _Test(jsonpatch.TestOperation):
        def _apply(self, obj: Any, journal: Any) -> Any:
            if "value" in self.operation and self.operation["value"] is None:
                try:
                    parent, part = self.pointer.to_last(obj)
                except JsonPointerException:
                    parent, part = None, None
                if isinstance(parent, dict) and part is not None and part not in parent:
                    return obj
            return super()._apply(obj, journal)

    class _Patch(jsonpatch.JsonPatch):
        operations = MappingProxyType(dict(jsonpatch.JsonPatch.operations, test=_Test))

    return _Patch


def _decode_error(message: str) -> StatusError:
    return bad_request("error decoding patch: " + message)


def _check_shape(operations: list) -> None:
    for op in operations:
        if op is None:
            continue  # decodes to an empty operation, which fails when applied
        if not isinstance(op, dict):
            raise _decode_error(unmarshal_message(op, OPERATION_TYPE))
        for member in STRING_MEMBERS:
            value = op.get(member)
            if value is not None and not isinstance(value, str):
                raise _decode_error(
                    f"json: cannot unmarshal {json_kind(value)} into Go struct field jsonPatchOp.{member} of type string"
                )


def apply_json_patch(original: dict, operations: Any) -> dict:
    """Apply the RFC 6902 `operations` to a copy of `original`; raise StatusError as kube-apiserver."""
    if operations is None:
        return dict(original)
    if not isinstance(operations, list):
        raise _decode_error(unmarshal_message(operations, PATCH_TYPE))
    _check_shape(operations)
    if len(operations) > MAX_OPERATIONS:
        raise too_large(f"The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, got {len(operations)}")
    import jsonpatch
    from jsonpointer import JsonPointerException

    try:
        result = _patch_class()(operations).apply(original)
    except (jsonpatch.JsonPatchException, JsonPointerException, KeyError, IndexError, TypeError, ValueError):
        raise StatusError(422, "Invalid", UNPROCESSABLE)
    if not isinstance(result, dict):
        raise StatusError(422, "Invalid", UNPROCESSABLE)
    return result
