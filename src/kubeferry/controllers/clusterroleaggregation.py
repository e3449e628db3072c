"""The ClusterRole aggregation controller: an aggregated ClusterRole's stored rules are the union of
the rules of the ClusterRoles its `aggregationRule` selects, as upstream's
clusterrole-aggregation-controller writes them (pkg/controller/clusterroleaggregation).

Facts restated (v1.37):

* for each ClusterRole with an `aggregationRule`, every ClusterRole matching any of its
  `clusterRoleSelectors` (label selectors) contributes its *stored* rules — never the aggregated
  role itself; aggregated roles selecting each other converge over successive passes;
* matching roles are visited in name order and a rule is added only if an equal rule is not
  already in the list, so the result is stable;
* nothing is written when the stored rules already equal the union; otherwise the rules are
  replaced (the rest of the object is kept).

Worked example: `admin` selects `rbac.authorization.k8s.io/aggregate-to-admin: "true"`; roles
`a-extra` (rule R1) and `b-extra` (rules R1, R2) carry that label → `admin.rules` = [R1, R2].

Pure: objects in, actions out.
"""

from __future__ import annotations

from kubeferry.controllers.actions import UpdateObject
from kubeferry.machinery.selectors import from_label_selector


def aggregated_rules(role: dict, cluster_roles: list[dict]) -> list[dict]:
    """The union of the stored rules of the ClusterRoles that `role`'s aggregationRule selects."""
    selectors = [
        from_label_selector(s)
        for s in ((role.get("aggregationRule") or {}).get("clusterRoleSelectors") or [])
        if isinstance(s, dict)
    ]
    name = role["metadata"]["name"]
    rules: list[dict] = []
    for other in sorted(cluster_roles, key=lambda r: r["metadata"]["name"]):
        meta = other["metadata"]
        if meta["name"] == name or not any(s.matches(meta.get("labels") or {}) for s in selectors):
            continue
        for rule in other.get("rules") or ():
            if rule not in rules:
                rules.append(rule)
    return rules


def reconcile(cluster_roles: list[dict]) -> list:
    """One pass over every aggregated ClusterRole: an update for each whose rules are not the union."""
    actions = []
    for role in cluster_roles:
        if not role.get("aggregationRule"):
            continue
        wanted = aggregated_rules(role, cluster_roles)
        if (role.get("rules") or []) != wanted:
            updated = dict(role)
            updated["rules"] = wanted
            actions.append(UpdateObject(updated))
    return actions
