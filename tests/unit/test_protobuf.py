"""Protobuf request bodies: real kubectl 1.37.1 captures decode to exact JSON and re-encode byte for byte.

Hand-built bodies (written with the small wire writer below, independent of the code under test)
cover the special types and every way a body must be refused with a 400.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kubeferry.apiserver.protobuf import MAGIC, decode_protobuf_object, encode_protobuf_object
from kubeferry.machinery.status import StatusError

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "protobuf"


# --- a minimal protobuf wire writer ------------------------------------------------------------


def varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64 values travel as 10-byte two's complement
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def vint(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def ld(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return varint(number << 3 | 2) + varint(len(data)) + data


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    return MAGIC + ld(1, ld(1, api_version) + ld(2, kind)) + ld(2, raw) + ld(3, "") + ld(4, "")


def refused(body: bytes) -> StatusError:
    with pytest.raises(StatusError) as caught:
        decode_protobuf_object(body)
    assert caught.value.code == 400
    assert caught.value.reason == "BadRequest"
    return caught.value


# --- captured kubectl bodies ---------------------------------------------------------------------

CAPTURED = {
    "create-deployment": {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}], "resources": {}}
                    ]
                },
            },
            "strategy": {},
        },
    },
    "create-deployment-zero-replicas": {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "idle", "labels": {"app": "idle"}},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "idle"}},
            "template": {
                "metadata": {"labels": {"app": "idle"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "resources": {}}]},
            },
            "strategy": {},
        },
    },
    "create-namespace": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}, "spec": {}},
    "create-configmap": {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "app-config"},
        "data": {"level": "3", "mode": "prod"},
    },
    "create-secret-generic": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db-pass"},
        "data": {"password": "czNjcjN0"},
    },
    "create-secret-generic-empty-value": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "bin"},
        "data": {"a": ""},
        "type": "Opaque",
    },
    "create-service-clusterip": {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
            "selector": {"app": "web"},
            "type": "ClusterIP",
        },
    },
    "create-serviceaccount": {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "builder"}},
    "create-job": {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "once"},
        "spec": {
            "template": {
                "metadata": {},
                "spec": {
                    "containers": [{"name": "once", "image": "busybox:1.36", "resources": {}}],
                    "restartPolicy": "Never",
                },
            }
        },
    },
    "create-job-with-command": {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "hello"},
        "spec": {
            "template": {
                "metadata": {},
                "spec": {
                    "containers": [
                        {"name": "hello", "image": "busybox:1.36", "command": ["echo", "hi"], "resources": {}}
                    ],
                    "restartPolicy": "Never",
                },
            }
        },
    },
    "create-token": {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "metadata": {},
        "spec": {"audiences": ["api"], "expirationSeconds": 3600},
    },
    "auth-can-i-create-deployments": {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "metadata": {},
        "spec": {
            "resourceAttributes": {"namespace": "default", "verb": "create", "group": "apps", "resource": "deployments"}
        },
    },
    "auth-can-i-subresource": {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "metadata": {},
        "spec": {
            "resourceAttributes": {"namespace": "kube-system", "verb": "get", "resource": "pods", "subresource": "log"}
        },
    },
    "auth-can-i-list": {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectRulesReview",
        "metadata": {},
        "spec": {"namespace": "default"},
    },
    "auth-whoami": {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview", "metadata": {}},
}


def test_every_fixture_has_an_expectation():
    assert sorted(p.stem for p in FIXTURES.glob("*.bin")) == sorted(CAPTURED)


@pytest.mark.parametrize("name", sorted(CAPTURED))
def test_captured_body_decodes_to_json(name):
    assert decode_protobuf_object((FIXTURES / f"{name}.bin").read_bytes()) == CAPTURED[name]


@pytest.mark.parametrize("name", sorted(CAPTURED))
def test_encoding_the_decoded_object_gives_kubectls_bytes(name):
    body = (FIXTURES / f"{name}.bin").read_bytes()
    assert encode_protobuf_object(CAPTURED[name]) == body


def test_go_writes_zero_scalars_that_the_decoded_form_drops():
    # kubectl's namespace body carries generateName "", generation 0 and an empty creationTimestamp
    # (ObjectMeta fields 2, 7, 8); none of them reach the JSON form.
    body = (FIXTURES / "create-namespace.bin").read_bytes()
    empty_strings = ld(2, "") + ld(3, "") + ld(4, "") + ld(5, "") + ld(6, "")
    assert ld(1, "team-a") + empty_strings + vint(7, 0) + ld(8, b"") in body
    assert decode_protobuf_object(body)["metadata"] == {"name": "team-a"}


# --- special types ---------------------------------------------------------------------------------

DEPLOYMENT_META = ld(1, "web")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            ld(1, ld(1, "web") + ld(8, vint(1, 1795773600))),
            {"metadata": {"name": "web", "creationTimestamp": "2026-11-27T10:00:00Z"}},
            id="time-seconds-rfc3339",
        ),
        pytest.param(
            ld(1, ld(1, "web") + ld(8, vint(1, 0))),
            {"metadata": {"name": "web", "creationTimestamp": "1970-01-01T00:00:00Z"}},
            id="time-explicit-epoch-kept",
        ),
        pytest.param(ld(1, ld(1, "web") + ld(8, b"")), {"metadata": {"name": "web"}}, id="time-empty-is-go-zero"),
        pytest.param(
            ld(1, ld(1, "web") + ld(9, vint(1, 1795773600))),
            {"metadata": {"name": "web", "deletionTimestamp": "2026-11-27T10:00:00Z"}},
            id="time-pointer",
        ),
        pytest.param(
            ld(1, ld(1, "web")) + ld(2, vint(1, 0) + vint(5, 0) + vint(7, 0)),
            {"metadata": {"name": "web"}, "spec": {"replicas": 0}},
            id="pointer-zero-kept-value-zero-dropped",
        ),
        pytest.param(
            ld(
                2,
                ld(
                    4,
                    ld(1, "RollingUpdate")
                    + ld(2, ld(1, vint(1, 1) + ld(3, "25%")) + ld(2, vint(1, 0) + vint(2, 0) + ld(3, ""))),
                ),
            ),
            {
                "spec": {
                    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 0}}
                }
            },
            id="int-or-string",
        ),
        pytest.param(
            ld(
                2,
                ld(
                    3,
                    ld(
                        2,
                        ld(
                            2,
                            ld(1, "c")
                            + ld(
                                8,
                                ld(1, ld(1, "cpu") + ld(2, ld(1, "500m")))
                                + ld(1, ld(1, "memory") + ld(2, ld(1, "64Mi"))),
                            ),
                        ),
                    ),
                ),
            ),
            {
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [{"name": "c", "resources": {"limits": {"cpu": "500m", "memory": "64Mi"}}}]
                        }
                    }
                }
            },
            id="quantity-map",
        ),
        pytest.param(
            ld(2, ld(3, ld(2, ld(2, ld(1, "c") + ld(6, vint(3, 0)))))),
            {"spec": {"template": {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 0}]}]}}}},
            id="non-omitempty-zero-kept",
        ),
        pytest.param(
            ld(2, ld(3, ld(2, ld(2, ld(1, "c") + vint(16, 0) + vint(17, 1))))),
            {"spec": {"template": {"spec": {"containers": [{"name": "c", "stdinOnce": True}]}}}},
            id="bool-false-dropped-true-kept",
        ),
        pytest.param(
            ld(
                1,
                ld(
                    17,
                    ld(1, "kubectl")
                    + ld(2, "Update")
                    + ld(3, "apps/v1")
                    + ld(6, "FieldsV1")
                    + ld(7, ld(1, b'{"f:spec":{}}')),
                ),
            ),
            {
                "metadata": {
                    "managedFields": [
                        {
                            "manager": "kubectl",
                            "operation": "Update",
                            "apiVersion": "apps/v1",
                            "fieldsType": "FieldsV1",
                            "fieldsV1": {"f:spec": {}},
                        }
                    ]
                }
            },
            id="fields-v1-raw-json",
        ),
        pytest.param(
            ld(3, vint(1, 0) + vint(2, 0) + vint(3, 0)),
            {},
            id="zero-status-dropped",
        ),
        pytest.param(
            ld(3, vint(1, 4) + vint(2, 3)),
            {"status": {"observedGeneration": 4, "replicas": 3}},
            id="non-zero-status-kept",
        ),
    ],
)
def test_deployment_wire_forms(raw, expected):
    assert decode_protobuf_object(envelope("apps/v1", "Deployment", raw)) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        **expected,
    }


def test_secret_bytes_are_base64():
    raw = ld(1, ld(1, "s")) + ld(2, ld(1, "blob") + ld(2, b"\x00\xff\x10"))
    assert decode_protobuf_object(envelope("v1", "Secret", raw))["data"] == {"blob": "AP8Q"}


def test_subject_access_review_extra_is_a_list_of_strings():
    spec = ld(3, "alice") + ld(4, "system:authenticated") + ld(5, ld(1, "scopes") + ld(2, ld(1, "a") + ld(1, "b")))
    body = envelope("authorization.k8s.io/v1", "SubjectAccessReview", ld(2, spec))
    assert decode_protobuf_object(body)["spec"] == {
        "user": "alice",
        "groups": ["system:authenticated"],
        "extra": {"scopes": ["a", "b"]},
    }


def test_ephemeral_container_common_is_inlined():
    ephemeral = ld(1, ld(1, "debug") + ld(2, "busybox")) + ld(2, "app")
    raw = ld(2, ld(2, ld(1, "app")) + ld(34, ephemeral))
    assert decode_protobuf_object(envelope("v1", "Pod", raw))["spec"] == {
        "containers": [{"name": "app"}],
        "ephemeralContainers": [{"name": "debug", "image": "busybox", "targetContainerName": "app"}],
    }


def test_bound_object_ref_uid_uses_its_json_name():
    raw = ld(2, ld(3, ld(1, "Pod") + ld(2, "v1") + ld(3, "p") + ld(4, "1234")))
    body = envelope("authentication.k8s.io/v1", "TokenRequest", raw)
    assert decode_protobuf_object(body)["spec"] == {
        "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p", "uid": "1234"}
    }


def test_micro_time_keeps_microseconds():
    from kubeferry.apiserver.protobuf import MICRO_TIME, _format_time, _schema

    micro = _schema().classes[MICRO_TIME](seconds=1795773600, nanos=5_000_123)
    assert _format_time(MICRO_TIME, micro) == "2026-11-27T10:00:00.005000Z"


# --- refusals ----------------------------------------------------------------------------------------

DEPLOYMENT = envelope("apps/v1", "Deployment", ld(1, ld(1, "web")))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            DEPLOYMENT[4:], "the protobuf body does not start with the Kubernetes magic prefix k8s\\x00", id="no-magic"
        ),
        pytest.param(
            b'{"kind":"Deployment"}',
            "the protobuf body does not start with the Kubernetes magic prefix k8s\\x00",
            id="json-body",
        ),
        pytest.param(DEPLOYMENT[:-6], None, id="truncated-envelope"),
        pytest.param(
            MAGIC + ld(1, ld(1, "apps/v1") + ld(2, "Deployment")) + ld(2, ld(1, ld(1, "web"))[:-2]),
            None,
            id="truncated-object",
        ),
        pytest.param(
            envelope("apps/v1", "Widget", b""),
            'no kind "Widget" is registered for version "apps/v1" in protobuf bodies',
            id="unknown-kind",
        ),
        pytest.param(
            envelope("apps/v2", "Deployment", b""),
            'no kind "Deployment" is registered for version "apps/v2" in protobuf bodies',
            id="unknown-version",
        ),
        pytest.param(envelope("", "", b""), "Object 'Kind' is missing in the protobuf body", id="no-kind"),
        pytest.param(
            envelope("apps/v1", "Deployment", ld(2, vint(99, 1))),
            "unknown field 99 in io.k8s.api.apps.v1.DeploymentSpec at spec",
            id="unknown-field-in-spec",
        ),
        pytest.param(
            envelope("apps/v1", "Deployment", ld(1, ld(1, "web")) + vint(42, 7)),
            "unknown field 42 in io.k8s.api.apps.v1.Deployment",
            id="unknown-field-at-root",
        ),
        pytest.param(
            envelope("apps/v1", "Deployment", ld(2, ld(3, ld(2, ld(2, ld(1, "a")) + ld(2, ld(1, "b") + ld(77, "x")))))),
            "unknown field 77 in io.k8s.api.core.v1.Container at spec.template.spec.containers[1]",
            id="unknown-field-in-container",
        ),
        pytest.param(
            envelope("v1", "ConfigMap", ld(1, ld(11, ld(1, "app") + ld(2, "web")) + ld(13, ld(1, "x") + vint(9, 1)))),
            "unknown field 9 in io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference at metadata.ownerReferences[0]",
            id="unknown-field-in-owner-reference",
        ),
        pytest.param(
            DEPLOYMENT + vint(5, 1),
            "unknown field 5 in io.k8s.apimachinery.pkg.runtime.Unknown",
            id="unknown-field-in-envelope",
        ),
        pytest.param(
            envelope("apps/v1", "Deployment", vint(2, 3)),
            "field 2 (spec) in io.k8s.api.apps.v1.Deployment has the wrong wire type varint",
            id="wrong-wire-type",
        ),
        pytest.param(
            MAGIC + ld(1, ld(1, "v1") + ld(2, "Secret")) + ld(2, b"") + ld(3, "gzip") + ld(4, ""),
            'unsupported protobuf contentEncoding "gzip"',
            id="content-encoding",
        ),
        pytest.param(
            envelope("apps/v1", "Deployment", ld(1, ld(17, ld(7, ld(1, b"{not json"))))),
            None,
            id="fields-v1-not-json",
        ),
    ],
)
def test_bad_bodies_are_refused_with_400(body, message):
    error = refused(body)
    if message is not None:
        assert error.message == message
    else:
        assert error.message.startswith(("invalid protobuf ", "invalid JSON in "))


# --- encoding --------------------------------------------------------------------------------------

RICH_OBJECTS = [
    pytest.param(
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "prod", "annotations": {"a": "b"}},
            "spec": {
                "replicas": 3,
                "serviceName": "db",
                "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["db"]}]},
                "template": {
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "db",
                                "image": "postgres:17",
                                "env": [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                                "readinessProbe": {"tcpSocket": {"port": "pg"}, "periodSeconds": 5},
                                "resources": {"requests": {"cpu": "250m"}},
                            }
                        ],
                        "terminationGracePeriodSeconds": 0,
                        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
                    },
                },
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data"},
                        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
                    }
                ],
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
            },
        },
        id="statefulset",
    ),
    pytest.param(
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "agent", "creationTimestamp": "2026-11-27T10:00:00Z"},
            "spec": {
                "selector": {"matchLabels": {"app": "agent"}},
                "template": {
                    "metadata": {"labels": {"app": "agent"}},
                    "spec": {
                        "containers": [{"name": "a", "image": "agent:1", "resources": {}}],
                        "volumes": [{"name": "logs", "hostPath": {"path": "/var/log", "type": ""}}],
                    },
                },
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "10%"}},
            },
        },
        id="daemonset",
    ),
    pytest.param(
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "nightly"},
            "spec": {
                "schedule": "0 3 * * *",
                "suspend": False,
                "jobTemplate": {
                    "metadata": {},
                    "spec": {
                        "backoffLimit": 0,
                        "template": {
                            "metadata": {},
                            "spec": {
                                "containers": [{"name": "j", "image": "busybox", "resources": {}}],
                                "restartPolicy": "OnFailure",
                            },
                        },
                    },
                },
            },
        },
        id="cronjob-pointer-false-and-zero",
    ),
    pytest.param(
        {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "metadata": {},
            "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}, "user": "bob", "uid": "7"},
        },
        id="subject-access-review",
    ),
]


@pytest.mark.parametrize("obj", RICH_OBJECTS)
def test_encode_then_decode_returns_the_object(obj):
    body = encode_protobuf_object(obj)
    assert body.startswith(MAGIC)
    assert decode_protobuf_object(body) == obj


def test_encoded_deployment_matches_kubectl_bytes_from_a_json_written_by_hand():
    obj = {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "spec": {
            "template": {
                "spec": {"containers": [{"image": "nginx:1.27", "name": "nginx", "ports": [{"containerPort": 80}]}]},
                "metadata": {"labels": {"app": "web"}},
            },
            "selector": {"matchLabels": {"app": "web"}},
            "replicas": 2,
        },
        "metadata": {"labels": {"app": "web"}, "name": "web"},
    }
    assert encode_protobuf_object(obj) == (FIXTURES / "create-deployment.bin").read_bytes()


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        pytest.param(
            {"apiVersion": "v1", "kind": "Widget"},
            'no kind "Widget" is registered for version "v1" in protobuf bodies',
            id="unknown-kind",
        ),
        pytest.param(
            {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicaz": 1}},
            'unknown field "spec.replicaz" for protobuf io.k8s.api.apps.v1.DeploymentSpec',
            id="unknown-key",
        ),
        pytest.param(
            {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": "2"}},
            "spec.replicas: expected int32, got '2'",
            id="wrong-type",
        ),
        pytest.param(
            {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 2**31}},
            "spec.replicas: 2147483648 does not fit in an int32",
            id="int32-overflow",
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "Secret", "data": {"k": "%%%"}},
            "data[k]: illegal base64 data",
            id="bad-base64",
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"creationTimestamp": "yesterday"}},
            'metadata.creationTimestamp: invalid RFC 3339 time "yesterday"',
            id="bad-time",
        ),
    ],
)
def test_encode_refuses_what_it_cannot_represent(obj, message):
    with pytest.raises(StatusError) as caught:
        encode_protobuf_object(obj)
    assert caught.value.code == 400
    assert caught.value.message == message


def test_import_is_cheap_and_the_descriptor_pool_is_built_lazily():
    code = "import sys, kubeferry.apiserver.protobuf; print('google.protobuf' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
