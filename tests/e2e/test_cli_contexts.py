"""kubeferry follows the kubeconfig, as kubectl does: two servers with their own CA and token,
selected by context; nothing assumes the embedded cluster."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml
from conftest import start_server

from kubeferry.cluster import kubeconfig

pytestmark = pytest.mark.e2e


def kubeferry(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kubeferry.cli.main", *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture
def two(tmp_path):
    a = start_server(tmp_path / "a", "--no-controllers")
    b = start_server(tmp_path / "b", "--no-controllers")
    config = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": []}
    for name, srv in (("alpha", a), ("beta", b)):
        built = kubeconfig.build(name, srv.url, (srv.data_dir / "ca.crt").read_bytes(), srv.token)
        for key in ("clusters", "users", "contexts"):
            config[key] += built[key]
    config["current-context"] = "kubeferry-alpha"
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(config))
    env = dict(os.environ, KUBECONFIG=str(path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    yield a, b, env
    a.stop()
    b.stop()


def test_context_selects_the_server_with_its_own_ca_and_token(two, tmp_path):
    a, b, env = two
    manifest = tmp_path / "ns.yaml"
    manifest.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: only-in-beta\n")
    created = kubeferry("apply", "-f", str(manifest), "--context", "kubeferry-beta", env=env)
    assert created.stdout.strip() == "namespace/only-in-beta created", created.stderr
    beta = kubeferry("get", "ns", "-o", "name", "--context", "kubeferry-beta", env=env)
    alpha = kubeferry("get", "ns", "-o", "name", env=env)
    assert "namespace/only-in-beta" in beta.stdout.split()
    assert "namespace/only-in-beta" not in alpha.stdout.split()
    assert alpha.returncode == 0 and beta.returncode == 0
    # The same commands through kubectl see the same two clusters.
    assert "namespace/only-in-beta" in b.kubectl("get", "ns", "-o", "name").stdout.split()


def test_wrong_token_and_wrong_ca_fail_with_one_clear_line(two, tmp_path):
    a, b, env = two
    wrong = kubeferry("get", "ns", "--server", b.url, "--token", "nope", "--insecure-skip-tls-verify", env=env)
    assert wrong.returncode != 0
    assert "Unauthorized" in wrong.stderr or "must be logged in" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    # alpha's CA cannot verify beta's serving certificate.
    mismatched = kubeferry("get", "ns", "--server", b.url, env=env)
    assert mismatched.returncode != 0
    assert "certificate" in mismatched.stderr.lower() and "Traceback" not in mismatched.stderr
    missing = kubeferry("get", "ns", "--context", "nope", env=env)
    assert missing.returncode != 0 and "context" in missing.stderr and "Traceback" not in missing.stderr
