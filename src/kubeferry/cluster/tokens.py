"""The token controller: fills `kubernetes.io/service-account-token` Secrets with a token.

As kube-controller-manager's tokens controller does for legacy token Secrets: a Secret of that
type, annotated `kubernetes.io/service-account.name: <account>`, gets `data.token` (a
never-expiring JWT for the account), `data.ca.crt` and `data.namespace`, and the account's uid as
`kubernetes.io/service-account.uid`.  A Secret whose account does not exist (yet) is left alone
until the account appears.  Deleting the Secret revokes the token (the authenticator checks it).

It lives in `cluster/` because it needs the signing key the composition root owns; the decision
itself is `Authenticator.fill_legacy_secret`.
"""

from __future__ import annotations

from kubeferry.controllers.actions import UpdateObject
from kubeferry.controllers.runner import Controller
from kubeferry.registry.authentication import SA_NAME_ANNOTATION, SA_TOKEN_TYPE

NAME = "serviceaccount-token"


def token_controller(authenticator, ca_pem: bytes) -> Controller:
    def on_secret(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list:
        if event == "DELETED" or obj.get("type") != SA_TOKEN_TYPE or (obj.get("data") or {}).get("token"):
            return []
        meta = obj["metadata"]
        return [(NAME, meta.get("namespace", ""), meta["name"])]

    def on_account(api_version: str, kind: str, obj: dict, prev: dict | None, event: str) -> list:
        # A Secret created before its account waits for the account's ADDED event.
        if event != "ADDED":
            return []
        namespace = obj["metadata"].get("namespace", "")
        secrets = [e.obj for e in authenticator.store.list("secrets", namespace)]
        return [
            (NAME, namespace, s["metadata"]["name"])
            for s in secrets
            if s.get("type") == SA_TOKEN_TYPE
            and (s["metadata"].get("annotations") or {}).get(SA_NAME_ANNOTATION) == obj["metadata"]["name"]
        ]

    def sync(namespace: str, name: str, transport, now) -> list:
        secret = transport.get("v1", "Secret", namespace, name)
        if secret is None:
            return []
        filled = authenticator.fill_legacy_secret(secret, ca_pem)
        return [UpdateObject(filled)] if filled is not None else []

    return Controller(NAME, sync, {("v1", "Secret"): on_secret, ("v1", "ServiceAccount"): on_account})
