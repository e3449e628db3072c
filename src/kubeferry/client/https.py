"""The HTTPS transport: a `Transport` for remote API servers, on the standard library only.

Owns the sockets: TLS from a `ClientConfig` (CA bytes, client certificate, insecure skip, server
name), keep-alive connection reuse, credentials on each request (bearer token, basic auth, exec
plugin or token-file token, refreshed once after a 401), one-line connection errors worded as
kubectl words them, `continue`-token paging, watch streams, and discovery for kinds that are not
in kubeferry's resource table.  Request building and response decoding live in
`kubeferry.client.request`; this module only moves their bytes.

Imports stay cheap (`tls` streams on the C modules, our own `wire` HTTP/1.1 reader): the CLI pays
for this module on every command.
"""

from __future__ import annotations

import _thread
import os

from kubeferry.client import request as rq
from kubeferry.client import tls, wire
from kubeferry.client.kubeconfig import ClientConfig, CredentialError, Credentials
from kubeferry.client.record import Record
from kubeferry.client.request import STRATEGIC
from kubeferry.client.urls import urlsplit
from kubeferry.machinery import resources
from kubeferry.machinery.resources import Resource, Subresource
from kubeferry.machinery.status import StatusError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

DEFAULT_TIMEOUT = 32.0  # seconds; kubectl's discovery timeout, a fair default for every request
LIST_PAGE_SIZE = 500  # kubectl's chunk size for lists
WATCH_SLACK = 30.0  # seconds a watch socket waits beyond the server's timeoutSeconds
READ_CHUNK = 64 * 1024
MAX_IDLE = 4  # keep-alive connections kept per transport
_STALE = (wire.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class APIConnectionError(ConnectionError):
    """The server could not be reached; `str()` is the line kubectl prints."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NoMatchError(LookupError):
    """The server serves no such kind (or resource name); worded as kubectl words it."""

    def __str__(self) -> str:
        return str(self.args[0])


class ListResult(Record):
    """A whole list: `items` (every page) and the list's `resource_version`."""

    _fields = ("items", "resource_version")
    _frozen = True


def ssl_context(config: ClientConfig, cert: bytes | None = None, key: bytes | None = None):
    """The TLS context for `config`: its CA bytes (else the system's CAs) or no verification, a client certificate."""
    try:
        context = tls.client_context(ca_data=config.ca_data or None, insecure=config.insecure)
    except tls.SSLError:
        raise APIConnectionError("error: unable to load root certificates: unable to parse bytes as PEM block")
    if cert and key:
        path = tls.write_cert_file(cert, key)
        try:
            context.load_cert_chain(path)
        except tls.SSLError as e:
            raise APIConnectionError(f"error: tls: failed to load the client certificate and key: {e.reason or e}")
        finally:
            os.unlink(path)
    return context


def _verify_message(e: tls.SSLCertVerificationError, host: str) -> str:
    # self-signed / unknown issuer; or a CA of the same name whose signature does not match (7: a
    # kubeconfig left from an earlier cluster whose CA was made again), which Go also reports as unknown
    if e.verify_code in (7, 18, 19, 20, 21):
        return "tls: failed to verify certificate: x509: certificate signed by unknown authority"
    if e.verify_code == 62:
        return f"tls: failed to verify certificate: x509: certificate is not valid for {host}"
    if e.verify_code == 10:
        return "tls: failed to verify certificate: x509: certificate has expired or is not yet valid"
    return f"tls: failed to verify certificate: x509: {e.verify_message or e}"


class HTTPSTransport:
    """A `Transport` to one API server, as configured by a kubeconfig.

    Besides the protocol methods: `list_objects` (selectors, the list's resourceVersion), `watch`,
    `raw`, `resource_for`/`lookup` (discovery), `warnings` (every `Warning` header text seen, in
    order; also passed to `on_warning` when given).
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        timeout: float | None = None,
        on_warning: Callable[[str], None] | None = None,
        headers: dict[str, str] | None = None,
    ):
        parts = urlsplit(config.server)
        if parts.scheme not in ("https", "http"):
            raise APIConnectionError(f'error: unsupported server URL scheme "{parts.scheme}" in {config.server}')
        self.config = config
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.base_path = parts.path.rstrip("/")
        self.timeout = timeout if timeout is not None else (config.timeout or DEFAULT_TIMEOUT)
        self.on_warning = on_warning
        self.extra_headers = dict(headers or {})
        self.warnings: list[str] = []
        self._lock = _thread.allocate_lock()  # threading.Lock itself; `threading` costs start-up
        self._idle: list[wire.Connection] = []
        self._context = None  # the TLS context, built on first use
        self._context_key: tuple = ()
        self._discovery: list[Resource] | None = None

    # -- connections ----------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def __enter__(self) -> HTTPSTransport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _credentials(self) -> Credentials:
        provider = self.config.credential_provider
        if provider is None or not self.config.secure:
            return Credentials(self.config.token, self.config.client_cert, self.config.client_key)
        try:
            creds = provider.credentials()
        except CredentialError as e:
            raise APIConnectionError(f"Unable to connect to the server: {e.message}")
        except OSError as e:
            raise APIConnectionError(f"Unable to connect to the server: {e}")
        return Credentials(
            creds.token or self.config.token,
            creds.client_cert or self.config.client_cert,
            creds.client_key or self.config.client_key,
            creds.expires,
        )

    def _tls(self, creds: Credentials):
        key = (creds.client_cert, creds.client_key)
        with self._lock:
            if self._context is None or self._context_key != key:
                if self._context is not None:  # the exec plugin rotated the client certificate
                    for conn in self._idle:
                        conn.close()
                    self._idle.clear()
                self._context = ssl_context(self.config, creds.client_cert, creds.client_key)
                self._context_key = key
            return self._context

    def _connection(self, creds: Credentials, timeout: float | None) -> tuple[wire.Connection, bool]:
        if self.config.secure:
            context = self._tls(creds)
        with self._lock:
            if self._idle:
                conn = self._idle.pop()
                conn.timeout = timeout
                if conn.sock is not None:
                    conn.sock.settimeout(timeout)
                return conn, True
        if self.config.secure:
            return wire.Connection(
                self.host, self.port, context=context, server_hostname=self.config.server_name or None, timeout=timeout
            ), False
        return wire.Connection(self.host, self.port, timeout=timeout), False

    def _release(self, conn: wire.Connection, response: wire.Response) -> None:
        if response.will_close or conn.sock is None:
            conn.close()
            return
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(conn)
                return
        conn.close()

    def _headers(self, request: rq.Request, creds: Credentials) -> dict[str, str]:
        headers = {"User-Agent": self.config.user_agent, **self.extra_headers}
        headers.update(request.headers)
        if self.config.secure:
            if creds.token:
                headers["Authorization"] = f"Bearer {creds.token}"
            elif self.config.username or self.config.password:
                import binascii  # basic auth only

                credentials = f"{self.config.username}:{self.config.password}".encode()
                basic = binascii.b2a_base64(credentials, newline=False).decode()
                headers["Authorization"] = f"Basic {basic}"
        if request.body is not None:
            headers["Content-Length"] = str(len(request.body))
        return headers

    def _connection_error(self, e: BaseException) -> APIConnectionError:
        where = self.config.host_port
        if isinstance(e, ConnectionRefusedError):
            return APIConnectionError(
                f"The connection to the server {where} was refused - did you specify the right host or port?"
            )
        if isinstance(e, tls.gaierror):
            return APIConnectionError(f"Unable to connect to the server: dial tcp: lookup {self.host}: no such host")
        if isinstance(e, tls.SSLCertVerificationError):
            return APIConnectionError(f"Unable to connect to the server: {_verify_message(e, self.host)}")
        if isinstance(e, tls.SSLError):
            return APIConnectionError(f"Unable to connect to the server: tls: {e.reason or e}")
        if isinstance(e, TimeoutError):
            return APIConnectionError(
                "Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting headers)"
            )
        if isinstance(e, _STALE):
            return APIConnectionError(f"Unable to connect to the server: EOF (the connection to {where} was closed)")
        return APIConnectionError(f"Unable to connect to the server: {e}")

    def _open(self, request: rq.Request, timeout: float | None) -> tuple[wire.Connection, wire.Response]:
        """Send a request and read the response head, retrying once on a keep-alive connection the server had closed."""
        creds = self._credentials()
        for attempt in range(2):
            conn, reused = self._connection(creds, timeout)
            try:
                conn.request(
                    request.method,
                    self.base_path + request.target,
                    body=request.body,
                    headers=self._headers(request, creds),
                )
                return conn, conn.getresponse()
            except _STALE as e:
                conn.close()
                if reused and attempt == 0:
                    continue
                raise self._connection_error(e)
            except (OSError, wire.HTTPException) as e:
                conn.close()
                raise self._connection_error(e)
        raise AssertionError("unreachable")

    def send(self, request: rq.Request, *, timeout: float | None = None) -> rq.Response:
        """One request/response exchange; non-2xx raises the StatusError."""
        for attempt in range(2):
            conn, response = self._open(request, timeout if timeout is not None else self.timeout)
            try:
                body = response.read()
            except (OSError, wire.HTTPException) as e:
                conn.close()
                raise self._connection_error(e)
            self._release(conn, response)
            provider = self.config.credential_provider
            if response.status == 401 and provider is not None and attempt == 0:
                provider.invalidate()  # an expired plugin token: fetch a fresh one and retry once
                continue
            headers = response.getheaders()
            self._warn(rq.parse_warnings([v for k, v in headers if k.lower() == "warning"]))
            return rq.decode(request, response.status, headers, body)
        raise AssertionError("unreachable")

    def _warn(self, texts: list[str]) -> None:
        for text in texts:
            self.warnings.append(text)
            if self.on_warning is not None:
                self.on_warning(text)

    # -- discovery ------------------------------------------------------------------------------

    def _get_json(self, path: str, accept: str = rq.ACCEPT_DYNAMIC) -> tuple[dict, str]:
        response = self.send(rq.raw("GET", path, accept=accept))
        return response.json(), response.header("Content-Type")

    def discover(self, refresh: bool = False) -> list[Resource]:
        """Every resource the server serves (aggregated discovery, else the legacy documents), cached."""
        if self._discovery is not None and not refresh:
            return self._discovery
        found: list[Resource] = []
        for root in ("/api", "/apis"):
            try:
                doc, content_type = self._get_json(root, rq.ACCEPT_DISCOVERY)
            except StatusError as e:
                if e.code == 404 and root == "/apis":
                    continue
                raise
            if "as=APIGroupDiscoveryList" in content_type.replace(" ", ""):
                found.extend(parse_aggregated(doc))
            elif root == "/api":
                for version in doc.get("versions") or []:
                    found.extend(parse_legacy(self._get_json(f"/api/{version}")[0], "", version))
            else:
                for group in doc.get("groups") or []:
                    preferred = (group.get("preferredVersion") or {}).get("groupVersion", "")
                    gvs = [v.get("groupVersion", "") for v in group.get("versions") or []]
                    for gv in sorted(gvs, key=lambda g: g != preferred):
                        g, _, v = gv.partition("/")
                        try:  # a group version that fails to answer is skipped (no contextlib: start-up)
                            found.extend(parse_legacy(self._get_json(f"/apis/{gv}")[0], g, v))
                        except StatusError:
                            continue
        self._discovery = found
        return found

    def resource_for(self, api_version: str, kind: str) -> Resource:
        res = resources.by_api_version_kind(api_version, kind)
        if res is not None:
            return res
        group, _, version = api_version.rpartition("/")
        for candidate in self.discover():
            if (candidate.group, candidate.version, candidate.kind) == (group, version, kind):
                return candidate
        raise NoMatchError(f'no matches for kind "{kind}" in version "{api_version}"')

    def lookup(self, name: str) -> Resource:
        """A resource by the name kubectl accepts: plural, singular, short name or kind, optionally `.group`."""
        return lookup(self.discover(), name)

    def _resource(self, api_version: str, kind: str) -> Resource:
        return self.resource_for(api_version, kind)

    # -- Transport ------------------------------------------------------------------------------

    def _namespace(self, res: Resource, namespace: str | None) -> str | None:
        if not res.namespaced:
            return None
        return namespace or self.config.namespace

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict | None:
        res = self._resource(api_version, kind)
        try:
            return self.send(rq.get(res, self._namespace(res, namespace), name)).json()
        except StatusError as e:
            if e.code == 404 and e.reason == "NotFound":
                return None
            raise

    def list_objects(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = LIST_PAGE_SIZE,
    ) -> ListResult:
        """Every object, following `continue` tokens; items get the list's apiVersion/kind filled in."""
        res = self._resource(api_version, kind)
        items: list[dict] = []
        token = ""
        rv = ""
        while True:
            request = rq.list_(
                res,
                namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                limit=limit,
                continue_=token,
            )
            doc = self.send(request).json()
            for item in doc.get("items") or []:
                item.setdefault("apiVersion", res.api_version)
                item.setdefault("kind", res.kind)
                items.append(item)
            meta = doc.get("metadata") or {}
            rv = str(meta.get("resourceVersion") or rv)
            token = str(meta.get("continue") or "")
            if not token:
                return ListResult(items, rv)

    def list(self, api_version: str, kind: str, namespace: str | None = None) -> list[dict]:
        items = self.list_objects(api_version, kind, namespace).items
        return sorted(
            items,
            key=lambda o: ((o.get("metadata") or {}).get("namespace", ""), (o.get("metadata") or {}).get("name", "")),
        )

    def create(self, obj: dict, **params) -> dict:
        res = self._resource(obj.get("apiVersion", ""), obj.get("kind", ""))
        namespace = self._namespace(res, (obj.get("metadata") or {}).get("namespace"))
        return self.send(rq.create(res, namespace, obj, **params)).json()

    def update(self, obj: dict, subresource: str = "", **params) -> dict:
        res = self._resource(obj.get("apiVersion", ""), obj.get("kind", ""))
        namespace = self._namespace(res, (obj.get("metadata") or {}).get("namespace"))
        return self.send(rq.update(res, namespace, obj, subresource, **params)).json()

    def patch(
        self,
        api_version: str,
        kind: str,
        namespace: str,
        name: str,
        patch: object,
        patch_type: str = STRATEGIC,
        subresource: str = "",
        **params,
    ) -> dict:
        res = self._resource(api_version, kind)
        return self.send(
            rq.patch(res, self._namespace(res, namespace), name, patch, patch_type, subresource, **params)
        ).json()

    def delete(
        self, api_version: str, kind: str, namespace: str, name: str, options: dict | None = None, **params
    ) -> None:
        res = self._resource(api_version, kind)
        self.send(rq.delete(res, self._namespace(res, namespace), name, options, **params))

    def raw(self, method: str, path: str, body: object = None, **kwargs) -> rq.Response:
        """Any request by path (`kubectl get|create --raw`); non-2xx raises StatusError."""
        return self.send(rq.raw(method, path, body, **kwargs))

    def forward(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None, timeout: float | None = None
    ) -> tuple[wire.Connection, wire.Response]:
        """Send a request as a proxy received it (`target` = path + query) with this client's credentials.

        Returns the connection and the response with its head read; the caller streams the body
        (`read1`) and closes the connection.  Connection failures raise APIConnectionError.
        """
        request = rq.Request(method.upper(), target, (), tuple(headers.items()), body)
        return self._open(request, timeout)

    def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        resource_version: str = "",
        label_selector: str = "",
        field_selector: str = "",
        timeout_seconds: int | None = None,
        send_initial_events: bool = False,
        bookmarks: bool = False,
    ) -> Iterator[dict]:
        """Events until the server ends the stream; ERROR events raise StatusError (`request.is_gone` for 410).

        BOOKMARK events are yielded only with `bookmarks=True` (always for watch-list requests, whose
        end-of-initial-events marker is a bookmark).  Resume from the last event's resourceVersion.
        """
        res = self._resource(api_version, kind)
        request = rq.watch(
            res,
            namespace,
            resource_version=resource_version,
            label_selector=label_selector,
            field_selector=field_selector,
            timeout_seconds=timeout_seconds,
            send_initial_events=send_initial_events,
        )
        socket_timeout = None if timeout_seconds is None else timeout_seconds + WATCH_SLACK
        conn, response = self._open(request, socket_timeout)
        try:
            if response.status != 200:
                body = response.read()
                rq.decode(request, response.status, response.getheaders(), body)
            self._warn(rq.parse_warnings([v for k, v in response.getheaders() if k.lower() == "warning"]))
            decoder = rq.WatchDecoder(resource_version, bookmarks=bookmarks or send_initial_events)
            while True:
                try:
                    chunk = response.read1(READ_CHUNK)
                except (OSError, wire.HTTPException) as e:
                    raise self._connection_error(e)
                if not chunk:
                    yield from decoder.close()
                    return
                yield from decoder.feed(chunk)
        finally:
            conn.close()  # a watch connection is never reused: the stream may be half-read


