"""Service cluster IPs (10.96.0.0/12) and node ports (30000-32767), allocated as kube-apiserver does.

Allocation scans what stored Services already hold, so it needs no state of its own and survives
restarts.  A requested IP or port that is taken or out of range is a field error, worded as
upstream: `spec.clusterIPs: Invalid value: ["10.96.0.10"]: failed to allocate IP 10.96.0.10: provided IP is already allocated`.
"""

from __future__ import annotations

import ipaddress
import random

from kubeferry.machinery import status as st

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
KUBERNETES_SERVICE_IP = "10.96.0.1"
NODE_PORT_RANGE = (30000, 32767)


def used_ips(services: list[dict]) -> set[str]:
    used = set()
    for svc in services:
        spec = svc.get("spec") or {}
        for ip in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else []):
            used.add(ip)
    return used


def used_node_ports(services: list[dict]) -> set[int]:
    return {
        p["nodePort"] for svc in services for p in (svc.get("spec") or {}).get("ports") or [] if p.get("nodePort")
    }


def allocate_service(spec: dict, others: list[dict], rng: random.Random) -> list[st.FieldError]:
    """Fill in clusterIP(s) and node ports for a new Service; return field errors for bad requests."""
    errors: list[st.FieldError] = []
    svc_type = spec.get("type", "ClusterIP")
    if svc_type == "ExternalName":
        return errors
    requested = spec.get("clusterIP") or ((spec.get("clusterIPs") or [None])[0])
    if requested == "None":
        spec["clusterIP"] = "None"
        spec["clusterIPs"] = ["None"]
    else:
        taken = used_ips(others)
        if requested:
            try:
                address = ipaddress.ip_address(requested)
            except ValueError:
                errors.append(st.invalid("spec.clusterIPs[0]", requested, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
                return errors
            if address not in SERVICE_CIDR:
                errors.append(
                    st.invalid(
                        "spec.clusterIPs",
                        [requested],
                        f"failed to allocate IP {requested}: the provided IP ({requested}) is not in the valid range. The range of valid IPs is {SERVICE_CIDR}",
                    )
                )
                return errors
            if requested in taken:
                errors.append(
                    st.invalid("spec.clusterIPs", [requested], f"failed to allocate IP {requested}: provided IP is already allocated")
                )
                return errors
            ip = requested
        else:
            ip = _free_ip(taken, rng)
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]
    if svc_type in ("NodePort", "LoadBalancer"):
        taken_ports = used_node_ports(others)
        for i, port in enumerate(spec.get("ports") or []):
            wanted = port.get("nodePort")
            if wanted:
                if wanted in taken_ports:
                    errors.append(st.invalid(f"spec.ports[{i}].nodePort", wanted, "provided port is already allocated"))
                elif not NODE_PORT_RANGE[0] <= wanted <= NODE_PORT_RANGE[1]:
                    errors.append(
                        st.invalid(f"spec.ports[{i}].nodePort", wanted, f"provided port is not in the valid range. The range of valid ports is {NODE_PORT_RANGE[0]}-{NODE_PORT_RANGE[1]}")
                    )
                taken_ports.add(wanted)
            else:
                port["nodePort"] = _free_port(taken_ports, rng)
                taken_ports.add(port["nodePort"])
    return errors


def _free_ip(taken: set[str], rng: random.Random) -> str:
    first = int(SERVICE_CIDR.network_address) + 2  # .0 is the network, .1 the kubernetes service
    size = SERVICE_CIDR.num_addresses - 3
    start = rng.randrange(size)
    for offset in range(size):
        candidate = str(ipaddress.ip_address(first + (start + offset) % size))
        if candidate not in taken:
            return candidate
    raise st.StatusError(500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full")


def _free_port(taken: set[int], rng: random.Random) -> int:
    low, high = NODE_PORT_RANGE
    size = high - low + 1
    start = rng.randrange(size)
    for offset in range(size):
        candidate = low + (start + offset) % size
        if candidate not in taken:
            return candidate
    raise st.StatusError(500, "InternalError", "Internal error occurred: failed to allocate a nodePort: range is full")
