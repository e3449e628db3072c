"""The kill -9 harness shared by the Deployment, DaemonSet and StatefulSet crash loops.

It owns three things:

* `Api` — one HTTPS request per call to a server started by the e2e fixtures (no client library, so
  nothing retries or caches behind the test's back).
* `Recorder` — the recorded pod stream of one server life: a LIST (the snapshot, with its
  resourceVersion) and then a WATCH from exactly that resourceVersion, so replaying snapshot + events
  rebuilds every stored state of the namespace's pods in order.  Invariants are checked on every
  replayed state, not only on live reads at the end.
* `kill_cycles` — per cycle: start a recorder and a writer that creates ConfigMaps as fast as it can
  (every 201 it sees is an acknowledged write that must survive), advance the virtual clock so the
  controllers work, SIGKILL the server after a random delay, restart it from the same data dir.

A state is a dict name -> pod; `replay` yields (resourceVersion, state) after the snapshot and after
each event.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import signal
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from conftest import Server, start_server  # noqa: E402

PODS = "/api/v1/namespaces/default/pods"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
ADVANCE = "/kubeferry/v1/clock/advance"
MAX_KILL_DELAY_SECONDS = 0.3


class Api:
    def __init__(self, server: Server):
        host, port = server.url.removeprefix("https://").rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.context = ssl.create_default_context(cafile=str(server.data_dir / "ca.crt"))
        self.token = server.token

    def connect(self, timeout: float) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=timeout)

    def call(self, method: str, path: str, body=None, ctype: str = "application/json", timeout: float = 120):
        conn = self.connect(timeout)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            conn.request(
                method, path, body=payload, headers={"Authorization": f"Bearer {self.token}", "Content-Type": ctype}
            )
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            conn.close()

    def advance(self, seconds: float) -> None:
        status, body = self.call("POST", ADVANCE, {"seconds": seconds})
        assert status == 200, body


@dataclass
class Recorder:
    """LIST then WATCH from the list's resourceVersion, until the server goes away or `stop()`."""

    api: Api
    snapshot: list = field(default_factory=list)
    snapshot_rv: int = 0
    events: list = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Recorder:
        status, listing = self.api.call("GET", PODS)
        assert status == 200, listing
        self.snapshot = listing["items"]
        self.snapshot_rv = int(listing["metadata"]["resourceVersion"])
        ready = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(ready,), daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def _watch(self, ready: threading.Event) -> None:
        conn = self.api.connect(timeout=600)
        try:
            path = f"{PODS}?watch=true&resourceVersion={self.snapshot_rv}&allowWatchBookmarks=false"
            conn.request("GET", path, headers={"Authorization": f"Bearer {self.api.token}"})
            response = conn.getresponse()
            ready.set()
            assert response.status == 200
            buffer = b""
            while not self._stop.is_set():
                chunk = response.read1(65536)
                if not chunk:
                    return
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                self.events.extend(json.loads(line) for line in lines if line.strip())
        except (OSError, http.client.HTTPException, ValueError):
            return
        finally:
            ready.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    def replay(self) -> Iterator[tuple[int, dict[str, dict]]]:
        state = {p["metadata"]["name"]: p for p in self.snapshot}
        yield self.snapshot_rv, dict(state)
        for event in self.events:
            if event["type"] == "ERROR":
                raise AssertionError(f"watch error in the recorded stream: {event['object']}")
            obj = event["object"]
            if event["type"] == "DELETED":
                state.pop(obj["metadata"]["name"], None)
            else:
                state[obj["metadata"]["name"]] = obj
            yield int(obj["metadata"]["resourceVersion"]), dict(state)


def is_live(pod: dict) -> bool:
    return not pod["metadata"].get("deletionTimestamp")


def is_available(pod: dict) -> bool:
    """Ready and not being deleted (every workload here has minReadySeconds 0)."""
    conditions = (pod.get("status") or {}).get("conditions") or ()
    return is_live(pod) and any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


@dataclass
class CrashRun:
    server: Server
    api: Api
    recorders: list[Recorder]
    acknowledged: dict[str, str]
    kills: int = 0


def _write_until_killed(api: Api, cycle: int, acknowledged: dict[str, str], stop: threading.Event) -> None:
    """Create ConfigMaps one after another; a 201 the client saw is an acknowledged write."""
    for i in range(100000):
        if stop.is_set():
            return
        name = f"ack-{cycle}-{i}"
        try:
            status, _ = api.call(
                "POST", CONFIGMAPS, {"metadata": {"name": name}, "data": {"cycle": str(cycle), "i": str(i)}}, timeout=30
            )
        except (OSError, http.client.HTTPException, ValueError):
            return
        if status == 201:
            acknowledged[name] = f"{cycle}/{i}"


def kill_cycles(data_dir: Path, server: Server, cycles: int, seed: int, advance_seconds: float = 1) -> CrashRun:
    """SIGKILL the server `cycles` times at random moments while the clock advances and writes go on."""
    rng = random.Random(seed)
    api = Api(server)
    run = CrashRun(server, api, [], {})
    for cycle in range(cycles):
        recorder = Recorder(api).start()
        stop = threading.Event()
        writer = threading.Thread(target=_write_until_killed, args=(api, cycle, run.acknowledged, stop), daemon=True)

        def advance_until_killed(api=api) -> None:
            # The server dies mid-request: that is the point.
            with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
                api.call("POST", ADVANCE, {"seconds": advance_seconds})

        advancing = threading.Thread(target=advance_until_killed, daemon=True)
        writer.start()
        advancing.start()
        time.sleep(rng.uniform(0.0, MAX_KILL_DELAY_SECONDS))
        run.server.process.send_signal(signal.SIGKILL)
        run.server.process.wait()
        run.kills += 1
        stop.set()
        for thread in (writer, advancing):
            thread.join(timeout=30)
        recorder.stop()
        run.recorders.append(recorder)
        run.server = start_server(data_dir)
        api = run.api = Api(run.server)
    return run


def advance_until(api: Api, done: Callable[[], bool], step: float, limit: int, what: str) -> int:
    """Advance the virtual clock `step` seconds at a time until `done()`; returns the steps taken."""
    for steps in range(limit):
        if done():
            return steps
        api.advance(step)
    if done():
        return limit
    raise AssertionError(f"{what} did not finish within {limit} steps of {step}s")


def check_acknowledged(api: Api, acknowledged: dict[str, str]) -> None:
    status, listing = api.call("GET", CONFIGMAPS)
    assert status == 200, listing
    stored = {
        cm["metadata"]["name"]: f"{cm['data']['cycle']}/{cm['data']['i']}"
        for cm in listing["items"]
        if cm["metadata"]["name"].startswith("ack-")
    }
    missing = sorted(set(acknowledged) - set(stored))
    assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
    assert all(stored[name] == value for name, value in acknowledged.items())


def controlled_by(pod: dict) -> list[str]:
    return [r["uid"] for r in pod["metadata"].get("ownerReferences", []) if r.get("controller")]
