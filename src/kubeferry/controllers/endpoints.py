"""Endpoints and EndpointSlices of a Service: which pods back it, on which ports, ready or not.

`reconcile(service, pods, current_endpoints, current_slices, now)` makes one pass of upstream's Endpoints
controller (`pkg/controller/endpoint`) and EndpointSlice controller (`pkg/controller/endpointslice`) for
one Service.  A Service of type ExternalName, or without `spec.selector`, is left alone (its endpoints
are managed by hand).  `pods` may be the namespace's pods; the selector picks the Service's.

**Which pods.**  Not Succeeded/Failed, with an IP of the Service's family (`spec.ipFamilies[0]`,
default IPv4; `status.podIPs`, else `status.podIP`).  Pods being deleted are left out of Endpoints
unless `publishNotReadyAddresses`; EndpointSlices keep them with `terminating: true`.

**Ports.**  Per ServicePort, `targetPort` resolves on each pod: a number is used as is; a name is looked
up among the ports of the pod's containers (and restartable init containers) with the same name *and*
protocol — a pod without it is simply not an endpoint for that port.  Protocol defaults to TCP, a
missing targetPort to the port.  Worked example: ServicePort `http` targetPort `"web"`, pod A names
containerPort 8080 `web`, pod B names 9090 `web` → two subsets, `{A, http:8080}` and `{B, http:9090}`.

**Endpoints** (named after the Service):

* an address is `{ip, nodeName, targetRef: {kind: Pod, namespace, name, uid}}`, plus `hostname` when
  the pod has `spec.hostname` and its `spec.subdomain` is the Service's name;
* ready pods (or every pod with `publishNotReadyAddresses`) go to `addresses`, others to
  `notReadyAddresses`;
* addresses offering the same ports are packed into one subset (upstream RepackSubsets; an address
  ready on one port entry stays ready).  Addresses sort by IP then uid; ports by name, number,
  protocol; subsets by their addresses then ports (upstream orders the last two by an md5 of its Go
  structs — any stable order is equivalent to clients);
* a headless Service (clusterIP `None`) without ports still gets addresses, in one port-less subset;
* labels are the Service's, plus `service.kubernetes.io/headless: ""` when it has no cluster IP;
* above 1000 addresses the list is truncated (ready first, each subset its proportional share rounded
  up) and annotated `endpoints.kubernetes.io/over-capacity: truncated`;
* nothing is written when subsets (ignoring targetRef resourceVersions), labels (ignoring the headless
  label) and the capacity annotation already agree.

**EndpointSlice** (discovery.k8s.io/v1), one per distinct port set, normally just one: generateName
`<service>-`, controller reference to the Service, labels = Service labels (without the reserved keys)
+ `kubernetes.io/service-name` + `endpointslice.kubernetes.io/managed-by:
endpointslice-controller.k8s.io` (+ the headless label), `addressType`, `ports` (`name` always
present, service order) and endpoints `{addresses: [ip], conditions: {ready, serving, terminating},
nodeName, targetRef, hostname}` where serving = pod Ready, terminating = being deleted, ready = serving
and not terminating, or always with `publishNotReadyAddresses`.  A Service with no endpoints gets one
empty placeholder slice.  Existing managed slices are matched by port set, reused for a new port set
when one is left over, updated only when endpoints, ports or labels differ, and deleted when surplus.
Not modelled: 100 endpoints per slice, topology hints, zones.

**Trigger time.**  Every written object carries `endpoints.kubernetes.io/last-change-trigger-time`
(RFC 3339, nanoseconds trimmed): the earliest time among the changes it reflects — the Service's
creation and every pod's Ready transition when the object is new; otherwise the Ready transition times
of pods whose endpoint is new or changed.  Without such a time the annotation is removed (as upstream
does when its tracker saw no trigger).

Actions: Create/UpdateObject for the Endpoints, then Create/Update/DeleteObject for slices.  Pure: no I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from kubeferry.controllers import ownership
from kubeferry.controllers.actions import Action, CreateObject, DeleteObject, UpdateObject
from kubeferry.machinery import podutil
from kubeferry.machinery.selectors import from_label_selector

LABEL_HEADLESS = "service.kubernetes.io/headless"
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
SLICE_CONTROLLER_NAME = "endpointslice-controller.k8s.io"
RESERVED_SLICE_LABELS = frozenset({LABEL_HEADLESS, LABEL_SERVICE_NAME, LABEL_MANAGED_BY})
ANNOTATION_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
ANNOTATION_OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
OVER_CAPACITY_TRUNCATED = "truncated"
# An Endpoints object holds at most this many addresses (ready and not ready together).
MAX_ENDPOINTS_CAPACITY = 1000

SERVICE_TYPE_EXTERNAL_NAME = "ExternalName"
CLUSTER_IP_NONE = "None"
IPV4, IPV6 = "IPv4", "IPv6"
DEFAULT_PROTOCOL = "TCP"
SLICE_API_VERSION = "discovery.k8s.io/v1"


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


# --- pods -------------------------------------------------------------------------------------------


def should_pod_be_in_endpoints(pod: Mapping[str, Any], include_terminating: bool) -> bool:
    """Not terminal, has an IP, and (unless `include_terminating`) not being deleted."""
    if podutil.is_pod_terminal(pod):
        return False
    status = pod.get("status") or {}
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    return include_terminating or not podutil.is_being_deleted(pod)


def service_family(service: Mapping[str, Any]) -> str:
    families = (service.get("spec") or {}).get("ipFamilies") or ()
    return families[0] if families else IPV4


def pod_ip(pod: Mapping[str, Any], family: str) -> str | None:
    """The pod's first IP of `family` (IPv6 addresses contain ':'), or None."""
    status = pod.get("status") or {}
    ips = [entry.get("ip") for entry in status.get("podIPs") or () if entry.get("ip")]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    for ip in ips:
        if (":" in ip) == (family == IPV6):
            return ip
    return None


