"""The ServiceAccounts controller: every active namespace has a `default` ServiceAccount.

Upstream (`pkg/controller/serviceaccount/serviceaccounts_controller.go`) keeps a list of accounts to
ensure — in kube-controller-manager just `default` — and for each namespace whose `status.phase` is
`Active` creates the ones that do not exist.  A namespace that is Terminating (or has no Active phase)
gets nothing: creating objects in it would be refused anyway.  An account that exists but is being
deleted counts as existing; the next sync after it is gone recreates it.  An AlreadyExists answer to
the create is not an error (someone else won the race).

`reconcile(ns, serviceaccounts, now)` returns at most one CreateObject per missing account:

    CreateObject({"apiVersion": "v1", "kind": "ServiceAccount",
                  "metadata": {"name": "default", "namespace": "team-a"}})

Pure: no I/O.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from kubeferry.controllers.actions import Action, CreateObject

DEFAULT_SERVICE_ACCOUNT = "default"
# The accounts kube-controller-manager ensures in every namespace.
SERVICE_ACCOUNTS_TO_ENSURE = (DEFAULT_SERVICE_ACCOUNT,)
NAMESPACE_ACTIVE = "Active"


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def is_namespace_active(ns: Mapping[str, Any]) -> bool:
    """`status.phase` is Active and no deletion is under way."""
    return (ns.get("status") or {}).get("phase") == NAMESPACE_ACTIVE and not _meta(ns).get("deletionTimestamp")


def reconcile(
    ns: Mapping[str, Any],
    serviceaccounts: Sequence[Mapping[str, Any]],
    now: _dt.datetime,
    *,
    ensure: Sequence[str] = SERVICE_ACCOUNTS_TO_ENSURE,
) -> list[Action]:
    """Create each account of `ensure` missing from `serviceaccounts` (the namespace's accounts)."""
    if not is_namespace_active(ns):
        return []
    namespace = _meta(ns).get("name") or ""
    existing = {
        _meta(sa).get("name") for sa in serviceaccounts if (_meta(sa).get("namespace") or namespace) == namespace
    }
    return [
        CreateObject({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}})
        for name in ensure
        if name not in existing
    ]
