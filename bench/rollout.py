"""A 1,000-replica rolling update on the virtual clock, in process, against a write-only baseline.

    .venv/bin/python bench/rollout.py [--replicas 1000] [--memory]
    .venv/bin/python bench/rollout.py --deployments 100 --replicas 100   # many rolling at once
    PYTHONHASHSEED=0 valgrind --tool=cachegrind .venv/bin/python bench/rollout.py --phase setup
    PYTHONHASHSEED=0 valgrind --tool=cachegrind .venv/bin/python bench/rollout.py --phase rollout

The control plane (Deployment and ReplicaSet controllers, scheduler, kubelets, endpoints, GC, …)
runs on a virtual clock; the benchmark creates a Deployment, lets it become available, changes
its image and advances the clock until the rollout completes, timing only the rollout.  The
baseline is the bare storage work of the same rollout: creating and deleting `replicas` pods
through the registry with no controllers.  Goal: rollout <= 1.5 s wall at default durability.

`--phase setup` stops after the scale-up and `--phase rollout` after the rollout, with no baseline:
under cachegrind the difference of their instruction counts is the rollout's, a measure that does
not move with the machine's speed (a two-core machine shared with others drifts by 10-20%).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kubeferry.cluster import bootstrap, controlplane, heap  # noqa: E402
from kubeferry.controllers import catalog, cluster_controllers  # noqa: E402
from kubeferry.machinery import clock as clocks  # noqa: E402
from kubeferry.machinery import resources  # noqa: E402
from kubeferry.registry.registry import Registry  # noqa: E402
from kubeferry.simulation import catalog as simulation  # noqa: E402
from kubeferry.storage.store import Store  # noqa: E402

DEPLOYMENT = resources.by_gvk("apps", "v1", "Deployment")
# CPU seconds of the timed rollout: steadier than wall time when other work shares the cores.
ROLLOUT_CPU: list[float] = []
POD = resources.by_gvk("", "v1", "Pod")


def manifest(replicas: int, name: str = "big") -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [{"name": "app", "image": "alpine:3.5", "resources": {"requests": {"cpu": "1m"}}}]
                },
            },
        },
    }


def store_for(memory: bool, work: Path) -> Store:
    return Store(None if memory else str(work / "state.db"))


def control_plane(registry: Registry, pods: int) -> tuple[Registry, controlplane.ControlPlane]:
    """The whole control plane on a virtual clock over `registry`, with a node per 100 `pods` (3 at least)."""
    clock = clocks.VirtualClock(datetime(2026, 1, 1, tzinfo=UTC))
    registry.now = clock.now
    bootstrap.ensure_system_objects(registry)
    control = controlplane.ControlPlane(
        registry,
        clock,
        catalog.workload_controllers()
        + cluster_controllers.cluster_controllers()
        + simulation.simulation_controllers(),
    )
    bootstrap.ensure_nodes(registry, max(3, pods // 100))
    control.resync()
    return registry, control


def many(count: int, replicas: int, memory: bool, work: Path) -> tuple[float, float]:
    """`count` Deployments of `replicas` each, all changing their image at once."""
    store = store_for(memory, work)
    registry, control = control_plane(Registry(store), count * replicas)
    heap.freeze_long_lived()  # as the server process does once it is set up
    for i in range(count):
        # each with its own selector, as Kubernetes requires of Deployments in one namespace
        # (overlapping selectors make every scale-down rank all the namespace's pods)
        registry.create(DEPLOYMENT, "default", manifest(replicas, f"app{i}"))
    begin = time.perf_counter()
    control.advance(5)
    setup = time.perf_counter() - begin
    begin, begin_cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        updated = copy.deepcopy(registry.get(DEPLOYMENT, "default", f"app{i}").obj)
        updated["spec"]["template"]["spec"]["containers"][0]["image"] = "alpine:3.6"
        registry.update(DEPLOYMENT, "default", f"app{i}", updated)
    for _ in range(300):
        control.advance(1)
        statuses = [registry.get(DEPLOYMENT, "default", f"app{i}").obj["status"] for i in range(count)]
        if all(
            s.get("updatedReplicas") == replicas == s.get("availableReplicas") == s.get("replicas") for s in statuses
        ):
            break
    else:
        raise SystemExit("the rollouts did not finish")
    took = time.perf_counter() - begin
    ROLLOUT_CPU.append(time.process_time() - begin_cpu)
    store.close()
    return setup, took


def rollout(replicas: int, memory: bool, work: Path, setup_only: bool = False) -> tuple[float, float]:
    store = store_for(memory, work)
    registry, control = control_plane(Registry(store), replicas)
    heap.freeze_long_lived()  # as the server process does once it is set up
    registry.create(DEPLOYMENT, "default", manifest(replicas))
    begin = time.perf_counter()
    control.advance(5)
    setup = time.perf_counter() - begin
    deploy = registry.get(DEPLOYMENT, "default", "big").obj
    assert deploy["status"].get("availableReplicas") == replicas, deploy["status"]
    if setup_only:
        store.close()
        return setup, 0.0
    updated = copy.deepcopy(deploy)
    updated["spec"]["template"]["spec"]["containers"][0]["image"] = "alpine:3.6"
    begin, begin_cpu = time.perf_counter(), time.process_time()
    registry.update(DEPLOYMENT, "default", "big", updated)
    for _ in range(120):
        control.advance(1)
        status = registry.get(DEPLOYMENT, "default", "big").obj["status"]
        if (
            status.get("updatedReplicas") == replicas
            and status.get("availableReplicas") == replicas
            and status.get("replicas") == replicas
        ):
            break
    else:
        raise SystemExit(f"rollout did not finish: {status}")
    took = time.perf_counter() - begin
    ROLLOUT_CPU.append(time.process_time() - begin_cpu)
    store.close()
    return setup, took


def baseline(replicas: int, memory: bool, work: Path) -> float:
    store = store_for(memory, work)
    registry = Registry(store)
    bootstrap.ensure_system_objects(registry)
    heap.freeze_long_lived()
    template = manifest(replicas)["spec"]["template"]
    begin = time.perf_counter()
    for i in range(replicas):
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {**copy.deepcopy(template["metadata"]), "name": f"p{i}"},
            "spec": copy.deepcopy(template["spec"]),
        }
        registry.create(POD, "default", pod)
    for i in range(replicas):
        registry.delete(POD, "default", f"p{i}")
    took = time.perf_counter() - begin
    store.close()
    return took


def interpreter() -> str:
    """The running Python: version, real executable and how it holds libpython.

    The same code runs at quite different speeds on different builds of one CPython version: on the
    two-core machine of docs/benchmarks.md the rollout took ~25% longer under an interpreter whose
    executable loads libpython as a shared library and was configured without
    `--enable-optimizations` (a default pyenv build) than under Debian's build of the same minor
    version, which links libpython into the executable.  The line lets results name their build."""
    maps = Path("/proc/self/maps")
    if maps.exists():
        shared = any("libpython" in line for line in maps.read_text().splitlines())
        linkage = "libpython shared library" if shared else "libpython linked in"
    else:
        linkage = "libpython linkage unknown"
    executable = os.path.realpath(sys.executable)
    return f"{platform.python_implementation()} {platform.python_version()} at {executable} ({linkage})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicas", type=int, default=1000)
    parser.add_argument("--memory", action="store_true", help="in-memory store instead of SQLite")
    parser.add_argument("--deployments", type=int, default=1, help="roll this many Deployments at once")
    parser.add_argument(
        "--phase",
        choices=("all", "setup", "rollout"),
        default="all",
        help="stop after the scale-up (setup) or the rollout, without the baseline (for instruction counts)",
    )
    args = parser.parse_args()
    asyncio.set_event_loop(asyncio.new_event_loop())
    if args.deployments > 1:
        with tempfile.TemporaryDirectory() as a:
            setup, took = many(args.deployments, args.replicas, args.memory, Path(a))
        print(
            f"{args.deployments} Deployments x {args.replicas} replicas: scale-up {setup:.1f} s, "
            f"all rolled {took:.1f} s (CPU {ROLLOUT_CPU[-1]:.1f} s)"
        )
        return
    if args.phase != "all":
        with tempfile.TemporaryDirectory() as a:
            setup, took = rollout(args.replicas, args.memory, Path(a), setup_only=args.phase == "setup")
        print(
            f"{args.phase}: scale-up {setup:.3f} s" + (f", rollout {took:.3f} s" if args.phase == "rollout" else ""),
            flush=True,
        )
        # No interpreter teardown: its collection of the whole heap (~0.14 s after a rollout, mostly
        # cache misses) would count as the rollout's in the difference of the two phases.
        os._exit(0)
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        setup, took = rollout(args.replicas, args.memory, Path(a))
        base = baseline(args.replicas, args.memory, Path(b))
    store = "memory" if args.memory else "sqlite (durability normal)"
    print(f"python: {interpreter()}")
    print(f"store: {store}; replicas: {args.replicas}")
    print(f"initial scale-up to {args.replicas} available: {setup:.3f} s")
    print(f"rolling update of {args.replicas} replicas:   {took:.3f} s   (goal <= 1.5 s; CPU {ROLLOUT_CPU[-1]:.3f} s)")
    print(f"baseline (create+delete {args.replicas} pods, no controllers): {base:.3f} s")
    print(f"ratio rollout/baseline: {took / base:.2f}")


if __name__ == "__main__":
    main()
