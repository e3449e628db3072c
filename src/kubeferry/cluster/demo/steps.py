"""The chapter, step by step: every command it runs, in its order, with what the book printed.

Each `run`/`curl`/`rollout_with_traffic` call is one checked step whose key names its section in
golden.txt.  Where kubectl 1.7 (the book) printed something other than kubectl 1.37 (the golden
file), the step says what the book showed.  Commands that are not the chapter's own (waiting for
pods, reading a generated name) run quietly.
"""

from __future__ import annotations

import json

PATCH_IMAGE = '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"alpine:3.6"}]}}}}'
PATCH_ENV = '{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"DEMO","value":"1"}]}]}}}}'
PODS_COLUMNS = "custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image"


def _pods(session, label: str) -> list[dict]:
    code, text = session.quiet("get", "pods", "-l", label, "-o", "json")
    return json.loads(text)["items"] if code == 0 else []


def _settled(session, label: str, count: int, image: str = "") -> bool:
    pods = _pods(session, label)
    if len(pods) != count:
        return False
    for pod in pods:
        if pod["metadata"].get("deletionTimestamp"):
            return False
        if image and pod["spec"]["containers"][0]["image"] != image:
            return False
        ready = [c for c in pod.get("status", {}).get("conditions", []) if c["type"] == "Ready"]
        if not ready or ready[0]["status"] != "True":
            return False
    return True


def deployment(s) -> None:
    s.chapter("Triggering updates")
    s.say("Create the Deployment my-app and its Service my-app-svc from the chapter's ex-deployment.yml.")
    s.run(
        "apply", "apply", "-f", "ex-deployment.yml", book='deployment "my-app" created / service "my-app-svc" created'
    )
    s.run("status-initial", "rollout", "status", "deployment", "my-app")

    s.chapter("Watching the responses")
    s.say("In a second terminal, `kubectl proxy` opens the API on localhost; the Service answers through it.")
    s.start_proxy("proxy")
    s.curl(
        "traffic-3.5",
        book="the path /api/v1/proxy/namespaces/default/services/my-app-svc:80/ (still served as an alias), "
        "and the full Alpine release (3.5.2)",
    )

    s.chapter("Rolling out a new image")
    s.run(
        "set-image", "set", "image", "deployment", "my-app", "app=alpine:3.6", book='deployment "my-app" image updated'
    )
    s.rollout_with_traffic(
        "status-set-image",
        "traffic-rollout",
        "rollout",
        "status",
        "deployment",
        "my-app",
        book="Waiting for rollout to finish: 3 of 5 updated replicas are available...",
    )
    s.curl("traffic-3.6")

    s.chapter("Rollout history and --record")
    s.run(
        "history-2",
        "rollout",
        "history",
        "deployment",
        "my-app",
        book='the header deployments "my-app" and blank causes',
    )
    s.run(
        "patch-record",
        "patch",
        "deployment",
        "my-app",
        "-p",
        PATCH_ENV,
        "--record",
        book='deployment "my-app" patched, without the deprecation warning',
    )
    s.run("status-patch", "rollout", "status", "deployment", "my-app")
    s.run(
        "history-3",
        "rollout",
        "history",
        "deployment",
        "my-app",
        book="kubectl patch deployment my-app --patch=... --record=true",
    )

    s.chapter("Rolling back")
    s.run("undo", "rollout", "undo", "deployment", "my-app", book='deployment "my-app" rolled back')
    s.run("status-undo", "rollout", "status", "deployment", "my-app")
    s.run("history-undo", "rollout", "history", "deployment", "my-app")
    s.run("undo-to-1", "rollout", "undo", "deployment", "my-app", "--to-revision=1")
    s.run("status-undo-to-1", "rollout", "status", "deployment", "my-app")
    s.curl("traffic-back-to-3.5")

    s.chapter("Pausing and resuming")
    s.run("pause", "rollout", "pause", "deployment", "my-app")
    s.run("set-image-paused", "set", "image", "deployment", "my-app", "app=alpine:3.7")
    s.say("Paused: the template changed, but no new ReplicaSet and no new revision appear.")
    s.run("history-paused", "rollout", "history", "deployment", "my-app")
    s.curl("traffic-paused")
    s.run("resume", "rollout", "resume", "deployment", "my-app")
    s.run("status-resume", "rollout", "status", "deployment", "my-app")
    s.curl("traffic-3.7")

    s.chapter("replace: a whole manifest, and an immutable field")
    code, cluster_ip = s.quiet("get", "service", "my-app-svc", "-o", "jsonpath={.spec.clusterIP}")
    other_ip = "10.96.0.100" if cluster_ip != "10.96.0.100" else "10.96.0.101"
    s.say(
        "The book replaced a Service whose manifest had no clusterIP; since Kubernetes 1.20 the API server keeps\n"
        f"the allocated one, so ex-deployment-new.yml names another address ({other_ip}) to meet the same rule."
    )
    s.write(
        "ex-deployment-new.yml",
        s.read("ex-deployment.yml").replace(
            "spec:\n  selector:\n    app: my-app\n", f"spec:\n  clusterIP: {other_ip}\n  selector:\n    app: my-app\n"
        ),
    )
    s.run(
        "replace",
        "replace",
        "-f",
        "ex-deployment-new.yml",
        book='deployment "my-app" replaced / The Service "my-app-svc" is invalid: spec.clusterIP: Invalid value: "": field is immutable',
    )
    s.run("status-replace", "rollout", "status", "deployment", "my-app")

    s.chapter("apply and the last-applied configuration")
    s.run("apply-again", "apply", "-f", "ex-deployment.yml")
    s.run(
        "view-last-applied",
        "apply",
        "view-last-applied",
        "-f",
        "ex-deployment.yml",
        book="`kubectl apply -f ex-deployment.yml view-last-applied`, which kubectl 1.37 rejects",
    )


