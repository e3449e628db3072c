"""ControllerRevision history shared by the DaemonSet and StatefulSet controllers (upstream `pkg/controller/history`).

A ControllerRevision freezes one version of a workload's pod template so that `kubectl rollout undo` can
go back to it.  This module owns the data, names, hashes and bookkeeping every such controller needs,
as pure functions over plain dicts:

* **data** — what a revision stores is a strategic merge patch that restores the template:
  `{"spec": {"template": {"$patch": "replace", ...the full template...}}}`.  Upstream marshals a Go map,
  so keys come out sorted at every level and without whitespace; `revision_data` builds the dict with
  its keys already inserted in that order (an order-preserving JSON encoder then emits upstream's bytes)
  and `serialize_revision_data` produces the bytes themselves, escaping like Go's `json.Marshal`
  (`<` `>` `&` U+2028 U+2029 as `\\u003c` `\\u003e` `\\u0026` `\\u2028` `\\u2029`).  Two revisions are the
  same version exactly when these bytes are equal — kubectl compares bytes too.
* **names and hashes** — `controller_revision_name(prefix, hash)` is `<prefix>-<hash>` with the prefix cut
  to 223 bytes (so the name fits in 253).  `hash_controller_revision(data, probe)` is upstream's
  `HashControllerRevision`: FNV-1 (not 1a) over the data bytes, then the decimal `probe` (the collision
  count) if given, safe-encoded (`machinery.names.compute_revision_hash`).  The DaemonSet controller
  names its revisions differently (pod-template-hash scheme, see `daemonset.update`), but with the same
  data, ownership and bookkeeping.
* **new revisions** — `new_controller_revision`: labels = template labels + `controller.kubernetes.io/hash`,
  a controller ownerReference to the parent (blockOwnerDeletion), the parent's annotations, `revision`.
* **collisions** — `resolve_collision`: plays upstream's create loop against the revisions that already
  exist.  A name taken by a revision with equal data *is* the revision; a name taken by different data
  bumps the collision count and rehashes.  Worked example: `web-6d4b5f` exists with other data, so the
  count goes 0 → 1 and the name becomes `web-<hash with probe "1">`.
* **equality** — `equal_revision`: when both carry a hash label that parses as a decimal int32 and the two
  differ, they are different; otherwise the data bytes decide.
* **order** — `sort_controller_revisions`: by `revision`, ties by `creationTimestamp` (older first), then
  name; stable.  `next_revision` = the last revision number + 1 (1 for an empty history);
  `max_revision` = the largest number (0 for none).
* **rollback re-numbering** — when the template goes back to an older revision's data, that revision
  becomes the newest again: `renumbered(revision, n)` is the copy to write with `revision: n`.
* **truncation** — `revisions_to_truncate(revisions, live, limit)`: the StatefulSet rule.  Non-live
  revisions beyond `limit` are deleted oldest first.  Worked example: revisions 1..5, live {3, 5},
  limit 2 → non-live [1, 2, 4], one too many → delete revision 1.

Pure: no I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from kubeferry.controllers.ownership import new_controller_ref
from kubeferry.machinery.names import compute_revision_hash

API_VERSION = "apps/v1"
KIND = "ControllerRevision"

# The label carrying a revision's data hash (StatefulSet revisions; DaemonSet ones use controller-revision-hash).
CONTROLLER_REVISION_HASH_LABEL = "controller.kubernetes.io/hash"
# `<prefix>-<hash>` must fit a 253-byte name: the prefix is cut to 223 bytes.
MAX_REVISION_PREFIX_LENGTH = 223

PATCH_DIRECTIVE = "$patch"
PATCH_REPLACE = "replace"

# Go's json.Marshal escapes these inside strings (HTML safety and JavaScript line terminators).
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_GO_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")
_DECIMAL_INT32_RE = re.compile(r"[+-]?[0-9]+")
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_ZERO_TIME = _dt.datetime.min.replace(tzinfo=_dt.UTC)


# --- data -----------------------------------------------------------------------------------------------


def _sorted_copy(value: Any) -> Any:
    """A deep copy whose dicts have their keys inserted in sorted order (Go marshals maps sorted)."""
    if isinstance(value, Mapping):
        return {key: _sorted_copy(value[key]) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted_copy(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)  # Go prints float64(3) as 3
    return copy.deepcopy(value)


def revision_data(template: Mapping[str, Any] | None) -> dict:
    """The data of a revision for `template`: `{"spec": {"template": {"$patch": "replace", ...}}}`, keys sorted."""
    replaced = dict(template or {})
    replaced[PATCH_DIRECTIVE] = PATCH_REPLACE
    return _sorted_copy({"spec": {"template": replaced}})


def serialize_revision_data(data: Any) -> bytes:
    """Compact, sorted-key JSON as Go's json.Marshal writes it (UTF-8, HTML characters escaped).

    >>> serialize_revision_data({"b": 1, "a": "x<y"})
    b'{"a":"x\\\\u003cy","b":1}'
    """
    text = json.dumps(_sorted_copy(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # The characters below can only occur inside JSON strings, so replacing them in the text is safe.
    text = _GO_ESCAPE_RE.sub(lambda m: _GO_ESCAPES[m.group(0)], text)
    return text.encode("utf-8")


def data_bytes(revision: Mapping[str, Any]) -> bytes:
    """The serialized `data` of a stored revision (an absent `data` serializes as `null`)."""
    return serialize_revision_data(revision.get("data"))


# --- names, hashes, new revisions -----------------------------------------------------------------------


def controller_revision_name(prefix: str, hash_: str) -> str:
    """`<prefix>-<hash>`, the prefix cut to 223 bytes: `controller_revision_name("web", "7c9f")` → `web-7c9f`."""
    encoded = prefix.encode("utf-8")
    if len(encoded) > MAX_REVISION_PREFIX_LENGTH:
        prefix = encoded[:MAX_REVISION_PREFIX_LENGTH].decode("utf-8", errors="ignore")
    return f"{prefix}-{hash_}"


def hash_controller_revision(data: Any, probe: int | None) -> str:
    """Upstream HashControllerRevision: FNV-1-32 over the data bytes (+ decimal `probe`), safe-encoded."""
    raw = data if isinstance(data, bytes) else serialize_revision_data(data)
    return compute_revision_hash(raw, probe)


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def revision_number(revision: Mapping[str, Any]) -> int:
    return int(revision.get("revision") or 0)


def new_controller_revision(
    parent: Mapping[str, Any],
    parent_kind: str,
    template_labels: Mapping[str, str] | None,
    data: Any,
    revision: int,
    collision_count: int | None,
    *,
    parent_api_version: str = API_VERSION,
) -> dict:
    """A ControllerRevision of `parent` (upstream NewControllerRevision plus the parent's annotations).

    Name `<parent>-<hash>` (hash over `data` and `collision_count`), labels = `template_labels` +
    `controller.kubernetes.io/hash: <hash>`, the parent's annotations, a controller reference to it.
    """
    hash_ = hash_controller_revision(data, collision_count)
    parent_meta = _meta(parent)
    labels = dict(template_labels or {})
    labels[CONTROLLER_REVISION_HASH_LABEL] = hash_
    meta: dict[str, Any] = {
        "name": controller_revision_name(parent_meta.get("name") or "", hash_),
        "labels": labels,
        "ownerReferences": [new_controller_ref(parent, parent_api_version, parent_kind)],
    }
    if parent_meta.get("namespace"):
        meta["namespace"] = parent_meta["namespace"]
    if parent_meta.get("annotations"):
        meta["annotations"] = dict(parent_meta["annotations"])
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": meta,
        "data": copy.deepcopy(data),
        "revision": int(revision),
    }


def resolve_collision(
    revision: Mapping[str, Any],
    parent_name: str,
    existing: Iterable[Mapping[str, Any]],
    collision_count: int,
    *,
    hash_label: str = CONTROLLER_REVISION_HASH_LABEL,
) -> tuple[dict, int, bool]:
    """Where upstream's create-with-retry loop ends, given the revisions that already exist.

    Returns `(revision, collision_count, exists)`: either the existing revision with equal data under the
    name the loop reaches (`exists` True: nothing to create), or the revision to create, renamed and
    relabelled for the final collision count (`exists` False).  `collision_count` is the parent's
    `status.collisionCount` (0 when unset); the caller writes a changed count back to the parent's status.
    """
    by_name = {_meta(r).get("name"): r for r in existing}
    data = revision.get("data")
    raw = serialize_revision_data(data)
    count = collision_count
    while True:
        hash_ = hash_controller_revision(raw, count)
        name = controller_revision_name(parent_name, hash_)
        found = by_name.get(name)
        if found is None:
            clone = copy.deepcopy(dict(revision))
            meta = clone.setdefault("metadata", {})
            meta["name"] = name
            meta["labels"] = {**(meta.get("labels") or {}), hash_label: hash_}
            return clone, count, False
        if data_bytes(found) == raw:
            return copy.deepcopy(dict(found)), count, True
        count += 1


# --- equality and order ---------------------------------------------------------------------------------


def _label_hash(revision: Mapping[str, Any], hash_label: str) -> int | None:
    value = (_meta(revision).get("labels") or {}).get(hash_label)
    if value is None or not _DECIMAL_INT32_RE.fullmatch(value):
        return None
    number = int(value)
    return number & 0xFFFFFFFF if _INT32_MIN <= number <= _INT32_MAX else None


def equal_revision(
    lhs: Mapping[str, Any] | None,
    rhs: Mapping[str, Any] | None,
    *,
    hash_label: str = CONTROLLER_REVISION_HASH_LABEL,
) -> bool:
    """Upstream EqualRevision: both None, or the same data (unless both hash labels are decimal and differ)."""
    if lhs is None or rhs is None:
        return lhs is rhs
    lhs_hash, rhs_hash = _label_hash(lhs, hash_label), _label_hash(rhs, hash_label)
    if lhs_hash is not None and rhs_hash is not None and lhs_hash != rhs_hash:
        return False
    return data_bytes(lhs) == data_bytes(rhs)


def find_equal_revisions(revisions: Sequence[Mapping[str, Any]], needle: Mapping[str, Any]) -> list:
    """The revisions equal to `needle`, in input order."""
    return [r for r in revisions if equal_revision(r, needle)]


def _creation_time(revision: Mapping[str, Any]) -> _dt.datetime:
    value = _meta(revision).get("creationTimestamp")
    if isinstance(value, str) and value:
        try:
            parsed = _dt.datetime.fromisoformat(value)
        except ValueError:
            return _ZERO_TIME
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)
    return _ZERO_TIME


def sort_controller_revisions(revisions: Iterable[Mapping[str, Any]]) -> list:
    """By revision number, then creationTimestamp (older first, missing = oldest), then name; stable."""
    return sorted(revisions, key=lambda r: (revision_number(r), _creation_time(r), _meta(r).get("name") or ""))


def next_revision(revisions: Sequence[Mapping[str, Any]]) -> int:
    """The number the next revision gets: the last one's (in sorted order) + 1, or 1 for none."""
    if not revisions:
        return 1
    return revision_number(sort_controller_revisions(revisions)[-1]) + 1


def max_revision(revisions: Iterable[Mapping[str, Any]]) -> int:
    """The largest revision number, 0 for none."""
    return max((revision_number(r) for r in revisions), default=0)


def renumbered(revision: Mapping[str, Any], new_revision: int) -> dict:
    """The copy of `revision` to write back when a rollback makes it the newest (`revision: new_revision`)."""
    clone = copy.deepcopy(dict(revision))
    clone["revision"] = int(new_revision)
    return clone


# --- truncation -----------------------------------------------------------------------------------------


def revisions_to_truncate(
    revisions: Sequence[Mapping[str, Any]],
    is_live: Callable[[Mapping[str, Any]], bool],
    limit: int,
) -> list:
    """The non-live revisions beyond `limit`, oldest first (StatefulSet truncateHistory).

    `revisions` must already be sorted (`sort_controller_revisions`); `is_live` marks the current and update
    revisions and those referenced by pods.
    """
    history = [r for r in revisions if not is_live(r)]
    excess = len(history) - max(limit, 0)
    return list(history[:excess]) if excess > 0 else []
