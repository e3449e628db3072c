"""The HTTPS transport against a real kubeferry server process (no mocks), plus its import cost."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubeferry.client.https import APIConnectionError, HTTPSTransport, NoMatchError
from kubeferry.client.informer import Informer
from kubeferry.client.kubeconfig import ClientConfig, Overrides, load
from kubeferry.client.request import is_gone
from kubeferry.machinery.status import StatusError

WATCH_HISTORY = 100  # the server keeps this many events, so a watch from further back gets a 410


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("https-server")
    log = open(data_dir / "test.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kubeferry.cluster.server",
            "--data-dir",
            str(data_dir),
            "--port",
            "0",
            "--nodes",
            "0",
            "--watch-history",
            str(WATCH_HISTORY),
        ],
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        info = None
        while info is None:
            assert process.poll() is None, (data_dir / "test.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "server did not write server.json"
            try:
                info = json.loads((data_dir / "server.json").read_text())
            except (OSError, ValueError):
                time.sleep(0.02)
        config = ClientConfig(
            server=info["url"],
            ca_data=(data_dir / "ca.crt").read_bytes(),
            token=(data_dir / "admin.token").read_text().strip(),
        )
        probe = HTTPSTransport(config, timeout=2)
        while True:
            try:
                probe.raw("GET", "/readyz")
                break
            except (APIConnectionError, StatusError):
                assert time.monotonic() < deadline, "server never became ready"
                time.sleep(0.05)
        probe.close()
        yield config
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@pytest.fixture
def client(server):
    with HTTPSTransport(server) as transport:
        yield transport


_ns_counter = iter(range(10_000))


@pytest.fixture
def ns(client):
    name = f"client-{next(_ns_counter)}"
    client.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name


def configmap(ns: str, name: str, labels: dict | None = None, **data) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
        "data": data,
    }


def test_crud_configmap(client, ns):
    created = client.create(configmap(ns, "app", {"tier": "web"}, color="blue"))
    assert (created["kind"], created["data"], created["metadata"]["namespace"]) == ("ConfigMap", {"color": "blue"}, ns)
    fetched = client.get("v1", "ConfigMap", ns, "app")
    assert fetched["metadata"]["uid"] == created["metadata"]["uid"]
    fetched["data"]["size"] = "L"
    updated = client.update(fetched)
    assert updated["data"] == {"color": "blue", "size": "L"}
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    client.delete("v1", "ConfigMap", ns, "app")
    assert client.get("v1", "ConfigMap", ns, "app") is None


def test_patches(client, ns):
    client.create(configmap(ns, "p", {"keep": "1", "drop": "1"}, a="1"))
    merged = client.patch(
        "v1",
        "ConfigMap",
        ns,
        "p",
        {"data": {"b": "2"}, "metadata": {"labels": {"drop": None}}},
        "application/merge-patch+json",
    )
    assert (merged["data"], merged["metadata"]["labels"]) == ({"a": "1", "b": "2"}, {"keep": "1"})
    strategic = client.patch("v1", "ConfigMap", ns, "p", {"data": {"a": None, "c": "3"}})
    assert strategic["data"] == {"b": "2", "c": "3"}
    json_patched = client.patch(
        "v1", "ConfigMap", ns, "p", [{"op": "replace", "path": "/data/b", "value": "22"}], "application/json-patch+json"
    )
    assert json_patched["data"] == {"b": "22", "c": "3"}


def test_list_with_label_selector_and_paging(client, ns):
    for i in range(5):
        client.create(configmap(ns, f"cm{i}", {"parity": "even" if i % 2 == 0 else "odd"}))
    even = client.list_objects("v1", "ConfigMap", ns, label_selector="parity=even")
    assert [o["metadata"]["name"] for o in even.items] == ["cm0", "cm2", "cm4"]
    assert all(o["apiVersion"] == "v1" and o["kind"] == "ConfigMap" for o in even.items)
    paged = client.list_objects("v1", "ConfigMap", ns, label_selector="parity", limit=2)
    assert [o["metadata"]["name"] for o in paged.items] == [f"cm{i}" for i in range(5)]
    assert int(paged.resource_version) > 0
    assert [
        o["metadata"]["name"] for o in client.list("v1", "ConfigMap", ns) if o["metadata"]["name"].startswith("cm")
    ] == [f"cm{i}" for i in range(5)]


def test_watch_from_resource_version_sees_modifications(client, ns):
    created = client.create(configmap(ns, "w", v="0"))
    for i in (1, 2):
        client.patch("v1", "ConfigMap", ns, "w", {"data": {"v": str(i)}}, "application/merge-patch+json")
    events = list(
        client.watch("v1", "ConfigMap", ns, resource_version=created["metadata"]["resourceVersion"], timeout_seconds=1)
    )
    assert [(e["type"], e["object"]["data"]["v"]) for e in events] == [("MODIFIED", "1"), ("MODIFIED", "2")]


def test_live_watch_and_informer_relist_after_410(client, ns):
    client.create(configmap(ns, "seed"))
    for i in range(WATCH_HISTORY + 5):  # push resourceVersion "1" out of the server's history
        client.patch("v1", "ConfigMap", ns, "seed", {"data": {"n": str(i)}}, "application/merge-patch+json")
    with pytest.raises(StatusError) as e:
        list(client.watch("v1", "ConfigMap", ns, resource_version="1", timeout_seconds=1))
    assert is_gone(e.value)

    informer = Informer(client, "v1", "ConfigMap", ns, watch_timeout=1)
    informer.state.replace([], "1")  # as if a watch had been running from long ago
    seen = []
    for kind, obj in informer.events():
        seen.append((kind, obj["metadata"]["name"]))
        if ("ADDED", "seed") in seen and len(seen) == 1:
            client.patch("v1", "ConfigMap", ns, "seed", {"data": {"live": "yes"}}, "application/merge-patch+json")
        if kind == "MODIFIED":
            assert obj["data"]["live"] == "yes"
            break
    assert seen[0] == ("ADDED", "seed") and seen[-1] == ("MODIFIED", "seed")
    assert informer.relists == 1
    assert ("", "seed") not in informer.cache and (ns, "seed") in informer.cache


def test_status_errors(client, ns):
    client.create(configmap(ns, "dup"))
    with pytest.raises(StatusError) as e:
        client.create(configmap(ns, "dup"))
    assert (e.value.code, e.value.reason, e.value.message) == (409, "AlreadyExists", 'configmaps "dup" already exists')
    stale = client.get("v1", "ConfigMap", ns, "dup")
    client.patch("v1", "ConfigMap", ns, "dup", {"data": {"x": "1"}}, "application/merge-patch+json")
    with pytest.raises(StatusError) as e:
        client.update(stale)
    assert (e.value.code, e.value.reason) == (409, "Conflict")
    with pytest.raises(StatusError) as e:
        client.delete("v1", "ConfigMap", ns, "missing")
    assert (e.value.code, e.value.reason, e.value.message) == (404, "NotFound", 'configmaps "missing" not found')


def test_warning_headers_are_collected(client, ns):
    seen: list[str] = []
    client.on_warning = seen.append
    obj = configmap(ns, "warned")
    obj["bogusField"] = 1
    client.create(obj, field_validation="Warn")
    assert seen == client.warnings and len(seen) == 1 and "bogusField" in seen[0]


def test_keep_alive_reuses_one_connection(client, ns):
    for _ in range(5):
        client.get("v1", "ConfigMap", ns, "none")
    assert len(client._idle) == 1
    first = client._idle[0]
    client.get("v1", "ConfigMap", ns, "none")
    assert client._idle == [first]


def test_discovery(client):
    assert client.lookup("deploy").plural == "deployments"
    assert client.lookup("configmaps").kind == "ConfigMap"
    assert client.lookup("events.events.k8s.io").group == "events.k8s.io"
    with pytest.raises(NoMatchError) as e:
        client.lookup("widgets")
    assert str(e.value) == 'the server doesn\'t have a resource type "widgets"'
    with pytest.raises(NoMatchError) as e:
        client.resource_for("batch/v9", "Job")
    assert str(e.value) == 'no matches for kind "Job" in version "batch/v9"'


def test_bad_token_is_unauthorized(server):
    with HTTPSTransport(server.replace(token="wrong")) as transport, pytest.raises(StatusError) as e:
        transport.list("v1", "ConfigMap", "default")
    assert (e.value.code, e.value.reason) == (401, "Unauthorized")


def test_exec_plugin_token_against_the_server(server, tmp_path):
    plugin = tmp_path / "plugin.sh"
    credential = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": {"token": server.token},
    }
    plugin.write_text(f"#!/bin/sh\necho '{json.dumps(credential)}'\n")
    plugin.chmod(0o755)
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        json.dumps(
            {
                "clusters": [{"name": "c", "cluster": {"server": server.server, "certificate-authority": "ca.crt"}}],
                "users": [
                    {
                        "name": "u",
                        "user": {
                            "exec": {
                                "apiVersion": "client.authentication.k8s.io/v1",
                                "command": "./plugin.sh",
                                "interactiveMode": "Never",
                            }
                        },
                    }
                ],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u", "namespace": "kube-system"}}],
                "current-context": "c",
            }
        )
    )
    (tmp_path / "ca.crt").write_bytes(server.ca_data)
    config = load(Overrides(kubeconfig=str(kubeconfig)))
    with HTTPSTransport(config) as transport:
        assert transport.get("v1", "Namespace", "", "kube-system")["metadata"]["name"] == "kube-system"
    assert config.credential_provider.runs == 1


def test_unknown_authority_is_one_clear_line(server):
    with HTTPSTransport(server.replace(ca_data=None)) as transport, pytest.raises(APIConnectionError) as e:
        transport.raw("GET", "/version")
    assert (
        str(e.value)
        == "Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority"
    )


def test_another_clusters_ca_of_the_same_name_is_an_unknown_authority(server, tmp_path):
    from kubeferry.cluster import certs

    certs.ensure(tmp_path, "127.0.0.1")  # a CA named as the server's, with another key
    other = server.replace(ca_data=(tmp_path / certs.CA_CERT).read_bytes())
    with HTTPSTransport(other) as transport, pytest.raises(APIConnectionError) as e:
        transport.raw("GET", "/version")
    assert (
        str(e.value)
        == "Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority"
    )


def test_insecure_skip_verify_connects(server):
    with HTTPSTransport(server.replace(ca_data=None, insecure=True)) as transport:
        assert transport.raw("GET", "/version").json()["major"] == "1"


def test_connection_refused_wording():
    with (
        HTTPSTransport(ClientConfig(server="https://127.0.0.1:1", insecure=True)) as transport,
        pytest.raises(APIConnectionError) as e,
    ):
        transport.raw("GET", "/version")
    assert (
        str(e.value) == "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?"
    )
    assert isinstance(e.value, ConnectionError)


def test_import_is_light():
    code = "import sys, kubeferry.client.https, kubeferry.client.informer; print(sorted(m for m in ('asyncio', 'yaml', 'requests', 'urllib3', 'kubernetes') if m in sys.modules))"
    src = str(Path(__file__).resolve().parents[2] / "src")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONPATH": src}
    )
    assert out.stdout.strip() == "[]"
