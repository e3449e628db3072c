"""An informer: list, then watch from the list's resourceVersion, relisting when history expires.

Owns the reflector loop client-go's informers run, reduced to what kubeferry's commands and
controllers need: a local cache keyed by (namespace, name) and a stream of `(type, object)`
changes.  The decisions are pure (`InformerState`: what a list or an event does to the cache and
which changes it reports); `Informer` only drives a transport (anything with `list_objects` and
`watch`, as `HTTPSTransport` has), so tests step it with a fake.

Facts kept from client-go's reflector:

- The first list and every relist read the current state (`resourceVersion` unset); the watch
  then starts from the list's `metadata.resourceVersion` with bookmarks allowed.
- When a watch ends (the server's `timeoutSeconds`), watch again from the last resourceVersion
  seen, bookmarks included.
- A 410 (`Expired`/`Gone`) on the watch means that resourceVersion left the server's history:
  relist; the relist reports ADDED for new objects, MODIFIED for changed ones (different
  resourceVersion) and DELETED for objects that vanished meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from kubeferry.client.request import is_gone
from kubeferry.machinery.status import StatusError

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"
DEFAULT_WATCH_TIMEOUT = 300  # seconds; the server ends each watch after this, and we resume
RETRY_DELAYS = (0.2, 0.4, 0.8, 1.6, 3.2, 5.0)  # seconds between attempts after connection errors


def key_of(obj: dict) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (meta.get("namespace", "") or "", meta.get("name", "") or "")


def _rv(obj: dict) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion", ""))


class InformerState:
    """The cache and the resourceVersion to resume from; every method is pure state stepping."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], dict] = {}
        self.resource_version = ""
        self.needs_list = True

    def replace(self, items: list[dict], resource_version: str) -> list[tuple[str, dict]]:
        """A (re)list result: the changes it implies against the cache, in a stable order."""
        changes: list[tuple[str, dict]] = []
        fresh = {key_of(obj): obj for obj in items}
        for key in sorted(self.cache):
            if key not in fresh:
                changes.append((DELETED, self.cache[key]))
        for key in sorted(fresh):
            obj = fresh[key]
            old = self.cache.get(key)
            if old is None:
                changes.append((ADDED, obj))
            elif _rv(old) != _rv(obj):
                changes.append((MODIFIED, obj))
        self.cache = fresh
        self.resource_version = resource_version
        self.needs_list = False
        return changes

    def apply(self, event: dict) -> tuple[str, dict] | None:
        """One watch event; bookmarks only move the resourceVersion and report nothing."""
        kind, obj = event.get("type"), event.get("object") or {}
        rv = _rv(obj)
        if rv:
            self.resource_version = rv
        if kind == "BOOKMARK":
            return None
        key = key_of(obj)
        if kind == DELETED:
            self.cache.pop(key, None)
            return (DELETED, obj)
        if kind in (ADDED, MODIFIED):
            # A watch resuming after a relist may repeat an ADDED for an object we already hold.
            reported = MODIFIED if kind == ADDED and key in self.cache else kind
            self.cache[key] = obj
            return (reported, obj)
        return None

    def expired(self) -> None:
        """The watch's resourceVersion is too old (410): the next step is a relist."""
        self.needs_list = True


class Informer:
    """Drives `InformerState` against a transport; iterate `events()` for `(type, object)` changes."""

    def __init__(
        self,
        transport,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        watch_timeout: int = DEFAULT_WATCH_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.transport = transport
        self.api_version = api_version
        self.kind = kind
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.watch_timeout = watch_timeout
        self.sleep = sleep
        self.state = InformerState()
        self.relists = 0
        self._stopped = False

    @property
    def cache(self) -> dict[tuple[str, str], dict]:
        return self.state.cache

    def stop(self) -> None:
        """End `events()` at its next step."""
        self._stopped = True

    def _list(self) -> list[tuple[str, dict]]:
        result = self.transport.list_objects(
            self.api_version,
            self.kind,
            self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
        )
        self.relists += 1
        return self.state.replace(result.items, result.resource_version)

    def _watch(self) -> Iterator[dict]:
        return self.transport.watch(
            self.api_version,
            self.kind,
            self.namespace,
            resource_version=self.state.resource_version,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            timeout_seconds=self.watch_timeout,
            bookmarks=True,
        )

    def events(self) -> Iterator[tuple[str, dict]]:
        failures = 0
        while not self._stopped:
            try:
                if self.state.needs_list:
                    yield from self._list()
                for event in self._watch():
                    failures = 0
                    change = self.state.apply(event)
                    if change is not None:
                        yield change
                    if self._stopped:
                        return
            except StatusError as e:
                if not is_gone(e):
                    raise
                self.state.expired()
            except ConnectionError:
                self.sleep(RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)])
                failures += 1
