"""The Deployment controller's decisions, as pure functions (upstream `pkg/controller/deployment`).

`reconcile(deployment, replica_sets, pods, now)` is one upstream `syncDeployment` pass: it claims the
namespace's ReplicaSets, then — by the Deployment's state — syncs status only (being deleted), scales
proportionally (paused, or R changed), performs a legacy rollback, or rolls out (Recreate or
RollingUpdate), and returns the writes as actions in upstream's order.

Modules, split as upstream splits them: `util` (constants, revisions, fenceposts, counting, conditions,
new-RS shape), `sync` (the pass, revision sync, scaling, history cleanup, status counters), `rolling`,
`recreate`, `rollback`, `progress` (Progressing/Available, deadline, requeue).
"""

from kubeferry.controllers.deployment.sync import reconcile

__all__ = ["reconcile"]
