"""May this user do that?  RBAC over the stored roles and bindings, reviews, escalation checks.

The second step of the request pipeline, after authentication:

- `authorize(user, attrs)`: `system:masters` may do anything (kube-apiserver's privileged-group
  shortcut); everyone else needs a rule, from a ClusterRoleBinding or from a RoleBinding in the
  request's namespace, that allows the request (`machinery.rbac.rule_allows`).  A ClusterRole with
  an `aggregationRule` holds the rules of every ClusterRole its selectors match.  A binding whose
  role is missing contributes an error that the 403 message carries (`RBAC: role... not found`).
- `check_escalation`: writing a Role/ClusterRole needs every rule it grants (or the `escalate`
  verb on it); writing a binding needs the rules of the role it names (or `bind` on that role).
- the reviews kubectl sends for `auth can-i` and `auth whoami`: SelfSubjectAccessReview,
  SelfSubjectRulesReview, SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectReview.
- impersonation: `Impersonate-User`/`-Group`/`-Uid`/`-Extra-*` headers, each checked as the
  `impersonate` verb on users, groups, serviceaccounts, uids or userextras.

Rules per (user, groups, namespace) are cached until any role or binding changes.
"""

from __future__ import annotations

from kubeferry.machinery import rbac
from kubeferry.machinery import status as st
from kubeferry.machinery.rbac import Attributes, UserInfo

ROLES, CLUSTER_ROLES = "rbac.authorization.k8s.io/roles", "rbac.authorization.k8s.io/clusterroles"
ROLE_BINDINGS = "rbac.authorization.k8s.io/rolebindings"
CLUSTER_ROLE_BINDINGS = "rbac.authorization.k8s.io/clusterrolebindings"
RBAC_KEYS = frozenset({ROLES, CLUSTER_ROLES, ROLE_BINDINGS, CLUSTER_ROLE_BINDINGS})
RULES_CACHE_SIZE = 2048
AGGREGATION_DEPTH = 8  # aggregated roles may aggregate aggregated roles; cycles stop here


def _role_not_found(kind: str, name: str) -> str:
    return f'{kind.lower()}.rbac.authorization.k8s.io "{name}" not found'


