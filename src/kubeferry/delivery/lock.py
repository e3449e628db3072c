"""One delivery at a time per workload: the decisions behind the deliver step's Lease.

Each `kubeferry deliver` run holds a `coordination.k8s.io/v1` Lease named after its workload
(`lease_name`) in the workload's namespace while it changes the workload.  The Lease records who
holds it (`holderIdentity`), for how long a holder counts as alive without renewing
(`leaseDurationSeconds`) and when it last renewed (`renewTime`).  A run renews every
`RENEW_SECONDS`, deletes the Lease when it ends, and a Lease whose holder stopped renewing (a
killed CI job) is taken over once it has expired.

`decide(lease, me, now)` is the whole policy; the I/O around it (GET, create, update with the
Lease's resourceVersion as precondition, delete) is the caller's.  Two runs racing for a free
Lease both try to create or update it; the server lets exactly one win (409 AlreadyExists or
Conflict for the other), and the loser decides again from what it then reads.

Worked example: a Lease renewed at 12:00:00 with leaseDurationSeconds 30, read at 12:00:20 by
another run, is held for 10 more seconds (`Decision("wait", holder, 10.0)`); read at 12:00:31 it
has expired and the reader takes it over (`leaseTransitions` + 1).

Pure: objects and times in, decisions and objects out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LEASE_API_VERSION = "coordination.k8s.io/v1"
LEASE_KIND = "Lease"
LEASE_PREFIX = "kubeferry-deliver-"
LEASE_SECONDS = 30  # a holder that has not renewed for this long is gone
RENEW_SECONDS = 10  # how often a running delivery renews its Lease
MAX_NAME = 253  # a Lease name is a DNS subdomain
HASH_CHARS = 10
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "kubeferry"
WORKLOAD_ANNOTATION = "deliver.kubeferry.io/workload"

CREATE = "create"
TAKE = "take"
RENEW = "renew"
WAIT = "wait"


@dataclass(frozen=True)
class Decision:
    action: str  # create | take | renew | wait
    holder: str = ""  # the other holder, for `wait`
    remaining: float = 0.0  # seconds until the other holder's Lease expires, for `wait`


def lease_name(kind: str, name: str) -> str:
    """`kubeferry-deliver-deployment-my-app`; names too long for a Lease keep a prefix and a hash.

    Example: a 250-character StatefulSet name → the first 253 − 11 characters of the full name,
    `-`, and 10 hex digits of its SHA-256.
    """
    full = f"{LEASE_PREFIX}{kind.lower()}-{name}"
    if len(full) <= MAX_NAME:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:HASH_CHARS]
    return f"{full[: MAX_NAME - HASH_CHARS - 1].rstrip('-.')}-{digest}"


def format_time(moment: dt.datetime) -> str:
    """A MicroTime: `2026-01-01T12:00:00.000000Z`."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def _spec(lease: Mapping[str, Any]) -> Mapping[str, Any]:
    return lease.get("spec") or {}


def holder(lease: Mapping[str, Any] | None) -> str:
    return str(_spec(lease or {}).get("holderIdentity") or "")


def expires_at(lease: Mapping[str, Any]) -> dt.datetime | None:
    spec = _spec(lease)
    renewed = parse_time(spec.get("renewTime")) or parse_time(spec.get("acquireTime"))
    if renewed is None:
        return None
    try:
        duration = float(spec.get("leaseDurationSeconds") or 0)
    except (TypeError, ValueError):
        duration = 0.0
    return renewed + dt.timedelta(seconds=duration)


def decide(lease: Mapping[str, Any] | None, me: str, now: dt.datetime) -> Decision:
    if lease is None:
        return Decision(CREATE)
    current = holder(lease)
    if current == me:
        return Decision(RENEW)
    ends = expires_at(lease)
    if not current or ends is None or ends <= now:
        return Decision(TAKE)
    return Decision(WAIT, current, (ends - now).total_seconds())


def new_lease(namespace: str, name: str, me: str, now: dt.datetime, workload: str) -> dict:
    stamp = format_time(now)
    return {
        "apiVersion": LEASE_API_VERSION,
        "kind": LEASE_KIND,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {MANAGED_BY_LABEL: MANAGED_BY},
            "annotations": {WORKLOAD_ANNOTATION: workload},
        },
        "spec": {
            "holderIdentity": me,
            "leaseDurationSeconds": LEASE_SECONDS,
            "acquireTime": stamp,
            "renewTime": stamp,
            "leaseTransitions": 0,
        },
    }


def taken(lease: Mapping[str, Any], me: str, now: dt.datetime) -> dict:
    """The Lease as a new holder writes it (resourceVersion kept, so a racing writer gets a Conflict)."""
    stamp = format_time(now)
    out = {**lease, "metadata": dict(lease.get("metadata") or {})}
    spec = dict(_spec(lease))
    transitions = int(spec.get("leaseTransitions") or 0) + (1 if spec.get("holderIdentity") else 0)
    spec.update(
        holderIdentity=me,
        leaseDurationSeconds=LEASE_SECONDS,
        acquireTime=stamp,
        renewTime=stamp,
        leaseTransitions=transitions,
    )
    out["spec"] = spec
    return out


def renewed(lease: Mapping[str, Any], now: dt.datetime) -> dict:
    out = {**lease, "spec": {**_spec(lease), "renewTime": format_time(now)}}
    return out


def held_message(workload: str, namespace: str, name: str, current: str, remaining: float) -> str:
    """`deployment/my-app is being delivered by octocat via https://… (lease default/kubeferry-deliver-…, expires in 25s)`."""
    return (
        f"{workload} is being delivered by {current} "
        f"(lease {namespace}/{name}, expires in {max(0, round(remaining))}s unless renewed)"
    )
