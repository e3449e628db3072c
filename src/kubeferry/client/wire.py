"""A small HTTP/1.1 client connection on plain or TLS streams (`tls.py`): just what the transport needs.

The standard library's `http.client` parses headers with the `email` package, whose import costs
more than a whole `kubeferry get` otherwise does; an API server speaks a narrow, well-formed
HTTP/1.1, so this module reads it directly:

- requests with a body carry Content-Length (no request chunking);
- responses are framed by Content-Length, `Transfer-Encoding: chunked` (watch streams, logs), or
  the connection closing; `read1` hands out what has arrived so streams can be consumed live;
- keep-alive unless the server says `Connection: close`.

The interface mirrors the subset of `http.client` the transport used (`request`, `getresponse`,
`status`, `getheaders`, `read`, `read1`, `will_close`), so swapping back stays a one-line change.
"""

from __future__ import annotations

from kubeferry.client import tls


class HTTPException(Exception):
    """The server's answer was not HTTP/1.1 as expected."""


class RemoteDisconnected(ConnectionResetError, HTTPException):
    """The server closed the connection before answering (a stale keep-alive connection)."""


MAX_LINE = 65536
MAX_HEADERS = 200


class Response:
    def __init__(self, reader, method: str):
        line = reader.readline(MAX_LINE + 1)
        if not line:
            raise RemoteDisconnected("Remote end closed connection without response")
        parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise HTTPException(f"malformed status line: {line[:100]!r}")
        self.version = parts[0]
        self.status = int(parts[1])
        self.reason = parts[2] if len(parts) > 2 else ""
        self.headers: list[tuple[str, str]] = []
        while True:
            raw = reader.readline(MAX_LINE + 1)
            if raw in (b"\r\n", b"\n", b""):
                break
            if len(self.headers) >= MAX_HEADERS:
                raise HTTPException("too many headers")
            name, _, value = raw.decode("latin-1").partition(":")
            self.headers.append((name.strip(), value.strip()))
        self._reader = reader
        lower = {k.lower(): v for k, v in self.headers}
        connection = lower.get("connection", "").lower()
        self.will_close = connection == "close" or (self.version == "HTTP/1.0" and connection != "keep-alive")
        self._chunked = "chunked" in lower.get("transfer-encoding", "").lower()
        length = lower.get("content-length")
        self._remaining: int | None = int(length) if length and length.isdigit() else None
        if method == "HEAD" or self.status in (204, 304) or 100 <= self.status < 200:
            self._remaining = 0
            self._chunked = False
        if self._remaining is None and not self._chunked:
            self.will_close = True
        self._chunk_left = 0
        self._done = self._remaining == 0

    def getheaders(self) -> list[tuple[str, str]]:
        return list(self.headers)

    def getheader(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return default

    def _next_chunk_size(self) -> int:
        line = self._reader.readline(MAX_LINE + 1)
        if not line:
            raise RemoteDisconnected("connection closed inside a chunked body")
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise HTTPException(f"malformed chunk size: {line[:40]!r}")
        if size == 0:
            while self._reader.readline(MAX_LINE + 1) not in (b"\r\n", b"\n", b""):
                pass  # trailers
        return size

    def read1(self, amount: int = 65536) -> bytes:
        """Whatever body bytes are available now (b"" at the end of the body)."""
        if self._done:
            return b""
        if self._chunked:
            if self._chunk_left == 0:
                self._chunk_left = self._next_chunk_size()
                if self._chunk_left == 0:
                    self._done = True
                    return b""
            data = self._reader.read1(min(amount, self._chunk_left))
            if not data:
                raise RemoteDisconnected("connection closed inside a chunk")
            self._chunk_left -= len(data)
            if self._chunk_left == 0:
                self._reader.readline(MAX_LINE + 1)  # the CRLF after each chunk
            return data
        if self._remaining is not None:
            data = self._reader.read1(min(amount, self._remaining))
            if not data:
                raise RemoteDisconnected("connection closed before the whole body arrived")
            self._remaining -= len(data)
            self._done = self._remaining == 0
            return data
        data = self._reader.read1(amount)
        if not data:
            self._done = True
        return data

    def read(self) -> bytes:
        parts = []
        while True:
            data = self.read1(1 << 20)
            if not data:
                return b"".join(parts)
            parts.append(data)


MAX_LABEL = 63  # bytes in one DNS label


def ascii_host(host: str) -> str | bytes:
    """`host` as the bytes the `idna` codec would give, when it is plain ASCII with sound labels.

    Name resolution and the TLS host name check take a str host name through the `idna` codec,
    whose import (with `stringprep` and `unicodedata`) costs a few milliseconds of every command's
    start-up; for an ASCII name that codec returns the same characters, so these are handed over
    as bytes.  Other names (non-ASCII, an empty or over-long label) stay str and take the codec's
    path, errors included:

        "127.0.0.1" -> b"127.0.0.1";  "kube.example." -> b"kube.example.";  "a..b" -> "a..b"
    """
    if not host or not host.isascii():
        return host
    labels = host.split(".")
    if all(0 < len(label) <= MAX_LABEL for label in labels[:-1]) and len(labels[-1]) <= MAX_LABEL:
        return host.encode("ascii")
    return host


class Connection:
    """One HTTP/1.1 connection, opened on first use; TLS when `context` is given."""

    def __init__(
        self, host: str, port: int, *, timeout: float | None = None, context=None, server_hostname: str | None = None
    ):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.context = context
        self.server_hostname = server_hostname or host
        self.sock = None  # the connected socket (`settimeout`, `getpeername`), once open
        self._stream: tls.Stream | None = None
        self._reader = None

    def connect(self) -> None:
        self._stream = tls.open_stream(
            ascii_host(self.host), self.port, self.timeout, self.context, ascii_host(self.server_hostname)
        )
        self.sock = self._stream.sock
        self._reader = self._stream.reader

    def request(self, method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> None:
        if self.sock is None:
            self.connect()
        host = f"[{self.host}]" if ":" in self.host else self.host
        given = {k.lower() for k in headers or ()}
        lines = [f"{method} {url} HTTP/1.1"]
        if "host" not in given:
            lines.append(f"Host: {host}:{self.port}")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if "accept-encoding" not in given:
            lines.append("Accept-Encoding: identity")
        if "content-length" not in given and (body is not None or method in ("POST", "PUT", "PATCH")):
            lines.append(f"Content-Length: {len(body or b'')}")
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        self._method = method
        self._stream.sendall(payload)

    def getresponse(self) -> Response:
        if self._reader is None:
            raise HTTPException("no request was sent")
        return Response(self._reader, self._method)

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        self._reader = None
        self.sock = None
