"""Bad input gets a specific 4xx Status and changes nothing stored; the server keeps answering."""

from __future__ import annotations

import gzip
import http.client
import json
import ssl

import pytest

pytestmark = pytest.mark.e2e

DEPLOY = "/apis/apps/v1/namespaces/{ns}/deployments"
GOOD = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "keep"},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "keep"}},
        "template": {"metadata": {"labels": {"app": "keep"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
    },
}


def call(server, method: str, path: str, body: bytes | None = None, headers: dict | None = None, auth: bool = True):
    host, port = server.url.removeprefix("https://").rsplit(":", 1)
    context = ssl.create_default_context(cafile=str(server.data_dir / "ca.crt"))
    conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=10)
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    if auth:
        hdrs["Authorization"] = f"Bearer {server.token}"
    conn.request(method, path, body=body, headers=hdrs)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.getheader("Content-Type"), data


def nested(depth: int) -> bytes:
    return b'{"metadata":{"name":"deep"},"spec":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}"


CASES = [
    pytest.param("POST", DEPLOY, b"{not json", {}, 400, "BadRequest", id="malformed-json"),
    pytest.param("POST", DEPLOY, b"", {}, 400, "BadRequest", id="empty-body"),
    pytest.param("POST", DEPLOY, b"[1,2,3]", {}, 400, "BadRequest", id="array-not-object"),
    pytest.param("POST", DEPLOY, b"a: [unclosed", {"Content-Type": "application/yaml"}, 400, "BadRequest", id="malformed-yaml"),
    pytest.param("POST", DEPLOY, nested(500), {}, 400, "BadRequest", id="deep-nesting"),
    pytest.param("POST", DEPLOY, b"{}" + b" " * (3 * 1024 * 1024 + 10), {}, 413, "RequestEntityTooLarge", id="oversize"),
    pytest.param("POST", DEPLOY, b"<xml/>", {"Content-Type": "application/xml"}, 415, "UnsupportedMediaType", id="wrong-content-type"),
    pytest.param("POST", DEPLOY, b"k8s\x00garbage", {"Content-Type": "application/vnd.kubernetes.protobuf"}, 400, "BadRequest", id="bad-protobuf"),
    pytest.param("POST", DEPLOY, b"\x1f\x8bnot-gzip", {"Content-Encoding": "gzip"}, 400, "BadRequest", id="bad-gzip"),
    pytest.param(
        "POST", DEPLOY, json.dumps({**GOOD, "metadata": {"name": "Bad_Name"}}).encode(), {}, 422, "Invalid", id="invalid-name"
    ),
    pytest.param(
        "POST", DEPLOY, json.dumps({**GOOD, "spec": {**GOOD["spec"], "replicas": "three"}}).encode(), {}, 400, "BadRequest", id="wrong-type"
    ),
    pytest.param(
        "POST", DEPLOY, json.dumps({**GOOD, "metadata": {"name": "x", "namespace": "other"}}).encode(), {}, 400, "BadRequest", id="namespace-mismatch"
    ),
    pytest.param("POST", DEPLOY, json.dumps({**GOOD, "kind": "Pod"}).encode(), {}, 400, "BadRequest", id="kind-mismatch"),
    pytest.param("PUT", DEPLOY + "/keep", json.dumps({**GOOD, "metadata": {"name": "other"}}).encode(), {}, 400, "BadRequest", id="name-mismatch"),
    pytest.param("PATCH", DEPLOY + "/keep", b"[{]", {"Content-Type": "application/json-patch+json"}, 400, "BadRequest", id="broken-json-patch"),
    pytest.param(
        "PATCH", DEPLOY + "/keep", b'[{"op":"remove","path":"/spec/nope"}]', {"Content-Type": "application/json-patch+json"}, 422, "Invalid", id="json-patch-missing-path"
    ),
    pytest.param("PATCH", DEPLOY + "/keep", b"[1]", {"Content-Type": "application/merge-patch+json"}, 400, "BadRequest", id="merge-patch-array"),
    pytest.param(
        "PATCH", DEPLOY + "/keep", b'{"spec":{"replicas":-5}}', {"Content-Type": "application/strategic-merge-patch+json"}, 422, "Invalid", id="patch-to-invalid"
    ),
    pytest.param("PATCH", DEPLOY + "/keep", b"{}", {"Content-Type": "text/plain"}, 415, "UnsupportedMediaType", id="unknown-patch-type"),
    pytest.param("GET", DEPLOY + "?labelSelector=a%20in%20(b", None, {}, 400, "BadRequest", id="bad-label-selector"),
    pytest.param("GET", DEPLOY + "?fieldSelector=spec.nope%3Dx", None, {}, 400, "BadRequest", id="bad-field-selector"),
    pytest.param("GET", DEPLOY + "?limit=abc", None, {}, 400, "BadRequest", id="bad-limit"),
    pytest.param("GET", DEPLOY + "?watch=1&resourceVersion=abc", None, {}, 400, "BadRequest", id="bad-watch-rv"),
    pytest.param("GET", "/api/v1/namespaces/{ns}/pods/x/exec", None, {}, 404, "NotFound", id="exec-not-served"),
    pytest.param("GET", "/apis/example.com/v1/widgets", None, {}, 404, "NotFound", id="unknown-resource"),
    pytest.param("PUT", DEPLOY, b"{}", {}, 405, "MethodNotAllowed", id="put-collection"),
]


