"""The table of resources kubeferry serves: group, version, kind, plural, scope, short names.

One `Resource` per REST collection.  Discovery, routing, OpenAPI, the registry and the CLI's
resource mapping all read this table, so adding a kind starts here.
"""

from __future__ import annotations

from operator import attrgetter

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUB_VERBS = ("get", "patch", "update")
REVIEW_VERBS = ("create",)


class _Frozen:
    """Value semantics for the table's rows, as `@dataclass(frozen=True)` would give them.

    Plain classes, because every CLI command imports this table and `dataclasses` costs the
    start-up its own import plus `inspect`, `ast` and `dis`.  Subclasses name their attributes in
    `__slots__` (in constructor order) and set them once in `__init__` through `object.__setattr__`:
    equal when of the same class with equal attributes, hashable, immutable, and copied or pickled
    by calling the constructor again.
    """

    __slots__ = ()

    def __init_subclass__(cls) -> None:
        # one C-level getter for all attributes: `_values(self)` is the tuple equality and hashing use
        cls._values = attrgetter(*cls.__slots__)

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values(self) == self._values(other)

    def __hash__(self) -> int:
        return hash(self._values(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __reduce__(self):
        return (type(self), self._values(self))


_set = object.__setattr__


class Subresource(_Frozen):
    __slots__ = __match_args__ = ("name", "group", "version", "kind", "verbs")

    def __init__(self, name: str, group: str, version: str, kind: str, verbs: tuple[str, ...] = SUB_VERBS) -> None:
        _set(self, "name", name)
        _set(self, "group", group)
        _set(self, "version", version)
        _set(self, "kind", kind)
        _set(self, "verbs", verbs)


class Resource(_Frozen):
    __slots__ = __match_args__ = (
        "group",
        "version",
        "kind",
        "plural",
        "namespaced",
        "short_names",
        "categories",
        "subresources",
        "verbs",
        "singular",
    )

    def __init__(
        self,
        group: str,
        version: str,
        kind: str,
        plural: str,
        namespaced: bool,
        short_names: tuple[str, ...] = (),
        categories: tuple[str, ...] = (),
        subresources: tuple[Subresource, ...] = (),
        verbs: tuple[str, ...] = ALL_VERBS,
        singular: str = "",
    ) -> None:
        _set(self, "group", group)
        _set(self, "version", version)
        _set(self, "kind", kind)
        _set(self, "plural", plural)
        _set(self, "namespaced", namespaced)
        _set(self, "short_names", short_names)
        _set(self, "categories", categories)
        _set(self, "subresources", subresources)
        _set(self, "verbs", verbs)
        _set(self, "singular", singular)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> tuple[str, str]:
        return (self.group, self.version)

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def qualified(self) -> str:
        """`deployments.apps`, `pods`: the name used in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    def subresource(self, name: str) -> Subresource | None:
        for sub in self.subresources:
            if sub.name == name:
                return sub
        return None

    def prefix(self, namespace: str | None) -> str:
        """The collection URL path, e.g. `/apis/apps/v1/namespaces/default/deployments`."""
        root = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            return f"{root}/namespaces/{namespace}/{self.plural}"
        return f"{root}/{self.plural}"


def _status(group: str, version: str, kind: str) -> Subresource:
    return Subresource("status", group, version, kind)


def _scale() -> Subresource:
    return Subresource("scale", "autoscaling", "v1", "Scale")


def _r(group, version, kind, plural, namespaced, short=(), cats=(), subs=(), verbs=ALL_VERBS) -> Resource:
    return Resource(group, version, kind, plural, namespaced, tuple(short), tuple(cats), tuple(subs), verbs)


_CORE_NS_VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")

RESOURCES: tuple[Resource, ...] = (
    _r(
        "",
        "v1",
        "Namespace",
        "namespaces",
        False,
        ["ns"],
        subs=[_status("", "v1", "Namespace"), Subresource("finalize", "", "v1", "Namespace", ("update",))],
        verbs=_CORE_NS_VERBS,
    ),
    _r("", "v1", "Node", "nodes", False, ["no"], subs=[_status("", "v1", "Node")]),
    _r(
        "",
        "v1",
        "Pod",
        "pods",
        True,
        ["po"],
        ["all"],
        [
            _status("", "v1", "Pod"),
            Subresource("log", "", "v1", "Pod", ("get",)),
            Subresource("eviction", "policy", "v1", "Eviction", ("create",)),
            Subresource("binding", "", "v1", "Binding", ("create",)),
            Subresource("proxy", "", "v1", "PodProxyOptions", ("create", "delete", "get", "patch", "update")),
        ],
    ),
    _r(
        "",
        "v1",
        "Service",
        "services",
        True,
        ["svc"],
        ["all"],
        [
            _status("", "v1", "Service"),
            Subresource("proxy", "", "v1", "ServiceProxyOptions", ("create", "delete", "get", "patch", "update")),
        ],
    ),
    _r("", "v1", "Endpoints", "endpoints", True, ["ep"]),
    _r("", "v1", "ConfigMap", "configmaps", True, ["cm"]),
    _r("", "v1", "Secret", "secrets", True),
    _r(
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        True,
        ["sa"],
        subs=[Subresource("token", "authentication.k8s.io", "v1", "TokenRequest", ("create",))],
    ),
    _r("", "v1", "Event", "events", True, ["ev"]),
    _r(
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        True,
        ["pvc"],
        subs=[_status("", "v1", "PersistentVolumeClaim")],
    ),
    _r("", "v1", "PersistentVolume", "persistentvolumes", False, ["pv"], subs=[_status("", "v1", "PersistentVolume")]),
    _r(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        True,
        ["deploy"],
        ["all"],
        [_scale(), _status("apps", "v1", "Deployment")],
    ),
    _r(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        True,
        ["rs"],
        ["all"],
        [_scale(), _status("apps", "v1", "ReplicaSet")],
    ),
    _r("apps", "v1", "DaemonSet", "daemonsets", True, ["ds"], ["all"], [_status("apps", "v1", "DaemonSet")]),
    _r(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        True,
        ["sts"],
        ["all"],
        [_scale(), _status("apps", "v1", "StatefulSet")],
    ),
    _r("apps", "v1", "ControllerRevision", "controllerrevisions", True),
    _r("batch", "v1", "Job", "jobs", True, [], ["all"], [_status("batch", "v1", "Job")]),
    _r("coordination.k8s.io", "v1", "Lease", "leases", True),
    _r("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True),
    _r("events.k8s.io", "v1", "Event", "events", True, ["ev"]),
    _r(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        True,
        ["pdb"],
        subs=[_status("policy", "v1", "PodDisruptionBudget")],
    ),
    _r("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, ["sc"]),
    _r("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    _r("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    _r("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    _r("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    # Reviews: create-only, answered by the authenticator and authorizer, never stored.
    _r("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", False, verbs=REVIEW_VERBS),
    _r("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", False, verbs=REVIEW_VERBS),
    _r("authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews", True, verbs=REVIEW_VERBS),
    _r("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", False, verbs=REVIEW_VERBS),
    _r("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", False, verbs=REVIEW_VERBS),
    _r("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", False, verbs=REVIEW_VERBS),
)
REVIEW_GROUPS = frozenset({"authentication.k8s.io", "authorization.k8s.io"})

_BY_GVR = {(r.group, r.version, r.plural): r for r in RESOURCES}
_BY_GVK = {}
for _res in RESOURCES:
    # events.k8s.io/v1 Event and v1 Event share a kind name but not a group: key by group too.
    _BY_GVK.setdefault((_res.group, _res.version, _res.kind), _res)


def by_gvr(group: str, version: str, plural: str) -> Resource | None:
    return _BY_GVR.get((group, version, plural))


def by_gvk(group: str, version: str, kind: str) -> Resource | None:
    return _BY_GVK.get((group, version, kind))


def by_api_version_kind(api_version: str, kind: str) -> Resource | None:
    group, _, version = api_version.rpartition("/")
    return by_gvk(group, version, kind)


def group_versions() -> list[tuple[str, str]]:
    """Every served (group, version), core first, in a stable order."""
    seen: list[tuple[str, str]] = []
    for res in RESOURCES:
        if res.group_version not in seen:
            seen.append(res.group_version)
    return seen


def storage_key(res: Resource) -> str:
    """The name objects of this resource are stored under: `apps/deployments`, `pods`."""
    return f"{res.group}/{res.plural}" if res.group else res.plural
