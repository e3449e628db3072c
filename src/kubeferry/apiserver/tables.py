"""Server-side Table output: what `kubectl get` prints, built the way kube-apiserver v1.37 builds it.

kubectl 1.37 has no client-side column printers for built-in kinds: it asks for
`application/json;as=Table;v=v1;g=meta.k8s.io` and prints the server's `meta.k8s.io/v1` Table
(column headers upper-cased, `priority: 1` columns only with `-o wide`, NAMESPACE and
`--show-labels` taken from each row's `PartialObjectMetadata`). So the column names, types,
priorities and every cell string here follow upstream's printers for each served kind; the
server always fills the wide cells too (kubectl drops them itself).

Cells are computed straight from the stored dicts, one pass per row, with no schema access:
column definitions (whose descriptions come from the v1.37 API schema docs) are built once per
kind and cached. Pod READY/STATUS/RESTARTS live in `podstatus`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from kubeferry.apiserver.podstatus import parse_time, row_conditions, summarize_pod
from kubeferry.machinery.resources import Resource

TABLE_API_VERSION = "meta.k8s.io/v1"
PARTIAL_OBJECT_METADATA = "PartialObjectMetadata"
INCLUDE_METADATA = "Metadata"
INCLUDE_OBJECT = "Object"
INCLUDE_NONE = "None"
INCLUDE_OBJECT_VALUES = (INCLUDE_METADATA, INCLUDE_OBJECT, INCLUDE_NONE)

NONE = "<none>"
UNKNOWN = "<unknown>"
UNSET = "<unset>"
INVALID = "<invalid>"
ERROR = "<error>"
PENDING = "<pending>"
NOT_APPLICABLE = "N/A"
# Lists (endpoints, slice ports/addresses) show this many entries, then "+ N more...".
LIST_LIMIT = 3

LABEL_NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
LABEL_NODE_ROLE = "kubernetes.io/role"
ANNOTATION_DEFAULT_STORAGE_CLASS = "storageclass.kubernetes.io/is-default-class"
ANNOTATION_BETA_DEFAULT_STORAGE_CLASS = "storageclass.beta.kubernetes.io/is-default-class"
ANNOTATION_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"

_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_CORE = "io.k8s.api.core.v1."
_APPS = "io.k8s.api.apps.v1."

_SECOND = 1
_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_YEAR = 365 * _DAY


# --- ages ----------------------------------------------------------------------------------------


def human_duration(seconds: float) -> str:
    """A duration as kubectl shows ages: 2-3 significant figures, coarser as it grows.

    Up to 2 minutes: seconds (`119s`); under 10 minutes: minutes and seconds (`2m`, `9m59s`);
    under 3 hours: minutes (`179m`); under 8 hours: hours and minutes (`3h`, `7h59m`); under 2
    days: hours (`47h`); under 8 days: days and hours (`2d`, `7d23h`); under 2 years: days
    (`729d`); under 8 years: years and days (`2y`, `7y364d`); then years (`8y`). Up to 1s in the
    future (clock skew) reads `0s`; further ahead reads `<invalid>`.

    Worked example: 10,000s → 166 whole minutes (not under 10, under 180) → `166m`; 30,000s →
    8 whole hours (not under 8, under 48) → `8h`.
    """
    whole = int(seconds)  # truncates toward zero, like Go's int(d.Seconds())
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 2 * _MINUTE:
        return f"{whole}s"
    minutes = whole // _MINUTE
    if minutes < 10:
        rest = whole % _MINUTE
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 3 * 60:
        return f"{minutes}m"
    hours = whole // _HOUR
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 8 * 24:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 2 * 365 * 24:
        return f"{hours // 24}d"
    if hours < 8 * 365 * 24:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def _since(value: object, now: _dt.datetime) -> str:
    """The age of a timestamp field; `<unknown>` when it is missing (a zero time upstream)."""
    when = parse_time(value)
    if when is None:
        return UNKNOWN
    return human_duration((now - when).total_seconds())


def _age(obj: dict, now: _dt.datetime) -> str:
    return _since((obj.get("metadata") or {}).get("creationTimestamp"), now)


# --- shared cell formats -------------------------------------------------------------------------


def format_labels(labels: dict | None) -> str:
    """A label map as `a=1,b=2` (keys sorted); `<none>` when empty."""
    if not labels:
        return NONE
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


_SELECTOR_OPERATORS = {"In": " in ", "NotIn": " notin "}


def _selector_string(selector: dict | None) -> str | None:
    """A LabelSelector rendered as a selector string (requirements sorted by key); None if invalid.

    `{"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In",
    "values": ["b", "a"]}]}` → `app=web,tier in (a,b)`. Both a missing and an empty selector
    give "" (they select nothing and everything, and print alike).
    """
    if not selector:
        return ""
    requirements: list[tuple[str, str]] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        requirements.append((key, f"{key}={value}"))
    for expression in selector.get("matchExpressions") or []:
        key = expression.get("key") or ""
        operator = expression.get("operator")
        values = expression.get("values") or []
        if operator in _SELECTOR_OPERATORS:
            if not values:
                return None
            joined = values[0] if len(values) == 1 else ",".join(sorted(values))
            requirements.append((key, f"{key}{_SELECTOR_OPERATORS[operator]}({joined})"))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                return None
            requirements.append((key, key if operator == "Exists" else "!" + key))
        else:
            return None
    requirements.sort(key=lambda item: item[0])
    return ",".join(text for _, text in requirements)


def format_label_selector(selector: dict | None) -> str:
    """metav1.FormatLabelSelector: the selector string, `<none>` when empty, `<error>` when invalid."""
    text = _selector_string(selector)
    if text is None:
        return ERROR
    return text or NONE


def _containers_cells(template_spec: dict) -> tuple[str, str]:
    containers = template_spec.get("containers") or []
    return ",".join(c.get("name") or "" for c in containers), ",".join(c.get("image") or "" for c in containers)


def _template_spec(obj: dict) -> dict:
    return (((obj.get("spec") or {}).get("template") or {}).get("spec")) or {}


def _join_host_port(host: str, port: object) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _list_with_more(items: list[str], total: int, empty: str) -> str:
    text = ",".join(items[:LIST_LIMIT])
    if total > LIST_LIMIT:
        return f"{text} + {total - LIST_LIMIT} more..."
    return text or empty


def _int_or_string(value: object) -> str:
    return NOT_APPLICABLE if value is None else str(value)


def _access_modes(modes: list[str] | None) -> str:
    present = set(modes or ())
    order = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"))
    return ",".join(short for mode, short in order if mode in present)


def _controller_of(meta: dict) -> dict | None:
    for ref in meta.get("ownerReferences") or []:
        if ref.get("controller") is True:
            return ref
    return None


# --- per-kind rows -------------------------------------------------------------------------------

Row = list
Cells = Callable[[dict, _dt.datetime], Row]


def _name(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("name") or ""


def _namespace_cells(obj: dict, now: _dt.datetime) -> Row:
    return [_name(obj), (obj.get("status") or {}).get("phase") or "", _age(obj, now)]


def _node_roles(labels: dict) -> str:
    roles = set()
    for key, value in labels.items():
        if key.startswith(LABEL_NODE_ROLE_PREFIX):
            role = key[len(LABEL_NODE_ROLE_PREFIX) :]
            if role:
                roles.add(role)
        elif key == LABEL_NODE_ROLE and value:
            roles.add(value)
    return ",".join(sorted(roles)) or NONE


def _node_address(status: dict, kind: str) -> str:
    for address in status.get("addresses") or []:
        if address.get("type") == kind:
            return address.get("address") or ""
    return NONE


def _node_cells(obj: dict, now: _dt.datetime) -> Row:
    status = obj.get("status") or {}
    ready = None
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            ready = condition  # the last one wins, as a map keyed by type would keep it
    states = ["Unknown"] if ready is None else ["Ready" if ready.get("status") == "True" else "NotReady"]
    if (obj.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    info = status.get("nodeInfo") or {}
    return [
        _name(obj),
        ",".join(states),
        _node_roles((obj.get("metadata") or {}).get("labels") or {}),
        _age(obj, now),
        info.get("kubeletVersion") or "",
        _node_address(status, "InternalIP"),
        _node_address(status, "ExternalIP"),
        info.get("osImage") or UNKNOWN,
        info.get("kernelVersion") or UNKNOWN,
        info.get("containerRuntimeVersion") or UNKNOWN,
    ]


def _pod_cells(obj: dict, now: _dt.datetime) -> Row:
    summary = summarize_pod(obj, now)
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    pod_ips = status.get("podIPs") or []
    pod_ip = (pod_ips[0].get("ip") if pod_ips else "") or NONE
    gates = spec.get("readinessGates") or []
    gates_cell = NONE
    if gates:
        conditions = status.get("conditions") or []
        satisfied = 0
        for gate in gates:
            for condition in conditions:
                if condition.get("type") == gate.get("conditionType"):
                    satisfied += condition.get("status") == "True"
                    break
        gates_cell = f"{satisfied}/{len(gates)}"
    return [
        _name(obj),
        summary.ready,
        summary.status,
        summary.restarts,
        _age(obj, now),
        pod_ip,
        spec.get("nodeName") or NONE,
        status.get("nominatedNodeName") or NONE,
        gates_cell,
    ]


def _load_balancer(status: dict) -> str:
    found = set()
    for ingress in (status.get("loadBalancer") or {}).get("ingress") or []:
        if ingress.get("ip"):
            found.add(ingress["ip"])
        elif ingress.get("hostname"):
            found.add(ingress["hostname"])
    return ",".join(sorted(found))


def _service_external_ip(obj: dict) -> str:
    spec = obj.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    external = spec.get("externalIPs") or []
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else NONE
    if kind == "LoadBalancer":
        balancer = _load_balancer(obj.get("status") or {})
        if external:
            return ",".join(([balancer] if balancer else []) + list(external))
        return balancer or PENDING
    if kind == "ExternalName":
        return spec.get("externalName") or ""
    return UNKNOWN


def _service_ports(ports: list[dict]) -> str:
    pieces = []
    for port in ports:
        protocol = port.get("protocol") or "TCP"
        if port.get("nodePort"):
            pieces.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            pieces.append(f"{port.get('port')}/{protocol}")
    return ",".join(pieces) or NONE


def _service_cells(obj: dict, now: _dt.datetime) -> Row:
    spec = obj.get("spec") or {}
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [
        _name(obj),
        spec.get("type") or "ClusterIP",
        cluster_ips[0] if cluster_ips else NONE,
        _service_external_ip(obj),
        _service_ports(spec.get("ports") or []),
        _age(obj, now),
        format_labels(spec.get("selector")),
    ]


def _endpoints_text(subsets: list[dict]) -> str:
    if not subsets:
        return NONE
    shown: list[str] = []
    total = 0
    for subset in subsets:
        addresses = subset.get("addresses") or []
        ports = subset.get("ports") or []
        if not ports:
            total += len(addresses)
            shown.extend(a.get("ip") or "" for a in addresses[: max(LIST_LIMIT - len(shown), 0)])
            continue
        for port in ports:
            total += len(addresses)
            room = max(LIST_LIMIT - len(shown), 0)
            shown.extend(_join_host_port(a.get("ip") or "", port.get("port")) for a in addresses[:room])
    return _list_with_more(shown, total, "")


def _endpoints_cells(obj: dict, now: _dt.datetime) -> Row:
    return [_name(obj), _endpoints_text(obj.get("subsets") or []), _age(obj, now)]


def _endpoint_slice_cells(obj: dict, now: _dt.datetime) -> Row:
    ports = []
    for port in obj.get("ports") or []:
        if port.get("port") is not None:
            ports.append(str(port["port"]))
        elif port.get("name") is not None:
            ports.append(port["name"])
        else:
            ports.append("*")
    addresses = [a for endpoint in obj.get("endpoints") or [] for a in endpoint.get("addresses") or []]
    return [
        _name(obj),
        obj.get("addressType") or "",
        _list_with_more(ports, len(ports), UNSET),
        _list_with_more(addresses, len(addresses), UNSET),
        _age(obj, now),
    ]


def _config_map_cells(obj: dict, now: _dt.datetime) -> Row:
    return [_name(obj), len(obj.get("data") or {}) + len(obj.get("binaryData") or {}), _age(obj, now)]


def _secret_cells(obj: dict, now: _dt.datetime) -> Row:
    return [_name(obj), obj.get("type") or "", len(obj.get("data") or {}), _age(obj, now)]


def _service_account_cells(obj: dict, now: _dt.datetime) -> Row:
    return [_name(obj), len(obj.get("secrets") or []), _age(obj, now)]


def _event_cells_from(event: dict, now: _dt.datetime) -> Row:
    """Core-v1-shaped event fields (see `_events_v1_as_core` for the events.k8s.io mapping)."""
    first = parse_time(event.get("firstTimestamp"))
    first_seen = _since(event.get("eventTime"), now) if first is None else human_duration((now - first).total_seconds())
    last_seen = _since(event.get("lastTimestamp"), now) if event.get("lastTimestamp") else first_seen
    count = event.get("count") or 0
    series = event.get("series")
    if series is not None:
        last_seen = _since(series.get("lastObservedTime"), now)
        count = series.get("count") or 0
    elif count == 0:
        count = 1  # singleton events of the new API carry no count
    involved = event.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    instance = source.get("host") or event.get("reportingInstance") or ""
    return [
        last_seen,
        event.get("type") or "",
        event.get("reason") or "",
        target,
        involved.get("fieldPath") or "",
        f"{component}, {instance}" if instance else component,
        (event.get("message") or "").strip(),
        first_seen,
        count,
        _name(event),
    ]


def _event_cells(obj: dict, now: _dt.datetime) -> Row:
    return _event_cells_from(obj, now)


def _events_v1_as_core(obj: dict) -> dict:
    """The events.k8s.io/v1 field names mapped onto the core v1 ones the printer reads."""
    return {
        "metadata": obj.get("metadata") or {},
        "involvedObject": obj.get("regarding") or {},
        "message": obj.get("note") or "",
        "source": obj.get("deprecatedSource") or {},
        "firstTimestamp": obj.get("deprecatedFirstTimestamp"),
        "lastTimestamp": obj.get("deprecatedLastTimestamp"),
        "count": obj.get("deprecatedCount") or 0,
        "eventTime": obj.get("eventTime"),
        "series": obj.get("series"),
        "type": obj.get("type"),
        "reason": obj.get("reason"),
        "reportingComponent": obj.get("reportingController"),
        "reportingInstance": obj.get("reportingInstance"),
    }


def _events_v1_cells(obj: dict, now: _dt.datetime) -> Row:
    return _event_cells_from(_events_v1_as_core(obj), now)


def _storage_class_of(obj: dict, spec_class: object) -> str:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if ANNOTATION_BETA_STORAGE_CLASS in annotations:
        return annotations[ANNOTATION_BETA_STORAGE_CLASS]
    return spec_class or ""


def _deleting(obj: dict) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def _pvc_cells(obj: dict, now: _dt.datetime) -> Row:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    capacity = access = ""
    if spec.get("volumeName"):
        access = _access_modes(status.get("accessModes"))
        capacity = str((status.get("capacity") or {}).get("storage") or "0")
    return [
        _name(obj),
        "Terminating" if _deleting(obj) else status.get("phase") or "",
        spec.get("volumeName") or "",
        capacity,
        access,
        _storage_class_of(obj, spec.get("storageClassName")),
        spec.get("volumeAttributesClassName") or UNSET,
        _age(obj, now),
        spec.get("volumeMode") or UNSET,
    ]


def _pv_cells(obj: dict, now: _dt.datetime) -> Row:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    claim = spec.get("claimRef")
    return [
        _name(obj),
        str((spec.get("capacity") or {}).get("storage") or "0"),
        _access_modes(spec.get("accessModes")),
        spec.get("persistentVolumeReclaimPolicy") or "",
        "Terminating" if _deleting(obj) else status.get("phase") or "",
        f"{claim.get('namespace') or ''}/{claim.get('name') or ''}" if claim else "",
        _storage_class_of(obj, spec.get("storageClassName")),
        spec.get("volumeAttributesClassName") or UNSET,
        status.get("reason") or "",
        _age(obj, now),
        spec.get("volumeMode") or UNSET,
    ]


def _storage_class_cells(obj: dict, now: _dt.datetime) -> Row:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    name = _name(obj)
    if "true" in (
        annotations.get(ANNOTATION_DEFAULT_STORAGE_CLASS),
        annotations.get(ANNOTATION_BETA_DEFAULT_STORAGE_CLASS),
    ):
        name += " (default)"
    return [
        name,
        obj.get("provisioner") or "",
        obj.get("reclaimPolicy") or "Delete",
        obj.get("volumeBindingMode") or "Immediate",
        bool(obj.get("allowVolumeExpansion")),
        _age(obj, now),
    ]


def _replicas(spec: dict) -> int:
    value = spec.get("replicas")
    return 1 if value is None else value  # the defaulted value


def _deployment_cells(obj: dict, now: _dt.datetime) -> Row:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    names, images = _containers_cells(_template_spec(obj))
    selector = _selector_string(spec.get("selector"))
    return [
        _name(obj),
        f"{status.get('readyReplicas') or 0}/{_replicas(spec)}",
        status.get("updatedReplicas") or 0,
        status.get("availableReplicas") or 0,
        _age(obj, now),
        names,
        images,
        INVALID if selector is None else selector,
    ]


def _replica_set_cells(obj: dict, now: _dt.datetime) -> Row:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    names, images = _containers_cells(_template_spec(obj))
    return [
        _name(obj),
        _replicas(spec),
        status.get("replicas") or 0,
        status.get("readyReplicas") or 0,
        _age(obj, now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def _daemon_set_cells(obj: dict, now: _dt.datetime) -> Row:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    template_spec = _template_spec(obj)
    names, images = _containers_cells(template_spec)
    return [
        _name(obj),
        status.get("desiredNumberScheduled") or 0,
        status.get("currentNumberScheduled") or 0,
        status.get("numberReady") or 0,
        status.get("updatedNumberScheduled") or 0,
        status.get("numberAvailable") or 0,
        format_labels(template_spec.get("nodeSelector")),
        _age(obj, now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def _stateful_set_cells(obj: dict, now: _dt.datetime) -> Row:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    names, images = _containers_cells(_template_spec(obj))
    return [_name(obj), f"{status.get('readyReplicas') or 0}/{_replicas(spec)}", _age(obj, now), names, images]


def _controller_revision_cells(obj: dict, now: _dt.datetime) -> Row:
    ref = _controller_of(obj.get("metadata") or {})
    controller = NONE
    if ref is not None:
        group = (ref.get("apiVersion") or "").rpartition("/")[0]
        kind = ref.get("kind") or ""
        group_kind = f"{kind}.{group}" if group else kind
        controller = f"{group_kind.lower()}/{ref.get('name') or ''}" if group_kind else ref.get("name") or ""
    return [_name(obj), controller, obj.get("revision") or 0, _age(obj, now)]


def _job_condition(conditions: list[dict], kind: str) -> bool:
    for condition in conditions:
        if condition.get("type") == kind:
            return condition.get("status") == "True"
    return False


def _job_cells(obj: dict, now: _dt.datetime) -> Row:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    succeeded = status.get("succeeded") or 0
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif (spec.get("parallelism") or 0) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    started = parse_time(status.get("startTime"))
    finished = parse_time(status.get("completionTime"))
    duration = ""
    if started is not None:
        duration = human_duration(((finished or now) - started).total_seconds())
    conditions = status.get("conditions") or []
    if _job_condition(conditions, "Complete"):
        state = "Complete"
    elif _job_condition(conditions, "Failed"):
        state = "Failed"
    elif _deleting(obj):
        state = "Terminating"
    elif _job_condition(conditions, "Suspended"):
        state = "Suspended"
    elif _job_condition(conditions, "FailureTarget"):
        state = "FailureTarget"
    else:
        state = "Running"
    names, images = _containers_cells(_template_spec(obj))
    return [
        _name(obj),
        state,
        completions,
        duration,
        _age(obj, now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def _lease_cells(obj: dict, now: _dt.datetime) -> Row:
    return [_name(obj), (obj.get("spec") or {}).get("holderIdentity") or "", _age(obj, now)]


def _role_cells(obj: dict, now: _dt.datetime) -> Row:
    """Roles and ClusterRoles: the creation time itself (RFC 3339, UTC), not an age."""
    created = parse_time((obj.get("metadata") or {}).get("creationTimestamp"))
    return [_name(obj), created.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if created else ""]


def _subjects(subjects: list[dict] | None) -> tuple[str, str, str]:
    """Users, groups and service accounts (`namespace/name`) of a binding, each list joined by `, `."""
    users, groups, accounts = [], [], []
    for subject in subjects or ():
        kind, name = subject.get("kind"), subject.get("name", "")
        if kind == "User":
            users.append(name)
        elif kind == "Group":
            groups.append(name)
        elif kind == "ServiceAccount":
            accounts.append(f"{subject['namespace']}/{name}" if subject.get("namespace") else name)
    return ", ".join(users), ", ".join(groups), ", ".join(accounts)


def _binding_cells(obj: dict, now: _dt.datetime) -> Row:
    ref = obj.get("roleRef") or {}
    return [_name(obj), f"{ref.get('kind', '')}/{ref.get('name', '')}", _age(obj, now), *_subjects(obj.get("subjects"))]


def _pdb_cells(obj: dict, now: _dt.datetime) -> Row:
    spec = obj.get("spec") or {}
    return [
        _name(obj),
        _int_or_string(spec.get("minAvailable")),
        _int_or_string(spec.get("maxUnavailable")),
        (obj.get("status") or {}).get("disruptionsAllowed") or 0,
        _age(obj, now),
    ]


def _scale_cells(obj: dict, now: _dt.datetime) -> Row:
    return [
        _name(obj),
        (obj.get("spec") or {}).get("replicas") or 0,
        (obj.get("status") or {}).get("replicas") or 0,
        _age(obj, now),
    ]


def _default_cells(obj: dict, now: _dt.datetime) -> Row:
    return [_name(obj), _age(obj, now)]


# --- column definitions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    # Either our own sentence, or (schema definition, field) whose v1.37 API doc is the description.
    doc: str | tuple[str, str] = ""
    priority: int = 0
    format: str = ""


_NAME = Column("Name", format="name", doc=(_META, "name"))
_AGE = Column("Age", doc=(_META, "creationTimestamp"))
_CONTAINERS = Column("Containers", doc="Names of each container in the template.", priority=1)
_IMAGES = Column("Images", doc="Images referenced by each container in the template.", priority=1)


def _selector(definition: str) -> Column:
    return Column("Selector", doc=(definition, "selector"), priority=1)


@dataclass(frozen=True)
class Printer:
    columns: tuple[Column, ...]
    cells: Cells


_EVENT_COLUMNS = (
    Column("Last Seen", doc=(_CORE + "Event", "lastTimestamp")),
    Column("Type", doc=(_CORE + "Event", "type")),
    Column("Reason", doc=(_CORE + "Event", "reason")),
    Column("Object", doc=(_CORE + "Event", "involvedObject")),
    Column("Subobject", doc=(_CORE + "ObjectReference", "fieldPath"), priority=1),
    Column("Source", doc=(_CORE + "Event", "source"), priority=1),
    Column("Message", doc=(_CORE + "Event", "message")),
    Column("First Seen", doc=(_CORE + "Event", "firstTimestamp"), priority=1),
    Column("Count", doc=(_CORE + "Event", "count"), priority=1),
    Column("Name", format="name", doc=(_META, "name"), priority=1),
)

PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "Namespace"): Printer((_NAME, Column("Status", doc="The phase of the namespace."), _AGE), _namespace_cells),
    ("", "Node"): Printer(
        (
            _NAME,
            Column("Status", doc="Whether the node is ready, and whether scheduling onto it is disabled."),
            Column("Roles", doc="The roles named by the node's role labels."),
            _AGE,
            Column("Version", doc=(_CORE + "NodeSystemInfo", "kubeletVersion")),
            Column("Internal-IP", doc=(_CORE + "NodeStatus", "addresses"), priority=1),
            Column("External-IP", doc=(_CORE + "NodeStatus", "addresses"), priority=1),
            Column("OS-Image", doc=(_CORE + "NodeSystemInfo", "osImage"), priority=1),
            Column("Kernel-Version", doc=(_CORE + "NodeSystemInfo", "kernelVersion"), priority=1),
            Column("Container-Runtime", doc=(_CORE + "NodeSystemInfo", "containerRuntimeVersion"), priority=1),
        ),
        _node_cells,
    ),
    ("", "Pod"): Printer(
        (
            _NAME,
            Column("Ready", doc="Ready containers out of all containers (sidecars included) of the pod."),
            Column("Status", doc="A one-word summary of the pod's phase and its containers' states."),
            Column("Restarts", doc="How many times the pod's containers restarted, and how long ago the last one did."),
            _AGE,
            Column("IP", doc=(_CORE + "PodStatus", "podIP"), priority=1),
            Column("Node", doc=(_CORE + "PodSpec", "nodeName"), priority=1),
            Column("Nominated Node", doc=(_CORE + "PodStatus", "nominatedNodeName"), priority=1),
            Column("Readiness Gates", doc=(_CORE + "PodSpec", "readinessGates"), priority=1),
        ),
        _pod_cells,
    ),
    ("", "Service"): Printer(
        (
            _NAME,
            Column("Type", doc=(_CORE + "ServiceSpec", "type")),
            Column("Cluster-IP", doc=(_CORE + "ServiceSpec", "clusterIP")),
            Column("External-IP", doc=(_CORE + "ServiceSpec", "externalIPs")),
            Column("Port(s)", doc=(_CORE + "ServiceSpec", "ports")),
            _AGE,
            _selector(_CORE + "ServiceSpec"),
        ),
        _service_cells,
    ),
    ("", "Endpoints"): Printer(
        (_NAME, Column("Endpoints", doc=(_CORE + "Endpoints", "subsets")), _AGE), _endpoints_cells
    ),
    ("", "ConfigMap"): Printer((_NAME, Column("Data", doc=(_CORE + "ConfigMap", "data")), _AGE), _config_map_cells),
    ("", "Secret"): Printer(
        (_NAME, Column("Type", doc=(_CORE + "Secret", "type")), Column("Data", doc=(_CORE + "Secret", "data")), _AGE),
        _secret_cells,
    ),
    ("", "ServiceAccount"): Printer(
        (_NAME, Column("Secrets", doc=(_CORE + "ServiceAccount", "secrets")), _AGE), _service_account_cells
    ),
    ("", "Event"): Printer(_EVENT_COLUMNS, _event_cells),
    ("events.k8s.io", "Event"): Printer(_EVENT_COLUMNS, _events_v1_cells),
    ("", "PersistentVolumeClaim"): Printer(
        (
            _NAME,
            Column("Status", doc=(_CORE + "PersistentVolumeClaimStatus", "phase")),
            Column("Volume", doc=(_CORE + "PersistentVolumeClaimSpec", "volumeName")),
            Column("Capacity", doc=(_CORE + "PersistentVolumeClaimStatus", "capacity")),
            Column("Access Modes", doc=(_CORE + "PersistentVolumeClaimStatus", "accessModes")),
            Column("StorageClass", doc="The storage class of the claim."),
            Column("VolumeAttributesClass", doc="The volume attributes class of the claim."),
            _AGE,
            Column("VolumeMode", doc=(_CORE + "PersistentVolumeClaimSpec", "volumeMode"), priority=1),
        ),
        _pvc_cells,
    ),
    ("", "PersistentVolume"): Printer(
        (
            _NAME,
            Column("Capacity", doc=(_CORE + "PersistentVolumeSpec", "capacity")),
            Column("Access Modes", doc=(_CORE + "PersistentVolumeSpec", "accessModes")),
            Column("Reclaim Policy", doc=(_CORE + "PersistentVolumeSpec", "persistentVolumeReclaimPolicy")),
            Column("Status", doc=(_CORE + "PersistentVolumeStatus", "phase")),
            Column("Claim", doc=(_CORE + "PersistentVolumeSpec", "claimRef")),
            Column("StorageClass", doc="The storage class of the volume."),
            Column("VolumeAttributesClass", doc="The volume attributes class of the volume."),
            Column("Reason", doc=(_CORE + "PersistentVolumeStatus", "reason")),
            _AGE,
            Column("VolumeMode", doc=(_CORE + "PersistentVolumeSpec", "volumeMode"), priority=1),
        ),
        _pv_cells,
    ),
    ("apps", "Deployment"): Printer(
        (
            _NAME,
            Column("Ready", doc="Ready pods out of the desired replicas."),
            Column("Up-to-date", doc=(_APPS + "DeploymentStatus", "updatedReplicas")),
            Column("Available", doc=(_APPS + "DeploymentStatus", "availableReplicas")),
            _AGE,
            _CONTAINERS,
            _IMAGES,
            _selector(_APPS + "DeploymentSpec"),
        ),
        _deployment_cells,
    ),
    ("apps", "ReplicaSet"): Printer(
        (
            _NAME,
            Column("Desired", "integer", (_APPS + "ReplicaSetSpec", "replicas")),
            Column("Current", "integer", (_APPS + "ReplicaSetStatus", "replicas")),
            Column("Ready", "integer", (_APPS + "ReplicaSetStatus", "readyReplicas")),
            _AGE,
            _CONTAINERS,
            _IMAGES,
            _selector(_APPS + "ReplicaSetSpec"),
        ),
        _replica_set_cells,
    ),
    ("apps", "DaemonSet"): Printer(
        (
            _NAME,
            Column("Desired", "integer", (_APPS + "DaemonSetStatus", "desiredNumberScheduled")),
            Column("Current", "integer", (_APPS + "DaemonSetStatus", "currentNumberScheduled")),
            Column("Ready", "integer", (_APPS + "DaemonSetStatus", "numberReady")),
            Column("Up-to-date", "integer", (_APPS + "DaemonSetStatus", "updatedNumberScheduled")),
            Column("Available", "integer", (_APPS + "DaemonSetStatus", "numberAvailable")),
            Column("Node Selector", doc=(_CORE + "PodSpec", "nodeSelector")),
            _AGE,
            _CONTAINERS,
            _IMAGES,
            _selector(_APPS + "DaemonSetSpec"),
        ),
        _daemon_set_cells,
    ),
    ("apps", "StatefulSet"): Printer(
        (_NAME, Column("Ready", doc="Ready pods out of the desired replicas."), _AGE, _CONTAINERS, _IMAGES),
        _stateful_set_cells,
    ),
    ("apps", "ControllerRevision"): Printer(
        (
            _NAME,
            Column("Controller", doc="The controller that owns this revision."),
            Column("Revision", doc=(_APPS + "ControllerRevision", "revision")),
            _AGE,
        ),
        _controller_revision_cells,
    ),
    ("batch", "Job"): Printer(
        (
            _NAME,
            Column("Status", doc="The job's state: Running, Complete, Failed, Suspended, Terminating, ..."),
            Column("Completions", doc=("io.k8s.api.batch.v1.JobStatus", "succeeded")),
            Column("Duration", doc="How long the job ran, or has been running."),
            _AGE,
            _CONTAINERS,
            _IMAGES,
            _selector("io.k8s.api.batch.v1.JobSpec"),
        ),
        _job_cells,
    ),
    ("coordination.k8s.io", "Lease"): Printer(
        (_NAME, Column("Holder", doc=("io.k8s.api.coordination.v1.LeaseSpec", "holderIdentity")), _AGE), _lease_cells
    ),
    ("discovery.k8s.io", "EndpointSlice"): Printer(
        (
            _NAME,
            Column("AddressType", doc=("io.k8s.api.discovery.v1.EndpointSlice", "addressType")),
            Column("Ports", doc=("io.k8s.api.discovery.v1.EndpointSlice", "ports")),
            Column("Endpoints", doc=("io.k8s.api.discovery.v1.EndpointSlice", "endpoints")),
            _AGE,
        ),
        _endpoint_slice_cells,
    ),
    ("policy", "PodDisruptionBudget"): Printer(
        (
            _NAME,
            Column("Min Available", doc="The minimum number of pods that must stay available."),
            Column("Max Unavailable", doc="The maximum number of pods that may be unavailable."),
            Column("Allowed Disruptions", "integer", "How many pods may be disrupted right now."),
            _AGE,
        ),
        _pdb_cells,
    ),
    **{
        ("rbac.authorization.k8s.io", kind): Printer(
            (_NAME, Column("Created At", "date", (_META, "creationTimestamp"))), _role_cells
        )
        for kind in ("Role", "ClusterRole")
    },
    **{
        ("rbac.authorization.k8s.io", kind): Printer(
            (
                _NAME,
                Column("Role", doc=("io.k8s.api.rbac.v1." + kind, "roleRef")),
                _AGE,
                Column("Users", doc="Users in the roleBinding", priority=1),
                Column("Groups", doc="Groups in the roleBinding", priority=1),
                Column("ServiceAccounts", doc="ServiceAccounts in the roleBinding", priority=1),
            ),
            _binding_cells,
        )
        for kind in ("RoleBinding", "ClusterRoleBinding")
    },
    ("autoscaling", "Scale"): Printer(
        (
            _NAME,
            Column("Desired", "integer", ("io.k8s.api.autoscaling.v1.ScaleSpec", "replicas")),
            Column("Available", "integer", ("io.k8s.api.autoscaling.v1.ScaleStatus", "replicas")),
            _AGE,
        ),
        _scale_cells,
    ),
    ("storage.k8s.io", "StorageClass"): Printer(
        (
            _NAME,
            Column("Provisioner", doc=("io.k8s.api.storage.v1.StorageClass", "provisioner")),
            Column("ReclaimPolicy", doc=("io.k8s.api.storage.v1.StorageClass", "reclaimPolicy")),
            Column("VolumeBindingMode", doc=("io.k8s.api.storage.v1.StorageClass", "volumeBindingMode")),
            Column("AllowVolumeExpansion", doc=("io.k8s.api.storage.v1.StorageClass", "allowVolumeExpansion")),
            _AGE,
        ),
        _storage_class_cells,
    ),
}

DEFAULT_PRINTER = Printer((_NAME, _AGE), _default_cells)


def printer_for(resource: Resource) -> Printer:
    return PRINTERS.get((resource.group, resource.kind), DEFAULT_PRINTER)


def _describe(doc: str | tuple[str, str]) -> str:
    if isinstance(doc, str):
        return doc
    definition, field = doc
    try:
        from kubeferry.machinery import schema

        node = (schema.definitions().get(definition) or {}).get("properties", {}).get(field) or {}
    except Exception:  # the descriptions are decoration; a missing schema must not break `get`
        return ""
    return node.get("description") or ""


@cache
def _column_definitions(printer: Printer) -> tuple[dict, ...]:
    return tuple(
        {
            "name": column.name,
            "type": column.type,
            "format": column.format,
            "description": _describe(column.doc),
            "priority": column.priority,
        }
        for column in printer.columns
    )


def column_definitions(resource: Resource) -> list[dict]:
    """The Table's columnDefinitions for this resource (fresh dicts; built once per kind)."""
    return [dict(column) for column in _column_definitions(printer_for(resource))]


