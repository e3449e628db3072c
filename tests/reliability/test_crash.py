"""kill -9 at random points during a rolling update; restart from the same data dir each time.

After the rollout finishes: every write the client saw acknowledged is there, the rollout ends on
the new template, no pod is orphaned or duplicated, revisions are consistent, and the recorded
watch stream never showed more than replicas+maxSurge live pods.  CI runs a reduced size (five
kills); `-m slow` runs 1,000 replicas with twenty kills (`KUBEFERRY_CRASH_REPLICAS`,
`KUBEFERRY_CRASH_CYCLES` override both).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import signal
import ssl
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from conftest import start_server  # noqa: E402

DEPLOY = "/apis/apps/v1/namespaces/default/deployments"
PODS = "/api/v1/namespaces/default/pods"


class Api:
    def __init__(self, server):
        host, port = server.url.removeprefix("https://").rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.context = ssl.create_default_context(cafile=str(server.data_dir / "ca.crt"))
        self.token = server.token

    def call(self, method: str, path: str, body=None, ctype: str = "application/json", timeout: float = 60):
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=timeout)
        try:
            conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers={"Authorization": f"Bearer {self.token}", "Content-Type": ctype})
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            conn.close()


def watch_pods(api: Api, stream: list, stop: threading.Event) -> None:
    """Record every pod event (with resourceVersion) until the server goes away."""
    conn = http.client.HTTPSConnection(api.host, api.port, context=api.context, timeout=600)
    try:
        conn.request("GET", f"{PODS}?watch=true&resourceVersion=0", headers={"Authorization": f"Bearer {api.token}"})
        response = conn.getresponse()
        buffer = b""
        while not stop.is_set():
            chunk = response.read1(65536)
            if not chunk:
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if line.strip():
                    stream.append(json.loads(line))
    except (OSError, http.client.HTTPException, ValueError):
        return


def live_counts(events: list) -> list[int]:
    pods: dict[str, dict] = {}
    counts = []
    for event in events:
        obj = event["object"]
        name = obj["metadata"]["name"]
        if event["type"] == "DELETED":
            pods.pop(name, None)
        else:
            pods[name] = obj
        counts.append(sum(1 for p in pods.values() if not p["metadata"].get("deletionTimestamp")))
    return counts


def run(tmp_path, replicas: int, cycles: int, seed: int) -> None:
    rng = random.Random(seed)
    data = tmp_path / "data"
    server = start_server(data, "--clock", "virtual", "--nodes", str(max(3, replicas // 50)))
    api = Api(server)
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "app"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "app"}},
            "template": {
                "metadata": {"labels": {"app": "app"}, "annotations": {"sim.kubeferry.io/startup-seconds": "1"}},
                "spec": {"containers": [{"name": "app", "image": "alpine:3.5"}]},
            },
        },
    }
    assert api.call("POST", DEPLOY, manifest)[0] == 201
    assert api.call("POST", "/kubeferry/v1/clock/advance", {"seconds": 5})[0] == 200
    status, deploy = api.call("GET", f"{DEPLOY}/app")
    deploy["spec"]["template"]["spec"]["containers"][0]["image"] = "alpine:3.6"
    assert api.call("PUT", f"{DEPLOY}/app", deploy)[0] == 200
    acknowledged: dict[str, str] = {}
    segments: list[list] = []
    for cycle in range(cycles):
        stream: list = []
        stop = threading.Event()
        watcher = threading.Thread(target=watch_pods, args=(api, stream, stop), daemon=True)
        watcher.start()
        time.sleep(0.1)
        # Acknowledged writes between kills: each must survive.
        name = f"ack-{cycle}"
        status, _ = api.call("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": name}, "data": {"cycle": str(cycle)}})
        if status == 201:
            acknowledged[name] = str(cycle)

        def advance_until_killed(api=api) -> None:
            # The server is killed mid-request: that is the point.
            with contextlib.suppress(OSError, http.client.HTTPException):
                api.call("POST", "/kubeferry/v1/clock/advance", {"seconds": 1})

        advancing = threading.Thread(target=advance_until_killed, daemon=True)
        advancing.start()
        time.sleep(rng.uniform(0.0, 0.3))
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        stop.set()
        watcher.join(timeout=5)
        advancing.join(timeout=5)
        segments.append(stream)
        server = start_server(data)
        api = Api(server)
    try:
        for _ in range(60):
            api.call("POST", "/kubeferry/v1/clock/advance", {"seconds": 1})
            status, deploy = api.call("GET", f"{DEPLOY}/app")
            st = deploy.get("status") or {}
            if st.get("updatedReplicas") == replicas == st.get("availableReplicas") == st.get("replicas"):
                break
        else:
            pytest.fail(f"rollout did not finish after {cycles} kills: {deploy.get('status')}")
        for name, cycle in acknowledged.items():
            status, cm = api.call("GET", f"/api/v1/namespaces/default/configmaps/{name}")
            assert status == 200 and cm["data"] == {"cycle": cycle}, name
        _, pods = api.call("GET", PODS)
        live = [p for p in pods["items"] if not p["metadata"].get("deletionTimestamp")]
        assert len(live) == replicas
        assert {p["spec"]["containers"][0]["image"] for p in live} == {"alpine:3.6"}
        _, rss = api.call("GET", "/apis/apps/v1/namespaces/default/replicasets")
        owned = {rs["metadata"]["uid"]: rs for rs in rss["items"]}
        assert len(owned) == 2
        revisions = sorted(int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]) for rs in owned.values())
        assert revisions == [1, 2]
        for pod in pods["items"]:
            refs = [r for r in pod["metadata"].get("ownerReferences", []) if r.get("controller")]
            assert len(refs) == 1 and refs[0]["uid"] in owned, f"orphaned pod {pod['metadata']['name']}"
        names = [p["metadata"]["name"] for p in pods["items"]]
        assert len(names) == len(set(names))
        surge = max(1, -(-replicas * 25 // 100))
        for stream in segments:
            counts = live_counts(stream)
            assert not counts or max(counts) <= replicas + surge, max(counts)
    finally:
        server.stop()


def test_kill_9_during_rollout_small(tmp_path):
    run(tmp_path, replicas=int(os.environ.get("KUBEFERRY_CRASH_REPLICAS", "20")), cycles=int(os.environ.get("KUBEFERRY_CRASH_CYCLES", "5")), seed=7)


@pytest.mark.slow
def test_kill_9_during_rollout_full(tmp_path):
    run(tmp_path, replicas=1000, cycles=20, seed=11)
