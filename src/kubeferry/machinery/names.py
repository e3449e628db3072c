"""Generated names and content hashes: `generateName` suffixes, pod-template-hash, ControllerRevision hashes.

Owns the small, exact helpers behind every name the control plane invents:

* `generate_name(base, rng)` — upstream's SimpleNameGenerator: the base cut to 58 characters plus five
  random characters from `bcdfghjklmnpqrstvwxz2456789` (no vowels, no 0/1/3, so no words and no
  look-alikes), giving names of at most 63 characters: `web-7d4b9c6f5-` → `web-7d4b9c6f5-x2k9q`.
* `safe_encode_string(s)` — upstream's SafeEncodeString, used on the decimal form of a hash: each
  character's code point modulo 27 picks from the same alphabet, so digits map `0→4 1→5 2→6 3→7 4→8
  5→9 6→b 7→c 8→d 9→f`.  Worked example: 2262704881 → `66b6c48dd5`.
* `fnv1a_32` / `fnv1_32` — the 32-bit FNV hashes (offset basis 2166136261, prime 16777619); 1a XORs the
  byte in before multiplying, 1 after.
* `compute_template_hash(template, collision_count)` — the Deployment's `pod-template-hash`: FNV-1a-32
  over a canonical dump of `spec.template`, then, when `status.collisionCount` is set, the 4
  little-endian bytes of uint32(collisionCount) and 4 zero bytes; the decimal hash is safe-encoded.
  Upstream dumps the Go struct; kubeferry dumps sorted-key compact JSON (UTF-8), so values differ from
  a real cluster's but have the same shape and stability.
* `compute_revision_hash(data, collision_count)` — the ControllerRevision hash (StatefulSet, DaemonSet):
  FNV-1-32 over the revision's raw data, then the decimal collision count's ASCII digits if set.

Pure: the only randomness is the `rng` the caller passes.
"""

from __future__ import annotations

import json
import struct
from typing import Any, Protocol

ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
MAX_NAME_LENGTH = 63
RANDOM_LENGTH = 5
MAX_GENERATED_NAME_LENGTH = MAX_NAME_LENGTH - RANDOM_LENGTH  # 58

FNV32_OFFSET_BASIS = 2166136261
FNV32_PRIME = 16777619
_UINT32_MASK = 0xFFFFFFFF


class RandomSource(Protocol):
    def randrange(self, stop: int, /) -> int: ...


def random_string(length: int, rng: RandomSource) -> str:
    """`length` characters drawn uniformly from ALPHANUMS."""
    return "".join(ALPHANUMS[rng.randrange(len(ALPHANUMS))] for _ in range(length))


def generate_name(base: str, rng: RandomSource) -> str:
    """`metadata.generateName` expansion: base (cut to 58 characters) + 5 random characters."""
    if len(base) > MAX_GENERATED_NAME_LENGTH:
        base = base[:MAX_GENERATED_NAME_LENGTH]
    return base + random_string(RANDOM_LENGTH, rng)


def safe_encode_string(text: str) -> str:
    """Map each character to ALPHANUMS[code point mod 27]: `"2262704881"` → `66b6c48dd5`."""
    return "".join(ALPHANUMS[ord(ch) % len(ALPHANUMS)] for ch in text)


def fnv1a_32(data: bytes, seed: int = FNV32_OFFSET_BASIS) -> int:
    """32-bit FNV-1a; pass a previous result as `seed` to continue hashing more bytes."""
    h = seed
    for byte in data:
        h = ((h ^ byte) * FNV32_PRIME) & _UINT32_MASK
    return h


def fnv1_32(data: bytes, seed: int = FNV32_OFFSET_BASIS) -> int:
    """32-bit FNV-1; pass a previous result as `seed` to continue hashing more bytes."""
    h = seed
    for byte in data:
        h = ((h * FNV32_PRIME) & _UINT32_MASK) ^ byte
    return h


def canonical_json(obj: Any) -> bytes:
    """Deterministic bytes for hashing: sorted keys, no whitespace, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compute_template_hash(template: dict, collision_count: int | None) -> str:
    """The `pod-template-hash` label value for a Deployment template (see the module docstring)."""
    h = fnv1a_32(canonical_json(template))
    if collision_count is not None:
        h = fnv1a_32(struct.pack("<I", collision_count & _UINT32_MASK) + bytes(4), h)
    return safe_encode_string(str(h))


def compute_revision_hash(data: bytes | dict, collision_count: int | None) -> str:
    """The ControllerRevision hash of its `data` (raw bytes, or an object dumped canonically)."""
    raw = data if isinstance(data, bytes) else canonical_json(data)
    h = fnv1_32(raw)
    if collision_count is not None:
        h = fnv1_32(str(collision_count).encode("ascii"), h)
    return safe_encode_string(str(h))
