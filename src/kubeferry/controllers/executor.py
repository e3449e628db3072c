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
  The runner's recorder holds its records and writes them in batches between passes, in order and as
  the controller that recorded each (`EventRecorder.hold`, `flush`), as upstream's recorders hand
  events to a broadcaster that writes them on its own goroutine.
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


# An Event's name ends in a number from the instant's nanoseconds on: the first at an instant is those
# plus a random offset below this, the next ones count up from it (`EventRecorder._at`, `_name`).
NAME_OFFSETS = 1 << 20
_SPAM_KEY = events.spam_key
_AS_BUILT = events.AS_BUILT


def described(obj: dict) -> str:
    """`Pod shop/web-1` (`Node n1`) for a log line: an object or a reference."""
    meta = obj.get("metadata") or obj
    namespace, name = meta.get("namespace"), meta.get("name", "")
    return f"{obj.get('kind', '')} {namespace}/{name}" if namespace else f"{obj.get('kind', '')} {name}"


def _involved(kind, namespace, name, uid, api_version, version, field_path) -> dict:
    """An Event's involvedObject: the reference's fields in this order, the empty ones left out."""
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
    return involved


def _template_key(component: str, host: str) -> str:
    """Where `EventRecorder._templates` keeps the template of `component` on `host` (most have no host)."""
    return component + "\0" + host if host else component


