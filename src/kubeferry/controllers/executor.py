"""Perform a reconcile's actions through a transport, in order.

- Consecutive `CreateObject`s go out in slow-start batches (1, 2, 4, …) and stop after the first
  batch with a failure, as upstream's ReplicaSet controller does; the rest wait for the next pass.
- A 404 on delete is success (someone got there first).
- Any other failure ends the pass with the `StatusError`, and the runner retries the key.
- `RecordEvent` writes a core/v1 Event through the component's `EventCorrelator`
  (`controllers.events`): an identical repeat patches count, lastTimestamp and message of the
  Event already written; the 10th distinct message of one (object, type, reason) within 600 s
  turns into one "(combined from similar events): …" Event; past a burst of 25 per (component,
  object, type), refilled one per 300 s of cluster time, events are dropped, all as upstream.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from kubeferry.client.transport import STRATEGIC, Transport
from kubeferry.controllers import events
from kubeferry.controllers.actions import (
    CreateObject,
    DeleteObject,
    PatchObject,
    RecordEvent,
    RequeueAfter,
    UpdateObject,
    UpdateStatus,
)
from kubeferry.controllers.replicaset import slow_start_batches
from kubeferry.machinery import status as st
from kubeferry.machinery.podutil import format_time


def _time(moment: datetime) -> str:
    return format_time(moment)


# Controllers whose pod creations and deletions are reported on the owner, as upstream's are.
POD_EVENT_COMPONENTS = frozenset({"replicaset-controller", "daemonset-controller", "job-controller"})


# The involvedObject fields an Event copies from the object it is about, in the order it lists them.
_INVOLVED_META_FIELDS = ("namespace", "name", "uid")


class EventRecorder:
    """Writes controllers' Events through one `EventCorrelator` per component, as upstream's
    per-process recorders do: repeats bump one Event's count, similar events combine, and a
    component that keeps reporting on one object is rate limited (see `controllers.events`)."""

    def __init__(self, transport: Transport, rng: random.Random | None = None):
        self.transport = transport
        self.rng = rng or random.Random(0)
        self._correlators: dict[str, events.EventCorrelator] = {}
        # On a virtual clock thousands of events share one instant: its text and nanoseconds are
        # worked out once per instant.
        self._instant: datetime | None = None
        self._instant_text = ""
        self._instant_nanos = 0

    def _at(self, now: datetime) -> None:
        if now is not self._instant:
            self._instant_text = _time(now)
            self._instant_nanos = int(now.timestamp() * 1e9)
            self._instant = now

    def _name(self, ref_name: str, now: datetime) -> str:
        # Upstream's name is the object's name and the time in hex nanoseconds; on a virtual clock
        # many events about one object share an instant, so a random offset keeps names apart.
        self._at(now)
        return f"{ref_name}.{self._instant_nanos + self.rng.randrange(1 << 20):x}"

    def correlator(self, component: str) -> events.EventCorrelator:
        found = self._correlators.get(component)
        if found is None:
            found = self._correlators[component] = events.EventCorrelator(make_name=self._name)
        return found

    def record(self, action: RecordEvent, component: str, now: datetime) -> None:
        regarding = action.regarding
        meta = regarding.get("metadata") or {}
        # involvedObject: kind, namespace, name, uid, apiVersion, resourceVersion, fieldPath, the empty
        # ones left out; the metadata's value (even an empty one) wins over a top-level one.
        kind = regarding.get("kind", "")
        if meta:
            namespace = meta["namespace"] if "namespace" in meta else regarding.get("namespace", "")
            name = meta["name"] if "name" in meta else regarding.get("name", "")
            uid = meta["uid"] if "uid" in meta else regarding.get("uid", "")
            version = meta["resourceVersion"] if "resourceVersion" in meta else regarding.get("resourceVersion", "")
        else:
            namespace = regarding.get("namespace", "")
            name = regarding.get("name", "")
            uid = regarding.get("uid", "")
            version = regarding.get("resourceVersion", "")
        api_version = regarding.get("apiVersion", "")
        field_path = regarding.get("fieldPath")
        involved = {}
        if kind:
            involved["kind"] = kind
        if namespace:
            involved["namespace"] = namespace
        if name:
            involved["name"] = name
        if uid:
            involved["uid"] = uid
        if api_version:
            involved["apiVersion"] = api_version
        if version:
            involved["resourceVersion"] = version
        if field_path:
            involved["fieldPath"] = field_path
        self._at(now)
        stamp = self._instant_text
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": self._name(name, now), "namespace": namespace or "default"},
            "involvedObject": involved,
            "reason": action.reason,
            "message": action.message,
            "type": action.type,
            "source": {"component": component},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": "",
        }
        # The spam key (`events.spam_key`) of this event, from the parts it was built of.
        base = (component, "", kind or "", namespace or "", name or "", uid or "", api_version or "", action.type)
        correlator = self._correlators.get(component) or self.correlator(component)
        result = correlator.correlate(event, now, base, owned=True)
        if result.skip or result.event is None:
            return
        written = self._write(result.event, result.patch)
        if written is not None:
            correlator.update_state(written)

    def _write(self, event: dict, patch: dict | None) -> dict | None:
        """Patch the existing Event, or create it (also when the patch finds it gone); best effort.

        `event` is the recorder's own (built for this record), so a new Event goes out as it is."""
        meta = event["metadata"]
        if patch is not None:
            try:
                return self.transport.patch("v1", "Event", meta["namespace"], meta["name"], patch, STRATEGIC)
            except st.StatusError as e:
                if e.code != 404:
                    return None
        if "resourceVersion" in meta:
            created = dict(event)
            created["metadata"] = {k: v for k, v in meta.items() if k != "resourceVersion"}
        else:
            created = event
        try:
            return self.transport.create(created)
        except st.StatusError:
            return None  # refused events are dropped, as upstream


