"""The store's commits only append to the WAL; its own thread checkpoints after `CHECKPOINT_BYTES` of rows."""

from __future__ import annotations

import shutil
import sqlite3

from kubeferry.storage import store as store_mod


def _config_map(name: str, size: int) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": {"x": "a" * size},
    }


def _names_in_database_file_alone(path, copy) -> list[str]:
    """The object names the database file holds by itself, as if its WAL were gone."""
    shutil.copyfile(path, copy)
    db = sqlite3.connect(copy)
    try:
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'objects'").fetchone() is None:
            return []  # even the table is only in the WAL yet
        return [row[0] for row in db.execute("SELECT name FROM objects ORDER BY name")]
    finally:
        db.close()


def test_the_store_connection_never_checkpoints_inside_a_commit(tmp_path):
    store = store_mod.Store(str(tmp_path / "state.db"))
    assert store._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    store.close()


def test_below_the_threshold_no_checkpoint_thread_runs_and_the_rows_stay_in_the_wal(tmp_path):
    path = tmp_path / "state.db"
    store = store_mod.Store(str(path))
    store.put("configmaps", _config_map("a", 1000), create=True)
    with store.group():
        store.put("configmaps", _config_map("b", 1000), create=True)
    assert store._checkpointer._thread is None
    assert _names_in_database_file_alone(path, tmp_path / "copy.db") == []
    store.close()
    reopened = store_mod.Store(str(path))
    assert [e.obj["metadata"]["name"] for e in reopened.list("configmaps")] == ["a", "b"]
    reopened.close()


def test_past_the_threshold_the_checkpoint_copies_the_committed_rows_into_the_database_file(tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod, "CHECKPOINT_BYTES", 3000)
    path = tmp_path / "state.db"
    store = store_mod.Store(str(path))
    store.put("configmaps", _config_map("a", 1000), create=True)  # ~1.1 KB: below
    assert store._checkpointer._thread is None
    with store.group():
        store.put("configmaps", _config_map("b", 1000), create=True)
        store.put("configmaps", _config_map("c", 1000), create=True)  # the group crosses 3,000 bytes
    checkpointer = store._checkpointer
    checkpointer.close()  # runs the checkpoint asked for, then stops
    assert checkpointer.checkpoints == 1
    assert _names_in_database_file_alone(path, tmp_path / "copy.db") == ["a", "b", "c"]
    store._checkpointer = None
    store.put("configmaps", _config_map("d", 10), create=True)  # the store writes on without it
    store.close()
    reopened = store_mod.Store(str(path))
    assert [e.obj["metadata"]["name"] for e in reopened.list("configmaps")] == ["a", "b", "c", "d"]
    reopened.close()


def test_the_count_starts_over_after_each_request(tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod, "CHECKPOINT_BYTES", 3000)
    store = store_mod.Store(str(tmp_path / "state.db"))
    asked, written = [], []
    monkeypatch.setattr(store._checkpointer, "request", lambda: asked.append(len(written)))
    for i in range(7):
        written.append(i)
        store.put("configmaps", _config_map(f"cm-{i}", 1000), create=True)
    assert asked == [3, 6]  # each ConfigMap's row is a little over 1,000 bytes
    store.close()