def find_port(pod: Mapping[str, Any], service_port: Mapping[str, Any]) -> int | None:
    """The pod port a ServicePort's targetPort means, or None (upstream FindPort)."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int) and not isinstance(target, bool):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = service_port.get("protocol") or DEFAULT_PROTOCOL
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or ()) + [
        c for c in spec.get("initContainers") or () if c.get("restartPolicy") == podutil.RESTART_POLICY_ALWAYS
    ]
    for container in containers:
        for port in container.get("ports") or ():
            if port.get("name") == target and (port.get("protocol") or DEFAULT_PROTOCOL) == protocol:
                return port.get("containerPort")
    return None


def _should_set_hostname(pod: Mapping[str, Any], service: Mapping[str, Any]) -> bool:
    spec = pod.get("spec") or {}
    return (
        bool(spec.get("hostname"))
        and spec.get("subdomain") == _meta(service).get("name")
        and _meta(pod).get("namespace") == _meta(service).get("namespace")
    )


def _target_ref(pod: Mapping[str, Any]) -> dict:
    meta = _meta(pod)
    return {
        "kind": "Pod",
        "namespace": meta.get("namespace") or "",
        "name": meta.get("name") or "",
        "uid": meta.get("uid") or "",
    }


def _is_service_ip_set(service: Mapping[str, Any]) -> bool:
    cluster_ip = (service.get("spec") or {}).get("clusterIP") or ""
    return cluster_ip not in ("", CLUSTER_IP_NONE)


def _pod_trigger_time(pod: Mapping[str, Any]) -> _dt.datetime | None:
    condition = podutil.get_pod_ready_condition(pod)
    return podutil.parse_time(condition.get("lastTransitionTime")) if condition else None


def format_rfc3339_nano(moment: _dt.datetime) -> str:
    """Go's RFC3339Nano in UTC: fractional seconds only when non-zero, trailing zeros trimmed."""
    moment = moment.astimezone(_dt.UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += ("." + f"{moment.microsecond:06d}").rstrip("0")
    return text + "Z"


def _trigger_time(times: Sequence[_dt.datetime | None]) -> _dt.datetime | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None


def _set_trigger_annotation(obj: dict, moment: _dt.datetime | None) -> None:
    meta = obj.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    if moment is not None:
        annotations[ANNOTATION_TRIGGER_TIME] = format_rfc3339_nano(moment)
    else:
        annotations.pop(ANNOTATION_TRIGGER_TIME, None)
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)


