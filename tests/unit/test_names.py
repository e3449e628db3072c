"""Name generation and hashing: SimpleNameGenerator, SafeEncodeString, FNV-32 variants, template and
ControllerRevision hashes (controller-semantics notes §2.2; FNV reference vectors)."""

from __future__ import annotations

import random
import re

import pytest

from kubeferry.machinery.names import (
    ALPHANUMS,
    MAX_GENERATED_NAME_LENGTH,
    canonical_json,
    compute_revision_hash,
    compute_template_hash,
    fnv1_32,
    fnv1a_32,
    generate_name,
    safe_encode_string,
)

SUFFIX_RE = re.compile(f"[{ALPHANUMS}]{{5}}")


@pytest.mark.parametrize(
    ("base", "kept"),
    [
        pytest.param("web-7d4b9c6f5-", "web-7d4b9c6f5-", id="short-base"),
        pytest.param("", "", id="empty-base"),
        pytest.param("a" * 58, "a" * 58, id="exactly-58"),
        pytest.param("b" * 80, "b" * 58, id="truncated-to-58"),
    ],
)
def test_generate_name(base, kept):
    name = generate_name(base, random.Random(7))
    assert name.startswith(kept)
    assert len(name) == len(kept) + 5
    assert SUFFIX_RE.fullmatch(name[len(kept) :])
    assert len(name) <= 63


def test_generate_name_is_deterministic_per_seed_and_varies():
    assert generate_name("x-", random.Random(1)) == generate_name("x-", random.Random(1))
    rng = random.Random(2)
    assert len({generate_name("x-", rng) for _ in range(50)}) > 45


def test_alphabet_and_limits():
    assert ALPHANUMS == "bcdfghjklmnpqrstvwxz2456789"
    assert MAX_GENERATED_NAME_LENGTH == 58


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        pytest.param("2262704881", "66b6c48dd5", id="semantics-example"),
        pytest.param("0123456789", "456789bcdf", id="every-digit"),
        pytest.param("", "", id="empty"),
        pytest.param("4294967295", "86f8fbc6f9", id="max-uint32"),
    ],
)
def test_safe_encode_string(text, encoded):
    assert safe_encode_string(text) == encoded


@pytest.mark.parametrize(
    ("data", "fnv1a", "fnv1"),
    [
        pytest.param(b"", 0x811C9DC5, 0x811C9DC5, id="empty-is-offset-basis"),
        pytest.param(b"a", 0xE40C292C, 0x050C5D7E, id="a"),
        pytest.param(b"foobar", 0xBF9CF968, 0x31F0B262, id="foobar"),
    ],
)
def test_fnv_reference_vectors(data, fnv1a, fnv1):
    assert fnv1a_32(data) == fnv1a
    assert fnv1_32(data) == fnv1


def test_fnv_seed_continues_a_hash():
    assert fnv1a_32(b"bar", fnv1a_32(b"foo")) == fnv1a_32(b"foobar")
    assert fnv1_32(b"bar", fnv1_32(b"foo")) == fnv1_32(b"foobar")


TEMPLATE = {
    "metadata": {"labels": {"app": "nginx"}},
    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]},
}


def test_template_hash_is_fnv1a_of_canonical_json():
    expected = safe_encode_string(str(fnv1a_32(canonical_json(TEMPLATE))))
    assert compute_template_hash(TEMPLATE, None) == expected
    assert canonical_json({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'.encode()


def test_template_hash_appends_collision_count_bytes():
    data = canonical_json(TEMPLATE) + bytes([2, 0, 0, 0, 0, 0, 0, 0])
    assert compute_template_hash(TEMPLATE, 2) == safe_encode_string(str(fnv1a_32(data)))


@pytest.mark.parametrize(
    "collision_count", [pytest.param(None, id="no-collisions"), pytest.param(0, id="zero"), pytest.param(5, id="five")]
)
def test_template_hash_shape(collision_count):
    value = compute_template_hash(TEMPLATE, collision_count)
    assert re.fullmatch("[456789bcdf]{1,10}", value)


def test_template_hash_properties():
    reordered = {"spec": TEMPLATE["spec"], "metadata": TEMPLATE["metadata"]}
    assert compute_template_hash(reordered, None) == compute_template_hash(TEMPLATE, None)
    assert compute_template_hash(TEMPLATE, None) != compute_template_hash(TEMPLATE, 0)
    assert compute_template_hash(TEMPLATE, 0) != compute_template_hash(TEMPLATE, 1)
    changed = {**TEMPLATE, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.26"}]}}
    assert compute_template_hash(changed, None) != compute_template_hash(TEMPLATE, None)


def test_revision_hash_is_fnv1_with_decimal_probe():
    raw = b'{"spec":{"template":{}}}'
    assert compute_revision_hash(raw, None) == safe_encode_string(str(fnv1_32(raw)))
    assert compute_revision_hash(raw, 12) == safe_encode_string(str(fnv1_32(raw + b"12")))
    assert compute_revision_hash({"spec": {"template": {}}}, None) == compute_revision_hash(raw, None)
