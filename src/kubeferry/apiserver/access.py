"""The HTTP side of authentication and authorization: credentials in, request attributes out.

`identify` reads the credential of a request (the `Authorization: Bearer` header, else the client
certificate subject the TLS layer verified) and any `Impersonate-*` headers, and asks the
registry's authenticator and authorizer who the request acts as (401 when nobody).
`attributes` resolves what the request asks, as kube-apiserver's RequestInfo does:

    GET    /apis/apps/v1/namespaces/ci/deployments          -> list deployments (apps) in ci
    GET    ...?watch=true                                    -> watch
    GET    ...?fieldSelector=metadata.name%3Dweb&watch=1     -> watch, name web
    DELETE /apis/apps/v1/namespaces/ci/deployments           -> deletecollection
    PATCH  /apis/apps/v1/namespaces/ci/deployments/web/scale -> patch deployments/scale "web"
    GET    /api/v1/namespaces/ci                             -> get namespaces "ci" in namespace ci
    GET    /apis/apps/v1, /version, /kubeferry/v1/clock      -> non-resource: get <path>

`Access` bundles the authenticator, the authorizer and the review/token endpoints for the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubeferry.apiserver import routes
from kubeferry.machinery import rbac
from kubeferry.machinery import status as st
from kubeferry.machinery.rbac import Attributes, UserInfo

METHOD_VERBS = {"POST": "create", "GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
# The TLS extension key the server's protocol fills in: ((CN, ...), (O, ...)) of a verified client certificate.
CLIENT_SUBJECT = "kubeferry.client_subject"
IMPERSONATOR = "kubeferry.impersonator"  # scope key: the authenticated user behind an impersonation
NODE_USER_PREFIX = "system:node:"
RBAC_KINDS = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"})


def attributes(method: str, path: str, query: dict, target: routes.ResourcePath | None) -> Attributes:
    if target is None:
        return Attributes(method.lower(), resource_request=False, path=path)
    verb = METHOD_VERBS.get(method, method.lower())
    name = target.name or ""
    namespace = target.namespace or ""
    subresource = target.subresource
    if target.plural == "namespaces" and name:
        namespace = name
    if not name and verb == "get":
        verb = "watch" if query.get("watch", "").lower() in ("true", "1") else "list"
        selected = _name_from_field_selector(query.get("fieldSelector", ""))
        if selected:
            name = selected
    if not name and verb == "delete":
        verb = "deletecollection"
    return Attributes(
        verb,
        api_group=target.group,
        api_version=target.version,
        resource=target.plural,
        subresource=subresource,
        namespace=namespace,
        name=name,
        path=path,
    )


def _name_from_field_selector(selector: str) -> str:
    """`metadata.name=web` (alone) names one object, as `kubectl get deploy web -w` asks."""
    if not selector or "," in selector:
        return ""
    for op in ("==", "="):
        key, sep, value = selector.partition(op)
        if sep and key.strip() == "metadata.name" and "!" not in key:
            value = value.strip()
            return value if value and "/" not in value and value not in (".", "..") else ""
    return ""


@dataclass
class Access:
    """What the app needs to authenticate, authorize, issue tokens and answer reviews."""

    authenticator: object
    authorizer: object

    def identify(self, scope: dict, headers: dict) -> UserInfo:
        user = self._authenticate(scope, headers)
        if any(k.startswith("impersonate-") for k in headers):
            raw = [
                (k.decode("latin-1").lower(), v.decode("latin-1"))
                for k, v in scope.get("headers", ())
                if k[:12].lower() == b"impersonate-"
            ]
            impersonated = self.authorizer.impersonate(user, raw)
            if impersonated is not user:
                scope[IMPERSONATOR] = user
            user = impersonated
        return user

    def _authenticate(self, scope: dict, headers: dict) -> UserInfo:
        header = headers.get("authorization", "")
        if header:
            if header[:7].lower() != "bearer ":
                raise st.unauthorized()
            user = self.authenticator.from_bearer(header[7:].strip())
            if user is None:
                raise st.unauthorized()
            return user
        subject = ((scope.get("extensions") or {}).get("tls") or {}).get(CLIENT_SUBJECT)
        if subject and subject[0]:
            return self.authenticator.from_certificate(subject[0][0], subject[1])
        raise st.unauthorized()

    def authorize(self, user: UserInfo, attrs: Attributes) -> None:
        self.authorizer.check(user, attrs)

    def admit_node_write(self, user: UserInfo, attrs: Attributes, obj: object, existing: dict | None) -> None:
        """NodeRestriction for a kubelet's write over HTTP, as on the in-process path (others pass)."""
        if user.name.startswith(NODE_USER_PREFIX):
            from kubeferry.registry import authorization

            authorization.node_restriction(user, attrs, obj if isinstance(obj, dict) else None, existing)

    def check_rbac_write(self, user: UserInfo, kind: str, namespace: str, obj: object) -> None:
        if kind in RBAC_KINDS and isinstance(obj, dict):
            self.authorizer.check_escalation(user, kind, namespace, obj)

    def review(self, user: UserInfo, kind: str, namespace: str, body: object) -> dict:
        if kind == "TokenReview":
            return self._token_review(body)
        return self.authorizer.review(user, kind, namespace, body)

    def _token_review(self, body: object) -> dict:
        if not isinstance(body, dict) or not isinstance(body.get("spec") or {}, dict):
            raise st.bad_request("the body of the request must be a TokenReview object")
        token = (body.get("spec") or {}).get("token", "")
        reviewed = self.authenticator.from_bearer(token) if isinstance(token, str) and token else None
        status: dict = {"authenticated": reviewed is not None}
        if reviewed is not None:
            status["user"] = reviewed.to_json()
        else:
            status["error"] = "[invalid bearer token, token lookup failed]"
        out = {**body, "kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1"}
        out["metadata"] = {**(body.get("metadata") or {}), "creationTimestamp": None}
        out["status"] = status
        return out

    def token_request(self, namespace: str, name: str, body: object) -> dict:
        return self.authenticator.token_request(namespace, name, body)


def anonymous_user() -> UserInfo:
    return UserInfo(rbac.ANONYMOUS, (rbac.UNAUTHENTICATED,))
