"""Validation rules, one case per rule, asserting the exact rendered error (kube-apiserver v1.37 wording)."""

from __future__ import annotations

import copy

import pytest

from kubeferry.api.defaults import apply_defaults
from kubeferry.api.validation import (
    is_config_map_key,
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_valid_percent,
    is_valid_port_name,
    validate_create,
    validate_object_meta,
    validate_status_update,
    validate_update,
)

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation "
    "is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
CONFIG_MAP_KEY_MSG = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
    "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)
PORT_CHARSET_MSG = "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
PERCENT_MSG = (
    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', "
    "regex used for validation is '[0-9]+%')"
)
LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
CONFIG_KEY_MSG = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
    "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)


def pod_template(labels=None):
    return {
        "metadata": {"labels": labels if labels is not None else {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
    }


def deployment():
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": pod_template()},
    }


def replicaset():
    obj = deployment()
    obj["kind"] = "ReplicaSet"
    return obj


def daemonset():
    obj = deployment()
    obj["kind"] = "DaemonSet"
    return obj


def statefulset():
    obj = deployment()
    obj["kind"] = "StatefulSet"
    obj["spec"]["serviceName"] = "web"
    return obj


def pod():
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
    }


def service():
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    }


def configmap():
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": "default"},
        "data": {"a": "1"},
    }


def secret():
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "default"},
        "data": {"a": "MQ=="},
    }


def pvc():
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "default"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }


def build(factory, mutate=None):
    obj = factory()
    if mutate:
        mutate(obj)
    apply_defaults(obj)
    return obj


def errors(obj):
    return [str(e) for e in validate_create(obj)]


def setter(path, value):
    """Mutator setting a dotted path (list indices as ints) before defaulting."""

    def mutate(obj):
        node = obj
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        last: str | int = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value

    return mutate


DELETE = object()


def container(**fields):
    return setter("spec.template.spec.containers.0", {"name": "web", "image": "nginx:1.25", **fields})


def pod_container(**fields):
    return setter("spec.containers.0", {"name": "web", "image": "nginx:1.25", **fields})


@pytest.mark.parametrize(
    "factory", [deployment, replicaset, daemonset, statefulset, pod, service, configmap, secret, pvc]
)
def test_valid_objects_have_no_errors(factory):
    assert errors(build(factory)) == []


