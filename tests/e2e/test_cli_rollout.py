"""`kubeferry rollout …` against a server on the virtual clock, compared line by line with the real kubectl.

The test owns time (`/kubeferry/v1/clock/advance`), so both commands see the same rollout.  Read-only
verbs run side by side on the same object; mutating verbs run on twin workloads (`a` for kubeferry,
`b` for kubectl) and the outputs are compared with the name swapped.  Fail-fast diagnosis (beyond
kubectl) is driven by the simulator's pod template annotations and an unschedulable nodeSelector.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import start_server

pytestmark = pytest.mark.e2e

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  annotations:
    kubernetes.io/change-cause: initial deploy
spec:
  replicas: 3
  progressDeadlineSeconds: 60
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
      annotations:
        sim.kubeferry.io/startup-seconds: "5"
    spec:
      containers:
      - name: app
        image: alpine:3.5
        ports:
        - containerPort: 80
        env:
        - name: MODE
          value: one
"""

DS = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {name}
spec:
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
      annotations:
        sim.kubeferry.io/startup-seconds: "5"
    spec:
      containers:
      - name: agent
        image: busybox:1.36
"""

STS = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {name}
spec:
  replicas: 3
  serviceName: {name}
  selector:
    matchLabels:
      app: {name}
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      partition: {partition}
  template:
    metadata:
      labels:
        app: {name}
      annotations:
        sim.kubeferry.io/startup-seconds: "5"
    spec:
      containers:
      - name: db
        image: redis:7.0
"""


@pytest.fixture(scope="module")
def vserver(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("virtual"), "--clock", "virtual", "--start-time", "2026-01-01T00:00:00Z")
    yield srv
    srv.stop()


@pytest.fixture
def ns(vserver, request) -> str:
    name = "c-" + request.node.name.replace("_", "-").replace("[", "-").replace("]", "")[5:45].strip("-")
    result = vserver.kubectl("create", "namespace", name)
    assert result.returncode == 0, result.stderr
    return name


def kubeferry_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "kubeferry.cli.main", *args]


