"""RBAC as pure functions: who a request comes from, what it asks, and whether a rule grants it.

Restates rbac.authorization.k8s.io/v1 semantics of kube-apiserver v1.37:

- a `PolicyRule` (a JSON dict: verbs, apiGroups, resources, resourceNames, nonResourceURLs)
  allows a resource request when the verb, the API group, the resource (`deployments`,
  `deployments/scale`, `*`, `*/scale`) and the name (an empty `resourceNames` means any) all
  match; it allows a non-resource request (`/healthz`) when the verb and the URL match, a
  trailing `*` matching any suffix;
- a subject (User, Group, ServiceAccount) applies to a user by name, group or
  `system:serviceaccount:<ns>:<name>`;
- escalation checks: a set of rules *covers* another when every single-verb, single-resource
  piece of the other is within one of its rules (`covers`), and what is missing is reported in
  upstream's compact form: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["delete"]}`;
- the 403 message: `deployments.apps "web" is forbidden: User "u" cannot delete resource
  "deployments" in API group "apps" in the namespace "ci"`.

No I/O: the registry's authorizer feeds these functions the stored roles and bindings.
"""

from __future__ import annotations

from dataclasses import dataclass

RBAC_GROUP = "rbac.authorization.k8s.io"
ALL = "*"
SYSTEM_MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"
SA_PREFIX = "system:serviceaccount:"
SA_GROUP = "system:serviceaccounts"
NODES_GROUP = "system:nodes"


@dataclass(frozen=True)
class UserInfo:
    """An authenticated principal: name, uid, groups and extra attributes.

    Users key the authorizers' caches and the controllers' identity switches (twice per controller
    pass): the hash of the four fields is worked out once, when the user is made (~1 µs a hash
    otherwise).  Equal users still hash equal; equality compares the fields as before."""

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.name, self.groups, self.uid, self.extra)))

    def __hash__(self) -> int:
        return self._hash

    def to_json(self) -> dict:
        out: dict = {"username": self.name}
        if self.uid:
            out["uid"] = self.uid
        if self.groups:
            out["groups"] = list(self.groups)
        if self.extra:
            out["extra"] = {k: list(v) for k, v in self.extra}
        return out


def service_account_user(namespace: str, name: str, uid: str = "", extra=()) -> UserInfo:
    """The user a ServiceAccount token authenticates as, with its three groups."""
    return UserInfo(
        f"{SA_PREFIX}{namespace}:{name}", (SA_GROUP, f"{SA_GROUP}:{namespace}", AUTHENTICATED), uid, tuple(extra)
    )


def split_service_account(username: str) -> tuple[str, str] | None:
    """`system:serviceaccount:ci:cd-agent` -> ("ci", "cd-agent"); None for any other name."""
    if not username.startswith(SA_PREFIX):
        return None
    namespace, sep, name = username[len(SA_PREFIX) :].partition(":")
    if not sep or not namespace or not name or ":" in name:
        return None
    return namespace, name


@dataclass(frozen=True)
class Attributes:
    """What a request asks to do, as kube-apiserver's RequestInfo resolves it."""

    verb: str
    resource_request: bool = True
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""


# ---- matching -------------------------------------------------------------------------------


def verb_matches(rule: dict, verb: str) -> bool:
    verbs = rule.get("verbs") or ()
    return ALL in verbs or verb in verbs


def api_group_matches(rule: dict, group: str) -> bool:
    groups = rule.get("apiGroups") or ()
    return ALL in groups or group in groups


def resource_matches(rule: dict, resource: str, subresource: str) -> bool:
    """`resource` alone or `resource/subresource`; `*` matches everything, `*/scale` any scale."""
    combined = f"{resource}/{subresource}" if subresource else resource
    for given in rule.get("resources") or ():
        if given in (ALL, combined):
            return True
        if subresource and given == "*/" + subresource:
            return True
    return False


def resource_name_matches(rule: dict, name: str) -> bool:
    names = rule.get("resourceNames") or ()
    return not names or name in names


