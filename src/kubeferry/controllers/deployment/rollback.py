"""The legacy server-side rollback: the `deprecated.deployment.rollback.to` annotation (upstream `rollback`).

Old clients (extensions/v1beta1 and apps/v1beta1 `rollback` subresources) asked the controller to roll
back by setting this annotation to a revision; `0` means "the previous one", i.e. the second-highest
revision (ties count: revisions 3, 3, 1 → previous is 3).  The controller copies that ReplicaSet's
template (minus pod-template-hash) and its annotations into the Deployment, then clears the annotation;
the next sync re-uses that ReplicaSet and raises its revision (revisions 1, 2, roll back to 1 → that
ReplicaSet becomes revision 3 with revision-history "1").  Every outcome clears the annotation with one
Deployment update; an unparsable value is ignored entirely (the annotation stays, the rollout goes on).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubeferry.controllers.deployment import sync
from kubeferry.controllers.deployment import util as u


def get_rollback_to(d: Mapping[str, Any]) -> int | None:
    """The requested revision, or None when there is no (valid) request."""
    value = u.annotations(d).get(u.ROLLBACK_TO_ANNOTATION, "")
    if value == "":
        return None
    return u.parse_go_int(value)


def rollback(p: sync.SyncPass) -> None:
    d = p.d
    new_rs, old_rss = sync.get_all_replica_sets_and_sync_revision(p, create=True)
    all_rss = [*old_rss, new_rs]
    target = get_rollback_to(d)
    assert target is not None
    if target == 0:
        target = u.last_revision(all_rss)
        if target == 0:
            p.event(u.EVENT_WARNING, u.EVENT_ROLLBACK_REVISION_NOT_FOUND, u.MSG_LAST_REVISION_NOT_FOUND)
            _clear_rollback_to(p)
            return
    for rs in all_rss:
        if rs is None or u.revision(rs) != target:
            continue
        if not u.equal_ignore_hash(u.spec(d).get("template"), u.spec(rs).get("template")):
            u.set_from_replica_set_template(d, u.spec(rs).get("template") or {})
            u.set_deployment_annotations_to(d, rs)
            _clear_rollback_to(p)
            message = u.MSG_ROLLED_BACK.format(name=u.go_quote(u.name_of(d)), revision=target)
            p.event(u.EVENT_NORMAL, u.EVENT_ROLLBACK_DONE, message)
        else:
            message = u.MSG_ROLLBACK_TEMPLATE_UNCHANGED.format(name=u.go_quote(u.name_of(d)))
            p.event(u.EVENT_WARNING, u.EVENT_ROLLBACK_TEMPLATE_UNCHANGED, message)
            _clear_rollback_to(p)
        return
    p.event(u.EVENT_WARNING, u.EVENT_ROLLBACK_REVISION_NOT_FOUND, u.MSG_REVISION_NOT_FOUND)
    _clear_rollback_to(p)


def _clear_rollback_to(p: sync.SyncPass) -> None:
    annotations = p.d.get("metadata", {}).get("annotations")
    if annotations:
        annotations.pop(u.ROLLBACK_TO_ANNOTATION, None)
    p.update_deployment()
