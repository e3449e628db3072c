"""End-to-end: the `Pod Template:` block (one function for describe and rollout history) as kubectl 1.37 prints it.

A Deployment whose template uses what the block shows (labels and annotations over several lines,
a service account, init containers, named and unnamed ports, a multi-line env value, envFrom with a
prefix, resources, a probe, mounts, three volume types, topology spread constraints, a priority
class, node selectors, tolerations) is described by kubectl and kubeferry; the outputs must match
byte for byte (`rollout history --revision` keeps kubectl's raw tabs, `describe` aligns them).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import apply

MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: tpl}
spec:
  replicas: 0
  selector: {matchLabels: {app: tpl}}
  template:
    metadata:
      labels: {app: tpl, tier: web, zone: a}
      annotations: {a1: x, b2: "y"}
    spec:
      priorityClassName: high
      nodeSelector: {disk: ssd, kind: fast}
      tolerations:
      - {key: k1, operator: Equal, value: v1, effect: NoSchedule}
      - {key: k2, operator: Exists, effect: NoExecute, tolerationSeconds: 30}
      serviceAccountName: sa1
      initContainers:
      - {name: init, image: busybox, command: [sh, -c, "echo hi"]}
      containers:
      - name: web
        image: nginx:1.25
        ports: [{containerPort: 80, name: http}, {containerPort: 443}]
        env: [{name: A, value: "l1\\nl2"}, {name: B, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
        envFrom: [{configMapRef: {name: cm1}, prefix: P_}, {secretRef: {name: s1}}]
        resources: {limits: {cpu: 500m, memory: 128Mi}, requests: {cpu: 100m}}
        readinessProbe: {httpGet: {path: /, port: 80}}
        volumeMounts: [{name: data, mountPath: /data}, {name: cfg, mountPath: /cfg, readOnly: true}]
      volumes:
      - {name: data, emptyDir: {}}
      - {name: cfg, configMap: {name: cm1}}
      - {name: sec, secret: {secretName: s1}}
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: tpl}}}
      - {maxSkew: 2, topologyKey: host, whenUnsatisfiable: ScheduleAnyway}
"""


def kubeferry(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kubeferry.cli.main", *args],
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=60,
    )


@pytest.fixture
def template_ns(server, ns, tmp_path):
    apply(server, ns, tmp_path, MANIFEST)
    return ns


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["describe", "deployment", "tpl"], id="describe-deployment"),
        pytest.param(["rollout", "history", "deployment/tpl", "--revision=1"], id="rollout-history-revision"),
    ],
)
def test_pod_template_matches_kubectl(server, template_ns, args):
    expected = server.kubectl(*args, "-n", template_ns)
    got = kubeferry(server, *args, "-n", template_ns)
    assert (got.stdout, got.stderr, got.returncode) == (expected.stdout, expected.stderr, expected.returncode)


def test_history_block_keeps_kubectl_raw_form(server, template_ns):
    """Pins the quirks the shared function keeps (parity alone would pass a shared mistake)."""
    got = kubeferry(server, "rollout", "history", "-n", template_ns, "deployment/tpl", "--revision=1").stdout
    lines = got.splitlines()
    assert "\ttier=web" in lines and "\tkind=fast" in lines  # bare-tab continuation lines
    assert "   data:" in lines and "    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)" in lines
    assert lines.index("  Priority Class Name:\thigh") + 1 == lines.index("  Node-Selectors:\tdisk=ssd")
    assert "  Topology Spread Constraints:\thost:ScheduleAnyway when max skew 2 is exceeded" in lines
    assert "  \tzone:DoNotSchedule when max skew 1 is exceeded for selector app=tpl" in lines
    assert "    Ports:\t80/TCP (http), 443/TCP" in lines
    assert "      cm1\tConfigMap with prefix 'P_'\tOptional: false" in lines
