"""The sans-I/O client core: build API requests, decode responses and watch streams.

Owns the bytes-level contract with an API server that every transport that talks HTTP shares:
URL paths from the resource table (`/apis/apps/v1/namespaces/ns/deployments/web/scale`), query
encoding, headers (User-Agent, Accept, the Content-Type of each patch type), turning a response
into an object or a `StatusError` (with client-go's wording when the body is not a `Status`),
`Warning` headers, and the newline-delimited JSON watch stream.  No sockets here: tests feed it
bytes.
"""

from __future__ import annotations

import json

from kubeferry.client.record import Record
from kubeferry.client.urls import quote, urlencode
from kubeferry.machinery.status import StatusError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kubeferry.machinery.resources import Resource

JSON = "application/json"
ACCEPT_OBJECT = "application/json"
ACCEPT_DYNAMIC = "application/json, */*"
ACCEPT_DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
AGGREGATED_DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
PATCH_TYPES = {"strategic": STRATEGIC, "merge": MERGE, "json": JSON_PATCH, "apply": APPLY}
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
UNSTRUCTURED_TEXT_LIMIT = 2048  # client-go keeps this much of a non-Status error body

# client-go's wording for a non-2xx response whose body is not a Status (NewGenericServerResponse).
_GENERIC: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "the server has asked for the client to provide credentials"),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    409: ("Conflict", "the server reported a conflict"),
    422: ("Invalid", "the server rejected our request due to an error in our request"),
    429: ("TooManyRequests", "the server has received too many requests and has asked us to try again later"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: (
        "Timeout",
        "the server was unable to return a response in the time allotted, but may still be processing the request",
    ),
}
_SERVER_MESSAGE_REASONS = {403: "Forbidden", 406: "NotAcceptable", 415: "UnsupportedMediaType"}


class Request(Record):
    """method, path, query and headers (tuples of pairs), body (bytes or None); `resource`
    (`configmaps`, `deployments.apps`) and `name` name the target in synthesized errors."""

    _fields = ("method", "path", "query", "headers", "body", "resource", "name")
    _defaults = {"query": (), "headers": (), "body": None, "resource": "", "name": ""}
    _frozen = True

    @property
    def target(self) -> str:
        """The request target: path plus the encoded query, e.g. `/api/v1/pods?labelSelector=app%3Dweb`."""
        return self.path + ("?" + urlencode(self.query) if self.query else "")

    def header(self, name: str) -> str:
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), "")


class Response(Record):
    """status, headers (list of pairs), body (bytes), warnings (the `Warning` header texts)."""

    _fields = ("status", "headers", "body", "warnings")
    _factories = {"warnings": list}

    def header(self, name: str) -> str:
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), "")

    def json(self) -> dict:
        return json.loads(self.body) if self.body else {}


# -- paths --------------------------------------------------------------------------------------


def _segment(value: str) -> str:
    return quote(value, safe="")


def path_for(res: Resource, namespace: str | None = None, name: str = "", subresource: str = "") -> str:
    """`/api/v1/namespaces/default/configmaps/cm`; cluster-scoped kinds ignore the namespace."""
    root = f"/apis/{res.group}/{res.version}" if res.group else f"/api/{res.version}"
    path = root
    if res.namespaced and namespace:
        path += f"/namespaces/{_segment(namespace)}"
    path += f"/{res.plural}"
    if name:
        path += f"/{_segment(name)}"
        if subresource:
            path += f"/{subresource}"
    return path


def _qualified(res: Resource) -> str:
    return f"{res.plural}.{res.group}" if res.group else res.plural


def _query(**params: object) -> tuple[tuple[str, str], ...]:
    """Query parameters by their API names, skipping empty ones; bools as `true`/`false`."""
    out = []
    for key, value in params.items():
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        if isinstance(value, (list, tuple)):
            out.extend((key, str(v)) for v in value)
        else:
            out.append((key, str(value)))
    return tuple(out)


def _write_params(dry_run: bool, field_manager: str, field_validation: str) -> dict:
    return {"dryRun": "All" if dry_run else None, "fieldManager": field_manager, "fieldValidation": field_validation}


