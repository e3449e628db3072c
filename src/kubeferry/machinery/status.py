"""The `Status` error tree: every failure the API reports, worded as kube-apiserver words it.

A `StatusError` carries the HTTP code, the machine-readable reason and the human message that
kubectl prints (`Error from server (<reason>): <message>`).  Field-level validation failures are
`FieldError`s; `invalid()` folds a list of them into the 422 `Invalid` Status with
`details.causes`, rendering each error as apimachinery does:

    spec.replicas: Invalid value: -1: must be greater than or equal to 0
    spec.selector: Required value
    spec.strategy: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"

Pure: no I/O, nothing here knows about HTTP servers.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False
if TYPE_CHECKING:  # `typing` costs every CLI command import time; annotations only
    from typing import Any

# Field error types: (rendered type, cause reason).
REQUIRED = ("Required value", "FieldValueRequired")
INVALID = ("Invalid value", "FieldValueInvalid")
NOT_SUPPORTED = ("Unsupported value", "FieldValueNotSupported")
FORBIDDEN = ("Forbidden", "FieldValueForbidden")
DUPLICATE = ("Duplicate value", "FieldValueDuplicate")
TOO_LONG = ("Too long", "FieldValueTooLong")
TOO_MANY = ("Too many", "FieldValueTooMany")
NOT_FOUND = ("Not found", "FieldValueNotFound")
TYPE_INVALID = ("Invalid value", "FieldValueTypeInvalid")

_NO_VALUE = object()
_NO_DETAILS: dict = {}  # the default marker: each error without details gets its own new dict
_set = object.__setattr__


def render_value(value: Any) -> str:
    """Render a bad value the way apimachinery's field errors do.

    Integers and booleans are bare, strings are double-quoted (Go `%q`), everything else is compact
    JSON: `-1`, `"110%"`, `{"app":"web"}`.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


class FieldError:
    """One problem at one field path, e.g. `spec.replicas`.

    An immutable value: equal to another with the same four attributes, hashable, copied and
    pickled through its constructor.  A plain class rather than `@dataclass(frozen=True)`, whose
    import (`dataclasses`, `inspect`, `ast`) every CLI command would pay for.
    """

    __slots__ = __match_args__ = ("kind", "field", "value", "detail")

    def __init__(self, kind: tuple[str, str], field: str, value: Any = _NO_VALUE, detail: str = "") -> None:
        _set(self, "kind", kind)
        _set(self, "field", field)
        _set(self, "value", value)
        _set(self, "detail", detail)

    def _values(self) -> tuple:
        return (self.kind, self.field, self.value, self.detail)

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"FieldError(kind={self.kind!r}, field={self.field!r}, value={self.value!r}, detail={self.detail!r})"

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __reduce__(self):
        return (FieldError, self._values())

    def body(self) -> str:
        """The part after the field path: `Invalid value: -1: must be ...`."""
        parts = [self.kind[0]]
        if (
            self.value is not _NO_VALUE
            and self.kind not in (REQUIRED, FORBIDDEN, TOO_LONG, TOO_MANY, NOT_FOUND)
            or self.kind is NOT_FOUND
            and self.value is not _NO_VALUE
        ):
            parts.append(render_value(self.value))
        if self.detail:
            parts.append(self.detail)
        return ": ".join(parts)

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}" if self.field else self.body()

    def cause(self) -> dict:
        return {"reason": self.kind[1], "message": self.body(), "field": self.field}


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(REQUIRED, path, detail=detail)


def invalid(path: str, value: Any, detail: str = "") -> FieldError:
    return FieldError(INVALID, path, value, detail)


