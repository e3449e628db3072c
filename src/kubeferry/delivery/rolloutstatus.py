"""Rollout status viewers: how far a Deployment, DaemonSet or StatefulSet rollout has got.

Owns the decision `kubectl rollout status` makes on every watch event (semantics §6.1): from one
object, the line to print, whether the rollout is done, and the error that ends it.  Each viewer
returns `(message, done, error)`; the message has no trailing newline (kubectl's ends in `\\n`,
which the printer adds back), `error` is the text after `error: ` or `None`.  `progress()` reduces
an object to the counters that the live display and `-o json` show.

Pure: objects in, strings out.

Worked example (a Deployment scaled to 3 mid-rollout, generation observed):
  spec.replicas=3, status.updatedReplicas=1 → `Waiting for deployment "web" rollout to finish:
  1 out of 3 new replicas have been updated...`; once updated=3 but status.replicas=4 (one old pod
  still terminating) → `... 1 old replicas are pending termination...` (4 − 3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

ROLLING_UPDATE = "RollingUpdate"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
PROGRESSING = "Progressing"
PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"
STRATEGY_ERROR = "rollout status is only available for RollingUpdate strategy type"

Result = tuple[str, bool, str | None]


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("spec") or {}


def _status(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("status") or {}


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _observed(obj: Mapping[str, Any]) -> bool:
    """`metadata.generation <= status.observedGeneration`: the controller has seen the latest spec."""
    return _int(_meta(obj).get("generation")) <= _int(_status(obj).get("observedGeneration"))


def deployment_revision(obj: Mapping[str, Any]) -> int:
    """The Deployment's `deployment.kubernetes.io/revision` annotation; 0 when absent.

    Raises ValueError for a value that is not an integer (kubectl reports it).
    """
    text = (_meta(obj).get("annotations") or {}).get(REVISION_ANNOTATION)
    if text in (None, ""):
        return 0
    return int(str(text))


def deployment_status(obj: Mapping[str, Any], revision: int = 0) -> Result:
    name = _meta(obj).get("name", "")
    if revision > 0:
        try:
            have = deployment_revision(obj)
        except ValueError as e:
            return "", False, f'cannot get the revision of deployment "{name}": {e}'
        if have != revision:
            return "", False, f"desired revision ({revision}) is different from the running revision ({have})"
    if not _observed(obj):
        return "Waiting for deployment spec update to be observed...", False, None
    status = _status(obj)
    for condition in status.get("conditions") or []:
        if condition.get("type") == PROGRESSING and condition.get("reason") == PROGRESS_DEADLINE_EXCEEDED:
            return "", False, f'deployment "{name}" exceeded its progress deadline'
    wanted = _int(_spec(obj).get("replicas", 1))
    updated = _int(status.get("updatedReplicas"))
    replicas = _int(status.get("replicas"))
    available = _int(status.get("availableReplicas"))
    prefix = f'Waiting for deployment "{name}" rollout to finish: '
    if updated < wanted:
        return f"{prefix}{updated} out of {wanted} new replicas have been updated...", False, None
    if replicas > updated:
        return f"{prefix}{replicas - updated} old replicas are pending termination...", False, None
    if available < updated:
        return f"{prefix}{available} of {updated} updated replicas are available...", False, None
    return f'deployment "{name}" successfully rolled out', True, None


def daemonset_status(obj: Mapping[str, Any], revision: int = 0) -> Result:
    """`revision` is ignored, as kubectl ignores it for DaemonSets."""
    if (_spec(obj).get("updateStrategy") or {}).get("type") != ROLLING_UPDATE:
        return "", False, STRATEGY_ERROR
    if not _observed(obj):
        return "Waiting for daemon set spec update to be observed...", False, None
    name = _meta(obj).get("name", "")
    status = _status(obj)
    desired = _int(status.get("desiredNumberScheduled"))
    updated = _int(status.get("updatedNumberScheduled"))
    available = _int(status.get("numberAvailable"))
    prefix = f'Waiting for daemon set "{name}" rollout to finish: '
    if updated < desired:
        return f"{prefix}{updated} out of {desired} new pods have been updated...", False, None
    if available < desired:
        return f"{prefix}{available} of {desired} updated pods are available...", False, None
    return f'daemon set "{name}" successfully rolled out', True, None


def statefulset_status(obj: Mapping[str, Any], revision: int = 0) -> Result:
    """`revision` is ignored.  A set partitioned at P is done once replicas − P pods are updated.

    Example: replicas=3, partition=1, updatedReplicas=1 → `Waiting for partitioned roll out to
    finish: 1 out of 2 new pods have been updated...`; at updated=2 → `partitioned roll out
    complete: 2 new pods have been updated...` (done).
    """
    strategy = _spec(obj).get("updateStrategy") or {}
    if strategy.get("type") != ROLLING_UPDATE:
        return "", False, STRATEGY_ERROR
    status = _status(obj)
    observed = _int(status.get("observedGeneration"))
    if observed == 0 or _int(_meta(obj).get("generation")) > observed:
        return "Waiting for statefulset spec update to be observed...", False, None
    spec_replicas = _spec(obj).get("replicas")
    ready = _int(status.get("readyReplicas"))
    if spec_replicas is not None and ready < _int(spec_replicas):
        return f"Waiting for {_int(spec_replicas) - ready} pods to be ready...", False, None
    updated = _int(status.get("updatedReplicas"))
    rolling = strategy.get("rollingUpdate")
    if rolling is not None:
        partition = rolling.get("partition")
        if spec_replicas is not None and partition is not None:
            target = _int(spec_replicas) - _int(partition)
            if updated < target:
                return (
                    f"Waiting for partitioned roll out to finish: {updated} out of {target} new pods have been updated...",
                    False,
                    None,
                )
        return f"partitioned roll out complete: {updated} new pods have been updated...", True, None
    update_revision = status.get("updateRevision", "")
    current_revision = status.get("currentRevision", "")
    if update_revision != current_revision:
        return (
            f"waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}...",
            False,
            None,
        )
    current = _int(status.get("currentReplicas"))
    return f"statefulset rolling update complete {current} pods at revision {current_revision}...", True, None


VIEWERS: dict[tuple[str, str], Callable[..., Result]] = {
    ("apps", "Deployment"): deployment_status,
    ("apps", "DaemonSet"): daemonset_status,
    ("apps", "StatefulSet"): statefulset_status,
}


def viewer_for(group: str, kind: str) -> Callable[..., Result] | None:
    return VIEWERS.get((group, kind))


def no_viewer_error(group: str, kind: str) -> str:
    """kubectl's text for a kind without a viewer, e.g. `no status viewer has been implemented for ReplicaSet.apps`."""
    return (
        f"no status viewer has been implemented for {kind}.{group}"
        if group
        else f"no status viewer has been implemented for {kind}"
    )


