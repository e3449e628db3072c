"""The kubelet's kept timeline: every look answers exactly what a replay from scratch answers.

Each scenario drives one pod through irregular looks (repeats, a look earlier than the previous one,
looks long after several transitions became due), applying each status write, and compares the
actions and the next-look delay with those of a replay that starts from nothing (the timelines
emptied before the call).
"""

from __future__ import annotations

import datetime as dt

import pytest

from kubeferry.controllers.actions import RecordEvent, UpdateStatus
from kubeferry.simulation import kubelet

T = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
NODE = {
    "metadata": {"name": "node-1"},
    "spec": {"podCIDR": "10.244.1.0/24"},
    "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.3"}]},
}
PROBE = {"livenessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5, "failureThreshold": 2}}


def at(seconds: float) -> dt.datetime:
    return T + dt.timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    return at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_pod(annotations: dict, init: tuple = (), probe: dict | None = None, pre_stop: int = 0) -> dict:
    app = {"name": "app", "image": "nginx:1.25", **(probe or {})}
    if pre_stop:
        app["lifecycle"] = {"preStop": {"sleep": {"seconds": pre_stop}}}
    spec = {"nodeName": "node-1", "restartPolicy": "Always", "containers": [app]}
    if init:
        spec["initContainers"] = [{"name": n, "image": "busybox"} for n in init]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "default", "uid": "uid-1", "annotations": annotations},
        "spec": spec,
        "status": {
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": stamp(0)}],
        },
    }


def deleting(pod: dict, requested: float, grace: int) -> dict:
    meta = {**pod["metadata"], "deletionTimestamp": stamp(requested + grace), "deletionGracePeriodSeconds": grace}
    return {**pod, "metadata": meta}


def answer(pod: dict, seconds: float):
    actions, delay = kubelet.reconcile(pod, NODE, at(seconds), rules=[], configmaps={}, secrets={})
    return actions, delay


def fresh_answer(pod: dict, seconds: float):
    """The answer of a replay from nothing; the kept timelines are put back afterwards."""
    kept = dict(kubelet._TIMELINES)
    kubelet._TIMELINES.clear()
    try:
        return answer(pod, seconds)
    finally:
        kubelet._TIMELINES.clear()
        kubelet._TIMELINES.update(kept)


def _without(actions: list, subsequence: list) -> list | None:
    """`actions` less `subsequence` taken in order (None when it is not a subsequence of them)."""
    rest, wanted = [], list(subsequence)
    for action in actions:
        if wanted and action == wanted[0]:
            wanted.pop(0)
        else:
            rest.append(action)
    return None if wanted else rest


def drive_and_compare(pod: dict, looks: list[float], delete_at: tuple[float, int] | None = None) -> int:
    """Look at each time in `looks` with the kept timeline and from scratch; returns how many looks wrote."""
    kubelet._TIMELINES.clear()
    writes = 0
    extra_killing = extra_unhealthy = liveness_kills = 0
    for seconds in looks:
        if delete_at is not None and seconds >= delete_at[0] and not pod["metadata"].get("deletionTimestamp"):
            pod = deleting(pod, *delete_at)
        expected = fresh_answer(pod, seconds)
        got = answer(pod, seconds)
        if got != expected:
            # The one thing a replay from nothing cannot know: whether the events of a transition that
            # changes no status were recorded — a deletion request's Killing (readiness holds while a
            # pod terminates), a first failed liveness probe's Unhealthy (liveness leaves readiness
            # alone).  The stored status looks the same either way; the replay counts them as recorded
            # (an event may be missed after the kept timeline is lost, never recorded twice).
            assert got[1] == expected[1], f"look at {seconds}s"
            extra = _without(got[0], expected[0])
            assert extra and all(isinstance(a, RecordEvent) and a.reason in ("Killing", "Unhealthy") for a in extra), (
                f"look at {seconds}s: {got} != {expected}"
            )
            extra_killing += sum(a.reason == "Killing" for a in extra)
            extra_unhealthy += sum(a.reason == "Unhealthy" for a in extra)
        liveness_kills += sum(isinstance(a, RecordEvent) and "failed liveness probe" in a.message for a in got[0])
        # Each such event once: one deletion's Killing, a first failed probe's Unhealthy once per kill.
        assert extra_killing <= 1 and extra_unhealthy <= liveness_kills + 1, f"look at {seconds}s"
        for action in got[0]:
            if isinstance(action, UpdateStatus):
                pod = action.obj
                writes += 1
    return writes


