"""Pod and PVC writes of one StatefulSet pass, with upstream's events (upstream `stateful_pod_control.go`).

Owns `PodControl`: the actions a pass performs on pods and claims and the events recorded on the set
(the executor adds no pod events for the statefulset-controller component, so every event is ours):

| write                         | event (Normal unless failed)                                              |
|-------------------------------|---------------------------------------------------------------------------|
| create a PVC                  | `SuccessfulCreate` "create Claim www-web-0 Pod web-0 in StatefulSet web success" |
| create a pod                  | `SuccessfulCreate` "create Pod web-0 in StatefulSet web successful"        |
| update a pod in place         | `SuccessfulUpdate` "update Pod web-0 in StatefulSet web successful"        |
| delete a pod                  | `SuccessfulDelete` "delete Pod web-1 in StatefulSet web successful"        |
| a pod's PVC is being deleted  | Warning `FailedCreate` "create Pod web-0 in StatefulSet web failed error: pvc www-web-0 is being deleted" |
| PVC with a foreign controller | Warning `ConflictingController` (the retention policy is ignored for it)   |

Claims are created before their pod, already carrying the ownerReferences the retention policy asks for
(upstream creates them bare and patches the references in on a later pass; the end state is the same).
Existing claims whose references disagree with the policy are rewritten with UpdateObject.  The pass keeps
its own view of the namespace's claims, so a claim created earlier in the pass is seen as existing.

Errors are returned as strings (upstream's `error`), `None` meaning success.  Pure: no I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from kubeferry.controllers.actions import Action, CreateObject, DeleteObject, RecordEvent, UpdateObject
from kubeferry.controllers.statefulset import utils as u

EVENT_NORMAL = "Normal"
EVENT_WARNING = "Warning"
REASON_CONFLICTING_CONTROLLER = "ConflictingController"
MSG_CONFLICTING_CONTROLLER = (
    "PersistentVolumeClaim {claim} has a conflicting OwnerReference that acts as a manging controller, "
    "the retention policy is ignored for this claim"
)
MSG_PVC_BEING_DELETED = "pvc {claim} is being deleted"


def aggregate(errors: list[str]) -> str | None:
    """Upstream's error aggregate: None, the one message, or `[a, b]`."""
    if not errors:
        return None
    if len(errors) == 1:
        return errors[0]
    return "[" + ", ".join(errors) + "]"


