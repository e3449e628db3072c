"""Wiring of the cluster-wide controllers: garbage collector, namespace, endpoints, service accounts,
node lifecycle.  Each pairs a pure reconciler with an adapter that loads its inputs through the
transport and mappers from changes to keys.

The garbage collector and the endpoints controller need reverse lookups the store does not keep
("who names this uid as owner", "which services live in this namespace"); the mappers see every
change, so they keep those indexes themselves.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from kubeferry.client.transport import Transport
from kubeferry.controllers import (
    disruption,
    endpoints,
    garbagecollector,
    identity,
    namespace,
    nodelifecycle,
    serviceaccount,
    volumes,
)
from kubeferry.controllers.actions import RequeueAfter, UpdateObject
from kubeferry.controllers.runner import ONLY_DELETIONS, Controller, Key
from kubeferry.machinery import resources

_NAMESPACED = [r for r in resources.RESOURCES if r.namespaced and r.group != "events.k8s.io"]


def _ref_key(api_version: str, kind: str, namespace: str) -> str:
    return f"{api_version}|{kind}|{namespace}"


class OwnerIndex:
    """owner uid -> the objects that name it in ownerReferences, kept from the change stream."""

    def __init__(self) -> None:
        self.dependents: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.owners_of: dict[tuple[str, str], set[str]] = {}

    def observe(self, api_version: str, kind: str, obj: dict, event: str, prev: dict | None = None) -> tuple[str, str]:
        """Record `obj`'s owners (`prev`: the version the change replaced, when known); returns its key."""
        meta = obj["metadata"]
        me = (_ref_key(api_version, kind, meta.get("namespace", "")), meta["name"])
        refs = meta.get("ownerReferences")
        if not refs:
            if me not in self.owners_of:
                return me  # no owners before or after (most objects: Events, owner-less pods)
        elif (
            event != "DELETED"
            and prev is not None
            and me in self.owners_of
            and refs == (prev.get("metadata") or {}).get("ownerReferences")
        ):
            return me  # the references this index holds for it are unchanged (status writes)
        for uid in self.owners_of.pop(me, ()):
            self.dependents[uid].discard(me)
        if event != "DELETED":
            uids = {ref["uid"] for ref in meta.get("ownerReferences") or () if ref.get("uid")}
            if uids:
                self.owners_of[me] = uids
                for uid in uids:
                    self.dependents[uid].add(me)
        return me


GC_IGNORED = frozenset({("", "events"), ("events.k8s.io", "events")})  # garbagecollector's ignored resources


