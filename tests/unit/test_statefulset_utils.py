"""utils and _history: ordinals, identity, storage, retention, revisions (upstream stateful_set_utils_test facts)."""

from __future__ import annotations

import pytest
from test_statefulset_builders import SET_UID, statefulset

from kubeferry.controllers import history
from kubeferry.controllers.statefulset import utils as u
from kubeferry.machinery.names import canonical_json, compute_revision_hash


def _pod(name: str, **labels: str) -> dict:
    return {"metadata": {"name": name, "namespace": "default", "labels": dict(labels), "uid": f"uid-{name}"}}


# --- ordinals -----------------------------------------------------------------------------------------

ORDINAL_CASES = [
    ("simple", "web-0", ("web", 0)),
    ("two-digits", "web-12", ("web", 12)),
    ("dashes-in-parent", "my-db-3", ("my-db", 3)),
    ("no-ordinal", "web", ("", -1)),
    ("digits-first", "1-bar", ("", -1)),
    ("trailing-dash", "web-", ("", -1)),
    ("beyond-int32", "web-2147483648", ("web", -1)),
    ("int32-max", "web-2147483647", ("web", 2147483647)),
]


@pytest.mark.parametrize(("pod_name", "expected"), [c[1:] for c in ORDINAL_CASES], ids=[c[0] for c in ORDINAL_CASES])
def test_parent_name_and_ordinal(pod_name, expected):
    assert u.parent_name_and_ordinal(_pod(pod_name)) == expected


@pytest.mark.parametrize(
    ("start", "replicas", "ordinal", "in_range"),
    [
        (None, 3, 0, True),
        (None, 3, 2, True),
        (None, 3, 3, False),
        (5, 3, 4, False),
        (5, 3, 5, True),
        (5, 3, 7, True),
        (5, 3, 8, False),
    ],
    ids=["first", "last", "past-end", "below-start", "start", "start-last", "start-past-end"],
)
def test_pod_in_ordinal_range(start, replicas, ordinal, in_range):
    sts = statefulset(replicas, start=start)
    assert u.pod_in_ordinal_range(_pod(f"web-{ordinal}"), sts) is in_range


def test_member_names():
    sts = statefulset(claims=("www",))
    assert u.pod_name(sts, 4) == "web-4"
    assert u.claim_name(sts, sts["spec"]["volumeClaimTemplates"][0], 4) == "www-web-4"
    assert u.is_member_of(sts, _pod("web-1")) and not u.is_member_of(sts, _pod("webx-1"))


# --- identity and storage -----------------------------------------------------------------------------


