"""Validation of the smaller groups: batch/v1 Job, coordination.k8s.io/v1 Lease,
discovery.k8s.io/v1 EndpointSlice, events.k8s.io/v1 Event, policy/v1 PodDisruptionBudget and
storage.k8s.io/v1 StorageClass.

Restates the kube-apiserver v1.37 rules users meet for these kinds (names, required fields,
enums, immutable fields); rules not listed here are not enforced.

Pure: no I/O.  Objects are defaulted JSON dicts.
"""

from __future__ import annotations

from kubeferry.api import core
from kubeferry.api import validation as v
from kubeferry.machinery import status as st
from kubeferry.machinery.status import FieldError

JOB_RESTART_POLICIES = ["OnFailure", "Never"]
ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]
UNHEALTHY_POD_EVICTION_POLICIES = ["AlwaysAllow", "IfHealthyBudget"]
SC_RECLAIM_POLICIES = ["Delete", "Retain"]
SC_BINDING_MODES = ["Immediate", "WaitForFirstConsumer"]
MAX_ENDPOINTS_PER_SLICE = 1000


def _meta(obj: dict, namespaced: bool = True, name_fn: v.NameFn = v.name_is_dns_subdomain) -> list[FieldError]:
    return v.validate_object_meta(obj.get("metadata"), namespaced, name_fn)


def _meta_update(new: dict, old: dict) -> list[FieldError]:
    return v.validate_object_meta_update(new.get("metadata"), old.get("metadata"))


# ---------------------------------------------------------------------------------------------
# Job


def _job_spec(obj: dict) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errs: list[FieldError] = []
    for f in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"):
        if spec.get(f) is not None:
            errs += v.validate_nonnegative(spec[f], f"spec.{f}")
    selector = spec.get("selector")
    if selector is not None:
        errs += v.validate_label_selector(selector, "spec.selector")
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
        if not v.selector_is_empty(selector) and not v.selector_matches(selector, labels):
            errs.append(
                st.invalid("spec.template.metadata.labels", labels or {}, "`selector` does not match template `labels`")
            )
    template = spec.get("template") or {}
    errs += core.validate_pod_template_spec(template, "spec.template")
    restart = (template.get("spec") or {}).get("restartPolicy", "")
    if restart not in JOB_RESTART_POLICIES:
        errs.append(st.not_supported("spec.template.spec.restartPolicy", restart, JOB_RESTART_POLICIES))
    return errs


def _job_update(new: dict, old: dict) -> list[FieldError]:
    errs = _meta_update(new, old) + _job_spec(new)
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    errs += v.validate_immutable(new_spec.get("selector"), old_spec.get("selector"), "spec.selector")
    errs += v.validate_immutable(new_spec.get("completionMode"), old_spec.get("completionMode"), "spec.completionMode")
    return errs


# ---------------------------------------------------------------------------------------------
# Lease


