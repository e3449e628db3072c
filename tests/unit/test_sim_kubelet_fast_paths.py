"""The kubelet's shortcuts (`kubelet.FAST_PATHS`) answer exactly as the general path.

Seeded scenarios (the random templates, pods and looks of test_sim_kubelet_plans) are looked at
with the shortcuts on and off.  Besides the scenario's looks, a look is often repeated at the same
instant right after its own status write (the look the quiet-look shortcut answers), and the stored
status is sometimes changed by "another writer": a JSON round trip (equal values, other objects),
a managed key set to an edge value (None, "", [], {}, 0, False, another phase), a key removed, a
readiness-gate condition or a non-managed key added.  Every answer (actions and delay) must be equal.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from test_sim_kubelet_plans import NODES, T, scenario, stamp_pod

from kubeferry.controllers.actions import DeleteObject, UpdateStatus
from kubeferry.simulation import kubelet, profiles

EDGE_VALUES = (None, "", [], {}, 0, False, "Pending", "Running", "Succeeded", [{"ip": "10.0.0.1"}])
LIST_KEYS = {"conditions", "initContainerStatuses", "containerStatuses"}  # lists of objects the kubelet reads
LIST_EDGE_VALUES = (None, [], [{"name": "app"}])


def perturbed(status: dict, rng: random.Random) -> dict:
    """`status` as another writer might leave it (see the module docstring)."""
    choice = rng.randrange(5)
    if choice == 0:
        return json.loads(json.dumps(status))
    status = dict(status)
    if choice == 1:
        key = rng.choice(kubelet.MANAGED_KEYS)
        status[key] = rng.choice(LIST_EDGE_VALUES if key in LIST_KEYS else EDGE_VALUES)
    elif choice == 2:
        status.pop(rng.choice(kubelet.MANAGED_KEYS), None)
    elif choice == 3:
        gate = {"type": "example.com/gate", "status": rng.choice(("True", "False")), "lastProbeTime": None}
        status["conditions"] = [*(status.get("conditions") or ()), gate]
    else:
        status["nominatedNodeName"] = "node-0"
    return status


def run(pods: list[dict], looks: list, profile: profiles.Profile, seed: int) -> tuple[list, int]:
    """The answers to the scenario's looks (and the repeated ones), and how many the quiet look answered."""
    kubelet._TIMELINES.clear()
    kubelet._PLANS.clear()
    rng = random.Random(seed * 7919 + 1)
    pods = list(pods)
    answers = []
    quiet = 0
    general = kubelet._quiet_look

    def counted(*args):
        nonlocal quiet
        answer = general(*args)
        quiet += answer is not None
        return answer

    kubelet._quiet_look = counted
    try:
        for number, seconds, delete in looks:
            for repeat in range(rng.choice((1, 2, 2, 3))):
                pod = pods[number]
                if pod is None:
                    break
                if delete is not None and seconds >= delete and not pod["metadata"].get("deletionTimestamp"):
                    meta = {**pod["metadata"], "deletionTimestamp": stamp(T + dt.timedelta(seconds=delete + 30))}
                    pod = pods[number] = {**pod, "metadata": {**meta, "deletionGracePeriodSeconds": 30}}
                if repeat and rng.random() < 0.3:
                    pod = pods[number] = {**pod, "status": perturbed(pod.get("status") or {}, rng)}
                node_index = int(pod["spec"]["nodeName"].rsplit("-", 1)[1])
                now = T + dt.timedelta(seconds=seconds)
                got = kubelet.reconcile(
                    pod, NODES[node_index], now, rules=[], configmaps={}, secrets={}, profile=profile, history=None
                )
                answers.append((number, seconds, repeat, got))
                for action in got[0]:
                    if isinstance(action, UpdateStatus):
                        pods[number] = action.obj
                    elif isinstance(action, DeleteObject):
                        pods[number] = None
    finally:
        kubelet._quiet_look = general
    return answers, quiet


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("seed", range(150))
def test_looks_with_shortcuts_answer_as_the_general_path(seed, monkeypatch):
    pods, looks, profile = scenario(seed)
    fast, quiet = run(pods, looks, profile, seed)
    monkeypatch.setattr(kubelet, "FAST_PATHS", False)
    general, none = run(pods, looks, profile, seed)
    assert none == 0
    assert len(fast) == len(general)
    for got, expected in zip(fast, general, strict=True):
        assert got == expected, f"pod {got[0]} at {got[1]}s, look {got[2]}"


