"""Validation of the core/v1 kinds and of pod specs and pod templates.

Restates kube-apiserver v1.37 `pkg/apis/core/validation` for the rules a user meets: containers
(names, images, ports, env names, resources, volume mounts, probes), pod-level policies, volumes,
Service (type, ports, targetPort, nodePort, selector, clusterIPs immutability), ConfigMap and
Secret (keys, total size, `immutable`), Namespace, PVC and the names of every core kind.

`validate_pod_template_spec` is shared with the apps and batch kinds.

Pure: no I/O.  Objects are defaulted JSON dicts.
"""

from __future__ import annotations

import re
from fractions import Fraction

from kubeferry.api import validation as v
from kubeferry.machinery import status as st
from kubeferry.machinery.status import FieldError

MAX_SECRET_SIZE = 1024 * 1024  # bytes, ConfigMap and Secret payloads alike
MAX_INT32 = 2**31 - 1
IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set"
PORT_PROTOCOLS = ["SCTP", "TCP", "UDP"]
RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
SESSION_AFFINITIES = ["ClientIP", "None"]
IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"]
TRAFFIC_POLICIES = ["Cluster", "Local"]
ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
VOLUME_MODES = ["Block", "Filesystem"]
RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"]
HTTP_SCHEMES = ["HTTP", "HTTPS"]
STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
SERVICE_ACCOUNT_NAME_KEY = "kubernetes.io/service-account.name"
_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
VOLUME_SOURCE_KEYS = frozenset(
    [
        "hostPath",
        "emptyDir",
        "gcePersistentDisk",
        "awsElasticBlockStore",
        "gitRepo",
        "secret",
        "nfs",
        "iscsi",
        "glusterfs",
        "persistentVolumeClaim",
        "rbd",
        "flexVolume",
        "cinder",
        "cephfs",
        "flocker",
        "downwardAPI",
        "fc",
        "azureFile",
        "configMap",
        "vsphereVolume",
        "quobyte",
        "azureDisk",
        "photonPersistentDisk",
        "projected",
        "portworxVolume",
        "scaleIO",
        "storageos",
        "csi",
        "ephemeral",
        "image",
    ]
)

# ---------------------------------------------------------------------------------------------
# Quantities (only what the request <= limit rule needs: value and canonical string)

_QUANTITY_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$")
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_BY_EXP = {e: s for s, e in _DECIMAL.items()}


def parse_quantity(text: object) -> tuple[Fraction, str] | None:
    """`"1.5Gi"` → (Fraction(1610612736), "binary"); None when it does not parse."""
    if v.is_int(text):
        return Fraction(text), "decimal"
    if not isinstance(text, str):
        return None
    m = _QUANTITY_RE.match(text.strip())
    if not m:
        return None
    number, suffix = Fraction(m.group(1)), m.group(2) or ""
    if suffix in _BINARY:
        return number * 1024 ** _BINARY[suffix], "binary"
    if suffix in _DECIMAL:
        return number * Fraction(10) ** _DECIMAL[suffix], "decimal"
    return number * Fraction(10) ** int(suffix[1:]), "decimal"