def _lease_spec(obj: dict) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errs: list[FieldError] = []
    duration = spec.get("leaseDurationSeconds")
    if v.is_int(duration) and duration <= 0:
        errs.append(st.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    if spec.get("leaseTransitions") is not None:
        errs += v.validate_nonnegative(spec["leaseTransitions"], "spec.leaseTransitions")
    return errs


# ---------------------------------------------------------------------------------------------
# EndpointSlice


def _endpointslice_body(obj: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    address_type = obj.get("addressType", "")
    if not address_type:
        errs.append(st.required("addressType"))
    elif address_type not in ADDRESS_TYPES:
        errs.append(st.not_supported("addressType", address_type, ADDRESS_TYPES))
    endpoints = obj.get("endpoints") or []
    if len(endpoints) > MAX_ENDPOINTS_PER_SLICE:
        errs.append(st.too_many("endpoints", len(endpoints), MAX_ENDPOINTS_PER_SLICE))
    for i, ep in enumerate(endpoints):
        if not ep.get("addresses"):
            errs.append(st.required(f"endpoints[{i}].addresses", "must contain at least 1 address"))
    for i, port in enumerate(obj.get("ports") or []):
        pp = f"ports[{i}]"
        name = port.get("name") or ""
        if name:
            errs += v.validate_dns1123_label(name, f"{pp}.name")
        protocol = port.get("protocol")
        if protocol is not None and protocol not in core.PORT_PROTOCOLS:
            errs.append(st.not_supported(f"{pp}.protocol", protocol, core.PORT_PROTOCOLS))
        number = port.get("port")
        if number is not None:
            errs += [st.invalid(f"{pp}.port", number, m) for m in v.is_valid_port_num(number)]
    return errs


def _endpointslice_update(new: dict, old: dict) -> list[FieldError]:
    errs = _meta_update(new, old) + _endpointslice_body(new)
    return errs + v.validate_immutable(new.get("addressType"), old.get("addressType"), "addressType")


# ---------------------------------------------------------------------------------------------
# PodDisruptionBudget


def _pdb_spec(obj: dict) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errs: list[FieldError] = []
    min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
    if min_available is not None and max_unavailable is not None:
        errs.append(st.invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
    for f, value in (("minAvailable", min_available), ("maxUnavailable", max_unavailable)):
        if value is not None:
            errs += v.validate_positive_int_or_percent(value, f"spec.{f}")
            errs += v.is_not_more_than_100_percent(value, f"spec.{f}")
    errs += v.validate_label_selector(spec.get("selector"), "spec.selector")
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in UNHEALTHY_POD_EVICTION_POLICIES:
        errs.append(st.not_supported("spec.unhealthyPodEvictionPolicy", policy, UNHEALTHY_POD_EVICTION_POLICIES))
    return errs


def _pdb_status(new: dict, old: dict) -> list[FieldError]:
    s = new.get("status") or {}
    errs: list[FieldError] = []
    for f in ("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"):
        errs += v.validate_nonnegative(s.get(f, 0), f"status.{f}")
    return errs


# ---------------------------------------------------------------------------------------------
# StorageClass


def _storageclass_body(obj: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    provisioner = obj.get("provisioner") or ""
    if not provisioner:
        errs.append(st.required("provisioner"))
    else:
        errs += [st.invalid("provisioner", provisioner, m) for m in v.is_qualified_name(provisioner.lower())]
    policy = obj.get("reclaimPolicy")
    if policy is not None and policy not in SC_RECLAIM_POLICIES:
        errs.append(st.not_supported("reclaimPolicy", policy, SC_RECLAIM_POLICIES))
    mode = obj.get("volumeBindingMode")
    if mode is None:
        errs.append(st.required("volumeBindingMode"))
    elif mode not in SC_BINDING_MODES:
        errs.append(st.not_supported("volumeBindingMode", mode, SC_BINDING_MODES))
    return errs


def _storageclass_update(new: dict, old: dict) -> list[FieldError]:
    errs = _meta_update(new, old) + _storageclass_body(new)
    if not v.semantic_equal(new.get("parameters"), old.get("parameters")):
        errs.append(st.forbidden("parameters", "updates to parameters are forbidden."))
    if new.get("provisioner") != old.get("provisioner"):
        errs.append(st.forbidden("provisioner", "updates to provisioner are forbidden."))
    if new.get("reclaimPolicy") != old.get("reclaimPolicy"):
        errs.append(st.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
    return errs + v.validate_immutable(new.get("volumeBindingMode"), old.get("volumeBindingMode"), "volumeBindingMode")


def _create(namespaced: bool, body):  # type: ignore[no-untyped-def]
    def create(obj: dict) -> list[FieldError]:
        return _meta(obj, namespaced) + body(obj)

    return create


def _update(body):  # type: ignore[no-untyped-def]
    def update(new: dict, old: dict) -> list[FieldError]:
        return _meta_update(new, old) + body(new)

    return update


RULES: dict[tuple[str, str], v.KindRules] = {
    ("batch", "Job"): v.KindRules(_create(True, _job_spec), _job_update),
    ("coordination.k8s.io", "Lease"): v.KindRules(_create(True, _lease_spec), _update(_lease_spec)),
    ("discovery.k8s.io", "EndpointSlice"): v.KindRules(_create(True, _endpointslice_body), _endpointslice_update),
    ("events.k8s.io", "Event"): v.simple_rules(True, v.name_is_dns_subdomain),
    ("policy", "PodDisruptionBudget"): v.KindRules(_create(True, _pdb_spec), _update(_pdb_spec), _pdb_status),
    ("storage.k8s.io", "StorageClass"): v.KindRules(_create(False, _storageclass_body), _storageclass_update),
}
