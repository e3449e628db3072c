"""ControllerRevision helpers: data shape and bytes, names, hashes, equality, order, collisions, truncation.

Facts restated from upstream `pkg/controller/history` (controller_history.go and its tests).
"""

from __future__ import annotations

import re

import pytest

from kubeferry.controllers import history
from kubeferry.machinery.names import ALPHANUMS, compute_revision_hash

TEMPLATE = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]},
}
PARENT = {
    "apiVersion": "apps/v1",
    "kind": "StatefulSet",
    "metadata": {"name": "web", "namespace": "default", "uid": "set-uid", "annotations": {"note": "x"}},
}


def rev(name: str, number: int, *, data=None, created: str | None = None, hash_label: str | None = None) -> dict:
    meta: dict = {"name": name, "namespace": "default"}
    if created:
        meta["creationTimestamp"] = created
    if hash_label is not None:
        meta["labels"] = {history.CONTROLLER_REVISION_HASH_LABEL: hash_label}
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": meta,
        "data": data if data is not None else history.revision_data(TEMPLATE),
        "revision": number,
    }


# --- data -------------------------------------------------------------------------------------------------


def test_revision_data_is_a_replace_patch_of_the_template_with_sorted_compact_bytes():
    data = history.revision_data({"spec": {"b": 1, "a": 2}, "metadata": {"labels": {"z": "1", "a": "2"}}})
    assert data == {
        "spec": {
            "template": {"$patch": "replace", "metadata": {"labels": {"a": "2", "z": "1"}}, "spec": {"a": 2, "b": 1}}
        }
    }
    # The dict itself is in sorted order, so an order-preserving encoder emits upstream's bytes.
    assert list(data["spec"]["template"]) == ["$patch", "metadata", "spec"]
    assert history.serialize_revision_data(data) == (
        b'{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"a":"2","z":"1"}},"spec":{"a":2,"b":1}}}}'
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"cmd": "a<b>c&d"}, b'{"cmd":"a\\u003cb\\u003ec\\u0026d"}', id="html-characters-escaped-like-go"),
        pytest.param({"s": "line\u2028sep"}, b'{"s":"line\\u2028sep"}', id="line-separator-escaped"),
        pytest.param({"s": "caf\u00e9"}, '{"s":"café"}'.encode(), id="non-ascii-stays-utf8"),
        pytest.param({"n": 3.0, "f": 0.5}, b'{"f":0.5,"n":3}', id="integral-float-prints-as-integer"),
        pytest.param({"s": "tab\there"}, b'{"s":"tab\\there"}', id="control-character-short-escape"),
    ],
)
def test_serialize_revision_data_matches_go_json_marshal(value, expected):
    assert history.serialize_revision_data(value) == expected


# --- names and hashes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "expected_prefix"),
    [
        pytest.param("web", "web", id="short-prefix-kept"),
        pytest.param("a" * 223, "a" * 223, id="223-bytes-kept"),
        pytest.param("b" * 300, "b" * 223, id="longer-prefix-cut-to-223"),
    ],
)
def test_controller_revision_name(prefix, expected_prefix):
    name = history.controller_revision_name(prefix, "7c9f4")
    assert name == f"{expected_prefix}-7c9f4"
    assert len(name) <= 253


def test_hash_is_fnv1_over_data_bytes_then_probe_and_safe_encoded():
    data = history.revision_data(TEMPLATE)
    raw = history.serialize_revision_data(data)
    plain = history.hash_controller_revision(data, None)
    assert plain == compute_revision_hash(raw, None)
    assert re.fullmatch(f"[{ALPHANUMS}]+", plain)
    probed = [history.hash_controller_revision(data, n) for n in (0, 1, 2)]
    assert len({plain, *probed}) == 4  # every probe changes the hash
    assert history.hash_controller_revision(data, 1) == history.hash_controller_revision(raw, 1)  # bytes or dict


