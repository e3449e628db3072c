"""The ClusterRole aggregation controller's pass, as upstream's clusterrole-aggregation-controller."""

from __future__ import annotations

from kubeferry.controllers import clusterroleaggregation as agg

R1 = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}
R2 = {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["list"]}
LABEL = {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}


def role(name, rules=(), labels=None, aggregate=False):
    obj = {"metadata": {"name": name, "labels": labels or {}}, "rules": list(rules)}
    if aggregate:
        obj["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": LABEL}]}
    return obj


def test_union_in_name_order_without_duplicates():
    roles = [
        role("admin", aggregate=True),
        role("b-extra", [R1, R2], LABEL),
        role("a-extra", [R1], LABEL),
        role("other", [R2]),
    ]
    assert agg.aggregated_rules(roles[0], roles) == [R1, R2]
    (update,) = agg.reconcile(roles)
    assert update.obj["metadata"]["name"] == "admin" and update.obj["rules"] == [R1, R2]


def test_nothing_written_when_the_union_is_stored():
    roles = [role("admin", [R1], aggregate=True), role("a-extra", [R1], LABEL)]
    assert agg.reconcile(roles) == []


def test_an_aggregated_role_never_selects_itself_and_empties_when_nothing_matches():
    roles = [role("admin", [R1], LABEL, aggregate=True)]
    (update,) = agg.reconcile(roles)
    assert update.obj["rules"] == []
