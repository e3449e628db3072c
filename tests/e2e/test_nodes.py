"""Nodes with the real kubectl: drain honours PodDisruptionBudgets; a node whose heartbeat stops
turns unreachable and its pods are evicted and replaced elsewhere (virtual clock)."""

from __future__ import annotations

import json

import pytest
from conftest import advance, start_server

pytestmark = pytest.mark.e2e


@pytest.fixture
def vserver(tmp_path):
    srv = start_server(tmp_path / "nodes", "--clock", "virtual", "--nodes", "3")
    yield srv
    srv.stop()


def pods(server) -> list[dict]:
    return json.loads(server.kubectl("get", "pods", "-o", "json").stdout)["items"]


def test_drain_respects_the_disruption_budget(vserver):
    assert vserver.kubectl("create", "deployment", "web", "--image=nginx:1.25", "--replicas=3").returncode == 0
    assert vserver.kubectl("create", "pdb", "web", "--selector=app=web", "--min-available=3").returncode == 0
    advance(vserver, 1)
    pdb = json.loads(vserver.kubectl("get", "pdb", "web", "-o", "json").stdout)
    assert pdb["status"]["currentHealthy"] == 3 and pdb["status"]["disruptionsAllowed"] == 0
    node = next(p["spec"]["nodeName"] for p in pods(vserver))
    blocked = vserver.kubectl("drain", node, "--timeout=3s")
    assert blocked.returncode == 1
    assert "global timeout reached" in blocked.stderr
    node_obj = json.loads(vserver.kubectl("get", "node", node, "-o", "json").stdout)
    assert node_obj["spec"]["unschedulable"] is True
    assert {p["spec"]["nodeName"] for p in pods(vserver)} >= {node}
    assert (
        vserver.kubectl("patch", "pdb", "web", "--type", "merge", "-p", '{"spec":{"minAvailable":2}}').returncode == 0
    )
    advance(vserver, 1)
    drained = vserver.kubectl("drain", node, "--timeout=20s")
    assert drained.returncode == 0, drained.stderr
    assert f"node/{node} drained" in drained.stdout
    advance(vserver, 5)
    live = [p for p in pods(vserver) if not p["metadata"].get("deletionTimestamp")]
    assert len(live) == 3 and node not in {p["spec"]["nodeName"] for p in live}
    assert vserver.kubectl("uncordon", node).stdout.strip() == f"node/{node} uncordoned"
    # The node's kubelet saw the cordon and the uncordon at its heartbeats, as upstream's records them.
    advance(vserver, 10)
    events = vserver.kubectl(
        "get", "events", "--field-selector", f"involvedObject.name={node}", "-o", "jsonpath={.items[*].reason}"
    ).stdout.split()
    assert events[:7] == [
        "RegisteredNode",
        "Starting",
        "NodeAllocatableEnforced",
        "NodeHasSufficientMemory",
        "NodeHasNoDiskPressure",
        "NodeHasSufficientPID",
        "NodeReady",
    ]
    assert events[7:] == ["NodeNotSchedulable", "NodeSchedulable"]


def test_stopped_heartbeat_makes_the_node_unreachable_and_its_pods_move(vserver):
    assert vserver.kubectl("create", "deployment", "web", "--image=nginx:1.25", "--replicas=3").returncode == 0
    advance(vserver, 1)
    node = next(p["spec"]["nodeName"] for p in pods(vserver))
    assert vserver.kubectl("annotate", "node", node, "sim.kubeferry.io/heartbeat=stopped").returncode == 0
    advance(vserver, 60)
    node_obj = json.loads(vserver.kubectl("get", "node", node, "-o", "json").stdout)
    ready = next(c for c in node_obj["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "Unknown" and ready["reason"] == "NodeStatusUnknown"
    assert {(t["key"], t["effect"]) for t in node_obj["spec"]["taints"]} >= {
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoSchedule"),
    }
    # Pods tolerate unreachable for 300 s (admission default); then they are evicted and replaced.
    advance(vserver, 200)
    assert any(p["spec"]["nodeName"] == node and not p["metadata"].get("deletionTimestamp") for p in pods(vserver))
    advance(vserver, 150)
    live = [p for p in pods(vserver) if not p["metadata"].get("deletionTimestamp")]
    assert len(live) == 3 and node not in {p["spec"]["nodeName"] for p in live}
    ready_now = [
        p
        for p in live
        if any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))
    ]
    assert len(ready_now) == 3


def test_logs_of_simulated_containers(vserver):
    assert vserver.kubectl("create", "deployment", "web", "--image=nginx:1.25").returncode == 0
    assert vserver.kubectl("create", "deployment", "crash", "--image=busybox:1.36").returncode == 0
    patch = '{"spec":{"template":{"metadata":{"annotations":{"sim.kubeferry.io/outcome":"crash-loop"}}}}}'
    assert vserver.kubectl("patch", "deployment", "crash", "-p", patch).returncode == 0
    advance(vserver, 60)
    web = vserver.kubectl("logs", "deployment/web")
    assert web.returncode == 0, web.stderr
    assert web.stdout.startswith("kubeferry-sim: container nginx started (image nginx:1.25, pod default/web-")
    stamped = vserver.kubectl("logs", "deployment/web", "--timestamps").stdout
    assert stamped[:4].isdigit() and "T" in stamped.split()[0]
    crashing = [
        p["metadata"]["name"]
        for p in pods(vserver)
        if (p["metadata"].get("annotations") or {}).get("sim.kubeferry.io/outcome") == "crash-loop"
        and not p["metadata"].get("deletionTimestamp")
    ]
    previous = vserver.kubectl("logs", crashing[0], "--previous")
    assert previous.returncode == 0, previous.stderr
    assert "exited with code 1" in previous.stdout
    missing = vserver.kubectl("logs", crashing[0], "-c", "nope")
    assert missing.returncode == 1 and f"container nope is not valid for pod {crashing[0]}" in missing.stderr
    # Waiting to restart (CrashLoopBackOff), the container serves its last instance's log, as the
    # kubelet does, so `kubectl logs` shows the crash; --previous shows the same instance.
    state = next(p for p in pods(vserver) if p["metadata"]["name"] == crashing[0])["status"]["containerStatuses"][0]
    assert state["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    current = vserver.kubectl("logs", crashing[0])
    assert current.returncode == 0, current.stderr
    assert current.stdout == previous.stdout and current.stdout.endswith("exited with code 1 (Error)\n")


def test_logs_of_a_container_that_cannot_pull_its_image(vserver):
    run = vserver.kubectl("run", "ipe", "--image=nginx:nope", "--annotations=sim.kubeferry.io/outcome=image-pull-error")
    assert run.returncode == 0, run.stderr
    vserver.kubectl("create", "--raw", "/kubeferry/v1/settle", "-f", "-", input="{}")
    waiting = json.loads(vserver.kubectl("get", "pod", "ipe", "-o", "json").stdout)["status"]["containerStatuses"][0]
    assert waiting["state"]["waiting"]["reason"] == "ErrImagePull"
    pulling = vserver.kubectl("logs", "ipe")
    assert pulling.returncode == 1
    assert pulling.stderr.strip() == (
        'Error from server (BadRequest): container "ipe" in pod "ipe" is waiting to start: image can\'t be pulled'
    )
    advance(vserver, 2)
    backing_off = vserver.kubectl("logs", "ipe")
    assert backing_off.stderr.strip() == (
        'Error from server (BadRequest): container "ipe" in pod "ipe" is waiting to start: '
        "trying and failing to pull image"
    )
