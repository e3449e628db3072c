"""The simulated kubelet: each outcome's state sequence over time, backoff, deletion, logs."""

from __future__ import annotations

import datetime as dt

import pytest

from kubeferry.controllers.actions import DeleteObject, RecordEvent, UpdateStatus
from kubeferry.simulation import kubelet

T = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
NODE = {
    "metadata": {"name": "node-1"},
    "spec": {"podCIDR": "10.244.1.0/24"},
    "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.3"}]},
}


def at(seconds: float) -> dt.datetime:
    return T + dt.timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    return at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_pod(annotations=None, restart_policy="Always", init=(), probe=None, owner=None, **container):
    app = {"name": "app", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent", **container}
    if probe:
        app.update(probe)
    meta = {"name": "web-1", "namespace": "default", "uid": "uid-1", "annotations": dict(annotations or {})}
    if owner:
        meta["ownerReferences"] = [{"kind": owner, "name": "job", "uid": "j", "controller": True}]
    spec = {"nodeName": "node-1", "restartPolicy": restart_policy, "containers": [app]}
    if init:
        spec["initContainers"] = [{"name": n, "image": "busybox"} for n in init]
    status = {
        "phase": "Pending",
        "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": stamp(0)}],
    }
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def look(pod, seconds, rules=()):
    actions, delay = kubelet.reconcile(pod, NODE, at(seconds), rules=list(rules), configmaps={}, secrets={})
    for action in actions:
        if isinstance(action, UpdateStatus):
            pod = action.obj
    events = [(a.type, a.reason, a.message) for a in actions if isinstance(a, RecordEvent)]
    return pod, events, delay, actions


def drive(pod, until, rules=()):
    """Look at t=0 and then whenever the kubelet asks, up to `until`; returns [(t, pod, events, delay)]."""
    seen, t = [], 0.0
    while t <= until:
        pod, events, delay, _ = look(pod, t, rules)
        seen.append((t, pod, events, delay))
        if delay is None:
            break
        t += delay
    return seen


def app_status(pod):
    return pod["status"]["containerStatuses"][0]


def condition(pod, kind):
    return next(c for c in pod["status"]["conditions"] if c["type"] == kind)


def summary(pod):
    """(phase, state key + reason, ready, restartCount, Ready condition status)."""
    cs = app_status(pod)
    ((state, body),) = cs["state"].items()
    return (
        pod["status"]["phase"],
        f"{state}:{body.get('reason', '')}",
        cs["ready"],
        cs["restartCount"],
        condition(pod, "Ready")["status"],
    )


# --- ready -------------------------------------------------------------------------------------------