def not_supported(path: str, value: Any, supported: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(json.dumps(s) for s in supported) if supported else ""
    return FieldError(NOT_SUPPORTED, path, value, detail)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(FORBIDDEN, path, detail=detail)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError(DUPLICATE, path, value)


def too_long(path: str, max_length: int) -> FieldError:
    return FieldError(TOO_LONG, path, detail=f"may not be more than {max_length} bytes")


def too_many(path: str, actual: int, max_items: int) -> FieldError:
    return FieldError(TOO_MANY, path, detail=f"must have at most {max_items} items")


def not_found_field(path: str, value: Any) -> FieldError:
    return FieldError(NOT_FOUND, path, value)


class StatusError(Exception):
    """An API failure: HTTP `code`, `reason` (e.g. `NotFound`) and the `message` kubectl prints.

    `str(error)` is the message.  Two errors are equal when their four attributes are; like any
    mutable value that compares by content, an error is not hashable.
    """

    __slots__ = __match_args__ = ("code", "reason", "message", "details")

    def __init__(self, code: int, reason: str, message: str, details: dict = _NO_DETAILS) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = {} if details is _NO_DETAILS else details

    def _values(self) -> tuple:
        return (self.code, self.reason, self.message, self.details)

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r}, message={self.message!r}, details={self.details!r})"

    def __reduce__(self):
        return (type(self), self._values())

    def to_status(self) -> dict:
        status = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "details": self.details,
            "code": self.code,
        }
        if not self.details:
            del status["details"]
        if not self.reason:
            del status["reason"]
        return status


def qualified(resource: str, group: str) -> str:
    """`deployments.apps`, or `pods` for the core group."""
    return f"{resource}.{group}" if group else resource


def _details(name: str, group: str, resource: str, **extra: Any) -> dict:
    details: dict = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    if resource:
        details["kind"] = resource
    details.update(extra)
    return details


def not_found(resource: str, group: str, name: str) -> StatusError:
    return StatusError(
        404, "NotFound", f'{qualified(resource, group)} "{name}" not found', _details(name, group, resource)
    )


def already_exists(resource: str, group: str, name: str) -> StatusError:
    return StatusError(
        409, "AlreadyExists", f'{qualified(resource, group)} "{name}" already exists', _details(name, group, resource)
    )


def conflict(resource: str, group: str, name: str, why: str) -> StatusError:
    message = f'Operation cannot be fulfilled on {qualified(resource, group)} "{name}": {why}'
    return StatusError(409, "Conflict", message, _details(name, group, resource))


MODIFIED = "the object has been modified; please apply your changes to the latest version and try again"


def invalid_object(kind: str, group: str, name: str, errors: list[FieldError]) -> StatusError:
    """422 Invalid: `Deployment.apps "my-app" is invalid: spec.replicas: Invalid value: ...`."""
    subject = f"{kind}.{group}" if group else kind
    rendered = [str(e) for e in errors]
    summary = rendered[0] if len(rendered) == 1 else "[" + ", ".join(rendered) + "]"
    return StatusError(
        422,
        "Invalid",
        f'{subject} "{name}" is invalid: {summary}',
        {"name": name, "group": group, "kind": kind, "causes": [e.cause() for e in errors]}
        if group
        else {"name": name, "kind": kind, "causes": [e.cause() for e in errors]},
    )


def bad_request(message: str, causes: list[dict] | None = None) -> StatusError:
    return StatusError(400, "BadRequest", message, {"causes": causes} if causes else {})


def forbidden_error(message: str, resource: str = "", group: str = "", name: str = "") -> StatusError:
    return StatusError(403, "Forbidden", message, _details(name, group, resource))


def unauthorized() -> StatusError:
    return StatusError(401, "Unauthorized", "Unauthorized")


def method_not_allowed(message: str = "the server does not allow this method on the requested resource") -> StatusError:
    return StatusError(405, "MethodNotAllowed", message)


def unsupported_media_type(content_type: str) -> StatusError:
    return StatusError(
        415,
        "UnsupportedMediaType",
        f'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got "{content_type}")',
    )


def gone(message: str) -> StatusError:
    return StatusError(410, "Expired", message)


def too_large(message: str = "Request entity too large: limit is 3145728") -> StatusError:
    return StatusError(413, "RequestEntityTooLarge", message)


def too_many_requests(message: str = "Too many requests, please try again later.") -> StatusError:
    return StatusError(429, "TooManyRequests", message, {"retryAfterSeconds": 1})


def insufficient_storage(message: str) -> StatusError:
    return StatusError(507, "InsufficientStorage", message)


def internal(message: str) -> StatusError:
    return StatusError(500, "InternalError", f"Internal error occurred: {message}")


def timeout(message: str) -> StatusError:
    return StatusError(504, "Timeout", message)


def success_status(name: str, group: str, resource: str, uid: str = "") -> dict:
    details = _details(name, group, resource)
    if uid:
        details["uid"] = uid
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
