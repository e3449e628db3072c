"""`kubeferry describe daemonset|statefulset` prints what kubectl 1.37 prints (event ages aside)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import start_server

pytestmark = pytest.mark.e2e

DS = """apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  labels: {tier: infra}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata:
      labels: {app: agent}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      containers:
      - {name: agent, image: "busybox:1.36"}
"""

STS = """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - {name: db, image: "redis:7.0"}
  volumeClaimTemplates:
  - metadata: {name: data, labels: {kind: cache}}
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: standard
      resources: {requests: {storage: 2Gi}}
"""

AGE = re.compile(r"^(\s+\S+\s+\S+\s+)\S+(\s+.*)$")


@pytest.fixture(scope="module")
def vserver(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("describe"), "--clock", "virtual")
    for text, name in ((DS, "ds.yaml"), (STS, "sts.yaml")):
        path = srv.data_dir / name
        path.write_text(text)
        assert srv.kubectl("apply", "-f", str(path)).returncode == 0
    body = srv.data_dir / "advance.json"
    body.write_text(json.dumps({"seconds": 2}))
    for _ in range(4):
        srv.kubectl("create", "--raw", "/kubeferry/v1/clock/advance", "-f", str(body))
    yield srv
    srv.stop()


def without_event_ages(text: str) -> list[str]:
    lines = text.splitlines()
    if "Events:" in lines:
        start = lines.index("Events:")
        lines = lines[:start] + [AGE.sub(r"\1AGE\2", line) for line in lines[start:]]
    return lines


@pytest.mark.parametrize("target", [["daemonset", "agent"], ["statefulset", "db"]], ids=["daemonset", "statefulset"])
def test_describe_matches_kubectl(vserver, target):
    theirs = vserver.kubectl("describe", *target)
    ours = subprocess.run(
        [sys.executable, "-m", "kubeferry.cli.main", "describe", *target],
        capture_output=True,
        text=True,
        env=vserver.env(),
        timeout=60,
    )
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    assert without_event_ages(ours.stdout) == without_event_ages(theirs.stdout)


POD_AGE = re.compile(r"^(  .*\(\d+%\)\s+)\S+$")
POD_ON_NODE = """apiVersion: v1
kind: Pod
metadata: {name: sized, namespace: default}
spec:
  nodeName: kubeferry-node-2
  initContainers:
  - {name: init, image: "busybox:1.36", resources: {requests: {cpu: 900m}}}
  containers:
  - {name: a, image: "nginx:1", resources: {requests: {cpu: 250m, memory: 64Mi}, limits: {cpu: "1", memory: 128Mi}}}
  - {name: b, image: "nginx:1", resources: {requests: {cpu: 100m, memory: 512Mi}, limits: {memory: 1Gi}}}
"""


@pytest.fixture(scope="module")
def node_server(vserver):
    path = vserver.data_dir / "pod-on-node.yaml"
    path.write_text(POD_ON_NODE)
    assert vserver.kubectl("apply", "-f", str(path)).returncode == 0
    assert (
        vserver.kubectl(
            "taint", "node", "kubeferry-node-2", "dedicated=db:NoSchedule", "gpu:PreferNoSchedule"
        ).returncode
        == 0
    )
    assert vserver.kubectl("label", "node", "kubeferry-node-2", "node-role.kubernetes.io/worker=").returncode == 0
    return vserver


@pytest.mark.parametrize(
    "target",
    [["node", "kubeferry-node-2"], ["node"], ["node", "kubeferry-node"], ["nodes", "-l", "kubernetes.io/os=linux"]],
    ids=["by-name", "all", "name-prefix", "selector"],
)
def test_describe_node_matches_kubectl(node_server, target):
    theirs = node_server.kubectl("describe", *target)
    ours = subprocess.run(
        [sys.executable, "-m", "kubeferry.cli.main", "describe", *target],
        capture_output=True,
        text=True,
        env=node_server.env(),
        timeout=60,
    )
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    assert "Non-terminated Pods:" in ours.stdout and "Allocated resources:" in ours.stdout
    # cpu requests: the 900m init container outweighs 250m + 100m; memory 64Mi + 512Mi = 576Mi of 16Gi
    assert re.search(r"  default +sized +900m \(22%\) +1 \(25%\) +576Mi \(3%\) +1152Mi \(7%\) ", ours.stdout)

    def masked(text: str) -> list[str]:  # the pod table's last column is the pod's age on the wall clock
        return [POD_AGE.sub(r"\1AGE", line) for line in without_event_ages(text)]

    assert masked(ours.stdout) == masked(theirs.stdout)


def test_events_of_one_instant_are_listed_in_the_order_they_happened(vserver):
    # kubectl sorts a pod's events by lastTimestamp and keeps the listing's (name) order among equal
    # ones; upstream's names end in the nanosecond each was made, and on the virtual clock ours count
    # up within an instant, so one instant's events read as they happened.
    described = vserver.kubectl("describe", "pod", "db-0")
    assert described.returncode == 0, described.stderr
    events = described.stdout.split("Events:", 1)[1].splitlines()
    reasons = [line.split()[1] for line in events if line.startswith("  Normal") or line.startswith("  Warning")]
    assert reasons == ["Scheduled", "Pulling", "Pulled", "Created", "Started"], described.stdout


def test_a_kubelets_events_show_its_node_as_their_source(vserver):
    # upstream's kubelet records with source {component: kubelet, host: <node>}: `get events -o wide`
    # shows it in SOURCE as "kubelet, <node>"; the scheduler's have no host.
    node = vserver.kubectl("get", "pod", "db-0", "-o", "jsonpath={.spec.nodeName}").stdout
    listed = vserver.kubectl("get", "events", "-o", "wide", "--field-selector", "involvedObject.name=db-0")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[2]: line for line in listed.stdout.splitlines()[1:]}  # by REASON
    assert f" kubelet, {node} " in rows["Started"], listed.stdout
    assert " default-scheduler " in rows["Scheduled"] and "default-scheduler," not in rows["Scheduled"]
