"""The executor's events: pod creations and deletions reported on the pod's controlling owner, and
RecordEvent actions written in their place among the other actions by a recorder that does not
hold them (the runner's holds them for batches: tests/unit/test_runner.py)."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime

import pytest

from kubeferry.controllers.actions import (
    CreateObject,
    DeleteObject,
    RecordEvent,
    RequeueAfter,
    UpdateStatus,
)
from kubeferry.controllers.executor import EventRecorder, execute
from kubeferry.machinery import status as st

T0 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d9", "uid": "u-rs", "controller": True}
OTHER_OWNER = {"apiVersion": "v1", "kind": "ConfigMap", "name": "cm", "uid": "u-cm"}


def pod(name: str, owners: list[dict]) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "ownerReferences": owners},
    }


class Transport:
    """Records every call in order; creates answer the object as stored, deletes of `refused` fail."""

    def __init__(self, refused: frozenset[str] = frozenset()):
        self.calls: list[tuple] = []
        self.refused = refused
        self.rv = 0

    def create(self, obj: dict) -> dict:
        self.rv += 1
        stored = copy.deepcopy(obj)
        stored["metadata"]["resourceVersion"] = str(self.rv)
        self.calls.append(("create", obj["kind"], stored))
        return stored

    def get(self, api_version, kind, namespace, name):
        return pod(name, [OWNER])

    def delete(self, api_version, kind, namespace, name, options=None):
        if name in self.refused:
            self.calls.append(("delete refused", name))
            raise st.StatusError(500, "InternalError", "disk full")
        self.calls.append(("delete", name, options))

    def update(self, obj, subresource=""):
        self.calls.append(("update", obj["metadata"]["name"], subresource))
        return obj

    def patch(self, *args):
        self.calls.append(("patch", *args[:4]))
        return {}


def events_of(transport: Transport) -> list[tuple]:
    return [
        (c[2]["involvedObject"], c[2]["type"], c[2]["reason"], c[2]["message"])
        for c in transport.calls
        if c[0] == "create" and c[1] == "Event"
    ]


OWNER_REF = {"kind": "ReplicaSet", "namespace": "shop", "name": "web-5d9", "uid": "u-rs", "apiVersion": "apps/v1"}

POD_EVENT_CASES = {
    "a created pod is reported on its controller": (
        "replicaset-controller",
        [CreateObject(pod("web-5d9-a", [OTHER_OWNER, OWNER]))],
        [(OWNER_REF, "Normal", "SuccessfulCreate", "Created pod: web-5d9-a")],
    ),
    "a deleted pod is reported on its controller": (
        "replicaset-controller",
        [DeleteObject("v1", "Pod", "shop", "web-5d9-b", uid="u-b")],
        [(OWNER_REF, "Normal", "SuccessfulDelete", "Deleted pod: web-5d9-b")],
    ),
    "a pod without a controller is not reported": (
        "replicaset-controller",
        [CreateObject(pod("loose", [OTHER_OWNER]))],
        [],
    ),
    "other controllers' pods are not reported": (
        "statefulset-controller",
        [CreateObject(pod("web-0", [OWNER]))],
        [],
    ),
}


@pytest.mark.parametrize("component, actions, expected", POD_EVENT_CASES.values(), ids=POD_EVENT_CASES.keys())
def test_pod_events_are_recorded_on_the_owner(component, actions, expected):
    transport = Transport()
    execute(actions, transport, EventRecorder(transport, random.Random(0)), component, T0, lambda s: None)
    assert events_of(transport) == expected


def test_a_refused_delete_is_reported_and_raised():
    transport = Transport(refused=frozenset({"web-5d9-c"}))
    recorder = EventRecorder(transport, random.Random(0))
    with pytest.raises(st.StatusError):
        execute(
            [DeleteObject("v1", "Pod", "shop", "web-5d9-c")], transport, recorder, "replicaset-controller", T0, print
        )
    assert events_of(transport) == [(OWNER_REF, "Warning", "FailedDelete", "Error deleting: disk full")]


def test_record_event_actions_are_written_in_their_place():
    transport = Transport()
    requeued: list[float] = []
    status = pod("web-5d9-d", [OWNER])
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "uid": "u-n1"}}
    execute(
        [
            UpdateStatus(status),
            RecordEvent(node, "Normal", "First", "one"),
            RequeueAfter(5.0),
            RecordEvent(node, "Warning", "Second", "two"),
            UpdateStatus(status),
        ],
        transport,
        EventRecorder(transport, random.Random(0)),
        "kubelet",
        T0,
        requeued.append,
    )
    assert [(c[0], c[1]) for c in transport.calls] == [
        ("update", "web-5d9-d"),
        ("create", "Event"),
        ("create", "Event"),
        ("update", "web-5d9-d"),
    ]
    assert [e[2] for e in events_of(transport)] == ["First", "Second"]
    assert requeued == [5.0]