def test_new_controller_revision_shape():
    data = history.revision_data(TEMPLATE)
    cr = history.new_controller_revision(PARENT, "StatefulSet", {"app": "web"}, data, 3, 0)
    hash_ = history.hash_controller_revision(data, 0)
    assert cr == {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": f"web-{hash_}",
            "namespace": "default",
            "labels": {"app": "web", "controller.kubernetes.io/hash": hash_},
            "annotations": {"note": "x"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "StatefulSet",
                    "name": "web",
                    "uid": "set-uid",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "data": data,
        "revision": 3,
    }


# --- equality ---------------------------------------------------------------------------------------------

OTHER = history.revision_data({"spec": {"containers": [{"name": "nginx", "image": "nginx:1.26"}]}})


@pytest.mark.parametrize(
    ("lhs", "rhs", "equal"),
    [
        pytest.param(None, None, True, id="both-nil"),
        pytest.param(rev("a", 1), None, False, id="one-nil"),
        pytest.param(rev("a", 1), rev("b", 2), True, id="same-data-different-names"),
        pytest.param(rev("a", 1), rev("b", 1, data=OTHER), False, id="different-data"),
        pytest.param(rev("a", 1, hash_label="123"), rev("b", 1, hash_label="456"), False, id="decimal-hashes-differ"),
        pytest.param(rev("a", 1, hash_label="123"), rev("b", 1, hash_label="123"), True, id="decimal-hashes-same"),
        pytest.param(rev("a", 1, hash_label="abc"), rev("b", 1, hash_label="xyz"), True, id="non-decimal-ignored"),
        pytest.param(rev("a", 1, hash_label="123"), rev("b", 1), True, id="one-hash-missing"),
    ],
)
def test_equal_revision(lhs, rhs, equal):
    assert history.equal_revision(lhs, rhs) is equal


def test_find_equal_revisions_keeps_input_order():
    revisions = [rev("c", 3), rev("x", 1, data=OTHER), rev("a", 1)]
    assert [r["metadata"]["name"] for r in history.find_equal_revisions(revisions, rev("n", 9))] == ["c", "a"]


# --- order ------------------------------------------------------------------------------------------------


def test_sort_by_revision_then_creation_then_name():
    revisions = [
        rev("e", 3),
        rev("d", 1, created="2024-01-01T00:00:02Z"),
        rev("b", 1, created="2024-01-01T00:00:01Z"),
        rev("c", 1, created="2024-01-01T00:00:01Z"),
        rev("a", 2),
    ]
    assert [r["metadata"]["name"] for r in history.sort_controller_revisions(revisions)] == ["b", "c", "d", "a", "e"]


@pytest.mark.parametrize(
    ("numbers", "next_number", "max_number"),
    [
        pytest.param([], 1, 0, id="empty"),
        pytest.param([1], 2, 1, id="one"),
        pytest.param([3, 1, 2], 4, 3, id="unsorted"),
    ],
)
def test_next_and_max_revision(numbers, next_number, max_number):
    revisions = [rev(f"r{n}", n) for n in numbers]
    assert history.next_revision(revisions) == next_number
    assert history.max_revision(revisions) == max_number


def test_renumbered_is_a_copy():
    original = rev("a", 1)
    again = history.renumbered(original, 5)
    assert again["revision"] == 5
    assert original["revision"] == 1


# --- collisions -------------------------------------------------------------------------------------------


def test_resolve_collision_without_clash_names_for_the_count():
    data = history.revision_data(TEMPLATE)
    wanted = history.new_controller_revision(PARENT, "StatefulSet", {"app": "web"}, data, 1, 0)
    result, count, exists = history.resolve_collision(wanted, "web", [], 0)
    assert (result["metadata"]["name"], count, exists) == (wanted["metadata"]["name"], 0, False)


def test_resolve_collision_same_data_is_the_existing_revision():
    data = history.revision_data(TEMPLATE)
    wanted = history.new_controller_revision(PARENT, "StatefulSet", {"app": "web"}, data, 1, 0)
    stored = dict(wanted, revision=7)
    result, count, exists = history.resolve_collision(wanted, "web", [stored], 0)
    assert (result["revision"], count, exists) == (7, 0, True)


def test_resolve_collision_other_data_bumps_the_count_and_renames():
    data = history.revision_data(TEMPLATE)
    wanted = history.new_controller_revision(PARENT, "StatefulSet", {"app": "web"}, data, 1, 0)
    squatter = rev(wanted["metadata"]["name"], 1, data=OTHER)
    result, count, exists = history.resolve_collision(wanted, "web", [squatter], 0)
    hash1 = history.hash_controller_revision(data, 1)
    assert (count, exists) == (1, False)
    assert result["metadata"]["name"] == f"web-{hash1}"
    assert result["metadata"]["labels"]["controller.kubernetes.io/hash"] == hash1


# --- truncation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("live", "limit", "deleted"),
    [
        pytest.param({3, 5}, 2, [1], id="worked-example"),
        pytest.param(set(), 5, [], id="within-limit"),
        pytest.param(set(), 0, [1, 2, 3, 4, 5], id="limit-zero-deletes-all-non-live"),
        pytest.param({1, 2, 3, 4, 5}, 0, [], id="all-live"),
        pytest.param({5}, 1, [1, 2, 3], id="oldest-first"),
    ],
)
def test_revisions_to_truncate(live, limit, deleted):
    revisions = [rev(f"r{n}", n) for n in range(1, 6)]
    result = history.revisions_to_truncate(revisions, lambda r: r["revision"] in live, limit)
    assert [r["revision"] for r in result] == deleted
