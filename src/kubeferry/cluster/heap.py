"""The server process's garbage-collector settings: what lives for the whole process is frozen.

CPython's cyclic collector walks every container object it tracks; a full collection in a server
that holds the API schemas, the resource tables and thousands of stored objects walks them all,
though none of them ever becomes garbage.  Once the server is set up, `freeze` moves what exists
to the permanent generation (never walked again), and the youngest generation is collected every
`YOUNG_THRESHOLD` allocations instead of Python's 700, so short-lived request and controller data
is mostly freed by reference counting before a collection looks at it.  On a 1,000-replica rollout
this takes about a tenth off the CPU time (docs/benchmarks.md); it changes no result.

What survives a young collection is mostly stored objects and their watch history: they live until
the history (20,000 changes, some 170,000 tracked objects) has moved past them, and then die by
reference counting.  The middle generation is therefore collected after 100 young collections, not
Python's 10: at 10 it walked a history's worth of live objects every ~0.6 history windows only to
promote them; at 100 most of what it would have walked has died unwalked by then (eight rollouts of
1,000 replicas in one process: 12.0–12.8 s against 12.6–13.1 s).  Cyclic garbage that outlives a
young collection waits longer for its collection, a bounded amount.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # allocations between collections of the youngest generation (Python: 700)
OLDER_THRESHOLDS = (100, 10)  # young collections per middle one (Python: 10); middle ones per full one (as Python)


def freeze_long_lived() -> None:
    """Keep everything alive now out of future collections; call once start-up is done.

    No collection first: it would cost the server's start tens of milliseconds to free the few
    cycles start-up leaves behind, which then stay (a bounded, one-time amount).
    """
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
