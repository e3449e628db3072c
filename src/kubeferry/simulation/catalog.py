"""The simulated scheduler, kubelets and node heartbeats as controllers of the runner.

    ("scheduler", ns, pod)   an unbound pod, new or changed beyond its status: bind it, or mark it
                             Unschedulable
    ("scheduler", "", "*")   a node came, went or changed beyond its heartbeat, or a bound pod left:
                             look at every unbound pod again
    ("kubelet", ns, pod)     a bound pod: play its stage profile up to now, come back when due
    ("node", "", node)       a node: post its status and renew its lease every 10 s

The kubelets also watch ConfigMaps and Secrets.  Each change goes into the kubelets' content
history (mounts.ContentHistory) and wakes the pods waiting for that object — found through
`WaitIndex`, kept from what each look says the pod waits for, so a change costs one dict look-up,
never a scan of the pods.  A change is stamped with the cluster time of the kubelets' next pass,
which the change itself causes when a pod waits for it (on the virtual clock: the time of the
write); objects already stored when the control plane starts count from their creationTimestamp.

The scheduler keeps its queue of unbound pods (`PendingPods`) from the same change stream, as
upstream's scheduling queue is fed by its pod informer: looking at every unbound pod again reads
those, in the order a list of the pods gives them, never a scan of all pods (10,000 bound pods and
a handful waiting is the usual shape of a big rollout).  The Nodes are kept the same way
(`NodeCache`), so a scheduler pass reads nothing through the API: the pod it was asked about and the
nodes are the objects last stored, exactly what a read at the start of the pass would return.
"""

from __future__ import annotations

from datetime import datetime

from kubeferry.client.transport import Transport
from kubeferry.controllers import identity
from kubeferry.controllers.actions import CreateObject, RequeueAfter, UpdateObject, UpdateStatus
from kubeferry.controllers.runner import Controller, Key
from kubeferry.machinery.podutil import is_pod_terminal, parse_time
from kubeferry.simulation import behaviour, kubelet, mounts, nodes, scheduler

HEARTBEAT_SECONDS = 10.0
ALL_PENDING = "*"


# What a change to an unbound pod may differ in and still not make it schedulable (upstream's scheduling
# queue, `isPodUpdated`): its resourceVersion, generation, managedFields, finalizers and status (all but
# `resourceClaimStatuses`).  The scheduler's own PodScheduled=False write is such a change.
_UNSCHEDULING_META = frozenset({"resourceVersion", "generation", "managedFields", "finalizers"})


def may_have_become_schedulable(prev: dict, obj: dict) -> bool:
    """Whether an unbound pod changed from `prev` to `obj` in a way that may let it schedule now.

    Upstream's scheduler moves a pod it found unschedulable back to its active queue on such an update
    only; a status write (its own FailedScheduling condition included) leaves it waiting for a cluster
    change (a node, a bound pod leaving)."""
    if prev.get("spec") is not obj.get("spec") and prev.get("spec") != obj.get("spec"):
        return True
    for key in prev.keys() | obj.keys():
        if key not in ("metadata", "spec", "status") and prev.get(key) != obj.get(key):
            return True
    before, after = prev.get("metadata") or {}, obj.get("metadata") or {}
    for key in before.keys() | after.keys():
        if key not in _UNSCHEDULING_META and before.get(key) != after.get(key):
            return True
    claims = "resourceClaimStatuses"
    return (prev.get("status") or {}).get(claims) != (obj.get("status") or {}).get(claims)


