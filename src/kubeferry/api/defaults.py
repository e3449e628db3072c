"""Defaulting: what kube-apiserver v1.37 fills in before validation (the `SetDefaults_*` functions of
core/v1, apps/v1, batch/v1 and storage/v1, plus the Service IP-family fields the service registry
sets on create).

`apply_defaults(obj)` mutates a plain JSON object in place; it never overwrites a value the user
set, and running it twice changes nothing.  Registry-strategy bookkeeping (generation, status
clearing, Namespace finalizers, Job selectors, clusterIP allocation) is not here.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable

DEFAULT_TERMINATION_GRACE_PERIOD = 30
DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log"
DEFAULT_SCHEDULER = "default-scheduler"
DEFAULT_FILE_MODE = 0o644  # 420: secret/configMap/downwardAPI/projected volumes
DEFAULT_CLIENT_IP_TIMEOUT = 10800  # seconds, Service sessionAffinity ClientIP
DEFAULT_TOKEN_EXPIRATION = 3600  # seconds, projected service account tokens
DEFAULT_REVISION_HISTORY = 10
DEFAULT_PROGRESS_DEADLINE = 600
DEFAULT_JOB_BACKOFF_LIMIT = 6
MAX_INT32 = 2**31 - 1
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
_MODE_VOLUMES = ("secret", "configMap", "downwardAPI", "projected")


def _set(d: dict, key: str, value: object) -> None:
    """Default `d[key]` when absent or null (Go: nil pointer / empty string)."""
    if d.get(key) in (None, ""):
        d[key] = value


def _sub(d: dict, key: str) -> dict:
    """`d[key]`, created as `{}` when absent or null."""
    if not isinstance(d.get(key), dict):
        d[key] = {}
    return d[key]


# ---------------------------------------------------------------------------------------------
# Pod spec


def image_tag(image: str) -> str:
    """The tag of an image reference ("" with a digest and no tag; "latest" when neither).

    `registry:5000/app` has no tag (the colon precedes the last '/'); `app@sha256:…` has none
    either; `app` means `app:latest`.
    """
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        return last.rsplit(":", 1)[1]
    return "" if digest else "latest"


def _default_probe(probe: dict | None) -> None:
    if not isinstance(probe, dict):
        return
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3)):
        if not probe.get(key):
            probe[key] = value
    grpc = probe.get("grpc")
    if isinstance(grpc, dict) and grpc.get("service") is None:
        grpc["service"] = ""  # upstream defaults the pointer to "" (kubectl describe dereferences it)
    _default_handler(probe)


def _default_handler(handler: dict | None) -> None:
    if not isinstance(handler, dict):
        return
    http = handler.get("httpGet")
    if isinstance(http, dict):
        _set(http, "path", "/")
        _set(http, "scheme", "HTTP")


def _default_container(ctr: dict) -> None:
    if not ctr.get("imagePullPolicy"):
        ctr["imagePullPolicy"] = "Always" if image_tag(ctr.get("image") or "") == "latest" else "IfNotPresent"
    _set(ctr, "terminationMessagePath", DEFAULT_TERMINATION_MESSAGE_PATH)
    _set(ctr, "terminationMessagePolicy", "File")
    for port in ctr.get("ports") or []:
        _set(port, "protocol", "TCP")
    for var in ctr.get("env") or []:
        field_ref = (var.get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            _set(field_ref, "apiVersion", "v1")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(ctr.get(probe))
    lifecycle = ctr.get("lifecycle") or {}
    for hook in ("postStart", "preStop"):
        _default_handler(lifecycle.get(hook))


def _default_volume(vol: dict) -> None:
    from kubeferry.api.core import VOLUME_SOURCE_KEYS

    if not any(k in VOLUME_SOURCE_KEYS and vol[k] is not None for k in vol):
        vol["emptyDir"] = {}
    for src in _MODE_VOLUMES:
        if isinstance(vol.get(src), dict):
            _set(vol[src], "defaultMode", DEFAULT_FILE_MODE)
    if isinstance(vol.get("hostPath"), dict):
        vol["hostPath"].setdefault("type", "")
    for source in (vol.get("projected") or {}).get("sources") or []:
        token = source.get("serviceAccountToken")
        if isinstance(token, dict):
            _set(token, "expirationSeconds", DEFAULT_TOKEN_EXPIRATION)
    for item in (vol.get("downwardAPI") or {}).get("items") or []:
        if isinstance(item.get("fieldRef"), dict):
            _set(item["fieldRef"], "apiVersion", "v1")
    image = vol.get("image")
    if isinstance(image, dict) and not image.get("pullPolicy"):
        image["pullPolicy"] = "Always" if image_tag(image.get("reference") or "") == "latest" else "IfNotPresent"


def default_pod_spec(spec: dict) -> None:
    """SetDefaults_PodSpec plus its containers, probes and volumes (pods and pod templates)."""
    _set(spec, "dnsPolicy", "ClusterFirst")
    _set(spec, "restartPolicy", "Always")
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = DEFAULT_TERMINATION_GRACE_PERIOD
    _set(spec, "schedulerName", DEFAULT_SCHEDULER)
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for ctr in spec.get(group) or []:
            _default_container(ctr)
    for vol in spec.get("volumes") or []:
        _default_volume(vol)


def default_pod_template(template: dict | None) -> None:
    if isinstance(template, dict):
        default_pod_spec(_sub(template, "spec"))


def _default_pod(obj: dict) -> None:
    spec = _sub(obj, "spec")
    default_pod_spec(spec)
    # Pods only (not templates): requests default to limits, service links on, host ports.
    for group in ("containers", "initContainers"):
        for ctr in spec.get(group) or []:
            resources = ctr.get("resources") or {}
            limits = resources.get("limits")
            if limits:
                requests = _sub(resources, "requests")
                for name, quantity in limits.items():
                    requests.setdefault(name, quantity)
                ctr["resources"] = resources
            if spec.get("hostNetwork"):
                for port in ctr.get("ports") or []:
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort")
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True


# ---------------------------------------------------------------------------------------------
# apps/v1


def _default_deployment(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = _sub(spec, "strategy")
    _set(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _sub(strategy, "rollingUpdate")
        if rolling.get("maxUnavailable") is None:
            rolling["maxUnavailable"] = "25%"
        if rolling.get("maxSurge") is None:
            rolling["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = DEFAULT_REVISION_HISTORY
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = DEFAULT_PROGRESS_DEADLINE
    default_pod_template(spec.get("template"))


def _default_replicaset(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    default_pod_template(spec.get("template"))


def _default_daemonset(obj: dict) -> None:
    spec = _sub(obj, "spec")
    strategy = _sub(spec, "updateStrategy")
    _set(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _sub(strategy, "rollingUpdate")
        if rolling.get("maxUnavailable") is None:
            rolling["maxUnavailable"] = 1
        if rolling.get("maxSurge") is None:
            rolling["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = DEFAULT_REVISION_HISTORY
    default_pod_template(spec.get("template"))


def _default_statefulset(obj: dict) -> None:
    spec = _sub(obj, "spec")
    _set(spec, "podManagementPolicy", "OrderedReady")
    strategy = _sub(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        if strategy.get("rollingUpdate") is None:
            strategy["rollingUpdate"] = {}
    rolling = strategy.get("rollingUpdate")
    if strategy["type"] == "RollingUpdate" and isinstance(rolling, dict):
        if rolling.get("partition") is None:
            rolling["partition"] = 0
        if rolling.get("maxUnavailable") is None:  # MaxUnavailableStatefulSet: on in v1.37
            rolling["maxUnavailable"] = 1
    retention = _sub(spec, "persistentVolumeClaimRetentionPolicy")
    _set(retention, "whenDeleted", "Retain")
    _set(retention, "whenScaled", "Retain")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = DEFAULT_REVISION_HISTORY
    default_pod_template(spec.get("template"))
    for claim in spec.get("volumeClaimTemplates") or []:
        _default_pvc(claim)


# ---------------------------------------------------------------------------------------------
# core/v1 (other than Pod)


def _is_headless_without_selector(spec: dict) -> bool:
    return spec.get("clusterIP") == "None" and not spec.get("selector")


def _default_service(obj: dict) -> None:
    spec = _sub(obj, "spec")
    _set(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client_ip = _sub(_sub(spec, "sessionAffinityConfig"), "clientIP")
        _set(client_ip, "timeoutSeconds", DEFAULT_CLIENT_IP_TIMEOUT)
    _set(spec, "type", "ClusterIP")
    kind = spec["type"]
    for port in spec.get("ports") or []:
        _set(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    externally_accessible = kind in ("LoadBalancer", "NodePort") or (kind == "ClusterIP" and spec.get("externalIPs"))
    if externally_accessible:
        _set(spec, "externalTrafficPolicy", "Cluster")
    if spec.get("internalTrafficPolicy") is None and kind in ("ClusterIP", "NodePort", "LoadBalancer"):
        spec["internalTrafficPolicy"] = "Cluster"
    if kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    if kind != "ExternalName":
        # Service registry, single-stack IPv4 cluster: headless services without a selector get
        # RequireDualStack, every other service SingleStack.
        if spec.get("ipFamilyPolicy") is None:
            spec["ipFamilyPolicy"] = "RequireDualStack" if _is_headless_without_selector(spec) else "SingleStack"
        if not spec.get("ipFamilies"):
            spec["ipFamilies"] = ["IPv4"]


def _default_secret(obj: dict) -> None:
    _set(obj, "type", "Opaque")


def _default_pvc(obj: dict) -> None:
    _set(_sub(obj, "spec"), "volumeMode", "Filesystem")
    _set(_sub(obj, "status"), "phase", "Pending")


def _default_pv(obj: dict) -> None:
    spec = _sub(obj, "spec")
    _set(spec, "persistentVolumeReclaimPolicy", "Retain")
    _set(spec, "volumeMode", "Filesystem")
    _set(_sub(obj, "status"), "phase", "Pending")


def _default_endpoints(obj: dict) -> None:
    for subset in obj.get("subsets") or []:
        for port in subset.get("ports") or []:
            _set(port, "protocol", "TCP")


def _default_namespace(obj: dict) -> None:
    meta = _sub(obj, "metadata")
    if meta.get("name"):
        _sub(meta, "labels")[NAMESPACE_NAME_LABEL] = meta["name"]
    _set(_sub(obj, "status"), "phase", "Active")


def _default_node(obj: dict) -> None:
    status = obj.get("status") or {}
    if status.get("allocatable") is None and status.get("capacity") is not None:
        status["allocatable"] = dict(status["capacity"])


# ---------------------------------------------------------------------------------------------
# Other groups


def _default_job(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else DEFAULT_JOB_BACKOFF_LIMIT
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    meta = _sub(obj, "metadata")
    if template_labels is not None and not meta.get("labels"):
        meta["labels"] = dict(template_labels)
    _set(spec, "completionMode", "NonIndexed")
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("podReplacementPolicy") is None:
        spec["podReplacementPolicy"] = "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed"
    for rule in (spec.get("podFailurePolicy") or {}).get("rules") or []:
        for pattern in rule.get("onPodConditions") or []:
            _set(pattern, "status", "True")
    default_pod_template(spec.get("template"))


def _default_endpointslice(obj: dict) -> None:
    for port in obj.get("ports") or []:
        _set(port, "protocol", "TCP")
        if port.get("name") is None:
            port["name"] = ""


def _default_storageclass(obj: dict) -> None:
    _set(obj, "reclaimPolicy", "Delete")
    _set(obj, "volumeBindingMode", "Immediate")


_DEFAULTERS: dict[tuple[str, str], Callable[[dict], None]] = {
    ("", "Pod"): _default_pod,
    ("", "Service"): _default_service,
    ("", "Secret"): _default_secret,
    ("", "PersistentVolumeClaim"): _default_pvc,
    ("", "PersistentVolume"): _default_pv,
    ("", "Endpoints"): _default_endpoints,
    ("", "Namespace"): _default_namespace,
    ("", "Node"): _default_node,
    ("", "PodTemplate"): lambda obj: default_pod_template(obj.get("template")),
    ("apps", "Deployment"): _default_deployment,
    ("apps", "ReplicaSet"): _default_replicaset,
    ("apps", "DaemonSet"): _default_daemonset,
    ("apps", "StatefulSet"): _default_statefulset,
    ("batch", "Job"): _default_job,
    ("discovery.k8s.io", "EndpointSlice"): _default_endpointslice,
    ("storage.k8s.io", "StorageClass"): _default_storageclass,
}


def apply_defaults(obj: dict) -> None:
    """Fill in upstream defaults for `obj` (keyed by its apiVersion group and kind), in place."""
    api_version = obj.get("apiVersion", "")
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    defaulter = _DEFAULTERS.get((group, obj.get("kind", "")))
    if defaulter is not None:
        defaulter(obj)