def daemonset(s) -> None:
    s.chapter("Updating a DaemonSet: OnDelete, then RollingUpdate")
    s.run("ds-apply", "apply", "-f", "ex-daemonset.yml")
    s.wait_for("the DaemonSet's pods", lambda: _settled(s, "app=my-daemon", 3))
    s.run("ds-set-image", "set", "image", "daemonset", "my-daemon", "app=alpine:3.6")
    s.run("ds-status-ondelete", "rollout", "status", "daemonset", "my-daemon")
    s.say("OnDelete: nothing changes until a pod is deleted by hand.")
    s.run("ds-pods-before", "get", "pods", "-l", "app=my-daemon", "-o", PODS_COLUMNS, any_order=True)
    victim = _pods(s, "app=my-daemon")[0]["metadata"]["name"]
    s.run("ds-delete-pod", "delete", "pod", victim)
    s.wait_for(
        "the replacement pod",
        lambda: (
            _settled(s, "app=my-daemon", 3)
            and sum(p["spec"]["containers"][0]["image"] == "alpine:3.6" for p in _pods(s, "app=my-daemon")) == 1
        ),
    )
    s.run("ds-pods-one-new", "get", "pods", "-l", "app=my-daemon", "-o", PODS_COLUMNS, any_order=True)
    s.run("ds-rolling", "patch", "daemonset", "my-daemon", "-p", '{"spec":{"updateStrategy":{"type":"RollingUpdate"}}}')
    s.run("ds-status", "rollout", "status", "daemonset", "my-daemon")
    s.wait_for("the DaemonSet's pods", lambda: _settled(s, "app=my-daemon", 3, "alpine:3.6"))
    s.run("ds-pods-after", "get", "pods", "-l", "app=my-daemon", "-o", PODS_COLUMNS, any_order=True)
    s.run(
        "ds-pause",
        "rollout",
        "pause",
        "daemonset",
        "my-daemon",
        book="(pause and resume are not supported for DaemonSets)",
    )


def statefulset(s) -> None:
    s.chapter("Beyond the chapter: a partitioned StatefulSet update")
    s.run("sts-apply", "apply", "-f", "ex-statefulset.yml")
    s.run("sts-status-initial", "rollout", "status", "statefulset", "my-sts")
    s.run("sts-set-image", "set", "image", "statefulset", "my-sts", "app=alpine:3.6")
    s.run("sts-status-partition", "rollout", "status", "statefulset", "my-sts")
    s.wait_for("my-sts-2", lambda: _settled(s, "app=my-sts", 3))
    s.run("sts-pods-partition", "get", "pods", "-l", "app=my-sts", "-o", PODS_COLUMNS)
    s.run(
        "sts-partition-0",
        "patch",
        "statefulset",
        "my-sts",
        "-p",
        '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}',
    )
    s.run("sts-status-all", "rollout", "status", "statefulset", "my-sts")
    s.wait_for("the StatefulSet's pods", lambda: _settled(s, "app=my-sts", 3, "alpine:3.6"))
    s.run("sts-pods-all", "get", "pods", "-l", "app=my-sts", "-o", PODS_COLUMNS)


CHAPTER = (deployment, daemonset, statefulset)
