"""The READY, STATUS and RESTARTS cells of a pod row, computed as kube-apiserver v1.37 prints them.

`kubectl get pods` shows what the server's pod printer computes; users read these three cells
more than any other output, so every branch of upstream's summary is kept here, in one pure
function over the pod as a plain dict:

* READY is `<ready>/<total>`; total counts the regular containers plus restartable
  ("sidecar") init containers, ready counts ready running containers plus started-and-ready
  sidecars.
* STATUS starts from `status.reason` or the phase, is replaced by `SchedulingGated`, then by the
  first init container that has not finished (`Init:<reason>`, `Init:ExitCode:<n>`,
  `Init:Signal:<n>`, `Init:<i>/<n>`), else by the last-listed regular container that waits or
  has terminated; `Completed` turns back into `Running`/`NotReady` while a container still
  runs; a deleting pod reads `Terminating` (or `Unknown` when its node is lost).
* RESTARTS sums restart counts (only sidecars and regular containers once initialisation is
  over) and appends ` (<age> ago)` from the newest last-termination time.

Worked example: one sidecar that restarted 3 times (last finished 10s ago) and one ready
regular container that restarted 4 times (20s ago), pod Initialized → READY `1/2`, RESTARTS
`7 (10s ago)`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

# Reasons the pod printer writes itself.
REASON_SCHEDULING_GATED = "SchedulingGated"
REASON_COMPLETED = "Completed"
REASON_RUNNING = "Running"
REASON_NOT_READY = "NotReady"
REASON_TERMINATING = "Terminating"
REASON_UNKNOWN = "Unknown"
REASON_POD_INITIALIZING = "PodInitializing"
# `status.reason` the node lifecycle controller sets on pods of an unreachable node.
NODE_UNREACHABLE_POD_REASON = "NodeLost"

PHASE_SUCCEEDED = "Succeeded"
PHASE_FAILED = "Failed"
CONTAINER_RESTART_ALWAYS = "Always"

# Row conditions the server attaches to finished pods (kubectl uses them to hide completed pods
# when asked to).
ROW_COMPLETED_SUCCEEDED = {
    "type": "Completed",
    "status": "True",
    "reason": PHASE_SUCCEEDED,
    "message": "The pod has completed successfully.",
}
ROW_COMPLETED_FAILED = {"type": "Completed", "status": "True", "reason": PHASE_FAILED, "message": "The pod failed."}


@dataclass(frozen=True)
class PodSummary:
    ready: str
    status: str
    restarts: str
    row_conditions: tuple[dict, ...] = ()


def row_conditions(phase: str) -> tuple[dict, ...]:
    """The Table row conditions of a pod in this phase: `Completed` once it succeeded or failed."""
    if phase == PHASE_SUCCEEDED:
        return (ROW_COMPLETED_SUCCEEDED,)
    if phase == PHASE_FAILED:
        return (ROW_COMPLETED_FAILED,)
    return ()


def parse_time(value: object) -> _dt.datetime | None:
    """An RFC 3339 timestamp (second or microsecond precision) as an aware datetime; None when absent."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = _dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)


def _finished_at(status: dict) -> _dt.datetime | None:
    terminated = ((status.get("lastState") or {}).get("terminated")) or None
    if terminated is None:
        return None
    return parse_time(terminated.get("finishedAt"))


def _later(current: _dt.datetime | None, candidate: _dt.datetime | None) -> _dt.datetime | None:
    if candidate is None:
        return current
    if current is None or current < candidate:
        return candidate
    return current


def _condition_true(conditions: list[dict], kind: str) -> bool:
    """Whether the first condition of this type is True (upstream stops at the first match)."""
    for condition in conditions:
        if condition.get("type") == kind:
            return condition.get("status") == "True"
    return False


def _has_true_condition(conditions: list[dict], kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def _terminated_reason(terminated: dict, prefix: str) -> str:
    reason = terminated.get("reason") or ""
    if reason:
        return prefix + reason
    signal = terminated.get("signal") or 0
    if signal:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{terminated.get('exitCode') or 0}"


def summarize_pod(pod: dict, now: _dt.datetime) -> PodSummary:
    """READY, STATUS and RESTARTS of `pod` at `now` (an aware datetime)."""
    from kubeferry.apiserver.tables import human_duration  # tables imports this module at its top

    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    meta = pod.get("metadata") or {}
    conditions = status.get("conditions") or []
    phase = status.get("phase") or ""

    init_specs = spec.get("initContainers") or []
    sidecars = {c.get("name") for c in init_specs if c.get("restartPolicy") == CONTAINER_RESTART_ALWAYS}
    total = len(spec.get("containers") or []) + sum(
        1 for c in init_specs if c.get("restartPolicy") == CONTAINER_RESTART_ALWAYS
    )
    ready = 0
    restarts = 0
    sidecar_restarts = 0
    last_restart: _dt.datetime | None = None
    last_sidecar_restart: _dt.datetime | None = None

    reason = status.get("reason") or phase
    for condition in conditions:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == REASON_SCHEDULING_GATED:
            reason = REASON_SCHEDULING_GATED

    initializing = False
    init_statuses = status.get("initContainerStatuses") or []
    for index, container in enumerate(init_statuses):
        count = container.get("restartCount") or 0
        restarts += count
        finished = _finished_at(container)
        last_restart = _later(last_restart, finished)
        is_sidecar = container.get("name") in sidecars
        if is_sidecar:
            sidecar_restarts += count
            last_sidecar_restart = _later(last_sidecar_restart, finished)
        state = container.get("state") or {}
        terminated = state.get("terminated")
        waiting = state.get("waiting")
        if terminated is not None and (terminated.get("exitCode") or 0) == 0:
            continue
        if is_sidecar and container.get("started") is True:
            if container.get("ready"):
                ready += 1
            continue
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting is not None and waiting.get("reason") and waiting.get("reason") != REASON_POD_INITIALIZING:
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(conditions, "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for container in reversed(status.get("containerStatuses") or []):
            restarts += container.get("restartCount") or 0
            last_restart = _later(last_restart, _finished_at(container))
            state = container.get("state") or {}
            waiting = state.get("waiting")
            terminated = state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = _terminated_reason(terminated, "")
            elif container.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == REASON_COMPLETED and has_running:
            reason = REASON_RUNNING if _has_true_condition(conditions, "Ready") else REASON_NOT_READY

    if meta.get("deletionTimestamp"):
        if status.get("reason") == NODE_UNREACHABLE_POD_REASON:
            reason = REASON_UNKNOWN
        elif phase not in (PHASE_SUCCEEDED, PHASE_FAILED):
            reason = REASON_TERMINATING

    restarts_cell = str(restarts)
    if restarts and last_restart is not None:
        restarts_cell = f"{restarts} ({human_duration((now - last_restart).total_seconds())} ago)"
    return PodSummary(f"{ready}/{total}", reason, restarts_cell, row_conditions(phase))
