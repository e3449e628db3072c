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
