"""Traffic through Services and pods: the proxy subresources, `kubectl proxy` / `kubeferry proxy` in
front of them, ConfigMaps reaching containers, and zero failed requests during a rolling update.

A server on the virtual clock; the test owns time (clock/advance), so every step is exact.
"""

from __future__ import annotations

import itertools
import json
import re
import ssl
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request

import pytest
from conftest import start_server

from kubeferry.cluster import certs

pytestmark = pytest.mark.e2e

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-app
spec:
  replicas: 5
  strategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: 1}
  selector:
    matchLabels: {app: my-app}
  template:
    metadata:
      labels: {app: my-app}
      annotations:
        sim.kubeferry.io/startup-seconds: "2"
        sim.kubeferry.io/ready-seconds: "1"
        sim.kubeferry.io/http-response: "{pod}-v-{tag} is running..."
    spec:
      containers:
      - name: app
        image: alpine:3.5
        ports: [{containerPort: 5000}]
---
apiVersion: v1
kind: Service
metadata: {name: my-app-svc}
spec:
  selector: {app: my-app}
  ports: [{port: 80, targetPort: 5000}]
"""


@pytest.fixture(scope="module")
def vserver(tmp_path_factory):
    srv = start_server(
        tmp_path_factory.mktemp("traffic"),
        "--clock",
        "virtual",
        "--start-time",
        "2026-01-01T00:00:00Z",
        "--volume-sync-seconds",
        "10",
    )
    yield srv
    srv.stop()


_names = itertools.count()


@pytest.fixture
def ns(vserver) -> str:
    name = f"traffic-{next(_names)}"
    result = vserver.kubectl("create", "namespace", name)
    assert result.returncode == 0, result.stderr
    return name


class Client:
    """Plain HTTPS requests with the admin token: quick enough to send hundreds per test."""

    def __init__(self, server):
        self.server = server
        self.context = ssl.create_default_context(cafile=str(server.data_dir / certs.CA_CERT))

    def request(self, path: str, method: str = "GET", body: dict | None = None) -> tuple[int, str]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server.url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.server.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, context=self.context, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def advance(self, seconds: float) -> None:
        code, text = self.request("/kubeferry/v1/clock/advance", "POST", {"seconds": seconds})
        assert code == 200, text


def apply(server, ns: str, tmp_path, text: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(textwrap.dedent(text))
    result = server.kubectl("apply", "-n", ns, "-f", str(path))
    assert result.returncode == 0, result.stderr


def svc_path(ns: str, rest: str = "") -> str:
    return f"/api/v1/namespaces/{ns}/services/my-app-svc:80/proxy/{rest}"


def test_service_proxy_answers_round_robin_with_the_template(vserver, ns, tmp_path):
    client = Client(vserver)
    apply(vserver, ns, tmp_path, APP)
    client.advance(5)
    pods = json.loads(vserver.kubectl("get", "pods", "-n", ns, "-o", "json").stdout)["items"]
    names = sorted(p["metadata"]["name"] for p in pods)
    answers = [client.request(svc_path(ns)) for _ in range(10)]
    assert {code for code, _ in answers} == {200}
    bodies = [text for _, text in answers]
    assert sorted(set(bodies)) == [f"{n}-v-3.5 is running...\n" for n in names]
    # round-robin: every pod once in each run of five
    assert len(set(bodies[:5])) == 5 and bodies[:5] == bodies[5:]
    # the pre-1.10 path is an alias
    code, text = client.request(f"/api/v1/proxy/namespaces/{ns}/services/my-app-svc:80/")
    assert code == 200 and text.endswith("-v-3.5 is running...\n")
    # the pod proxy reaches one pod on its container port
    code, text = client.request(f"/api/v1/namespaces/{ns}/pods/{names[0]}:5000/proxy/anything")
    assert (code, text) == (200, f"{names[0]}-v-3.5 is running...\n")


@pytest.fixture(scope="module")
def errors_ns(vserver, tmp_path_factory) -> str:
    name = f"traffic-{next(_names)}"
    assert vserver.kubectl("create", "namespace", name).returncode == 0
    lonely = """\
        apiVersion: v1
        kind: Service
        metadata: {name: lonely}
        spec:
          selector: {app: nobody}
          ports: [{port: 80}]
        """
    apply(vserver, name, tmp_path_factory.mktemp("errors"), APP + "---\n" + textwrap.dedent(lonely))
    Client(vserver).advance(5)
    return name


@pytest.mark.parametrize(
    "path_tail, code, reason, message",
    [
        ("services/nope:80/proxy/", 404, "NotFound", 'services "nope" not found'),
        (
            "services/my-app-svc:81/proxy/",
            503,
            "ServiceUnavailable",
            'no service port 81 found for service "my-app-svc"',
        ),
        ("services/a:b:c:d/proxy/", 400, "BadRequest", 'invalid service request "a:b:c:d"'),
        ("services/ftp:my-app-svc:80/proxy/", 400, "BadRequest", 'invalid service request "ftp:my-app-svc:80"'),
        ("services/lonely:80/proxy/", 503, "ServiceUnavailable", 'no endpoints available for service "lonely"'),
        ("pods/nope:80/proxy/", 404, "NotFound", 'pods "nope" not found'),
    ],
    ids=["missing-service", "unknown-port", "bad-name", "bad-scheme", "no-endpoints", "missing-pod"],
)
def test_proxy_errors_are_upstreams(vserver, errors_ns, path_tail, code, reason, message):
    got_code, text = Client(vserver).request(f"/api/v1/namespaces/{errors_ns}/{path_tail}")
    status = json.loads(text)
    assert (got_code, status["kind"], status["reason"], status["message"]) == (code, "Status", reason, message)


def test_a_container_not_listening_is_a_503(vserver, ns, tmp_path):
    client = Client(vserver)
    apply(vserver, ns, tmp_path, APP)
    client.advance(5)
    pod = json.loads(vserver.kubectl("get", "pods", "-n", ns, "-o", "json").stdout)["items"][0]
    code, text = client.request(f"/api/v1/namespaces/{ns}/pods/{pod['metadata']['name']}:6000/proxy/")
    assert code == 503
    assert json.loads(text)["message"] == (
        f"error trying to reach service: dial tcp {pod['status']['podIP']}:6000: connect: connection refused"
    )


def test_rolling_update_interleaves_versions_and_no_request_fails(vserver, ns, tmp_path):
    client = Client(vserver)
    apply(vserver, ns, tmp_path, APP)
    client.advance(5)
    result = vserver.kubectl("set", "image", "-n", ns, "deployment/my-app", "app=alpine:3.6")
    assert result.returncode == 0, result.stderr
    seen: list[str] = []
    failures = 0
    mixed_rounds = 0
    for _ in range(40):
        round_versions = set()
        for _ in range(6):
            code, text = client.request(svc_path(ns))
            if code != 200:
                failures += 1
                continue
            version = re.search(r"-v-([\d.]+) is running", text).group(1)
            round_versions.add(version)
            seen.append(version)
        mixed_rounds += round_versions == {"3.5", "3.6"}
        client.advance(0.5)
    assert failures == 0
    assert mixed_rounds >= 1  # old and new answered side by side during the rollout
    assert seen[0] == "3.5" and set(seen[-12:]) == {"3.6"}
    assert len(seen) == 240


def test_configmap_reaches_volumes_after_the_sync_period_and_env_at_restart(vserver, ns, tmp_path):
    client = Client(vserver)
    apply(
        vserver,
        ns,
        tmp_path,
        """\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cfg}
        data: {greeting: hello, demo: "1"}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          labels: {app: web}
          annotations:
            sim.kubeferry.io/http-response: "env={env:DEMO} file={file:/etc/cfg/greeting} sub={file:/etc/one}"
        spec:
          containers:
          - name: app
            image: alpine:3.5
            ports: [{containerPort: 8080}]
            env:
            - {name: DEMO, valueFrom: {configMapKeyRef: {name: cfg, key: demo}}}
            volumeMounts:
            - {name: cfg, mountPath: /etc/cfg}
            - {name: cfg, mountPath: /etc/one, subPath: greeting}
          volumes:
          - {name: cfg, configMap: {name: cfg}}
        """,
    )
    client.advance(1)
    pod_path = f"/api/v1/namespaces/{ns}/pods/web:8080/proxy/"
    assert client.request(pod_path) == (200, "env=1 file=hello sub=hello\n")
    result = vserver.kubectl("patch", "configmap", "cfg", "-n", ns, "-p", '{"data":{"greeting":"bye","demo":"2"}}')
    assert result.returncode == 0, result.stderr
    client.advance(9)
    assert client.request(pod_path) == (200, "env=1 file=hello sub=hello\n")  # 9 s < the 10 s sync period
    client.advance(1.5)
    # the volume shows the new data; env keeps what the container started with, and a subPath mount is
    # never refreshed (as upstream)
    assert client.request(pod_path) == (200, "env=1 file=bye sub=hello\n")
    # a new container (the pod recreated) reads the new values everywhere
    assert vserver.kubectl("delete", "pod", "web", "-n", ns, "--wait=false").returncode == 0
    client.advance(1)
    assert client.request(pod_path)[0] == 404


def test_kubectl_proxy_and_kubeferry_proxy_serve_the_same(vserver, ns, tmp_path):
    client = Client(vserver)
    apply(vserver, ns, tmp_path, APP)
    client.advance(5)
    for argv in (
        vserver.kubectl_argv("proxy", "--port", "0"),
        [sys.executable, "-m", "kubeferry.cli.main", "proxy", "--port", "0"],
    ):
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=vserver.env())
        try:
            line = proc.stdout.readline()
            match = re.fullmatch(r"Starting to serve on 127\.0\.0\.1:(\d+)\n", line)
            assert match, line
            base = f"http://127.0.0.1:{match.group(1)}"
            with urllib.request.urlopen(
                base + f"/api/v1/proxy/namespaces/{ns}/services/my-app-svc:80/", timeout=10
            ) as r:
                assert r.status == 200 and r.read().decode().endswith("-v-3.5 is running...\n")
            with urllib.request.urlopen(base + f"/apis/apps/v1/namespaces/{ns}/deployments/my-app", timeout=10) as r:
                assert json.loads(r.read())["metadata"]["name"] == "my-app"
            # a host outside --accept-hosts is filtered
            req = urllib.request.Request(base + "/api", headers={"Host": "evil.example.com"})
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(req, timeout=10)
            assert info.value.code == 403 and info.value.read() == b"Forbidden\n"
        finally:
            proc.terminate()
            proc.wait(timeout=10)
