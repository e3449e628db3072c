"""The three PATCH bodies the API accepts, and the patches kubectl computes.

* `strategic` — strategic merge patch (`application/strategic-merge-patch+json`): applying it on
  the server, and the two-way/three-way patches kubectl computes (`kubectl apply`, `edit`, `set`).
* `merge` — JSON merge patch, RFC 7386 (`application/merge-patch+json`), apply and diff.
* `jsonpatch` — JSON patch, RFC 6902 (`application/json-patch+json`), via the `jsonpatch` library.
* `metadata` — per-field patch strategies and merge keys, read from the Kubernetes schemas.

Every failure is a `kubeferry.machinery.status.StatusError` carrying the code, reason and text
kube-apiserver answers with.  Pure: no I/O.
"""

from kubeferry.machinery.patch.jsonpatch import apply_json_patch
from kubeferry.machinery.patch.merge import apply_merge_patch, create_merge_patch
from kubeferry.machinery.patch.strategic import (
    apply_strategic_merge_patch,
    create_three_way_merge_patch,
    create_two_way_merge_patch,
)

__all__ = [
    "apply_json_patch",
    "apply_merge_patch",
    "apply_strategic_merge_patch",
    "create_merge_patch",
    "create_three_way_merge_patch",
    "create_two_way_merge_patch",
]
