"""Wall time of `kubeferry demo`, against the simulated time the chapter needs at the same time scale.

    .venv/bin/python bench/demo.py [--runs 3] [--time-scale 10]

Baseline, measured in the same run: `kubeferry cluster up --detach` followed by `cluster down
--delete` on a fresh data dir (what any demo pays before its first step).  Prints each run's wall
time, the median, the ratio to the baseline and the exit codes (0: every step matched).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KUBEFERRY = [sys.executable, "-m", "kubeferry.cli.main"]


def timed(argv: list[str], env: dict, cwd: str) -> tuple[float, int]:
    """Wall time and exit code; a run whose steps did not all match prints what differed."""
    begin = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - begin
    if result.returncode != 0:
        lines = result.stdout.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("\u2717"):
                print("\n".join(lines[i : i + 12]))
        print(result.stderr[-2000:])
    return seconds, result.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--time-scale", type=float, default=10.0)
    args = parser.parse_args()
    demo_times: list[float] = []
    base_times: list[float] = []
    codes: list[int] = []
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, HOME=work, KUBECONFIG=str(Path(work) / "kubeconfig"))
        for i in range(args.runs):
            data = str(Path(work) / f"base-{i}")
            begin = time.perf_counter()
            subprocess.run(
                [*KUBEFERRY, "cluster", "up", "--name", f"b{i}", "--data-dir", data, "--detach"],
                env=env,
                cwd=work,
                capture_output=True,
                check=True,
            )
            subprocess.run(
                [*KUBEFERRY, "cluster", "down", "--name", f"b{i}", "--data-dir", data, "--delete"],
                env=env,
                cwd=work,
                capture_output=True,
                check=True,
            )
            base_times.append(time.perf_counter() - begin)
            seconds, code = timed([*KUBEFERRY, "demo", "--time-scale", str(args.time_scale)], env, work)
            demo_times.append(seconds)
            codes.append(code)
            print(
                f"run {i + 1}: demo {seconds:.2f} s (exit {code}), cluster up+down {base_times[-1]:.2f} s", flush=True
            )
    demo, base = statistics.median(demo_times), statistics.median(base_times)
    print(
        f"kubeferry demo --time-scale {args.time_scale:g}: median {demo:.2f} s over {args.runs} runs; exit codes {codes}"
    )
    print(f"baseline (cluster up --detach + down --delete): median {base:.2f} s; demo / baseline = {demo / base:.1f}x")


if __name__ == "__main__":
    main()
