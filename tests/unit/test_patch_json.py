"""JSON patch (RFC 6902): the RFC's Appendix A examples and kube-apiserver's answers to failures."""

from __future__ import annotations

import copy

import pytest

from kubeferry.machinery.patch import apply_json_patch
from kubeferry.machinery.status import StatusError

UNPROCESSABLE = (422, "Invalid", "the server rejected our request due to an error in our request")

# RFC 6902 Appendix A (A.1-A.16), restated; the examples whose document is an object.
APPENDIX_A = [
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"foo": "bar", "baz": "qux"},
        id="A1-add-member",
    ),
    pytest.param(
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
        id="A2-add-array-element",
    ),
    pytest.param(
        {"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}, id="A3-remove-member"
    ),
    pytest.param(
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
        id="A4-remove-element",
    ),
    pytest.param(
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
        id="A5-replace",
    ),
    pytest.param(
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
        id="A6-move-value",
    ),
    pytest.param(
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
        id="A7-move-element",
    ),
    pytest.param(
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}],
        {"baz": "qux", "foo": ["a", 2, "c"]},
        id="A8-test-success",
    ),
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
        id="A10-add-nested-member",
    ),
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
        id="A11-ignore-unrecognized-members",
    ),
    pytest.param(
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": 10}],
        {"/": 9, "~1": 10},
        id="A14-escaping",
    ),
    pytest.param(
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
        id="A16-add-array-value",
    ),
    pytest.param(
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "a"}]}}}},
        [
            {
                "op": "copy",
                "from": "/spec/template/spec/containers/0/image",
                "path": "/spec/template/spec/containers/0/args",
            }
        ],
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "a", "args": "a"}]}}}},
        id="copy",
    ),
    pytest.param({"a": 1}, None, {"a": 1}, id="null-body-is-no-operations"),
    pytest.param(
        {"a": 1}, [{"op": "test", "path": "/missing", "value": None}], {"a": 1}, id="test-null-against-missing-member"
    ),
]


@pytest.mark.parametrize(("original", "operations", "expected"), APPENDIX_A)
def test_rfc6902_appendix_a(original, operations, expected):
    snapshot = copy.deepcopy(original)
    assert apply_json_patch(original, operations) == expected
    assert original == snapshot


FAILURES = [
    pytest.param({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}], id="A9-test-fails"),
    pytest.param({"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}], id="A12-add-to-missing-parent"),
    pytest.param({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}], id="A15-string-is-not-number"),
    pytest.param({"baz": 1}, [{"op": "test", "path": "/baz", "value": True}], id="test-true-is-not-one"),
    pytest.param({"a": 1}, [{"op": "remove", "path": "/b"}], id="remove-missing"),
    pytest.param({"a": 1}, [{"op": "replace", "path": "/b", "value": 1}], id="replace-missing"),
    pytest.param({"a": [1]}, [{"op": "add", "path": "/a/5", "value": 1}], id="add-out-of-range"),
    pytest.param({"a": 1}, [{"op": "frobnicate", "path": "/a"}], id="unknown-op"),
    pytest.param({"a": 1}, [{"path": "/a"}], id="missing-op"),
    pytest.param({"a": 1}, [{"op": "add", "value": 1}], id="missing-path"),
    pytest.param({"a": 1}, [{"op": "move", "path": "/b"}], id="move-without-from"),
    pytest.param({"a": 1}, [None], id="null-operation"),
    pytest.param({"a": 1}, [{"op": "replace", "path": "", "value": [1]}], id="result-not-an-object"),
]


@pytest.mark.parametrize(("original", "operations"), FAILURES)
def test_failures_are_422_without_the_library_text(original, operations):
    snapshot = copy.deepcopy(original)
    with pytest.raises(StatusError) as caught:
        apply_json_patch(original, operations)
    assert (caught.value.code, caught.value.reason, caught.value.message) == UNPROCESSABLE
    assert caught.value.details == {}
    assert original == snapshot


@pytest.mark.parametrize(
    ("operations", "message"),
    [
        pytest.param(
            {"op": "add", "path": "/a", "value": 1},
            "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp",
            id="object-body",
        ),
        pytest.param(
            [1],
            "error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp",
            id="number-element",
        ),
        pytest.param(
            [{"op": 1, "path": "/a"}],
            "error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string",
            id="op-not-a-string",
        ),
        pytest.param(
            [{"op": "add", "path": ["a"], "value": 1}],
            "error decoding patch: json: cannot unmarshal array into Go struct field jsonPatchOp.path of type string",
            id="path-not-a-string",
        ),
    ],
)
def test_undecodable_bodies_are_400(operations, message):
    with pytest.raises(StatusError) as caught:
        apply_json_patch({"a": 1}, operations)
    assert (caught.value.code, caught.value.reason, caught.value.message) == (400, "BadRequest", message)


def test_too_many_operations_is_413():
    operations = [{"op": "test", "path": "/a", "value": 1}] * 10001
    with pytest.raises(StatusError) as caught:
        apply_json_patch({"a": 1}, operations)
    assert caught.value.code == 413
    assert caught.value.message == "The allowed maximum operations in a JSON patch is 10000, got 10001"
    assert apply_json_patch({"a": 1}, operations[:10000]) == {"a": 1}