def canonical_quantity(text: object) -> str:
    """Quantity.String(): e.g. "1000m" → "1", "0.5" → "500m", "1536Mi" stays, "2048Ki" → "2Mi".

    Values are first rounded up to milli precision (SetDefaults_ResourceList).  Binary form is kept
    for integers of magnitude >= 1024 (largest power of 1024 dividing the value); everything else
    uses the largest decimal SI suffix (exponent a multiple of 3) that leaves an integer mantissa.
    """
    parsed = parse_quantity(text)
    if parsed is None:
        return str(text)
    value, fmt = parsed
    milli = -((-value * 1000) // 1)  # ceil to 1/1000
    value = Fraction(milli, 1000)
    if fmt == "binary" and value.denominator == 1 and abs(value) >= 1024:
        n, power = int(value), 0
        while power < 6 and n % 1024 == 0 and n != 0:
            n //= 1024
            power += 1
        suffix = {v_: k for k, v_ in _BINARY.items()}.get(power, "")
        return f"{n}{suffix}"
    if value == 0:
        return "0"
    exp = -9
    while exp < 18 and (value / Fraction(10) ** (exp + 3)).denominator == 1:
        exp += 3
    mantissa = value / Fraction(10) ** exp
    return f"{int(mantissa)}{_DECIMAL_BY_EXP[exp]}"


# ---------------------------------------------------------------------------------------------
# Containers


def _validate_container_ports(ports: list, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, port in enumerate(ports or []):
        pp = v.index(path, i)
        name = port.get("name") or ""
        if name:
            msgs = v.is_valid_port_name(name)
            if msgs:
                errs += [st.invalid(f"{pp}.name", name, m) for m in msgs]
            elif name in names:
                errs.append(st.duplicate(f"{pp}.name", name))
            else:
                names.add(name)
        container_port = port.get("containerPort", 0)
        if not container_port:
            errs.append(st.required(f"{pp}.containerPort"))
        else:
            errs += [st.invalid(f"{pp}.containerPort", container_port, m) for m in v.is_valid_port_num(container_port)]
        host_port = port.get("hostPort", 0)
        if host_port:
            errs += [st.invalid(f"{pp}.hostPort", host_port, m) for m in v.is_valid_port_num(host_port)]
        protocol = port.get("protocol", "")
        if not protocol:
            errs.append(st.required(f"{pp}.protocol"))
        elif protocol not in PORT_PROTOCOLS:
            errs.append(st.not_supported(f"{pp}.protocol", protocol, PORT_PROTOCOLS))
    return errs


def _validate_env(env: list, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, var in enumerate(env or []):
        ep = v.index(path, i)
        name = var.get("name") or ""
        if not name:
            errs.append(st.required(f"{ep}.name"))
        else:
            errs += [st.invalid(f"{ep}.name", name, m) for m in v.is_relaxed_env_var_name(name)]
        if var.get("value") and var.get("valueFrom") is not None:
            errs.append(st.invalid(f"{ep}.valueFrom", "", "may not be specified when `value` is not empty"))
    return errs


def _is_standard_container_resource(name: str) -> bool:
    return name in STANDARD_CONTAINER_RESOURCES or name.startswith("hugepages-")


def _validate_resources(resources: dict, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    limits = resources.get("limits") or {}
    requests = resources.get("requests") or {}
    for section, values in (("limits", limits), ("requests", requests)):
        for name in sorted(values):
            rp = v.key(f"{path}.{section}", name)
            if "/" not in name and not _is_standard_container_resource(name):
                errs.append(st.invalid(rp, name, "must be a standard resource for containers"))
            parsed = parse_quantity(values[name])
            if parsed is not None and parsed[0] < 0:
                errs.append(st.invalid(rp, canonical_quantity(values[name]), v.IS_NEGATIVE))
    for name in sorted(requests):
        if name not in limits:
            continue
        req, lim = parse_quantity(requests[name]), parse_quantity(limits[name])
        if req is None or lim is None:
            continue
        overcommit = not name.startswith("hugepages-") and ("/" not in name or name.startswith("kubernetes.io/"))
        req_s, lim_s = canonical_quantity(requests[name]), canonical_quantity(limits[name])
        if req[0] != lim[0] and not overcommit:
            errs.append(st.invalid(f"{path}.requests", req_s, f"must be equal to {name} limit of {lim_s}"))
        elif req[0] > lim[0]:
            errs.append(st.invalid(f"{path}.requests", req_s, f"must be less than or equal to {name} limit of {lim_s}"))
    return errs


def _validate_volume_mounts(mounts: list, volumes: set[str], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, mount in enumerate(mounts or []):
        mp = v.index(path, i)
        name = mount.get("name") or ""
        if not name:
            errs.append(st.required(f"{mp}.name"))
        if name not in volumes:
            errs.append(st.not_found_field(f"{mp}.name", name))
        mount_path = mount.get("mountPath") or ""
        if not mount_path:
            errs.append(st.required(f"{mp}.mountPath"))
        if mount_path in seen:
            errs.append(st.invalid(f"{mp}.mountPath", mount_path, "must be unique"))
        seen.add(mount_path)
    return errs


def _validate_handler(handler: dict, path: str, what: str) -> list[FieldError]:
    present = [h for h in _PROBE_HANDLERS if handler.get(h) is not None]
    if not present:
        return [st.required(path, "must specify a handler type")]
    errs: list[FieldError] = []
    if len(present) > 1:
        errs.append(st.forbidden(f"{path}.{present[1]}", f"may not specify more than 1 {what} type"))
    http = handler.get("httpGet")
    if http is not None:
        hp = f"{path}.httpGet"
        if not http.get("path"):
            errs.append(st.required(f"{hp}.path"))
        errs += v.validate_port_num_or_name(http.get("port", 0), f"{hp}.port")
        scheme = http.get("scheme", "")
        if scheme not in HTTP_SCHEMES:
            errs.append(st.not_supported(f"{hp}.scheme", scheme, HTTP_SCHEMES))
    tcp = handler.get("tcpSocket")
    if tcp is not None:
        errs += v.validate_port_num_or_name(tcp.get("port", 0), f"{path}.tcpSocket.port")
    exec_ = handler.get("exec")
    if exec_ is not None and not exec_.get("command"):
        errs.append(st.required(f"{path}.exec.command"))
    return errs


def _validate_probe(probe: dict | None, path: str, *, success_must_be_one: bool) -> list[FieldError]:
    if probe is None:
        return []
    errs = _validate_handler(probe, path, "handler")
    for f in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        errs += v.validate_nonnegative(probe.get(f, 0), f"{path}.{f}")
    grace = probe.get("terminationGracePeriodSeconds")
    if v.is_int(grace) and grace <= 0:
        errs.append(st.invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be greater than 0"))
    success = probe.get("successThreshold", 0)
    if success_must_be_one and v.is_int(success) and success != 1:
        errs.append(st.invalid(f"{path}.successThreshold", success, "must be 1"))
    return errs


def _validate_container_common(ctr: dict, volumes: set[str], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    name = ctr.get("name") or ""
    if not name:
        errs.append(st.required(f"{path}.name"))
    else:
        errs += v.validate_dns1123_label(name, f"{path}.name")
    if not ctr.get("image"):
        errs.append(st.required(f"{path}.image"))
    policy = ctr.get("terminationMessagePolicy", "")
    if not policy:
        errs.append(st.required(f"{path}.terminationMessagePolicy"))
    elif policy not in TERMINATION_MESSAGE_POLICIES:
        errs.append(st.not_supported(f"{path}.terminationMessagePolicy", policy, TERMINATION_MESSAGE_POLICIES))
    errs += _validate_container_ports(ctr.get("ports") or [], f"{path}.ports")
    errs += _validate_env(ctr.get("env") or [], f"{path}.env")
    errs += _validate_volume_mounts(ctr.get("volumeMounts") or [], volumes, f"{path}.volumeMounts")
    pull = ctr.get("imagePullPolicy", "")
    if not pull:
        errs.append(st.required(f"{path}.imagePullPolicy"))
    elif pull not in PULL_POLICIES:
        errs.append(st.not_supported(f"{path}.imagePullPolicy", pull, PULL_POLICIES))
    errs += _validate_resources(ctr.get("resources") or {}, f"{path}.resources")
    return errs


def _validate_containers(containers: list, volumes: set[str], path: str, *, init: bool = False) -> list[FieldError]:
    if not containers and not init:
        return [st.required(path)]
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, ctr in enumerate(containers or []):
        cp = v.index(path, i)
        errs += _validate_container_common(ctr, volumes, cp)
        name = ctr.get("name") or ""
        if name in names:
            errs.append(st.duplicate(f"{cp}.name", name))
        names.add(name)
        if init and ctr.get("restartPolicy") != "Always":
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                if ctr.get(probe) is not None:
                    errs.append(
                        st.forbidden(f"{cp}.{probe}", "may not be set for init containers without restartPolicy=Always")
                    )
            continue
        errs += _validate_probe(ctr.get("livenessProbe"), f"{cp}.livenessProbe", success_must_be_one=True)
        errs += _validate_probe(ctr.get("readinessProbe"), f"{cp}.readinessProbe", success_must_be_one=False)
        errs += _validate_probe(ctr.get("startupProbe"), f"{cp}.startupProbe", success_must_be_one=True)
    return errs


def _validate_volumes(volumes: list, path: str) -> tuple[list[FieldError], set[str]]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, vol in enumerate(volumes or []):
        vp = v.index(path, i)
        sources = [k for k in vol if k in VOLUME_SOURCE_KEYS]
        if not sources:
            errs.append(st.required(vp, "must specify a volume type"))
        elif len(sources) > 1:
            errs.append(st.forbidden(f"{vp}.{sources[1]}", "may not specify more than 1 volume type"))
        name = vol.get("name") or ""
        if not name:
            errs.append(st.required(f"{vp}.name"))
        else:
            errs += v.validate_dns1123_label(name, f"{vp}.name")
        if name in names:
            errs.append(st.duplicate(f"{vp}.name", name))
        names.add(name)
        pvc = vol.get("persistentVolumeClaim")
        if pvc is not None and not pvc.get("claimName"):
            errs.append(st.required(f"{vp}.persistentVolumeClaim.claimName"))
        for src in ("configMap", "secret"):
            body = vol.get(src)
            if body is not None:
                mode = body.get("defaultMode")
                if v.is_int(mode) and not 0 <= mode <= 0o777:
                    errs.append(
                        st.invalid(
                            f"{vp}.{src}.defaultMode",
                            mode,
                            "must be a number between 0 and 0777 (octal), both inclusive",
                        )
                    )
        secret = vol.get("secret")
        if secret is not None and not secret.get("secretName"):
            errs.append(st.required(f"{vp}.secret.secretName"))
    return errs, names


def validate_pod_spec(spec: dict, path: str) -> list[FieldError]:
    """ValidatePodSpec: volumes, containers, init containers and the pod-level policies.

    A ReplicaSet's pods are created from one template, and binding re-validates a spec that
    differs only in its node, so most specs are ones already found valid: they are remembered.
    """
    return _valid_pod_specs(spec, path)


def _validate_pod_spec(spec: dict, path: str) -> list[FieldError]:
    errs, volumes = _validate_volumes(spec.get("volumes") or [], f"{path}.volumes")
    errs += _validate_containers(spec.get("containers") or [], volumes, f"{path}.containers")
    errs += _validate_containers(spec.get("initContainers") or [], volumes, f"{path}.initContainers", init=True)
    all_names: set[str] = {c.get("name") for c in spec.get("containers") or []}
    for i, ctr in enumerate(spec.get("initContainers") or []):
        if ctr.get("name") in all_names:
            errs.append(st.duplicate(f"{path}.initContainers[{i}].name", ctr.get("name")))
    restart = spec.get("restartPolicy", "")
    if restart == "":
        errs.append(st.required(f"{path}.restartPolicy"))
    elif restart not in RESTART_POLICIES:
        errs.append(st.not_supported(f"{path}.restartPolicy", restart, RESTART_POLICIES))
    dns = spec.get("dnsPolicy", "")
    if dns == "":
        errs.append(st.required(f"{path}.dnsPolicy"))
    elif dns not in DNS_POLICIES:
        errs.append(st.not_supported(f"{path}.dnsPolicy", dns, DNS_POLICIES))
    node_name = spec.get("nodeName") or ""
    if node_name:
        errs += [st.invalid(f"{path}.nodeName", node_name, m) for m in v.name_is_dns_subdomain(node_name)]
    sa = spec.get("serviceAccountName") or ""
    if sa:
        errs += [st.invalid(f"{path}.serviceAccountName", sa, m) for m in v.name_is_dns_subdomain(sa)]
    errs += v.validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    deadline = spec.get("activeDeadlineSeconds")
    if v.is_int(deadline) and not 1 <= deadline <= MAX_INT32:
        errs.append(st.invalid(f"{path}.activeDeadlineSeconds", deadline, v.inclusive_range_error(1, MAX_INT32)))
    return errs


_valid_pod_specs = v.ValidByText(_validate_pod_spec)


def validate_pod_template_spec(template: dict, path: str) -> list[FieldError]:
    """ValidatePodTemplateSpec: note the template's labels path is `<path>.labels` (no `metadata`)."""
    meta = template.get("metadata") or {}
    errs = v.validate_labels(meta.get("labels"), f"{path}.labels")
    errs += v.validate_annotations(meta.get("annotations"), f"{path}.annotations")
    errs += validate_pod_spec(template.get("spec") or {}, f"{path}.spec")
    if (template.get("spec") or {}).get("ephemeralContainers"):
        errs.append(
            st.forbidden(f"{path}.spec.ephemeralContainers", "ephemeral containers not allowed in pod template")
        )
    return errs


# ---------------------------------------------------------------------------------------------
# Pod


def _pod_create(obj: dict) -> list[FieldError]:
    errs = v.validate_object_meta(obj.get("metadata"), True, v.name_is_dns_subdomain)
    spec = obj.get("spec") or {}
    errs += validate_pod_spec(spec, "spec")
    for i, ctr in enumerate(spec.get("containers") or []):
        image = ctr.get("image") or ""
        if image and image != image.strip():
            errs.append(
                st.invalid(f"spec.containers[{i}].image", image, "must not have leading or trailing whitespace")
            )
    return errs


def _pod_update(new: dict, old: dict) -> list[FieldError]:
    errs = v.validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    return errs + validate_pod_spec(new.get("spec") or {}, "spec")


# ---------------------------------------------------------------------------------------------
# Service


def _is_headless(spec: dict) -> bool:
    return spec.get("clusterIP") == "None"


def _service_spec(obj: dict) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errs: list[FieldError] = []
    kind = spec.get("type", "")
    ports = spec.get("ports") or []
    if not ports and not _is_headless(spec) and kind != "ExternalName":
        errs.append(st.required("spec.ports"))
    if kind == "":
        errs.append(st.required("spec.type"))
    elif kind not in SERVICE_TYPES:
        errs.append(st.not_supported("spec.type", kind, SERVICE_TYPES))
    if kind == "ExternalName":
        external = spec.get("externalName") or ""
        if not external:
            errs.append(st.required("spec.externalName"))
        if spec.get("clusterIPs"):
            errs.append(st.forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
    require_name = len(ports) > 1
    names: set[str] = set()
    node_ports: set[tuple[int, str]] = set()
    for i, port in enumerate(ports):
        pp = f"spec.ports[{i}]"
        name = port.get("name") or ""
        if require_name and not name:
            errs.append(st.required(f"{pp}.name"))
        elif name:
            errs += v.validate_dns1123_label(name, f"{pp}.name")
            if name in names:
                errs.append(st.duplicate(f"{pp}.name", name))
            names.add(name)
        errs += [st.invalid(f"{pp}.port", port.get("port", 0), m) for m in v.is_valid_port_num(port.get("port", 0))]
        protocol = port.get("protocol", "")
        if not protocol:
            errs.append(st.required(f"{pp}.protocol"))
        elif protocol not in PORT_PROTOCOLS:
            errs.append(st.not_supported(f"{pp}.protocol", protocol, PORT_PROTOCOLS))
        errs += v.validate_port_num_or_name(port.get("targetPort", 0), f"{pp}.targetPort")
        node_port = port.get("nodePort", 0) or 0
        if node_port and kind == "ClusterIP":
            errs.append(st.forbidden(f"{pp}.nodePort", "may not be used when `type` is 'ClusterIP'"))
        elif node_port:
            errs += [st.invalid(f"{pp}.nodePort", node_port, m) for m in v.is_valid_port_num(node_port)]
            key = (node_port, protocol)
            if key in node_ports:
                errs.append(st.duplicate(f"{pp}.nodePort", node_port))
            node_ports.add(key)
    if kind != "ExternalName":
        errs += v.validate_labels(spec.get("selector"), "spec.selector")
    affinity = spec.get("sessionAffinity", "")
    if affinity == "":
        errs.append(st.required("spec.sessionAffinity"))
    elif affinity not in SESSION_AFFINITIES:
        errs.append(st.not_supported("spec.sessionAffinity", affinity, SESSION_AFFINITIES))
    family_policy = spec.get("ipFamilyPolicy")
    if family_policy is not None and family_policy not in IP_FAMILY_POLICIES:
        errs.append(st.not_supported("spec.ipFamilyPolicy", family_policy, IP_FAMILY_POLICIES))
    internal = spec.get("internalTrafficPolicy")
    if kind in ("ClusterIP", "NodePort", "LoadBalancer"):
        if internal is None:
            errs.append(st.required("spec.internalTrafficPolicy"))
        elif internal not in TRAFFIC_POLICIES:
            errs.append(st.not_supported("spec.internalTrafficPolicy", internal, TRAFFIC_POLICIES))
    external_policy = spec.get("externalTrafficPolicy") or ""
    if kind in ("NodePort", "LoadBalancer"):
        if not external_policy:
            errs.append(st.required("spec.externalTrafficPolicy"))
        elif external_policy not in TRAFFIC_POLICIES:
            errs.append(st.not_supported("spec.externalTrafficPolicy", external_policy, TRAFFIC_POLICIES))
    elif external_policy:
        errs.append(
            st.invalid(
                "spec.externalTrafficPolicy", external_policy, "may only be set for externally-accessible services"
            )
        )
    return errs


def _service_create(obj: dict) -> list[FieldError]:
    # RelaxedServiceNameValidation is on in v1.37: Service names are RFC 1123 labels.
    return v.validate_object_meta(obj.get("metadata"), True, v.name_is_dns_label) + _service_spec(obj)


def _cluster_ips_unchanged(new: dict, old: dict) -> list[FieldError]:
    """Upstream's upgrade/downgrade rule: set clusterIPs may not change (ExternalName exempt)."""
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    if "ExternalName" in (new_spec.get("type"), old_spec.get("type")):
        return []
    if _is_headless(new_spec) and _is_headless(old_spec):
        return []
    new_ips, old_ips = new_spec.get("clusterIPs") or [], old_spec.get("clusterIPs") or []
    errs: list[FieldError] = []
    if len(old_ips) == len(new_ips):
        for i, ip in enumerate(old_ips):
            if ip != new_ips[i]:
                errs.append(st.invalid(f"spec.clusterIPs[{i}]", new_ips, "may not change once set"))
    elif len(old_ips) > len(new_ips):
        if not new_ips:
            errs.append(st.invalid("spec.clusterIPs[0]", new_ips, "primary clusterIP can not be unset"))
        elif old_ips[0] != new_ips[0]:
            errs.append(st.invalid("spec.clusterIPs[0]", new_ips, "may not change once set"))
    elif old_ips and old_ips[0] != new_ips[0]:
        errs.append(st.invalid("spec.clusterIPs[0]", new_ips, "may not change once set"))
    return errs


def _service_update(new: dict, old: dict) -> list[FieldError]:
    errs = v.validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    return errs + _cluster_ips_unchanged(new, old) + _service_spec(new)


# ---------------------------------------------------------------------------------------------
# ConfigMap and Secret


def _configmap_body(obj: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    total = 0
    for k in sorted(data):
        errs += [st.invalid(f"data[{k}]", k, m) for m in v.is_config_map_key(k)]
        if k in binary:
            errs.append(st.invalid(f"data[{k}]", k, "duplicate of key present in binaryData"))
        total += len(str(data[k]).encode())
    for k in sorted(binary):
        errs += [st.invalid(f"binaryData[{k}]", k, m) for m in v.is_config_map_key(k)]
        if k in data:
            errs.append(st.invalid(f"binaryData[{k}]", k, "duplicate of key present in data"))
        total += _base64_len(binary[k])
    if total > MAX_SECRET_SIZE:
        errs.append(st.too_long("", MAX_SECRET_SIZE))
    return errs


def _base64_len(encoded: object) -> int:
    """Decoded byte length of a base64 string: 3 bytes per 4 characters, minus padding."""
    text = str(encoded)
    return len(text) * 3 // 4 - text.count("=")


def _immutable_payload(new: dict, old: dict, fields: tuple[str, ...]) -> list[FieldError]:
    errs: list[FieldError] = []
    if old.get("immutable") is True:
        if new.get("immutable") is not True:
            errs.append(st.forbidden("immutable", IMMUTABLE_WHEN_SET))
        for f in fields:
            if not v.semantic_equal(new.get(f), old.get(f)):
                errs.append(st.forbidden(f, IMMUTABLE_WHEN_SET))
    return errs


def _configmap_create(obj: dict) -> list[FieldError]:
    return v.validate_object_meta(obj.get("metadata"), True, v.name_is_dns_subdomain) + _configmap_body(obj)


def _configmap_update(new: dict, old: dict) -> list[FieldError]:
    errs = v.validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    return errs + _immutable_payload(new, old, ("data", "binaryData")) + _configmap_create(new)


def _secret_body(obj: dict) -> list[FieldError]:
    """Secret keys, size and per-type required keys.  `stringData` is merged into `data` first (as
    the v1 conversion does), so its keys are reported under `data[...]`."""
    errs: list[FieldError] = []
    sizes = {k: _base64_len(x) for k, x in (obj.get("data") or {}).items()}
    sizes.update({k: len(str(x).encode()) for k, x in (obj.get("stringData") or {}).items()})
    data = sizes
    for k in sorted(sizes):
        errs += [st.invalid(f"data[{k}]", k, m) for m in v.is_config_map_key(k)]
    if sum(sizes.values()) > MAX_SECRET_SIZE:
        errs.append(st.too_long("data", MAX_SECRET_SIZE))
    kind = obj.get("type", "")
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    required_keys = {
        "kubernetes.io/dockercfg": (".dockercfg",),
        "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
        "kubernetes.io/tls": ("tls.crt", "tls.key"),
        "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    }
    if kind == "kubernetes.io/service-account-token" and not annotations.get(SERVICE_ACCOUNT_NAME_KEY):
        errs.append(st.required(f"metadata.annotations[{SERVICE_ACCOUNT_NAME_KEY}]"))
    for k in required_keys.get(kind, ()):
        if k not in data:
            errs.append(st.required(f"data[{k}]"))
    return errs


def _secret_create(obj: dict) -> list[FieldError]:
    return v.validate_object_meta(obj.get("metadata"), True, v.name_is_dns_subdomain) + _secret_body(obj)


def _secret_update(new: dict, old: dict) -> list[FieldError]:
    errs = v.validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs += v.validate_immutable(new.get("type", ""), old.get("type", ""), "type")
    return errs + _immutable_payload(new, old, ("data",)) + _secret_create(new)


# ---------------------------------------------------------------------------------------------
# PersistentVolumeClaim and PersistentVolume


def _access_modes(modes: list | None, path: str, *, required: bool = True) -> list[FieldError]:
    errs: list[FieldError] = []
    if not modes and required:
        errs.append(st.required(path, "at least 1 access mode is required"))
    for mode in modes or []:
        if mode not in ACCESS_MODES:
            errs.append(st.not_supported(path, mode, ACCESS_MODES))
    if "ReadWriteOncePod" in (modes or []) and len(modes) > 1:
        errs.append(st.forbidden(path, "may not use ReadWriteOncePod with other access modes"))
    return errs


def validate_pvc_spec(spec: dict, path: str) -> list[FieldError]:
    errs = _access_modes(spec.get("accessModes"), f"{path}.accessModes")
    errs += v.validate_label_selector(spec.get("selector"), f"{path}.selector")
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if storage is None:
        errs.append(st.required(f"{path}.resources[storage]"))
    else:
        parsed = parse_quantity(storage)
        if parsed is not None and parsed[0] < 0:
            errs.append(st.invalid(f"{path}.resources[storage]", canonical_quantity(storage), v.IS_NEGATIVE))
        elif parsed is not None and parsed[0] == 0:
            errs.append(
                st.invalid(f"{path}.resources[storage]", canonical_quantity(storage), "must be greater than zero")
            )
    mode = spec.get("volumeMode")
    if mode is not None and mode not in VOLUME_MODES:
        errs.append(st.not_supported(f"{path}.volumeMode", mode, VOLUME_MODES))
    sc = spec.get("storageClassName")
    if sc:
        errs += [st.invalid(f"{path}.storageClassName", sc, m) for m in v.name_is_dns_subdomain(sc)]
    return errs


def _pvc_create(obj: dict) -> list[FieldError]:
    errs = v.validate_object_meta(obj.get("metadata"), True, v.name_is_dns_subdomain)
    return errs + validate_pvc_spec(obj.get("spec") or {}, "spec")


_PVC_BOUND_MUTABLE = ("resources", "volumeAttributesClassName")
PVC_SPEC_IMMUTABLE = (
    "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
)


def _pvc_update(new: dict, old: dict) -> list[FieldError]:
    errs = v.validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs += validate_pvc_spec(new.get("spec") or {}, "spec")
    new_spec, old_spec = dict(new.get("spec") or {}), dict(old.get("spec") or {})
    bound = (old.get("status") or {}).get("phase") == "Bound"
    if bound:
        for f in _PVC_BOUND_MUTABLE:
            new_spec.pop(f, None)
            old_spec.pop(f, None)
    # A claim not yet bound may only have volumeName set (by the binder); nothing else changes.
    elif not old_spec.get("volumeName"):
        new_spec.pop("volumeName", None)
    if not v.semantic_equal(new_spec, old_spec):
        errs.append(st.forbidden("spec", PVC_SPEC_IMMUTABLE))
    return errs


def _pv_create(obj: dict) -> list[FieldError]:
    errs = v.validate_object_meta(obj.get("metadata"), False, v.name_is_dns_subdomain)
    spec = obj.get("spec") or {}
    errs += _access_modes(spec.get("accessModes"), "spec.accessModes")
    if not spec.get("capacity"):
        errs.append(st.required("spec.capacity"))
    policy = spec.get("persistentVolumeReclaimPolicy", "")
    if policy and policy not in RECLAIM_POLICIES:
        errs.append(st.not_supported("spec.persistentVolumeReclaimPolicy", policy, RECLAIM_POLICIES))
    sources = [k for k in spec if k in VOLUME_SOURCE_KEYS or k == "local"]
    if not sources:
        errs.append(st.required("spec", "must specify a volume type"))
    mode = spec.get("volumeMode")
    if mode is not None and mode not in VOLUME_MODES:
        errs.append(st.not_supported("spec.volumeMode", mode, VOLUME_MODES))
    return errs


def _pv_update(new: dict, old: dict) -> list[FieldError]:
    errs = v.validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs += _pv_create(new)
    new_mode, old_mode = (new.get("spec") or {}).get("volumeMode"), (old.get("spec") or {}).get("volumeMode")
    return errs + v.validate_immutable(new_mode, old_mode, "volumeMode")


# ---------------------------------------------------------------------------------------------
# Namespace, Node, Endpoints, others


def _namespace_create(obj: dict) -> list[FieldError]:
    errs = v.validate_object_meta(obj.get("metadata"), False, v.validate_namespace_name)
    for i, fin in enumerate((obj.get("spec") or {}).get("finalizers") or []):
        if "/" not in fin and fin != "kubernetes":
            errs.append(
                st.invalid(
                    f"spec.finalizers[{i}]",
                    fin,
                    "name is neither a standard finalizer name nor is it fully qualified",
                )
            )
    return errs


def _endpoints_body(obj: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, subset in enumerate(obj.get("subsets") or []):
        sp = f"subsets[{i}]"
        for j, port in enumerate(subset.get("ports") or []):
            pp = f"{sp}.ports[{j}]"
            if len(subset.get("ports") or []) > 1 and not port.get("name"):
                errs.append(st.required(f"{pp}.name"))
            elif port.get("name"):
                errs += v.validate_dns1123_label(port["name"], f"{pp}.name")
            errs += [st.invalid(f"{pp}.port", port.get("port", 0), m) for m in v.is_valid_port_num(port.get("port", 0))]
            protocol = port.get("protocol", "")
            if not protocol:
                errs.append(st.required(f"{pp}.protocol"))
            elif protocol not in PORT_PROTOCOLS:
                errs.append(st.not_supported(f"{pp}.protocol", protocol, PORT_PROTOCOLS))
    return errs


def _event_body(obj: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    involved_ns = (obj.get("involvedObject") or {}).get("namespace") or ""
    ns = (obj.get("metadata") or {}).get("namespace") or ""
    if involved_ns and ns != involved_ns:
        errs.append(st.invalid("involvedObject.namespace", involved_ns, "does not match event.namespace"))
    return errs


RULES: dict[tuple[str, str], v.KindRules] = {
    ("", "Pod"): v.KindRules(_pod_create, _pod_update),
    ("", "Service"): v.KindRules(_service_create, _service_update),
    ("", "ConfigMap"): v.KindRules(_configmap_create, _configmap_update),
    ("", "Secret"): v.KindRules(_secret_create, _secret_update),
    ("", "PersistentVolumeClaim"): v.KindRules(_pvc_create, _pvc_update),
    ("", "PersistentVolume"): v.KindRules(_pv_create, _pv_update),
    ("", "Namespace"): v.KindRules(
        _namespace_create, lambda n, o: v.validate_object_meta_update(n.get("metadata"), o.get("metadata"))
    ),
    ("", "Node"): v.simple_rules(False, v.name_is_dns_subdomain),
    ("", "Endpoints"): v.simple_rules(True, v.name_is_dns_subdomain, _endpoints_body),
    ("", "ServiceAccount"): v.simple_rules(True, v.name_is_dns_subdomain),
    ("", "Event"): v.simple_rules(True, v.name_is_dns_subdomain, _event_body),
}
