"""kill -9 at random points during a partitioned StatefulSet rolling update; restart from the same data dir.

The set (OrderedReady, maxUnavailable 1) is updated with a partition P; the server is killed and
restarted while it rolls.  Checked on every replayed state of the recorded pod stream
(crashloop.Recorder):

* every pod is `web-<ordinal>` with 0 <= ordinal < replicas (pod names make two pods of one ordinal
  impossible at one instant; the stream shows the ordinal range is never left);
* at most one ordinal without an available pod (maxUnavailable 1);
* partition: no pod with ordinal < P ever carries the update revision while the partition is set;
* order: ordinals reach the update revision strictly from the highest down (each ordinal counted the
  first time the stream shows it at the update revision; ordinals first seen in the same restart
  snapshot count as one step, highest first).

After the partitioned phase: ordinals >= P run the new template at `status.updateRevision`, the rest the
old one at `status.currentRevision`.  Then the partition goes to 0 and the rollout completes:
every pod new, currentRevision == updateRevision, ControllerRevisions exactly 1 and 2 with revision 2
holding the new template, every pod controlled by the set, every acknowledged write present.

The default run uses 10 replicas, partition 3 and 5 kills; `-m slow` 60 replicas, partition 15, 20 kills.
"""

from __future__ import annotations

import re

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

STS = "/apis/apps/v1/namespaces/default/statefulsets"
REVISIONS = "/apis/apps/v1/namespaces/default/controllerrevisions"
PODS = "/api/v1/namespaces/default/pods"
OLD, NEW = "nginx:1.25", "nginx:1.26"
ORDINAL = re.compile(r"^web-(\d+)$")


def manifest(replicas: int) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web"},
        "spec": {
            "serviceName": "web",
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}, "annotations": {"sim.kubeferry.io/startup-seconds": "1"}},
                "spec": {"containers": [{"name": "nginx", "image": OLD}]},
            },
        },
    }


def ordinal(pod: dict) -> int:
    match = ORDINAL.match(pod["metadata"]["name"])
    assert match, f"pod {pod['metadata']['name']} is not web-<ordinal>"
    return int(match.group(1))


def check_stream(recorders: list[Recorder], replicas: int, update_hash: str, partition: int, order: list[int]) -> int:
    """Replay the recorded states; appends ordinals to `order` as they first reach the update revision."""
    states = 0
    for recorder in recorders:
        for rv, state in recorder.replay():
            states += 1
            pods = [p for p in state.values() if p["metadata"].get("labels", {}).get("app") == "web"]
            ordinals = [ordinal(p) for p in pods]
            assert all(0 <= o < replicas for o in ordinals), f"rv {rv}: ordinals {sorted(ordinals)}"
            available = {ordinal(p) for p in pods if is_available(p)}
            assert replicas - len(available) <= 1, (
                f"rv {rv}: ordinals without an available pod: {sorted(set(range(replicas)) - available)}"
            )
            updated = {
                ordinal(p)
                for p in pods
                if is_live(p) and p["metadata"]["labels"].get("controller-revision-hash") == update_hash
            }
            assert not {o for o in updated if o < partition}, (
                f"rv {rv}: partition {partition} crossed: {sorted(updated)}"
            )
            order.extend(sorted(updated - set(order), reverse=True))
    return states


def run(tmp_path, replicas: int, partition: int, cycles: int, seed: int) -> dict:
    data = tmp_path / "data"
    server = start_server(data, "--clock", "virtual", "--nodes", "3")
    api = Api(server)
    try:
        assert api.call("POST", STS, manifest(replicas))[0] == 201

        def sts() -> dict:
            return api.call("GET", f"{STS}/web")[1]

        def settled(updated: int) -> bool:
            current = sts()
            st = current.get("status") or {}
            return (
                st.get("observedGeneration") == current["metadata"]["generation"]
                and st.get("availableReplicas") == replicas
                and st.get("updatedReplicas") == updated
            )

        advance_until(api, lambda: settled(replicas), 1, 10 + 4 * replicas, "the first rollout")
        first = sts()
        old_revision = first["status"]["currentRevision"]
        first["spec"]["template"]["spec"]["containers"][0]["image"] = NEW
        first["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": partition}}
        assert api.call("PUT", f"{STS}/web", first)[0] == 200
        crash = kill_cycles(data, server, cycles, seed)
        server, api = crash.server, crash.api

        partitioned = Recorder(api).start()
        advance_until(
            api,
            lambda: settled(replicas - partition),
            1,
            10 + 4 * replicas,
            f"the partitioned rollout after {cycles} kills",
        )
        partitioned.stop()
        crash.recorders.append(partitioned)
        middle = sts()
        update_revision = middle["status"]["updateRevision"]
        assert middle["status"]["currentRevision"] == old_revision != update_revision
        _, pods = api.call("GET", PODS)
        images = {
            ordinal(p): (p["spec"]["containers"][0]["image"], p["metadata"]["labels"]["controller-revision-hash"])
            for p in pods["items"]
        }
        assert images == {o: (OLD, old_revision) if o < partition else (NEW, update_revision) for o in range(replicas)}
        order: list[int] = []
        states = check_stream(crash.recorders, replicas, update_revision, partition, order)
        assert order == list(range(replicas - 1, partition - 1, -1)), order

        patch = {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}}
        assert api.call("PATCH", f"{STS}/web", patch, ctype="application/merge-patch+json")[0] == 200
        rest = Recorder(api).start()
        advance_until(
            api,
            lambda: settled(replicas) and sts()["status"].get("currentRevision") == update_revision,
            1,
            10 + 4 * replicas,
            "the rest of the rollout",
        )
        rest.stop()
        states += check_stream([rest], replicas, update_revision, 0, order)
        assert order == list(range(replicas - 1, -1, -1)), order

        check_acknowledged(api, crash.acknowledged)
        final = sts()
        assert final["status"]["currentRevision"] == final["status"]["updateRevision"] == update_revision
        _, revisions = api.call("GET", REVISIONS)
        owned = {r["metadata"]["name"]: r for r in revisions["items"] if final["metadata"]["uid"] in controlled_by(r)}
        assert {name: r["revision"] for name, r in owned.items()} == {old_revision: 1, update_revision: 2}
        assert owned[update_revision]["data"]["spec"]["template"]["spec"]["containers"][0]["image"] == NEW
        _, pods = api.call("GET", PODS)
        assert sorted(ordinal(p) for p in pods["items"]) == list(range(replicas))
        for pod in pods["items"]:
            assert controlled_by(pod) == [final["metadata"]["uid"]], f"orphaned pod {pod['metadata']['name']}"
            assert is_available(pod)
            assert (pod["spec"]["containers"][0]["image"], pod["metadata"]["labels"]["controller-revision-hash"]) == (
                NEW,
                update_revision,
            )
        return {"kills": crash.kills, "acknowledged": len(crash.acknowledged), "states": states}
    finally:
        server.stop()


def test_kill_9_during_statefulset_rollout_small(tmp_path):
    run(tmp_path, replicas=10, partition=3, cycles=5, seed=5)


@pytest.mark.slow
def test_kill_9_during_statefulset_rollout_full(tmp_path):
    print(run(tmp_path, replicas=60, partition=15, cycles=20, seed=17))
