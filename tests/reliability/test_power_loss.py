"""Power loss with `--durability full`: an acknowledged write is on disk before it is acknowledged.

A process killed by SIGKILL loses nothing the kernel already has (the crash loops show that); power
loss also loses every byte the kernel had not yet written back.  We cannot cut the power, so we
record what reached the disk: the store runs in a child process under strace, which logs every
`pwrite64`, `ftruncate`, `fsync` and `fdatasync` on the database files with their full data, and a
marker `write(1, "ACK <name>")` right after each write the store returned (the server answers the
client only after that return).  For every ACK we rebuild the files as power loss right after it
would leave them in the worst case: each file gets exactly the writes that precede its last
fsync/fdatasync before the ACK, nothing later.  The rebuilt database is opened with the store
(SQLite recovers the WAL) and must hold every write acknowledged so far.

The same replay of a `durability normal` run must lose acknowledged writes (SQLite syncs the WAL only
at checkpoints then): that shows the replay can tell the two apart, so the `full` result is not
vacuous.

Model limits, stated once: a write that was never synced is taken as lost entirely (the worst case
for loss; torn or reordered sector writes inside a synced range are the fsync contract's job);
the shared-memory index (`-shm`) is ignored because SQLite rebuilds it; file creation is covered
because SQLite fsyncs the directory after creating the WAL (asserted below).

Needs strace and permission to ptrace; without them the test is skipped with the reason.
"""

from __future__ import annotations

import codecs
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kubeferry.storage.store import Store

WRITES = 20
WRITER = """
import os, sys
from kubeferry.machinery import resources
from kubeferry.registry.registry import Registry
from kubeferry.storage.store import Store

cm = resources.by_gvk("", "v1", "ConfigMap")
ns = resources.by_gvk("", "v1", "Namespace")
store = Store(sys.argv[1], durability=sys.argv[2])
registry = Registry(store)
registry.create(ns, "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
for i in range(int(sys.argv[3])):
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}"}, "data": {"i": str(i) * 300}}
    registry.create(cm, "default", body)
    os.write(1, f"ACK cm-{i}\\n".encode())
os._exit(0)  # no close, no checkpoint: the process simply stops
"""
CALL = re.compile(
    r"^\d+\s+(?P<call>pwrite64|ftruncate|fsync|fdatasync|write)\((?P<fd>\d+)<(?P<path>[^>]*)>(?P<rest>.*)$"
)
DATA = re.compile(r'^, "(?P<data>(?:[^"\\]|\\.)*)", (?P<size>\d+), (?P<offset>\d+)\) = (?P<ret>\d+)$')
TRUNCATE = re.compile(r"^, (?P<size>\d+)\) = 0$")
ACK = re.compile(r'^, "ACK (?P<name>[a-z0-9-]+)\\n", \d+\) = \d+$')


def strace_usable() -> str | None:
    if not shutil.which("strace"):
        return "strace is not installed"
    probe = subprocess.run(["strace", "-f", "-qq", "-o", "/dev/null", "true"], capture_output=True, text=True)
    return None if probe.returncode == 0 else f"strace cannot trace here: {probe.stderr.strip()}"


