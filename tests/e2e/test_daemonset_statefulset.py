"""The chapter's DaemonSet section and a partitioned StatefulSet update, with the real kubectl on
the virtual clock."""

from __future__ import annotations

import json

import pytest
from conftest import advance, apply, start_server

pytestmark = pytest.mark.e2e

DS = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: my-ds
spec:
  selector:
    matchLabels:
      app: my-ds
  updateStrategy:
    type: OnDelete
  template:
    metadata:
      labels:
        app: my-ds
      annotations:
        sim.kubeferry.io/startup-seconds: "2"
    spec:
      containers:
      - name: agent
        image: busybox:1.36
"""

STS = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  clusterIP: None
  selector:
    app: web
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
      annotations:
        sim.kubeferry.io/startup-seconds: "2"
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: ["ReadWriteOnce"]
      resources:
        requests:
          storage: 1Gi
"""


@pytest.fixture
def vserver(tmp_path):
    srv = start_server(tmp_path / "c", "--clock", "virtual", "--nodes", "3")
    yield srv
    srv.stop()


def images(server, selector: str) -> dict[str, str]:
    pods = json.loads(server.kubectl("get", "pods", "-l", selector, "-o", "json").stdout)["items"]
    return {
        p["metadata"]["name"]: p["spec"]["containers"][0]["image"]
        for p in pods
        if not p["metadata"].get("deletionTimestamp")
    }


def test_daemonset_on_delete_then_rolling_update_and_undo(vserver, tmp_path):
    apply(vserver, None, tmp_path, DS)
    advance(vserver, 3)
    ds = json.loads(vserver.kubectl("get", "ds", "my-ds", "-o", "json").stdout)
    assert ds["status"]["desiredNumberScheduled"] == 3 and ds["status"]["numberAvailable"] == 3
    nodes = {
        p["spec"]["nodeName"]
        for p in json.loads(vserver.kubectl("get", "pods", "-l", "app=my-ds", "-o", "json").stdout)["items"]
    }
    assert len(nodes) == 3
    assert vserver.kubectl("set", "image", "ds/my-ds", "agent=busybox:1.37").returncode == 0
    advance(vserver, 5)
    assert set(images(vserver, "app=my-ds").values()) == {"busybox:1.36"}  # OnDelete: nothing moves
    status = vserver.kubectl("rollout", "status", "ds/my-ds")
    assert (
        status.returncode == 1 and "rollout status is only available for RollingUpdate strategy type" in status.stderr
    )
    victim = sorted(images(vserver, "app=my-ds"))[0]
    assert vserver.kubectl("delete", "pod", victim).returncode == 0
    advance(vserver, 3)
    assert sorted(images(vserver, "app=my-ds").values()) == ["busybox:1.36", "busybox:1.36", "busybox:1.37"]
    patch = '{"spec":{"updateStrategy":{"type":"RollingUpdate"}}}'
    assert vserver.kubectl("patch", "ds", "my-ds", "-p", patch).returncode == 0
    for _ in range(6):
        advance(vserver, 3)
    done = vserver.kubectl("rollout", "status", "ds/my-ds", "--timeout=5s")
    assert done.stdout.strip().endswith('daemon set "my-ds" successfully rolled out'), done.stdout + done.stderr
    assert set(images(vserver, "app=my-ds").values()) == {"busybox:1.37"}
    history = vserver.kubectl("rollout", "history", "ds/my-ds").stdout.split("\n")
    assert [line.split()[0] for line in history[2:] if line.strip()] == ["1", "2"]
    undo = vserver.kubectl("rollout", "undo", "ds/my-ds")
    assert undo.stdout.strip() == "daemonset.apps/my-ds rolled back", undo.stderr
    for _ in range(6):
        advance(vserver, 3)
    assert set(images(vserver, "app=my-ds").values()) == {"busybox:1.36"}


def test_statefulset_ordered_creation_partitioned_update_and_volumes(vserver, tmp_path):
    apply(vserver, None, tmp_path, STS)
    advance(vserver, 1)
    assert sorted(images(vserver, "app=web")) == ["web-0"]  # OrderedReady: one at a time
    for _ in range(4):
        advance(vserver, 2)
    assert sorted(images(vserver, "app=web")) == ["web-0", "web-1", "web-2"]
    pvcs = json.loads(vserver.kubectl("get", "pvc", "-o", "json").stdout)["items"]
    assert sorted((c["metadata"]["name"], c["status"]["phase"]) for c in pvcs) == [
        ("www-web-0", "Bound"),
        ("www-web-1", "Bound"),
        ("www-web-2", "Bound"),
    ]
    pod = json.loads(vserver.kubectl("get", "pod", "web-1", "-o", "json").stdout)
    assert pod["spec"]["hostname"] == "web-1" and pod["spec"]["subdomain"] == "web"
    partition = '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}}}'
    assert vserver.kubectl("patch", "sts", "web", "-p", partition).returncode == 0
    assert vserver.kubectl("set", "image", "sts/web", "nginx=nginx:1.26").returncode == 0
    for _ in range(5):
        advance(vserver, 2)
    assert images(vserver, "app=web") == {"web-0": "nginx:1.25", "web-1": "nginx:1.25", "web-2": "nginx:1.26"}
    status = vserver.kubectl("rollout", "status", "sts/web", "--timeout=5s")
    assert status.stdout.strip() == "partitioned roll out complete: 1 new pods have been updated...", (
        status.stdout + status.stderr
    )
    assert (
        vserver.kubectl(
            "patch", "sts", "web", "-p", '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}'
        ).returncode
        == 0
    )
    for _ in range(8):
        advance(vserver, 2)
    assert set(images(vserver, "app=web").values()) == {"nginx:1.26"}
    sts = json.loads(vserver.kubectl("get", "sts", "web", "-o", "json").stdout)
    assert sts["status"]["updatedReplicas"] == 3 and sts["status"]["currentRevision"] == sts["status"]["updateRevision"]


