"""The few URL operations the client needs, without importing `urllib.parse` on every command.

`urllib.parse` pulls in `ipaddress` and friends; a request needs only the server URL split into
scheme, host, port and path, and percent-encoding of path segments and query pairs:

    urlsplit("https://[::1]:6443/prefix").hostname == "::1"   (port 6443, path "/prefix")
    quote("a b/c") == "a%20b%2Fc"                             (nothing but RFC 3986 unreserved kept)
    urlencode([("labelSelector", "app=web")]) == "labelSelector=app%3Dweb"

Results match `urllib.parse.urlsplit`, `quote(s, safe="")` and `urlencode(q, quote_via=quote)`
for the URLs a kubeconfig holds; the unit tests compare them.
"""

from __future__ import annotations

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


class SplitURL:
    """scheme, netloc, path, query, fragment; `hostname` (lower case, no brackets) and `port` (int or None)."""

    __slots__ = ("scheme", "netloc", "path", "query", "fragment")

    def __init__(self, scheme: str, netloc: str, path: str, query: str, fragment: str):
        self.scheme = scheme
        self.netloc = netloc
        self.path = path
        self.query = query
        self.fragment = fragment

    def _hostport(self) -> tuple[str, str]:
        hostport = self.netloc.rpartition("@")[2]
        if hostport.startswith("["):
            host, _, rest = hostport[1:].partition("]")
            return host, rest[1:] if rest.startswith(":") else ""
        host, _, port = hostport.partition(":")
        return host, port

    @property
    def hostname(self) -> str | None:
        host = self._hostport()[0]
        return host.lower() if host else None

    @property
    def port(self) -> int | None:
        port = self._hostport()[1]
        if not port:
            return None
        if not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(f"Port could not be cast to integer value as {port!r}")
        return int(port)


def urlsplit(url: str) -> SplitURL:
    url = url.strip()
    scheme = ""
    head, sep, rest = url.partition(":")
    if sep and head and head[0].isalpha() and all(c.isalnum() or c in "+-." for c in head):
        scheme, url = head.lower(), rest
    netloc = ""
    if url.startswith("//"):
        url = url[2:]
        end = min((i for i in (url.find("/"), url.find("?"), url.find("#")) if i >= 0), default=len(url))
        netloc, url = url[:end], url[end:]
    url, _, fragment = url.partition("#")
    path, _, query = url.partition("?")
    return SplitURL(scheme, netloc, path, query, fragment)


def quote(text: str, safe: str = "") -> str:
    keep = _UNRESERVED | frozenset(safe.encode()) if safe else _UNRESERVED
    return "".join(chr(b) if b in keep else f"%{b:02X}" for b in text.encode("utf-8"))


def urlencode(pairs) -> str:
    items = pairs.items() if hasattr(pairs, "items") else pairs
    return "&".join(f"{quote(str(k))}={quote(str(v))}" for k, v in items)
