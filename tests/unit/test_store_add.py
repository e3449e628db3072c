"""`Store.add` stores and announces a new object exactly as `put(create=True)` does."""

from __future__ import annotations

import pytest

from kubeferry.storage.store import Store


def _event(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": "default"}, "count": 1}


def _run(store: Store, way: str) -> list:
    seen: list = []
    store.listeners.append(lambda e: seen.append((e.type, e.kind, e.namespace, e.name, e.rv, e.prev, e.entry.raw)))
    for name in ("a.1", "b.2"):
        obj = _event(name)
        if way == "put":
            store.put("events", obj, create=True)
        else:
            store.add("events", "default", name, obj)
    with pytest.raises(KeyError):
        if way == "put":
            store.put("events", _event("a.1"), create=True)
        else:
            store.add("events", "default", "a.1", _event("a.1"))
    return seen


def test_add_answers_as_put_in_memory():
    by_put, by_add = Store(None), Store(None)
    assert _run(by_put, "put") == _run(by_add, "add")
    assert by_add.resource_version == 2
    assert by_add.get("events", "default", "b.2").obj["metadata"]["resourceVersion"] == "2"
    assert [e.raw for e in by_put.list("events")] == [e.raw for e in by_add.list("events")]


@pytest.mark.parametrize("grouped", [False, True], ids=["each-write", "group"])
def test_add_rows_reach_sqlite_as_put_rows(tmp_path, grouped):
    rows = []
    for way in ("put", "add"):
        path = str(tmp_path / f"{way}.db")
        store = Store(path)
        if grouped:
            with store.group():
                _run(store, way)
        else:
            _run(store, way)
        store.close()
        reopened = Store(path)
        rows.append([(e.rv, e.raw) for e in reopened.list("events")] + [reopened.resource_version])
        reopened.close()
    assert rows[0] == rows[1]
    assert rows[1][-1] == 2


def test_a_groups_rows_sort_as_their_keys_do():
    from kubeferry.storage.store import _row_order

    keys = [
        ("pods", "default", "web-1"),
        ("pods", "default", "web"),
        ("pods", "default", "web-10"),
        ("pods", "def", "z"),
        ("pod", "zz", "a"),
        ("apps/deployments", "default", "web"),
        ("events", "default", "web.1f"),
        ("events", "default", "web-1.0"),
        ("events", "", "node-1.2a"),
    ]
    pending = {key: None for key in keys}
    assert [k for k, _ in sorted(pending.items(), key=_row_order)] == sorted(keys)
