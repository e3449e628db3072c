"""The object store: one global resourceVersion, optimistic concurrency, watch history.

Every object lives in memory (as a dict and as its encoded JSON bytes, so reads never re-encode)
and, unless the store is in-memory only, in SQLite.  A write is acknowledged only after its SQLite
transaction commits (WAL mode): `synchronous=NORMAL` survives a crash of the process, `FULL` also
survives power loss.  The in-memory maps are updated after the commit, so a failed commit leaves
no trace.

A long group of controller writes does not wait for its end to write everything: rows not written
again for a while go to a thread of the store's own (`_RowWriter`) inside the group's transaction,
which SQLite runs without the interpreter lock, so they go in while the controllers work on.

A commit only appends to the WAL.  Copying the WAL back into the database file (a checkpoint, with
its fsyncs) is done by a thread of the store's own (`_Checkpointer`) once `CHECKPOINT_BYTES` of rows
have been committed since the last one, instead of inside whichever commit crosses SQLite's
automatic threshold: the writer never waits for it, and a crash during it loses nothing (SQLite
replays the WAL on open).

resourceVersion is one counter for the whole store, bumped by every create, update and delete:

    create pod a   -> rv 7
    update pod a   -> rv 8   (a watch from rv 7 sees MODIFIED a@8)
    delete pod a   -> rv 9   (DELETED carries the last object with rv 9)

Watches are fed from a bounded history of recent events; a watch that starts before the window
is told `410 Expired`, as kube-apiserver does once etcd has compacted.

The store is not thread-safe: it is owned by the server's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import os
import queue
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import orjson

from kubeferry.machinery import status as st

log = logging.getLogger("kubeferry.storage")

FORMAT_VERSION = 1
DEFAULT_HISTORY = 20000
# SQLite's page cache per connection, at most (SQLite's default is 2 MiB): a group commit rewrites
# thousands of rows, and with the B-tree pages it touches kept in memory a rollout's group of ~8,400
# rows takes ~0.1 s instead of ~0.4 s.  Pages are only cached as the database grows to need them.
PAGE_CACHE_KIB = 64 * 1024
# The page size of a new database file (SQLite's default is 4 KiB; an existing file keeps its own).
# Rows are whole objects (an Event ~0.8 KiB, a pod several KiB) in a WITHOUT ROWID table, whose
# B-tree keeps a row inline only up to about a quarter of a page: with 16 KiB pages most rows stay in
# one page, and a rollout's group commits (~8,400 rows) take ~20% less CPU (~390 ms -> ~320 ms summed
# over the SQLite rollout's groups).
PAGE_SIZE = 16 * 1024
# Row bytes committed between two checkpoints.  SQLite's own automatic checkpoint comes at 1,000 WAL
# pages (16 MiB at 16 KiB pages); a WAL page holds less than a page of new rows (B-tree pages are
# rewritten whole), so 8 MiB of rows keeps the WAL at about that size.  Done inside a commit, the
# checkpoint of a 1,000-replica rollout's WAL took ~35 ms of the commit's ~50 ms.
CHECKPOINT_BYTES = 8 * 1024 * 1024
# A long group (a virtual-clock advance can be a whole rollout: ~13,000 writes) keeps at most this
# many rows pending; past it the `EARLY_ROWS` least recently written go to the group's row writer
# (`_RowWriter`), which inserts them on its own thread while the group goes on.  Objects still being
# written (a new pod: created, bound, its status) stay pending and cost one row (an object written
# again after its row went early costs a second row).  Events, created through `add`, go early by
# `EARLY_ROWS` whatever the other rows do (`Store._pend_settled`).  Worked example: the 1,000-replica
# rollout's group writes ~7,300 rows: ~5,500 Events early, ~1,800 rows (pods, mostly) at its end.
PENDING_ROWS = 2000
EARLY_ROWS = 500
# Rows per INSERT (or DELETE) statement, on the row writer's thread and at the group's end alike: a
# statement binds its rows in one call and runs without the interpreter lock, so the writer's thread
# needs the lock once per 100 rows, not per row.
WRITER_CHUNK = 100

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"


class Entry:
    """A stored object: its decoded form and its JSON encoding.

    Never mutated once made (by contract: every reader shares it), so its encoding can wait until
    someone needs it: a watch, a GET over HTTP, the SQLite row.  Most in-process writes are read
    back only as objects, and an object written several times in a group is encoded once, for its
    last state.  `raw=None` means "encode `obj` when asked".

    A plain class with slots, not a frozen dataclass: the store makes one per write and a frozen
    dataclass's `__init__` costs several times as much (each field set through `object.__setattr__`).
    """

    __slots__ = ("obj", "_raw", "rv")

    def __init__(self, obj: dict, raw: bytes | None, rv: int) -> None:
        self.obj = obj
        self._raw = raw
        self.rv = rv

    @property
    def raw(self) -> bytes:
        raw = self._raw
        if raw is None:
            raw = self._raw = encode(self.obj)
        return raw

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Entry:
            return NotImplemented
        return self.rv == other.rv and self.obj == other.obj and self.raw == other.raw

    __hash__ = None  # type: ignore[assignment]  # holds a dict, as the dataclass did

    def __repr__(self) -> str:
        return f"Entry(obj={self.obj!r}, rv={self.rv!r})"


class Event:
    """One stored change, as watchers and listeners receive it (never mutated once made)."""

    __slots__ = ("type", "kind", "namespace", "name", "entry", "rv", "prev")

    def __init__(
        self, type: str, kind: str, namespace: str, name: str, entry: Entry, rv: int, prev: Entry | None = None
    ) -> None:
        self.type = type
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.entry = entry
        self.rv = rv
        self.prev = prev

    def __repr__(self) -> str:
        return f"Event({self.type} {self.kind} {self.namespace}/{self.name} rv={self.rv})"


def encode(obj: dict) -> bytes:
    """`obj` as JSON bytes, in an object of its own size.

    orjson hands back its output in a buffer larger than the text; kept for the life of a stored
    object, every such buffer costs fresh pages of memory (about two page faults per write,
    measured at ~10 µs an Event against ~3 µs with the copy).  Copying the text out frees the
    buffer at once, so the next write reuses its memory.
    """
    return bytes(memoryview(orjson.dumps(obj)))


def _row_order(item: tuple[tuple[str, str, str], Entry | None]) -> str:
    """A pending row's place in key order: its (kind, namespace, name) joined by NUL, which sorts as the
    tuple does (NUL is below every character a name or kind holds: ("a", "x") < ("ab", "x") as
    "a\0x" < "ab\0x") but compares as one string, a third of the time of comparing the tuples (and the
    entries never come into it).  Only the rows' order depends on it, not what is written."""
    return "\0".join(item[0])


