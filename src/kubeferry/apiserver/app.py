"""The ASGI application: authentication, limits, content negotiation and routing to the registry.

Thin by design: it parses a request, calls the registry, and renders either the object (JSON,
or a `meta.k8s.io/v1` Table when asked) or a `Status`.  Anything unexpected is logged with its
traceback and answered with a 500 `Status`, never a bare error page.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import traceback
from collections.abc import Callable
from urllib.parse import parse_qs

import orjson

from kubeferry.apiserver import codec, discovery, filters, routes, watch
from kubeferry.machinery import resources
from kubeferry.machinery import status as st
from kubeferry.machinery.resources import Resource
from kubeferry.registry.patching import APPLY_PATCH, PATCH_TYPES
from kubeferry.registry.registry import RETURNS_DELETED_OBJECT, Registry

log = logging.getLogger("kubeferry.apiserver")

ANONYMOUS_PATHS = frozenset({"/livez", "/readyz", "/healthz", "/version"})
NOT_FOUND_MESSAGE = "the server could not find the requested resource"
DEFAULT_MAX_INFLIGHT = 400
UNSERVED_SUBRESOURCES = frozenset({"exec", "attach", "portforward"})
# Resources upstream has deprecated: (group, version, plural) -> (deprecated since, replacement).  Every
# request about one carries a warning, as upstream's handlers add it (`kubectl get endpoints` prints
# "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice").
DEPRECATED_RESOURCES = {("", "v1", "endpoints"): ("1.33", "discovery.k8s.io/v1 EndpointSlice")}

VERSION_INFO = {
    "major": "1",
    "minor": "37",
    "emulationMajor": "1",
    "emulationMinor": "37",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "36",
    "gitVersion": "v1.37.1-kubeferry",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-11-01T00:00:00Z",
    "goVersion": "go1.25.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}


class Request:
    """What a handler needs from an ASGI request."""

    __slots__ = ("scope", "receive", "method", "path", "query", "headers", "_body", "user", "attrs")

    def __init__(self, scope: dict, receive: Callable):
        self.scope = scope
        self.receive = receive
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        raw_query = scope.get("query_string", b"").decode("latin-1")
        self.query = {k: v[-1] for k, v in parse_qs(raw_query, keep_blank_values=True).items()}
        self.headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        self._body: bytes | None = None
        self.user = None  # the UserInfo the request acts as, once authenticated
        self.attrs = None  # what it asks (verb, resource, ...), once resolved

    def param(self, name: str, default: str = "") -> str:
        return self.query.get(name, default)

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("true", "1")

    async def body(self) -> bytes:
        if self._body is None:
            declared = self.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > codec.MAX_BODY:
                raise st.too_large()
            chunks, size = [], 0
            while True:
                message = await self.receive()
                if message["type"] == "http.disconnect":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > codec.MAX_BODY:
                    raise st.too_large()
                chunks.append(chunk)
                if not message.get("more_body"):
                    break
            self._body = codec.inflate(b"".join(chunks), self.headers.get("content-encoding"))
        return self._body

    async def decoded(self) -> object:
        return codec.decode(await self.body(), self.headers.get("content-type"))

    def wants_table(self) -> bool:
        accept = self.headers.get("accept", "")
        return "as=Table" in accept and "g=meta.k8s.io" in accept


async def send_bytes(
    send: Callable, code: int, body: bytes, content_type: str = codec.JSON, headers: list | None = None
) -> None:
    raw_headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    for name, value in headers or ():
        raw_headers.append((name.encode(), value.encode()))
    await send({"type": "http.response.start", "status": code, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def status_body(error: st.StatusError) -> bytes:
    return orjson.dumps(error.to_status())


class ApiServer:
    """The ASGI callable serving the Kubernetes API over one `Registry`."""

    def __init__(
        self,
        registry: Registry,
        *,
        tokens: frozenset[str] | set[str] = frozenset(),
        max_inflight: int = DEFAULT_MAX_INFLIGHT,
        server_address: str = "",
        extra_routes: dict[str, Callable] | None = None,
        access=None,
        audit=None,
    ):
        self.registry = registry
        self.tokens = frozenset(tokens)
        self.access = access or _default_access(registry, self.tokens)
        self.audit = audit
        self.max_inflight = max_inflight
        self.inflight = 0
        self.server_address = server_address
        self.extra_routes = extra_routes or {}
        self.ready = True
        self.on_startup: list[Callable] = []
        self.on_shutdown: list[Callable] = []

    # ---- ASGI entry point --------------------------------------------------------------------

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        if self.audit is not None:
            send = self.audit.wrap(request, send)
        long_running = request.flag("watch") or "/proxy" in request.path or request.path.endswith("/log")
        if not long_running:
            if self.inflight >= self.max_inflight:
                await send_bytes(send, 429, status_body(st.too_many_requests()), headers=[("retry-after", "1")])
                return
            self.inflight += 1
        try:
            await self._route(request, send)
        except st.StatusError as e:
            await send_bytes(send, e.code, status_body(e))
        except Exception:  # noqa: BLE001 - the last line of defence: a Status, never a bare 500 page
            log.error("internal error serving %s %s:\n%s", request.method, request.path, traceback.format_exc())
            await send_bytes(send, 500, status_body(st.internal("an unexpected error; see the server log")))
        finally:
            if not long_running:
                self.inflight -= 1

    async def _lifespan(self, receive: Callable, send: Callable) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for hook in self.on_startup:
                    result = hook()
                    if asyncio.iscoroutine(result):
                        await result
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for hook in self.on_shutdown:
                    result = hook()
                    if asyncio.iscoroutine(result):
                        await result
                await send({"type": "lifespan.shutdown.complete"})
                return

    # ---- routing -----------------------------------------------------------------------------

    def _authenticate(self, request: Request, path: str) -> routes.ResourcePath | None:
        """Who is asking (401 when nobody) and may they (403 otherwise); the parsed resource path."""
        from kubeferry.apiserver import access

        request.user = self.access.identify(request.scope, request.headers)
        target = routes.parse(path) if path.startswith("/api") else None
        request.attrs = access.attributes(request.method, request.path, request.query, target)
        self.access.authorize(request.user, request.attrs)
        return target

    async def _access_endpoint(self, request: Request, send: Callable, target: routes.ResourcePath) -> bool:
        """Reviews and TokenRequests: answered by the authenticator/authorizer, never stored."""
        from kubeferry.machinery.resources import REVIEW_GROUPS

        res = target.resource
        if res is not None and res.group in REVIEW_GROUPS and not target.name:
            if request.method != "POST":
                raise st.method_not_allowed()
            review = await request.decoded()
            self._type_check(res, review)  # `"user": ["x"]` is Go's decoding error, as for any body
            body = self.access.review(request.user, res.kind, target.namespace or "", review)
            await send_bytes(send, 201, orjson.dumps(body))
            return True
        if res is not None and res.plural == "serviceaccounts" and target.sub == ("token",) and target.name:
            if request.method != "POST":
                raise st.method_not_allowed()
            body = self.access.token_request(target.namespace or "", target.name, await request.decoded())
            await send_bytes(send, 201, orjson.dumps(body))
            return True
        return False

    async def _route(self, request: Request, send: Callable) -> None:
        path = request.path.rstrip("/") or "/"
        if path in ("/livez", "/readyz", "/healthz"):
            ok = self.ready or path == "/livez"
            await send_bytes(send, 200 if ok else 500, b"ok" if ok else b"not ready", "text/plain; charset=utf-8")
            return
        if path == "/version":
            await send_bytes(send, 200, orjson.dumps(VERSION_INFO))
            return
        target = self._authenticate(request, path)
        handler = self.extra_routes.get(path)
        if handler is not None:
            await handler(request, send)
            return
        if path in ("/api", "/apis") or path.startswith("/api/") or path.startswith("/apis/"):
            document = discovery.document(path, request.headers.get("accept", ""), self.server_address)
            if document is not None:
                content_type, body = document
                if request.method != "GET":
                    raise st.method_not_allowed()
                await send_bytes(send, 200, body, content_type)
                return
        if path == "/openapi/v2":
            from kubeferry.apiserver import openapi_v2

            code, content_type, body, headers = openapi_v2.answer(request.headers)
            await send_bytes(send, code, body, content_type, headers)
            return
        if path == "/openapi/v3" or path.startswith("/openapi/v3/"):
            from kubeferry.apiserver import openapi

            if path == "/openapi/v3":
                body = openapi.index_bytes()
            else:
                gv = openapi.parse_path(path)
                body = openapi.group_version_document(*gv) if gv else None
            if body is None:
                raise st.StatusError(404, "NotFound", NOT_FOUND_MESSAGE)
            await send_bytes(send, 200, body, "application/json")
            return
        if target is None or target.resource is None:
            raise st.StatusError(404, "NotFound", NOT_FOUND_MESSAGE)
        if await self._access_endpoint(request, send, target):
            return
        await self._resource(request, send, target)

    async def _resource(self, request: Request, send: Callable, target: routes.ResourcePath) -> None:
        res = target.resource
        assert res is not None
        deprecated = DEPRECATED_RESOURCES.get((res.group, res.version, res.plural))
        if deprecated is not None:
            warned = _with_deprecation_warning(send, res, *deprecated)
            try:
                await self._serve_resource(request, warned, target)
            except st.StatusError as e:  # refusals carry the warning too
                await send_bytes(warned, e.code, status_body(e))
            return
        await self._serve_resource(request, send, target)

    async def _serve_resource(self, request: Request, send: Callable, target: routes.ResourcePath) -> None:
        res = target.resource
        assert res is not None
        method = request.method
        namespace = target.namespace or ""
        if res.namespaced and target.namespace is None:
            if target.name is not None:
                raise st.StatusError(404, "NotFound", NOT_FOUND_MESSAGE)
            if method != "GET":  # the all-namespaces path only lists and watches
                raise st.method_not_allowed()
        sub = target.subresource
        if sub:
            if sub in UNSERVED_SUBRESOURCES or res.subresource(sub) is None:
                raise st.StatusError(404, "NotFound", NOT_FOUND_MESSAGE)
            if sub in ("status", "scale") and len(target.sub) > 1:
                raise st.StatusError(404, "NotFound", NOT_FOUND_MESSAGE)
            subhandler = self.extra_routes.get(f"subresource:{sub}")
            if subhandler is not None:
                await subhandler(request, send, target)
                return
            if sub == "eviction":
                if method != "POST" or target.name is None:
                    raise st.method_not_allowed()
                self.access.admit_node_write(
                    request.user, request.attrs, None, self._stored(res, namespace, target.name)
                )
                result = self.registry.evict(res, namespace, target.name, await request.decoded())
                await send_bytes(send, 201, orjson.dumps(result))
                return
            if sub not in ("status", "scale", "finalize"):
                raise st.StatusError(404, "NotFound", NOT_FOUND_MESSAGE)
            if sub == "finalize" and method != "PUT":
                raise st.method_not_allowed()
        if target.name is None:
            if method == "GET":
                if request.flag("watch"):
                    await watch.serve(self.registry, request, send, res, target.namespace)
                else:
                    await self._list(request, send, res, target.namespace)
            elif method == "POST":
                await self._create(request, send, res, namespace)
            elif method == "DELETE":
                await self._delete_collection(request, send, res, target.namespace)
            else:
                raise st.method_not_allowed()
            return
        name = target.name
        if method == "GET":
            entry = self.registry.get(res, namespace, name)
            if sub == "scale":
                scale = self.registry.scale_of(res, entry)
                if request.wants_table():  # `kubectl get deploy web --subresource=scale`
                    await self._send_object(request, send, SCALE_RESOURCE, scale, b"")
                else:
                    await send_bytes(send, 200, orjson.dumps(scale))
            else:
                await self._send_object(request, send, res, entry.obj, entry.raw)
        elif method == "PUT":
            body = await request.decoded()
            dry_run = self._dry_run(request)
            warnings = self._field_validation(request, res, body, sub)
            if sub == "scale":
                _expect_kind(body, SCALE_API_VERSION, "Scale")
                scale = self.registry.update_scale(res, namespace, name, body, dry_run=dry_run)
                await send_bytes(send, 200, orjson.dumps(scale))
                return
            self.access.check_rbac_write(request.user, res.kind, namespace, body)
            self.access.admit_node_write(request.user, request.attrs, body, self._stored(res, namespace, name))
            result = self.registry.update(res, namespace, name, body, subresource=sub, dry_run=dry_run)
            await self._send_object(
                request, send, res, result.entry.obj, result.entry.raw, 201 if result.created else 200, warnings
            )
        elif method == "PATCH":
            patch_type = codec.media_type(request.headers.get("content-type"))
            if patch_type == APPLY_PATCH or patch_type not in PATCH_TYPES:
                accepted = ", ".join(PATCH_TYPES)
                raise st.StatusError(
                    415,
                    "UnsupportedMediaType",
                    f"the body of the request was in an unknown format - accepted media types include: {accepted}",
                )
            if request.query.get("force") is not None:  # only server-side apply may force
                raise st.invalid_object(
                    "PatchOptions",
                    "meta.k8s.io",
                    "",
                    [st.forbidden("force", "may not be specified for non-apply patch")],
                )
            body = await request.decoded()
            warnings: list[str] = []
            check = self._patch_checker(request, res, patch_type, body, warnings) if sub != "scale" else None
            result = self.registry.patch(
                res, namespace, name, patch_type, body, subresource=sub, dry_run=self._dry_run(request), check=check
            )
            if sub == "scale":
                await send_bytes(send, 200, orjson.dumps(result.entry.obj))
                return
            await self._send_object(request, send, res, result.entry.obj, result.entry.raw, 200, warnings)
        elif method == "DELETE":
            if sub:
                raise st.method_not_allowed()
            options = await self._delete_options(request)
            self.access.admit_node_write(request.user, request.attrs, None, self._stored(res, namespace, name))
            entry, removed = self.registry.delete(res, namespace, name, options)
            if removed and res.kind not in RETURNS_DELETED_OBJECT:
                meta = entry.obj["metadata"]
                await send_bytes(
                    send, 200, orjson.dumps(st.success_status(name, res.group, res.plural, meta.get("uid", "")))
                )
            else:
                await self._send_object(request, send, res, entry.obj, entry.raw)
        elif method == "POST":
            raise st.method_not_allowed()
        else:
            raise st.method_not_allowed()

    # ---- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _dry_run(request: Request) -> bool:
        """`?dryRun=All`; any other value is refused as kube-apiserver validates its options object:
        `CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["x"]: supported values: "All"`."""
        value = request.query.get("dryRun")
        if value is None:
            return False
        if value != "All":
            options = OPTIONS_KIND.get(request.method, "CreateOptions")
            raise st.invalid_object(options, "meta.k8s.io", "", [st.not_supported("dryRun", [value], ["All"])])
        return True

    @staticmethod
    def _type_check(res: Resource, body: object, baseline: dict | None = None) -> None:
        """Refuse mistyped fields as Go's decoder does, before anything else looks at the body."""
        if not isinstance(body, dict):
            return
        from kubeferry.machinery import typecheck

        mistyped = typecheck.first_type_error(body, res.group, res.version, res.kind, baseline)
        if mistyped:
            raise st.bad_request(f'{res.kind} in version "{res.version}" cannot be handled as a {res.kind}: {mistyped}')

    @staticmethod
    def _patch_type_check(res: Resource, patch_type: str, patch: object, patched: dict, original: dict) -> None:
        """Refuse a patch that leaves a field mistyped as kube-apiserver's patch handler does: a 422 on
        `patch`, showing Go's `%+v` of a strategic merge patch with the unstructured converter's words,
        or the patched object's JSON with the decoder's words for JSON and merge patches."""
        from kubeferry.machinery import typecheck

        if patch_type.startswith("application/strategic"):
            mistyped = typecheck.first_conversion_error(patched, res.group, res.version, res.kind, original)
        else:
            mistyped = typecheck.first_type_error(patched, res.group, res.version, res.kind, original)
        if mistyped:
            shown = _patch_shown(patch_type, patch, patched)
            raise st.invalid_object("", "", "", [st.invalid("patch", shown, mistyped)])

    def _field_validation(self, request: Request, res: Resource, body: object, sub: str) -> list[str]:
        """Apply `fieldValidation` to a create/update body: Strict → 400, Warn → warning texts."""
        if sub != "scale":
            self._type_check(res, body)
        mode = self._validation_mode(request)
        if sub == "scale" or not isinstance(body, dict):
            return []
        from kubeferry.machinery import fieldcheck, schema

        node = schema.for_kind(res.group, res.version, res.kind)
        if node is None:
            return []
        if mode == "Ignore":
            fieldcheck.drop_unknown_fields(body, node)  # not stored, whatever the directive says
            return []
        raw = request._body if codec.media_type(request.headers.get("content-type")) == codec.JSON else None
        errors = fieldcheck.strict_errors(raw, node) if raw else fieldcheck.unknown_fields(body, node)
        if raw is None:
            errors = [f'unknown field "{path}"' for path in errors]
        if errors and mode == "Strict":
            api_version = str(body.get("apiVersion", ""))
            raise fieldcheck.decode_error(str(body.get("kind", "")), api_version.rpartition("/")[2], res.kind, errors)
        if errors:
            fieldcheck.drop_unknown_fields(body, node)
        return fieldcheck.warnings(errors)

    @staticmethod
    def _validation_mode(request: Request) -> str:
        mode = request.query.get("fieldValidation", "Warn")
        if mode not in ("Strict", "Warn", "Ignore"):
            raise st.bad_request(
                f'fieldValidation: Unsupported value: "{mode}": supported values: "Ignore", "Strict", "Warn"'
            )
        return mode

    def _patch_checker(self, request: Request, res: Resource, patch_type: str, patch: object, warnings: list[str]):
        """A check of the patched object for unknown fields, run before it is stored."""
        mode = self._validation_mode(request)

        def check(patched: dict, original: dict) -> None:
            from kubeferry.machinery import fieldcheck, schema

            self._patch_type_check(res, patch_type, patch, patched, original)
            self.access.check_rbac_write(
                request.user, res.kind, (original.get("metadata") or {}).get("namespace", ""), patched
            )
            self.access.admit_node_write(request.user, request.attrs, patched, original)
            node = schema.for_kind(res.group, res.version, res.kind)
            if node is None:
                return
            if mode == "Ignore":
                fieldcheck.drop_unknown_fields(patched, node, original)
                return
            errors = [f'unknown field "{path}"' for path in fieldcheck.unknown_fields(patched, node, original)]
            if not errors:
                return
            if mode == "Strict":
                raise fieldcheck.patch_error(_patch_shown(patch_type, patch, patched), errors)
            fieldcheck.drop_unknown_fields(patched, node, original)
            warnings.extend(fieldcheck.warnings(errors))

        return check

    def _stored(self, res: Resource, namespace: str, name: str) -> dict | None:
        entry = self.registry.store.get(resources.storage_key(res), namespace if res.namespaced else "", name)
        return entry.obj if entry is not None else None

    async def _delete_options(self, request: Request) -> dict:
        body = await request.body()
        options: dict = {}
        if body.strip():
            decoded = codec.decode(body, request.headers.get("content-type"))
            if not isinstance(decoded, dict):
                raise st.bad_request("the body of a DELETE must be a DeleteOptions object")
            kind = decoded.get("kind")
            if kind not in (None, "", "DeleteOptions"):
                version = decoded.get("apiVersion") or "v1"
                raise st.bad_request(f'no kind "{kind}" is registered for version "{version}" as DeleteOptions')
            options = decoded
        for name in ("gracePeriodSeconds",):
            if name in request.query:
                try:
                    options[name] = int(request.query[name])
                except ValueError:
                    raise st.bad_request(f"{name}: invalid integer {request.query[name]!r}")
        if "propagationPolicy" in request.query:
            options["propagationPolicy"] = request.query["propagationPolicy"]
        if "dryRun" in request.query and self._dry_run(request):
            options["dryRun"] = ["All"]
        return options

    async def _send_object(
        self,
        request: Request,
        send: Callable,
        res: Resource,
        obj: dict,
        raw: bytes,
        code: int = 200,
        warnings: list[str] | None = None,
    ) -> None:
        from kubeferry.machinery.fieldcheck import warning_header

        headers = [("warning", warning_header(w)) for w in warnings or ()]
        if request.wants_table():
            from kubeferry.apiserver import tables

            table = tables.to_table(
                res, [obj], self.registry.now(), include_object=request.param("includeObject", "Metadata")
            )
            await send_bytes(send, code, orjson.dumps(table), headers=headers)
            return
        await send_bytes(send, code, raw or orjson.dumps(obj), headers=headers)

    async def _create(self, request: Request, send: Callable, res: Resource, namespace: str) -> None:
        if res.namespaced and not namespace:
            raise st.StatusError(404, "NotFound", NOT_FOUND_MESSAGE)
        if codec.media_type(request.headers.get("content-type")) in PATCH_TYPES + (APPLY_PATCH,):
            raise st.StatusError(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: "
                + ", ".join(CREATE_TYPES),
            )
        body = await request.decoded()
        warnings = self._field_validation(request, res, body, "")
        self.access.check_rbac_write(request.user, res.kind, namespace, body)
        self.access.admit_node_write(request.user, request.attrs, body, None)
        result = self.registry.create(res, namespace, body, dry_run=self._dry_run(request))  # type: ignore[arg-type]
        await self._send_object(request, send, res, result.entry.obj, result.entry.raw, 201, warnings)

    async def _list(self, request: Request, send: Callable, res: Resource, namespace: str | None) -> None:
        _check_list_versions(request)
        predicate = filters.predicate(res, request.param("labelSelector"), request.param("fieldSelector"))
        entries = self.registry.list(res, namespace, predicate)
        rv = str(self.registry.store.resource_version)
        limit_text = request.param("limit")
        token = request.param("continue")
        cont = ""
        if token:
            start = _decode_continue(token)
            entries = [e for e in entries if _entry_key(e) > start]
        if limit_text:
            try:
                limit = int(limit_text)
            except ValueError:
                raise st.bad_request(f"limit: invalid integer {limit_text!r}")
            if 0 < limit < len(entries):
                entries = entries[:limit]
                cont = _encode_continue(_entry_key(entries[-1]), rv)
        if request.wants_table():
            from kubeferry.apiserver import tables

            table = tables.to_table(
                res,
                [e.obj for e in entries],
                self.registry.now(),
                resource_version=rv,
                continue_token=cont,
                include_object=request.param("includeObject", "Metadata"),
            )
            await send_bytes(send, 200, orjson.dumps(table))
            return
        meta = b'{"resourceVersion":"' + rv.encode() + b'"'
        if cont:
            meta += b',"continue":"' + cont.encode() + b'"'
        meta += b"}"
        body = b"".join(
            (
                b'{"kind":"',
                res.list_kind.encode(),
                b'","apiVersion":"',
                res.api_version.encode(),
                b'","metadata":',
                meta,
                b',"items":[',
                b",".join(e.raw for e in entries),
                b"]}",
            )
        )
        await send_bytes(send, 200, body)

    async def _delete_collection(self, request: Request, send: Callable, res: Resource, namespace: str | None) -> None:
        if "deletecollection" not in res.verbs:
            raise st.method_not_allowed()
        predicate = filters.predicate(res, request.param("labelSelector"), request.param("fieldSelector"))
        options = await self._delete_options(request)
        removed = self.registry.delete_collection(res, namespace, predicate, options)
        body = {
            "kind": res.list_kind,
            "apiVersion": res.api_version,
            "metadata": {"resourceVersion": str(self.registry.store.resource_version)},
            "items": [e.obj for e in removed],
        }
        await send_bytes(send, 200, orjson.dumps(body))