def test_the_scenarios_take_the_quiet_look():
    """The seeded runs do exercise the shortcut (a quiet look after most status writes)."""
    taken = 0
    for seed in range(20):
        pods, looks, profile = scenario(seed)
        taken += run(pods, looks, profile, seed)[1]
    assert taken > 50


def test_the_look_after_the_kubelets_own_write_is_quiet():
    """Bound, looked at (status written), looked at again: no actions, no next look; then deleted."""
    template = ({}, {"restartPolicy": "Always", "containers": [{"name": "app", "image": "nginx:1.25"}]}, [])
    pod = stamp_pod(template, 1, 0, T)
    kubelet._TIMELINES.clear()
    kubelet._PLANS.clear()
    actions, delay = kubelet.reconcile(pod, NODES[0], T, rules=[], configmaps={}, secrets={})
    written = actions[0].obj
    assert written["status"]["phase"] == "Running" and delay is None
    again = json.loads(json.dumps(written))  # equal values, other objects
    assert kubelet._quiet_look(again, NODES[0], T, [], profiles.load_profile(), None) == ([], None)
    assert kubelet.reconcile(again, NODES[0], T, rules=[], configmaps={}, secrets={}) == ([], None)
    moved = {**again, "status": {**again["status"], "podIP": "10.9.9.9"}}  # another writer: not quiet
    assert kubelet._quiet_look(moved, NODES[0], T, [], profiles.load_profile(), None) is None


STATUS = {
    "phase": "Running",
    "conditions": [{"type": "Ready", "status": "True"}],
    "hostIP": "172.18.0.2",
    "hostIPs": [{"ip": "172.18.0.2"}],
    "podIP": "10.244.0.7",
    "podIPs": [{"ip": "10.244.0.7"}],
    "startTime": "2024-05-01T10:00:00Z",
    "containerStatuses": [{"name": "app", "ready": True}],
    "qosClass": "BestEffort",
}


@pytest.mark.parametrize(
    ("change", "managed_change"),
    [
        pytest.param({}, {}, id="the-same-status"),
        pytest.param({"qosClass": "Burstable"}, {}, id="a-key-the-kubelet-does-not-manage"),
        pytest.param({"podIP": ""}, {"podIP": None}, id="empty-string-is-absent"),
        pytest.param({"hostIPs": []}, {"hostIPs": None}, id="empty-list-is-absent"),
        pytest.param({"podIPs": None}, {"podIPs": None}, id="none-is-absent"),
        pytest.param({"podIP": 0}, {"podIP": 0}, id="zero-is-kept"),
        pytest.param({"podIP": False}, {"podIP": False}, id="false-is-kept"),
        pytest.param({"podIP": {}}, {"podIP": {}}, id="empty-dict-is-kept"),
        pytest.param({"phase": "Pending"}, {}, id="another-phase"),
        pytest.param({}, {"initContainerStatuses": [{"name": "init"}]}, id="a-key-only-the-snapshot-has"),
        pytest.param({"initContainerStatuses": [{"name": "init"}]}, {}, id="a-key-only-the-status-has"),
        pytest.param({"conditions": []}, {}, id="no-conditions"),
        pytest.param({"startTime": 0.0}, {"startTime": 0}, id="equal-values-of-other-types"),
    ],
)
def test_shows_is_managed_equality(change, managed_change):
    status = {**STATUS, **change}
    managed = {**kubelet._managed(STATUS), **managed_change}
    managed = {key: value for key, value in managed.items() if value is not None}
    assert kubelet._shows(status, managed) is (managed == kubelet._managed(status))


@pytest.mark.parametrize(
    "wanted_phase",
    ["Running", "Pending", "", None, 0, ["Running"], "running"],
    ids=["same", "other", "empty", "none", "zero", "list", "other-case"],
)
def test_a_rendered_snapshot_matches_as_its_managed_part(wanted_phase, monkeypatch):
    """The phase pre-check of `_Snapshot.matches` answers as comparing the whole managed part."""
    wanted = kubelet._managed({**STATUS, "phase": wanted_phase})
    answers = []
    for fast in (True, False):
        monkeypatch.setattr(kubelet, "FAST_PATHS", fast)
        snapshot = kubelet._Snapshot(T, dict(STATUS), [])
        answers.append(snapshot.matches(wanted))
    assert answers[0] is answers[1] is (wanted_phase == "Running")