class PodControl:
    """Records one pass's pod/claim writes and events about the set `sts`."""

    def __init__(self, sts: Mapping[str, Any], pvcs: list[dict]):
        self.ref = u.object_reference(sts)
        self.actions: list[Action] = []
        namespace = u.namespace_of(sts)
        self.claims: dict[str, dict] = {u.name_of(c): c for c in pvcs if (u.namespace_of(c) or namespace) == namespace}
        self._written: set[tuple[str, str]] = set()

    # --- events -----------------------------------------------------------------------------------

    def event(self, event_type: str, reason: str, message: str) -> None:
        self.actions.append(RecordEvent(dict(self.ref), event_type, reason, message))

    def record_pod_event(self, verb: str, sts: Mapping[str, Any], pod: Mapping[str, Any], err: str | None) -> None:
        if err is None:
            message = f"{verb} Pod {u.name_of(pod)} in StatefulSet {u.name_of(sts)} successful"
            self.event(EVENT_NORMAL, f"Successful{verb.title()}", message)
        else:
            message = f"{verb} Pod {u.name_of(pod)} in StatefulSet {u.name_of(sts)} failed error: {err}"
            self.event(EVENT_WARNING, f"Failed{verb.title()}", message)

    def record_claim_event(
        self, verb: str, sts: Mapping[str, Any], pod: Mapping[str, Any], claim: Mapping[str, Any]
    ) -> None:
        message = f"{verb} Claim {u.name_of(claim)} Pod {u.name_of(pod)} in StatefulSet {u.name_of(sts)} success"
        self.event(EVENT_NORMAL, f"Successful{verb.title()}", message)

    # --- writes -----------------------------------------------------------------------------------

    def _update(self, obj: dict) -> None:
        """UpdateObject; a second write of one object in a pass drops the (now stale) resourceVersion."""
        key = (obj.get("kind", ""), u.name_of(obj))
        out = copy.deepcopy(obj)
        if key in self._written:
            out.get("metadata", {}).pop("resourceVersion", None)
        self._written.add(key)
        self.actions.append(UpdateObject(out))

    # --- claims -----------------------------------------------------------------------------------

    def create_persistent_volume_claims(self, sts: Mapping[str, Any], pod: Mapping[str, Any]) -> str | None:
        """Create the pod's missing claims; a claim being deleted is an error (the pod must wait)."""
        errors: list[str] = []
        for claim in u.persistent_volume_claims(sts, pod).values():
            name = u.name_of(claim)
            existing = self.claims.get(name)
            if existing is None:
                refs = u.claim_owner_refs_for_policy(claim, sts, pod)
                if refs:
                    claim["metadata"]["ownerReferences"] = refs
                self.actions.append(CreateObject(copy.deepcopy(claim)))
                self._written.add((u.PVC_KIND, name))
                self.claims[name] = claim
                self.record_claim_event("create", sts, pod, claim)
            elif u.meta(existing).get("deletionTimestamp"):
                errors.append(MSG_PVC_BEING_DELETED.format(claim=name))
        return aggregate(errors)

    def _pod_claims(self, sts: Mapping[str, Any], pod: Mapping[str, Any]) -> list[tuple[str, dict]]:
        """(claim name, existing claim) for each claim template whose claim exists."""
        ordinal = u.get_ordinal(pod)
        out = []
        for template in u.claim_templates(sts):
            name = u.claim_name(sts, template, ordinal)
            if name in self.claims:
                out.append((name, self.claims[name]))
        return out

    def claims_match_retention_policy(self, sts: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
        """Every existing claim of the pod has the references the policy asks for (missing claims are skipped)."""
        return all(u.is_claim_owner_up_to_date(claim, sts, pod) for _name, claim in self._pod_claims(sts, pod))

    def update_pod_claim_for_retention_policy(self, sts: Mapping[str, Any], pod: Mapping[str, Any]) -> None:
        for name, claim in self._pod_claims(sts, pod):
            if u.has_unexpected_controller(claim, sts, pod):
                self.event(EVENT_WARNING, REASON_CONFLICTING_CONTROLLER, MSG_CONFLICTING_CONTROLLER.format(claim=name))
            if not u.is_claim_owner_up_to_date(claim, sts, pod):
                updated = copy.deepcopy(claim)
                updated.setdefault("apiVersion", u.CORE_V1)
                updated.setdefault("kind", u.PVC_KIND)
                updated.setdefault("metadata", {})["ownerReferences"] = u.claim_owner_refs_for_policy(claim, sts, pod)
                self._update(updated)
                self.claims[name] = updated

    def pod_claim_is_stale(self, sts: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
        """whenScaled=Delete and a claim of this ordinal still belongs to an earlier pod of the same name."""
        _when_deleted, when_scaled = u.retention_policy(sts)
        if when_scaled == u.RETAIN:
            return False
        for claim in u.persistent_volume_claims(sts, pod).values():
            existing = self.claims.get(u.name_of(claim))
            if existing is not None and u.has_stale_owner_ref(existing, pod, u.CORE_V1, u.POD_KIND):
                return True
        return False

    def create_missing_persistent_volume_claims(self, sts: Mapping[str, Any], pod: Mapping[str, Any]) -> str | None:
        err = self.create_persistent_volume_claims(sts, pod)
        if err is not None:
            return err
        self.update_pod_claim_for_retention_policy(sts, pod)
        return None

    # --- pods -------------------------------------------------------------------------------------

    def create_stateful_pod(self, sts: Mapping[str, Any], pod: dict) -> str | None:
        """Claims first, then the pod; a failing claim fails the pod (Warning FailedCreate)."""
        err = self.create_persistent_volume_claims(sts, pod)
        if err is not None:
            self.record_pod_event("create", sts, pod, err)
            return err
        self.actions.append(CreateObject(copy.deepcopy(pod)))
        self._written.add((u.POD_KIND, u.name_of(pod)))
        self.update_pod_claim_for_retention_policy(sts, pod)
        self.record_pod_event("create", sts, pod, None)
        return None

    def update_stateful_pod(self, sts: Mapping[str, Any], pod: Mapping[str, Any]) -> str | None:
        """Restore identity, storage and claim references in place; write the pod only if something changed."""
        updated = copy.deepcopy(dict(pod))
        consistent = True
        if not u.identity_matches(sts, updated):
            u.update_identity(sts, updated)
            consistent = False
        if not u.storage_matches(sts, updated):
            u.update_storage(sts, updated)
            consistent = False
            err = self.create_persistent_volume_claims(sts, updated)
            if err is not None:
                self.record_pod_event("update", sts, updated, err)
                return err
        if not self.claims_match_retention_policy(sts, updated):
            self.update_pod_claim_for_retention_policy(sts, updated)
            consistent = False
        if consistent:
            return None
        updated.setdefault("apiVersion", u.CORE_V1)
        updated.setdefault("kind", u.POD_KIND)
        self._update(updated)
        self.record_pod_event("update", sts, updated, None)
        return None

    def delete_stateful_pod(self, sts: Mapping[str, Any], pod: Mapping[str, Any]) -> None:
        namespace = u.namespace_of(pod) or u.namespace_of(sts)
        self.actions.append(DeleteObject(u.CORE_V1, u.POD_KIND, namespace, u.name_of(pod)))
        self.record_pod_event("delete", sts, pod, None)
