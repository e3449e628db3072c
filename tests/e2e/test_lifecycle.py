"""`kubeferry cluster up|down|status|kubeconfig` and durability across restarts and `kill -9`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import KUBECTL, start_server

pytestmark = pytest.mark.e2e


def kubeferry(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kubeferry.cli.main", *args], capture_output=True, text=True, env=env, timeout=60)


def test_up_detach_status_kubeconfig_down(tmp_path):
    env = dict(os.environ, HOME=str(tmp_path / "home"), KUBECONFIG=str(tmp_path / "kube" / "config"))
    env.pop("XDG_DATA_HOME", None)
    data_dir = tmp_path / "home" / ".local" / "share" / "kubeferry" / "lc"
    assert kubeferry("cluster", "status", "--name", "lc", env=env).returncode == 1
    up = kubeferry("cluster", "up", "--name", "lc", "--detach", env=env)
    assert up.returncode == 0, up.stderr
    try:
        config = yaml.safe_load(Path(env["KUBECONFIG"]).read_text())
        assert config["current-context"] == "kubeferry-lc"
        assert [c["name"] for c in config["clusters"]] == ["kubeferry-lc"]
        assert config["users"][0]["user"]["token"]
        assert (data_dir / "state.db").exists()
        assert kubeferry("cluster", "status", "--name", "lc", env=env).returncode == 0
        again = kubeferry("cluster", "up", "--name", "lc", "--detach", env=env)
        assert again.returncode == 1 and "already running" in again.stderr
        printed = kubeferry("cluster", "kubeconfig", "--name", "lc", env=env)
        assert yaml.safe_load(printed.stdout)["clusters"][0]["cluster"]["server"].startswith("https://127.0.0.1:")
        # kubectl verifies TLS against the CA in the kubeconfig (no insecure flag).
        got = subprocess.run([KUBECTL, "--cache-dir", str(tmp_path / "cache"), "get", "ns", "-o", "name"], capture_output=True, text=True, env=env)
        assert got.returncode == 0, got.stderr
        assert "namespace/kube-system" in got.stdout.split()
    finally:
        down = kubeferry("cluster", "down", "--name", "lc", "--delete", env=env)
    assert down.returncode == 0, down.stderr
    assert kubeferry("cluster", "status", "--name", "lc", env=env).returncode == 1
    config = yaml.safe_load(Path(env["KUBECONFIG"]).read_text())
    assert config["clusters"] == [] and config["current-context"] == ""
    assert not data_dir.exists()


def test_unauthenticated_requests_are_refused_but_health_is_open(server):
    import ssl
    import urllib.error
    import urllib.request

    context = ssl.create_default_context(cafile=str(server.data_dir / "ca.crt"))
    for path in ("/livez", "/readyz", "/healthz", "/version"):
        with urllib.request.urlopen(server.url + path, context=context) as r:
            assert r.status == 200
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(server.url + "/api/v1/namespaces", context=context)
    assert info.value.code == 401
    assert json.loads(info.value.read())["reason"] == "Unauthorized"


def test_acknowledged_writes_survive_kill_9(tmp_path):
    srv = start_server(tmp_path / "d")
    try:
        made = []
        for i in range(30):
            result = srv.kubectl("create", "configmap", f"c{i}", f"--from-literal=n={i}")
            assert result.returncode == 0, result.stderr
            made.append(f"c{i}")
        patched = srv.kubectl("patch", "configmap", "c0", "--type", "merge", "-p", '{"data":{"n":"patched"}}')
        assert patched.returncode == 0
        items = json.loads(srv.kubectl("get", "configmaps", "-o", "json").stdout)["items"]
        before = max(int(i["metadata"]["resourceVersion"]) for i in items)
    finally:
        srv.process.send_signal(signal.SIGKILL)
        srv.process.wait()
    again = start_server(tmp_path / "d")
    try:
        listing = json.loads(again.kubectl("get", "configmaps", "-o", "json").stdout)
        names = {i["metadata"]["name"] for i in listing["items"]}
        assert set(made) <= names
        assert next(i for i in listing["items"] if i["metadata"]["name"] == "c0")["data"] == {"n": "patched"}
        assert max(int(i["metadata"]["resourceVersion"]) for i in listing["items"]) == before
        created = again.kubectl("create", "configmap", "after-restart")
        assert created.returncode == 0
        assert int(json.loads(again.kubectl("get", "cm", "after-restart", "-o", "json").stdout)["metadata"]["resourceVersion"]) > before
    finally:
        again.stop()