def lookup(found: list[Resource], name: str) -> Resource:
    lowered = name.lower()
    base, _, group = lowered.partition(".")
    for match in (
        lambda r: r.plural == base,
        lambda r: r.singular_name == base,
        lambda r: base in r.short_names,
        lambda r: r.kind.lower() == base,
    ):
        for res in found:
            if match(res) and (not group or res.group == group):
                return res
    raise NoMatchError(f'the server doesn\'t have a resource type "{name}"')


def parse_aggregated(doc: dict) -> list[Resource]:
    """Resources from an `APIGroupDiscoveryList` (`/api` or `/apis`), preferred versions first."""
    out = []
    for item in doc.get("items") or []:
        group = (item.get("metadata") or {}).get("name", "") or ""
        for version in item.get("versions") or []:
            v = version.get("version", "")
            for r in version.get("resources") or []:
                kind = (r.get("responseKind") or {}).get("kind", "")
                subs = tuple(
                    Subresource(
                        s.get("subresource", ""),
                        (s.get("responseKind") or {}).get("group", group),
                        (s.get("responseKind") or {}).get("version", v),
                        (s.get("responseKind") or {}).get("kind", kind),
                        tuple(s.get("verbs") or ()),
                    )
                    for s in r.get("subresources") or []
                )
                out.append(
                    Resource(
                        group,
                        v,
                        kind,
                        r.get("resource", ""),
                        r.get("scope") == "Namespaced",
                        tuple(r.get("shortNames") or ()),
                        tuple(r.get("categories") or ()),
                        subs,
                        tuple(r.get("verbs") or ()),
                        r.get("singularResource", ""),
                    )
                )
    return out


def parse_legacy(doc: dict, group: str, version: str) -> list[Resource]:
    """Resources from one legacy `APIResourceList` (`/api/v1`, `/apis/apps/v1`)."""
    mains: dict[str, dict] = {}
    subs: dict[str, list[Subresource]] = {}
    for r in doc.get("resources") or []:
        name = r.get("name", "")
        if "/" in name:
            parent, _, sub = name.partition("/")
            subs.setdefault(parent, []).append(
                Subresource(
                    sub,
                    r.get("group", group),
                    r.get("version", version),
                    r.get("kind", ""),
                    tuple(r.get("verbs") or ()),
                )
            )
        else:
            mains[name] = r
    return [
        Resource(
            group,
            version,
            r.get("kind", ""),
            name,
            bool(r.get("namespaced")),
            tuple(r.get("shortNames") or ()),
            tuple(r.get("categories") or ()),
            tuple(subs.get(name, ())),
            tuple(r.get("verbs") or ()),
            r.get("singularName", ""),
        )
        for name, r in mains.items()
    ]


def connect(config: ClientConfig, **kwargs) -> HTTPSTransport:
    return HTTPSTransport(config, **kwargs)