@pytest.mark.parametrize(
    ("meta", "spec"),
    [
        pytest.param({"deletionTimestamp": "2024-05-01T10:00:30Z", "deletionGracePeriodSeconds": 30}, {}, id="int"),
        pytest.param({"deletionTimestamp": "2024-05-01T10:00:30Z", "deletionGracePeriodSeconds": 2.5}, {}, id="float"),
        pytest.param({"deletionTimestamp": "2024-05-01T10:00:30Z", "deletionGracePeriodSeconds": 0}, {}, id="zero"),
        pytest.param({"deletionTimestamp": "2024-05-01T10:00:30Z", "deletionGracePeriodSeconds": True}, {}, id="bool"),
        pytest.param({"deletionTimestamp": "2024-05-01T10:00:30Z", "deletionGracePeriodSeconds": "7"}, {}, id="text"),
        pytest.param({"deletionTimestamp": "2024-05-01T10:00:30Z"}, {"terminationGracePeriodSeconds": 5}, id="spec"),
        pytest.param({"deletionTimestamp": "2024-05-01T10:00:30Z"}, {}, id="default-grace"),
        pytest.param({"deletionTimestamp": "2024-05-01T10:00:30Z"}, {"terminationGracePeriodSeconds": None}, id="null"),
        pytest.param({"deletionTimestamp": "not a time", "deletionGracePeriodSeconds": 30}, {}, id="unreadable"),
        pytest.param({"deletionTimestamp": ""}, {}, id="empty"),
        pytest.param({}, {}, id="not-deleted"),
    ],
)
def test_the_memoised_deletion_request_answers_as_computed(meta, spec, monkeypatch):
    pod = {"metadata": meta, "spec": spec}
    answers = []
    for fast in (True, False, True):  # the second fast call answers from the memo
        monkeypatch.setattr(kubelet, "FAST_PATHS", fast)
        answers.append(kubelet._deletion_request(pod))
    assert answers[0] == answers[1] == answers[2]
    assert [type(part) for part in answers[0] or ()] == [type(part) for part in answers[1] or ()]


def two_pass_fingerprint_conditions(pod: dict) -> tuple:
    """The bind time and foreign conditions as `_fingerprint` read them in two passes (its former code)."""
    meta = pod.get("metadata") or {}
    conditions = (pod.get("status") or {}).get("conditions") or ()
    bound = None
    for condition in conditions:
        if condition.get("type") == "PodScheduled" and condition.get("status") == "True":
            bound = condition.get("lastTransitionTime")
            if kubelet.parse_time(bound) is not None:
                break
            bound = None
    if bound is None:
        bound = meta.get("creationTimestamp")
        if kubelet.parse_time(bound) is None:
            return None
    return bound, tuple(c for c in conditions if c.get("type") not in kubelet.CONDITION_ORDER)


SCHEDULED = {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2024-05-01T10:00:03Z"}


@pytest.mark.parametrize(
    ("conditions", "created"),
    [
        pytest.param([SCHEDULED], None, id="scheduled"),
        pytest.param([{**SCHEDULED, "lastTransitionTime": "bad"}, SCHEDULED], None, id="first-unreadable"),
        pytest.param([{**SCHEDULED, "status": "False"}, SCHEDULED], None, id="first-false"),
        pytest.param([SCHEDULED, {**SCHEDULED, "lastTransitionTime": "2024-05-01T10:00:09Z"}], None, id="two"),
        pytest.param(
            [{"type": "Ready", "status": "True"}, {"type": "example.com/gate"}], "2024-05-01T10:00:00Z", id="c"
        ),
        pytest.param([{**SCHEDULED, "status": "False"}], None, id="no-bind-time"),
        pytest.param([], "2024-05-01T10:00:00Z", id="none"),
    ],
)
def test_the_fingerprint_reads_conditions_as_two_passes_did(conditions, created):
    pod = {"metadata": {"uid": "u", "creationTimestamp": created}, "status": {"conditions": conditions}}
    fingerprint = kubelet._fingerprint(pod, NODES[0], [], None, None, "172.18.0.2")
    expected = two_pass_fingerprint_conditions(pod)
    if expected is None:
        assert fingerprint is None
    else:
        assert (fingerprint[3], fingerprint[7]) == expected


def test_foreign_conditions_are_flat_unless_a_value_is_nested():
    conditions = [
        {"type": "Ready", "status": "True"},
        {"type": "PodScheduled", "status": "True"},
        {"type": "example.com/gate", "status": "True", "details": {"a": 1}},
        {"type": "example.com/list", "status": "True", "items": [1]},
    ]
    ctx = kubelet._Context({"status": {"conditions": conditions}}, NODES[0], None, None, "u", "", "", facts=(0,) * 5)
    assert ctx.foreign_conditions == [(conditions[1], True), (conditions[2], False), (conditions[3], False)]
