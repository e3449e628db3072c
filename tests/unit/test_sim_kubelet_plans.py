"""The kubelet's per-template plans: a pod's looks answer exactly as without any plan.

Seeded random templates (containers, init and sidecar containers, probes, restart policies, Job
ownership, every outcome, startup/ready/stop delays, the default and a jittered profile) are stamped
into pods with their own uids, names, nodes and bind times; the pods are looked at in an interleaved,
irregular order (so one pod's look grows a plan another pod then reuses, earlier and later than it),
some are deleted, and every status write is applied and feeds the nodes' images (so later pods find
images already on their node).  The same run with `_plan_for` answering None (every timeline played
from the pod's own initial model) must give equal actions and delays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
import yaml

from kubeferry.controllers.actions import DeleteObject, UpdateStatus
from kubeferry.simulation import kubelet, profiles

T = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
OUTCOMES = ("ready", "never-ready", "crash-loop", "image-pull-error", "liveness-fail")


def node(index: int) -> dict:
    return {
        "metadata": {"name": f"node-{index}"},
        "spec": {"podCIDR": f"10.244.{index}.0/24"},
        "status": {"addresses": [{"type": "InternalIP", "address": f"172.18.0.{index + 2}"}]},
    }


NODES = [node(i) for i in range(2)]


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def jittered_profile() -> profiles.Profile:
    """The default profile with jitter on every stage (delays then depend on the pod uid)."""
    from importlib import resources

    text = resources.files(profiles.__package__).joinpath("profiles", "default.yaml").read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    for index, stage in enumerate(document["stages"]):
        stage.setdefault("delay", {})["jitterSeconds"] = 1.5 + index % 3
    document["metadata"]["name"] = "jittered"
    return profiles.parse_profile(document)


def random_template(rng: random.Random) -> tuple[dict, dict, list[dict]]:
    """(annotations, spec without nodeName, ownerReferences) of one random template."""
    annotations = {"sim.kubeferry.io/outcome": rng.choice(OUTCOMES)}
    for key in ("startup-seconds", "ready-seconds", "stop-seconds", "fail-after-seconds"):
        if rng.random() < 0.4:
            annotations[f"sim.kubeferry.io/{key}"] = str(rng.choice((0, 0.5, 1, 3, 20)))
    containers = []
    for index in range(rng.choice((1, 1, 2))):
        container = {"name": f"c{index}", "image": rng.choice(("nginx:1.25", "alpine:3.6", "busybox"))}
        if rng.random() < 0.3:
            container["imagePullPolicy"] = rng.choice(("Always", "IfNotPresent"))
        if rng.random() < 0.3:
            probe = {"periodSeconds": rng.choice((2, 5)), "failureThreshold": rng.choice((1, 3))}
            probe.update(rng.choice(({"httpGet": {"path": "/", "port": 80}}, {"tcpSocket": {"port": 81}})))
            container["livenessProbe"] = probe
        if rng.random() < 0.3:
            container["readinessProbe"] = {"initialDelaySeconds": rng.choice((0, 2, 7))}
        if rng.random() < 0.2:
            container["lifecycle"] = {"preStop": {"sleep": {"seconds": rng.choice((1, 5))}}}
        containers.append(container)
    spec: dict = {"restartPolicy": rng.choice(("Always", "Always", "OnFailure", "Never")), "containers": containers}
    if rng.random() < 0.3:
        inits = [{"name": f"init{i}", "image": "busybox"} for i in range(rng.choice((1, 2)))]
        if rng.random() < 0.5:
            inits[0]["restartPolicy"] = "Always"  # a sidecar
        spec["initContainers"] = inits
    owners = []
    if rng.random() < 0.2:
        owners = [{"apiVersion": "batch/v1", "kind": "Job", "name": "job", "uid": "job-uid", "controller": True}]
    return annotations, spec, owners


def stamp_pod(template: tuple, number: int, node_index: int, bound: dt.datetime) -> dict:
    annotations, spec, owners = template
    meta = {"name": f"p-{number}", "namespace": "default", "uid": f"uid-{number}", "annotations": annotations}
    if owners:
        meta["ownerReferences"] = owners
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {**spec, "nodeName": f"node-{node_index}"},
        "status": {
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": stamp(bound)}],
        },
    }


def scenario(seed: int) -> tuple[list[dict], list[tuple[int, float, float | None]], profiles.Profile]:
    """Pods and the looks at them: (pod index, seconds after T, delete requested at seconds or None)."""
    rng = random.Random(seed)
    profile = jittered_profile() if rng.random() < 0.3 else profiles.load_profile()
    templates = [random_template(rng) for _ in range(rng.choice((1, 2, 3)))]
    pods, looks = [], []
    for number in range(rng.randint(3, 8)):
        bound = rng.choice((0, 0, 0, 1, 2.5, 7, 30))
        pods.append(
            stamp_pod(rng.choice(templates), number, rng.randrange(len(NODES)), T + dt.timedelta(seconds=bound))
        )
        delete = bound + rng.choice((5, 40, 400)) if rng.random() < 0.3 else None
        for _ in range(rng.randint(1, 6)):
            looks.append((number, bound + rng.choice((0, 0, 0.5, 1, 2, 3, 7, 12, 40, 90, 401, 1000)), delete))
    rng.shuffle(looks)
    return pods, looks, profile


def run(pods: list[dict], looks: list, profile: profiles.Profile) -> list:
    kubelet._TIMELINES.clear()
    kubelet._PLANS.clear()
    pods = list(pods)
    images = kubelet.NodeImages()
    answers = []
    for number, seconds, delete in looks:
        pod = pods[number]
        if pod is None:
            continue
        if delete is not None and seconds >= delete and not pod["metadata"].get("deletionTimestamp"):
            grace = 30
            meta = {**pod["metadata"], "deletionTimestamp": stamp(T + dt.timedelta(seconds=delete + grace))}
            pod = pods[number] = {**pod, "metadata": {**meta, "deletionGracePeriodSeconds": grace}}
        node_index = int(pod["spec"]["nodeName"].rsplit("-", 1)[1])
        now = T + dt.timedelta(seconds=seconds)
        got = kubelet.reconcile(
            pod,
            NODES[node_index],
            now,
            rules=[],
            configmaps={},
            secrets={},
            profile=profile,
            history=None,
            images=images,
        )
        answers.append((number, seconds, got))
        for action in got[0]:
            if isinstance(action, UpdateStatus):
                images.observe(action.obj, pods[number])
                pods[number] = action.obj
            elif isinstance(action, DeleteObject):
                pods[number] = None
    return answers


@pytest.mark.parametrize("seed", range(120))
def test_looks_with_plans_answer_as_without(seed, monkeypatch):
    pods, looks, profile = scenario(seed)
    with_plans = run(pods, looks, profile)
    monkeypatch.setattr(kubelet, "_plan_for", lambda *args: None)
    without = run(pods, looks, profile)
    assert len(with_plans) == len(without)
    for got, expected in zip(with_plans, without, strict=True):
        assert got == expected, f"pod {got[0]} at {got[1]}s"


def test_a_second_pod_of_a_template_takes_the_plans_steps():
    """Two pods of one template bound 7 s apart: the second's first look reuses the plan's steps."""
    template = ({}, {"restartPolicy": "Always", "containers": [{"name": "app", "image": "nginx:1.25"}]}, [])
    first = stamp_pod(template, 1, 0, T)
    second = stamp_pod(template, 2, 0, T + dt.timedelta(seconds=7))
    profile = profiles.load_profile()
    kubelet._TIMELINES.clear()
    kubelet._PLANS.clear()
    kubelet.reconcile(first, NODES[0], T, rules=[], configmaps={}, secrets={}, profile=profile)
    (plans,) = kubelet._PLANS.values()
    (plan,) = plans
    assert [step.state for step in plan.steps[: plan.played]] == ["Accepted", "ContainerCreating", "Running", "Ready"]
    actions, delay = kubelet.reconcile(
        second, NODES[0], T + dt.timedelta(seconds=7), rules=[], configmaps={}, secrets={}, profile=profile
    )
    assert plans == [plan]
    status = actions[0].obj["status"]
    assert status["startTime"] == "2024-05-01T10:00:07Z"
    assert status["containerStatuses"][0]["state"] == {"running": {"startedAt": "2024-05-01T10:00:07Z"}}
    assert status["containerStatuses"][0]["containerID"] == kubelet._container_id_of("uid-2", "app", 0)
    assert [a.reason for a in actions[1:]] == ["Pulling", "Pulled", "Created", "Started"]
    assert delay is None


def test_a_later_pod_on_the_node_finds_the_image_there():
    """The first pod of an image on a node pulls it; a pod bound there after it started does not (policy
    IfNotPresent), unless its policy is Always; a pod on another node pulls again."""
    template = ({}, {"restartPolicy": "Always", "containers": [{"name": "app", "image": "nginx:1.25"}]}, [])
    always = (
        {},
        {"containers": [{"name": "app", "image": "docker.io/library/nginx:1.25", "imagePullPolicy": "Always"}]},
        [],
    )
    profile = profiles.load_profile()
    kubelet._TIMELINES.clear()
    kubelet._PLANS.clear()
    images = kubelet.NodeImages()

    def first_look(pod: dict, node_index: int, at: dt.datetime) -> list[tuple[str, str]]:
        actions, _ = kubelet.reconcile(
            pod, NODES[node_index], at, rules=[], configmaps={}, secrets={}, profile=profile, images=images
        )
        images.observe(actions[0].obj, pod)
        return [(a.reason, a.message) for a in actions[1:]]

    pulled = first_look(stamp_pod(template, 1, 0, T), 0, T)
    assert [reason for reason, _ in pulled] == ["Pulling", "Pulled", "Created", "Started"]
    assert pulled[1][1].startswith('Successfully pulled image "nginx:1.25" in 0s')
    later = T + dt.timedelta(seconds=7)
    assert first_look(stamp_pod(template, 2, 0, later), 0, later) == [
        ("Pulled", 'Container image "nginx:1.25" already present on machine'),
        ("Created", "Created container: app"),
        ("Started", "Started container app"),
    ]
    assert [r for r, _ in first_look(stamp_pod(always, 3, 0, later), 0, later)] == [
        "Pulling",
        "Pulled",
        "Created",
        "Started",
    ]
    assert [r for r, _ in first_look(stamp_pod(template, 4, 1, later), 1, later)] == [
        "Pulling",
        "Pulled",
        "Created",
        "Started",
    ]
    # a pod bound before the image reached the node pulls it too (it asked the runtime earlier)
    earlier = stamp_pod(template, 5, 1, T)
    assert [r for r, _ in first_look(earlier, 1, later)][:2] == ["Pulling", "Pulled"]


def test_which_images_a_node_holds():
    """`NodeImages` keeps, per node and normalized image, the earliest start of a container that ran
    it there; a container not pulled (no imageID) or not started proves nothing; a deleted node forgets."""
    images = kubelet.NodeImages()

    def pod(node: str, image: str, state: dict, image_id: str = "id") -> dict:
        status = {"containerStatuses": [{"image": image, "imageID": image_id, "state": state}]}
        return {"spec": {"nodeName": node}, "status": status}

    images.observe(pod("n1", "nginx", {"running": {"startedAt": "2024-05-01T10:00:09Z"}}), None)
    images.observe(pod("n1", "docker.io/library/nginx:latest", {"terminated": {"startedAt": stamp(T)}}), None)
    images.observe(pod("n1", "redis", {"running": {"startedAt": stamp(T)}}, image_id=""), None)
    images.observe(pod("n2", "redis", {"waiting": {"reason": "ContainerCreating"}}), None)
    assert images.held == {"n1": {"docker.io/library/nginx:latest": T}}
    images.forget_node("n1")
    assert images.held == {}


def test_images_on_node_at_the_bind_time():
    def held(**node_images) -> kubelet.NodeImages:
        images = kubelet.NodeImages()
        images.held = node_images
        return images

    node_images = {"docker.io/library/nginx:1.25": T, "docker.io/library/busybox:latest": T + dt.timedelta(seconds=5)}
    spec = {"initContainers": [{"name": "i", "image": "busybox"}], "containers": [{"name": "c", "image": "nginx:1.25"}]}

    def pod(uid: str, annotations: dict | None = None) -> dict:
        return {"metadata": {"uid": uid, "annotations": annotations or {}}, "spec": spec}

    def on_node(p: dict, node: dict, at: dt.datetime, images: kubelet.NodeImages) -> frozenset:
        return kubelet.images_on_node(p, node, at, images, kubelet._behaviour.resolve(p, []))

    assert on_node(pod("a"), NODES[0], T, held(**{"node-0": node_images})) == {"nginx:1.25"}
    later = T + dt.timedelta(seconds=5)
    assert on_node(pod("b"), NODES[0], later, held(**{"node-0": node_images})) == {"nginx:1.25", "busybox"}
    assert on_node(pod("c"), NODES[1], later, held(**{"node-0": node_images})) == frozenset()
    failing = pod("d", {"sim.kubeferry.io/outcome": "image-pull-error"})
    assert on_node(failing, NODES[0], T, held(**{"node-0": node_images})) == frozenset()
    # a node of that name created after the images were seen (deleted and added again) holds none of them
    renewed = {**NODES[0], "metadata": {"name": "node-0", "creationTimestamp": stamp(T + dt.timedelta(seconds=1))}}
    assert on_node(pod("e"), renewed, later, held(**{"node-0": node_images})) == {"busybox"}


def test_a_pod_keeps_the_answer_its_first_timeline_was_given():
    """A pod bound in the very second another pod's container starts with its image may be looked at
    before or after that start is seen; whichever answer its first look got, a timeline built again
    for it (a changed annotation, a dropped cache) gets the same, so its pull events never contradict
    the recorded ones.  The answer goes with the pod."""
    images = kubelet.NodeImages()
    spec = {"containers": [{"name": "c", "image": "nginx:1.25"}]}
    pod = {"metadata": {"uid": "b"}, "spec": spec}
    behaviour = kubelet._behaviour.resolve(pod, [])
    assert kubelet.images_on_node(pod, NODES[0], T, images, behaviour) == frozenset()
    images.held = {"node-0": {"docker.io/library/nginx:1.25": T}}  # the other pod's start, seen afterwards
    assert kubelet.images_on_node(pod, NODES[0], T, images, behaviour) == frozenset()
    images.forget_pod(pod)
    assert kubelet.images_on_node(pod, NODES[0], T, images, behaviour) == {"nginx:1.25"}


def test_a_restarted_containers_first_start_counts():
    images = kubelet.NodeImages()
    restarted = {
        "image": "nginx",
        "imageID": "id",
        "state": {"running": {"startedAt": stamp(T + dt.timedelta(seconds=30))}},
        "lastState": {"terminated": {"startedAt": stamp(T)}},
    }
    images.observe({"spec": {"nodeName": "n"}, "status": {"containerStatuses": [restarted]}}, None)
    assert images.held == {"n": {"docker.io/library/nginx:latest": T}}


def test_the_rebase_moves_every_time_the_model_holds():
    """`_rebased` names the model's fields it moves: a new time-valued field must be added there too."""
    moved_model = {"start_time", "conditions", "pull_started", "exited_at", "pull_failed_at", "backoff", "pull_backoff"}
    moved_model.add("probed_at")
    plain_model = {"state", "inits", "containers", "init_index", "terminal_phase", "exit_code", "restart_wait"}
    plain_model |= {"pull_attempts", "sandbox", "hold", "unready"}
    assert {f.name for f in dataclasses.fields(kubelet._Model)} == moved_model | plain_model
    moved_container = {"started_at", "finished_at", "seed"}
    plain_container = {"name", "image", "init", "sidecar", "state", "reason", "message", "exit_code", "ready"}
    plain_container |= {"restart_count", "last", "pulled", "created", "fetched"}
    assert {f.name for f in dataclasses.fields(kubelet._Container)} == moved_container | plain_container
