"""Defaulting (kube-apiserver v1.37 SetDefaults_*): one case per default, exact resulting values."""

from __future__ import annotations

import copy

import pytest

from kubeferry.api.defaults import apply_defaults, image_tag


def template(**container):
    return {
        "metadata": {"labels": {"app": "a"}},
        "spec": {"containers": [{"name": "a", "image": "nginx:1.25", **container}]},
    }


def obj(api_version, kind, spec=None, **top):
    out = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": "d"}}
    if spec is not None:
        out["spec"] = spec
    out.update(top)
    return out


def get(o, path):
    for part in path.split("."):
        o = o[int(part)] if part.isdigit() else o[part]
    return o


def absent(o, path):
    try:
        get(o, path)
    except (KeyError, IndexError):
        return True
    return False


CASES = [
    # Deployment
    ("deploy-replicas", obj("apps/v1", "Deployment", {"template": template()}), "spec.replicas", 1),
    (
        "deploy-strategy",
        obj("apps/v1", "Deployment", {"template": template()}),
        "spec.strategy",
        {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
    ),
    (
        "deploy-keeps-user-surge",
        obj("apps/v1", "Deployment", {"strategy": {"rollingUpdate": {"maxSurge": 0}}}),
        "spec.strategy.rollingUpdate",
        {"maxSurge": 0, "maxUnavailable": "25%"},
    ),
    (
        "deploy-recreate-no-rolling",
        obj("apps/v1", "Deployment", {"strategy": {"type": "Recreate"}}),
        "spec.strategy",
        {"type": "Recreate"},
    ),
    ("deploy-history", obj("apps/v1", "Deployment", {}), "spec.revisionHistoryLimit", 10),
    ("deploy-deadline", obj("apps/v1", "Deployment", {}), "spec.progressDeadlineSeconds", 600),
    ("rs-replicas", obj("apps/v1", "ReplicaSet", {}), "spec.replicas", 1),
    # DaemonSet
    (
        "ds-strategy",
        obj("apps/v1", "DaemonSet", {}),
        "spec.updateStrategy",
        {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
    ),
    (
        "ds-ondelete",
        obj("apps/v1", "DaemonSet", {"updateStrategy": {"type": "OnDelete"}}),
        "spec.updateStrategy",
        {"type": "OnDelete"},
    ),
    ("ds-history", obj("apps/v1", "DaemonSet", {}), "spec.revisionHistoryLimit", 10),
    # StatefulSet
    ("sts-policy", obj("apps/v1", "StatefulSet", {}), "spec.podManagementPolicy", "OrderedReady"),
    (
        "sts-strategy-empty",
        obj("apps/v1", "StatefulSet", {}),
        "spec.updateStrategy",
        {"type": "RollingUpdate", "rollingUpdate": {"partition": 0, "maxUnavailable": 1}},
    ),
    (
        "sts-rolling-without-stanza-stays-null",
        obj("apps/v1", "StatefulSet", {"updateStrategy": {"type": "RollingUpdate"}}),
        "spec.updateStrategy",
        {"type": "RollingUpdate"},
    ),
    (
        "sts-retention",
        obj("apps/v1", "StatefulSet", {}),
        "spec.persistentVolumeClaimRetentionPolicy",
        {"whenDeleted": "Retain", "whenScaled": "Retain"},
    ),
    ("sts-replicas", obj("apps/v1", "StatefulSet", {}), "spec.replicas", 1),
    ("sts-history", obj("apps/v1", "StatefulSet", {}), "spec.revisionHistoryLimit", 10),
    (
        "sts-claim-template",
        obj("apps/v1", "StatefulSet", {"volumeClaimTemplates": [{"metadata": {"name": "d"}, "spec": {}}]}),
        "spec.volumeClaimTemplates.0",
        {"metadata": {"name": "d"}, "spec": {"volumeMode": "Filesystem"}, "status": {"phase": "Pending"}},
    ),
    # Pod template / pod spec
    (
        "podspec-restart",
        obj("apps/v1", "Deployment", {"template": template()}),
        "spec.template.spec.restartPolicy",
        "Always",
    ),
    (
        "podspec-dns",
        obj("apps/v1", "Deployment", {"template": template()}),
        "spec.template.spec.dnsPolicy",
        "ClusterFirst",
    ),
    (
        "podspec-scheduler",
        obj("apps/v1", "Deployment", {"template": template()}),
        "spec.template.spec.schedulerName",
        "default-scheduler",
    ),
    (
        "podspec-grace",
        obj("apps/v1", "Deployment", {"template": template()}),
        "spec.template.spec.terminationGracePeriodSeconds",
        30,
    ),
    (
        "podspec-security",
        obj("apps/v1", "Deployment", {"template": template()}),
        "spec.template.spec.securityContext",
        {},
    ),
    (
        "container-message-path",
        obj("apps/v1", "Deployment", {"template": template()}),
        "spec.template.spec.containers.0.terminationMessagePath",
        "/dev/termination-log",
    ),
    (
        "container-message-policy",
        obj("apps/v1", "Deployment", {"template": template()}),
        "spec.template.spec.containers.0.terminationMessagePolicy",
        "File",
    ),
    (
        "pull-tagged",
        obj("apps/v1", "Deployment", {"template": template()}),
        "spec.template.spec.containers.0.imagePullPolicy",
        "IfNotPresent",
    ),
    (
        "pull-latest",
        obj("apps/v1", "Deployment", {"template": template(image="nginx:latest")}),
        "spec.template.spec.containers.0.imagePullPolicy",
        "Always",
    ),
    (
        "pull-untagged",
        obj("apps/v1", "Deployment", {"template": template(image="nginx")}),
        "spec.template.spec.containers.0.imagePullPolicy",
        "Always",
    ),
    (
        "container-port-protocol",
        obj("apps/v1", "Deployment", {"template": template(ports=[{"containerPort": 80}])}),
        "spec.template.spec.containers.0.ports.0",
        {"containerPort": 80, "protocol": "TCP"},
    ),
    (
        "probe",
        obj("apps/v1", "Deployment", {"template": template(livenessProbe={"httpGet": {"port": 80}})}),
        "spec.template.spec.containers.0.livenessProbe",
        {
            "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
            "timeoutSeconds": 1,
            "periodSeconds": 10,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
    ),
    (
        "probe-grpc-service",  # kubectl describe dereferences the service: a probe without one crashed it
        obj("apps/v1", "Deployment", {"template": template(readinessProbe={"grpc": {"port": 9090}})}),
        "spec.template.spec.containers.0.readinessProbe.grpc",
        {"port": 9090, "service": ""},
    ),
    (
        "probe-grpc-service-kept",
        obj("apps/v1", "Deployment", {"template": template(startupProbe={"grpc": {"port": 9090, "service": "h"}})}),
        "spec.template.spec.containers.0.startupProbe.grpc",
        {"port": 9090, "service": "h"},
    ),
    (
        "volume-empty-dir",
        obj("apps/v1", "Deployment", {"template": {"spec": {"volumes": [{"name": "v"}], "containers": []}}}),
        "spec.template.spec.volumes.0",
        {"name": "v", "emptyDir": {}},
    ),
    (
        "volume-configmap-mode",
        obj("apps/v1", "Deployment", {"template": {"spec": {"volumes": [{"name": "v", "configMap": {"name": "c"}}]}}}),
        "spec.template.spec.volumes.0.configMap",
        {"name": "c", "defaultMode": 420},
    ),
    (
        "env-field-ref",
        obj(
            "apps/v1",
            "Deployment",
            {"template": template(env=[{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}])},
        ),
        "spec.template.spec.containers.0.env.0.valueFrom.fieldRef",
        {"fieldPath": "metadata.name", "apiVersion": "v1"},
    ),
    # Pod only
    (
        "pod-requests-from-limits",
        obj("v1", "Pod", {"containers": [{"name": "a", "image": "b", "resources": {"limits": {"cpu": "1"}}}]}),
        "spec.containers.0.resources",
        {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}},
    ),
    ("pod-service-links", obj("v1", "Pod", {"containers": []}), "spec.enableServiceLinks", True),
    # Service
    ("svc-type", obj("v1", "Service", {"ports": [{"port": 80}]}), "spec.type", "ClusterIP"),
    ("svc-affinity", obj("v1", "Service", {"ports": [{"port": 80}]}), "spec.sessionAffinity", "None"),
    (
        "svc-port",
        obj("v1", "Service", {"ports": [{"port": 80}]}),
        "spec.ports.0",
        {"port": 80, "protocol": "TCP", "targetPort": 80},
    ),
    (
        "svc-named-target-kept",
        obj("v1", "Service", {"ports": [{"port": 80, "targetPort": "http"}]}),
        "spec.ports.0.targetPort",
        "http",
    ),
    ("svc-family-policy", obj("v1", "Service", {"selector": {"a": "b"}}), "spec.ipFamilyPolicy", "SingleStack"),
    ("svc-families", obj("v1", "Service", {"selector": {"a": "b"}}), "spec.ipFamilies", ["IPv4"]),
    (
        "svc-headless-no-selector",
        obj("v1", "Service", {"clusterIP": "None"}),
        "spec.ipFamilyPolicy",
        "RequireDualStack",
    ),
    ("svc-internal-traffic", obj("v1", "Service", {}), "spec.internalTrafficPolicy", "Cluster"),
    (
        "svc-nodeport-external-traffic",
        obj("v1", "Service", {"type": "NodePort"}),
        "spec.externalTrafficPolicy",
        "Cluster",
    ),
    ("svc-lb-node-ports", obj("v1", "Service", {"type": "LoadBalancer"}), "spec.allocateLoadBalancerNodePorts", True),
    (
        "svc-client-ip-timeout",
        obj("v1", "Service", {"sessionAffinity": "ClientIP"}),
        "spec.sessionAffinityConfig",
        {"clientIP": {"timeoutSeconds": 10800}},
    ),
    # Other core kinds
    ("secret-type", obj("v1", "Secret"), "type", "Opaque"),
    ("pvc-volume-mode", obj("v1", "PersistentVolumeClaim", {}), "spec.volumeMode", "Filesystem"),
    ("pv-reclaim", obj("v1", "PersistentVolume", {}), "spec.persistentVolumeReclaimPolicy", "Retain"),
    (
        "namespace-label",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}},
        "metadata.labels",
        {"kubernetes.io/metadata.name": "team"},
    ),
    (
        "endpoints-protocol",
        obj("v1", "Endpoints", subsets=[{"ports": [{"port": 80}]}]),
        "subsets.0.ports.0.protocol",
        "TCP",
    ),
    # Other groups
    ("job-completions", obj("batch/v1", "Job", {"template": template()}), "spec.completions", 1),
    ("job-parallelism", obj("batch/v1", "Job", {"template": template()}), "spec.parallelism", 1),
    ("job-backoff", obj("batch/v1", "Job", {"template": template()}), "spec.backoffLimit", 6),
    ("job-completion-mode", obj("batch/v1", "Job", {"template": template()}), "spec.completionMode", "NonIndexed"),
    (
        "job-replacement",
        obj("batch/v1", "Job", {"template": template()}),
        "spec.podReplacementPolicy",
        "TerminatingOrFailed",
    ),
    (
        "sc-reclaim",
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "s"}},
        "reclaimPolicy",
        "Delete",
    ),
    (
        "sc-binding",
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "s"}},
        "volumeBindingMode",
        "Immediate",
    ),
]