# --- Endpoints --------------------------------------------------------------------------------------


def _endpoint_port(service_port: Mapping[str, Any], number: int) -> dict:
    port: dict[str, Any] = {}
    if service_port.get("name"):
        port["name"] = service_port["name"]
    port["port"] = number
    port["protocol"] = service_port.get("protocol") or DEFAULT_PROTOCOL
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def _port_key(port: Mapping[str, Any]) -> tuple:
    return (port.get("name") or "", port.get("port") or 0, port.get("protocol") or "", port.get("appProtocol") or "")


def _address_key(address: Mapping[str, Any]) -> tuple[str, str]:
    return (address.get("ip") or "", (address.get("targetRef") or {}).get("uid") or "")


def build_subsets(service: Mapping[str, Any], pods: Sequence[Mapping[str, Any]]) -> list[dict]:
    """The Service's packed, sorted Endpoints subsets (see module doc)."""
    spec = service.get("spec") or {}
    tolerate_unready = bool(spec.get("publishNotReadyAddresses"))
    family = service_family(service)
    service_ports = list(spec.get("ports") or ())
    headless = spec.get("clusterIP") == CLUSTER_IP_NONE
    addresses: dict[tuple[str, str], dict] = {}
    # port key (None = the port-less sentinel) → (port dict, {address key: ready})
    by_port: dict[tuple | None, tuple[dict | None, dict[tuple[str, str], bool]]] = {}

    def add(address: dict, port: dict | None, ready: bool) -> None:
        key = _address_key(address)
        addresses.setdefault(key, address)
        pkey = None if port is None else _port_key(port)
        entry = by_port.setdefault(pkey, (port, {}))
        entry[1][key] = entry[1].get(key, False) or ready

    for pod in pods:
        if not should_pod_be_in_endpoints(pod, tolerate_unready):
            continue
        ip = pod_ip(pod, family)
        if ip is None:
            continue
        address: dict[str, Any] = {"ip": ip}
        if _should_set_hostname(pod, service):
            address["hostname"] = pod["spec"]["hostname"]
        if podutil.node_name(pod):
            address["nodeName"] = podutil.node_name(pod)
        address["targetRef"] = _target_ref(pod)
        ready = tolerate_unready or podutil.is_pod_ready(pod)
        if not service_ports:
            if headless:
                add(address, None, ready)
            continue
        for service_port in service_ports:
            number = find_port(pod, service_port)
            if number is not None:
                add(address, _endpoint_port(service_port, number), ready)

    groups: dict[frozenset, list[dict]] = {}
    for port, members in by_port.values():
        ports = groups.setdefault(frozenset(members.items()), [])
        if port is not None:
            ports.append(port)
    subsets = []
    for members, ports in groups.items():
        ready_keys = sorted(k for k, ready in members if ready)
        unready_keys = sorted(k for k, ready in members if not ready)
        subset: dict[str, Any] = {}
        if ready_keys:
            subset["addresses"] = [addresses[k] for k in ready_keys]
        if unready_keys:
            subset["notReadyAddresses"] = [addresses[k] for k in unready_keys]
        if ports:
            subset["ports"] = sorted(ports, key=_port_key)
        subsets.append(subset)
    return sorted(subsets, key=_subset_sort_key)


def _subset_sort_key(subset: Mapping[str, Any]) -> tuple:
    return (
        [_address_key(a) for a in subset.get("addresses") or ()],
        [_address_key(a) for a in subset.get("notReadyAddresses") or ()],
        [_port_key(p) for p in subset.get("ports") or ()],
    )


