"""Every stored change of a seeded rollout, in order: the check that a speed-up changed nothing stored.

    .venv/bin/python bench/write_trace.py /tmp/before.txt            # 300 replicas
    .venv/bin/python bench/write_trace.py /tmp/after.txt --replicas 1000
    cmp /tmp/before.txt /tmp/after.txt

The control plane runs on the virtual clock with seeded randomness (uids, generated names, event
names), so two runs of the same code write byte-identical files: one line per change, its type,
kind, namespace/name, resourceVersion and the stored JSON.  A change meant to keep behaviour must
keep the file; the sha256 and line count printed at the end are a quick comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import hashlib
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from rollout import DEPLOYMENT, control_plane, manifest  # noqa: E402

from kubeferry.registry.registry import Registry  # noqa: E402
from kubeferry.storage.store import Store  # noqa: E402

SEED = 7
SETTLE_AFTER_SECONDS = 40  # the old pods' graceful deletions and their events finish


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("output", type=Path)
    parser.add_argument("--replicas", type=int, default=300)
    args = parser.parse_args()
    asyncio.set_event_loop(asyncio.new_event_loop())
    replicas = args.replicas
    store = Store(None)
    with args.output.open("wb") as out:

        def write(change) -> None:
            head = f"{change.type} {change.kind} {change.namespace}/{change.name} {change.rv} "
            out.write(head.encode() + change.entry.raw + b"\n")

        store.listeners.append(write)
        registry, control = control_plane(Registry(store, rng=random.Random(SEED)), replicas)
        registry.create(DEPLOYMENT, "default", manifest(replicas))
        control.advance(5)
        updated = copy.deepcopy(registry.get(DEPLOYMENT, "default", "big").obj)
        updated["spec"]["template"]["spec"]["containers"][0]["image"] = "alpine:3.6"
        registry.update(DEPLOYMENT, "default", "big", updated)
        for _ in range(60):
            control.advance(1)
            status = registry.get(DEPLOYMENT, "default", "big").obj["status"]
            if status.get("updatedReplicas") == replicas == status.get("availableReplicas") == status.get("replicas"):
                break
        else:
            raise SystemExit(f"the rollout did not finish: {status}")
        control.advance(SETTLE_AFTER_SECONDS)
    text = args.output.read_bytes()
    print(hashlib.sha256(text).hexdigest(), text.count(b"\n"))


if __name__ == "__main__":
    main()
