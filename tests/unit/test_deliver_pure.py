"""The deliver step's pure decisions: lock, change-cause, checks, image patch, output mode, rollback choice."""

from __future__ import annotations

import datetime as dt

import pytest

from kubeferry.delivery import cause, checks, lock, output, rollback, update

NOW = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


def lease(holder: str, renewed: str | None, duration: int = 30) -> dict:
    spec = {"holderIdentity": holder, "leaseDurationSeconds": duration}
    if renewed:
        spec["renewTime"] = renewed
    return {"metadata": {"name": "l", "resourceVersion": "7"}, "spec": spec}


# -- lock ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        pytest.param(None, lock.Decision("create"), id="no-lease-create"),
        pytest.param(lease("me", "2026-01-01T12:00:00.000000Z"), lock.Decision("renew"), id="mine-renew"),
        pytest.param(
            lease("ci-41", "2026-01-01T11:59:40.000000Z"), lock.Decision("wait", "ci-41", 10.0), id="held-10s-left"
        ),
        pytest.param(lease("ci-41", "2026-01-01T11:59:30.000000Z"), lock.Decision("take"), id="expired-exactly-take"),
        pytest.param(lease("ci-41", "2026-01-01T11:00:00.000000Z"), lock.Decision("take"), id="long-expired-take"),
        pytest.param(lease("", "2026-01-01T12:00:00.000000Z"), lock.Decision("take"), id="released-take"),
        pytest.param(lease("ci-41", None), lock.Decision("take"), id="never-renewed-take"),
    ],
)
def test_lock_decision(current, expected):
    assert lock.decide(current, "me", NOW) == expected


def test_lock_take_over_counts_transition_and_keeps_resource_version():
    taken = lock.taken(
        {**lease("ci-41", "2026-01-01T11:00:00.000000Z"), "spec": {"holderIdentity": "ci-41", "leaseTransitions": 2}},
        "me",
        NOW,
    )
    assert taken["metadata"]["resourceVersion"] == "7"
    assert taken["spec"] == {
        "holderIdentity": "me",
        "leaseDurationSeconds": lock.LEASE_SECONDS,
        "acquireTime": "2026-01-01T12:00:00.000000Z",
        "renewTime": "2026-01-01T12:00:00.000000Z",
        "leaseTransitions": 3,
    }


def test_new_lease_and_renewal():
    new = lock.new_lease("shop", "kubeferry-deliver-deployment-web", "me", NOW, "deployment/web")
    assert new["metadata"]["namespace"] == "shop"
    assert new["spec"]["holderIdentity"] == "me"
    later = lock.renewed(new, NOW + dt.timedelta(seconds=10))
    assert later["spec"]["renewTime"] == "2026-01-01T12:00:10.000000Z"
    assert later["spec"]["acquireTime"] == "2026-01-01T12:00:00.000000Z"


@pytest.mark.parametrize(
    ("kind", "name", "expected_len", "prefix"),
    [
        pytest.param("Deployment", "my-app", 35, "kubeferry-deliver-deployment-my-app", id="short"),
        pytest.param("StatefulSet", "x" * 250, 253, "kubeferry-deliver-statefulset-xxx", id="too-long-hashed"),
    ],
)
def test_lease_name(kind, name, expected_len, prefix):
    got = lock.lease_name(kind, name)
    assert len(got) == expected_len and got.startswith(prefix)
    assert lock.lease_name(kind, name) == got  # stable


def test_held_message_names_holder():
    assert lock.held_message("deployment/web", "shop", "kubeferry-deliver-deployment-web", "ci-41", 9.6) == (
        "deployment/web is being delivered by ci-41 (lease shop/kubeferry-deliver-deployment-web, expires in 10s unless renewed)"
    )


# -- cause -----------------------------------------------------------------------------------------

