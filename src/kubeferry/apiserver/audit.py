"""The audit log: one JSON line per API request, in the shape of audit.k8s.io/v1 `Event`s.

Each line records who (user, groups, impersonated user), what (verb, resource, subresource,
namespace, name, request URI), the answer's HTTP code and when (received and completed, RFC 3339
with microseconds).  Levels, as kube-apiserver's audit policy names them:

- `None`: no log;
- `Metadata` (default): the above;
- `Request`: plus the request body of mutations (create, update, patch, delete...);
- `RequestResponse`: the same here (response bodies are not recorded).

Health probes (`/livez`, `/readyz`, `/healthz`) are not logged.  The file is rotated by size:
when a line would take it past `max_bytes`, `audit.log` becomes `audit.log.1` (older files shift
up, the oldest beyond `backups` is removed) and a new file starts.  Lines are flushed as they are
written, so a crash loses none that were answered.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson

from kubeferry.apiserver import codec
from kubeferry.apiserver.access import IMPERSONATOR

LEVELS = ("None", "Metadata", "Request", "RequestResponse")
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_BACKUPS = 5
MUTATING_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})
UNLOGGED_PATHS = frozenset({"/livez", "/readyz", "/healthz"})
BODY_LIMIT = 64 * 1024  # larger request bodies are recorded as truncated


def _micro(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AuditLog:
    def __init__(
        self, path: Path, level: str = "Metadata", max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS
    ):
        if level not in LEVELS:
            raise ValueError(f"audit level {level!r}: must be one of {', '.join(LEVELS)}")
        self.path = Path(path)
        self.level = level
        self.max_bytes = max_bytes
        self.backups = backups
        self._file = None
        self._size = 0

    def _open(self) -> None:
        self._file = open(self.path, "ab")  # noqa: SIM115 - held open between requests
        self._size = self._file.tell()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def write(self, event: dict) -> None:
        line = orjson.dumps(event) + b"\n"
        if self._file is None:
            self._open()
        if self._size and self._size + len(line) > self.max_bytes:
            self._rotate()
        self._file.write(line)
        self._file.flush()
        self._size += len(line)

    def _rotate(self) -> None:
        self.close()
        if self.backups > 0:
            for index in range(self.backups - 1, 0, -1):
                older = self.path.with_name(f"{self.path.name}.{index}")
                if older.exists():
                    os.replace(older, self.path.with_name(f"{self.path.name}.{index + 1}"))
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink(missing_ok=True)
        self._open()

    def wrap(self, request, send):
        """A `send` that records the response code and writes the event when the response starts."""
        if self.level == "None" or request.path in UNLOGGED_PATHS:
            return send
        received = datetime.now(UTC)

        async def audited_send(message: dict) -> None:
            if message.get("type") == "http.response.start":
                self.write(self.event(request, message.get("status", 0), received))
            await send(message)

        return audited_send

    def event(self, request, code: int, received: datetime) -> dict:
        raw_query = request.scope.get("query_string", b"").decode("latin-1")
        event: dict = {
            "kind": "Event",
            "apiVersion": "audit.k8s.io/v1",
            "level": self.level,
            "auditID": str(uuid.uuid4()),
            "stage": "ResponseComplete",
            "requestURI": request.path + (f"?{raw_query}" if raw_query else ""),
            "verb": request.method.lower(),
            "user": {},
            "sourceIPs": [request.scope["client"][0]] if request.scope.get("client") else [],
            "userAgent": request.headers.get("user-agent", ""),
            "responseStatus": {"metadata": {}, "code": code},
            "requestReceivedTimestamp": _micro(received),
            "stageTimestamp": _micro(datetime.now(UTC)),
        }
        user = request.user
        attrs = request.attrs
        if attrs is not None:
            event["verb"] = attrs.verb
            if attrs.resource_request:
                ref = {
                    "resource": attrs.resource,
                    "namespace": attrs.namespace,
                    "name": attrs.name,
                    "apiGroup": attrs.api_group,
                    "apiVersion": attrs.api_version,
                    "subresource": attrs.subresource,
                }
                event["objectRef"] = {k: v for k, v in ref.items() if v}
        if user is not None:
            event["user"] = _user_json(user)
            impersonator = request.scope.get(IMPERSONATOR)
            if impersonator is not None:
                event["impersonatedUser"] = event["user"]
                event["user"] = _user_json(impersonator)
        if self.level in ("Request", "RequestResponse") and attrs is not None and attrs.verb in MUTATING_VERBS:
            body = request._body
            if body:
                if len(body) > BODY_LIMIT:
                    event["requestObject"] = {"truncated": True, "bytes": len(body)}
                else:
                    try:
                        event["requestObject"] = codec.decode(body, request.headers.get("content-type"))
                    except Exception:  # noqa: BLE001 - an undecodable body was refused; record its size
                        event["requestObject"] = {"undecodable": True, "bytes": len(body)}
        return event


def _user_json(user) -> dict:
    out: dict = {"username": user.name, "groups": list(user.groups)}
    if user.uid:
        out["uid"] = user.uid
    return out
