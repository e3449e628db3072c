"""`kubeferry demo` end to end: the chapter's commands in the chapter's order, every step checked, exit 0."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e

# The commands the chapter runs, in its order, as the demo shows them (pod names normalised).
CHAPTER = [
    "kubeferry apply -f ex-deployment.yml",
    "kubeferry rollout status deployment my-app",
    "kubeferry proxy --port 8001 &",
    "for i in $(seq 5); do curl 127.0.0.1:<port>/api/v1/namespaces/default/services/my-app-svc:80/proxy/; done",
    "kubeferry set image deployment my-app app=alpine:3.6",
    "kubeferry rollout status deployment my-app",
    "for i in $(seq 5); do curl 127.0.0.1:<port>/api/v1/namespaces/default/services/my-app-svc:80/proxy/; done",
    "kubeferry rollout history deployment my-app",
    'kubeferry patch deployment my-app -p \'{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"DEMO","value":"1"}]}]}}}}\' --record',
    "kubeferry rollout status deployment my-app",
    "kubeferry rollout history deployment my-app",
    "kubeferry rollout undo deployment my-app",
    "kubeferry rollout status deployment my-app",
    "kubeferry rollout history deployment my-app",
    "kubeferry rollout undo deployment my-app --to-revision=1",
    "kubeferry rollout status deployment my-app",
    "for i in $(seq 5); do curl 127.0.0.1:<port>/api/v1/namespaces/default/services/my-app-svc:80/proxy/; done",
    "kubeferry rollout pause deployment my-app",
    "kubeferry set image deployment my-app app=alpine:3.7",
    "kubeferry rollout history deployment my-app",
    "for i in $(seq 5); do curl 127.0.0.1:<port>/api/v1/namespaces/default/services/my-app-svc:80/proxy/; done",
    "kubeferry rollout resume deployment my-app",
    "kubeferry rollout status deployment my-app",
    "for i in $(seq 5); do curl 127.0.0.1:<port>/api/v1/namespaces/default/services/my-app-svc:80/proxy/; done",
    "kubeferry replace -f ex-deployment-new.yml",
    "kubeferry rollout status deployment my-app",
    "kubeferry apply -f ex-deployment.yml",
    "kubeferry apply view-last-applied -f ex-deployment.yml",
    "kubeferry apply -f ex-daemonset.yml",
    "kubeferry set image daemonset my-daemon app=alpine:3.6",
    "kubeferry rollout status daemonset my-daemon",
    "kubeferry get pods -l app=my-daemon -o 'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image'",
    "kubeferry delete pod my-daemon-<pod>",
    "kubeferry get pods -l app=my-daemon -o 'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image'",
    'kubeferry patch daemonset my-daemon -p \'{"spec":{"updateStrategy":{"type":"RollingUpdate"}}}\'',
    "kubeferry rollout status daemonset my-daemon",
    "kubeferry get pods -l app=my-daemon -o 'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image'",
    "kubeferry rollout pause daemonset my-daemon",
    "kubeferry apply -f ex-statefulset.yml",
    "kubeferry rollout status statefulset my-sts",
    "kubeferry set image statefulset my-sts app=alpine:3.6",
    "kubeferry rollout status statefulset my-sts",
    "kubeferry get pods -l app=my-sts -o 'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image'",
    'kubeferry patch statefulset my-sts -p \'{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}\'',
    "kubeferry rollout status statefulset my-sts",
    "kubeferry get pods -l app=my-sts -o 'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image'",
]


def test_demo_runs_the_chapter_and_every_step_matches(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KUBECONFIG": str(tmp_path / "untouched")}
    result = subprocess.run(
        [sys.executable, "-m", "kubeferry.cli.main", "demo"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    out = result.stdout
    assert result.returncode == 0, out[-4000:] + result.stderr[-2000:]
    commands = [
        re.sub(r"my-daemon-[a-z0-9]{5}\b", "my-daemon-<pod>", re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", line[2:]))
        for line in out.splitlines()
        if line.startswith("$ ")
    ]
    assert commands == CHAPTER
    assert "\u2717" not in out
    assert out.rstrip().endswith(f"\u2713 all {out.count(chr(0x2713)) - 1} steps matched.")
    # what the chapter shows: versions interleaving, CHANGE-CAUSE, the immutable clusterIP, partition
    assert re.search(r"\d+ requests: [1-9]\d* from v-3\.5, [1-9]\d* from v-3\.6; 0 failed", out)
    assert "3         kubeferry patch deployment my-app --patch=" in out
    assert 'spec.clusterIPs[0]: Invalid value: ["10.96.0.10' in out
    assert "partitioned roll out complete: 1 new pods have been updated..." in out
    # a throw-away cluster: nothing left in the user's kubeconfig or home
    assert not (tmp_path / "untouched").exists()
