"""`Registry.create_event` and `InProcessTransport.create_event` (the recorder's way in for its own Events)
answer as `create` does: the same stored object, resourceVersion, watch event, random draws and errors."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from kubeferry.cluster import bootstrap
from kubeferry.cluster.controlplane import InProcessTransport
from kubeferry.machinery.rbac import UserInfo
from kubeferry.machinery.resources import by_gvk
from kubeferry.machinery.status import StatusError
from kubeferry.registry import authorization, registry
from kubeferry.storage.store import Store

EVENT = by_gvk("", "v1", "Event")


def _registry(terminating: str = "") -> registry.Registry:
    reg = registry.Registry(Store(None), now=lambda: datetime(2026, 1, 1, 10, 0, 5, tzinfo=UTC), rng=random.Random(7))
    bootstrap.ensure_system_objects(reg)
    if terminating:
        ns = by_gvk("", "v1", "Namespace")
        reg.create(ns, "", {"metadata": {"name": terminating}, "spec": {"finalizers": ["kubernetes"]}})
        reg.delete(ns, "", terminating)
    return reg


def _sent(name="web-1.17a2b3c4d5e6f708", namespace="default", involved_ns="default", **meta) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": namespace, **meta},
        "involvedObject": {"kind": "Pod", "namespace": involved_ns, "name": "web-1", "uid": "u-1"},
        "reason": "Pulled",
        "message": "Container image present",
        "type": "Normal",
        "source": {"component": "kubelet"},
        "firstTimestamp": "2026-01-01T10:00:05Z",
        "lastTimestamp": "2026-01-01T10:00:05Z",
        "count": 1,
        "eventTime": None,
        "reportingComponent": "kubelet",
        "reportingInstance": "",
    }


def _both(namespace: str, body: dict, terminating: str = ""):
    """(answer of create, answer of create_event, both registries): an answer is the stored raw JSON and
    resourceVersion, or the error's code, message and details."""
    answers, regs = [], []
    for way in ("create", "create_event"):
        reg = _registry(terminating)
        seen: list = []
        reg.store.listeners.append(
            lambda e, seen=seen: seen.append((e.type, e.kind, e.namespace, e.name, e.rv, e.entry.raw))
        )
        obj = _sent() if body is None else {**body, "metadata": dict(body["metadata"])}
        try:
            if way == "create":
                entry = reg.create(EVENT, namespace, obj).entry
            else:
                entry = reg.create_event(namespace, obj)
            answers.append(("stored", entry.raw, entry.rv, seen, reg.rng.random()))
        except StatusError as e:
            answers.append(("refused", e.code, e.message, e.details, seen, reg.rng.random()))
        regs.append(reg)
    return answers[0], answers[1], regs


CASES = [
    pytest.param("default", _sent(), "", id="plain event"),
    pytest.param("default", _sent(name="Web_1.x"), "", id="bad name"),
    pytest.param("default", _sent(name="a" * 250 + ".1f"), "", id="name too long"),
    pytest.param("default", _sent(involved_ns="other"), "", id="involved object elsewhere"),
    pytest.param("default", _sent(involved_ns=""), "", id="cluster-scoped involved object"),
    pytest.param("nowhere", _sent(namespace="nowhere", involved_ns="nowhere"), "", id="namespace missing"),
    pytest.param("Bad_NS", _sent(namespace="Bad_NS", involved_ns=""), "", id="namespace name invalid"),
    pytest.param("gone", _sent(namespace="gone", involved_ns="gone"), "gone", id="namespace terminating"),
    pytest.param("default", _sent(namespace="other"), "", id="namespace differs from the request's"),
    pytest.param("default", _sent(name=""), "", id="no name"),
    pytest.param("default", _sent(labels={"a": "b"}), "", id="labels take the general way"),
    pytest.param("default", _sent(resourceVersion="41"), "", id="resourceVersion is dropped"),
    pytest.param("default", {**_sent(), "apiVersion": "v2"}, "", id="wrong apiVersion"),
]


@pytest.mark.parametrize(("namespace", "body", "terminating"), CASES)
def test_create_event_answers_as_create(namespace, body, terminating):
    general, short, _ = _both(namespace, body, terminating)
    assert short == general


def test_a_stored_event_has_uid_time_and_resource_version_filled_in():
    general, short, (_, reg) = _both("default", _sent(), "")
    stored = reg.store.get("events", "default", "web-1.17a2b3c4d5e6f708").obj
    assert list(stored["metadata"]) == ["name", "namespace", "uid", "creationTimestamp", "resourceVersion"]
    assert stored["metadata"]["creationTimestamp"] == "2026-01-01T10:00:05Z"
    assert stored["metadata"]["resourceVersion"] == str(short[2])