IRREGULAR = [0, 0, 0.5, 1, 2, 2, 3.5, 1, 7, 12, 12, 40, 41, 90, 200, 400, 401, 1000]

SCENARIOS = [
    pytest.param({}, (), None, 0, None, id="ready"),
    pytest.param(
        {"sim.kubeferry.io/startup-seconds": "2", "sim.kubeferry.io/ready-seconds": "3"},
        (),
        None,
        0,
        None,
        id="slow-start",
    ),
    pytest.param({"sim.kubeferry.io/outcome": "crash-loop"}, (), None, 0, None, id="crash-loop"),
    pytest.param({"sim.kubeferry.io/outcome": "image-pull-error"}, (), None, 0, None, id="image-pull-error"),
    pytest.param({"sim.kubeferry.io/outcome": "liveness-fail"}, (), PROBE, 0, None, id="liveness-fail"),
    pytest.param({"sim.kubeferry.io/outcome": "never-ready"}, (), None, 0, None, id="never-ready"),
    pytest.param({"sim.kubeferry.io/startup-seconds": "1"}, ("init-a", "init-b"), None, 0, None, id="init-containers"),
    pytest.param({}, (), None, 5, (12, 30), id="delete-with-pre-stop"),
    pytest.param({"sim.kubeferry.io/stop-seconds": "60"}, (), None, 0, (12, 30), id="delete-killed-at-grace"),
    pytest.param({"sim.kubeferry.io/startup-seconds": "20"}, (), None, 0, (7, 30), id="delete-while-creating"),
    pytest.param({"sim.kubeferry.io/outcome": "crash-loop"}, (), None, 0, (40, 10), id="delete-crash-looping"),
    pytest.param({"sim.kubeferry.io/startup-seconds": "2"}, (), None, 0, (2, 30), id="delete-at-a-due-transition"),
    pytest.param({"sim.kubeferry.io/outcome": "never-ready"}, (), None, 0, (12, 30), id="delete-never-ready"),
    pytest.param({}, ("init-a",), None, 0, (12, 0), id="delete-with-init-no-grace"),
]


@pytest.mark.parametrize("annotations, init, probe, pre_stop, delete_at", SCENARIOS)
def test_kept_timeline_answers_as_a_fresh_replay(annotations, init, probe, pre_stop, delete_at):
    pod = new_pod(annotations, init, probe, pre_stop)
    writes = drive_and_compare(pod, IRREGULAR, delete_at)
    assert writes >= 1


def test_a_later_look_plays_on_from_the_kept_timeline():
    pod = new_pod({"sim.kubeferry.io/startup-seconds": "2", "sim.kubeferry.io/ready-seconds": "3"})
    kubelet._TIMELINES.clear()
    actions, delay = answer(pod, 0)
    assert delay == 2.0
    timeline = kubelet._TIMELINES[("default", "web-1")]
    played = len(timeline.snapshots)
    assert {s.at for s in timeline.snapshots} == {at(0)}
    pod = next(a.obj for a in actions if isinstance(a, UpdateStatus))
    actions, delay = answer(pod, 5)
    assert kubelet._TIMELINES[("default", "web-1")] is timeline
    assert [s.at for s in timeline.snapshots[played:]] == [at(2), at(5)]
    assert delay is None


def test_a_changed_input_starts_the_timeline_over():
    pod = new_pod({})
    kubelet._TIMELINES.clear()
    answer(pod, 0)
    first = kubelet._TIMELINES[("default", "web-1")]
    changed = {**pod, "metadata": {**pod["metadata"], "annotations": {"sim.kubeferry.io/outcome": "never-ready"}}}
    assert answer(changed, 0) == fresh_answer(changed, 0)
    answer(changed, 0)
    assert kubelet._TIMELINES[("default", "web-1")] is not first


