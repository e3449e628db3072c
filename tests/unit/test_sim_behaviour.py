"""Pod behaviour resolution (annotations over image rules over defaults) and stage profiles."""

from __future__ import annotations

import datetime as dt

import pytest

from kubeferry.controllers.actions import RecordEvent
from kubeferry.simulation import behaviour, kubelet, profiles

RULES = [
    {"image": "nginx:*", "outcome": "never-ready", "startup-seconds": 4},
    {"image": "nginx*", "outcome": "crash-loop"},
    {"image": "*/broken:*", "outcome": "image-pull-error", "ready-seconds": "1.5"},
]


def pod(image="nginx:1.25", annotations=None, probe=None):
    container = {"name": "app", "image": image}
    if probe:
        container["readinessProbe"] = probe
    return {
        "metadata": {"name": "p", "namespace": "default", "uid": "u", "annotations": annotations or {}},
        "spec": {"containers": [container]},
    }


@pytest.mark.parametrize(
    ("image", "annotations", "expected"),
    [
        pytest.param("busybox", {}, ("ready", 0.0, 0.0), id="no rule, no annotation: defaults"),
        pytest.param("nginx:1.25", {}, ("never-ready", 4.0, 0.0), id="first matching rule wins"),
        pytest.param("nginx", {}, ("crash-loop", 0.0, 0.0), id="second rule when the first does not match"),
        pytest.param("example.com/broken:1", {}, ("image-pull-error", 0.0, 1.5), id="decimal seconds from a rule"),
        pytest.param(
            "nginx:1.25",
            {"sim.kubeferry.io/outcome": "ready"},
            ("ready", 4.0, 0.0),
            id="annotation overrides the rule's outcome, rule keeps startup",
        ),
        pytest.param(
            "nginx:1.25",
            {"sim.kubeferry.io/startup-seconds": "0.5"},
            ("never-ready", 0.5, 0.0),
            id="annotation overrides the rule's startup",
        ),
    ],
)
def test_precedence(image, annotations, expected):
    resolved = behaviour.resolve(pod(image, annotations), RULES)
    assert (resolved.outcome, resolved.startup_seconds, resolved.ready_seconds) == expected
    assert resolved.problems == ()


def test_template_annotations_apply_unless_the_pod_overrides():
    template = {
        "metadata": {"annotations": {"sim.kubeferry.io/outcome": "crash-loop", "sim.kubeferry.io/stop-seconds": "3"}}
    }
    resolved = behaviour.resolve(pod("busybox", {"sim.kubeferry.io/outcome": "never-ready"}), [], template)
    assert (resolved.outcome, resolved.stop_seconds) == ("never-ready", 3.0)


def test_ready_seconds_default_is_readiness_initial_delay():
    resolved = behaviour.resolve(pod("busybox", probe={"httpGet": {"port": 80}, "initialDelaySeconds": 12}), [])
    assert resolved.ready_seconds == 12.0
    assert (
        behaviour.resolve(
            pod("busybox", {"sim.kubeferry.io/ready-seconds": "2"}, probe={"initialDelaySeconds": 12}), []
        ).ready_seconds
        == 2.0
    )


@pytest.mark.parametrize(
    ("annotations", "rules", "shared"),
    [
        pytest.param({}, [], True, id="no rules, no annotations: one shared behaviour"),
        pytest.param({"other.io/x": "1"}, [], True, id="annotations outside the prefix do not count"),
        pytest.param({}, [{"image": "nomatch*", "outcome": "crash-loop"}], True, id="rules none of which match"),
        pytest.param({"sim.kubeferry.io/stop-seconds": "2"}, [], False, id="a simulation annotation"),
        pytest.param({}, [{"image": "busy*", "stop-seconds": 2}], False, id="a matching rule"),
    ],
)
def test_plain_pods_share_one_behaviour_per_readiness_delay(annotations, rules, shared):
    probe = {"initialDelaySeconds": 7}
    first = behaviour.resolve(pod("busybox", annotations, probe=probe), rules)
    second = behaviour.resolve(pod("busybox", annotations, probe=probe), rules)
    assert (first is second) is shared
    assert first == second
    assert first.ready_seconds == 7.0
    other = behaviour.resolve(pod("busybox", probe={"initialDelaySeconds": 3}), [])
    assert (other.ready_seconds, other.outcome, other.stop_seconds, other.problems) == (3.0, "ready", 0.0, ())


