"""Who is asking: bearer tokens, ServiceAccount JWTs, client-certificate subjects, impersonation.

The first step of the request pipeline.  A credential becomes a `UserInfo`, or the request is
refused with 401 `Unauthorized` (the same answer for a missing, expired or forged credential, as
kube-apiserver gives):

- the admin token `cluster up` writes to the kubeconfig → `kubeferry-admin` in `system:masters`;
- a ServiceAccount token (an ES256-signed JWT) → `system:serviceaccount:<ns>:<name>` with the
  groups `system:serviceaccounts`, `system:serviceaccounts:<ns>`, `system:authenticated`.
  Bound tokens (TokenRequest, `kubectl create token`) carry an audience and an expiry read
  against the cluster clock, so a virtual-clock `advance` past the expiry expires them; legacy
  tokens (in `kubernetes.io/service-account-token` Secrets) never expire but die with their
  Secret.  Either dies with its ServiceAccount (the uid is checked on every request);
- a client certificate the TLS layer verified against the cluster CA → user = CN, groups = O.

Also issues tokens: `token_request` answers `POST serviceaccounts/<name>/token`.  Signing and
verifying use `cryptography` (ECDSA P-256/SHA-256, the JWS `ES256` algorithm: the signature is
the raw 32-byte r and s, not DER).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime

import orjson

from kubeferry.machinery import rbac
from kubeferry.machinery import status as st
from kubeferry.machinery.podutil import format_time
from kubeferry.machinery.rbac import UserInfo

ISSUER = "https://kubernetes.default.svc.cluster.local"
LEGACY_ISSUER = "kubernetes/serviceaccount"
API_AUDIENCES = (ISSUER,)
ADMIN_USER = "kubeferry-admin"
DEFAULT_TOKEN_SECONDS = 3600
MIN_TOKEN_SECONDS = 600  # 10 minutes
MAX_TOKEN_SECONDS = 2**32
LEEWAY_SECONDS = 60  # clock skew tolerated on exp/nbf, as the upstream JWT validator allows
VERIFIED_CACHE_SIZE = 4096
CREDENTIAL_ID = "authentication.kubernetes.io/credential-id"
SA_TOKEN_TYPE = "kubernetes.io/service-account-token"
SA_NAME_ANNOTATION = "kubernetes.io/service-account.name"
SA_UID_ANNOTATION = "kubernetes.io/service-account.uid"
_COORDINATE_BYTES = 32  # P-256: r and s are 32 bytes each in a JWS signature


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Signs and verifies ES256 JWTs with the cluster's service-account key (PEM, PKCS#8)."""

    def __init__(self, private_key_pem: bytes):
        from cryptography.hazmat.primitives import serialization

        self._key = serialization.load_pem_private_key(private_key_pem, None)
        self._public = self._key.public_key()
        der = self._public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.key_id = _b64(hashlib.sha256(der).digest())
        self._header = _b64(orjson.dumps({"alg": "ES256", "kid": self.key_id}))

    def sign(self, claims: dict) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        signing_input = f"{self._header}.{_b64(orjson.dumps(claims))}"
        r, s = decode_dss_signature(self._key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        raw = r.to_bytes(_COORDINATE_BYTES, "big") + s.to_bytes(_COORDINATE_BYTES, "big")
        return f"{signing_input}.{_b64(raw)}"

    def verify(self, token: str) -> dict | None:
        """The claims of a token this key signed, else None (malformed, wrong algorithm, forged)."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            header = orjson.loads(_unb64(parts[0]))
            raw = _unb64(parts[2])
            if not isinstance(header, dict) or header.get("alg") != "ES256" or len(raw) != 2 * _COORDINATE_BYTES:
                return None
            signature = encode_dss_signature(
                int.from_bytes(raw[:_COORDINATE_BYTES], "big"), int.from_bytes(raw[_COORDINATE_BYTES:], "big")
            )
            self._public.verify(signature, f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256()))
            claims = orjson.loads(_unb64(parts[1]))
        except (InvalidSignature, ValueError, orjson.JSONDecodeError):
            return None
        return claims if isinstance(claims, dict) else None


def _alive_checks(claims: dict) -> tuple[tuple[str, str, str, str], ...]:
    """(store key, namespace, name, uid) of each object a bound token's validity depends on."""
    private = claims.get("kubernetes.io") or {}
    namespace = private.get("namespace", "")
    account = private.get("serviceaccount") or {}
    checks = [("serviceaccounts", namespace, account.get("name", ""), account.get("uid", ""))]
    for kind, key in (("secret", "secrets"), ("pod", "pods")):
        bound = private.get(kind)
        if bound:
            checks.append((key, namespace, bound.get("name", ""), bound.get("uid", "")))
    return tuple(checks)


class Authenticator:
    """Turns credentials into users; reads ServiceAccounts, Secrets and Pods from the store."""

    def __init__(self, store, now, admin_tokens=(), signer: TokenSigner | None = None):
        self.store = store
        self.now = now
        self.admin = UserInfo(ADMIN_USER, (rbac.SYSTEM_MASTERS, rbac.AUTHENTICATED))
        self.admin_tokens = frozenset(admin_tokens)
        self.signer = signer
        self._verified: dict[str, dict] = {}
        # id(claims) -> (claims, the liveness checks, the user): the user of a verified token, built once
        self._resolved: dict[int, tuple[dict, tuple, UserInfo]] = {}

    # ---- authentication ---------------------------------------------------------------------

    def from_bearer(self, token: str) -> UserInfo | None:
        if token in self.admin_tokens:
            return self.admin
        if self.signer is None or token.count(".") != 2:
            return None
        claims = self._verified.get(token)
        if claims is None:
            claims = self.signer.verify(token)
            if claims is None:
                return None
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
        if claims.get("iss") == LEGACY_ISSUER:
            return self._legacy_user(claims)
        if claims.get("iss") == ISSUER:
            return self._bound_user(claims)
        return None

    def _bound_user(self, claims: dict) -> UserInfo | None:
        now = self.now().timestamp()
        exp, nbf = claims.get("exp"), claims.get("nbf", 0)
        if not isinstance(exp, (int, float)) or now > exp + LEEWAY_SECONDS or now < nbf - LEEWAY_SECONDS:
            return None
        known = self._resolved.get(id(claims))
        if known is not None and known[0] is claims:
            # the same verified token: only whether its account (and bound object) still live can change
            _, checks, user = known
            return user if all(self._object_alive(*check) for check in checks) else None
        user = self._resolve_bound(claims)
        if user is not None:
            if len(self._resolved) >= VERIFIED_CACHE_SIZE:
                self._resolved.clear()
            self._resolved[id(claims)] = (claims, _alive_checks(claims), user)
        return user

    def _resolve_bound(self, claims: dict) -> UserInfo | None:
        audiences = claims.get("aud") or []
        if isinstance(audiences, str):
            audiences = [audiences]
        if not any(a in API_AUDIENCES for a in audiences):
            return None
        private = claims.get("kubernetes.io") or {}
        namespace = private.get("namespace", "")
        account = private.get("serviceaccount") or {}
        if not self._account_alive(namespace, account.get("name", ""), account.get("uid", "")):
            return None
        for kind, key in (("secret", "secrets"), ("pod", "pods")):
            bound = private.get(kind)
            if bound and not self._object_alive(key, namespace, bound.get("name", ""), bound.get("uid", "")):
                return None
        extra = [(CREDENTIAL_ID, (f"JTI={claims.get('jti', '')}",))]
        pod = private.get("pod")
        if pod:
            extra += [
                ("authentication.kubernetes.io/pod-name", (pod.get("name", ""),)),
                ("authentication.kubernetes.io/pod-uid", (pod.get("uid", ""),)),
            ]
        return rbac.service_account_user(namespace, account.get("name", ""), account.get("uid", ""), extra)

    def _legacy_user(self, claims: dict) -> UserInfo | None:
        namespace = claims.get("kubernetes.io/serviceaccount/namespace", "")
        name = claims.get("kubernetes.io/serviceaccount/service-account.name", "")
        uid = claims.get("kubernetes.io/serviceaccount/service-account.uid", "")
        secret_name = claims.get("kubernetes.io/serviceaccount/secret.name", "")
        if not self._account_alive(namespace, name, uid):
            return None
        secret = self.store.get("secrets", namespace, secret_name)
        if secret is None or secret.obj["metadata"].get("deletionTimestamp"):
            return None
        return rbac.service_account_user(namespace, name, uid)

    def _account_alive(self, namespace: str, name: str, uid: str) -> bool:
        return self._object_alive("serviceaccounts", namespace, name, uid)

    def _object_alive(self, key: str, namespace: str, name: str, uid: str) -> bool:
        entry = self.store.get(key, namespace, name)
        if entry is None:
            return False
        meta = entry.obj["metadata"]
        return (not uid or meta.get("uid") == uid) and not meta.get("deletionTimestamp")

    @staticmethod
    def from_certificate(common_name: str, organizations) -> UserInfo:
        groups = tuple(organizations) + ((rbac.AUTHENTICATED,) if rbac.AUTHENTICATED not in organizations else ())
        return UserInfo(common_name, groups)

    # ---- issuing ------------------------------------------------------------------------------

    def token_request(self, namespace: str, name: str, body: object) -> dict:
        """Answer a TokenRequest for ServiceAccount `namespace/name` (what `kubectl create token` sends)."""
        if self.signer is None:
            raise st.StatusError(404, "NotFound", "the server could not find the requested resource")
        if not isinstance(body, dict):
            raise st.bad_request("the body of a token request must be a TokenRequest object")
        account = self.store.get("serviceaccounts", namespace, name)
        if account is None or account.obj["metadata"].get("deletionTimestamp"):
            raise st.not_found("serviceaccounts", "", name)
        spec = body.get("spec") or {}
        if not isinstance(spec, dict):
            raise st.bad_request("spec must be an object")
        seconds = spec.get("expirationSeconds")
        seconds = DEFAULT_TOKEN_SECONDS if seconds is None else seconds
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise st.bad_request(
                f'TokenRequest in version "v1" cannot be handled as a TokenRequest: expirationSeconds: {seconds!r}'
            )
        errors = []
        if seconds < MIN_TOKEN_SECONDS:
            errors.append(
                st.invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes")
            )
        if seconds > MAX_TOKEN_SECONDS:
            errors.append(
                st.invalid("spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds")
            )
        audiences = spec.get("audiences") or list(API_AUDIENCES)
        if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
            errors.append(st.invalid("spec.audiences", audiences, "must be a list of strings"))
        if errors:
            raise st.invalid_object("TokenRequest", "authentication.k8s.io", name, errors)
        meta = account.obj["metadata"]
        issued = self.now()
        now = int(issued.timestamp())
        jti = str(uuid.uuid4())
        private: dict = {"namespace": namespace, "serviceaccount": {"name": name, "uid": meta.get("uid", "")}}
        bound = spec.get("boundObjectRef")
        if isinstance(bound, dict) and bound.get("kind"):
            private.update(self._bound_object(namespace, bound))
        claims = {
            "aud": audiences,
            "exp": now + seconds,
            "iat": now,
            "iss": ISSUER,
            "jti": jti,
            "kubernetes.io": private,
            "nbf": now,
            "sub": f"{rbac.SA_PREFIX}{namespace}:{name}",
        }
        token = self.signer.sign(claims)
        return {
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": None},
            "spec": {
                "audiences": audiences,
                "expirationSeconds": seconds,
                "boundObjectRef": spec.get("boundObjectRef"),
            },
            "status": {
                "token": token,
                "expirationTimestamp": format_time(datetime.fromtimestamp(now + seconds, UTC)),
            },
        }

    def _bound_object(self, namespace: str, ref: dict) -> dict:
        kind, name = ref.get("kind"), ref.get("name", "")
        keys = {"Pod": ("pods", "pod"), "Secret": ("secrets", "secret")}
        if kind not in keys:
            raise st.invalid_object(
                "TokenRequest",
                "authentication.k8s.io",
                name,
                [st.not_supported("spec.boundObjectRef.kind", kind, ["Pod", "Secret"])],
            )
        key, claim = keys[kind]
        entry = self.store.get(key, namespace, name)
        if entry is None:
            raise st.not_found(key, "", name)
        uid = entry.obj["metadata"].get("uid", "")
        if ref.get("uid") and ref["uid"] != uid:
            raise st.conflict(
                key,
                "",
                name,
                f"the UID in the bound object reference ({ref['uid']}) does not match the UID in record. The object might have been deleted and then recreated",
            )
        return {claim: {"name": name, "uid": uid}}

    def legacy_token(self, namespace: str, account_name: str, account_uid: str, secret_name: str) -> str:
        """The never-expiring token a `kubernetes.io/service-account-token` Secret holds."""
        if self.signer is None:
            raise RuntimeError("no service-account signing key")
        return self.signer.sign(
            {
                "iss": LEGACY_ISSUER,
                "kubernetes.io/serviceaccount/namespace": namespace,
                "kubernetes.io/serviceaccount/secret.name": secret_name,
                "kubernetes.io/serviceaccount/service-account.name": account_name,
                "kubernetes.io/serviceaccount/service-account.uid": account_uid,
                "sub": f"{rbac.SA_PREFIX}{namespace}:{account_name}",
            }
        )

    def fill_legacy_secret(self, secret: dict, ca_pem: bytes) -> dict | None:
        """The token controller's decision: the Secret with `data.token`, `ca.crt` and `namespace`
        filled in, or None when it needs nothing (not a token Secret, already filled, or its
        ServiceAccount is missing)."""
        if secret.get("type") != SA_TOKEN_TYPE or self.signer is None:
            return None
        meta = secret.get("metadata") or {}
        if meta.get("deletionTimestamp") or (secret.get("data") or {}).get("token"):
            return None
        account_name = (meta.get("annotations") or {}).get(SA_NAME_ANNOTATION, "")
        account = self.store.get("serviceaccounts", meta.get("namespace", ""), account_name)
        if account is None:
            return None
        uid = account.obj["metadata"].get("uid", "")
        wanted_uid = (meta.get("annotations") or {}).get(SA_UID_ANNOTATION)
        if wanted_uid and wanted_uid != uid:
            return None
        token = self.legacy_token(meta.get("namespace", ""), account_name, uid, meta.get("name", ""))
        filled = dict(secret)
        filled["metadata"] = {**meta, "annotations": {**(meta.get("annotations") or {}), SA_UID_ANNOTATION: uid}}
        filled["data"] = {
            **(secret.get("data") or {}),
            "token": base64.b64encode(token.encode()).decode(),
            "ca.crt": base64.b64encode(ca_pem).decode(),
            "namespace": base64.b64encode(meta.get("namespace", "").encode()).decode(),
        }
        return filled
