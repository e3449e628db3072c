"""RBAC rule matching, coverage (escalation) and message wording, as upstream's tables state them.

The facts are kube-apiserver v1.37's: `RuleAllows` (verbs, groups, resources with `*` and
`*/subresource`, resourceNames, nonResourceURLs with a trailing `*`), `Covers` (escalation checks)
and the 403 / escalation messages.
"""

from __future__ import annotations

import pytest

from kubeferry.machinery import rbac
from kubeferry.machinery.rbac import Attributes, UserInfo


def _res(verb, group, resource, sub="", name="", ns="ci") -> Attributes:
    return Attributes(verb, api_group=group, resource=resource, subresource=sub, name=name, namespace=ns)


def _url(verb, path) -> Attributes:
    return Attributes(verb, resource_request=False, path=path)


ALLOW_CASES = [
    # (id, rule, attributes, allowed)
    (
        "exact",
        {"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"]},
        _res("get", "apps", "deployments"),
        True,
    ),
    (
        "verb-star",
        {"verbs": ["*"], "apiGroups": ["apps"], "resources": ["deployments"]},
        _res("delete", "apps", "deployments"),
        True,
    ),
    (
        "verb-miss",
        {"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"]},
        _res("delete", "apps", "deployments"),
        False,
    ),
    (
        "group-star",
        {"verbs": ["get"], "apiGroups": ["*"], "resources": ["deployments"]},
        _res("get", "extensions", "deployments"),
        True,
    ),
    (
        "group-miss",
        {"verbs": ["get"], "apiGroups": [""], "resources": ["deployments"]},
        _res("get", "apps", "deployments"),
        False,
    ),
    ("core-group", {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, _res("get", "", "pods"), True),
    ("resource-star", {"verbs": ["get"], "apiGroups": [""], "resources": ["*"]}, _res("get", "", "pods", "log"), True),
    ("resource-miss", {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, _res("get", "", "secrets"), False),
    (
        "sub-needs-own-rule",
        {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]},
        _res("get", "", "pods", "log"),
        False,
    ),
    (
        "sub-exact",
        {"verbs": ["get"], "apiGroups": [""], "resources": ["pods/log"]},
        _res("get", "", "pods", "log"),
        True,
    ),
    (
        "sub-rule-not-parent",
        {"verbs": ["get"], "apiGroups": [""], "resources": ["pods/log"]},
        _res("get", "", "pods"),
        False,
    ),
    (
        "star-slash-sub",
        {"verbs": ["patch"], "apiGroups": ["apps"], "resources": ["*/scale"]},
        _res("patch", "apps", "deployments", "scale"),
        True,
    ),
    (
        "star-slash-other-sub",
        {"verbs": ["patch"], "apiGroups": ["apps"], "resources": ["*/scale"]},
        _res("patch", "apps", "deployments", "status"),
        False,
    ),
    (
        "star-slash-not-parent",
        {"verbs": ["patch"], "apiGroups": ["apps"], "resources": ["*/scale"]},
        _res("patch", "apps", "deployments"),
        False,
    ),
    (
        "services-proxy",
        {"verbs": ["get"], "apiGroups": [""], "resources": ["services/proxy"]},
        _res("get", "", "services", "proxy", "web"),
        True,
    ),
    (
        "name-match",
        {"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["my-app"]},
        _res("get", "apps", "deployments", name="my-app"),
        True,
    ),
    (
        "name-miss",
        {"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["my-app"]},
        _res("get", "apps", "deployments", name="other"),
        False,
    ),
    (
        "name-list-has-no-name",
        {"verbs": ["list"], "apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["my-app"]},
        _res("list", "apps", "deployments"),
        False,
    ),
    ("url-exact", {"verbs": ["get"], "nonResourceURLs": ["/healthz"]}, _url("get", "/healthz"), True),
    ("url-prefix-star", {"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}, _url("get", "/apis/apps/v1"), True),
    ("url-prefix-star-not-bare", {"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}, _url("get", "/apis"), False),
    ("url-star", {"verbs": ["*"], "nonResourceURLs": ["*"]}, _url("post", "/anything"), True),
    ("url-verb-miss", {"verbs": ["get"], "nonResourceURLs": ["/healthz"]}, _url("post", "/healthz"), False),
    ("url-rule-no-resource", {"verbs": ["get"], "nonResourceURLs": ["*"]}, _res("get", "", "pods"), False),
    (
        "resource-rule-no-url",
        {"verbs": ["get"], "apiGroups": ["*"], "resources": ["*"]},
        _url("get", "/healthz"),
        False,
    ),
]


@pytest.mark.parametrize("rule,attrs,allowed", [c[1:] for c in ALLOW_CASES], ids=[c[0] for c in ALLOW_CASES])
def test_rule_allows(rule, attrs, allowed):
    assert rbac.rule_allows(attrs, rule) is allowed


SA = rbac.service_account_user("ci", "cd-agent")
ALICE = UserInfo("alice", ("devs", rbac.AUTHENTICATED))

SUBJECT_CASES = [
    ("user", ALICE, {"kind": "User", "name": "alice"}, "", True),
    ("user-other", ALICE, {"kind": "User", "name": "bob"}, "", False),
    ("group", ALICE, {"kind": "Group", "name": "devs"}, "", True),
    ("sa-explicit-ns", SA, {"kind": "ServiceAccount", "name": "cd-agent", "namespace": "ci"}, "other", True),
    ("sa-binding-ns-default", SA, {"kind": "ServiceAccount", "name": "cd-agent"}, "ci", True),
    ("sa-other-ns", SA, {"kind": "ServiceAccount", "name": "cd-agent"}, "prod", False),
    ("sa-no-ns-cluster-binding", SA, {"kind": "ServiceAccount", "name": "cd-agent"}, "", False),
    ("sa-as-user-name", SA, {"kind": "User", "name": "system:serviceaccount:ci:cd-agent"}, "", True),
    ("sa-group", SA, {"kind": "Group", "name": "system:serviceaccounts:ci"}, "", True),
    ("unknown-kind", ALICE, {"kind": "Robot", "name": "alice"}, "", False),
]


@pytest.mark.parametrize("user,subject,ns,applies", [c[1:] for c in SUBJECT_CASES], ids=[c[0] for c in SUBJECT_CASES])
def test_subject_applies(user, subject, ns, applies):
    assert rbac.subject_applies(user, subject, ns) is applies


def test_service_account_user_groups():
    assert SA.name == "system:serviceaccount:ci:cd-agent"
    assert SA.groups == ("system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated")
    assert rbac.split_service_account("system:serviceaccount:ci:cd-agent") == ("ci", "cd-agent")
    assert rbac.split_service_account("system:serviceaccount:ci") is None
    assert rbac.split_service_account("alice") is None


DEPLOY_RW = {"verbs": ["get", "list", "watch", "patch", "update"], "apiGroups": ["apps"], "resources": ["deployments"]}

COVER_CASES = [
    # (id, owner rules, wanted rules, covered, missing pieces)
    ("same", [DEPLOY_RW], [DEPLOY_RW], True, []),
    ("subset-verbs", [DEPLOY_RW], [{"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"]}], True, []),
    (
        "extra-verb",
        [DEPLOY_RW],
        [{"verbs": ["get", "delete"], "apiGroups": ["apps"], "resources": ["deployments"]}],
        False,
        [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["delete"]}],
    ),
    ("star-owner", [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}], [DEPLOY_RW], True, []),
    (
        "star-wanted-not-covered-by-list",
        [DEPLOY_RW],
        [{"verbs": ["*"], "apiGroups": ["apps"], "resources": ["deployments"]}],
        False,
        [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]}],
    ),
    (
        "star-slash-sub-owner",
        [{"verbs": ["get"], "apiGroups": ["apps"], "resources": ["*/scale"]}],
        [{"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments/scale"]}],
        True,
        [],
    ),
    (
        "parent-does-not-cover-sub",
        [{"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"]}],
        [{"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments/scale"]}],
        False,
        [{"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["get"]}],
    ),
    ("owner-any-name-covers-named", [DEPLOY_RW], [{**DEPLOY_RW, "resourceNames": ["my-app"]}], True, []),
    (
        "owner-named-not-cover-any",
        [{**DEPLOY_RW, "resourceNames": ["my-app"]}],
        [{"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"]}],
        False,
        [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]}],
    ),
    (
        "owner-named-covers-same-name",
        [{**DEPLOY_RW, "resourceNames": ["a", "b"]}],
        [{"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["b"]}],
        True,
        [],
    ),
    (
        "url-star-owner",
        [{"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}],
        [{"verbs": ["get"], "nonResourceURLs": ["/apis/apps"]}],
        True,
        [],
    ),
    (
        "url-not-covered",
        [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}],
        [{"verbs": ["get"], "nonResourceURLs": ["/metrics"]}],
        False,
        [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}],
    ),
    (
        "split-across-rules",
        [
            {"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"]},
            {"verbs": ["list"], "apiGroups": ["apps"], "resources": ["deployments"]},
        ],
        [{"verbs": ["get", "list"], "apiGroups": ["apps"], "resources": ["deployments"]}],
        True,
        [],
    ),
    ("nothing-owned", [], [], True, []),
]


