"""The recorder's short path (spam key from the event's parts, time text per instant, no copies of its
own events) writes exactly what building the whole Event and correlating a copy of it writes."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta

import pytest

from kubeferry.controllers import events
from kubeferry.controllers.actions import RecordEvent
from kubeferry.controllers.executor import EventRecorder
from kubeferry.machinery import status as st
from kubeferry.machinery.podutil import format_time

T0 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


class Store:
    """Keeps what it is sent (a deep copy, as the API server would), answers with its own copy."""

    def __init__(self):
        self.stored: dict[str, dict] = {}
        self.calls: list = []
        self.rv = 0

    def create(self, obj: dict) -> dict:
        self.calls.append(("create", copy.deepcopy(obj)))
        name = obj["metadata"]["name"]
        if name in self.stored:
            raise st.StatusError(409, "AlreadyExists", "exists")
        self.rv += 1
        kept = copy.deepcopy(obj)
        kept["metadata"]["resourceVersion"] = str(self.rv)
        self.stored[name] = kept
        return copy.deepcopy(kept)

    def patch(self, api_version, kind, namespace, name, patch, patch_type, subresource=""):
        self.calls.append(("patch", name, copy.deepcopy(patch)))
        if name not in self.stored:
            raise st.StatusError(404, "NotFound", "gone")
        self.rv += 1
        self.stored[name] = {**self.stored[name], **patch}
        self.stored[name]["metadata"] = {**self.stored[name]["metadata"], "resourceVersion": str(self.rv)}
        return copy.deepcopy(self.stored[name])


class ReferenceRecorder(EventRecorder):
    """The recorder written plainly: the whole Event first, its keys read back from it, a copy correlated."""

    def record(self, action, component, now):
        regarding = action.regarding
        meta = regarding.get("metadata") or {}
        involved = {
            "kind": regarding.get("kind", ""),
            "namespace": meta.get("namespace", regarding.get("namespace", "")),
            "name": meta.get("name", regarding.get("name", "")),
            "uid": meta.get("uid", regarding.get("uid", "")),
            "apiVersion": regarding.get("apiVersion", ""),
            "resourceVersion": meta.get("resourceVersion", regarding.get("resourceVersion", "")),
        }
        if regarding.get("fieldPath"):
            involved["fieldPath"] = regarding["fieldPath"]
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": self._name(involved["name"], now),
                "namespace": involved["namespace"] or "default",
            },
            "involvedObject": {k: v for k, v in involved.items() if v},
            "reason": action.reason,
            "message": action.message,
            "type": action.type,
            "source": {"component": component, "host": action.host} if action.host else {"component": component},
            "firstTimestamp": format_time(now),
            "lastTimestamp": format_time(now),
            "count": 1,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": action.host,
        }
        correlator = self.correlator(component)
        result = correlator.correlate(copy.deepcopy(event), now)
        if result.skip:
            return
        written = self._write(copy.deepcopy(result.event), result.patch)
        if written is not None:
            correlator.update_state(written)


POD_REF = {
    "apiVersion": "v1",
    "kind": "Pod",
    "namespace": "shop",
    "name": "web-1",
    "uid": "u-web-1",
    "resourceVersion": "12",
    "fieldPath": "spec.containers{app}",
}
REPLICASET = {
    "apiVersion": "apps/v1",
    "kind": "ReplicaSet",
    "metadata": {"name": "web", "namespace": "shop", "uid": "u-web", "resourceVersion": "3"},
}
CLUSTER_OBJECT = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1", "uid": "u-node"}}
EMPTY_META_NAMESPACE = {
    "apiVersion": "v1",
    "kind": "Pod",
    "namespace": "top-level",
    "uid": "u-top",
    "metadata": {"name": "odd", "namespace": ""},
}
FLAT_NO_UID = {"apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "bare"}


def scenario(name: str) -> list[tuple[RecordEvent, str, datetime]]:
    moments = [T0 + timedelta(seconds=s) for s in (0, 0, 0, 1, 1, 30, 400, 700)]
    if name == "kubelet lifecycle":
        reasons = ["Pulling", "Pulled", "Created", "Started", "Killing"]
        return [(RecordEvent(POD_REF, "Normal", r, f"{r} app"), "kubelet", moments[i]) for i, r in enumerate(reasons)]
    if name == "repeats count on one Event":
        return [(RecordEvent(REPLICASET, "Warning", "FailedCreate", "quota"), "rs", m) for m in moments]
    if name == "similar messages combine":
        return [
            (RecordEvent(REPLICASET, "Normal", "SuccessfulCreate", f"Created pod: web-{i}"), "rs", T0)
            for i in range(14)
        ]
    if name == "a burst is rate limited":
        return [(RecordEvent(POD_REF, "Warning", f"R{i}", "m"), "kubelet", T0) for i in range(30)]
    if name == "equal instants as separate objects":
        return [
            (RecordEvent(POD_REF, "Normal", "Pulled", "same"), "kubelet", datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC))
            for _ in range(4)
        ]
    if name == "a recreated object and a Warning have their own buckets":
        burst = [(RecordEvent(POD_REF, "Normal", f"R{i}", "m"), "kubelet", T0) for i in range(26)]
        recreated = {**POD_REF, "uid": "u-web-1-again"}
        return [
            *burst,
            (RecordEvent(recreated, "Normal", "R0", "m"), "kubelet", T0),
            (RecordEvent(POD_REF, "Warning", "R0", "m"), "kubelet", T0),
            (RecordEvent({**POD_REF, "fieldPath": "spec.containers{side}"}, "Normal", "R0", "m"), "kubelet", T0),
        ]
    if name == "two kubelets: their own sources and buckets":
        # The same pod's events from two nodes' kubelets: one bucket each (the host is in the keys), so
        # neither the burst of one rate-limits the other nor do their equal events count on one Event.
        burst = [(RecordEvent(POD_REF, "Normal", f"R{i}", "m", "node-1"), "kubelet", T0) for i in range(26)]
        return [
            *burst,
            (RecordEvent(POD_REF, "Normal", "R0", "m", "node-2"), "kubelet", T0),
            (RecordEvent(POD_REF, "Normal", "R0", "m", "node-2"), "kubelet", T0),
            (RecordEvent(POD_REF, "Normal", "R0", "m"), "kubelet", T0),
        ]
    if name == "odd references":
        refs = [CLUSTER_OBJECT, EMPTY_META_NAMESPACE, FLAT_NO_UID, {"kind": "Pod"}]
        return [(RecordEvent(ref, "Normal", "Seen", "x"), "c", moments[i]) for i, ref in enumerate(refs)]
    raise KeyError(name)


SCENARIOS = [
    "kubelet lifecycle",
    "repeats count on one Event",
    "similar messages combine",
    "a burst is rate limited",
    "equal instants as separate objects",
    "a recreated object and a Warning have their own buckets",
    "two kubelets: their own sources and buckets",
    "odd references",
]


@pytest.mark.parametrize("name", SCENARIOS)
def test_recorder_writes_what_the_plain_recorder_writes(name):
    fast_store, plain_store = Store(), Store()
    fast = EventRecorder(fast_store, random.Random(3))
    plain = ReferenceRecorder(plain_store, random.Random(3))
    for action, component, now in scenario(name):
        fast.record(action, component, now)
        plain.record(action, component, now)
    assert fast_store.calls == plain_store.calls
    assert fast_store.stored == plain_store.stored
    assert fast_store.calls  # the scenario wrote something


def test_recorder_falls_back_to_default_namespace_and_drops_empty_fields():
    store = Store()
    EventRecorder(store, random.Random(1)).record(RecordEvent(CLUSTER_OBJECT, "Normal", "Seen", "x"), "c", T0)
    ((_, sent),) = store.calls
    assert sent["metadata"]["namespace"] == "default"
    assert sent["involvedObject"] == {"kind": "Node", "name": "node-1", "uid": "u-node", "apiVersion": "v1"}
    assert sent["firstTimestamp"] == sent["lastTimestamp"] == "2024-05-01T10:00:00Z"


def test_correlating_an_owned_event_answers_as_a_copy_does():
    owned, copied = events.EventCorrelator(), events.EventCorrelator()
    base = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "p.1", "namespace": "ns"},
        "involvedObject": {"kind": "Pod", "namespace": "ns", "name": "p", "uid": "u"},
        "reason": "BackOff",
        "type": "Warning",
        "source": {"component": "kubelet"},
        "firstTimestamp": "2024-05-01T10:00:00Z",
        "lastTimestamp": "2024-05-01T10:00:00Z",
        "count": 1,
    }
    for i, message in enumerate(["a", "a", "b", "a", *[f"m{j}" for j in range(10)]]):
        event = {**copy.deepcopy(base), "message": message}
        given = copy.deepcopy(event)
        mine = owned.correlate(copy.deepcopy(event), T0 + timedelta(seconds=i), owned=True)
        theirs = copied.correlate(given, T0 + timedelta(seconds=i))
        assert given == event  # a caller's event is never changed
        assert (mine.skip, mine.event, mine.patch) == (theirs.skip, theirs.event, theirs.patch)
        if not mine.skip:
            stored = {**mine.event, "metadata": {**mine.event["metadata"], "resourceVersion": str(i + 1)}}
            owned.update_state(stored)
            copied.update_state(copy.deepcopy(stored))


# ---- the correlator's owned path against its plain one ------------------------------------------


def random_stream(seed: int, length: int) -> list[tuple[dict, datetime]]:
    """Events over a few objects, reasons and messages, at instants that repeat, creep and jump."""
    rng = random.Random(seed)
    moment = T0
    stream = []
    for _ in range(length):
        moment += timedelta(seconds=rng.choice([*[0] * 150, 1, 7, 301, 601]))
        name = f"p{rng.randrange(3)}"
        involved = {"kind": "Pod", "namespace": "ns", "name": name, "uid": f"u-{name}", "apiVersion": "v1"}
        if rng.random() < 0.5:
            involved["fieldPath"] = "spec.containers{app}"
        stamp = format_time(moment)
        stream.append(
            (
                {
                    "apiVersion": "v1",
                    "kind": "Event",
                    "metadata": {"name": f"{name}.{len(stream):x}", "namespace": "ns"},
                    "involvedObject": involved,
                    "reason": rng.choice(["A", "A", "A", "B"]),
                    "message": rng.choice(["", *[f"m{i}" for i in range(12)]]),
                    "type": rng.choice(["Normal", "Warning"]),
                    "source": {"component": "c"},
                    "firstTimestamp": stamp,
                    "lastTimestamp": stamp,
                    "count": 1,
                    "eventTime": None,
                    "reportingComponent": "c",
                    "reportingInstance": "",
                },
                moment,
            )
        )
    return stream


def maps(correlator: events.EventCorrelator) -> list:
    """The three LRUs' entries, oldest first (the similar-events record as its message list)."""
    similar = [(k, list(v[0]), v[1]) for k, v in correlator._similar._items.items()]
    return [similar, list(correlator._log._items.items()), list(correlator._buckets._items.items())]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("lru_entries", [3, 8, 4096])
