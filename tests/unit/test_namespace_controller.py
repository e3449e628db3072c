"""Namespace deletion: content deletion, the five deletion conditions and finalize (upstream namespace/deletion facts)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from kubeferry.controllers import namespace
from kubeferry.controllers.actions import DeleteObject, RequeueAfter, UpdateObject, UpdateStatus

NOW = dt.datetime(2024, 5, 1, 12, 0, 10, tzinfo=dt.UTC)
NOW_TEXT = "2024-05-01T12:00:10Z"
EARLIER = "2024-05-01T11:00:00Z"
DELETED_AT = "2024-05-01T12:00:00Z"  # 10 s before NOW


def ns(*, deleting: bool = True, finalizers=("kubernetes",), conditions=None, phase="Terminating") -> dict:
    meta: dict = {"name": "team-a", "uid": "ns-uid", "resourceVersion": "40"}
    if deleting:
        meta["deletionTimestamp"] = DELETED_AT
    status: dict = {"phase": phase}
    if conditions is not None:
        status["conditions"] = conditions
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": meta,
        "spec": {"finalizers": list(finalizers)},
        "status": status,
    }


def pod(
    name: str,
    *,
    node: str = "n1",
    grace: int | None = None,
    phase: str = "Running",
    deleting: bool = False,
    finalizers=None,
) -> dict:
    meta: dict = {"name": name, "namespace": "team-a", "uid": "uid-" + name}
    if deleting:
        meta["deletionTimestamp"] = DELETED_AT
    if finalizers:
        meta["finalizers"] = list(finalizers)
    spec: dict = {"nodeName": node} if node else {}
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return {"metadata": meta, "spec": spec, "status": {"phase": phase}}


def item(name: str, *, finalizers=None, deleting: bool = False) -> dict:
    meta: dict = {"name": name, "namespace": "team-a", "uid": "uid-" + name}
    if finalizers:
        meta["finalizers"] = list(finalizers)
    if deleting:
        meta["deletionTimestamp"] = DELETED_AT
    return {"metadata": meta}


def cond(ctype: str, status: str, reason: str, message: str, when: str = NOW_TEXT) -> dict:
    return {"type": ctype, "status": status, "lastTransitionTime": when, "reason": reason, "message": message}


def ok_conditions(when: str = NOW_TEXT) -> list[dict]:
    return [
        cond(
            "NamespaceDeletionDiscoveryFailure",
            "False",
            "ResourcesDiscovered",
            "All resources successfully discovered",
            when,
        ),
        cond(
            "NamespaceDeletionGroupVersionParsingFailure",
            "False",
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed",
            when,
        ),
        cond(
            "NamespaceDeletionContentFailure",
            "False",
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization",
            when,
        ),
        cond("NamespaceContentRemaining", "False", "ContentRemoved", "All content successfully removed", when),
        cond(
            "NamespaceFinalizersRemaining",
            "False",
            "ContentHasNoFinalizers",
            "All content-preserving finalizers finished",
            when,
        ),
    ]


def with_status(obj: dict, conditions: list[dict]) -> UpdateStatus:
    updated = copy.deepcopy(obj)
    updated["status"] = {"phase": "Terminating", "conditions": conditions}
    return UpdateStatus(updated)


def finalized(obj: dict, conditions: list[dict] | None = None, finalizers=()) -> UpdateObject:
    updated = copy.deepcopy(obj)
    updated["spec"]["finalizers"] = list(finalizers)
    if conditions is not None:
        del updated["metadata"]["resourceVersion"]
        updated["status"] = {"phase": "Terminating", "conditions": conditions}
    return UpdateObject(updated)


def replace(conditions: list[dict], new: dict) -> list[dict]:
    return [new if c["type"] == new["type"] else c for c in conditions]


def del_pod(name: str) -> DeleteObject:
    return DeleteObject("v1", "Pod", "team-a", name, uid="uid-" + name, propagation="Background")


def test_not_terminating_namespace_is_left_alone() -> None:
    assert namespace.reconcile(ns(deleting=False), {"v1/Pod": [pod("a")]}, NOW) == []


def test_already_finalized_namespace_is_left_alone() -> None:
    assert namespace.reconcile(ns(finalizers=()), {"v1/Pod": [pod("a")]}, NOW) == []


def test_empty_namespace_writes_ok_conditions_and_finalizes() -> None:
    subject = ns()
    assert namespace.reconcile(subject, {}, NOW) == [
        with_status(subject, ok_conditions()),
        finalized(subject, ok_conditions()),
    ]


def test_empty_namespace_with_current_conditions_only_finalizes() -> None:
    subject = ns(conditions=ok_conditions(EARLIER))
    assert namespace.reconcile(subject, {"v1/Pod": []}, NOW) == [finalized(subject)]


def test_finalize_keeps_other_spec_finalizers_sorted() -> None:
    subject = ns(finalizers=("z.example.com", "kubernetes", "a.example.com"), conditions=ok_conditions(EARLIER))
    assert namespace.reconcile(subject, {}, NOW) == [finalized(subject, finalizers=["a.example.com", "z.example.com"])]


def test_running_pods_are_deleted_and_reported_remaining() -> None:
    subject = ns(conditions=ok_conditions(EARLIER))
    remaining = cond(
        "NamespaceContentRemaining",
        "True",
        "SomeResourcesRemain",
        "Some resources are remaining: pods. has 3 resource instances",
    )
    assert namespace.reconcile(subject, {"v1/Pod": [pod("a"), pod("b"), pod("c")]}, NOW) == [
        del_pod("a"),
        del_pod("b"),
        del_pod("c"),
        with_status(subject, replace(ok_conditions(EARLIER), remaining)),
        RequeueAfter(30.0),  # default grace 30 s, deletion started 10 s ago
    ]


def test_pod_estimate_uses_largest_grace_of_non_terminal_pods() -> None:
    pods = [pod("a", grace=60), pod("b", grace=90, phase="Succeeded"), pod("c", grace=5)]
    actions = namespace.reconcile(ns(conditions=ok_conditions(EARLIER)), {"v1/Pod": pods}, NOW)
    assert actions[-1] == RequeueAfter(60.0)
    # b is terminal: deleted at once, so only a and c remain.
    assert actions[-2].obj["status"]["conditions"][3]["message"] == (
        "Some resources are remaining: pods. has 2 resource instances"
    )


def test_unscheduled_pods_and_plain_objects_vanish_and_the_namespace_finalizes() -> None:
    subject = ns(conditions=ok_conditions(EARLIER))
    contents = {"v1/Pod": [pod("a", node="")], "v1/ConfigMap": [item("cm")], "apps/v1/Deployment": [item("web")]}
    assert namespace.reconcile(subject, contents, NOW) == [
        DeleteObject("apps/v1", "Deployment", "team-a", "web", uid="uid-web"),
        DeleteObject("v1", "ConfigMap", "team-a", "cm", uid="uid-cm"),
        del_pod("a"),
        finalized(subject),
    ]


def test_finalizers_remaining_are_counted_per_finalizer() -> None:
    subject = ns(conditions=ok_conditions(EARLIER))
    contents = {
        "apps/v1/Deployment": [item("web", finalizers=["example.com/guard"])],
        "v1/ConfigMap": [item("a", finalizers=["example.com/guard", "b.example.com/x"]), item("b")],
    }
    conditions = replace(
        replace(
            ok_conditions(EARLIER),
            cond(
                "NamespaceContentRemaining",
                "True",
                "SomeResourcesRemain",
                "Some resources are remaining: configmaps. has 1 resource instances, "
                "deployments.apps has 1 resource instances",
            ),
        ),
        cond(
            "NamespaceFinalizersRemaining",
            "True",
            "SomeFinalizersRemain",
            "Some content in the namespace has finalizers remaining: b.example.com/x in 1 resource instances, "
            "example.com/guard in 2 resource instances",
        ),
    )
    assert namespace.reconcile(subject, contents, NOW) == [
        DeleteObject("apps/v1", "Deployment", "team-a", "web", uid="uid-web"),
        DeleteObject("v1", "ConfigMap", "team-a", "a", uid="uid-a"),
        DeleteObject("v1", "ConfigMap", "team-a", "b", uid="uid-b"),
        with_status(subject, conditions),
        RequeueAfter(15.0),
    ]


def test_pods_past_their_grace_that_remain_are_an_error() -> None:
    subject = ns(conditions=ok_conditions(EARLIER))
    later = dt.datetime(2024, 5, 1, 12, 1, 0, tzinfo=dt.UTC)  # 60 s after deletion, grace 30 s
    conditions = replace(
        replace(
            ok_conditions(EARLIER),
            cond(
                "NamespaceDeletionContentFailure",
                "True",
                "ContentDeletionFailed",
                "Failed to delete all resource types, 1 remaining: unexpected items still remain in namespace: "
                "team-a for gvr: /v1, Resource=pods",
                "2024-05-01T12:01:00Z",
            ),
        ),
        cond(
            "NamespaceContentRemaining",
            "True",
            "SomeResourcesRemain",
            "Some resources are remaining: pods. has 2 resource instances",
            "2024-05-01T12:01:00Z",
        ),
    )
    assert namespace.reconcile(subject, {"v1/Pod": [pod("a", deleting=True), pod("b", deleting=True)]}, later) == [
        with_status(subject, conditions),
        RequeueAfter(namespace.RETRY_SECONDS),
    ]


def test_discovery_error_blocks_finalize() -> None:
    subject = ns(conditions=ok_conditions(EARLIER))
    message = "Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs"
    conditions = replace(
        ok_conditions(EARLIER), cond("NamespaceDeletionDiscoveryFailure", "True", "DiscoveryFailed", message)
    )
    assert namespace.reconcile(subject, {}, NOW, discovery_error=message) == [
        with_status(subject, conditions),
        RequeueAfter(namespace.RETRY_SECONDS),
    ]


def test_unchanged_status_keeps_transition_time_and_message_change_does_not_move_it() -> None:
    old = replace(
        ok_conditions(EARLIER),
        cond(
            "NamespaceContentRemaining",
            "True",
            "SomeResourcesRemain",
            "Some resources are remaining: pods. has 3 resource instances",
            EARLIER,
        ),
    )
    subject = ns(conditions=old)
    actions = namespace.reconcile(subject, {"v1/Pod": [pod("a", deleting=True)]}, NOW)
    remaining = actions[0].obj["status"]["conditions"][3]
    assert remaining == cond(
        "NamespaceContentRemaining",
        "True",
        "SomeResourcesRemain",
        "Some resources are remaining: pods. has 1 resource instances",
        EARLIER,
    )
    assert actions[1] == RequeueAfter(30.0)


def test_phase_is_set_to_terminating() -> None:
    subject = ns(phase="Active", conditions=ok_conditions(EARLIER))
    actions = namespace.reconcile(subject, {"v1/Pod": [pod("a", deleting=True)]}, NOW)
    assert actions[0].obj["status"]["phase"] == "Terminating"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("v1/Pod", ("v1", "Pod"), id="core"),
        pytest.param("apps/v1/Deployment", ("apps/v1", "Deployment"), id="named-group"),
        pytest.param("example.com/v1beta1/Widget", ("example.com/v1beta1", "Widget"), id="dotted-group"),
    ],
)
def test_split_key(key: str, expected: tuple[str, str]) -> None:
    assert namespace.split_key(key) == expected
