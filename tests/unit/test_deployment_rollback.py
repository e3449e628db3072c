"""The legacy `deprecated.deployment.rollback.to` rollback."""

from __future__ import annotations

import datetime as dt

import pytest
from test_deployment_builders import NOW, T0, deployment, events, kinds, replica_set

from kubeferry.controllers.actions import UpdateObject
from kubeferry.controllers.deployment import reconcile
from kubeferry.controllers.deployment import util as u


def _history():
    v1 = replica_set(
        "foo-v1", 0, image="nginx:1", revision="1", created=T0, annotations={u.CHANGE_CAUSE_ANNOTATION: "v1"}
    )
    v2 = replica_set(
        "foo-v2",
        2,
        image="nginx:2",
        revision="2",
        available=2,
        created=T0 + dt.timedelta(hours=1),
        desired=2,
        max_replicas=3,
    )
    v2["metadata"]["annotations"][u.CHANGE_CAUSE_ANNOTATION] = "v2"
    return v1, v2


def _d(to: str):
    return deployment(
        2,
        max_surge=1,
        image="nginx:2",
        annotations={
            u.ROLLBACK_TO_ANNOTATION: to,
            u.REVISION_ANNOTATION: "2",
            u.CHANGE_CAUSE_ANNOTATION: "v2",
            "extra": "gone",
        },
    )


def _deployment_update(actions):
    (obj,) = [a.obj for a in actions if isinstance(a, UpdateObject) and a.obj["kind"] == "Deployment"]
    return obj


@pytest.mark.parametrize("to", ["0", "1"])
def test_rollback_to_previous_or_named_revision(to):
    actions = reconcile(_d(to), list(_history()), [], NOW)
    # The current RS first gets the Deployment's annotations (copy rule), then the Deployment is rolled back.
    assert kinds(actions) == ["UpdateObject", "UpdateObject", "RecordEvent"]
    assert actions[0].obj["metadata"]["name"] == "foo-v2"
    assert actions[0].obj["metadata"]["annotations"]["extra"] == "gone"
    updated = actions[1].obj
    assert updated["spec"]["template"] == {
        "metadata": {"labels": {"app": "foo"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1"}]},
    }
    assert updated["metadata"]["annotations"] == {u.REVISION_ANNOTATION: "2", u.CHANGE_CAUSE_ANNOTATION: "v1"}
    assert events(actions) == [("Normal", "DeploymentRollback", 'Rolled back deployment "foo" to revision 1')]


def test_rollback_to_unknown_revision():
    actions = reconcile(_d("7"), list(_history()), [], NOW)
    assert events(actions) == [
        ("Warning", "DeploymentRollbackRevisionNotFound", "Unable to find the revision to rollback to.")
    ]
    assert isinstance(actions[-1], UpdateObject)
    assert u.ROLLBACK_TO_ANNOTATION not in actions[-1].obj["metadata"]["annotations"]
    assert actions[-1].obj["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"


def test_rollback_to_same_template():
    actions = reconcile(_d("2"), list(_history()), [], NOW)
    assert events(actions) == [
        (
            "Warning",
            "DeploymentRollbackTemplateUnchanged",
            'The rollback revision contains the same template as current deployment "foo"',
        )
    ]
    assert kinds(actions)[-2:] == ["RecordEvent", "UpdateObject"]


def test_rollback_without_previous_revision():
    _, v2 = _history()
    actions = reconcile(_d("0"), [v2], [], NOW)
    assert events(actions) == [("Warning", "DeploymentRollbackRevisionNotFound", "Unable to find last revision.")]
    assert kinds(actions) == ["UpdateObject", "RecordEvent", "UpdateObject"]


def test_unparsable_rollback_to_is_ignored():
    actions = reconcile(_d("abc"), list(_history()), [], NOW)
    assert not any(isinstance(a, UpdateObject) and a.obj["kind"] == "Deployment" for a in actions)


def test_next_sync_renumbers_the_rolled_back_rs():
    """After the rollback, the old RS is the new one and gets revision 3 with revision-history "1"."""
    v1, v2 = _history()
    rolled = _deployment_update(reconcile(_d("0"), [v1, v2], [], NOW))
    rolled["status"] = {}
    actions = reconcile(rolled, [v1, v2], [], NOW)
    first = actions[0].obj
    assert first["metadata"]["name"] == "foo-v1"
    assert {k: first["metadata"]["annotations"][k] for k in (u.REVISION_ANNOTATION, u.REVISION_HISTORY_ANNOTATION)} == {
        u.REVISION_ANNOTATION: "3",
        u.REVISION_HISTORY_ANNOTATION: "1",
    }
