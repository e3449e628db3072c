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
- the Node authorizer, ahead of RBAC (kube-apiserver's `--authorization-mode=Node,RBAC`): a kubelet
  (`system:node:<name>` in `system:nodes`) may read only its own Node, the pods bound to it and the
  Secrets, ConfigMaps, claims and volumes those pods use, and its own Lease; `node_restriction` is
  the NodeRestriction admission check on what it writes (its own Node, its own pods' status).
- `check_in_process`: the controllers' in-process calls, decided as above, with the decision kept
  per (user, verb, group, resource, subresource, namespace) whenever it cannot depend on the name.

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
DECISION_CACHE_SIZE = 8192

# ---- the Node authorizer and NodeRestriction (plugin/pkg/auth/authorizer/node, v1.37) -------------

NODE_USER_PREFIX = "system:node:"
NODE_LEASE_NAMESPACE = "kube-node-lease"
_READ = ("get", "list", "watch")


def _node_rule(groups, resources_, verbs) -> dict:
    return {"apiGroups": list(groups), "resources": list(resources_), "verbs": list(verbs)}


# What every node may do where the Node authorizer does not look at the object (upstream's
# NodeRules, the rules of the `system:node` ClusterRole): Node registration and status, pod status
# and evictions, events, reviews, leases, reads of services.  Which Node, pod or lease is meant is
# checked by `node_restriction`.
NODE_RULES = [
    _node_rule(["authentication.k8s.io"], ["tokenreviews"], ["create"]),
    _node_rule(["authorization.k8s.io"], ["subjectaccessreviews", "localsubjectaccessreviews"], ["create"]),
    _node_rule([""], ["services"], _READ),
    _node_rule([""], ["nodes"], ["create", "get", "list", "watch"]),
    _node_rule([""], ["nodes/status"], ["update", "patch"]),
    _node_rule([""], ["nodes"], ["update", "patch"]),
    _node_rule([""], ["events"], ["create", "update", "patch"]),
    _node_rule([""], ["pods"], _READ),
    _node_rule([""], ["pods"], ["create", "delete"]),
    _node_rule([""], ["pods/status"], ["update", "patch"]),
    _node_rule([""], ["pods/eviction"], ["create"]),
    _node_rule([""], ["secrets", "configmaps"], _READ),
    _node_rule([""], ["persistentvolumeclaims", "persistentvolumes"], ["get"]),
    _node_rule([""], ["endpoints"], ["get"]),
    _node_rule(["certificates.k8s.io"], ["certificatesigningrequests"], ["create", "get", "list", "watch"]),
    _node_rule(["coordination.k8s.io"], ["leases"], ["get", "create", "update", "patch", "delete"]),
    _node_rule(["storage.k8s.io"], ["volumeattachments"], ["get"]),
    _node_rule([""], ["persistentvolumeclaims/status"], ["get", "update", "patch"]),
    _node_rule([""], ["serviceaccounts/token"], ["create"]),
    _node_rule(["storage.k8s.io"], ["csidrivers"], _READ),
    _node_rule(["storage.k8s.io"], ["csinodes"], ["get", "create", "update", "patch", "delete"]),
    _node_rule(["node.k8s.io"], ["runtimeclasses"], _READ),
]


def node_name_of(user: UserInfo) -> str | None:
    """The node a kubelet's user names (`system:node:<name>` in `system:nodes`); None for anyone else,
    "" for a node user without a name (refused, as upstream's node identifier leaves it unidentified)."""
    if not user.name.startswith(NODE_USER_PREFIX) or rbac.NODES_GROUP not in user.groups:
        return None
    return user.name[len(NODE_USER_PREFIX) :]


def _pod_references(pod: dict) -> dict[str, set[str]]:
    """What a pod uses that its node may then read: secrets, configmaps, claims, its service account."""
    spec = pod.get("spec") or {}
    refs: dict[str, set[str]] = {"secrets": set(), "configmaps": set(), "persistentvolumeclaims": set()}
    refs["serviceaccounts"] = {spec.get("serviceAccountName") or "default"}
    refs["secrets"].update(s.get("name", "") for s in spec.get("imagePullSecrets") or () if isinstance(s, dict))
    for volume in spec.get("volumes") or ():
        if not isinstance(volume, dict):
            continue
        if (volume.get("secret") or {}).get("secretName"):
            refs["secrets"].add(volume["secret"]["secretName"])
        if (volume.get("configMap") or {}).get("name"):
            refs["configmaps"].add(volume["configMap"]["name"])
        if (volume.get("persistentVolumeClaim") or {}).get("claimName"):
            refs["persistentvolumeclaims"].add(volume["persistentVolumeClaim"]["claimName"])
        for source in (volume.get("projected") or {}).get("sources") or ():
            if (source.get("secret") or {}).get("name"):
                refs["secrets"].add(source["secret"]["name"])
            if (source.get("configMap") or {}).get("name"):
                refs["configmaps"].add(source["configMap"]["name"])
    for container in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        for source in container.get("envFrom") or ():
            if (source.get("secretRef") or {}).get("name"):
                refs["secrets"].add(source["secretRef"]["name"])
            if (source.get("configMapRef") or {}).get("name"):
                refs["configmaps"].add(source["configMapRef"]["name"])
        for env in container.get("env") or ():
            value_from = env.get("valueFrom") or {}
            if (value_from.get("secretKeyRef") or {}).get("name"):
                refs["secrets"].add(value_from["secretKeyRef"]["name"])
            if (value_from.get("configMapKeyRef") or {}).get("name"):
                refs["configmaps"].add(value_from["configMapKeyRef"]["name"])
    return refs


def _role_not_found(kind: str, name: str) -> str:
    return f'{kind.lower()}.rbac.authorization.k8s.io "{name}" not found'


class Authorizer:
    def __init__(self, store, *, listen: bool = True):
        self.store = store
        self._cache: dict[tuple, tuple[list[dict], list[str]]] = {}
        self._decisions: dict[tuple, bool] = {}
        self._exact: dict[tuple, tuple[bool, str]] = {}
        self.generation = 0  # bumped whenever a role or binding changes: cached decisions are void
        self._listening = listen
        if listen:
            store.listeners.append(self._on_event)

    def _on_event(self, event) -> None:
        if event.kind in RBAC_KEYS:
            self._cache.clear()
            self._decisions.clear()
            self._exact.clear()
            self.generation += 1

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
        """(allowed, reason): the Node authorizer's reason and `RBAC: <errors>` when resolution failed,
        joined as upstream's union authorizer joins them; empty when nobody said why."""
        if rbac.SYSTEM_MASTERS in user.groups:
            return True, ""
        reasons = []
        node = node_name_of(user)
        if node is not None:
            allowed, why = self.node_decision(node, attrs)
            if allowed:
                return True, ""
            if why:
                reasons.append(why)
        rules, errors = self.rules_for(user, attrs.namespace)
        if rbac.rules_allow(attrs, rules):
            return True, ""
        if errors:
            reasons.append("RBAC: " + "; ".join(errors))
        return False, ", ".join(reasons)

    # ---- the Node authorizer ------------------------------------------------------------------

    def node_decision(self, node: str, attrs: Attributes) -> tuple[bool, str]:
        """(allowed, reason) of the Node authorizer for a request of `system:node:<node>`; a refusal
        is "no opinion", so RBAC is asked next."""
        if not node:
            return False, f'unknown node for user "{NODE_USER_PREFIX}"'
        if attrs.resource_request:
            group, resource, sub, verb = attrs.api_group, attrs.resource, attrs.subresource, attrs.verb
            if group == "" and resource in ("secrets", "configmaps"):
                if verb not in _READ:
                    return False, "can only read resources of this type"
                if sub:
                    return False, "cannot read subresource"
                if not attrs.namespace:
                    return False, "can only read namespaced object of this type"
                return self._related(node, resource, attrs)
            if group == "" and resource == "persistentvolumeclaims":
                if sub == "status":
                    if verb not in ("update", "patch"):
                        return False, "can only get/update/patch this type"
                    return self._related(node, resource, attrs)
                return self._related_get(node, resource, attrs)
            if group == "" and resource == "persistentvolumes":
                return self._related_get(node, resource, attrs)
            if group == "" and resource == "serviceaccounts":
                if verb != "create" or not attrs.name:
                    return False, "can only create tokens for individual service accounts"
                if sub != "token":
                    return False, "can only create token subresource of serviceaccount"
                return self._related(node, resource, attrs)
            if group == "coordination.k8s.io" and resource == "leases":
                if verb not in ("get", "create", "update", "patch", "delete"):
                    return False, "can only get, create, update, patch, or delete a node lease"
                if attrs.namespace != NODE_LEASE_NAMESPACE:
                    return False, f'can only access leases in the "{NODE_LEASE_NAMESPACE}" system namespace'
                if verb != "create" and attrs.name != node:
                    return False, "can only access node lease with the same name as the requesting node"
                return True, ""
            if group == "" and resource == "nodes":
                return _node_object_decision(node, attrs)
            if group == "" and resource == "pods":
                return self._pod_decision(node, attrs)
        return rbac.rules_allow(attrs, NODE_RULES), ""

    def _pod_decision(self, node: str, attrs: Attributes) -> tuple[bool, str]:
        verb, sub = attrs.verb, attrs.subresource
        if not sub:
            if verb == "get":
                return self._related_get(node, "pods", attrs)
            if verb in ("list", "watch"):
                if attrs.name:
                    return self._related(node, "pods", attrs)
                return False, "can only list/watch pods with spec.nodeName field selector"
            if verb in ("create", "delete"):
                return True, ""  # NodeRestriction: only mirror pods, only pods bound to the node
        elif sub == "status" and verb in ("update", "patch"):
            return True, ""  # NodeRestriction: only pods bound to the node
        elif sub == "eviction" and verb == "create":
            return True, ""
        return False, ""

    def _related_get(self, node: str, resource: str, attrs: Attributes) -> tuple[bool, str]:
        if attrs.verb != "get":
            return False, "can only get individual resources of this type"
        if attrs.subresource:
            return False, "cannot get subresource"
        return self._related(node, resource, attrs)

    def _related(self, node: str, resource: str, attrs: Attributes) -> tuple[bool, str]:
        """Is the named object tied to `node` (upstream's graph: node <- pod <- secret, configmap, claim <- volume)?"""
        if not attrs.name:
            return False, "No Object name found"
        unrelated = f"no relationship found between node '{node}' and this object"
        if self.store.get("nodes", "", node) is None:
            return False, unrelated
        namespace, name = attrs.namespace, attrs.name
        if resource == "pods":
            pod = self.store.get("pods", namespace, name)
            bound = pod is not None and (pod.obj.get("spec") or {}).get("nodeName") == node
            return (True, "") if bound else (False, unrelated)
        if resource == "persistentvolumes":
            for claim in self.store.list("persistentvolumeclaims", None):
                if (claim.obj.get("spec") or {}).get("volumeName") == name:
                    meta = claim.obj["metadata"]
                    claim_attrs = Attributes(
                        "get", resource="persistentvolumeclaims", namespace=meta.get("namespace", ""), name=meta["name"]
                    )
                    if self._related(node, "persistentvolumeclaims", claim_attrs)[0]:
                        return True, ""
            return False, unrelated
        for pod in self.store.list("pods", namespace):
            if (pod.obj.get("spec") or {}).get("nodeName") == node and name in _pod_references(pod.obj)[resource]:
                return True, ""
        return False, unrelated

    # ---- the controllers' in-process calls ----------------------------------------------------

    def check_in_process(self, user: UserInfo, attrs: Attributes, reader: UserInfo | None = None) -> None:
        """Raise the 403 an HTTP request with these attributes would get.

        A decision reached without the object's name (no rule that names objects was needed) holds for
        every name, so it is kept per (user, verb, group, resource, subresource, namespace) until a role
        or binding changes; the Node authorizer decides on the object for the kinds it subdivides, so a
        kubelet's requests for those are decided each time.  A read (get, list) may also be served by
        `reader`, whose informers fill the cache a controller reads from (upstream's controller-manager
        runs the shared informers with its own credentials, each controller's writes with its account).
        """
        if self._decide(user, attrs):
            return
        if reader is not None and attrs.verb in ("get", "list") and reader != user:
            listing = Attributes("list", api_group=attrs.api_group, resource=attrs.resource, namespace=attrs.namespace)
            if self._decide(reader, listing):
                return
        if attrs.verb == "get" and self._decide(
            user, Attributes("list", api_group=attrs.api_group, resource=attrs.resource, namespace=attrs.namespace)
        ):
            return  # a get from the informer cache needs only the list the cache was filled with
        raise forbidden(user, attrs, self.authorize(user, attrs)[1])

    def _decide(self, user: UserInfo, attrs: Attributes) -> bool:
        node = node_name_of(user)
        if node is not None and attrs.resource in _NODE_SUBDIVIDED.get(attrs.api_group, ()):
            return self.authorize(user, attrs)[0]
        key = (user, attrs.verb, attrs.api_group, attrs.resource, attrs.subresource, attrs.namespace)
        known = self._decisions.get(key)
        if known is None:
            unnamed = Attributes(
                attrs.verb,
                api_group=attrs.api_group,
                resource=attrs.resource,
                subresource=attrs.subresource,
                namespace=attrs.namespace,
            )
            known = self.authorize(user, unnamed)[0]
            if self._listening:
                if len(self._decisions) >= DECISION_CACHE_SIZE:
                    self._decisions.clear()
                self._decisions[key] = known
        if known or not attrs.name:
            return known
        return self.authorize(user, attrs)[0]  # a rule may allow this name only (resourceNames)

    def check(self, user: UserInfo, attrs: Attributes) -> None:
        """403 unless allowed.  RBAC answers depend only on the roles and bindings, so they are kept per
        (user, groups, request) until one of those changes; Node authorizer answers depend on the pods
        bound to the node and are decided afresh."""
        if node_name_of(user) is not None or not self._listening:
            allowed, reason = self.authorize(user, attrs)
        else:
            key = (user.name, user.groups, attrs)
            known = self._exact.get(key)
            if known is None:
                known = self.authorize(user, attrs)
                if len(self._exact) >= DECISION_CACHE_SIZE:
                    self._exact.clear()
                self._exact[key] = known
            allowed, reason = known
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


# The kinds whose Node-authorizer decision depends on the object (never cached per namespace).
_NODE_SUBDIVIDED = {
    "": frozenset(
        {"secrets", "configmaps", "persistentvolumeclaims", "persistentvolumes", "serviceaccounts", "nodes", "pods"}
    ),
    "coordination.k8s.io": frozenset({"leases"}),
}


def node_decides_per_object(group: str, resource: str) -> bool:
    """Whether a kubelet's request for this resource is decided object by object: by the Node
    authorizer's graph, and for pods, nodes and leases by NodeRestriction too.  Anything else
    (events, …) is decided by RBAC alone, the same for every name."""
    return resource in _NODE_SUBDIVIDED.get(group, ())


def _node_object_decision(node: str, attrs: Attributes) -> tuple[bool, str]:
    """Node objects: any node may register or update one (NodeRestriction keeps it to its own), but
    reads are of its own Node only."""
    verb = attrs.verb
    if not attrs.subresource:
        if verb in ("create", "update", "patch"):
            return True, ""
        if verb in _READ:
            if attrs.name == node:
                return True, ""
            if not attrs.name:
                return False, f"node '{node}' cannot read all nodes, only its own Node object"
            return False, f"node '{node}' cannot read '{attrs.name}', only its own Node object"
    elif attrs.subresource == "status" and verb in ("update", "patch"):
        return True, ""
    return False, ""


def node_allows(store, node: str, verb: str, group: str, resource: str, sub: str, namespace: str, name: str) -> bool:
    """True when the Node authorizer alone allows this kubelet request (`Authorizer.node_decision` would
    answer yes, so RBAC is not asked); False when it would need RBAC or refuse.

    The in-process kubelets' hot path: the answer of `node_decision` for the requests it decides
    without RBAC, from the request's parts (no `Attributes` built).  A False sends the caller to the
    full decision, which gives the same answer and the same 403.
    """
    if not node:
        return False
    if group == "":
        if resource == "pods":
            if not sub:
                if verb == "get":
                    if not name or store.get("nodes", "", node) is None:
                        return False
                    pod = store.get("pods", namespace, name)
                    return pod is not None and (pod.obj.get("spec") or {}).get("nodeName") == node
                return verb == "create" or verb == "delete"
            if sub == "status":
                return verb == "update" or verb == "patch"
            return sub == "eviction" and verb == "create"
        if resource == "nodes":
            if not sub:
                return verb in ("create", "update", "patch") or (verb in _READ and name == node)
            return sub == "status" and verb in ("update", "patch")
        return False
    if group == "coordination.k8s.io" and resource == "leases":
        return (
            verb in ("get", "create", "update", "patch", "delete")
            and namespace == NODE_LEASE_NAMESPACE
            and (verb == "create" or name == node)
        )
    return False


def node_restriction(user: UserInfo, attrs: Attributes, obj: dict | None, existing: dict | None) -> None:
    """The NodeRestriction admission check of a kubelet's write (`obj` the new object, `existing` the
    stored one): it may change only its own Node and Lease, the status of pods bound to it, and delete
    or evict only those pods; a pod it creates must be a mirror pod bound to it.  Others pass."""
    node = node_name_of(user)
    if node is None or not attrs.resource_request:
        return
    restrict_node_write(
        node,
        attrs.verb,
        attrs.api_group,
        attrs.resource,
        attrs.subresource,
        attrs.namespace,
        attrs.name,
        obj,
        existing,
    )


def restrict_node_write(
    node: str,
    verb: str,
    group: str,
    resource: str,
    sub: str,
    namespace: str,
    name: str,
    obj: dict | None,
    existing: dict | None,
) -> None:
    """`node_restriction` for the kubelet of `node`, from the request's parts."""
    name = name or ((obj or {}).get("metadata") or {}).get("name", "")

    def refuse(message: str) -> None:
        qualified = f"{resource}.{group}" if group else resource
        raise st.forbidden_error(f'{qualified} "{name}" is forbidden: {message}', resource, group, name)

    existing_node = ((existing or {}).get("spec") or {}).get("nodeName")
    if group == "" and resource == "pods":
        if not sub and verb == "create":
            annotations = ((obj or {}).get("metadata") or {}).get("annotations") or {}
            if MIRROR_POD_ANNOTATION not in annotations:
                refuse(
                    f'pod does not have "{MIRROR_POD_ANNOTATION}" annotation, node "{node}" can only create mirror pods'
                )
            if ((obj or {}).get("spec") or {}).get("nodeName") != node:
                refuse(f'node "{node}" can only create pods with spec.nodeName set to itself')
        elif not sub and verb == "delete":
            if existing is not None and existing_node != node:
                refuse(f'node "{node}" can only delete pods with spec.nodeName set to itself')
        elif sub == "status" and verb in ("update", "patch"):
            if existing is not None and existing_node != node:
                refuse(f'node "{node}" can only update pod status for pods with spec.nodeName set to itself')
            old_labels = ((existing or {}).get("metadata") or {}).get("labels") or {}
            new_labels = ((obj or {}).get("metadata") or {}).get("labels") or {}
            if obj is not None and existing is not None and old_labels != new_labels:
                refuse(f'node "{node}" cannot update labels through pod status')
        elif sub == "eviction" and existing is not None and existing_node != node:
            refuse(f"node {node} can only evict pods with spec.nodeName set to itself")
    elif group == "" and resource == "nodes" and verb in ("create", "update", "patch"):
        if name != node:
            refuse(f'node "{node}" is not allowed to modify node "{name}"')
        # Through `status` the stored spec is kept, so only a write of the Node itself can change taints.
        spec_write = verb != "create" and not sub and obj is not None and existing is not None
        if spec_write and (obj.get("spec") or {}).get("taints") != (existing.get("spec") or {}).get("taints"):
            refuse(f'node "{node}" is not allowed to modify taints')
    elif group == "coordination.k8s.io" and resource == "leases":
        if namespace != NODE_LEASE_NAMESPACE:
            refuse(f'can only access leases in the "{NODE_LEASE_NAMESPACE}" system namespace')
        if name != node:
            refuse("can only access node lease with the same name as the requesting node")


MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"


def forbidden(user: UserInfo, attrs: Attributes, reason: str = "") -> st.StatusError:
    message = rbac.forbidden_message(user, attrs, reason)
    if not attrs.resource_request:
        return st.StatusError(403, "Forbidden", message, {})
    return st.forbidden_error(message, attrs.resource, attrs.api_group, attrs.name)
