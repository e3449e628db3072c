"""The garbage collector's decisions for one object: delete orphaned dependents, run foreground and orphan deletion.

Upstream (`pkg/controller/garbagecollector`) keeps a graph of owner references and, per object, runs one
of three workers.  `reconcile(obj, owners, dependents, now)` makes the same decisions from a snapshot:

* `owners` maps every ownerReference uid of `obj` to the live owner (None when it is absent, or when an
  object of that name now has another uid).  A uid missing from the map is *unknown* and treated as a
  live owner: the collector never deletes on missing information.
* `dependents` are the objects whose ownerReferences name `obj`'s uid.

**obj as a dependent** (upstream `attemptToDeleteItem`; skipped while obj itself is being deleted).  Each
ownerReference is one of:

| owner state                                                        | class     |
|--------------------------------------------------------------------|-----------|
| absent (None)                                                      | dangling  |
| being deleted and carrying the `foregroundDeletion` finalizer      | waiting   |
| anything else (live, unknown)                                      | solid     |

1. some solid owner: if there are dangling or waiting references, patch them out (one strategic merge
   patch, `$patch: delete` by uid, carrying obj's uid as a precondition); nothing else.
2. no solid owner, some waiting owner, and obj has dependents of its own: delete obj with propagation
   Foreground, so the chain is deleted bottom-up.  If one of obj's dependents is itself deleting its
   dependents, first patch obj's blocking references to `blockOwnerDeletion: false` (upstream's cycle guard).
3. otherwise (every owner dangling or waiting): delete obj — propagation Orphan when obj carries the
   `orphan` finalizer, Foreground when it carries `foregroundDeletion`, else Background.

**obj as an owner being deleted** (`deletionTimestamp` set):

* `orphan` finalizer (upstream `attemptToOrphan`): patch every dependent to drop its reference to obj,
  then UpdateObject obj with the finalizer removed.
* `foregroundDeletion` finalizer (upstream `processDeletingDependentsItem` with the graph builder's
  enqueueing of dependents): every dependent not yet being deleted is handled — one whose only owner is
  obj is deleted with propagation Foreground; one with other owners gets its reference to obj patched
  out (its own pass then decides about it).  *Blocking* dependents are those whose reference to obj has
  `blockOwnerDeletion: true`; while any exists obj keeps its finalizer, and once none is left obj is
  updated without `foregroundDeletion` and the registry finishes deleting it.

Worked example: Deployment `web` deleted with propagationPolicy Foreground → it reads
`deletionTimestamp` + finalizer `foregroundDeletion`; its ReplicaSet (blockOwnerDeletion true) is deleted
with Foreground; `web` waits.  When the ReplicaSet is gone, the next pass sees no blocking dependent and
removes the finalizer.

Every DeleteObject carries the victim's uid as a precondition.  A 404 or a uid-precondition 409 from the
executor means the object is already gone or replaced: not an error.  Pure: no I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from kubeferry.controllers import ownership
from kubeferry.controllers.actions import Action, DeleteObject, PatchObject, UpdateObject

FINALIZER_ORPHAN = "orphan"
FINALIZER_FOREGROUND = "foregroundDeletion"

PROPAGATION_BACKGROUND = "Background"
PROPAGATION_FOREGROUND = "Foreground"
PROPAGATION_ORPHAN = "Orphan"


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _uid(obj: Mapping[str, Any]) -> str:
    return _meta(obj).get("uid") or ""


def has_finalizer(obj: Mapping[str, Any], finalizer: str) -> bool:
    return finalizer in (_meta(obj).get("finalizers") or ())


def is_deleting(obj: Mapping[str, Any]) -> bool:
    return bool(_meta(obj).get("deletionTimestamp"))


def has_deletion_work(obj: Mapping[str, Any]) -> bool:
    """Carries the orphan or the foreground finalizer: the collector's work while obj is being deleted.
    A deleting object without either gets no action from `reconcile`, whatever its owners and dependents."""
    finalizers = _meta(obj).get("finalizers") or ()
    return FINALIZER_ORPHAN in finalizers or FINALIZER_FOREGROUND in finalizers


def is_deleting_dependents(obj: Mapping[str, Any]) -> bool:
    """Being deleted in the foreground: deletionTimestamp plus the `foregroundDeletion` finalizer."""
    return is_deleting(obj) and has_finalizer(obj, FINALIZER_FOREGROUND)


def _owner_refs(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(_meta(obj).get("ownerReferences") or ())


def _ref_to(obj: Mapping[str, Any], owner_uid: str) -> Mapping[str, Any] | None:
    for ref in _owner_refs(obj):
        if ref.get("uid") == owner_uid:
            return ref
    return None


def _patch(obj: Mapping[str, Any], patch: dict) -> PatchObject:
    meta = _meta(obj)
    return PatchObject(
        api_version=obj.get("apiVersion", ""),
        kind=obj.get("kind", ""),
        namespace=meta.get("namespace") or "",
        name=meta.get("name") or "",
        patch=patch,
    )


def _delete(obj: Mapping[str, Any], propagation: str) -> DeleteObject:
    meta = _meta(obj)
    return DeleteObject(
        api_version=obj.get("apiVersion", ""),
        kind=obj.get("kind", ""),
        namespace=meta.get("namespace") or "",
        name=meta.get("name") or "",
        uid=meta.get("uid") or "",
        propagation=propagation,
    )


def _without_finalizer(obj: Mapping[str, Any], finalizer: str) -> UpdateObject:
    updated = copy.deepcopy(dict(obj))
    meta = updated.setdefault("metadata", {})
    meta["finalizers"] = [f for f in meta.get("finalizers") or () if f != finalizer]
    return UpdateObject(updated)


def classify_owners(
    obj: Mapping[str, Any], owners: Mapping[str, Mapping[str, Any] | None]
) -> tuple[list[str], list[str], list[str]]:
    """(solid, dangling, waiting) owner uids of `obj`, in ownerReference order (see module doc)."""
    solid: list[str] = []
    dangling: list[str] = []
    waiting: list[str] = []
    for ref in _owner_refs(obj):
        uid = ref.get("uid") or ""
        if uid not in owners:
            solid.append(uid)  # unknown: never act on missing information
            continue
        owner = owners[uid]
        if owner is None or _uid(owner) not in ("", uid):
            dangling.append(uid)
        elif is_deleting_dependents(owner):
            waiting.append(uid)
        else:
            solid.append(uid)
    return solid, dangling, waiting


def _attempt_to_delete(
    obj: Mapping[str, Any], owners: Mapping[str, Mapping[str, Any] | None], dependents: Sequence[Mapping[str, Any]]
) -> list[Action]:
    if not _owner_refs(obj):
        return []
    solid, dangling, waiting = classify_owners(obj, owners)
    if solid:
        stale = dangling + waiting
        if not stale:
            return []
        return [_patch(obj, ownership.release_patch(_uid(obj), stale))]
    if waiting and dependents:
        actions: list[Action] = []
        if any(is_deleting_dependents(dep) for dep in dependents):
            unblock = [
                {"uid": ref.get("uid"), "blockOwnerDeletion": False}
                for ref in _owner_refs(obj)
                if ref.get("blockOwnerDeletion") is True
            ]
            if unblock:
                actions.append(_patch(obj, {"metadata": {"uid": _uid(obj), "ownerReferences": unblock}}))
        actions.append(_delete(obj, PROPAGATION_FOREGROUND))
        return actions
    if has_finalizer(obj, FINALIZER_ORPHAN):
        policy = PROPAGATION_ORPHAN
    elif has_finalizer(obj, FINALIZER_FOREGROUND):
        policy = PROPAGATION_FOREGROUND
    else:
        policy = PROPAGATION_BACKGROUND
    return [_delete(obj, policy)]


def _orphan_dependents(obj: Mapping[str, Any], dependents: Sequence[Mapping[str, Any]]) -> list[Action]:
    owner_uid = _uid(obj)
    actions: list[Action] = [
        _patch(dep, ownership.release_patch(_uid(dep), [owner_uid]))
        for dep in dependents
        if _ref_to(dep, owner_uid) is not None
    ]
    actions.append(_without_finalizer(obj, FINALIZER_ORPHAN))
    return actions


def _delete_dependents_in_foreground(obj: Mapping[str, Any], dependents: Sequence[Mapping[str, Any]]) -> list[Action]:
    owner_uid = _uid(obj)
    actions: list[Action] = []
    blocking = False
    for dep in dependents:
        ref = _ref_to(dep, owner_uid)
        if ref is None:
            continue
        if ref.get("blockOwnerDeletion") is True:
            blocking = True
        if is_deleting(dep):
            continue
        if len(_owner_refs(dep)) == 1:
            actions.append(_delete(dep, PROPAGATION_FOREGROUND))
        else:
            actions.append(_patch(dep, ownership.release_patch(_uid(dep), [owner_uid])))
    if not blocking:
        actions.append(_without_finalizer(obj, FINALIZER_FOREGROUND))
    return actions


def blocking_dependents(obj: Mapping[str, Any], dependents: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The dependents whose reference to `obj` has `blockOwnerDeletion: true`."""
    owner_uid = _uid(obj)
    return [d for d in dependents if (_ref_to(d, owner_uid) or {}).get("blockOwnerDeletion") is True]


def reconcile(
    obj: Mapping[str, Any],
    owners: Mapping[str, Mapping[str, Any] | None],
    dependents: Sequence[Mapping[str, Any]],
    now: _dt.datetime,
) -> list[Action]:
    """One garbage-collector pass over `obj` (see the module doc for the rules and their order)."""
    if is_deleting(obj):
        if has_finalizer(obj, FINALIZER_ORPHAN):
            return _orphan_dependents(obj, dependents)
        if has_finalizer(obj, FINALIZER_FOREGROUND):
            return _delete_dependents_in_foreground(obj, dependents)
        return []
    return _attempt_to_delete(obj, owners, dependents)
