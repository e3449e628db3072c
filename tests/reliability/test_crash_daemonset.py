"""kill -9 at random points during a DaemonSet rolling update; restart from the same data dir each time.

Checked on every replayed state of the recorded pod stream (crashloop.Recorder), from the moment the
update is written:

* one pod per node: at most 1 live pod of the DaemonSet on a node without surge, at most 2 with
  surge, and at most nodes + maxSurge live pods in all;
* availability: nodes without an available pod <= maxUnavailable.

After the rollout: every acknowledged write is present; exactly one live pod per node, all on the new
template and the new `controller-revision-hash`; every pod controlled by the DaemonSet, no duplicate
names; ControllerRevisions are exactly 1 (old template) and 2 (new), and the pods' hash names revision 2.

The default run uses 8 nodes and 5 kills; `-m slow` 300 nodes and 20 kills.  Fenceposts as upstream
scales them for a DaemonSet: percentages of the node count rounded up, maxUnavailable 1 when both are 0.
Worked example: 300 nodes, maxUnavailable "10%" -> 30 nodes may be without an available pod.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest
from crashloop import (
    Api,
    Recorder,
    advance_until,
    check_acknowledged,
    controlled_by,
    is_available,
    is_live,
    kill_cycles,
    start_server,
)

DS = "/apis/apps/v1/namespaces/default/daemonsets"
REVISIONS = "/apis/apps/v1/namespaces/default/controllerrevisions"
PODS = "/api/v1/namespaces/default/pods"
OLD, NEW = "busybox:1.36", "busybox:1.37"


def scaled(value, nodes: int) -> int:
    if isinstance(value, str):
        return math.ceil(int(value.rstrip("%")) * nodes / 100)
    return value


def target_node(pod: dict) -> str:
    if pod["spec"].get("nodeName"):
        return pod["spec"]["nodeName"]
    terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    return terms[0]["matchFields"][0]["values"][0]


def manifest(surge, unavailable) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "updateStrategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable},
            },
            "template": {
                "metadata": {"labels": {"app": "agent"}, "annotations": {"sim.kubeferry.io/startup-seconds": "1"}},
                "spec": {"containers": [{"name": "agent", "image": OLD}]},
            },
        },
    }


def run(tmp_path, nodes: int, cycles: int, seed: int, surge, unavailable) -> dict:
    max_surge, max_unavailable = scaled(surge, nodes), scaled(unavailable, nodes)
    if max_surge == 0 and max_unavailable == 0:
        max_unavailable = 1
    data = tmp_path / "data"
    server = start_server(data, "--clock", "virtual", "--nodes", str(nodes))
    api = Api(server)
    try:
        assert api.call("POST", DS, manifest(surge, unavailable))[0] == 201

        def status() -> dict:
            return api.call("GET", f"{DS}/agent")[1].get("status") or {}

        advance_until(api, lambda: status().get("numberAvailable") == nodes, 2, 30, "the first rollout")
        _, ds = api.call("GET", f"{DS}/agent")
        ds["spec"]["template"]["spec"]["containers"][0]["image"] = NEW
        assert api.call("PUT", f"{DS}/agent", ds)[0] == 200
        crash = kill_cycles(data, server, cycles, seed)
        server, api = crash.server, crash.api

        def rolled_out() -> bool:
            _, ds = api.call("GET", f"{DS}/agent")
            st = ds.get("status") or {}
            return st.get("observedGeneration") == ds["metadata"]["generation"] and st.get(
                "updatedNumberScheduled"
            ) == nodes == st.get("numberAvailable") == st.get("desiredNumberScheduled")

        final = Recorder(api).start()
        steps = advance_until(api, rolled_out, 1, 40 + 4 * nodes, f"the rollout after {cycles} kills")
        final.stop()
        crash.recorders.append(final)
        check_acknowledged(api, crash.acknowledged)

        _, ds = api.call("GET", f"{DS}/agent")
        _, revisions = api.call("GET", REVISIONS)
        owned = [r for r in revisions["items"] if ds["metadata"]["uid"] in controlled_by(r)]
        assert sorted(r["revision"] for r in owned) == [1, 2]
        newest = next(r for r in owned if r["revision"] == 2)
        assert newest["data"]["spec"]["template"]["spec"]["containers"][0]["image"] == NEW
        new_hash = newest["metadata"]["labels"]["controller-revision-hash"]

        _, pods = api.call("GET", PODS)
        names = [p["metadata"]["name"] for p in pods["items"]]
        assert len(names) == len(set(names))
        for pod in pods["items"]:
            assert controlled_by(pod) == [ds["metadata"]["uid"]], f"orphaned pod {pod['metadata']['name']}"
        live = [p for p in pods["items"] if is_live(p)]
        per_node = Counter(target_node(p) for p in live)
        assert len(per_node) == nodes and set(per_node.values()) == {1}, per_node
        assert {p["spec"]["containers"][0]["image"] for p in live} == {NEW}
        assert {p["metadata"]["labels"]["controller-revision-hash"] for p in live} == {new_hash}

        per_node_limit = 2 if max_surge else 1
        states = peak_unavailable = peak_per_node = 0
        for recorder in crash.recorders:
            for rv, state in recorder.replay():
                states += 1
                mine = [p for p in state.values() if p["metadata"].get("labels", {}).get("app") == "agent"]
                live = [p for p in mine if is_live(p)]
                per_node = Counter(target_node(p) for p in live)
                peak_per_node = max(peak_per_node, *per_node.values(), 0)
                assert peak_per_node <= per_node_limit, f"rv {rv}: {per_node.most_common(1)}"
                assert len(live) <= nodes + max_surge, f"rv {rv}: {len(live)} live pods"
                covered = {target_node(p) for p in mine if is_available(p)}
                peak_unavailable = max(peak_unavailable, nodes - len(covered))
                assert nodes - len(covered) <= max_unavailable, (
                    f"rv {rv}: {nodes - len(covered)} nodes without an available pod"
                )
        # The stream saw the rollout at work: the bound it allows was used, not just never reached.
        assert (peak_per_node, peak_unavailable) == (2 if max_surge else 1, 0 if max_surge else max_unavailable)
        return {"kills": crash.kills, "acknowledged": len(crash.acknowledged), "states": states, "steps": steps}
    finally:
        server.stop()


STRATEGIES = [
    pytest.param(0, 2, id="unavailable-2"),
    pytest.param(2, 0, id="surge-2"),
]
FULL_STRATEGIES = [
    pytest.param(0, "10%", id="unavailable-10pct"),
    pytest.param("10%", 0, id="surge-10pct"),
]


@pytest.mark.parametrize(("surge", "unavailable"), STRATEGIES)
def test_kill_9_during_daemonset_rollout_small(tmp_path, surge, unavailable):
    run(tmp_path, nodes=8, cycles=5, seed=3, surge=surge, unavailable=unavailable)


@pytest.mark.slow
@pytest.mark.parametrize(("surge", "unavailable"), FULL_STRATEGIES)
def test_kill_9_during_daemonset_rollout_full(tmp_path, surge, unavailable):
    print(run(tmp_path, nodes=300, cycles=20, seed=13, surge=surge, unavailable=unavailable))
