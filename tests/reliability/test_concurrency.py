"""Concurrent writers never silently overwrite each other (optimistic concurrency over HTTP)."""

from __future__ import annotations

import http.client
import json
import ssl
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from conftest import start_server  # noqa: E402

CLIENTS = 50
INCREMENTS = 4


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("concurrency"), "--no-controllers")
    yield server
    server.stop()


class Client:
    def __init__(self, server):
        host, port = server.url.removeprefix("https://").rsplit(":", 1)
        context = ssl.create_default_context(cafile=str(server.data_dir / "ca.crt"))
        self.conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
        self.token = server.token

    def call(self, method: str, path: str, body: dict | None = None, ctype: str = "application/json") -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=data, headers={"Authorization": f"Bearer {self.token}", "Content-Type": ctype})
        response = self.conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")


CM = "/api/v1/namespaces/default/configmaps"


def test_read_modify_write_loses_no_update(srv):
    client = Client(srv)
    status, _ = client.call("POST", CM, {"metadata": {"name": "counter"}, "data": {"n": "0"}})
    assert status == 201
    conflicts = []
    errors = []

    def worker() -> None:
        mine = Client(srv)
        for _ in range(INCREMENTS):
            while True:
                status, obj = mine.call("GET", f"{CM}/counter")
                obj["data"]["n"] = str(int(obj["data"]["n"]) + 1)
                status, answer = mine.call("PUT", f"{CM}/counter", obj)
                if status == 200:
                    break
                if status == 409 and answer.get("reason") == "Conflict" and "the object has been modified" in answer["message"]:
                    conflicts.append(1)
                    continue
                errors.append((status, answer))
                return

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    _, final = client.call("GET", f"{CM}/counter")
    assert final["data"]["n"] == str(CLIENTS * INCREMENTS)
    assert conflicts, "50 concurrent writers should have collided at least once"


def test_concurrent_json_patches_with_test_op_lose_nothing(srv):
    client = Client(srv)
    client.call("POST", CM, {"metadata": {"name": "patched"}, "data": {"n": "0"}})

    def worker() -> None:
        mine = Client(srv)
        for _ in range(INCREMENTS):
            while True:
                _, obj = mine.call("GET", f"{CM}/patched")
                current = obj["data"]["n"]
                ops = [{"op": "test", "path": "/data/n", "value": current}, {"op": "replace", "path": "/data/n", "value": str(int(current) + 1)}]
                status, _ = mine.call("PATCH", f"{CM}/patched", ops, "application/json-patch+json")
                if status == 200:
                    break
                assert status == 422

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert client.call("GET", f"{CM}/patched")[1]["data"]["n"] == str(20 * INCREMENTS)


def test_concurrent_creates_of_one_name_one_wins(srv):
    results = []
    barrier = threading.Barrier(CLIENTS)

    def worker(i: int) -> None:
        mine = Client(srv)
        barrier.wait()
        status, answer = mine.call("POST", CM, {"metadata": {"name": "once"}, "data": {"by": str(i)}})
        results.append((status, answer.get("reason")))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results).count((201, None)) == 1
    assert sorted(results).count((409, "AlreadyExists")) == CLIENTS - 1