def kf(server, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(kubeferry_argv(*args), capture_output=True, text=True, env=server.env(), timeout=timeout)


def advance(server, seconds: float) -> None:
    body = server.data_dir / "advance.json"
    body.write_text(json.dumps({"seconds": seconds}))
    result = server.kubectl("create", "--raw", "/kubeferry/v1/clock/advance", "-f", str(body))
    assert result.returncode == 0, result.stderr


def apply(server, ns, tmp_path, text: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(textwrap.dedent(text))
    result = server.kubectl("apply", "-n", ns, "-f", str(path))
    assert result.returncode == 0, result.stderr


def get(server, ns, *what) -> dict:
    result = server.kubectl("get", "-n", ns, *what, "-o", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def same(server, ns, *args: str) -> subprocess.CompletedProcess:
    """Run the same read-only command with both tools; assert identical stdout, stderr and exit code."""
    ours = kf(server, *args[:2], "-n", ns, *args[2:])
    theirs = server.kubectl(*args[:2], "-n", ns, *args[2:])
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr), args
    return ours


def twins(
    server, ns, args_a: list[str], args_b: list[str]
) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    ours = kf(server, *args_a[:2], "-n", ns, *args_a[2:])
    theirs = server.kubectl(*args_b[:2], "-n", ns, *args_b[2:])
    return ours, theirs


def assert_twins(ours, theirs, a="a", b="b"):
    swap = lambda text: text.replace(f"/{b} ", f"/{a} ").replace(f'"{b}"', f'"{a}"').replace(f"/{b}\n", f"/{a}\n")  # noqa: E731
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, swap(theirs.stdout), swap(theirs.stderr))


def during(server, argv: list[str], steps: list[float]) -> tuple[int, str, str]:
    """Run `argv`; once it has printed its first line (the watch is established), advance the clock by each step."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=server.env())
    first = proc.stdout.readline()
    for step in steps:
        advance(server, step)
        time.sleep(0.7)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, first + out, err


def both_during(server, ns, target: str, steps: list[float], *flags: str):
    """kubeferry and kubectl `rollout status` on the same rollout, side by side, while the clock advances."""
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=server.env())
        for argv in (
            kubeferry_argv("rollout", "status", "-n", ns, target, *flags),
            server.kubectl_argv("rollout", "status", "-n", ns, target, *flags),
        )
    ]
    # Both are watching once they have printed their first line; only then does the clock move.
    firsts = [proc.stdout.readline() for proc in procs]
    for step in steps:
        advance(server, step)
        time.sleep(0.7)
    results = []
    for proc, first in zip(procs, firsts, strict=True):
        out, err = proc.communicate(timeout=60)
        results.append((proc.returncode, first + out, err))
    return results


# -- status: kubectl parity ----------------------------------------------------------------------


def test_status_follows_a_rolling_update_like_kubectl(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP.format(name="web"))
    advance(vserver, 10)
    same(vserver, ns, "rollout", "status", "deployment/web")
    assert vserver.kubectl("set", "image", "-n", ns, "deployment/web", "app=alpine:3.6").returncode == 0
    (code_a, out_a, err_a), (code_b, out_b, err_b) = both_during(vserver, ns, "deployment/web", [5, 5, 5, 5])
    assert (code_a, err_a) == (code_b, err_b) == (0, "")
    ours, theirs = out_a.splitlines(), out_b.splitlines()
    assert ours[-1] == theirs[-1] == 'deployment "web" successfully rolled out'
    waiting = 'Waiting for deployment "web" rollout to finish: '
    assert all(line.startswith(waiting) for line in ours[:-1] + theirs[:-1]) and len(ours) >= 2


def test_status_watch_false_timeout_and_revision(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP.format(name="web"))
    advance(vserver, 10)
    assert vserver.kubectl("set", "image", "-n", ns, "deployment/web", "app=alpine:3.6").returncode == 0
    unfinished = same(vserver, ns, "rollout", "status", "deployment/web", "--watch=false")
    assert (
        unfinished.stdout
        == 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n'
    )
    same(vserver, ns, "rollout", "status", "deployment/web", "--revision=1")
    ours = kf(vserver, "rollout", "status", "-n", ns, "deployment/web", "--revision=-1", "--fail-fast=false")
    theirs = vserver.kubectl("rollout", "status", "-n", ns, "deployment/web", "--revision=-1")
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
    usage = kf(vserver, "rollout", "status", "-n", ns, "deployment/web", "--revision=-1")
    assert (usage.returncode, usage.stderr) == (3, "error: revision must be a positive integer: -1\n")
    # kubectl mode: the timeout is exit 1; kubeferry's default gives it its own exit code, 2.
    ours = kf(vserver, "rollout", "status", "-n", ns, "deployment/web", "--timeout=1s", "--fail-fast=false")
    theirs = vserver.kubectl("rollout", "status", "-n", ns, "deployment/web", "--timeout=1s")
    assert (
        (ours.returncode, ours.stderr)
        == (theirs.returncode, theirs.stderr)
        == (1, "error: timed out waiting for the condition\n")
    )
    assert ours.stdout.splitlines()[0] == theirs.stdout.splitlines()[0]
    default = kf(vserver, "rollout", "status", "-n", ns, "deployment/web", "--timeout=1s")
    assert (default.returncode, default.stderr) == (2, "error: timed out waiting for the condition\n")


def test_status_errors_match_kubectl(vserver, ns, tmp_path):
    apply(
        vserver,
        ns,
        tmp_path,
        DS.format(name="agent").replace(
            "spec:\n  selector", "spec:\n  updateStrategy:\n    type: OnDelete\n  selector"
        ),
    )
    for args in (
        ("rollout", "status", "deployment/missing"),
        ("rollout", "status", "daemonset/agent"),
        ("rollout", "history", "replicaset/missing"),
        ("rollout", "undo", "deployment/missing"),
        ("rollout", "pause", "daemonset/agent"),
        ("rollout", "resume", "daemonset/agent"),
        ("rollout", "history", "deployment/missing"),
    ):
        result = same(vserver, ns, *args)
        assert result.returncode == 1 and result.stderr.startswith(("error: ", "Error from server")), args
    ours = kf(vserver, "rollout", "status", "-n", ns)
    assert (ours.returncode, ours.stderr) == (3, "error: required resource not specified\n")
    ours = kf(vserver, "rollout", "pause", "-n", ns)
    theirs = vserver.kubectl("rollout", "pause", "-n", ns)
    assert (ours.returncode, ours.stderr.splitlines()[0]) == (theirs.returncode, theirs.stderr.splitlines()[0])


def test_statefulset_partitioned_and_daemonset_status_lines(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, STS.format(name="db", partition=1))
    apply(vserver, ns, tmp_path, DS.format(name="agent"))
    for _ in range(4):
        advance(vserver, 10)
    same(vserver, ns, "rollout", "status", "statefulset/db")
    same(vserver, ns, "rollout", "status", "daemonset/agent")
    assert vserver.kubectl("set", "image", "-n", ns, "statefulset/db", "db=redis:7.2").returncode == 0
    assert vserver.kubectl("set", "image", "-n", ns, "daemonset/agent", "agent=busybox:1.37").returncode == 0
    for _ in range(4):
        advance(vserver, 10)
    done = same(vserver, ns, "rollout", "status", "statefulset/db")
    assert done.stdout == "partitioned roll out complete: 2 new pods have been updated...\n"
    same(vserver, ns, "rollout", "status", "daemonset/agent")
    same(vserver, ns, "rollout", "history", "statefulset/db")
    same(vserver, ns, "rollout", "history", "daemonset/agent")
    same(vserver, ns, "rollout", "history", "daemonset/agent", "--revision=1")
    same(vserver, ns, "rollout", "history", "daemonset/agent", "-o", "name")
    same(vserver, ns, "rollout", "undo", "daemonset/agent", "--dry-run=client")
    # The current revision: kubeferry skips, as kubectl does on a cluster whose revision data is Go-marshalled.
    skipped = kf(vserver, "rollout", "undo", "-n", ns, "daemonset/agent", "--to-revision=2")
    assert skipped.stdout == "daemonset.apps/agent skipped rollback (current template already matches revision 2)\n"
    same(vserver, ns, "rollout", "undo", "daemonset/agent", "--to-revision=9")
    undone = kf(vserver, "rollout", "undo", "-n", ns, "daemonset/agent")
    assert (undone.returncode, undone.stdout) == (0, "daemonset.apps/agent rolled back\n"), undone.stderr
    for _ in range(4):
        advance(vserver, 10)
    images = {p["spec"]["containers"][0]["image"] for p in get(vserver, ns, "pods", "-l", "app=agent")["items"]}
    assert images == {"busybox:1.36"}
    revisions = get(vserver, ns, "controllerrevisions", "-l", "app=agent")["items"]
    assert sorted(r["revision"] for r in revisions) == [2, 3]


# -- history, undo, pause, resume, restart: kubectl parity ---------------------------------------


def test_history_and_undo_match_kubectl(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP.format(name="web"))
    advance(vserver, 10)
    assert vserver.kubectl("set", "image", "-n", ns, "deployment/web", "app=alpine:3.6").returncode == 0
    for _ in range(3):
        advance(vserver, 10)
    table = same(vserver, ns, "rollout", "history", "deployment/web")
    assert (
        table.stdout
        == "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         initial deploy\n2         initial deploy\n\n"
    )
    described = same(vserver, ns, "rollout", "history", "deployment/web", "--revision=1")
    assert described.stdout.startswith("deployment.apps/web with revision #1\nPod Template:\n  Labels:\tapp=web\n")
    for args in (
        ("--revision=7",),
        ("--revision=-2",),
        ("-o", "name"),
        ("--revision=2", "-o", "name"),
    ):
        same(vserver, ns, "rollout", "history", "deployment/web", *args)
    images = kf(vserver, "rollout", "history", "-n", ns, "deployment/web", "--images")
    assert images.stdout.splitlines()[1:4] == [
        "REVISION  CHANGE-CAUSE    IMAGES",
        "1         initial deploy  alpine:3.5",
        "2         initial deploy  alpine:3.6",
    ]
    diff = kf(vserver, "rollout", "history", "-n", ns, "deployment/web", "--diff", "1", "2")
    assert diff.returncode == 0
    assert [line for line in diff.stdout.splitlines() if line.startswith(("-", "+"))] == [
        "--- deployment.apps/web revision 1",
        "+++ deployment.apps/web revision 2",
        "-    image: alpine:3.5",
        "+    image: alpine:3.6",
    ]
    for args in ("--dry-run=client", "--to-revision=2", "--to-revision=5", "--to-revision=-1", "--dry-run=server"):
        same(vserver, ns, "rollout", "undo", "deployment/web", args)
    undone = kf(vserver, "rollout", "undo", "-n", ns, "deployment/web")
    assert undone.stdout == "deployment.apps/web rolled back\n"
    assert "previously managed with 'kubectl apply'" in undone.stderr
    for _ in range(3):
        advance(vserver, 10)
    deployment = get(vserver, ns, "deployment", "web")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "alpine:3.5"
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    same(vserver, ns, "rollout", "history", "deployment/web")


def test_pause_resume_restart_match_kubectl_on_twins(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP.format(name="a"))
    apply(vserver, ns, tmp_path, APP.format(name="b"))
    advance(vserver, 10)
    for verb in ("pause", "pause", "restart", "undo", "resume", "resume", "restart"):
        ours, theirs = twins(vserver, ns, ["rollout", verb, "deployment/a"], ["rollout", verb, "deployment/b"])
        assert_twins(ours, theirs)
    a, b = get(vserver, ns, "deployment", "a"), get(vserver, ns, "deployment", "b")
    assert "paused" not in a["spec"] and "paused" not in b["spec"]
    stamp = a["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
    assert len(stamp) >= 20 and stamp[:4] == "20" + stamp[2:4]
    ours = kf(vserver, "rollout", "restart", "-n", ns, "deployment/a")
    assert ours.returncode in (0, 1)  # same second: kubectl's "already been triggered" refusal, else restarted
    assert ours.stdout == "deployment.apps/a restarted\n" or "please wait before attempting" in ours.stderr


# -- beyond kubectl: fail-fast -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "reason", "event"),
    [
        (
            {"metadata": {"annotations": {"sim.kubeferry.io/outcome": "image-pull-error"}}},
            ("ImagePullBackOff", "ErrImagePull"),
            ("Warning Failed: Error: ImagePullBackOff", "Warning Failed: Error: ErrImagePull", "Normal BackOff"),
        ),
        (
            {"metadata": {"annotations": {"sim.kubeferry.io/outcome": "crash-loop"}}},
            "CrashLoopBackOff",
            "Warning BackOff",
        ),
        ({"spec": {"nodeSelector": {"disk": "none-has-it"}}}, ("Unschedulable",), ("Warning FailedScheduling",)),
        (
            {"spec": {"containers": [{"name": "app", "env": [{"name": "K", "valueFrom": {"configMapKeyRef": {
                "name": "absent", "key": "k"}}}]}]}},
            ('CreateContainerConfigError: container "app": configmap "absent" not found',),
            ('Warning Failed: Error: configmap "absent" not found',),
        ),
        (
            {"spec": {
                "volumes": [{"name": "cfg", "configMap": {"name": "absent"}}],
                "containers": [{"name": "app", "volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg"}]}],
            }},
            ('FailedMount: MountVolume.SetUp failed for volume "cfg" : configmap "absent" not found',),
            ("Warning FailedMount",),
        ),
    ],
    ids=["image-pull", "crash-loop", "unschedulable", "env-configmap-missing", "volume-configmap-missing"],
)  # fmt: skip
def test_fail_fast_names_the_stuck_pod(vserver, ns, tmp_path, patch, reason, event):
    apply(vserver, ns, tmp_path, APP.format(name="web"))
    advance(vserver, 10)
    body = json.dumps({"spec": {"template": patch}})
    assert vserver.kubectl("patch", "-n", ns, "deployment/web", "-p", body).returncode == 0
    code, out, err = during(vserver, kubeferry_argv("rollout", "status", "-n", ns, "deployment/web"), [5, 10, 20, 30])
    assert code == 1, (out, err)
    new_pods = [
        p["metadata"]["name"]
        for p in get(vserver, ns, "pods", "-l", "app=web")["items"]
        if any(c.get("state", {}).get("waiting") for c in p["status"].get("containerStatuses") or [])
        or p["status"].get("phase") == "Pending"
    ]
    lines = err.splitlines()
    assert lines[0].startswith(
        tuple(f'error: deployment "web" rollout failed: pod "{new_pods[0]}": {r}' for r in reason)
    ), err
    assert lines[1].startswith(tuple(f"  latest event: {e}" for e in event)), err
    assert (
        out.splitlines()[0]
        == 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...'
    )


def test_fail_fast_false_waits_like_kubectl(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP.format(name="web"))
    advance(vserver, 10)
    body = '{"spec":{"template":{"metadata":{"annotations":{"sim.kubeferry.io/outcome":"image-pull-error"}}}}}'
    assert vserver.kubectl("patch", "-n", ns, "deployment/web", "-p", body).returncode == 0
    advance(vserver, 20)
    ours = kf(vserver, "rollout", "status", "-n", ns, "deployment/web", "--fail-fast=false", "--timeout=1500ms")
    theirs = vserver.kubectl("rollout", "status", "-n", ns, "deployment/web", "--timeout=1500ms")
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
    assert ours.returncode == 1


def test_never_ready_deployment_reports_deadline_and_the_unready_pod(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP.format(name="web"))
    advance(vserver, 10)
    body = '{"spec":{"template":{"metadata":{"annotations":{"sim.kubeferry.io/outcome":"never-ready"}}}}}'
    assert vserver.kubectl("patch", "-n", ns, "deployment/web", "-p", body).returncode == 0
    code, out, err = during(vserver, kubeferry_argv("rollout", "status", "-n", ns, "deployment/web"), [30, 30, 30])
    lines = err.splitlines()
    assert code == 1, (out, err)
    assert lines[0] == 'error: deployment "web" exceeded its progress deadline'
    assert lines[1].startswith('  pod "web-') and ": NotReady: " in lines[1]


def test_never_ready_pod_with_a_readiness_probe_is_diagnosed_by_its_failing_probe(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP.format(name="web"))
    advance(vserver, 10)
    probe = {"httpGet": {"path": "/ready", "port": 80}, "initialDelaySeconds": 5, "periodSeconds": 10}
    template = {
        "metadata": {"annotations": {"sim.kubeferry.io/outcome": "never-ready"}},
        "spec": {"containers": [{"name": "app", "readinessProbe": probe}]},
    }
    body = json.dumps({"spec": {"template": template}})
    assert vserver.kubectl("patch", "-n", ns, "deployment/web", "-p", body).returncode == 0
    code, out, err = during(vserver, kubeferry_argv("rollout", "status", "-n", ns, "deployment/web"), [30, 30, 30])
    lines = err.splitlines()
    assert code == 1, (out, err)
    assert lines[0] == 'error: deployment "web" exceeded its progress deadline'
    # The latest event is the probe's failure, counted up once a period (upstream's recorder aggregates it).
    assert re.fullmatch(
        r"  latest event: Warning Unhealthy \(x\d+\): Readiness probe failed: HTTP probe failed with statuscode: 500",
        lines[2],
    ), err
    pod = lines[1].split('"')[1]
    described = vserver.kubectl("describe", "pod", "-n", ns, pod)
    unhealthy = (
        r"Warning\s+Unhealthy\s+\S+ \(x\d+ over \S+\)\s+kubelet\s+spec.containers\{app\}: Readiness probe failed"
    )
    assert re.search(unhealthy, described.stdout), described.stdout


@pytest.mark.parametrize(
    ("probe", "shown", "failure"),
    [
        ("grpc: {port: 9090}", "grpc <pod>:9090 ", 'service unhealthy (responded with "NOT_SERVING")'),
        ("tcpSocket: {port: web}", "tcp-socket :web ", "dial tcp {ip}:8081: connect: connection refused"),
        ("tcpSocket: {port: 81, host: 10.9.9.9}", "tcp-socket 10.9.9.9:81 ", "dial tcp 10.9.9.9:81: connect: connection refused"),
    ],
    ids=["grpc-no-service", "tcp-named-port", "tcp-host"],
)  # fmt: skip
def test_probe_in_describe(vserver, ns, tmp_path, probe, shown, failure):
    # A gRPC probe's service defaults to "" (kubectl describe dereferences it); a TCP probe dials the
    # container port a name stands for, on the probe's host when it names one.
    manifest = f"""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: probed
          annotations: {{sim.kubeferry.io/outcome: never-ready}}
        spec:
          containers:
          - name: app
            image: alpine:3.5
            ports: [{{name: web, containerPort: 8081}}]
            readinessProbe: {{{probe}, initialDelaySeconds: 1, periodSeconds: 5}}
        """
    apply(vserver, ns, tmp_path, manifest)
    advance(vserver, 12)
    described = vserver.kubectl("describe", "pod", "-n", ns, "probed")
    assert described.returncode == 0, described.stderr
    assert re.search(r"Readiness:\s+" + re.escape(shown), described.stdout), described.stdout
    ip = get(vserver, ns, "pod", "probed")["status"]["podIP"]
    assert f"Readiness probe failed: {failure.format(ip=ip)}" in described.stdout, described.stdout


def test_daemonset_client_side_progress_deadline_on_cluster_clock(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, DS.format(name="agent"))
    advance(vserver, 10)
    body = '{"spec":{"template":{"metadata":{"annotations":{"sim.kubeferry.io/outcome":"never-ready"}}}}}'
    assert vserver.kubectl("patch", "-n", ns, "daemonset/agent", "-p", body).returncode == 0
    argv = kubeferry_argv("rollout", "status", "-n", ns, "daemonset/agent", "--progress-deadline=40s", "-o", "json")
    code, out, err = during(vserver, argv, [20, 30, 30])
    assert code == 1, (out, err)
    assert err.splitlines()[0] == 'error: daemon set "agent" exceeded its progress deadline'
    assert ": NotReady: " in err.splitlines()[1]
    records = [json.loads(line) for line in out.splitlines()]
    assert records[0]["message"].startswith('Waiting for daemon set "agent" rollout to finish: ')
    assert set(records[0]) == {"time", "message", "updated", "ready", "available", "desired", "done"}
    assert records[0]["time"].startswith("2026-01-01T") and records[-1]["error"].endswith(
        "exceeded its progress deadline"
    )


def test_json_output_reports_each_change_until_done(vserver, ns, tmp_path):
    apply(vserver, ns, tmp_path, APP.format(name="web"))
    code, out, err = during(
        vserver, kubeferry_argv("rollout", "status", "-n", ns, "deployment/web", "-o", "json"), [5, 5]
    )
    assert (code, err) == (0, "")
    records = [json.loads(line) for line in out.splitlines()]
    assert records[-1]["done"] is True and records[-1]["message"] == 'deployment "web" successfully rolled out'
    assert (records[-1]["updated"], records[-1]["available"], records[-1]["desired"]) == (3, 3, 3)
    assert all(r["done"] is False for r in records[:-1]) and len(records) >= 2
    keys = [(r["message"], r["updated"], r["ready"], r["available"]) for r in records]
    assert len(keys) == len(set(keys))
