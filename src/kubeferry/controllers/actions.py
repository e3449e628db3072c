"""What a controller decides to do, as plain data: the executor performs it, tests compare it.

Every reconciler is a pure function `(object, owned objects, now) -> list[Action]`.  Actions
are applied in order by one executor; a failed action (a 409 conflict, a 404) ends that pass
and the key is requeued, exactly as an upstream sync that returns an error.

    [CreateObject(ReplicaSet my-app-5d9c7b5f6, replicas 0),
     RecordEvent(Deployment my-app, Normal, ScalingReplicaSet, "Scaled up replica set ... to 3"),
     UpdateObject(ReplicaSet ..., replicas 3),
     UpdateStatus(Deployment my-app, ...),
     RequeueAfter(30.0)]

Actions are made by the thousand (a 1,000-replica rollout: ~15,000), so they are slotted dataclasses,
not frozen ones: a frozen dataclass sets each field through `object.__setattr__` (~3.5 us for a
RecordEvent against ~1 us).  Nothing changes an action once it is made.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class CreateObject:
    """Create `obj` (apiVersion/kind/metadata.namespace say where)."""

    obj: dict


@dataclass(slots=True)
class UpdateObject:
    """PUT the whole object; `obj.metadata.resourceVersion` is the optimistic-concurrency guard.

    `subresource` names a write-only subresource such as a Namespace's `finalize`.
    """

    obj: dict
    subresource: str = ""


@dataclass(slots=True)
class UpdateStatus:
    """PUT the object's status subresource."""

    obj: dict


@dataclass(slots=True)
class PatchObject:
    """A strategic merge patch of one object (adoption and release of owner references)."""

    api_version: str
    kind: str
    namespace: str
    name: str
    patch: dict
    subresource: str = ""


@dataclass(slots=True)
class DeleteObject:
    api_version: str
    kind: str
    namespace: str
    name: str
    uid: str = ""
    propagation: str = "Background"
    grace_period_seconds: int | None = None


@dataclass(slots=True)
class RecordEvent:
    """An Event about `regarding` (a full object or an ObjectReference-like dict).  `host`: the node
    whose component records it (a kubelet's: its `source.host` and `reportingInstance`), else empty."""

    regarding: dict
    type: str
    reason: str
    message: str
    host: str = ""


@dataclass(slots=True)
class RequeueAfter:
    """Look at this key again after `seconds` of cluster time (deadlines, minReadySeconds)."""

    seconds: float


Action = CreateObject | UpdateObject | UpdateStatus | PatchObject | DeleteObject | RecordEvent | RequeueAfter
