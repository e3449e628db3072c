"""The kubelet's cheaper renderings answer exactly as the general code.

* `_Shape` (a plan step's status less the pod's own values) renders, for every step of the seeded
  scenarios' plans, every bind-time offset and pods with flat and nested foreign conditions, the
  very text `_render` gives for the step's model moved to that pod (compared as JSON, key order
  included: the write traces depend on it), and two pods' statuses share no mutable object.
* `pod_ip` without ipaddress objects gives the address ipaddress arithmetic gives.
* `_shows` compares a stored status with a rendered one as `_managed(a) == _managed(b)`, and
  `_is_managed_part` a managed part with a rendered status as `wanted == _managed(rendered)`.
* `_PlanStep.stopped` (a deletion of a pod still at its plan step) gives the events, condition
  statuses and stopped status the moved model gives, and seeded deletions after planned first looks
  answer as with `FAST_PATHS` off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import random

import pytest
from test_sim_kubelet_fast_paths import STATUS
from test_sim_kubelet_plans import NODES, T, random_template, run, scenario, stamp, stamp_pod

from kubeferry.controllers.actions import UpdateStatus
from kubeferry.simulation import kubelet, profiles

GATE_FLAT = {"type": "example.com/gate", "status": "True", "lastProbeTime": None}
GATE_NESTED = {"type": "example.com/nested", "status": "False", "details": {"why": ["a", "b"]}}
OFFSETS = [dt.timedelta(0), dt.timedelta(seconds=1), dt.timedelta(seconds=-3), dt.timedelta(seconds=2.5)]


def context_for(plan, number: int, foreign: list[dict]) -> kubelet._Context:
    pod = {
        "metadata": {"name": f"other-{number}", "namespace": "default", "uid": f"other-uid-{number}"},
        "spec": plan.spec,
        "status": {"conditions": [{"type": "Ready", "status": "True"}, *foreign]},
    }
    host_ip = "" if number % 3 == 2 else "172.18.0.9"
    return kubelet._Context(
        pod, NODES[0], plan.behaviour, plan.profile, f"other-uid-{number}", host_ip, "10.244.0.77", facts=plan.facts
    )


def objects(value, found: list) -> list:
    """Every dict and list inside `value` (the mutable parts a status is made of)."""
    if isinstance(value, dict):
        found.append(value)
        for item in value.values():
            objects(item, found)
    elif isinstance(value, list):
        found.append(value)
        for item in value:
            objects(item, found)
    return found


@pytest.mark.parametrize("seed", range(40))
def test_a_step_shape_renders_as_the_moved_model(seed):
    pods, looks, profile = scenario(seed)
    run(pods, looks, profile)  # grows the plans
    compared = 0
    for plans in kubelet._PLANS.values():
        for plan in plans:
            for step in plan.steps[: plan.played]:
                for number, foreign in enumerate(([], [GATE_FLAT], [GATE_FLAT, GATE_NESTED])):
                    ctx = context_for(plan, number, foreign)
                    for delta in OFFSETS:
                        expected = kubelet._render(kubelet._rebased(step.model, delta, ctx.seed), ctx)
                        got = step.shape(delta).render(ctx.seed, ctx)
                        again = step.shape(delta).render(ctx.seed, ctx)
                        assert json.dumps(got) == json.dumps(expected)
                        shared = {id(part) for part in objects(got, [])} & {id(part) for part in objects(again, [])}
                        assert not shared
                        compared += 1
    assert compared > 0 or not kubelet._PLANS


def test_pods_bound_at_one_instant_get_statuses_sharing_nothing():
    """Two pods of a template bound together: their written statuses share no dict or list, and a change
    to one (a caller may change a status in place) leaves the other's next first look as it was."""
    template = ({}, {"restartPolicy": "Always", "containers": [{"name": "app", "image": "nginx:1.25"}]}, [])
    kubelet._TIMELINES.clear()
    kubelet._PLANS.clear()
    written = []
    for number in range(3):
        pod = stamp_pod(template, number, 0, T)
        actions, _ = kubelet.reconcile(pod, NODES[0], T, rules=[], configmaps={}, secrets={})
        update = [a for a in actions if isinstance(a, UpdateStatus)]
        assert len(update) == 1
        written.append(update[0].obj["status"])
        if number == 0:  # another writer changes the first pod's status in place
            expected = json.loads(json.dumps(written[0]))
            written[0]["conditions"][0]["status"] = "Changed"
            written[0]["containerStatuses"][0]["state"]["running"]["startedAt"] = "changed"
            written[0]["containerStatuses"][0]["lastState"]["x"] = {}
    first, second, third = (objects(status, []) for status in written)
    assert not {id(part) for part in first} & {id(part) for part in second}
    assert not {id(part) for part in second} & {id(part) for part in third}
    assert written[1]["containerStatuses"][0]["containerID"] != written[2]["containerStatuses"][0]["containerID"]
    strip = {"podIP", "podIPs", "containerStatuses"}
    assert {k: v for k, v in written[1].items() if k not in strip} == {
        k: v for k, v in expected.items() if k not in strip
    }
    assert written[1]["containerStatuses"][0]["state"] == expected["containerStatuses"][0]["state"]


