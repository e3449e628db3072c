"""kill -9 at random points during a Deployment rolling update; restart from the same data dir each time.

Checked on every replayed state of the recorded pod stream (crashloop.Recorder), from the moment the
update is written, through the kills and to the end of the rollout: live pods <= replicas + maxSurge and
available pods >= replicas - maxUnavailable (defaults 25 %: surge rounds up, unavailable down).
Worked example: 20 replicas -> at most 25 live pods, at least 15 available.

After the rollout: every write the client saw acknowledged is there, the rollout ends on the new
template, no pod is orphaned or duplicated, ReplicaSet revisions are 1 and 2 only.  CI runs a reduced
size (20 replicas, five kills); `-m slow` runs 1,000 replicas with twenty kills
(`KUBEFERRY_CRASH_REPLICAS`, `KUBEFERRY_CRASH_CYCLES` override the small size).
"""

from __future__ import annotations

import os

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

DEPLOY = "/apis/apps/v1/namespaces/default/deployments"
PODS = "/api/v1/namespaces/default/pods"
DEFAULT_PERCENT = 25


def run(tmp_path, replicas: int, cycles: int, seed: int) -> dict:
    data = tmp_path / "data"
    server = start_server(data, "--clock", "virtual", "--nodes", str(max(3, replicas // 50)))
    api = Api(server)
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "app"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "app"}},
            "template": {
                "metadata": {"labels": {"app": "app"}, "annotations": {"sim.kubeferry.io/startup-seconds": "1"}},
                "spec": {"containers": [{"name": "app", "image": "alpine:3.5"}]},
            },
        },
    }
    try:
        assert api.call("POST", DEPLOY, manifest)[0] == 201

        def rolled_out() -> bool:
            _, deploy = api.call("GET", f"{DEPLOY}/app")
            st = deploy.get("status") or {}
            return st.get("observedGeneration") == deploy["metadata"]["generation"] and st.get(
                "updatedReplicas"
            ) == replicas == st.get("availableReplicas") == st.get("replicas")

        advance_until(api, rolled_out, 5, 20, "the first rollout")
        _, deploy = api.call("GET", f"{DEPLOY}/app")
        deploy["spec"]["template"]["spec"]["containers"][0]["image"] = "alpine:3.6"
        assert api.call("PUT", f"{DEPLOY}/app", deploy)[0] == 200
        crash = kill_cycles(data, server, cycles, seed)
        server, api = crash.server, crash.api
        final = Recorder(api).start()
        advance_until(api, rolled_out, 1, 60 + replicas // 5, f"the rollout after {cycles} kills")
        final.stop()
        crash.recorders.append(final)
        check_acknowledged(api, crash.acknowledged)

        _, pods = api.call("GET", PODS)
        live = [p for p in pods["items"] if is_live(p)]
        assert len(live) == replicas
        assert {p["spec"]["containers"][0]["image"] for p in live} == {"alpine:3.6"}
        _, rss = api.call("GET", "/apis/apps/v1/namespaces/default/replicasets")
        owned = {rs["metadata"]["uid"]: rs for rs in rss["items"]}
        assert len(owned) == 2
        revisions = sorted(
            int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]) for rs in owned.values()
        )
        assert revisions == [1, 2]
        for pod in pods["items"]:
            refs = controlled_by(pod)
            assert len(refs) == 1 and refs[0] in owned, f"orphaned pod {pod['metadata']['name']}"
        names = [p["metadata"]["name"] for p in pods["items"]]
        assert len(names) == len(set(names))

        surge = -(-replicas * DEFAULT_PERCENT // 100)
        unavailable = replicas * DEFAULT_PERCENT // 100
        states = peak_live = 0
        low_available = replicas
        for recorder in crash.recorders:
            for rv, state in recorder.replay():
                states += 1
                mine = [p for p in state.values() if p["metadata"].get("labels", {}).get("app") == "app"]
                live_now = sum(1 for p in mine if is_live(p))
                available_now = sum(1 for p in mine if is_available(p))
                peak_live, low_available = max(peak_live, live_now), min(low_available, available_now)
                assert live_now <= replicas + surge, f"rv {rv}: {live_now} live pods"
                assert available_now >= replicas - unavailable, f"rv {rv}: {available_now} available pods"
        # The stream saw the rollout at work, not only its end.
        assert peak_live > replicas and low_available < replicas
        return {
            "kills": crash.kills,
            "acknowledged": len(crash.acknowledged),
            "states": states,
            "peak_live": peak_live,
            "low_available": low_available,
        }
    finally:
        server.stop()


def test_kill_9_during_rollout_small(tmp_path):
    run(
        tmp_path,
        replicas=int(os.environ.get("KUBEFERRY_CRASH_REPLICAS", "20")),
        cycles=int(os.environ.get("KUBEFERRY_CRASH_CYCLES", "5")),
        seed=7,
    )


@pytest.mark.slow
def test_kill_9_during_rollout_full(tmp_path):
    print(run(tmp_path, replicas=1000, cycles=20, seed=11))
