"""Wall time of `kubeferry deliver`: a success, and a failure that rolls back, on the real clock.

    .venv/bin/python bench/deliver.py [--time-scale 100] [--runs 5]

One server process (real clock, `--time-scale` simulated seconds per real second, in-memory
store) runs a 3-replica Deployment whose pods take 2 simulated seconds to start.  Measured, each
as the median of `--runs`:

* deliver success: `deliver deployment/web --image app=bench/app:N --check body=v-N,successes=3,interval=100ms`
* deliver failure with rollback: `--image app=bench/pull:N` (an image rule makes the pull fail),
  fail-fast diagnosis, rollback to the previous revision, wait for it;
* baseline, measured in the same run: the manual equivalent of the success path with the real
  kubectl — `kubectl set image` then `kubectl rollout status` — without checks, lock or reports.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from conftest import start_server  # noqa: E402

MANIFESTS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: kubeferry-simulation, namespace: kube-system}
data:
  rules.yaml: |
    - {image: "bench/pull*", outcome: image-pull-error}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations:
        sim.kubeferry.io/startup-seconds: "2"
        sim.kubeferry.io/http-response: "{pod} v-{tag} is running..."
    spec:
      containers: [{name: app, image: "bench/app:0", ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web-svc, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
"""


def timed(argv: list[str], env: dict, expect: int) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    elapsed = time.perf_counter() - started
    if result.returncode != expect:
        raise SystemExit(
            f"{' '.join(argv)} exited {result.returncode}, expected {expect}:\n{result.stdout}{result.stderr}"
        )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-scale", type=float, default=100.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", "--memory", "--time-scale", str(args.time_scale))
        try:
            env = server.env({"CI": "true"})
            path = Path(tmp) / "m.yaml"
            path.write_text(MANIFESTS)
            subprocess.run(server.kubectl_argv("apply", "-f", str(path)), env=env, check=True, capture_output=True)
            subprocess.run(
                server.kubectl_argv("rollout", "status", "deployment/web"), env=env, check=True, capture_output=True
            )
            kf = [sys.executable, "-m", "kubeferry.cli.main", "deliver", "deployment/web"]
            success, failure, baseline = [], [], []
            version = 0
            for _ in range(args.runs):
                version += 1
                baseline.append(
                    timed(server.kubectl_argv("set", "image", "deployment/web", f"app=bench/app:{version}"), env, 0)
                    + timed(server.kubectl_argv("rollout", "status", "deployment/web"), env, 0)
                )
                version += 1
                check = f"body=v-{version},successes=3,interval=100ms"
                success.append(timed([*kf, "--image", f"app=bench/app:{version}", "--check", check], env, 0))
                failure.append(timed([*kf, "--image", f"app=bench/pull:{version}"], env, 1))
        finally:
            server.stop()
    rows = {
        "baseline: kubectl set image + rollout status": statistics.median(baseline),
        "deliver success (rollout + 3 HTTP checks)": statistics.median(success),
        "deliver failure + rollback (image-pull-error)": statistics.median(failure),
    }
    base = rows["baseline: kubectl set image + rollout status"]
    print(f"time scale {args.time_scale:g}, median of {args.runs} runs")
    for name, seconds in rows.items():
        print(f"{name:<48} {seconds * 1000:8.0f} ms   ratio {seconds / base:5.2f}")
    print(json.dumps({k: round(v, 3) for k, v in rows.items()}))


if __name__ == "__main__":
    main()
