"""One look at a rollout in progress: done, still going, or failed — and why.

The deliver step polls its workload and calls `assess()` with the object, its pods, its history
objects (ReplicaSets or ControllerRevisions) and events.  The answer combines the rollout status
viewer (`rolloutstatus`: the line kubectl would print and whether the rollout is done) with the
fail-fast diagnosis (`diagnosis`: a new pod that cannot succeed).  A Deployment's own progress
deadline (`ProgressDeadlineExceeded`) fails the rollout naming the pod still not ready;
DaemonSets and StatefulSets have none, so `ProgressClock` gives them one on the caller's clock:
no change in their rollout counters for `deadline` seconds.

Worked example (ProgressClock, deadline 600): counters (0 updated, 0 ready) seen at t=100, again
at t=500 → not passed; (1 updated) at t=650 → the clock restarts at 650; unchanged at t=1251 →
passed (1251 − 650 > 600).

Pure: objects in, an `Assessment` out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubeferry.delivery import diagnosis as dg
from kubeferry.delivery import rolloutstatus

DEADLINE_SUFFIX = "exceeded its progress deadline"


@dataclass(frozen=True)
class Assessment:
    message: str  # the viewer's line (or the failure's headline)
    done: bool = False
    failure: str = ""  # why the rollout cannot finish; "" while it may
    diagnosis: dg.Diagnosis | None = None
    suspects: tuple[str, ...] = ()  # new pods whose events may show a failing mount (`dg.mount_suspects`)


class ProgressClock:
    """A client-side progress deadline: passed once the counters stay unchanged for `deadline` seconds."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.key: tuple | None = None
        self.since = 0.0

    def passed(self, workload: Mapping[str, Any], now: float) -> bool:
        key = (
            (workload.get("metadata") or {}).get("generation"),
            tuple(sorted(rolloutstatus.progress(workload).items())),
        )
        if key != self.key:
            self.key, self.since = key, now
        return now - self.since > self.deadline


def _observed(workload: Mapping[str, Any]) -> bool:
    meta, status = workload.get("metadata") or {}, workload.get("status") or {}
    return int(meta.get("generation") or 0) <= int(status.get("observedGeneration") or 0)


def label(kind: str, name: str) -> str:
    return f'{dg.KIND_LABELS.get(kind, kind.lower())} "{name}"'


def assess(
    workload: Mapping[str, Any],
    pods: Sequence[Mapping[str, Any]],
    owned: Sequence[Mapping[str, Any]] = (),
    events: Sequence[Mapping[str, Any]] = (),
    *,
    deadline_passed: bool = False,
) -> Assessment:
    """Done, failed (with the diagnosis when a pod is to blame) or still rolling out."""
    kind = str(workload.get("kind", ""))
    name = str((workload.get("metadata") or {}).get("name", ""))
    message, done, problem = rolloutstatus.status(workload)
    if done:
        return Assessment(message, True)
    if not problem and not _observed(workload):
        # The controller has not seen the latest spec: the pods it calls "new" are the previous
        # revision's (after a rollback patch, the very pods that failed), so nothing is judged yet.
        return Assessment(message)
    fresh = dg.new_pods(workload, pods, owned)
    if problem:
        found = dg.diagnose(fresh, events, deadline_passed=problem.endswith(DEADLINE_SUFFIX))
        return Assessment(problem, failure=problem, diagnosis=found)
    found = dg.diagnose(fresh, events, deadline_passed=deadline_passed)
    if found is not None and found.reason != dg.NOT_READY:
        headline = found.lines(kind, name)[0].removeprefix("error: ")
        return Assessment(message, failure=headline, diagnosis=found)
    if deadline_passed:
        return Assessment(message, failure=f"{label(kind, name)} {DEADLINE_SUFFIX}", diagnosis=found)
    return Assessment(message, suspects=tuple(dg.mount_suspects(fresh)))
