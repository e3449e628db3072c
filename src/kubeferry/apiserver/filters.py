"""List and watch filters: `labelSelector` and `fieldSelector` query parameters as one predicate."""

from __future__ import annotations

from collections.abc import Callable

from kubeferry.machinery import selectors
from kubeferry.machinery.resources import Resource


def predicate(res: Resource, label_selector: str, field_selector: str) -> Callable[[dict], bool] | None:
    """A predicate over objects, or None when both selectors are empty (everything matches)."""
    labels = selectors.parse_label_selector(label_selector) if label_selector.strip() else None
    fields = selectors.parse_field_selector(field_selector, res.kind, res.group) if field_selector.strip() else None
    if labels is None and fields is None:
        return None

    def matches(obj: dict) -> bool:
        if labels is not None and not labels.matches((obj.get("metadata") or {}).get("labels") or {}):
            return False
        return fields is None or fields.matches(obj)

    return matches
