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
