"""`kubeferry proxy`: kubectl proxy — a local plain-HTTP door to the API server, credentials added.

    $ kubeferry proxy
    Starting to serve on 127.0.0.1:8001
    $ curl localhost:8001/api/v1/namespaces/default/services/my-app-svc:80/proxy/

kubectl's flags and defaults: `-p/--port 8001` (0 picks a free port; the line names it),
`--address 127.0.0.1`, `--api-prefix /`, and its request filter — `--accept-hosts`
(`^localhost$,^127\\.0\\.0\\.1$,^\\[::1\\]$`, matched against the Host header without its port),
`--accept-paths ^.*`, `--reject-paths` (exec and attach), `--reject-methods ^$` — all comma-separated
regular expressions; `--disable-filter` turns it off.  A filtered request gets kubectl's `403
Forbidden`; a path outside the prefix gets 404.  Every request is sent on with the kubeconfig's
credentials (the client's own Authorization header is dropped); responses — watches included — are
streamed back as they arrive.
"""

from __future__ import annotations

import re
import sys

DEFAULT_ACCEPT_HOSTS = r"^localhost$,^127\.0\.0\.1$,^\[::1\]$"
DEFAULT_ACCEPT_PATHS = r"^.*"
DEFAULT_REJECT_PATHS = r"^/api/.*/pods/.*/exec,^/api/.*/pods/.*/attach"
DEFAULT_REJECT_METHODS = r"^$"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "authorization",
    "content-length",
}
CHUNK = 65536


def add_parser(subparsers, parents) -> None:
    text = "Run a proxy to the Kubernetes API server"
    parser = subparsers.add_parser("proxy", parents=parents, help=text, description=text + ".")
    parser.add_argument(
        "-p",
        "--port",
        type=int,
        default=8001,
        help="The port on which to run the proxy. Set to 0 to pick a random port.",
    )
    parser.add_argument("--address", default="127.0.0.1", help="The IP address on which to serve on.")
    parser.add_argument("--api-prefix", default="/", help="Prefix to serve the proxied API under.")
    parser.add_argument(
        "--accept-hosts",
        default=DEFAULT_ACCEPT_HOSTS,
        help="Regular expression for hosts that the proxy should accept.",
    )
    parser.add_argument(
        "--accept-paths",
        default=DEFAULT_ACCEPT_PATHS,
        help="Regular expression for paths that the proxy should accept.",
    )
    parser.add_argument(
        "--reject-paths",
        default=DEFAULT_REJECT_PATHS,
        help="Regular expression for paths that the proxy should reject.",
    )
    parser.add_argument(
        "--reject-methods",
        default=DEFAULT_REJECT_METHODS,
        help="Regular expression for HTTP methods that the proxy should reject.",
    )
    parser.add_argument(
        "--disable-filter", action="store_true", help="If true, disable request filtering in the proxy."
    )
    parser.set_defaults(handler=run)


def compile_list(text: str) -> list[re.Pattern]:
    """kubectl's comma-separated regular expressions; an empty string is no pattern at all."""
    return [re.compile(part) for part in text.split(",") if part]


class Filter:
    """kubectl proxy's request filter: a request passes when its host and path are accepted and
    neither its path nor its method is rejected."""

    def __init__(self, accept_hosts: str, accept_paths: str, reject_paths: str, reject_methods: str):
        self.accept_hosts = compile_list(accept_hosts)
        self.accept_paths = compile_list(accept_paths)
        self.reject_paths = compile_list(reject_paths)
        self.reject_methods = compile_list(reject_methods)

    @staticmethod
    def _any(patterns: list[re.Pattern], value: str) -> bool:
        return any(p.search(value) for p in patterns)

    def accepts(self, method: str, host: str, path: str) -> bool:
        if host.startswith("["):  # [::1]:8001
            hostname = host[: host.index("]") + 1] if "]" in host else host
        else:
            hostname = host.split(":", 1)[0]
        return (
            self._any(self.accept_hosts, hostname)
            and self._any(self.accept_paths, path)
            and not self._any(self.reject_paths, path)
            and not self._any(self.reject_methods, method)
        )


def strip_prefix(prefix: str, target: str) -> str | None:
    """The API target under `--api-prefix`, or None when the request is outside it (404)."""
    prefix = "/" + prefix.strip("/")
    if prefix == "/":
        return target
    if target == prefix or target.startswith(prefix + "/") or target.startswith(prefix + "?"):
        rest = target[len(prefix) :]
        return rest if rest.startswith("/") else "/" + rest
    return None


def run(args) -> int:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from kubeferry.cli import connect as cx

    try:
        conn = cx.connect(args, "proxy")
        checker = (
            None
            if args.disable_filter
            else Filter(args.accept_hosts, args.accept_paths, args.reject_paths, args.reject_methods)
        )
    except re.error as e:
        print(f"error: invalid regular expression: {e}", file=sys.stderr)
        return cx.EXIT_USAGE
    except Exception as e:  # noqa: BLE001 - config errors become kubectl's one line
        return cx.fail(e)
    transport = conn.transport

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *values) -> None:  # kubectl proxy logs nothing per request
            return

        def _plain(self, code: int, text: str) -> None:
            data = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self) -> None:
            target = strip_prefix(args.api_prefix, self.path)
            if target is None:
                self._plain(404, "404 page not found\n")
                return
            path = target.split("?", 1)[0]
            if checker is not None and not checker.accepts(self.command, self.headers.get("Host", ""), path):
                print(f"Filter rejecting request: {self.command} {path}", file=sys.stderr)
                self._plain(403, "Forbidden\n")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            try:
                upstream, response = transport.forward(self.command, target, headers, body)
            except Exception as e:  # noqa: BLE001 - the upstream is unreachable: kubectl answers 502
                self._plain(502, f"{e}\n")
                return
            try:
                self.send_response(response.status, response.reason)
                length_header = None
                for name, value in response.getheaders():
                    if name.lower() == "content-length":
                        length_header = value
                    elif name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                chunked = length_header is None and self.command != "HEAD"
                if length_header is not None:
                    self.send_header("Content-Length", length_header)
                elif chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                while self.command != "HEAD":
                    data = response.read1(CHUNK)
                    if not data:
                        break
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
                    self.wfile.flush()
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            finally:
                upstream.close()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    try:
        server = ThreadingHTTPServer((args.address, args.port), Handler)
    except OSError as e:
        print(f"error: listen tcp {args.address}:{args.port}: {e.strerror or e}", file=sys.stderr)
        return cx.EXIT_FAILED
    server.daemon_threads = True
    host, port = server.server_address[:2]
    print(f"Starting to serve on {host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
