"""The pure parts of ci-account and deliver --preflight: rules for targets, needs of a run, review verdicts."""

from __future__ import annotations

import pytest

from kubeferry.delivery import account, permissions, preflight
from kubeferry.delivery.permissions import ManifestItem, Need, Target

WEB = {"metadata": {"name": "web"}, "spec": {"ports": [{"name": "http", "port": 80}, {"port": 9090}]}}


def test_role_rules_for_a_deployment_and_a_daemonset():
    targets = [Target("Deployment", "my-app"), Target("DaemonSet", "agent")]
    rules = permissions.role_rules(targets, {targets[0]: [WEB]})
    assert rules == [
        {
            "apiGroups": ["apps"],
            "resources": ["deployments"],
            "verbs": ["get", "list", "watch", "patch", "update"],
            "resourceNames": ["my-app"],
        },
        {
            "apiGroups": ["apps"],
            "resources": ["daemonsets"],
            "verbs": ["get", "list", "watch", "patch", "update"],
            "resourceNames": ["agent"],
        },
        {"apiGroups": ["apps"], "resources": ["controllerrevisions", "replicasets"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["events", "pods"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["services"], "verbs": ["get", "list"]},
        {
            "apiGroups": [""],
            "resources": ["services/proxy"],
            "verbs": ["get"],
            "resourceNames": ["web", "web:80", "web:9090", "web:http"],
        },
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
        {
            "apiGroups": ["coordination.k8s.io"],
            "resources": ["leases"],
            "verbs": ["get", "update", "delete"],
            "resourceNames": ["kubeferry-deliver-daemonset-agent", "kubeferry-deliver-deployment-my-app"],
        },
    ]


def test_no_proxy_rule_without_a_service():
    rules = permissions.role_rules([Target("StatefulSet", "db")])
    assert not any("services/proxy" in r["resources"] for r in rules)
    assert rules[1]["resources"] == ["controllerrevisions"]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        pytest.param(["deployment/a"], [Target("Deployment", "a")], id="one"),
        pytest.param(
            ["deploy/a", "deployments.apps/a", "sts/b"],
            [Target("Deployment", "a"), Target("StatefulSet", "b")],
            id="repeats-dropped",
        ),
    ],
)
def test_parse_targets(texts, expected):
    assert permissions.parse_targets(texts) == expected


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        pytest.param([], "give at least one workload with --for KIND/NAME, e.g. --for deployment/my-app", id="none"),
        pytest.param(["web"], 'invalid workload "web": expected KIND/NAME, e.g. deployment/my-app', id="no-kind"),
        pytest.param(
            ["pod/web"],
            'cannot deliver "pod/web": only deployments, daemonsets and statefulsets can be delivered',
            id="pod",
        ),
    ],
)
def test_parse_targets_errors(texts, message):
    with pytest.raises(ValueError) as e:
        permissions.parse_targets(texts)
    assert str(e.value) == message


def test_deliver_needs_with_checks_and_manifests():
    needs = permissions.deliver_needs(
        Target("Deployment", "web"),
        check_services=[("web-svc", "80")],
        list_services=True,
        manifests=[ManifestItem("", "configmaps", "settings", False), ManifestItem("", "services", "web-svc", True)],
    )
    lease = "kubeferry-deliver-deployment-web"
    assert [n.describe("ci") for n in needs] == [
        f'get leases.coordination.k8s.io "{lease}" in namespace "ci"',
        'create leases.coordination.k8s.io in namespace "ci"',
        f'update leases.coordination.k8s.io "{lease}" in namespace "ci"',
        f'delete leases.coordination.k8s.io "{lease}" in namespace "ci"',
        'get deployments.apps "web" in namespace "ci"',
        'list replicasets.apps in namespace "ci"',
        'get configmaps "settings" in namespace "ci"',
        'create configmaps in namespace "ci"',
        'get services "web-svc" in namespace "ci"',
        'patch services "web-svc" in namespace "ci"',
        'patch deployments.apps "web" in namespace "ci"',
        'list pods in namespace "ci"',
        'list events in namespace "ci"',
        'list services in namespace "ci"',
        'get services/proxy "web-svc:80" in namespace "ci"',
    ]


def test_need_attributes():
    assert Need("get", "", "services", "proxy", "web:80").attributes("ci") == {
        "namespace": "ci",
        "verb": "get",
        "group": "",
        "resource": "services",
        "subresource": "proxy",
        "name": "web:80",
    }
    assert Need("list", "", "pods").attributes("ci") == {
        "namespace": "ci",
        "verb": "list",
        "group": "",
        "resource": "pods",
    }


