"""`from kubeferry import Cluster`: an in-process control plane on the virtual clock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kubeferry import Cluster

KUBECTL = str(Path(sys.executable).parent / "kubectl")


def deployment(replicas: int, startup: str) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}, "annotations": {"sim.kubeferry.io/startup-seconds": startup}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }


def test_virtual_time_moves_only_when_advanced(tmp_path):
    with Cluster(clock="virtual", nodes=2, data_dir=tmp_path / "c", start_time="2026-01-01T00:00:00Z") as c:
        assert c.now().isoformat() == "2026-01-01T00:00:00+00:00"
        c.apply(deployment(3, "5"))
        c.settle()
        status = c.get("apps/v1", "Deployment", "default", "web")["status"]
        assert status["replicas"] == 3 and status.get("availableReplicas", 0) == 0
        pods = c.list("v1", "Pod", "default")
        assert len(pods) == 3 and {p["status"]["phase"] for p in pods} == {"Pending"}
        assert {p["spec"]["nodeName"] for p in pods} <= {"kubeferry-node-1", "kubeferry-node-2"}
        c.advance(4.9)
        assert c.get("apps/v1", "Deployment", "default", "web")["status"].get("availableReplicas", 0) == 0
        c.advance(0.1)
        status = c.get("apps/v1", "Deployment", "default", "web")["status"]
        assert status["availableReplicas"] == 3
        assert c.now().isoformat() == "2026-01-01T00:00:05+00:00"
        # The same cluster is served over HTTPS for kubectl.
        result = subprocess.run(
            [
                KUBECTL,
                "--kubeconfig",
                str(c.kubeconfig),
                "--cache-dir",
                str(tmp_path / "cache"),
                "get",
                "deploy",
                "web",
                "-o",
                "json",
            ],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["status"]["readyReplicas"] == 3


def test_virtual_time_survives_a_restart(tmp_path):
    with Cluster(
        clock="virtual", nodes=1, data_dir=tmp_path / "c", start_time="2026-01-01T00:00:00Z", serve=False
    ) as c:
        c.advance(3600)
    with Cluster(clock="virtual", nodes=1, data_dir=tmp_path / "c", serve=False) as c:
        assert c.now().isoformat() == "2026-01-01T01:00:00+00:00"
        assert [n["metadata"]["name"] for n in c.list("v1", "Node")] == ["kubeferry-node-1"]


def test_leaving_a_served_cluster_finishes_its_server(tmp_path):
    # The HTTPS server ends before the cluster's loop closes: leaving the `with` block prints nothing
    # (before, asyncio reported the server's task as destroyed while still pending).
    # An open watch (kubectl get pods -w) ends with the server, not cancelled with an error.
    script = (
        "import subprocess, sys, time\n"
        "from kubeferry import Cluster\n"
        f"with Cluster(clock='virtual', nodes=1, data_dir={str(tmp_path / 'c')!r}) as c:\n"
        "    assert c.url.startswith('https://')\n"
        f"    watch = subprocess.Popen([{KUBECTL!r}, '--kubeconfig', str(c.kubeconfig), 'get', 'pods', '-w'],\n"
        "                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)\n"
        "    time.sleep(1.5)\n"
        "print('left')\n"
        "print(watch.wait(timeout=20), end='')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "left\n0"
    assert result.stderr == ""


def test_events_after_a_restart_at_the_same_instant_are_stored_too(tmp_path):
    # Event names count up from the instant plus an offset drawn from the store's state at start, so a
    # control plane started again at the same virtual instant does not reuse the names it gave before.
    with Cluster(clock="virtual", nodes=1, data_dir=tmp_path / "c", serve=False) as c:
        c.settle()
        before = {e["metadata"]["name"] for e in c.list("v1", "Event", "default")}
    with Cluster(clock="virtual", nodes=1, data_dir=tmp_path / "c", serve=False) as c:
        c.settle()
        events = c.list("v1", "Event", "default")
    starting = [e for e in events if e["reason"] == "Starting"]
    assert len(starting) == 2 and len(before) >= 7
    assert before < {e["metadata"]["name"] for e in events}