def test_owned_correlation_answers_and_remembers_as_the_plain_one(seed, lru_entries):
    def names(ref_name, now):
        return f"{ref_name}.combined"

    plain = events.EventCorrelator(lru_entries=lru_entries, make_name=names)
    owned = events.EventCorrelator(lru_entries=lru_entries, make_name=names)
    written = dropped = combined = patched = 0
    for i, (event, now) in enumerate(random_stream(seed, 400)):
        base = events.spam_key(event)
        group = events.aggregate_key(event, base)[0]
        key = events.event_key(event)
        expected = plain.correlate(copy.deepcopy(event), now)
        answer = owned.correlate_owned(copy.deepcopy(event), now, base, group, key)
        if expected.skip:
            assert answer is None
            dropped += 1
        else:
            combined += expected.event["message"].startswith(events.COMBINED_PREFIX)
            patched += expected.patch is not None
            assert answer == (expected.event, expected.patch)
            # the server's copy: a new resourceVersion, and now and then a message it changed
            stored = copy.deepcopy(expected.event)
            stored["metadata"]["resourceVersion"] = str(i)
            if i % 13 == 0:
                stored["message"] = "changed by the server"
            plain.update_state(copy.deepcopy(stored))
            owned.update_state(stored)
            written += 1
        assert maps(owned) == maps(plain)
    assert written > 150 and patched  # the stream reaches every branch
    if lru_entries > 3:  # with room for an object's entries, bursts are dropped and similar events combined
        assert dropped and combined