def _headers(accept: str, content_type: str = "") -> tuple[tuple[str, str], ...]:
    headers = [("Accept", accept)]
    if content_type:
        headers.append(("Content-Type", content_type))
    return tuple(headers)


def encode(obj: object) -> bytes:
    if isinstance(obj, bytes):
        return obj
    if isinstance(obj, str):
        return obj.encode()
    return json.dumps(obj, separators=(",", ":")).encode()


def get(res: Resource, namespace: str | None, name: str, subresource: str = "", resource_version: str = "") -> Request:
    return Request(
        "GET",
        path_for(res, namespace, name, subresource),
        _query(resourceVersion=resource_version),
        _headers(ACCEPT_OBJECT),
        resource=_qualified(res),
        name=name,
    )


def list_(
    res: Resource,
    namespace: str | None = None,
    *,
    label_selector: str = "",
    field_selector: str = "",
    limit: int | None = None,
    continue_: str = "",
    resource_version: str = "",
    resource_version_match: str = "",
) -> Request:
    query = _query(
        labelSelector=label_selector,
        fieldSelector=field_selector,
        limit=limit,
        resourceVersion=resource_version,
        resourceVersionMatch=resource_version_match,
    ) + _query(**{"continue": continue_})
    return Request("GET", path_for(res, namespace), query, _headers(ACCEPT_OBJECT), resource=_qualified(res))


def watch(
    res: Resource,
    namespace: str | None = None,
    *,
    resource_version: str = "",
    label_selector: str = "",
    field_selector: str = "",
    timeout_seconds: int | None = None,
    send_initial_events: bool = False,
    allow_bookmarks: bool = True,
) -> Request:
    """A watch: classic (`resourceVersion=N`) or watch-list (`sendInitialEvents=true`)."""
    query = _query(
        watch=True,
        resourceVersion=resource_version,
        sendInitialEvents=True if send_initial_events else None,
        resourceVersionMatch="NotOlderThan" if send_initial_events else None,
        allowWatchBookmarks=True if allow_bookmarks or send_initial_events else None,
        labelSelector=label_selector,
        fieldSelector=field_selector,
        timeoutSeconds=timeout_seconds,
    )
    return Request("GET", path_for(res, namespace), query, _headers(ACCEPT_OBJECT), resource=_qualified(res))


def create(
    res: Resource,
    namespace: str | None,
    obj: dict,
    *,
    dry_run: bool = False,
    field_manager: str = "",
    field_validation: str = "",
) -> Request:
    return Request(
        "POST",
        path_for(res, namespace),
        _query(**_write_params(dry_run, field_manager, field_validation)),
        _headers(ACCEPT_OBJECT, JSON),
        encode(obj),
        resource=_qualified(res),
    )


def update(
    res: Resource,
    namespace: str | None,
    obj: dict,
    subresource: str = "",
    *,
    dry_run: bool = False,
    field_manager: str = "",
    field_validation: str = "",
) -> Request:
    name = (obj.get("metadata") or {}).get("name", "")
    return Request(
        "PUT",
        path_for(res, namespace, name, subresource),
        _query(**_write_params(dry_run, field_manager, field_validation)),
        _headers(ACCEPT_OBJECT, JSON),
        encode(obj),
        resource=_qualified(res),
        name=name,
    )


def patch(
    res: Resource,
    namespace: str | None,
    name: str,
    body: object,
    patch_type: str = STRATEGIC,
    subresource: str = "",
    *,
    dry_run: bool = False,
    field_manager: str = "",
    field_validation: str = "",
    force: bool | None = None,
) -> Request:
    """PATCH with the Content-Type naming the patch type; `patch_type` may be the short name (`merge`)."""
    content_type = PATCH_TYPES.get(patch_type, patch_type)
    if content_type not in PATCH_TYPES.values():
        raise ValueError(f"unknown patch type {patch_type!r}: expected one of {', '.join(PATCH_TYPES)}")
    if content_type == APPLY and not field_manager:
        raise ValueError("a server-side apply patch needs a field manager")
    params = _write_params(dry_run, field_manager, field_validation)
    params["force"] = force if content_type == APPLY else None
    return Request(
        "PATCH",
        path_for(res, namespace, name, subresource),
        _query(**params),
        _headers(ACCEPT_OBJECT, content_type),
        encode(body),
        resource=_qualified(res),
        name=name,
    )


