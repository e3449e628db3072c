"""The objects of a CI account for `kubeferry ci-account`: ServiceAccount, Role, RoleBinding, kubeconfig.

`kubeferry ci-account cd-agent -n ci --for deployment/my-app` makes, in namespace `ci`:

* ServiceAccount `cd-agent`;
* Role `cd-agent-deliver` holding `permissions.role_rules` for the `--for` workloads;
* RoleBinding `cd-agent-deliver` giving that Role to the ServiceAccount;

and a kubeconfig whose only user authenticates with a TokenRequest token for the account.  A
second run with other `--for` workloads replaces the Role's rules (the command states the whole
set, as `kubectl apply` does); `outcome` says whether each object was created, configured or left
unchanged.  A RoleBinding's roleRef cannot change, so a binding pointing elsewhere is an error.

Pure: names and rules in, objects and words out.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence

from kubeferry.machinery import dns

RBAC_API = "rbac.authorization.k8s.io/v1"
ROLE_SUFFIX = "-deliver"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "kubeferry"
FOR_ANNOTATION = "deliver.kubeferry.io/for"  # the --for workloads, comma-separated, for people reading the Role
MAX_NAME = 63 - len(ROLE_SUFFIX)  # the Role's name is the account's plus the suffix
MIN_TOKEN_SECONDS = 600  # TokenRequest refuses a shorter expiration
CREATED, CONFIGURED, UNCHANGED = "created", "configured", "unchanged"


def check_name(name: str) -> str:
    """The account name, or ValueError: a DNS label short enough for the Role's name."""
    if not dns.is_dns1123_label(name or "") or len(name) > MAX_NAME:
        raise ValueError(
            f'invalid account name "{name}": must be lowercase letters, digits and "-", '
            f"start and end with a letter or digit, at most {MAX_NAME} characters"
        )
    return name


def check_duration(seconds: float, flag: str = "--duration") -> int:
    """Whole seconds of token lifetime; at least `MIN_TOKEN_SECONDS`."""
    whole = int(seconds)
    if whole < MIN_TOKEN_SECONDS:
        raise ValueError(f"{flag} must be at least {MIN_TOKEN_SECONDS // 60}m (a token request's shortest lifetime)")
    return whole


def role_name(account: str) -> str:
    return account + ROLE_SUFFIX


def _metadata(namespace: str, name: str, annotations: Mapping[str, str] | None = None) -> dict:
    meta = {"name": name, "namespace": namespace, "labels": {MANAGED_BY_LABEL: MANAGED_BY}}
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def service_account(namespace: str, account: str) -> dict:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _metadata(namespace, account)}


def role(namespace: str, account: str, rules: Sequence[dict], targets: Sequence[object]) -> dict:
    return {
        "apiVersion": RBAC_API,
        "kind": "Role",
        "metadata": _metadata(namespace, role_name(account), {FOR_ANNOTATION: ",".join(str(t) for t in targets)}),
        "rules": [dict(rule) for rule in rules],
    }


def role_binding(namespace: str, account: str) -> dict:
    return {
        "apiVersion": RBAC_API,
        "kind": "RoleBinding",
        "metadata": _metadata(namespace, role_name(account)),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role_name(account)},
        "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": namespace}],
    }


def token_request(seconds: int) -> dict:
    return {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": seconds}}


def _normal_rules(rules) -> list:
    keys = ("apiGroups", "resources", "resourceNames", "verbs", "nonResourceURLs")
    return [{k: sorted(rule.get(k) or []) for k in keys if rule.get(k)} for rule in rules or []]


def merged_role(live: Mapping, desired: Mapping) -> dict:
    """`live` with `desired`'s rules, labels and annotations: what the update sends (resourceVersion kept)."""
    meta = dict(live.get("metadata") or {})
    want = desired["metadata"]
    meta["labels"] = {**(meta.get("labels") or {}), **want.get("labels", {})}
    meta["annotations"] = {**(meta.get("annotations") or {}), **want.get("annotations", {})}
    return {**live, "metadata": meta, "rules": [dict(r) for r in desired["rules"]]}


def outcome(live: Mapping | None, desired: Mapping) -> str:
    """`created` (no live object), `unchanged` (same rules and annotations) or `configured`."""
    if live is None:
        return CREATED
    if desired.get("kind") != "Role":
        return UNCHANGED
    same_rules = _normal_rules(live.get("rules")) == _normal_rules(desired.get("rules"))
    live_notes = (live.get("metadata") or {}).get("annotations") or {}
    same_notes = all(live_notes.get(k) == v for k, v in (desired["metadata"].get("annotations") or {}).items())
    return UNCHANGED if same_rules and same_notes else CONFIGURED


def binding_conflict(live: Mapping, desired: Mapping) -> str:
    """ "" when `live` can serve as the account's binding, else why not (roleRef cannot change)."""
    if (live.get("roleRef") or {}).get("name") != desired["roleRef"]["name"] or (live.get("roleRef") or {}).get(
        "kind"
    ) != "Role":
        ref = live.get("roleRef") or {}
        return (
            f'rolebinding "{desired["metadata"]["name"]}" already exists with roleRef '
            f"{ref.get('kind', '')}/{ref.get('name', '')}; delete it first (a roleRef cannot be changed)"
        )
    return ""


def binding_with_subject(live: Mapping, desired: Mapping) -> dict | None:
    """`live` with the account added to its subjects, or None when it is already there."""
    subject = desired["subjects"][0]
    subjects = list(live.get("subjects") or [])
    if any(
        s.get("kind") == "ServiceAccount"
        and s.get("name") == subject["name"]
        and s.get("namespace") == subject["namespace"]
        for s in subjects
    ):
        return None
    return {**live, "subjects": [*subjects, dict(subject)]}


def kubeconfig(
    cluster: str,
    server: str,
    namespace: str,
    account: str,
    token: str,
    *,
    ca_pem: bytes | None = None,
    insecure: bool = False,
    server_name: str = "",
) -> dict:
    """A kubeconfig with one cluster (`cluster`), one user (the account) and one current context.

    The context is named `<account>@<cluster>` and defaults to the account's namespace.
    """
    entry: dict = {"server": server}
    if ca_pem:
        entry["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    if insecure:
        entry["insecure-skip-tls-verify"] = True
    if server_name:
        entry["tls-server-name"] = server_name
    user = f"{account}@{cluster}"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": cluster, "cluster": entry}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": user, "context": {"cluster": cluster, "user": user, "namespace": namespace}}],
        "current-context": user,
    }
