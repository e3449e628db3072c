"""Who may do what, end to end: a least-privilege CI agent against a real server with the real kubectl.

The admin (the `cluster up` token, in system:masters) sets up namespace `ci`, ServiceAccount
`cd-agent`, a Role allowing get/list/watch/patch/update on Deployments and a RoleBinding; the
agent then works with a `kubectl create token` kubeconfig.  The server runs on the virtual clock
so token expiry is exact.
"""

from __future__ import annotations

import base64
import json
import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from conftest import Server, start_server

from kubeferry.cluster import certs, kubeconfig

pytestmark = pytest.mark.e2e

AGENT = "system:serviceaccount:ci:cd-agent"
UNAUTHORIZED = "error: You must be logged in to the server (Unauthorized)"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Server:
    srv = start_server(tmp_path_factory.mktemp("auth"), "--clock", "virtual", "--nodes", "1")
    setup = [
        ("create", "namespace", "ci"),
        ("create", "namespace", "prod"),
        ("-n", "ci", "create", "serviceaccount", "cd-agent"),
        ("-n", "ci", "create", "deployment", "my-app", "--image=nginx:1.25"),
        ("-n", "prod", "create", "deployment", "my-app", "--image=nginx:1.25"),
        ("-n", "ci", "create", "role", "deployer", "--verb=get,list,watch,patch,update", "--resource=deployments.apps"),
        ("-n", "ci", "create", "rolebinding", "deployer", "--role=deployer", "--serviceaccount=ci:cd-agent"),
    ]
    for argv in setup:
        result = srv.kubectl(*argv)
        assert result.returncode == 0, (argv, result.stderr)
    yield srv
    srv.stop()


def _config(srv: Server, path: Path, user: dict) -> Path:
    config = kubeconfig.build("e2e", srv.url, (srv.data_dir / certs.CA_CERT).read_bytes(), "unused")
    config["users"][0]["user"] = user
    config["contexts"][0]["context"]["namespace"] = "ci"
    path.write_text(yaml.safe_dump(config))
    return path