@pytest.mark.parametrize("owner,wanted,covered,missing", [c[1:] for c in COVER_CASES], ids=[c[0] for c in COVER_CASES])
def test_covers(owner, wanted, covered, missing):
    assert rbac.covers(owner, wanted) == (covered, missing)


def test_breakdown_splits_every_group_resource_verb_and_name():
    rule = {"verbs": ["get", "list"], "apiGroups": ["", "apps"], "resources": ["pods"], "resourceNames": ["a"]}
    assert rbac.breakdown(rule) == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"], "resourceNames": ["a"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"], "resourceNames": ["a"]},
        {"apiGroups": ["apps"], "resources": ["pods"], "verbs": ["get"], "resourceNames": ["a"]},
        {"apiGroups": ["apps"], "resources": ["pods"], "verbs": ["list"], "resourceNames": ["a"]},
    ]


def test_escalation_message_compacts_verbs_per_resource():
    missing = [
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["delete"]},
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]},
        {"nonResourceURLs": ["/metrics"], "verbs": ["get"]},
    ]
    assert rbac.escalation_message(SA, missing) == (
        'user "system:serviceaccount:ci:cd-agent" (groups=["system:serviceaccounts" "system:serviceaccounts:ci" '
        '"system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}\n'
        '{APIGroups:["apps"], Resources:["deployments"], Verbs:["delete" "create"]}\n'
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}'
    )


