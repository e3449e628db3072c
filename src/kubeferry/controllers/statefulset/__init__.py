"""The StatefulSet controller's decisions, as pure functions (upstream `pkg/controller/statefulset`).

`reconcile(sts, pods, revisions, pvcs, now)` is one upstream sync of one StatefulSet: it claims the
namespace's ControllerRevisions and pods, computes the current and update revisions, creates, updates and
deletes pods (and creates their PVCs) by ordinal, writes the status when it changed, truncates revision
history and asks for a requeue while minReadySeconds is pending.

Modules, split as upstream splits them: `controller` (the sync shell: claiming, requeue), `control` (the
ordinal algorithm, revisions, rolling update, truncation), `pod_control` (pod/PVC writes and their events),
`utils` (ordinals, identity, storage, retention, revision application) and `status` (counters, completion,
when to write).  ControllerRevision naming, hashing and equality come from the shared
`kubeferry.controllers.history`, as the DaemonSet controller's do.
"""

from kubeferry.controllers.statefulset.controller import reconcile

__all__ = ["reconcile"]
