"""JSON merge patch (RFC 7386): Appendix A, kube-apiserver's differences and errors, and diffs."""

from __future__ import annotations

import copy

import pytest

from kubeferry.machinery.patch import apply_merge_patch, create_merge_patch
from kubeferry.machinery.status import StatusError

# RFC 7386 Appendix A, every row whose patch is an object (the API only takes object patches).
APPENDIX_A = [
    pytest.param({"a": "b"}, {"a": "c"}, {"a": "c"}, id="replace-member"),
    pytest.param({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}, id="add-member"),
    pytest.param({"a": "b"}, {"a": None}, {}, id="remove-member"),
    pytest.param({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}, id="remove-one-of-two"),
    pytest.param({"a": ["b"]}, {"a": "c"}, {"a": "c"}, id="array-to-string"),
    pytest.param({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}, id="string-to-array"),
    pytest.param({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}, id="nested-object"),
    pytest.param({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}, id="arrays-replace"),
    pytest.param({"e": None}, {"a": 1}, {"e": None, "a": 1}, id="target-nulls-stay"),
    pytest.param([1, 2], {"a": "b", "c": None}, {"a": "b"}, id="non-object-target-becomes-object"),
    pytest.param({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}, id="nulls-pruned-in-new-objects"),
]


@pytest.mark.parametrize(("original", "patch", "expected"), APPENDIX_A)
def test_rfc7386_appendix_a(original, patch, expected):
    snapshot = copy.deepcopy((original, patch))
    assert apply_merge_patch(original, patch) == expected
    assert (original, patch) == snapshot


@pytest.mark.parametrize(
    ("original", "patch", "expected"),
    [
        pytest.param({}, {"a": [{"b": None, "c": 1}]}, {"a": [{"c": 1}]}, id="nulls-pruned-inside-arrays"),
        pytest.param({"a": 1}, {"a": {"b": None}}, {"a": {}}, id="object-over-scalar-pruned"),
        pytest.param(
            {"spec": {"replicas": 1, "paused": True}},
            {"spec": {"replicas": 5}},
            {"spec": {"replicas": 5, "paused": True}},
            id="kubectl-scale-body",
        ),
    ],
)
def test_kube_apiserver_prunes_nulls_wherever_a_value_lands(original, patch, expected):
    assert apply_merge_patch(original, patch) == expected


def test_untouched_subtrees_are_shared_and_patch_values_copied():
    original = {"metadata": {"name": "x"}, "spec": {"a": 1}}
    patch = {"spec": {"b": {"c": 1}}}
    result = apply_merge_patch(original, patch)
    assert result["metadata"] is original["metadata"]
    assert result["spec"]["b"] is not patch["spec"]["b"]


@pytest.mark.parametrize(
    ("patch", "code", "reason", "message"),
    [
        pytest.param(
            ["c"],
            400,
            "BadRequest",
            "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}",
            id="array",
        ),
        pytest.param(
            "bar",
            400,
            "BadRequest",
            "error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}",
            id="string",
        ),
        pytest.param(
            3,
            400,
            "BadRequest",
            "error decoding patch: json: cannot unmarshal number into Go value of type map[string]interface {}",
            id="number",
        ),
        pytest.param(None, 400, "BadRequest", "Invalid JSON Patch", id="null"),
    ],
)
def test_non_object_patches_are_rejected(patch, code, reason, message):
    with pytest.raises(StatusError) as caught:
        apply_merge_patch({"a": "foo"}, patch)
    assert (caught.value.code, caught.value.reason, caught.value.message) == (code, reason, message)


CREATE = [
    pytest.param({"a": 1}, {"a": 1}, {}, id="equal"),
    pytest.param({"a": 1}, {"a": 1.0}, {}, id="numbers-by-value"),
    pytest.param({"a": 1}, {"a": True}, {"a": True}, id="bool-is-not-a-number"),
    pytest.param({"a": 1, "b": 2}, {"a": 1}, {"b": None}, id="removed-key"),
    pytest.param({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}}, {"a": {"c": 3}}, id="nested-change"),
    pytest.param({"a": [1, 2]}, {"a": [1, 2, 3]}, {"a": [1, 2, 3]}, id="arrays-whole"),
    pytest.param({"a": [1]}, {"a": [1]}, {}, id="equal-arrays"),
    pytest.param({"a": "x"}, {"a": {"b": 1}}, {"a": {"b": 1}}, id="type-change"),
    pytest.param({"a": None}, {"a": None}, {}, id="both-null"),
    pytest.param({}, {"a": {"b": {"c": 1}}}, {"a": {"b": {"c": 1}}}, id="added-subtree"),
]


@pytest.mark.parametrize(("original", "modified", "expected"), CREATE)
def test_create_merge_patch(original, modified, expected):
    patch = create_merge_patch(original, modified)
    assert patch == expected
    if not any(v is None for v in modified.values()):
        assert apply_merge_patch(original, patch) == modified