class EventRecorder:
    """Writes controllers' Events through one `EventCorrelator` per component, as upstream's
    per-process recorders do: repeats bump one Event's count, similar events combine, and a
    component that keeps reporting on one object is rate limited (see `controllers.events`)."""

    def __init__(self, transport: Transport, rng: random.Random | None = None):
        self.transport = transport
        self.rng = rng or random.Random(0)
        self._correlators: dict[str, events.EventCorrelator] = {}
        # The transport's create and patch, looked up once per transport (the controllers' transport
        # forwards attribute look-ups, a call each).
        self._bound_to: Transport | None = None
        self._create: Callable[[dict], dict] | None = None
        self._patch: Callable[..., dict] | None = None
        self._in_process = False  # `_create` is an in-process `create_event`, which stores the event as sent
        # On a virtual clock thousands of events share one instant: its text and nanoseconds are
        # worked out once per instant.
        self._instant: datetime | None = None
        self._instant_text = ""
        self._instant_nanos = 0
        self._next_number = 0  # the number the next Event's name ends in (`_at`, `_name`)
        # Per component, the instant's Event with the fields every record shares (`_template`).
        self._templates: dict[str, dict] = {}
        # While held (`hold`): the records waiting for `flush`, each with the identity it was made as.
        self.held: list[tuple] | None = None
        self.writer: object = None  # that identity, set by whoever runs the passes; None outside them

    def _at(self, now: datetime) -> None:
        if now is not self._instant:
            self._instant_text = _time(now)
            self._instant_nanos = int(now.timestamp() * 1e9)
            self._instant = now
            self._templates = {}
            # Upstream names an Event after its object and the nanosecond it was made, so names grow in
            # the order events are made, and `kubectl describe` / `get events` (sorted by lastTimestamp,
            # then by name as listed) show events of one second in that order.  On a virtual clock
            # thousands share an instant: the first takes the instant plus a random offset (the control
            # plane seeds `rng` from the store's state, so one started again at the same instant starts
            # elsewhere), the next ones count up from it, and no number is smaller than one given before.
            self._next_number = max(self._instant_nanos + self._offset(), self._next_number)

    def _template(self, component: str, host: str = "") -> dict:
        """The Event `component` (on `host`, if any) records at the current instant, its own fields left
        None: a record copies it (one copy of the whole dict costs less than building it key by key) and
        sets them."""
        stamp = self._instant_text
        template = self._templates[_template_key(component, host)] = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": None,
            "involvedObject": None,
            "reason": None,
            "message": None,
            "type": None,
            "source": None,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host,
        }
        return template

    def _offset(self) -> int:
        """The random part of an instant's first Event name (drawn once per instant)."""
        return self.rng.randrange(NAME_OFFSETS)

    def _name(self, ref_name: str, now: datetime) -> str:
        # Upstream's name is the object's name and the time in hex nanoseconds (see `_at`).
        if now is not self._instant:
            self._at(now)
        number = self._next_number
        self._next_number = number + 1
        return f"{ref_name}.{number:x}"

    def correlator(self, component: str) -> events.EventCorrelator:
        found = self._correlators.get(component)
        if found is None:
            found = self._correlators[component] = events.EventCorrelator(make_name=self._name)
        return found

    def record(self, action: RecordEvent, component: str, now: datetime) -> None:
        self.record_about(action.regarding, action.type, action.reason, action.message, component, now, action.host)

    def hold(self) -> None:
        """Keep records until `flush` instead of writing each at once.

        Upstream's recorders do not write either: they hand each event to a broadcaster, whose own
        goroutine correlates and writes them in order.  Written in a batch, thousands of Events cost
        less than interleaved one by one with the passes that record them (the same correlation and
        writing code runs over and over while it is warm): a 1,000-replica rollout goes ~3% quicker.
        A record keeps `regarding` as it was: a stored object or a reference built for the record,
        neither changed once made."""
        if self.held is None:
            self.held = []

    def flush(self, act_as: Callable[..., tuple] | None, on_failure: Callable[[str, str, dict], None]) -> int:
        """Write the held records in the order they were made; returns how many.

        With `act_as` (the transport's), each goes out as the `writer` it was made under (one made
        under None as the identity of the moment), and the identity is restored at the end.  Writing
        an Event is best effort: a failure (switching identity included) is handed to
        `on_failure(component, reason, regarding)` while it is being handled, and the rest go on."""
        held = self.held
        if not held:
            return 0
        self.held = []
        writer = restore = None
        try:
            for made_as, regarding, type_, reason, message, component, now, host in held:
                try:
                    if act_as is not None and made_as is not None and made_as != writer:
                        previous = act_as(*made_as)
                        writer = made_as
                        if restore is None:
                            restore = previous
                    self._record(regarding, type_, reason, message, component, now, host)
                except Exception:  # noqa: BLE001 - one Event's failure must not lose the others
                    on_failure(component, reason, regarding)
        finally:
            if restore is not None:
                act_as(*restore)
        return len(held)

    def record_about(
        self, regarding: dict, type_: str, reason: str, message: str, component: str, now: datetime, host: str = ""
    ) -> None:
        """`record` of a `RecordEvent(regarding, type_, reason, message, host)`, its parts given as they are
        (the recorder's own callers skip building the action); held for `flush` after `hold`."""
        held = self.held
        if held is None:
            self._record(regarding, type_, reason, message, component, now, host)
        else:
            held.append((self.writer, regarding, type_, reason, message, component, now, host))

    def _record(
        self, regarding: dict, type_: str, reason: str, message: str, component: str, now: datetime, host: str = ""
    ) -> None:
        """Write one record now (`record_about`).

        The correlator decides from the event's parts and keys (`EventCorrelator.correlate_parts`), so
        an event the spam filter drops is never built; one created as built is remembered under the
        key it was correlated with (`update_created`)."""
        get = regarding.get
        meta = get("metadata")
        # involvedObject: kind, namespace, name, uid, apiVersion, resourceVersion, fieldPath, the empty
        # ones left out; the metadata's value (even an empty one) wins over a top-level one.
        kind = get("kind", "")
        if meta:
            namespace = meta["namespace"] if "namespace" in meta else get("namespace", "")
            name = meta["name"] if "name" in meta else get("name", "")
            uid = meta["uid"] if "uid" in meta else get("uid", "")
            version = meta["resourceVersion"] if "resourceVersion" in meta else get("resourceVersion", "")
        else:
            namespace = get("namespace", "")
            name = get("name", "")
            uid = get("uid", "")
            version = get("resourceVersion", "")
        api_version = get("apiVersion", "")
        field_path = get("fieldPath")
        if now is not self._instant:
            self._at(now)
        number = self._next_number  # `_name`, written out
        self._next_number = number + 1
        event_name = f"{name}.{number:x}"
        event_namespace = namespace or "default"
        if kind and namespace and name and uid and api_version:
            involved = {"kind": kind, "namespace": namespace, "name": name, "uid": uid, "apiVersion": api_version}
            if version:
                involved["resourceVersion"] = version
            if field_path:
                involved["fieldPath"] = field_path
        else:
            involved = None
            # The keys read a missing field as "" (`events.spam_key`).
            kind = kind or ""
            namespace = namespace or ""
            name = name or ""
            uid = uid or ""
            api_version = api_version or ""
        # The event's spam, aggregate and full keys (`events.spam_key`, `aggregate_key`, `event_key`),
        # from the parts it is built of (the source's host is also the reporting instance).
        base = "".join((component, host, kind, namespace, name, uid, api_version, type_))
        group = base + reason + component + host
        key = "".join(
            (component, host, kind, namespace, name, field_path or "", uid, api_version, type_, reason, message)
        )
        correlator = self._correlators.get(component) or self.correlator(component)
        stamp = self._instant_text
        if correlator.spam_key is _SPAM_KEY:
            verdict = correlator.correlate_parts(now, stamp, base, group, key, message, event_name, name)
            if verdict is None:
                return
        else:
            verdict = None
        if involved is None:
            involved = _involved(kind, namespace, name, uid, api_version, version, field_path)
        template = self._templates.get(_template_key(component, host))
        event = (template or self._template(component, host)).copy()
        event["metadata"] = {"name": event_name, "namespace": event_namespace}
        event["involvedObject"] = involved
        event["reason"] = reason
        event["message"] = message
        event["type"] = type_
        event["source"] = {"component": component, "host": host} if host else {"component": component}
        built = event
        if verdict is _AS_BUILT:
            # The dedupe log waits for what the write tells (`correlate_parts`).
            if self.transport is not self._bound_to:
                self._bind()
            if self._in_process:
                # `_write` of a new Event, which goes out as built
                try:
                    written = self._create(event)
                except st.StatusError:
                    correlator.remember(key, (1, stamp, event_name, ""))
                    return  # refused events are dropped, as upstream
                if written is event:
                    correlator.remember_created(key, written)
                    return
                correlator.remember(key, (1, stamp, event_name, ""))
                if written is not None:
                    correlator.update_state(written)
                return
            correlator.remember(key, (1, stamp, event_name, ""))
            patch = None
        elif verdict is None:
            # a correlator with a spam key of its own
            answer = correlator.correlate_owned(event, now, base, group, key)
            if answer is None:
                return
            event, patch = answer
        else:
            event, patch = correlator.owned_answer(event, verdict)
        written = self._write(event, patch)
        if written is built and self._in_process:
            # created as built (not combined, no patch) by the in-process registry: its key is `key`
            correlator.update_created(key, written)
        elif written is not None:
            correlator.update_state(written)

    def _bind(self) -> None:
        """Look up the transport's create and patch (again, if the transport was replaced)."""
        transport = self.transport
        # An in-process transport takes the recorder's own Events by a shorter way (`create_event`).
        create_event = getattr(transport, "create_event", None)
        self._in_process = create_event is not None
        self._bound_to, self._patch = transport, transport.patch
        self._create = create_event or transport.create

    def _write(self, event: dict, patch: dict | None) -> dict | None:
        """Patch the existing Event, or create it (also when the patch finds it gone); best effort.

        `event` is the recorder's own (built for this record), so a new Event goes out as it is."""
        meta = event["metadata"]
        if self.transport is not self._bound_to:
            self._bind()
        if patch is not None:
            try:
                return self._patch("v1", "Event", meta["namespace"], meta["name"], patch, STRATEGIC)
            except st.StatusError as e:
                if e.code != 404:
                    return None
        if "resourceVersion" in meta:
            created = dict(event)
            created["metadata"] = {k: v for k, v in meta.items() if k != "resourceVersion"}
        else:
            created = event
        try:
            return self._create(created)
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
                "namespace": meta.get("namespace", ""),
                "name": ref.get("name", ""),
                "uid": ref.get("uid", ""),
            }
            recorder.record_about(owner, kind, reason, message, component, now)
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
        if isinstance(action, RecordEvent):  # the most frequent action (a kubelet's pass records several)
            recorder.record_about(
                action.regarding, action.type, action.reason, action.message, component, now, action.host
            )
            i += 1
            continue
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
            # The pod is read for the owner's SuccessfulDelete/FailedDelete event (`_pod_event`), which only
            # the pod-owning controllers record: a kubelet's final delete reads nothing first.
            pod = (
                transport.get("v1", "Pod", action.namespace, action.name)
                if action.kind == "Pod" and component in POD_EVENT_COMPONENTS
                else None
            )
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
        elif isinstance(action, RequeueAfter):
            requeue(action.seconds)
        i += 1
