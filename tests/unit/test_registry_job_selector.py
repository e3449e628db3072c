"""A Job created without `manualSelector` gets upstream's generated selector: its pod template labelled
with the Job's name and uid (labels already there kept) and a selector on the uid label alone; the Job's
own labels, when it has none, are its template's (upstream's defaulting, which runs again on read)."""

from __future__ import annotations

from datetime import UTC, datetime

from kubeferry.cluster import bootstrap
from kubeferry.machinery import resources
from kubeferry.registry.registry import Registry
from kubeferry.storage.store import Store

JOB = resources.by_gvk("batch", "v1", "Job")


def registry() -> Registry:
    made = Registry(Store(None))
    made.now = lambda: datetime(2026, 1, 1, tzinfo=UTC)
    bootstrap.ensure_system_objects(made)
    return made


def job(name: str, template_labels: dict | None = None, **spec) -> dict:
    template: dict = {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}
    if template_labels is not None:
        template["metadata"] = {"labels": template_labels}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": {"template": template, **spec}}


def test_a_job_without_labels_gets_the_generated_selector():
    stored = registry().create(JOB, "default", job("pi")).entry.obj
    uid = stored["metadata"]["uid"]
    generated = {
        "job-name": "pi",
        "batch.kubernetes.io/job-name": "pi",
        "controller-uid": uid,
        "batch.kubernetes.io/controller-uid": uid,
    }
    assert stored["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert stored["spec"]["template"]["metadata"]["labels"] == generated
    assert stored["metadata"]["labels"] == generated


def test_template_labels_are_kept_and_the_jobs_own_labels_win():
    made = job("migrate", {"app": "db", "job-name": "mine"})
    made["metadata"]["labels"] = {"team": "x"}
    stored = registry().create(JOB, "default", made).entry.obj
    labels = stored["spec"]["template"]["metadata"]["labels"]
    assert labels["app"] == "db" and labels["job-name"] == "mine"
    assert labels["batch.kubernetes.io/job-name"] == "migrate"
    assert stored["metadata"]["labels"] == {"team": "x"}


def test_a_manual_selector_is_left_alone():
    made = job("manual", {"app": "db"}, manualSelector=True, selector={"matchLabels": {"app": "db"}})
    stored = registry().create(JOB, "default", made).entry.obj
    assert stored["spec"]["selector"] == {"matchLabels": {"app": "db"}}
    assert stored["spec"]["template"]["metadata"]["labels"] == {"app": "db"}
