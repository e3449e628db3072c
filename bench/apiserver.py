"""API server benchmarks, each against a baseline measured in the same run.

    .venv/bin/python bench/apiserver.py            # needs `wrk` (Debian: apt-get install wrk)

Baseline: `bench/baseline_app.py`, a trivial ASGI app on the same uvicorn + httptools + uvloop +
TLS stack.  Reported: cold start to /readyz, GET of one object (p50, one keep-alive client),
GET throughput at 32 connections, strategic-merge PATCH throughput at 32 connections (default and
`--durability full`), and watch event latency with 100 watchers (p50/p99).  Loopback only.
Cold start includes the controllers and three simulated nodes; the request benchmarks run the
server with `--no-controllers`, so they measure the API server alone.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kubeferry.cluster import certs  # noqa: E402

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "bench"},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "bench"}},
        "template": {"metadata": {"labels": {"app": "bench"}}, "spec": {"containers": [{"name": "app", "image": "nginx:1"}]}},
    },
}


class Proc:
    def __init__(self, argv: list[str], data_dir: Path):
        self.data_dir = data_dir
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start_kubeferry(data_dir: Path, *extra: str) -> tuple[Proc, str, float]:
    (data_dir / "server.json").unlink(missing_ok=True)
    begin = time.perf_counter()
    proc = Proc([sys.executable, "-m", "kubeferry.cluster.server", "--data-dir", str(data_dir), "--port", "0", *extra], data_dir)
    while not (data_dir / "server.json").exists():
        time.sleep(0.001)
    url = json.loads((data_dir / "server.json").read_text())["url"]
    wait_ready(url, data_dir)
    return proc, url, time.perf_counter() - begin


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_baseline(data_dir: Path) -> tuple[Proc, str, float]:
    port = free_port()
    begin = time.perf_counter()
    argv = [sys.executable, str(ROOT / "bench" / "baseline_app.py"), str(port), str(data_dir / certs.SERVER_CERT), str(data_dir / certs.SERVER_KEY)]
    proc = Proc(argv, data_dir)
    url = f"https://127.0.0.1:{port}"
    wait_ready(url, data_dir)
    return proc, url, time.perf_counter() - begin


def wait_ready(url: str, data_dir: Path) -> None:
    context = ssl.create_default_context(cafile=str(data_dir / certs.CA_CERT))
    host, port = url.removeprefix("https://").rsplit(":", 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.001)
    raise RuntimeError(f"{url} never became ready")


def connection(url: str, data_dir: Path) -> http.client.HTTPSConnection:
    host, port = url.removeprefix("https://").rsplit(":", 1)
    return http.client.HTTPSConnection(host, int(port), context=ssl.create_default_context(cafile=str(data_dir / certs.CA_CERT)))


def request(conn, method: str, path: str, token: str, body: bytes | None = None, ctype: str = "application/json") -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers={"Authorization": f"Bearer {token}", "Content-Type": ctype})
    response = conn.getresponse()
    return response.status, response.read()


def get_p50(url: str, data_dir: Path, path: str, token: str, n: int = 3000) -> float:
    conn = connection(url, data_dir)
    for _ in range(200):
        request(conn, "GET", path, token)
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        request(conn, "GET", path, token)
        samples.append(time.perf_counter() - t)
    conn.close()
    return statistics.median(samples) * 1000


def wrk(url: str, path: str, token: str, *, method: str = "GET", body: str = "", ctype: str = "", seconds: int = 5) -> float:
    if not shutil.which("wrk"):
        return float("nan")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{method}"\n')
        if body:
            script.write(f"wrk.body = {json.dumps(body)}\n")
        script.write(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
        if ctype:
            script.write(f'wrk.headers["Content-Type"] = "{ctype}"\n')
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "-s", script.name, url + path], capture_output=True, text=True).stdout
    os.unlink(script.name)
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"  wrk saw {errors.group(1)} non-2xx responses on {method} {path}", file=sys.stderr)
    return float(match.group(1)) if match else float("nan")


async def watch_latency(url: str, data_dir: Path, token: str, watchers: int = 100, writes: int = 200) -> tuple[float, float]:
    host, port = url.removeprefix("https://").rsplit(":", 1)
    context = ssl.create_default_context(cafile=str(data_dir / certs.CA_CERT))
    path = "/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dlat&resourceVersion=0"
    streams = []
    for _ in range(watchers):
        reader, writer = await asyncio.open_connection(host, int(port), ssl=context)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
        await writer.drain()
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        streams.append((reader, writer))
    latencies: list[float] = []
    sent: dict[str, float] = {}

    async def read(reader) -> None:
        seen = 0
        while seen < writes:
            size_line = await reader.readline()
            size = int(size_line.strip() or b"0", 16)
            chunk = await reader.readexactly(size + 2)
            for line in chunk.splitlines():
                found = re.search(rb'"n":"(\d+)"', line)
                if found:
                    n = found.group(1).decode()
                    if n in sent:
                        latencies.append(time.perf_counter() - sent[n])
                        seen += 1

    readers = [asyncio.create_task(read(r)) for r, _ in streams]
    loop = asyncio.get_running_loop()
    conn = connection(url, data_dir)
    status, body = request(conn, "POST", "/api/v1/namespaces/default/configmaps", token, json.dumps({"metadata": {"name": "lat"}, "data": {"n": "x"}}).encode())
    for i in range(writes):
        patch = json.dumps({"data": {"n": str(i)}}).encode()
        sent[str(i)] = time.perf_counter()
        await loop.run_in_executor(None, request, conn, "PATCH", "/api/v1/namespaces/default/configmaps/lat", token, patch, "application/merge-patch+json")
        await asyncio.sleep(0.005)
    await asyncio.wait_for(asyncio.gather(*readers), timeout=60)
    for _, writer in streams:
        writer.close()
    latencies.sort()
    return statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.99) - 1] * 1000


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="kubeferry-bench-"))
    data = work / "kf"
    certs.ensure(data, "127.0.0.1")
    token = certs.admin_token(data)
    rows = []

    starts, base_starts = [], []
    for _ in range(5):
        proc, _, took = start_kubeferry(data, "--memory", "--nodes", "3")
        starts.append(took)
        proc.stop()
        proc, _, took = start_baseline(data)
        base_starts.append(took)
        proc.stop()
    rows.append(("cold start to /readyz (median of 5)", statistics.median(starts) * 1000, statistics.median(base_starts) * 1000, "ms", "<= 300 ms"))

    base, base_url, _ = start_baseline(data)
    # Request benchmarks measure the API server alone: no controllers reacting to the writes.
    proc, url, _ = start_kubeferry(data, "--no-controllers")
    conn = connection(url, data)
    status, _ = request(conn, "POST", "/apis/apps/v1/namespaces/default/deployments", token, json.dumps(DEPLOYMENT).encode())
    assert status == 201, status
    one = "/apis/apps/v1/namespaces/default/deployments/bench"
    rows.append(("GET one object, p50, 1 client", get_p50(url, data, one, token), get_p50(base_url, data, one, token), "ms", "<= 0.5 ms"))
    rows.append(("GET one object, 32 connections (wrk)", wrk(url, one, token), wrk(base_url, one, token), "req/s", ">= 5000/s"))
    smp = json.dumps({"spec": {"template": {"metadata": {"annotations": {"bench": "x"}}}}})
    rows.append(
        (
            "strategic-merge PATCH, 32 connections, durability normal",
            wrk(url, one, token, method="PATCH", body=smp, ctype="application/strategic-merge-patch+json"),
            wrk(base_url, one, token, method="PATCH", body=smp, ctype="application/strategic-merge-patch+json"),
            "req/s",
            ">= 2000/s",
        )
    )
    p50, p99 = asyncio.run(watch_latency(url, data, token))
    rows.append(("watch event latency, 100 watchers, p50", p50, float("nan"), "ms", ""))
    rows.append(("watch event latency, 100 watchers, p99", p99, float("nan"), "ms", "<= 5 ms"))
    proc.stop()

    full_dir = work / "full"
    shutil.copytree(data, full_dir, ignore=shutil.ignore_patterns("state.db*", "server.*"))
    proc, url, _ = start_kubeferry(full_dir, "--durability", "full", "--no-controllers")
    conn = connection(url, full_dir)
    request(conn, "POST", "/apis/apps/v1/namespaces/default/deployments", token, json.dumps(DEPLOYMENT).encode())
    rows.append(
        (
            "strategic-merge PATCH, 32 connections, durability full",
            wrk(url, one, token, method="PATCH", body=smp, ctype="application/strategic-merge-patch+json"),
            float("nan"),
            "req/s",
            "",
        )
    )
    proc.stop()
    base.stop()

    print(f"{'benchmark':58} {'kubeferry':>12} {'baseline':>12} {'ratio':>7}  unit   goal")
    for name, ours, theirs, unit, goal in rows:
        ratio = ours / theirs if theirs == theirs and theirs else float("nan")
        print(f"{name:58} {ours:12.3f} {theirs:12.3f} {ratio:7.2f}  {unit:6} {goal}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
