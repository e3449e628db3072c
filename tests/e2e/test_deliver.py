"""`kubeferry deliver` against a real server process on the virtual clock.

The deliver process polls the cluster while this test moves the cluster clock forward from the
main thread (`/kubeferry/v1/clock/advance`, one step after another until the process exits), so
pods start, crash or miss their deadline exactly as their simulated behaviour says, however fast
the machine is.  Pod behaviour comes from image rules in `kube-system/kubeferry-simulation`
(`e2e/pull*` cannot be pulled, `e2e/crash*` crash-loops, `e2e/never*` never gets Ready), and every
workload answers HTTP through its Service with `{pod} v-{tag} is running...`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from xml.etree import ElementTree as ET

import pytest
from conftest import advance, apply, get, start_server

pytestmark = pytest.mark.e2e

RULES = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: kubeferry-simulation
  namespace: kube-system
data:
  rules.yaml: |
    - {image: "e2e/pull*", outcome: image-pull-error}
    - {image: "e2e/crash*", outcome: crash-loop}
    - {image: "e2e/never*", outcome: never-ready}
"""

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 3
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
        image: {image}
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: {name}-svc
spec:
  selector:
    app: {name}
  ports:
  - port: 80
    targetPort: 80
"""

DS = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
      annotations:
        sim.kubeferry.io/startup-seconds: "2"
    spec:
      containers:
      - name: agent
        image: e2e/agent:1.0
"""

STS = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 2
  serviceName: db
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
      annotations:
        sim.kubeferry.io/startup-seconds: "2"
    spec:
      containers:
      - name: db
        image: e2e/db:1.0
