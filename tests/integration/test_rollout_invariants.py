"""Rolling updates never break their fenceposts, checked at every stored change.

At every change the store announces during a rollout: non-terminating pods of the Deployment
<= replicas + maxSurge, and available ones >= replicas - maxUnavailable (upstream's
ResolveFenceposts: surge rounds up, unavailable down, both 0 -> unavailable 1).
"""

from __future__ import annotations

import math

import pytest

from kubeferry import Cluster
from kubeferry.machinery import resources

DEPLOY = resources.by_gvk("apps", "v1", "Deployment")


def fenceposts(replicas: int, surge, unavailable) -> tuple[int, int]:
    def scaled(value, up: bool) -> int:
        if isinstance(value, str):
            fraction = int(value.rstrip("%")) * replicas / 100
            return math.ceil(fraction) if up else math.floor(fraction)
        return value

    s, u = scaled(surge, True), scaled(unavailable, False)
    if s == 0 and u == 0:
        u = 1
    return s, u


def is_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in (pod.get("status") or {}).get("conditions") or ())


@pytest.mark.parametrize(
    ("replicas", "surge", "unavailable", "startup"),
    [
        pytest.param(10, "25%", "25%", "2", id="r10-default-25pct"),
        pytest.param(10, 0, 1, "1", id="r10-surge0-unavail1"),
        pytest.param(10, 3, 0, "3", id="r10-surge3-unavail0"),
        pytest.param(5, "50%", "50%", "1.5", id="r5-50pct"),
        pytest.param(4, 1, 1, "0", id="r4-1-1-instant"),
        pytest.param(3, "10%", "10%", "2", id="r3-10pct-rounds-to-surge1"),
    ],
)
def test_fenceposts_hold_at_every_change(tmp_path, replicas, surge, unavailable, startup):
    max_surge, max_unavailable = fenceposts(replicas, surge, unavailable)
    violations: list[str] = []
    checked = [0]
    with Cluster(clock="virtual", nodes=3, data_dir=tmp_path / "c", serve=False) as c:
        c.apply(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "app", "namespace": "default"},
                "spec": {
                    "replicas": replicas,
                    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}},
                    "selector": {"matchLabels": {"app": "app"}},
                    "template": {
                        "metadata": {"labels": {"app": "app"}, "annotations": {"sim.kubeferry.io/startup-seconds": startup}},
                        "spec": {"containers": [{"name": "app", "image": "alpine:3.5"}]},
                    },
                },
            }
        )
        c.advance(10)
        assert c.get("apps/v1", "Deployment", "default", "app")["status"]["availableReplicas"] == replicas
        store = c.store

        def check(event) -> None:
            if event.kind != "pods":
                return
            pods = [e.obj for e in store.list("pods", "default") if e.obj["metadata"]["labels"].get("app") == "app"]
            live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
            available = [p for p in live if is_ready(p)]
            checked[0] += 1
            if len(live) > replicas + max_surge:
                violations.append(f"{len(live)} pods > {replicas}+{max_surge} at rv {event.rv}")
            if len(available) < replicas - max_unavailable:
                violations.append(f"{len(available)} available < {replicas}-{max_unavailable} at rv {event.rv}")

        store.listeners.append(check)
        updated = c.get("apps/v1", "Deployment", "default", "app")
        updated["spec"]["template"]["spec"]["containers"][0]["image"] = "alpine:3.6"
        c.apply(updated)
        for _ in range(120):
            c.advance(1)
            status = c.get("apps/v1", "Deployment", "default", "app")["status"]
            if status.get("updatedReplicas") == replicas == status.get("availableReplicas") == status.get("replicas"):
                break
        else:
            pytest.fail(f"rollout did not finish: {status}")
        store.listeners.remove(check)
        images = {p["spec"]["containers"][0]["image"] for p in c.list("v1", "Pod", "default") if not p["metadata"].get("deletionTimestamp")}
    assert images == {"alpine:3.6"}
    assert checked[0] > replicas
    assert violations == []
