"""The simulated kubelet holds pods whose ConfigMaps/Secrets are missing, as kubelet v1.37 does.

Facts (upstream makeEnvironmentVariables, the configMap/secret/projected volume SetUp, the volume
manager's retry back-off), restated as cases: a missing env source keeps the container waiting in
CreateContainerConfigError (Warning Failed `Error: <why>`, retried every 10 s); a missing volume
source keeps the pod in ContainerCreating (Warning FailedMount, retried after 0.5 s, doubling);
`optional: true` never holds anything.  Once the data appears the held step happens at the moment
the content history shows it, and the rest of the timeline runs from there.

Every pod here starts after 2 s and turns Ready 1 s later: bound 0 s → Accepted 0 s → start due 2 s.
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from kubeferry.controllers.actions import RecordEvent, UpdateStatus
from kubeferry.delivery import diagnosis
from kubeferry.simulation import kubelet, mounts

T = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
NODE = {
    "metadata": {"name": "node-1"},
    "spec": {"podCIDR": "10.244.1.0/24"},
    "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.3"}]},
}
CM, SECRET = mounts.CONFIGMAP, mounts.SECRET


def at(seconds: float) -> dt.datetime:
    return T + dt.timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    return at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_pod(container: dict | None = None, volumes: list | None = None, init: dict | None = None) -> dict:
    app = {"name": "app", "image": "nginx:1.25", **(container or {})}
    spec: dict = {"nodeName": "node-1", "restartPolicy": "Always", "containers": [app]}
    if volumes:
        spec["volumes"] = volumes
    if init:
        spec["initContainers"] = [{"name": "setup", "image": "busybox", **init}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-1",
            "namespace": "default",
            "uid": "uid-1",
            "annotations": {"sim.kubeferry.io/startup-seconds": "2", "sim.kubeferry.io/ready-seconds": "1"},
        },
        "spec": spec,
        "status": {
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": stamp(0)}],
        },
    }


def configmap(**data: str) -> dict:
    return {"metadata": {"name": "app-config", "namespace": "default"}, "data": data}


def secret(**data: str) -> dict:
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return {"metadata": {"name": "s", "namespace": "default"}, "data": encoded}


class Driver:
    """One pod looked at on the virtual clock; status writes applied, events kept as (second, type, reason, message)."""

    def __init__(self, pod: dict, history: mounts.ContentHistory) -> None:
        kubelet._TIMELINES.clear()
        self.pod, self.history = pod, history
        self.events: list[tuple[float, str, str, str]] = []
        self.delay: float | None = None

    def look(self, seconds: float) -> Driver:
        actions, self.delay = kubelet.reconcile(
            self.pod, NODE, at(seconds), rules=[], configmaps={}, secrets={}, history=self.history
        )
        for action in actions:
            if isinstance(action, UpdateStatus):
                self.pod = action.obj
            elif isinstance(action, RecordEvent):
                self.events.append((seconds, action.type, action.reason, action.message))
        return self

    def container(self, key: str = "containerStatuses") -> dict:
        return self.pod["status"][key][0]

    def condition(self, kind: str) -> str:
        return next(c["status"] for c in self.pod["status"]["conditions"] if c["type"] == kind)


def env_from(kind: str, optional: bool = False) -> dict:
    ref = {"name": "app-config"} if kind == CM else {"name": "s"}
    if optional:
        ref["optional"] = True
    return {"envFrom": [{"configMapRef": ref} if kind == CM else {"secretRef": ref}]}


def env_key(kind: str, key: str, optional: bool = False) -> dict:
    ref = {"name": "app-config" if kind == CM else "s", "key": key}
    if optional:
        ref["optional"] = True
    field = "configMapKeyRef" if kind == CM else "secretKeyRef"
    return {"env": [{"name": "COLOUR", "valueFrom": {field: ref}}]}


# (container spec, objects present from the start, the message, the object that completes it)
ENV_CASES = [
    pytest.param(
        env_key(CM, "colour"),
        [(CM, configmap(size="L"))],
        "couldn't find key colour in ConfigMap default/app-config",
        (CM, configmap(size="L", colour="blue")),
        id="env-key-missing",
    ),
    pytest.param(
        env_key(CM, "colour"),
        [],
        'configmap "app-config" not found',
        (CM, configmap(colour="blue")),
        id="env-object-missing",
    ),
    pytest.param(env_from(CM), [], 'configmap "app-config" not found', (CM, configmap()), id="envfrom-missing"),
    pytest.param(env_from(SECRET), [], 'secret "s" not found', (SECRET, secret()), id="envfrom-secret-missing"),
    pytest.param(env_key(SECRET, "k"), [], 'secret "s" not found', (SECRET, secret(k="v")), id="env-secret-missing"),
    pytest.param(
        env_key(SECRET, "k"),
        [(SECRET, secret(other="v"))],
        "couldn't find key k in Secret default/s",
        (SECRET, secret(k="v")),
        id="env-secret-key-missing",
    ),
]


def history_with(objects: list) -> mounts.ContentHistory:
    history = mounts.ContentHistory()
    for kind, obj in objects:
        history.seed(kind, "default", obj["metadata"]["name"], obj)
    return history


@pytest.mark.parametrize("container, present, message, completing", ENV_CASES)
def test_missing_env_data_holds_the_container_until_it_appears(container, present, message, completing):
    history = history_with(present)
    run = Driver(new_pod(container), history).look(0).look(2)
    waiting = run.container()["state"]["waiting"]
    assert waiting == {"message": message, "reason": "CreateContainerConfigError"}
    assert run.pod["status"]["phase"] == "Pending"
    assert run.condition("PodReadyToStartContainers") == "True"
    assert run.pod["status"]["podIP"]
    assert run.events[-2:] == [
        (
            2,
            "Normal",
            "Pulled",
            'Successfully pulled image "nginx:1.25" in 2s (2s including waiting). '
            f"Image size: {kubelet.image_size('nginx:1.25')} bytes.",
        ),
        (2, "Warning", "Failed", f"Error: {message}"),
    ]
    assert run.delay == 10.0
    # The kubelet retries every 10 s: the image is there now, the failure repeats.
    run.look(12)
    assert run.events[-2:] == [
        (12, "Normal", "Pulled", 'Container image "nginx:1.25" already present on machine'),
        (12, "Warning", "Failed", f"Error: {message}"),
    ]
    # The data appears at 15 s: the container starts then (not at the next retry), Ready 1 s later.
    kind, obj = completing
    history.record(kind, "default", obj["metadata"]["name"], obj, at(15))
    run.look(17)
    assert run.container()["state"] == {"running": {"startedAt": stamp(15)}}
    assert run.container()["ready"] is True
    assert run.pod["status"]["phase"] == "Running"
    assert [e[2:] for e in run.events if e[0] == 17] == [
        ("Pulled", 'Container image "nginx:1.25" already present on machine'),
        ("Created", "Created container: app"),
        ("Started", "Started container app"),
    ]
    assert run.container()["restartCount"] == 0


@pytest.mark.parametrize(
    "container",
    [
        pytest.param(env_key(CM, "colour", optional=True), id="env-optional"),
        pytest.param(env_from(CM, optional=True), id="envfrom-optional"),
        pytest.param(env_key(SECRET, "k", optional=True), id="secret-key-optional"),
    ],
)
def test_optional_env_data_never_holds(container):
    run = Driver(new_pod(container), mounts.ContentHistory()).look(0).look(3)
    assert run.container()["state"] == {"running": {"startedAt": stamp(2)}}
    assert not [e for e in run.events if e[1] == "Warning"]


def test_an_optional_key_of_an_existing_configmap_may_be_missing():
    run = Driver(new_pod(env_key(CM, "colour", optional=True)), history_with([(CM, configmap())])).look(0).look(3)
    assert "running" in run.container()["state"]


def cm_volume(items: list | None = None, optional: bool = False) -> dict:
    source: dict = {"name": "app-config"}
    if items:
        source["items"] = items
    if optional:
        source["optional"] = True
    return {"name": "cfg", "configMap": source}


SECRET_VOLUME = {"name": "cfg", "secret": {"secretName": "s"}}
PROJECTED = {
    "name": "cfg",
    "projected": {"sources": [{"configMap": {"name": "app-config"}}, {"secret": {"name": "s"}}]},
}

# (volumes, objects present from the start, the FailedMount message, the objects that complete it)
VOLUME_CASES = [
    pytest.param(
        [cm_volume()],
        [],
        'MountVolume.SetUp failed for volume "cfg" : configmap "app-config" not found',
        [(CM, configmap())],
        id="configmap-missing",
    ),
    pytest.param(
        [SECRET_VOLUME],
        [],
        'MountVolume.SetUp failed for volume "cfg" : secret "s" not found',
        [(SECRET, secret())],
        id="secret-missing",
    ),
    pytest.param(
        [cm_volume(items=[{"key": "colour", "path": "colour.txt"}])],
        [(CM, configmap(size="L"))],
        'MountVolume.SetUp failed for volume "cfg" : configmap references non-existent config key: colour',
        [(CM, configmap(colour="blue"))],
        id="configmap-item-key-missing",
    ),
    pytest.param(
        [{"name": "cfg", "secret": {"secretName": "s", "items": [{"key": "k", "path": "k"}]}}],
        [(SECRET, secret(other="v"))],
        'MountVolume.SetUp failed for volume "cfg" : references non-existent secret key: k',
        [(SECRET, secret(k="v"))],
        id="secret-item-key-missing",
    ),
    pytest.param(
        [PROJECTED],
        [],
        'MountVolume.SetUp failed for volume "cfg" : [configmap "app-config" not found, secret "s" not found]',
        [(CM, configmap()), (SECRET, secret())],
        id="projected-both-missing",
    ),
    pytest.param(
        [PROJECTED],
        [(CM, configmap())],
        'MountVolume.SetUp failed for volume "cfg" : secret "s" not found',
        [(SECRET, secret())],
        id="projected-secret-missing",
    ),
]


@pytest.mark.parametrize("volumes, present, message, completing", VOLUME_CASES)
def test_missing_volume_data_keeps_the_pod_in_container_creating(volumes, present, message, completing):
    history = history_with(present)
    run = Driver(new_pod(volumes=volumes), history).look(0)
    assert run.container()["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert run.pod["status"]["phase"] == "Pending"
    assert run.pod["status"]["startTime"] == stamp(0)
    assert "podIP" not in run.pod["status"] and run.pod["status"]["hostIP"] == "172.18.0.3"
    assert run.condition("PodReadyToStartContainers") == "False"
    assert run.events == [(0, "Warning", "FailedMount", message)]
    assert run.delay == 0.5
    # Retries back off from 0.5 s, doubling: 0.5, 1.5, 3.5, 7.5, 15.5 s.
    run.look(16)
    assert [e[0] for e in run.events] == [0, 16, 16, 16, 16, 16]
    assert {e[3] for e in run.events} == {message}
    assert run.delay == pytest.approx(15.5)  # next retry at 31.5 s
    # The data appears at 20 s: mounted then, the containers start after startup-seconds (22 s).
    for kind, obj in completing:
        history.record(kind, "default", obj["metadata"]["name"], obj, at(20))
    run.look(24)
    assert run.container()["state"] == {"running": {"startedAt": stamp(22)}}
    assert run.pod["status"]["podIP"] and run.condition("PodReadyToStartContainers") == "True"
    assert run.pod["status"]["startTime"] == stamp(0)
    ready_to_start = next(c for c in run.pod["status"]["conditions"] if c["type"] == "PodReadyToStartContainers")
    assert ready_to_start["lastTransitionTime"] == stamp(20)
    assert [e[2] for e in run.events if e[0] == 24] == ["Pulling", "Pulled", "Created", "Started"]


def test_an_optional_volume_source_mounts_without_it():
    run = Driver(new_pod(volumes=[cm_volume(optional=True)]), mounts.ContentHistory()).look(0).look(3)
    assert run.container()["state"] == {"running": {"startedAt": stamp(2)}}
    assert not [e for e in run.events if e[1] == "Warning"]


def test_an_init_container_waits_for_its_env():
    history = mounts.ContentHistory()
    run = Driver(new_pod(init=env_from(CM)), history).look(0)
    init = run.container("initContainerStatuses")
    assert init["state"] == {
        "waiting": {"message": 'configmap "app-config" not found', "reason": "CreateContainerConfigError"}
    }
    assert run.condition("Initialized") == "False"
    assert run.events[-1] == (0, "Warning", "Failed", 'Error: configmap "app-config" not found')
    history.record(CM, "default", "app-config", configmap(), at(4))
    run.look(4)
    assert run.container("initContainerStatuses")["state"] == {"running": {"startedAt": stamp(4)}}


def test_without_a_history_the_data_is_not_consulted():
    kubelet._TIMELINES.clear()
    pod = new_pod(env_from(CM), volumes=[cm_volume()])
    actions, _ = kubelet.reconcile(pod, NODE, at(3), rules=[], configmaps={}, secrets={})
    status = next(a.obj for a in actions if isinstance(a, UpdateStatus))["status"]
    assert status["containerStatuses"][0]["state"] == {"running": {"startedAt": stamp(2)}}


def fresh(pod: dict, seconds: float, history: mounts.ContentHistory):
    kept = dict(kubelet._TIMELINES)
    kubelet._TIMELINES.clear()
    try:
        return kubelet.reconcile(pod, NODE, at(seconds), rules=[], configmaps={}, secrets={}, history=history)
    finally:
        kubelet._TIMELINES.clear()
        kubelet._TIMELINES.update(kept)


@pytest.mark.parametrize(
    "pod",
    [
        pytest.param(new_pod(env_from(CM)), id="env"),
        pytest.param(new_pod(volumes=[cm_volume()]), id="volume"),
    ],
)
def test_the_kept_timeline_answers_as_a_fresh_replay_while_data_arrives(pod):
    """Looks at irregular times, the ConfigMap created at 33 s between looks, changed again at 70 s: the
    status writes and the next look agree with a replay from scratch; every failed attempt is recorded
    once (a fresh replay cannot tell which repeats of one status were recorded, so it records none)."""
    kubelet._TIMELINES.clear()
    history = mounts.ContentHistory()
    changes = {33: configmap(a="1"), 70: configmap(a="2")}
    failures = []
    for seconds in [0, 0, 1, 2, 5, 12, 12, 30, 40, 41, 60, 75, 200]:
        for when in [w for w in changes if w <= seconds]:
            history.record(CM, "default", "app-config", changes.pop(when), at(when))
        expected_actions, expected_delay = fresh(pod, seconds, history)
        actions, delay = kubelet.reconcile(pod, NODE, at(seconds), rules=[], configmaps={}, secrets={}, history=history)
        writes = [a for a in actions if isinstance(a, UpdateStatus)]
        assert writes == [a for a in expected_actions if isinstance(a, UpdateStatus)], f"look at {seconds}s"
        assert delay == expected_delay, f"look at {seconds}s"
        failures += [seconds for a in actions if isinstance(a, RecordEvent) and a.type == "Warning"]
        for action in writes:
            pod = action.obj
    assert pod["status"]["phase"] == "Running"
    assert pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"] == stamp(
        35 if "volumes" in pod["spec"] else 33
    )
    # env: attempts at 2, 12, 22, 32 s; volumes: at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s (as seen by the looks).
    expected = [2, 12, 30, 40] if "volumes" not in pod["spec"] else [0, 1, 2, 5, 12, 30, 40]
    assert failures == expected


def test_a_restart_after_a_crash_waits_for_a_deleted_configmap():
    history = history_with([(CM, configmap())])
    pod = new_pod(env_from(CM))
    pod["metadata"]["annotations"]["sim.kubeferry.io/outcome"] = "crash-loop"
    run = Driver(pod, history).look(0).look(2)
    assert "running" in run.container()["state"]
    history.record(CM, "default", "app-config", None, at(2.5))
    run.look(3).look(10)  # exits at 3 s; the restart that follows finds the ConfigMap gone
    state = run.container()
    assert state["state"]["waiting"]["reason"] == "CreateContainerConfigError"
    assert state["lastState"]["terminated"]["exitCode"] == 1
    assert run.pod["status"]["phase"] == "Running"
    assert kubelet.waiting_on("default", "web-1") == ((CM, "app-config"),)


def test_the_rollout_diagnosis_names_the_missing_configmap():
    run = Driver(new_pod(env_key(CM, "colour")), mounts.ContentHistory()).look(0).look(2)
    assert diagnosis.pod_failure(run.pod) == (
        "CreateContainerConfigError",
        'container "app": configmap "app-config" not found',
    )


def test_the_wait_index_maps_an_object_to_the_pods_waiting_for_it():
    from kubeferry.simulation.catalog import WaitIndex

    index = WaitIndex()
    index.update("default", "web-1", ((CM, "app-config"), (SECRET, "s")))
    index.update("default", "web-2", ((CM, "app-config"),))
    index.update("default", "web-3", ())
    assert index.waiting(CM, "default", "app-config") == [
        ("kubelet", "default", "web-1"),
        ("kubelet", "default", "web-2"),
    ]
    assert index.waiting(SECRET, "default", "s") == [("kubelet", "default", "web-1")]
    assert index.waiting(CM, "other", "app-config") == []
    index.update("default", "web-1", ())  # it runs now
    assert index.waiting(SECRET, "default", "s") == []
    assert index.pods == {(CM, "default", "app-config"): {("default", "web-2")}}


def test_the_feed_stamps_changes_with_the_next_pass_and_seeds_what_was_there():
    from kubeferry.simulation.catalog import ContentFeed

    feed = ContentFeed()
    old = {
        **configmap(a="1"),
        "metadata": {"name": "app-config", "namespace": "default", "creationTimestamp": stamp(5)},
    }
    feed.observe(CM, "default", "app-config", old)  # before the first pass: counts from its creation
    feed.flush(at(100))
    feed.observe(SECRET, "default", "s", secret(k="v"))
    assert feed.history.as_of(SECRET, "default", "s", at(200)) is None  # not stamped before the next pass
    feed.flush(at(120))
    assert feed.history.as_of(CM, "default", "app-config", at(4)) is None
    assert feed.history.as_of(CM, "default", "app-config", at(5)) == {"a": "1"}
    assert feed.history.as_of(SECRET, "default", "s", at(119)) is None
    assert feed.history.as_of(SECRET, "default", "s", at(120)) == {"k": "v"}
