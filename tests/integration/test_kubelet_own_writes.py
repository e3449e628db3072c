"""The kubelet is not woken by its own status write, but is by anyone else's.

Upstream's kubelet does not sync a pod again for a change in its status only; ours looks again after
any change except the status write it has just made itself (`catalog.OwnStatusWrites`): that look
would find its own status and do nothing.  A status written by someone else is still corrected at once.
"""

from __future__ import annotations

import copy

import pytest

from kubeferry import Cluster
from kubeferry.simulation import catalog

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "namespace": "default", "uid": "u", "resourceVersion": "5", "labels": {"a": "b"}},
    "spec": {"nodeName": "n", "containers": [{"name": "c", "image": "nginx"}]},
    "status": {"phase": "Running"},
}


def written(pod: dict, **meta) -> dict:
    """`pod` as a status write of the kubelet stores it: the same spec and metadata values, a new status."""
    after = {**pod, "metadata": {**pod["metadata"], "resourceVersion": "6", **meta}, "status": {"phase": "Running"}}
    return after


def keys(own: catalog.OwnStatusWrites, after: dict, before: dict | None, event: str = "MODIFIED") -> list:
    return catalog._kubelet_pod_keys(catalog.KeptObjects(), own)("v1", "Pod", after, before, event)


def test_the_kubelets_own_status_write_wakes_no_pass():
    own = catalog.OwnStatusWrites()
    after = written(POD)
    own.wrote("default", "p", after["status"])
    assert keys(own, after, POD) == []


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda after: after.update(status=copy.deepcopy(after["status"])), id="someone-elses-status"),
        pytest.param(lambda after: after.update(spec={**after["spec"]}), id="spec-replaced"),
        pytest.param(lambda after: after["metadata"].update(labels={"a": "c"}), id="labels"),
        pytest.param(lambda after: after["metadata"].update(deletionTimestamp="2026-01-01T00:00:00Z"), id="deleting"),
    ],
)
def test_any_other_change_wakes_the_kubelet(change):
    own = catalog.OwnStatusWrites()
    after = written(POD)
    own.wrote("default", "p", after["status"])
    change(after)
    assert keys(own, after, POD) == [("kubelet", "default", "p")]


def test_a_write_that_never_came_back_is_forgotten_at_the_next_change():
    own = catalog.OwnStatusWrites()
    lost = {"phase": "Running"}
    own.wrote("default", "p", lost)  # its write failed: the next change is someone else's
    other = written(POD)
    assert keys(own, other, POD) == [("kubelet", "default", "p")]
    again = {**other, "status": lost}  # the same dict later: no longer taken for the kubelet's write
    assert keys(own, again, other) == [("kubelet", "default", "p")]
    own.wrote("default", "p", lost)
    assert keys(own, other, None, "DELETED") == []
    assert keys(own, again, other) == [("kubelet", "default", "p")]


# A pod that starts at once: Running and Ready in the kubelet's first status write.
STARTING = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p"},
    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
}


def test_a_status_written_by_someone_else_is_corrected_at_once(tmp_path):
    with Cluster(clock="virtual", nodes=1, data_dir=tmp_path / "c", serve=False) as c:
        c.advance(1)
        c.apply(STARTING)
        c.advance(5)
        running = c.get("v1", "Pod", "default", "p")
        assert running["status"]["phase"] == "Running" and running["status"]["podIP"]
        forged = copy.deepcopy(running)
        forged["status"]["podIP"] = "10.99.99.99"
        forged["status"]["podIPs"] = [{"ip": "10.99.99.99"}]
        c._call(c.control.transport.update, forged, "status")
        c.settle()  # no time passes: only the change itself can wake the kubelet
        restored = c.get("v1", "Pod", "default", "p")
        assert restored["status"]["podIP"] == running["status"]["podIP"]
        assert restored["metadata"]["resourceVersion"] != forged["metadata"]["resourceVersion"]


def test_a_started_pod_takes_one_kubelet_pass_through_the_real_store(tmp_path):
    """Through the real registry and store the kubelet's status write comes back as that very status
    dict, so the write is recognised: a pod that starts at once (Running and Ready in one write) takes
    a single kubelet pass, not a second one to find its own status."""
    with Cluster(clock="virtual", nodes=1, data_dir=tmp_path / "c", serve=False) as c:
        c.advance(1)
        kubelet = c.control.runner.controllers["kubelet"]
        passes: list[tuple[str, str]] = []
        look = kubelet.reconcile

        def counted(namespace, name, transport, now):
            passes.append((namespace, name))
            return look(namespace, name, transport, now)

        object.__setattr__(kubelet, "reconcile", counted)
        c.apply(STARTING)
        c.advance(5)
        assert c.get("v1", "Pod", "default", "p")["status"]["phase"] == "Running"
        assert passes == [("default", "p")]