GITHUB_ENV = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SHA": "0123456789abcdef0123",
    "GITHUB_ACTOR": "octocat",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "o/r",
    "GITHUB_RUN_ID": "42",
    "GITHUB_RUN_ATTEMPT": "1",
}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param(
            GITHUB_ENV,
            "kubeferry deliver app=repo/app:1.2.3 (commit 0123456789ab by octocat, https://github.com/o/r/actions/runs/42)",
            id="github",
        ),
        pytest.param(
            {**GITHUB_ENV, "GITHUB_RUN_ATTEMPT": "2"},
            "kubeferry deliver app=repo/app:1.2.3 (commit 0123456789ab by octocat, https://github.com/o/r/actions/runs/42/attempts/2)",
            id="github-second-attempt",
        ),
        pytest.param(
            {
                "GITLAB_CI": "true",
                "CI_COMMIT_SHA": "feedface" * 5,
                "GITLAB_USER_LOGIN": "ana",
                "CI_JOB_URL": "https://gitlab.com/g/p/-/jobs/7",
            },
            "kubeferry deliver app=repo/app:1.2.3 (commit feedfacefeed by ana, https://gitlab.com/g/p/-/jobs/7)",
            id="gitlab",
        ),
        pytest.param(
            {"GIT_COMMIT": "abc123", "BUILD_URL": "https://ci.example/job/9/", "USER": "jenkins"},
            "kubeferry deliver app=repo/app:1.2.3 (commit abc123 by jenkins, https://ci.example/job/9/)",
            id="generic-jenkins",
        ),
        pytest.param({"USER": "ana"}, "kubeferry deliver app=repo/app:1.2.3 (by ana)", id="laptop"),
        pytest.param({}, "kubeferry deliver app=repo/app:1.2.3", id="nothing-known"),
    ],
)
def test_default_cause(env, expected):
    assert cause.default_cause(env, "app=repo/app:1.2.3") == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param(GITHUB_ENV, "octocat via https://github.com/o/r/actions/runs/42", id="github-run"),
        pytest.param({"USER": "ana"}, "ana@box/4242", id="laptop"),
        pytest.param({}, "unknown@box/4242", id="no-user"),
    ],
)
def test_holder_identity(env, expected):
    assert cause.holder_identity(env, "box", 4242) == expected


# -- checks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("/", checks.CheckSpec(), id="bare-root"),
        pytest.param("/healthz", checks.CheckSpec(path="/healthz"), id="bare-path"),
        pytest.param("path=/v,status=204", checks.CheckSpec(path="/v", status=204), id="path-status"),
        pytest.param(
            "service=web,port=http,path=/version,body=1.2.3,successes=5,failures=2,interval=500ms",
            checks.CheckSpec("/version", 200, "1.2.3", "web", "http", 5, 2, 0.5),
            id="everything",
        ),
        pytest.param("body=a, b,c,status=503", checks.CheckSpec(status=503, body="a, b,c"), id="body-with-commas"),
        pytest.param("body= spaced ", checks.CheckSpec(body=" spaced "), id="body-kept-verbatim"),
    ],
)
def test_parse_check(text, expected):
    assert checks.parse_check(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "invalid --check: empty value", id="empty"),
        pytest.param(
            "healthz",
            'invalid --check "healthz": give a path starting with "/" or key=value pairs (path, status, body, service, port, successes, failures, interval)',
            id="no-slash",
        ),
        pytest.param(
            "path=/,colour=red",
            'invalid --check "path=/,colour=red": unknown key "colour" (known: path, status, body, service, port, successes, failures, interval)',
            id="unknown-key-swallowed-by-path",
        ),
        pytest.param(
            "colour=red",
            'invalid --check "colour=red": unknown key "colour" (known: path, status, body, service, port, successes, failures, interval)',
            id="unknown-key",
        ),
        pytest.param(
            "status=abc", 'invalid --check "status=abc": status must be an HTTP status code, got "abc"', id="bad-status"
        ),
        pytest.param(
            "status=700",
            'invalid --check "status=700": status must be an HTTP status code, got "700"',
            id="status-out-of-range",
        ),
        pytest.param(
            "successes=0", 'invalid --check: successes must be a positive integer, got "0"', id="zero-successes"
        ),
        pytest.param("path=healthz", 'invalid --check "path=healthz": path must start with "/"', id="relative-path"),
        pytest.param("path=/,path=/x", 'invalid --check "path=/,path=/x": "path" given twice', id="twice"),
        pytest.param(
            "interval=soon",
            'invalid argument "soon" for "--check interval" flag: time: invalid duration "soon"',
            id="bad-interval",
        ),
    ],
)
def test_parse_check_errors(text, message):
    with pytest.raises(ValueError) as info:
        checks.parse_check(text)
    assert str(info.value) == message


