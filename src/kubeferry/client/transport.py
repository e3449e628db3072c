"""The transport protocol every kubeferry client speaks through.

A transport moves whole objects to and from an API server and raises
`kubeferry.machinery.status.StatusError` for API failures, exactly as the server words them.
Two implementations exist: an in-process one (supplied by `kubeferry.cluster`, calling the
registry directly: no sockets, no JSON) for the embedded controllers, and HTTPS for remote
servers.  Objects are addressed by apiVersion + kind, as manifests address them.

`kubeferry.client.https.HTTPSTransport` implements this protocol and adds, for remote use only:
keyword write options on create/update/patch/delete (`dry_run`, `field_manager`,
`field_validation`), `list_objects` (selectors, paging, the list's resourceVersion), `watch`,
`raw` and discovery (`resource_for`, `lookup`).  `kubeferry.client.informer.Informer` needs only
`list_objects` and `watch`.
"""

from __future__ import annotations

from typing import Protocol

STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


class Transport(Protocol):
    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict | None:
        """The object, or None when it does not exist."""

    def list(self, api_version: str, kind: str, namespace: str | None = None) -> list[dict]:
        """Every object of a kind (in one namespace when given), sorted by namespace and name."""

    def create(self, obj: dict) -> dict: ...

    def update(self, obj: dict, subresource: str = "") -> dict:
        """PUT; `metadata.resourceVersion`, when set, must match (409 otherwise)."""

    def patch(
        self,
        api_version: str,
        kind: str,
        namespace: str,
        name: str,
        patch: object,
        patch_type: str = STRATEGIC,
        subresource: str = "",
    ) -> dict: ...

    def delete(self, api_version: str, kind: str, namespace: str, name: str, options: dict | None = None) -> None: ...
