"""The rollout benchmark of this checkout against a git revision, run alternately, with a summary.

    .venv/bin/python bench/compare.py d05dd87                 # ten runs each, SQLite
    .venv/bin/python bench/compare.py HEAD~3 --runs 6 -- --memory
    .venv/bin/python bench/compare.py --python /tmp/other-venv/bin/python   # this checkout, two interpreters

On a shared two-core machine the speed drifts by 10-20% within minutes, more than most changes
move the rollout; runs of the two codes taken one after the other share the drift.  The revision's
`src` and `bench` are extracted (`git archive`) into a temporary directory and byte-compiled, as
`./dev` compiles the checkout, and each run is a fresh `bench/rollout.py` process of one tree or the
other.  Arguments after `--` go to `bench/rollout.py`.

With `--python` the two sides are this checkout under this interpreter and under another one (a
virtual environment with the project's dependencies installed: `python3.11 -m venv DIR` then
`DIR/bin/pip install -e .`): the same code ran ~25% slower under one build of CPython 3.11 than another
(`bench/rollout.py` prints which build ran).

Per side it prints the rollout's min, median and max, how many runs were over the 1.5 s goal and
the median ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 1.5
_ROLLOUT = re.compile(r"^rolling update of \d+ replicas:\s+([\d.]+) s", re.M)
_BASELINE = re.compile(r"^baseline \(.*\):\s+([\d.]+) s", re.M)


def extract(revision: str, into: Path) -> None:
    """`src` and `bench` of `revision`, byte-compiled."""
    archive = subprocess.run(["git", "archive", revision, "src", "bench"], cwd=ROOT, capture_output=True, check=False)
    if archive.returncode != 0:
        raise SystemExit(f"compare: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(into / "src")], check=True)


def run_once(tree: Path, args: list[str], python: str = sys.executable) -> tuple[float, float]:
    """(rollout, baseline) seconds of one `bench/rollout.py` run of `tree` under `python`."""
    done = subprocess.run(
        [python, str(tree / "bench" / "rollout.py"), *args], capture_output=True, text=True, check=False
    )
    rollout, baseline = _ROLLOUT.search(done.stdout), _BASELINE.search(done.stdout)
    if done.returncode != 0 or rollout is None or baseline is None:
        raise SystemExit(f"compare: {tree}/bench/rollout.py failed:\n{done.stdout}{done.stderr}")
    return float(rollout.group(1)), float(baseline.group(1))


def summary(name: str, runs: list[tuple[float, float]]) -> str:
    rollouts = [r for r, _ in runs]
    ratios = [r / b for r, b in runs]
    over = sum(r > GOAL_SECONDS for r in rollouts)
    return (
        f"{name}: rollout {min(rollouts):.3f}-{max(rollouts):.3f} s, median {statistics.median(rollouts):.3f} s; "
        f"over {GOAL_SECONDS} s: {over} of {len(runs)}; ratio to baseline (median) {statistics.median(ratios):.2f}"
    )


def main() -> None:
    argv = sys.argv[1:]
    passed = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", nargs="?", help="a git revision of this repository")
    parser.add_argument("--python", help="instead of a revision: this checkout under this interpreter too")
    parser.add_argument("--runs", type=int, default=10, help="runs of each tree (default 10)")
    args = parser.parse_args(own)
    if "--phase" in passed or "--deployments" in passed:
        raise SystemExit("compare: only the single rollout with its baseline is compared")
    if (args.revision is None) == (args.python is None):
        raise SystemExit("compare: give a revision or --python, not both")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    with tempfile.TemporaryDirectory() as work:
        if args.python is not None:
            sides = {sys.executable: (ROOT, sys.executable), args.python: (ROOT, args.python)}
        else:
            other = Path(work)
            extract(args.revision, other)
            sides = {args.revision: (other, sys.executable), "this checkout": (ROOT, sys.executable)}
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
        for i in range(args.runs):
            for name, (tree, python) in sides.items():
                rollout, baseline = run_once(tree, passed, python)
                results[name].append((rollout, baseline))
                print(f"run {i + 1}/{args.runs} {name}: rollout {rollout:.3f} s, baseline {baseline:.3f} s", flush=True)
    for name, runs in results.items():
        print(summary(name, runs))


if __name__ == "__main__":
    main()
