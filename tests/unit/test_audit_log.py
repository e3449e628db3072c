"""The audit log: event shape per level, mutation bodies at `Request`, rotation by size."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from kubeferry.apiserver.access import IMPERSONATOR
from kubeferry.apiserver.app import Request
from kubeferry.apiserver.audit import AuditLog
from kubeferry.machinery.rbac import Attributes, UserInfo

USER = UserInfo("alice", ("devs", "system:authenticated"))


def _request(method="PATCH", body=b'{"spec":{"replicas":2}}', verb="patch", impersonator=None) -> Request:
    scope = {
        "method": method,
        "path": "/apis/apps/v1/namespaces/ci/deployments/web",
        "query_string": b"fieldManager=kubectl",
        "headers": [(b"content-type", b"application/merge-patch+json"), (b"user-agent", b"kubectl/v1.37.1")],
        "client": ("127.0.0.1", 5555),
    }
    if impersonator is not None:
        scope[IMPERSONATOR] = impersonator
    request = Request(scope, None)
    request._body = body
    request.user = USER
    request.attrs = Attributes(
        verb, api_group="apps", api_version="v1", resource="deployments", namespace="ci", name="web"
    )
    return request


def _send_through(log: AuditLog, request: Request, code: int) -> None:
    sent = []

    async def send(message):
        sent.append(message)

    wrapped = log.wrap(request, send)
    asyncio.run(wrapped({"type": "http.response.start", "status": code, "headers": []}))
    assert sent[0]["status"] == code


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_metadata_event(tmp_path):
    log = AuditLog(tmp_path / "audit.log", "Metadata")
    _send_through(log, _request(), 200)
    (event,) = _lines(tmp_path / "audit.log")
    assert event["verb"] == "patch"
    assert event["user"] == {"username": "alice", "groups": ["devs", "system:authenticated"]}
    assert event["objectRef"] == {
        "resource": "deployments",
        "namespace": "ci",
        "name": "web",
        "apiGroup": "apps",
        "apiVersion": "v1",
    }
    assert event["responseStatus"] == {"metadata": {}, "code": 200}
    assert event["requestURI"] == "/apis/apps/v1/namespaces/ci/deployments/web?fieldManager=kubectl"
    assert event["sourceIPs"] == ["127.0.0.1"]
    assert event["userAgent"] == "kubectl/v1.37.1"
    assert "requestObject" not in event
    datetime.strptime(event["stageTimestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def test_request_level_records_mutation_bodies_only(tmp_path):
    log = AuditLog(tmp_path / "audit.log", "Request")
    _send_through(log, _request(), 200)
    _send_through(log, _request("GET", b"", "get"), 200)
    patch, read = _lines(tmp_path / "audit.log")
    assert patch["requestObject"] == {"spec": {"replicas": 2}}
    assert "requestObject" not in read


def test_impersonation_names_both_users(tmp_path):
    log = AuditLog(tmp_path / "audit.log")
    _send_through(log, _request(impersonator=UserInfo("admin", ("system:masters",))), 403)
    (event,) = _lines(tmp_path / "audit.log")
    assert event["user"] == {"username": "admin", "groups": ["system:masters"]}
    assert event["impersonatedUser"]["username"] == "alice"
    assert event["responseStatus"]["code"] == 403


def test_level_none_writes_nothing(tmp_path):
    log = AuditLog(tmp_path / "audit.log", "None")
    _send_through(log, _request(), 200)
    assert not (tmp_path / "audit.log").exists()


def test_rotation_by_size_keeps_backups(tmp_path):
    path = tmp_path / "audit.log"
    log = AuditLog(path, "Metadata", max_bytes=1500, backups=2)
    for _ in range(12):
        _send_through(log, _request(), 200)
    log.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["audit.log", "audit.log.1", "audit.log.2"]
    for name in files:
        size = (tmp_path / name).stat().st_size
        assert 0 < size <= 1500
    # Every kept line is a whole event; the oldest beyond two backups were dropped.
    kept = sum(len(_lines(tmp_path / name)) for name in files)
    assert kept < 12
