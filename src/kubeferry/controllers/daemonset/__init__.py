"""The DaemonSet controller's decisions, as pure functions (upstream `pkg/controller/daemon`).

`reconcile(ds, nodes, pods, revisions, now)` is one upstream `syncDaemonSet` pass: it builds the revision
history, runs one daemon pod per eligible node (`manage`), takes one RollingUpdate step, trims old
revisions and writes the status, returning the writes as actions in upstream's order.

Modules, split as upstream splits them: `util` (constants, placement predicates, pod shape, surge and
unavailability arithmetic, failed-pod backoff), `state` (the pass: claimed pods, write log, `sync_nodes`),
`update` (history, cleanup, rolling update — upstream `update.go`), `sync` (the pass itself, `manage`,
status — upstream `daemon_controller.go`).  The revision helpers shared with StatefulSet live in
`kubeferry.controllers.history`.
"""

from kubeferry.controllers.daemonset.sync import reconcile
from kubeferry.controllers.daemonset.util import FailedPodBackoff

__all__ = ["FailedPodBackoff", "reconcile"]
