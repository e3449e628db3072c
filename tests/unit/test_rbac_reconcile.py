"""Default RBAC objects are reconciled at every start, as kube-apiserver's bootstrap does: what a stored
default role or binding lacks is added, what a user added is kept, `autoupdate: "false"` is respected."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime

import pytest

from kubeferry.cluster import bootstrap
from kubeferry.machinery import rbac, resources
from kubeferry.registry.registry import Registry
from kubeferry.storage.store import Store

ROLE = resources.by_gvk("rbac.authorization.k8s.io", "v1", "ClusterRole")
BINDING = resources.by_gvk("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def registry() -> Registry:
    reg = Registry(Store(None), now=lambda: NOW, rng=random.Random(3))
    bootstrap.ensure_system_objects(reg)
    bootstrap.ensure_rbac(reg)
    return reg


def plain_role(registry) -> dict:
    """A default role with several rules and no aggregation rule, as stored."""
    for role in bootstrap.default_cluster_roles():
        if not role.get("aggregationRule") and len(role.get("rules") or []) > 1:
            return copy.deepcopy(registry.get(ROLE, "", role["metadata"]["name"]).obj)
    raise AssertionError("no default role with several rules")


def test_a_second_start_changes_nothing(registry):
    roles = {e.obj["metadata"]["name"]: e.obj for e in registry.list(ROLE, None)}
    bindings = {e.obj["metadata"]["name"]: e.obj for e in registry.list(BINDING, None)}
    bootstrap.ensure_rbac(registry)
    assert {e.obj["metadata"]["name"]: e.obj for e in registry.list(ROLE, None)} == roles
    assert {e.obj["metadata"]["name"]: e.obj for e in registry.list(BINDING, None)} == bindings


def test_missing_rules_come_back_and_added_ones_stay(registry):
    role = plain_role(registry)
    name = role["metadata"]["name"]
    expected_rules = copy.deepcopy(role["rules"])
    extra = {"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get"]}
    role["rules"] = [role["rules"][0], extra]  # lost all but its first rule, gained one
    registry.update(ROLE, "", name, role)
    bootstrap.ensure_rbac(registry)
    rules = registry.get(ROLE, "", name).obj["rules"]
    assert rules[:2] == [expected_rules[0], extra]
    assert rbac.covers(rules, expected_rules)[0]


def test_autoupdate_false_is_left_alone(registry):
    role = plain_role(registry)
    name = role["metadata"]["name"]
    role["metadata"]["annotations"] = {bootstrap.AUTOUPDATE_ANNOTATION: "false"}
    role["rules"] = role["rules"][:1]
    registry.update(ROLE, "", name, role)
    bootstrap.ensure_rbac(registry)
    assert registry.get(ROLE, "", name).obj["rules"] == role["rules"]


def test_labels_and_annotations_are_merged_keeping_stored_values(registry):
    role = plain_role(registry)
    name = role["metadata"]["name"]
    role["metadata"]["labels"] = {"team": "ops"}
    role["metadata"]["annotations"] = {bootstrap.AUTOUPDATE_ANNOTATION: "true", "note": "mine"}
    registry.update(ROLE, "", name, role)
    bootstrap.ensure_rbac(registry)
    meta = registry.get(ROLE, "", name).obj["metadata"]
    expected = next(r for r in bootstrap.default_cluster_roles() if r["metadata"]["name"] == name)
    assert meta["labels"] == {**(expected["metadata"].get("labels") or {}), "team": "ops"}
    assert meta["annotations"]["note"] == "mine"


def test_binding_regains_its_subjects_and_a_changed_role_ref_is_made_again(registry):
    expected = next(b for b in bootstrap.default_cluster_role_bindings() if b.get("subjects"))
    name = expected["metadata"]["name"]
    binding = copy.deepcopy(registry.get(BINDING, "", name).obj)
    extra = {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}
    binding["subjects"] = [extra]
    registry.update(BINDING, "", name, binding)
    bootstrap.ensure_rbac(registry)
    assert registry.get(BINDING, "", name).obj["subjects"] == [extra, *expected["subjects"]]

    registry.delete(BINDING, "", name)
    moved = copy.deepcopy(expected)
    moved["roleRef"] = {**expected["roleRef"], "name": "view"}
    registry.create(BINDING, "", moved)
    bootstrap.ensure_rbac(registry)
    assert registry.get(BINDING, "", name).obj["roleRef"] == expected["roleRef"]


def test_a_deleted_default_role_is_created_again(registry):
    role = plain_role(registry)
    registry.delete(ROLE, "", role["metadata"]["name"])
    bootstrap.ensure_rbac(registry)
    assert registry.get(ROLE, "", role["metadata"]["name"]).obj["rules"] == role["rules"]