def _token(srv: Server, *extra: str) -> str:
    result = srv.kubectl("-n", "ci", "create", "token", "cd-agent", *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def agent(cluster: Server, tmp_path_factory):
    path = _config(
        cluster, tmp_path_factory.mktemp("agent") / "kubeconfig", {"token": _token(cluster, "--duration=1h")}
    )

    def run(*args: str, config: Path = path):
        return cluster.kubectl("--kubeconfig", str(config), *args)

    return run


def test_agent_can_set_image_on_its_deployment(agent):
    result = agent("set", "image", "deployment/my-app", "nginx=nginx:1.26")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "deployment.apps/my-app image updated"
    shown = agent("get", "deployment", "my-app", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
    assert shown.stdout == "nginx:1.26"


FORBIDDEN = [
    (
        "delete",
        ("delete", "deployment", "my-app"),
        f'Error from server (Forbidden): deployments.apps "my-app" is forbidden: User "{AGENT}" cannot delete resource '
        '"deployments" in API group "apps" in the namespace "ci"',
    ),
    (
        "other-namespace",
        ("-n", "prod", "set", "image", "deployment/my-app", "nginx=nginx:1.26"),
        f'Error from server (Forbidden): deployments.apps "my-app" is forbidden: User "{AGENT}" cannot get resource '
        '"deployments" in API group "apps" in the namespace "prod"',
    ),
    (
        "secrets",
        ("get", "secrets"),
        f'Error from server (Forbidden): secrets is forbidden: User "{AGENT}" cannot list resource "secrets" in API '
        'group "" in the namespace "ci"',
    ),
    (
        "impersonate",
        ("get", "deployments", "--as", "bob"),
        f'Error from server (Forbidden): users "bob" is forbidden: User "{AGENT}" cannot impersonate resource "users" '
        'in API group "" at the cluster scope',
    ),
]


@pytest.mark.parametrize("argv,message", [c[1:] for c in FORBIDDEN], ids=[c[0] for c in FORBIDDEN])
def test_agent_is_forbidden_beyond_its_role(agent, argv, message):
    result = agent(*argv)
    assert result.returncode == 1
    assert result.stderr.strip() == message


CAN_I = [
    ("patch-deployments", ("patch", "deployments"), "yes", 0),
    ("delete-deployments", ("delete", "deployments"), "no", 1),
    ("get-named", ("get", "deployment/my-app"), "yes", 0),
    ("other-namespace", ("list", "deployments", "-n", "prod"), "no", 1),
    ("secrets", ("get", "secrets"), "no", 1),
    ("scale-subresource", ("patch", "deployments", "--subresource=scale"), "no", 1),
]


@pytest.mark.parametrize("argv,answer,code", [c[1:] for c in CAN_I], ids=[c[0] for c in CAN_I])
def test_auth_can_i(agent, argv, answer, code):
    result = agent("auth", "can-i", *argv)
    assert (result.stdout.strip(), result.returncode) == (answer, code)


def test_auth_can_i_list_shows_the_role(agent):
    result = agent("auth", "can-i", "--list")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    assert ["deployments.apps", "[]", "[]", "[get", "list", "watch", "patch", "update]"] in rows
    assert ["selfsubjectaccessreviews.authorization.k8s.io", "[]", "[]", "[create]"] in rows
    assert not any(row[0].startswith("secrets") for row in rows)


def test_auth_whoami(agent):
    result = agent("auth", "whoami")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ATTRIBUTE", "VALUE"]
    assert lines[1].split() == ["Username", AGENT]
    assert lines[3].split() == [
        "Groups",
        "[system:serviceaccounts",
        "system:serviceaccounts:ci",
        "system:authenticated]",
    ]


def test_admin_can_ask_as_the_agent(cluster):
    no = cluster.kubectl("auth", "can-i", "delete", "deployments", "-n", "ci", "--as", AGENT)
    yes = cluster.kubectl("auth", "can-i", "patch", "deployments", "-n", "ci", "--as", AGENT)
    assert (no.stdout.strip(), yes.stdout.strip()) == ("no", "yes")
    whoami = cluster.kubectl("auth", "whoami", "--as", "bob", "--as-group", "devs")
    assert whoami.stdout.splitlines()[1].split() == ["Username", "bob"]
    assert whoami.stdout.splitlines()[2].split() == ["Groups", "[devs", "system:authenticated]"]
    admin = cluster.kubectl("auth", "whoami")
    assert admin.stdout.splitlines()[2].split() == ["Groups", "[system:masters", "system:authenticated]"]


def test_escalation_through_a_role_binding_is_refused(cluster, tmp_path):
    steps = [
        ("-n", "ci", "create", "serviceaccount", "binder"),
        ("-n", "ci", "create", "role", "binder", "--verb=create", "--resource=rolebindings.rbac.authorization.k8s.io"),
        ("-n", "ci", "create", "rolebinding", "binder", "--role=binder", "--serviceaccount=ci:binder"),
    ]
    for argv in steps:
        assert cluster.kubectl(*argv).returncode == 0
    token = cluster.kubectl("-n", "ci", "create", "token", "binder").stdout.strip()
    config = _config(cluster, tmp_path / "binder", {"token": token})
    result = cluster.kubectl(
        "--kubeconfig",
        str(config),
        "create",
        "rolebinding",
        "pwn",
        "--clusterrole=cluster-admin",
        "--serviceaccount=ci:binder",
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        'error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "pwn" is forbidden: user '
        '"system:serviceaccount:ci:binder" (groups=["system:serviceaccounts" "system:serviceaccounts:ci" '
        '"system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n'
    )
    assert cluster.kubectl("-n", "ci", "get", "rolebinding", "pwn").returncode == 1


def _request(srv: Server, method: str, path: str, token: str, body: bytes | None = None, content_type: str = ""):
    context = ssl.create_default_context(cafile=str(srv.data_dir / certs.CA_CERT))
    request = urllib.request.Request(srv.url + path, data=body, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_rest_patch_with_the_agent_token(cluster):
    token = _token(cluster)
    patch = b'{"spec":{"template":{"metadata":{"labels":{"track":"ci"}}}}}'
    smp = "application/strategic-merge-patch+json"
    code, body = _request(cluster, "PATCH", "/apis/apps/v1/namespaces/ci/deployments/my-app", token, patch, smp)
    assert code == 200
    assert body["spec"]["template"]["metadata"]["labels"]["track"] == "ci"
    code, body = _request(cluster, "PATCH", "/apis/apps/v1/namespaces/prod/deployments/my-app", token, patch, smp)
    assert code == 403
    assert body["reason"] == "Forbidden"
    assert body["details"] == {"name": "my-app", "group": "apps", "kind": "deployments"}


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not-a-token", id="garbage"),
        pytest.param(
            "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMuY2x1c3Rlci5sb2NhbCJ9.AAAA",
            id="forged",
        ),
    ],
)
def test_bad_tokens_get_401(cluster, tmp_path, token):
    config = _config(cluster, tmp_path / "bad", {"token": token})
    result = cluster.kubectl("--kubeconfig", str(config), "get", "deployments")
    assert (result.returncode, result.stderr.strip()) == (1, UNAUTHORIZED)
    code, body = _request(cluster, "GET", "/api/v1/namespaces/ci/pods", token)
    assert (code, body["reason"], body["message"]) == (401, "Unauthorized", "Unauthorized")


def test_tampered_token_gets_401(cluster, tmp_path):
    header, claims, signature = _token(cluster).split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    decoded["kubernetes.io"]["namespace"] = "prod"
    forged = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    config = _config(cluster, tmp_path / "tampered", {"token": f"{header}.{forged}.{signature}"})
    result = cluster.kubectl("--kubeconfig", str(config), "get", "deployments")
    assert result.stderr.strip() == UNAUTHORIZED


def test_client_certificate_user(cluster, tmp_path):
    cert, key = certs.issue_client_certificate(cluster.data_dir, "jane", ["devs"])
    assert (
        cluster.kubectl("create", "clusterrolebinding", "devs-view", "--clusterrole=view", "--group=devs").returncode
        == 0
    )
    user = {
        "client-certificate-data": base64.b64encode(cert).decode(),
        "client-key-data": base64.b64encode(key).decode(),
    }
    config = _config(cluster, tmp_path / "jane", user)
    whoami = cluster.kubectl("--kubeconfig", str(config), "auth", "whoami")
    assert whoami.stdout.splitlines()[1].split() == ["Username", "jane"]
    assert whoami.stdout.splitlines()[2].split() == ["Groups", "[devs", "system:authenticated]"]
    assert cluster.kubectl("--kubeconfig", str(config), "get", "deployment", "my-app").returncode == 0
    denied = cluster.kubectl("--kubeconfig", str(config), "delete", "deployment", "my-app")
    assert denied.stderr.strip() == (
        'Error from server (Forbidden): deployments.apps "my-app" is forbidden: User "jane" cannot delete resource '
        '"deployments" in API group "apps" in the namespace "ci"'
    )


def test_legacy_token_secret_is_filled_and_works(cluster, tmp_path):
    manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "cd-agent-token",
            "namespace": "ci",
            "annotations": {"kubernetes.io/service-account.name": "cd-agent"},
        },
        "type": "kubernetes.io/service-account-token",
    }
    assert cluster.kubectl("apply", "-f", "-", input=json.dumps(manifest)).returncode == 0
    assert cluster.kubectl("create", "--raw", "/kubeferry/v1/settle", "-f", "-", input="{}").returncode == 0
    encoded = cluster.kubectl("-n", "ci", "get", "secret", "cd-agent-token", "-o", "jsonpath={.data.token}").stdout
    token = base64.b64decode(encoded).decode()
    config = _config(cluster, tmp_path / "legacy", {"token": token})
    result = cluster.kubectl("--kubeconfig", str(config), "auth", "whoami")
    assert result.stdout.splitlines()[1].split() == ["Username", AGENT]
    assert cluster.kubectl("-n", "ci", "delete", "secret", "cd-agent-token").returncode == 0
    assert cluster.kubectl("--kubeconfig", str(config), "get", "deployments").stderr.strip() == UNAUTHORIZED


