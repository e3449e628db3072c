"""The ordinal algorithm of one StatefulSet pass (upstream `stateful_set_control.go`).

Owns `update_stateful_set(sts, pods, revisions, all_revisions, pvcs, now)`: revisions → pods → status →
history, returning the actions in upstream's order and the computed status.

1. Revisions (sorted by number, then creationTimestamp, then name).  The update revision is built from
   the current template with number `last + 1`; an equal revision that is the latest is reused, an equal
   older one is renumbered to `last + 1` (a rollback), otherwise a new one is created — when its name is
   taken by a revision with other data, the collision count goes up and the name is recomputed.  The
   current revision is the one named `status.currentRevision`, else the update revision.
2. Pods split into *replicas* (ordinal in `start … start+R−1`, by index) and *condemned* (any other valid
   ordinal, highest first); a missing replica gets a pod built at the current or update revision.
   OrderedReady ("monotonic") walks replicas in order and stops at the first create, terminating,
   not-Running+Ready or not-available pod; then deletes the highest condemned pod, one per pass, only
   while every replica is fine (an unhealthy condemned pod may go only if it is the first unhealthy one).
   Parallel ("burst") processes every replica and every condemned pod in slow-start batches (1, 2, 4, …,
   at most 500 a batch), stopping after a batch with an error.
3. OnDelete stops there.  RollingUpdate (maxUnavailable semantics, on by default): `unavailable` =
   replicas not available or terminating; while `unavailable < maxUnavailable`, delete pods not at the
   update revision, highest ordinal first, down to the partition, at most `maxUnavailable − unavailable`.
   Worked example: R 5, maxUnavailable 2, partition 1, all on the old revision and available → this pass
   deletes web-4 and web-3; the next ones wait until the recreated pods are available again.  Parallel
   sets first delete old pods that are already unavailable, then spend the budget on available ones.
4. Status is written when it changed (see `status`); then revisions beyond revisionHistoryLimit that no
   pod, nor the current or update revision, uses are deleted, oldest first.

Pure: no I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubeferry.controllers import history
from kubeferry.controllers.actions import Action, CreateObject, DeleteObject, UpdateObject, UpdateStatus
from kubeferry.controllers.statefulset import utils as u
from kubeferry.controllers.statefulset.pod_control import PodControl, aggregate
from kubeferry.controllers.statefulset.status import (
    SetStatus,
    complete_rolling_update,
    inconsistent_status,
    update_counts,
)
from kubeferry.machinery.intstr import IntOrStringError

MAX_BATCH_SIZE = 500  # in-flight writes per slow-start batch in Parallel mode
SLOW_START_INITIAL_BATCH = 1

StepFn = Callable[[int], tuple[bool, str | None]]


@dataclass
class PassResult:
    actions: list[Action] = field(default_factory=list)
    status: SetStatus | None = None
    error: str | None = None


# --- revisions ----------------------------------------------------------------------------------------


def get_stateful_set_revisions(
    sts: Mapping[str, Any], revisions: list[dict], all_revisions: list[dict], actions: list[Action]
) -> tuple[dict, dict, int]:
    """(current revision, update revision, collision count), appending any create/renumber to `actions`."""
    collision_count = int(u.status(sts).get("collisionCount") or 0)
    update = u.new_revision(sts, history.next_revision(revisions), collision_count)
    equal = history.find_equal_revisions(revisions, update)
    if equal and history.equal_revision(revisions[-1], equal[-1]):
        update = revisions[-1]
    elif equal:
        renumbered = copy.deepcopy(equal[-1])
        if history.revision_number(renumbered) != update["revision"]:
            renumbered["revision"] = update["revision"]
            renumbered.setdefault("apiVersion", history.API_VERSION)
            renumbered.setdefault("kind", history.KIND)
            actions.append(UpdateObject(copy.deepcopy(renumbered)))
        update = renumbered
    else:
        update, collision_count = _create_controller_revision(sts, update, collision_count, all_revisions, actions)
    current = next((r for r in revisions if u.name_of(r) == u.status(sts).get("currentRevision")), None)
    return (current if current is not None else update), update, collision_count


def _create_controller_revision(
    sts: Mapping[str, Any], revision: dict, collision_count: int, all_revisions: list[dict], actions: list[Action]
) -> tuple[dict, int]:
    """Create `revision`, renaming it past names already taken by other data (each clash counts a collision)."""
    taken = {u.name_of(r): r for r in all_revisions}
    while True:
        name = history.controller_revision_name(
            u.name_of(sts), history.hash_controller_revision(revision.get("data"), collision_count)
        )
        existing = taken.get(name)
        if existing is None:
            created = copy.deepcopy(revision)
            created["metadata"]["name"] = name
            actions.append(CreateObject(copy.deepcopy(created)))
            return created, collision_count
        if history.data_bytes(existing) == history.data_bytes(revision):
            return existing, collision_count
        collision_count += 1


def truncate_history(
    sts: Mapping[str, Any], pods: list[dict], revisions: list[dict], current: dict | None, update: dict | None
) -> list[Action]:
    """Delete non-live revisions beyond revisionHistoryLimit, lowest revision first (`revisions` sorted)."""
    live = {u.name_of(r) for r in (current, update) if r is not None}
    live |= {u.get_pod_revision(p) for p in pods}
    old = [r for r in revisions if u.name_of(r) not in live]
    excess = len(old) - u.revision_history_limit(sts)
    if excess <= 0:
        return []
    return [
        DeleteObject(
            history.API_VERSION,
            history.KIND,
            u.namespace_of(r) or u.namespace_of(sts),
            u.name_of(r),
        )
        for r in old[:excess]
    ]


# --- running steps ------------------------------------------------------------------------------------


def run_for_all(count: int, fn: StepFn, monotonic: bool) -> tuple[bool, str | None]:
    """Monotonic: in order, stop at the first step asking to stop or failing.  Burst: slow-start batches.

    Burst worked example, 7 steps: batches of 1, 2, 4; a failure in the batch of 2 ends the run after that
    batch, so steps 3–6 are not attempted.  A burst step's "stop" answer is ignored.
    """
    if monotonic:
        for i in range(count):
            should_exit, err = fn(i)
            if should_exit or err is not None:
                return True, err
        return False, None
    remaining, index = count, 0
    batch = min(remaining, SLOW_START_INITIAL_BATCH)
    while batch > 0:
        errors = []
        for _ in range(batch):
            _exit, err = fn(index)
            index += 1
            if err is not None:
                errors.append(err)
        if errors:
            return True, aggregate(errors)
        remaining -= batch
        batch = min(2 * batch, remaining, MAX_BATCH_SIZE)
    return False, None


# --- the pass -----------------------------------------------------------------------------------------


class SetControl:
    """One `updateStatefulSet`: the replicas/condemned split and the per-pod steps."""

    def __init__(
        self,
        sts: dict,
        current: dict,
        update: dict,
        collision_count: int,
        pods: list[dict],
        pc: PodControl,
        now: _dt.datetime,
    ):
        self.sts = sts
        self.current_set = u.apply_revision(sts, current)
        self.update_set = u.apply_revision(sts, update)
        self.current_name = u.name_of(current)
        self.update_name = u.name_of(update)
        self.pods = pods
        self.pc = pc
        self.now = now
        self.min_ready = u.min_ready_seconds(sts)
        self.monotonic = not u.allows_burst(sts)
        self.status = SetStatus(
            observed_generation=int(u.meta(sts).get("generation") or 0),
            current_revision=self.current_name,
            update_revision=self.update_name,
            collision_count=collision_count,
        )
        self.replicas: list[dict] = []
        self.condemned: list[dict] = []
        self.first_unavailable: dict | None = None

    def _unavailable(self, pod: Mapping[str, Any]) -> bool:
        return u.is_unavailable(pod, self.min_ready, self.now)

    def _recount(self, *lists: list[dict]) -> None:
        update_counts(self.status, self.min_ready, self.now, self.current_name, self.update_name, *lists)

    def run(self) -> str | None:
        sts = self.sts
        self._recount(self.pods)
        start, count = u.start_ordinal(sts), u.replicas(sts)
        slots: list[dict | None] = [None] * count
        for pod in self.pods:
            if u.pod_in_ordinal_range(pod, sts):
                slots[u.get_ordinal(pod) - start] = pod
            elif u.get_ordinal(pod) >= 0:
                self.condemned.append(pod)
        self.replicas = [
            pod
            if pod is not None
            else u.new_versioned_pod(self.current_set, self.update_set, self.current_name, self.update_name, start + i)
            for i, pod in enumerate(slots)
        ]
        self.condemned.sort(key=u.get_ordinal, reverse=True)

        for pod in [*self.replicas, *reversed(self.condemned)]:
            if self._unavailable(pod):
                self.first_unavailable = pod
                break

        if u.meta(sts).get("deletionTimestamp"):
            return None

        for step, items in (
            (self._process_replica, self.replicas),
            (self._fix_pod_claim, self.condemned),
            (self._process_condemned, self.condemned),
        ):
            should_exit, err = run_for_all(len(items), step, self.monotonic)
            if should_exit or err is not None:
                self._recount(self.replicas, self.condemned)
                return err
        self._recount(self.replicas, self.condemned)

        if u.strategy_type(sts) == u.ON_DELETE:
            return None
        return self._rolling_update()

    # --- steps ----------------------------------------------------------------------------------------

    def _process_replica(self, i: int) -> tuple[bool, str | None]:
        sts, pc, pod, monotonic = self.sts, self.pc, self.replicas[i], self.monotonic
        if u.is_failed(pod) or u.is_succeeded(pod):
            if not u.is_terminating(pod):
                pc.delete_stateful_pod(sts, pod)
            return True, None  # the replacement comes on a later pass, once the old pod is gone
        if not u.is_created(pod):
            if pc.pod_claim_is_stale(sts, pod):
                return True, None
            err = pc.create_stateful_pod(sts, pod)
            if err is not None:
                return True, err
            if monotonic:
                return True, None
        if u.is_pending(pod):
            err = pc.create_missing_persistent_volume_claims(sts, pod)
            if err is not None:
                return True, err
        if monotonic and (
            u.is_terminating(pod)
            or not u.is_running_and_ready(pod)
            or not u.is_running_and_available(pod, self.min_ready, self.now)
        ):
            return True, None
        retention_match = pc.claims_match_retention_policy(self.update_set, pod)
        if u.identity_matches(sts, pod) and u.storage_matches(sts, pod) and retention_match:
            return False, None
        err = pc.update_stateful_pod(self.update_set, pod)
        return (True, err) if err is not None else (False, None)

    def _fix_pod_claim(self, i: int) -> tuple[bool, str | None]:
        pod = self.condemned[i]
        if not self.pc.claims_match_retention_policy(self.update_set, pod):
            self.pc.update_pod_claim_for_retention_policy(self.update_set, pod)
        return False, None

    def _process_condemned(self, i: int) -> tuple[bool, str | None]:
        pod, monotonic = self.condemned[i], self.monotonic
        if u.is_terminating(pod):
            return monotonic, None
        not_first = pod is not self.first_unavailable
        if monotonic and not_first and not u.is_running_and_ready(pod):
            return True, None
        if monotonic and not_first and not u.is_running_and_available(pod, self.min_ready, self.now):
            return True, None
        self.pc.delete_stateful_pod(self.sts, pod)
        return True, None

    def _rolling_update(self) -> str | None:
        sts, replicas = self.sts, self.replicas
        update_min, budget = 0, 1
        if u.rolling_update(sts) is not None:
            update_min = u.partition(sts)
            try:
                budget = u.max_unavailable(sts)
            except IntOrStringError as err:
                return str(err)
        burst = u.allows_burst(sts)
        unavailable = needing_update = 0
        for pod in replicas:
            if self._unavailable(pod):
                unavailable += 1
                if burst and u.get_pod_revision(pod) != self.update_name and not u.is_terminating(pod):
                    needing_update += 1
        if unavailable >= budget and needing_update == 0:
            return None

        def outdated(pod: Mapping[str, Any]) -> bool:
            return u.get_pod_revision(pod) != self.update_name and not u.is_terminating(pod)

        targets = [replicas[t] for t in range(len(replicas) - 1, update_min - 1, -1)]
        if burst:
            for pod in targets:  # phase 1: old pods that are already unavailable cost nothing extra
                if outdated(pod) and not u.is_running_and_available(pod, self.min_ready, self.now):
                    self._delete_for_update(pod)
            remaining = budget - unavailable
            for pod in targets:  # phase 2: available old pods, within what is left of the budget
                if remaining <= 0:
                    break
                if outdated(pod) and u.is_running_and_available(pod, self.min_ready, self.now):
                    self._delete_for_update(pod)
                    remaining -= 1
            return None
        to_delete = budget - unavailable
        for pod in targets:
            if to_delete <= 0:
                break
            if outdated(pod):
                self._delete_for_update(pod)
                to_delete -= 1
        return None

    def _delete_for_update(self, pod: Mapping[str, Any]) -> None:
        self.pc.delete_stateful_pod(self.sts, pod)
        self.status.current_replicas -= 1


def update_stateful_set(
    sts: dict, pods: list[dict], revisions: list[dict], all_revisions: list[dict], pvcs: list[dict], now: _dt.datetime
) -> PassResult:
    """One upstream `UpdateStatefulSet`: `revisions` are the set's own (claimed) ones, `all_revisions` the
    namespace's (for name clashes), `pods` the set's claimed pods, `pvcs` the namespace's claims."""
    result = PassResult()
    ordered = history.sort_controller_revisions(revisions)
    current, update, collision_count = get_stateful_set_revisions(sts, ordered, all_revisions, result.actions)

    pc = PodControl(sts, pvcs)
    control = SetControl(sts, current, update, collision_count, pods, pc, now)
    result.error = control.run()
    result.actions.extend(pc.actions)

    st = control.status
    complete_rolling_update(sts, st)
    if inconsistent_status(sts, st):
        written = copy.deepcopy(sts)
        written["status"] = st.to_dict()
        result.actions.append(UpdateStatus(written))
    result.status = st

    result.actions.extend(truncate_history(sts, pods, ordered, current, update))
    return result