def test_a_taken_name_already_exists():
    reg = _registry()
    reg.create_event("default", _sent())
    with pytest.raises(StatusError) as failure:
        reg.create_event("default", _sent())
    assert (failure.value.code, failure.value.message) == (409, 'events "web-1.17a2b3c4d5e6f708" already exists')


def test_the_creation_time_follows_the_clock():
    reg = _registry()
    moments = iter([datetime(2026, 1, 1, 10, 0, 5, tzinfo=UTC), datetime(2026, 1, 1, 10, 0, 6, tzinfo=UTC)])
    reg.now = lambda: next(moments)
    first = reg.create_event("default", _sent(name="a.1"))
    second = reg.create_event("default", _sent(name="a.2"))
    assert [e.obj["metadata"]["creationTimestamp"] for e in (first, second)] == [
        "2026-01-01T10:00:05Z",
        "2026-01-01T10:00:06Z",
    ]


def _transport(user: UserInfo) -> InProcessTransport:
    reg = _registry()
    bootstrap.ensure_rbac(reg)
    return InProcessTransport(reg, authorization.Authorizer(reg.store), user)


@pytest.mark.parametrize(
    "user",
    [
        pytest.param(UserInfo("system:kube-controller-manager", ("system:authenticated",)), id="controller manager"),
        pytest.param(UserInfo("system:node:n1", ("system:nodes", "system:authenticated")), id="kubelet"),
        pytest.param(UserInfo("nobody", ("system:authenticated",)), id="no rights"),
    ],
)
def test_transport_create_event_authorizes_as_create(user):
    answers = []
    for way in ("create", "create_event"):
        transport = _transport(user)
        try:
            stored = getattr(transport, way)(_sent())
            answers.append(("stored", stored))
        except StatusError as e:
            answers.append(("refused", e.code, e.message))
    assert answers[0] == answers[1]
    expected = "refused" if user.name == "nobody" else "stored"
    assert answers[0][0] == expected


def test_transport_create_event_of_another_kind_takes_create():
    transport = InProcessTransport(_registry())
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}}
    stored = transport.create_event(body)
    assert transport.registry.store.get("configmaps", "default", "c").obj is stored


def test_update_created_keeps_what_update_state_keeps():
    from kubeferry.controllers import events

    stored = {**_sent(), "metadata": {"name": "web-1.1f", "namespace": "default", "resourceVersion": "12"}}
    key = events.event_key(stored)
    by_owned, by_created = events.EventCorrelator(), events.EventCorrelator()
    for correlator in (by_owned, by_created):
        correlator._observations[("older",)] = (1, "", "o", "1")
        correlator._observations[key] = (1, "2026-01-01T10:00:00Z", "web-1.1f", "")
    by_owned.update_state(stored)
    by_created.update_created(key, stored)
    assert list(by_created._observations.items()) == list(by_owned._observations.items())
    assert by_created._observations[key] == (1, "2026-01-01T10:00:05Z", "web-1.1f", "12")


class _GeneralOnly:
    """The in-process transport seen through its general calls only (no `create_event`)."""

    def __init__(self, transport):
        self.create, self.patch, self.get = transport.create, transport.patch, transport.get


def test_the_recorder_stores_and_remembers_the_same_through_create_event():
    from kubeferry.controllers.actions import RecordEvent
    from kubeferry.controllers.executor import EventRecorder

    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "default", "uid": "u-1"}}
    stream = [("Normal", "Pulled", "image present"), ("Normal", "Pulled", "image present")] + [
        ("Warning", "BackOff", f"try {i}") for i in range(12)
    ]
    outcomes = []
    for wrap in (lambda t: t, _GeneralOnly):
        reg = _registry()
        recorder = EventRecorder(wrap(InProcessTransport(reg)), random.Random(5))
        for type_, reason, message in stream:
            recorder.record(RecordEvent(pod, type_, reason, message), "kubelet", reg.now())
        correlator = recorder.correlator("kubelet")
        stored = [(e.rv, e.raw) for e in reg.store.list("events")]
        outcomes.append((stored, list(correlator._observations.items()), list(correlator._records.items())))
    assert outcomes[0] == outcomes[1]
    assert len(outcomes[0][0]) == 11  # one Pulled (patched once), nine BackOff, one combined


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_uids_are_formatted_as_uuid_formats_them(seed):
    import uuid

    draws = random.Random(seed)
    for _ in range(2000):
        bits = draws.getrandbits(128)
        assert registry._uuid4(bits) == str(uuid.UUID(int=bits, version=4))
    assert registry._uuid4(0) == "00000000-0000-4000-8000-000000000000"
