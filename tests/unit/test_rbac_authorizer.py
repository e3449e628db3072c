"""The authenticator and authorizer over a real (in-memory) store: tokens, bindings, aggregation,
escalation prevention, reviews and impersonation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kubeferry.cluster import bootstrap
from kubeferry.machinery import rbac
from kubeferry.machinery import status as st
from kubeferry.machinery.rbac import Attributes, UserInfo
from kubeferry.machinery.resources import by_gvk
from kubeferry.registry.authentication import Authenticator, TokenSigner
from kubeferry.registry.authorization import Authorizer
from kubeferry.registry.registry import Registry
from kubeferry.storage.store import Store

RBAC = "rbac.authorization.k8s.io"
SA = rbac.service_account_user("ci", "cd-agent")
ALICE = UserInfo("alice", ("devs", rbac.AUTHENTICATED))


class Clock:
    def __init__(self):
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def world():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    clock = Clock()
    registry = Registry(Store(None), now=clock)
    bootstrap.ensure_system_objects(registry)
    bootstrap.ensure_rbac(registry)
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    authn = Authenticator(registry.store, clock, {"admin-token"}, TokenSigner(key))
    authz = Authorizer(registry.store)
    create(registry, "", "Namespace", "", {"metadata": {"name": "ci"}})
    create(registry, "", "ServiceAccount", "ci", {"metadata": {"name": "cd-agent"}})
    create(
        registry,
        RBAC,
        "Role",
        "ci",
        {
            "metadata": {"name": "deployer"},
            "rules": [
                {
                    "apiGroups": ["apps"],
                    "resources": ["deployments"],
                    "verbs": ["get", "list", "watch", "patch", "update"],
                }
            ],
        },
    )
    create(
        registry,
        RBAC,
        "RoleBinding",
        "ci",
        binding("deployer", "Role", "deployer", [{"kind": "ServiceAccount", "name": "cd-agent"}]),
    )
    return registry, authn, authz, clock


def create(registry, group, kind, namespace, obj):
    res = by_gvk(group, "v1", kind)
    obj = {"apiVersion": f"{group}/v1" if group else "v1", "kind": kind, **obj}
    return registry.create(res, namespace, obj).entry.obj


def binding(name, ref_kind, ref_name, subjects, kind="RoleBinding"):
    return {
        "apiVersion": f"{RBAC}/v1",
        "kind": kind,
        "metadata": {"name": name},
        "roleRef": {"apiGroup": RBAC, "kind": ref_kind, "name": ref_name},
        "subjects": subjects,
    }


def deploy(verb, name="", ns="ci"):
    return Attributes(verb, api_group="apps", resource="deployments", namespace=ns, name=name)


# ---- tokens ---------------------------------------------------------------------------------------


def test_admin_token_is_system_masters(world):
    _, authn, authz, _ = world
    admin = authn.from_bearer("admin-token")
    assert admin == UserInfo("kubeferry-admin", ("system:masters", "system:authenticated"))
    assert authz.allows(admin, Attributes("delete", resource="nodes", name="n1"))


def test_token_request_round_trip_and_expiry(world):
    _, authn, _, clock = world
    answer = authn.token_request("ci", "cd-agent", {"spec": {"expirationSeconds": 3600}})
    assert answer["status"]["expirationTimestamp"] == "2030-01-01T01:00:00Z"
    assert answer["spec"]["audiences"] == ["https://kubernetes.default.svc.cluster.local"]
    token = answer["status"]["token"]
    user = authn.from_bearer(token)
    assert user.name == "system:serviceaccount:ci:cd-agent"
    assert user.groups == SA.groups
    assert dict(user.extra)["authentication.kubernetes.io/credential-id"][0].startswith("JTI=")
    clock.now += timedelta(seconds=3600 + 59)  # within the 60 s leeway
    assert authn.from_bearer(token) is not None
    clock.now += timedelta(seconds=2)
    assert authn.from_bearer(token) is None


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"), id="signature"),
        pytest.param(lambda t: t.split(".")[0] + ".eyJpc3MiOiJ4In0." + t.split(".")[2], id="claims"),
        pytest.param(lambda t: "eyJhbGciOiJub25lIn0." + t.split(".", 1)[1], id="alg-none"),
        pytest.param(lambda t: "not-a-jwt", id="garbage"),
    ],
)
def test_forged_tokens_are_refused(world, mangle):
    _, authn, _, _ = world
    token = authn.token_request("ci", "cd-agent", {"spec": {}})["status"]["token"]
    assert authn.from_bearer(mangle(token)) is None


def test_token_for_other_audience_is_refused(world):
    _, authn, _, _ = world
    token = authn.token_request("ci", "cd-agent", {"spec": {"audiences": ["vault"]}})["status"]["token"]
    assert authn.from_bearer(token) is None


def test_token_dies_with_its_service_account(world):
    registry, authn, _, _ = world
    token = authn.token_request("ci", "cd-agent", {"spec": {}})["status"]["token"]
    registry.delete(by_gvk("", "v1", "ServiceAccount"), "ci", "cd-agent")
    assert authn.from_bearer(token) is None
    create(registry, "", "ServiceAccount", "ci", {"metadata": {"name": "cd-agent"}})
    assert authn.from_bearer(token) is None  # a new account has a new uid


def test_token_request_validation(world):
    _, authn, _, _ = world
    with pytest.raises(st.StatusError) as e:
        authn.token_request("ci", "cd-agent", {"spec": {"expirationSeconds": 60}})
    assert e.value.code == 422
    assert e.value.message == (
        'TokenRequest.authentication.k8s.io "cd-agent" is invalid: spec.expirationSeconds: Invalid value: 60: '
        "may not specify a duration less than 10 minutes"
    )
    with pytest.raises(st.StatusError) as e:
        authn.token_request("ci", "nobody", {"spec": {}})
    assert (e.value.code, e.value.message) == (404, 'serviceaccounts "nobody" not found')


def test_legacy_token_secret(world):
    registry, authn, _, _ = world
    secret = create(
        registry,
        "",
        "Secret",
        "ci",
        {
            "metadata": {"name": "cd-agent-token", "annotations": {"kubernetes.io/service-account.name": "cd-agent"}},
            "type": "kubernetes.io/service-account-token",
        },
    )
    filled = authn.fill_legacy_secret(secret, b"CA")
    import base64

    token = base64.b64decode(filled["data"]["token"]).decode()
    assert base64.b64decode(filled["data"]["namespace"]) == b"ci"
    assert authn.from_bearer(token).name == SA.name
    assert authn.fill_legacy_secret(filled, b"CA") is None  # already filled
    registry.delete(by_gvk("", "v1", "Secret"), "ci", "cd-agent-token")
    assert authn.from_bearer(token) is None


# ---- authorization ----------------------------------------------------------------------------------


def test_role_binding_grants_in_its_namespace_only(world):
    _, _, authz, _ = world
    assert authz.allows(SA, deploy("patch", "my-app"))
    assert not authz.allows(SA, deploy("delete", "my-app"))
    assert not authz.allows(SA, deploy("get", "my-app", ns="prod"))
    with pytest.raises(st.StatusError) as e:
        authz.check(SA, deploy("delete", "my-app"))
    assert e.value.code == 403
    assert e.value.details == {"name": "my-app", "group": "apps", "kind": "deployments"}


def test_default_roles_bind_discovery_and_self_reviews(world):
    _, _, authz, _ = world
    assert authz.allows(ALICE, Attributes("get", resource_request=False, path="/apis/apps/v1"))
    assert authz.allows(
        ALICE, Attributes("create", api_group="authorization.k8s.io", resource="selfsubjectaccessreviews")
    )
    assert not authz.allows(ALICE, Attributes("get", resource_request=False, path="/metrics"))


def test_aggregated_cluster_roles(world):
    registry, _, authz, _ = world
    create(
        registry,
        RBAC,
        "ClusterRoleBinding",
        "",
        binding(
            "alice-view",
            "ClusterRole",
            "view",
            [{"kind": "User", "name": "alice", "apiGroup": RBAC}],
            "ClusterRoleBinding",
        ),
    )
    assert authz.allows(ALICE, deploy("list"))
    assert not authz.allows(ALICE, Attributes("get", resource="secrets", namespace="ci"))
    create(
        registry,
        RBAC,
        "ClusterRole",
        "",
        {
            "metadata": {"name": "secret-reader", "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}],
        },
    )
    assert authz.allows(ALICE, Attributes("get", resource="secrets", namespace="ci"))
    # edit aggregates view, admin aggregates edit: the new rule reaches admin too.
    assert {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]} in authz.cluster_role_rules("admin")
    stored = registry.get(by_gvk(RBAC, "v1", "ClusterRole"), "", "edit").obj["rules"]
    # The stored rules of `edit` are the aggregation of what it selects (as the aggregation controller writes them).
    assert any("deployments" in r["resources"] and "delete" in r["verbs"] for r in stored if r.get("resources"))


def test_missing_role_is_reported_in_the_reason(world):
    registry, _, authz, _ = world
    create(
        registry,
        RBAC,
        "RoleBinding",
        "ci",
        binding("ghost", "Role", "gone", [{"kind": "ServiceAccount", "name": "cd-agent"}]),
    )
    allowed, reason = authz.authorize(SA, deploy("delete", "x"))
    assert (allowed, reason) == (False, 'RBAC: role.rbac.authorization.k8s.io "gone" not found')


def test_escalation_through_binding_to_cluster_admin_is_refused(world):
    registry, _, authz, _ = world
    # The agent may write RoleBindings in ci, but holds none of cluster-admin's rights.
    create(
        registry,
        RBAC,
        "Role",
        "ci",
        {
            "metadata": {"name": "binder"},
            "rules": [{"apiGroups": [RBAC], "resources": ["rolebindings"], "verbs": ["create"]}],
        },
    )
    create(
        registry,
        RBAC,
        "RoleBinding",
        "ci",
        binding("binder", "Role", "binder", [{"kind": "ServiceAccount", "name": "cd-agent"}]),
    )
    wanted = binding("pwn", "ClusterRole", "cluster-admin", [{"kind": "ServiceAccount", "name": "cd-agent"}])
    with pytest.raises(st.StatusError) as e:
        authz.check_escalation(SA, "RoleBinding", "ci", wanted)
    assert e.value.code == 403
    assert e.value.message.startswith(
        'rolebindings.rbac.authorization.k8s.io "pwn" is forbidden: user "system:serviceaccount:ci:cd-agent" '
        '(groups=["system:serviceaccounts" "system:serviceaccounts:ci" "system:authenticated"]) is attempting to grant '
        'RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n'
    )
    # Binding a role whose rules it holds is fine; so is any binding once it may `bind` the role.
    authz.check_escalation(
        SA, "RoleBinding", "ci", binding("again", "Role", "deployer", [{"kind": "User", "name": "x"}])
    )
    create(
        registry,
        RBAC,
        "Role",
        "ci",
        {
            "metadata": {"name": "may-bind"},
            "rules": [
                {
                    "apiGroups": [RBAC],
                    "resources": ["clusterroles"],
                    "verbs": ["bind"],
                    "resourceNames": ["cluster-admin"],
                }
            ],
        },
    )
    create(
        registry,
        RBAC,
        "RoleBinding",
        "ci",
        binding("may-bind", "Role", "may-bind", [{"kind": "ServiceAccount", "name": "cd-agent"}]),
    )
    authz.check_escalation(SA, "RoleBinding", "ci", wanted)


def test_role_write_needs_its_rules_or_escalate(world):
    registry, _, authz, _ = world
    wider = {
        "metadata": {"name": "wider"},
        "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "delete"]}],
    }
    with pytest.raises(st.StatusError) as e:
        authz.check_escalation(SA, "Role", "ci", wider)
    assert e.value.message.endswith(
        'not currently held:\n{APIGroups:["apps"], Resources:["deployments"], Verbs:["delete"]}'
    )
    authz.check_escalation(
        SA,
        "Role",
        "ci",
        {
            "metadata": {"name": "narrow"},
            "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]}],
        },
    )
    create(
        registry,
        RBAC,
        "Role",
        "ci",
        {"metadata": {"name": "esc"}, "rules": [{"apiGroups": [RBAC], "resources": ["roles"], "verbs": ["escalate"]}]},
    )
    create(
        registry,
        RBAC,
        "RoleBinding",
        "ci",
        binding("esc", "Role", "esc", [{"kind": "ServiceAccount", "name": "cd-agent"}]),
    )
    authz.check_escalation(SA, "Role", "ci", wider)


# ---- reviews and impersonation --------------------------------------------------------------------


def test_self_subject_access_review(world):
    _, _, authz, _ = world
    body = {
        "spec": {
            "resourceAttributes": {"namespace": "ci", "verb": "delete", "group": "apps", "resource": "deployments"}
        }
    }
    assert authz.review(SA, "SelfSubjectAccessReview", "", body)["status"] == {"allowed": False}
    body["spec"]["resourceAttributes"]["verb"] = "patch"
    assert authz.review(SA, "SelfSubjectAccessReview", "", body)["status"] == {"allowed": True}


def test_subject_access_review_for_another_user(world):
    _, _, authz, _ = world
    body = {
        "spec": {
            "user": SA.name,
            "groups": list(SA.groups),
            "resourceAttributes": {"namespace": "ci", "verb": "list", "group": "apps", "resource": "deployments"},
        }
    }
    assert authz.review(ALICE, "SubjectAccessReview", "", body)["status"] == {"allowed": True}
    with pytest.raises(st.StatusError) as e:
        authz.review(ALICE, "SubjectAccessReview", "", {"spec": {"resourceAttributes": {"verb": "get"}}})
    assert e.value.code == 422


def test_self_subject_rules_review(world):
    _, _, authz, _ = world
    status = authz.review(SA, "SelfSubjectRulesReview", "", {"spec": {"namespace": "ci"}})["status"]
    assert {
        "verbs": ["get", "list", "watch", "patch", "update"],
        "apiGroups": ["apps"],
        "resources": ["deployments"],
    } in status["resourceRules"]
    assert {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"]} in status[
        "nonResourceRules"
    ]
    assert status["incomplete"] is False


def test_self_subject_review(world):
    _, _, authz, _ = world
    out = authz.review(ALICE, "SelfSubjectReview", "", {})
    assert out["status"] == {"userInfo": {"username": "alice", "groups": ["devs", "system:authenticated"]}}


def test_impersonation(world):
    registry, authn, authz, _ = world
    admin = authn.from_bearer("admin-token")
    as_sa = authz.impersonate(admin, [("impersonate-user", SA.name)])
    assert as_sa == SA
    as_bob = authz.impersonate(
        admin, [("impersonate-user", "bob"), ("impersonate-group", "g1"), ("impersonate-group", "g2")]
    )
    assert as_bob == UserInfo("bob", ("g1", "g2", "system:authenticated"))
    with pytest.raises(st.StatusError) as e:
        authz.impersonate(SA, [("impersonate-user", "bob")])
    assert e.value.message == (
        'users "bob" is forbidden: User "system:serviceaccount:ci:cd-agent" cannot impersonate resource "users" in API '
        'group "" at the cluster scope'
    )
