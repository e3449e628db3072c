"""Disk trouble: a full or read-only store refuses writes with 507 and keeps what it had; the
server goes on once space returns; a damaged file is refused at start with a clear message."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kubeferry.machinery import resources
from kubeferry.registry.registry import Registry
from kubeferry.storage.store import Store

CM = resources.by_gvk("", "v1", "ConfigMap")
NS = resources.by_gvk("", "v1", "Namespace")


def configmap(name: str, size: int = 10) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"blob": "x" * size}}


@pytest.fixture
def registry(tmp_path):
    store = Store(str(tmp_path / "state.db"))
    reg = Registry(store)
    reg.create(NS, "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    yield reg
    store.close()


def test_full_disk_refuses_with_507_and_recovers(registry, caplog):
    db = registry.store._db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count={pages + 2}")
    registry.create(CM, "default", configmap("small"))
    before = registry.store.resource_version
    with pytest.raises(Exception) as info:
        for i in range(50):
            registry.create(CM, "default", configmap(f"big{i}", 20000))
    assert getattr(info.value, "code", None) == 507 and info.value.reason == "InsufficientStorage"
    assert "the store refused a write" in caplog.text
    stored = {e.obj["metadata"]["name"] for e in registry.list(CM, "default")}
    assert registry.store.resource_version == before + len(stored) - 1
    # Memory and disk agree: every name the registry reports is on disk, and the refused one is not.
    on_disk = {row[0] for row in db.execute("SELECT name FROM objects WHERE kind='configmaps'")}
    assert stored == on_disk
    db.execute("PRAGMA max_page_count=1073741823")
    registry.create(CM, "default", configmap("after"))
    assert registry.get(CM, "default", "after").obj["data"] == {"blob": "x" * 10}


def test_read_only_store_refuses_writes_and_keeps_reads(registry):
    registry.create(CM, "default", configmap("kept"))
    registry.store._db.execute("PRAGMA query_only=1")
    with pytest.raises(Exception) as info:
        registry.create(CM, "default", configmap("refused"))
    assert info.value.code == 507
    assert registry.get(CM, "default", "kept").obj["metadata"]["name"] == "kept"
    assert [e.obj["metadata"]["name"] for e in registry.list(CM, "default")] == ["kept"]
    registry.store._db.execute("PRAGMA query_only=0")
    registry.create(CM, "default", configmap("later"))


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        pytest.param(lambda p: p.write_bytes(b"garbage" * 1000), "cannot open the store", id="garbage"),
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[:2000]), "cannot open the store", id="truncated"),
    ],
)
def test_damaged_store_is_refused_at_start_with_a_clear_message(tmp_path, damage, expected):
    data = tmp_path / "d"
    data.mkdir()
    store = Store(str(data / "state.db"))
    for i in range(200):
        store.put("configmaps", {"metadata": {"name": f"c{i}", "namespace": "default"}, "data": {"x": "y" * 200}}, create=True)
    store.close()
    for extra in ("state.db-wal", "state.db-shm"):
        (data / extra).unlink(missing_ok=True)
    damage(data / "state.db")
    result = subprocess.run(
        [sys.executable, "-m", "kubeferry.cluster.server", "--data-dir", str(data), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
