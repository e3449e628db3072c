"""Dispatch a PATCH body to the engine its content type names.

| Content-Type                              | engine                                   |
|-------------------------------------------|------------------------------------------|
| application/json-patch+json               | RFC 6902 JSON patch                      |
| application/merge-patch+json              | RFC 7386 JSON merge patch                |
| application/strategic-merge-patch+json    | strategic merge patch, metadata from the |
|                                           | kind's schema (415 for kinds without one)|
"""

from __future__ import annotations

from kubeferry.machinery import schema
from kubeferry.machinery import status as st
from kubeferry.machinery.patch import jsonpatch, merge, strategic
from kubeferry.machinery.resources import Resource

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH)


def apply(patch_type: str, original: dict, patch: object, res: Resource | None) -> dict:
    if patch_type == JSON_PATCH:
        if not isinstance(patch, list):
            raise st.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        return jsonpatch.apply_json_patch(original, patch)
    if not isinstance(patch, dict):
        raise st.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
    if patch_type == MERGE_PATCH:
        return merge.apply_merge_patch(original, patch)
    if patch_type == STRATEGIC_PATCH:
        node = schema.for_kind(res.group, res.version, res.kind) if res is not None else schema.for_kind("autoscaling", "v1", "Scale")
        if node is None:
            raise st.StatusError(
                415,
                "UnsupportedMediaType",
                f"the body of the request was in an unknown format - accepted media types include: {JSON_PATCH}, {MERGE_PATCH}, {APPLY_PATCH}",
            )
        return strategic.apply_strategic_merge_patch(original, patch, node)
    raise st.StatusError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: {JSON_PATCH}, {MERGE_PATCH}, {STRATEGIC_PATCH}",
    )
