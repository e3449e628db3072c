"""Watch guarantees under load: watchers that reconnect at random see every change exactly once and
in resourceVersion order, or are told 410 and relist; bookmarks carry the current version."""

from __future__ import annotations

import http.client
import json
import random
import ssl
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from conftest import start_server  # noqa: E402

CM = "/api/v1/namespaces/default/configmaps"
WATCHERS = 100
WRITES = 400


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("watch"), "--no-controllers", "--watch-history", "100000")
    yield server
    server.stop()


def connection(server) -> http.client.HTTPSConnection:
    host, port = server.url.removeprefix("https://").rsplit(":", 1)
    return http.client.HTTPSConnection(host, int(port), context=ssl.create_default_context(cafile=str(server.data_dir / "ca.crt")), timeout=60)


def request(server, method: str, path: str, body=None, ctype="application/json"):
    conn = connection(server)
    try:
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers={"Authorization": f"Bearer {server.token}", "Content-Type": ctype})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def stream(server, rv: str, timeout: int, bookmarks: bool = False):
    """Yield watch events until the server ends the stream."""
    conn = connection(server)
    query = f"watch=true&resourceVersion={rv}&timeoutSeconds={timeout}" + ("&allowWatchBookmarks=true" if bookmarks else "")
    conn.request("GET", f"{CM}?{query}", headers={"Authorization": f"Bearer {server.token}"})
    response = conn.getresponse()
    buffer = b""
    try:
        while True:
            chunk = response.read1(65536)
            if not chunk:
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if line.strip():
                    yield json.loads(line)
    finally:
        conn.close()


def test_reconnecting_watchers_see_every_change_once_in_order(srv):
    for i in range(5):
        assert request(srv, "POST", CM, {"metadata": {"name": f"w{i}"}, "data": {"n": "0"}})[0] == 201
    _, listing = request(srv, "GET", CM)
    start_rv = int(listing["metadata"]["resourceVersion"])
    written: list[int] = []
    done = threading.Event()
    results: dict[int, dict] = {}

    def writer() -> None:
        rng = random.Random(1)
        for n in range(1, WRITES + 1):
            name = f"w{rng.randrange(5)}"
            status, obj = request(srv, "PATCH", f"{CM}/{name}", {"data": {"n": str(n)}}, "application/merge-patch+json")
            assert status == 200
            written.append(int(obj["metadata"]["resourceVersion"]))
        done.set()

    def watcher(index: int) -> None:
        rng = random.Random(index)
        last = start_rv
        seen: list[int] = []
        reconnects = 0
        while True:
            finished = done.is_set()
            for event in stream(srv, str(last), rng.choice([1, 1, 2])):
                if event["type"] == "ERROR":
                    results[index] = {"error": event["object"]}
                    return
                rv = int(event["object"]["metadata"]["resourceVersion"])
                seen.append(rv)
                last = rv
            reconnects += 1
            if finished and (not written or last >= max(written)):
                break
        results[index] = {"seen": seen, "reconnects": reconnects}

    threads = [threading.Thread(target=watcher, args=(i,), daemon=True) for i in range(WATCHERS)]
    for t in threads:
        t.start()
    writer()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == WATCHERS
    expected = sorted(written)
    for index, result in results.items():
        assert "error" not in result, (index, result)
        assert result["seen"] == expected, f"watcher {index} saw {len(result['seen'])} of {len(expected)} changes"
    assert sum(r["reconnects"] for r in results.values()) > WATCHERS


def test_watch_from_before_the_window_is_told_410_and_relist_recovers(tmp_path):
    small = start_server(tmp_path / "small", "--no-controllers", "--watch-history", "10")
    try:
        assert request(small, "POST", CM, {"metadata": {"name": "x"}, "data": {"n": "0"}})[0] == 201
        _, first = request(small, "GET", f"{CM}/x")
        for n in range(1, 30):
            request(small, "PATCH", f"{CM}/x", {"data": {"n": str(n)}}, "application/merge-patch+json")
        events = list(stream(small, first["metadata"]["resourceVersion"], 1))
        assert len(events) == 1 and events[0]["type"] == "ERROR"
        status = events[0]["object"]
        assert status["code"] == 410 and status["reason"] == "Expired"
        assert status["message"].startswith(f"too old resource version: {first['metadata']['resourceVersion']} (")
        _, listing = request(small, "GET", CM)
        assert listing["items"][0]["data"] == {"n": "29"}
        request(small, "PATCH", f"{CM}/x", {"data": {"n": "30"}}, "application/merge-patch+json")
        resumed = [e for e in stream(small, listing["metadata"]["resourceVersion"], 1)]
        assert [(e["type"], e["object"]["data"]["n"]) for e in resumed] == [("MODIFIED", "30")]
    finally:
        small.stop()


def test_watch_list_ends_initial_events_with_an_annotated_bookmark(srv):
    request(srv, "POST", CM, {"metadata": {"name": "bm"}, "data": {"n": "0"}})
    _, listing = request(srv, "GET", CM)
    conn = connection(srv)
    conn.request(
        "GET",
        f"{CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1",
        headers={"Authorization": f"Bearer {srv.token}"},
    )
    lines = [json.loads(line) for line in conn.getresponse().read().splitlines() if line.strip()]
    conn.close()
    added = [e for e in lines if e["type"] == "ADDED"]
    assert {e["object"]["metadata"]["name"] for e in added} == {i["metadata"]["name"] for i in listing["items"]}
    bookmark = lines[len(added)]
    assert bookmark["type"] == "BOOKMARK"
    assert bookmark["object"]["kind"] == "ConfigMap" and bookmark["object"]["apiVersion"] == "v1"
    assert bookmark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert int(bookmark["object"]["metadata"]["resourceVersion"]) >= int(listing["metadata"]["resourceVersion"])
