"""Pure parts of traffic: proxy target resolution, what a simulated container answers, ConfigMap views."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from kubeferry.machinery import status as st
from kubeferry.registry import proxy
from kubeferry.simulation import mounts, serving

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


# --- proxy targets ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("web", ("", "web", "")),
        ("web:80", ("", "web", "80")),
        ("web:http", ("", "web", "http")),
        ("https:web:443", ("https", "web", "443")),
        ("http:web:", ("http", "web", "")),
    ],
    ids=["name", "name-port", "named-port", "scheme", "scheme-no-port"],
)
def test_split_name(text, parsed):
    assert proxy.split_name(text, "service") == parsed


@pytest.mark.parametrize(
    "text", ["a:b:c:d", "ftp:web:80", ":80", "https::443"], ids=["four", "scheme", "no-name", "empty-name"]
)
def test_split_name_refuses(text):
    with pytest.raises(st.StatusError) as info:
        proxy.split_name(text, "pod")
    assert (info.value.code, info.value.message) == (400, f'invalid pod request "{text}"')


SERVICE = {
    "metadata": {"name": "web"},
    "spec": {"ports": [{"name": "http", "port": 80}, {"name": "metrics", "port": 9090}]},
}


def _endpoints(*subsets):
    return {"metadata": {"name": "web"}, "subsets": list(subsets)}


def _address(ip, pod):
    return {"ip": ip, "targetRef": {"kind": "Pod", "namespace": "default", "name": pod}}


def test_service_targets_by_number_and_name_ready_only():
    eps = _endpoints(
        {
            "addresses": [_address("10.0.0.1", "a"), _address("10.0.0.2", "b")],
            "notReadyAddresses": [_address("10.0.0.3", "c")],
            "ports": [{"name": "http", "port": 8080}, {"name": "metrics", "port": 9100}],
        }
    )
    by_number = proxy.service_targets(SERVICE, eps, "80")
    assert by_number == [proxy.Target("10.0.0.1", 8080, "default", "a"), proxy.Target("10.0.0.2", 8080, "default", "b")]
    assert proxy.service_targets(SERVICE, eps, "metrics") == [
        proxy.Target("10.0.0.1", 9100, "default", "a"),
        proxy.Target("10.0.0.2", 9100, "default", "b"),
    ]


@pytest.mark.parametrize(
    "eps, port, message",
    [
        (_endpoints(), "80", 'no endpoints available for service "web"'),
        (
            _endpoints({"notReadyAddresses": [_address("10.0.0.3", "c")], "ports": [{"name": "http", "port": 8080}]}),
            "80",
            'no endpoints available for service "web"',
        ),
        (
            _endpoints({"addresses": [_address("10.0.0.1", "a")], "ports": [{"name": "http", "port": 8080}]}),
            "81",
            'no service port 81 found for service "web"',
        ),
        (
            _endpoints({"addresses": [_address("10.0.0.1", "a")], "ports": [{"name": "http", "port": 8080}]}),
            "grpc",
            'no endpoints available for service "web"',
        ),
    ],
    ids=["no-subsets", "only-not-ready", "unknown-number", "unknown-name"],
)
def test_service_targets_503(eps, port, message):
    with pytest.raises(st.StatusError) as info:
        proxy.service_targets(SERVICE, eps, port)
    assert (info.value.code, info.value.reason, info.value.message) == (503, "ServiceUnavailable", message)


def test_pod_target():
    pod = {"metadata": {"name": "p", "namespace": "ns"}, "status": {"podIP": "10.1.2.3"}}
    assert proxy.pod_target(pod, "") == proxy.Target("10.1.2.3", 80, "ns", "p")
    assert proxy.pod_target(pod, "8080") == proxy.Target("10.1.2.3", 8080, "ns", "p")
    with pytest.raises(st.StatusError) as info:
        proxy.pod_target({"metadata": {"name": "p"}, "status": {}}, "80")
    assert (info.value.code, info.value.message) == (400, "address not allowed")


# --- what a container answers -------------------------------------------------------------------


def _pod(annotations=None, image="alpine:3.6", ports=(5000,), running_since="2026-01-01T00:00:00Z", **container):
    status = {
        "podIP": "10.244.1.7",
        "containerStatuses": [{"name": "app", "state": {"running": {"startedAt": running_since}}}],
    }
    if running_since is None:
        status["containerStatuses"][0]["state"] = {"waiting": {"reason": "ContainerCreating"}}
    return {
        "metadata": {"name": "my-app-5d9c7b5f6-x2x9q", "namespace": "default", "annotations": annotations or {}},
        "spec": {
            "nodeName": "kubeferry-node-1",
            "containers": [
                {"name": "app", "image": image, "ports": [{"containerPort": p} for p in ports], **container}
            ],
            "volumes": container.pop("volumes", []),
        },
        "status": status,
    }


@pytest.mark.parametrize(
    "image, tag",
    [
        ("alpine:3.6", "3.6"),
        ("alpine", "latest"),
        ("repo:5000/app", "latest"),
        ("repo:5000/app:1.2", "1.2"),
        ("app@sha256:ab", "sha256:ab"),
    ],
    ids=["tag", "none", "registry-port", "registry-port-tag", "digest"],
)
def test_image_tag(image, tag):
    assert serving.image_tag(image) == tag


def test_default_answer_names_pod_and_image():
    answer = serving.respond(_pod(), 5000, "GET", at(5), rules=[], history=mounts.ContentHistory())
    assert (answer.status, answer.body, answer.refused) == (
        200,
        b"my-app-5d9c7b5f6-x2x9q alpine:3.6 is running...\n",
        "",
    )


def test_template_fields_and_status():
    pod = _pod(
        {
            "sim.kubeferry.io/http-response": "{pod}-v-{tag} on {node} {image} {unknown}",
            "sim.kubeferry.io/http-status": "503",
        },
        env=[{"name": "A", "value": "x"}],
    )
    answer = serving.respond(pod, 5000, "GET", at(5), rules=[], history=mounts.ContentHistory())
    assert answer.status == 503
    assert answer.body == b"my-app-5d9c7b5f6-x2x9q-v-3.6 on kubeferry-node-1 alpine:3.6 {unknown}\n"
    assert serving.respond(pod, 5000, "HEAD", at(5), rules=[], history=mounts.ContentHistory()).body == b""


@pytest.mark.parametrize(
    "pod, port",
    [(_pod(), 6000), (_pod(running_since=None), 5000)],
    ids=["port-not-declared", "not-running"],
)
def test_refused(pod, port):
    answer = serving.respond(pod, port, "GET", at(5), rules=[], history=mounts.ContentHistory())
    assert answer.refused == f"dial tcp 10.244.1.7:{port}: connect: connection refused"


def test_no_declared_ports_answers_on_any_port():
    answer = serving.respond(_pod(ports=()), 1234, "GET", at(5), rules=[], history=mounts.ContentHistory())
    assert answer.status == 200 and answer.body.endswith(b"is running...\n")


# --- ConfigMaps and Secrets ---------------------------------------------------------------------


def _cm(**data):
    return {"data": data}


def test_history_versions_and_env_fixed_at_start_volume_after_sync():
    history = mounts.ContentHistory()
    history.record("ConfigMap", "default", "cfg", _cm(demo="1", greeting="hello"), at(0))
    history.record("ConfigMap", "default", "cfg", _cm(demo="2", greeting="bye"), at(20))
    pod = _pod(
        {
            "sim.kubeferry.io/http-response": "{env:DEMO}/{env:ALL_greeting}/{file:/etc/cfg/greeting}/{file:/etc/cfg/missing}"
        },
        running_since="2026-01-01T00:00:05Z",
        env=[{"name": "DEMO", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "demo"}}}],
        envFrom=[{"prefix": "ALL_", "configMapRef": {"name": "cfg"}}],
        volumeMounts=[{"name": "v", "mountPath": "/etc/cfg"}],
        volumes=[{"name": "v", "configMap": {"name": "cfg"}}],
    )

    def body(seconds):
        return serving.respond(pod, 5000, "GET", at(seconds), rules=[], history=history, sync_seconds=10).body.decode()

    assert body(25) == "1/hello/hello/\n"  # changed at 20 s, not yet synced
    assert body(30) == "1/hello/bye/\n"  # 20 + 10: the volume shows it; env never changes
    restarted = _pod(
        pod["metadata"]["annotations"],
        running_since="2026-01-01T00:01:00Z",
        **{k: v for k, v in pod["spec"]["containers"][0].items() if k in ("env", "envFrom", "volumeMounts")},
        volumes=pod["spec"]["volumes"],
    )
    assert (
        serving.respond(restarted, 5000, "GET", at(61), rules=[], history=history, sync_seconds=10).body
        == b"2/bye/bye/\n"
    )


def test_secrets_items_projected_and_subpath():
    history = mounts.ContentHistory()
    secret = {"data": {"password": base64.b64encode(b"s3cret").decode()}}
    history.seed("Secret", "default", "creds", secret)
    history.seed("ConfigMap", "default", "cfg", _cm(a="A", b="B"))
    container = {
        "volumeMounts": [
            {"name": "s", "mountPath": "/secrets"},
            {"name": "p", "mountPath": "/projected"},
            {"name": "c", "mountPath": "/etc/only-b", "subPath": "renamed"},
        ]
    }
    pod = {
        "metadata": {"namespace": "default", "name": "p", "labels": {"app": "x"}},
        "spec": {
            "volumes": [
                {"name": "s", "secret": {"secretName": "creds"}},
                {
                    "name": "p",
                    "projected": {
                        "sources": [
                            {"configMap": {"name": "cfg", "items": [{"key": "a", "path": "dir/a.txt"}]}},
                            {
                                "downwardAPI": {
                                    "items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]
                                }
                            },
                        ]
                    },
                },
                {"name": "c", "configMap": {"name": "cfg", "items": [{"key": "b", "path": "renamed"}]}},
            ]
        },
    }
    lookup = history.lookup_at(at(0))
    assert mounts.read_file(pod, container, "/secrets/password", lookup) == "s3cret"
    assert mounts.read_file(pod, container, "/projected/dir/a.txt", lookup) == "A"
    assert mounts.read_file(pod, container, "/projected/labels", lookup) == 'app="x"\n'
    assert mounts.read_file(pod, container, "/etc/only-b", lookup) == "B"
    assert mounts.read_file(pod, container, "/elsewhere", lookup) is None


@pytest.mark.parametrize(
    "value, env, expanded",
    [("$(A)-$(B)", {"A": "1"}, "1-$(B)"), ("$$(A)", {"A": "1"}, "$(A)"), ("plain", {}, "plain")],
    ids=["known-and-unknown", "escaped", "plain"],
)
def test_dependent_env_expansion(value, env, expanded):
    assert mounts.expand(value, env) == expanded


def test_deleted_configmap_is_absent_and_identical_writes_are_not_versions():
    history = mounts.ContentHistory()
    history.record("ConfigMap", "ns", "c", _cm(a="1"), at(0))
    history.record("ConfigMap", "ns", "c", _cm(a="1"), at(5))
    history.record("ConfigMap", "ns", "c", None, at(10))
    assert history.as_of("ConfigMap", "ns", "c", at(7)) == {"a": "1"}
    assert history.as_of("ConfigMap", "ns", "c", at(10)) is None
    assert history.as_of("ConfigMap", "ns", "c", at(-1)) is None
