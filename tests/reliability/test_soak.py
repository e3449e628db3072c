"""A bounded soak on loopback: mixed reads, writes and watches that drop abruptly.  After warm-up,
the server's memory and open file descriptors stay flat and every request is answered.

CI runs a short soak (`KUBEFERRY_SOAK_SECONDS`, default 8 s); `-m slow` runs two minutes.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import ssl
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from conftest import start_server  # noqa: E402

CM = "/api/v1/namespaces/default/configmaps"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def soak(tmp_path, seconds: float) -> dict:
    server = start_server(tmp_path / "soak", "--no-controllers")
    host, port = server.url.removeprefix("https://").rsplit(":", 1)
    context = ssl.create_default_context(cafile=str(server.data_dir / "ca.crt"))
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    failures: list[str] = []
    counts = {"requests": 0, "watches": 0}
    stop = threading.Event()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
        while not stop.is_set():
            name = f"s{rng.randrange(20)}"
            choice = rng.random()
            try:
                if choice < 0.5:
                    conn.request("GET", f"{CM}?limit=50", headers=headers)
                elif choice < 0.8:
                    body = json.dumps({"metadata": {"name": name}, "data": {"n": str(rng.random())}}).encode()
                    conn.request("PUT", f"{CM}/{name}", body=body, headers=headers)
                else:
                    conn.request("DELETE", f"{CM}/{name}", headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 500:
                    failures.append(f"{response.status}")
                counts["requests"] += 1
            except (OSError, http.client.HTTPException) as e:
                failures.append(repr(e))
                conn.close()
                conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
        conn.close()

    def rude_watcher(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            raw = socket.create_connection((host, int(port)), timeout=10)
            sock = context.wrap_socket(raw, server_hostname="localhost")
            sock.sendall(f"GET {CM}?watch=true HTTP/1.1\r\nHost: {host}\r\nAuthorization: {headers['Authorization']}\r\n\r\n".encode())
            time.sleep(rng.uniform(0.05, 0.4))
            sock.close()  # drop the watch without a goodbye
            counts["watches"] += 1

    pid = server.process.pid
    for i in range(20):
        body = json.dumps({"metadata": {"name": f"s{i}"}, "data": {"n": "0"}}).encode()
        conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
        conn.request("POST", CM, body=body, headers=headers)
        conn.getresponse().read()
        conn.close()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(8)]
    threads += [threading.Thread(target=rude_watcher, args=(100 + i,), daemon=True) for i in range(8)]
    for t in threads:
        t.start()
    time.sleep(seconds / 3)
    warm_rss, warm_fds = rss_kib(pid), open_fds(pid)
    time.sleep(seconds * 2 / 3)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    time.sleep(1.0)
    end_rss, end_fds = rss_kib(pid), open_fds(pid)
    server.stop()
    return {
        "failures": failures,
        "requests": counts["requests"],
        "watches": counts["watches"],
        "warm_rss": warm_rss,
        "end_rss": end_rss,
        "warm_fds": warm_fds,
        "end_fds": end_fds,
    }


def check(result: dict) -> None:
    assert result["failures"] == []
    assert result["requests"] > 100 and result["watches"] > 10
    assert result["end_fds"] <= result["warm_fds"] + 5, result
    assert result["end_rss"] <= result["warm_rss"] * 1.25 + 4096, result


def test_short_soak(tmp_path):
    check(soak(tmp_path, float(os.environ.get("KUBEFERRY_SOAK_SECONDS", "8"))))


@pytest.mark.slow
def test_two_minute_soak(tmp_path):
    result = soak(tmp_path, 120)
    print(json.dumps(result))
    check(result)
