"""The recorder correlating an Event by its parts (`EventCorrelator.correlate_parts`) and building it only
when it is written leaves the same writes and the same three caches as the plain recorder, which builds
every Event, correlates a copy and remembers the server's answer (`update_state`); also when the server
refuses creates, answers with a copy of its own, or has forgotten a patched Event."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta

import pytest
from test_event_recorder_fast_path import ReferenceRecorder, maps

from kubeferry.controllers.actions import RecordEvent
from kubeferry.controllers.executor import EventRecorder
from kubeferry.machinery import status as st

T0 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


class Server:
    """An Event store that refuses the creates whose message starts with "refuse", forgets an Event
    now and then (so that a patch finds it gone) and logs every request as sent."""

    def __init__(self, rng: random.Random):
        self.stored: dict[str, dict] = {}
        self.calls: list = []
        self.rv = 0
        self.rng = rng

    def _keep(self, obj: dict) -> dict:
        if obj["message"].startswith("refuse"):
            raise st.StatusError(403, "Forbidden", "no")
        name = obj["metadata"]["name"]
        if name in self.stored:
            raise st.StatusError(409, "AlreadyExists", "exists")
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        self.stored[name] = obj
        return obj

    def create(self, obj: dict) -> dict:
        self.calls.append(("create", copy.deepcopy(obj)))
        return copy.deepcopy(self._keep(copy.deepcopy(obj)))

    def patch(self, api_version, kind, namespace, name, patch, patch_type, subresource=""):
        self.calls.append(("patch", name, copy.deepcopy(patch)))
        if name not in self.stored or self.rng.random() < 0.2:
            self.stored.pop(name, None)
            raise st.StatusError(404, "NotFound", "gone")
        self.rv += 1
        patched = {**self.stored[name], **patch}
        patched["metadata"] = {**patched["metadata"], "resourceVersion": str(self.rv)}
        self.stored[name] = patched
        return copy.deepcopy(patched)


class InProcessServer(Server):
    """The same store reached in process: `create_event` keeps the very dict it is sent and answers it."""

    def create_event(self, obj: dict) -> dict:
        self.calls.append(("create", copy.deepcopy(obj)))
        return self._keep(obj)


class CopyingInProcessServer(Server):
    """An in-process `create_event` that answers with a copy of what it stored."""

    def create_event(self, obj: dict) -> dict:
        return self.create(obj)


def stream(seed: int, length: int) -> list[tuple[RecordEvent, str, datetime]]:
    """Records about a few objects (flat references, with metadata, with odd or missing fields) by two
    components, with repeats, similar messages, refusals and instants that repeat, creep and jump."""
    rng = random.Random(seed)
    refs = [
        {"apiVersion": "v1", "kind": "Pod", "namespace": "ns", "name": "p0", "uid": "u0", "resourceVersion": "4"},
        {**{"apiVersion": "v1", "kind": "Pod", "namespace": "ns", "name": "p0", "uid": "u0"}, "fieldPath": "spec.a"},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs", "namespace": "ns", "uid": "u1"}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "uid": "u2"}},
        {"kind": "Pod", "name": "bare"},
    ]
    moment = T0
    out = []
    for _ in range(length):
        moment += timedelta(seconds=rng.choice([*[0] * 60, 1, 299, 301, 601]))
        message = rng.choice(["", "same", "refuse me", *[f"m{i}" for i in range(12)]])
        regarding, type_, reason = rng.choice(refs), rng.choice(["Normal", "Normal", "Warning"]), rng.choice("AAAB")
        component = rng.choice(["kubelet", "kubelet", "rs"])
        # a kubelet reports from the node of the object (the node of p0, the node n1 itself, none for others)
        host = {0: "n2", 1: "n2", 3: "n1"}.get(refs.index(regarding), "") if component == "kubelet" else ""
        out.append((RecordEvent(regarding, type_, reason, message, host), component, moment))
    return out


@pytest.mark.parametrize("seed", [2, 3])
@pytest.mark.parametrize(
    "server", [InProcessServer, CopyingInProcessServer, Server], ids=["in process", "in process, copies", "plain"]
)
def test_recording_by_parts_writes_and_remembers_what_the_plain_recorder_does(seed, server):
    fast_server, plain_server = server(random.Random(seed)), Server(random.Random(seed))
    fast = EventRecorder(fast_server, random.Random(seed))
    plain = ReferenceRecorder(plain_server, random.Random(seed))
    components = set()
    dropped = 0
    for i, (action, component, now) in enumerate(stream(seed, 600)):
        before = len(plain_server.calls)
        fast.record(action, component, now)
        plain.record(action, component, now)
        dropped += len(plain_server.calls) == before
        components.add(component)
        assert fast_server.calls == plain_server.calls, i
        for component in components:
            assert maps(fast.correlator(component)) == maps(plain.correlator(component)), i
    assert fast_server.stored == plain_server.stored
    kinds = {call[0] for call in plain_server.calls}
    messages = [call[1]["message"] for call in plain_server.calls if call[0] == "create"]
    assert kinds == {"create", "patch"}
    assert any(m.startswith("refuse") for m in messages) and any(m.startswith("(combined") for m in messages)
    assert dropped  # by the spam filter


def test_an_event_refused_in_process_is_still_counted_by_its_repeat():
    server = InProcessServer(random.Random(0))
    recorder = EventRecorder(server, random.Random(0))
    pod = {"apiVersion": "v1", "kind": "Pod", "namespace": "ns", "name": "p", "uid": "u"}
    recorder.record(RecordEvent(pod, "Warning", "Failed", "refuse this"), "kubelet", T0)
    recorder.record(RecordEvent(pod, "Warning", "Failed", "refuse this"), "kubelet", T0)
    # the first create was refused; the repeat patches the Event it remembers, finds it gone and creates it
    # again with the count the log kept, which is refused too
    assert [c[0] for c in server.calls] == ["create", "patch", "create"]
    assert server.calls[1][2]["count"] == 2
    assert server.calls[2][1]["count"] == 2
    assert server.calls[2][1]["metadata"]["name"] == server.calls[0][1]["metadata"]["name"]


def test_templates_follow_the_instant():
    server = InProcessServer(random.Random(0))
    recorder = EventRecorder(server, random.Random(0))
    pod = {"apiVersion": "v1", "kind": "Pod", "namespace": "ns", "name": "p", "uid": "u"}
    for second, component in [(0, "a"), (0, "b"), (5, "a"), (5, "b")]:
        recorder.record(
            RecordEvent(pod, "Normal", "R", f"{component}{second}"), component, T0 + timedelta(seconds=second)
        )
    sent = [c[1] for c in server.calls]
    assert [(e["firstTimestamp"], e["lastTimestamp"], e["reportingComponent"], e["source"]) for e in sent] == [
        ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z", "a", {"component": "a"}),
        ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z", "b", {"component": "b"}),
        ("2024-05-01T10:00:05Z", "2024-05-01T10:00:05Z", "a", {"component": "a"}),
        ("2024-05-01T10:00:05Z", "2024-05-01T10:00:05Z", "b", {"component": "b"}),
    ]
    assert list(sent[0]) == [
        "apiVersion",
        "kind",
        "metadata",
        "involvedObject",
        "reason",
        "message",
        "type",
        "source",
        "firstTimestamp",
        "lastTimestamp",
        "count",
        "eventTime",
        "reportingComponent",
        "reportingInstance",
    ]
    # every stored Event has dicts of its own
    assert len({id(e["source"]) for e in server.stored.values()}) == 4
    assert len({id(e["involvedObject"]) for e in server.stored.values()}) == 4
