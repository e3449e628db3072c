"""Validation of rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding.

Restates kube-apiserver v1.37's rules with their field paths and wording:

    rules[0].verbs: Required value: verbs must contain at least one value
    rules[0].apiGroups: Required value: resource rules must supply at least one api group
    rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs
    roleRef.kind: Unsupported value: "Group": supported values: "Role", "ClusterRole"
    subjects[0].namespace: Required value
    roleRef: Invalid value: {...}: cannot change roleRef

Names are path segments (`system:basic-user` is valid; `a/b` is not).  Pure: no I/O.
"""

from __future__ import annotations

from kubeferry.api import validation as v
from kubeferry.machinery import status as st
from kubeferry.machinery.status import FieldError

RBAC_GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = ["ServiceAccount", "User", "Group"]


def _meta(obj: dict, namespaced: bool) -> list[FieldError]:
    return v.validate_object_meta(obj.get("metadata"), namespaced, v.name_is_path_segment)


def _rule(rule: object, path: str, namespaced: bool) -> list[FieldError]:
    if not isinstance(rule, dict):
        return [st.invalid(path, rule, "must be an object")]
    errs: list[FieldError] = []
    if not rule.get("verbs"):
        errs.append(st.required(f"{path}.verbs", "verbs must contain at least one value"))
    urls = rule.get("nonResourceURLs") or []
    if urls:
        if namespaced:
            errs.append(
                st.invalid(f"{path}.nonResourceURLs", urls, "namespaced rules cannot apply to non-resource URLs")
            )
        if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
            errs.append(
                st.invalid(
                    f"{path}.nonResourceURLs",
                    urls,
                    "rules cannot apply to both regular resources and non-resource URLs",
                )
            )
        return errs
    if not rule.get("apiGroups"):
        errs.append(st.required(f"{path}.apiGroups", "resource rules must supply at least one api group"))
    if not rule.get("resources"):
        errs.append(st.required(f"{path}.resources", "resource rules must supply at least one resource"))
    return errs


def _rules(obj: dict, namespaced: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, rule in enumerate(obj.get("rules") or []):
        errs += _rule(rule, f"rules[{i}]", namespaced)
    return errs


def _role_ref(ref: object, namespaced: bool) -> list[FieldError]:
    if not isinstance(ref, dict):
        return [st.required("roleRef", "")]
    errs: list[FieldError] = []
    if ref.get("apiGroup") != RBAC_GROUP:
        errs.append(st.not_supported("roleRef.apiGroup", ref.get("apiGroup", ""), [RBAC_GROUP]))
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    if ref.get("kind") not in kinds:
        errs.append(st.not_supported("roleRef.kind", ref.get("kind", ""), kinds))
    name = ref.get("name", "")
    if not name:
        errs.append(st.required("roleRef.name", ""))
    else:
        errs += [st.invalid("roleRef.name", name, msg) for msg in v.name_is_path_segment(name)]
    return errs


def _subject(subject: object, path: str, namespaced: bool) -> list[FieldError]:
    if not isinstance(subject, dict):
        return [st.invalid(path, subject, "must be an object")]
    errs: list[FieldError] = []
    name = subject.get("name", "")
    if not name:
        errs.append(st.required(f"{path}.name", ""))
    kind = subject.get("kind", "")
    group = subject.get("apiGroup", "")
    if kind == "ServiceAccount":
        if name:
            errs += [st.invalid(f"{path}.name", name, msg) for msg in v.name_is_dns_subdomain(name)]
        if group:
            errs.append(st.not_supported(f"{path}.apiGroup", group, [""]))
        if not namespaced and not subject.get("namespace"):
            errs.append(st.required(f"{path}.namespace", ""))
    elif kind in ("User", "Group"):
        if group != RBAC_GROUP:
            errs.append(st.not_supported(f"{path}.apiGroup", group, [RBAC_GROUP]))
    else:
        errs.append(st.not_supported(f"{path}.kind", kind, SUBJECT_KINDS))
    return errs


def _binding(obj: dict, namespaced: bool) -> list[FieldError]:
    errs = _role_ref(obj.get("roleRef"), namespaced)
    for i, subject in enumerate(obj.get("subjects") or []):
        errs += _subject(subject, f"subjects[{i}]", namespaced)
    return errs


def _role_rules(namespaced: bool) -> v.KindRules:
    def create(obj: dict) -> list[FieldError]:
        return _meta(obj, namespaced) + _rules(obj, namespaced)

    def update(new: dict, old: dict) -> list[FieldError]:
        return v.validate_object_meta_update(new.get("metadata"), old.get("metadata")) + _rules(new, namespaced)

    return v.KindRules(create, update)


def _binding_rules(namespaced: bool) -> v.KindRules:
    def create(obj: dict) -> list[FieldError]:
        return _meta(obj, namespaced) + _binding(obj, namespaced)

    def update(new: dict, old: dict) -> list[FieldError]:
        errs = v.validate_object_meta_update(new.get("metadata"), old.get("metadata")) + _binding(new, namespaced)
        if old.get("roleRef") != new.get("roleRef"):
            errs.append(st.invalid("roleRef", new.get("roleRef"), "cannot change roleRef"))
        return errs

    return v.KindRules(create, update)


RULES: dict[tuple[str, str], v.KindRules] = {
    (RBAC_GROUP, "Role"): _role_rules(True),
    (RBAC_GROUP, "ClusterRole"): _role_rules(False),
    (RBAC_GROUP, "RoleBinding"): _binding_rules(True),
    (RBAC_GROUP, "ClusterRoleBinding"): _binding_rules(False),
}
