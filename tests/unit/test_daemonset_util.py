"""DaemonSet helpers: placement predicates, default tolerations, pod shape, surge arithmetic, backoff (upstream facts)."""

from __future__ import annotations

import datetime as dt

import pytest
from test_daemonset_fakes import NOW, new_ds, new_node, new_pod

from kubeferry.controllers.daemonset import util as u

NO_SCHEDULE = "NoSchedule"
NO_EXECUTE = "NoExecute"


def taint(key: str, effect: str, value: str | None = None) -> dict:
    t = {"key": key, "effect": effect}
    if value is not None:
        t["value"] = value
    return t


def required_affinity(*terms: dict) -> dict:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


@pytest.mark.parametrize(
    ("ds_kwargs", "node", "expected"),
    [
        pytest.param({}, new_node("n1"), (True, True), id="plain-node"),
        pytest.param(
            {"node_selector": {"disk": "ssd"}},
            new_node("n1", labels={"disk": "ssd"}),
            (True, True),
            id="selector-matches",
        ),
        pytest.param(
            {"node_selector": {"disk": "ssd"}},
            new_node("n1", labels={"disk": "hdd"}),
            (False, False),
            id="selector-mismatch",
        ),
        pytest.param(
            {"affinity": required_affinity({"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]})},
            new_node("n1", labels={"zone": "a"}),
            (True, True),
            id="affinity-matches",
        ),
        pytest.param(
            {"affinity": required_affinity({"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]})},
            new_node("n1", labels={"zone": "b"}),
            (False, False),
            id="affinity-mismatch",
        ),
        pytest.param(
            {
                "affinity": required_affinity(
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n2"]}]}
                )
            },
            new_node("n1"),
            (False, False),
            id="affinity-other-node-name",
        ),
        pytest.param(
            {
                "affinity": required_affinity(
                    {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["4"]}]}
                )
            },
            new_node("n1", labels={"cores": "8"}),
            (True, True),
            id="affinity-gt",
        ),
        pytest.param(
            {},
            new_node("n1", taints=[taint("dedicated", NO_SCHEDULE, "gpu")]),
            (False, True),
            id="untolerated-noschedule",
        ),
        pytest.param(
            {},
            new_node("n1", taints=[taint("dedicated", NO_EXECUTE, "gpu")]),
            (False, False),
            id="untolerated-noexecute",
        ),
        pytest.param(
            {},
            new_node("n1", taints=[taint("dedicated", "PreferNoSchedule")]),
            (True, True),
            id="prefer-noschedule-ignored",
        ),
        pytest.param(
            {"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": NO_EXECUTE}]},
            new_node("n1", taints=[taint("dedicated", NO_EXECUTE, "gpu")]),
            (True, True),
            id="tolerated-noexecute",
        ),
        pytest.param(
            {"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "cpu"}]},
            new_node("n1", taints=[taint("dedicated", NO_SCHEDULE, "gpu")]),
            (False, True),
            id="toleration-value-mismatch",
        ),
        pytest.param(
            {"tolerations": [{"operator": "Exists"}]},
            new_node("n1", taints=[taint("anything", NO_EXECUTE)]),
            (True, True),
            id="tolerate-everything",
        ),
        pytest.param(
            {},
            new_node("n1", unschedulable=True, taints=[taint(u.TAINT_UNSCHEDULABLE, NO_SCHEDULE)]),
            (True, True),
            id="unschedulable-node-still-runs",
        ),
        pytest.param(
            {},
            new_node("n1", taints=[taint(u.TAINT_NOT_READY, NO_EXECUTE)]),
            (True, True),
            id="not-ready-noexecute-tolerated",
        ),
        pytest.param(
            {},
            new_node("n1", taints=[taint(u.TAINT_NOT_READY, NO_SCHEDULE)]),
            (False, True),
            id="not-ready-noschedule-not-tolerated",
        ),
        pytest.param(
            {},
            new_node("n1", taints=[taint(u.TAINT_UNREACHABLE, NO_EXECUTE)]),
            (True, True),
            id="unreachable-tolerated",
        ),
        pytest.param(
            {},
            new_node("n1", taints=[taint(u.TAINT_MEMORY_PRESSURE, NO_SCHEDULE)]),
            (True, True),
            id="memory-pressure-tolerated",
        ),
        pytest.param(
            {},
            new_node("n1", taints=[taint(u.TAINT_NETWORK_UNAVAILABLE, NO_SCHEDULE)]),
            (False, True),
            id="network-unavailable-pod-network",
        ),
        pytest.param(
            {"host_network": True},
            new_node("n1", taints=[taint(u.TAINT_NETWORK_UNAVAILABLE, NO_SCHEDULE)]),
            (True, True),
            id="network-unavailable-host-network",
        ),
    ],
)
def test_node_should_run_daemon_pod(ds_kwargs, node, expected):
    assert u.node_should_run_daemon_pod(node, new_ds(**ds_kwargs)) == expected


def test_template_node_name_pins_the_node():
    ds = new_ds()
    ds["spec"]["template"]["spec"]["nodeName"] = "n2"
    assert u.node_should_run_daemon_pod(new_node("n1"), ds) == (False, False)
    assert u.node_should_run_daemon_pod(new_node("n2"), ds) == (True, True)


def test_default_tolerations_are_appended_once():
    spec = {"tolerations": [{"key": u.TAINT_NOT_READY, "operator": "Exists", "effect": NO_EXECUTE}]}
    u.add_daemon_tolerations(spec)
    u.add_daemon_tolerations(spec)
    assert spec["tolerations"] == [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
        {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
    ]


def test_create_pod_template_labels_and_host_network_toleration():
    ds = new_ds(host_network=True)
    template = u.create_pod_template(ds["spec"]["template"], 4, "5d9c7b")
    assert template["metadata"]["labels"] == {
        "app": "agent",
        "pod-template-generation": "4",
        "controller-revision-hash": "5d9c7b",
    }
    assert template["spec"]["tolerations"][-1] == {
        "key": "node.kubernetes.io/network-unavailable",
        "operator": "Exists",
        "effect": "NoSchedule",
    }
    assert "tolerations" not in ds["spec"]["template"]["spec"]  # the DaemonSet is not touched


def test_replace_node_name_affinity_keeps_preferred_and_pod_affinity():
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]
            },
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {}}],
        },
        "podAntiAffinity": {"x": 1},
    }
    assert u.replace_node_name_affinity(affinity, "n7") == {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n7"]}]}]
            },
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {}}],
        },
        "podAntiAffinity": {"x": 1},
    }
    assert u.replace_node_name_affinity(None, "n1") == {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]
            }
        }
    }


