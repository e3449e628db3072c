"""Plain Events (metadata of only name and namespace) are validated by a short path in the registry;
its answer must be the full validation's, error for error."""

from __future__ import annotations

import pytest

from kubeferry.api import validation
from kubeferry.registry import registry


def event(
    name: str = "web-1.17a2b3c4d5e6f708", namespace: str = "default", involved_ns: str = "default", **meta
) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": "0f3c2f0e-0000-4000-8000-000000000001",
            "creationTimestamp": "2026-01-01T00:00:00Z",
            **meta,
        },
        "involvedObject": {"kind": "Pod", "namespace": involved_ns, "name": "web-1"},
        "reason": "Pulled",
        "message": "Container image present",
        "type": "Normal",
        "source": {"component": "kubelet"},
        "count": 1,
    }


CASES = [
    pytest.param(event(), id="valid"),
    pytest.param(event(name="a" * 240 + ".17a2b3c4d5e6f708"), id="name longer than 253"),
    pytest.param(event(name="Web_1.x"), id="name not a DNS subdomain"),
    pytest.param(event(name=""), id="no name"),
    pytest.param(event(namespace="", involved_ns=""), id="no namespace"),
    pytest.param(event(namespace="Bad_NS", involved_ns=""), id="namespace not a DNS label"),
    pytest.param(event(involved_ns="other"), id="involved object in another namespace"),
    pytest.param(event(involved_ns=""), id="cluster-scoped involved object"),
    pytest.param(event(name="-x", namespace="b" * 64, involved_ns="c"), id="several errors in order"),
]


@pytest.mark.parametrize("obj", CASES)
def test_short_path_answers_as_full_validation(obj):
    short = registry._plain_event_errors(obj)
    assert short is not None
    assert short == validation.validate_create(obj)


@pytest.mark.parametrize(
    "meta",
    [
        pytest.param({"labels": {"a": "b"}}, id="labels"),
        pytest.param({"annotations": {"a": "b"}}, id="annotations"),
        pytest.param({"generateName": "web-"}, id="generateName"),
        pytest.param({"finalizers": ["x"]}, id="finalizers"),
    ],
)
def test_events_with_more_metadata_take_the_full_validation(meta):
    assert registry._plain_event_errors(event(**meta)) is None


def _registry():
    import random
    from datetime import UTC, datetime

    from kubeferry.cluster import bootstrap
    from kubeferry.storage.store import Store

    reg = registry.Registry(Store(None), now=lambda: datetime(2026, 1, 1, tzinfo=UTC), rng=random.Random(3))
    bootstrap.ensure_system_objects(reg)
    return reg


def _as_sent(**fields) -> dict:
    """The event as a recorder sends it: uid and creationTimestamp are the registry's to fill in."""
    body = event(**fields)
    for filled in ("uid", "creationTimestamp"):
        body["metadata"].pop(filled)
    return body


def _event_res():
    from kubeferry.machinery.resources import by_gvk

    return by_gvk("", "v1", "Event")


def test_a_plain_event_is_stored_as_the_full_create_stores_it():
    plain, full = _registry(), _registry()
    stored = plain.create(_event_res(), "default", _as_sent()).entry
    # a resourceVersion in the body is dropped, but it sends the create down the general path
    general = full.create(_event_res(), "default", _as_sent(resourceVersion="41")).entry
    assert stored.raw == general.raw
    assert stored.obj == general.obj
    assert list(stored.obj["metadata"]) == ["name", "namespace", "uid", "creationTimestamp", "resourceVersion"]


@pytest.mark.parametrize(
    ("meta", "causes"),
    [
        pytest.param({"name": "Web_1.x"}, [("metadata.name", "FieldValueInvalid")], id="bad-name"),
        pytest.param(
            {"involved_ns": "other"}, [("involvedObject.namespace", "FieldValueInvalid")], id="other-namespace"
        ),
    ],
)
def test_a_plain_event_is_refused_as_the_full_create_refuses_it(meta, causes):
    from kubeferry.machinery.status import StatusError

    answers = []
    for extra in ({}, {"resourceVersion": "41"}):
        with pytest.raises(StatusError) as failure:
            _registry().create(_event_res(), "default", _as_sent(**meta, **extra))
        answers.append((failure.value.code, failure.value.message, failure.value.details))
    assert answers[0] == answers[1]
    assert answers[0][0] == 422
    assert [(c["field"], c["reason"]) for c in answers[0][2]["causes"]] == causes


@pytest.mark.parametrize("dry_run", [False, True], ids=["stored", "dry-run"])
def test_a_plain_event_with_a_taken_name_already_exists(dry_run):
    from kubeferry.machinery.status import StatusError

    reg = _registry()
    reg.create(_event_res(), "default", _as_sent())
    with pytest.raises(StatusError) as failure:
        reg.create(_event_res(), "default", _as_sent(), dry_run=dry_run)
    assert (failure.value.code, failure.value.message) == (409, 'events "web-1.17a2b3c4d5e6f708" already exists')
