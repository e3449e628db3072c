"""The chapter's rollouts with the real kubectl against a server on the virtual clock.

The test owns time: it advances the cluster clock through `kubectl create --raw
/kubeferry/v1/clock/advance`, so every rollout step is exact and quick.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from conftest import advance, apply, get, settle, start_server

pytestmark = pytest.mark.e2e

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-app
spec:
  replicas: 5
  selector:
    matchLabels:
      app: my-app
  template:
    metadata:
      labels:
        app: my-app
      annotations:
        sim.kubeferry.io/startup-seconds: "5"
    spec:
      containers:
      - name: app
        image: alpine:3.5
"""


@pytest.fixture(scope="module")
def vserver(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("virtual"), "--clock", "virtual", "--start-time", "2026-01-01T00:00:00Z")
    yield srv
    srv.stop()


@pytest.fixture
def ns(vserver, request) -> str:
    name = "r-" + request.node.name.replace("_", "-")[5:40].strip("-")
    result = vserver.kubectl("create", "namespace", name)
    assert result.returncode == 0, result.stderr
    return name


def status_during(server, ns, steps: list[float], *args: str) -> tuple[int, list[str]]:
    """Run `kubectl rollout status` while the clock advances by each step; its exit code and lines.

    The clock moves only after kubectl has printed its first line (it is watching by then), so
    the progression does not depend on how fast the machine is.
    """
    proc = subprocess.Popen(
        [*server.kubectl_argv("rollout", "status", "-n", ns, "deployment/my-app", *args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=server.env(),
    )
    first = proc.stdout.readline()
    for step in steps:
        advance(server, step)
        time.sleep(0.15)
    out, _ = proc.communicate(timeout=60)
    return proc.returncode, (first + out).splitlines()


def test_clock_endpoint_and_errors(vserver):
    clock = json.loads(vserver.kubectl("get", "--raw", "/kubeferry/v1/clock").stdout)
    assert clock["mode"] == "virtual" and clock["now"].endswith("Z")
    bad = vserver.data_dir / "bad.json"
    bad.write_text('{"seconds": -1}')
    result = vserver.kubectl("create", "--raw", "/kubeferry/v1/clock/advance", "-f", str(bad))
    assert result.returncode == 1 and "greater than 0" in result.stderr


def test_set_image_rolls_out_with_kubectl_wording(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP)
    advance(vserver, 10)
    assert (
        vserver.kubectl("rollout", "status", "-n", ns, "deployment/my-app").stdout.strip()
        == 'deployment "my-app" successfully rolled out'
    )
    result = vserver.kubectl("set", "image", "-n", ns, "deployment/my-app", "app=alpine:3.6")
    assert result.returncode == 0, result.stderr
    code, lines = status_during(vserver, ns, [5, 5, 5, 5, 5])
    assert code == 0, lines
    assert lines[-1] == 'deployment "my-app" successfully rolled out'
    waiting = [line for line in lines[:-1] if line.startswith('Waiting for deployment "my-app" rollout to finish: ')]
    assert waiting == lines[:-1] and waiting
    assert any("new replicas have been updated" in line for line in waiting)
    deploy = get(vserver, ns, "deployment", "my-app")
    assert deploy["status"]["updatedReplicas"] == 5 and deploy["status"]["availableReplicas"] == 5
    assert deploy["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    images = {p["spec"]["containers"][0]["image"] for p in get(vserver, ns, "pods")["items"]}
    assert images == {"alpine:3.6"}
    conditions = {c["type"]: c["reason"] for c in deploy["status"]["conditions"]}
    assert conditions == {"Available": "MinimumReplicasAvailable", "Progressing": "NewReplicaSetAvailable"}


def test_history_undo_and_renumbering(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP)
    advance(vserver, 10)
    assert vserver.kubectl("set", "image", "-n", ns, "deployment/my-app", "app=alpine:3.6").returncode == 0
    # Annotating after the update puts the cause on the new ReplicaSet (the controller copies it).
    vserver.kubectl("annotate", "-n", ns, "deployment/my-app", "kubernetes.io/change-cause=image 3.6", "--overwrite")
    advance(vserver, 30)
    patched = vserver.kubectl(
        "patch",
        "-n",
        ns,
        "deployment/my-app",
        "--record",
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"DEMO","value":"1"}]}]}}}}',
    )
    assert patched.returncode == 0, patched.stderr
    advance(vserver, 30)
    history = vserver.kubectl("rollout", "history", "-n", ns, "deployment/my-app")
    lines = history.stdout.splitlines()
    assert lines[0] == "deployment.apps/my-app "
    assert lines[1].split() == ["REVISION", "CHANGE-CAUSE"]
    assert lines[2].split(None, 1) == ["1", "<none>"]
    assert lines[3].split(None, 1) == ["2", "image 3.6"]
    assert lines[4].startswith("3 ") and "kubectl patch" in lines[4]
    undo = vserver.kubectl("rollout", "undo", "-n", ns, "deployment/my-app")
    assert undo.stdout.strip() == "deployment.apps/my-app rolled back", undo.stderr
    advance(vserver, 30)
    revisions = [
        line.split()[0]
        for line in vserver.kubectl("rollout", "history", "-n", ns, "deployment/my-app").stdout.splitlines()[2:]
        if line.strip()
    ]
    assert revisions == ["1", "3", "4"]
    pods = get(vserver, ns, "pods")["items"]
    assert all("env" not in p["spec"]["containers"][0] for p in pods if not p["metadata"].get("deletionTimestamp"))
    missing = vserver.kubectl("rollout", "undo", "-n", ns, "deployment/my-app", "--to-revision=2")
    assert missing.returncode == 1 and "unable to find specified revision 2 in history" in missing.stderr
    to_one = vserver.kubectl("rollout", "undo", "-n", ns, "deployment/my-app", "--to-revision=1")
    assert to_one.stdout.strip() == "deployment.apps/my-app rolled back", to_one.stderr
    advance(vserver, 30)
    assert {p["spec"]["containers"][0]["image"] for p in get(vserver, ns, "pods")["items"]} == {"alpine:3.5"}


