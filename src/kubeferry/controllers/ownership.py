"""Controller references: which objects a controller owns, and the patches that adopt or release them.

Every workload controller (ReplicaSet → pods, Deployment → ReplicaSets, DaemonSet and StatefulSet →
pods and ControllerRevisions) decides ownership the same way upstream's ControllerRefManager does.  For
each candidate object, looking at its *controller reference* (the ownerReference with `controller: true`):

| candidate                                   | selector matches        | selector does not match          |
|---------------------------------------------|-------------------------|----------------------------------|
| controlled by another uid                   | ignored                 | ignored                          |
| controlled by us                            | kept (even if we are    | released (patch), unless we are  |
|                                             | being deleted)          | being deleted (then just dropped)|
| orphan, we are being deleted                | ignored                 | ignored                          |
| orphan being deleted itself                 | ignored                 | ignored                          |
| orphan in another namespace (namespaced us) | ignored                 | ignored                          |
| orphan otherwise                            | adopted (patch)         | ignored                          |

Adoption is a strategic merge patch that adds our controller reference and carries the object's uid as a
precondition (a recreated object with the same name is not adopted by mistake):

    {"metadata": {"ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d9c",
                                       "uid": "<owner>", "controller": true, "blockOwnerDeletion": true}],
                  "uid": "<object>"}}

Release deletes our entry by its merge key:

    {"metadata": {"uid": "<object>", "ownerReferences": [{"$patch": "delete", "uid": "<owner>"}]}}

Controllers that keep a finalizer on what they own (Job) pass `finalizers`: adoption adds them, release
removes them with `$deleteFromPrimitiveList/finalizers`.  When the executor reports 404 for either patch
the object is gone and that is not an error; for a release, 422 (no such owner reference, or a uid
mismatch) is not an error either.  Pure: no I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kubeferry.controllers.actions import Action, PatchObject

PATCH_DIRECTIVE = "$patch"
PATCH_DELETE = "delete"
DELETE_FROM_FINALIZERS = "$deleteFromPrimitiveList/finalizers"


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def get_controller_of(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The object's first ownerReference with `controller: true`, or None (an orphan)."""
    for ref in _meta(obj).get("ownerReferences") or ():
        if ref.get("controller") is True:
            return ref
    return None


def is_controlled_by(obj: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    """The object's controller reference points at `owner`'s uid."""
    ref = get_controller_of(obj)
    return ref is not None and ref.get("uid") == _meta(owner).get("uid")


def new_controller_ref(owner: Mapping[str, Any], api_version: str, kind: str) -> dict:
    """The ownerReference a controller puts on what it creates or adopts (blockOwnerDeletion included)."""
    meta = _meta(owner)
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": meta.get("name", ""),
        "uid": meta.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def adopt_patch(controller_ref: Mapping[str, Any], object_uid: str, finalizers: Sequence[str] = ()) -> dict:
    """The strategic merge patch that makes `controller_ref` the object's controller."""
    metadata: dict[str, Any] = {"ownerReferences": [dict(controller_ref)], "uid": object_uid}
    if finalizers:
        metadata["finalizers"] = list(finalizers)
    return {"metadata": metadata}


def release_patch(object_uid: str, owner_uids: Sequence[str], finalizers: Sequence[str] = ()) -> dict:
    """The strategic merge patch that removes the owners' references (and `finalizers`) from the object."""
    metadata: dict[str, Any] = {
        "uid": object_uid,
        "ownerReferences": [{PATCH_DIRECTIVE: PATCH_DELETE, "uid": uid} for uid in owner_uids],
    }
    if finalizers:
        metadata[DELETE_FROM_FINALIZERS] = list(finalizers)
    return {"metadata": metadata}


def _patch_action(obj: Mapping[str, Any], patch: dict, api_version: str | None, kind: str | None) -> PatchObject:
    meta = _meta(obj)
    return PatchObject(
        api_version=api_version or obj.get("apiVersion", ""),
        kind=kind or obj.get("kind", ""),
        namespace=meta.get("namespace", ""),
        name=meta.get("name", ""),
        patch=patch,
    )


def claim(
    owner: dict,
    owner_kind: str,
    owner_api_version: str,
    selector_matches: Callable[[dict], bool],
    candidates: list[dict],
    *,
    finalizers: Sequence[str] = (),
    candidate_api_version: str | None = None,
    candidate_kind: str | None = None,
) -> tuple[list[dict], list[Action]]:
    """Decide which `candidates` `owner` controls, adopting matching orphans and releasing stale ones.

    Returns `(claimed, actions)`: `claimed` keeps the input order and holds the objects the owner controls
    once the actions succeed — adopted ones as copies that already carry the new controller reference;
    `actions` are the adopt/release PatchObjects in input order.  `selector_matches(obj)` decides a match
    (a label selector plus any extra filter).  A patch addresses the candidate's own `apiVersion`/`kind`
    unless `candidate_api_version`/`candidate_kind` are given (list items often lack them).  If a patch
    fails the caller must stop this pass and retry later, as upstream's sync returns the error.
    """
    owner_meta = _meta(owner)
    owner_uid = owner_meta.get("uid", "")
    owner_deleting = bool(owner_meta.get("deletionTimestamp"))
    owner_namespace = owner_meta.get("namespace") or ""
    controller_ref = new_controller_ref(owner, owner_api_version, owner_kind)

    claimed: list[dict] = []
    actions: list[Action] = []
    for obj in candidates:
        meta = obj.get("metadata") or {}
        ref = None
        for owner_ref in meta.get("ownerReferences") or ():  # get_controller_of, inlined for the hot loop
            if owner_ref.get("controller") is True:
                ref = owner_ref
                break
        if ref is not None:
            if ref.get("uid") != owner_uid:
                continue  # someone else's
            if selector_matches(obj):
                claimed.append(obj)  # ours and still matching: no action, even while we are being deleted
            elif not owner_deleting:
                patch = release_patch(meta.get("uid", ""), [owner_uid], finalizers)
                actions.append(_patch_action(obj, patch, candidate_api_version, candidate_kind))
            continue
        # An orphan.
        if owner_deleting or not selector_matches(obj):
            continue
        if meta.get("deletionTimestamp"):
            continue
        if owner_namespace and owner_namespace != (meta.get("namespace") or ""):
            continue
        patch = adopt_patch(controller_ref, meta.get("uid", ""), finalizers)
        actions.append(_patch_action(obj, patch, candidate_api_version, candidate_kind))
        claimed.append(_adopted(obj, controller_ref, finalizers))
    return claimed, actions


def _adopted(obj: Mapping[str, Any], controller_ref: Mapping[str, Any], finalizers: Sequence[str]) -> dict:
    """`obj` as it reads after the adoption patch: our reference appended (and any new finalizers)."""
    result = copy.deepcopy(dict(obj))
    meta = result.setdefault("metadata", {})
    meta["ownerReferences"] = [*(meta.get("ownerReferences") or []), dict(controller_ref)]
    if finalizers:
        existing = list(meta.get("finalizers") or [])
        meta["finalizers"] = existing + [f for f in finalizers if f not in existing]
    return result