def test_audit_log_records_who_did_what(cluster, agent):
    agent("delete", "deployment", "my-app")
    lines = [json.loads(line) for line in (cluster.data_dir / "audit.log").read_text().splitlines()]
    denied = [
        e
        for e in lines
        if e["verb"] == "delete" and e.get("objectRef", {}).get("name") == "my-app" and e["user"]["username"] == AGENT
    ]
    assert denied, "no audit event for the refused delete"
    event = denied[-1]
    assert event["objectRef"] == {
        "resource": "deployments",
        "namespace": "ci",
        "name": "my-app",
        "apiGroup": "apps",
        "apiVersion": "v1",
    }
    assert event["responseStatus"]["code"] == 403
    assert event["level"] == "Metadata"
    assert event["requestReceivedTimestamp"] <= event["stageTimestamp"]


def test_expired_token_gets_401(cluster, tmp_path):
    """Last: it moves the cluster clock past the agent's one-hour tokens."""
    config = _config(cluster, tmp_path / "short", {"token": _token(cluster, "--duration=1h")})
    assert cluster.kubectl("--kubeconfig", str(config), "get", "deployments").returncode == 0
    advanced = cluster.kubectl("create", "--raw", "/kubeferry/v1/clock/advance", "-f", "-", input='{"seconds": 3700}')
    assert advanced.returncode == 0, advanced.stderr
    result = cluster.kubectl("--kubeconfig", str(config), "get", "deployments")
    assert (result.returncode, result.stderr.strip()) == (1, UNAUTHORIZED)


