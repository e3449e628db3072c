"""The simulated kubelet: one level-based look at one pod bound to a node → status writes, events, next look.

Owns what a kubelet shows about a pod without running anything: the pod status (phase, conditions,
container states, IPs, restart counts), the events a kubelet records (Pulling, Pulled, Created, Started,
Killing, Unhealthy, BackOff, Failed, FailedMount) and the deletion hand-off (containers stop, then the kubelet deletes
the pod with grace 0).  Container logs derived from the status (`container_log_lines`) live here too.

**Level-based and deterministic.**  No state decides anything between looks: the pod's whole history is
*replayed* from its anchors: the bind time (the `PodScheduled` condition's `lastTransitionTime`), its
behaviour (behaviour.py), the stage profile (profiles.py, the order and the delays) and which of its
images the node held at the bind time (only the pull events depend on it), up to `now`.
(A replay is kept per pod and continued by the next look while its inputs are unchanged — see
"the replay, kept between looks" below — which gives the same answer as replaying from scratch.)  Every transition is stamped with the time it is *due*, not the time it is looked
at, so the result does not depend on when the looks happen:

    bound 10:00:00, startup-seconds 2, ready-seconds 3
    → 10:00:00 Accepted (startTime, IPs, ContainerCreating; event Pulling)
    → 10:00:02 Running  (running.startedAt 10:00:02; events Pulled, Created, Started)
    → 10:00:05 Ready    (Ready condition True since 10:00:05)
    a look at 10:00:01 writes the Accepted status and answers "look again in 1.0 s".

The replay yields one status snapshot per transition.  The snapshot the current status equals tells which
transitions are already written; the events of the later ones are recorded now (a status matching no
snapshot — rules changed, a foreign writer — falls back to "events newer than the newest timestamp in
the status").

**Upstream facts used** (kubelet v1.37):

* Conditions in the order PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled;
  not-ready messages `containers with unready status: [a b]`, init `containers with incomplete status:
  [init]` (the init containers still incomplete); a Succeeded pod's Ready and ContainersReady get reason
  `PodCompleted` (and Initialized True for `PodCompleted`), a Failed pod's `PodFailed`.  Readiness
  gates hold Ready False (`ReadinessGatesNotReady`) until their conditions are True.
* Phase: Pending until the init containers are done and a container has run; Running while a container
  runs or restarts; Succeeded / Failed once every container terminated and none will restart (a deleted
  pod ends terminal too: Succeeded when every container exited 0).
* Crash-loop backoff (per container): the first exit restarts at once; later exits wait the current
  backoff, measured from the container's `finishedAt`: 10 s, doubled on each restart up to 300 s
  (worked example: exits at 0 s, 1 s after the restart … → waits 0, 10, 20, 40, 80, 160, 300, 300 s).
  A container that ran more than 600 s (2 × the 300 s cap) since the last restart starts over at 0.
  While waiting: state `waiting.reason CrashLoopBackOff`, message `back-off 20s restarting failed
  container=app pod=web-1_default(<uid>)`, Warning event BackOff `Back-off restarting failed container
  app in pod web-1_default(<uid>)`.
* Image pulls: a node keeps what it pulled.  A container whose image the node already holds (pulled by
  an earlier pod there; policy IfNotPresent or Never) records only Normal Pulled `Container image "x"
  already present on machine`; the first pod of an image on a node records Pulling and Pulled
  `Successfully pulled image "x" in …`.  Which images the node held is taken at the pod's bind time.
* Image pull failures: a failed pull is `ErrImagePull` (Warning Failed `Failed to pull image "x": <error>` and
  `Error: ErrImagePull`), then `ImagePullBackOff` (Normal BackOff `Back-off pulling image "x"`, Warning
  Failed `Error: ImagePullBackOff`); the next attempt comes 10 s after the failure, doubling up to 300 s.
* Liveness: failing `failureThreshold` (default 3) probes `periodSeconds` (default 10) apart → a Warning
  Unhealthy `Liveness probe failed: …` per failed probe, Normal Killing `Container app failed liveness
  probe, will be restarted`, then the container restarts under the same backoff.  Readiness is not
  touched until the kill.
* Readiness probes: Ready comes once `successThreshold` probes in a row have passed, the first at
  `initialDelaySeconds` (behaviour.py's default ready-seconds).  A probe before that window fails: a
  never-ready container's at its initial delay and then once a `periodSeconds`, a slow one's (ready-seconds
  past the initial delay) until the app answers, the pod turning Ready at ready-seconds all the same.
  Each failure is a Warning Unhealthy `Readiness probe failed: …` (the recorder counts them up on one
  Event).  Failed probes' outputs: HTTP `HTTP probe failed with statuscode: 500`, TCP `dial tcp <host or
  pod IP>:<port>: connect: connection refused`, gRPC `service unhealthy (responded with "NOT_SERVING")`,
  exec nothing (no command runs).
* Missing ConfigMaps/Secrets (not `optional`): a volume naming one keeps the pod in ContainerCreating
  without sandbox or IP (Warning FailedMount `MountVolume.SetUp failed for volume "cfg" : configmap
  "app-config" not found`, retried after 0.5 s, doubling up to 2m2s); an env source keeps the container
  waiting `CreateContainerConfigError` (Warning Failed `Error: couldn't find key colour in ConfigMap
  default/app-config`, retried every 10 s).  The wait ends when the content history shows the data
  (see "waiting for ConfigMaps and Secrets" below).
* Deletion: `deletionTimestamp` = request time + grace, so the request was at `deletionTimestamp -
  deletionGracePeriodSeconds`.  The request changes no status (readiness probes go on while a pod
  terminates; endpoints drop the pod for its deletionTimestamp), Killing `Stopping container app` is
  recorded, and the containers stop after preStop (`sleep.seconds`) + stop-seconds, or are killed at
  the grace deadline (exit 137).  Then the pod is deleted with grace 0.  A terminal status is never
  rewritten.
"""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import hashlib
import ipaddress
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubeferry.controllers.actions import Action, DeleteObject, RecordEvent, UpdateStatus
from kubeferry.machinery.podutil import format_time, parse_time
from kubeferry.simulation import behaviour as _behaviour
from kubeferry.simulation import mounts as _mounts
from kubeferry.simulation import profiles as _profiles

# --- names ------------------------------------------------------------------------------------------

NORMAL, WARNING = "Normal", "Warning"
EVENT_PULLING, EVENT_PULLED, EVENT_CREATED, EVENT_STARTED = "Pulling", "Pulled", "Created", "Started"
EVENT_KILLING, EVENT_UNHEALTHY, EVENT_BACKOFF, EVENT_FAILED = "Killing", "Unhealthy", "BackOff", "Failed"
EVENT_FAILED_MOUNT = "FailedMount"

COND_READY_TO_START = "PodReadyToStartContainers"
COND_INITIALIZED = "Initialized"
COND_READY = "Ready"
COND_CONTAINERS_READY = "ContainersReady"
COND_SCHEDULED = "PodScheduled"
CONDITION_ORDER = (COND_READY_TO_START, COND_INITIALIZED, COND_READY, COND_CONTAINERS_READY)
REASON_CONTAINERS_NOT_READY = "ContainersNotReady"
REASON_CONTAINERS_NOT_INITIALIZED = "ContainersNotInitialized"
REASON_POD_COMPLETED = "PodCompleted"
REASON_POD_FAILED = "PodFailed"
REASON_GATES_NOT_READY = "ReadinessGatesNotReady"

WAIT_CONTAINER_CREATING = "ContainerCreating"
WAIT_POD_INITIALIZING = "PodInitializing"
WAIT_CRASH_LOOP = "CrashLoopBackOff"
WAIT_ERR_IMAGE_PULL = "ErrImagePull"
WAIT_IMAGE_PULL_BACKOFF = "ImagePullBackOff"
WAIT_CONFIG_ERROR = "CreateContainerConfigError"
TERM_COMPLETED, TERM_ERROR = "Completed", "Error"
TERM_UNKNOWN = "ContainerStatusUnknown"
TERM_UNKNOWN_MESSAGE = "The container could not be located when the pod was terminated"

EXIT_CRASH = 1
EXIT_KILLED = 137  # 128 + SIGKILL

# Backoff (kubelet flowcontrol): initial 10 s, doubling, capped at 300 s; reset after 2 × the cap.
BACKOFF_INITIAL = 10.0
BACKOFF_MAX = 300.0
BACKOFF_RESET_AFTER = 2 * BACKOFF_MAX

DEFAULT_GRACE_SECONDS = 30
DEFAULT_PROBE_PERIOD = _behaviour.DEFAULT_PROBE_PERIOD_SECONDS
DEFAULT_FAILURE_THRESHOLD = 3
DEFAULT_POD_CIDR = "10.244.0.0/24"
FIRST_POD_HOST = 2  # .0 is the network, .1 the bridge
# A pod sync that fails (a container's ConfigMap/Secret missing) is tried again after the pod workers'
# back-off period; volume set-up retries back off on their own: 0.5 s, doubling, capped at 2m2s.
SYNC_RETRY_SECONDS = 10.0
MOUNT_RETRY_INITIAL = 0.5
MOUNT_RETRY_MAX = 122.0
MAX_TRANSITIONS = 20_000  # a replay guard; a 300 s crash loop makes ~36 transitions an hour
# What failing probes answer (upstream's probe packages word them).
HTTP_FAILURE = "HTTP probe failed with statuscode: 500"
GRPC_FAILURE = 'service unhealthy (responded with "NOT_SERVING")'

# Pod states with a status written (anything after Scheduled).
STATE_SCHEDULED = "Scheduled"
# A readiness probe has just failed (again): a never-ready container's, or one before a slow start has
# passed; the status stays as it was.
STATE_READINESS_FAILED = "ReadinessProbeFailed"

# The shortcuts of the most frequent looks (see "the replay, kept between looks"); each gives the
# answer of the general path, which the tests check by running seeded looks with it switched off.
FAST_PATHS = True


# --- the replay model -------------------------------------------------------------------------------


@dataclass
class _Container:
    name: str
    image: str
    init: bool = False
    sidecar: bool = False
    state: str = "waiting"  # waiting | running | terminated
    reason: str = ""
    message: str = ""
    started_at: _dt.datetime | None = None
    finished_at: _dt.datetime | None = None
    exit_code: int = 0
    ready: bool = False
    restart_count: int = 0
    last: dict | None = None
    pulled: bool = False
    created: bool = False
    seed: str = ""
    fetched: bool = False  # the image is on the node (a start that failed later pulled it)

    @property
    def field_path(self) -> str:
        return f"spec.{'initContainers' if self.init else 'containers'}{{{self.name}}}"


@dataclass
class _Model:
    state: str = STATE_SCHEDULED
    start_time: _dt.datetime | None = None
    # type -> (status, reason, message, time); tuples, which the cyclic GC stops tracking
    conditions: dict[str, tuple] = field(default_factory=dict)
    inits: list[_Container] = field(default_factory=list)
    containers: list[_Container] = field(default_factory=list)
    init_index: int = 0
    terminal_phase: str = ""
    pull_started: _dt.datetime | None = None
    exit_code: int = 0
    exited_at: _dt.datetime | None = None
    restart_wait: float = 0.0
    backoff: tuple[float, _dt.datetime] | None = None  # (current backoff, last update)
    pull_backoff: tuple[float, _dt.datetime] | None = None
    pull_failed_at: _dt.datetime | None = None
    pull_attempts: int = 0
    sandbox: bool = True  # False while volumes wait: no pod IP, PodReadyToStartContainers False
    hold: _Hold | None = None  # a transition held back by a missing ConfigMap/Secret
    probed_at: _dt.datetime | None = None  # the last failed readiness probe
    unready: str = ""  # the containers-not-ready message, made on first use (the containers never change)

    def set_condition(self, kind: str, status: str, at: _dt.datetime, reason: str = "", message: str = "") -> None:
        old = self.conditions.get(kind)
        since = old[3] if old and old[0] == status else at
        self.conditions[kind] = (status, reason, message, since)

    def clone(self) -> _Model:
        """An independent copy: the transitions replace condition tuples, containers' fields and `last`
        dicts rather than changing them in place, so copying one level of each is enough."""
        twin = _shallow(self)
        twin.conditions = dict(self.conditions)
        twin.inits = [_shallow(c) for c in self.inits]
        twin.containers = [_shallow(c) for c in self.containers]
        return twin


@dataclass(frozen=True)
class _Hold:
    """A transition the kubelet cannot make yet, and its retries.

    `stage` is the profile stage held back; `wait` "mount" (volumes, before the sandbox) or "env"
    (a container's environment); `tried` the last attempt and `retry` the next; `delay` the current
    retry interval (mounts back off, env retries every SYNC_RETRY_SECONDS)."""

    stage: _profiles.Stage
    wait: str
    tried: _dt.datetime
    retry: _dt.datetime
    delay: float


def _shallow(obj: Any) -> Any:
    """copy.copy for these plain dataclasses, without the pickle protocol's cost."""
    twin = object.__new__(type(obj))
    twin.__dict__.update(obj.__dict__)
    return twin


