"""Validation of the apps/v1 kinds: Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision.

Restates kube-apiserver v1.37 (`pkg/apis/apps/validation` plus the apps registry strategies): the
spec rules, the apps/v1 selector immutability the strategies add on update, StatefulSet's
forbidden spec updates, and the status-subresource count rules.  The pod template itself is
validated by `core.validate_pod_template_spec` (Deployment, ReplicaSet, DaemonSet); a StatefulSet
template only gets its labels and annotations checked, as upstream does.

Pure: no I/O.  Objects are defaulted JSON dicts.
"""

from __future__ import annotations

from kubeferry.api import core
from kubeferry.api import validation as v
from kubeferry.machinery import status as st
from kubeferry.machinery.status import FieldError

SELECTOR_MISMATCH = "`selector` does not match template `labels`"
GREATER_THAN_REPLICAS = "cannot be greater than status.replicas"
CANNOT_DECREMENT = "cannot be decremented"
STATEFULSET_FORBIDDEN_UPDATE = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
    "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
)
# StatefulSet spec fields a user may change after creation.
_STATEFULSET_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)


def _spec(obj: dict) -> dict:
    return obj.get("spec") or {}


def _status(obj: dict) -> dict:
    return obj.get("status") or {}


def _selector_rules(spec: dict, what: str, *, required: bool = True) -> list[FieldError]:
    """Selector required, valid, non-empty (`empty selector is invalid for <what>`)."""
    selector = spec.get("selector")
    if selector is None:
        return [st.required("spec.selector")] if required else []
    errs = v.validate_label_selector(selector, "spec.selector")
    if v.selector_is_empty(selector):
        errs.append(st.invalid("spec.selector", selector, f"empty selector is invalid for {what}"))
    return errs


def _template_for_replicaset(spec: dict, kind_word: str) -> list[FieldError]:
    """ValidatePodTemplateSpecForReplicaSet (Deployment and ReplicaSet)."""
    selector = spec.get("selector")
    if not v.selector_is_valid(selector):
        return [st.invalid("spec.selector", selector, "invalid label selector")]
    template = spec.get("template")
    if template is None:
        return [st.required("spec.template")]
    errs: list[FieldError] = []
    labels = (template.get("metadata") or {}).get("labels")
    if not v.selector_is_empty(selector) and not v.selector_matches(selector, labels):
        errs.append(st.invalid("spec.template.metadata.labels", labels or {}, SELECTOR_MISMATCH))
    errs += core.validate_pod_template_spec(template, "spec.template")
    errs += _restart_always_and_no_deadline(template, "spec.template.spec", kind_word)
    return errs


def _restart_always_and_no_deadline(template: dict, spec_path: str, kind_word: str) -> list[FieldError]:
    pod_spec = template.get("spec") or {}
    errs: list[FieldError] = []
    restart = pod_spec.get("restartPolicy", "")
    if restart != "Always":
        errs.append(st.not_supported(f"{spec_path}.restartPolicy", restart, ["Always"]))
    if pod_spec.get("activeDeadlineSeconds") is not None:
        errs.append(
            st.forbidden(f"{spec_path}.activeDeadlineSeconds", f"activeDeadlineSeconds in {kind_word} is not Supported")
        )
    return errs


# ---------------------------------------------------------------------------------------------
# Deployment