NODE = """\
apiVersion: v1
kind: Node
metadata:
  name: extra-node
  labels:
    kubernetes.io/hostname: extra-node
    kubernetes.io/os: linux
status:
  capacity: {cpu: "4", memory: 16Gi, pods: "110"}
  allocatable: {cpu: "4", memory: 16Gi, pods: "110"}
"""


def test_daemonset_follows_nodes_and_kubectl_refuses_pause(vserver, tmp_path):
    apply(vserver, None, tmp_path, DS.replace("type: OnDelete", "type: RollingUpdate"))
    advance(vserver, 3)
    paused = vserver.kubectl("rollout", "pause", "ds/my-ds")
    assert paused.returncode == 1 and 'daemonsets.apps "my-ds" pausing is not supported' in paused.stderr
    apply(vserver, None, tmp_path, NODE)
    advance(vserver, 3)
    placed = {
        p["spec"]["nodeName"]
        for p in json.loads(vserver.kubectl("get", "pods", "-l", "app=my-ds", "-o", "json").stdout)["items"]
    }
    assert "extra-node" in placed and len(placed) == 4
    for tag in ("1.37", "1.38"):
        assert vserver.kubectl("set", "image", "ds/my-ds", f"agent=busybox:{tag}").returncode == 0
        for _ in range(8):
            advance(vserver, 3)
    assert set(images(vserver, "app=my-ds").values()) == {"busybox:1.38"}
    back = vserver.kubectl("rollout", "undo", "ds/my-ds", "--to-revision=1")
    assert back.stdout.strip() == "daemonset.apps/my-ds rolled back", back.stderr
    for _ in range(8):
        advance(vserver, 3)
    assert set(images(vserver, "app=my-ds").values()) == {"busybox:1.36"}
    revisions = vserver.kubectl("rollout", "history", "ds/my-ds").stdout.split("\n")[2:]
    assert [line.split()[0] for line in revisions if line.strip()] == ["2", "3", "4"]


def test_statefulset_partition_updates_highest_ordinals_first_and_undo(vserver, tmp_path):
    apply(vserver, None, tmp_path, STS.replace("replicas: 3", "replicas: 5"))
    for _ in range(8):
        advance(vserver, 2)
    assert sorted(images(vserver, "app=web")) == [f"web-{i}" for i in range(5)]
    partition = '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":3}}}}'
    assert vserver.kubectl("patch", "sts", "web", "-p", partition).returncode == 0
    assert vserver.kubectl("set", "image", "sts/web", "nginx=nginx:1.26").returncode == 0
    advance(vserver, 1)
    assert images(vserver, "app=web").get("web-4") == "nginx:1.26" or "web-4" not in images(vserver, "app=web")
    assert images(vserver, "app=web")["web-3"] == "nginx:1.25"  # web-4 goes first
    for _ in range(5):
        advance(vserver, 2)
    got = images(vserver, "app=web")
    assert [got[f"web-{i}"] for i in range(5)] == ["nginx:1.25"] * 3 + ["nginx:1.26"] * 2
    status = vserver.kubectl("rollout", "status", "sts/web", "--timeout=5s")
    assert status.stdout.strip() == "partitioned roll out complete: 2 new pods have been updated...", (
        status.stdout + status.stderr
    )
    assert (
        vserver.kubectl(
            "patch", "sts", "web", "-p", '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}'
        ).returncode
        == 0
    )
    for _ in range(10):
        advance(vserver, 2)
    assert set(images(vserver, "app=web").values()) == {"nginx:1.26"}
    undo = vserver.kubectl("rollout", "undo", "sts/web")
    assert undo.stdout.strip() == "statefulset.apps/web rolled back", undo.stderr
    for _ in range(12):
        advance(vserver, 2)
    assert set(images(vserver, "app=web").values()) == {"nginx:1.25"}
    assert vserver.kubectl("scale", "sts", "web", "--replicas=2").returncode == 0
    for _ in range(8):
        advance(vserver, 2)
    assert sorted(images(vserver, "app=web")) == ["web-0", "web-1"]
    claims = json.loads(vserver.kubectl("get", "pvc", "-o", "json").stdout)["items"]
    assert sorted(c["metadata"]["name"] for c in claims) == [f"www-web-{i}" for i in range(5)]  # retained