def garbage_collector() -> Controller:
    index = OwnerIndex()

    dependents_of = index.dependents

    owners_of = index.owners_of
    ref_keys: dict[tuple[str, str, str], str] = {}  # (api_version, kind, namespace) -> `_ref_key` of them
    # uid -> (`_ref_key`, name) of every watched object seen and not being deleted (None once it is): the
    # owners upstream's graph builder holds as observed nodes.
    live: dict[str, tuple[str, str] | None] = {}

    def owners_live(refs: list, namespace: str) -> bool:
        """Whether every reference names an object seen live under exactly that apiVersion, kind, name
        and `namespace` (the dependent's) with that uid: a pass would find each owner solid and decide
        nothing (garbagecollector.reconcile), so a new dependent of such owners needs none, as upstream's
        graph builder queues a new object only for an owner it has not observed."""
        for ref in refs:
            seen = live.get(ref.get("uid"))
            if seen is None or seen[1] != ref.get("name"):
                return False
            # built afresh: the reference's fields are the writer's, not worth a cache entry each
            if seen[0] != _ref_key(ref.get("apiVersion"), ref.get("kind"), namespace):
                return False
        return True

    def mapper(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key] | tuple:
        meta = obj["metadata"]
        if prev is not None and event != "DELETED" and not meta.get("deletionTimestamp"):
            before = prev.get("metadata") or {}
            refs = meta.get("ownerReferences")
            if before.get("ownerReferences") is refs and before.get("finalizers") is meta.get("finalizers"):
                # A write that keeps the very lists of owner references and finalizers (status writes): no
                # key, and the index holds what it should when it knows the object exactly when it has owners.
                namespace = meta.get("namespace", "")
                ref_key = ref_keys.get((api_version, kind, namespace))
                if ref_key is None:
                    ref_key = ref_keys[(api_version, kind, namespace)] = _ref_key(api_version, kind, namespace)
                if ((ref_key, meta["name"]) in owners_of) is bool(refs):
                    return ()
        me = index.observe(api_version, kind, obj, event, prev)
        keys: list[Key] = []
        uid = meta.get("uid")
        if event == "DELETED":
            deleting = True
            live.pop(uid, None)
        else:
            deleting = bool(meta.get("deletionTimestamp"))
            if uid:
                live[uid] = None if deleting else me
            refs = meta.get("ownerReferences")
            if deleting:
                # While it is being deleted, an object is looked at only for the orphan and foreground
                # finalizers: without them a pass over it decides nothing (garbagecollector.reconcile),
                # and any later change to its finalizers comes through here again.
                if garbagecollector.has_deletion_work(obj):
                    keys.append(("gc", me[0], me[1]))
            elif refs:
                # As upstream's graph builder: an object is looked at when it appears with an owner not
                # seen live, and when its owner references change; a status write changes neither.  (An
                # owner's deletion queues its dependents below.)
                if prev is None:
                    if not owners_live(refs, meta.get("namespace", "")):
                        keys.append(("gc", me[0], me[1]))
                else:
                    before = prev.get("metadata") or {}
                    if before.get("ownerReferences") != refs or before.get("finalizers") != meta.get("finalizers"):
                        keys.append(("gc", me[0], me[1]))
        if deleting:
            dependents = dependents_of.get(meta.get("uid", ""))
            if dependents:
                keys.extend(("gc", ref, name) for ref, name in sorted(dependents))
        return keys or ()

    def sync(ref: str, name: str, transport: Transport, now: datetime) -> list:
        api_version, kind, ns = ref.split("|")
        obj = transport.get(api_version, kind, ns, name)
        if obj is None:
            return []
        if garbagecollector.is_deleting(obj) and not garbagecollector.has_deletion_work(obj):
            return []  # what reconcile decides for it, whatever its owners and dependents
        owners: dict[str, dict | None] = {}
        for owner_ref in obj["metadata"].get("ownerReferences") or ():
            res = resources.by_api_version_kind(owner_ref.get("apiVersion", ""), owner_ref.get("kind", ""))
            if res is None:
                continue
            owner = transport.get(
                owner_ref["apiVersion"], owner_ref["kind"], ns if res.namespaced else "", owner_ref.get("name", "")
            )
            owners[owner_ref["uid"]] = (
                owner if owner is not None and owner["metadata"].get("uid") == owner_ref["uid"] else None
            )
        dependents = []
        for dep_ref, dep_name in sorted(index.dependents.get(obj["metadata"].get("uid", ""), ())):
            dep_api, dep_kind, dep_ns = dep_ref.split("|")
            dep = transport.get(dep_api, dep_kind, dep_ns, dep_name)
            if dep is not None:
                dependents.append(dep)
        return garbagecollector.reconcile(obj, owners, dependents, now)

    # Upstream's collector ignores Events (core and events.k8s.io): they are never owners nor collected.
    watches = {(r.api_version, r.kind): mapper for r in resources.RESOURCES if (r.group, r.plural) not in GC_IGNORED}
    return Controller(
        "gc",
        sync,
        watches,
        component="garbage-collector-controller",
        **identity.controller_manager("generic-garbage-collector"),
    )


