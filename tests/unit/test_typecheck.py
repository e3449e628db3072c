"""The Go decoder's refusals that typecheck reproduces: here, `[]byte` fields that are not base64."""

from __future__ import annotations

import pytest

from kubeferry.machinery import typecheck


@pytest.mark.parametrize(
    "text, error",
    [
        ("aGVsbG8=", None),
        ("YQ==", None),
        ("YQ\n==", None),
        ("", None),
        ("aGVsbG8", "illegal base64 data at input byte 4"),
        ("!!not base64!!", "illegal base64 data at input byte 0"),
        ("ab$d", "illegal base64 data at input byte 2"),
    ],
    ids=["padded", "two-pad", "newline", "empty", "unpadded", "garbage", "bad-char"],
)
def test_byte_fields_must_be_padded_base64(text, error):
    assert typecheck.base64_error(text) == error
    found = typecheck.first_type_error({"binaryData": {"k": text}}, "", "v1", "ConfigMap")
    assert found == error


# A strategic merge patch goes through the unstructured converter, whose words name Go kinds.
CONVERSION_CASES = [
    pytest.param({"spec": {"replicas": "abc"}}, "unrecognized type: int32", id="string-into-int32"),
    pytest.param({"spec": {"paused": 1}}, "unrecognized type: bool", id="number-into-bool"),
    pytest.param({"metadata": {"annotations": {"foo": ["bar"]}}}, "unrecognized type: string", id="list-into-string"),
    pytest.param({"spec": {"replicas": 1.5}}, "cannot convert float64 to int32", id="fraction-into-int32"),
    pytest.param({"spec": {"replicas": 2.0}}, None, id="whole-float-into-int32"),
    pytest.param({"spec": {"minReadySeconds": True}}, "unrecognized type: int32", id="bool-into-int32"),
    pytest.param(
        {"spec": {"template": {"metadata": {"name": 7}}}}, "cannot convert int64 to string", id="int-into-string"
    ),
    pytest.param({"spec": "x"}, "cannot restore struct from: string", id="string-into-struct"),
    pytest.param(
        {"spec": {"template": {"spec": {"containers": {"name": "c"}}}}},
        "cannot restore slice from map",
        id="map-into-slice",
    ),
    pytest.param({"metadata": {"labels": ["a"]}}, "cannot restore map from slice", id="slice-into-map"),
    pytest.param({"spec": {"strategy": {"rollingUpdate": {"maxSurge": "25%"}}}}, None, id="int-or-string-left-alone"),
    pytest.param({"spec": {"replicas": 3}}, None, id="well-typed"),
]


@pytest.mark.parametrize(("obj", "expected"), CONVERSION_CASES)
def test_conversion_errors_in_the_unstructured_converters_words(obj, expected):
    assert typecheck.first_conversion_error(obj, "apps", "v1", "Deployment") == expected
