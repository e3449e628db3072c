"""The store: one resourceVersion counter, optimistic concurrency, watch history and durability."""

from __future__ import annotations

import sqlite3

import pytest

from kubeferry.storage.store import ADDED, DELETED, MODIFIED, StorageFault, Store


def cm(name: str, ns: str = "default", **data: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data}


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    s = Store(None if request.param == "memory" else str(tmp_path / "state.db"))
    yield s
    s.close()


def test_every_write_takes_the_next_resource_version(store):
    a = store.put("configmaps", cm("a"), create=True)
    b = store.put("configmaps", cm("b"), create=True)
    a2 = store.put("configmaps", cm("a", n="1"), expect_rv=a.rv)
    gone = store.remove("configmaps", "default", "b")
    assert [a.rv, b.rv, a2.rv, gone.rv] == [1, 2, 3, 4]
    assert a2.obj["metadata"]["resourceVersion"] == "3"
    assert gone.obj["metadata"]["resourceVersion"] == "4"
    assert store.resource_version == 4


def test_create_refuses_existing_and_update_refuses_stale(store):
    first = store.put("configmaps", cm("a"), create=True)
    with pytest.raises(KeyError):
        store.put("configmaps", cm("a"), create=True)
    store.put("configmaps", cm("a", n="1"), expect_rv=first.rv)
    with pytest.raises(ValueError):
        store.put("configmaps", cm("a", n="2"), expect_rv=first.rv)
    with pytest.raises(LookupError):
        store.put("configmaps", cm("missing"))
    assert store.get("configmaps", "default", "a").obj["data"] == {"n": "1"}


def test_list_is_sorted_and_filtered_by_namespace(store):
    for ns, name in [("b", "x"), ("a", "z"), ("a", "y")]:
        store.put("configmaps", cm(name, ns), create=True)
    assert [(e.obj["metadata"]["namespace"], e.obj["metadata"]["name"]) for e in store.list("configmaps")] == [
        ("a", "y"),
        ("a", "z"),
        ("b", "x"),
    ]
    assert [e.obj["metadata"]["name"] for e in store.list("configmaps", "a")] == ["y", "z"]


def test_watch_replays_history_after_a_resource_version(store):
    a = store.put("configmaps", cm("a"), create=True)
    store.put("configmaps", cm("a", n="1"), expect_rv=a.rv)
    store.put("secrets", {"metadata": {"name": "s", "namespace": "default"}}, create=True)
    store.remove("configmaps", "default", "a")
    watcher = store.watch("configmaps", None, a.rv)
    assert [(e.type, e.rv) for e in watcher.queue] == [(MODIFIED, 2), (DELETED, 4)]
    live = store.watch("configmaps", "default", None)
    store.put("configmaps", cm("b"), create=True)
    store.put("configmaps", cm("c", "other"), create=True)
    assert [(e.type, e.name) for e in live.queue] == [(ADDED, "b")]


def test_watch_before_the_history_window_is_expired(tmp_path):
    store = Store(None, history=3)
    entry = store.put("configmaps", cm("a"), create=True)
    for i in range(5):
        entry = store.put("configmaps", cm("a", n=str(i)), expect_rv=entry.rv)
    assert store.watch("configmaps", None, 1).expired
    assert store.oldest_watchable_rv() == 3
    assert not store.watch("configmaps", None, 3).expired


def test_state_survives_reopen(tmp_path):
    path = str(tmp_path / "state.db")
    s = Store(path)
    s.put("configmaps", cm("a", k="v"), create=True)
    s.put("configmaps", cm("b"), create=True)
    s.remove("configmaps", "default", "b")
    s.close()
    again = Store(path)
    assert again.resource_version == 3
    assert again.get("configmaps", "default", "a").obj["data"] == {"k": "v"}
    assert again.get("configmaps", "default", "b") is None
    assert again.put("configmaps", cm("c"), create=True).rv == 4


def test_incompatible_format_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "state.db"
    Store(str(path)).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='99' WHERE key='format'")
    db.commit()
    db.close()
    with pytest.raises(StorageFault, match="store format 99"):
        Store(str(path))


def test_garbage_file_is_refused_not_a_traceback(tmp_path):
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageFault, match="cannot open the store"):
        Store(str(path))


def test_a_group_writes_each_object_once_and_survives_reopen(tmp_path):
    path = str(tmp_path / "state.db")
    store = Store(path)
    store.put("configmaps", cm("kept"), create=True)
    with store.group():
        a = store.put("configmaps", cm("a", n="1"), create=True)
        a = store.put("configmaps", cm("a", n="2"), expect_rv=a.rv)
        store.put("configmaps", cm("brief"), create=True)
        store.remove("configmaps", "default", "brief")
        store.remove("configmaps", "default", "kept")
        # Memory and readers see each write at once, before the group commits.
        assert store.get("configmaps", "default", "a").obj["data"] == {"n": "2"}
        assert store.get("configmaps", "default", "kept") is None
        rows = sqlite3.connect(path).execute("SELECT name FROM objects").fetchall()
        assert rows == [("kept",)]  # another connection still sees the state before the group
    assert store.resource_version == 6
    store.close()
    reopened = Store(path)
    assert [e.obj["metadata"]["name"] for e in reopened.list("configmaps")] == ["a"]
    assert reopened.get("configmaps", "default", "a").obj["data"] == {"n": "2"}
    assert reopened.get("configmaps", "default", "a").rv == 3
    assert reopened.resource_version == 6
    reopened.close()


def test_the_deleted_entry_is_the_last_state_under_the_new_resource_version(store):
    put = store.put("configmaps", cm("a", n="1"), create=True)
    seen = []
    store.listeners.append(seen.append)
    gone = store.remove("configmaps", "default", "a")
    assert gone.raw == (
        b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"default",'
        b'"resourceVersion":"2"},"data":{"n":"1"}}'
    )
    assert gone.obj == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "a", "namespace": "default", "resourceVersion": "2"},
        "data": {"n": "1"},
    }
    # the entry the object had before is left as it was (readers may still hold it)
    assert put.obj["metadata"]["resourceVersion"] == "1"
    assert put.raw.endswith(b'"resourceVersion":"1"},"data":{"n":"1"}}')
    assert [(e.type, e.rv, e.prev is put, e.entry is gone) for e in seen] == [(DELETED, 2, True, True)]


def test_entries_compare_by_content():
    from kubeferry.storage.store import Entry

    assert Entry({"a": 1}, b'{"a":1}', 3) == Entry({"a": 1}, b'{"a":1}', 3)
    assert Entry({"a": 1}, b'{"a":1}', 3) != Entry({"a": 1}, b'{"a":1}', 4)
    with pytest.raises(TypeError):
        hash(Entry({}, b"{}", 1))


def test_an_entry_is_encoded_when_first_asked_and_then_kept(store):
    entry = store.put("configmaps", cm("a", n="1"), create=True)
    first = entry.raw
    assert (
        first
        == b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"default","resourceVersion":"1"},"data":{"n":"1"}}'
    )
    assert entry.raw is first


def test_a_group_stores_the_last_state_of_each_object(tmp_path):
    path = str(tmp_path / "state.db")
    s = Store(path)
    with s.group():
        s.put("configmaps", cm("a", n="1"), create=True)
        s.put("configmaps", cm("a", n="2"))
    s.close()
    again = Store(path)
    assert again.get("configmaps", "default", "a").raw == (
        b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"default","resourceVersion":"2"},"data":{"n":"2"}}'
    )
    again.close()
