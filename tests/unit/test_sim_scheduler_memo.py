"""The scheduler keeps its last decision (`NodeLoads.last_decision`) and answers a pod asking the same
of the same nodes at the same loads from it: the answer must be the one the filters give every time."""

from __future__ import annotations

import datetime as dt

import pytest

from kubeferry.simulation import nodes, scheduler

T = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
TAINT = {"key": "dedicated", "value": "db", "effect": "NoSchedule"}
TOLERATION = {"key": "dedicated", "operator": "Exists"}
FULL = (
    "0/2 nodes are available: 2 Too many pods. "
    "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
)


def stored_node(name, pods="1", taints=None):
    n = nodes.make_node(name, 0, T)
    n["metadata"]["resourceVersion"] = "1"
    n["status"]["allocatable"].update(cpu="4", memory="16Gi", pods=pods)
    if taints:
        n["spec"]["taints"] = taints
    return n


def template_pod(name, uid=None, cpu="100m", **spec):
    """Pods of one template: the same requests content (so the same parsed requests)."""
    container = {"name": "app", "image": "nginx", "resources": {"requests": {"cpu": cpu}}}
    return {
        "metadata": {"name": name, "namespace": "default", "uid": uid or f"uid-{name}", "resourceVersion": "1"},
        "spec": {"containers": [container], **spec},
        "status": {"phase": "Pending"},
    }


def bound(pod, node):
    return {**pod, "metadata": {**pod["metadata"], "resourceVersion": "2"}, "spec": {**pod["spec"], "nodeName": node}}


def test_a_bind_seen_by_the_loads_changes_the_next_answer():
    cluster = [stored_node("a"), stored_node("b")]
    loads = scheduler.NodeLoads()
    first = template_pod("p1")
    assert scheduler.schedule(first, cluster, [], loads) == ("a", "")
    loads.observe(bound(first, "a"), False)
    second = template_pod("p2")
    assert scheduler.schedule(second, cluster, [], loads) == ("b", "")
    loads.observe(bound(second, "b"), False)
    assert scheduler.schedule(template_pod("p3"), cluster, [], loads) == (None, FULL)
    # The room a deleted pod leaves is seen at once.
    loads.observe(bound(first, "a"), True)
    assert scheduler.schedule(template_pod("p4"), cluster, [], loads) == ("a", "")


def test_waiting_pods_of_one_template_get_the_kept_answer():
    cluster = [stored_node("a", pods="0"), stored_node("b", pods="0")]
    loads = scheduler.NodeLoads()
    answer = scheduler.schedule(template_pod("p1"), cluster, [], loads)
    assert answer == (None, FULL)
    assert scheduler.schedule(template_pod("p2"), list(cluster), [], loads) is answer


@pytest.mark.parametrize(
    ("first_spec", "second_spec", "expected"),
    [
        pytest.param({}, {"tolerations": [TOLERATION]}, ("a", ""), id="the second pod tolerates the taint"),
        pytest.param({"tolerations": [TOLERATION]}, {}, (None, "taint"), id="the second pod does not"),
        pytest.param(
            {"tolerations": [TOLERATION]},
            {"tolerations": [TOLERATION], "nodeSelector": {"kubernetes.io/hostname": "b"}},
            (None, "affinity"),
            id="the second pod selects another node",
        ),
    ],
)
def test_a_pod_asking_differently_is_filtered_afresh(first_spec, second_spec, expected):
    cluster = [stored_node("a", pods="110", taints=[TAINT])]
    loads = scheduler.NodeLoads()
    scheduler.schedule(template_pod("p1", **first_spec), cluster, [], loads)
    name, message = scheduler.schedule(template_pod("p2", **second_spec), cluster, [], loads)
    assert (name, "taint" if "taint" in message else "affinity" if "affinity" in message else "") == expected
    assert (name, message) == scheduler.schedule(template_pod("p2", **second_spec), cluster, [])


def test_a_changed_node_object_is_filtered_afresh():
    loads = scheduler.NodeLoads()
    full = stored_node("a", pods="0")
    assert scheduler.schedule(template_pod("p1"), [full], [], loads)[0] is None
    roomy = {**full, "metadata": {**full["metadata"], "resourceVersion": "2"}}
    roomy["status"] = {**full["status"], "allocatable": {**full["status"]["allocatable"], "pods": "5"}}
    assert scheduler.schedule(template_pod("p2"), [roomy], [], loads) == ("a", "")


def test_a_run_of_binds_and_deletions_agrees_with_scanning_the_pods():
    """Each node's kept fit and score (`NodeLoads.fits`) is used only while that node's load is unchanged:
    every decision equals the one made by scanning the bound pods."""
    cluster = [stored_node(name, pods="3") for name in ("a", "b", "c")]
    cluster[1]["status"]["allocatable"]["cpu"] = "2"  # b fills up on cpu before the others
    loads = scheduler.NodeLoads()
    placed: list[dict] = []
    answers = []
    for i in range(14):
        if i in (6, 9):  # a pod leaves: its node has room again
            gone = placed.pop(0)
            loads.observe(gone, True)
        pod = template_pod(f"p{i}", cpu="600m") if i % 3 == 0 else template_pod(f"p{i}")
        answer = scheduler.schedule(pod, cluster, [], loads)
        assert answer == scheduler.schedule(pod, cluster, placed), f"decision {i}"
        answers.append(answer[0])
        if answer[0]:
            placed.append(bound(pod, answer[0]))
            loads.observe(placed[-1], False)
    assert answers.count(None) >= 1 and {"a", "b", "c"} <= set(answers)
