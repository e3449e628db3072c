"""Client connections: TCP and TLS byte streams on the interpreter's C modules `_socket` and `_ssl`.

Every CLI command opens one connection, so what opening it costs is part of every command's
start-up.  The `ssl` and `socket` modules are thin Python layers over `_ssl` and `_socket`, but
importing them builds about a dozen enum classes from the C modules' constants (`ssl.Options`,
`ssl.AlertDescription`, `socket.AddressFamily`, ...) and imports `selectors` and `base64`: on a
3.11 interpreter about 12 ms, an eighth of a `kubeferry get`.  A client needs none of that, so
this module drives the same C objects the way `ssl.SSLContext.wrap_socket` and
`socket.create_connection` drive them:

- `client_context` builds an `_ssl._SSLContext` for `PROTOCOL_TLS_CLIENT` (certificate and host
  name verification on, as `ssl.SSLContext(PROTOCOL_TLS_CLIENT)` has them), TLS 1.2 or later,
  ALPN `http/1.1`; CA bytes, the system's default CAs, a client certificate, or no verification.
- `open_stream` resolves the host, connects (each address in turn, the last error raised, as
  `socket.create_connection`), sets TCP_NODELAY, performs the TLS handshake with SNI and host
  name verification, and returns a `Stream`: `sock` (a `_socket.socket`, for timeouts and
  addresses), `sendall`, `reader` (a buffered reader) and `close`.

Errors are the standard ones (`ssl.SSLError` is `_ssl.SSLError`, `socket.gaierror` is
`_socket.gaierror`, timeouts are `TimeoutError`); they are re-exported here so callers need not
import `ssl` to catch them.  A clean TLS close and an EOF without close_notify both read as end of
stream (`ssl`'s `suppress_ragged_eofs` default).
"""

from __future__ import annotations

import _socket
import _ssl
import io
import os
import sys

SSLError = _ssl.SSLError
SSLCertVerificationError = _ssl.SSLCertVerificationError
gaierror = _socket.gaierror

TLS_MIN_VERSION = _ssl.PROTO_TLSv1_2
ALPN_HTTP11 = b"\x08http/1.1"  # ALPN wire format: a length byte, then the protocol name
_END_OF_STREAM = (_ssl.SSLZeroReturnError, _ssl.SSLEOFError)


def client_context(
    *, ca_data: bytes | None = None, insecure: bool = False, cert_file: str | None = None
) -> _ssl._SSLContext:
    """A TLS client context; raises SSLError for CA bytes or a certificate file that do not load.

    `ca_data` None (and not `insecure`) trusts the system's default CAs.  `cert_file` holds the
    client certificate followed by its key.
    """
    context = _ssl._SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = TLS_MIN_VERSION
    context._set_alpn_protocols(ALPN_HTTP11)
    if insecure:
        context.check_hostname = False  # must go first: CERT_NONE with host name checks is refused
        context.verify_mode = _ssl.CERT_NONE
    elif ca_data is not None:
        context.load_verify_locations(cadata=ca_data.decode("ascii", "replace"))
    elif sys.platform == "win32":
        import ssl  # the Windows certificate stores are read by ssl.py, not by OpenSSL

        context = ssl.create_default_context()
        context.set_alpn_protocols(["http/1.1"])
    else:
        context.set_default_verify_paths()
    if cert_file is not None:
        context.load_cert_chain(cert_file)
    return context


def tls_hostname(host: str | bytes) -> str:
    """The name `_ssl` checks the certificate against and sends as SNI (IDNA-encoded when not ASCII)."""
    if isinstance(host, bytes):
        return host.decode("ascii")
    return host if host.isascii() else host.encode("idna").decode("ascii")


class Socket(_socket.socket):
    """A `_socket.socket` that can be weakly referenced, as `_ssl` needs of the socket it wraps."""

    __slots__ = ("__weakref__",)


def connect_tcp(host: str | bytes, port: int, timeout: float | None) -> Socket:
    """A connected TCP socket to the first address of `host` that answers, as `socket.create_connection`."""
    error: OSError | None = None
    for family, kind, proto, _, address in _socket.getaddrinfo(host, port, 0, _socket.SOCK_STREAM):
        sock = Socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
        except OSError as e:
            sock.close()
            error = e
            continue
        sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        return sock
    if error is not None:
        raise error
    raise gaierror(_socket.EAI_NONAME, "getaddrinfo returns an empty list")


class _RawStream(io.RawIOBase):
    """The unbuffered byte stream under `Stream.reader`: TLS records decrypted, or the plain socket."""

    def __init__(self, sock: Socket, tls):
        self._sock = sock
        self._tls = tls

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._tls is None:
            return self._sock.recv_into(buffer)
        try:
            return self._tls.read(len(buffer), buffer)
        except _END_OF_STREAM:
            return 0


class Stream:
    """One open connection: `sock` for timeouts and addresses, `sendall`, `reader`, `close`."""

    def __init__(self, sock: Socket, tls=None):
        self.sock = sock
        self._tls = tls
        self.reader = io.BufferedReader(_RawStream(sock, tls))

    def sendall(self, data: bytes) -> None:
        if self._tls is None:
            self.sock.sendall(data)
            return
        view = memoryview(data)
        while view:
            view = view[self._tls.write(view) :]

    def close(self) -> None:
        self.reader.close()
        self._tls = None
        self.sock.close()


def open_stream(
    host: str | bytes, port: int, timeout: float | None, context=None, server_hostname: str | bytes | None = None
) -> Stream:
    """Connect, then (with a context) shake hands, verifying the certificate for `server_hostname`."""
    sock = connect_tcp(host, port, timeout)
    if context is None:
        return Stream(sock)
    try:
        tls = context._wrap_socket(sock, False, tls_hostname(server_hostname or host), owner=None, session=None)
        tls.do_handshake()
    except BaseException:
        sock.close()
        raise
    return Stream(sock, tls)


def write_cert_file(cert: bytes, key: bytes) -> str:
    """A 0600 temporary file holding a client certificate and key (OpenSSL loads them from files)."""
    import tempfile  # only client certificates need a file

    fd, path = tempfile.mkstemp(prefix="kubeferry-client-", suffix=".pem")
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(cert.rstrip(b"\n") + b"\n" + key)
    return path
