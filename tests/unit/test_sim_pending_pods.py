"""The scheduler's queue of unbound pods, kept from the change stream, equals a filtered list of the pods."""

from __future__ import annotations

import random

import pytest

from kubeferry.simulation.catalog import PendingPods


def pod(namespace: str, name: str, node: str = "", deleting: bool = False, version: int = 0) -> dict:
    meta = {"namespace": namespace, "name": name, "resourceVersion": str(version)}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    spec = {"containers": [{"name": "c", "image": "nginx"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def listed_unbound(stored: dict) -> list[dict]:
    """What the scheduler found by listing every pod: unbound, not deleting, by namespace then name."""
    return [
        p
        for _, p in sorted(stored.items())
        if not p["spec"].get("nodeName") and not p["metadata"].get("deletionTimestamp")
    ]


def test_pending_pods_follow_binding_and_deletion():
    pending = PendingPods()
    a, b = pod("default", "a"), pod("apps", "b")
    pending.observe(a, False)
    pending.observe(b, False)
    assert pending.pods() == [b, a]  # namespace "apps" lists before "default"
    bound = pod("default", "a", node="node-1")
    pending.observe(bound, False)
    assert pending.pods() == [b]
    terminating = pod("apps", "b", deleting=True)
    pending.observe(terminating, False)
    assert pending.pods() == []
    pending.observe(terminating, True)
    assert pending.pods() == []


@pytest.mark.parametrize("seed", range(20))
def test_pending_pods_equal_a_filtered_listing(seed):
    rng = random.Random(seed)
    pending, stored = PendingPods(), {}
    names = [(ns, f"p{i}") for ns in ("a", "b", "default") for i in range(6)]
    for version in range(300):
        key = rng.choice(names)
        if key in stored and rng.random() < 0.3:
            pending.observe(stored.pop(key), True)
        else:
            current = stored.get(key)
            node = current["spec"].get("nodeName", "") if current else ""
            deleting = bool(current and current["metadata"].get("deletionTimestamp"))
            step = rng.random()
            if not node and step < 0.3:
                node = rng.choice(("n1", "n2"))
            elif step < 0.4:
                deleting = True
            stored[key] = pod(*key, node=node, deleting=deleting, version=version)
            pending.observe(stored[key], False)
        assert pending.pods() == listed_unbound(stored)
