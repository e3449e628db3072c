"""The deliver step's outcome → exit code mapping, its JSON and JUnit reports, and rollout assessment."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from kubeferry.delivery import assess
from kubeferry.delivery import report as rp

START = 1767268800.0  # 2026-01-01T12:00:00Z


@pytest.mark.parametrize(
    ("failure", "rollback", "expected"),
    [
        pytest.param(None, None, ("delivered", 0), id="delivered"),
        pytest.param(rp.FAILURE_ROLLOUT, rp.ROLLBACK_SUCCEEDED, ("rolled-back", 1), id="failed-rolled-back"),
        pytest.param(rp.FAILURE_TIMEOUT, rp.ROLLBACK_SUCCEEDED, ("timed-out", 2), id="timeout-rolled-back"),
        pytest.param(rp.FAILURE_BEFORE_CHANGE, None, ("not-started", 3), id="before-change"),
        pytest.param(rp.FAILURE_ROLLOUT, rp.ROLLBACK_ERROR, ("rollback-failed", 4), id="rollback-failed"),
        pytest.param(rp.FAILURE_TIMEOUT, rp.ROLLBACK_ERROR, ("rollback-failed", 4), id="timeout-rollback-failed"),
        pytest.param(rp.FAILURE_ROLLOUT, rp.ROLLBACK_NONE, ("no-previous-revision", 4), id="no-previous"),
    ],
)
def test_outcome(failure, rollback, expected):
    assert rp.outcome(failure, rollback) == expected


def failed_report() -> rp.Report:
    report = rp.Report("Deployment", "web", "shop", START, cause="kubeferry deliver app=v2")
    report.phases = [
        rp.Phase("lock", START, 0.01, rp.PASSED, "holding lease"),
        rp.Phase("apply", START + 0.01, 0.02, rp.PASSED, "deployment/web updated"),
        rp.Phase(
            "rollout",
            START + 0.03,
            1.5,
            rp.FAILED,
            'deployment "web" rollout failed: pod "web-2-x": ImagePullBackOff',
            ["latest event: Warning Failed: Error: ImagePullBackOff"],
        ),
        rp.Phase("check /", START + 1.53, 0.0, rp.SKIPPED, "not run"),
        rp.Phase("rollback", START + 1.53, 0.05, rp.PASSED, "rolled back to revision 1"),
    ]
    report.revision_before, report.revision_after, report.revision_final = 1, 2, 3
    report.images_before, report.images_after = {"app": "v1"}, {"app": "v2"}
    report.diagnosis = {"pod": "web-2-x", "reason": "ImagePullBackOff", "message": "", "event": "Warning Failed"}
    report.rollback = {"attempted": True, "result": rp.ROLLBACK_SUCCEEDED, "toRevision": 1, "message": "rolled back"}
    report.finish(rp.FAILURE_ROLLOUT, rp.ROLLBACK_SUCCEEDED, "rollout failed", START + 2.5)
    return report


def test_json_report():
    doc = json.loads(rp.to_json(failed_report()))
    assert doc["kind"] == "DeliveryReport" and doc["apiVersion"] == "deliver.kubeferry.io/v1"
    assert doc["workload"] == {"kind": "Deployment", "name": "web", "namespace": "shop"}
    assert (doc["result"], doc["exitCode"], doc["seconds"]) == ("rolled-back", 1, 2.5)
    assert doc["started"] == "2026-01-01T12:00:00.000Z"
    assert doc["revision"] == {"before": 1, "after": 2, "final": 3}
    assert doc["images"] == {"before": {"app": "v1"}, "after": {"app": "v2"}}
    assert [(p["name"], p["status"], p["seconds"]) for p in doc["phases"]] == [
        ("lock", "passed", 0.01),
        ("apply", "passed", 0.02),
        ("rollout", "failed", 1.5),
        ("check /", "skipped", 0.0),
        ("rollback", "passed", 0.05),
    ]
    assert doc["phases"][2]["details"] == ["latest event: Warning Failed: Error: ImagePullBackOff"]
    assert doc["diagnosis"]["reason"] == "ImagePullBackOff"
    assert doc["rollback"]["result"] == "succeeded" and doc["rollback"]["toRevision"] == 1


def test_junit_report():
    root = ET.fromstring(rp.to_junit(failed_report()).split("\n", 1)[1])
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped"), root.get("time")) == ("5", "1", "1", "2.500")
    suite = root.find("testsuite")
    assert suite.get("name") == "deliver deployment/web"
    assert suite.get("timestamp") == "2026-01-01T12:00:00.000"
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["result"] == "rolled-back" and props["exitCode"] == "1"
    assert (props["revision.before"], props["revision.after"], props["revision.final"]) == ("1", "2", "3")
    assert props["rollback"] == "succeeded"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["lock", "apply", "rollout", "check /", "rollback"]
    assert {c.get("classname") for c in cases} == {"kubeferry.deliver.shop.deployment.web"}
    failure = cases[2].find("failure")
    assert failure.get("message") == 'deployment "web" rollout failed: pod "web-2-x": ImagePullBackOff'
    assert failure.text.splitlines()[1] == "latest event: Warning Failed: Error: ImagePullBackOff"
    assert cases[3].find("skipped").get("message") == "not run"
    assert cases[0].find("failure") is None


def test_summary_lines():
    assert rp.summary(failed_report()) == [
        "deployment/web: rolled-back (exit 1): rollout failed",
        "revision before 1, after 2, now 3",
        "rollback: succeeded: rolled back",
    ]


# -- assessment ------------------------------------------------------------------------------------


def deployment(generation=2, observed=2, updated=3, available=3, replicas=3, conditions=()):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "uid": "d1",
            "generation": generation,
            "annotations": {"deployment.kubernetes.io/revision": "2"},
        },
        "spec": {"replicas": 3},
        "status": {
            "observedGeneration": observed,
            "updatedReplicas": updated,
            "replicas": replicas,
            "availableReplicas": available,
            "conditions": list(conditions),
        },
    }


NEW_RS = {
    "metadata": {
        "uid": "rs2",
        "annotations": {"deployment.kubernetes.io/revision": "2"},
        "ownerReferences": [{"controller": True, "uid": "d1"}],
    }
}


def pod(name, waiting=None, ready=False):
    status = {
        "phase": "Pending" if waiting else "Running",
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
    }
    if waiting:
        status["containerStatuses"] = [{"name": "app", "state": {"waiting": {"reason": waiting, "message": "nope"}}}]
    return {"metadata": {"name": name, "ownerReferences": [{"controller": True, "uid": "rs2"}]}, "status": status}


def test_assess_done():
    assert assess.assess(deployment(), []) == assess.Assessment('deployment "web" successfully rolled out', True)


def test_assess_image_pull_fails_fast():
    found = assess.assess(deployment(updated=1, available=0), [pod("web-2-a", "ImagePullBackOff")], [NEW_RS])
    assert found.failure == 'deployment "web" rollout failed: pod "web-2-a": ImagePullBackOff: container "app": nope'
    assert found.diagnosis.reason == "ImagePullBackOff" and not found.done


def test_assess_waits_until_the_spec_is_observed():
    """Right after a rollback patch the controller still calls the failing pods new: nothing is judged yet."""
    found = assess.assess(
        deployment(generation=3, observed=2, updated=1), [pod("web-2-a", "CrashLoopBackOff")], [NEW_RS]
    )
    assert found == assess.Assessment("Waiting for deployment spec update to be observed...")


def test_assess_progress_deadline_names_unready_pod():
    deadline = {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    found = assess.assess(deployment(updated=1, available=0, conditions=[deadline]), [pod("web-2-a")], [NEW_RS])
    assert found.failure == 'deployment "web" exceeded its progress deadline'
    assert found.diagnosis.pod == "web-2-a" and found.diagnosis.reason == "NotReady"


def test_assess_still_rolling():
    found = assess.assess(deployment(updated=1, available=0), [pod("web-2-a")], [NEW_RS])
    assert found == assess.Assessment(
        'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...'
    )


def test_progress_clock():
    clock = assess.ProgressClock(600)
    ds = {"kind": "DaemonSet", "metadata": {"generation": 1}, "status": {"updatedNumberScheduled": 0}}
    assert not clock.passed(ds, 100)
    assert not clock.passed(ds, 500)
    moved = {**ds, "status": {"updatedNumberScheduled": 1}}
    assert not clock.passed(moved, 650)
    assert not clock.passed(moved, 1250)
    assert clock.passed(moved, 1251)
