"""ServiceAccounts controller: a `default` account in every active namespace (upstream serviceaccounts_controller facts)."""

from __future__ import annotations

import datetime as dt

import pytest

from kubeferry.controllers import serviceaccount
from kubeferry.controllers.actions import CreateObject

NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)


def ns(name: str = "team-a", phase: str | None = "Active", deleting: bool = False) -> dict:
    meta: dict = {"name": name, "uid": "ns-uid"}
    if deleting:
        meta["deletionTimestamp"] = "2024-05-01T11:00:00Z"
    obj: dict = {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}
    if phase is not None:
        obj["status"] = {"phase": phase}
    return obj


def sa(name: str, namespace: str = "team-a", deleting: bool = False) -> dict:
    meta: dict = {"name": name, "namespace": namespace}
    if deleting:
        meta["deletionTimestamp"] = "2024-05-01T11:00:00Z"
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}


DEFAULT_SA = CreateObject(
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "team-a"}}
)


@pytest.mark.parametrize(
    ("namespace", "accounts", "expected"),
    [
        pytest.param(ns(), [], [DEFAULT_SA], id="active-namespace-without-accounts-gets-default"),
        pytest.param(ns(), [sa("builder")], [DEFAULT_SA], id="other-accounts-do-not-count"),
        pytest.param(ns(), [sa("default")], [], id="default-exists"),
        pytest.param(ns(), [sa("default", deleting=True)], [], id="default-being-deleted-still-counts"),
        pytest.param(ns(), [sa("default", namespace="other")], [DEFAULT_SA], id="default-in-another-namespace"),
        pytest.param(ns(phase="Terminating"), [], [], id="terminating-namespace-gets-nothing"),
        pytest.param(ns(deleting=True), [], [], id="namespace-with-deletion-timestamp-gets-nothing"),
        pytest.param(ns(phase=None), [], [], id="namespace-without-phase-is-not-active"),
    ],
)
def test_reconcile(namespace: dict, accounts: list[dict], expected: list) -> None:
    assert serviceaccount.reconcile(namespace, accounts, NOW) == expected


def test_extra_accounts_to_ensure_are_created_in_order() -> None:
    actions = serviceaccount.reconcile(ns(), [sa("default")], NOW, ensure=("default", "builder", "deployer"))
    assert [a.obj["metadata"]["name"] for a in actions] == ["builder", "deployer"]
