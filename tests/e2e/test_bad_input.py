"""Bad input gets a specific 4xx Status and changes nothing stored; the server keeps answering.

The requests are data: `tests/reliability/corpus/*.yaml` (see its README), one case per entry, so the
corpus grows without code.  Each case runs against the shared e2e server in its own namespace, after a
Deployment and a ConfigMap named `keep` are stored; their namespace's Deployments, ConfigMaps and Pods
must read back identical afterwards, and `/readyz` must still answer.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import ssl
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.e2e

DEPLOY = "/apis/apps/v1/namespaces/{ns}/deployments"
GOOD = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "keep"},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "keep"}},
        "template": {
            "metadata": {"labels": {"app": "keep"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
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


CORPUS = Path(__file__).resolve().parents[1] / "reliability" / "corpus"
CASE_KEYS = {
    "id",
    "method",
    "path",
    "headers",
    "auth",
    "body",
    "json",
    "base64",
    "nested",
    "pad",
    "body_repeat",
    "code",
    "reason",
    "field",
    "message",
    "known_bug",
}


def load_corpus() -> list[dict]:
    """Every case of every corpus file, in file order; ids unique, keys known."""
    cases: list[dict] = []
    for path in sorted(CORPUS.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            unknown = set(case) - CASE_KEYS
            assert not unknown, f"{path.name}: {case.get('id')}: unknown keys {sorted(unknown)}"
            cases.append({**case, "file": path.name})
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate corpus ids"
    return cases


def body_of(case: dict) -> bytes | None:
    """The request body a case describes; worked example: nested 2 -> {"metadata":…,"spec":{"a":{"a":1}}}."""
    if "json" in case:
        return json.dumps(case["json"]).encode()
    if "base64" in case:
        return base64.b64decode(case["base64"])
    if "nested" in case:
        depth = case["nested"]
        return b'{"metadata":{"name":"deep"},"spec":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}"
    if "pad" in case:
        return b"{}" + b" " * case["pad"]
    if "body_repeat" in case:
        spec = case["body_repeat"]
        return (spec["prefix"] + spec["unit"] * spec["times"]).encode()
    return case["body"].encode() if "body" in case else None


CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keep"}, "data": {"a": "1"}}
STORED = (
    "/apis/apps/v1/namespaces/{ns}/deployments",
    "/api/v1/namespaces/{ns}/configmaps",
    "/api/v1/namespaces/{ns}/pods",
)


def stored(server, ns: str) -> list:
    """Everything the corpus could touch in the namespace, items only (the list's own RV moves with other tests)."""
    out = []
    for path in STORED:
        status, _, data = call(server, "GET", path.format(ns=ns))
        assert status == 200, data[:300]
        out.append(sorted((json.loads(data)["items"]), key=lambda o: o["metadata"]["name"]))
    return out


def corpus_params() -> list:
    return [
        pytest.param(
            case,
            id=case["id"],
            marks=[pytest.mark.xfail(strict=True, reason=case["known_bug"])] if "known_bug" in case else [],
        )
        for case in load_corpus()
    ]


@pytest.mark.parametrize("case", corpus_params())
def test_corpus_request_gets_its_status_and_changes_nothing(server, ns, case):
    status, _, data = call(server, "POST", DEPLOY.format(ns=ns), json.dumps(GOOD).encode())
    assert status == 201, data
    status, _, data = call(server, "POST", f"/api/v1/namespaces/{ns}/configmaps", json.dumps(CONFIGMAP).encode())
    assert status == 201, data
    status, _, data = call(server, "POST", "/kubeferry/v1/settle", b'{"timeoutSeconds": 20}')
    assert status == 200, data
    before = stored(server, ns)
    headers = dict(case.get("headers") or {})
    auth = case.get("auth", "token")
    if auth not in ("token", "none"):
        headers["Authorization"] = auth.replace("{token_half}", server.token[: len(server.token) // 2]).replace(
            "{token}", server.token
        )
    status, content_type, data = call(
        server, case["method"], case["path"].format(ns=ns), body_of(case), headers, auth=auth == "token"
    )
    assert status == case["code"], f"{case['file']}: {data[:600]!r}"
    assert content_type == "application/json"
    payload = json.loads(data)
    assert (payload["kind"], payload["status"], payload["code"], payload["reason"]) == (
        "Status",
        "Failure",
        case["code"],
        case["reason"],
    ), payload
    if "field" in case:
        fields = [c.get("field") for c in (payload.get("details") or {}).get("causes") or ()]
        assert case["field"] in fields, payload
    if "message" in case:
        assert case["message"] in payload["message"], payload
    assert stored(server, ns) == before
    status, _, _ = call(server, "GET", "/readyz")
    assert status == 200


def test_corpus_is_large_and_covers_every_theme():
    cases = load_corpus()
    assert len(cases) >= 100
    assert {c["file"] for c in cases} >= {
        "bodies.yaml",
        "content_types.yaml",
        "credentials.yaml",
        "names.yaml",
        "patches.yaml",
        "queries.yaml",
        "routes.yaml",
        "types.yaml",
    }
    patch_types = {(c.get("headers") or {}).get("Content-Type") for c in cases if c["method"] == "PATCH"}
    assert patch_types >= {
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
    }


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
            for _ in watch.Watch().stream(
                api.list_namespaced_config_map,
                "default",
                resource_version=first.metadata.resource_version,
                timeout_seconds=2,
            ):
                pass
        assert info.value.status == 410
        listing = api.list_namespaced_config_map("default")
        assert listing.items[0].data == {"n": "9"}
        api.patch_namespaced_config_map("w", "default", {"data": {"n": "10"}})
        seen = []
        w = watch.Watch()
        for event in w.stream(
            api.list_namespaced_config_map,
            "default",
            resource_version=listing.metadata.resource_version,
            timeout_seconds=2,
        ):
            seen.append((event["type"], event["object"].data["n"]))
            w.stop()
        assert seen == [("MODIFIED", "10")]
    finally:
        small.stop()


def test_kubectl_patch_leaving_a_field_mistyped_is_invalid(server, ns):
    # kube-apiserver's patch handler: a 422 on `patch`, with Go's %+v of a strategic merge patch and the
    # unstructured converter's words, or the patched object's JSON and the decoder's words for a merge patch.
    status, _, data = call(server, "POST", DEPLOY.format(ns=ns), json.dumps(GOOD).encode())
    assert status == 201, data
    name = GOOD["metadata"]["name"]
    strategic = server.kubectl("-n", ns, "patch", "deployment", name, "-p", '{"spec":{"replicas":"abc"}}')
    assert strategic.returncode == 1
    assert strategic.stderr.strip() == (
        'The request is invalid: patch: Invalid value: "map[spec:map[replicas:abc]]": unrecognized type: int32'
    )
    merge = server.kubectl("-n", ns, "patch", "deployment", name, "--type=merge", "-p", '{"spec":{"replicas":"abc"}}')
    assert merge.returncode == 1
    assert merge.stderr.startswith('The request is invalid: patch: Invalid value: "{')
    assert merge.stderr.strip().endswith(
        ": json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
    )