def delete(
    res: Resource, namespace: str | None, name: str, options: dict | None = None, *, dry_run: bool = False
) -> Request:
    """DELETE; options (and dryRun, as kubectl sends it) travel in a DeleteOptions body."""
    body = dict(options or {})
    if dry_run:
        body["dryRun"] = ["All"]
    payload = None
    if body:
        payload = encode({"kind": "DeleteOptions", "apiVersion": "v1", **body})
    return Request(
        "DELETE",
        path_for(res, namespace, name),
        (),
        _headers(ACCEPT_OBJECT, JSON if payload else ""),
        payload,
        resource=_qualified(res),
        name=name,
    )


def raw(
    method: str, path: str, body: object = None, *, accept: str = ACCEPT_DYNAMIC, content_type: str = JSON
) -> Request:
    path, _, query = path.partition("?")
    from urllib.parse import parse_qsl

    payload = None if body is None else encode(body)
    return Request(
        method.upper(),
        path,
        tuple(parse_qsl(query, keep_blank_values=True)),
        _headers(accept, content_type if payload is not None else ""),
        payload,
    )


# -- responses ----------------------------------------------------------------------------------


def parse_warnings(values: list[str]) -> list[str]:
    """The texts of `Warning` headers (RFC 7234: `299 - "text" ["date"]`, comma-separated).

    Example: `299 - "unknown field \\"x\\"", 299 - "b"` gives `unknown field "x"` and `b`.
    Malformed values are kept whole rather than lost.
    """
    out: list[str] = []
    for value in values:
        rest = value.strip()
        while rest:
            parsed = _one_warning(rest)
            if parsed is None:
                out.append(rest)
                break
            text, rest = parsed
            if text:
                out.append(text)
            rest = rest.lstrip()
            if rest.startswith(","):
                rest = rest[1:].lstrip()
            elif rest:
                out.append(rest)
                break
    return out


def _one_warning(value: str) -> tuple[str, str] | None:
    parts = value.split(" ", 2)
    if len(parts) < 3 or not parts[0].isdigit() or len(parts[0]) != 3 or not parts[2].startswith('"'):
        return None
    text, i = _quoted(parts[2], 0)
    if text is None:
        return None
    rest = parts[2][i:]
    stripped = rest.lstrip()
    if stripped.startswith('"'):  # optional warn-date
        _, j = _quoted(stripped, 0)
        if _ is None:
            return None
        rest = stripped[j:]
    return text, rest


def _quoted(s: str, start: int) -> tuple[str | None, int]:
    """A quoted-string starting at `s[start]`, unescaped, and the index after it."""
    out = []
    i = start + 1
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            out.append(s[i + 1])
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    return None, i


def status_error(status: dict, http_code: int = 0) -> StatusError:
    """A StatusError from a `Status` object (its own code wins over the HTTP one)."""
    code = status.get("code") or http_code or 500
    return StatusError(
        int(code), str(status.get("reason") or ""), str(status.get("message") or ""), dict(status.get("details") or {})
    )


def generic_error(
    code: int, method: str = "", resource: str = "", name: str = "", server_message: str = ""
) -> StatusError:
    """client-go's error for a non-2xx body that is not a Status.

    404 for `GET configmaps web` gives `the server could not find the requested resource (get configmaps web)`.
    """
    reason, message = "", f"the server responded with the status code {code} but did not return more information"
    if code in _GENERIC:
        reason, message = _GENERIC[code]
        if code == 409 and method == "POST":
            reason = "AlreadyExists"
    elif code in _SERVER_MESSAGE_REASONS:
        reason, message = _SERVER_MESSAGE_REASONS[code], server_message
    elif code >= 500:
        reason = "InternalError"
        message = f"an error on the server ({json.dumps(server_message)}) has prevented the request from succeeding"
    if resource:
        message += f" ({method.lower()} {resource} {name})" if name else f" ({method.lower()} {resource})"
    details: dict = {}
    if name:
        details["name"] = name
    if resource:
        group = resource.partition(".")[2]
        if group:
            details["group"] = group
        details["kind"] = resource.partition(".")[0]
    details["causes"] = [{"reason": "UnexpectedServerResponse", "message": server_message}]
    return StatusError(code, reason, message, details)