def trace_run(tmp_path: Path, durability: str) -> tuple[Path, list[str]]:
    data = tmp_path / durability
    data.mkdir()
    trace = tmp_path / f"{durability}.trace"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    command = [
        "strace",
        "-f",
        "-qq",
        "-y",
        "-x",
        "-s",
        "10000000",
        "-e",
        "trace=pwrite64,write,fsync,fdatasync,ftruncate",
        "-o",
        str(trace),
    ]
    result = subprocess.run(
        [*command, sys.executable, str(script), str(data / "state.db"), durability, str(WRITES)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("ACK ") == WRITES
    return data, trace.read_text().splitlines()


def unescape(text: str) -> bytes:
    """strace -x prints bytes as C escapes (\\x00, \\n, \\", \\\\) and printable ASCII as itself."""
    return codecs.escape_decode(text.encode("latin-1"))[0]


def replay(lines: list[str], data: Path, out: Path) -> tuple[list[tuple[str, dict[str, bytes]]], set[str]]:
    """For each ACK: (name, {file: durable bytes}).  Also returns the directories that were fsynced."""
    tracked = {str(data / "state.db"), str(data / "state.db-wal")}
    contents: dict[str, bytearray] = {}
    durable: dict[str, bytes] = {}
    synced_dirs: set[str] = set()
    images = []
    for line in lines:
        match = CALL.match(line)
        if not match:
            continue
        call, path, rest = match["call"], match["path"], match["rest"]
        if call == "write":
            ack = ACK.match(rest)
            if ack:
                images.append((ack["name"], dict(durable)))
            continue
        if call in ("fsync", "fdatasync"):
            if path in tracked:
                durable[path] = bytes(contents.get(path, b""))
            elif path == str(data):
                synced_dirs.add(path)
            continue
        if path not in tracked:
            continue
        buffer = contents.setdefault(path, bytearray())
        if call == "pwrite64":
            args = DATA.match(rest)
            assert args, line[:300]
            chunk = unescape(args["data"])
            offset = int(args["offset"])
            assert len(chunk) == int(args["size"]) == int(args["ret"]), line[:300]
            if len(buffer) < offset:
                buffer.extend(b"\0" * (offset - len(buffer)))
            buffer[offset : offset + len(chunk)] = chunk
        else:
            args = TRUNCATE.match(rest)
            assert args, line[:300]
            del buffer[int(args["size"]) :]
    return images, synced_dirs


def surviving(image: dict[str, bytes], data: Path, where: Path) -> set[str]:
    """Open the rebuilt files with the store and return the ConfigMaps it holds."""
    where.mkdir()
    for path, content in image.items():
        (where / Path(path).name).write_bytes(content)
    if not (where / "state.db").exists():
        return set()
    try:
        store = Store(str(where / "state.db"))
    except Exception:  # a database that never reached the disk is simply not there
        return set()
    try:
        return {entry.obj["metadata"]["name"] for entry in store.list("configmaps", "default")}
    finally:
        store.close()


@pytest.fixture(scope="module")
def strace_ok():
    reason = strace_usable()
    if reason:
        pytest.skip(reason)


def test_full_durability_keeps_every_acknowledged_write_through_power_loss(tmp_path, strace_ok):
    data, lines = trace_run(tmp_path, "full")
    images, synced_dirs = replay(lines, data, tmp_path)
    assert [name for name, _ in images] == [f"cm-{i}" for i in range(WRITES)]
    assert str(data) in synced_dirs, "the WAL's directory entry was never synced"
    for index, (name, image) in enumerate(images):
        kept = surviving(image, data, tmp_path / f"full-{index}")
        acknowledged = {f"cm-{i}" for i in range(index + 1)}
        assert acknowledged <= kept, f"power loss right after the ACK of {name} loses {sorted(acknowledged - kept)}"


def test_normal_durability_loses_acknowledged_writes_in_the_same_replay(tmp_path, strace_ok):
    data, lines = trace_run(tmp_path, "normal")
    images, _ = replay(lines, data, tmp_path)
    assert len(images) == WRITES
    lost = []
    for index, (_, image) in enumerate(images):
        kept = surviving(image, data, tmp_path / f"normal-{index}")
        lost.append(len({f"cm-{i}" for i in range(index + 1)} - kept))
    assert lost[-1] > 0, "synchronous=NORMAL kept every write: the replay does not model power loss"


def test_the_store_asks_sqlite_for_full_sync(tmp_path):
    full = Store(str(tmp_path / "full.db"), durability="full")
    normal = Store(str(tmp_path / "normal.db"))
    try:
        assert full._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert normal._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert full._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        full.close()
        normal.close()