# --- the Table -----------------------------------------------------------------------------------


def _partial_metadata(obj: dict) -> dict:
    return {
        "kind": PARTIAL_OBJECT_METADATA,
        "apiVersion": TABLE_API_VERSION,
        "metadata": obj.get("metadata") or {},
    }


def _utc(now: _dt.datetime) -> _dt.datetime:
    return now if now.tzinfo else now.replace(tzinfo=_dt.UTC)


def to_table(
    resource: Resource,
    objects: list[dict],
    now: _dt.datetime,
    *,
    resource_version: str = "",
    continue_token: str = "",
    include_object: str = INCLUDE_METADATA,
) -> dict:
    """A `meta.k8s.io/v1` Table of `objects` (all of kind `resource`) as of `now`.

    `include_object` (the `includeObject` query parameter; "" means Metadata) picks what each
    row's `object` carries: the object's metadata as a PartialObjectMetadata, the whole object,
    or nothing (null, as upstream encodes an empty object).
    """
    include = include_object or INCLUDE_METADATA
    if include not in INCLUDE_OBJECT_VALUES:
        from kubeferry.machinery.status import bad_request, invalid

        raise bad_request(str(invalid("includeObject", include, "must be 'Metadata', 'Object', 'None', or empty")))
    now = _utc(now)
    printer = printer_for(resource)
    is_pod = printer.cells is _pod_cells
    rows = []
    for obj in objects:
        row: dict = {"cells": printer.cells(obj, now)}
        if is_pod:
            conditions = row_conditions((obj.get("status") or {}).get("phase") or "")
            if conditions:
                row["conditions"] = [dict(c) for c in conditions]
        if include == INCLUDE_METADATA:
            row["object"] = _partial_metadata(obj)
        elif include == INCLUDE_OBJECT:
            row["object"] = obj
        else:
            row["object"] = None
        rows.append(row)
    metadata: dict = {}
    if resource_version:
        metadata["resourceVersion"] = resource_version
    if continue_token:
        metadata["continue"] = continue_token
    return {
        "kind": "Table",
        "apiVersion": TABLE_API_VERSION,
        "metadata": metadata,
        "columnDefinitions": column_definitions(resource),
        "rows": rows,
    }