FORBIDDEN_CASES = [
    (
        "named-in-namespace",
        _res("delete", "apps", "deployments", name="my-app"),
        'deployments.apps "my-app" is forbidden: User "system:serviceaccount:ci:cd-agent" cannot delete resource '
        '"deployments" in API group "apps" in the namespace "ci"',
    ),
    (
        "collection-core",
        _res("list", "", "secrets"),
        'secrets is forbidden: User "system:serviceaccount:ci:cd-agent" cannot list resource "secrets" in API group "" '
        'in the namespace "ci"',
    ),
    (
        "cluster-scope",
        _res("list", "", "nodes", ns=""),
        'nodes is forbidden: User "system:serviceaccount:ci:cd-agent" cannot list resource "nodes" in API group "" at '
        "the cluster scope",
    ),
    (
        "subresource",
        _res("patch", "apps", "deployments", "scale", "web"),
        'deployments.apps "web" is forbidden: User "system:serviceaccount:ci:cd-agent" cannot patch resource '
        '"deployments/scale" in API group "apps" in the namespace "ci"',
    ),
    (
        "non-resource",
        _url("get", "/metrics"),
        'forbidden: User "system:serviceaccount:ci:cd-agent" cannot get path "/metrics"',
    ),
]


@pytest.mark.parametrize("attrs,message", [c[1:] for c in FORBIDDEN_CASES], ids=[c[0] for c in FORBIDDEN_CASES])
def test_forbidden_message(attrs, message):
    assert rbac.forbidden_message(SA, attrs) == message


def test_forbidden_message_carries_rbac_resolution_errors():
    message = rbac.forbidden_message(
        SA, _res("get", "", "pods"), 'RBAC: role.rbac.authorization.k8s.io "gone" not found'
    )
    assert message.endswith('in the namespace "ci": RBAC: role.rbac.authorization.k8s.io "gone" not found')


def test_equal_users_made_apart_find_each_other_and_unequal_ones_do_not():
    import dataclasses

    a = rbac.UserInfo("system:node:n1", ("system:nodes", "system:authenticated"))
    b = rbac.UserInfo("system:node:n1", ("system:nodes", "system:authenticated"))
    seen = {(a, None): "kubelet"}
    assert a is not b and seen.get((b, None)) == "kubelet"
    for other in (
        dataclasses.replace(a, name="system:node:n2"),
        dataclasses.replace(a, groups=("system:nodes",)),
        dataclasses.replace(a, uid="u-1"),
        dataclasses.replace(a, extra=(("scopes", ("x",)),)),
    ):
        assert other != a and seen.get((other, None)) is None
    assert dataclasses.replace(a, uid="u-1") == rbac.UserInfo(a.name, a.groups, "u-1")
    assert hash(dataclasses.replace(a, uid="u-1")) == hash(rbac.UserInfo(a.name, a.groups, "u-1"))