def _default_access(registry: Registry, tokens: frozenset[str]):
    """Admin tokens only, RBAC over the registry's store (what tests and in-process servers use)."""
    from kubeferry.apiserver.access import Access
    from kubeferry.registry.authentication import Authenticator
    from kubeferry.registry.authorization import Authorizer

    return Access(Authenticator(registry.store, lambda: registry.now(), tokens), Authorizer(registry.store))


SCALE_API_VERSION = "autoscaling/v1"
# The Scale a `scale` subresource answers with, as a kind of its own for its Table (Desired, Available).
SCALE_RESOURCE = Resource("autoscaling", "v1", "Scale", "scale", True)
OPTIONS_KIND = {"POST": "CreateOptions", "PUT": "UpdateOptions", "PATCH": "PatchOptions", "DELETE": "DeleteOptions"}
CREATE_TYPES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")


def _check_list_versions(request: Request) -> None:
    """ListOptions as kube-apiserver validates them: a numeric resourceVersion (400 otherwise) and
    resourceVersionMatch only together with a resourceVersion (422)."""
    rv = request.param("resourceVersion")
    if rv and not rv.isdigit():
        raise st.bad_request(
            f'invalid resource version: resourceVersion: Invalid value: "{rv}": '
            f'strconv.ParseUint: parsing "{rv}": invalid syntax'
        )
    if request.param("resourceVersionMatch") and not rv:
        raise st.invalid_object(
            "ListOptions",
            "meta.k8s.io",
            "",
            [
                st.forbidden(
                    "resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"
                )
            ],
        )