def status(obj: Mapping[str, Any], revision: int = 0) -> Result:
    """Dispatch on the object's apiVersion and kind."""
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    kind = str(obj.get("kind", ""))
    viewer = viewer_for(group, kind)
    if viewer is None:
        return "", False, no_viewer_error(group, kind)
    return viewer(obj, revision)


def progress(obj: Mapping[str, Any]) -> dict[str, int]:
    """Counters for displays: desired, updated, ready and available pods of the workload.

    Deployment: spec.replicas and status.{updated,ready,available}Replicas; DaemonSet:
    desiredNumberScheduled, updatedNumberScheduled, numberReady, numberAvailable; StatefulSet:
    spec.replicas and status.{updated,ready,available}Replicas.
    """
    kind = obj.get("kind")
    status = _status(obj)
    if kind == "DaemonSet":
        return {
            "updated": _int(status.get("updatedNumberScheduled")),
            "ready": _int(status.get("numberReady")),
            "available": _int(status.get("numberAvailable")),
            "desired": _int(status.get("desiredNumberScheduled")),
        }
    return {
        "updated": _int(status.get("updatedReplicas")),
        "ready": _int(status.get("readyReplicas")),
        "available": _int(status.get("availableReplicas")),
        "desired": _int(_spec(obj).get("replicas", 1)),
    }