def ipaddress_pod_ip(uid: str, cidr: str) -> str:
    network = ipaddress.ip_network(cidr, strict=False)
    usable = max(1, network.num_addresses - 3)
    number = int(hashlib.sha256(f"ip/{uid}".encode()).hexdigest()[:12], 16)
    return str(network.network_address + 2 + number % usable)


@pytest.mark.parametrize(
    "cidr",
    [
        "10.244.1.0/24",
        "10.244.1.77/24",
        "10.0.0.0/8",
        "192.168.7.0/30",
        "192.168.7.4/31",
        "192.168.7.9/32",
        "fd00:10:244::/64",
        "fd00:10:244:1::/120",
        "2001:db8::/126",
    ],
    ids=["v4-24", "v4-host-bits", "v4-8", "v4-30", "v4-31", "v4-32", "v6-64", "v6-120", "v6-126"],
)
def test_the_pod_ip_is_the_ipaddress_arithmetic(cidr):
    node = {"spec": {"podCIDR": cidr}, "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.2"}]}}
    for number in range(30):
        pod = {"metadata": {"uid": f"uid-{number}", "name": "p", "namespace": "default"}}
        assert kubelet.pod_ip(pod, node) == ipaddress_pod_ip(f"uid-{number}", cidr)
    named = {"metadata": {"name": "web-1", "namespace": "prod"}}
    assert kubelet.pod_ip(named, node) == ipaddress_pod_ip("prod/web-1", cidr)


def test_a_node_without_pod_cidr_uses_the_default():
    pod = {"metadata": {"uid": "u-1"}}
    assert kubelet.pod_ip(pod, {}) == ipaddress_pod_ip("u-1", kubelet.DEFAULT_POD_CIDR)
    assert kubelet.pod_ip({**pod, "spec": {"hostNetwork": True}}, NODES[1]) == "172.18.0.3"


# A rendered status: the stored one of the fast-path tests without the key the kubelet leaves alone.
RENDERED = {key: value for key, value in STATUS.items() if key != "qosClass"}


@pytest.mark.parametrize(
    ("stored_change", "rendered_change"),
    [
        pytest.param({}, {}, id="the-same"),
        pytest.param({"qosClass": "Burstable"}, {}, id="a-key-the-kubelet-does-not-manage"),
        pytest.param({}, {"hostIP": "", "hostIPs": []}, id="rendered-empty-host-ip"),
        pytest.param({"hostIP": "", "hostIPs": []}, {"hostIP": "", "hostIPs": []}, id="both-empty"),
        pytest.param({"hostIP": None}, {"hostIP": ""}, id="none-and-empty"),
        pytest.param({"hostIPs": []}, {}, id="stored-empty-list"),
        pytest.param({"podIP": 0}, {}, id="zero-is-kept"),
        pytest.param({"podIP": 0}, {"podIP": 0}, id="zero-on-both"),
        pytest.param({"podIP": False}, {"podIP": ""}, id="false-and-empty"),
        pytest.param({}, {"conditions": []}, id="rendered-without-conditions"),
        pytest.param({"conditions": []}, {"conditions": []}, id="no-conditions-on-both"),
        pytest.param({"phase": "Pending"}, {}, id="another-phase"),
        pytest.param({}, {"initContainerStatuses": [{"name": "init"}]}, id="a-key-only-rendered"),
        pytest.param({"startTime": 0.0}, {"startTime": 0}, id="equal-values-of-other-types"),
    ],
)
def test_shows_compares_with_a_rendered_status_as_managed_parts(stored_change, rendered_change):
    stored = {**RENDERED, **stored_change}
    rendered = {**RENDERED, **rendered_change}
    expected = kubelet._managed(stored) == kubelet._managed(rendered)
    assert kubelet._shows(stored, rendered) is expected
    assert kubelet._shows(stored, kubelet._managed(rendered)) is expected


STOPS = [  # (request, stop) as seconds after the bind-time offset's instant, and whether the deadline kills
    (0, 0, False),
    (5, 5, False),
    (5, 8.5, False),
    (40, 70, True),
]