class Authorizer:
    def __init__(self, store, *, listen: bool = True):
        self.store = store
        self._cache: dict[tuple, tuple[list[dict], list[str]]] = {}
        self._listening = listen
        if listen:
            store.listeners.append(self._on_event)

    def _on_event(self, event) -> None:
        if event.kind in RBAC_KEYS and self._cache:
            self._cache.clear()

    # ---- rules --------------------------------------------------------------------------------

    def cluster_role_rules(self, name: str, depth: int = 0) -> list[dict] | None:
        entry = self.store.get(CLUSTER_ROLES, "", name)
        if entry is None:
            return None
        role = entry.obj
        aggregation = role.get("aggregationRule")
        if not aggregation or depth >= AGGREGATION_DEPTH:
            return list(role.get("rules") or [])
        from kubeferry.machinery.selectors import from_label_selector

        selectors = [
            from_label_selector(s) for s in aggregation.get("clusterRoleSelectors") or [] if isinstance(s, dict)
        ]
        rules: list[dict] = []
        for other in self.store.list(CLUSTER_ROLES, None):
            meta = other.obj["metadata"]
            if meta["name"] == name or not any(sel.matches(meta.get("labels") or {}) for sel in selectors):
                continue
            for rule in self.cluster_role_rules(meta["name"], depth + 1) or []:
                if rule not in rules:
                    rules.append(rule)
        return rules

    def role_ref_rules(self, role_ref: dict, namespace: str) -> tuple[list[dict], str]:
        """(rules, error) of a binding's roleRef."""
        kind, name = role_ref.get("kind"), role_ref.get("name", "")
        if kind == "ClusterRole":
            rules = self.cluster_role_rules(name)
            return (rules, "") if rules is not None else ([], _role_not_found(kind, name))
        if kind == "Role" and namespace:
            entry = self.store.get(ROLES, namespace, name)
            return (list(entry.obj.get("rules") or []), "") if entry is not None else ([], _role_not_found(kind, name))
        return [], f'unsupported role reference kind: "{kind}"'

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[dict], list[str]]:
        """Every rule bound to `user` cluster-wide and (when given) in `namespace`, and resolution errors."""
        key = (user.name, user.groups, namespace)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        rules: list[dict] = []
        errors: list[str] = []
        bindings = [(b, "") for b in self.store.list(CLUSTER_ROLE_BINDINGS, None)]
        if namespace:
            bindings += [(b, namespace) for b in self.store.list(ROLE_BINDINGS, namespace)]
        for entry, ns in bindings:
            if not rbac.binding_applies(user, entry.obj):
                continue
            found, error = self.role_ref_rules(entry.obj.get("roleRef") or {}, ns)
            rules.extend(found)
            if error:
                errors.append(error)
        if self._listening:  # without change notifications a cached answer could go stale
            if len(self._cache) >= RULES_CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = (rules, errors)
        return rules, errors

    # ---- decisions ----------------------------------------------------------------------------

    def authorize(self, user: UserInfo, attrs: Attributes) -> tuple[bool, str]:
        """(allowed, reason): the reason is empty, or `RBAC: [<errors>]` when resolution failed."""
        if rbac.SYSTEM_MASTERS in user.groups:
            return True, ""
        rules, errors = self.rules_for(user, attrs.namespace)
        if rbac.rules_allow(attrs, rules):
            return True, ""
        return False, ("RBAC: " + "; ".join(errors)) if errors else ""

    def check(self, user: UserInfo, attrs: Attributes) -> None:
        allowed, reason = self.authorize(user, attrs)
        if not allowed:
            raise forbidden(user, attrs, reason)

    def allows(self, user: UserInfo, attrs: Attributes) -> bool:
        return self.authorize(user, attrs)[0]

    # ---- escalation prevention ----------------------------------------------------------------

    def check_escalation(self, user: UserInfo, kind: str, namespace: str, obj: dict) -> None:
        """Refuse a Role/ClusterRole/RoleBinding/ClusterRoleBinding write that grants rights the writer lacks."""
        if rbac.SYSTEM_MASTERS in user.groups or not isinstance(obj, dict):
            return
        name = (obj.get("metadata") or {}).get("name", "")
        plural = {
            "Role": "roles",
            "ClusterRole": "clusterroles",
            "RoleBinding": "rolebindings",
            "ClusterRoleBinding": "clusterrolebindings",
        }[kind]
        if kind in ("Role", "ClusterRole"):
            escalate = Attributes(
                "escalate", api_group=rbac.RBAC_GROUP, resource=plural, namespace=namespace, name=name
            )
            if self.allows(user, escalate):
                return
            wanted = obj.get("rules") or []
            if kind == "ClusterRole" and obj.get("aggregationRule"):
                wanted = self._aggregated_preview(obj)
        else:
            ref = obj.get("roleRef") or {}
            ref_plural = "clusterroles" if ref.get("kind") == "ClusterRole" else "roles"
            bind = Attributes(
                "bind", api_group=rbac.RBAC_GROUP, resource=ref_plural, namespace=namespace, name=ref.get("name", "")
            )
            if self.allows(user, bind):
                return
            wanted, error = self.role_ref_rules(ref, namespace)
            if error:
                raise st.forbidden_error(
                    f'{plural}.rbac.authorization.k8s.io "{name}" is forbidden: {error}', plural, rbac.RBAC_GROUP, name
                )
        owned, errors = self.rules_for(user, namespace)
        ok, missing = rbac.covers(owned, [r for r in wanted if isinstance(r, dict)])
        if not ok:
            message = rbac.escalation_message(user, missing, errors)
            raise st.forbidden_error(
                f'{plural}.rbac.authorization.k8s.io "{name}" is forbidden: {message}', plural, rbac.RBAC_GROUP, name
            )

    def _aggregated_preview(self, role: dict) -> list[dict]:
        from kubeferry.machinery.selectors import from_label_selector

        selectors = [
            from_label_selector(s)
            for s in (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or []
            if isinstance(s, dict)
        ]
        rules: list[dict] = []
        for other in self.store.list(CLUSTER_ROLES, None):
            meta = other.obj["metadata"]
            if any(sel.matches(meta.get("labels") or {}) for sel in selectors):
                rules.extend(self.cluster_role_rules(meta["name"]) or [])
        return rules

    # ---- impersonation ------------------------------------------------------------------------

    def impersonate(self, user: UserInfo, headers: list[tuple[str, str]]) -> UserInfo:
        """The user named by `Impersonate-*` headers, once `user` may impersonate each part of it."""
        wanted_user = ""
        groups: list[str] = []
        uid = ""
        extra: dict[str, list[str]] = {}
        for name, value in headers:
            if name == "impersonate-user":
                wanted_user = value
            elif name == "impersonate-group":
                groups.append(value)
            elif name == "impersonate-uid":
                uid = value
            elif name.startswith("impersonate-extra-"):
                from urllib.parse import unquote

                extra.setdefault(unquote(name[len("impersonate-extra-") :]), []).append(value)
        if not wanted_user:
            if groups or uid or extra:
                raise st.bad_request(
                    "requested impersonation without a user: Impersonate-User is required with Impersonate-Group, Impersonate-Uid or Impersonate-Extra"
                )
            return user
        account = rbac.split_service_account(wanted_user)
        if account is not None:
            target = Attributes("impersonate", resource="serviceaccounts", namespace=account[0], name=account[1])
        else:
            target = Attributes("impersonate", resource="users", name=wanted_user)
        self.check(user, target)
        for group in groups:
            self.check(user, Attributes("impersonate", resource="groups", name=group))
        if uid:
            self.check(user, Attributes("impersonate", api_group="authentication.k8s.io", resource="uids", name=uid))
        for key, values in extra.items():
            for value in values:
                self.check(
                    user,
                    Attributes(
                        "impersonate",
                        api_group="authentication.k8s.io",
                        resource="userextras",
                        subresource=key,
                        name=value,
                    ),
                )
        if account is not None and not groups:
            return rbac.service_account_user(
                account[0], account[1], uid, tuple((k, tuple(v)) for k, v in extra.items())
            )
        if wanted_user != rbac.ANONYMOUS and rbac.AUTHENTICATED not in groups:
            groups.append(rbac.AUTHENTICATED)
        return UserInfo(wanted_user, tuple(groups), uid, tuple((k, tuple(v)) for k, v in extra.items()))

    # ---- reviews ------------------------------------------------------------------------------

    def review(self, user: UserInfo, kind: str, namespace: str, body: object) -> dict:
        """Answer one of the review kinds (POSTed, never stored)."""
        if not isinstance(body, dict):
            raise st.bad_request(f"the body of the request must be a {kind} object")
        spec = body.get("spec") or {}
        if not isinstance(spec, dict):
            raise st.bad_request("spec must be an object")
        out = {k: v for k, v in body.items() if k not in ("status",)}
        out.setdefault("apiVersion", "authorization.k8s.io/v1")
        out["kind"] = kind
        out["metadata"] = {**(body.get("metadata") or {}), "creationTimestamp": None}
        if kind == "SelfSubjectReview":
            out["apiVersion"] = "authentication.k8s.io/v1"
            out["status"] = {"userInfo": user.to_json()}
            return out
        if kind == "SelfSubjectRulesReview":
            out["status"] = self._rules_review(user, spec.get("namespace", "") or "")
            return out
        if kind in ("SubjectAccessReview", "LocalSubjectAccessReview"):
            subject_user = spec.get("user", "")
            groups = tuple(spec.get("groups") or ())
            if not subject_user and not groups:
                raise st.invalid_object(
                    kind,
                    "authorization.k8s.io",
                    "",
                    [st.invalid("spec.user", "", "at least one of user or group must be specified")],
                )
            extra = tuple((k, tuple(v)) for k, v in (spec.get("extra") or {}).items())
            subject = UserInfo(subject_user, groups, spec.get("uid", ""), extra)
        else:
            subject = user
        attrs, errors = _review_attributes(spec, kind, namespace)
        if errors:
            raise st.invalid_object(kind, "authorization.k8s.io", "", errors)
        allowed, reason = self.authorize(subject, attrs)
        status: dict = {"allowed": allowed}
        if reason:
            status["reason"] = reason
        out["status"] = status
        return out

    def _rules_review(self, user: UserInfo, namespace: str) -> dict:
        if not namespace:
            raise st.invalid_object(
                "SelfSubjectRulesReview", "authorization.k8s.io", "", [st.required("spec.namespace", "")]
            )
        rules, errors = self.rules_for(user, namespace)
        if rbac.SYSTEM_MASTERS in user.groups and not any(rbac.ALL in (r.get("verbs") or []) for r in rules):
            rules = [
                {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
                {"verbs": ["*"], "nonResourceURLs": ["*"]},
            ] + rules
        resource_rules, non_resource_rules = [], []
        for rule in rules:
            if rule.get("nonResourceURLs"):
                non_resource_rules.append(
                    {"verbs": list(rule.get("verbs") or []), "nonResourceURLs": list(rule["nonResourceURLs"])}
                )
            else:
                entry = {k: list(rule[k]) for k in ("verbs", "apiGroups", "resources", "resourceNames") if rule.get(k)}
                entry.setdefault("verbs", [])
                resource_rules.append(entry)
        status: dict = {
            "resourceRules": resource_rules,
            "nonResourceRules": non_resource_rules,
            "incomplete": bool(errors),
        }
        if errors:
            status["evaluationError"] = "; ".join(errors)
        return status


def _review_attributes(spec: dict, kind: str, namespace: str) -> tuple[Attributes, list]:
    resource = spec.get("resourceAttributes")
    non_resource = spec.get("nonResourceAttributes")
    if resource and non_resource:
        return Attributes(""), [
            st.invalid(
                "spec.nonResourceAttributes", non_resource, "cannot be specified in combination with resourceAttributes"
            )
        ]
    if isinstance(non_resource, dict):
        return Attributes(non_resource.get("verb", ""), resource_request=False, path=non_resource.get("path", "")), []
    if not isinstance(resource, dict):
        return Attributes(""), [
            st.invalid(
                "spec.resourceAttributes",
                None,
                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
            )
        ]
    ns = resource.get("namespace", "")
    if kind == "LocalSubjectAccessReview":
        if ns and ns != namespace:
            return Attributes(""), [
                st.invalid("spec.resourceAttributes.namespace", ns, "must match metadata.namespace")
            ]
        ns = namespace
    return (
        Attributes(
            resource.get("verb", ""),
            api_group=resource.get("group", ""),
            api_version=resource.get("version", ""),
            resource=resource.get("resource", ""),
            subresource=resource.get("subresource", ""),
            namespace=ns,
            name=resource.get("name", ""),
        ),
        [],
    )


def forbidden(user: UserInfo, attrs: Attributes, reason: str = "") -> st.StatusError:
    message = rbac.forbidden_message(user, attrs, reason)
    if not attrs.resource_request:
        return st.StatusError(403, "Forbidden", message, {})
    return st.forbidden_error(message, attrs.resource, attrs.api_group, attrs.name)