@pytest.mark.parametrize(("method", "path", "body", "headers", "code", "reason"), CASES)
def test_bad_requests_get_a_specific_status_and_change_nothing(server, ns, method, path, body, headers, code, reason):
    status, _, data = call(server, "POST", DEPLOY.format(ns=ns), json.dumps(GOOD).encode())
    assert status == 201, data
    before = call(server, "GET", DEPLOY.format(ns=ns) + "/keep")[2]
    status, content_type, data = call(server, method, path.format(ns=ns), body, headers)
    assert status == code, data[:500]
    assert content_type == "application/json"
    payload = json.loads(data)
    assert payload["kind"] == "Status" and payload["reason"] == reason and payload["code"] == code
    after = call(server, "GET", DEPLOY.format(ns=ns) + "/keep")[2]
    assert json.loads(after) == json.loads(before)
    listing = json.loads(call(server, "GET", DEPLOY.format(ns=ns))[2])
    assert [i["metadata"]["name"] for i in listing["items"]] == ["keep"]


def test_forged_or_missing_credentials_are_401(server, ns):
    for headers in ({}, {"Authorization": "Bearer forged"}, {"Authorization": "Basic YTpi"}):
        status, _, data = call(server, "GET", DEPLOY.format(ns=ns), headers=headers, auth=False)
        assert status == 401 and json.loads(data)["reason"] == "Unauthorized"


def test_gzip_bodies_are_accepted(server, ns):
    body = gzip.compress(json.dumps({**GOOD, "metadata": {"name": "zipped"}}).encode())
    status, _, data = call(server, "POST", DEPLOY.format(ns=ns), body, {"Content-Encoding": "gzip"})
    assert status == 201, data


def test_relist_after_410_with_the_python_client(server, ns, tmp_path):
    """A watch from a compacted resourceVersion gets ERROR 410; the client relists and goes on."""
    from conftest import start_server
    from kubernetes import client, config, watch

    small = start_server(tmp_path / "small", "--watch-history", "5")
    try:
        api = client.CoreV1Api(config.new_client_from_config(config_file=str(small.kubeconfig)))
        first = api.create_namespaced_config_map("default", {"metadata": {"name": "w"}, "data": {"n": "0"}})
        for i in range(1, 10):
            api.patch_namespaced_config_map("w", "default", {"data": {"n": str(i)}})
        with pytest.raises(client.ApiException) as info:
            for _ in watch.Watch().stream(api.list_namespaced_config_map, "default", resource_version=first.metadata.resource_version, timeout_seconds=2):
                pass
        assert info.value.status == 410
        listing = api.list_namespaced_config_map("default")
        assert listing.items[0].data == {"n": "9"}
        api.patch_namespaced_config_map("w", "default", {"data": {"n": "10"}})
        seen = []
        w = watch.Watch()
        for event in w.stream(api.list_namespaced_config_map, "default", resource_version=listing.metadata.resource_version, timeout_seconds=2):
            seen.append((event["type"], event["object"].data["n"]))
            w.stop()
        assert seen == [("MODIFIED", "10")]
    finally:
        small.stop()