def truncate_subsets(subsets: list[dict]) -> bool:
    """Cut the subsets to MAX_ENDPOINTS_CAPACITY addresses in place; True when something was cut.

    Ready addresses are kept first.  Worked example: 1200 ready in two subsets of 600 → each keeps
    ceil(600 / 1200 × 1000) = 500 and all not-ready ones go.
    """
    total_ready = sum(len(s.get("addresses") or ()) for s in subsets)
    total_unready = sum(len(s.get("notReadyAddresses") or ()) for s in subsets)
    if total_ready + total_unready <= MAX_ENDPOINTS_CAPACITY:
        return False
    truncate_ready = total_ready > MAX_ENDPOINTS_CAPACITY
    budget = MAX_ENDPOINTS_CAPACITY if truncate_ready else MAX_ENDPOINTS_CAPACITY - total_ready
    total = total_ready if truncate_ready else total_unready
    left = budget
    for subset in subsets:
        field = "addresses" if truncate_ready else "notReadyAddresses"
        members = list(subset.get(field) or ())
        share = min(math.ceil(len(members) / total * budget), left) if total else 0
        if members:
            subset[field] = members[:share]
            left -= len(subset[field])
            if not subset[field]:
                del subset[field]
        if truncate_ready:
            subset.pop("notReadyAddresses", None)
    return True


def _strip_ref_versions(subsets: Sequence[Mapping[str, Any]]) -> list:
    result = []
    for subset in subsets:
        clean = {}
        for field, value in subset.items():
            if field in ("addresses", "notReadyAddresses"):
                value = [
                    {**a, "targetRef": {k: v for k, v in (a.get("targetRef") or {}).items() if k != "resourceVersion"}}
                    if a.get("targetRef")
                    else dict(a)
                    for a in value or ()
                ]
                if not value:
                    continue
            elif not value:
                continue
            clean[field] = value
        result.append(clean)
    return result


def _endpoints_ready_map(subsets: Sequence[Mapping[str, Any]]) -> dict[str, bool]:
    """targetRef uid → ready, as an Endpoints object records it."""
    result: dict[str, bool] = {}
    for subset in subsets:
        for field, ready in (("addresses", True), ("notReadyAddresses", False)):
            for address in subset.get(field) or ():
                uid = (address.get("targetRef") or {}).get("uid")
                if uid:
                    result[uid] = result.get(uid, False) or ready
    return result


def reconcile_endpoints(
    service: Mapping[str, Any], pods: Sequence[Mapping[str, Any]], current: Mapping[str, Any] | None
) -> list[Action]:
    """The Endpoints half of `reconcile` (`pods` already selected)."""
    meta = _meta(service)
    subsets = build_subsets(service, pods)
    service_labels = dict(meta.get("labels") or {})
    if current is not None:
        current_meta = _meta(current)
        compare_labels = {k: v for k, v in (current_meta.get("labels") or {}).items() if k != LABEL_HEADLESS}
        count = sum(len(s.get("addresses") or ()) + len(s.get("notReadyAddresses") or ()) for s in subsets)
        capacity_ok = count <= MAX_ENDPOINTS_CAPACITY and ANNOTATION_OVER_CAPACITY not in (
            current_meta.get("annotations") or {}
        )
        if (
            _strip_ref_versions(current.get("subsets") or ()) == _strip_ref_versions(subsets)
            and compare_labels == service_labels
            and capacity_ok
        ):
            return []
        updated = copy.deepcopy(dict(current))
        before = _endpoints_ready_map(current.get("subsets") or ())
        after = _endpoints_ready_map(subsets)
        changed = {uid for uid, ready in after.items() if before.get(uid) != ready}
        trigger = _trigger_time([_pod_trigger_time(p) for p in pods if _meta(p).get("uid") in changed])
    else:
        updated = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": meta.get("name") or "", "namespace": meta.get("namespace") or ""},
        }
        trigger = _trigger_time(
            [podutil.parse_time(meta.get("creationTimestamp"))] + [_pod_trigger_time(p) for p in pods]
        )
    if subsets:
        updated["subsets"] = subsets
    else:
        updated.pop("subsets", None)
    labels = dict(service_labels)
    if not _is_service_ip_set(service):
        labels[LABEL_HEADLESS] = ""
    new_meta = updated.setdefault("metadata", {})
    if labels:
        new_meta["labels"] = labels
    else:
        new_meta.pop("labels", None)
    _set_trigger_annotation(updated, trigger)
    annotations = dict(new_meta.get("annotations") or {})
    if truncate_subsets(updated.get("subsets") or []):
        annotations[ANNOTATION_OVER_CAPACITY] = OVER_CAPACITY_TRUNCATED
    else:
        annotations.pop(ANNOTATION_OVER_CAPACITY, None)
    if annotations:
        new_meta["annotations"] = annotations
    else:
        new_meta.pop("annotations", None)
    return [UpdateObject(updated) if current is not None else CreateObject(updated)]


