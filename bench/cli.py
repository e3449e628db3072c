"""CLI start-up and round trip against the same running server: kubeferry against kubectl.

    .venv/bin/python bench/cli.py [--runs 10]

Starts a server (no controllers), creates a Deployment, then times `get deployments`,
`rollout history deployment/bench` and `--help` for both tools, interleaved run by run, and
prints the medians and the ratio.  Goal: kubeferry <= 1.0x kubectl.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from conftest import start_server  # noqa: E402

BIN = Path(sys.executable).parent


def timed(argv: list[str], env: dict) -> float:
    begin = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        server = start_server(Path(work) / "c", "--no-controllers")
        env = dict(os.environ, KUBECONFIG=str(server.kubeconfig), XDG_CACHE_HOME=str(Path(work) / "cache"))
        cache = ["--cache-dir", str(Path(work) / "kubectl-cache")]
        server.kubectl("create", "deployment", "bench", "--image=nginx:1")
        cases = {
            "get deployments": (["get", "deployments"], ["get", "deployments"]),
            "rollout history deployment/bench": (["rollout", "history", "deployment/bench"], ["rollout", "history", "deployment/bench"]),
            "--help": (["--help"], ["--help"]),
        }
        results = {}
        for name, (ours, theirs) in cases.items():
            kf, kc = [], []
            for _ in range(2):  # warm caches (discovery, kubeconfig) for both
                timed([str(BIN / "kubeferry"), *ours], env)
                timed([str(BIN / "kubectl"), *cache, *theirs], env)
            for _ in range(args.runs):
                kf.append(timed([str(BIN / "kubeferry"), *ours], env))
                kc.append(timed([str(BIN / "kubectl"), *cache, *theirs], env))
            results[name] = (statistics.median(kf) * 1000, statistics.median(kc) * 1000)
        server.stop()
    print(f"{'command':36} {'kubeferry':>10} {'kubectl':>10} {'ratio':>7}")
    for name, (ours, theirs) in results.items():
        print(f"{name:36} {ours:8.0f}ms {theirs:8.0f}ms {ours / theirs:7.2f}")
    print(json.dumps({k: {"kubeferry_ms": round(v[0]), "kubectl_ms": round(v[1])} for k, v in results.items()}))


if __name__ == "__main__":
    main()