def test_pause_makes_no_replicaset_until_resume(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP)
    advance(vserver, 10)
    assert (
        vserver.kubectl("rollout", "pause", "-n", ns, "deployment/my-app").stdout.strip()
        == "deployment.apps/my-app paused"
    )
    assert vserver.kubectl("set", "image", "-n", ns, "deployment/my-app", "app=alpine:3.6").returncode == 0
    advance(vserver, 30)
    assert len(get(vserver, ns, "replicasets")["items"]) == 1
    scaled = vserver.kubectl("scale", "-n", ns, "deployment/my-app", "--replicas=3")
    assert scaled.returncode == 0
    advance(vserver, 10)
    assert len([p for p in get(vserver, ns, "pods")["items"] if not p["metadata"].get("deletionTimestamp")]) == 3
    assert (
        vserver.kubectl("rollout", "resume", "-n", ns, "deployment/my-app").stdout.strip()
        == "deployment.apps/my-app resumed"
    )
    advance(vserver, 30)
    rs = get(vserver, ns, "replicasets")["items"]
    assert len(rs) == 2
    assert (
        vserver.kubectl("rollout", "status", "-n", ns, "deployment/my-app").stdout.strip()
        == 'deployment "my-app" successfully rolled out'
    )


def test_never_ready_rollout_exceeds_its_progress_deadline(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP.replace("replicas: 5", "replicas: 3\n  progressDeadlineSeconds: 60"))
    advance(vserver, 10)
    patch = '{"spec":{"template":{"metadata":{"annotations":{"sim.kubeferry.io/outcome":"never-ready"}}}}}'
    assert vserver.kubectl("patch", "-n", ns, "deployment/my-app", "-p", patch).returncode == 0
    code, lines = status_during(vserver, ns, [30, 30, 30])
    assert code == 1, lines
    assert lines[-1] == 'error: deployment "my-app" exceeded its progress deadline'
    deploy = get(vserver, ns, "deployment", "my-app")
    progressing = next(c for c in deploy["status"]["conditions"] if c["type"] == "Progressing")
    assert progressing["status"] == "False" and progressing["reason"] == "ProgressDeadlineExceeded"


def test_recreate_replaces_all_pods_at_once(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP.replace("  replicas: 5\n", "  replicas: 3\n  strategy:\n    type: Recreate\n"))
    advance(vserver, 10)
    old = {p["metadata"]["name"] for p in get(vserver, ns, "pods")["items"]}
    assert vserver.kubectl("set", "image", "-n", ns, "deployment/my-app", "app=alpine:3.6").returncode == 0
    settle(vserver)
    pods = get(vserver, ns, "pods")["items"]
    assert not any(p["spec"]["containers"][0]["image"] == "alpine:3.6" for p in pods if p["metadata"]["name"] in old)
    advance(vserver, 10)
    pods = get(vserver, ns, "pods")["items"]
    assert len(pods) == 3 and {p["spec"]["containers"][0]["image"] for p in pods} == {"alpine:3.6"}
    assert not old & {p["metadata"]["name"] for p in pods}


def test_revision_history_limit_prunes_old_replicasets(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP.replace("  replicas: 5\n", "  replicas: 1\n  revisionHistoryLimit: 1\n"))
    advance(vserver, 10)
    for tag in ("3.6", "3.7", "3.8"):
        assert vserver.kubectl("set", "image", "-n", ns, "deployment/my-app", f"app=alpine:{tag}").returncode == 0
        advance(vserver, 20)
    rs = get(vserver, ns, "replicasets")["items"]
    assert sorted(r["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for r in rs) == ["3", "4"]


def test_min_ready_seconds_delays_availability(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP.replace("  replicas: 5\n", "  replicas: 2\n  minReadySeconds: 10\n"))
    advance(vserver, 6)
    status = get(vserver, ns, "deployment", "my-app")["status"]
    assert status["readyReplicas"] == 2 and status.get("availableReplicas", 0) == 0
    advance(vserver, 10)
    assert get(vserver, ns, "deployment", "my-app")["status"]["availableReplicas"] == 2