@pytest.mark.parametrize(
    ("answers", "lines"),
    [
        pytest.param(
            [{"status": {"allowed": True}}] * 2,
            ['preflight: ok: 2 permissions checked in namespace "ci"'],
            id="all-allowed",
        ),
        pytest.param(
            [{"status": {"allowed": True}}, {"status": {"allowed": False}}],
            ['preflight: cannot patch deployments.apps "web" in namespace "ci"'],
            id="patch-missing",
        ),
        pytest.param(
            [{"status": {"allowed": True, "denied": True}}, {}],
            [
                'preflight: cannot list pods in namespace "ci"',
                'preflight: cannot patch deployments.apps "web" in namespace "ci"',
            ],
            id="denied-and-no-status",
        ),
    ],
)
def test_preflight_verdict(answers, lines):
    needs = [Need("list", "", "pods"), Need("patch", "apps", "deployments", name="web")]
    found = preflight.verdict(needs, answers, "ci")
    assert found.lines() == lines
    assert found.ok == (len(lines) == 1 and "ok:" in lines[0])


def test_preflight_summary_counts_the_rest():
    needs = [Need("list", "", "pods"), Need("list", "", "events")]
    found = preflight.verdict(needs, [{}, {}], "ci")
    assert found.summary() == 'cannot list pods in namespace "ci" (and 1 more)'


def test_review_body():
    assert preflight.review_body(Need("create", "coordination.k8s.io", "leases"), "ci") == {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {
                "namespace": "ci",
                "verb": "create",
                "group": "coordination.k8s.io",
                "resource": "leases",
            }
        },
    }


def test_role_outcome_and_merge():
    targets = [Target("Deployment", "web")]
    desired = account.role("ci", "cd-agent", permissions.role_rules(targets), targets)
    assert desired["metadata"]["name"] == "cd-agent-deliver"
    assert desired["metadata"]["annotations"] == {"deliver.kubeferry.io/for": "deployment/web"}
    assert account.outcome(None, desired) == "created"
    live = {**desired, "metadata": {**desired["metadata"], "resourceVersion": "7"}}
    assert account.outcome(live, desired) == "unchanged"
    narrowed = {**live, "rules": live["rules"][1:]}
    assert account.outcome(narrowed, desired) == "configured"
    merged = account.merged_role(narrowed, desired)
    assert merged["rules"] == desired["rules"] and merged["metadata"]["resourceVersion"] == "7"


def test_binding_conflict_and_subjects():
    desired = account.role_binding("ci", "cd-agent")
    assert account.binding_conflict(desired, desired) == ""
    other = {**desired, "roleRef": {"kind": "ClusterRole", "name": "edit"}}
    assert account.binding_conflict(other, desired) == (
        'rolebinding "cd-agent-deliver" already exists with roleRef ClusterRole/edit; '
        "delete it first (a roleRef cannot be changed)"
    )
    assert account.binding_with_subject(desired, desired) is None
    emptied = {**desired, "subjects": []}
    assert account.binding_with_subject(emptied, desired)["subjects"] == desired["subjects"]


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("cd-agent", True),
        ("a", True),
        ("Agent", False),
        ("-a", False),
        ("a_b", False),
        ("a" * 55, True),
        ("a" * 56, False),
    ],
)
def test_check_name(name, ok):
    if ok:
        assert account.check_name(name) == name
    else:
        with pytest.raises(ValueError):
            account.check_name(name)


def test_check_duration():
    assert account.check_duration(3600.0) == 3600
    with pytest.raises(ValueError) as e:
        account.check_duration(599)
    assert str(e.value) == "--duration must be at least 10m (a token request's shortest lifetime)"


def test_kubeconfig():
    doc = account.kubeconfig("kubeferry-dev", "https://127.0.0.1:6443", "ci", "cd-agent", "tok", ca_pem=b"PEM")
    assert doc["clusters"] == [
        {"name": "kubeferry-dev", "cluster": {"server": "https://127.0.0.1:6443", "certificate-authority-data": "UEVN"}}
    ]
    assert doc["users"] == [{"name": "cd-agent@kubeferry-dev", "user": {"token": "tok"}}]
    assert doc["contexts"][0]["context"] == {
        "cluster": "kubeferry-dev",
        "user": "cd-agent@kubeferry-dev",
        "namespace": "ci",
    }
    assert doc["current-context"] == "cd-agent@kubeferry-dev"
