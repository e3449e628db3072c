"""ControllerRevision helpers the StatefulSet controller needs (upstream `pkg/controller/history`), kept private.

A shared `kubeferry.controllers.history` module is being written separately; until it lands these helpers
carry upstream's names (`controller_revision_name`, `hash_controller_revision`, `new_controller_revision`,
`equal_revision`, `find_equal_revisions`, `sort_controller_revisions`, `next_revision`) so the swap is a
change of import.  Facts restated from upstream:

* name — `<parent name cut to 223 characters>-<hash>`, so the name never exceeds 253 characters.
* hash — FNV-1-32 over the revision's `data` bytes (compact sorted-key JSON here), continued with the
  decimal collision count (`"0"` when the parent has none yet), decimal result safe-encoded:
  `compute_revision_hash(data, 0)`.
* the hash label `controller.kubernetes.io/hash` is computed once, from the collision count the revision
  was built with; a retry after a name collision renames the revision but keeps that label.
* equality — two revisions are equal when their data bytes are equal, unless both hash labels parse as
  decimal int32 values that differ (a safe-encoded hash rarely is all digits, so in practice: data).
* ordering — by `revision`, then `creationTimestamp`, then name.

Pure: no I/O.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from kubeferry.controllers.ownership import new_controller_ref
from kubeferry.machinery.names import canonical_json, compute_revision_hash
from kubeferry.machinery.podutil import parse_time

CONTROLLER_REVISION_HASH_LABEL = "controller.kubernetes.io/hash"
CONTROLLER_REVISION_API_VERSION = "apps/v1"
CONTROLLER_REVISION_KIND = "ControllerRevision"
MAX_PREFIX_LENGTH = 223  # 253 (DNS subdomain) - 1 ("-") - 29 (room for any hash); upstream's constant

_INT32_DECIMAL = re.compile(r"[+-]?[0-9]+")
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def revision_number(revision: Mapping[str, Any]) -> int:
    return int(revision.get("revision") or 0)


def controller_revision_name(prefix: str, hash_value: str) -> str:
    """`web` + `7b9f5c6d8` → `web-7b9f5c6d8` (the prefix cut to 223 characters first)."""
    return f"{prefix[:MAX_PREFIX_LENGTH]}-{hash_value}"


def data_bytes(revision: Mapping[str, Any]) -> bytes:
    """The revision's data as the bytes that are hashed and compared."""
    return canonical_json(revision.get("data"))


def hash_controller_revision(revision: Mapping[str, Any], collision_count: int | None) -> str:
    return compute_revision_hash(data_bytes(revision), collision_count)


def new_controller_revision(
    parent: Mapping[str, Any],
    parent_api_version: str,
    parent_kind: str,
    template_labels: Mapping[str, str] | None,
    data: dict,
    revision: int,
    collision_count: int,
) -> dict:
    """A ControllerRevision owned by `parent`, named and labelled by the hash of `data`."""
    meta = _meta(parent)
    labels = dict(template_labels or {})
    cr: dict[str, Any] = {
        "apiVersion": CONTROLLER_REVISION_API_VERSION,
        "kind": CONTROLLER_REVISION_KIND,
        "metadata": {
            "labels": labels,
            "ownerReferences": [new_controller_ref(parent, parent_api_version, parent_kind)],
        },
        "data": copy.deepcopy(data),
        "revision": revision,
    }
    if meta.get("namespace"):
        cr["metadata"]["namespace"] = meta["namespace"]
    hash_value = hash_controller_revision(cr, collision_count)
    cr["metadata"]["name"] = controller_revision_name(meta.get("name") or "", hash_value)
    labels[CONTROLLER_REVISION_HASH_LABEL] = hash_value
    return cr


def _label_hash(revision: Mapping[str, Any]) -> int | None:
    text = (_meta(revision).get("labels") or {}).get(CONTROLLER_REVISION_HASH_LABEL)
    if not isinstance(text, str) or not _INT32_DECIMAL.fullmatch(text):
        return None
    value = int(text)
    return value & 0xFFFFFFFF if _INT32_MIN <= value <= _INT32_MAX else None


def equal_revision(lhs: Mapping[str, Any] | None, rhs: Mapping[str, Any] | None) -> bool:
    if lhs is None or rhs is None:
        return lhs is rhs
    lhs_hash, rhs_hash = _label_hash(lhs), _label_hash(rhs)
    if lhs_hash is not None and rhs_hash is not None and lhs_hash != rhs_hash:
        return False
    return data_bytes(lhs) == data_bytes(rhs)


def find_equal_revisions(revisions: Iterable[Mapping[str, Any]], needle: Mapping[str, Any]) -> list[Any]:
    """Every revision equal to `needle`, in the given order."""
    return [r for r in revisions if equal_revision(r, needle)]


def sort_controller_revisions(revisions: Iterable[Any]) -> list[Any]:
    """Oldest first: by revision number, then creation time (a missing time first), then name."""

    def key(r: Mapping[str, Any]) -> tuple:
        created = parse_time(_meta(r).get("creationTimestamp"))
        return (
            revision_number(r),
            created is not None,
            created.timestamp() if created else 0.0,
            _meta(r).get("name", ""),
        )

    return sorted(revisions, key=key)


def next_revision(sorted_revisions: list[Mapping[str, Any]]) -> int:
    """1 for an empty history, else one more than the last (highest) revision number."""
    return revision_number(sorted_revisions[-1]) + 1 if sorted_revisions else 1
