"""A least-privilege CI account end to end: `kubeferry ci-account`, then `kubeferry deliver` with its kubeconfig.

The admin (the `cluster up` token) creates a namespace with Deployment `web` (Service `web-svc`)
and Deployment `other`; `kubeferry ci-account cd-agent --for deployment/web` makes the account and
writes its kubeconfig; deliveries then run with that kubeconfig while the test moves the virtual
cluster clock forward (as tests/e2e/test_deliver.py does).
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from conftest import advance, start_server

from kubeferry.cluster import certs

pytestmark = pytest.mark.e2e

RULES = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: kubeferry-simulation
  namespace: kube-system
data:
  rules.yaml: |
    - {image: "e2e/crash*", outcome: crash-loop}
"""

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 2
  progressDeadlineSeconds: 30
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
      annotations:
        sim.kubeferry.io/startup-seconds: "2"
        sim.kubeferry.io/http-response: "{{pod}} v-{{tag}} is running..."
    spec:
      containers:
      - name: app
        image: e2e/app:1.0
        ports:
        - containerPort: 80
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 80
"""

STEP_SECONDS = 5  # virtual seconds per clock step while a deliver runs
RUN_LIMIT = 180  # real seconds a deliver run may take before the test gives up on it
AGENT = "system:serviceaccount:{ns}:cd-agent"


@pytest.fixture(scope="module")
def vserver(tmp_path_factory):
    srv = start_server(
        tmp_path_factory.mktemp("ci-account"), "--clock", "virtual", "--start-time", "2026-01-01T00:00:00Z"
    )
    path = srv.data_dir / "rules.yaml"
    path.write_text(RULES)
    result = srv.kubectl("apply", "-f", str(path))
    assert result.returncode == 0, result.stderr
    yield srv
    srv.stop()


@pytest.fixture
def ns(vserver, request, tmp_path) -> str:
    name = "ca-" + request.node.name.replace("_", "-")[5:40].strip("-").lower()
    result = vserver.kubectl("create", "namespace", name)
    assert result.returncode == 0, result.stderr
    manifests = tmp_path / "app.yaml"
    manifests.write_text(APP.format(name="web") + "---\n" + APP.format(name="other") + "---\n" + SERVICE)
    result = vserver.kubectl("apply", "-n", name, "-f", str(manifests))
    assert result.returncode == 0, result.stderr
    advance(vserver, 10)
    return name


def kubeferry(server, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kubeferry.cli.main", *args],
        capture_output=True,
        text=True,
        env=server.env(env),
        timeout=60,
    )


def ci_account(server, ns, tmp_path, *extra: str) -> tuple[subprocess.CompletedProcess, str]:
    out = tmp_path / "ci.kubeconfig"
    result = kubeferry(server, "ci-account", "cd-agent", "-n", ns, "--kubeconfig-out", str(out), *extra)
    return result, str(out)


def deliver(server, config: str, ns: str, *args: str) -> subprocess.CompletedProcess:
    """`kubeferry deliver` with the CI kubeconfig, the cluster clock moving until it exits."""
    env = {**server.env(), "KUBECONFIG": config, "CI": "true"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubeferry.cli.main", "deliver", "-n", ns, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    chunks: list[str] = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    limit = time.monotonic() + RUN_LIMIT
    while proc.poll() is None and time.monotonic() < limit:
        advance(server, STEP_SECONDS)
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    reader.join(timeout=30)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "".join(chunks), proc.stderr.read())


def untimed(stdout: str) -> list[str]:
    """Plain CI lines without their leading timestamp (dry-run plan lines have none)."""
    return [line.split(" ", 1)[1] if line[:4].isdigit() else line for line in stdout.splitlines()]


def image(server, ns, name: str = "web") -> str:
    result = server.kubectl(
        "get", "-n", ns, "deployment", name, "-o", "jsonpath={.spec.template.spec.containers[0].image}"
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# -- the account ------------------------------------------------------------------------------------


def test_ci_account_creates_the_role_and_a_working_kubeconfig(vserver, ns, tmp_path):
    result, config = ci_account(vserver, ns, tmp_path, "--for", "deployment/web", "--duration", "2h")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "serviceaccount/cd-agent created",
        "role.rbac.authorization.k8s.io/cd-agent-deliver created",
        "rolebinding.rbac.authorization.k8s.io/cd-agent-deliver created",
    ]
    assert lines[3].startswith(f"kubeconfig for cd-agent written to {config} (token expires 2026-01-01T")
    role = json.loads(vserver.kubectl("get", "-n", ns, "role", "cd-agent-deliver", "-o", "json").stdout)
    rules = {(tuple(r["apiGroups"]), tuple(r["resources"])): r for r in role["rules"]}
    assert rules[(("apps",), ("deployments",))]["resourceNames"] == ["web"]
    assert rules[(("apps",), ("deployments",))]["verbs"] == ["get", "list", "watch", "patch", "update"]
    assert rules[(("",), ("services/proxy",))] == {
        "apiGroups": [""],
        "resources": ["services/proxy"],
        "resourceNames": ["web-svc", "web-svc:80", "web-svc:http"],
        "verbs": ["get"],
    }
    leases = [r for r in role["rules"] if r["resources"] == ["leases"]]
    assert [(r["verbs"], r.get("resourceNames")) for r in leases] == [
        (["create"], None),
        (["get", "update", "delete"], ["kubeferry-deliver-deployment-web"]),
    ]
    doc = yaml.safe_load(Path(config).read_text())
    assert doc["contexts"][0]["context"]["namespace"] == ns
    # the token is the account's, and its rights are the role's
    who = vserver.kubectl("--kubeconfig", config, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
    assert who.stdout == AGENT.format(ns=ns)
    for verb, what, answer in [
        ("patch", "deployment/web", "yes"),
        ("patch", "deployment/other", "no"),
        ("delete", "deployment/web", "no"),
        ("get", "secrets", "no"),
        ("list", "pods", "yes"),
    ]:
        can = vserver.kubectl("--kubeconfig", config, "auth", "can-i", verb, what)
        assert can.stdout.strip() == answer, (verb, what, can.stderr)

    again, _ = ci_account(vserver, ns, tmp_path, "--for", "deployment/web")
    assert again.stdout.splitlines()[:3] == [
        "serviceaccount/cd-agent unchanged",
        "role.rbac.authorization.k8s.io/cd-agent-deliver unchanged",
        "rolebinding.rbac.authorization.k8s.io/cd-agent-deliver unchanged",
    ]
    wider, config = ci_account(vserver, ns, tmp_path, "--for", "deployment/web", "--for", "deployment/other")
    assert wider.stdout.splitlines()[1] == "role.rbac.authorization.k8s.io/cd-agent-deliver configured"
    can = vserver.kubectl("--kubeconfig", config, "auth", "can-i", "patch", "deployment/other")
    assert can.stdout.strip() == "yes"


def test_ci_account_prints_the_kubeconfig_to_stdout(vserver, ns):
    result = kubeferry(vserver, "ci-account", "cd-agent", "-n", ns, "--for", "deploy/web")
    assert result.returncode == 0, result.stderr
    doc = yaml.safe_load(result.stdout)
    assert doc["current-context"] == doc["contexts"][0]["name"]
    assert doc["users"][0]["user"]["token"].count(".") == 2
    assert result.stderr.splitlines()[0] == "serviceaccount/cd-agent created"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["cd-agent"],
            "error: give at least one workload with --for KIND/NAME, e.g. --for deployment/my-app",
            id="no-for",
        ),
        pytest.param(
            ["cd-agent", "--for", "service/web"],
            'error: cannot deliver "service/web": only deployments, daemonsets and statefulsets can be delivered',
            id="not-a-workload",
        ),
        pytest.param(
            ["cd-agent", "--for", "deployment/web", "--duration", "5m"],
            "error: --duration must be at least 10m (a token request's shortest lifetime)",
            id="short-duration",
        ),
        pytest.param(
            ["Bad_Name", "--for", "deployment/web"],
            'error: invalid account name "Bad_Name": must be lowercase letters, digits and "-", '
            "start and end with a letter or digit, at most 55 characters",
            id="bad-name",
        ),
    ],
)
def test_ci_account_bad_input(vserver, argv, message):
    result = kubeferry(vserver, "ci-account", *argv)
    assert (result.returncode, result.stderr.strip()) == (3, message)


# -- deliver with the account ------------------------------------------------------------------------


def test_deliver_succeeds_with_the_ci_account(vserver, ns, tmp_path):
    made, config = ci_account(vserver, ns, tmp_path, "--for", "deployment/web")
    assert made.returncode == 0, made.stderr
    run = deliver(
        vserver, config, ns, "deployment/web", "--image", "app=e2e/app:2.0", "--preflight", "--check", "body=v-2.0"
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "✓ preflight: ok: 11 permissions checked in namespace" in run.stdout
    assert image(vserver, ns) == "e2e/app:2.0"
    leases = json.loads(vserver.kubectl("get", "-n", ns, "leases", "-o", "json").stdout)["items"]
    assert leases == []  # taken and released by the account


def test_deliver_failure_rolls_back_with_the_ci_account(vserver, ns, tmp_path):
    made, config = ci_account(vserver, ns, tmp_path, "--for", "deployment/web")
    assert made.returncode == 0, made.stderr
    report = tmp_path / "r.json"
    run = deliver(vserver, config, ns, "deployment/web", "--image", "app=e2e/crash:2.0", "--report", str(report))
    assert run.returncode == 1, run.stdout + run.stderr
    doc = json.loads(report.read_text())
    assert (doc["result"], doc["rollback"]["result"]) == ("rolled-back", "succeeded")
    assert image(vserver, ns) == "e2e/app:1.0"


def test_preflight_names_the_missing_permission(vserver, ns, tmp_path):
    made, config = ci_account(vserver, ns, tmp_path, "--for", "deployment/web")
    assert made.returncode == 0, made.stderr
    narrowed = vserver.kubectl(
        "patch", "-n", ns, "role", "cd-agent-deliver", "--type=json",
        "-p", '[{"op": "replace", "path": "/rules/0/verbs", "value": ["get", "list", "watch"]}]',
    )  # fmt: skip
    assert narrowed.returncode == 0, narrowed.stderr
    run = deliver(vserver, config, ns, "deployment/web", "--image", "app=e2e/app:2.0", "--preflight")
    assert run.returncode == 3, run.stdout + run.stderr
    missing = f'preflight: cannot patch deployments.apps "web" in namespace "{ns}"'
    assert run.stderr.splitlines()[0] == f"error: deployment/web: {missing}"
    assert untimed(run.stdout)[:2] == ["✗ preflight: 1 of 9 permissions missing", f"    {missing}"]
    assert image(vserver, ns) == "e2e/app:1.0"
    json_leases = json.loads(vserver.kubectl("get", "-n", ns, "leases", "-o", "json").stdout)["items"]
    assert json_leases == []  # stopped before the lock

    dry = deliver(vserver, config, ns, "deployment/web", "--image", "app=e2e/app:2.0", "--preflight", "--dry-run")
    assert dry.returncode == 3, dry.stdout + dry.stderr
    assert untimed(dry.stdout)[1] == f"    {missing}"
    assert "dry run" not in dry.stdout  # the server's dry run would be refused too

    restored, _ = ci_account(vserver, ns, tmp_path, "--for", "deployment/web")
    assert restored.stdout.splitlines()[1] == "role.rbac.authorization.k8s.io/cd-agent-deliver configured"
    dry = deliver(vserver, config, ns, "deployment/web", "--image", "app=e2e/app:2.0", "--preflight", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert untimed(dry.stdout)[0] == f'✓ preflight: ok: 9 permissions checked in namespace "{ns}"'
    assert "dry run: nothing was changed; the delivery would:" in dry.stdout
    assert image(vserver, ns) == "e2e/app:1.0"


# -- the chapter's REST PATCH ----------------------------------------------------------------------


def _patch(vserver, ns: str, name: str, token: str) -> tuple[int, dict]:
    body = json.dumps({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "e2e/app:3.0"}]}}}})
    request = urllib.request.Request(
        f"{vserver.url}/apis/apps/v1/namespaces/{ns}/deployments/{name}",
        data=body.encode(),
        method="PATCH",
        headers={"Content-Type": "application/strategic-merge-patch+json", "Authorization": f"Bearer {token}"},
    )
    context = ssl.create_default_context(cafile=str(vserver.data_dir / certs.CA_CERT))
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_rest_patch_with_the_agent_token(vserver, ns, tmp_path):
    made, config = ci_account(vserver, ns, tmp_path, "--for", "deployment/web")
    assert made.returncode == 0, made.stderr
    token = yaml.safe_load(Path(config).read_text())["users"][0]["user"]["token"]
    code, doc = _patch(vserver, ns, "web", token)
    assert code == 200, doc
    assert doc["spec"]["template"]["spec"]["containers"][0]["image"] == "e2e/app:3.0"
    code, doc = _patch(vserver, ns, "other", token)
    assert (code, doc["reason"]) == (403, "Forbidden")
    assert doc["message"] == (
        f'deployments.apps "other" is forbidden: User "{AGENT.format(ns=ns)}" cannot patch resource '
        f'"deployments" in API group "apps" in the namespace "{ns}"'
    )
    assert image(vserver, ns, "other") == "e2e/app:1.0"
