"""Pods whose ConfigMaps are missing, seen through the real kubectl: held until the ConfigMap exists.

A server on the virtual clock; the test owns time, so every step is exact.  The env case shows
`CreateContainerConfigError` in `kubectl get pod`, the volume case `ContainerCreating`; the events
carry upstream's messages; creating the ConfigMap lets both pods run.
"""

from __future__ import annotations

import pytest
from conftest import advance, apply, get, settle, start_server

pytestmark = pytest.mark.e2e

PODS = """\
apiVersion: v1
kind: Pod
metadata:
  name: env-pod
  annotations: {sim.kubeferry.io/startup-seconds: "2", sim.kubeferry.io/ready-seconds: "1"}
spec:
  containers:
  - name: app
    image: nginx:1.25
    env:
    - {name: COLOUR, valueFrom: {configMapKeyRef: {name: app-config, key: colour}}}
---
apiVersion: v1
kind: Pod
metadata:
  name: vol-pod
  annotations: {sim.kubeferry.io/startup-seconds: "2", sim.kubeferry.io/ready-seconds: "1"}
spec:
  containers:
  - name: app
    image: nginx:1.25
    volumeMounts: [{name: cfg, mountPath: /etc/cfg}]
  volumes:
  - {name: cfg, configMap: {name: app-config}}
"""


@pytest.fixture(scope="module")
def vserver(tmp_path_factory):
    srv = start_server(
        tmp_path_factory.mktemp("missing-config"), "--clock", "virtual", "--start-time", "2026-01-01T00:00:00Z"
    )
    yield srv
    srv.stop()


def status_column(server, ns: str) -> dict[str, str]:
    result = server.kubectl("get", "pods", "-n", ns, "--no-headers")
    assert result.returncode == 0, result.stderr
    return {line.split()[0]: line.split()[2] for line in result.stdout.splitlines()}


def test_pods_wait_for_a_missing_configmap_and_run_once_it_exists(vserver, tmp_path):
    ns = "missing-config"
    assert vserver.kubectl("create", "namespace", ns).returncode == 0
    apply(vserver, ns, tmp_path, PODS)
    settle(vserver)
    advance(vserver, 25)
    assert status_column(vserver, ns) == {"env-pod": "CreateContainerConfigError", "vol-pod": "ContainerCreating"}
    pods = {p["metadata"]["name"]: p for p in get(vserver, ns, "pods")["items"]}
    assert pods["env-pod"]["status"]["phase"] == "Pending"
    assert pods["env-pod"]["status"]["containerStatuses"][0]["state"]["waiting"] == {
        "message": 'configmap "app-config" not found',
        "reason": "CreateContainerConfigError",
    }
    assert "podIP" not in pods["vol-pod"]["status"]

    described = vserver.kubectl("describe", "pod", "env-pod", "-n", ns)
    assert described.returncode == 0, described.stderr
    # the attempts at 2, 12 and 22 s: one event, counted three times
    failed = [line for line in described.stdout.splitlines() if "Warning  Failed" in line]
    assert len(failed) == 1 and "(x3 over " in failed[0], described.stdout
    assert failed[0].endswith('spec.containers{app}: Error: configmap "app-config" not found')
    events = vserver.kubectl(
        "get", "events", "-n", ns, "--field-selector", "reason=FailedMount", "-o", "jsonpath={.items[*].message}"
    )
    assert events.returncode == 0, events.stderr
    assert events.stdout == 'MountVolume.SetUp failed for volume "cfg" : configmap "app-config" not found'

    result = vserver.kubectl("create", "configmap", "app-config", "-n", ns, "--from-literal=colour=blue")
    assert result.returncode == 0, result.stderr
    settle(vserver)
    advance(vserver, 3)
    assert status_column(vserver, ns) == {"env-pod": "Running", "vol-pod": "Running"}
    pods = {p["metadata"]["name"]: p for p in get(vserver, ns, "pods")["items"]}
    # env-pod starts when the ConfigMap appears (25 s); vol-pod mounts then and starts 2 s later.
    assert pods["env-pod"]["status"]["containerStatuses"][0]["state"]["running"]["startedAt"] == "2026-01-01T00:00:25Z"
    assert pods["vol-pod"]["status"]["containerStatuses"][0]["state"]["running"]["startedAt"] == "2026-01-01T00:00:27Z"
    assert all(c["status"] == "True" for c in pods["env-pod"]["status"]["conditions"])
