"""StatefulSet status: the counters over its pods, completion of a rolling update, and when to write.

Owns upstream's `computeReplicaStatus`/`updateStatus`, `completeRollingUpdate` and `inconsistentStatus`:

* counts over every pod handed in (replicas and condemned; a replacement built this pass has no phase and
  is not counted): `replicas` = created pods (terminating included); `readyReplicas` = Running and Ready;
  `availableReplicas` = Running, Ready and ready for minReadySeconds; `currentReplicas` / `updatedReplicas`
  = created, non-terminating pods whose `controller-revision-hash` is the current / update revision name.
* completion — RollingUpdate only: when updated, ready and created pods all equal spec.replicas, the
  current revision becomes the update revision and currentReplicas = updatedReplicas.  A partition > 0
  keeps old pods below it, so such a rollout never completes and currentRevision stays old.
* a write happens only when observedGeneration increased or any of replicas, ready, current, updated,
  available, currentRevision, updateRevision differs (collisionCount alone never triggers one).

The written status is the computed one only, as upstream replaces the whole status struct.  Pure: no I/O.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubeferry.controllers.statefulset import utils as u


@dataclass
class SetStatus:
    observed_generation: int = 0
    replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    current_replicas: int = 0
    updated_replicas: int = 0
    current_revision: str = ""
    update_revision: str = ""
    collision_count: int = 0

    def to_dict(self) -> dict:
        """apps/v1 StatefulSetStatus JSON: zero-valued omitempty fields left out, as Go serialises them."""
        out: dict[str, Any] = {}
        if self.observed_generation:
            out["observedGeneration"] = self.observed_generation
        out["replicas"] = self.replicas
        for key, value in (
            ("readyReplicas", self.ready_replicas),
            ("currentReplicas", self.current_replicas),
            ("updatedReplicas", self.updated_replicas),
            ("currentRevision", self.current_revision),
            ("updateRevision", self.update_revision),
        ):
            if value:
                out[key] = value
        out["collisionCount"] = self.collision_count
        out["availableReplicas"] = self.available_replicas
        return out


def update_counts(
    st: SetStatus,
    min_ready: int,
    now: _dt.datetime,
    current_revision: str,
    update_revision: str,
    *pod_lists: Iterable[Mapping[str, Any]],
) -> None:
    """Recount the pod counters of `st` over `pod_lists` (the revisions are names)."""
    st.replicas = st.ready_replicas = st.available_replicas = st.current_replicas = st.updated_replicas = 0
    for pods in pod_lists:
        for pod in pods:
            created = u.is_created(pod)
            if created:
                st.replicas += 1
            if u.is_running_and_ready(pod):
                st.ready_replicas += 1
                if u.is_running_and_available(pod, min_ready, now):
                    st.available_replicas += 1
            if created and not u.is_terminating(pod):
                revision = u.get_pod_revision(pod)
                if revision == current_revision:
                    st.current_replicas += 1
                if revision == update_revision:
                    st.updated_replicas += 1


def complete_rolling_update(sts: Mapping[str, Any], st: SetStatus) -> None:
    desired = u.replicas(sts)
    if (
        u.strategy_type(sts) == u.ROLLING_UPDATE
        and st.updated_replicas == desired
        and st.ready_replicas == desired
        and st.replicas == desired
    ):
        st.current_replicas = st.updated_replicas
        st.current_revision = st.update_revision


def inconsistent_status(sts: Mapping[str, Any], st: SetStatus) -> bool:
    """True when `st` must be written (see the module docstring)."""
    old = u.status(sts)

    def num(key: str) -> int:
        return int(old.get(key) or 0)

    return (
        st.observed_generation > num("observedGeneration")
        or st.replicas != num("replicas")
        or st.current_replicas != num("currentReplicas")
        or st.ready_replicas != num("readyReplicas")
        or st.updated_replicas != num("updatedReplicas")
        or st.current_revision != (old.get("currentRevision") or "")
        or st.available_replicas != num("availableReplicas")
        or st.update_revision != (old.get("updateRevision") or "")
    )