def test_ready_pod_sequence_with_startup_and_ready_seconds():
    pod = new_pod({"sim.kubeferry.io/startup-seconds": "2", "sim.kubeferry.io/ready-seconds": "3"})
    steps = drive(pod, 10)
    assert [(t, summary(p), d) for t, p, _, d in steps] == [
        (0.0, ("Pending", "waiting:ContainerCreating", False, 0, "False"), 2.0),
        (2.0, ("Running", "running:", False, 0, "False"), 3.0),
        (5.0, ("Running", "running:", True, 0, "True"), None),
    ]
    first, running, ready = (p for _, p, _, _ in steps)
    assert first["status"]["startTime"] == stamp(0)
    assert first["status"]["hostIP"] == "172.18.0.3"
    assert first["status"]["podIP"].startswith("10.244.1.")
    assert [c["type"] for c in first["status"]["conditions"]] == [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    assert condition(first, "Ready")["message"] == "containers with unready status: [app]"
    assert condition(first, "Ready")["reason"] == "ContainersNotReady"
    assert app_status(first)["imageID"] == ""
    assert app_status(running)["state"] == {"running": {"startedAt": stamp(2)}}
    assert app_status(running)["started"] is True
    assert app_status(running)["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert condition(ready, "Ready") == {
        "lastProbeTime": None,
        "lastTransitionTime": stamp(5),
        "status": "True",
        "type": "Ready",
    }
    assert condition(ready, "PodScheduled")["lastTransitionTime"] == stamp(0)
    assert steps[0][2] == [("Normal", "Pulling", 'Pulling image "nginx:1.25"')]
    assert [e[1] for e in steps[1][2]] == ["Pulled", "Created", "Started"]
    assert steps[1][2][0][2].startswith(
        'Successfully pulled image "nginx:1.25" in 2s (2s including waiting). Image size: '
    )
    assert steps[1][2][1:] == [
        ("Normal", "Created", "Created container: app"),
        ("Normal", "Started", "Started container app"),
    ]
    assert steps[2][2] == []


def test_defaults_make_a_pod_ready_on_the_first_look():
    pod, events, delay, _ = look(new_pod(), 0)
    assert summary(pod) == ("Running", "running:", True, 0, "True")
    assert [e[1] for e in events] == ["Pulling", "Pulled", "Created", "Started"]
    assert "in 0s (0s including waiting)" in events[1][2]
    assert delay is None


def test_ready_seconds_default_from_readiness_probe_initial_delay():
    pod = new_pod(probe={"readinessProbe": {"httpGet": {"port": 80}, "initialDelaySeconds": 7}})
    steps = drive(pod, 20)
    assert [(t, summary(p)[2], d) for t, p, _, d in steps] == [(0.0, False, 7.0), (7.0, True, None)]


def test_a_late_look_catches_up_with_timestamps_of_the_due_times():
    pod = new_pod({"sim.kubeferry.io/startup-seconds": "2", "sim.kubeferry.io/ready-seconds": "3"})
    pod, events, delay, _ = look(pod, 60)
    assert summary(pod) == ("Running", "running:", True, 0, "True")
    assert pod["status"]["startTime"] == stamp(0)
    assert app_status(pod)["state"]["running"]["startedAt"] == stamp(2)
    assert condition(pod, "Ready")["lastTransitionTime"] == stamp(5)
    assert [e[1] for e in events] == ["Pulling", "Pulled", "Created", "Started"]
    assert delay is None


def test_a_second_look_at_the_same_time_changes_nothing():
    pod = new_pod({"sim.kubeferry.io/startup-seconds": "2"})
    pod, _, _, _ = look(pod, 1)
    again, events, delay, actions = look(pod, 1)
    assert actions == [] and events == [] and delay == 1.0
    assert again is pod


def test_never_ready_runs_without_becoming_ready():
    steps = drive(new_pod({"sim.kubeferry.io/outcome": "never-ready"}), 100)
    assert [(t, summary(p), d) for t, p, _, d in steps] == [(0.0, ("Running", "running:", False, 0, "False"), None)]


def test_init_containers_run_first():
    pod = new_pod({"sim.kubeferry.io/startup-seconds": "1"}, init=("migrate",))
    steps = drive(pod, 10)
    first = steps[0][1]
    assert first["status"]["phase"] == "Pending"
    assert first["status"]["initContainerStatuses"][0]["state"] == {"running": {"startedAt": stamp(0)}}
    assert app_status(first)["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert condition(first, "Initialized")["message"] == "containers with incomplete status: [migrate]"
    assert steps[0][3] == 1.0
    done = steps[1][1]
    assert done["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert done["status"]["initContainerStatuses"][0]["ready"] is True  # exited 0: ready, as upstream
    assert condition(done, "Initialized")["status"] == "True"
    assert app_status(done)["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert summary(steps[2][1]) == ("Running", "running:", True, 0, "True")
    assert steps[2][0] == 2.0


def test_initialized_names_the_init_containers_still_incomplete():
    # Upstream recomputes the message on every status: after `a` exited 0 only `b` is incomplete; the
    # condition stays False since the start (its transition time does not move).
    steps = drive(new_pod({"sim.kubeferry.io/startup-seconds": "1"}, init=("a", "b")), 10)
    messages = [
        (t, condition(p, "Initialized")["message"], condition(p, "Initialized")["lastTransitionTime"])
        for t, p, _, _ in steps
        if condition(p, "Initialized")["status"] == "False"
    ]
    assert messages == [
        (0.0, "containers with incomplete status: [a b]", stamp(0)),
        (1.0, "containers with incomplete status: [b]", stamp(0)),
    ]


# --- crash-loop and backoff ---------------------------------------------------------------------------


def test_crash_loop_backoff_sequence():
    steps = drive(new_pod({"sim.kubeferry.io/outcome": "crash-loop"}), 700)
    rows = [(t, summary(p)[:4], d) for t, p, _, d in steps[:12]]
    assert rows == [
        (0.0, ("Running", "running:", False, 0), 1.0),
        (1.0, ("Running", "terminated:Error", False, 0), 1.0),
        (2.0, ("Running", "running:", False, 1), 1.0),
        (3.0, ("Running", "terminated:Error", False, 1), 1.0),
        (4.0, ("Running", "waiting:CrashLoopBackOff", False, 1), 9.0),
        (13.0, ("Running", "running:", False, 2), 1.0),
        (14.0, ("Running", "terminated:Error", False, 2), 1.0),
        (15.0, ("Running", "waiting:CrashLoopBackOff", False, 2), 19.0),
        (34.0, ("Running", "running:", False, 3), 1.0),
        (35.0, ("Running", "terminated:Error", False, 3), 1.0),
        (36.0, ("Running", "waiting:CrashLoopBackOff", False, 3), 39.0),
        (75.0, ("Running", "running:", False, 4), 1.0),
    ]
    waits = [
        app_status(p)["state"]["waiting"]["message"].split()[1]
        for _, p, _, _ in steps
        if "waiting" in app_status(p)["state"]
    ]
    assert waits[:7] == ["10s", "20s", "40s", "1m20s", "2m40s", "5m0s", "5m0s"][: len(waits[:7])]
    assert len(waits) >= 6
    backoff = steps[4][1]
    assert app_status(backoff)["state"]["waiting"]["message"] == (
        "back-off 10s restarting failed container=app pod=web-1_default(uid-1)"
    )
    assert app_status(backoff)["lastState"]["terminated"]["exitCode"] == 1
    # The waiting container keeps its dead instance's id (upstream replaces only the state).
    assert app_status(backoff)["containerID"] == app_status(backoff)["lastState"]["terminated"]["containerID"]
    assert app_status(backoff)["containerID"] == app_status(steps[3][1])["containerID"]
    assert app_status(backoff)["lastState"]["terminated"]["startedAt"] == stamp(2)
    assert app_status(backoff)["lastState"]["terminated"]["finishedAt"] == stamp(3)
    assert steps[4][2] == [
        ("Warning", "BackOff", "Back-off restarting failed container app in pod web-1_default(uid-1)")
    ]
    assert [e[1] for e in steps[2][2]] == ["Pulled", "Created", "Started"]
    assert steps[2][2][0][2] == 'Container image "nginx:1.25" already present on machine'


@pytest.mark.parametrize(
    ("policy", "phase", "delay"),
    [
        pytest.param("Never", "Failed", None, id="crash-loop + restartPolicy Never: Failed"),
        pytest.param("OnFailure", "Running", 1.0, id="crash-loop + restartPolicy OnFailure: restarts"),
    ],
)
def test_crash_loop_under_restart_policies(policy, phase, delay):
    pod, _, next_delay, _ = look(new_pod({"sim.kubeferry.io/outcome": "crash-loop"}, restart_policy=policy), 1)
    assert pod["status"]["phase"] == phase
    assert next_delay == delay


def test_a_failed_pod_is_not_ready_for_podfailed():
    # status/generate.go: ContainersReady, and Ready after it, False for the terminal phase's reason.
    pod, _, _, _ = look(new_pod({"sim.kubeferry.io/outcome": "crash-loop"}, restart_policy="Never"), 1)
    assert pod["status"]["phase"] == "Failed"
    for kind in ("Ready", "ContainersReady"):
        assert (condition(pod, kind)["status"], condition(pod, kind)["reason"]) == ("False", "PodFailed")
    assert "reason" not in condition(pod, "Initialized")


def test_job_pod_completes_succeeded():
    steps = drive(new_pod(restart_policy="Never", owner="Job"), 10)
    final = steps[-1][1]
    assert final["status"]["phase"] == "Succeeded"
    assert app_status(final)["state"]["terminated"]["reason"] == "Completed"
    assert condition(final, "Ready")["reason"] == "PodCompleted"
    assert (condition(final, "Initialized")["status"], condition(final, "Initialized")["reason"]) == (
        "True",
        "PodCompleted",
    )
    assert condition(final, "Initialized")["lastTransitionTime"] == stamp(0)
    assert steps[-1][3] is None
    assert look(final, 500)[3] == []


# --- image-pull-error -----------------------------------------------------------------------------------


def test_image_pull_error_backoff_sequence():
    steps = drive(new_pod({"sim.kubeferry.io/outcome": "image-pull-error"}, image="nginx:nope"), 80)
    rows = [(t, summary(p)[:2], d) for t, p, _, d in steps]
    assert rows[:7] == [
        (0.0, ("Pending", "waiting:ErrImagePull"), 1.0),
        (1.0, ("Pending", "waiting:ImagePullBackOff"), 9.0),
        (10.0, ("Pending", "waiting:ErrImagePull"), 1.0),
        (11.0, ("Pending", "waiting:ImagePullBackOff"), 19.0),
        (30.0, ("Pending", "waiting:ErrImagePull"), 1.0),
        (31.0, ("Pending", "waiting:ImagePullBackOff"), 39.0),
        (70.0, ("Pending", "waiting:ErrImagePull"), 1.0),
    ]
    error = (
        'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:nope": '
        'failed to resolve reference "docker.io/library/nginx:nope": docker.io/library/nginx:nope: not found'
    )
    assert steps[0][2] == [
        ("Normal", "Pulling", 'Pulling image "nginx:nope"'),
        ("Warning", "Failed", f'Failed to pull image "nginx:nope": {error}'),
        ("Warning", "Failed", "Error: ErrImagePull"),
    ]
    assert steps[1][2] == [
        ("Normal", "BackOff", 'Back-off pulling image "nginx:nope"'),
        ("Warning", "Failed", "Error: ImagePullBackOff"),
    ]
    assert app_status(steps[1][1])["state"]["waiting"]["message"] == (
        f'Back-off pulling image "nginx:nope": ErrImagePull: {error}'
    )
    assert [e[1] for e in steps[2][2]] == ["Pulling", "Failed", "Failed"]


# --- liveness-fail --------------------------------------------------------------------------------------


def test_liveness_fail_restarts_after_failure_threshold():
    pod = new_pod(
        {"sim.kubeferry.io/outcome": "liveness-fail", "sim.kubeferry.io/fail-after-seconds": "5"},
        probe={"livenessProbe": {"httpGet": {"port": 80}, "periodSeconds": 2, "failureThreshold": 3}},
    )
    steps = drive(pod, 30)
    rows = [(t, summary(p), d) for t, p, _, d in steps[:6]]
    # Failing liveness probes leave readiness alone: Ready until the kill (9 s: 5 + (3 - 1) x 2).
    assert rows == [
        (0.0, ("Running", "running:", True, 0, "True"), 5.0),
        (5.0, ("Running", "running:", True, 0, "True"), 4.0),
        (9.0, ("Running", "terminated:Error", False, 0, "False"), 1.0),
        (10.0, ("Running", "running:", True, 1, "True"), 5.0),
        (15.0, ("Running", "running:", True, 1, "True"), 4.0),
        (19.0, ("Running", "terminated:Error", False, 1, "False"), 1.0),
    ]
    unhealthy = ("Warning", "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500")
    assert steps[1][2] == [unhealthy]
    # One Unhealthy per failed probe (failureThreshold 3), the last two at the kill.
    assert steps[2][2] == [
        unhealthy,
        unhealthy,
        ("Normal", "Killing", "Container app failed liveness probe, will be restarted"),
    ]
    assert app_status(steps[2][1])["state"]["terminated"]["exitCode"] == 137
    assert app_status(steps[3][1])["lastState"]["terminated"]["finishedAt"] == stamp(9)
    assert summary(steps[6][1])[1] == "waiting:CrashLoopBackOff"


def test_liveness_exec_probe_failure_has_no_output():
    pod = new_pod(
        {"sim.kubeferry.io/outcome": "liveness-fail", "sim.kubeferry.io/fail-after-seconds": "5"},
        probe={"livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}}},
    )
    steps = drive(pod, 5)
    assert steps[1][2] == [("Warning", "Unhealthy", "Liveness probe failed: ")]


# --- readiness probes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("probe", "message"),
    [
        pytest.param(
            {"httpGet": {"path": "/ready", "port": 80}}, "HTTP probe failed with statuscode: 500", id="httpGet"
        ),
        pytest.param(
            {"tcpSocket": {"port": 5432}},
            "dial tcp {ip}:5432: connect: connection refused",
            id="tcpSocket names the pod IP",
        ),
        pytest.param({"grpc": {"port": 9090}}, 'service unhealthy (responded with "NOT_SERVING")', id="grpc"),
        pytest.param({"exec": {"command": ["test", "-f", "/tmp/ready"]}}, "", id="exec prints nothing"),
    ],
)
def test_never_ready_readiness_probe_fails_once_a_period(probe, message):
    probe = {**probe, "initialDelaySeconds": 5, "periodSeconds": 10}
    pod = new_pod({"sim.kubeferry.io/outcome": "never-ready"}, probe={"readinessProbe": probe})
    steps = drive(pod, 40)
    ip = steps[0][1]["status"]["podIP"]
    unhealthy = ("Warning", "Unhealthy", "Readiness probe failed: " + message.format(ip=ip))
    # The first probe comes at the initial delay, the next ones a period apart; none passes.
    assert [(t, events, delay) for t, _, events, delay in steps[1:]] == [
        (5.0, [unhealthy], 10.0),
        (15.0, [unhealthy], 10.0),
        (25.0, [unhealthy], 10.0),
        (35.0, [unhealthy], 10.0),
    ]
    assert [summary(p) for _, p, _, _ in steps] == [("Running", "running:", False, 0, "False")] * 5
    assert condition(steps[-1][1], "Ready")["lastTransitionTime"] == stamp(0)


def test_never_ready_without_a_readiness_probe_records_no_failures():
    steps = drive(new_pod({"sim.kubeferry.io/outcome": "never-ready"}), 60)
    assert [(t, delay) for t, _, _, delay in steps] == [(0.0, None)]
    assert summary(steps[0][1]) == ("Running", "running:", False, 0, "False")


def test_a_look_long_after_the_start_records_every_missed_failure_in_order():
    probe = {"readinessProbe": {"httpGet": {"port": 80}, "periodSeconds": 3}}
    pod, events, delay, _ = look(new_pod({"sim.kubeferry.io/outcome": "never-ready"}, probe=probe), 0)
    assert [e[1] for e in events[-1:]] == ["Unhealthy"] and delay == 3.0  # initialDelaySeconds 0: at the start
    pod, events, delay, _ = look(pod, 10)
    assert [e[1] for e in events] == ["Unhealthy"] * 3 and delay == 2.0  # at 3, 6 and 9 s; the next at 12 s
    _, events, _, _ = look(pod, 10)
    assert events == []  # nothing recorded twice


@pytest.mark.parametrize(
    ("ready_seconds", "probe", "failures", "ready_at"),
    [
        pytest.param("30", {"periodSeconds": 5}, [0.0, 5.0, 10.0, 15.0, 20.0, 25.0], 30.0, id="ready 30 s, period 5"),
        pytest.param("12", {"initialDelaySeconds": 4, "periodSeconds": 5}, [4.0, 9.0], 12.0, id="between probes"),
        pytest.param(
            "40", {"periodSeconds": 10, "successThreshold": 3}, [0.0, 10.0], 40.0, id="the last 3 probes pass"
        ),
        pytest.param("5", {"initialDelaySeconds": 5}, [], 5.0, id="ready at the first probe: none fails"),
    ],
)
def test_a_slow_start_fails_the_readiness_probes_before_it(ready_seconds, probe, failures, ready_at):
    # The app answers after ready-seconds; upstream's probes before then fail, one Unhealthy each.
    pod = new_pod(
        {"sim.kubeferry.io/ready-seconds": ready_seconds},
        probe={"readinessProbe": {"httpGet": {"port": 80}, **probe}},
    )
    steps = drive(pod, 60)
    unhealthy = ("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 500")
    assert [t for t, _, events, _ in steps for e in events if e == unhealthy] == failures
    ((t, ready),) = [(t, p) for t, p, _, _ in steps if summary(p)[4] == "True"][:1]
    assert t == ready_at and condition(ready, "Ready")["lastTransitionTime"] == stamp(ready_at)


@pytest.mark.parametrize(
    ("probe", "ready_at"),
    [
        pytest.param({"initialDelaySeconds": 5}, 5.0, id="first probe passes at the initial delay"),
        pytest.param({"initialDelaySeconds": 5, "successThreshold": 3, "periodSeconds": 10}, 25.0, id="3 passes"),
        pytest.param({"successThreshold": 2}, 10.0, id="default period 10 s"),
    ],
)
def test_readiness_waits_for_success_threshold_probes(probe, ready_at):
    pod = new_pod(probe={"readinessProbe": {"httpGet": {"port": 80}, **probe}})
    steps = drive(pod, 60)
    ((t, ready),) = [(t, p) for t, p, _, _ in steps if summary(p)[4] == "True"][:1]
    assert t == ready_at and condition(ready, "Ready")["lastTransitionTime"] == stamp(ready_at)


# --- deletion -------------------------------------------------------------------------------------------


def deleting(pod, requested, grace):
    pod = {**pod, "metadata": {**pod["metadata"]}}
    pod["metadata"]["deletionTimestamp"] = stamp(requested + grace)
    pod["metadata"]["deletionGracePeriodSeconds"] = grace
    return pod


@pytest.mark.parametrize(
    ("annotations", "grace", "stop_after", "exit_code", "phase"),
    [
        pytest.param({}, 30, 0.0, 0, "Succeeded", id="stop-seconds 0: stops at once"),
        pytest.param({"sim.kubeferry.io/stop-seconds": "5"}, 30, 5.0, 0, "Succeeded", id="stop-seconds 5 within grace"),
        pytest.param({"sim.kubeferry.io/stop-seconds": "50"}, 30, 30.0, 137, "Failed", id="killed at grace 30"),
    ],
)
def test_deletion_stops_containers_then_deletes(annotations, grace, stop_after, exit_code, phase):
    pod, _, _, _ = look(new_pod(annotations), 0)
    pod = deleting(pod, 10, grace)
    actions, delay = kubelet.reconcile(pod, NODE, at(10), rules=[], configmaps={}, secrets={})
    if stop_after:
        # The request changes no status: the container runs and stays ready until it stops (upstream
        # probes readiness while a pod terminates; `kubectl get pods` shows 1/1 Terminating).
        (killing,) = actions
        assert (killing.type, killing.reason, killing.message) == ("Normal", "Killing", "Stopping container app")
        assert condition(pod, "Ready")["status"] == "True" and app_status(pod)["ready"] is True
        assert delay == stop_after
        actions, delay = kubelet.reconcile(pod, NODE, at(10 + stop_after), rules=[], configmaps={}, secrets={})
    else:
        # Deleted at once: the request's Killing is recorded with the stopped status (it changes no
        # status of its own, so only the kept timeline tells that it was not recorded yet).
        killing = [a for a in actions if isinstance(a, RecordEvent) and a.reason == "Killing"]
        assert [(a.type, a.message) for a in killing] == [("Normal", "Stopping container app")]
    update = actions[0]
    assert isinstance(update, UpdateStatus)
    assert update.obj["status"]["phase"] == phase
    terminated = app_status(update.obj)["state"]["terminated"]
    assert terminated["exitCode"] == exit_code
    assert terminated["finishedAt"] == stamp(10 + stop_after)
    assert actions[-1] == DeleteObject("v1", "Pod", "default", "web-1", uid="uid-1", grace_period_seconds=0)
    assert delay is None


@pytest.mark.parametrize(
    ("stop_seconds", "grace", "exit_code", "phase"),
    [
        pytest.param("2", 30, 0, "Succeeded", id="stopped within grace"),
        pytest.param("60", 10, 137, "Failed", id="killed at the deadline"),
    ],
)
def test_a_terminal_status_is_never_rewritten(stop_seconds, grace, exit_code, phase):
    # A finalizer keeps the pod after the kubelet's grace-0 delete, which moves deletionTimestamp to
    # that moment with a grace of 0.  Upstream's kubelet never changes a terminal pod's status; a replay
    # taking the deletion request from that delete would kill the container at the new deadline.
    pod = new_pod({"sim.kubeferry.io/stop-seconds": stop_seconds})
    pod["metadata"]["finalizers"] = ["example.com/keep"]
    pod, _, _, _ = look(pod, 0)
    pod = deleting(pod, 10, grace)
    stopped_at = 10 + min(float(stop_seconds), grace)
    pod, _, delay, _ = look(pod, 10)
    pod, _, delay, actions = look(pod, stopped_at)
    assert pod["status"]["phase"] == phase and delay is None
    assert actions[-1] == DeleteObject("v1", "Pod", "default", "web-1", uid="uid-1", grace_period_seconds=0)
    final = pod
    # What the grace-0 delete leaves stored (the registry sets the deadline to now, grace 0).
    pod = {
        **pod,
        "metadata": {**pod["metadata"], "deletionTimestamp": stamp(stopped_at), "deletionGracePeriodSeconds": 0},
    }
    assert look(pod, stopped_at)[3] == [] and look(pod, stopped_at + 100)[3] == []
    terminated = app_status(final)["state"]["terminated"]
    assert (terminated["exitCode"], terminated["finishedAt"]) == (exit_code, stamp(stopped_at))
    # A terminal pod deleted later (a Job's pod) gets only its final delete.
    later = deleting(final, 500, 30)
    assert look(later, 500)[3] == [DeleteObject("v1", "Pod", "default", "web-1", uid="uid-1", grace_period_seconds=0)]


def test_prestop_sleep_counts_towards_stop_time():
    pod = new_pod({"sim.kubeferry.io/stop-seconds": "2"}, lifecycle={"preStop": {"sleep": {"seconds": 3}}})
    pod, _, _, _ = look(pod, 0)
    _, _, delay, _ = look(deleting(pod, 10, 30), 10)
    assert delay == 5.0


def test_deleting_a_pod_that_never_started_deletes_it_at_once():
    pod = deleting(new_pod({"sim.kubeferry.io/startup-seconds": "5"}), 0, 30)
    pod = {**pod, "status": {"phase": "Pending"}}
    pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "True", "lastTransitionTime": stamp(0)}]
    actions, delay = kubelet.reconcile(pod, NODE, at(0), rules=[], configmaps={}, secrets={})
    assert actions == [DeleteObject("v1", "Pod", "default", "web-1", uid="uid-1", grace_period_seconds=0)]


# --- helpers and logs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (0.25, "250ms"), (1.5, "1.5s"), (10, "10s"), (80, "1m20s"), (300, "5m0s"), (3600, "1h0m0s")],
)
def test_go_duration(seconds, text):
    assert kubelet.go_duration(seconds) == text


@pytest.mark.parametrize(
    ("image", "normalized"),
    [
        ("nginx", "docker.io/library/nginx:latest"),
        ("nginx:1.25", "docker.io/library/nginx:1.25"),
        ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
        ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
    ],
)
def test_normalized_image(image, normalized):
    assert kubelet.normalized_image(image) == normalized


def test_pod_ip_is_deterministic_and_inside_the_node_cidr():
    pod = new_pod()
    first = kubelet.pod_ip(pod, NODE)
    assert first == kubelet.pod_ip(pod, NODE)
    assert first.startswith("10.244.1.") and 2 <= int(first.rsplit(".", 1)[1]) <= 254
    other = {**pod, "metadata": {**pod["metadata"], "uid": "uid-2"}}
    assert kubelet.pod_ip(other, NODE) != first


def test_container_log_lines_from_status():
    steps = drive(new_pod({"sim.kubeferry.io/outcome": "crash-loop"}), 3)
    pod = steps[-1][1]
    lines = kubelet.container_log_lines(pod, at(3))["app"]
    assert lines == [
        f"{stamp(0)} kubeferry-sim: container app started (image nginx:1.25, pod default/web-1)",
        f"{stamp(1)} kubeferry-sim: container app exited with code 1 (Error)",
        f"{stamp(2)} kubeferry-sim: container app started (image nginx:1.25, pod default/web-1)",
        f"{stamp(3)} kubeferry-sim: container app exited with code 1 (Error)",
    ]
    assert kubelet.container_log_lines(pod, at(2))["app"] == lines[:3]


# --- readiness gates ------------------------------------------------------------------------------------


def with_condition(pod, kind, status, seconds):
    conditions = [c for c in pod["status"]["conditions"] if c["type"] != kind]
    conditions.append({"type": kind, "status": status, "lastTransitionTime": stamp(seconds)})
    return {**pod, "status": {**pod["status"], "conditions": conditions}}


def test_readiness_gates_hold_ready_until_their_conditions_are_true():
    # status/generate.go GeneratePodReadyCondition: containers ready, then every gate's condition True.
    pod = new_pod({"sim.kubeferry.io/ready-seconds": "2"})
    pod["spec"]["readinessGates"] = [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/dns"}]
    pod, _, _, _ = look(pod, 0)
    pod, _, _, _ = look(pod, 2)
    ready = condition(pod, "Ready")
    assert condition(pod, "ContainersReady")["status"] == "True"
    assert (ready["status"], ready["reason"], ready["lastTransitionTime"]) == (
        "False",
        "ReadinessGatesNotReady",
        stamp(0),
    )
    assert ready["message"] == (
        'corresponding condition of pod readiness gate "example.com/lb" does not exist., '
        'corresponding condition of pod readiness gate "example.com/dns" does not exist.'
    )
    pod = with_condition(with_condition(pod, "example.com/lb", "False", 5), "example.com/dns", "True", 5)
    pod, _, _, _ = look(pod, 6)
    assert (
        condition(pod, "Ready")["message"]
        == 'the status of pod readiness gate "example.com/lb" is not "True", but False'
    )
    assert condition(pod, "example.com/lb")["status"] == "False"  # others' conditions are kept as they are
    pod = with_condition(pod, "example.com/lb", "True", 9)
    pod, _, _, _ = look(pod, 10)
    ready = condition(pod, "Ready")
    assert (ready["status"], ready["lastTransitionTime"]) == ("True", stamp(9))
    assert "reason" not in ready and "message" not in ready
    # The gate back to False: Ready turned False when the gate did, not when the pod started.
    pod = with_condition(pod, "example.com/dns", "False", 20)
    pod, _, _, _ = look(pod, 21)
    ready = condition(pod, "Ready")
    assert (ready["status"], ready["reason"], ready["lastTransitionTime"]) == (
        "False",
        "ReadinessGatesNotReady",
        stamp(20),
    )


def test_an_image_is_pulled_once_per_pod():
    # The kubelet pulls one image at a time: the second init container on busybox and the second
    # container on nginx find their image on the machine (upstream's image manager).
    pod = new_pod({"sim.kubeferry.io/startup-seconds": "1"}, init=("i1", "i2"))
    pod["spec"]["containers"].append({"name": "b", "image": "nginx:1.25"})
    steps = drive(pod, 10)
    pulls = [
        (reason, message.split(" in ")[0])
        for _, _, events, _ in steps
        for _, reason, message in events
        if reason.startswith("Pull")
    ]
    assert pulls == [
        ("Pulling", 'Pulling image "busybox"'),
        ("Pulled", 'Successfully pulled image "busybox"'),
        ("Pulled", 'Container image "busybox" already present on machine'),
        ("Pulling", 'Pulling image "nginx:1.25"'),
        ("Pulled", 'Successfully pulled image "nginx:1.25"'),
        ("Pulled", 'Container image "nginx:1.25" already present on machine'),
    ]


def test_a_deletion_at_the_instant_of_a_played_transition_comes_after_it():
    # Ready was played (and written) at 5 s; a delete requested at that same instant stops the ready pod
    # (its Killing recorded, its last status not turned back to not-ready first).
    pod, _, _, _ = look(new_pod({"sim.kubeferry.io/ready-seconds": "5", "sim.kubeferry.io/stop-seconds": "2"}), 0)
    pod, _, _, _ = look(pod, 5)
    assert condition(pod, "Ready")["status"] == "True"
    deleted = deleting(pod, 5, 30)
    _, events, delay, actions = look(deleted, 5)
    assert events == [("Normal", "Killing", "Stopping container app")]
    assert not any(isinstance(a, UpdateStatus) for a in actions) and delay == 2.0


def test_killing_is_recorded_when_another_input_restarts_the_replay():
    # A condition written by someone else (an eviction's DisruptionTarget) changes the timeline's inputs;
    # what the dropped timeline had reported carries over, so the deletion's Killing is still recorded once.
    pod, _, _, _ = look(new_pod({"sim.kubeferry.io/stop-seconds": "2"}), 0)
    evicted = {
        **pod,
        "status": {
            **pod["status"],
            "conditions": [
                *pod["status"]["conditions"],
                {
                    "type": "DisruptionTarget",
                    "status": "True",
                    "reason": "DeletionByTaintManager",
                    "lastTransitionTime": stamp(10),
                },
            ],
        },
    }
    deleted = deleting(evicted, 10, 30)
    _, events, _, _ = look(deleted, 10)
    assert events == [("Normal", "Killing", "Stopping container app")]
    assert look(deleted, 11)[1] == []


def test_an_init_container_stopped_gracefully_by_a_deletion_is_ready():
    # It exited 0, which makes an init container ready (upstream's prober manager), as after completing.
    pod, _, _, _ = look(new_pod({"sim.kubeferry.io/startup-seconds": "1"}, init=("migrate",)), 0)
    assert pod["status"]["initContainerStatuses"][0]["state"].get("running")
    _, _, _, actions = look(deleting(pod, 0.5, 30), 0.5)
    stopped = next(a.obj for a in actions if isinstance(a, UpdateStatus))
    init = stopped["status"]["initContainerStatuses"][0]
    assert (init["state"]["terminated"]["exitCode"], init["ready"]) == (0, True)