def test_new_pod_identity_storage_owner():
    sts = statefulset(claims=("www", "logs"))
    sts["spec"]["template"]["spec"]["volumes"] = [{"name": "www", "emptyDir": {}}, {"name": "cfg", "emptyDir": {}}]
    pod = u.new_stateful_set_pod(sts, 2)
    assert pod["metadata"]["name"] == "web-2"
    assert pod["metadata"]["namespace"] == "default"
    assert pod["metadata"]["labels"] == {
        "app": "web",
        "statefulset.kubernetes.io/pod-name": "web-2",
        "apps.kubernetes.io/pod-index": "2",
    }
    assert pod["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "name": "web",
            "uid": SET_UID,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert pod["spec"]["hostname"] == "web-2" and pod["spec"]["subdomain"] == "nginx"
    assert "nodeName" not in pod["spec"] and "status" not in pod
    assert pod["spec"]["volumes"] == [
        {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-2"}},
        {"name": "logs", "persistentVolumeClaim": {"claimName": "logs-web-2"}},
        {"name": "cfg", "emptyDir": {}},
    ]
    assert u.identity_matches(sts, pod) and u.storage_matches(sts, pod)


def test_no_subdomain_without_service_name():
    sts = statefulset()
    sts["spec"]["serviceName"] = ""
    assert "subdomain" not in u.new_stateful_set_pod(sts, 0)["spec"]


IDENTITY_CASES = [
    ("matches", lambda p: None, True),
    ("wrong-namespace", lambda p: p["metadata"].update(namespace="other"), False),
    ("missing-pod-name-label", lambda p: p["metadata"]["labels"].pop("statefulset.kubernetes.io/pod-name"), False),
    (
        "wrong-pod-name-label",
        lambda p: p["metadata"]["labels"].update({"statefulset.kubernetes.io/pod-name": "x"}),
        False,
    ),
    ("other-parent", lambda p: p["metadata"].update(name="foo-0"), False),
    ("pod-index-label-not-checked", lambda p: p["metadata"]["labels"].pop("apps.kubernetes.io/pod-index"), True),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in IDENTITY_CASES], ids=[c[0] for c in IDENTITY_CASES])
def test_identity_matches(mutate, expected):
    sts = statefulset()
    pod = u.new_stateful_set_pod(sts, 1)
    mutate(pod)
    assert u.identity_matches(sts, pod) is expected


def test_update_identity_restores():
    sts = statefulset()
    pod = u.new_stateful_set_pod(sts, 1)
    pod["metadata"]["namespace"] = "other"
    pod["metadata"]["labels"].pop("statefulset.kubernetes.io/pod-name")
    u.update_identity(sts, pod)
    assert u.identity_matches(sts, pod)


STORAGE_CASES = [
    ("matches", lambda v: None, True),
    ("volume-missing", lambda v: v.pop(0), False),
    ("not-a-claim", lambda v: v.__setitem__(0, {"name": "www", "emptyDir": {}}), False),
    (
        "wrong-claim",
        lambda v: v.__setitem__(0, {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-9"}}),
        False,
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in STORAGE_CASES], ids=[c[0] for c in STORAGE_CASES])
def test_storage_matches_and_update(mutate, expected):
    sts = statefulset(claims=("www",))
    pod = u.new_stateful_set_pod(sts, 1)
    mutate(pod["spec"]["volumes"])
    assert u.storage_matches(sts, pod) is expected
    u.update_storage(sts, pod)
    assert u.storage_matches(sts, pod)


def test_claims_labels_namespace():
    sts = statefulset(claims=("www",))
    sts["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"] = {"tier": "db"}
    sts["spec"]["volumeClaimTemplates"][0]["status"] = {"phase": "Pending"}
    claims = u.persistent_volume_claims(sts, _pod("web-3"))
    assert list(claims) == ["www"]
    claim = claims["www"]
    assert claim["metadata"] == {"name": "www-web-3", "namespace": "default", "labels": {"tier": "db", "app": "web"}}
    assert claim["apiVersion"] == "v1" and claim["kind"] == "PersistentVolumeClaim" and "status" not in claim


# --- pod states ---------------------------------------------------------------------------------------


def _status(phase, ready=None, since="2024-05-01T10:00:00Z", deleting=False):
    pod = {"metadata": {"name": "web-0"}, "status": {"phase": phase} if phase else {}}
    if ready is not None:
        pod["status"]["conditions"] = [
            {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": since}
        ]
    if deleting:
        pod["metadata"]["deletionTimestamp"] = "2024-05-01T10:00:00Z"
    return pod


@pytest.mark.parametrize(
    ("pod", "created", "running_ready", "healthy"),
    [
        (_status(""), False, False, False),
        (_status("Pending"), True, False, False),
        (_status("Running", False), True, False, False),
        (_status("Running", True), True, True, True),
        (_status("Running", True, deleting=True), True, True, False),
        (_status("Pending", True), True, False, False),
    ],
    ids=["not-created", "pending", "running-not-ready", "running-ready", "terminating", "pending-but-ready"],
)
def test_pod_states(pod, created, running_ready, healthy):
    assert (u.is_created(pod), u.is_running_and_ready(pod), u.is_healthy(pod)) == (created, running_ready, healthy)


def test_unavailable_honours_min_ready_seconds():
    import datetime as dt

    pod = _status("Running", True, since="2024-05-01T10:00:00Z")
    at = dt.datetime(2024, 5, 1, 10, 0, 9, tzinfo=dt.UTC)
    assert u.is_unavailable(pod, 10, at)
    assert not u.is_unavailable(pod, 10, at + dt.timedelta(seconds=1))
    assert u.is_unavailable(_status("Running", True, deleting=True), 0, at)


# --- maxUnavailable -----------------------------------------------------------------------------------

MAX_UNAVAILABLE_CASES = [
    ("unset-is-1", 10, None, 1),
    ("int", 10, 3, 3),
    ("percent-rounds-down", 10, "25%", 2),
    ("percent-small-is-at-least-1", 3, "10%", 1),
    ("hundred-percent", 5, "100%", 5),
    ("int-beyond-replicas", 2, 5, 5),
]


@pytest.mark.parametrize(
    ("replicas", "value", "expected"), [c[1:] for c in MAX_UNAVAILABLE_CASES], ids=[c[0] for c in MAX_UNAVAILABLE_CASES]
)
def test_max_unavailable(replicas, value, expected):
    ru = {"partition": 0}
    if value is not None:
        ru["maxUnavailable"] = value
    sts = statefulset(replicas, strategy={"type": "RollingUpdate", "rollingUpdate": ru})
    assert u.max_unavailable(sts) == expected


# --- retention policy -----------------------------------------------------------------------------------

SET_REF = {
    "apiVersion": "apps/v1",
    "kind": "StatefulSet",
    "name": "web",
    "uid": SET_UID,
    "controller": True,
    "blockOwnerDeletion": True,
}


def _pod_ref(name, uid=None):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "name": name,
        "uid": uid or f"uid-{name}",
        "controller": True,
        "blockOwnerDeletion": True,
    }


RETENTION_CASES = [
    # (id, whenDeleted, whenScaled, pod ordinal (replicas 2), claim refs, up to date, refs after update)
    ("retain-retain-no-refs", "Retain", "Retain", 0, [], True, []),
    ("retain-retain-set-ref-removed", "Retain", "Retain", 0, [SET_REF], False, []),
    ("delete-on-set-deletion-needs-set-ref", "Delete", "Retain", 0, [], False, [SET_REF]),
    ("delete-on-set-deletion-ok", "Delete", "Retain", 1, [SET_REF], True, [SET_REF]),
    ("delete-on-scale-in-range-no-refs", "Retain", "Delete", 1, [], True, []),
    ("delete-on-scale-condemned-needs-pod-ref", "Retain", "Delete", 2, [], False, [_pod_ref("web-2")]),
    ("delete-both-in-range-set-ref", "Delete", "Delete", 0, [], False, [SET_REF]),
    ("delete-both-condemned-pod-ref-replaces-set-ref", "Delete", "Delete", 3, [SET_REF], False, [_pod_ref("web-3")]),
    ("stale-pod-ref-left-alone", "Retain", "Delete", 2, [_pod_ref("web-2", uid="old")], True, None),
]


@pytest.mark.parametrize(
    ("deleted_policy", "scaled_policy", "ordinal", "refs", "up_to_date", "after"),
    [c[1:] for c in RETENTION_CASES],
    ids=[c[0] for c in RETENTION_CASES],
)
def test_retention_owner_refs(deleted_policy, scaled_policy, ordinal, refs, up_to_date, after):
    sts = statefulset(2, claims=("www",), retention={"whenDeleted": deleted_policy, "whenScaled": scaled_policy})
    pod = _pod(f"web-{ordinal}")
    claim = {"metadata": {"name": f"www-web-{ordinal}", "ownerReferences": [dict(r) for r in refs]}}
    assert u.is_claim_owner_up_to_date(claim, sts, pod) is up_to_date
    if after is not None:
        assert u.claim_owner_refs_for_policy(claim, sts, pod) == after


def test_foreign_controller_is_unexpected_only_under_a_delete_policy():
    claim = {
        "metadata": {
            "ownerReferences": [{"apiVersion": "x/v1", "kind": "Other", "name": "o", "uid": "u", "controller": True}]
        }
    }
    retain = statefulset(claims=("www",))
    delete = statefulset(claims=("www",), retention={"whenDeleted": "Delete", "whenScaled": "Retain"})
    assert not u.has_unexpected_controller(claim, retain, _pod("web-0"))
    assert u.has_unexpected_controller(claim, delete, _pod("web-0"))
    assert u.is_claim_owner_up_to_date(claim, delete, _pod("web-0"))  # not ours to fix


# --- revisions ----------------------------------------------------------------------------------------


def test_revision_data_name_labels():
    sts = statefulset()
    sts["metadata"]["annotations"] = {"kubernetes.io/change-cause": "v1"}
    cr = u.new_revision(sts, 3, 0)
    data = {"spec": {"template": {"$patch": "replace", **sts["spec"]["template"]}}}
    assert cr["data"] == data
    expected_hash = compute_revision_hash(canonical_json(data), 0)
    assert canonical_json(data).startswith(b'{"spec":{"template":{"$patch":"replace","metadata"')
    assert cr["metadata"]["name"] == f"web-{expected_hash}"
    assert cr["metadata"]["labels"] == {"app": "web", "controller.kubernetes.io/hash": expected_hash}
    assert cr["metadata"]["annotations"] == {"kubernetes.io/change-cause": "v1"}
    assert cr["metadata"]["namespace"] == "default"
    assert cr["revision"] == 3
    assert cr["metadata"]["ownerReferences"] == [SET_REF]


def test_collision_count_changes_the_name():
    sts = statefulset()
    assert u.new_revision(sts, 1, 0)["metadata"]["name"] != u.new_revision(sts, 1, 1)["metadata"]["name"]
    assert compute_revision_hash(b"abc", 0) != compute_revision_hash(b"abc", None)


def test_long_names_are_cut_to_223():
    assert history.controller_revision_name("a" * 300, "h") == "a" * 223 + "-h"


def test_apply_revision_restores_template():
    old = statefulset(image="nginx:1")
    cr = u.new_revision(old, 1, 0)
    new = statefulset(image="nginx:2")
    restored = u.apply_revision(new, cr)
    assert restored["spec"]["template"] == old["spec"]["template"]
    assert new["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"


def test_sort_and_equality():
    def rev(name, number, created, data):
        return {"metadata": {"name": name, "creationTimestamp": created}, "revision": number, "data": data}

    a = rev("a", 2, "2024-01-01T00:00:02Z", {"x": 1})
    b = rev("b", 1, "2024-01-01T00:00:03Z", {"x": 2})
    c = rev("c", 2, "2024-01-01T00:00:01Z", {"x": 1})
    assert [r["metadata"]["name"] for r in history.sort_controller_revisions([a, b, c])] == ["b", "c", "a"]
    assert history.equal_revision(a, c) and not history.equal_revision(a, b)
    assert history.find_equal_revisions([a, b, c], a) == [a, c]
    assert history.next_revision([b, c, a]) == 3 and history.next_revision([]) == 1


VERSIONED_CASES = [
    # (id, strategy, status currentReplicas, ordinal, expected revision)
    ("rolling-below-partition-current", {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}, 0, 1, "cur"),
    ("rolling-at-partition-update", {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}, 0, 2, "upd"),
    ("rolling-no-params-below-current-replicas", {"type": "RollingUpdate"}, 2, 1, "cur"),
    ("rolling-no-params-past-current-replicas", {"type": "RollingUpdate"}, 2, 2, "upd"),
    ("on-delete-always-update", {"type": "OnDelete"}, 3, 0, "upd"),
]


@pytest.mark.parametrize(
    ("strategy", "current_replicas", "ordinal", "expected"),
    [c[1:] for c in VERSIONED_CASES],
    ids=[c[0] for c in VERSIONED_CASES],
)
def test_new_versioned_pod(strategy, current_replicas, ordinal, expected):
    current = statefulset(strategy=strategy, image="nginx:1")
    current["status"]["currentReplicas"] = current_replicas
    update = statefulset(strategy=strategy, image="nginx:2")
    pod = u.new_versioned_pod(current, update, "cur", "upd", ordinal)
    assert u.get_pod_revision(pod) == expected
    assert pod["spec"]["containers"][0]["image"] == ("nginx:1" if expected == "cur" else "nginx:2")


def test_revision_hash_is_over_go_json_bytes():
    """The StatefulSet's revisions hash the data as Go's json.Marshal writes it: `&`, `<`, `>` escaped."""
    sts = statefulset(image="app:1")
    sts["spec"]["template"]["spec"]["containers"][0]["command"] = ["sh", "-c", "a && b > c"]
    data = (
        b'{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"web"}},'
        b'"spec":{"containers":[{"command":["sh","-c","a \\u0026\\u0026 b \\u003e c"],'
        b'"image":"app:1","name":"nginx"}]}}}}'
    )
    revision = u.new_revision(sts, 1, 0)
    assert history.data_bytes(revision) == data
    assert revision["metadata"]["name"] == "web-" + compute_revision_hash(data, 0)
    assert revision["metadata"]["labels"][history.CONTROLLER_REVISION_HASH_LABEL] == compute_revision_hash(data, 0)
