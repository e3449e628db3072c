"""Watch streams: chunked JSON lines `{"type": ..., "object": ...}` as kube-apiserver sends them.

Start points:
- `resourceVersion` unset or "0": synthetic ADDED events for the current state, then live events;
- `resourceVersion=N`: every event after N from the store's history, or one ERROR event carrying
  a 410 Expired Status when N is older than the history window;
- `sendInitialEvents=true` (watch-list, what kubectl 1.37 uses first): the current state as
  ADDED, then a BOOKMARK annotated `k8s.io/initial-events-end: "true"`, then live events.

Selectors are applied to both the old and the new state of each change, so an object that stops
matching is reported DELETED and one that starts matching ADDED, as upstream's watch cache does.
The stream ends at `timeoutSeconds`, or when the client goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable

import orjson

from kubeferry.apiserver import filters
from kubeferry.machinery import status as st
from kubeferry.machinery.resources import Resource, storage_key
from kubeferry.storage.store import ADDED, DELETED, MODIFIED, Event

BOOKMARK_INTERVAL = 60.0
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def _line(kind: str, raw: bytes) -> bytes:
    return b'{"type":"' + kind.encode() + b'","object":' + raw + b"}\n"


def _bookmark(res: Resource, rv: int, initial_end: bool) -> bytes:
    meta: dict = {"resourceVersion": str(rv)}
    if initial_end:
        meta["annotations"] = {INITIAL_EVENTS_END: "true"}
    return _line("BOOKMARK", orjson.dumps({"kind": res.kind, "apiVersion": res.api_version, "metadata": meta}))


def classify(event: Event, predicate: Callable[[dict], bool] | None) -> str | None:
    """The event type this watcher should see for a change, after selector filtering."""
    if predicate is None:
        return event.type
    now_matches = predicate(event.entry.obj)
    if event.type == ADDED:
        return ADDED if now_matches else None
    if event.type == DELETED:
        return DELETED if now_matches else None
    was_matching = event.prev is not None and predicate(event.prev.obj)
    if now_matches and was_matching:
        return MODIFIED
    if now_matches:
        return ADDED
    if was_matching:
        return DELETED
    return None


async def serve(registry, request, send: Callable, res: Resource, namespace: str | None) -> None:
    if "watch" not in res.verbs:
        raise st.method_not_allowed()
    predicate = filters.predicate(res, request.param("labelSelector"), request.param("fieldSelector"))
    store = registry.store
    kind = storage_key(res)
    ns = namespace if res.namespaced else None
    rv_param = request.param("resourceVersion")
    send_initial = request.flag("sendInitialEvents")
    bookmarks = request.flag("allowWatchBookmarks")
    if send_initial and request.param("resourceVersionMatch") != "NotOlderThan":
        raise st.invalid_object(
            "ListOptions",
            "meta.k8s.io",
            "",
            [
                st.forbidden(
                    "resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
                )
            ],
        )
    try:
        timeout = float(request.param("timeoutSeconds") or 0) or random.uniform(1800, 3600)
    except ValueError:
        raise st.bad_request(f"timeoutSeconds: invalid value {request.param('timeoutSeconds')!r}")
    table = request.wants_table()
    render = _table_renderer(registry, res) if table else None

    initial: list = []
    if send_initial or rv_param in ("", "0"):
        watcher = store.watch(kind, ns, None)
        initial = registry.list(res, namespace, predicate)
    else:
        try:
            since = int(rv_param)
        except ValueError:
            raise st.bad_request(f"resourceVersion: Invalid value: {rv_param!r}: must be an integer")
        watcher = store.watch(kind, ns, since)
    start_rv = store.resource_version

    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-cache, private")],
        }
    )
    if watcher.expired:
        error = st.gone(f"too old resource version: {rv_param} ({store.oldest_watchable_rv() + 1})")
        await send({"type": "http.response.body", "body": _line("ERROR", orjson.dumps(error.to_status()))})
        await send({"type": "http.response.body", "body": b""})
        return

    wakeup = asyncio.Event()
    watcher.wakeup = wakeup
    if watcher.queue:
        wakeup.set()
    gone = asyncio.Event()

    async def listen() -> None:
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                gone.set()
                wakeup.set()
                return

    listener = asyncio.ensure_future(listen())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        if initial:
            chunk = b"".join(_line(ADDED, render(e.obj) if render else e.raw) for e in initial)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if send_initial:
            await send({"type": "http.response.body", "body": _bookmark(res, start_rv, True), "more_body": True})
        next_bookmark = loop.time() + BOOKMARK_INTERVAL
        while not gone.is_set() and not watcher.closed:
            lines = []
            while watcher.queue:
                event = watcher.queue.popleft()
                if event.rv <= start_rv and (send_initial or rv_param in ("", "0")):
                    continue
                seen = classify(event, predicate)
                if seen is not None:
                    lines.append(_line(seen, render(event.entry.obj) if render else event.entry.raw))
            if lines:
                await send({"type": "http.response.body", "body": b"".join(lines), "more_body": True})
            now = loop.time()
            if now >= deadline:
                break
            if bookmarks and now >= next_bookmark:
                await send(
                    {
                        "type": "http.response.body",
                        "body": _bookmark(res, store.resource_version, False),
                        "more_body": True,
                    }
                )
                next_bookmark = now + BOOKMARK_INTERVAL
            wakeup.clear()
            if watcher.queue:
                continue
            wait = min(deadline, next_bookmark if bookmarks else deadline) - now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), timeout=max(0.0, wait))
        if not gone.is_set():
            await send({"type": "http.response.body", "body": b""})
    finally:
        store.unwatch(watcher)
        listener.cancel()


def _table_renderer(registry, res: Resource) -> Callable[[dict], bytes]:
    from kubeferry.apiserver import tables

    def render(obj: dict) -> bytes:
        return orjson.dumps(tables.to_table(res, [obj], registry.now()))

    return render