@dataclass
class Watcher:
    """One open watch: the events for `kind` (optionally one namespace) newer than its start."""

    kind: str
    namespace: str | None
    queue: deque = field(default_factory=deque)
    wakeup: asyncio.Event | None = None
    closed: bool = False
    expired: bool = False

    def push(self, event: Event) -> None:
        if self.namespace is not None and event.namespace != self.namespace:
            return
        self.queue.append(event)
        if self.wakeup is not None:
            self.wakeup.set()


class StorageFault(Exception):
    """The disk refused a write (full, read-only, corrupt)."""


class _Checkpointer:
    """Checkpoints one database's WAL on a thread of its own, each time it is asked to.

    The thread starts at the first request and has its own connection.  A PASSIVE checkpoint copies
    the committed WAL pages into the database file without waiting for, or blocking, the store's
    writes (SQLite releases the GIL while it works), so the store's commits only ever append to the
    WAL.  A checkpoint that fails (a full disk) is logged and retried at the next request: the WAL
    still holds every committed write.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._wake = threading.Event()
        self._requested = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.checkpoints = 0  # completed, for tests and diagnostics

    def request(self) -> None:
        self._requested = True
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kubeferry-checkpoint", daemon=True)
            self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        try:
            db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        except sqlite3.DatabaseError as e:
            log.warning("the store's checkpoints are off: cannot open %s: %s", self._path, e)
            return
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._requested:
                    self._requested = False
                    try:
                        db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    except sqlite3.DatabaseError as e:
                        log.warning("checkpoint of %s failed (the WAL keeps the writes): %s", self._path, e)
                    else:
                        self.checkpoints += 1
                if self._stopping:
                    return
        finally:
            db.close()

    def close(self) -> None:
        """Stop the thread (after the checkpoint asked for last) and close its connection."""
        if self._thread is not None:
            self._stopping = True
            self._wake.set()
            self._thread.join()
            self._thread = None


def _rows(pending) -> tuple[list, int, list[str]]:
    """Pending (key, entry or None) pairs as rows in key order, each row's values one after another in one
    flat list, as the statements bind them: kind, namespace, name, rv and text for each entry; the bytes
    of text; and kind, namespace and name for each removal.  (No tuple per row: the rows of a long group
    wait for the row writer, and thousands of tuples would be so many more objects for the cyclic
    collector to walk.)

    Key order puts consecutive inserts on the same B-tree pages (a rollout's group of ~8,400 rows: about
    a third of the time in random order).  An entry nobody has asked to encode yet is encoded for its
    row only: the text is not kept (that would hold a second copy of every stored object in memory), a
    watch or GET encodes it again if it ever comes."""
    rows: list = []
    removals: list = []
    size = 0
    dumps = orjson.dumps
    for key, entry in sorted(pending, key=_row_order):
        if entry is None:
            removals += key
            continue
        text = entry._raw
        if text is None:
            text = dumps(entry.obj)
        size += len(text)
        rows += key
        rows.append(entry.rv)
        rows.append(text)
    return rows, size, removals


def _in_chunks(db: sqlite3.Connection, sql_for: Callable[[int], str], values: list, width: int) -> None:
    """Run `sql_for(n)` with `n` rows of `width` values from the flat `values` at a time (`WRITER_CHUNK` rows
    a statement, in order)."""
    step = WRITER_CHUNK * width
    for start in range(0, len(values), step):
        chunk = values[start : start + step]
        db.execute(sql_for(len(chunk) // width), chunk)


def _insert_rows(db: sqlite3.Connection, rows: list) -> None:
    """INSERT OR REPLACE `rows` (kind, namespace, name, rv, text of each, flat, in key order), `WRITER_CHUNK`
    a statement."""
    _in_chunks(db, _insert_sql, rows, 5)


@functools.lru_cache(maxsize=WRITER_CHUNK)
def _insert_sql(count: int) -> str:
    return "INSERT OR REPLACE INTO objects VALUES " + ", ".join(["(?, ?, ?, ?, ?)"] * count)


@functools.lru_cache(maxsize=WRITER_CHUNK)
def _delete_sql(count: int) -> str:
    # `IN (SELECT * FROM (VALUES ...))`: SQLite then finds each key through the primary key; with a bare
    # `IN (VALUES ...)` it scans the whole table once per statement (8x slower on a 10,000-row table).
    return (
        "DELETE FROM objects WHERE (kind, namespace, name) IN (SELECT * FROM (VALUES "
        + ", ".join(["(?, ?, ?)"] * count)
        + "))"
    )


def _delete_rows(db: sqlite3.Connection, keys: list[str]) -> None:
    """DELETE the rows of `keys` (kind, namespace and name of each, flat), `WRITER_CHUNK` a statement."""
    _in_chunks(db, _delete_sql, keys, 3)


class _RowWriter:
    """Writes rows of an open group transaction on a thread of its own, in the order they were handed over.

    The store hands it the rows a long group will not write again soon (see `PENDING_ROWS`) and waits
    for it (`settle`) before it uses the connection itself: at the group's end, before a statement of
    its own inside the group, and before closing.  SQLite runs each statement without the interpreter
    lock, so the rows go in while the controllers work on.  The first failure is kept and every later
    batch skipped; the group's end then rolls the whole group back, as a failed commit would.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._batches: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def write(self, rows: list, removals: list[str]) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kubeferry-rows", daemon=True)
            self._thread.start()
        self._batches.put((rows, removals))

    def _run(self) -> None:
        batches = self._batches
        while True:
            batch = batches.get()
            try:
                if batch is None:
                    return
                if self.error is None:
                    rows, removals = batch
                    _insert_rows(self._db, rows)
                    _delete_rows(self._db, removals)
            except BaseException as e:  # noqa: BLE001 - handed to the group's end, which raises it
                self.error = e
            finally:
                batches.task_done()

    def wait(self) -> None:
        """Wait until every batch handed over is written (or skipped after an error)."""
        if self._thread is not None:
            self._batches.join()

    def settle(self) -> BaseException | None:
        """`wait`, then the first error, if any (then forgotten)."""
        self.wait()
        error, self.error = self.error, None
        return error

    def close(self) -> None:
        if self._thread is not None:
            self._batches.put(None)
            self._thread.join()
            self._thread = None


