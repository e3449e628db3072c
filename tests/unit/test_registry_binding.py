"""Binding a pod in process: nodeName and PodScheduled in one write, equal to the spec write plus the
status write it replaces; upstream's refusals (a pod being deleted, already on a node, gated) are 409s."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime

import pytest

from kubeferry.cluster import bootstrap
from kubeferry.machinery import resources
from kubeferry.machinery.status import StatusError
from kubeferry.registry.registry import Registry
from kubeferry.simulation import scheduler
from kubeferry.storage.store import Store

POD = resources.by_gvk("", "v1", "Pod")
NOW = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)


def cluster() -> Registry:
    registry = Registry(Store(None), now=lambda: NOW, rng=random.Random(7))
    bootstrap.ensure_system_objects(registry)
    registry.create(
        POD,
        "default",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
    )
    return registry


def test_binding_stores_what_the_spec_and_status_writes_stored_but_keeps_the_generation():
    two, one = cluster(), cluster()
    pod = two.get(POD, "default", "web").obj
    update, _event = scheduler.bind_actions(pod, "node-1", NOW)
    # The two writes binding replaces: the spec with the node, then the status with the condition.
    spec_write = {**update.obj, "status": pod["status"]}
    two.update(POD, "default", "web", copy.deepcopy(spec_write))
    unversioned = {
        **update.obj,
        "metadata": {k: v for k, v in update.obj["metadata"].items() if k != "resourceVersion"},
    }
    two.update(POD, "default", "web", copy.deepcopy(unversioned), subresource="status")
    events = []
    one.store.listeners.append(events.append)
    one.update(POD, "default", "web", copy.deepcopy(update.obj), subresource="binding")
    expected, got = two.get(POD, "default", "web").obj, one.get(POD, "default", "web").obj
    assert got["spec"]["nodeName"] == "node-1"
    assert [c["type"] for c in got["status"]["conditions"]] == ["PodScheduled"]
    strip = lambda o: {  # noqa: E731
        **o,
        "metadata": {k: v for k, v in o["metadata"].items() if k not in ("resourceVersion", "generation")},
    }
    assert strip(got) == strip(expected)
    # the spec write counted a generation; binding goes past the pod strategy and counts none
    assert (got["metadata"]["generation"], expected["metadata"]["generation"]) == (1, 2)
    assert [e.type for e in events] == ["MODIFIED"]


def test_binding_a_stale_copy_is_a_conflict():
    registry = cluster()
    pod = registry.get(POD, "default", "web").obj
    update, _event = scheduler.bind_actions(pod, "node-1", NOW)
    relabelled = copy.deepcopy(pod)
    relabelled["metadata"]["labels"] = {"x": "y"}
    registry.update(POD, "default", "web", relabelled)
    with pytest.raises(StatusError) as failure:
        registry.update(POD, "default", "web", copy.deepcopy(update.obj), subresource="binding")
    assert failure.value.code == 409


def bind(registry: Registry, node: str = "node-1", change=None) -> dict:
    pod = registry.get(POD, "default", "web").obj
    update, _event = scheduler.bind_actions(pod, node, NOW)
    body = copy.deepcopy(update.obj)
    if change is not None:
        change(body)
    return registry.update(POD, "default", "web", body, subresource="binding").entry.obj


def refusal(registry: Registry, **kwargs) -> tuple[int, str]:
    with pytest.raises(StatusError) as failure:
        bind(registry, **kwargs)
    return failure.value.code, failure.value.message


def test_a_pod_already_on_a_node_is_not_bound_again():
    registry = cluster()
    bind(registry, "node-1")
    assert refusal(registry, node="node-2") == (
        409,
        'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "node-1"',
    )
    assert registry.get(POD, "default", "web").obj["spec"]["nodeName"] == "node-1"


def test_a_pod_being_deleted_is_not_bound():
    registry = cluster()
    pod = copy.deepcopy(registry.get(POD, "default", "web").obj)
    pod["metadata"]["finalizers"] = ["example.com/hold"]
    registry.update(POD, "default", "web", pod)
    registry.delete(POD, "default", "web")
    assert refusal(registry) == (
        409,
        'Operation cannot be fulfilled on pods/binding "web": pod web is being deleted, cannot be assigned to a host',
    )


def test_a_gated_pod_is_not_bound():
    registry = cluster()
    pod = copy.deepcopy(registry.get(POD, "default", "web").obj)
    pod["spec"]["schedulingGates"] = [{"name": "example.com/wait"}]
    registry.update(POD, "default", "web", pod)
    assert refusal(registry) == (
        409,
        'Operation cannot be fulfilled on pods/binding "web": pod web has non-empty .spec.schedulingGates',
    )


@pytest.mark.parametrize(
    ("node", "field", "reason"),
    [
        pytest.param("", "target.name", "FieldValueRequired", id="no-node"),
        pytest.param("Node_1", "spec.nodeName", "FieldValueInvalid", id="node-name-not-a-dns-subdomain"),
    ],
)
def test_a_binding_needs_a_valid_node_name(node, field, reason):
    registry = cluster()
    with pytest.raises(StatusError) as failure:
        bind(registry, node)
    assert failure.value.code == 422
    assert [(c["field"], c["reason"]) for c in failure.value.details["causes"]] == [(field, reason)]
    assert "nodeName" not in registry.get(POD, "default", "web").obj["spec"]


def test_binding_takes_only_the_node_and_the_condition_from_the_bound_pod():
    registry = cluster()
    stored = copy.deepcopy(registry.get(POD, "default", "web").obj)

    def smuggle(body):
        body["spec"]["containers"][0]["image"] = "evil"
        body["metadata"]["labels"] = {"x": "y"}
        body["status"]["phase"] = "Running"

    got = bind(registry, change=smuggle)
    assert got["spec"] == {**stored["spec"], "nodeName": "node-1"}
    assert got["metadata"].get("labels") == stored["metadata"].get("labels")
    # binding bypasses the pod strategy, which is what counts spec generations upstream
    assert got["metadata"]["generation"] == stored["metadata"]["generation"] == 1
    assert got["status"] == {
        **stored["status"],
        "conditions": [
            {
                "lastProbeTime": None,
                "lastTransitionTime": "2026-01-01T10:00:00Z",
                "status": "True",
                "type": "PodScheduled",
            }
        ],
    }