def decode(request: Request, status: int, headers: list[tuple[str, str]], body: bytes) -> Response:
    """A 2xx response with its warnings, or the StatusError the server (or client-go) would give."""
    warnings = parse_warnings([v for k, v in headers if k.lower() == "warning"])
    response = Response(status, headers, body, warnings)
    if 200 <= status < 300:
        return response
    content_type = response.header("Content-Type").split(";")[0].strip().lower()
    parsed = None
    if body:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
    if isinstance(parsed, dict) and parsed.get("kind") == "Status":
        error = status_error(parsed, status)
    else:
        text = "unknown"
        if content_type == "text/plain":
            text = body[:UNSTRUCTURED_TEXT_LIMIT].decode("utf-8", "replace").strip()
        error = generic_error(status, request.method, request.resource, request.name, text)
    error.warnings = warnings  # type: ignore[attr-defined]
    raise error


def decode_object(request: Request, status: int, headers: list[tuple[str, str]], body: bytes) -> dict:
    return decode(request, status, headers, body).json()


def is_gone(error: BaseException) -> bool:
    """A watch or list asked for history the server no longer has (410 Expired/Gone)."""
    return isinstance(error, StatusError) and (error.code == 410 or error.reason in ("Expired", "Gone"))


# -- watch --------------------------------------------------------------------------------------


class WatchDecoder:
    """Turns a watch stream's bytes, in chunks of any size, into events.

    Tracks the last resourceVersion seen (from every event, bookmarks included), so a re-watch
    resumes where this one stopped.  BOOKMARK events are returned only when `bookmarks=True`
    (their `k8s.io/initial-events-end` annotation sets `initial_events_done`).  An ERROR event
    raises its Status as a StatusError (check `is_gone()` for 410).
    """

    def __init__(self, resource_version: str = "", *, bookmarks: bool = False):
        self.resource_version = resource_version
        self.bookmarks = bookmarks
        self.initial_events_done = False
        self._buffer = b""

    def feed(self, data: bytes) -> list[dict]:
        self._buffer += data
        events = []
        while True:
            line, sep, rest = self._buffer.partition(b"\n")
            if not sep:
                break
            self._buffer = rest
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def close(self) -> list[dict]:
        """The stream ended: a final line without a newline is still an event."""
        line, self._buffer = self._buffer, b""
        event = self._line(line)
        return [event] if event is not None else []

    def _line(self, line: bytes) -> dict | None:
        line = line.strip()
        if not line:
            return None
        try:
            event = json.loads(line)
        except ValueError as e:
            raise StatusError(500, "InternalError", f"unable to decode an event from the watch stream: {e}")
        if not isinstance(event, dict) or not isinstance(event.get("object"), dict):
            raise StatusError(500, "InternalError", "unable to decode an event from the watch stream: no object")
        kind, obj = event.get("type"), event["object"]
        if kind == "ERROR":
            if obj.get("kind") == "Status":
                raise status_error(obj)
            raise StatusError(500, "InternalError", f"watch ERROR event without a Status: {json.dumps(obj)[:200]}")
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if rv:
            self.resource_version = str(rv)
        if kind == "BOOKMARK":
            annotations = (obj.get("metadata") or {}).get("annotations") or {}
            if annotations.get(INITIAL_EVENTS_END) == "true":
                self.initial_events_done = True
            return event if self.bookmarks else None
        if kind not in ("ADDED", "MODIFIED", "DELETED"):
            raise StatusError(500, "InternalError", f"unknown watch event type {kind!r}")
        return event
