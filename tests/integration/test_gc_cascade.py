"""Cascading deletion end to end on the in-process control plane: Foreground, Orphan and Background
propagation of a Deployment's or ReplicaSet's deletion, as upstream's garbage collector carries them out."""

from __future__ import annotations

import pytest

from kubeferry import Cluster


def deployment(replicas: int = 3) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "alpine:3.5"}]},
            },
        },
    }


def names(c: Cluster, api_version: str, kind: str) -> list[str]:
    return sorted(o["metadata"]["name"] for o in c.list(api_version, kind, "default"))


def delete(c: Cluster, api_version: str, kind: str, name: str, propagation: str) -> None:
    c._call(c.control.transport.delete, api_version, kind, "default", name, {"propagationPolicy": propagation})


@pytest.fixture
def cluster(tmp_path):
    with Cluster(clock="virtual", nodes=2, data_dir=tmp_path / "c", serve=False) as c:
        c.apply(deployment())
        c.advance(10)
        assert len(names(c, "v1", "Pod")) == 3
        yield c


def test_foreground_deletion_removes_dependents_before_the_owner(cluster):
    c = cluster
    seen: list[tuple[str, str, str, tuple]] = []

    def record(event) -> None:
        if event.kind in ("pods", "apps/replicasets", "apps/deployments"):
            meta = event.entry.obj["metadata"]
            seen.append((event.type, event.kind, event.name, tuple(meta.get("finalizers") or ())))

    c.store.listeners.append(record)
    delete(c, "apps/v1", "Deployment", "web", "Foreground")
    c.advance(60)
    assert c.get("apps/v1", "Deployment", "default", "web") is None
    assert names(c, "apps/v1", "ReplicaSet") == []
    assert names(c, "v1", "Pod") == []
    removed = [kind for change, kind, _, _ in seen if change == "DELETED"]
    assert removed == ["pods"] * 3 + ["apps/replicasets", "apps/deployments"]
    # Each owner waited with the foreground finalizer until its dependents were gone.
    assert ("MODIFIED", "apps/deployments", "web", ("foregroundDeletion",)) in seen
    assert any(k == "apps/replicasets" and f == ("foregroundDeletion",) for t, k, _, f in seen if t == "MODIFIED")


def test_orphan_deletion_keeps_the_pods_without_their_owner(cluster):
    c = cluster
    [rs] = names(c, "apps/v1", "ReplicaSet")
    pods = names(c, "v1", "Pod")
    delete(c, "apps/v1", "Deployment", "web", "Orphan")
    c.advance(5)
    assert c.get("apps/v1", "Deployment", "default", "web") is None
    assert names(c, "apps/v1", "ReplicaSet") == [rs]
    delete(c, "apps/v1", "ReplicaSet", rs, "Orphan")
    c.advance(60)
    assert names(c, "apps/v1", "ReplicaSet") == []
    assert names(c, "v1", "Pod") == pods
    assert all(not p["metadata"].get("ownerReferences") for p in c.list("v1", "Pod", "default"))


def test_background_deletion_collects_the_dependents_after_the_owner(cluster):
    c = cluster
    delete(c, "apps/v1", "Deployment", "web", "Background")
    assert c.get("apps/v1", "Deployment", "default", "web") is None
    c.advance(60)
    assert names(c, "apps/v1", "ReplicaSet") == []
    assert names(c, "v1", "Pod") == []