def test_defaults():
    resolved = behaviour.resolve(pod("busybox"), [])
    assert resolved == behaviour.Behaviour(
        outcome="ready",
        startup_seconds=0.0,
        ready_seconds=0.0,
        stop_seconds=0.0,
        fail_after_seconds=10.0,
        http_response="{pod} {image} is running...",
    )


@pytest.mark.parametrize(
    ("key", "value", "detail"),
    [
        pytest.param("startup-seconds", "soon", "must be a non-negative number of seconds", id="not a number"),
        pytest.param("stop-seconds", "-1", "must be a non-negative number of seconds", id="negative"),
        pytest.param("fail-after-seconds", "nan", "must be a non-negative number of seconds", id="nan"),
        pytest.param(
            "outcome",
            "explode",
            "must be one of ready, never-ready, crash-loop, image-pull-error, liveness-fail",
            id="unknown outcome",
        ),
    ],
)
def test_invalid_annotation_uses_the_default_and_reports(key, value, detail):
    resolved = behaviour.resolve(pod("busybox", {f"sim.kubeferry.io/{key}": value}), [])
    defaults = behaviour.resolve(pod("busybox"), [])
    assert resolved == defaults
    (problem,) = resolved.problems
    assert problem.reason == "InvalidSimulationAnnotation"
    assert problem.message == (
        f'invalid value "{value}" for annotation sim.kubeferry.io/{key}: {detail}; using the default'
    )


def test_invalid_annotation_falls_back_to_the_rule_value():
    resolved = behaviour.resolve(pod("nginx:1", {"sim.kubeferry.io/startup-seconds": "x"}), RULES)
    assert resolved.startup_seconds == 4.0


def test_invalid_rule_value_is_reported_as_a_rule_problem():
    resolved = behaviour.resolve(pod("busybox"), [{"image": "busybox", "startup-seconds": "abc"}])
    assert resolved.startup_seconds == 0.0
    assert [p.reason for p in resolved.problems] == ["InvalidSimulationRule"]


def test_kubelet_records_the_warning_once_on_the_first_look():
    bad = pod("busybox", {"sim.kubeferry.io/startup-seconds": "soon"})
    bad["spec"]["nodeName"] = "n"
    bad["status"] = {
        "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": "2024-05-01T10:00:00Z"}]
    }
    now = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
    actions, _ = kubelet.reconcile(bad, {}, now, rules=[], configmaps={}, secrets={})
    warnings = [a for a in actions if isinstance(a, RecordEvent) and a.type == "Warning"]
    assert [(a.reason, a.message) for a in warnings] == [
        (
            "InvalidSimulationAnnotation",
            'invalid value "soon" for annotation sim.kubeferry.io/startup-seconds: '
            "must be a non-negative number of seconds; using the default",
        )
    ]
    assert warnings[0].regarding["name"] == "p"
    updated = actions[0].obj
    later, _ = kubelet.reconcile(updated, {}, now + dt.timedelta(seconds=5), rules=[], configmaps={}, secrets={})
    assert not [a for a in later if isinstance(a, RecordEvent)]


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        pytest.param(
            "- image: 'nginx*'\n  outcome: crash-loop\n",
            [{"image": "nginx*", "outcome": "crash-loop"}],
            id="a list of rules",
        ),
        pytest.param("image: nginx\n", [], id="not a list"),
        pytest.param("- [1, 2]\n- image: a\n", [{"image": "a"}], id="non-mapping entries dropped"),
        pytest.param("- image: [\n", [], id="broken yaml"),
        pytest.param("", [], id="empty"),
    ],
)
def test_parse_rules(text, rules):
    assert behaviour.parse_rules(text) == rules
    # Parsed once per text: a second call answers the same, in a list of its own.
    again = behaviour.parse_rules(text)
    assert again == rules
    if again:
        again[0]["outcome"] = "changed by the caller"
        again.append({"image": "extra"})
        assert behaviour.parse_rules(text) == rules