def test_the_timeline_is_dropped_when_the_pod_is_deleted():
    pod = deleting(new_pod({}), 10, 0)
    kubelet._TIMELINES.clear()
    actions, delay = answer(pod, 10)
    assert delay is None
    assert ("default", "web-1") not in kubelet._TIMELINES


def _replayed_snapshots(pod: dict, seconds: float, copying: bool) -> list:
    """`_replay`'s snapshots; `copying` gives the context an empty Needs, so detached snapshots copy the model."""
    from kubeferry.simulation import behaviour as sim_behaviour
    from kubeferry.simulation import mounts, profiles

    behaviour = sim_behaviour.resolve(pod, [])
    needs = mounts.Needs("default", {}, ()) if copying else None
    ctx = kubelet._Context(
        pod,
        NODE,
        behaviour,
        profiles.load_profile(),
        "uid-1",
        "172.18.0.3",
        kubelet.pod_ip(pod, NODE),
        needs=needs,
    )
    return kubelet._replay(ctx, at(seconds))[0]


@pytest.mark.parametrize("order", ["oldest-first", "newest-first", "middle-first"])
@pytest.mark.parametrize("annotations, init, probe, pre_stop, delete_at", SCENARIOS)
def test_snapshots_rebuilt_from_their_steps_match_copied_models(annotations, init, probe, pre_stop, delete_at, order):
    pod = new_pod(annotations, init, probe, pre_stop)
    if delete_at is not None:
        pod = deleting(pod, *delete_at)
    copied = _replayed_snapshots(pod, 1000, copying=True)
    rebuilt = _replayed_snapshots(pod, 1000, copying=False)
    assert len(rebuilt) == len(copied) >= 2
    positions = list(range(len(rebuilt)))
    if order == "newest-first":
        positions.reverse()
    elif order == "middle-first":
        middle = len(positions) // 2
        positions = [middle, *positions[:middle], *positions[middle + 1 :]]
    for index in positions:
        assert rebuilt[index].status == copied[index].status, f"snapshot {index} at {rebuilt[index].at}"
        assert rebuilt[index].events == copied[index].events


def test_a_status_matching_an_intermediate_snapshot_is_found_without_copies():
    """A stored status from a look at 2 s (Running, not Ready) seen by a kept timeline played to 5 s at once."""
    pod = new_pod({"sim.kubeferry.io/startup-seconds": "2", "sim.kubeferry.io/ready-seconds": "3"})
    kubelet._TIMELINES.clear()
    running = next(a.obj for a in answer(pod, 2)[0] if isinstance(a, UpdateStatus))
    kubelet._TIMELINES.clear()
    answer(pod, 5)  # the kept timeline plays Accepted … Ready in one look; Running is only rebuilt when asked
    timeline = kubelet._TIMELINES[("default", "web-1")]
    assert all(s._model is None for s in timeline.snapshots[:-1])
    assert answer(running, 5) == fresh_answer(running, 5)
    assert running["status"]["containerStatuses"][0]["state"] == {"running": {"startedAt": stamp(2)}}


def test_a_pod_deleted_at_once_records_its_killing_from_the_kept_timeline():
    """A deletion request changes no status, so the stored status shows the Terminating snapshot as well as
    the one before it.  The look that deletes the pod (its timeline dropped by the replay) still knows
    from what the timeline had reported that Killing is not recorded yet; a replay from nothing (a lost
    timeline) counts it as recorded."""
    pod = new_pod({"sim.kubeferry.io/outcome": "never-ready"})
    kubelet._TIMELINES.clear()
    pod = next(a.obj for a in answer(pod, 0)[0] if isinstance(a, UpdateStatus))
    pod = deleting(pod, 5, 30)
    expected = fresh_answer(pod, 5)
    actions, delay = answer(pod, 5)
    assert [type(a).__name__ for a in actions] == ["UpdateStatus", "RecordEvent", "DeleteObject"]
    assert (actions[1].reason, actions[1].message) == ("Killing", "Stopping container app")
    assert ([actions[0], actions[2]], delay) == expected
    assert answer(pod, 5) == expected  # a second look at the same pod records it no more