def test_check_run_counts_consecutive_results():
    run = checks.CheckRun(checks.CheckSpec(body="v2", successes=3, failures=3))
    answers = [(200, "v2"), (200, "v2"), (200, "v1"), (200, "v2"), (200, "v2")]
    assert [run.record(*a) for a in answers] == ["", "", "", "", ""]
    assert run.record(200, "web-1 v2 is running") == checks.PASSED
    assert run.attempts == 6


def test_check_run_fails_after_misses_in_a_row():
    run = checks.CheckRun(checks.CheckSpec(successes=2, failures=2))
    assert run.record(503, "no endpoints") == ""
    assert run.record(200, "ok") == ""
    assert run.record(503, "no endpoints") == ""
    assert run.record(500, "boom") == checks.FAILED
    assert (
        run.failure_message()
        == 'check GET / → 200, 2 in a row failed after 4 requests: status 500, want 200 (last body: "boom")'
    )
    assert run.as_dict()["result"] == "failed" and run.as_dict()["lastStatus"] == 500


@pytest.mark.parametrize(
    ("service", "port", "path", "expected"),
    [
        pytest.param("web", "80", "/", "/api/v1/namespaces/shop/services/web:80/proxy/", id="root"),
        pytest.param(
            "web", "http", "/v?x=1", "/api/v1/namespaces/shop/services/web:http/proxy/v?x=1", id="named-port-query"
        ),
        pytest.param("web", "", "/healthz", "/api/v1/namespaces/shop/services/web/proxy/healthz", id="no-port"),
    ],
)
def test_proxy_path(service, port, path, expected):
    assert checks.proxy_path("shop", service, port, path) == expected


def test_services_for_and_default_port():
    services = [
        {"metadata": {"name": "b"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
        {"metadata": {"name": "a"}, "spec": {"selector": {"app": "web", "tier": "x"}}},
        {"metadata": {"name": "c"}, "spec": {"selector": {}}},
        {"metadata": {"name": "d"}, "spec": {"selector": {"app": "db"}}},
    ]
    assert checks.services_for(services, {"app": "web"}) == ["b"]
    assert checks.services_for(services, {"app": "web", "tier": "x"}) == ["a", "b"]
    assert checks.default_port(services[0]) == "80"
    assert checks.default_port({"spec": {"ports": [{"name": "http", "port": 8080}]}}) == "http"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0.0), ("90", 90.0), ("90s", 90.0), ("1m30s", 90.0), ("250ms", 0.25), ("1.5h", 5400.0)],
)
def test_parse_duration(text, seconds):
    assert checks.parse_duration(text, "--timeout") == seconds


def test_parse_duration_error():
    with pytest.raises(
        ValueError, match=r'^invalid argument "5 min" for "--timeout" flag: time: invalid duration "5 min"$'
    ):
        checks.parse_duration("5 min", "--timeout")


# -- update ----------------------------------------------------------------------------------------

