"""The kubelet finds a model's next stage from its facts given as sorted pairs; the answer is the
profile's `match` over the same facts as a map, for every state the default profile knows."""

from __future__ import annotations

import pytest

from kubeferry.simulation import behaviour, kubelet, profiles

STATES = [
    "Scheduled",
    "Accepted",
    "InitContainerRunning",
    "InitContainerCompleted",
    "ContainerCreating",
    "ErrImagePull",
    "ImagePullBackOff",
    "Running",
    "Ready",
    "Unhealthy",
    "Exited",
    "CrashLoopBackOff",
    "ContainersCompleted",
    "PodCompleted",
]
OUTCOMES = ["ready", "never-ready", "crash-loop", "image-pull-error", "liveness-fail", "complete"]


def facts_map(model: kubelet._Model, ctx: kubelet._Context) -> dict[str, str]:
    """The facts as the profile documents them (profiles/default.yaml)."""
    facts = {
        "state": model.state,
        "outcome": ctx.behaviour.outcome,
        "restartPolicy": ctx.restart_policy,
        "initPending": "true" if model.init_index < len(model.inits) else "false",
        "jobPod": "true" if ctx.job_pod else "false",
    }
    if model.state == "Exited":
        facts["exitCode"] = str(model.exit_code)
        facts["backoff"] = "none" if model.restart_wait == 0 else "waiting"
    return facts


def pod(restart_policy: str, job: bool, inits: int) -> dict:
    owners = [{"kind": "Job", "name": "j", "uid": "u-j", "controller": True}] if job else []
    return {
        "metadata": {"name": "p", "namespace": "ns", "uid": "u-p", "ownerReferences": owners},
        "spec": {
            "restartPolicy": restart_policy,
            "initContainers": [{"name": f"i{n}", "image": "busybox"} for n in range(inits)],
            "containers": [{"name": "app", "image": "nginx"}],
        },
    }


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize(
    ("restart_policy", "job", "inits", "exit_code", "restart_wait"),
    [
        pytest.param("Always", False, 0, 1, 0.0, id="deployment pod, first crash"),
        pytest.param("Always", False, 1, 1, 20.0, id="init pending, backing off"),
        pytest.param("OnFailure", True, 0, 0, 0.0, id="job pod exited 0"),
        pytest.param("Never", True, 0, 137, 10.0, id="job pod killed"),
    ],
)
def test_next_stage_is_the_profiles_match(state, outcome, restart_policy, job, inits, exit_code, restart_wait):
    the_pod = pod(restart_policy, job, inits)
    profile = profiles.load_profile()
    ctx = kubelet._Context(
        pod=the_pod,
        node={},
        behaviour=behaviour.Behaviour(outcome=outcome),
        profile=profile,
        seed="u-p",
        host_ip="10.0.0.1",
        pod_ip="10.244.0.9",
    )
    model = kubelet._initial_model(the_pod, "u-p")
    model.state, model.exit_code, model.restart_wait = state, exit_code, restart_wait
    expected = profile.match(facts_map(model, ctx))
    assert kubelet._next_stage(model, ctx) == expected
    # And once more, now from the profile's memo of the same facts.
    assert kubelet._next_stage(model, ctx) == expected


def test_some_states_have_stages_and_terminal_ones_none():
    the_pod = pod("Always", False, 0)
    profile = profiles.load_profile()
    ctx = kubelet._Context(the_pod, {}, behaviour.Behaviour(), profile, "u-p", "10.0.0.1", "10.244.0.9")
    model = kubelet._initial_model(the_pod, "u-p")
    assert kubelet._next_stage(model, ctx).next == "Accepted"
    model.state = "PodCompleted"
    assert kubelet._next_stage(model, ctx) is None