def test_owned_correlation_with_a_custom_spam_key_takes_the_plain_path():
    def per_reason(event: dict) -> tuple:
        return (event["reason"],)

    plain = events.EventCorrelator(burst=2, spam_key=per_reason)
    owned = events.EventCorrelator(burst=2, spam_key=per_reason)
    for i, (event, now) in enumerate(random_stream(5, 60)):
        base = events.spam_key(event)
        group = events.aggregate_key(event, base)[0]
        key = events.event_key(event)
        expected = plain.correlate(copy.deepcopy(event), now)
        answer = owned.correlate_owned(copy.deepcopy(event), now, base, group, key)
        assert answer == (None if expected.skip else (expected.event, expected.patch)), i


def test_event_names_grow_in_the_order_events_are_made():
    # The first name at an instant ends in its nanoseconds plus randrange(1 << 20), the next ones count
    # up; a later instant starts afresh unless that would go below a number given before.
    recorder = EventRecorder(Store(), random.Random(11))
    reference = random.Random(11)
    nanos = int(T0.timestamp() * 1e9)
    first = nanos + reference.randrange(1 << 20)
    assert [recorder._name(f"p{i}", T0) for i in range(200)] == [f"p{i}.{first + i:x}" for i in range(200)]
    later = T0 + timedelta(seconds=1)
    start = int(later.timestamp() * 1e9) + reference.randrange(1 << 20)
    assert recorder._name("q", later) == f"q.{start:x}"
    # Instants 1 µs apart: a start below the numbers already given gives way to the count.
    number = start
    moment = later
    for _ in range(50):
        moment += timedelta(microseconds=1)
        own = int(moment.timestamp() * 1e9) + reference.randrange(1 << 20)
        number = max(own, number + 1)
        assert recorder._name("r", moment) == f"r.{number:x}"


