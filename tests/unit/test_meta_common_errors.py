"""ObjectMeta validation on create: each check reports its own field path, in a fixed order, and absent or
empty values report nothing (the paths are built only for values that are there)."""

from __future__ import annotations

import pytest

from kubeferry.api import validation as v

_OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": "u1", "controller": True}

CASES = [
    ("all-absent", {}, []),
    ("empty-values", {"labels": {}, "annotations": {}, "ownerReferences": [], "finalizers": []}, []),
    ("none-values", {"labels": None, "annotations": None, "ownerReferences": None, "finalizers": None}, []),
    ("generation-zero", {"generation": 0}, []),
    ("generation-negative", {"generation": -1}, [("Invalid value", "metadata.generation")]),
    ("generation-bool-not-int", {"generation": True}, []),
    ("valid-everything", {"labels": {"app": "web"}, "annotations": {"a": "b"}, "ownerReferences": [_OWNER]}, []),
    ("bad-label-key", {"labels": {"-bad": "x"}}, [("Invalid value", "metadata.labels")]),
    ("bad-annotation-key", {"annotations": {"-bad": "x"}}, [("Invalid value", "metadata.annotations")]),
    (
        "owner-missing-uid",
        {"ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p"}]},
        [("Required value", "metadata.ownerReferences[0].uid")],
    ),
    ("bad-finalizer", {"finalizers": ["-x"]}, [("Invalid value", "metadata.finalizers")]),
    (
        "every-check-in-order",
        {
            "generation": -2,
            "labels": {"-bad": "x"},
            "annotations": {"-bad": "x"},
            "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p"}],
            "finalizers": ["-x"],
        },
        [
            ("Invalid value", "metadata.generation"),
            ("Invalid value", "metadata.labels"),
            ("Invalid value", "metadata.annotations"),
            ("Required value", "metadata.ownerReferences[0].uid"),
            ("Invalid value", "metadata.finalizers"),
        ],
    ),
]


@pytest.mark.parametrize(("meta", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_meta_common_errors(meta: dict, expected: list) -> None:
    errs = v.validate_object_meta({"name": "p", "namespace": "default", **meta}, True)
    assert [(e.kind[0], e.field) for e in errs] == expected