@pytest.mark.parametrize("seed", range(25))
def test_a_step_stopped_by_a_deletion_answers_as_the_moved_model(seed):
    """`_PlanStep.stopped` gives the Terminating events `_terminating` gives the moved model, and the
    stopped status `_render` gives after `_stopped` (as JSON text); the deletion request itself changes
    no status (a Terminating snapshot repeats the one before it)."""
    pods, looks, profile = scenario(seed)
    run(pods, looks, profile)
    compared = 0
    for plans in kubelet._PLANS.values():
        for plan in plans:
            for step in plan.steps[: plan.played]:
                if step.model.start_time is None or step.model.terminal_phase:
                    continue  # `_deletion_tail` deletes such a pod without stopping anything
                for number, foreign in enumerate(([], [GATE_FLAT, GATE_NESTED])):
                    ctx = context_for(plan, number, foreign)
                    for delta in OFFSETS:
                        for request, stop, killed in STOPS:
                            cut = T + delta + dt.timedelta(seconds=request)
                            stop_at = T + delta + dt.timedelta(seconds=stop)
                            model = kubelet._rebased(step.model, delta, ctx.seed)
                            before = json.dumps(kubelet._render(model, ctx))
                            events = tuple(kubelet._terminating(model, cut))
                            assert json.dumps(kubelet._render(model, ctx)) == before
                            kubelet._stopped(model, stop_at, killed, ctx)
                            expected = kubelet._render(model, ctx)
                            got_events, shape = step.stopped(delta, cut, stop_at, killed, ctx)
                            assert got_events == events
                            assert json.dumps(shape.render(ctx.seed, ctx)) == json.dumps(expected)
                            compared += 1
    assert compared > 0 or not kubelet._PLANS


def test_a_plan_keeps_its_templates_pre_stop_seconds():
    spec = {
        "containers": [
            {"name": "a", "image": "x", "lifecycle": {"preStop": {"sleep": {"seconds": 3}}}},
            {"name": "b", "image": "x", "lifecycle": {"preStop": {"sleep": {"seconds": 7}}}},
        ]
    }
    pod = {"metadata": {"uid": "u"}, "spec": spec}
    plan = kubelet._Plan(pod, kubelet._behaviour.resolve(pod, []), kubelet._profiles.load_profile(), False, frozenset())
    assert plan.pre_stop() == kubelet._pre_stop_seconds(pod) == 7.0


@pytest.mark.parametrize(
    "wanted",
    [
        pytest.param(kubelet._managed(RENDERED), id="its-managed-part"),
        pytest.param({**kubelet._managed(RENDERED), "qosClass": "Burstable"}, id="an-unmanaged-key"),
        pytest.param({**kubelet._managed(RENDERED), "podIP": None}, id="a-none-value"),
        pytest.param({**kubelet._managed(RENDERED), "podIP": ""}, id="an-empty-value"),
        pytest.param({k: v for k, v in RENDERED.items() if k != "podIPs"}, id="a-key-missing"),
        pytest.param({**kubelet._managed(RENDERED), "phase": "Pending"}, id="another-phase"),
        pytest.param(json.loads(json.dumps(RENDERED)), id="equal-copies"),
        pytest.param({}, id="empty"),
    ],
)
def test_a_managed_part_is_recognised_as_dict_equality(wanted):
    for rendered in (RENDERED, {**RENDERED, "hostIP": "", "hostIPs": []}):
        assert kubelet._is_managed_part(wanted, rendered) is (wanted == kubelet._managed(rendered))


def deletion_answers(seed: int) -> list:
    """Pods of random templates looked at once, then deleted and looked at (a rollout's pattern); the answers."""
    rng = random.Random(seed)
    kubelet._TIMELINES.clear()
    kubelet._PLANS.clear()
    templates = [random_template(rng) for _ in range(2)]
    answers = []
    for number in range(8):
        bound = T + dt.timedelta(seconds=rng.choice((0, 0, 1)))
        pod = stamp_pod(rng.choice(templates), number, number % 2, bound)
        node = NODES[number % 2]
        first = bound + dt.timedelta(seconds=rng.choice((0, 0, 2, 9)))
        got = kubelet.reconcile(pod, node, first, rules=[], configmaps={}, secrets={}, profile=profiles.load_profile())
        answers.append(got)
        for action in got[0]:
            if isinstance(action, UpdateStatus):
                pod = action.obj
        request = first + dt.timedelta(seconds=rng.choice((0, 1, 5)))
        grace = rng.choice((0, 2, 30))
        meta = {
            **pod["metadata"],
            "deletionTimestamp": stamp(request + dt.timedelta(seconds=grace)),
            "deletionGracePeriodSeconds": grace,
        }
        pod = {**pod, "metadata": meta}
        for later in (0, 1, 40):
            got = kubelet.reconcile(
                pod, node, request + dt.timedelta(seconds=later), rules=[], configmaps={}, secrets={}
            )
            answers.append(got)
            if any(type(action).__name__ == "DeleteObject" for action in got[0]):
                break
    return answers


@pytest.mark.parametrize("seed", range(40))
def test_deletions_after_a_planned_first_look_answer_as_the_general_path(seed, monkeypatch):
    fast = deletion_answers(seed)
    monkeypatch.setattr(kubelet, "FAST_PATHS", False)
    assert fast == deletion_answers(seed)


def test_the_deletion_scenarios_take_the_planned_stop():
    taken = []
    general = kubelet._PlanStep.stopped

    def counted(self, *args):
        taken.append(args)
        return general(self, *args)

    kubelet._PlanStep.stopped = counted
    try:
        for seed in range(40):
            deletion_answers(seed)
    finally:
        kubelet._PlanStep.stopped = general
    assert len(taken) > 40