def _deployment_strategy(strategy: dict) -> list[FieldError]:
    path = "spec.strategy"
    kind = strategy.get("type", "")
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            return [st.forbidden(f"{path}.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if kind == "RollingUpdate":
        if rolling is None:
            return [st.required(f"{path}.rollingUpdate", "this should be defaulted and never be nil")]
        rp = f"{path}.rollingUpdate"
        unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
        errs = v.validate_positive_int_or_percent(unavailable, f"{rp}.maxUnavailable")
        errs += v.validate_positive_int_or_percent(surge, f"{rp}.maxSurge")
        if v.int_or_percent_value(unavailable) == 0 and v.int_or_percent_value(surge) == 0:
            errs.append(st.invalid(f"{rp}.maxUnavailable", _ios(unavailable), "may not be 0 when `maxSurge` is 0"))
        errs += v.is_not_more_than_100_percent(unavailable, f"{rp}.maxUnavailable")
        return errs
    return [st.not_supported(path, strategy, ["Recreate", "RollingUpdate"])]


def _ios(value: object) -> object:
    """An absent IntOrString renders as its zero value, 0."""
    return 0 if value is None else value


def _deployment_spec(obj: dict) -> list[FieldError]:
    spec = _spec(obj)
    errs = v.validate_nonnegative(spec.get("replicas", 0), "spec.replicas")
    errs += _selector_rules(spec, "deployment")
    errs += _template_for_replicaset(spec, "ReplicaSet")
    errs += _deployment_strategy(spec.get("strategy") or {})
    min_ready = spec.get("minReadySeconds", 0) or 0
    errs += v.validate_nonnegative(min_ready, "spec.minReadySeconds")
    if spec.get("revisionHistoryLimit") is not None:
        errs += v.validate_nonnegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit")
    rollback = spec.get("rollbackTo")
    if rollback is not None:
        errs += v.validate_nonnegative(rollback.get("revision", 0), "spec.rollback.version")
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        errs += v.validate_nonnegative(deadline, "spec.progressDeadlineSeconds")
        if v.is_int(deadline) and v.is_int(min_ready) and deadline <= min_ready:
            errs.append(st.invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
    return errs


def _deployment_create(obj: dict) -> list[FieldError]:
    return v.validate_object_meta(obj.get("metadata"), True, v.name_is_dns_subdomain) + _deployment_spec(obj)


def _selector_immutable(new: dict, old: dict) -> list[FieldError]:
    return v.validate_immutable(_spec(new).get("selector"), _spec(old).get("selector"), "spec.selector")


def _deployment_update(new: dict, old: dict) -> list[FieldError]:
    errs = v.validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    return errs + _deployment_spec(new) + _selector_immutable(new, old)


def _replica_counts(status: dict, fields: tuple[str, ...]) -> list[FieldError]:
    errs: list[FieldError] = []
    for f in fields:
        errs += v.validate_nonnegative(status.get(f, 0), f"status.{f}")
    return errs


def _not_above(status: dict, field: str, limit_field: str, message: str) -> list[FieldError]:
    value, limit = status.get(field, 0) or 0, status.get(limit_field, 0) or 0
    if v.is_int(value) and v.is_int(limit) and value > limit:
        return [st.invalid(f"status.{field}", value, message)]
    return []


def _collision_not_decremented(new: dict, old: dict) -> list[FieldError]:
    new_cc, old_cc = _status(new).get("collisionCount"), _status(old).get("collisionCount")
    if old_cc is not None and (new_cc is None or (v.is_int(new_cc) and new_cc < old_cc)):
        return [st.invalid("status.collisionCount", new_cc or 0, CANNOT_DECREMENT)]
    return []


def _deployment_status(new: dict, old: dict) -> list[FieldError]:
    s = _status(new)
    errs = _replica_counts(
        s,
        (
            "observedGeneration",
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
            "unavailableReplicas",
        ),
    )
    if s.get("collisionCount") is not None:
        errs += v.validate_nonnegative(s["collisionCount"], "status.collisionCount")
    errs += _not_above(s, "updatedReplicas", "replicas", GREATER_THAN_REPLICAS)
    errs += _not_above(s, "readyReplicas", "replicas", GREATER_THAN_REPLICAS)
    errs += _not_above(s, "availableReplicas", "replicas", GREATER_THAN_REPLICAS)
    errs += _not_above(s, "availableReplicas", "readyReplicas", "cannot be greater than readyReplicas")
    return errs + _collision_not_decremented(new, old)


# ---------------------------------------------------------------------------------------------
# ReplicaSet


def _replicaset_spec(obj: dict) -> list[FieldError]:
    spec = _spec(obj)
    errs = v.validate_nonnegative(spec.get("replicas", 0), "spec.replicas")
    errs += v.validate_nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    errs += _selector_rules(spec, "deployment")  # sic: upstream says "deployment" for ReplicaSets too
    return errs + _template_for_replicaset(spec, "ReplicaSet")


def _replicaset_create(obj: dict) -> list[FieldError]:
    return v.validate_object_meta(obj.get("metadata"), True, v.name_is_dns_subdomain) + _replicaset_spec(obj)


def _replicaset_update(new: dict, old: dict) -> list[FieldError]:
    errs = v.validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    return errs + _replicaset_spec(new) + _selector_immutable(new, old)


def _replicaset_status(new: dict, old: dict) -> list[FieldError]:
    s = _status(new)
    errs = _replica_counts(
        s, ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration")
    )
    errs += _not_above(s, "fullyLabeledReplicas", "replicas", GREATER_THAN_REPLICAS)
    errs += _not_above(s, "readyReplicas", "replicas", GREATER_THAN_REPLICAS)
    errs += _not_above(s, "availableReplicas", "replicas", GREATER_THAN_REPLICAS)
    errs += _not_above(s, "availableReplicas", "readyReplicas", "cannot be greater than readyReplicas")
    return errs


# ---------------------------------------------------------------------------------------------
# DaemonSet


def _daemonset_strategy(strategy: dict) -> list[FieldError]:
    path = "spec.updateStrategy"
    kind = strategy.get("type", "")
    if kind == "OnDelete":
        return []
    if kind != "RollingUpdate":
        return [st.not_supported(path, strategy, ["RollingUpdate", "OnDelete"])]
    rolling = strategy.get("rollingUpdate")
    if rolling is None:
        return [st.required(f"{path}.rollingUpdate")]
    rp = f"{path}.rollingUpdate"
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    errs = v.validate_positive_int_or_percent(unavailable, f"{rp}.maxUnavailable")
    errs += v.validate_positive_int_or_percent(surge, f"{rp}.maxSurge")
    errs += v.is_not_more_than_100_percent(unavailable, f"{rp}.maxUnavailable")
    errs += v.is_not_more_than_100_percent(surge, f"{rp}.maxSurge")
    has_unavailable = v.int_or_percent_value(unavailable) != 0
    has_surge = v.int_or_percent_value(surge) != 0
    if has_unavailable and has_surge:
        errs.append(st.invalid(f"{rp}.maxSurge", _ios(surge), "may not be set when maxUnavailable is non-zero"))
    elif not has_unavailable and not has_surge:
        errs.append(st.required(f"{rp}.maxUnavailable", "cannot be 0 when maxSurge is 0"))
    return errs


def _daemonset_spec(obj: dict) -> list[FieldError]:
    spec = _spec(obj)
    selector = spec.get("selector")
    errs = v.validate_label_selector(selector, "spec.selector")
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels")
    # A nil selector converts to "matches nothing", so the template can never match it.
    if v.selector_is_valid(selector) and (selector is None or not v.selector_matches(selector, labels)):
        errs.append(st.invalid("spec.template.metadata.labels", labels or {}, SELECTOR_MISMATCH))
    if selector is not None and v.selector_is_empty(selector):
        errs.append(st.invalid("spec.selector", selector, "empty selector is invalid for daemonset"))
    errs += core.validate_pod_template_spec(template, "spec.template")
    errs += _restart_always_and_no_deadline(template, "spec.template.spec", "DaemonSet")
    errs += v.validate_nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    errs += v.validate_nonnegative(spec.get("templateGeneration", 0), "spec.templateGeneration")
    errs += _daemonset_strategy(spec.get("updateStrategy") or {})
    if spec.get("revisionHistoryLimit") is not None:
        errs += v.validate_nonnegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit")
    return errs


def _daemonset_create(obj: dict) -> list[FieldError]:
    return v.validate_object_meta(obj.get("metadata"), True, v.name_is_dns_subdomain) + _daemonset_spec(obj)


def _daemonset_update(new: dict, old: dict) -> list[FieldError]:
    errs = v.validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    return errs + _daemonset_spec(new) + _selector_immutable(new, old)


_DAEMONSET_COUNTS = (
    "currentNumberScheduled",
    "numberMisscheduled",
    "desiredNumberScheduled",
    "numberReady",
    "observedGeneration",
    "updatedNumberScheduled",
    "numberAvailable",
    "numberUnavailable",
)


def _daemonset_status(new: dict, old: dict) -> list[FieldError]:
    s = _status(new)
    errs = _replica_counts(s, _DAEMONSET_COUNTS)
    if s.get("collisionCount") is not None:
        errs += v.validate_nonnegative(s["collisionCount"], "status.collisionCount")
    return errs + _collision_not_decremented(new, old)


# ---------------------------------------------------------------------------------------------
# StatefulSet


def _statefulset_spec(obj: dict) -> list[FieldError]:
    spec = _spec(obj)
    errs: list[FieldError] = []
    policy = spec.get("podManagementPolicy", "")
    if policy == "":
        errs.append(st.required("spec.podManagementPolicy"))
    elif policy not in ("OrderedReady", "Parallel"):
        errs.append(st.invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"))

    strategy = spec.get("updateStrategy") or {}
    kind = strategy.get("type", "")
    rolling = strategy.get("rollingUpdate")
    if kind == "":
        errs.append(st.required("spec.updateStrategy"))
    elif kind == "OnDelete":
        if rolling is not None:
            errs.append(
                st.invalid(
                    "spec.updateStrategy.rollingUpdate", rolling, "only allowed for updateStrategy 'RollingUpdate'"
                )
            )
    elif kind == "RollingUpdate":
        if rolling is not None:
            rp = "spec.updateStrategy.rollingUpdate"
            errs += v.validate_nonnegative(rolling.get("partition", 0), f"{rp}.partition")
            max_unavailable = rolling.get("maxUnavailable")
            if max_unavailable is not None:
                errs += v.validate_positive_int_or_percent(max_unavailable, f"{rp}.maxUnavailable")
                if v.int_or_percent_value(max_unavailable) == 0:
                    errs.append(st.invalid(f"{rp}.maxUnavailable", max_unavailable, "cannot be 0"))
                errs += v.is_not_more_than_100_percent(max_unavailable, f"{rp}.maxUnavailable")
    else:
        errs.append(st.invalid("spec.updateStrategy", strategy, "must be 'RollingUpdate' or 'OnDelete'"))

    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    if retention is not None:
        for f in ("whenDeleted", "whenScaled"):
            value = retention.get(f, "")
            if value not in ("Retain", "Delete"):
                errs.append(
                    st.not_supported(f"spec.persistentVolumeClaimRetentionPolicy.{f}", value, ["Retain", "Delete"])
                )

    errs += v.validate_nonnegative(spec.get("replicas", 0), "spec.replicas")
    errs += v.validate_nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    if spec.get("ordinals") is not None:
        errs += v.validate_nonnegative(spec["ordinals"].get("start", 0), "spec.ordinals.start")
    errs += _selector_rules(spec, "statefulset")

    selector = spec.get("selector")
    template = spec.get("template") or {}
    if not v.selector_is_valid(selector):
        errs.append(st.invalid("spec.selector", selector, ""))
    else:
        meta = template.get("metadata") or {}
        labels = meta.get("labels")
        if selector is not None and not v.selector_is_empty(selector) and not v.selector_matches(selector, labels):
            errs.append(st.invalid("spec.template.metadata.labels", labels or {}, SELECTOR_MISMATCH))
        errs += v.validate_labels(labels, "spec.template.labels")
        errs += v.validate_annotations(meta.get("annotations"), "spec.template.annotations")
    errs += _restart_always_and_no_deadline(template, "spec.template.spec", "StatefulSet")
    return errs


def _statefulset_create(obj: dict) -> list[FieldError]:
    return v.validate_object_meta(obj.get("metadata"), True, v.name_is_dns_label) + _statefulset_spec(obj)


def _statefulset_update(new: dict, old: dict) -> list[FieldError]:
    # The name is not re-validated on update (older servers allowed subdomains).
    errs = v.validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs += _statefulset_spec(new)
    new_rest = {k: x for k, x in _spec(new).items() if k not in _STATEFULSET_MUTABLE}
    old_rest = {k: x for k, x in _spec(old).items() if k not in _STATEFULSET_MUTABLE}
    if not v.semantic_equal(new_rest, old_rest):
        errs.append(st.forbidden("spec", STATEFULSET_FORBIDDEN_UPDATE))
    return errs


def _statefulset_status(new: dict, old: dict) -> list[FieldError]:
    s = _status(new)
    errs = _replica_counts(s, ("replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"))
    for f in ("observedGeneration", "collisionCount"):
        if s.get(f) is not None:
            errs += v.validate_nonnegative(s[f], f"status.{f}")
    for f in ("readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"):
        errs += _not_above(s, f, "replicas", GREATER_THAN_REPLICAS)
    errs += _not_above(s, "availableReplicas", "readyReplicas", "cannot be greater than status.readyReplicas")
    return errs + _collision_not_decremented(new, old)


# ---------------------------------------------------------------------------------------------
# ControllerRevision


def _revision_create(obj: dict) -> list[FieldError]:
    errs = v.validate_object_meta(obj.get("metadata"), True, v.name_is_dns_subdomain)
    if obj.get("data") is None:
        errs.append(st.required("data", "data is mandatory"))
    return errs + v.validate_nonnegative(obj.get("revision", 0), "revision")


def _revision_update(new: dict, old: dict) -> list[FieldError]:
    errs = v.validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs += _revision_create(new)
    return errs + v.validate_immutable(new.get("data"), old.get("data"), "data")


RULES: dict[tuple[str, str], v.KindRules] = {
    ("apps", "Deployment"): v.KindRules(_deployment_create, _deployment_update, _deployment_status),
    ("apps", "ReplicaSet"): v.KindRules(_replicaset_create, _replicaset_update, _replicaset_status),
    ("apps", "DaemonSet"): v.KindRules(_daemonset_create, _daemonset_update, _daemonset_status),
    ("apps", "StatefulSet"): v.KindRules(_statefulset_create, _statefulset_update, _statefulset_status),
    ("apps", "ControllerRevision"): v.KindRules(_revision_create, _revision_update),
}
