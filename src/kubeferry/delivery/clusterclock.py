"""The cluster's clock as a client sees it: `/kubeferry/v1/clock` when the server offers it, else ours.

Client-side deadlines (a DaemonSet's or StatefulSet's emulated progress deadline) must be read on
the cluster clock, so a virtual-clock cluster can be driven step by step (DESIGN.md "Clock").  A
server that does not answer the endpoint (any real cluster) is asked once; from then on the local
clock is used.  Wall-clock `--timeout`s never come from here.
"""

from __future__ import annotations

import time

CLOCK_PATH = "/kubeferry/v1/clock"


class ClusterClock:
    """Now, in seconds since the epoch: the cluster's when it serves `/kubeferry/v1/clock`, else ours."""

    def __init__(self, transport):
        self.transport = transport
        self.remote = True

    def now(self) -> float:
        if self.remote:
            try:
                from kubeferry.machinery.podutil import parse_time

                moment = parse_time(self.transport.raw("GET", CLOCK_PATH).json().get("now"))
                if moment is not None:
                    return moment.timestamp()
            except Exception:  # noqa: BLE001 - any answer but a clock means there is none
                pass
            self.remote = False
        return time.time()

    def stamp(self) -> str:
        """Now as RFC 3339 with microseconds, `Z`."""
        import datetime as dt

        return dt.datetime.fromtimestamp(self.now(), dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
