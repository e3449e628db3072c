"""Fail-fast diagnosis of a rollout: which new pod is stuck, why, and what the cluster last said about it.

`kubeferry rollout status` (and the deliver step) call `diagnose()` while a rollout is unfinished.
It answers with a `Diagnosis` as soon as one of the rollout's *new* pods (those of the revision
being rolled out) cannot succeed without a change by the user:

* a container waiting in ImagePullBackOff / ErrImagePull / InvalidImageName (the image will not come),
* a container waiting in CrashLoopBackOff (it keeps exiting),
* CreateContainerConfigError (a missing ConfigMap/Secret key),
* a volume that cannot mount because its ConfigMap/Secret (or a key) is missing: the pod's sandbox
  waits (`PodReadyToStartContainers` False) and its latest event is a Warning FailedMount saying
  so (`mount_suspects` names the pods whose events the caller should fetch to tell),
* PodScheduled=False with reason Unschedulable (no node fits),
* and, once the rollout's progress deadline has passed, any new pod that is still not Ready.

The diagnosis names the pod, the reason, the kubelet's or scheduler's message and the latest
event about the pod (by last-seen time, then resourceVersion).  Old pods are never blamed: a
rollout is judged by the pods it creates.  Which pods are new depends on the kind (`new_pods`):
Deployment → pods owned by the ReplicaSet whose revision equals the Deployment's; StatefulSet →
pods labelled `controller-revision-hash=<status.updateRevision>`; DaemonSet → pods labelled with
the hash of the owned ControllerRevision with the highest revision.

Pure: objects in, a value out.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubeferry.machinery.podutil import parse_time

IMAGE_PULL_BACKOFF = "ImagePullBackOff"
ERR_IMAGE_PULL = "ErrImagePull"
INVALID_IMAGE_NAME = "InvalidImageName"
CRASH_LOOP_BACKOFF = "CrashLoopBackOff"
CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"
UNSCHEDULABLE = "Unschedulable"
NOT_READY = "NotReady"
FAILED_MOUNT = "FailedMount"
SANDBOX_CONDITION = "PodReadyToStartContainers"
# FailedMount messages whose cause will not go away by itself: the volume's source is missing,
# e.g. `MountVolume.SetUp failed for volume "cfg" : configmap "app-config" not found`.
MISSING_SOURCE_WORDS = ("not found", "non-existent")

# Waiting reasons that will not resolve without a change to the workload or the cluster.
FAILING_WAIT_REASONS = (
    IMAGE_PULL_BACKOFF,
    ERR_IMAGE_PULL,
    INVALID_IMAGE_NAME,
    CRASH_LOOP_BACKOFF,
    CREATE_CONTAINER_CONFIG_ERROR,
)

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HASH_LABEL = "controller-revision-hash"

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)

KIND_LABELS = {"Deployment": "deployment", "DaemonSet": "daemon set", "StatefulSet": "statefulset"}


@dataclass(frozen=True)
class Diagnosis:
    pod: str
    reason: str  # one of the waiting reasons above, FailedMount, Unschedulable or NotReady
    message: str  # the container's, condition's or readiness message; may be empty
    event: str = ""  # `<type> <reason>: <message>` of the latest event about the pod; empty when none

    def lines(self, kind: str, name: str) -> list[str]:
        """What the CLI prints, e.g.

        error: deployment "web" rollout failed: pod "web-6d4b-x2x9k": ImagePullBackOff: Back-off pulling image "nope"
          latest event: Warning Failed: Error: ImagePullBackOff
        """
        label = KIND_LABELS.get(kind, kind.lower())
        detail = f": {self.message}" if self.message else ""
        out = [f'error: {label} "{name}" rollout failed: pod "{self.pod}": {self.reason}{detail}']
        if self.event:
            out.append(f"  latest event: {self.event}")
        return out

    def as_dict(self) -> dict[str, str]:
        return {"pod": self.pod, "reason": self.reason, "message": self.message, "event": self.event}


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _controller_uid(obj: Mapping[str, Any]) -> str:
    for ref in _meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return str(ref.get("uid", ""))
    return ""


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def new_pods(
    workload: Mapping[str, Any],
    pods: Iterable[Mapping[str, Any]],
    owned: Sequence[Mapping[str, Any]] = (),
) -> list[Mapping[str, Any]]:
    """The workload's pods of the revision being rolled out (not being deleted), sorted by name.

    `owned` is the Deployment's ReplicaSets, or the DaemonSet's ControllerRevisions; unused for
    StatefulSets.
    """
    kind = workload.get("kind")
    uid = str(_meta(workload).get("uid", ""))
    live = [p for p in pods if not _meta(p).get("deletionTimestamp")]
    chosen: list[Mapping[str, Any]] = []
    if kind == "Deployment":
        revision = (_meta(workload).get("annotations") or {}).get(REVISION_ANNOTATION)
        new_uids = {
            str(_meta(rs).get("uid", ""))
            for rs in owned
            if _controller_uid(rs) == uid and (_meta(rs).get("annotations") or {}).get(REVISION_ANNOTATION) == revision
        }
        chosen = [p for p in live if _controller_uid(p) in new_uids]
    elif kind == "StatefulSet":
        update = (workload.get("status") or {}).get("updateRevision")
        chosen = [
            p
            for p in live
            if _controller_uid(p) == uid
            and update
            and (_meta(p).get("labels") or {}).get(REVISION_HASH_LABEL) == update
        ]
    elif kind == "DaemonSet":
        mine = [r for r in owned if _controller_uid(r) == uid]
        if mine:
            newest = max(mine, key=lambda r: _int(r.get("revision")))
            labels = _meta(newest).get("labels") or {}
            wanted = labels.get(REVISION_HASH_LABEL) or str(_meta(newest).get("name", "")).rpartition("-")[2]
            chosen = [
                p
                for p in live
                if _controller_uid(p) == uid and (_meta(p).get("labels") or {}).get(REVISION_HASH_LABEL) == wanted
            ]
    return sorted(chosen, key=lambda p: str(_meta(p).get("name", "")))


def _condition(pod: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return condition
    return None


def pod_failure(pod: Mapping[str, Any], deadline_passed: bool = False) -> tuple[str, str] | None:
    """`(reason, message)` when this pod cannot become ready on its own; None while it still may.

    Container waiting reasons come first (init containers before app containers), then
    scheduling; a pod that is merely not Ready counts only once `deadline_passed`.
    """
    status = pod.get("status") or {}
    for key in ("initContainerStatuses", "containerStatuses"):
        for container in status.get(key) or []:
            waiting = (container.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason")
            if reason in FAILING_WAIT_REASONS:
                message = waiting.get("message") or ""
                return (
                    reason,
                    f'container "{container.get("name", "")}": {message}'
                    if message
                    else f'container "{container.get("name", "")}"',
                )
    scheduled = _condition(pod, "PodScheduled")
    if scheduled is not None and scheduled.get("status") == "False" and scheduled.get("reason") == UNSCHEDULABLE:
        return UNSCHEDULABLE, str(scheduled.get("message") or "")
    if deadline_passed:
        ready = _condition(pod, "Ready")
        if ready is None or ready.get("status") != "True":
            message = (
                str((ready or {}).get("message") or "") or f"pod is {status.get('phase') or 'Pending'} and not ready"
            )
            return NOT_READY, message
    return None


def mount_suspects(pods: Iterable[Mapping[str, Any]]) -> list[str]:
    """Names of the pods whose sandbox waits (`PodReadyToStartContainers` False): only their events
    can tell whether a volume fails to mount, so a caller fetches those before `diagnose`."""
    out = []
    for pod in pods:
        sandbox = _condition(pod, SANDBOX_CONDITION)
        if sandbox is not None and sandbox.get("status") == "False":
            out.append(str(_meta(pod).get("name", "")))
    return out


def mount_failure(pod: Mapping[str, Any], events: Iterable[Mapping[str, Any]]) -> tuple[str, str] | None:
    """`(FailedMount, message)` when the pod waits for a volume whose source is missing, by its latest event."""
    sandbox = _condition(pod, SANDBOX_CONDITION)
    if sandbox is None or sandbox.get("status") != "False":
        return None
    event = latest_event(events, pod)
    if not event or event.get("type") != "Warning" or event.get("reason") != FAILED_MOUNT:
        return None
    message = str(event.get("message") or event.get("note") or "")
    if not any(word in message for word in MISSING_SOURCE_WORDS):
        return None
    return FAILED_MOUNT, message


def _event_key(event: Mapping[str, Any]) -> tuple[_dt.datetime, int]:
    series = event.get("series") or {}
    when = (
        series.get("lastObservedTime")
        or event.get("lastTimestamp")
        or event.get("eventTime")
        or event.get("firstTimestamp")
        or _meta(event).get("creationTimestamp")
    )
    return parse_time(when) or _EPOCH, _int(_meta(event).get("resourceVersion"))


def latest_event(events: Iterable[Mapping[str, Any]], pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The newest core/v1 Event whose involvedObject is this pod (matched by uid when both have one, else by name)."""
    name = _meta(pod).get("name")
    uid = _meta(pod).get("uid")
    about = []
    for event in events:
        involved = event.get("involvedObject") or event.get("regarding") or {}
        if involved.get("kind", "Pod") != "Pod" or involved.get("name") != name:
            continue
        if uid and involved.get("uid") and involved.get("uid") != uid:
            continue
        about.append(event)
    return max(about, key=_event_key) if about else None