def test_rules_from_configmap():
    cm = {"data": {"rules.yaml": "- image: x\n  outcome: never-ready\n"}}
    assert behaviour.rules_from_configmap(cm) == [{"image": "x", "outcome": "never-ready"}]
    assert behaviour.rules_from_configmap(None) == []


# --- profiles -------------------------------------------------------------------------------------------


def test_default_profile_loads_and_orders_stages():
    profile = profiles.load_profile()
    assert profile.name == "default"
    assert profile.match({"state": "Scheduled", "outcome": "ready"}).next == "Accepted"
    assert profile.match({"state": "ContainerCreating", "outcome": "image-pull-error"}).name == "image-pull-fail"
    assert profile.match({"state": "ContainerCreating", "outcome": "ready"}).name == "containers-start"
    assert profile.match({"state": "Running", "outcome": "never-ready", "jobPod": "false"}) is None


@pytest.mark.parametrize(
    ("requirement", "facts", "expected"),
    [
        (profiles.Requirement("state", "In", ("A", "B")), {"state": "B"}, True),
        (profiles.Requirement("state", "In", ("A",)), {}, False),
        (profiles.Requirement("state", "NotIn", ("A",)), {}, True),
        (profiles.Requirement("state", "NotIn", ("A",)), {"state": "A"}, False),
        (profiles.Requirement("state", "Exists"), {"state": "A"}, True),
        (profiles.Requirement("state", "DoesNotExist"), {"state": "A"}, False),
    ],
    ids=["In hit", "In absent", "NotIn absent", "NotIn hit", "Exists", "DoesNotExist present"],
)
def test_requirements(requirement, facts, expected):
    assert requirement.matches(facts) is expected


def test_delay_jitter_is_deterministic_and_bounded():
    stage = profiles.Stage("s", (), profiles.Delay(seconds=1, jitter_seconds=5), "Next")
    first = profiles.delay_seconds(stage, "uid-1", {})
    assert first == profiles.delay_seconds(stage, "uid-1", {})
    assert 1 <= first < 6
    assert first == 1 + 5 * profiles.jitter_fraction("uid-1", "s")
    assert profiles.delay_seconds(stage, "uid-2", {}) != first


def test_delay_from_behaviour_and_computed():
    from_behaviour = profiles.Stage("s", (), profiles.Delay(from_behaviour="startup-seconds"), "N")
    assert profiles.delay_seconds(from_behaviour, "u", {"startup-seconds": 2.5}) == 2.5
    computed = profiles.Stage("c", (), profiles.Delay(computed="crash-backoff"), "N")
    assert profiles.delay_seconds(computed, "u", {}, {"crash-backoff": 9.0}) == 9.0


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param({"kind": "Other"}, "kind: must be StageProfile", id="wrong kind"),
        pytest.param({"kind": "StageProfile", "stages": []}, "stages: must be a non-empty list", id="no stages"),
        pytest.param({"kind": "StageProfile", "stages": [{"name": "a"}]}, "stage 'a'.next: required", id="no next"),
        pytest.param(
            {
                "kind": "StageProfile",
                "stages": [{"name": "a", "next": "B", "selector": [{"key": "state", "operator": "Is"}]}],
            },
            "stage 'a'.selector[0].operator: must be one of In, NotIn, Exists, DoesNotExist, got 'Is'",
            id="bad operator",
        ),
        pytest.param(
            {"kind": "StageProfile", "stages": [{"name": "a", "next": "B", "delay": {"seconds": -1}}]},
            "stage 'a'.delay.seconds: must be a non-negative number, got -1",
            id="negative delay",
        ),
        pytest.param(
            {"kind": "StageProfile", "stages": [{"name": "a", "next": "B"}, {"name": "a", "next": "C"}]},
            "stages[1].name: duplicate stage 'a'",
            id="duplicate",
        ),
    ],
)
def test_profile_validation(document, message):
    with pytest.raises(profiles.ProfileError) as raised:
        profiles.parse_profile(document)
    assert str(raised.value) == message
