"""ControllerRefManager claim semantics (TestClaimPods and friends), restated as tables."""

from __future__ import annotations

import pytest

from kubeferry.controllers import ownership
from kubeferry.controllers.actions import PatchObject

OWNER_UID = "owner-uid"
PRODUCTION = {"type": "production"}
TEST = {"type": "test"}


def owner(deleting: bool = False, namespace: str = "default") -> dict:
    meta = {"name": "rc", "namespace": namespace, "uid": OWNER_UID}
    if deleting:
        meta["deletionTimestamp"] = "2024-05-01T12:00:00Z"
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta}


def ref(uid: str, controller: bool = True) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Fake", "name": "x", "uid": uid, "controller": controller}


def pod(name: str, labels: dict, owner_uid: str | None = None, deleting: bool = False, namespace: str = "default"):
    meta: dict = {"name": name, "namespace": namespace, "uid": name + "-uid", "labels": labels}
    if owner_uid is not None:
        meta["ownerReferences"] = [ref(owner_uid)]
    if deleting:
        meta["deletionTimestamp"] = "2024-05-01T12:00:00Z"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta}


def production(obj: dict) -> bool:
    return (obj["metadata"].get("labels") or {}).get("type") == "production"


OUR_REF = {
    "apiVersion": "apps/v1",
    "kind": "ReplicaSet",
    "name": "rc",
    "uid": OWNER_UID,
    "controller": True,
    "blockOwnerDeletion": True,
}


def adopt(name: str) -> PatchObject:
    patch = {"metadata": {"ownerReferences": [OUR_REF], "uid": name + "-uid"}}
    return PatchObject("v1", "Pod", "default", name, patch)


def release(name: str) -> PatchObject:
    patch = {"metadata": {"uid": name + "-uid", "ownerReferences": [{"$patch": "delete", "uid": OWNER_UID}]}}
    return PatchObject("v1", "Pod", "default", name, patch)


CASES = [
    pytest.param(
        owner(),
        [pod("pod1", PRODUCTION), pod("pod2", TEST)],
        ["pod1"],
        [adopt("pod1")],
        id="adopts-orphan-with-matching-labels",
    ),
    pytest.param(
        owner(deleting=True),
        [pod("pod1", PRODUCTION), pod("pod2", PRODUCTION)],
        [],
        [],
        id="owner-being-deleted-adopts-nothing",
    ),
    pytest.param(
        owner(deleting=True),
        [pod("pod1", PRODUCTION, OWNER_UID), pod("pod2", PRODUCTION)],
        ["pod1"],
        [],
        id="owner-being-deleted-keeps-what-it-owns",
    ),
    pytest.param(
        owner(),
        [pod("pod1", PRODUCTION, OWNER_UID), pod("pod2", PRODUCTION, "AAAAA")],
        ["pod1"],
        [],
        id="ignores-pods-of-another-controller",
    ),
    pytest.param(
        owner(),
        [pod("pod1", PRODUCTION, OWNER_UID), pod("pod2", TEST, OWNER_UID)],
        ["pod1"],
        [release("pod2")],
        id="releases-owned-pod-that-no-longer-matches",
    ),
    pytest.param(
        owner(deleting=True),
        [pod("pod2", TEST, OWNER_UID)],
        [],
        [],
        id="owner-being-deleted-does-not-release",
    ),
    pytest.param(
        owner(),
        [pod("pod1", PRODUCTION, OWNER_UID, deleting=True), pod("pod2", PRODUCTION, deleting=True)],
        ["pod1"],
        [],
        id="keeps-owned-pod-being-deleted-but-not-orphan-being-deleted",
    ),
    pytest.param(
        owner(),
        [pod("pod1", PRODUCTION, namespace="other")],
        [],
        [],
        id="orphan-in-another-namespace-ignored",
    ),
    pytest.param(
        owner(),
        [pod("pod1", TEST, "AAAAA")],
        [],
        [],
        id="non-matching-pod-of-another-controller-left-alone",
    ),
]


@pytest.mark.parametrize(("the_owner", "candidates", "claimed_names", "actions"), CASES)
def test_claim(the_owner, candidates, claimed_names, actions):
    claimed, got_actions = ownership.claim(the_owner, "ReplicaSet", "apps/v1", production, candidates)
    assert [c["metadata"]["name"] for c in claimed] == claimed_names
    assert got_actions == actions


def test_adopted_copy_carries_the_new_reference_and_input_is_untouched():
    orphan = pod("pod1", PRODUCTION)
    orphan["metadata"]["ownerReferences"] = [ref("other", controller=False)]
    claimed, actions = ownership.claim(owner(), "ReplicaSet", "apps/v1", production, [orphan])
    assert claimed[0]["metadata"]["ownerReferences"] == [ref("other", controller=False), OUR_REF]
    assert orphan["metadata"]["ownerReferences"] == [ref("other", controller=False)]
    assert actions == [adopt("pod1")]


def test_cluster_scoped_owner_skips_namespace_check():
    cluster_owner = {"metadata": {"name": "rc", "uid": OWNER_UID}}
    claimed, actions = ownership.claim(
        cluster_owner, "ReplicaSet", "apps/v1", production, [pod("pod1", PRODUCTION, namespace="any")]
    )
    assert [c["metadata"]["name"] for c in claimed] == ["pod1"]
    assert len(actions) == 1


def test_candidate_kind_override_for_list_items_without_kind():
    item = pod("rs1", PRODUCTION)
    del item["apiVersion"], item["kind"]
    _, actions = ownership.claim(
        owner(),
        "Deployment",
        "apps/v1",
        production,
        [item],
        candidate_api_version="apps/v1",
        candidate_kind="ReplicaSet",
    )
    assert (actions[0].api_version, actions[0].kind, actions[0].name) == ("apps/v1", "ReplicaSet", "rs1")
    assert actions[0].patch["metadata"]["ownerReferences"][0]["kind"] == "Deployment"


def test_finalizers_are_added_on_adoption_and_removed_on_release():
    claimed, actions = ownership.claim(
        owner(),
        "Job",
        "batch/v1",
        production,
        [pod("new", PRODUCTION), pod("stale", TEST, OWNER_UID)],
        finalizers=["batch.kubernetes.io/job-tracking"],
    )
    assert actions[0].patch["metadata"]["finalizers"] == ["batch.kubernetes.io/job-tracking"]
    assert claimed[0]["metadata"]["finalizers"] == ["batch.kubernetes.io/job-tracking"]
    assert actions[1].patch == {
        "metadata": {
            "uid": "stale-uid",
            "ownerReferences": [{"$patch": "delete", "uid": OWNER_UID}],
            "$deleteFromPrimitiveList/finalizers": ["batch.kubernetes.io/job-tracking"],
        }
    }


@pytest.mark.parametrize(
    ("refs", "controller_uid"),
    [
        pytest.param(None, None, id="no-owner-references"),
        pytest.param([ref("a", controller=False)], None, id="only-non-controller-reference"),
        pytest.param([ref("a", controller=False), ref("b")], "b", id="controller-reference-found"),
        pytest.param([ref("a"), ref("b")], "a", id="first-controller-reference-wins"),
    ],
)
def test_get_controller_of(refs, controller_uid):
    obj = {"metadata": {"ownerReferences": refs}}
    found = ownership.get_controller_of(obj)
    assert (found or {}).get("uid") == controller_uid
    assert ownership.is_controlled_by(obj, {"metadata": {"uid": "b"}}) is (controller_uid == "b")