# --- EndpointSlices ---------------------------------------------------------------------------------


def _slice_port(service_port: Mapping[str, Any], number: int) -> dict:
    port: dict[str, Any] = {
        "name": service_port.get("name") or "",
        "port": number,
        "protocol": service_port.get("protocol") or DEFAULT_PROTOCOL,
    }
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def _slice_endpoint(service: Mapping[str, Any], pod: Mapping[str, Any], ip: str) -> dict:
    publish = bool((service.get("spec") or {}).get("publishNotReadyAddresses"))
    serving = podutil.is_pod_ready(pod)
    terminating = podutil.is_being_deleted(pod)
    ready = publish or (serving and not terminating)
    endpoint: dict[str, Any] = {
        "addresses": [ip],
        "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
    }
    if _should_set_hostname(pod, service):
        endpoint["hostname"] = pod["spec"]["hostname"]
    endpoint["targetRef"] = _target_ref(pod)
    if podutil.node_name(pod):
        endpoint["nodeName"] = podutil.node_name(pod)
    return endpoint


def _endpoint_sort_key(endpoint: Mapping[str, Any]) -> tuple:
    return (list(endpoint.get("addresses") or ()), (endpoint.get("targetRef") or {}).get("uid") or "")


def desired_slices(service: Mapping[str, Any], pods: Sequence[Mapping[str, Any]]) -> list[tuple[list, list, list]]:
    """(ports, endpoints, pods) per port set, in first-seen order; one empty placeholder when none."""
    family = service_family(service)
    service_ports = list((service.get("spec") or {}).get("ports") or ())
    groups: dict[tuple, tuple[list, list, list]] = {}
    for pod in pods:
        if not should_pod_be_in_endpoints(pod, True):
            continue
        ip = pod_ip(pod, family)
        if ip is None:
            continue
        ports = []
        for service_port in service_ports:
            number = find_port(pod, service_port)
            if number is not None:
                ports.append(_slice_port(service_port, number))
        key = tuple(_port_key(p) for p in ports)
        group = groups.setdefault(key, (ports, [], []))
        group[1].append(_slice_endpoint(service, pod, ip))
        group[2].append(pod)
    if not groups:
        return [([], [], [])]
    return [(ports, sorted(eps, key=_endpoint_sort_key), members) for ports, eps, members in groups.values()]


def slice_labels(service: Mapping[str, Any]) -> dict[str, str]:
    labels = {k: v for k, v in (_meta(service).get("labels") or {}).items() if k not in RESERVED_SLICE_LABELS}
    if not _is_service_ip_set(service):
        labels[LABEL_HEADLESS] = ""
    labels[LABEL_SERVICE_NAME] = _meta(service).get("name") or ""
    labels[LABEL_MANAGED_BY] = SLICE_CONTROLLER_NAME
    return labels


def is_managed_slice(service: Mapping[str, Any], slice_obj: Mapping[str, Any]) -> bool:
    labels = _meta(slice_obj).get("labels") or {}
    return (
        labels.get(LABEL_SERVICE_NAME) == _meta(service).get("name")
        and labels.get(LABEL_MANAGED_BY) == SLICE_CONTROLLER_NAME
        and (_meta(slice_obj).get("namespace") or "") == (_meta(service).get("namespace") or "")
    )


def _slice_ready_map(slice_obj: Mapping[str, Any]) -> dict[str, tuple]:
    return {
        (e.get("targetRef") or {}).get("uid"): (tuple(e.get("addresses") or ()), e.get("conditions"))
        for e in slice_obj.get("endpoints") or ()
    }