def _pod_keys(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
    if event == "DELETED":
        return []
    meta = obj["metadata"]
    spec = obj.get("spec") or {}
    if spec.get("nodeName"):
        return [("kubelet", meta.get("namespace", ""), meta["name"])]
    if meta.get("deletionTimestamp"):
        return []
    if prev is not None and not (prev.get("spec") or {}).get("nodeName") and not may_have_become_schedulable(prev, obj):
        return []
    return [("scheduler", meta.get("namespace", ""), meta["name"])]


class KeptObjects:
    """One kind's stored objects by (namespace, name), kept from its change stream (a controller's
    informer): `get` answers what a read of the store would, without going through the API."""

    def __init__(self) -> None:
        self._objects: dict[tuple[str, str], dict] = {}

    def observe(self, obj: dict, deleted: bool) -> None:
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        if deleted:
            self._objects.pop(key, None)
        else:
            self._objects[key] = obj

    def get(self, namespace: str, name: str) -> dict | None:
        return self._objects.get((namespace, name))


class OwnStatusWrites:
    """The status each kubelet has just written for a pod, until that write comes back as a change.

    Upstream's kubelet does not sync a pod again for a change in its status only (its pod config
    source reconciles such a change, it does not sync); a look after the kubelet's own status write
    would find that very status and do nothing.  A change that only replaces the status with the one
    the kubelet wrote (the same dict: nothing else stores it) is therefore recognised here and wakes
    no pass.  Any other change, a status written by someone else included, still does.
    """

    def __init__(self) -> None:
        self._written: dict[tuple[str, str], dict] = {}

    def wrote(self, namespace: str, name: str, status: dict) -> None:
        self._written[(namespace, name)] = status

    def is_echo(self, obj: dict, prev: dict | None, event: str) -> bool:
        """Whether the change `prev` -> `obj` is the status write `wrote` announced (forgotten either way)."""
        meta = obj["metadata"]
        expected = self._written.pop((meta.get("namespace", ""), meta["name"]), None)
        if expected is None or event != "MODIFIED" or prev is None:
            return False
        if obj.get("status") is not expected or obj.get("spec") is not prev.get("spec"):
            return False
        before = prev["metadata"]
        return len(meta) == len(before) and all(
            value is before.get(key) for key, value in meta.items() if key != "resourceVersion"
        )


def _kubelet_pod_keys(
    kept_pods: KeptObjects, own: OwnStatusWrites | None = None, images: kubelet.NodeImages | None = None
):
    def mapper(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        """Keep the kubelets' pods and their nodes' images current, then `_pod_keys` (none for the
        kubelet's own status write)."""
        kept_pods.observe(obj, event == "DELETED")
        if images is not None:
            if event == "DELETED":
                images.forget_pod(obj)
            else:
                images.observe(obj, prev)
        if own is not None and own.is_echo(obj, prev, event):
            return []
        return _pod_keys(api_version, kind, obj, prev, event)

    return mapper


def _kept_node(kept_nodes: KeptObjects, images: kubelet.NodeImages | None = None):
    def mapper(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        """Keep the kubelets' nodes current (a node change wakes no pod); a deleted node's images go."""
        kept_nodes.observe(obj, event == "DELETED")
        if images is not None and event == "DELETED":
            images.forget_node(obj["metadata"]["name"])
        return []

    return mapper


class PendingPods:
    """The pods the scheduler may bind: stored, not bound to a node, not being deleted, neither Succeeded
    nor Failed (upstream's scheduler watches only pods in neither phase).

    Kept from the pod change stream; `pods()` gives them as listing the pods would (by namespace,
    then name), each as last stored.
    """

    def __init__(self) -> None:
        self._pods: dict[tuple[str, str], dict] = {}

    def observe(self, obj: dict, deleted: bool) -> None:
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        if deleted or (obj.get("spec") or {}).get("nodeName") or meta.get("deletionTimestamp") or is_pod_terminal(obj):
            self._pods.pop(key, None)
        else:
            self._pods[key] = obj

    def pods(self) -> list[dict]:
        found = self._pods
        return [found[key] for key in sorted(found)]

    def get(self, namespace: str, name: str) -> dict | None:
        """The pod as last stored, when it is one the scheduler may bind; else None."""
        return self._pods.get((namespace, name))


class NodeCache:
    """The stored Nodes, kept from the Node change stream (upstream's scheduler reads its node
    informer): `nodes()` gives them as listing the Nodes would (by name), each as last stored.

    The tuple is built once per node change and handed out until the next one, so the scheduler's
    memos see the very same sequence pass after pass (an identity check, not a walk of the nodes).
    """

    def __init__(self) -> None:
        self._nodes: dict[str, dict] = {}
        self._listed: tuple[dict, ...] | None = None

    def observe(self, obj: dict, deleted: bool) -> None:
        name = obj["metadata"]["name"]
        if deleted:
            self._nodes.pop(name, None)
        else:
            self._nodes[name] = obj
        self._listed = None

    def nodes(self) -> tuple[dict, ...]:
        listed = self._listed
        if listed is None:
            found = self._nodes
            listed = self._listed = tuple(found[name] for name in sorted(found))
        return listed


def _turned_terminal(prev: dict | None, obj: dict) -> bool:
    """Whether the change `prev` -> `obj` made the pod Succeeded or Failed."""
    return prev is not None and is_pod_terminal(obj) and not is_pod_terminal(prev)


def _freed_capacity(loads: scheduler.NodeLoads, pending: PendingPods):
    def mapper(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        """Keep the node loads and the unbound pods current; a bound pod leaving frees room, so unbound
        pods may fit now.

        A bound pod leaves when it is deleted or when it turns Succeeded or Failed, whichever comes
        first: upstream's scheduler watches only pods in neither phase, so a pod turning terminal is a
        deletion to it (and its later deletion is not seen again)."""
        deleted = event == "DELETED"
        loads.observe(obj, deleted)
        spec = obj.get("spec")
        if not deleted and prev is not None and spec is not None and prev.get("spec") is spec and spec.get("nodeName"):
            # A write that kept the spec of a bound pod (its status): the pod left the unbound pods
            # when the version that bound it was observed, and stays out.
            return [("scheduler", "", ALL_PENDING)] if _turned_terminal(prev, obj) else []
        pending.observe(obj, deleted)
        if (obj.get("spec") or {}).get("nodeName"):
            if deleted:
                return [] if is_pod_terminal(obj) else [("scheduler", "", ALL_PENDING)]
            if _turned_terminal(prev, obj):
                return [("scheduler", "", ALL_PENDING)]
        return []

    return mapper


def _conditions_but_heartbeats(node: dict) -> list:
    return [
        {k: v for k, v in c.items() if k != "lastHeartbeatTime"} if isinstance(c, dict) else c
        for c in (node.get("status") or {}).get("conditions") or ()
    ]


def node_may_make_room(prev: dict, obj: dict) -> bool:
    """Whether a node's update may let an unbound pod fit (upstream's scheduler moves the pods it
    could not place only on such node events): `spec.unschedulable`, taints, labels, annotations,
    allocatable, or its conditions beyond their heartbeat times changed.  A heartbeat alone does not."""
    before, after = prev.get("spec") or {}, obj.get("spec") or {}
    if before.get("unschedulable") != after.get("unschedulable") or before.get("taints") != after.get("taints"):
        return True
    old_meta, new_meta = prev.get("metadata") or {}, obj.get("metadata") or {}
    if old_meta.get("labels") != new_meta.get("labels") or old_meta.get("annotations") != new_meta.get("annotations"):
        return True
    old_status, new_status = prev.get("status") or {}, obj.get("status") or {}
    if old_status.get("allocatable") != new_status.get("allocatable"):
        return True
    return _conditions_but_heartbeats(prev) != _conditions_but_heartbeats(obj)


def _node_keys(known: NodeCache):
    def mapper(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        """Keep the scheduler's nodes current; a node added or removed, or changed in a way that may
        make room (`node_may_make_room`), has every unbound pod looked at again."""
        deleted = event == "DELETED"
        known.observe(obj, deleted)
        keys: list[Key] = []
        if deleted or prev is None or node_may_make_room(prev, obj):
            keys.append(("scheduler", "", ALL_PENDING))
        if not deleted:
            keys.append(("node", "", obj["metadata"]["name"]))
        return keys

    return mapper


def scheduler_sync(loads: scheduler.NodeLoads, pending: PendingPods, known: NodeCache):
    """The scheduler's pass: the pod and the nodes come from what the change stream kept (`pending`,
    `known`), as upstream's scheduler reads its informers, so a pass reads nothing through the API."""

    def sync(namespace: str, name: str, transport: Transport, now: datetime) -> list:
        all_nodes = known.nodes()
        if name == ALL_PENDING:
            actions: list = []
            for pod in pending.pods():
                actions.extend(_schedule_one(pod, all_nodes, loads, now))
            return actions
        pod = pending.get(namespace, name)  # None: gone, bound or being deleted
        if pod is None:
            return []
        return _schedule_one(pod, all_nodes, loads, now)

    return sync


def _schedule_one(pod: dict, all_nodes: tuple[dict, ...], loads: scheduler.NodeLoads, now: datetime) -> list:
    node_name, message = scheduler.schedule(pod, all_nodes, [], loads)
    if node_name:
        return scheduler.bind_actions(pod, node_name, now)
    return scheduler.unschedulable_actions(pod, message, now)


class WaitIndex:
    """Which pods wait for which ConfigMap/Secret: (kind, namespace, name) -> {(namespace, pod)}."""

    def __init__(self) -> None:
        self.pods: dict[tuple[str, str, str], set[tuple[str, str]]] = {}
        self._objects: dict[tuple[str, str], tuple[tuple[str, str, str], ...]] = {}

    def update(self, namespace: str, pod: str, objects: tuple[tuple[str, str], ...]) -> None:
        """The pod now waits for `objects` ((kind, name) in its namespace; () for none)."""
        key = (namespace, pod)
        old = self._objects.get(key)
        if old is None and not objects:
            return  # the common case: a pod that never waited
        wanted = tuple((kind, namespace, name) for kind, name in objects)
        if old == wanted:
            return
        for obj in old or ():
            waiting = self.pods.get(obj)
            if waiting is not None:
                waiting.discard(key)
                if not waiting:
                    del self.pods[obj]
        if wanted:
            self._objects[key] = wanted
            for obj in wanted:
                self.pods.setdefault(obj, set()).add(key)
        else:
            del self._objects[key]

    def waiting(self, kind: str, namespace: str, name: str) -> list[Key]:
        return [("kubelet", ns, pod) for ns, pod in sorted(self.pods.get((kind, namespace, name), ()))]


class ContentFeed:
    """The kubelets' ConfigMap/Secret history, fed from the change stream (see the module docstring)."""

    def __init__(self) -> None:
        self.history = mounts.ContentHistory()
        self._pending: dict[tuple[str, str, str], dict | None] = {}
        self._started = False

    def observe(self, kind: str, namespace: str, name: str, obj: dict | None) -> None:
        if self._started:
            self._pending[(kind, namespace, name)] = obj
        elif obj is not None:
            created = parse_time((obj.get("metadata") or {}).get("creationTimestamp"))
            self.history.seed(kind, namespace, name, obj, created or mounts.BEGINNING)

    def flush(self, now: datetime) -> None:
        """Stamp the changes seen since the last pass with `now` (the kubelets' pass begins)."""
        self._started = True
        if self._pending:
            for (kind, namespace, name), obj in self._pending.items():
                self.history.record(kind, namespace, name, obj, now)
            self._pending.clear()


def _content_keys(feed: ContentFeed, index: WaitIndex, kind_name: str):
    def mapper(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        meta = obj["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        feed.observe(kind_name, namespace, name, None if event == "DELETED" else obj)
        return index.waiting(kind_name, namespace, name)

    return mapper


def kubelet_sync(
    feed: ContentFeed | None = None,
    index: WaitIndex | None = None,
    kept_pods: KeptObjects | None = None,
    kept_nodes: KeptObjects | None = None,
    own: OwnStatusWrites | None = None,
    images: kubelet.NodeImages | None = None,
):
    """The kubelets' pass over one pod; with `feed` its ConfigMaps/Secrets gate the start (see kubelet.py).
    With `own`, the status the pass writes is announced to it (see `OwnStatusWrites`); with `images`, the
    images each node holds decide whether a new pod pulls (`kubelet.NodeImages`).

    With `kept_pods` and `kept_nodes` (fed by the kubelet controller's watches) the pod and its node
    are the objects last stored, as upstream's kubelet reads its pod and node informers, instead of
    two reads through the API.  The pass runs as the kubelet of the very node the pod is bound to
    (`identity.kubelet_of_pod`), whose reads of that pod and of its own Node the Node authorizer
    always allows, so the answers are the same."""

    def sync(namespace: str, name: str, transport: Transport, now: datetime) -> list:
        if feed is not None:
            feed.flush(now)
        if kept_pods is not None:
            pod = kept_pods.get(namespace, name)
        else:
            pod = transport.get("v1", "Pod", namespace, name)
        if pod is None:
            if index is not None:
                index.update(namespace, name, ())
            return []
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name:
            node = None
        elif kept_nodes is not None:
            node = kept_nodes.get("", node_name)
        else:
            node = transport.get("v1", "Node", "", node_name)
        if node is None:
            return []
        rules = behaviour.rules_from_configmap(
            transport.get(
                "v1", "ConfigMap", behaviour.SIMULATION_CONFIGMAP_NAMESPACE, behaviour.SIMULATION_CONFIGMAP_NAME
            )
        )
        history = feed.history if feed is not None else None
        actions, delay = kubelet.reconcile(
            pod,
            node,
            now,
            rules=rules,
            configmaps={},
            secrets={},
            history=history,
            images=images,
        )
        if index is not None:
            index.update(namespace, name, kubelet.waiting_on(namespace, name))
        if own is not None and actions and type(actions[0]) is UpdateStatus:
            own.wrote(namespace, name, actions[0].obj["status"])
        if delay is not None:
            actions.append(RequeueAfter(delay))
        return actions

    return sync


# The kubelets' pass without ConfigMap/Secret gating (kept for callers that drive one pod directly).
sync_kubelet = kubelet_sync()


def node_sync(images: kubelet.NodeImages):
    """The kubelet's node pass: the heartbeat (status, with the images its pods pulled there) and the Lease."""

    # What this kubelet process remembers of each node, as upstream's kubelet keeps it in memory:
    # whether it has posted a heartbeat yet, and the node's `spec.unschedulable` when it last looked.
    started: set[str] = set()
    unschedulable: dict[str, bool] = {}

    def sync(namespace: str, name: str, transport: Transport, now: datetime) -> list:
        node = transport.get("v1", "Node", "", name)
        if node is None:
            started.discard(name)
            unschedulable.pop(name, None)
            return []
        actions = list(nodes.heartbeat_actions(node, now, images.status_images(name)))
        if not nodes.heartbeat_stopped(node):
            actions += nodes.kubelet_events(node, name not in started, unschedulable.get(name, False))
            started.add(name)
            unschedulable[name] = bool((node.get("spec") or {}).get("unschedulable"))
            lease = nodes.lease(name, now)
            current = transport.get("coordination.k8s.io/v1", "Lease", nodes.LEASE_NAMESPACE, name)
            if current is None:
                actions.append(CreateObject(lease))
            else:
                renewed = dict(current)
                renewed["spec"] = {**(current.get("spec") or {}), **lease["spec"]}
                actions.append(UpdateObject(renewed))
        actions.append(RequeueAfter(HEARTBEAT_SECONDS))
        return actions

    return sync


def _kubelet_of_kept(kept_pods: KeptObjects):
    """`identity.kubelet_of_pod` answered from the kubelets' kept pods (the stored pods, as their watch
    keeps them), without a read through the API per pass."""

    def user_of(namespace: str, name: str, transport: Transport):
        return identity.kubelet_of(kept_pods.get(namespace, name))

    return user_of


def simulation_controllers() -> list[Controller]:
    loads, pending, known = scheduler.NodeLoads(), PendingPods(), NodeCache()
    feed, index, kept_pods, kept_nodes = ContentFeed(), WaitIndex(), KeptObjects(), KeptObjects()
    own, images = OwnStatusWrites(), kubelet.NodeImages()
    return [
        Controller(
            "scheduler",
            scheduler_sync(loads, pending, known),
            {("v1", "Pod"): _freed_capacity(loads, pending), ("v1", "Node"): _node_keys(known)},
            component="default-scheduler",
            user=identity.SCHEDULER,
        ),
        Controller(
            "kubelet",
            kubelet_sync(feed, index, kept_pods, kept_nodes, own, images),
            {
                ("v1", "Pod"): _kubelet_pod_keys(kept_pods, own, images),
                ("v1", "Node"): _kept_node(kept_nodes, images),
                ("v1", "ConfigMap"): _content_keys(feed, index, mounts.CONFIGMAP),
                ("v1", "Secret"): _content_keys(feed, index, mounts.SECRET),
            },
            component="kubelet",
            user_of=_kubelet_of_kept(kept_pods),
        ),
        Controller("node", node_sync(images), {}, component="kubelet", user_of=identity.kubelet_of_node),
    ]
