"""Go's `time.ParseDuration`, as kubectl's duration flags read them (plus a bare number of seconds).

    parse("1m30s") == 90.0     parse("250ms") == 0.25     parse("1.5h") == 5400.0     parse("90") == 90.0

Units: ns, us (µs), ms, s, m, h; parts follow each other with no separator.  Anything else raises
ValueError with Go's wording, `time: invalid duration "soon"`, which callers prefix with kubectl's
`invalid argument "soon" for "--timeout" flag: `.  Pure.
"""

from __future__ import annotations

import re

UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_NUMBER = re.compile(r"\d+(\.\d+)?")


def parse(text: str, bare_seconds: bool = True) -> float:
    """Seconds in `text`; ValueError(`time: invalid duration "…"`) when it is not a duration.

    `bare_seconds=False`: a number needs its unit (`90` is refused), as kubectl's `--since`."""
    value = str(text).strip()
    if _NUMBER.fullmatch(value) and bare_seconds:
        return float(value)
    pos, total = 0, 0.0
    for match in _PART.finditer(value):
        if match.start() != pos:
            break
        total += float(match.group(1)) * UNITS[match.group(2)]
        pos = match.end()
    if pos != len(value) or not value:
        raise ValueError(f'time: invalid duration "{value}"')
    return total


def flag_error(text: str, flag: str) -> str:
    """kubectl's line for a bad duration flag value."""
    value = str(text).strip()
    return f'invalid argument "{value}" for "{flag}" flag: time: invalid duration "{value}"'