def _pod_event(
    recorder: EventRecorder, pod: dict, kind: str, reason: str, message: str, component: str, now: datetime
) -> None:
    """ReplicaSet-style events about a pod, recorded on the pod's controlling owner."""
    if pod.get("kind") != "Pod" or component not in POD_EVENT_COMPONENTS:
        return
    meta = pod.get("metadata") or {}
    for ref in meta.get("ownerReferences") or ():
        if ref.get("controller"):
            owner = {
                "apiVersion": ref.get("apiVersion", ""),
                "kind": ref.get("kind", ""),
                "metadata": {
                    "name": ref.get("name", ""),
                    "namespace": meta.get("namespace", ""),
                    "uid": ref.get("uid", ""),
                },
            }
            recorder.record(RecordEvent(owner, kind, reason, message), component, now)
            return


def execute(
    actions: list,
    transport: Transport,
    recorder: EventRecorder,
    component: str,
    now: datetime,
    requeue: Callable[[float], None],
) -> None:
    i = 0
    while i < len(actions):
        action = actions[i]
        if isinstance(action, CreateObject):
            run = i
            while run < len(actions) and isinstance(actions[run], CreateObject):
                run += 1
            creates = actions[i:run]
            done = 0
            for batch in slow_start_batches(len(creates)):
                failure = None
                for create in creates[done : done + batch]:
                    try:
                        made = transport.create(create.obj)
                    except st.StatusError as e:
                        if e.reason == "Forbidden" and "being terminated" in e.message:
                            continue
                        failure = e
                        _pod_event(
                            recorder,
                            create.obj,
                            "Warning",
                            "FailedCreate",
                            f"Error creating: {e.message}",
                            component,
                            now,
                        )
                    else:
                        _pod_event(
                            recorder,
                            made,
                            "Normal",
                            "SuccessfulCreate",
                            f"Created pod: {made['metadata']['name']}",
                            component,
                            now,
                        )
                done += batch
                if failure is not None:
                    raise failure
            i = run
            continue
        if isinstance(action, UpdateObject):
            transport.update(action.obj, subresource=action.subresource)
        elif isinstance(action, UpdateStatus):
            transport.update(action.obj, subresource="status")
        elif isinstance(action, PatchObject):
            transport.patch(
                action.api_version,
                action.kind,
                action.namespace,
                action.name,
                action.patch,
                STRATEGIC,
                action.subresource,
            )
        elif isinstance(action, DeleteObject):
            options: dict = {"propagationPolicy": action.propagation}
            if action.uid:
                options["preconditions"] = {"uid": action.uid}
            if action.grace_period_seconds is not None:
                options["gracePeriodSeconds"] = action.grace_period_seconds
            pod = transport.get("v1", "Pod", action.namespace, action.name) if action.kind == "Pod" else None
            try:
                transport.delete(action.api_version, action.kind, action.namespace, action.name, options)
            except st.StatusError as e:
                if e.code != 404:
                    if pod is not None:
                        _pod_event(
                            recorder, pod, "Warning", "FailedDelete", f"Error deleting: {e.message}", component, now
                        )
                    raise
            else:
                if pod is not None:
                    _pod_event(
                        recorder, pod, "Normal", "SuccessfulDelete", f"Deleted pod: {action.name}", component, now
                    )
        elif isinstance(action, RecordEvent):
            recorder.record(action, component, now)
        elif isinstance(action, RequeueAfter):
            requeue(action.seconds)
        i += 1