def namespace_controller() -> Controller:
    def sync(_: str, name: str, transport: Transport, now: datetime) -> list:
        ns = transport.get("v1", "Namespace", "", name)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return []
        contents = {
            f"{res.api_version}/{res.kind}": transport.list(res.api_version, res.kind, name) for res in _NAMESPACED
        }
        actions = namespace.reconcile(ns, contents, now)
        return [
            UpdateObject(a.obj, subresource="finalize")
            if isinstance(a, UpdateObject) and a.obj.get("kind") == "Namespace"
            else a
            for a in actions
        ]

    def on_namespace(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        return (
            [("namespace", "", obj["metadata"]["name"])]
            if event != "DELETED" and obj["metadata"].get("deletionTimestamp")
            else []
        )

    def on_content(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> tuple[Key, ...]:
        return (("namespace", "", obj["metadata"].get("namespace", "")),) if event == "DELETED" else ()

    on_content.only_on = ONLY_DELETIONS  # type: ignore[attr-defined]  # not asked about other changes (runner._plan)
    watches = {("v1", "Namespace"): on_namespace}
    for res in _NAMESPACED:
        watches[(res.api_version, res.kind)] = on_content
    return Controller(
        "namespace",
        sync,
        watches,
        component="namespace-controller",
        **identity.controller_manager("namespace-controller"),
    )


def endpoints_controller() -> Controller:
    services: dict[str, set[str]] = defaultdict(set)
    # Every pod change wakes its namespace's Services, by name: their keys are made once per Service change.
    service_keys: dict[str, tuple[Key, ...]] = {}

    def on_service(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        meta = obj["metadata"]
        ns = meta.get("namespace", "")
        if event == "DELETED":
            services[ns].discard(meta["name"])
        else:
            services[ns].add(meta["name"])
        service_keys[ns] = tuple(("endpoints", ns, name) for name in sorted(services[ns]))
        return [("endpoints", ns, meta["name"])]

    def on_pod(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> tuple[Key, ...]:
        return service_keys.get(obj["metadata"].get("namespace", ""), ())

    def sync(ns: str, name: str, transport: Transport, now: datetime) -> list:
        service = transport.get("v1", "Service", ns, name)
        if service is None or not (service.get("spec") or {}).get("selector"):
            return []
        pods = transport.list("v1", "Pod", ns)
        current = transport.get("v1", "Endpoints", ns, name)
        slices = [
            s
            for s in transport.list("discovery.k8s.io/v1", "EndpointSlice", ns)
            if ((s.get("metadata") or {}).get("labels") or {}).get("kubernetes.io/service-name") == name
        ]
        return endpoints.reconcile(service, pods, current, slices, now)

    return Controller(
        "endpoints",
        sync,
        {("v1", "Service"): on_service, ("v1", "Pod"): on_pod},
        component="endpoint-controller",
        **identity.controller_manager("endpoint-controller"),
    )


def serviceaccount_controller() -> Controller:
    def on_namespace(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        return [] if event == "DELETED" else [("serviceaccount", "", obj["metadata"]["name"])]

    def on_account(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        return [("serviceaccount", "", obj["metadata"].get("namespace", ""))] if event == "DELETED" else []

    on_account.only_on = ONLY_DELETIONS  # type: ignore[attr-defined]

    def sync(_: str, name: str, transport: Transport, now: datetime) -> list:
        ns = transport.get("v1", "Namespace", "", name)
        if ns is None:
            return []
        return serviceaccount.reconcile(ns, transport.list("v1", "ServiceAccount", name), now)

    return Controller(
        "serviceaccount",
        sync,
        {("v1", "Namespace"): on_namespace, ("v1", "ServiceAccount"): on_account},
        component="service-account-controller",
        **identity.controller_manager("service-account-controller"),
    )


def node_lifecycle_controller() -> Controller:
    def on_node(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        return [] if event == "DELETED" else [("nodelifecycle", "", obj["metadata"]["name"])]

    registered: set[str] = set()  # the nodes this controller has seen (upstream's knownNodeSet)

    def sync(_: str, name: str, transport: Transport, now: datetime) -> list:
        node = transport.get("v1", "Node", "", name)
        if node is None:
            registered.discard(name)
            return []
        lease = transport.get("coordination.k8s.io/v1", "Lease", "kube-node-lease", name)
        pods = [p for p in transport.list("v1", "Pod") if (p.get("spec") or {}).get("nodeName") == name]
        actions, delay = nodelifecycle.reconcile(node, lease, pods, now)
        if name not in registered:
            registered.add(name)
            actions.insert(0, nodelifecycle.registered_event(node))
        if delay is not None:
            actions.append(RequeueAfter(delay))
        return actions

    return Controller(
        "nodelifecycle",
        sync,
        {("v1", "Node"): on_node},
        component="node-controller",
        **identity.controller_manager("node-controller"),
    )


def disruption_controller() -> Controller:
    budgets: dict[str, set[str]] = defaultdict(set)
    scalable = (("apps/v1", "ReplicaSet"), ("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"), ("batch/v1", "Job"))

    # A member's change wakes its namespace's budgets, by name: their keys are made once per budget change.
    budget_keys: dict[str, tuple[Key, ...]] = {}

    def on_budget(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        meta = obj["metadata"]
        ns = meta.get("namespace", "")
        if event == "DELETED":
            budgets[ns].discard(meta["name"])
            budget_keys[ns] = tuple(("disruption", ns, name) for name in sorted(budgets[ns]))
            return []
        budgets[ns].add(meta["name"])
        budget_keys[ns] = tuple(("disruption", ns, name) for name in sorted(budgets[ns]))
        return [("disruption", ns, meta["name"])]

    def on_member(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> tuple[Key, ...]:
        return budget_keys.get(obj["metadata"].get("namespace", ""), ())

    def sync(ns: str, name: str, transport: Transport, now: datetime) -> list:
        pdb = transport.get("policy/v1", "PodDisruptionBudget", ns, name)
        if pdb is None:
            return []
        pods = transport.list("v1", "Pod", ns)
        controllers = {}
        for api_version, kind in scalable:
            for obj in transport.list(api_version, kind, ns):
                controllers[obj["metadata"]["uid"]] = obj
        return disruption.reconcile(pdb, pods, controllers, now)

    watches = {("policy/v1", "PodDisruptionBudget"): on_budget, ("v1", "Pod"): on_member}
    for api_version, kind in scalable:
        watches[(api_version, kind)] = on_member
    return Controller(
        "disruption",
        sync,
        watches,
        component="controllermanager",
        **identity.controller_manager("disruption-controller"),
    )


def volume_controller() -> Controller:
    """Keys: ("volumes", ns, claim) for claims, ("volumes", "", "pv/<name>") for volumes."""

    def on_claim(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        meta = obj["metadata"]
        keys: list[Key] = [] if event == "DELETED" else [("volumes", meta.get("namespace", ""), meta["name"])]
        name = (obj.get("spec") or {}).get("volumeName")
        if name:
            keys.append(("volumes", "", f"pv/{name}"))
        return keys

    def on_volume(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list[Key]:
        if event == "DELETED":
            return []
        keys: list[Key] = [("volumes", "", f"pv/{obj['metadata']['name']}")]
        ref = (obj.get("spec") or {}).get("claimRef") or {}
        if ref.get("name"):
            keys.append(("volumes", ref.get("namespace", ""), ref["name"]))
        return keys

    def sync(ns: str, name: str, transport: Transport, now: datetime) -> list:
        if name.startswith("pv/"):
            volume = transport.get("v1", "PersistentVolume", "", name[3:])
            if volume is None:
                return []
            ref = (volume.get("spec") or {}).get("claimRef") or {}
            claim = (
                transport.get("v1", "PersistentVolumeClaim", ref.get("namespace", ""), ref["name"])
                if ref.get("name")
                else None
            )
            return volumes.reconcile_volume(volume, claim, now)
        claim = transport.get("v1", "PersistentVolumeClaim", ns, name)
        if claim is None:
            return []
        classes = {c["metadata"]["name"]: c for c in transport.list("storage.k8s.io/v1", "StorageClass")}
        return volumes.reconcile_claim(claim, transport.list("v1", "PersistentVolume"), classes, now)

    return Controller(
        "volumes",
        sync,
        {("v1", "PersistentVolumeClaim"): on_claim, ("v1", "PersistentVolume"): on_volume},
        component="persistentvolume-controller",
        **identity.controller_manager("persistent-volume-binder"),
    )


def clusterrole_aggregation_controller() -> Controller:
    """One key for the whole set: any ClusterRole change may change any aggregated role's union."""
    from kubeferry.controllers import clusterroleaggregation

    key = ("clusterrole-aggregation", "", "all")

    def on_role(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list:
        return [key]

    def sync(namespace: str, name: str, transport: Transport, now: datetime) -> list:
        return clusterroleaggregation.reconcile(transport.list("rbac.authorization.k8s.io/v1", "ClusterRole"))

    return Controller(
        "clusterrole-aggregation",
        sync,
        {("rbac.authorization.k8s.io/v1", "ClusterRole"): on_role},
        component="clusterrole-aggregation-controller",
        **identity.controller_manager("clusterrole-aggregation-controller"),
    )


def cluster_controllers() -> list[Controller]:
    return [
        clusterrole_aggregation_controller(),
        volume_controller(),
        disruption_controller(),
        garbage_collector(),
        namespace_controller(),
        endpoints_controller(),
        serviceaccount_controller(),
        node_lifecycle_controller(),
    ]