@pytest.mark.parametrize(("o", "path", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_default(o, path, expected):
    o = copy.deepcopy(o)
    apply_defaults(o)
    assert get(o, path) == expected


NOT_DEFAULTED = [
    (
        "template-no-service-links",
        obj("apps/v1", "Deployment", {"template": template()}),
        "spec.template.spec.enableServiceLinks",
    ),
    (
        "template-no-requests",
        obj("apps/v1", "Deployment", {"template": template(resources={"limits": {"cpu": "1"}})}),
        "spec.template.spec.containers.0.resources.requests",
    ),
    ("clusterip-no-external-policy", obj("v1", "Service", {}), "spec.externalTrafficPolicy"),
    ("external-name-no-families", obj("v1", "Service", {"type": "ExternalName"}), "spec.ipFamilies"),
    ("deploy-no-min-ready", obj("apps/v1", "Deployment", {}), "spec.minReadySeconds"),
]


@pytest.mark.parametrize(("o", "path"), [c[1:] for c in NOT_DEFAULTED], ids=[c[0] for c in NOT_DEFAULTED])
def test_not_defaulted(o, path):
    o = copy.deepcopy(o)
    apply_defaults(o)
    assert absent(o, path)


def test_defaulting_is_idempotent():
    o = obj("apps/v1", "Deployment", {"template": template(livenessProbe={"tcpSocket": {"port": 80}})})
    apply_defaults(o)
    once = copy.deepcopy(o)
    apply_defaults(o)
    assert o == once


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("nginx", "latest"),
        ("nginx:1.25", "1.25"),
        ("registry:5000/app", "latest"),
        ("app@sha256:abc", ""),
        ("r:5000/a:v1@sha256:x", "v1"),
    ],
)
def test_image_tag(image, tag):
    assert image_tag(image) == tag
