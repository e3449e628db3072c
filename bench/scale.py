"""Server memory with 10,000 pods on 1,000 nodes, and the time to LIST them.

    .venv/bin/python bench/scale.py [--pods 10000] [--nodes 1000]

Creates the objects over HTTPS in a server started with `--no-controllers` (the stored state of
a large cluster), then reports the server's RSS, the median of 5 LISTs of every pod (JSON, as
`kubectl get pods -A -o json` asks) and of 5 Table LISTs (as `kubectl get pods -A` asks).  The
baseline is the RSS of the same server with an empty store, measured in the same run.
Goals: RSS <= 500 MB, LIST of 10,000 pods <= 300 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import ssl
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from conftest import start_server  # noqa: E402

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--nodes", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        server = start_server(Path(work) / "c", "--no-controllers", "--nodes", "0")
        host, port = server.url.removeprefix("https://").rsplit(":", 1)
        context = ssl.create_default_context(cafile=str(server.data_dir / "ca.crt"))
        headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
        empty_rss = rss_mb(server.process.pid)

        def post(paths_bodies) -> None:
            conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=60)
            for path, body in paths_bodies:
                conn.request("POST", path, body=json.dumps(body).encode(), headers=headers)
                response = conn.getresponse()
                response.read()
                assert response.status == 201, response.status
            conn.close()

        nodes = [("/api/v1/nodes", {"metadata": {"name": f"node-{i}"}}) for i in range(args.nodes)]
        pods = [
            (
                "/api/v1/namespaces/default/pods",
                {
                    "metadata": {"name": f"pod-{i}", "labels": {"app": f"app-{i % 100}"}},
                    "spec": {"nodeName": f"node-{i % args.nodes}", "containers": [{"name": "app", "image": "nginx:1.27", "resources": {"requests": {"cpu": "10m"}}}]},
                },
            )
            for i in range(args.pods)
        ]
        begin = time.perf_counter()
        work_items = nodes + pods
        threads = [threading.Thread(target=post, args=(work_items[i::8],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        loaded = time.perf_counter() - begin
        full_rss = rss_mb(server.process.pid)

        def timed_list(accept: str) -> float:
            conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=60)
            samples = []
            for _ in range(5):
                t = time.perf_counter()
                conn.request("GET", "/api/v1/pods", headers={**headers, "Accept": accept})
                body = conn.getresponse().read()
                samples.append(time.perf_counter() - t)
            conn.close()
            assert len(json.loads(body).get("items", json.loads(body).get("rows", []))) == args.pods
            return statistics.median(samples) * 1000

        json_ms = timed_list("application/json")
        table_ms = timed_list(TABLE)
        server.stop()
    print(f"created {args.nodes} nodes and {args.pods} pods over HTTPS in {loaded:.1f} s")
    print(f"server RSS: {full_rss:.0f} MB with them, {empty_rss:.0f} MB empty (goal <= 500 MB)")
    print(f"LIST all pods as JSON: {json_ms:.0f} ms; as a Table: {table_ms:.0f} ms (goal <= 300 ms)")


if __name__ == "__main__":
    main()
