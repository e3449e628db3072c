"""A new SQLite store file gets `PAGE_SIZE` pages; an existing file keeps the page size it was made with."""

from __future__ import annotations

import sqlite3

from kubeferry.storage import store as store_mod


def _page_size(path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA page_size").fetchone()[0]
    finally:
        db.close()


def _event(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": "default"}}


def test_a_new_store_file_has_16_kib_pages(tmp_path):
    path = str(tmp_path / "state.db")
    store = store_mod.Store(path)
    store.put("events", _event("a.1"), create=True)
    store.close()
    assert _page_size(path) == 16384 == store_mod.PAGE_SIZE


def test_a_store_file_with_4_kib_pages_keeps_them_and_its_objects(tmp_path, monkeypatch):
    path = str(tmp_path / "state.db")
    monkeypatch.setattr(store_mod, "PAGE_SIZE", 4096)
    old = store_mod.Store(path)
    old.put("events", _event("a.1"), create=True)
    old.close()
    monkeypatch.setattr(store_mod, "PAGE_SIZE", 16384)
    store = store_mod.Store(path)
    store.put("events", _event("b.2"), create=True)
    store.close()
    assert _page_size(path) == 4096
    reopened = store_mod.Store(path)
    assert [(e.obj["metadata"]["name"], e.rv) for e in reopened.list("events")] == [("a.1", 1), ("b.2", 2)]
    reopened.close()