WORKLOAD = {
    "kind": "Deployment",
    "spec": {
        "template": {
            "spec": {
                "initContainers": [{"name": "init", "image": "busybox:1"}],
                "containers": [{"name": "app", "image": "repo/app:1.0"}, {"name": "side", "image": "proxy:1"}],
            }
        }
    },
}


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        pytest.param({"app": "repo/app:1.2"}, {"containers": [{"name": "app", "image": "repo/app:1.2"}]}, id="one"),
        pytest.param(
            {"*": "x:2"},
            {
                "initContainers": [{"name": "init", "image": "x:2"}],
                "containers": [{"name": "app", "image": "x:2"}, {"name": "side", "image": "x:2"}],
            },
            id="all",
        ),
        pytest.param({"init": "busybox:2"}, {"initContainers": [{"name": "init", "image": "busybox:2"}]}, id="init"),
    ],
)
def test_image_patch(wanted, expected):
    patch = update.image_patch(WORKLOAD, wanted, "why")
    assert patch == {
        "spec": {"template": {"spec": expected}},
        "metadata": {"annotations": {update.CHANGE_CAUSE: "why"}},
    }


def test_image_patch_unknown_container():
    with pytest.raises(ValueError, match='^unable to find container named "nope"$'):
        update.image_patch(WORKLOAD, {"nope": "x"}, "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deployment/my-app", ("Deployment", "my-app")),
        ("deploy/my-app", ("Deployment", "my-app")),
        ("daemonsets.apps/agent", ("DaemonSet", "agent")),
        ("sts/db", ("StatefulSet", "db")),
    ],
)
def test_parse_target(text, expected):
    assert update.parse_target(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("my-app", 'invalid workload "my-app": expected KIND/NAME, e.g. deployment/my-app'),
        (
            "replicaset/x",
            'cannot deliver "replicaset/x": only deployments, daemonsets and statefulsets can be delivered',
        ),
    ],
)
def test_parse_target_errors(text, message):
    with pytest.raises(ValueError) as info:
        update.parse_target(text)
    assert str(info.value) == message


def test_parse_images():
    assert update.parse_images(["app=repo/app:1.2", "*=x:1"]) == {"app": "repo/app:1.2", "*": "x:1"}
    with pytest.raises(ValueError, match=r'^invalid --image "repo/app:1.2": expected CONTAINER=IMAGE \(or \*=IMAGE\)$'):
        update.parse_images(["repo/app:1.2"])


# -- output ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "isatty", "mode"),
    [
        ({}, True, output.LIVE),
        ({}, False, output.PLAIN),
        ({"CI": "true"}, True, output.PLAIN),
        ({"CI": "1"}, True, output.PLAIN),
        ({"CI": "false"}, True, output.LIVE),
    ],
)
def test_display_mode(env, isatty, mode):
    assert output.display_mode(env, isatty) == mode


def test_github_annotation_escapes():
    lines = output.annotation("github", "deployment/web", ["rollout failed: 50% down", "  latest event: x"], 0)
    assert lines == [
        "::error title=kubeferry deliver%3A deployment/web::rollout failed: 50%25 down%0A  latest event: x"
    ]


def test_gitlab_annotation_section():
    assert output.annotation("gitlab", "deployment/web", ["failed", "detail"], 1700000000) == [
        "\x1b[31;1mERROR: kubeferry deliver: deployment/web: failed\x1b[0m",
        "section_start:1700000000:kubeferry_deliver_failure[collapsed=false]\r\x1b[0KFailure details",
        "detail",
        "section_end:1700000000:kubeferry_deliver_failure\r\x1b[0K",
    ]


def test_no_annotation_outside_ci():
    assert output.annotation(output.annotation_system({"CI": "true"}), "deployment/web", ["x"], 0) == []
    assert output.annotation_system({"GITHUB_ACTIONS": "true"}) == "github"
    assert output.annotation_system({"GITLAB_CI": "true"}) == "gitlab"


# -- rollback --------------------------------------------------------------------------------------


def owner(uid: str) -> list[dict]:
    return [{"controller": True, "uid": uid}]