def non_resource_url_matches(rule: dict, path: str) -> bool:
    for given in rule.get("nonResourceURLs") or ():
        if given in (ALL, path):
            return True
        if given.endswith("*") and path.startswith(given.rstrip("*")):
            return True
    return False


def rule_allows(attrs: Attributes, rule: dict) -> bool:
    if attrs.resource_request:
        return (
            verb_matches(rule, attrs.verb)
            and api_group_matches(rule, attrs.api_group)
            and resource_matches(rule, attrs.resource, attrs.subresource)
            and resource_name_matches(rule, attrs.name)
        )
    return verb_matches(rule, attrs.verb) and non_resource_url_matches(rule, attrs.path)


def rules_allow(attrs: Attributes, rules) -> bool:
    return any(rule_allows(attrs, rule) for rule in rules)


def subject_applies(user: UserInfo, subject: dict, binding_namespace: str) -> bool:
    """Does a binding's subject name this user?  A ServiceAccount subject's namespace defaults
    to the binding's own namespace."""
    kind = subject.get("kind")
    name = subject.get("name", "")
    if kind == "User":
        return user.name == name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or binding_namespace
        return bool(namespace) and user.name == f"{SA_PREFIX}{namespace}:{name}"
    return False


def binding_applies(user: UserInfo, binding: dict) -> bool:
    namespace = (binding.get("metadata") or {}).get("namespace", "")
    return any(subject_applies(user, s, namespace) for s in binding.get("subjects") or () if isinstance(s, dict))


# ---- escalation: does one set of rules cover another? ----------------------------------------


def breakdown(rule: dict) -> list[dict]:
    """Split a rule into pieces of one group, one resource, one verb (and one name or URL)."""
    pieces: list[dict] = []
    verbs = rule.get("verbs") or []
    names = rule.get("resourceNames") or []
    for group in rule.get("apiGroups") or []:
        for resource in rule.get("resources") or []:
            for verb in verbs:
                if names:
                    pieces.extend(
                        {"apiGroups": [group], "resources": [resource], "verbs": [verb], "resourceNames": [n]}
                        for n in names
                    )
                else:
                    pieces.append({"apiGroups": [group], "resources": [resource], "verbs": [verb]})
    for url in rule.get("nonResourceURLs") or []:
        for verb in verbs:
            pieces.append({"nonResourceURLs": [url], "verbs": [verb]})
    return pieces


def _resources_cover(owner: list[str], wanted: list[str]) -> bool:
    if ALL in owner:
        return True
    for resource in wanted:
        if resource in owner:
            continue
        _, sep, sub = resource.partition("/")
        if sep and "*/" + sub in owner:
            continue
        return False
    return True


def _url_covers(owner: str, wanted: str) -> bool:
    if owner == wanted:
        return True
    return owner.endswith("*") and wanted.startswith(owner.rstrip("*"))


def _urls_cover(owner: list[str], wanted: list[str]) -> bool:
    return all(any(_url_covers(o, w) for o in owner) for w in wanted)


def rule_covers(owner: dict, piece: dict) -> bool:
    owner_verbs = owner.get("verbs") or []
    owner_groups = owner.get("apiGroups") or []
    owner_names = owner.get("resourceNames") or []
    verbs_ok = ALL in owner_verbs or all(v in owner_verbs for v in piece.get("verbs") or [])
    groups_ok = ALL in owner_groups or all(g in owner_groups for g in piece.get("apiGroups") or [])
    resources_ok = _resources_cover(owner.get("resources") or [], piece.get("resources") or [])
    urls_ok = _urls_cover(owner.get("nonResourceURLs") or [], piece.get("nonResourceURLs") or [])
    wanted_names = piece.get("resourceNames") or []
    names_ok = not owner_names or (bool(wanted_names) and all(n in owner_names for n in wanted_names))
    return verbs_ok and groups_ok and resources_ok and urls_ok and names_ok