"""

STEP_SECONDS = 5  # virtual seconds per clock step while a deliver runs
# Real seconds a clock step waits for deliver to look (it polls every 250 ms) unless deliver has printed
# since the last step: without the wait a busy machine could move the clock past a Deployment's progress
# deadline between two of deliver's looks, and the deadline would fail the rollout before the fail-fast
# diagnosis (crash loop, pull back-off) that a user's cluster, whose clock does not race, shows first.
PACE_SECONDS = 0.6
RUN_LIMIT = 180  # real seconds a deliver run may take before the test gives up on it


@pytest.fixture(scope="module")
def vserver(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("deliver"), "--clock", "virtual", "--start-time", "2026-01-01T00:00:00Z")
    path = srv.data_dir / "rules.yaml"
    path.write_text(RULES)
    result = srv.kubectl("apply", "-f", str(path))
    assert result.returncode == 0, result.stderr
    yield srv
    srv.stop()


@pytest.fixture
def ns(vserver, request) -> str:
    name = "d-" + request.node.name.replace("_", "-").replace("[", "-").replace("]", "")[5:45].strip("-").lower()
    result = vserver.kubectl("create", "namespace", name)
    assert result.returncode == 0, result.stderr
    return name


def ci_env(server) -> dict:
    env = server.env({"CI": "true"})
    for name in list(env):
        if name.startswith(("GITHUB_", "GITLAB_")) or name in ("GIT_COMMIT", "BUILD_URL"):
            del env[name]
    return env


class Run:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def deliver(server, ns, *args: str, advance_after: str | None = None, env: dict | None = None) -> Run:
    """Run `kubeferry deliver -n NS ARGS`, moving the cluster clock until it exits.

    With `advance_after`, the clock stands still until that text appears on stdout.
    """
    argv = [sys.executable, "-m", "kubeferry.cli.main", "deliver", "-n", ns, *args]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**ci_env(server), **(env or {})}
    )
    lines: list[str] = []
    go = threading.Event()
    if advance_after is None:
        go.set()

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            if advance_after and advance_after in line:
                go.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    limit = time.monotonic() + RUN_LIMIT
    printed, stepped = 0, 0.0
    while proc.poll() is None and time.monotonic() < limit:
        if not go.is_set():
            go.wait(0.05)
        elif len(lines) == printed and time.monotonic() - stepped < PACE_SECONDS:
            time.sleep(0.05)
        else:
            printed = len(lines)
            advance(server, STEP_SECONDS)
            stepped = time.monotonic()
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    reader.join(timeout=30)
    return Run(proc.returncode, "".join(lines), proc.stderr.read())


def responses(server, ns, service: str, count: int = 6) -> set[str]:
    """The distinct version words (`v-1.0`) the Service answers with over `count` requests."""
    seen = set()
    for _ in range(count):
        result = server.kubectl("get", "--raw", f"/api/v1/namespaces/{ns}/services/{service}:80/proxy/")
        assert result.returncode == 0, result.stderr
        seen.add(result.stdout.split()[1])
    return seen


def setup_app(server, ns, tmp_path, name: str = "web") -> None:
    apply(server, ns, tmp_path, APP.format(name=name, image="e2e/app:1.0"))
    advance(server, 10)
    assert get(server, ns, f"deployment/{name}")["status"].get("availableReplicas") == 3


def leases(server, ns) -> list[str]:
    return [item["metadata"]["name"] for item in get(server, ns, "leases")["items"]]


# -- success ---------------------------------------------------------------------------------------


def test_success_updates_checks_and_records_cause(vserver, ns, tmp_path):
    setup_app(vserver, ns, tmp_path)
    report, junit = tmp_path / "r.json", tmp_path / "r.xml"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SHA": "0123456789abcdef",
        "GITHUB_ACTOR": "octocat",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_RUN_ID": "42",
        "GITHUB_SERVER_URL": "https://github.com",
    }
    run = deliver(
        vserver,
        ns,
        "deployment/web",
        "--image",
        "app=e2e/app:2.0",
        "--check",
        "body=v-2.0,successes=3,interval=100ms",
        "--report",
        str(report),
        "--junit",
        str(junit),
        env=env,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads(report.read_text())
    assert (doc["result"], doc["exitCode"]) == ("delivered", 0)
    assert doc["revision"] == {"before": 1, "after": 2, "final": 2}
    assert doc["images"] == {"before": {"app": "e2e/app:1.0"}, "after": {"app": "e2e/app:2.0"}}
    assert [(p["name"], p["status"]) for p in doc["phases"]] == [
        ("lock", "passed"),
        ("apply", "passed"),
        ("rollout", "passed"),
        ("check /", "passed"),
    ]
    assert doc["checks"][0]["result"] == "passed" and doc["checks"][0]["service"] == "web-svc"
    cause = "kubeferry deliver app=e2e/app:2.0 (commit 0123456789ab by octocat, https://github.com/o/r/actions/runs/42)"
    assert doc["cause"] == cause
    assert doc["lock"]["holder"] == "octocat via https://github.com/o/r/actions/runs/42"
    history = vserver.kubectl("rollout", "history", "-n", ns, "deployment/web")
    assert history.stdout.splitlines()[-2].split(None, 1) == ["2", cause]
    suite = ET.fromstring(junit.read_text().split("\n", 1)[1]).find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("4", "0")
    assert responses(vserver, ns, "web-svc") == {"v-2.0"}
    assert leases(vserver, ns) == []  # released
    assert "::error" not in run.stdout
    # plain CI lines carry a timestamp
    assert run.stdout.splitlines()[0].split(" ", 1)[0].endswith("Z")


# -- failures roll back ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "reason", "headline"),
    [
        pytest.param(
            "e2e/pull:2.0", "ImagePullBackOff", 'deployment "web" rollout failed: pod "', id="image-pull-error"
        ),
        pytest.param("e2e/crash:2.0", "CrashLoopBackOff", 'deployment "web" rollout failed: pod "', id="crash-loop"),
        pytest.param("e2e/never:2.0", "NotReady", 'deployment "web" exceeded its progress deadline', id="never-ready"),
    ],
)
def test_failed_rollout_rolls_back(vserver, ns, tmp_path, image, reason, headline):
    setup_app(vserver, ns, tmp_path)
    report, junit = tmp_path / "r.json", tmp_path / "r.xml"
    run = deliver(
        vserver,
        ns,
        "deployment/web",
        "--image",
        f"app={image}",
        "--check",
        "/",
        "--report",
        str(report),
        "--junit",
        str(junit),
    )
    assert run.returncode == 1, run.stdout + run.stderr
    doc = json.loads(report.read_text())
    assert (doc["result"], doc["exitCode"]) == ("rolled-back", 1)
    assert doc["message"].startswith(headline)
    assert doc["diagnosis"]["reason"] == reason
    assert doc["revision"] == {"before": 1, "after": 2, "final": 3}
    assert doc["rollback"]["result"] == "succeeded" and doc["rollback"]["toRevision"] == 1
    assert [(p["name"], p["status"]) for p in doc["phases"]] == [
        ("lock", "passed"),
        ("apply", "passed"),
        ("rollout", "failed"),
        ("check /", "skipped"),
        ("rollback", "passed"),
        ("rollback-rollout", "passed"),
    ]
    failure = ET.fromstring(junit.read_text().split("\n", 1)[1]).find("testsuite/testcase[@name='rollout']/failure")
    assert failure.get("message") == doc["message"]
    assert run.stderr.startswith(f"error: deployment/web: {headline}")
    deployment = get(vserver, ns, "deployment/web")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "e2e/app:1.0"
    assert responses(vserver, ns, "web-svc") == {"v-1.0"}
    assert leases(vserver, ns) == []


def test_failed_http_check_rolls_back(vserver, ns, tmp_path):
    setup_app(vserver, ns, tmp_path)
    report = tmp_path / "r.json"
    run = deliver(
        vserver,
        ns,
        "deployment/web",
        "--image",
        "app=e2e/app:2.0",
        "--check",
        "body=v-9.9,failures=2,interval=50ms",
        "--report",
        str(report),
        env={"GITHUB_ACTIONS": "true"},
    )
    assert run.returncode == 1, run.stdout + run.stderr
    doc = json.loads(report.read_text())
    assert doc["result"] == "rolled-back"
    assert doc["checks"][0]["result"] == "failed" and doc["checks"][0]["attempts"] == 2
    assert doc["checks"][0]["problem"] == 'body does not contain "v-9.9"'
    assert doc["message"].startswith('check GET / → 200 containing "v-9.9", 3 in a row failed after 2 requests')
    assert doc["diagnosis"] is None
    assert doc["revision"] == {"before": 1, "after": 2, "final": 3}
    assert responses(vserver, ns, "web-svc") == {"v-1.0"}
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 1 and annotations[0].startswith(
        "::error title=kubeferry deliver%3A deployment/web::check GET /"
    )


def test_timeout_rolls_back_with_exit_2(vserver, ns, tmp_path):
    setup_app(vserver, ns, tmp_path)
    report = tmp_path / "r.json"
    run = deliver(
        vserver,
        ns,
        "deployment/web",
        "--image",
        "app=e2e/app:2.0",
        "--timeout",
        "1s",
        "--rollback-timeout",
        "2m",
        "--report",
        str(report),
        advance_after="timed out waiting for the rollout",
    )
    assert run.returncode == 2, run.stdout + run.stderr
    doc = json.loads(report.read_text())
    assert (doc["result"], doc["message"]) == ("timed-out", "timed out waiting for the rollout")
    assert doc["rollback"]["result"] == "succeeded"
    assert get(vserver, ns, "deployment/web")["spec"]["template"]["spec"]["containers"][0]["image"] == "e2e/app:1.0"


def test_volume_of_a_missing_configmap_fails_fast_and_rolls_back(vserver, ns, tmp_path):
    """A mount that cannot happen (its ConfigMap is missing) is a failure at once, not at the deadline."""
    setup_app(vserver, ns, tmp_path)
    changed = APP.format(name="web", image="e2e/app:2.0").replace(
        "        ports:\n        - containerPort: 80\n",
        "        ports:\n        - containerPort: 80\n        volumeMounts:\n        - {name: cfg, mountPath: /etc/cfg}\n"
        "      volumes:\n      - {name: cfg, configMap: {name: absent}}\n",
        1,
    )
    path = tmp_path / "app.yaml"
    path.write_text(changed)
    report = tmp_path / "r.json"
    run = deliver(vserver, ns, "-f", str(path), "--report", str(report))
    assert run.returncode == 1, run.stdout + run.stderr
    doc = json.loads(report.read_text())
    assert (doc["result"], doc["diagnosis"]["reason"]) == ("rolled-back", "FailedMount")
    assert doc["diagnosis"]["message"] == 'MountVolume.SetUp failed for volume "cfg" : configmap "absent" not found'
    assert doc["diagnosis"]["event"].startswith("Warning FailedMount")
    assert doc["message"].startswith('deployment "web" rollout failed: pod "')  # not the deadline
    assert get(vserver, ns, "deployment/web")["spec"]["template"]["spec"]["containers"][0]["image"] == "e2e/app:1.0"
    assert responses(vserver, ns, "web-svc") == {"v-1.0"}


def test_no_previous_revision_leaves_workload_with_exit_4(vserver, ns, tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(APP.format(name="fresh", image="e2e/pull:1.0"))
    report = tmp_path / "r.json"
    run = deliver(vserver, ns, "-f", str(path), "--report", str(report))
    assert run.returncode == 4, run.stdout + run.stderr
    doc = json.loads(report.read_text())
    assert (doc["result"], doc["exitCode"]) == ("no-previous-revision", 4)
    assert doc["rollback"]["result"] == "no-previous-revision"
    assert "the workload is left as it is" in doc["rollback"]["message"]
    assert doc["revision"]["before"] == 0
    assert get(vserver, ns, "deployment/fresh")["spec"]["template"]["spec"]["containers"][0]["image"] == "e2e/pull:1.0"
    assert get(vserver, ns, "service/fresh-svc")["metadata"]["name"] == "fresh-svc"


# -- lock, dry run, usage --------------------------------------------------------------------------


def test_lock_held_exits_3_naming_holder(vserver, ns, tmp_path):
    setup_app(vserver, ns, tmp_path)
    apply(
        vserver,
        ns,
        tmp_path,
        """\
        apiVersion: coordination.k8s.io/v1
        kind: Lease
        metadata:
          name: kubeferry-deliver-deployment-web
        spec:
          holderIdentity: ci-run-41
          leaseDurationSeconds: 3600
          renewTime: "2099-01-01T00:00:00.000000Z"
        """,
    )
    report = tmp_path / "r.json"
    run = deliver(
        vserver, ns, "deployment/web", "--image", "app=e2e/app:2.0", "--wait-lock", "300ms", "--report", str(report)
    )
    assert run.returncode == 3, run.stdout + run.stderr
    assert run.stderr.startswith("error: deployment/web: deployment/web is being delivered by ci-run-41 (lease ")
    doc = json.loads(report.read_text())
    assert (doc["result"], doc["lock"]["heldBy"]) == ("not-started", "ci-run-41")
    deployment = get(vserver, ns, "deployment/web")
    assert deployment["metadata"]["generation"] == 1  # untouched
    assert leases(vserver, ns) == ["kubeferry-deliver-deployment-web"]


def test_dry_run_changes_nothing(vserver, ns, tmp_path):
    setup_app(vserver, ns, tmp_path)
    before = get(vserver, ns, "deployment/web")
    run = deliver(
        vserver,
        ns,
        "deployment/web",
        "--image",
        "app=e2e/app:2.0",
        "--dry-run",
        "--cause",
        "release 2.0",
        "--check",
        "/",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[:2] == ["--- live/deployments.apps/web", "+++ after/deployments.apps/web"]
    assert "-      - image: e2e/app:1.0" in lines and "+      - image: e2e/app:2.0" in lines
    assert "+    kubernetes.io/change-cause: release 2.0" in lines
    assert lines[lines.index("dry run: nothing was changed; the delivery would:") + 1 :] == [
        f"  take lease {ns}/kubeferry-deliver-deployment-web (now free)",
        '  record change-cause "release 2.0"',
        "  apply deployments.apps/web: app: e2e/app:1.0 → e2e/app:2.0",
        "  wait up to 5m0s for the rollout",
        "  check GET / → 200, 3 in a row through service (the one selecting the pods)",
        "  on failure roll back to revision 1 (app: e2e/app:1.0)",
    ]
    after = get(vserver, ns, "deployment/web")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert leases(vserver, ns) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["deployment/web"],
            "error: give either --image CONTAINER=IMAGE (with KIND/NAME) or -f MANIFESTS",
            id="no-change",
        ),
        pytest.param(
            ["deployment/web", "--image", "nope"],
            'error: invalid --image "nope": expected CONTAINER=IMAGE (or *=IMAGE)',
            id="bad-image",
        ),
        pytest.param(
            ["deployment/web", "--image", "app=x:1", "--check", "colour=red"],
            'error: invalid --check "colour=red": unknown key "colour" (known: path, status, body, service, port, successes, failures, interval)',
            id="bad-check",
        ),
        pytest.param(
            ["deployment/web", "--image", "app=x:1", "--timeout", "soon"],
            'error: invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"',
            id="bad-timeout",
        ),
        pytest.param(
            ["replicaset/web", "--image", "app=x:1"],
            'error: cannot deliver "replicaset/web": only deployments, daemonsets and statefulsets can be delivered',
            id="bad-kind",
        ),
        pytest.param(
            ["deployment/missing", "--image", "app=x:1"],
            'error: deployment/missing: deployments.apps "missing" not found',
            id="missing",
        ),
        pytest.param(
            ["deployment/web", "--image", "nope=x:1"],
            'error: deployment/web: unable to find container named "nope"',
            id="unknown-container",
        ),
    ],
)
def test_usage_errors_exit_3(vserver, ns, tmp_path, args, message):
    setup_app(vserver, ns, tmp_path)
    run = deliver(vserver, ns, *args)
    assert run.returncode == 3, run.stdout + run.stderr
    assert run.stderr.splitlines()[0] == message
    assert get(vserver, ns, "deployment/web")["metadata"]["generation"] == 1


# -- DaemonSets and StatefulSets -------------------------------------------------------------------


def test_daemonset_image_pull_error_rolls_back_via_controller_revision(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, DS)
    advance(vserver, 10)
    report = tmp_path / "r.json"
    run = deliver(vserver, ns, "daemonset/agent", "--image", "agent=e2e/pull:2.0", "--report", str(report))
    assert run.returncode == 1, run.stdout + run.stderr
    doc = json.loads(report.read_text())
    assert doc["diagnosis"]["reason"] == "ImagePullBackOff"
    assert doc["revision"] == {"before": 1, "after": 2, "final": 3}
    assert doc["rollback"]["result"] == "succeeded"
    ds = get(vserver, ns, "daemonset/agent")
    assert ds["spec"]["template"]["spec"]["containers"][0]["image"] == "e2e/agent:1.0"
    pods = get(vserver, ns, "pods", "-l", "app=agent")["items"]
    assert {p["spec"]["containers"][0]["image"] for p in pods if not p["metadata"].get("deletionTimestamp")} == {
        "e2e/agent:1.0"
    }


def test_statefulset_success(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, STS)
    advance(vserver, 10)
    advance(vserver, 10)
    report = tmp_path / "r.json"
    run = deliver(vserver, ns, "statefulset/db", "--image", "db=e2e/db:2.0", "--report", str(report))
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads(report.read_text())
    assert doc["revision"] == {"before": 1, "after": 2, "final": 2}
    assert get(vserver, ns, "statefulset/db")["status"]["updatedReplicas"] == 2
