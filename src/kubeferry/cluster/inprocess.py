"""`Cluster`: the embedded control plane inside the calling Python process.

    from kubeferry import Cluster

    with Cluster(clock="virtual") as c:
        c.apply(deployment_manifest)      # through the same registry pipeline as HTTP writes
        c.advance(30)                     # move virtual time; due work runs in order
        c.settle()
        c.get("apps/v1", "Deployment", "default", "my-app")["status"]

The API is also served over HTTPS on a free loopback port (`c.url`, `c.kubeconfig`), so the real
kubectl or any client can talk to the same cluster.  Everything runs on one event loop in a
background thread; the methods here hand work to that loop and wait for it.
"""

from __future__ import annotations

import asyncio
import copy
import shutil
import tempfile
import threading
from pathlib import Path


class Cluster:
    def __init__(
        self,
        *,
        clock: str = "real",
        nodes: int = 3,
        data_dir: str | Path | None = None,
        time_scale: float = 1.0,
        start_time: str | None = None,
        seed: int | None = None,
        serve: bool = True,
        volume_sync_seconds: float = 10.0,
    ):
        self.clock_mode = clock
        self.nodes = nodes
        self._owned_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="kubeferry-"))
        self.time_scale = time_scale
        self.start_time = start_time
        self.seed = seed
        self.serve = serve
        self.volume_sync_seconds = volume_sync_seconds
        self.url = ""
        self.kubeconfig: Path | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server = None
        self._serving: asyncio.Task | None = None
        self._stopped = threading.Event()

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Cluster:
        import random

        from kubeferry.apiserver.app import ApiServer
        from kubeferry.cluster import bootstrap, certs, controlplane, endpoints, kubeconfig, traffic
        from kubeferry.cluster.server import STATE_DB, _bind, _url
        from kubeferry.controllers import catalog, cluster_controllers
        from kubeferry.registry.registry import Registry
        from kubeferry.simulation import catalog as simulation
        from kubeferry.storage.store import Store

        self.data_dir.mkdir(parents=True, exist_ok=True)
        certs.ensure(self.data_dir, "127.0.0.1")
        self.store = Store(str(self.data_dir / STATE_DB))
        self.registry = Registry(self.store, rng=random.Random(self.seed))
        if self.store.meta_get(controlplane.CREATED_KEY) is None:
            from datetime import UTC, datetime

            from kubeferry.machinery import clock as clocks

            self.store.meta_set(controlplane.CREATED_KEY, clocks.rfc3339_micro(datetime.now(UTC)))
        self.store.meta_set(controlplane.CLOCK_MODE_KEY, self.clock_mode)
        self.clock = controlplane.make_clock(self.store, self.clock_mode, self.time_scale, self.start_time)
        self.registry.now = self.clock.now
        bootstrap.ensure_system_objects(self.registry)
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self.control = controlplane.ControlPlane(
                    self.registry,
                    self.clock,
                    catalog.workload_controllers()
                    + cluster_controllers.cluster_controllers()
                    + simulation.simulation_controllers(),
                )
                bootstrap.ensure_nodes(self.registry, self.nodes)
                loop.run_until_complete(self.control.start())
                if self.serve:
                    import uvicorn

                    sock = _bind("127.0.0.1", 0)
                    host, port = sock.getsockname()[:2]
                    self.url = _url(host, port)
                    app = ApiServer(
                        self.registry,
                        tokens={certs.admin_token(self.data_dir)},
                        server_address=f"{host}:{port}",
                        extra_routes={
                            **endpoints.routes(self.control),
                            **endpoints.log_route(self.control),
                            **traffic.proxy_route(self.control, self.volume_sync_seconds),
                        },
                    )
                    config = uvicorn.Config(
                        app,
                        http="httptools",
                        loop="none",
                        lifespan="off",
                        log_level="warning",
                        access_log=False,
                        ssl_certfile=str(self.data_dir / certs.SERVER_CERT),
                        ssl_keyfile=str(self.data_dir / certs.SERVER_KEY),
                        timeout_graceful_shutdown=1,
                    )
                    self._server = uvicorn.Server(config)
                    self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
                    serving = self._serving = loop.create_task(self._server.serve(sockets=[sock]))
                    while not self._server.started and not serving.done():
                        loop.run_until_complete(asyncio.sleep(0.005))
                    config_path = self.data_dir / "kubeconfig"
                    config_path.write_text(
                        kubeconfig.dump(
                            kubeconfig.build(
                                "inprocess",
                                self.url,
                                (self.data_dir / certs.CA_CERT).read_bytes(),
                                certs.admin_token(self.data_dir),
                            )
                        )
                    )
                    self.kubeconfig = config_path
            except BaseException as e:  # noqa: BLE001 - reported to the starting thread
                failure.append(e)
                ready.set()
                return
            ready.set()
            loop.run_until_complete(self._wait_stopped())
            loop.run_until_complete(self.control.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="kubeferry-cluster", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    async def _wait_stopped(self) -> None:
        while not self._stopped.is_set():
            await asyncio.sleep(0.02)
        if self._server is not None:
            # The server notices `should_exit` on its next tick (every 0.1 s) and then closes its
            # connections; waiting for it keeps the loop from closing under a still-pending task.
            self.store.close_watches()  # open watches and log streams end instead of being cancelled
            self._server.should_exit = True
            if self._serving is not None:
                await asyncio.wait({self._serving}, timeout=5)

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.store.close()
        if self._owned_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- on the loop -------------------------------------------------------------------------

    def _call(self, fn, *args):
        async def run():
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result()

    def advance(self, seconds: float) -> None:
        """Move the virtual clock forward `seconds`, running due work in timestamp order."""
        self._call(self.control.advance, float(seconds))

    def settle(self, timeout: float | None = None) -> bool:
        return asyncio.run_coroutine_threadsafe(self.control.settle(timeout), self._loop).result()

    def now(self):
        return self.clock.now()

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict | None:
        found = self._call(self.control.transport.get, api_version, kind, namespace, name)
        return copy.deepcopy(found)

    def list(self, api_version: str, kind: str, namespace: str | None = None) -> list[dict]:
        return copy.deepcopy(self._call(self.control.transport.list, api_version, kind, namespace))

    def apply(self, obj: dict) -> dict:
        """Create the object, or replace its spec if it exists (a simple declarative write)."""

        def write() -> dict:
            transport = self.control.transport
            meta = obj.get("metadata") or {}
            namespace = meta.get("namespace", "default")
            body = copy.deepcopy(obj)
            body.setdefault("metadata", {})["namespace"] = namespace
            from kubeferry.machinery import resources

            res = resources.by_api_version_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
            if res is not None and not res.namespaced:
                body["metadata"].pop("namespace", None)
                namespace = ""
            current = transport.get(obj["apiVersion"], obj["kind"], namespace, meta["name"])
            if current is None:
                return copy.deepcopy(transport.create(body))
            body["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            return copy.deepcopy(transport.update(body))

        return self._call(write)

    def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        self._call(
            self.control.transport.delete, api_version, kind, namespace, name, {"propagationPolicy": "Background"}
        )