class _Snapshot:
    """The pod after one transition: when, its status (managed part) and the events it records.

    The status may be given, or rendered on first use: a look that plays several transitions writes
    only the last status, and the earlier ones are rendered only when a later look compares them
    with what is stored (in a plain rollout never: the first look plays Accepted, ContainerCreating,
    Running and Ready at the bind instant and only Ready's status is written and compared).  The
    newest snapshot of a timeline shares the timeline's model (`live`); whoever changes that model
    next calls `detach` first.  A detached snapshot whose transitions were all plain `_transition`
    calls (`_Steps`: no ConfigMap/Secret gate can hold them) keeps no model at all: asked for its
    status, it replays the recorded steps from the pod's initial model (`_Steps.materialize`,
    rendering every other pending snapshot on the way, so a timeline is replayed at most once per
    look that needs it).  Otherwise detaching takes a copy of the model.
    """

    __slots__ = ("at", "events", "_status", "_managed", "_model", "_ctx", "_steps", "_index", "_same", "_shape")

    def __init__(self, at: _dt.datetime, status: dict | None, events: list[tuple[str, str, str, str]]) -> None:
        self.at = at
        self.events = tuple(events)  # (type, reason, message, fieldPath); kept as tuples, untracked by the GC
        self._status = status
        self._managed: dict | None = None
        self._model: _Model | None = None
        self._ctx: _Context | None = None
        self._steps: _Steps | None = None
        self._index = 0
        # A deletion's Terminating snapshot: the snapshot before it, whose status it repeats (the request
        # changes no status: readiness holds while a pod terminates; `_terminating`).
        self._same: _Snapshot | None = None
        # A snapshot taken from a plan: (the plan step, the pod's bind-time offset from the plan's),
        # whose status shape (`_PlanStep.shape`) renders it without the model.
        self._shape: tuple[_PlanStep, _dt.timedelta] | None = None

    @classmethod
    def deferred(
        cls,
        at: _dt.datetime,
        model: _Model,
        ctx: _Context,
        events: list,
        live: bool = False,
        steps: _Steps | None = None,
        index: int = 0,
    ) -> _Snapshot:
        snapshot = cls(at, None, events)
        snapshot._model, snapshot._ctx = (model if live else model.clone()), ctx
        snapshot._steps, snapshot._index = steps, index
        return snapshot

    @classmethod
    def repeating(cls, before: _Snapshot, at: _dt.datetime, events: list) -> _Snapshot:
        """A snapshot at `at` recording `events` whose status is `before`'s (rendered only if asked for)."""
        snapshot = cls(at, None, events)
        snapshot._same = before
        return snapshot

    def detach(self, model: _Model) -> None:
        """`model` is about to change: a snapshot still to be rendered from it replays or takes a copy."""
        if self._model is model:
            self._model = None if self._steps is not None else model.clone()

    @property
    def status(self) -> dict:
        if self._status is None:
            if FAST_PATHS and self._shape is not None:
                step, delta = self._shape
                self._status = step.shape(delta).render(self._ctx.seed, self._ctx)
            elif self._model is not None:
                self._status = _render(self._model, self._ctx)
            elif self._same is not None:
                self._status = self._same.status
            else:
                self._steps.materialize(self._index, self._ctx)
            self._model = self._ctx = self._steps = self._shape = None
        return self._status

    def matches(self, wanted: Mapping[str, Any]) -> bool:
        """`managed == wanted` (a Terminating snapshot answers as the snapshot it repeats)."""
        if self._same is not None and self._status is None:
            return self._same.matches(wanted)
        if FAST_PATHS and self._managed is None:
            # A rendered phase is a non-empty string, which `_managed` keeps: another phase in `wanted`
            # rules the snapshot out without building its managed part (a look at a pod that moved on).
            # (The comparison below renders the status anyway.)
            status = self.status
            phase = status.get("phase")
            if phase and isinstance(phase, str) and wanted.get("phase") != phase:
                return False
            return _is_managed_part(wanted, status)
        return self.managed == wanted

    @status.setter
    def status(self, value: dict) -> None:
        self._status, self._managed = value, None

    @property
    def managed(self) -> dict:
        """`_managed(status)`, computed once (a snapshot's status is never changed after the replay)."""
        if self._managed is None:
            self._managed = _managed(self.status)
        return self._managed


class _Steps:
    """The transitions a timeline played, as (next state, due) pairs, to rebuild its snapshots' models.

    Kept only while every transition was a plain `_transition` (the pod needs no ConfigMap/Secret,
    so nothing is held): each is then a pure function of the model before it, the state, the time
    and the timeline's context (whose inputs the fingerprint pins).  `snapshots[i]` is the snapshot
    after `played[i]`."""

    __slots__ = ("pod", "seed", "played", "snapshots")

    def __init__(self, pod: Mapping[str, Any], seed: str, snapshots: list[_Snapshot]) -> None:
        self.pod, self.seed, self.snapshots = pod, seed, snapshots
        self.played: list[tuple[str, _dt.datetime]] = []

    def materialize(self, index: int, ctx: _Context) -> _Model:
        """Replay the steps up to `index` from the initial model, rendering every snapshot still pending;
        returns the model after `index` (`ctx`: any context of the timeline; all play the same)."""
        model = _initial_model(self.pod, self.seed)
        for position in range(index + 1):
            state, due = self.played[position]
            _transition(model, state, due, ctx)
            snapshot = self.snapshots[position]
            if snapshot._status is None and snapshot._model is None:
                snapshot._status = _render(model, snapshot._ctx or ctx)
                snapshot._ctx = snapshot._steps = snapshot._shape = None
        return model


class _Context:
    """What one look reads besides the model: the pod, its node, behaviour, profile and addresses.

    `facts` (`_facts`: restart policy, Job ownership, liveness probe, the behaviour's delays, the pod's
    images already on its node) are read from the pod once per timeline and handed to the next look's
    context (the timeline's fingerprint guarantees the pod's spec, owners and behaviour are unchanged;
    the images on the node are taken as they were when the timeline began)."""

    __slots__ = (
        "pod",
        "node",
        "behaviour",
        "profile",
        "seed",
        "host_ip",
        "pod_ip",
        "history",
        "needs",
        "facts",
        "restart_policy",
        "job_pod",
        "liveness",
        "behaviour_seconds",
        "on_node",
        "_foreign",
    )

    def __init__(
        self,
        pod: Mapping[str, Any],
        node: Mapping[str, Any],
        behaviour: _behaviour.Behaviour,
        profile: _profiles.Profile,
        seed: str,
        host_ip: str,
        pod_ip: str,
        history: _mounts.ContentHistory | None = None,
        needs: _mounts.Needs | None = None,
        facts: tuple | None = None,
    ) -> None:
        self.pod, self.node, self.behaviour, self.profile, self.seed = pod, node, behaviour, profile, seed
        self.host_ip, self.pod_ip, self.history, self.needs = host_ip, pod_ip, history, needs
        if facts is None:
            facts = _facts(pod, behaviour)
        self.facts = facts
        self.restart_policy, self.job_pod, self.liveness, self.behaviour_seconds, self.on_node = facts
        self._foreign: list[tuple[dict, bool]] | None = None

    @property
    def foreign_conditions(self) -> list[tuple[dict, bool]]:
        """The pod's conditions the kubelet does not own (PodScheduled, readiness gates …), each with
        whether it is flat (copied with `dict`) — read from the pod once per look."""
        if self._foreign is None:
            foreign = self._foreign = []
            for existing in (self.pod.get("status") or {}).get("conditions") or ():
                if existing.get("type") not in CONDITION_ORDER:
                    flat = True
                    for value in existing.values():
                        if isinstance(value, _NESTED):
                            flat = False
                            break
                    foreign.append((existing, flat))
        return self._foreign


def _facts(pod: Mapping[str, Any], behaviour: _behaviour.Behaviour, on_node: frozenset[str] = frozenset()) -> tuple:
    """(restartPolicy, owned by a Job, the liveness probe, the behaviour's delays, the images of its
    containers already on its node when it was bound) of one pod."""
    return _restart_policy(pod), _is_job_pod(pod), _liveness(pod), behaviour.seconds(), on_node


# --- small helpers ----------------------------------------------------------------------------------


def _aware(moment: _dt.datetime) -> _dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def _plus(moment: _dt.datetime, seconds: float) -> _dt.datetime:
    return moment + _dt.timedelta(seconds=seconds) if seconds else moment


def go_duration(seconds: float) -> str:
    """Go's time.Duration text: 0s, 250ms, 1.5s, 10s, 1m20s, 5m0s, 1h0m0s."""
    if seconds == 0:
        return "0s"
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    whole_minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(int(whole_minutes), 60)
    text = f"{rest:.9f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{hours}h{minutes}m{text}"
    if minutes:
        return f"{minutes}m{text}"
    return text


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


@functools.lru_cache(maxsize=4096)
def normalized_image(image: str) -> str:
    """A reference as containerd resolves it: `nginx` → `docker.io/library/nginx:latest`."""
    name, tag = image, ""
    if "@" in name:
        return name if "/" in name.split("@")[0] else "docker.io/library/" + name
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = "docker.io/library/" + name
    elif "." not in first and ":" not in first and first != "localhost":
        name = "docker.io/" + name
    return f"{name}:{tag or 'latest'}"


@functools.lru_cache(maxsize=4096)
def image_id(image: str) -> str:
    """The image's repo digest as the runtime reports it (`imageID`): for `nginx:1.25` a digest made
    up from the name, `docker.io/library/nginx@sha256:…`; an image pulled by digest is that digest,
    `busybox@sha256:ab…` → `docker.io/library/busybox@sha256:ab…`."""
    if "@" in image:
        return normalized_image(image)
    return f"{normalized_image(image).rsplit(':', 1)[0]}@sha256:{_digest('image', normalized_image(image))}"


@functools.lru_cache(maxsize=4096)
def image_size(image: str) -> int:
    """A deterministic, plausible compressed image size in bytes (10–100 MB)."""
    return 10_000_000 + int(_digest("size", normalized_image(image))[:8], 16) % 90_000_000


@functools.lru_cache(maxsize=4096)
def pull_error(image: str) -> str:
    ref = normalized_image(image)
    return (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
        f'failed to resolve reference "{ref}": {ref}: not found'
    )


def pod_ip(pod: Mapping[str, Any], node: Mapping[str, Any]) -> str:
    """A deterministic address in the node's podCIDR from the pod uid (or namespace/name).

    Worked example: podCIDR 10.244.1.0/24 (254 usable hosts, .1 kept for the bridge) and a uid hash
    of 1000 → host 2 + 1000 % 252 = 246 → 10.244.1.246.
    """
    spec = pod.get("spec") or {}
    if spec.get("hostNetwork"):
        return node_internal_ip(node)
    cidr = (node.get("spec") or {}).get("podCIDR") or DEFAULT_POD_CIDR
    base, usable, v4 = _pod_network(cidr)
    meta = pod.get("metadata") or {}
    key = meta.get("uid") or f"{meta.get('namespace', '')}/{meta.get('name', '')}"
    # The first 6 bytes of the digest: the number its first 12 hex digits spell, without the hex text.
    value = base + FIRST_POD_HOST + int.from_bytes(hashlib.sha256(f"ip/{key}".encode()).digest()[:6]) % usable
    if v4:  # dotted quad by hand: ipaddress' arithmetic and text cost more than the hash
        return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"
    return str(ipaddress.IPv6Address(value))


@functools.lru_cache(maxsize=4096)
def _pod_network(cidr: str) -> tuple[int, int, bool]:
    """The podCIDR's network address as a number, how many pod addresses it has and whether it is IPv4
    (parsed once per CIDR: a look then needs no ipaddress objects)."""
    network = ipaddress.ip_network(cidr, strict=False)
    return int(network.network_address), max(1, network.num_addresses - FIRST_POD_HOST - 1), network.version == 4


def node_internal_ip(node: Mapping[str, Any]) -> str:
    for address in (node.get("status") or {}).get("addresses") or ():
        if address.get("type") == "InternalIP":
            return address.get("address") or ""
    return ""


def _format_pod(pod: Mapping[str, Any]) -> str:
    """Upstream format.Pod: `name_namespace(uid)`."""
    meta = pod.get("metadata") or {}
    return f"{meta.get('name', '')}_{meta.get('namespace', '')}({meta.get('uid', '')})"


def _restart_policy(pod: Mapping[str, Any]) -> str:
    return (pod.get("spec") or {}).get("restartPolicy") or "Always"


def _is_job_pod(pod: Mapping[str, Any]) -> bool:
    refs = (pod.get("metadata") or {}).get("ownerReferences") or ()
    return any(r.get("kind") == "Job" and r.get("controller") for r in refs)


def _containers_spec(pod: Mapping[str, Any], key: str) -> list[dict]:
    return list((pod.get("spec") or {}).get(key) or ())


