"""Where a `services/proxy` or `pods/proxy` request goes, as kube-apiserver's ResourceLocation decides it.

    GET /api/v1/namespaces/default/services/my-app-svc:80/proxy/healthz
      name `my-app-svc:80` → scheme "", service my-app-svc, port "80"
      port 80 is the service port named "http" → every ready endpoint address offering port "http"
      → one of them (the caller rotates through them: round-robin) → 10.244.1.7:8080, path /healthz

Upstream facts restated (v1.37):

* The name is `name`, `name:port` or `scheme:name:port` (scheme `http` or `https`); anything else is
  400 `invalid service request "a:b:c:d"` (`invalid pod request …` for pods).
* A numeric port must be one of the Service's ports (then its name is used), else 503
  `no service port 81 found for service "web"`; a named port is matched against endpoint port names.
* No Endpoints object → 404 `endpoints "web" not found`; no subsets, or no ready address offering the
  port → 503 `no endpoints available for service "web"`.  Only `addresses` count, never
  `notReadyAddresses`.
* A pod without a valid IP → 400 `address not allowed`; a pod target without a port dials port 80.

Pure: objects in, targets out; errors are `StatusError`s.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubeferry.machinery import status as st

SCHEMES = ("", "http", "https")
DEFAULT_POD_PORT = 80


@dataclass(frozen=True)
class Target:
    """One backend address: the pod behind it (from the endpoint's targetRef) and the port to dial."""

    ip: str
    port: int
    pod_namespace: str = ""
    pod_name: str = ""


def split_name(text: str, what: str) -> tuple[str, str, str]:
    """`[scheme:]name[:port]` → (scheme, name, port); `what` is `service` or `pod` for the error."""
    parts = text.split(":")
    if len(parts) == 1:
        scheme, name, port = "", parts[0], ""
    elif len(parts) == 2:
        scheme, name, port = "", parts[0], parts[1]
    elif len(parts) == 3:
        scheme, name, port = parts
    else:
        raise st.bad_request(f'invalid {what} request "{text}"')
    if scheme not in SCHEMES or not name:
        raise st.bad_request(f'invalid {what} request "{text}"')
    return scheme, name, port


def service_targets(service: Mapping[str, Any], endpoints: Mapping[str, Any], port: str) -> list[Target]:
    """Every ready address of `endpoints` offering the service port `port` (a number or a port name)."""
    name = (service.get("metadata") or {}).get("name", "")
    port_name = port
    if port.isdigit():
        number = int(port)
        match = next((p for p in (service.get("spec") or {}).get("ports") or () if p.get("port") == number), None)
        if match is None:
            raise st.StatusError(503, "ServiceUnavailable", f'no service port {number} found for service "{name}"')
        port_name = match.get("name") or ""
    targets: list[Target] = []
    for subset in endpoints.get("subsets") or ():
        offered = next((p for p in subset.get("ports") or () if (p.get("name") or "") == port_name), None)
        if offered is None:
            continue
        for address in subset.get("addresses") or ():
            ref = address.get("targetRef") or {}
            pod_name = ref.get("name", "") if ref.get("kind") == "Pod" else ""
            targets.append(
                Target(address.get("ip", ""), int(offered.get("port") or 0), ref.get("namespace", ""), pod_name)
            )
    if not targets:
        raise st.StatusError(503, "ServiceUnavailable", f'no endpoints available for service "{name}"')
    return targets


def pod_target(pod: Mapping[str, Any], port: str) -> Target:
    """The pod's IP and the port to dial (80 when none is named)."""
    meta = pod.get("metadata") or {}
    ip = (pod.get("status") or {}).get("podIP", "")
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        raise st.bad_request("address not allowed")
    if port and not port.isdigit():
        raise st.StatusError(
            503, "ServiceUnavailable", f"error trying to reach service: dial tcp: address {ip}:{port}: unknown port"
        )
    number = int(port) if port else DEFAULT_POD_PORT
    return Target(ip, number, meta.get("namespace", ""), meta.get("name", ""))
