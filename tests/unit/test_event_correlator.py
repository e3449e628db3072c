"""Event correlation (controllers.events) and the recorder that writes through it (executor).

The correlator cases restate upstream client-go's events_cache_test.go table as facts: a list of
earlier events played through one correlator at a fixed spacing on the cluster clock, then one new
event, and what the correlator answers for it (dropped, or the event with its count and message).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kubeferry.controllers import events
from kubeferry.controllers.actions import RecordEvent
from kubeferry.controllers.executor import EventRecorder
from kubeferry.machinery import status as st

T0 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


def ref(
    kind: str = "Pod", name: str = "my-pod", namespace: str = "my-ns", field_path: str = "spec.containers{mycontainer}"
) -> dict:
    return {
        "kind": kind,
        "name": name,
        "namespace": namespace,
        "uid": "C934D34AFB20242",
        "apiVersion": "version",
        "fieldPath": field_path,
    }


def make_event(reason: str, message: str, involved: dict | None = None, type_: str = "Normal") -> dict:
    involved = involved or ref()
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{involved['name']}.first", "namespace": involved["namespace"]},
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": type_,
        "source": {"component": "kubelet", "host": "kubelet.node1"},
        "count": 1,
    }


def at(event: dict, moment: datetime) -> dict:
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {**event, "firstTimestamp": stamp, "lastTimestamp": stamp}


def repeat(n: int, event: dict) -> list[dict]:
    return [event] * n


def unique(n: int) -> list[dict]:
    return [make_event(f"reason-{i}", f"message-{i}", ref(name=f"pod-{i}", namespace=f"ns-{i}")) for i in range(n)]


def similar(n: int, event: dict) -> list[dict]:
    """n events differing from `event` only in their message."""
    return [{**event, "message": f"{event['message']}-{i}-{event['message']}"} for i in range(n)]


def play(
    correlator: events.EventCorrelator, earlier: list[dict], new: dict, spacing: float
) -> tuple[events.Correlated, datetime]:
    """Feed `earlier` then `new`, one every `spacing` seconds, storing what is written as the server would."""
    moment = T0
    for event in earlier:
        result = correlator.correlate(at(event, moment), moment)
        if not result.skip:
            correlator.update_state(result.event)
        moment += timedelta(seconds=spacing)
    return correlator.correlate(at(new, moment), moment), moment


FIRST = make_event("first", "i am first")
DUPLICATE = make_event("duplicate", "me again")
UNIQUE = make_event("unique", "snowflake")
SIMILAR = make_event("similar", "similar message", ref(field_path="spec.containers{container1}"))
OTHER_CONTAINER = make_event("similar", "similar message", ref(field_path="spec.containers{container2}"))
COMBINED = "(combined from similar events): similar message"

# (earlier events, new event, spacing in seconds, expected: "drop" or (count, message))
CORRELATOR_CASES = {
    "a single event is created with count 1": ([], FIRST, 5, (1, "i am first")),
    "the same event again only counts": (repeat(1, DUPLICATE), DUPLICATE, 5, (2, "me again")),
    "the same event counts even past the aggregation threshold": (
        repeat(10, DUPLICATE),
        DUPLICATE,
        30,
        (11, "me again"),
    ),
    "the same event 27 times within 26 s is spam": (repeat(26, DUPLICATE), DUPLICATE, 1, "drop"),
    "thirty unique events about other objects do not touch a new one": (unique(30), UNIQUE, 5, (1, "snowflake")),
    "the 10th distinct message of a reason is combined": (similar(9, SIMILAR), SIMILAR, 5, (1, COMBINED)),
    "an 11th distinct message counts on the combined event": (similar(10, SIMILAR), SIMILAR, 5, (2, COMBINED)),
    "events about another container are separate": (repeat(1, OTHER_CONTAINER), SIMILAR, 5, (1, "similar message")),
    "similar events more than 600 s apart are not combined": (
        similar(9, SIMILAR),
        SIMILAR,
        601,
        (1, "similar message"),
    ),
    "similar events exactly 600 s apart are still combined": (similar(9, SIMILAR), SIMILAR, 600, (1, COMBINED)),
}


@pytest.mark.parametrize("earlier, new, spacing, expected", CORRELATOR_CASES.values(), ids=CORRELATOR_CASES.keys())
def test_correlator(earlier, new, spacing, expected):
    result, moment = play(events.EventCorrelator(), earlier, new, spacing)
    if expected == "drop":
        assert result.skip and result.event is None
        return
    count, message = expected
    assert not result.skip
    event = result.event
    assert (event["count"], event["message"], event["reason"], event["type"]) == (
        count,
        message,
        new["reason"],
        "Normal",
    )
    assert event["involvedObject"] == new["involvedObject"]
    assert event["source"] == new["source"]
    assert event["lastTimestamp"] == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    # One occurrence has equal timestamps; a counted one keeps the first occurrence's.
    assert (event["firstTimestamp"] == event["lastTimestamp"]) == (count == 1)
    assert event["metadata"]["name"].startswith("my-pod.")
    if count > 1:
        assert result.patch == {"count": count, "lastTimestamp": event["lastTimestamp"], "message": message}
    else:
        assert result.patch is None


def test_combined_event_carries_no_reporting_fields():
    reported = {**SIMILAR, "reportingComponent": "kubelet", "reportingInstance": "node1"}
    result, moment = play(events.EventCorrelator(), similar(9, reported), reported, 5)
    assert result.event["message"] == COMBINED
    assert "reportingComponent" not in result.event and "reportingInstance" not in result.event
    assert result.event["metadata"]["name"] == f"my-pod.{int(moment.timestamp() * 1e9):x}"


def reason_spam_key(event: dict) -> tuple:
    involved = event["involvedObject"]
    return (
        event["source"]["component"],
        involved["kind"],
        involved["namespace"],
        involved["name"],
        involved["uid"],
        event["reason"],
    )


# Upstream's spam-filter table: burst 1, an "original" event about my-pod, then the new one.
SPAM_CASES = {
    "another reason about the same object is spam with the default key": (
        make_event("duplicate", "me again"),
        None,
        True,
    ),
    "another reason is not spam when the key includes the reason": (
        make_event("duplicate", "me again"),
        reason_spam_key,
        False,
    ),
    "same reason, another message is spam when the key includes the reason": (
        make_event("original", "me again"),
        reason_spam_key,
        True,
    ),
    "a Warning about the same object has its own bucket (type is in the key)": (
        make_event("original", "x", type_="Warning"),
        None,
        False,
    ),
    "the same event about another object has its own bucket": (
        make_event("original", "i am first", ref(name="other")),
        None,
        False,
    ),
}


@pytest.mark.parametrize("new, key, dropped", SPAM_CASES.values(), ids=SPAM_CASES.keys())
def test_spam_filter(new, key, dropped):
    options = {"burst": 1} if key is None else {"burst": 1, "spam_key": key}
    correlator = events.EventCorrelator(**options)
    result, _ = play(correlator, [make_event("original", "i am first")], new, 1)
    assert result.skip is dropped


TOKEN_CASES = {
    # (events at t=0, then (seconds, accepted?) in order)
    "25 pass, the 26th is dropped": (25, [(0, False)]),
    "half a refill is not a token": (25, [(150, False)]),
    "300 s refill one token": (25, [(300, True), (300, False)]),
    "the bucket never holds more than 25": (25, [(300 * 100, True)] + [(300 * 100, True)] * 24 + [(300 * 100, False)]),
}


@pytest.mark.parametrize("burst_used, then", TOKEN_CASES.values(), ids=TOKEN_CASES.keys())
def test_token_bucket(burst_used, then):
    bucket = events.TokenBucket(events.SPAM_QPS, events.SPAM_BURST, T0)
    assert all(bucket.try_accept(T0) for _ in range(burst_used))
    assert [bucket.try_accept(T0 + timedelta(seconds=s)) for s, _ in then] == [ok for _, ok in then]


def test_aggregate_keys_group_by_everything_but_the_message():
    fun = make_event("end-of-world", "it was fun", ref(name="pod1", namespace="other"))
    awful = make_event("end-of-world", "it was awful", ref(name="pod1", namespace="other"))
    bug = make_event("nevermind", "it was a bug", ref(name="pod1", namespace="other"))
    (group_fun, local_fun), (group_awful, local_awful) = events.aggregate_key(fun), events.aggregate_key(awful)
    assert group_fun == group_awful and local_fun != local_awful
    assert events.aggregate_key(bug)[0] != group_fun


def test_caches_are_bounded_lru():
    correlator = events.EventCorrelator(lru_entries=3)
    for i in range(5):
        correlator.correlate(at(make_event("r", "m", ref(name=f"p{i}")), T0), T0)
    assert len(correlator._log) == len(correlator._buckets) == len(correlator._similar) == 3
    # p0 fell out of the dedupe log: seeing it again creates a fresh Event.
    again = correlator.correlate(at(make_event("r", "m", ref(name="p0")), T0), T0)
    assert again.event["count"] == 1 and again.patch is None


# ---- the recorder: what reaches the API ------------------------------------------------------


class FakeTransport:
    """Stores Events by name; applies merge patches; can forget an Event to act as its expiry."""

    def __init__(self):
        self.stored: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []
        self.rv = 0

    def create(self, obj: dict) -> dict:
        name = obj["metadata"]["name"]
        self.calls.append(("create", name))
        if name in self.stored:
            raise st.StatusError(409, "AlreadyExists", f'events "{name}" already exists')
        assert "resourceVersion" not in obj["metadata"]
        self.rv += 1
        stored = {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(self.rv)}}
        self.stored[name] = stored
        return stored

    def patch(self, api_version, kind, namespace, name, patch, patch_type, subresource=""):
        self.calls.append(("patch", name))
        if name not in self.stored:
            raise st.StatusError(404, "NotFound", f'events "{name}" not found')
        self.rv += 1
        merged = {**self.stored[name], **patch}
        merged["metadata"] = {**merged["metadata"], "resourceVersion": str(self.rv)}
        self.stored[name] = merged
        return merged


REPLICASET = {
    "apiVersion": "apps/v1",
    "kind": "ReplicaSet",
    "metadata": {"name": "web-1", "namespace": "default", "uid": "u1"},
}


def created(i: int) -> RecordEvent:
    return RecordEvent(REPLICASET, "Normal", "SuccessfulCreate", f"Created pod: web-1-{i}")


def test_recorder_counts_combines_and_rate_limits_one_object():
    transport = FakeTransport()
    recorder = EventRecorder(transport)
    for i in range(30):  # one instant: 9 distinct Events, then one combined Event
        recorder.record(created(i), "replicaset-controller", T0)
    assert [c for c, _ in transport.calls].count("create") == 10
    assert [c for c, _ in transport.calls].count("patch") == 15  # 25 writes, then the bucket is empty
    combined = [e for e in transport.stored.values() if e["message"].startswith("(combined")]
    assert len(combined) == 1 and combined[0]["count"] == 16
    assert combined[0]["message"] == "(combined from similar events): Created pod: web-1-24"
    # Dropped events still counted: 300 s later the next one lands with count 1 + 21.
    recorder.record(created(30), "replicaset-controller", T0 + timedelta(seconds=300))
    assert combined[0]["metadata"]["name"] in transport.stored
    latest = transport.stored[combined[0]["metadata"]["name"]]
    assert (latest["count"], latest["message"]) == (22, "(combined from similar events): Created pod: web-1-30")
    assert latest["firstTimestamp"] == "2024-05-01T10:00:00Z" and latest["lastTimestamp"] == "2024-05-01T10:05:00Z"


def test_recorder_state_is_per_component():
    transport = FakeTransport()
    recorder = EventRecorder(transport)
    for _ in range(2):
        recorder.record(created(0), "replicaset-controller", T0)
        recorder.record(created(0), "other-controller", T0)
    counts = sorted((e["source"]["component"], e["count"]) for e in transport.stored.values())
    assert counts == [("other-controller", 2), ("replicaset-controller", 2)]


def test_recorder_recreates_an_expired_event_keeping_its_count():
    transport = FakeTransport()
    recorder = EventRecorder(transport)
    recorder.record(created(0), "replicaset-controller", T0)
    recorder.record(created(0), "replicaset-controller", T0)
    (name,) = transport.stored
    del transport.stored[name]  # the Event's TTL ran out
    recorder.record(created(0), "replicaset-controller", T0 + timedelta(seconds=60))
    assert transport.calls[-2:] == [("patch", name), ("create", name)]
    assert transport.stored[name]["count"] == 3
    # The re-created Event's new resourceVersion is remembered; the next repeat patches it.
    recorder.record(created(0), "replicaset-controller", T0 + timedelta(seconds=61))
    assert transport.calls[-1] == ("patch", name) and transport.stored[name]["count"] == 4


def test_keys_are_upstreams_concatenations():
    event = make_event("Started", "Started container app")
    assert events.spam_key(event) == "kubeletkubelet.node1Podmy-nsmy-podC934D34AFB20242versionNormal"
    group, local = events.aggregate_key(event)
    assert (group, local) == (events.spam_key(event) + "Started", "Started container app")
    assert events.event_key(event) == (
        "kubeletkubelet.node1Podmy-nsmy-podspec.containers{mycontainer}C934D34AFB20242versionNormalStarted"
        "Started container app"
    )


def test_objects_whose_parts_only_split_differently_share_a_spam_bucket_as_upstream():
    # namespace "my-ns" + name "x" and namespace "my-n" + name "sx" concatenate alike: one bucket of 25
    correlator = events.EventCorrelator()
    first = make_event("Started", "a", ref(namespace="my-ns", name="x"))
    second = make_event("Started", "b", ref(namespace="my-n", name="sx"))
    for i in range(25):
        assert not correlator.correlate(at(first if i % 2 else second, T0), T0).skip
    assert correlator.correlate(at(first, T0), T0).skip
    assert correlator.correlate(at(make_event("Started", "c", ref(namespace="other", name="x")), T0), T0).skip is False


def test_null_key_parts_read_as_empty_as_in_go():
    event = make_event("Started", "Started container app", ref(field_path=""))
    nulled = {**event, "involvedObject": {**event["involvedObject"], "fieldPath": None}}
    assert events.event_key(nulled) == events.event_key(event)
    correlator = events.EventCorrelator()
    stored = {**at(nulled, T0), "metadata": {"name": "my-pod.1", "namespace": "my-ns", "resourceVersion": "7"}}
    correlator.update_state(stored)  # the server's copy with a null field: remembered, not an error
    assert correlator._log._items[events.event_key(event)][2:] == ("my-pod.1", "7")
