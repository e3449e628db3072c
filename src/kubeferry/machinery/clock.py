"""The cluster clock: real (optionally scaled) or virtual.

Everything time-dependent in the control plane (ages, deadlines, probe delays, backoffs) reads
`Clock.now()`; nothing reads the wall clock directly.

- `RealClock(time_scale=X)`: cluster time runs X simulated seconds per real second from the
  moment it starts (X=1: it is the wall clock).  `real_delay(d)` converts a cluster-time delay
  into the real seconds to wait: with X=10, a 30 s readiness delay passes in 3 s.
- `VirtualClock(start)`: cluster time stands still until `advance_to()` moves it, so tests are
  exact and fast; the runner advances it timer by timer, in timestamp order.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

REAL = "real"
VIRTUAL = "virtual"


class Clock(Protocol):
    mode: str

    def now(self) -> datetime: ...


class RealClock:
    mode = REAL

    def __init__(self, time_scale: float = 1.0, start: datetime | None = None):
        if time_scale <= 0:
            raise ValueError("time scale must be greater than 0")
        self.time_scale = time_scale
        self._origin = start or datetime.now(UTC)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._origin + timedelta(seconds=(time.monotonic() - self._t0) * self.time_scale)

    def real_delay(self, cluster_seconds: float) -> float:
        return max(0.0, cluster_seconds / self.time_scale)


class VirtualClock:
    mode = VIRTUAL

    def __init__(self, start: datetime):
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance_to(self, moment: datetime) -> None:
        if moment > self._now:
            self._now = moment


def rfc3339_micro(moment: datetime) -> str:
    """`2026-11-27T10:00:00.000000Z`: the clock endpoints' format."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 timestamp (`Z` or an offset, optional fraction) to an aware datetime."""
    value = text.strip()
    if value.endswith("Z") or value.endswith("z"):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