class Store:
    """In-memory object maps, backed by SQLite unless `path` is None."""

    def __init__(self, path: str | None = None, *, durability: str = "normal", history: int = DEFAULT_HISTORY):
        self._objects: dict[str, dict[tuple[str, str], Entry]] = {}
        self._history: deque[Event] = deque(maxlen=max(1, history))
        self._watchers: dict[str, list[Watcher]] = {}
        self.closing = False  # set by `close_watches`: long streams end
        self._rv = 0
        self._meta_mem: dict[str, str] = {}
        self._grouped = False
        # Rows written inside a group, kept until it commits: (kind, namespace, name) -> the entry, or
        # None for a removal.  An object written several times in a group costs one row write (and
        # one encoding, of its last state).
        # Kept in the order of each key's last write (a rewritten key moves to the end), so the rows
        # written longest ago come first when a long group hands some to `_writer`.
        self._pending: dict[tuple[str, str, str], Entry | None] = {}
        # Rows of objects created to stay as they are (`add`: Events), kept apart from `_pending` until
        # `EARLY_ROWS` of them wait (`_pend_settled`); a key is in one of the two maps, never both.
        self._settled: dict[tuple[str, str, str], Entry] = {}
        self._db: sqlite3.Connection | None = None
        self._writer: _RowWriter | None = None
        self._early = 0  # row bytes the open group handed to `_writer`
        self._checkpointer: _Checkpointer | None = None
        self._uncheckpointed = 0  # row bytes committed since the last checkpoint was asked for
        self.listeners: list[Callable[[Event], None]] = []
        if path is not None:
            self._open(path, durability)

    # ---- persistence -------------------------------------------------------------------------

    def _open(self, path: str, durability: str) -> None:
        fresh = not os.path.exists(path) or os.path.getsize(path) == 0
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            if fresh:  # before WAL mode and the first table: only then can the page size still change
                db.execute(f"PRAGMA page_size={PAGE_SIZE}")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=" + ("FULL" if durability == "full" else "NORMAL"))
            db.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
            db.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's job (see the module docstring)
            if fresh:
                db.executescript(
                    """
                    BEGIN;
                    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS objects (
                        kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
                        rv INTEGER NOT NULL, data BLOB NOT NULL,
                        PRIMARY KEY (kind, namespace, name)) WITHOUT ROWID;
                    COMMIT;
                    """
                )
                db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (str(FORMAT_VERSION),))
                db.execute("INSERT OR REPLACE INTO meta VALUES ('rv', '0')")
            row = db.execute("SELECT value FROM meta WHERE key='format'").fetchone()
            if row is None:
                raise StorageFault(f"{path} is not a kubeferry store (no format version)")
            if int(row[0]) != FORMAT_VERSION:
                raise StorageFault(
                    f"{path} has store format {row[0]}, this kubeferry reads format {FORMAT_VERSION}; "
                    "use a matching kubeferry or a new --data-dir"
                )
            self._rv = int(db.execute("SELECT value FROM meta WHERE key='rv'").fetchone()[0])
            for kind, namespace, name, rv, data in db.execute("SELECT kind, namespace, name, rv, data FROM objects"):
                self._objects.setdefault(kind, {})[(namespace, name)] = Entry(orjson.loads(data), bytes(data), rv)
        except sqlite3.DatabaseError as e:
            raise StorageFault(f"cannot open the store {path}: {e}") from e
        self._db = db
        self._writer = _RowWriter(db)
        self._checkpointer = _Checkpointer(path)

    def close(self) -> None:
        """Stop the row writer and the checkpointer, then close the database (SQLite checkpoints a last
        time and removes the WAL)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        if self._db is not None:
            self._db.close()
            self._db = None

    def _committed(self, size: int) -> None:
        """Count `size` row bytes as committed; past `CHECKPOINT_BYTES` the checkpointer is woken."""
        self._uncheckpointed += size
        if self._uncheckpointed >= CHECKPOINT_BYTES and self._checkpointer is not None:
            self._uncheckpointed = 0
            self._checkpointer.request()

    def meta_get(self, key: str) -> str | None:
        if self._db is None:
            return self._meta_mem.get(key)
        self._settle_writer()
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def meta_set(self, key: str, value: str) -> None:
        if self._db is None:
            self._meta_mem[key] = value
            return
        self._commit([("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))])

    @contextlib.contextmanager
    def group(self):
        """Group the writes made inside into one SQLite transaction (group commit).

        For in-process writers whose writes can be redone (level-based controllers): a crash
        before the group commits loses the group as a whole, never half of it.  Writes still
        update memory and watchers at once; the rows go to SQLite when the group ends, only the
        last state of each object and the final resourceVersion (a pod written five times in a
        group is one row write).  A long group hands the rows it has not written for a while to the
        row writer's thread early (`PENDING_ROWS`), inside the same transaction.  If the final commit
        (or an early row) fails, the whole group is rolled back and memory is reloaded from the store,
        so nothing acknowledged later disagrees with the disk.
        """
        db = self._db
        if db is None or self._grouped:
            yield
            return
        self._grouped = True
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as e:
            self._grouped = False
            raise st.insufficient_storage(f"the store cannot take the write: {e}") from e
        self._early = 0
        begun_at = self._rv
        try:
            yield
        finally:
            self._grouped = False
            pending, self._pending = self._pending, {}
            pending.update(self._settled)
            self._settled = {}
            try:
                early = self._writer.settle() if self._writer is not None else None
                if early is not None:
                    raise early
                size = self._early + self._write_rows(db, pending)
                if self._rv != begun_at:
                    # also when every row went early (a group of only `add`s can leave nothing pending)
                    db.execute("UPDATE meta SET value=? WHERE key='rv'", (str(self._rv),))
                db.execute("COMMIT")
            except sqlite3.DatabaseError as e:
                with contextlib.suppress(sqlite3.DatabaseError):
                    db.execute("ROLLBACK")
                self._reload()
                raise st.insufficient_storage(f"the store cannot take the write: {e}") from e
            except BaseException:  # an object that cannot be encoded: nothing of the group is kept
                with contextlib.suppress(sqlite3.DatabaseError):
                    db.execute("ROLLBACK")
                self._reload()
                raise
            self._committed(size)

    def _pend(self, key: tuple[str, str, str], entry: Entry | None) -> None:
        """Keep the row of a write inside a group (None: a removal), last written last."""
        settled = self._settled
        if settled and key in settled:
            del settled[key]  # an object `add` created, written again: this row supersedes that one
        pending = self._pending
        if key in pending:
            del pending[key]  # to the end: the order of last writes
        elif len(pending) >= PENDING_ROWS:
            self._write_early()
        pending[key] = entry

    def _pend_settled(self, key: tuple[str, str, str], entry: Entry) -> None:
        """Keep the row of an object `add` created inside a group: an Event, which its recorder writes
        once and seldom again.  Such rows go to the row writer as soon as `EARLY_ROWS` of them wait, not
        after `PENDING_ROWS` later writes, so a long group's end finds few of them left to write (the
        1,000-replica rollout's group ended with ~1,400 Event rows among its ~2,000 last ones).  One
        written again after that costs a second row, as any early row does."""
        self._pending.pop(key, None)  # a removal of the name earlier in the group: this row replaces it
        settled = self._settled
        settled[key] = entry
        if len(settled) >= EARLY_ROWS and self._writer is not None:
            self._settled = {}
            self._hand_over(list(settled.items()))

    def _write_early(self) -> None:
        """Hand the `EARLY_ROWS` least recently written pending rows to the row writer (inside a group)."""
        if self._writer is None:
            return
        pending = self._pending
        self._hand_over([(key, pending.pop(key)) for key in list(itertools.islice(pending, EARLY_ROWS))])

    def _hand_over(self, taken: list[tuple[tuple[str, str, str], Entry | None]]) -> None:
        """Give the row writer the rows of `taken` (key, entry or None) to write inside the group.

        They are encoded here, as the group's end would; an object that cannot be encoded is the
        writer's error, and the group's end raises it (nothing of the group is kept)."""
        writer = self._writer
        try:
            rows, size, removals = _rows(taken)
        except BaseException as e:  # noqa: BLE001 - raised at the group's end
            writer.error = writer.error or e
            return
        self._early += size
        writer.write(rows, removals)

    def _settle_writer(self) -> None:
        """Let the row writer finish before this thread uses the connection (its error waits for the group's end)."""
        if self._writer is not None:
            self._writer.wait()

    def _write_rows(self, db: sqlite3.Connection, pending: dict[tuple[str, str, str], Entry | None]) -> int:
        """A group's rows (`_rows`): the objects' last states and the removals; returns the bytes of object
        text written.  (The group's end writes the resourceVersion.)"""
        if not pending:
            return 0
        rows, size, removals = _rows(pending.items())
        _insert_rows(db, rows)
        _delete_rows(db, removals)
        return size

    def _reload(self) -> None:
        self._objects.clear()
        db = self._db
        assert db is not None
        self._rv = int(db.execute("SELECT value FROM meta WHERE key='rv'").fetchone()[0])
        for kind, namespace, name, rv, data in db.execute("SELECT kind, namespace, name, rv, data FROM objects"):
            self._objects.setdefault(kind, {})[(namespace, name)] = Entry(orjson.loads(data), bytes(data), rv)

    def _commit(self, statements: list[tuple[str, tuple]]) -> None:
        db = self._db
        if db is None:
            return
        if self._grouped:
            self._settle_writer()
            try:
                for sql, args in statements:
                    db.execute(sql, args)
            except sqlite3.DatabaseError as e:
                raise st.insufficient_storage(f"the store cannot take the write: {e}") from e
            return
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    db.execute(sql, args)
                db.execute("COMMIT")
                self._committed(sum(len(arg) for _, args in statements for arg in args if arg.__class__ is bytes))
            except BaseException:
                # SQLite may already have rolled back (a full disk does); keep the first error.
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.DatabaseError):
                        db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as e:
            text = str(e)
            log.error("the store refused a write: %s", text)
            if "full" in text or "readonly" in text or "disk" in text or "I/O" in text:
                raise st.insufficient_storage(f"the store cannot take the write: {text}") from e
            raise st.internal(f"storage error: {text}") from e
        except sqlite3.DatabaseError as e:
            log.error("the store refused a write: %s", e)
            raise st.insufficient_storage(f"the store cannot take the write: {e}") from e

    # ---- reads -------------------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        return self._rv

    def get(self, kind: str, namespace: str, name: str) -> Entry | None:
        return self._objects.get(kind, {}).get((namespace, name))

    def list(self, kind: str, namespace: str | None = None) -> Iterator[Entry]:
        """Entries of `kind` (in one namespace when given), sorted by namespace then name."""
        bucket = self._objects.get(kind)
        if not bucket:
            return iter(())
        keys = sorted(bucket) if namespace is None else sorted(k for k in bucket if k[0] == namespace)
        return (bucket[k] for k in keys)

    def count(self, kind: str) -> int:
        return len(self._objects.get(kind, ()))

    def kinds(self) -> list[str]:
        return list(self._objects)

    # ---- writes ------------------------------------------------------------------------------

    def _next_rv(self) -> int:
        return self._rv + 1

    def put(self, kind: str, obj: dict, *, expect_rv: int | None = None, create: bool = False) -> Entry:
        """Store `obj` under a new resourceVersion (set in obj.metadata) and announce it.

        `create=True` refuses an existing name; `expect_rv` refuses a stale update.  Errors are
        StatusErrors already worded for the API (the caller fills in resource names).
        """
        meta = obj["metadata"]
        namespace = meta.get("namespace", "") or ""
        name = meta["name"]
        key = (namespace, name)
        bucket = self._objects.get(kind)
        if bucket is None:
            bucket = self._objects[kind] = {}
        old = bucket.get(key)
        if create and old is not None:
            raise KeyError("exists")
        if not create and old is None:
            raise LookupError("missing")
        if expect_rv is not None and old is not None and old.rv != expect_rv:
            raise ValueError("conflict")
        rv = self._rv + 1
        meta["resourceVersion"] = str(rv)
        return self._keep(kind, namespace, name, bucket, Entry(obj, None, rv), old)

    def add(self, kind: str, namespace: str, name: str, obj: dict) -> Entry:
        """`put(kind, obj, create=True)` for a caller that knows the object's namespace and name (those of
        its metadata) and will seldom write the object again: the registry's way for the Events recorders
        write, thousands per rollout (inside a group their rows go to SQLite early: `_pend_settled`)."""
        bucket = self._objects.get(kind)
        if bucket is None:
            bucket = self._objects[kind] = {}
        key = (namespace, name)
        if key in bucket:
            raise KeyError("exists")
        rv = self._rv + 1
        obj["metadata"]["resourceVersion"] = str(rv)
        return self._keep(kind, namespace, name, bucket, Entry(obj, None, rv), None, settled=True)

    def _keep(
        self, kind: str, namespace: str, name: str, bucket: dict, entry: Entry, old: Entry | None, settled: bool = False
    ) -> Entry:
        """Write `entry` (its row now, or with the group), make its resourceVersion the store's, announce it.
        `settled`: an object created to stay as it is (`_pend_settled`)."""
        rv = entry.rv
        if self._grouped:
            if settled:
                self._pend_settled((kind, namespace, name), entry)
            else:
                self._pend((kind, namespace, name), entry)
        elif self._db is not None:
            self._commit(
                [
                    ("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?)", (kind, namespace, name, rv, entry.raw)),
                    ("UPDATE meta SET value=? WHERE key='rv'", (str(rv),)),
                ]
            )
        self._rv = rv
        bucket[(namespace, name)] = entry
        self._announce(Event(ADDED if old is None else MODIFIED, kind, namespace, name, entry, rv, old))
        return entry

    def remove(self, kind: str, namespace: str, name: str, *, expect_rv: int | None = None) -> Entry:
        """Delete an object; the DELETED event carries its last state under a new resourceVersion."""
        bucket = self._objects.get(kind, {})
        old = bucket.get((namespace, name))
        if old is None:
            raise LookupError("missing")
        if expect_rv is not None and old.rv != expect_rv:
            raise ValueError("conflict")
        rv = self._next_rv()
        if self._grouped:
            self._pend((kind, namespace, name), None)
        elif self._db is not None:
            self._commit(
                [
                    ("DELETE FROM objects WHERE kind=? AND namespace=? AND name=?", (kind, namespace, name)),
                    ("UPDATE meta SET value=? WHERE key='rv'", (str(rv),)),
                ]
            )
        self._rv = rv
        del bucket[(namespace, name)]
        # Only the resourceVersion changes: the rest is shared with the stored object (never mutated).
        last = dict(old.obj)
        last["metadata"] = {**last["metadata"], "resourceVersion": str(rv)}
        entry = Entry(last, None, rv)
        self._announce(Event(DELETED, kind, namespace, name, entry, rv, old))
        return entry

    # ---- watch -------------------------------------------------------------------------------

    def _announce(self, event: Event) -> None:
        self._history.append(event)
        for watcher in self._watchers.get(event.kind, ()):
            watcher.push(event)
        for listener in self.listeners:
            listener(event)

    def oldest_watchable_rv(self) -> int:
        """The smallest resourceVersion a watch may start from (events after it are all kept)."""
        if not self._history:
            return self._rv
        return self._history[0].rv - 1

    def watch(self, kind: str, namespace: str | None, since_rv: int | None) -> Watcher:
        """Open a watch.  `since_rv=None` means from now; otherwise replay events with rv > since_rv.

        A start before the history window gives a watcher with `expired=True`.
        """
        watcher = Watcher(kind, namespace)
        if since_rv is not None and since_rv < self._rv:
            if since_rv < self.oldest_watchable_rv():
                watcher.expired = True
                return watcher
            for event in self._history:
                if event.rv > since_rv and event.kind == kind:
                    watcher.push(event)
        self._watchers.setdefault(kind, []).append(watcher)
        return watcher

    def unwatch(self, watcher: Watcher) -> None:
        watcher.closed = True
        watchers = self._watchers.get(watcher.kind)
        if watchers and watcher in watchers:
            watchers.remove(watcher)

    def close_watches(self) -> None:
        """End every open watch (the server is stopping): each watcher is closed and woken, so its stream
        ends cleanly instead of being cancelled; `closing` tells the log streams to end as well.  Call it
        from the event loop the watchers wait on."""
        self.closing = True
        for watchers in self._watchers.values():
            for watcher in watchers:
                watcher.closed = True
                if watcher.wakeup is not None:
                    watcher.wakeup.set()

    def watcher_count(self) -> int:
        return sum(len(w) for w in self._watchers.values())
