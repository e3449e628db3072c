"""Which API permissions a delivery needs: the steps of `kubeferry deliver` and the rollout commands as RBAC terms.

Two callers share these tables so they cannot drift apart:

* `kubeferry ci-account` turns `role_rules(targets, ...)` into the Role of a CI service account —
  everything `deliver` and `rollout status|history|undo|pause|resume|restart` do on the named
  workloads, and nothing else;
* `kubeferry deliver --preflight` asks the server, one SelfSubjectAccessReview per `Need`, whether
  the current credentials may do each step of one run (`deliver_needs`).

A `Need` is one (verb, group, resource, subresource, name) in the delivery's namespace; an empty
name means the request names no object (a list with a label selector, a create).

Why each permission (the step that makes the request):

    workload      get, patch            read before/after, `--image` patch, `-f` apply, rollback
                  list, watch, update   rollout status (watch with fieldSelector metadata.name, so
                                        resourceNames restricts it), rollout undo/pause/... (update
                                        where a client replaces instead of patching)
    replicasets / controllerrevisions   get, list, watch   revision history (label selector: no names)
    pods, events  get, list, watch      rollout progress and the fail-fast diagnosis
    services      get, list             `--check`: find the Service selecting the pods
    services/proxy get on the Service   `--check` requests; named as the proxy path names it,
                                        `web`, `web:80` or `web:http`
    leases        create                the delivery lock (create cannot be restricted by name)
                  get, update, delete   the lock, on its own name only

Worked example: `deployment/my-app` selected by Service `web` (port 80 named `http`) gives the
proxy names `web`, `web:80`, `web:http`, and the Lease name `kubeferry-deliver-deployment-my-app`.

Pure: names in, rules and needs out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kubeferry.delivery import lock

APPS = "apps"
CORE = ""
LEASE_GROUP = "coordination.k8s.io"
PLURALS = {"Deployment": "deployments", "DaemonSet": "daemonsets", "StatefulSet": "statefulsets"}
HISTORY = {"Deployment": "replicasets", "DaemonSet": "controllerrevisions", "StatefulSet": "controllerrevisions"}
WORKLOAD_VERBS = ("get", "list", "watch", "patch", "update")
READ_VERBS = ("get", "list", "watch")
SERVICE_VERBS = ("get", "list")
LEASE_NAMED_VERBS = ("get", "update", "delete")


@dataclass(frozen=True)
class Target:
    """One workload the account may deliver: `Deployment`, `my-app`."""

    kind: str
    name: str

    @property
    def plural(self) -> str:
        return PLURALS[self.kind]

    @property
    def lease(self) -> str:
        return lock.lease_name(self.kind, self.name)

    def __str__(self) -> str:
        return f"{self.kind.lower()}/{self.name}"


@dataclass(frozen=True)
class Need:
    """One request a step makes: `patch deployments.apps "my-app"`."""

    verb: str
    group: str
    resource: str
    subresource: str = ""
    name: str = ""

    def describe(self, namespace: str) -> str:
        """`patch deployments.apps "my-app" in namespace "ci"`; `list pods in namespace "ci"`."""
        what = f"{self.resource}.{self.group}" if self.group else self.resource
        if self.subresource:
            what += f"/{self.subresource}"
        named = f' "{self.name}"' if self.name else ""
        return f'{self.verb} {what}{named} in namespace "{namespace}"'

    def attributes(self, namespace: str) -> dict:
        """The `resourceAttributes` of an access review asking for this need."""
        attrs = {"namespace": namespace, "verb": self.verb, "group": self.group, "resource": self.resource}
        if self.subresource:
            attrs["subresource"] = self.subresource
        if self.name:
            attrs["name"] = self.name
        return attrs


def parse_targets(texts: Sequence[str]) -> list[Target]:
    """`--for deployment/my-app` (also `deploy/x`, `daemonset.apps/x`, `sts/x`), in order, without repeats."""
    from kubeferry.delivery import update

    if not texts:
        raise ValueError("give at least one workload with --for KIND/NAME, e.g. --for deployment/my-app")
    targets: list[Target] = []
    for text in texts:
        kind, name = update.parse_target(text)
        target = Target(kind, name)
        if target not in targets:
            targets.append(target)
    return targets


def proxy_names(service: Mapping) -> list[str]:
    """The names a proxy request may give for `service`: bare, and `name:port` by number and by port name."""
    name = (service.get("metadata") or {}).get("name", "")
    names = [name]
    for port in (service.get("spec") or {}).get("ports") or []:
        for key in ("port", "name"):
            value = port.get(key)
            if value not in (None, "") and f"{name}:{value}" not in names:
                names.append(f"{name}:{value}")
    return names


def _rule(group: str, resources: Iterable[str], verbs: Iterable[str], names: Iterable[str] = ()) -> dict:
    rule = {"apiGroups": [group], "resources": sorted(set(resources)), "verbs": list(verbs)}
    names = sorted(set(names))
    if names:
        rule["resourceNames"] = names
    return rule


def role_rules(targets: Sequence[Target], services: Mapping[Target, Sequence[Mapping]] | None = None) -> list[dict]:
    """The Role rules for delivering `targets`; `services[target]` are the Services selecting its pods.

    Each workload kind gets one rule naming its objects; history kinds, pods and events are read
    by label selector, so their rules name nothing.
    """
    services = services or {}
    rules = []
    for kind in PLURALS:
        names = [t.name for t in targets if t.kind == kind]
        if names:
            rules.append(_rule(APPS, [PLURALS[kind]], WORKLOAD_VERBS, names))
    history = sorted({HISTORY[t.kind] for t in targets})
    rules.append(_rule(APPS, history, READ_VERBS))
    rules.append(_rule(CORE, ["events", "pods"], READ_VERBS))
    rules.append(_rule(CORE, ["services"], SERVICE_VERBS))
    proxied = [name for t in targets for svc in services.get(t, ()) for name in proxy_names(svc)]
    if proxied:
        rules.append(_rule(CORE, ["services/proxy"], ["get"], proxied))
    rules.append(_rule(LEASE_GROUP, ["leases"], ["create"]))
    rules.append(_rule(LEASE_GROUP, ["leases"], LEASE_NAMED_VERBS, [t.lease for t in targets]))
    return rules


@dataclass(frozen=True)
class ManifestItem:
    """An object a `-f` delivery applies besides the workload: its group, plural, name, and whether it exists."""

    group: str
    resource: str
    name: str
    exists: bool


def deliver_needs(
    target: Target,
    *,
    check_services: Sequence[tuple[str, str]] = (),
    list_services: bool = False,
    named_services: Sequence[str] = (),
    manifests: Sequence[ManifestItem] = (),
    workload_exists: bool = True,
) -> list[Need]:
    """Every request one deliver run may make, in the order the run makes them.

    `check_services` are the (service, port) pairs the checks go through, as the proxy path names
    them; `list_services` is set when a check leaves its Service to be found by selector, and
    `named_services` are the Services checks name (`--check service=web`), read by name.
    """
    lease = target.lease
    needs = [
        Need("get", LEASE_GROUP, "leases", name=lease),
        Need("create", LEASE_GROUP, "leases"),
        Need("update", LEASE_GROUP, "leases", name=lease),
        Need("delete", LEASE_GROUP, "leases", name=lease),
        Need("get", APPS, target.plural, name=target.name),
        Need("list", APPS, HISTORY[target.kind]),
    ]
    for item in manifests:
        needs.append(Need("get", item.group, item.resource, name=item.name))
        needs.append(
            Need("patch", item.group, item.resource, name=item.name)
            if item.exists
            else Need("create", item.group, item.resource)
        )
    needs.append(
        Need("patch", APPS, target.plural, name=target.name) if workload_exists else Need("create", APPS, target.plural)
    )
    needs.append(Need("list", CORE, "pods"))
    needs.append(Need("list", CORE, "events"))
    if list_services:
        needs.append(Need("list", CORE, "services"))
    for service in named_services:
        needs.append(Need("get", CORE, "services", name=service))
    for service, port in check_services:
        needs.append(Need("get", CORE, "services", "proxy", f"{service}:{port}" if port else service))
    unique: list[Need] = []
    for need in needs:
        if need not in unique:
            unique.append(need)
    return unique