def test_node_restriction_over_https(cluster, tmp_path):
    me = json.loads(cluster.kubectl("get", "nodes", "-o", "json").stdout)["items"][0]["metadata"]["name"]
    other = "a-node-elsewhere"  # NodeRestriction compares names; the node need not exist
    for name, node in (("on-mine", me), ("on-theirs", other)):
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "ci"},
            "spec": {"nodeName": node, "containers": [{"name": "app", "image": "nginx"}]},
        }
        assert cluster.kubectl("apply", "-f", "-", input=json.dumps(pod)).returncode == 0
    cert, key = certs.issue_client_certificate(cluster.data_dir, f"system:node:{me}", ["system:nodes"])
    (tmp_path / "node.crt").write_bytes(cert)
    (tmp_path / "node.key").write_bytes(key)
    context = ssl.create_default_context(cafile=str(cluster.data_dir / certs.CA_CERT))
    context.load_cert_chain(str(tmp_path / "node.crt"), str(tmp_path / "node.key"))

    def patch_status(name: str):
        # what a kubelet sends: a status patch, no read first
        request = urllib.request.Request(
            f"{cluster.url}/api/v1/namespaces/ci/pods/{name}/status",
            data=b'{"status":{"message":"seen"}}',
            method="PATCH",
            headers={"Content-Type": "application/merge-patch+json"},
        )
        try:
            with urllib.request.urlopen(request, context=context, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    code, own = patch_status("on-mine")
    assert (code, own["status"]["message"]) == (200, "seen")
    code, refused = patch_status("on-theirs")
    assert (code, refused["reason"], refused["message"]) == (
        403,
        "Forbidden",
        f'pods "on-theirs" is forbidden: node "{me}" can only update pod status for pods with spec.nodeName set to itself',
    )


def test_aggregated_cluster_role_gains_a_labelled_roles_rules(cluster):
    extra = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "widgets-view", "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
        "rules": [{"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get", "list", "watch"]}],
    }
    assert cluster.kubectl("apply", "-f", "-", input=json.dumps(extra)).returncode == 0
    for _ in range(100):
        view = json.loads(cluster.kubectl("get", "clusterrole", "view", "-o", "json").stdout)
        if extra["rules"][0] in view["rules"]:
            break
        time.sleep(0.05)
    assert extra["rules"][0] in view["rules"]


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        pytest.param(
            {"user": ["x"]},
            "cannot unmarshal array into Go struct field SubjectAccessReviewSpec.spec.user of type string",
            id="user-list",
        ),
        pytest.param(
            {"user": 5},
            "cannot unmarshal number into Go struct field SubjectAccessReviewSpec.spec.user of type string",
            id="user-number",
        ),
        pytest.param(
            {"groups": [["a"]]},
            "cannot unmarshal array into Go struct field SubjectAccessReviewSpec.spec.groups of type string",
            id="group-list",
        ),
    ],
)
def test_a_mistyped_access_review_is_a_bad_request_not_a_server_error(cluster, tmp_path, spec, complaint):
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {**spec, "resourceAttributes": {"namespace": "ci", "verb": "get", "resource": "pods"}},
    }
    path = tmp_path / "review.json"
    path.write_text(json.dumps(review))
    result = cluster.kubectl("create", "--raw", "/apis/authorization.k8s.io/v1/subjectaccessreviews", "-f", str(path))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'Error from server (BadRequest): SubjectAccessReview in version "v1" cannot be handled as a '
        f"SubjectAccessReview: json: {complaint}"
    )