def test_recorded_events_are_named_in_the_order_they_are_made():
    store = Store()
    recorder = EventRecorder(store, random.Random(5))
    for reason in ("Scheduled", "Pulled", "Created", "Started"):
        recorder.record(RecordEvent(POD_REF, "Normal", reason, reason), "kubelet", T0)
    names = [call[1]["metadata"]["name"] for call in store.calls]
    assert [call[1]["reason"] for call in sorted(store.calls, key=lambda c: c[1]["metadata"]["name"])] == [
        "Scheduled",
        "Pulled",
        "Created",
        "Started",
    ]
    assert len(set(names)) == 4


def test_a_generator_of_its_own_is_asked_for_randrange():
    class Fixed(random.Random):
        def randrange(self, *args, **kwargs):
            return 255

    store = Store()
    EventRecorder(store, Fixed(0)).record(RecordEvent(FLAT_NO_UID, "Normal", "Seen", "x"), "c", T0)
    ((_, sent),) = store.calls
    assert sent["metadata"]["name"] == f"bare.{int(T0.timestamp() * 1e9) + 255:x}"


def test_a_replaced_transport_receives_the_next_events():
    first, second = Store(), Store()
    recorder = EventRecorder(first, random.Random(2))
    recorder.record(RecordEvent(FLAT_NO_UID, "Normal", "Seen", "x"), "c", T0)
    recorder.transport = second
    recorder.record(RecordEvent(FLAT_NO_UID, "Normal", "Seen", "y"), "c", T0)
    assert [c[1]["message"] for c in first.calls] == ["x"]
    assert [c[1]["message"] for c in second.calls] == ["y"]


def test_a_kubelets_events_name_its_node_as_source_and_instance():
    store = Store()
    recorder = EventRecorder(store, random.Random(0))
    for i in range(26):  # a burst past the spam filter's 25 from node-1's kubelet
        recorder.record(RecordEvent(POD_REF, "Normal", f"R{i}", "m", "node-1"), "kubelet", T0)
    recorder.record(RecordEvent(POD_REF, "Normal", "R0", "m", "node-2"), "kubelet", T0)
    created = [call[1] for call in store.calls if call[0] == "create"]
    assert len(created) == 26  # node-1's 26th is dropped; node-2's kubelet has a bucket of its own
    assert created[-1]["source"] == {"component": "kubelet", "host": "node-2"}
    assert created[-1]["reportingInstance"] == "node-2" and created[-1]["count"] == 1
    assert created[0]["source"] == {"component": "kubelet", "host": "node-1"}
