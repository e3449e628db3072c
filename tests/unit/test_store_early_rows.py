"""A long group hands the rows it will not write again soon to a writer thread; the group still commits or
fails as a whole, and the file then holds exactly what memory holds."""

from __future__ import annotations

import random

import pytest

from kubeferry.machinery import status as st
from kubeferry.storage import store as store_mod


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(store_mod, "PENDING_ROWS", 20)
    monkeypatch.setattr(store_mod, "EARLY_ROWS", 7)
    monkeypatch.setattr(store_mod, "WRITER_CHUNK", 3)  # statements of 3 rows and a shorter last one


def _cm(name: str, value: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": {"v": value},
    }


def _contents(store: store_mod.Store) -> dict:
    return {
        (kind, e.obj["metadata"].get("namespace", ""), e.obj["metadata"]["name"]): (e.rv, e.obj)
        for kind in store.kinds()
        for e in store.list(kind)
    }


@pytest.mark.parametrize("seed", range(6))
def test_a_long_group_stores_exactly_what_memory_holds(tmp_path, small_limits, seed):
    rng = random.Random(seed)
    path = str(tmp_path / "state.db")
    store = store_mod.Store(path)
    for i in range(10):
        store.put("configmaps", _cm(f"before-{i}", "0"), create=True)
    names = [f"before-{i}" for i in range(10)]
    with store.group():
        for step in range(400):
            choice = rng.random()
            if choice < 0.45 or not names:
                name = f"cm-{step}"
                store.put("configmaps", _cm(name, str(step)), create=True)
                names.append(name)
            elif choice < 0.8:
                name = rng.choice(names)
                store.put("configmaps", _cm(name, str(step)))
            else:
                name = names.pop(rng.randrange(len(names)))
                store.remove("configmaps", "default", name)
        assert store._early > 0  # rows went to the writer while the group was open
        store.meta_set("probe", str(seed))  # a statement of its own inside the group
    expected = _contents(store)
    rv = store.resource_version
    store.close()
    reopened = store_mod.Store(path)
    assert _contents(reopened) == expected
    assert reopened.resource_version == rv
    assert reopened.meta_get("probe") == str(seed)
    reopened.close()


def _event(name: str, count: int) -> dict:
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": "default"}, "count": count}


@pytest.mark.parametrize("seed", range(6))
def test_added_objects_go_early_and_later_writes_of_them_still_win(tmp_path, small_limits, seed):
    # `add` (the Events recorders write) hands rows over after EARLY_ROWS of them; writes of the same
    # names afterwards (patches, removals, a name added again) must still leave the last state on disk.
    rng = random.Random(seed)
    path = str(tmp_path / "state.db")
    store = store_mod.Store(path)
    live: list[str] = []
    gone: list[str] = []
    with store.group():
        for step in range(300):
            choice = rng.random()
            if choice < 0.5 or not live:
                name = gone.pop() if gone and rng.random() < 0.3 else f"ev-{step}"
                store.add("events", "default", name, _event(name, 1))
                live.append(name)
            elif choice < 0.8:
                name = live[-1] if rng.random() < 0.5 else rng.choice(live)  # often one still waiting to go
                store.put("events", _event(name, step))
            else:
                name = live.pop(rng.randrange(len(live)))
                store.remove("events", "default", name)
                gone.append(name)
            if step % 50 == 0:
                store.put("configmaps", _cm(f"cm-{step}", "x"), create=True)
        assert store._early > 0
    expected, rv = _contents(store), store.resource_version
    store.close()
    reopened = store_mod.Store(path)
    assert _contents(reopened) == expected
    assert reopened.resource_version == rv
    reopened.close()


def test_an_early_row_that_cannot_be_written_fails_the_whole_group(tmp_path, small_limits):
    path = str(tmp_path / "state.db")
    store = store_mod.Store(path)
    store.put("configmaps", _cm("kept", "1"), create=True)
    before = _contents(store)
    with pytest.raises(TypeError), store.group():
        bad = _cm("bad", "x")
        bad["data"]["v"] = {1, 2}  # a set: no JSON for it
        store.put("configmaps", bad, create=True)
        for i in range(40):  # enough later writes to hand the bad one to the writer early
            store.put("configmaps", _cm(f"cm-{i}", "y"), create=True)
        store.put("configmaps", _cm("kept", "2"))
    assert _contents(store) == before  # memory is the file again
    store.close()
    reopened = store_mod.Store(path)
    assert _contents(reopened) == before
    reopened.close()


def test_a_failing_statement_on_the_writer_thread_fails_the_whole_group(tmp_path, small_limits, monkeypatch):
    path = str(tmp_path / "state.db")
    store = store_mod.Store(path)
    store.put("configmaps", _cm("kept", "1"), create=True)
    before = _contents(store)

    def refuse(db, rows):
        raise store_mod.sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store_mod, "_insert_rows", refuse)
    with pytest.raises(st.StatusError) as failed, store.group():
        for i in range(40):
            store.put("configmaps", _cm(f"cm-{i}", "y"), create=True)
    assert failed.value.code == 507
    assert "database or disk is full" in failed.value.message
    assert _contents(store) == before
    monkeypatch.undo()
    store.put("configmaps", _cm("after", "1"), create=True)  # the store takes writes again
    store.close()
    reopened = store_mod.Store(path)
    assert sorted(name for _, _, name in _contents(reopened)) == ["after", "kept"]
    reopened.close()


def test_a_short_group_starts_no_writer_thread(tmp_path):
    store = store_mod.Store(str(tmp_path / "state.db"))
    with store.group():
        for i in range(50):
            store.put("configmaps", _cm(f"cm-{i}", "y"), create=True)
    assert store._writer._thread is None
    store.close()


def test_removals_find_their_rows_through_the_primary_key(tmp_path):
    store = store_mod.Store(str(tmp_path / "state.db"))
    plan = store._db.execute("EXPLAIN QUERY PLAN " + store_mod._delete_sql(2), ["a", "b", "c", "d", "e", "f"])
    details = [row[3] for row in plan]
    assert any(d.startswith("SEARCH objects USING PRIMARY KEY") for d in details), details
    assert not any(d == "SCAN objects" for d in details), details
    store.close()


def test_a_group_whose_rows_all_went_early_still_stores_its_resource_version(tmp_path, small_limits):
    # seven adds fill one early batch and leave nothing pending at the end
    path = str(tmp_path / "state.db")
    store = store_mod.Store(path)
    with store.group():
        for i in range(7):
            store.add("events", "default", f"ev-{i}", _event(f"ev-{i}", 1))
        assert not store._pending and not store._settled
    rv = store.resource_version
    store.close()
    reopened = store_mod.Store(path)
    assert reopened.resource_version == rv == 7
    assert reopened.put("configmaps", _cm("next", "1"), create=True).rv == 8  # never a resourceVersion again
    reopened.close()