@pytest.mark.parametrize(
    ("pod", "expected"),
    [
        pytest.param(new_pod("p", "n1"), "n1", id="bound"),
        pytest.param(new_pod("p", "n2", bound=False), "n2", id="affinity"),
        pytest.param({"spec": {}}, None, id="neither"),
        pytest.param(
            {
                "spec": {
                    "affinity": required_affinity(
                        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["a", "b"]}]}
                    )
                }
            },
            None,
            id="two-values",
        ),
    ],
)
def test_get_target_node_name(pod, expected):
    assert u.get_target_node_name(pod) == expected


@pytest.mark.parametrize(
    ("rolling", "desired", "surge", "unavailable"),
    [
        pytest.param({"maxUnavailable": "10%", "maxSurge": 0}, 15, 0, 2, id="unavailable-rounds-up"),
        pytest.param({"maxUnavailable": 0, "maxSurge": "10%"}, 15, 2, 0, id="surge-rounds-up"),
        pytest.param({"maxUnavailable": "25%"}, 3, 0, 1, id="nil-surge-is-zero"),
        pytest.param({"maxUnavailable": 2, "maxSurge": 0}, 5, 0, 2, id="absolute"),
        pytest.param({"maxUnavailable": 0, "maxSurge": "100%"}, 4, 4, 0, id="surge-all"),
    ],
)
def test_surge_and_unavailable_counts(rolling, desired, surge, unavailable):
    ds = new_ds(strategy={"type": "RollingUpdate", "rollingUpdate": rolling})
    assert (u.surge_count(ds, desired), u.unavailable_count(ds, desired)) == (surge, unavailable)


def test_on_delete_has_no_surge_or_unavailability():
    ds = new_ds(strategy={"type": "OnDelete"})
    assert (u.surge_count(ds, 5), u.unavailable_count(ds, 5), u.allows_surge(ds)) == (0, 0, False)


@pytest.mark.parametrize(
    ("labels", "hash_", "generation", "updated"),
    [
        pytest.param({"controller-revision-hash": "abc"}, "abc", None, True, id="hash-matches"),
        pytest.param({"controller-revision-hash": "old"}, "abc", None, False, id="hash-differs"),
        pytest.param({"pod-template-generation": "3"}, "abc", 3, True, id="generation-matches"),
        pytest.param({"pod-template-generation": "2"}, "abc", 3, False, id="generation-differs"),
        pytest.param({}, "", None, False, id="nothing"),
    ],
)
def test_is_pod_updated(labels, hash_, generation, updated):
    assert u.is_pod_updated({"metadata": {"labels": labels}}, hash_, generation) is updated


def test_oldest_first_scheduled_then_created_then_name():
    early = NOW - dt.timedelta(hours=2)
    pods = [
        new_pod("d", "n1", bound=False, created=early - dt.timedelta(hours=5)),
        new_pod("c", "n1", created=NOW),
        new_pod("b", "n1", created=early),
        new_pod("a", "n1", created=early),
    ]
    assert [p["metadata"]["name"] for p in u.sort_oldest_first(pods)] == ["a", "b", "c", "d"]


def test_failed_pod_backoff_doubles_and_resets():
    backoff = u.FailedPodBackoff()
    key = "uid/1/n1"
    at = [NOW + dt.timedelta(seconds=s) for s in (0, 0.5, 1, 2, 3)]
    assert not backoff.in_backoff(key, at[0])
    backoff.next(key, at[0])
    assert backoff.delay_seconds(key) == 1.0
    assert backoff.in_backoff(key, at[1])
    assert not backoff.in_backoff(key, at[2])
    backoff.next(key, at[2])
    assert backoff.delay_seconds(key) == 2.0
    assert backoff.in_backoff(key, at[3])
    assert not backoff.in_backoff(key, at[4])
    for _ in range(20):
        backoff.next(key, at[4])
    assert backoff.delay_seconds(key) == 900.0  # capped at 15 minutes
    much_later = at[4] + dt.timedelta(minutes=31)
    assert not backoff.in_backoff(key, much_later)
    backoff.next(key, much_later)
    assert backoff.delay_seconds(key) == 1.0  # forgotten after twice the maximum


def test_backoff_key_includes_uid_observed_generation_and_node():
    ds = new_ds(status={"observedGeneration": 3})
    assert u.FailedPodBackoff.key(ds, "n1") == "ds-uid/3/n1"