def _liveness(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    for container in _containers_spec(pod, "containers"):
        if container.get("livenessProbe"):
            return container["livenessProbe"]
    return {}


def _readiness_probes(pod: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The readiness probe of each regular container that has one, by container name, in spec order."""
    return {
        c.get("name", ""): c["readinessProbe"] for c in _containers_spec(pod, "containers") if c.get("readinessProbe")
    }


# Upstream's kubelet lists at most this many images in node.status.images (nodeStatusMaxImages).
NODE_STATUS_MAX_IMAGES = 50


class NodeImages:
    """The images each node holds, as its container runtime would, and what each pod was told.

    `held` maps a node name to the normalized images (`normalized_image`) its pods have shown pulled,
    each with the earliest `startedAt` of a container that ran it there (`lastState` included).  A node
    keeps its images when its pods go (no image garbage collection); an image seen before the Node
    object was created is not counted (a node of that name deleted and added again starts empty).

    `decided` keeps, per pod uid, which of its images the node held when the pod was bound, as its
    first timeline was told (`images_on_node`): a timeline built again for the pod (changed annotations,
    a dropped cache) gets the same answer, so its pull events never contradict the ones recorded.  It
    is forgotten when the pod is deleted.  After a restart both are rebuilt from the stored pods; a pod
    still starting then may be told otherwise than before (images of pods deleted before the restart
    are not known), which changes only its later pull events.

    Fed by the kubelets' pod and node watches (`simulation.catalog`)."""

    def __init__(self) -> None:
        self.held: dict[str, dict[str, _dt.datetime]] = {}
        self.decided: dict[str, frozenset[str]] = {}

    def observe(self, pod: Mapping[str, Any], prev: Mapping[str, Any] | None) -> None:
        """Take the images `pod`'s status shows pulled and started (a change from `prev`)."""
        status = pod.get("status")
        if not status or (prev is not None and prev.get("status") is status):
            return  # no status, or the same one (a metadata or spec write)
        node = (pod.get("spec") or {}).get("nodeName")
        if not node:
            return
        for key in ("initContainerStatuses", "containerStatuses"):
            for container in status.get(key) or ():
                image = container.get("image")
                if not container.get("imageID") or not isinstance(image, str):
                    continue
                for state in (container.get("state"), container.get("lastState")):
                    if not state:
                        continue
                    since = parse_time((state.get("running") or state.get("terminated") or {}).get("startedAt"))
                    if since is None:
                        continue
                    held = self.held.get(node)
                    if held is None:
                        held = self.held[node] = {}
                    name = normalized_image(image)
                    known = held.get(name)
                    if known is None or since < known:
                        held[name] = since

    def forget_pod(self, pod: Mapping[str, Any]) -> None:
        self.decided.pop((pod.get("metadata") or {}).get("uid") or "", None)

    def status_images(self, node: str) -> list[dict]:
        """`node.status.images` of `node`, as upstream's kubelet reports its runtime's images: the
        largest first (by name among equal sizes), at most `NODE_STATUS_MAX_IMAGES`, each named by its
        digest and then its tag (an image pulled by digest has no tag).  [] for a node without images."""
        held = self.held.get(node)
        if not held:
            return []
        ranked = sorted(held, key=lambda image: (-image_size(image), image))[:NODE_STATUS_MAX_IMAGES]
        return [
            {"names": [image_id(image)] if "@" in image else [image_id(image), image], "sizeBytes": image_size(image)}
            for image in ranked
        ]

    def forget_node(self, node: str) -> None:
        self.held.pop(node, None)


def images_on_node(
    pod: Mapping[str, Any],
    node: Mapping[str, Any],
    bound: _dt.datetime,
    images: NodeImages | None,
    behaviour: _behaviour.Behaviour,
) -> frozenset[str]:
    """The pod's container images its node already held when the pod was bound at `bound`.

    Upstream's kubelet asks the runtime whether an image is there before it pulls: the first pod of an
    image on a node pulls it, a later one (policy IfNotPresent or Never) records `Container image "x"
    already present on machine` instead.  A simulated pull takes no time of its own (it is part of the
    start), so an image a container started with at the very instant of the bind counts as there.  A pod
    whose outcome is `image-pull-error` always pulls.  The answer for a pod is kept (`NodeImages.decided`)."""
    if images is None or behaviour.outcome == _behaviour.OUTCOME_IMAGE_PULL_ERROR:
        return frozenset()
    uid = (pod.get("metadata") or {}).get("uid") or ""
    if uid:
        known = images.decided.get(uid)
        if known is not None:
            return known
    node_meta = node.get("metadata") or {}
    held = images.held.get(node_meta.get("name") or "")
    found = set()
    if held:
        created = parse_time(node_meta.get("creationTimestamp"))
        spec = pod.get("spec") or {}
        for key in ("initContainers", "containers"):
            for container in spec.get(key) or ():
                image = container.get("image")
                if isinstance(image, str):
                    since = held.get(normalized_image(image))
                    if since is not None and since <= bound and (created is None or since >= created):
                        found.add(image)
    answer = frozenset(found)
    if uid:
        images.decided[uid] = answer
    return answer


def _bound_at(pod: Mapping[str, Any], now: _dt.datetime) -> _dt.datetime:
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == COND_SCHEDULED and condition.get("status") == "True":
            moment = parse_time(condition.get("lastTransitionTime"))
            if moment is not None:
                return moment
    return parse_time((pod.get("metadata") or {}).get("creationTimestamp")) or now


def _deletion_request(pod: Mapping[str, Any]) -> tuple[_dt.datetime, float] | None:
    """(when the delete was requested, its grace seconds), or None when the pod is not being deleted."""
    meta = pod.get("metadata") or {}
    deadline = parse_time(meta.get("deletionTimestamp"))
    if deadline is None:
        return None
    grace = meta.get("deletionGracePeriodSeconds")
    if grace is None:
        grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
    if FAST_PATHS and type(grace) in _NUMBERS:
        return _requested(deadline, grace)  # the pods of one rollout share a handful of (deadline, grace)
    return _plus(deadline, -float(grace or 0)), float(grace or 0)


_NUMBERS = (int, float)


@functools.lru_cache(maxsize=1024)
def _requested(deadline: _dt.datetime, grace: float) -> tuple[_dt.datetime, float]:
    """(request time, grace seconds) for a deadline and a numeric grace (memoised; 30 and 30.0 answer alike)."""
    return _plus(deadline, -float(grace or 0)), float(grace or 0)


def _pre_stop_seconds(pod: Mapping[str, Any]) -> float:
    """The longest preStop `sleep.seconds` of the regular containers (exec/httpGet hooks take no time)."""
    longest = 0.0
    for container in _containers_spec(pod, "containers"):
        hook = ((container.get("lifecycle") or {}).get("preStop") or {}).get("sleep") or {}
        longest = max(longest, float(hook.get("seconds") or 0))
    return longest


# --- facts and transitions --------------------------------------------------------------------------


def _next_stage(model: _Model, ctx: _Context) -> _profiles.Stage | None:
    """The profile's stage for the model's facts (state, outcome, restartPolicy, initPending, jobPod, and
    for an exited container exitCode and backoff), given as (name, value) pairs sorted by name."""
    init_pending = "true" if model.init_index < len(model.inits) else "false"
    job_pod = "true" if ctx.job_pod else "false"
    state = model.state
    outcome = ctx.behaviour.outcome
    # The readiness probe's fact, for the stages that ask (it sorts between outcome and restartPolicy).
    probe_fact = None
    if outcome == _behaviour.OUTCOME_NEVER_READY:
        probe_fact = ("readinessProbe", "true" if _readiness_probes(ctx.pod) else "false")
    elif state in _PROBING_STATES and outcome in _READY_OUTCOMES:
        probes = _readiness_probes(ctx.pod)
        if probes:
            failing = _next_probe_fails(model, ctx, next(iter(probes.values())))
            probe_fact = ("readinessFailing", "true" if failing else "false")
    common: tuple = (("initPending", init_pending), ("jobPod", job_pod), ("outcome", outcome))
    if probe_fact is not None:
        common += (probe_fact,)
    common += (("restartPolicy", ctx.restart_policy), ("state", state))
    if state == "Exited":
        backoff = "none" if model.restart_wait == 0 else "waiting"
        return ctx.profile.match_items((("backoff", backoff), ("exitCode", str(model.exit_code)), *common))
    return ctx.profile.match_items(common)


def _computed_delays(model: _Model, ctx: _Context, at: _dt.datetime) -> dict[str, float]:
    computed: dict[str, float] = {}
    if model.exited_at is not None:
        computed["crash-backoff"] = max(0.0, (_plus(model.exited_at, model.restart_wait) - at).total_seconds())
    if model.pull_backoff is not None and model.pull_failed_at is not None:
        due = _plus(model.pull_failed_at, model.pull_backoff[0])
        computed["image-backoff"] = max(0.0, (due - at).total_seconds())
    probe = ctx.liveness
    period = float(probe.get("periodSeconds") or DEFAULT_PROBE_PERIOD)
    threshold = int(probe.get("failureThreshold") or DEFAULT_FAILURE_THRESHOLD)
    computed["liveness-kill"] = max(0, threshold - 1) * period
    if model.state in _PROBING_STATES:
        probes = _readiness_probes(ctx.pod)
        if probes:
            first = next(iter(probes.values()))
            if model.state == STATE_READINESS_FAILED:
                computed["readiness-probe"] = float(first.get("periodSeconds") or DEFAULT_PROBE_PERIOD)
                ready_at = _ready_at(model, ctx)
                if ready_at is not None:
                    computed["readiness-remaining"] = max(0.0, (ready_at - at).total_seconds())
            else:
                computed["readiness-probe"] = float(first.get("initialDelaySeconds") or 0)
    return computed


# The states a readiness probe runs in before the pod is Ready, and the outcomes whose probes come to pass.
_PROBING_STATES = frozenset({"Running", STATE_READINESS_FAILED})
_READY_OUTCOMES = frozenset({_behaviour.OUTCOME_READY, _behaviour.OUTCOME_LIVENESS_FAIL})


def _ready_at(model: _Model, ctx: _Context) -> _dt.datetime | None:
    """When the running containers turn Ready: their start plus the behaviour's ready-seconds."""
    started = model.containers[0].started_at if model.containers else None
    return None if started is None else _plus(started, ctx.behaviour.ready_seconds)


def _next_probe_fails(model: _Model, ctx: _Context, probe: Mapping[str, Any]) -> bool:
    """Whether the next readiness probe (`probe`, the first probed container's) fails: it comes before the
    app answers, i.e. before the `successThreshold` passes that end at ready-seconds begin.

    Worked example: ready-seconds 30, initialDelaySeconds 0, periodSeconds 5, successThreshold 1 → probes
    at 0, 5, … 25 s fail, the one at 30 s passes.  With the default ready-seconds (the initial delay plus
    a period per further success) the first probe already passes."""
    started = model.containers[0].started_at if model.containers else None
    if started is None:
        return False
    period = float(probe.get("periodSeconds") or DEFAULT_PROBE_PERIOD)
    if model.state == STATE_READINESS_FAILED and model.probed_at is not None:
        next_probe = _plus(model.probed_at, period)
    else:
        next_probe = _plus(started, float(probe.get("initialDelaySeconds") or 0))
    passes = max(1, int(probe.get("successThreshold") or 1))
    return next_probe < _plus(started, ctx.behaviour.ready_seconds - (passes - 1) * period)


def _names(containers: list[_Container]) -> str:
    return "[" + " ".join(c.name for c in containers) + "]"


def _not_initialized(model: _Model, at: _dt.datetime) -> None:
    """Initialized False, naming the init containers still incomplete: a regular one until it exited 0
    (ready), a sidecar until it started.  Upstream recomputes it on every status; here at the moments
    the init containers move (accepted, one completed), so a sidecar started since is named until then."""
    incomplete = [
        c
        for c in model.inits
        if (c.state != "running" if c.sidecar else not (c.state == "terminated" and c.exit_code == 0))
    ]
    model.set_condition(
        COND_INITIALIZED,
        "False",
        at,
        REASON_CONTAINERS_NOT_INITIALIZED,
        f"containers with incomplete status: {_names(incomplete)}",
    )


def _ready_unless_gated(model: _Model, at: _dt.datetime, ctx: _Context) -> None:
    """Ready once the containers are, unless a readiness gate's condition is missing or not True
    (upstream's status/generate.go GeneratePodReadyCondition, its messages joined by ", ").

    The gates' conditions are written by others and read as the pod has them now (a change of one
    starts the replay again, `_fingerprint`); a gate that turned True after the containers became
    ready makes the pod Ready at that condition's transition time."""
    gates = (ctx.pod.get("spec") or {}).get("readinessGates") or ()
    since = at  # when Ready turned True: the containers' moment, or a gate's later turn
    fell = None  # when a gate's condition turned from True after the containers were ready
    unready = []
    if gates:
        conditions = {existing.get("type"): existing for existing, _ in ctx.foreign_conditions}
        for gate in gates:
            kind = gate.get("conditionType") if isinstance(gate, dict) else None
            found = conditions.get(kind)
            if found is None:
                unready.append(f"corresponding condition of pod readiness gate {_go_quote(kind)} does not exist.")
                continue
            turned = parse_time(found.get("lastTransitionTime"))
            if found.get("status") != "True":
                unready.append(
                    f'the status of pod readiness gate {_go_quote(kind)} is not "True", but {found.get("status") or ""}'
                )
                if turned is not None and turned > at and (fell is None or turned > fell):
                    fell = turned
            elif turned is not None and turned > since:
                since = turned
    if not unready:
        model.set_condition(COND_READY, "True", since)
    elif fell is not None:
        # The gate went back to not True after the pod was Ready: Ready turned False then.
        model.conditions[COND_READY] = ("False", REASON_GATES_NOT_READY, ", ".join(unready), fell)
    else:
        model.set_condition(COND_READY, "False", at, REASON_GATES_NOT_READY, ", ".join(unready))


def _go_quote(text: object) -> str:
    """Go's %q of a condition type (a plain string; anything else as its text)."""
    return json.dumps(str(text or ""), ensure_ascii=False)


def _not_ready(model: _Model, at: _dt.datetime) -> None:
    message = model.unready
    if not message:
        message = model.unready = f"containers with unready status: {_names(model.containers)}"
    model.set_condition(COND_READY, "False", at, REASON_CONTAINERS_NOT_READY, message)
    model.set_condition(COND_CONTAINERS_READY, "False", at, REASON_CONTAINERS_NOT_READY, message)


Events = list[tuple[str, str, str, str]]


def _start_events(
    c: _Container, ctx: _Context, at: _dt.datetime, pull_started: _dt.datetime | None, model: _Model
) -> Events:
    events = _pull_events(c, ctx, at, pull_started, model)
    events.append((NORMAL, EVENT_CREATED, f"Created container: {c.name}", c.field_path))
    events.append((NORMAL, EVENT_STARTED, f"Started container {c.name}", c.field_path))
    return events


def _pull_policy(c: _Container, ctx: _Context) -> str | None:
    return next(
        (
            s.get("imagePullPolicy")
            for s in _containers_spec(ctx.pod, "initContainers" if c.init else "containers")
            if s.get("name") == c.name
        ),
        None,
    )


def _needs_pull(c: _Container, ctx: _Context, again: bool = False) -> bool:
    """Whether the container's start pulls its image: not when the image is there (the node has it —
    another pod pulled it before this one was bound — or, `again`, this container or another of the pod
    pulled it) and the pull policy is not Always — upstream's IfNotPresent/Never."""
    return not (again or c.image in ctx.on_node) or _pull_policy(c, ctx) == "Always"


def _pulled_in_pod(c: _Container, model: _Model) -> bool:
    """Whether another container of the pod has pulled `c`'s image already: the kubelet pulls one image
    at a time, so a container started after it (the next init container, a sibling later in the list)
    finds the image on the machine."""
    image = c.image
    for other in (*model.inits, *model.containers):
        if other is not c and other.image == image and (other.pulled or other.fetched):
            return True
    return False


def _pull_events(
    c: _Container, ctx: _Context, at: _dt.datetime, pull_started: _dt.datetime | None, model: _Model
) -> Events:
    """Pulled (or Pulling and Pulled): the image step of every container start, also of one that fails later."""
    events: Events = []
    again = c.pulled or c.fetched  # a later start of this container: its pull step comes again
    if not _needs_pull(c, ctx, again or _pulled_in_pod(c, model)):
        events.append((NORMAL, EVENT_PULLED, f'Container image "{c.image}" already present on machine', c.field_path))
    else:
        if pull_started is None or again:
            events.append((NORMAL, EVENT_PULLING, f'Pulling image "{c.image}"', c.field_path))
            pull_started = at
        took = go_duration(max(0.0, (at - pull_started).total_seconds()))
        events.append(
            (
                NORMAL,
                EVENT_PULLED,
                f'Successfully pulled image "{c.image}" in {took} ({took} including waiting). '
                f"Image size: {image_size(c.image)} bytes.",
                c.field_path,
            )
        )
    return events


def _run(c: _Container, at: _dt.datetime) -> None:
    if c.state == "terminated":
        c.last = _terminated(c)
    if c.created:
        c.restart_count += 1
    c.state, c.reason, c.message = "running", "", ""
    c.started_at, c.finished_at = at, None
    c.pulled = c.created = True
    c.ready = False


def _terminate(c: _Container, at: _dt.datetime, exit_code: int, reason: str, message: str = "") -> None:
    c.state, c.reason, c.message = "terminated", reason, message
    c.exit_code, c.finished_at, c.ready = exit_code, at, False


def _terminated(c: _Container) -> dict:
    body: dict[str, Any] = {"exitCode": c.exit_code}
    if c.created:
        body["containerID"] = _container_id(c)
    if c.finished_at is not None:
        body["finishedAt"] = format_time(c.finished_at)
    if c.message:
        body["message"] = c.message
    body["reason"] = c.reason
    if c.started_at is not None:
        body["startedAt"] = format_time(c.started_at)
    return {"terminated": body}


def _container_id(c: _Container) -> str:
    return _container_id_of(c.seed, c.name, c.restart_count)


@functools.lru_cache(maxsize=8192)
def _container_id_of(seed: str, name: str, restart_count: int) -> str:
    """A container's id: rendered for every status of its pod, the same for one (pod, container, restart)."""
    return "containerd://" + _digest("container", seed, name, str(restart_count))


def _transition(model: _Model, next_state: str, at: _dt.datetime, ctx: _Context) -> Events:
    """Apply one stage's `next` state to the model; returns the events a kubelet records for it."""
    events: Events = []
    model.state = next_state
    if next_state == "Accepted":
        if model.start_time is None:  # kept when the pod waited for its volumes
            model.start_time = at
        model.sandbox = True
        model.set_condition(COND_READY_TO_START, "True", at)
        if model.inits:
            _not_initialized(model, at)
        else:
            model.set_condition(COND_INITIALIZED, "True", at)
        _not_ready(model, at)
        waiting = WAIT_POD_INITIALIZING if model.inits else WAIT_CONTAINER_CREATING
        for c in model.containers:
            c.reason = waiting
        for c in model.inits:
            c.reason = WAIT_POD_INITIALIZING
    elif next_state == "InitContainerRunning":
        c = model.inits[model.init_index]
        events += _start_events(c, ctx, at, None, model)
        _run(c, at)
        c.ready = c.sidecar
    elif next_state == "InitContainerCompleted":
        c = model.inits[model.init_index]
        if not c.sidecar:
            _terminate(c, at, 0, TERM_COMPLETED)
            c.ready = True  # upstream: an init container that exited 0 is ready
        model.init_index += 1
        if model.init_index >= len(model.inits):
            model.set_condition(COND_INITIALIZED, "True", at)
        else:
            _not_initialized(model, at)
    elif next_state == "ContainerCreating":
        model.pull_started = at
        pulling: set[str] = set()  # one pull per image (a later container of the pod finds it there)
        for c in model.containers:
            c.reason = WAIT_CONTAINER_CREATING
            if _needs_pull(c, ctx, c.image in pulling or _pulled_in_pod(c, model)):
                pulling.add(c.image)
                events.append((NORMAL, EVENT_PULLING, f'Pulling image "{c.image}"', c.field_path))
    elif next_state == "ErrImagePull":
        backoff = model.pull_backoff
        if backoff is None or (at - backoff[1]).total_seconds() > BACKOFF_RESET_AFTER:
            model.pull_backoff = (BACKOFF_INITIAL, at)
        else:
            model.pull_backoff = (min(2 * backoff[0], BACKOFF_MAX), at)
        model.pull_failed_at = at
        model.pull_attempts += 1
        for c in model.containers:
            if model.pull_attempts > 1:
                events.append((NORMAL, EVENT_PULLING, f'Pulling image "{c.image}"', c.field_path))
            error = pull_error(c.image)
            c.reason, c.message = WAIT_ERR_IMAGE_PULL, error
            events.append((WARNING, EVENT_FAILED, f'Failed to pull image "{c.image}": {error}', c.field_path))
            events.append((WARNING, EVENT_FAILED, f"Error: {WAIT_ERR_IMAGE_PULL}", c.field_path))
    elif next_state == "ImagePullBackOff":
        for c in model.containers:
            c.reason = WAIT_IMAGE_PULL_BACKOFF
            c.message = f'Back-off pulling image "{c.image}": {WAIT_ERR_IMAGE_PULL}: {pull_error(c.image)}'
            events.append((NORMAL, EVENT_BACKOFF, f'Back-off pulling image "{c.image}"', c.field_path))
            events.append((WARNING, EVENT_FAILED, f"Error: {WAIT_IMAGE_PULL_BACKOFF}", c.field_path))
    elif next_state == "Running":
        restarting = model.exited_at is not None
        if restarting:
            backoff = model.backoff
            if model.restart_wait == 0:
                model.backoff = (BACKOFF_INITIAL, at)
            else:
                model.backoff = (min(2 * backoff[0], BACKOFF_MAX) if backoff else BACKOFF_INITIAL, at)
            model.exited_at = None
        for c in model.containers:
            events += _start_events(c, ctx, at, None if restarting else model.pull_started, model)
            _run(c, at)
        _not_ready(model, at)
    elif next_state == "Ready":
        for c in model.containers:
            c.ready = True
        model.set_condition(COND_CONTAINERS_READY, "True", at)
        _ready_unless_gated(model, at, ctx)
    elif next_state == "Unhealthy":
        # The first failed liveness probe.  Readiness is not touched: upstream's prober keeps liveness
        # and readiness apart, so the pod stays Ready until the container is killed.
        for c in model.containers:
            events.append((WARNING, EVENT_UNHEALTHY, _liveness_failure(ctx), c.field_path))
    elif next_state == STATE_READINESS_FAILED:
        # One failed readiness probe of each probed container (the status stays not ready); upstream's
        # prober records an Unhealthy event per failure, which the event recorder counts up.
        model.probed_at = at
        probes = _readiness_probes(ctx.pod)
        for c in model.containers:
            probe = probes.get(c.name)
            if probe is not None:
                events.append((WARNING, EVENT_UNHEALTHY, _probe_failure("Readiness", probe, ctx), c.field_path))
    elif next_state == "Exited":
        killed = ctx.behaviour.outcome == _behaviour.OUTCOME_LIVENESS_FAIL
        # The failed probes after the first, one period apart up to the threshold, end at the kill: they
        # count on the first one's Event (recorded here, they make its count and lastTimestamp right).
        repeats = max(0, int(ctx.liveness.get("failureThreshold") or DEFAULT_FAILURE_THRESHOLD) - 1) if killed else 0
        for c in model.containers:
            if killed:
                events.extend([(WARNING, EVENT_UNHEALTHY, _liveness_failure(ctx), c.field_path)] * repeats)
                message = f"Container {c.name} failed liveness probe, will be restarted"
                events.append((NORMAL, EVENT_KILLING, message, c.field_path))
                _terminate(c, at, EXIT_KILLED, TERM_ERROR)
            else:
                _terminate(c, at, EXIT_CRASH, TERM_ERROR)
        model.exit_code = EXIT_KILLED if killed else EXIT_CRASH
        model.exited_at = at
        backoff = model.backoff
        if backoff is None or (at - backoff[1]).total_seconds() > BACKOFF_RESET_AFTER:
            model.restart_wait = 0.0
        else:
            model.restart_wait = backoff[0]
        _not_ready(model, at)
    elif next_state == "CrashLoopBackOff":
        wait = go_duration(model.restart_wait)
        for c in model.containers:
            c.last = _terminated(c)
            c.state, c.reason = "waiting", WAIT_CRASH_LOOP
            c.message = f"back-off {wait} restarting failed container={c.name} pod={_format_pod(ctx.pod)}"
            c.started_at = c.finished_at = None
            message = f"Back-off restarting failed container {c.name} in pod {_format_pod(ctx.pod)}"
            events.append((WARNING, EVENT_BACKOFF, message, c.field_path))
    elif next_state == "ContainersCompleted":
        for c in model.containers:
            _terminate(c, at, 0, TERM_COMPLETED)
        model.exit_code = 0
    elif next_state == "PodCompleted":
        _complete(model, at, ctx)
    else:
        raise _profiles.ProfileError(f"unknown state {next_state!r} in profile {ctx.profile.name!r}")
    return events


def _liveness_failure(ctx: _Context) -> str:
    """The Unhealthy message of a failed liveness probe (`_probe_failure`)."""
    return _probe_failure("Liveness", ctx.liveness, ctx)


def _probe_failure(kind: str, probe: Mapping[str, Any], ctx: _Context) -> str:
    """The Unhealthy message of a failed probe, as upstream's prober words it: `<kind> probe failed: ` and
    the probe's output.  An HTTP probe is answered 500, a TCP one refused, a gRPC one NOT_SERVING; an exec
    probe's command prints nothing (the simulation runs no command), so its message ends there.  A TCP
    probe dials its `host` (else the pod IP) at the port number, a port name resolved among the ports of
    the container the probe belongs to."""
    tcp = probe.get("tcpSocket")
    if tcp:
        port = tcp.get("port")
        if isinstance(port, str):
            port = _named_port(ctx.pod, probe, port)
        detail = f"dial tcp {tcp.get('host') or ctx.pod_ip}:{port}: connect: connection refused"
    elif probe.get("grpc"):
        detail = GRPC_FAILURE
    elif probe.get("exec"):
        detail = ""
    else:
        detail = HTTP_FAILURE
    return f"{kind} probe failed: {detail}"


def _named_port(pod: Mapping[str, Any], probe: Mapping[str, Any], name: str) -> int | str:
    """The containerPort named `name` in the container `probe` belongs to (the name itself when none is)."""
    for container in _containers_spec(pod, "containers"):
        if probe is container.get("livenessProbe") or probe is container.get("readinessProbe"):
            for port in container.get("ports") or ():
                if port.get("name") == name:
                    return port.get("containerPort", name)
    return name


def _complete(model: _Model, at: _dt.datetime, ctx: _Context) -> None:
    regular_ok = all(c.state == "terminated" and c.exit_code == 0 for c in model.containers)
    model.terminal_phase = "Succeeded" if regular_ok else "Failed"
    for c in model.inits:
        if c.sidecar and c.state == "running":
            _terminate(c, at, 0, TERM_COMPLETED)
    # Upstream's status/generate.go: ContainersReady (and Ready after it) False for the terminal phase's
    # reason; Initialized True for PodCompleted once the pod Succeeded.
    reason = REASON_POD_COMPLETED if regular_ok else REASON_POD_FAILED
    model.set_condition(COND_READY_TO_START, "False", at)
    if regular_ok:
        model.set_condition(COND_INITIALIZED, "True", at, REASON_POD_COMPLETED)
    model.set_condition(COND_READY, "False", at, reason)
    model.set_condition(COND_CONTAINERS_READY, "False", at, reason)
    model.state = "PodCompleted"


def _terminating(model: _Model, at: _dt.datetime) -> Events:
    """The deletion request: the running containers are told to stop (Killing).  Readiness does not
    change: upstream's kubelet goes on probing readiness while a pod terminates, and a container
    without a readiness probe is ready while it runs, so `kubectl get pods` shows `1/1 Terminating`
    and an EndpointSlice keeps the address as serving (endpoints drop it for its deletion)."""
    events: Events = []
    for c in [*model.inits, *model.containers]:
        if c.state == "running":
            events.append((NORMAL, EVENT_KILLING, f"Stopping container {c.name}", c.field_path))
    model.state = "Terminating"
    return events


def _stopped(model: _Model, at: _dt.datetime, killed: bool, ctx: _Context) -> None:
    for c in [*model.inits, *model.containers]:
        if c.state == "running":
            if killed:
                _terminate(c, at, EXIT_KILLED, TERM_ERROR)
            else:
                _terminate(c, at, 0, TERM_COMPLETED)
                c.ready = c.init and not c.sidecar  # an init container that exited 0 is ready
        elif c.state == "waiting" and not (c.init and not c.created):
            # A container that is not running when the pod stops (ContainerCreating, image pull errors,
            # CrashLoopBackOff) is reported as unknown, exit 137; an init container that never ran stays waiting.
            _terminate(c, at, EXIT_KILLED, TERM_UNKNOWN, TERM_UNKNOWN_MESSAGE)
    _complete(model, at, ctx)


# --- rendering --------------------------------------------------------------------------------------


def _phase(model: _Model) -> str:
    if model.terminal_phase:
        return model.terminal_phase
    if model.start_time is None or model.init_index < len(model.inits):
        return "Pending"
    if any(c.state == "running" or c.created for c in model.containers):
        return "Running"
    return "Pending"


def _container_status(c: _Container) -> dict:
    status: dict[str, Any] = {}
    if c.created and (c.state != "waiting" or c.last):
        # A container waiting to restart keeps its dead instance's id, as upstream's status does
        # (only the state is replaced by the waiting reason).
        status["containerID"] = _container_id(c)
    status["image"] = c.image
    status["imageID"] = image_id(c.image) if c.pulled else ""
    status["lastState"] = _copy_state(c.last) if c.last else {}
    status["name"] = c.name
    status["ready"] = c.ready
    status["restartCount"] = c.restart_count
    status["started"] = c.state == "running"
    if c.state == "running":
        status["state"] = {"running": {"startedAt": format_time(c.started_at)}}
    elif c.state == "terminated":
        status["state"] = _terminated(c)
    else:
        waiting: dict[str, Any] = {}
        if c.message:
            waiting["message"] = c.message
        waiting["reason"] = c.reason or WAIT_CONTAINER_CREATING
        status["state"] = {"waiting": waiting}
    return status


def _copy_state(state: dict) -> dict:
    """A copy of a container state (`{"terminated": {...}}`, scalars inside) for a new status."""
    return {key: dict(body) for key, body in state.items()}


_NESTED = (dict, list)


def _render(model: _Model, ctx: _Context) -> dict:
    """The managed part of the pod status for the model."""
    conditions = _kubelet_conditions(model)
    for existing, flat in ctx.foreign_conditions:
        conditions.append(dict(existing) if flat else copy.deepcopy(existing))
    status: dict[str, Any] = {"phase": _phase(model), "conditions": conditions}
    if model.start_time is not None:
        status["hostIP"] = ctx.host_ip
        status["hostIPs"] = [{"ip": ctx.host_ip}] if ctx.host_ip else []
        if model.sandbox:
            status["podIP"] = ctx.pod_ip
            status["podIPs"] = [{"ip": ctx.pod_ip}]
        status["startTime"] = format_time(model.start_time)
        if model.inits:
            status["initContainerStatuses"] = [_container_status(c) for c in model.inits]
        status["containerStatuses"] = [_container_status(c) for c in model.containers]
    return status


def _kubelet_conditions(model: _Model) -> list[dict]:
    """The conditions the kubelet owns, in their order, as flat dicts."""
    conditions = []
    kept = model.conditions
    for kind in CONDITION_ORDER:
        found = kept.get(kind)
        if found is None:
            continue
        status, reason, message, since = found
        condition: dict[str, Any] = {"lastProbeTime": None, "lastTransitionTime": format_time(since)}
        if message:
            condition["message"] = message
        if reason:
            condition["reason"] = reason
        condition["status"] = status
        condition["type"] = kind
        conditions.append(condition)
    return conditions


class _Shape:
    """A status `_render` gives for a model, less the pod's own values (seed, addresses, foreign conditions).

    Made once per plan step and bind-time offset (`_PlanStep.shape`): the pods of a template bound at
    one instant share the step's times, phase and container shapes, and `render` builds each one's
    status as fresh dicts from it (statuses are written and must share nothing mutable between pods).
    Each container is kept as (its status rendered with seed "", name, restart count, whether its
    status and whether its terminated state carry a container id); `render` puts the pod's ids in."""

    __slots__ = ("phase", "conditions", "started", "sandbox", "inits", "containers")

    def __init__(self, model: _Model) -> None:
        self.phase = _phase(model)
        self.conditions = _kubelet_conditions(model)
        self.started = None if model.start_time is None else format_time(model.start_time)
        self.sandbox = model.sandbox
        self.inits = [self._container(c) for c in model.inits] if model.inits else None
        self.containers = [self._container(c) for c in model.containers]

    @staticmethod
    def _container(c: _Container) -> tuple:
        proto = _container_status(c)
        inner = "containerID" in (proto["state"].get("terminated") or ())
        return proto, c.name, c.restart_count, "containerID" in proto, inner

    def render(self, seed: str, ctx: _Context) -> dict:
        """`_render` of the model this shape was made from, with its containers named from `seed`, in `ctx`."""
        conditions = [dict(condition) for condition in self.conditions]
        for existing, flat in ctx.foreign_conditions:
            conditions.append(dict(existing) if flat else copy.deepcopy(existing))
        status: dict[str, Any] = {"phase": self.phase, "conditions": conditions}
        if self.started is not None:
            host_ip = ctx.host_ip
            status["hostIP"] = host_ip
            status["hostIPs"] = [{"ip": host_ip}] if host_ip else []
            if self.sandbox:
                status["podIP"] = ctx.pod_ip
                status["podIPs"] = [{"ip": ctx.pod_ip}]
            status["startTime"] = self.started
            if self.inits is not None:
                status["initContainerStatuses"] = [_fresh_container(shape, seed) for shape in self.inits]
            status["containerStatuses"] = [_fresh_container(shape, seed) for shape in self.containers]
        return status


def _fresh_container(shape: tuple, seed: str) -> dict:
    """A container status from its shape (`_Shape`): new dicts, the pod's container id in place of seed "'s."""
    proto, name, restarts, top, inner = shape
    status = dict(proto)  # the keys keep their order: the id first, the state last
    status["lastState"] = _copy_state(proto["lastState"])
    state = status["state"] = _copy_state(proto["state"])
    if top or inner:
        container_id = _container_id_of(seed, name, restarts)
        if top:
            status["containerID"] = container_id
        if inner:
            state["terminated"]["containerID"] = container_id
    return status


MANAGED_KEYS = (
    "phase",
    "conditions",
    "hostIP",
    "hostIPs",
    "podIP",
    "podIPs",
    "startTime",
    "initContainerStatuses",
    "containerStatuses",
)
_MANAGED_KEY_SET = frozenset(MANAGED_KEYS)  # membership tests of every key of a stored status


def _carries(value: Any) -> bool:
    """Whether a status value counts as present: None, [] and "" count as absent (0 and False do not)."""
    return bool(value) or (value is not None and value != [] and value != "")


def _managed(status: Mapping[str, Any]) -> dict:
    """The kubelet's keys of `status` that carry a value (`_carries`)."""
    managed = {}
    for key in MANAGED_KEYS:
        value = status.get(key)
        if _carries(value):
            managed[key] = value
    return managed


def _is_managed_part(wanted: Mapping[str, Any], rendered: Mapping[str, Any]) -> bool:
    """`wanted == _managed(rendered)`, without building the managed part (see `_shows`): `wanted` must
    also hold nothing but managed keys with a value."""
    count = 0
    for key in MANAGED_KEYS:
        kept = rendered.get(key)
        if _carries(kept):
            if key not in wanted:
                return False
            value = wanted[key]
            if kept is not value and not kept == value:  # noqa: SIM201 (the dict comparison asks ==)
                return False
            count += 1
    return count == len(wanted)


def _shows(status: Mapping[str, Any], rendered: Mapping[str, Any]) -> bool:
    """`_managed(status) == _managed(rendered)`, without building either: key by key, the same keys carry
    a value (`_carries`) and those values are equal.  `rendered` may be a managed
    part already (`_managed` keeps it as it is)."""
    for key in MANAGED_KEYS:
        value = status.get(key)
        kept = rendered.get(key)
        if _carries(value):
            if not _carries(kept):
                return False
            if kept is not value and not kept == value:  # noqa: SIM201 (the dict comparison asks ==)
                return False
        elif _carries(kept):
            return False
    return True


# --- the replay -------------------------------------------------------------------------------------


def _initial_model(pod: Mapping[str, Any], seed: str) -> _Model:
    inits = [
        _Container(
            c.get("name") or "", c.get("image") or "", init=True, sidecar=c.get("restartPolicy") == "Always", seed=seed
        )
        for c in _containers_spec(pod, "initContainers")
    ]
    containers = [
        _Container(c.get("name") or "", c.get("image") or "", seed=seed) for c in _containers_spec(pod, "containers")
    ]
    return _Model(inits=inits, containers=containers)


def _replay(ctx: _Context, now: _dt.datetime) -> tuple[list[_Snapshot], _dt.datetime | None, bool]:
    """Snapshots of every transition due by `now`, when the next one is due, and whether to delete now."""
    snapshots: list[_Snapshot] = []
    steps = _Steps(ctx.pod, ctx.seed, snapshots) if ctx.needs is None else None
    model = _initial_model(ctx.pod, ctx.seed)
    timeline = _Timeline((), ctx.behaviour, ctx.pod_ip, model, _bound_at(ctx.pod, now), snapshots, steps=steps)
    deletion = _deletion_request(ctx.pod)
    cut = None if deletion is None else min(deletion[0], now)
    _extend(timeline, ctx, now, cut)
    snapshots = timeline.snapshots
    if cut is None:
        return snapshots, _next_due(timeline), False
    return _deletion_tail(timeline.model, ctx, snapshots, cut, deletion[1], now, keep=False, steps=steps)


def _next_due(timeline: _Timeline) -> _dt.datetime | None:
    if timeline.finished or timeline.pending is None or len(timeline.snapshots) >= MAX_TRANSITIONS:
        return None
    return timeline.pending[1]


def _deletion_tail(
    model: _Model,
    ctx: _Context,
    snapshots: list[_Snapshot],
    cut: _dt.datetime,
    grace: float,
    now: _dt.datetime,
    keep: bool,
    steps: _Steps | None = None,
    planned: tuple[_Plan, _PlanStep, _dt.timedelta] | None = None,
) -> tuple[list[_Snapshot], _dt.datetime | None, bool]:
    """Deletion: the request records Killing and changes no status (readiness holds while a pod
    terminates); containers stop after preStop + stop-seconds or at the deadline.

    Plays on `model`; with `keep` on a copy of it unless the answer deletes the pod now (the caller
    then drops the model: only a pod still stopping needs it as it was for its next look).  The
    Terminating snapshot repeats the status of the snapshot before it (`_Snapshot.repeating`).

    `planned` (the plan, its step and the pod's bind-time offset) says `model` is that step's model
    moved to the pod, as `_play_plan` left it: a pod deleted now then takes the Terminating events and
    the stopped status from the step (`_PlanStep.stopped`) and `model` is left as it was (the caller
    drops it)."""
    if model.start_time is None or model.terminal_phase:
        return snapshots, None, True
    fast = FAST_PATHS and planned is not None
    wanted = (planned[0].pre_stop() if fast else _pre_stop_seconds(ctx.pod)) + ctx.behaviour.stop_seconds
    stop_at = _plus(cut, min(wanted, grace))
    if fast and stop_at <= now and snapshots:
        events, shape = planned[1].stopped(planned[2], cut, stop_at, wanted > grace, ctx)
        snapshots.append(_Snapshot.repeating(snapshots[-1], cut, events))
        snapshots.append(_Snapshot(stop_at, shape.render(ctx.seed, ctx), []))
        return snapshots, None, True
    if keep and stop_at > now:
        model = model.clone()
    elif snapshots:
        snapshots[-1].detach(model)
    events = _terminating(model, cut)
    if snapshots:
        terminating = _Snapshot.repeating(snapshots[-1], cut, events)
    else:
        terminating = _Snapshot(cut, _render(model, ctx), events)
    snapshots.append(terminating)
    if stop_at > now:
        return snapshots, stop_at, False
    _stopped(model, stop_at, wanted > grace, ctx)
    snapshots.append(_Snapshot(stop_at, _render(model, ctx), []))
    return snapshots, None, True


# --- waiting for ConfigMaps and Secrets ----------------------------------------------------------------
#
# Three transitions need data a pod names (mounts.pod_needs): `Accepted` its ConfigMap/Secret/projected
# volumes, `Running` and `InitContainerRunning` the containers' env.  When the data is missing at the
# moment the transition is due, the transition is *held* (`_Model.hold`) and retried: env every
# SYNC_RETRY_SECONDS (events Pulled and Failed `Error: <why>`, the container waiting
# CreateContainerConfigError), volumes on the mount back-off (event FailedMount `MountVolume.SetUp failed
# for volume "cfg" : <why>`, the pod in ContainerCreating without sandbox or IP).  The hold ends at the
# first moment the history (mounts.ContentHistory, stamped with the cluster time of each change) shows
# the data complete, and the held transition happens then — not at the next retry — so the outcome does
# not depend on when the looks happen.  Worked example, volume `cfg` naming a missing ConfigMap, bound
# 10:00:00: FailedMount at :00, :00.5, :01.5, :03.5, :07.5, :15.5; the ConfigMap created 10:00:20 →
# Accepted at 10:00:20 and the profile plays on from there (containers-start after startup-seconds).


def _gate(next_state: str, model: _Model, ctx: _Context, at: _dt.datetime) -> tuple[str, list] | None:
    """What keeps the transition to `next_state` from happening at `at`: ("mount"|"env", failures) or None."""
    needs = ctx.needs
    if needs is None or ctx.history is None:
        return None
    lookup = ctx.history.lookup_at(at)
    if next_state == "Accepted":
        if needs.volumes:
            failures = _mounts.mount_failures(needs, lookup)
            if failures:
                return "mount", failures
        return None
    if next_state == "Running":
        candidates = [(c, (False, c.name)) for c in model.containers]
    elif next_state == "InitContainerRunning" and model.init_index < len(model.inits):
        c = model.inits[model.init_index]
        candidates = [(c, (True, c.name))]
    else:
        return None
    failures = []
    for c, key in candidates:
        if key in needs.env:
            why = _mounts.env_failure(needs, key, lookup)
            if why is not None:
                failures.append((c, why))
    return ("env", failures) if failures else None


def _enter(model: _Model, stage: _profiles.Stage, at: _dt.datetime, ctx: _Context) -> Events:
    """Make the stage's transition at `at`, or hold it when the data it needs is missing."""
    gate = _gate(stage.next, model, ctx, at) if ctx.needs is not None else None
    if gate is None:
        return _transition(model, stage.next, at, ctx)
    wait, failures = gate
    delay = MOUNT_RETRY_INITIAL if wait == "mount" else SYNC_RETRY_SECONDS
    model.hold = _Hold(stage, wait, at, _plus(at, delay), delay)
    return _held(model, wait, failures, at, ctx, first=True)


def _retry(model: _Model, hold: _Hold, at: _dt.datetime, ctx: _Context) -> Events:
    """A retry at `at` of a held transition (it still fails: `_released_at` found no moment it would not)."""
    gate = _gate(hold.stage.next, model, ctx, at)
    if gate is None:
        model.hold = None
        return _transition(model, hold.stage.next, at, ctx)
    delay = min(2 * hold.delay, MOUNT_RETRY_MAX) if hold.wait == "mount" else SYNC_RETRY_SECONDS
    model.hold = _Hold(hold.stage, hold.wait, at, _plus(at, delay), delay)
    return _held(model, hold.wait, gate[1], at, ctx, first=False)


def _released_at(model: _Model, hold: _Hold, ctx: _Context) -> _dt.datetime | None:
    """The first moment in [last attempt, next retry] at which the held transition could happen."""
    history, needs = ctx.history, ctx.needs
    moments: set[_dt.datetime] = set()
    for kind, name in needs.objects:
        moments.update(history.changes(kind, needs.namespace, name, hold.tried, hold.retry))
    for moment in sorted(moments):
        if _gate(hold.stage.next, model, ctx, moment) is None:
            return moment
    return None


def _held(model: _Model, wait: str, failures: list, at: _dt.datetime, ctx: _Context, first: bool) -> Events:
    """The status and events of one failed attempt."""
    events: Events = []
    if wait == "mount":
        if first:
            model.start_time = at
            model.sandbox = False
            _transition(model, "Accepted", at, ctx)  # conditions and waiting reasons as for an accepted pod
            model.state = STATE_SCHEDULED
            model.sandbox = False
            model.set_condition(COND_READY_TO_START, "False", at)
        for volume, why in failures:
            events.append((WARNING, EVENT_FAILED_MOUNT, f'MountVolume.SetUp failed for volume "{volume}" : {why}', ""))
        return events
    for c, why in failures:
        pull_started = model.pull_started if first and not c.init and model.exited_at is None else None
        events += _pull_events(c, ctx, at, pull_started, model)
        events.append((WARNING, EVENT_FAILED, f"Error: {why}", c.field_path))
        c.fetched = True
        if c.state == "terminated":
            c.last = _terminated(c)
        c.state, c.reason, c.message = "waiting", WAIT_CONFIG_ERROR, why
        c.started_at = c.finished_at = None
        c.ready = False
    return events


# --- the replay, kept between looks ------------------------------------------------------------------
#
# A pod's lifecycle up to its deletion is a pure function of inputs that rarely change (spec, the
# behaviour annotations and image rules, the bind time, the node's addresses, the uid): only `now`
# moves between looks.  `_Timeline` keeps the replay of those inputs so far — the snapshots, the
# model after the last one and the next stage with its due time — and a later look only plays the
# transitions that became due since.  Each look re-checks the inputs (`_fingerprint`) and starts over
# when any differs, so the answer is always the one `_replay` gives; a deletion cutting into
# transitions already played also falls back to `_replay`.

TIMELINE_CACHE_LIMIT = 20_000  # pods; past it the older half is dropped (a miss only costs a replay)


@dataclass
class _Timeline:
    fingerprint: tuple
    behaviour: _behaviour.Behaviour
    pod_ip: str
    model: _Model
    at: _dt.datetime  # when the last played transition happened (the bind time before the first)
    snapshots: list[_Snapshot]
    pending: tuple[_profiles.Stage, _dt.datetime] | None = None  # the next stage and when it is due
    finished: bool = False  # no stage matches: nothing more happens until the pod is deleted
    needs: _mounts.Needs | None = None
    # The newest snapshot whose events a look has recorded: (its time, how many snapshots at that time
    # up to it), so that one played at the same instant after it — a deletion's — still counts as new.
    reported: tuple[_dt.datetime, int] | None = None
    facts: tuple | None = None  # `_Context.facts`, read from the pod by the timeline's first look
    steps: _Steps | None = None  # what rebuilds a detached snapshot's model (None: snapshots copy it)
    # (plan, step, bind-time offset) while the model is the plan step's moved model (`_play_plan`)
    planned: tuple | None = None


_TIMELINES: dict[tuple[str, str], _Timeline] = {}


# --- one plan per template ----------------------------------------------------------------------------
#
# Pods stamped from one template (the same spec, behaviour, owner kind and profile) go through the same
# stages after the same delays: only their anchors differ (the bind time, the uid that names their
# containers).  A `_Plan` plays those stages once, on the first such pod, and keeps for each step the
# stage, the state it leads to, its due time as an offset from the bind time, its events and the model
# after it.  A later pod's first look takes the steps due by `now` from the plan instead of playing
# them: its model is the plan's, moved to its own bind time and uid (`_rebased`).
#
# Worked example: the plan's pod bound 10:00:00 reached Running at offset 2 s (running.startedAt
# 10:00:02); a pod of the same template bound 10:00:07 gets the same model with every time moved by
# +7 s (startedAt 10:00:09) and its own container seeds, which is what playing the stages gives it.
#
# A plan only holds steps whose events and model carry nothing of the pod but those anchors: it stops
# before a stage leading to a state whose events name the pod (liveness failures name the pod IP, crash
# loop back-off the pod) and before a step that leaves a container a `lastState` (it holds a container
# id and formatted times); the pod's own timeline plays on from there (`_extend`).  Delays with jitter
# depend on the uid, so with a jittered profile the uid is part of the plan's key.  Pods whose start
# waits for ConfigMaps/Secrets never use a plan.

PLAN_MAX_STEPS = 64  # steps one plan keeps; a pod's timeline plays any further ones itself
PLAN_CACHE_LIMIT = 256  # plans kept; past it they are all dropped (a miss only costs one replay)
# States whose events or messages name the pod (a TCP probe's failure names the pod IP).
_POD_NAMING_STATES = frozenset({"Unhealthy", STATE_READINESS_FAILED, "CrashLoopBackOff"})


class _PlanStep:
    __slots__ = ("stage", "state", "offset", "events", "model", "shapes", "stops")

    def __init__(self, stage: _profiles.Stage, offset: _dt.timedelta) -> None:
        self.stage, self.state, self.offset = stage, stage.next, offset
        self.events: tuple = ()
        self.model: _Model | None = None  # the model after the step; None while the step is not played
        self.shapes: dict[_dt.timedelta, _Shape] = {}  # bind-time offset -> the status shape after the step
        self.stops: dict[tuple, tuple] = {}  # (offset, request, stop, killed) -> `stopped`'s answer

    def shape(self, delta: _dt.timedelta) -> _Shape:
        """The status shape after the step of a pod bound `delta` after the plan's pod (made on first use)."""
        shape = self.shapes.get(delta)
        if shape is None:
            if len(self.shapes) >= SHAPE_CACHE_LIMIT:
                self.shapes.clear()
            shape = self.shapes[delta] = _Shape(_rebased(self.model, delta, ""))
        return shape

    def stopped(
        self, delta: _dt.timedelta, cut: _dt.datetime, stop_at: _dt.datetime, killed: bool, ctx: _Context
    ) -> tuple[tuple, _Shape]:
        """A pod deleted after the step (bound `delta` after the plan's pod, delete requested at `cut`,
        containers stopped at `stop_at`, `killed` at the deadline): the Terminating events and the shape
        of the stopped status.  Neither names the pod; `_terminating` and `_stopped` leave no `lastState`."""
        key = (delta, cut, stop_at, killed)
        found = self.stops.get(key)
        if found is None:
            twin = _rebased(self.model, delta, "")
            events = tuple(_terminating(twin, cut))
            _stopped(twin, stop_at, killed, ctx)
            if len(self.stops) >= SHAPE_CACHE_LIMIT:
                self.stops.clear()
            found = self.stops[key] = (events, _Shape(twin))
        return found


SHAPE_CACHE_LIMIT = 64  # shapes per plan step (bind instants, deletions); past it they are all dropped


class _Plan:
    """The stages of one template from its bind time on (see above); grown as far as looks need it."""

    __slots__ = (
        "profile",
        "behaviour",
        "job_pod",
        "spec",
        "facts",
        "bound",
        "ctx",
        "steps",
        "played",
        "closed",
        "_pre_stop",
    )

    def __init__(
        self, pod: Mapping[str, Any], behaviour: _behaviour.Behaviour, profile, job_pod: bool, on_node: frozenset[str]
    ) -> None:
        self.profile, self.behaviour, self.job_pod, self.spec = profile, behaviour, job_pod, pod.get("spec")
        self.facts = _facts(pod, behaviour, on_node)
        self.bound: _dt.datetime | None = None  # the bind time the plan's models are stamped with
        self.ctx: _Context | None = None  # the context it plays in (any pod of the template; see `grow`)
        self.steps: list[_PlanStep] = []  # played steps, then at most one not played yet (due later)
        self.played = 0
        self.closed = False  # no stage pending, or the next one is not the plan's to play
        self._pre_stop: float | None = None

    def pre_stop(self) -> float:
        """`_pre_stop_seconds` of the template's pods (read from the plan's spec once)."""
        if self._pre_stop is None:
            self._pre_stop = _pre_stop_seconds({"spec": self.spec})
        return self._pre_stop

    def grow(self, ctx: _Context, bound: _dt.datetime, reach: _dt.timedelta) -> None:
        """Play the steps due within `reach` of the bind time; the first pod's `ctx` and `bound` stamp the plan."""
        if self.ctx is None:
            self.ctx, self.bound = ctx, bound
        ctx = self.ctx
        steps = self.steps
        while not self.closed and self.played < PLAN_MAX_STEPS:
            if len(steps) == self.played:  # the next stage is not known yet
                model = steps[-1].model if steps else _initial_model(ctx.pod, ctx.seed)
                stage = _next_stage(model, ctx)
                if stage is None or stage.next in _POD_NAMING_STATES:
                    self.closed = True
                    return
                at = self.bound + steps[-1].offset if steps else self.bound
                computed = _computed_delays(model, ctx, at) if stage.delay.computed else None
                due = _plus(at, _profiles.delay_seconds(stage, ctx.seed, ctx.behaviour_seconds, computed))
                steps.append(_PlanStep(stage, due - self.bound))
            step = steps[self.played]
            if step.offset > reach:
                return
            before = steps[self.played - 1].model if self.played else _initial_model(ctx.pod, ctx.seed)
            model = before.clone()
            try:
                events = _transition(model, step.state, self.bound + step.offset, ctx)
            except _profiles.ProfileError:  # the pod's own timeline raises it at the same look
                events = None
            if events is None or model.hold is not None or any(c.last for c in (*model.inits, *model.containers)):
                del steps[self.played :]
                self.closed = True
                return
            step.events, step.model = tuple(events), model
            self.played += 1


_PLANS: dict[tuple, list[_Plan]] = {}
_JITTERED: dict[int, tuple[Any, bool]] = {}  # id(profile) -> (profile, whether any stage has jitter)


def _plan_for(
    pod: Mapping[str, Any], behaviour: _behaviour.Behaviour, profile, seed: str, on_node: frozenset[str] = frozenset()
) -> _Plan | None:
    """The plan of the pod's template, made on first use.

    Plans are looked up by profile, Job ownership, node and (with a jittered profile) uid, then
    compared by behaviour, spec (the spec names the node, so a template has a plan per node) and the
    images already on the node (the first pod of a template on a node pulls, the next ones do not)."""
    known = _JITTERED.get(id(profile))
    if known is None or known[0] is not profile:
        known = _JITTERED[id(profile)] = (profile, any(s.delay.jitter_seconds for s in profile.stages))
    spec = pod.get("spec")
    job_pod = _is_job_pod(pod)
    key = (id(profile), job_pod, (spec or {}).get("nodeName"), seed if known[1] else None)
    plans = _PLANS.get(key)
    if plans is None:
        if len(_PLANS) >= PLAN_CACHE_LIMIT:
            _PLANS.clear()
        plans = _PLANS[key] = []
    for plan in reversed(plans):
        if (
            plan.profile is profile
            and (plan.behaviour is behaviour or plan.behaviour == behaviour)
            and plan.spec == spec
            and plan.facts[4] == on_node
        ):
            return plan
    plan = _Plan(pod, behaviour, profile, job_pod, on_node)
    if len(plans) >= PLAN_BUCKET_LIMIT:
        del plans[0]
    plans.append(plan)
    return plan


PLAN_BUCKET_LIMIT = 8  # plans compared with a pod's spec per key (templates on one node); the oldest goes first


def _rebased(model: _Model, delta: _dt.timedelta, seed: str) -> _Model:
    """A plan's model for a pod bound `delta` later (or earlier) whose containers are named from `seed`.

    Moves every time the model holds; a plan's model holds no `last` state, no hold and no text naming
    the pod (see above), so the times and the seed are all that differ between two pods of a template."""
    twin = model.clone()
    if delta:
        if twin.start_time is not None:
            twin.start_time += delta
        twin.conditions = {kind: (s, r, m, since + delta) for kind, (s, r, m, since) in twin.conditions.items()}
        if twin.pull_started is not None:
            twin.pull_started += delta
        if twin.exited_at is not None:
            twin.exited_at += delta
        if twin.pull_failed_at is not None:
            twin.pull_failed_at += delta
        if twin.probed_at is not None:
            twin.probed_at += delta
        if twin.backoff is not None:
            twin.backoff = (twin.backoff[0], twin.backoff[1] + delta)
        if twin.pull_backoff is not None:
            twin.pull_backoff = (twin.pull_backoff[0], twin.pull_backoff[1] + delta)
    for c in (*twin.inits, *twin.containers):
        c.seed = seed
        if delta:
            if c.started_at is not None:
                c.started_at += delta
            if c.finished_at is not None:
                c.finished_at += delta
    return twin


def _play_plan(timeline: _Timeline, plan: _Plan, ctx: _Context, now: _dt.datetime) -> None:
    """Start a new timeline with the plan's steps due by `now` (`_extend` plays on from the last one)."""
    bound = timeline.at
    reach = now - bound
    plan.grow(ctx, bound, reach)
    steps = plan.steps
    count = 0
    while count < plan.played and steps[count].offset <= reach:
        count += 1
    if count == 0:
        timeline.model = _initial_model(ctx.pod, ctx.seed)
        return
    played = timeline.steps.played
    snapshots = timeline.snapshots
    delta = bound - plan.bound
    timeline_steps = timeline.steps
    for index in range(count):
        step = steps[index]
        due = bound + step.offset
        played.append((step.state, due))
        snapshot = _Snapshot(due, None, step.events)
        snapshot._ctx, snapshot._steps, snapshot._index = ctx, timeline_steps, index
        snapshot._shape = (step, delta)
        snapshots.append(snapshot)
    model = _rebased(steps[count - 1].model, delta, ctx.seed)
    snapshots[-1]._model = model  # the newest snapshot shares the timeline's model, as `_extend` leaves it
    timeline.model, timeline.at = model, due
    timeline.planned = (plan, steps[count - 1], delta)
    if count < len(steps):  # the next stage, due after `now` (else `_extend` finds it, or that none is left)
        timeline.pending = (steps[count].stage, bound + steps[count].offset)


def _fingerprint(
    pod: Mapping[str, Any],
    node: Mapping[str, Any],
    rules: list[dict],
    profile,
    history=None,
    host_ip: str | None = None,
) -> tuple | None:
    """Everything the replay reads besides `now` and the deletion request; None when it is not cacheable.

    `host_ip` is `node_internal_ip(node)` when the caller has it already."""
    meta = pod.get("metadata") or {}
    bound = None
    foreign = []
    # One pass: the first PodScheduled=True with a readable time is the bind time; every condition
    # the kubelet does not own goes into the fingerprint.
    for condition in (pod.get("status") or {}).get("conditions") or ():
        kind = condition.get("type")
        if kind not in CONDITION_ORDER:
            foreign.append(condition)
            if bound is None and kind == COND_SCHEDULED and condition.get("status") == "True":
                bound = condition.get("lastTransitionTime")
                if parse_time(bound) is None:
                    bound = None
    if bound is None:
        bound = meta.get("creationTimestamp")
        if parse_time(bound) is None:
            return None  # the bind time would be `now`
    return (
        meta.get("uid"),
        meta.get("name"),
        meta.get("namespace"),
        bound,
        pod.get("spec"),
        meta.get("annotations"),
        meta.get("ownerReferences"),
        tuple(foreign),
        (node.get("spec") or {}).get("podCIDR"),
        node_internal_ip(node) if host_ip is None else host_ip,
        rules,
        profile,
        history,
    )


def _extend(timeline: _Timeline, ctx: _Context, now: _dt.datetime, cut: _dt.datetime | None) -> None:
    """Play the transitions due by `now` (and before `cut`, a deletion request) on the timeline.

    A held transition (`_Model.hold`) is looked at afresh on every call: the history it waits on
    may have grown since the last look."""
    behaviour_seconds = ctx.behaviour_seconds
    model = timeline.model
    snapshots = timeline.snapshots
    steps = timeline.steps
    if steps is not None and ctx.needs is not None:
        steps = timeline.steps = None  # a gate may hold a transition: detached snapshots copy the model
    while not timeline.finished and len(snapshots) < MAX_TRANSITIONS:
        hold = model.hold
        if hold is not None:
            released = _released_at(model, hold, ctx)
            due = hold.retry if released is None else released
            timeline.pending = (hold.stage, due)
            if (cut is not None and due >= cut) or due > now:
                return
            if snapshots:
                snapshots[-1].detach(model)
            if released is not None:
                model.hold = None
                events = _transition(model, hold.stage.next, due, ctx)
            else:
                events = _retry(model, hold, due, ctx)
            next_state = hold.stage.next
        else:
            if timeline.pending is None:
                stage = _next_stage(model, ctx)
                if stage is None:
                    timeline.finished = True
                    return
                computed = _computed_delays(model, ctx, timeline.at) if stage.delay.computed else None
                delay = _profiles.delay_seconds(stage, ctx.seed, behaviour_seconds, computed)
                timeline.pending = (stage, _plus(timeline.at, delay))
            stage, due = timeline.pending
            if (cut is not None and due >= cut) or due > now:
                return
            if snapshots:
                snapshots[-1].detach(model)
            events = _enter(model, stage, due, ctx)
            next_state = stage.next
        timeline.at = due
        timeline.planned = None  # the model moved on from the plan's step
        if steps is None:
            snapshots.append(_Snapshot.deferred(due, model, ctx, events, live=True))
        else:
            steps.played.append((next_state, due))
            snapshots.append(_Snapshot.deferred(due, model, ctx, events, live=True, steps=steps, index=len(snapshots)))
        timeline.pending = None


def _replay_cached(
    pod: Mapping[str, Any],
    node: Mapping[str, Any],
    now: _dt.datetime,
    rules: list[dict],
    profile,
    history: _mounts.ContentHistory | None = None,
    images: NodeImages | None = None,
) -> tuple[list[_Snapshot], _dt.datetime | None, bool, _behaviour.Behaviour]:
    """`_replay`'s answer (plus the behaviour), from the pod's kept timeline when its inputs are unchanged.

    `images` tells which images each node holds since when (`NodeImages`); a new timeline takes the
    pod's images the node held when the pod was bound (`images_on_node`)."""
    meta = pod.get("metadata") or {}
    seed = meta.get("uid") or f"{meta.get('namespace', '')}/{meta.get('name', '')}"
    key = (meta.get("namespace", ""), meta.get("name", ""))
    host_ip = node_internal_ip(node)
    fingerprint = _fingerprint(pod, node, rules, profile, history, host_ip)
    timeline = _TIMELINES.get(key)
    carried = None  # what a dropped timeline of the same pod had reported (`_written_index`)
    if timeline is not None and (fingerprint is None or timeline.fingerprint != fingerprint):
        if fingerprint is not None and timeline.fingerprint[0] == fingerprint[0]:
            carried = timeline.reported
        timeline = None
        del _TIMELINES[key]
    plan = None
    if timeline is None:
        behaviour = _behaviour.resolve(pod, rules)
        address = pod_ip(pod, node)
        needs = _mounts.pod_needs(pod) if history is not None else None
        bound = _bound_at(pod, now)
        on_node = images_on_node(pod, node, bound, images, behaviour)
        if (
            needs is None
            and fingerprint is not None
            and not (pod.get("metadata") or {}).get("deletionTimestamp")
            and not (pod.get("spec") or {}).get("readinessGates")  # readiness reads the pod's own conditions
        ):
            plan = _plan_for(pod, behaviour, profile, seed, on_node)
        facts = _facts(pod, behaviour, on_node) if plan is None else plan.facts
    else:
        behaviour, address, needs, facts = timeline.behaviour, timeline.pod_ip, timeline.needs, timeline.facts
    ctx = _Context(pod, node, behaviour, profile, seed, host_ip, address, history, needs, facts)
    if fingerprint is None:
        return (*_replay(ctx, now), behaviour)
    if timeline is None:
        if len(_TIMELINES) >= TIMELINE_CACHE_LIMIT:
            for old in list(itertools.islice(_TIMELINES, TIMELINE_CACHE_LIMIT // 2)):
                del _TIMELINES[old]
        # With a plan the model comes from it (`_play_plan`).
        model = _initial_model(pod, seed) if plan is None else None
        snapshots: list[_Snapshot] = []
        timeline = _Timeline(
            fingerprint,
            behaviour,
            address,
            model,
            bound,
            snapshots,
            needs=needs,
            facts=ctx.facts,
            steps=_Steps(pod, seed, snapshots) if needs is None else None,
        )
        # The events recorded so far stay recorded when another input (a condition others wrote, an
        # annotation) starts the replay again: a deletion request's Killing, which changes no status,
        # is known unrecorded only from this.
        timeline.reported = carried
        _TIMELINES[key] = timeline
    deletion = _deletion_request(pod)
    cut = None if deletion is None else min(deletion[0], now)
    played = timeline.snapshots
    # A deletion requested before transitions already played needs the replay; one at the very instant
    # of the last played transition comes after it (that look may have written its status), though a
    # transition not played yet at that instant comes after the request (`_extend`).
    if cut is not None and played and played[-1].at > cut:
        return (*_replay(ctx, now), behaviour)  # the deletion came before transitions already played
    if cut is None and played and played[-1].at > now:
        # An earlier `now` than a previous look (the answer is still a prefix of the same timeline).
        count = sum(1 for s in played if s.at <= now)
        return played[:count], played[count].at, False, behaviour
    if timeline.model is None:
        _play_plan(timeline, plan, ctx, now)
    _extend(timeline, ctx, now, cut)
    snapshots = list(timeline.snapshots)
    if cut is None:
        return snapshots, _next_due(timeline), False, behaviour
    # Deletion: as in `_replay`; the timeline's model stays as it was unless the pod is deleted now.
    answer = _deletion_tail(
        timeline.model, ctx, snapshots, cut, deletion[1], now, keep=True, steps=timeline.steps, planned=timeline.planned
    )
    if answer[2]:
        del _TIMELINES[key]  # the pod is deleted now
    return (*answer, behaviour)


def _quiet_look(
    pod: Mapping[str, Any],
    node: Mapping[str, Any],
    now: _dt.datetime,
    rules: list[dict],
    profile,
    history: _mounts.ContentHistory | None,
) -> tuple[list[Action], float | None] | None:
    """`reconcile`'s answer to a look that finds nothing to do, or None when the general path must answer.

    That is a look at a pod not being deleted whose kept timeline (inputs unchanged, nothing held)
    has no transition due by `now`, and whose stored status shows the newest snapshot, already
    reported: the general path would play nothing, find that snapshot written, record no event and
    write nothing (the look after the kubelet's own status write).  It skips the context, the
    deletion request and the replay's copies, and compares the status without building its managed part."""
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return None
    timeline = _TIMELINES.get((meta.get("namespace", ""), meta.get("name", "")))
    if timeline is None or timeline.model is None or timeline.model.hold is not None:
        return None
    snapshots = timeline.snapshots
    if not snapshots:
        return None
    last = snapshots[-1]
    reported = timeline.reported
    if last.at > now or last._same is not None:
        return None
    if reported is not None and _later(snapshots, len(snapshots) - 1, reported):
        return None
    pending = timeline.pending
    if not timeline.finished and len(snapshots) < MAX_TRANSITIONS and (pending is None or pending[1] <= now):
        return None  # `_extend` would play (or look for) the next stage
    current = pod.get("status") or {}
    if not current.get("startTime"):
        return None
    fingerprint = _fingerprint(pod, node, rules, profile, history, node_internal_ip(node))
    if fingerprint is None or timeline.fingerprint != fingerprint or not _shows(current, last.status):
        return None
    timeline.reported = _reported_mark(snapshots)
    next_at = _next_due(timeline)
    return [], None if next_at is None else max(0.0, (next_at - now).total_seconds())


def waiting_on(namespace: str, name: str) -> tuple[tuple[str, str], ...]:
    """The ConfigMaps/Secrets (kind, name) the pod's kept timeline waits for; () when it waits for none."""
    timeline = _TIMELINES.get((namespace, name))
    if timeline is None or timeline.model.hold is None or timeline.needs is None:
        return ()
    return timeline.needs.objects


def _newest_time(status: Mapping[str, Any]) -> _dt.datetime | None:
    times = [parse_time(status.get("startTime"))]
    times += [parse_time(c.get("lastTransitionTime")) for c in status.get("conditions") or ()]
    for key in ("initContainerStatuses", "containerStatuses"):
        for c in status.get(key) or ():
            for state in (c.get("state") or {}, c.get("lastState") or {}):
                for body in state.values():
                    times += [parse_time(body.get("startedAt")), parse_time(body.get("finishedAt"))]
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _written_index(
    current: Mapping[str, Any],
    snapshots: list[_Snapshot],
    wanted: dict | None = None,
    reported: tuple[_dt.datetime, int] | None = None,
) -> int:
    """Index of the last snapshot the current status already shows (-1: none of them).

    `wanted` is `_managed(current)` when the caller has it already.  Retries of a held transition
    repeat one status; within such a run the snapshots after `reported` (the newest one a look has
    recorded events for) are not written yet.  Without `reported` (a fresh replay) the whole run
    counts as written: a retry's repeated event may be missed, never recorded twice."""
    if not current.get("startTime"):
        return -1
    if wanted is None:
        wanted = _managed(current)
    for index in range(len(snapshots) - 1, -1, -1):
        if snapshots[index].matches(wanted):
            if reported is not None:
                while index > 0 and _later(snapshots, index, reported) and snapshots[index - 1].matches(wanted):
                    index -= 1
            return index
    newest = _newest_time(current)
    if newest is None:
        return -1
    written = -1
    for index, snapshot in enumerate(snapshots):
        if snapshot.at <= newest:
            written = index
    return written


def _reported_mark(snapshots: list[_Snapshot]) -> tuple[_dt.datetime, int]:
    """`_Timeline.reported` for a look that recorded the events of all of `snapshots`."""
    at = snapshots[-1].at
    same = 0
    for snapshot in reversed(snapshots):
        if snapshot.at != at:
            break
        same += 1
    return at, same


def _later(snapshots: list[_Snapshot], index: int, reported: tuple[_dt.datetime, int]) -> bool:
    """Whether `snapshots[index]` comes after the reported mark (see `_Timeline.reported`)."""
    at, count = reported
    moment = snapshots[index].at
    if moment != at:
        return moment > at
    rank = 0
    for earlier in snapshots[:index]:
        if earlier.at == at:
            rank += 1
    return rank >= count


def _reference(pod: Mapping[str, Any], field_path: str = "") -> dict:
    meta = pod.get("metadata") or {}
    ref = {"apiVersion": "v1", "kind": "Pod", "namespace": meta.get("namespace", ""), "name": meta.get("name", "")}
    if meta.get("uid"):
        ref["uid"] = meta["uid"]
    if meta.get("resourceVersion"):
        ref["resourceVersion"] = meta["resourceVersion"]
    if field_path:
        ref["fieldPath"] = field_path
    return ref


def _stale(last: _Snapshot, current: Mapping[str, Any], shown: dict | None) -> bool:
    """Whether the stored status (`current`, managed part `shown` when built) differs from the last snapshot's.

    Without `shown` the stored status has no startTime, so a snapshot with one differs (`_managed` keeps
    every rendered startTime, a formatted time)."""
    if shown is None:
        if "startTime" in last.status:
            return True
        shown = _managed(current)
    return not last.matches(shown)


def _terminal_look(meta: Mapping[str, Any]) -> list[Action]:
    """A look at a pod whose stored phase is Succeeded or Failed: its status is final.

    Upstream's kubelet never rewrites a terminal pod's status (its status manager refuses to move a
    pod out of a terminal phase or to change a terminated container).  What is left is the final
    delete of a pod being deleted, unless that delete was made already (a grace of 0: a finalizer
    keeps the pod).  Replaying such a pod would take the deletion request from the grace-0 delete and
    could turn a container that exited 0 into one killed at the deadline."""
    if not meta.get("deletionTimestamp") or meta.get("deletionGracePeriodSeconds") == 0:
        return []
    return [_final_delete(meta)]


def _final_delete(meta: Mapping[str, Any]) -> DeleteObject:
    """The kubelet's delete of a pod whose containers have stopped: grace 0, on its uid."""
    return DeleteObject(
        "v1", "Pod", meta.get("namespace", ""), meta.get("name", ""), uid=meta.get("uid", ""), grace_period_seconds=0
    )


def reconcile(
    pod: dict,
    node: dict,
    now: _dt.datetime,
    *,
    rules: list[dict],
    configmaps: dict[str, dict],
    secrets: dict[str, dict],
    profile: _profiles.Profile | None = None,
    history: _mounts.ContentHistory | None = None,
    images: NodeImages | None = None,
) -> tuple[list[Action], float | None]:
    """One kubelet look at `pod` (bound to `node`) at `now`: the actions to take and seconds until the next look.

    `rules` are the image rules (behaviour.rules_from_configmap).  `history` holds the ConfigMaps and
    Secrets with the time of each change: with it, a pod whose volumes or env name missing data waits
    (see "waiting for ConfigMaps and Secrets"); without it the lifecycle ignores them.  `configmaps` /
    `secrets` are accepted for older callers and not consulted.  `images` holds the images each node
    has pulled since when (`NodeImages`): a pod bound after its image reached the node does not pull it.
    Never raises for odd pods: a pod without containers simply stays put.
    """
    del configmaps, secrets  # superseded by `history`; see the docstring
    now = _aware(now)
    meta = pod.get("metadata") or {}
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return _terminal_look(meta), None
    profile = profile or _profiles.load_profile()
    if FAST_PATHS:
        quiet = _quiet_look(pod, node, now, rules, profile, history)
        if quiet is not None:
            return quiet
    key = (meta.get("namespace", ""), meta.get("name", ""))
    kept = _TIMELINES.get(key)
    snapshots, next_at, delete_now, behaviour = _replay_cached(pod, node, now, rules, profile, history, images)
    current = pod.get("status") or {}
    # The stored status of a pod the kubelet never wrote has no startTime (`_written_index` is then -1
    # without reading it): its managed part is built only if the last snapshot has none either.
    shown = _managed(current) if not FAST_PATHS or current.get("startTime") is not None else None
    timeline = _TIMELINES.get(key)
    # A pod deleted now has had its timeline dropped by the replay; what it had reported still tells
    # whether the deletion request's events (which change no status) were recorded.
    reported = timeline.reported if timeline is not None else kept.reported if kept is not None and delete_now else None
    written = _written_index(current, snapshots, shown, reported)
    if timeline is not None and snapshots:
        timeline.reported = _reported_mark(snapshots)
    actions: list[Action] = []
    host = (node.get("metadata") or {}).get("name") or ""  # the kubelet's events name its node as their source
    if written < 0 and snapshots:
        for problem in behaviour.problems:
            actions.append(RecordEvent(_reference(pod), WARNING, problem.reason, problem.message, host))
    # One reference per field path: the recorder only reads it.
    references: dict[str, dict] = {}
    for snapshot in snapshots[written + 1 :]:
        for kind, reason, message, field_path in snapshot.events:
            ref = references.get(field_path)
            if ref is None:
                ref = references[field_path] = _reference(pod, field_path)
            actions.append(RecordEvent(ref, kind, reason, message, host))
    if snapshots and _stale(snapshots[-1], current, shown):
        # The write shares the stored (read-only) spec and the snapshot's rendered parts, which neither
        # the kubelet nor the store changes once made (stored objects are never changed in place), so
        # the next look finds the very same values when it compares; metadata and the status dict are
        # the write's own.
        status = {k: v for k, v in current.items() if k not in _MANAGED_KEY_SET}
        status.update(snapshots[-1].status)
        if meta.get("generation") is not None:
            status["observedGeneration"] = meta["generation"]
        updated = {**pod, "metadata": dict(meta), "status": status}
        actions.insert(0, UpdateStatus(updated))
    if delete_now:
        actions.append(_final_delete(meta))
        return actions, None
    delay = None if next_at is None else max(0.0, (next_at - now).total_seconds())
    return actions, delay


# --- logs -------------------------------------------------------------------------------------------


def container_log_lines(pod: Mapping[str, Any], now: _dt.datetime) -> dict[str, list[str]]:
    """Deterministic log lines per container, derived from the status: one line per start and stop.

        2024-05-01T10:00:02Z kubeferry-sim: container app started (image nginx:1.25, pod default/web-1)
        2024-05-01T10:00:03Z kubeferry-sim: container app exited with code 1 (Error)

    `now` cuts off lines stamped later (a status from the future shows nothing beyond now).
    """
    now = _aware(now)
    meta = pod.get("metadata") or {}
    where = f"pod {meta.get('namespace', '')}/{meta.get('name', '')}"
    status = pod.get("status") or {}
    lines: dict[str, list[str]] = {}
    for key in ("initContainerStatuses", "containerStatuses"):
        for c in status.get(key) or ():
            name = c.get("name") or ""
            entries: list[tuple[_dt.datetime, str]] = []
            for state in (c.get("lastState") or {}, c.get("state") or {}):
                body = state.get("running") or state.get("terminated")
                if not body:
                    continue
                started = parse_time(body.get("startedAt"))
                if started is not None:
                    entries.append(
                        (started, f"kubeferry-sim: container {name} started (image {c.get('image', '')}, {where})")
                    )
                finished = parse_time(body.get("finishedAt"))
                if "terminated" in state and finished is not None:
                    text = f"kubeferry-sim: container {name} exited with code {body.get('exitCode', 0)}"
                    entries.append((finished, f"{text} ({body.get('reason', '')})"))
            lines[name] = [f"{format_time(t)} {text}" for t, text in entries if t <= now]
    return lines
