"""An unschedulable pod waits for a change that may let it fit, as upstream's scheduling queue keeps it.

Upstream moves a pod it could not place back to its active queue when the pod itself changes in a way
that may make it schedulable (anything but its status, resourceVersion, generation, managedFields and
finalizers: `isPodUpdated`), or when the cluster changes (a node, a bound pod leaving).  The scheduler's
own PodScheduled=False write is a status write, so it brings no second attempt: one FailedScheduling
event, count 1, until something relevant happens.
"""

from __future__ import annotations

import pytest

from kubeferry import Cluster
from kubeferry.simulation import catalog


def base_pod(**changes) -> dict:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default", "resourceVersion": "7", "labels": {"app": "a"}},
        "spec": {"containers": [{"name": "c", "image": "nginx"}], "nodeSelector": {"disk": "ssd"}},
        "status": {"phase": "Pending"},
    }
    for path, value in changes.items():
        where = pod
        *parents, last = path.split("__")
        for part in parents:
            where = where.setdefault(part, {})
        where[last] = value
    return pod


@pytest.mark.parametrize(
    ("changes", "relevant"),
    [
        pytest.param({"metadata__resourceVersion": "8"}, False, id="resource-version"),
        pytest.param({"metadata__generation": 2}, False, id="generation"),
        pytest.param({"metadata__finalizers": ["x/y"]}, False, id="finalizers"),
        pytest.param({"metadata__managedFields": [{"manager": "m"}]}, False, id="managed-fields"),
        pytest.param(
            {"status__conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]},
            False,
            id="own-unschedulable-condition",
        ),
        pytest.param({"status__resourceClaimStatuses": [{"name": "gpu"}]}, True, id="resource-claim-statuses"),
        pytest.param({"metadata__labels": {"app": "b"}}, True, id="labels"),
        pytest.param({"metadata__annotations": {"k": "v"}}, True, id="annotations"),
        pytest.param({"spec__nodeSelector": {"disk": "hdd"}}, True, id="node-selector"),
        pytest.param({"spec__tolerations": [{"operator": "Exists"}]}, True, id="tolerations"),
        pytest.param({"spec__schedulingGates": []}, True, id="scheduling-gates"),
    ],
)
def test_which_changes_of_an_unbound_pod_may_make_it_schedulable(changes, relevant):
    before, after = base_pod(), base_pod(**changes)
    assert catalog.may_have_become_schedulable(before, after) is relevant
    keys = catalog._pod_keys("v1", "Pod", after, before, "MODIFIED")
    assert keys == ([("scheduler", "default", "p")] if relevant else [])


def test_a_new_unbound_pod_is_always_looked_at():
    assert catalog._pod_keys("v1", "Pod", base_pod(), None, "ADDED") == [("scheduler", "default", "p")]


def failed_scheduling(c: Cluster) -> list[tuple[int, str]]:
    return [
        (e.get("count"), e["message"])
        for e in c.list("v1", "Event", "default")
        if e["reason"] == "FailedScheduling" and e["involvedObject"]["name"] == "p"
    ]


def test_an_unschedulable_pod_is_tried_again_only_when_it_or_the_cluster_changes(tmp_path):
    with Cluster(clock="virtual", nodes=2, data_dir=tmp_path / "c", serve=False) as c:
        c.advance(1)
        pod = base_pod()
        del pod["metadata"]["resourceVersion"], pod["status"]
        c.apply(pod)
        c.advance(30)
        message = (
            "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. "
            "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
        )
        assert failed_scheduling(c) == [(1, message)]  # its own status write brought no second attempt
        stored = c.get("v1", "Pod", "default", "p")
        assert [x["reason"] for x in stored["status"]["conditions"]] == ["Unschedulable"]

        relabelled = base_pod(metadata__labels={"app": "b"})
        del relabelled["metadata"]["resourceVersion"], relabelled["status"]
        c.apply(relabelled)  # a change that may let it fit: looked at again (and still refused)
        c.advance(1)
        assert failed_scheduling(c) == [(2, message)]

        node = c.get("v1", "Node", "", "kubeferry-node-1")
        node["metadata"]["labels"]["disk"] = "ssd"
        c.apply(node)  # a node change: every unbound pod is looked at
        c.advance(1)
        assert c.get("v1", "Pod", "default", "p")["spec"].get("nodeName") == "kubeferry-node-1"


def test_a_bound_pod_turning_terminal_makes_room_at_once(tmp_path):
    """Upstream's scheduler watches only pods that are neither Succeeded nor Failed: a bound pod turning
    terminal leaves its node's load as a deletion would, and the pods waiting for that room are tried
    again then, not only when the pod is deleted."""

    def whole_node(name: str) -> dict:
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "4"}}}],
            },
        }

    with Cluster(clock="virtual", nodes=1, data_dir=tmp_path / "c", serve=False) as c:
        c.advance(1)
        c.apply(whole_node("first"))
        c.advance(5)
        first = c.get("v1", "Pod", "default", "first")
        assert first["status"]["phase"] == "Running"
        c.apply(whole_node("second"))
        c.advance(5)
        assert not c.get("v1", "Pod", "default", "second")["spec"].get("nodeName")  # no room
        done = c.get("v1", "Pod", "default", "first")
        done["status"]["phase"] = "Succeeded"
        c._call(c.control.transport.update, done, "status")
        c.settle()  # no time passes, nothing is deleted: the phase change alone frees the node
        assert c.get("v1", "Pod", "default", "second")["spec"].get("nodeName") == "kubeferry-node-1"
        assert c.get("v1", "Pod", "default", "first") is not None


def test_a_bound_pod_leaves_the_scheduler_once():
    """Turning terminal, or being deleted while not terminal, has the waiting pods tried again; the
    deletion of a pod already terminal does not (upstream's scheduler no longer sees it)."""
    from kubeferry.simulation import scheduler

    mapper = catalog._freed_capacity(scheduler.NodeLoads(), catalog.PendingPods())
    again = [("scheduler", "", catalog.ALL_PENDING)]
    spec = {"nodeName": "n", "containers": [{"name": "c", "image": "nginx"}]}
    meta = {"name": "p", "namespace": "default", "uid": "u"}
    running = {"metadata": meta, "spec": spec, "status": {"phase": "Running"}}
    done = {"metadata": meta, "spec": spec, "status": {"phase": "Succeeded"}}
    assert mapper("v1", "Pod", running, None, "ADDED") == []
    assert mapper("v1", "Pod", done, running, "MODIFIED") == again
    assert mapper("v1", "Pod", done, done, "MODIFIED") == []
    assert mapper("v1", "Pod", done, None, "DELETED") == []
    assert mapper("v1", "Pod", running, None, "DELETED") == again