def covers(owner_rules, wanted_rules) -> tuple[bool, list[dict]]:
    """(every piece of `wanted_rules` is held?, the pieces that are not)."""
    missing = [
        piece
        for rule in wanted_rules
        for piece in breakdown(rule)
        if not any(rule_covers(owner, piece) for owner in owner_rules)
    ]
    return not missing, missing


def compact(pieces: list[dict]) -> list[dict]:
    """Merge single-group, single-resource pieces without names into one rule per resource,
    as upstream reports missing rights: get+list of deployments become one `Verbs:["get" "list"]`."""
    merged: dict[tuple[str, str], dict] = {}
    out: list[dict] = []
    for piece in pieces:
        simple = (
            len(piece.get("apiGroups") or []) == 1
            and len(piece.get("resources") or []) == 1
            and not piece.get("resourceNames")
            and not piece.get("nonResourceURLs")
        )
        if not simple:
            out.append(piece)
            continue
        key = (piece["apiGroups"][0], piece["resources"][0])
        if key in merged:
            for verb in piece.get("verbs") or []:
                if verb not in merged[key]["verbs"]:
                    merged[key]["verbs"].append(verb)
        else:
            merged[key] = {"apiGroups": [key[0]], "resources": [key[1]], "verbs": list(piece.get("verbs") or [])}
            out.append(merged[key])
    return out


def go_quote_list(values) -> str:
    """Go's `%q` of a []string: `["a" "b"]`."""
    return "[" + " ".join(_go_quote(v) for v in values) + "]"


def _go_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def compact_string(rule: dict) -> str:
    """`{APIGroups:["apps"], Resources:["deployments"], Verbs:["delete"]}` (fields that are set)."""
    parts = []
    for key, label in (
        ("apiGroups", "APIGroups"),
        ("resources", "Resources"),
        ("nonResourceURLs", "NonResourceURLs"),
        ("resourceNames", "ResourceNames"),
        ("verbs", "Verbs"),
    ):
        if rule.get(key):
            parts.append(f"{label}:{go_quote_list(rule[key])}")
    return "{" + ", ".join(parts) + "}"


def escalation_message(user: UserInfo, missing: list[dict], errors: list[str] | None = None) -> str:
    """Upstream's refusal to grant rights the writer lacks; the missing rules sorted, one a line."""
    described = sorted({compact_string(rule) for rule in compact(missing)})
    message = (
        f"user {_go_quote(user.name)} (groups={go_quote_list(user.groups)}) is attempting to grant RBAC "
        "permissions not currently held:\n" + "\n".join(described)
    )
    if errors:
        message += f"; resolution errors: [{', '.join(errors)}]"
    return message


# ---- the 403 message ----------------------------------------------------------------------------


def forbidden_reason(user: UserInfo, attrs: Attributes) -> str:
    """The part after `is forbidden: `, as kube-apiserver's authorization filter words it."""
    name = _go_quote(user.name)
    if not attrs.resource_request:
        return f"User {name} cannot {attrs.verb} path {_go_quote(attrs.path)}"
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    where = f"in the namespace {_go_quote(attrs.namespace)}" if attrs.namespace else "at the cluster scope"
    return f"User {name} cannot {attrs.verb} resource {_go_quote(resource)} in API group {_go_quote(attrs.api_group)} {where}"


def forbidden_message(user: UserInfo, attrs: Attributes, reason: str = "") -> str:
    """The whole 403 message: `<resource>.<group> "<name>" is forbidden: <reason>[: <rbac detail>]`."""
    detail = forbidden_reason(user, attrs) + (f": {reason}" if reason else "")
    if not attrs.resource_request:
        return f"forbidden: {detail}"
    qualified = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
    if not attrs.resource:
        return f"forbidden: {detail}"
    if attrs.name:
        return f"{qualified} {_go_quote(attrs.name)} is forbidden: {detail}"
    return f"{qualified} is forbidden: {detail}"