def describe_event(event: Mapping[str, Any] | None) -> str:
    """`Warning Failed: Error: ImagePullBackOff`; a repeated event adds its count: `Warning BackOff (x4): …`."""
    if not event:
        return ""
    count = _int(event.get("count")) or _int((event.get("series") or {}).get("count"))
    times = f" (x{count})" if count > 1 else ""
    message = event.get("message") or event.get("note") or ""
    return f"{event.get('type', 'Normal')} {event.get('reason', '')}{times}: {message}".rstrip(": ")


def diagnose(
    pods: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]] = (),
    *,
    deadline_passed: bool = False,
) -> Diagnosis | None:
    """The first stuck pod among `pods` (already filtered to the new revision), by severity then name.

    Hard failures (waiting reasons, unschedulable) are reported before mere unreadiness, so a
    deadline that passes while one pod crash-loops names the crash loop.
    """
    events = list(events)
    found: list[tuple[int, str, Mapping[str, Any], tuple[str, str]]] = []
    for pod in pods:
        failure = pod_failure(pod, deadline_passed)
        if (failure is None or failure[0] == NOT_READY) and events:
            failure = mount_failure(pod, events) or failure
        if failure is not None:
            found.append((1 if failure[0] == NOT_READY else 0, str(_meta(pod).get("name", "")), pod, failure))
    if not found:
        return None
    _, name, pod, (reason, message) = min(found, key=lambda item: item[:2])
    return Diagnosis(name, reason, message, describe_event(latest_event(events, pod)))
