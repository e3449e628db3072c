"""DaemonSet and StatefulSet rolling updates on the virtual clock, in process.

    .venv/bin/python bench/workloads.py [--nodes 1000] [--replicas 500]

A DaemonSet on `--nodes` simulated nodes changes its image (RollingUpdate, maxUnavailable 10%);
a `--replicas` StatefulSet (podManagementPolicy Parallel, maxUnavailable 10%) changes its image.
Each times the rolling update alone, from the image change until every pod runs the new image
and is available.  Baseline: creating and deleting the same number of pods through the registry
with no controllers (the storage work alone), measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from rollout import baseline  # noqa: E402

from kubeferry.cluster import bootstrap, controlplane, heap  # noqa: E402
from kubeferry.controllers import catalog, cluster_controllers  # noqa: E402
from kubeferry.machinery import clock as clocks  # noqa: E402
from kubeferry.machinery import resources  # noqa: E402
from kubeferry.registry.registry import Registry  # noqa: E402
from kubeferry.simulation import catalog as simulation  # noqa: E402
from kubeferry.storage.store import Store  # noqa: E402

DS = resources.by_gvk("apps", "v1", "DaemonSet")
STS = resources.by_gvk("apps", "v1", "StatefulSet")


def control_plane(work: Path, nodes: int):
    store = Store(str(work / "state.db"))
    registry = Registry(store)
    clock = clocks.VirtualClock(datetime(2026, 1, 1, tzinfo=UTC))
    registry.now = clock.now
    bootstrap.ensure_system_objects(registry)
    control = controlplane.ControlPlane(
        registry, clock, catalog.workload_controllers() + cluster_controllers.cluster_controllers() + simulation.simulation_controllers()
    )
    bootstrap.ensure_nodes(registry, nodes)
    control.resync()
    heap.freeze_long_lived()  # as the server process does once it is set up
    return store, registry, control


def template(app: str, image: str) -> dict:
    return {"metadata": {"labels": {"app": app}}, "spec": {"containers": [{"name": "app", "image": image}]}}


def roll(registry, control, res, name: str, field_done) -> float:
    obj = copy.deepcopy(registry.get(res, "default", name).obj)
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = "alpine:3.6"
    begin = time.perf_counter()
    registry.update(res, "default", name, obj)
    for _ in range(600):
        control.advance(1)
        if field_done(registry.get(res, "default", name).obj):
            return time.perf_counter() - begin
    raise SystemExit(f"{name} did not finish rolling: {registry.get(res, 'default', name).obj.get('status')}")


def daemonset(nodes: int, work: Path) -> tuple[float, float]:
    store, registry, control = control_plane(work, nodes)
    registry.create(
        DS,
        "default",
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "agent"},
            "spec": {
                "selector": {"matchLabels": {"app": "agent"}},
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
                "template": template("agent", "alpine:3.5"),
            },
        },
    )
    begin = time.perf_counter()
    control.advance(5)
    setup = time.perf_counter() - begin

    def done(ds: dict) -> bool:
        st = ds.get("status") or {}
        return st.get("updatedNumberScheduled") == nodes == st.get("numberAvailable") and st.get("observedGeneration") == ds["metadata"]["generation"]

    took = roll(registry, control, DS, "agent", done)
    store.close()
    return setup, took


def statefulset(replicas: int, work: Path) -> tuple[float, float]:
    store, registry, control = control_plane(work, max(3, replicas // 50))
    registry.create(
        STS,
        "default",
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db"},
            "spec": {
                "serviceName": "db",
                "replicas": replicas,
                "podManagementPolicy": "Parallel",
                "selector": {"matchLabels": {"app": "db"}},
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
                "template": template("db", "alpine:3.5"),
            },
        },
    )
    begin = time.perf_counter()
    control.advance(5)
    setup = time.perf_counter() - begin

    def done(sts: dict) -> bool:
        st = sts.get("status") or {}
        return st.get("updatedReplicas") == replicas == st.get("availableReplicas") and st.get("currentRevision") == st.get("updateRevision")

    took = roll(registry, control, STS, "db", done)
    store.close()
    return setup, took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--replicas", type=int, default=500)
    args = parser.parse_args()
    asyncio.set_event_loop(asyncio.new_event_loop())
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b, tempfile.TemporaryDirectory() as c, tempfile.TemporaryDirectory() as d:
        ds_setup, ds_roll = daemonset(args.nodes, Path(a))
        sts_setup, sts_roll = statefulset(args.replicas, Path(b))
        ds_base = baseline(args.nodes, False, Path(c))
        sts_base = baseline(args.replicas, False, Path(d))
    print(f"DaemonSet on {args.nodes} nodes: start {ds_setup:.2f} s, rolling update {ds_roll:.2f} s, baseline {ds_base:.2f} s, ratio {ds_roll / ds_base:.1f}")
    print(f"StatefulSet of {args.replicas}: start {sts_setup:.2f} s, rolling update {sts_roll:.2f} s, baseline {sts_base:.2f} s, ratio {sts_roll / sts_base:.1f}")


if __name__ == "__main__":
    main()