def reconcile_slices(
    service: Mapping[str, Any], pods: Sequence[Mapping[str, Any]], current_slices: Sequence[Mapping[str, Any]]
) -> list[Action]:
    """The EndpointSlice half of `reconcile` (`pods` already selected)."""
    meta = _meta(service)
    family = service_family(service)
    labels = slice_labels(service)
    existing = [
        s for s in current_slices if is_managed_slice(service, s) and (s.get("addressType") or family) == family
    ]
    desired = desired_slices(service, pods)
    unmatched = list(range(len(existing)))
    pairs: list[tuple[tuple[list, list, list], Mapping[str, Any] | None]] = []
    for group in desired:
        match = next((i for i in unmatched if (existing[i].get("ports") or []) == group[0]), None)
        if match is not None:
            unmatched.remove(match)
        pairs.append((group, None if match is None else existing[match]))
    for i, (group, found) in enumerate(pairs):
        if found is None and unmatched:
            pairs[i] = (group, existing[unmatched.pop(0)])

    actions: list[Action] = []
    for (ports, endpoints, members), found in pairs:
        if found is None:
            obj: dict[str, Any] = {
                "apiVersion": SLICE_API_VERSION,
                "kind": "EndpointSlice",
                "metadata": {
                    "generateName": podutil.pods_prefix(meta.get("name") or ""),
                    "namespace": meta.get("namespace") or "",
                    "labels": labels,
                    "ownerReferences": [ownership.new_controller_ref(service, "v1", "Service")],
                },
                "addressType": family,
                "endpoints": endpoints,
                "ports": ports,
            }
            times = [podutil.parse_time(meta.get("creationTimestamp"))] + [_pod_trigger_time(p) for p in members]
            _set_trigger_annotation(obj, _trigger_time(times))
            actions.append(CreateObject(obj))
            continue
        same = (
            sorted(found.get("endpoints") or (), key=_endpoint_sort_key) == endpoints
            and (found.get("ports") or []) == ports
            and (_meta(found).get("labels") or {}) == labels
        )
        if same:
            continue
        before = _slice_ready_map(found)
        changed = {
            (e.get("targetRef") or {}).get("uid")
            for e in endpoints
            if before.get((e.get("targetRef") or {}).get("uid")) != (tuple(e.get("addresses") or ()), e["conditions"])
        }
        updated = copy.deepcopy(dict(found))
        updated["endpoints"] = endpoints
        updated["ports"] = ports
        updated.setdefault("metadata", {})["labels"] = labels
        _set_trigger_annotation(
            updated, _trigger_time([_pod_trigger_time(p) for p in members if _meta(p).get("uid") in changed])
        )
        actions.append(UpdateObject(updated))
    for i in unmatched:
        slice_meta = _meta(existing[i])
        actions.append(
            DeleteObject(
                SLICE_API_VERSION,
                "EndpointSlice",
                slice_meta.get("namespace") or "",
                slice_meta.get("name") or "",
                uid=slice_meta.get("uid") or "",
            )
        )
    return actions


def select_pods(service: Mapping[str, Any], pods: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The Service namespace's pods its `spec.selector` (a plain label map) matches."""
    namespace = _meta(service).get("namespace") or ""
    selector = from_label_selector({"matchLabels": (service.get("spec") or {}).get("selector") or {}})
    return [
        p
        for p in pods
        if (_meta(p).get("namespace") or namespace) == namespace and selector.matches(_meta(p).get("labels") or {})
    ]


def reconcile(
    service: Mapping[str, Any],
    pods: Sequence[Mapping[str, Any]],
    current_endpoints: Mapping[str, Any] | None,
    current_slices: Sequence[Mapping[str, Any]],
    now: _dt.datetime,
) -> list[Action]:
    """One Endpoints + EndpointSlice pass for `service` (see module doc)."""
    spec = service.get("spec") or {}
    if spec.get("type") == SERVICE_TYPE_EXTERNAL_NAME or not spec.get("selector"):
        return []
    selected = select_pods(service, pods)
    return reconcile_endpoints(service, selected, current_endpoints) + reconcile_slices(
        service, selected, current_slices
    )
