"""IntOrString arithmetic: `maxSurge`, `maxUnavailable`, `minAvailable` and friends, as apimachinery's intstr.

An IntOrString arrives from JSON as a Python `int` (`3`) or `str` (`"25%"`).  Controllers turn it into
a replica count against a total with `get_scaled_value_from_int_or_percent`, which — like upstream's
`GetScaledValueFromIntOrPercent` — accepts ints and `N%` strings only and rounds a percentage up or
down as asked.  Worked example (Deployment defaults, R = 10): maxSurge `"25%"` rounds up,
ceil(25 × 10 / 100) = ceil(2.5) = 3; maxUnavailable `"25%"` rounds down, floor(2.5) = 2.

The percentage product is computed in IEEE doubles, `(value × total) / 100`, exactly as upstream does,
so results agree with kube-controller-manager even at the edges.  Errors carry upstream's text:
`invalid value for IntOrString: invalid type: string is not a percentage` (for `"5"`), or
`invalid value for IntOrString: invalid value "abc%": strconv.Atoi: parsing "abc": invalid syntax`.

Pure: no I/O.
"""

from __future__ import annotations

import math
import re

from kubeferry.machinery.selectors import go_quote

PERCENT_SUFFIX = "%"
_ATOI_RE = re.compile(r"[+-]?[0-9]+")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class IntOrStringError(ValueError):
    """A value that is neither an int nor an `N%` string; `str()` is upstream's message."""


def _atoi(text: str) -> int:
    """Go `strconv.Atoi` on a 64-bit platform, with its error text."""
    if not _ATOI_RE.fullmatch(text):
        raise IntOrStringError(f"strconv.Atoi: parsing {go_quote(text)}: invalid syntax")
    value = int(text)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise IntOrStringError(f"strconv.Atoi: parsing {go_quote(text)}: value out of range")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_percent(value: int | str | None) -> bool:
    """True for a string ending in `%` (`"25%"`); ints and plain strings are not percentages."""
    return isinstance(value, str) and value.endswith(PERCENT_SUFFIX)


def _int_or_percent(value: int | str) -> tuple[int, bool]:
    """(number, is_percent), or IntOrStringError worded as upstream's getIntOrPercentValueSafely."""
    if _is_int(value):
        return value, False  # type: ignore[return-value]
    if isinstance(value, str):
        if not value.endswith(PERCENT_SUFFIX):
            raise IntOrStringError("invalid type: string is not a percentage")
        try:
            return _atoi(value[: -len(PERCENT_SUFFIX)]), True
        except IntOrStringError as err:
            raise IntOrStringError(f"invalid value {go_quote(value)}: {err}") from None
    raise IntOrStringError("invalid type: neither int nor percentage")


def value_of(value: int | str) -> int:
    """The number written: `3` → 3, `"25%"` → 25.  Anything else raises IntOrStringError."""
    number, _ = _int_or_percent(value)
    return number


def get_scaled_value_from_int_or_percent(value: int | str | None, total: int, round_up: bool) -> int:
    """An int as-is, or `N%` of `total` rounded up (`round_up`) or down; errors as upstream words them.

    >>> get_scaled_value_from_int_or_percent("90%", 95, True), get_scaled_value_from_int_or_percent("90%", 95, False)
    (86, 85)
    """
    if value is None:
        raise IntOrStringError("nil value for IntOrString")
    try:
        number, percent = _int_or_percent(value)
    except IntOrStringError as err:
        raise IntOrStringError(f"invalid value for IntOrString: {err}") from None
    if not percent:
        return number
    scaled = float(number) * float(total) / 100
    return int(math.ceil(scaled) if round_up else math.floor(scaled))