def rs(number, image, uid="d1", cause=""):
    annotations = {rollback.REVISION_ANNOTATION: str(number)}
    if cause:
        annotations[rollback.CHANGE_CAUSE] = cause
    return {
        "metadata": {"name": f"web-{number}", "annotations": annotations, "ownerReferences": owner(uid)},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "web", "pod-template-hash": f"h{number}"}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            }
        },
    }


DEPLOYMENT = {
    "kind": "Deployment",
    "metadata": {"uid": "d1", "annotations": {rollback.REVISION_ANNOTATION: "3", "team": "a"}},
    "spec": {
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "v3"}]}}
    },
}


def test_deployment_history_skips_foreign_and_unnumbered():
    odd = rs(9, "x")
    odd["metadata"]["annotations"] = {}
    history = rollback.history(
        DEPLOYMENT, [rs(1, "v1", cause="first"), rs(2, "v2"), rs(3, "v3"), rs(4, "v4", uid="other"), odd]
    )
    assert sorted(history) == [1, 2, 3]
    assert history[1].cause == "first"
    assert rollback.current_revision(DEPLOYMENT, history) == 3


@pytest.mark.parametrize(
    ("kind", "numbers", "to", "expected"),
    [
        pytest.param("Deployment", [1, 2, 3], 0, (2, None), id="deploy-second-highest"),
        pytest.param("Deployment", [1, 2, 3], 1, (1, None), id="deploy-explicit"),
        pytest.param("Deployment", [3], 0, (0, 'no rollout history found for deployment "web"'), id="deploy-single"),
        pytest.param(
            "Deployment", [1, 3], 2, (0, "unable to find specified revision 2 in history"), id="deploy-missing"
        ),
        pytest.param("DaemonSet", [1], 0, (0, "no last revision to roll back to"), id="set-single"),
        pytest.param("StatefulSet", [4, 7, 5], 0, (5, None), id="set-second-highest"),
        pytest.param("StatefulSet", [4, 7], 9, (0, "unable to find specified revision 9 in history"), id="set-missing"),
    ],
)
def test_pick_revision(kind, numbers, to, expected):
    assert rollback.pick_revision(kind, numbers, to, "web") == expected


def test_deployment_plan_restores_template_and_annotations():
    history = rollback.history(DEPLOYMENT, [rs(1, "v1", cause="first"), rs(3, "v3")])
    plan = rollback.plan(DEPLOYMENT, history[1])
    assert plan.patch_type == rollback.JSON_PATCH and not plan.skip
    assert plan.body == [
        {
            "op": "replace",
            "path": "/spec/template",
            "value": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "v1"}]}},
        },
        {
            "op": "replace",
            "path": "/metadata/annotations",
            "value": {rollback.REVISION_ANNOTATION: "3", rollback.CHANGE_CAUSE: "first"},
        },
    ]
    assert rollback.plan(DEPLOYMENT, history[3]).skip


def test_set_history_plan_and_current_revision():
    ds = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "uid": "s1"},
        "spec": {
            "selector": {"matchLabels": {"app": "a"}},
            "template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "v2"}]}},
        },
    }

    def cr(number, image):
        template = {
            "metadata": {"labels": {"app": "a"}},
            "spec": {"containers": [{"name": "c", "image": image}]},
            "$patch": "replace",
        }
        return {
            "metadata": {"name": f"agent-{number}", "ownerReferences": owner("s1")},
            "revision": number,
            "data": {"spec": {"template": template}},
        }

    history = rollback.history(ds, [cr(1, "v1"), cr(2, "v2")])
    assert history[1].template["spec"]["containers"][0]["image"] == "v1"
    assert rollback.current_revision(ds, history) == 2
    plan = rollback.plan(ds, history[1])
    assert plan.patch_type == rollback.STRATEGIC and plan.body == cr(1, "v1")["data"] and not plan.skip
    assert rollback.plan(ds, history[2]).skip