def _expect_kind(body: object, api_version: str, kind: str) -> None:
    """A subresource body of another type is refused as kube-apiserver's decoder refuses it (400)."""
    if not isinstance(body, dict):
        return
    given_version, given_kind = body.get("apiVersion"), body.get("kind")
    if given_version and given_version != api_version:
        raise st.bad_request(
            f"the API version in the data ({given_version}) does not match the expected API version ({api_version})"
        )
    if given_kind and given_kind != kind:
        raise st.bad_request(f"the kind in the data ({given_kind}) does not match the expected kind ({kind})")


def _entry_key(entry) -> str:
    meta = entry.obj["metadata"]
    return f"{meta.get('namespace', '')}\x00{meta['name']}"


def _encode_continue(start: str, rv: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"v": "meta.k8s.io/v1", "rv": int(rv), "start": start})).decode()


def _decode_continue(token: str) -> str:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token.encode()))
        return str(data["start"])
    except Exception:  # noqa: BLE001 - any malformed token is the client's error
        raise st.bad_request("continue key is not valid: the token could not be decoded")


def _patch_shown(patch_type: str, patch: object, patched: dict) -> str:
    """How kube-apiserver shows a refused patch in its 422: Go's `%+v` of a strategic merge patch
    (`fieldcheck.go_repr`), the patched object's JSON for JSON and merge patches."""
    from kubeferry.machinery import fieldcheck

    if patch_type.startswith("application/strategic"):
        return fieldcheck.go_repr(patch)
    return orjson.dumps(patched).decode()


def _with_deprecation_warning(send: Callable, res, since: str, replacement: str) -> Callable:
    """`send` with upstream's deprecation warning on the response head (errors included)."""
    from kubeferry.machinery.fieldcheck import warning_header

    group_version = f"{res.group}/{res.version}" if res.group else res.version
    text = f"{group_version} {res.kind} is deprecated in v{since}+; use {replacement}"
    header = (b"warning", warning_header(text).encode())

    async def warned(message: dict) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), header]}
        await send(message)

    return warned
