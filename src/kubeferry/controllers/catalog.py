"""Which controllers run, what wakes each one, and how each loads the state it decides on.

Each entry pairs a pure reconciler with (a) a `sync(namespace, name, transport, now)` adapter
that reads the objects it needs through the transport and (b) mappers from changed objects to
the keys that must be looked at again:

    Pod my-app-5d9c-x changed   -> ("replicaset", ns, "my-app-5d9c")   via its controllerRef
    ReplicaSet my-app-5d9c      -> ("deployment", ns, "my-app")        via its controllerRef
                                 + ("replicaset", ns, "my-app-5d9c")
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from kubeferry.client.transport import Transport
from kubeferry.controllers import identity, replicaset
from kubeferry.controllers.runner import ONLY_DELETIONS, Controller, Key
from kubeferry.machinery.selectors import OP_DOUBLE_EQUALS, OP_EQUALS, OP_IN, LabelSelector
from kubeferry.machinery.status import StatusError

# Requirements that, with one value, ask for exactly that label value (what `PodsByController.select` indexes).
_EQUALITY_OPERATORS = (OP_IN, OP_EQUALS, OP_DOUBLE_EQUALS)
_ABSENT = object()
_NO_LABELS: dict = {}


def controller_of(obj: dict) -> dict | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def _self(name: str):
    def mapper(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> tuple[Key, ...]:
        meta = obj["metadata"]
        return ((name, meta.get("namespace", ""), meta["name"]),)

    return mapper


def _owner_keys(name: str, owner_kind: str, namespace: str, ref: dict | None, before: dict | None) -> tuple[Key, ...]:
    """The keys of the controlling owners `ref` (now) and `before` (prior to the change) of `owner_kind`,
    each once (a status write keeps the owner: one key)."""
    if ref and ref.get("kind") == owner_kind:
        key = (name, namespace, ref["name"])
        if before and before.get("kind") == owner_kind and before["name"] != key[2]:
            return key, (name, namespace, before["name"])
        return (key,)
    if before and before.get("kind") == owner_kind:
        return ((name, namespace, before["name"]),)
    return ()


def _owners(index: PodsByController | None, pairs: tuple[tuple[str, str], ...]):
    """The keys of `_owner(name, owner_kind)` for each (name, owner_kind) of `pairs`, in that order, with the
    changed object's controller read once; with `index` (pods only) that object is indexed first, its
    controller given by `index.observe`.

    The runner asks neighbouring owner mappers of a kind as one (`fuse`, runner._plan): every pod change
    reaches the owner mappers of ReplicaSets, StatefulSets and DaemonSets, which read the same references."""
    names_of: dict[str, tuple[str, ...]] = {}  # owner kind -> the controllers keying it, in `pairs` order
    for name, owner_kind in pairs:
        names_of[owner_kind] = names_of.get(owner_kind, ()) + (name,)

    def mapper(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> tuple[Key, ...]:
        meta = obj["metadata"]
        ref = index.observe(obj, event == "DELETED") if index is not None else controller_of(obj)
        if prev is None:
            before = None
        elif (prev.get("metadata") or {}).get("ownerReferences") is meta.get("ownerReferences"):
            before = ref  # the very list of references kept (status writes): the same controller
        else:
            before = controller_of(prev)
        if ref is before:
            # One controller now and before (or none): a key per controller watching its kind, once.
            if ref is None:
                return ()
            names = names_of.get(ref.get("kind"))
            if names is None:
                return ()
            namespace, owner = meta.get("namespace", ""), ref["name"]
            if len(names) == 1:
                return ((names[0], namespace, owner),)
            return tuple((name, namespace, owner) for name in names)
        namespace = meta.get("namespace", "")
        keys: tuple[Key, ...] = ()
        for name, owner_kind in pairs:
            # Most changes name one owner kind (or none): the others end here, before building any key.
            if (ref is not None and ref.get("kind") == owner_kind) or (
                before is not None and before.get("kind") == owner_kind
            ):
                keys += _owner_keys(name, owner_kind, namespace, ref, before)
        return keys

    def fuse(following) -> object | None:
        """This mapper and `following` as one, when `following` is an owner mapper keeping no index."""
        more = getattr(following, "owner_pairs", None)
        if more is None or getattr(following, "owner_index", None) is not None:
            return None
        return _owners(index, pairs + more)

    mapper.owner_pairs = pairs  # type: ignore[attr-defined]
    mapper.owner_index = index  # type: ignore[attr-defined]
    mapper.fuse = fuse  # type: ignore[attr-defined]
    return mapper


def _owner(name: str, owner_kind: str):
    """Key the controlling owner of `owner_kind` (now or before the change: adoption and release)."""
    return _owners(None, ((name, owner_kind),))


def sync_deployment(namespace: str, name: str, transport: Transport, now: datetime) -> list:
    from kubeferry.controllers import deployment

    d = transport.get("apps/v1", "Deployment", namespace, name)
    if d is None:
        return []
    replica_sets = transport.list("apps/v1", "ReplicaSet", namespace)
    pods = (
        transport.list("v1", "Pod", namespace)
        if (d.get("spec") or {}).get("strategy", {}).get("type") == "Recreate"
        else []
    )
    return deployment.reconcile(d, replica_sets, pods, now)


def sync_replicaset(namespace: str, name: str, transport: Transport, now: datetime) -> list:
    rs = transport.get("apps/v1", "ReplicaSet", namespace, name)
    if rs is None:
        return []
    pods = transport.list("v1", "Pod", namespace)
    owner = controller_of(rs)
    related = None
    if owner is not None:
        related = [
            r
            for r in transport.list("apps/v1", "ReplicaSet", namespace)
            if (controller_of(r) or {}).get("uid") == owner.get("uid")
        ]
    return replicaset.reconcile(rs, pods, now, related_replica_sets=related)


class PodsByController:
    """Each namespace's pods by the uid of their controller (orphans apart), kept from the change stream.

    A ReplicaSet pass decides on its own pods and the namespace's orphans (pods controlled by another
    owner are skipped by the claim), so with this index a pass no longer walks every pod of a busy
    namespace.  A scale-down that keeps pods also ranks them by the pods its sibling ReplicaSets select: the index
    keeps each namespace's pods by label (key, value), so `select` intersects the pods carrying each
    single-value equality of a selector (`app=web`, `In (web)`) instead of walking the namespace
    (`indexed_sync_replicaset`).

    Once a ReplicaSet has had a pass, the index also keeps what that pass learns of its own pods
    (`replicaset.OwnedPods`): it notes which of them changed and has only those classified again before
    the next pass, which then need not walk them all (`owned`).
    """

    def __init__(self) -> None:
        self._bucket_of: dict[tuple[str, str], tuple[str, str]] = {}  # (ns, name) -> (ns, controller uid)
        self._buckets: dict[tuple[str, str], dict[str, dict]] = {}  # (ns, controller uid or "") -> name -> pod
        self._owned: dict[tuple[str, str], replicaset.OwnedPods] = {}  # (ns, controller uid) -> its pods' facts
        self._pods: dict[str, dict[str, dict]] = {}  # ns -> name -> pod
        self._labelled: dict[tuple[str, str, str], set[str]] = {}  # (ns, label key, label value) -> pod names
        self._labels_of: dict[tuple[str, str], dict] = {}  # (ns, name) -> the labels indexed for it

    def _relabel(self, namespace: str, name: str, old_labels: dict, new_labels: dict, deleted: bool) -> None:
        """The pod's labels changed from `old_labels` (its kept copy) to `new_labels`: move it in `_labelled`."""
        if not deleted:
            self._labels_of[(namespace, name)] = dict(new_labels)
        labelled = self._labelled
        for label, value in old_labels.items():
            if new_labels.get(label, _ABSENT) != value:
                names = labelled[(namespace, label, value)]
                names.discard(name)
                if not names:
                    del labelled[(namespace, label, value)]
        for label, value in new_labels.items():
            if old_labels.get(label, _ABSENT) != value:
                labelled.setdefault((namespace, label, value), set()).add(name)

    def select(self, namespace: str, selector: LabelSelector) -> list[dict]:
        """The pods of `namespace` in list order (by name) that `selector` may match: those carrying every
        label its single-value equalities ask for (all pods when it has none).  The caller applies
        `selector.matches` to each, so other requirements (NotIn, Exists, ...) need no index."""
        pods = self._pods.get(namespace)
        if not pods:
            return []
        buckets = []
        for requirement in selector.requirements:
            if requirement.operator in _EQUALITY_OPERATORS and len(requirement.values) == 1:
                names = self._labelled.get((namespace, requirement.key, requirement.values[0]))
                if not names:
                    return []
                buckets.append(names)
        if not buckets:
            return [pods[name] for name in sorted(pods)]
        buckets.sort(key=len)
        names = buckets[0].intersection(*buckets[1:]) if len(buckets) > 1 else buckets[0]
        return [pods[name] for name in sorted(names)]

    def observe(self, pod: dict, deleted: bool) -> dict | None:
        """Index the pod's new state (or its removal); returns its controller reference."""
        meta = pod["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        me = (namespace, name)
        # `_pods` and `_labelled`, the latter from a copy of the labels kept to compare the next change with
        old_labels = self._labels_of.get(me, _NO_LABELS)
        if deleted:
            new_labels = _NO_LABELS
            pods = self._pods.get(namespace)
            if pods is not None and pods.pop(name, None) is not None and not pods:
                del self._pods[namespace]
            self._labels_of.pop(me, None)
        else:
            new_labels = meta.get("labels") or _NO_LABELS
            pods = self._pods.get(namespace)
            if pods is None:
                self._pods[namespace] = {name: pod}
            else:
                pods[name] = pod
        if old_labels != new_labels:  # status writes and most updates keep the labels
            self._relabel(namespace, name, old_labels, new_labels, deleted)
        ref = controller_of(pod)
        key = (namespace, ref.get("uid", "") if ref is not None else "")
        old = self._bucket_of.get(me)
        owned = self._owned
        if old == key and not deleted:
            self._buckets[key][name] = pod  # same controller as before (status writes): replace in place
            if owned:
                facts = owned.get(key)
                if facts is not None:
                    facts.changed.add(name)
            return ref
        if old is not None:
            del self._bucket_of[me]
            bucket = self._buckets[old]
            bucket.pop(name, None)
            facts = owned.get(old)
            if facts is not None:
                facts.changed.add(name)
            if not bucket:
                del self._buckets[old]
                owned.pop(old, None)
        if deleted:
            return ref
        self._bucket_of[me] = key
        self._buckets.setdefault(key, {})[name] = pod
        facts = owned.get(key)
        if facts is not None:
            facts.changed.add(name)
        return ref

    def owned(self, rs: dict) -> replicaset.OwnedPods | None:
        """What a pass of `rs` over its candidates would learn, kept from the change stream; None when
        that pass must walk them: `rs` has no uid or an invalid selector, an owned pod no longer matches
        (to be released), or an orphan of the namespace would be adopted (ownership.claim decides those)."""
        meta = rs.get("metadata") or {}
        uid = meta.get("uid") or ""
        if not uid:
            return None
        namespace = meta.get("namespace") or ""
        key = (namespace, uid)
        facts = self._owned.get(key)
        if facts is None or not facts.fits(rs):
            try:
                facts = replicaset.OwnedPods(rs)
            except StatusError:
                return None
            for name, pod in self._buckets.get(key, {}).items():
                facts.put(name, pod)
            self._owned[key] = facts
        elif facts.changed:
            facts.refresh(self._buckets.get(key, {}))
        if facts.to_claim:
            return None
        would_claim = facts.would_claim
        for orphan in self._buckets.get((namespace, ""), {}).values():
            if would_claim(orphan):
                return None
        return facts

    def candidates(self, namespace: str, controller_uid: str) -> list[dict]:
        """The pods `controller_uid` controls and the orphans of `namespace`, in list order (by name)."""
        owned = self._buckets.get((namespace, controller_uid), {}) if controller_uid else {}
        orphans = self._buckets.get((namespace, ""), {})
        merged = {**owned, **orphans} if orphans else owned
        return [merged[name] for name in sorted(merged)]


class _NamespacePods(Sequence):
    """The namespace's pods, listed through the transport on first use."""

    def __init__(self, transport: Transport, namespace: str) -> None:
        self._transport, self._namespace = transport, namespace
        self._pods: list[dict] | None = None

    def _all(self) -> list[dict]:
        if self._pods is None:
            self._pods = self._transport.list("v1", "Pod", self._namespace)
        return self._pods

    def __getitem__(self, index):
        return self._all()[index]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def indexed_sync_replicaset(index: PodsByController):
    """`sync_replicaset` deciding on the index's candidates (same decisions, without listing every pod)."""

    def sync(namespace: str, name: str, transport: Transport, now: datetime) -> list:
        rs = transport.get("apps/v1", "ReplicaSet", namespace, name)
        if rs is None:
            return []
        uid = (rs.get("metadata") or {}).get("uid", "")
        owner = controller_of(rs)
        related = None
        if owner is not None:
            related = [
                r
                for r in transport.list("apps/v1", "ReplicaSet", namespace)
                if (controller_of(r) or {}).get("uid") == owner.get("uid")
            ]
        pods = _NamespacePods(transport, namespace)
        select = functools.partial(index.select, namespace)
        if not uid:
            return replicaset.reconcile(rs, pods, now, related_replica_sets=related, select=select)
        owned = index.owned(rs)
        if owned is not None:
            return replicaset.reconcile(rs, pods, now, related_replica_sets=related, owned=owned, select=select)
        candidates = index.candidates(namespace, uid)
        return replicaset.reconcile(rs, pods, now, related_replica_sets=related, candidates=candidates, select=select)

    return sync


def _indexing_owner(index: PodsByController, name: str, owner_kind: str):
    """`_owner(name, owner_kind)` for pods that also keeps `index` (the pod's controller read once)."""
    return _owners(index, ((name, owner_kind),))


def sync_statefulset(namespace: str, name: str, transport: Transport, now: datetime) -> list:
    from kubeferry.controllers import statefulset

    sts = transport.get("apps/v1", "StatefulSet", namespace, name)
    if sts is None:
        return []
    pods = transport.list("v1", "Pod", namespace)
    revisions = transport.list("apps/v1", "ControllerRevision", namespace)
    pvcs = transport.list("v1", "PersistentVolumeClaim", namespace)
    return statefulset.reconcile(sts, pods, revisions, pvcs, now)


def daemonset_controller() -> Controller:
    from kubeferry.controllers import daemonset

    backoff = daemonset.FailedPodBackoff()
    known: set[tuple[str, str]] = set()

    def on_daemonset(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        if event == "DELETED":
            known.discard(key)
            return []
        known.add(key)
        return [("daemonset", *key)]

    def on_node(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        """Daemon pods follow nodes: a node added, removed, relabelled or retainted re-syncs every set."""
        if prev is not None and event != "DELETED":
            before, after = prev.get("spec") or {}, obj.get("spec") or {}
            if (
                prev["metadata"].get("labels") == obj["metadata"].get("labels")
                and before.get("taints") == after.get("taints")
                and before.get("unschedulable") == after.get("unschedulable")
            ):
                return []
        return [("daemonset", ns, name) for ns, name in sorted(known)]

    def sync(namespace: str, name: str, transport: Transport, now: datetime) -> list:
        ds = transport.get("apps/v1", "DaemonSet", namespace, name)
        if ds is None:
            return []
        nodes = transport.list("v1", "Node")
        pods = transport.list("v1", "Pod", namespace)
        revisions = transport.list("apps/v1", "ControllerRevision", namespace)
        return daemonset.reconcile(ds, nodes, pods, revisions, now, failed_pod_backoff=backoff)

    return Controller(
        "daemonset",
        sync,
        {
            ("apps/v1", "DaemonSet"): on_daemonset,
            ("v1", "Pod"): _owner("daemonset", "DaemonSet"),
            ("apps/v1", "ControllerRevision"): _owner("daemonset", "DaemonSet"),
            ("v1", "Node"): on_node,
        },
        component="daemonset-controller",
        **identity.controller_manager("daemon-set-controller"),
    )


def workload_controllers() -> list[Controller]:
    """The Deployment controller runs in a later tier than the ReplicaSet controller: a
    ReplicaSet change is reconciled (pods deleted or created) before its Deployment looks again,
    so the Deployment never counts on pods about to be removed and the fenceposts hold at every
    change (tests/integration/test_rollout_invariants.py)."""
    pods_by_controller = PodsByController()
    return [
        Controller(
            "replicaset",
            indexed_sync_replicaset(pods_by_controller),
            {
                ("apps/v1", "ReplicaSet"): _self("replicaset"),
                ("v1", "Pod"): _indexing_owner(pods_by_controller, "replicaset", "ReplicaSet"),
            },
            component="replicaset-controller",
            **identity.controller_manager("replicaset-controller"),
        ),
        Controller(
            "deployment",
            sync_deployment,
            {
                ("apps/v1", "Deployment"): _self("deployment"),
                ("apps/v1", "ReplicaSet"): _owner("deployment", "Deployment"),
                ("v1", "Pod"): _pods_to_deployment,
            },
            component="deployment-controller",
            **identity.controller_manager("deployment-controller"),
            tier=1,
        ),
        Controller(
            "statefulset",
            sync_statefulset,
            {
                ("apps/v1", "StatefulSet"): _self("statefulset"),
                ("v1", "Pod"): _owner("statefulset", "StatefulSet"),
                ("apps/v1", "ControllerRevision"): _owner("statefulset", "StatefulSet"),
                ("v1", "PersistentVolumeClaim"): _owner("statefulset", "StatefulSet"),
            },
            component="statefulset-controller",
            **identity.controller_manager("statefulset-controller"),
        ),
        daemonset_controller(),
    ]


def _pods_to_deployment(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> tuple[Key, ...]:
    """Recreate waits for old pods to be gone: a deleted pod wakes its Deployment (its RS name less the hash)."""
    if event != "DELETED":
        return ()
    ref = controller_of(obj)
    if ref is None or ref.get("kind") != "ReplicaSet":
        return ()
    rs_name = ref["name"]
    deployment_name = rs_name.rsplit("-", 1)[0] if "-" in rs_name else rs_name
    return (("deployment", obj["metadata"].get("namespace", ""), deployment_name),)


_pods_to_deployment.only_on = ONLY_DELETIONS  # type: ignore[attr-defined]  # see runner._plan
