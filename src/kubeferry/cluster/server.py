"""The embedded control plane as a process: store, registry, HTTPS API server.

`python -m kubeferry.cluster.server --data-dir D ...` (what `kubeferry cluster up` runs) opens the
store in D, creates the system objects on first start, binds the address, records
`server.json` (pid, address, port) for `cluster status|down|kubeconfig`, and serves until
SIGTERM/SIGINT.  One server per data dir, enforced with a lock held for the process lifetime.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import logging
import os
import random
import signal
import socket
import ssl
import sys
from datetime import UTC, datetime
from pathlib import Path

from kubeferry.cluster import certs, heap

SERVER_INFO = "server.json"
STATE_DB = "state.db"
LOCK_FILE = "server.lock"
LOG_FILE = "server.log"
AUDIT_FILE = "audit.log"
MEBIBYTE = 1024 * 1024

log = logging.getLogger("kubeferry.server")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kubeferry-server", description="Run the kubeferry embedded control plane.")
    parser.add_argument("--name", default="kubeferry")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--durability", choices=["normal", "full"], default="normal")
    parser.add_argument("--memory", action="store_true", help="keep the store in memory only (tests, benchmarks)")
    parser.add_argument("--watch-history", type=int, default=20000, help="events kept for watches to resume from")
    parser.add_argument("--max-inflight", type=int, default=400)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--nodes", type=int, default=3, help="simulated nodes to create on first start")
    parser.add_argument(
        "--clock", choices=["real", "virtual"], default=None, help="default: what the data dir last ran with, else real"
    )
    parser.add_argument("--time-scale", type=float, default=1.0, help="simulated seconds per real second (real clock)")
    parser.add_argument(
        "--start-time", default=None, help="RFC 3339 start of virtual time (default: data dir creation)"
    )
    parser.add_argument(
        "--volume-sync-seconds",
        type=float,
        default=10.0,
        help="how long an edited ConfigMap/Secret takes to reach mounted volumes (the kubelet's sync period)",
    )
    parser.add_argument(
        "--no-controllers", action="store_true", help="serve the API only (benchmarks of the API server)"
    )
    parser.add_argument(
        "--audit-level",
        choices=["None", "Metadata", "Request", "RequestResponse"],
        default="Metadata",
        help="audit log detail (Request/RequestResponse add mutation bodies)",
    )
    parser.add_argument("--audit-max-size", type=int, default=100, help="MiB before the audit log is rotated")
    parser.add_argument("--audit-max-backups", type=int, default=5, help="rotated audit logs kept")
    return parser


def _bind(address: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def _hold_lock(data_dir: Path):
    handle = open(data_dir / LOCK_FILE, "a+")  # noqa: SIM115 - held for the process lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit(f"error: another kubeferry server is already using {data_dir}")
    return handle


def serve(args: argparse.Namespace) -> int:
    from kubeferry.apiserver.app import ApiServer
    from kubeferry.apiserver.audit import AuditLog
    from kubeferry.cluster import bootstrap, controlplane, endpoints, tokens, traffic
    from kubeferry.controllers import catalog, cluster_controllers
    from kubeferry.machinery import clock as clocks
    from kubeferry.registry.registry import Registry
    from kubeferry.simulation import catalog as simulation
    from kubeferry.storage.store import StorageFault, Store

    data_dir = Path(args.data_dir).expanduser()
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = _hold_lock(data_dir)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[logging.FileHandler(data_dir / LOG_FILE), logging.StreamHandler(sys.stderr)],
    )
    certs.ensure(data_dir, args.address)
    try:
        store = Store(
            None if args.memory else str(data_dir / STATE_DB), durability=args.durability, history=args.watch_history
        )
    except StorageFault as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    registry = Registry(store, rng=rng)
    if store.meta_get(controlplane.CREATED_KEY) is None:
        store.meta_set(controlplane.CREATED_KEY, clocks.rfc3339_micro(datetime.now(UTC)))
    try:
        mode = args.clock or store.meta_get(controlplane.CLOCK_MODE_KEY) or "real"
        store.meta_set(controlplane.CLOCK_MODE_KEY, mode)
        clock = controlplane.make_clock(store, mode, args.time_scale, args.start_time)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    registry.now = clock.now
    bootstrap.ensure_system_objects(registry)
    bootstrap.ensure_rbac(registry)
    authenticator = _authenticator(data_dir, registry)
    control = None
    if not args.no_controllers:
        control = controlplane.ControlPlane(
            registry,
            clock,
            catalog.workload_controllers()
            + cluster_controllers.cluster_controllers()
            + simulation.simulation_controllers()
            + [tokens.token_controller(authenticator, (data_dir / certs.CA_CERT).read_bytes())],
        )
        bootstrap.ensure_nodes(registry, args.nodes)
    sock = _bind(args.address, args.port)
    host, port = sock.getsockname()[:2]
    app = ApiServer(
        registry,
        tokens={certs.admin_token(data_dir)},
        max_inflight=args.max_inflight,
        server_address=f"{host}:{port}",
        extra_routes=(
            {
                **endpoints.routes(control),
                **endpoints.log_route(control),
                **traffic.proxy_route(control, args.volume_sync_seconds),
            }
            if control is not None
            else {}
        ),
        access=_access(authenticator, store),
        audit=AuditLog(data_dir / AUDIT_FILE, args.audit_level, args.audit_max_size * MEBIBYTE, args.audit_max_backups),
    )
    if control is not None:
        app.on_startup.append(control.start)
        app.on_shutdown.append(control.stop)
    info = {"pid": os.getpid(), "address": host, "port": port, "name": args.name, "url": _url(host, port)}
    tmp = data_dir / (SERVER_INFO + ".tmp")
    tmp.write_text(json.dumps(info))
    os.replace(tmp, data_dir / SERVER_INFO)
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    heap.freeze_long_lived()
    try:
        asyncio.run(_run(app, sock, data_dir))
    finally:
        (data_dir / SERVER_INFO).unlink(missing_ok=True)
        store.close()
        lock.close()
    return 0


def _url(host: str, port: int) -> str:
    return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"


async def _run(app, sock: socket.socket, data_dir: Path) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        http=_client_certificate_protocol(),
        loop="none",
        lifespan="on",
        log_level="warning",
        access_log=False,
        ssl_certfile=str(data_dir / certs.SERVER_CERT),
        ssl_keyfile=str(data_dir / certs.SERVER_KEY),
        # Client certificates are optional (tokens are the norm) but, when sent, must chain to the CA.
        ssl_cert_reqs=ssl.CERT_OPTIONAL,
        ssl_ca_certs=str(data_dir / certs.CA_CERT),
        timeout_graceful_shutdown=2,
        proxy_headers=False,
        server_header=False,
        date_header=False,
        timeout_keep_alive=30,
        h11_max_incomplete_event_size=64 * 1024,
    )
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()

    def stop() -> None:
        app.registry.store.close_watches()  # open watches and log streams end instead of being cancelled
        server.should_exit = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    await server.serve(sockets=[sock])


def _authenticator(data_dir: Path, registry):
    from kubeferry.registry.authentication import Authenticator, TokenSigner

    signer = TokenSigner(certs.service_account_key(data_dir))
    return Authenticator(registry.store, lambda: registry.now(), {certs.admin_token(data_dir)}, signer)


def _access(authenticator, store):
    from kubeferry.apiserver.access import Access
    from kubeferry.registry.authorization import Authorizer

    return Access(authenticator, Authorizer(store))


def _client_certificate_protocol():
    """uvicorn's httptools protocol, plus the verified client certificate's subject in each request's
    scope (`extensions.tls`), read once per connection: ((CN, ...), (O, ...))."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from kubeferry.apiserver.access import CLIENT_SUBJECT

    class ClientCertificateProtocol(HttpToolsProtocol):
        _subject = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            ssl_object = transport.get_extra_info("ssl_object")
            cert = ssl_object.getpeercert() if ssl_object is not None else None
            if cert:
                names: dict[str, list[str]] = {"commonName": [], "organizationName": []}
                for rdn in cert.get("subject", ()):
                    for key, value in rdn:
                        if key in names:
                            names[key].append(value)
                self._subject = (tuple(names["commonName"]), tuple(names["organizationName"]))

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._subject is not None:
                self.scope["extensions"] = {"tls": {CLIENT_SUBJECT: self._subject}}  # type: ignore[typeddict-unknown-key]

    return ClientCertificateProtocol


def main(argv: list[str] | None = None) -> int:
    return serve(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
