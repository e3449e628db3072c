"""Turn a request path into what it addresses, as kube-apiserver's RequestInfo resolver does.

    /apis/apps/v1/namespaces/default/deployments/web/scale
      -> group apps, version v1, namespace default, resource deployments, name web, sub [scale]
    /api/v1/namespaces/default            -> the Namespace "default"
    /api/v1/namespaces/default/status     -> its status subresource
    /api/v1/namespaces/default/services/web:80/proxy/x/y -> sub [proxy, x, y]
    /api/v1/proxy/namespaces/default/services/web:80/x  -> the same as .../services/web:80/proxy/x
      (the pre-1.10 proxy path, still used by older guides, served as an alias)

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from kubeferry.machinery import resources


@dataclass(frozen=True)
class ResourcePath:
    group: str
    version: str
    resource: resources.Resource | None
    plural: str
    namespace: str | None = None
    name: str | None = None
    sub: tuple[str, ...] = field(default=())

    @property
    def subresource(self) -> str:
        return self.sub[0] if self.sub else ""


def parse(path: str) -> ResourcePath | None:
    """Resolve `/api/v1/...` or `/apis/<g>/<v>/...` resource paths; None for anything else."""
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if parts and parts[0] == "api" and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts and parts[0] == "apis" and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if group == "" and len(rest) >= 4 and rest[0] == "proxy" and rest[1] == "namespaces" and rest[3] in ("services", "pods"):
        rest = [*rest[1:5], "proxy", *rest[5:]] if len(rest) >= 5 else rest[1:]
    head = rest[: rest.index("proxy") + 1] if "proxy" in rest else rest  # a proxied path may hold empty parts
    if not rest or any(p == "" for p in head):
        return None
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3 and not (group == "" and rest[2] in ("status", "finalize")):
        namespace, rest = rest[1], rest[2:]
    plural = rest[0]
    res = resources.by_gvr(group, version, plural)
    name = rest[1] if len(rest) > 1 else None
    sub = tuple(rest[2:])
    if res is not None and namespace is not None and not res.namespaced:
        res = None
    return ResourcePath(group, version, res, plural, namespace, name, sub)