CREATE_CASES = [
    # --- object metadata
    (
        "name-required",
        deployment,
        setter("metadata.name", DELETE),
        "metadata.name: Required value: name or generateName is required",
    ),
    (
        "name-subdomain",
        deployment,
        setter("metadata.name", "Web"),
        f'metadata.name: Invalid value: "Web": {SUBDOMAIN_MSG}',
    ),
    (
        "name-too-long",
        configmap,
        setter("metadata.name", "a" * 254),
        f'metadata.name: Invalid value: "{"a" * 254}": must be no more than 253 characters',
    ),
    ("namespace-required", deployment, setter("metadata.namespace", ""), "metadata.namespace: Required value"),
    (
        "namespace-label",
        deployment,
        setter("metadata.namespace", "a.b"),
        'metadata.namespace: Invalid value: "a.b": must not contain dots',
    ),
    (
        "generate-name-trailing-dash-ok-but-bad-chars",
        pod,
        setter("metadata.generateName", "Web-"),
        f'metadata.generateName: Invalid value: "Web-": {SUBDOMAIN_MSG}',
    ),
    (
        "label-value",
        deployment,
        setter("metadata.labels", {"app": "-x"}),
        f'metadata.labels: Invalid value: "-x": {LABEL_VALUE_MSG}',
    ),
    (
        "label-value-too-long",
        deployment,
        setter("metadata.labels", {"app": "x" * 64}),
        f'metadata.labels: Invalid value: "{"x" * 64}": must be no more than 63 bytes',
    ),
    (
        "label-key-prefix-empty",
        deployment,
        setter("metadata.labels", {"/app": "x"}),
        'metadata.labels: Invalid value: "/app": prefix part must be non-empty',
    ),
    (
        "annotation-size",
        deployment,
        setter("metadata.annotations", {"a": "b" * (256 * 1024)}),
        "metadata.annotations: Too long: may not be more than 262144 bytes",
    ),
    (
        "owner-two-controllers",
        configmap,
        setter(
            "metadata.ownerReferences",
            [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "a", "uid": "1", "controller": True},
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "b", "uid": "2", "controller": True},
            ],
        ),
        'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","controller":true,"kind":"ReplicaSet","name":"a","uid":"1"},'
        '{"apiVersion":"apps/v1","controller":true,"kind":"ReplicaSet","name":"b","uid":"2"}]: Only one reference can have Controller '
        'set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
    ),
    # --- Deployment (semantics §1.3)
    (
        "deploy-replicas",
        deployment,
        setter("spec.replicas", -1),
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
    ),
    ("deploy-selector-required", deployment, setter("spec.selector", DELETE), "spec.selector: Required value"),
    (
        "deploy-selector-mismatch",
        deployment,
        setter("spec.template.metadata.labels", {"name": "abc"}),
        'spec.template.metadata.labels: Invalid value: {"name":"abc"}: `selector` does not match template `labels`',
    ),
    (
        "deploy-restart-policy",
        deployment,
        setter("spec.template.spec.restartPolicy", "Never"),
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ),
    (
        "deploy-active-deadline",
        deployment,
        setter("spec.template.spec.activeDeadlineSeconds", 5),
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
    ),
    (
        "deploy-strategy-type",
        deployment,
        setter("spec.strategy", {"type": "Blue"}),
        'spec.strategy: Unsupported value: {"type":"Blue"}: supported values: "Recreate", "RollingUpdate"',
    ),
    (
        "deploy-recreate-with-rolling",
        deployment,
        setter("spec.strategy", {"type": "Recreate", "rollingUpdate": {}}),
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ),
    (
        "deploy-percent-syntax",
        deployment,
        setter("spec.strategy", {"rollingUpdate": {"maxSurge": "20Percent"}}),
        f'spec.strategy.rollingUpdate.maxSurge: Invalid value: "20Percent": {PERCENT_MSG}',
    ),
    (
        "deploy-both-zero",
        deployment,
        setter("spec.strategy", {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}),
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
    ),
    (
        "deploy-unavailable-over-100",
        deployment,
        setter("spec.strategy", {"rollingUpdate": {"maxUnavailable": "110%"}}),
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "110%": must not be greater than 100%',
    ),
    (
        "deploy-unavailable-negative",
        deployment,
        setter("spec.strategy", {"rollingUpdate": {"maxUnavailable": -1}}),
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0",
    ),
    (
        "deploy-min-ready",
        deployment,
        setter("spec.minReadySeconds", -1),
        "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
    ),
    (
        "deploy-history",
        deployment,
        setter("spec.revisionHistoryLimit", -1),
        "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
    ),
    (
        "deploy-deadline-vs-min-ready",
        deployment,
        lambda o: o["spec"].update(minReadySeconds=600),
        "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds",
    ),
    (
        "deploy-empty-selector",
        deployment,
        setter("spec.selector", {}),
        "spec.selector: Invalid value: {}: empty selector is invalid for deployment",
    ),
    (
        "rs-empty-selector-says-deployment",
        replicaset,
        setter("spec.selector", {}),
        "spec.selector: Invalid value: {}: empty selector is invalid for deployment",
    ),
    (
        "deploy-ephemeral",
        deployment,
        setter("spec.template.spec.ephemeralContainers", [{"name": "dbg", "image": "busybox"}]),
        "spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template",
    ),
    (
        "template-labels-path",
        deployment,
        lambda o: o["spec"]["template"]["metadata"]["labels"].update({"bad key": "x"}),
        "spec.template.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', "
        "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
        "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ),
    (
        "selector-bad-operator",
        deployment,
        setter("spec.selector", {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "a", "operator": "Is"}]}),
        'spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator' + "\n"
        'spec.selector: Invalid value: {"matchExpressions":[{"key":"a","operator":"Is"}],"matchLabels":{"app":"web"}}: '
        "invalid label selector",
    ),
    # --- DaemonSet (semantics §1.4)
    (
        "ds-empty-selector",
        daemonset,
        setter("spec.selector", {}),
        "spec.selector: Invalid value: {}: empty selector is invalid for daemonset",
    ),
    (
        "ds-active-deadline",
        daemonset,
        setter("spec.template.spec.activeDeadlineSeconds", 5),
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported",
    ),
    (
        "ds-strategy-type",
        daemonset,
        setter("spec.updateStrategy", {"type": "Blue"}),
        'spec.updateStrategy: Unsupported value: {"type":"Blue"}: supported values: "RollingUpdate", "OnDelete"',
    ),
    (
        "ds-surge-only",
        daemonset,
        setter("spec.updateStrategy", {"rollingUpdate": {"maxSurge": 1}}),
        "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero",
    ),
    (
        "ds-both-zero",
        daemonset,
        setter("spec.updateStrategy", {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
        "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0",
    ),
    (
        "ds-surge-over-100",
        daemonset,
        setter("spec.updateStrategy", {"rollingUpdate": {"maxSurge": "101%", "maxUnavailable": 0}}),
        'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "101%": must not be greater than 100%',
    ),
    (
        "ds-history",
        daemonset,
        setter("spec.revisionHistoryLimit", -2),
        "spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0",
    ),
    # --- StatefulSet (semantics §1.5)
    (
        "sts-name-label",
        statefulset,
        setter("metadata.name", "web.v1"),
        'metadata.name: Invalid value: "web.v1": must not contain dots',
    ),
    (
        "sts-pod-management",
        statefulset,
        setter("spec.podManagementPolicy", "Random"),
        "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
    ),
    (
        "sts-strategy-type",
        statefulset,
        setter("spec.updateStrategy", {"type": "Blue"}),
        "spec.updateStrategy: Invalid value: {\"type\":\"Blue\"}: must be 'RollingUpdate' or 'OnDelete'",
    ),
    (
        "sts-ondelete-with-rolling",
        statefulset,
        setter("spec.updateStrategy", {"type": "OnDelete", "rollingUpdate": {"partition": 1}}),
        "spec.updateStrategy.rollingUpdate: Invalid value: {\"partition\":1}: only allowed for updateStrategy 'RollingUpdate'",
    ),
    (
        "sts-partition",
        statefulset,
        setter("spec.updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": -1}}),
        "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0",
    ),
    (
        "sts-max-unavailable-zero",
        statefulset,
        setter("spec.updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}}),
        "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0",
    ),
    (
        "sts-ordinals",
        statefulset,
        setter("spec.ordinals", {"start": -1}),
        "spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0",
    ),
    (
        "sts-empty-selector",
        statefulset,
        setter("spec.selector", {}),
        "spec.selector: Invalid value: {}: empty selector is invalid for statefulset",
    ),
    (
        "sts-active-deadline",
        statefulset,
        setter("spec.template.spec.activeDeadlineSeconds", 5),
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported",
    ),
    (
        "sts-retention",
        statefulset,
        setter("spec.persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Keep"}),
        'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
    ),
    # --- pod spec (through a Deployment template)
    (
        "containers-required",
        deployment,
        setter("spec.template.spec.containers", []),
        "spec.template.spec.containers: Required value",
    ),
    (
        "container-name-label",
        deployment,
        container(name="Web"),
        f'spec.template.spec.containers[0].name: Invalid value: "Web": {LABEL_MSG}',
    ),
    (
        "container-name-unique",
        deployment,
        setter("spec.template.spec.containers", [{"name": "a", "image": "x"}, {"name": "a", "image": "y"}]),
        'spec.template.spec.containers[1].name: Duplicate value: "a"',
    ),
    ("image-required", deployment, container(image=""), "spec.template.spec.containers[0].image: Required value"),
    (
        "container-port-range",
        deployment,
        container(ports=[{"containerPort": 70000}]),
        "spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
    ),
    (
        "container-port-required",
        deployment,
        container(ports=[{"name": "http"}]),
        "spec.template.spec.containers[0].ports[0].containerPort: Required value",
    ),
    (
        "port-name-duplicate",
        deployment,
        container(ports=[{"name": "http", "containerPort": 80}, {"name": "http", "containerPort": 81}]),
        'spec.template.spec.containers[0].ports[1].name: Duplicate value: "http"',
    ),
    (
        "port-name-letter",
        deployment,
        container(ports=[{"name": "8080", "containerPort": 80}]),
        'spec.template.spec.containers[0].ports[0].name: Invalid value: "8080": must contain at least one letter (a-z)',
    ),
    (
        "port-protocol",
        deployment,
        container(ports=[{"containerPort": 80, "protocol": "HTTP"}]),
        'spec.template.spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ),
    (
        "requests-above-limits",
        deployment,
        container(resources={"limits": {"cpu": "1"}, "requests": {"cpu": "2000m"}}),
        'spec.template.spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ),
    (
        "resource-name",
        deployment,
        container(resources={"limits": {"gpu": "1"}}),
        'spec.template.spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
    ),
    (
        "env-name",
        deployment,
        container(env=[{"name": "A=B", "value": "x"}]),
        'spec.template.spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist '
        "only of printable ASCII characters other than '='",
    ),
    (
        "env-name-required",
        deployment,
        container(env=[{"value": "x"}]),
        "spec.template.spec.containers[0].env[0].name: Required value",
    ),
    (
        "volume-mount-unknown",
        deployment,
        container(volumeMounts=[{"name": "data", "mountPath": "/data"}]),
        'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"',
    ),
    (
        "volume-name-unique",
        deployment,
        setter("spec.template.spec.volumes", [{"name": "v", "emptyDir": {}}, {"name": "v", "emptyDir": {}}]),
        'spec.template.spec.volumes[1].name: Duplicate value: "v"',
    ),
    (
        "volume-name-label",
        deployment,
        setter("spec.template.spec.volumes", [{"name": "V", "emptyDir": {}}]),
        f'spec.template.spec.volumes[0].name: Invalid value: "V": {LABEL_MSG}',
    ),
    (
        "mount-path-unique",
        deployment,
        lambda o: (
            setter("spec.template.spec.volumes", [{"name": "a", "emptyDir": {}}, {"name": "b", "emptyDir": {}}])(o),
            container(volumeMounts=[{"name": "a", "mountPath": "/d"}, {"name": "b", "mountPath": "/d"}])(o),
        ),
        'spec.template.spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique',
    ),
    (
        "probe-handler-required",
        deployment,
        container(livenessProbe={"periodSeconds": 5}),
        "spec.template.spec.containers[0].livenessProbe: Required value: must specify a handler type",
    ),
    (
        "probe-negative",
        deployment,
        container(readinessProbe={"tcpSocket": {"port": 80}, "initialDelaySeconds": -1}),
        "spec.template.spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0",
    ),
    (
        "liveness-success-threshold",
        deployment,
        container(livenessProbe={"tcpSocket": {"port": 80}, "successThreshold": 2}),
        "spec.template.spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
    ),
    (
        "probe-port-range",
        deployment,
        container(readinessProbe={"httpGet": {"port": 0}}),
        "spec.template.spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
    ),
    (
        "pull-policy",
        deployment,
        container(imagePullPolicy="Sometimes"),
        'spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    ),
    (
        "dns-policy",
        deployment,
        setter("spec.template.spec.dnsPolicy", "Google"),
        'spec.template.spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    ),
    (
        "pod-restart-policy",
        pod,
        setter("spec.restartPolicy", "Sometimes"),
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ),
    (
        "pod-active-deadline",
        pod,
        setter("spec.activeDeadlineSeconds", 0),
        "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
    ),
    (
        "pod-image-whitespace",
        pod,
        pod_container(image=" nginx"),
        'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace',
    ),
    # --- Service
    (
        "svc-name-label",
        service,
        setter("metadata.name", "web.svc"),
        'metadata.name: Invalid value: "web.svc": must not contain dots',
    ),
    ("svc-ports-required", service, setter("spec.ports", []), "spec.ports: Required value"),
    (
        "svc-port-range",
        service,
        setter("spec.ports", [{"port": 0, "targetPort": 80}]),
        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
    ),
    (
        "svc-port-name-required",
        service,
        setter("spec.ports", [{"port": 80}, {"name": "b", "port": 81}]),
        "spec.ports[0].name: Required value",
    ),
    (
        "svc-port-name-duplicate",
        service,
        setter("spec.ports", [{"name": "a", "port": 80}, {"name": "a", "port": 81}]),
        'spec.ports[1].name: Duplicate value: "a"',
    ),
    (
        "svc-target-port-name",
        service,
        setter("spec.ports", [{"port": 80, "targetPort": "Http"}]),
        'spec.ports[0].targetPort: Invalid value: "Http": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    ),
    (
        "svc-type",
        service,
        setter("spec.type", "Internal"),
        'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ),
    (
        "svc-node-port-on-clusterip",
        service,
        setter("spec.ports", [{"port": 80, "nodePort": 30080}]),
        "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ),
    (
        "svc-selector",
        service,
        setter("spec.selector", {"app": "a b"}),
        f'spec.selector: Invalid value: "a b": {LABEL_VALUE_MSG}',
    ),
    (
        "svc-external-name-required",
        service,
        lambda o: o["spec"].update(type="ExternalName", ports=[]),
        "spec.externalName: Required value",
    ),
    # --- ConfigMap / Secret
    ("cm-key", configmap, setter("data", {"a b": "1"}), f'data[a b]: Invalid value: "a b": {CONFIG_KEY_MSG}'),
    (
        "cm-key-dotdot",
        configmap,
        setter("data", {"..a": "1"}),
        "data[..a]: Invalid value: \"..a\": must not start with '..'",
    ),
    (
        "cm-size",
        configmap,
        setter("data", {"a": "x" * (1024 * 1024 + 1)}),
        "Too long: may not be more than 1048576 bytes",
    ),
    (
        "secret-key",
        secret,
        setter("data", {"a/b": "MQ=="}),
        "data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
        "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ),
    (
        "secret-tls-keys",
        secret,
        lambda o: o.update(type="kubernetes.io/tls", data={"tls.crt": "MQ=="}),
        "data[tls.key]: Required value",
    ),
    (
        "secret-sa-token",
        secret,
        setter("type", "kubernetes.io/service-account-token"),
        "metadata.annotations[kubernetes.io/service-account.name]: Required value",
    ),
    # --- PVC
    (
        "pvc-access-modes",
        pvc,
        setter("spec.accessModes", []),
        "spec.accessModes: Required value: at least 1 access mode is required",
    ),
    (
        "pvc-access-mode-enum",
        pvc,
        setter("spec.accessModes", ["ReadWriteAll"]),
        'spec.accessModes: Unsupported value: "ReadWriteAll": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    ),
    ("pvc-storage-required", pvc, setter("spec.resources", {}), "spec.resources[storage]: Required value"),
]


@pytest.mark.parametrize(
    ("factory", "mutate", "expected"), [c[1:] for c in CREATE_CASES], ids=[c[0] for c in CREATE_CASES]
)
def test_create_rule(factory, mutate, expected):
    assert errors(build(factory, mutate)) == expected.split("\n")


def updated(factory, mutate, old_mutate=None):
    old = build(factory, old_mutate)
    old["metadata"]["resourceVersion"] = "5"
    new = copy.deepcopy(old)
    mutate(new)
    return [str(e) for e in validate_update(new, old)]


UPDATE_CASES = [
    (
        "deploy-selector-immutable",
        deployment,
        lambda o: (
            o["spec"]["selector"]["matchLabels"].update(tier="a"),
            o["spec"]["template"]["metadata"]["labels"].update(tier="a"),
        ),
        'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"a"}}: field is immutable',
    ),
    (
        "rs-selector-immutable",
        replicaset,
        lambda o: (
            o["spec"]["selector"]["matchLabels"].update(tier="a"),
            o["spec"]["template"]["metadata"]["labels"].update(tier="a"),
        ),
        'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"a"}}: field is immutable',
    ),
    (
        "ds-selector-immutable",
        daemonset,
        lambda o: (
            o["spec"]["selector"]["matchLabels"].update(tier="a"),
            o["spec"]["template"]["metadata"]["labels"].update(tier="a"),
        ),
        'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"a"}}: field is immutable',
    ),
    (
        "sts-forbidden-update",
        statefulset,
        setter("spec.serviceName", "other"),
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
        "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
    (
        "name-immutable",
        configmap,
        setter("metadata.name", "other"),
        'metadata.name: Invalid value: "other": field is immutable',
    ),
    (
        "resource-version-required",
        configmap,
        setter("metadata.resourceVersion", ""),
        'metadata.resourceVersion: Invalid value: "": must be specified for an update',
    ),
    (
        "svc-cluster-ip-immutable",
        service,
        setter("spec.clusterIPs", ["10.0.0.2"]),
        'spec.clusterIPs[0]: Invalid value: ["10.0.0.2"]: may not change once set',
    ),
    (
        "cm-immutable-data",
        configmap,
        setter("data", {"a": "2"}),
        "data: Forbidden: field is immutable when `immutable` is set",
    ),
    (
        "cm-immutable-flag",
        configmap,
        setter("immutable", False),
        "immutable: Forbidden: field is immutable when `immutable` is set",
    ),
    (
        "secret-type-immutable",
        secret,
        setter("type", "kubernetes.io/basic-auth"),
        'type: Invalid value: "kubernetes.io/basic-auth": field is immutable',
    ),
    (
        "pvc-spec-immutable",
        pvc,
        setter("spec.accessModes", ["ReadWriteMany"]),
        "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
    ),
]

_OLD = {
    "svc-cluster-ip-immutable": lambda o: o["spec"].update(clusterIP="10.0.0.1", clusterIPs=["10.0.0.1"]),
    "cm-immutable-data": setter("immutable", True),
    "cm-immutable-flag": setter("immutable", True),
}


@pytest.mark.parametrize(("case_id", "factory", "mutate", "expected"), UPDATE_CASES, ids=[c[0] for c in UPDATE_CASES])
def test_update_rule(case_id, factory, mutate, expected):
    assert updated(factory, mutate, _OLD.get(case_id)) == [expected]


def test_sts_mutable_fields_may_change():
    def change(o):
        o["spec"]["replicas"] = 5
        o["spec"]["minReadySeconds"] = 3
        o["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"

    assert updated(statefulset, change) == []


STATUS_CASES = [
    (
        "deploy-available-above-replicas",
        deployment,
        {"replicas": 2, "readyReplicas": 3, "availableReplicas": 3},
        None,
        [
            "status.readyReplicas: Invalid value: 3: cannot be greater than status.replicas",
            "status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas",
        ],
    ),
    (
        "deploy-available-above-ready",
        deployment,
        {"replicas": 3, "readyReplicas": 1, "availableReplicas": 2},
        None,
        ["status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas"],
    ),
    (
        "deploy-negative",
        deployment,
        {"replicas": 1, "unavailableReplicas": -1},
        None,
        ["status.unavailableReplicas: Invalid value: -1: must be greater than or equal to 0"],
    ),
    (
        "deploy-collision-decrement",
        deployment,
        {"collisionCount": 0},
        {"collisionCount": 1},
        ["status.collisionCount: Invalid value: 0: cannot be decremented"],
    ),
    (
        "rs-fully-labeled",
        replicaset,
        {"replicas": 1, "fullyLabeledReplicas": 2},
        None,
        ["status.fullyLabeledReplicas: Invalid value: 2: cannot be greater than status.replicas"],
    ),
    (
        "sts-available-above-ready",
        statefulset,
        {"replicas": 3, "readyReplicas": 1, "availableReplicas": 2},
        None,
        ["status.availableReplicas: Invalid value: 2: cannot be greater than status.readyReplicas"],
    ),
    (
        "ds-negative",
        daemonset,
        {"numberReady": -1},
        None,
        ["status.numberReady: Invalid value: -1: must be greater than or equal to 0"],
    ),
]


@pytest.mark.parametrize(
    ("factory", "new_status", "old_status", "expected"), [c[1:] for c in STATUS_CASES], ids=[c[0] for c in STATUS_CASES]
)
def test_status_rule(factory, new_status, old_status, expected):
    old = build(factory)
    old["metadata"]["resourceVersion"] = "5"
    old["status"] = old_status or {}
    new = copy.deepcopy(old)
    new["status"] = new_status
    assert [str(e) for e in validate_status_update(new, old)] == expected


def test_controller_revision_data_required_and_immutable():
    rev = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": "r", "namespace": "d"},
        "revision": 1,
    }
    assert errors(rev) == ["data: Required value: data is mandatory"]
    rev["data"] = {"a": 1}
    rev["metadata"]["resourceVersion"] = "1"
    new = copy.deepcopy(rev)
    new["data"] = {"a": 2}
    new["revision"] = 2
    assert [str(e) for e in validate_update(new, rev)] == ['data: Invalid value: {"a":2}: field is immutable']


OTHER_CASES = [
    (
        "job-restart-policy",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "j", "namespace": "d"},
            "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "b"}]}}},
        },
        'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ),
    (
        "lease-duration",
        {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": "l", "namespace": "d"},
            "spec": {"leaseDurationSeconds": 0},
        },
        "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
    ),
    (
        "slice-address-type",
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {"name": "s", "namespace": "d"},
            "addressType": "IPv5",
            "endpoints": [],
        },
        'addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"',
    ),
    (
        "pdb-both",
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "p", "namespace": "d"},
            "spec": {"minAvailable": 1, "maxUnavailable": 1},
        },
        'spec: Invalid value: {"maxUnavailable":1,"minAvailable":1}: minAvailable and maxUnavailable cannot be both set',
    ),
    (
        "sc-provisioner",
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"}},
        "provisioner: Required value",
    ),
    (
        "sc-cluster-scoped",
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": "fast", "namespace": "d"},
            "provisioner": "x.io/y",
        },
        "metadata.namespace: Forbidden: not allowed on this type",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), [c[1:] for c in OTHER_CASES], ids=[c[0] for c in OTHER_CASES])
def test_other_groups(obj, expected):
    apply_defaults(obj)
    assert errors(obj) == [expected]


NAME_CASES = [
    ("label-ok", is_dns1123_label, "my-name", []),
    ("label-dots", is_dns1123_label, "a.b", ["must not contain dots"]),
    ("label-upper", is_dns1123_label, "A", [LABEL_MSG]),
    ("label-too-long", is_dns1123_label, "a" * 64, ["must be no more than 63 characters"]),
    ("subdomain-ok", is_dns1123_subdomain, "example.com", []),
    ("subdomain-bad", is_dns1123_subdomain, "-a", [SUBDOMAIN_MSG]),
    # a final newline is not the end of the name (Go's `$`, unlike Python's, matches only at the end)
    ("label-final-newline", is_dns1123_label, "web\n", [LABEL_MSG]),
    ("subdomain-final-newline", is_dns1123_subdomain, "example.com\n", [SUBDOMAIN_MSG]),
    ("dns1035-final-newline", is_dns1035_label, "web\n", [DNS1035_MSG]),
    ("percent-final-newline", is_valid_percent, "25%\n", [PERCENT_MSG]),
    ("configmap-key-final-newline", is_config_map_key, "key\n", [CONFIG_MAP_KEY_MSG]),
    ("port-name-final-newline", is_valid_port_name, "http\n", [PORT_CHARSET_MSG]),
]


@pytest.mark.parametrize(("fn", "value", "expected"), [c[1:] for c in NAME_CASES], ids=[c[0] for c in NAME_CASES])
def test_name_atoms(fn, value, expected):
    assert fn(value) == expected


def test_object_meta_generate_name_allows_trailing_dash():
    assert validate_object_meta({"generateName": "web-", "name": "web-abcde", "namespace": "d"}, True) == []
