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
        [sys.executable, "-m", "kubeferry.cli.main", "describe", *target], capture_output=True, text=True, env=vserver.env(), timeout=60
    )
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    assert without_event_ages(ours.stdout) == without_event_ages(theirs.stdout)
