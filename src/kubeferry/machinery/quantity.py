"""Kubernetes resource quantities (`100m`, `1Gi`, `1e3`, `0.5`): exact parsing, comparison, canonical text.

Owns upstream `resource.Quantity` semantics for everything that reads or prints resources (requests and
limits, PVC sizes, node capacity, `kubectl get -o wide`).  Values are exact `fractions.Fraction`s, never
floats.

Parsing (`parse`, `parse_quantity`): a signed decimal number with an optional suffix, which also fixes
the *format* the value is printed in:

* decimal SI `n u m "" k M G T P E` (10^-9 … 10^18) → DecimalSI,
* binary SI `Ki Mi Gi Ti Pi Ei` (2^10 … 2^60) → BinarySI,
* an exponent `e3` / `E-3` → DecimalExponent.

As upstream: a non-zero magnitude is rounded *up* to a whole nano (`0.5e-9` → `1n`, `3.001n` → `4n`); a
BinarySI magnitude is capped at 2^63-1 (`9Ei`); a BinarySI value strictly between -1 and 1 switches to
DecimalSI (`0.000000000001Ki` → `2n`).

Canonical text (`format_quantity`, `canonical_quantity`, upstream `String()`): zero is `0`; BinarySI is
kept only for integers of magnitude ≥ 1024 and prints the largest power of 1024 that divides the value
(`1536Mi` stays, `1024Mi` → `1Gi`); everything else prints a decimal mantissa without trailing zeros
whose exponent is lowered to a multiple of 3 and named by its suffix.  Worked example: `1.5` = 15 × 10^-1;
-1 is not a multiple of 3, so 150 × 10^-2, then 1500 × 10^-3 → `1500m`.  Upstream has no DecimalSI
suffix beyond `E` (10^18): a larger DecimalSI value prints its mantissa with no suffix at all
(`1000E` → `1`); this module reproduces that.  When the input already was canonical upstream keeps the
text as typed (`+1` stays `+1`, `100Ki` stays `100Ki`), and so does `canonical_quantity`.

Pure: no I/O.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

SPLIT_RE_STRING = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = "quantities must match the regular expression '" + SPLIT_RE_STRING + "'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"

_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXPONENT = {e: s for s, e in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_EXPONENT = {e: s for s, e in _BINARY_SUFFIXES.items()}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")

NANO = Fraction(1, 10**9)
MAX_ALLOWED = 2**63 - 1  # BinarySI cap
_MAX_INT64_FACTORS = 18  # decimal digits an int64 always holds
_BINARY_LOWER_BOUND = 1024  # BinarySI prints only integers of at least this magnitude
_MAX_DECIMAL_EXPONENT = 4096  # larger exponents are refused rather than materialised (see parse)


class QuantityError(ValueError):
    """A string that is not a quantity; `str()` is upstream's message."""


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity: exact `value`, the `format` it prints in, and the text upstream would keep."""

    value: Fraction
    format: str = DECIMAL_SI
    text: str | None = None

    def __str__(self) -> str:
        return self.text if self.text is not None else format_quantity(self.value, self.format)


def _scan(text: str) -> tuple[bool, str, str, str, str]:
    """Split into (positive, number text, integer digits, fraction digits, suffix) as upstream's scanner.

    Deliberately as lenient as upstream: the number may be empty (`Mi` scans as 0 Mi) and leading
    zeros are dropped from the integer digits.
    """
    positive, pos, end = True, 0, len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos += 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    if pos >= end:
        return positive, text, num, "", ""
    denom = ""
    if text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
        if pos >= end:
            return positive, text, num, denom, ""
    value = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(ERR_FORMAT_WRONG)
    return positive, value, num, denom, text[suffix_start:]


def _interpret(suffix: str) -> tuple[int, int, str]:
    """(base, exponent, format) of a suffix, or QuantityError(ERR_SUFFIX)."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        body = digits[1:] if digits[0] in "+-" else digits
        if body and all(c in _DIGITS for c in body):
            parsed = int(digits)
            if -(2**63) <= parsed < 2**63:
                exponent = (parsed + 2**31) % 2**32 - 2**31  # Go truncates the int64 to int32
                return 10, exponent, DECIMAL_EXPONENT
    raise QuantityError(ERR_SUFFIX)


def _fast_path(text: str, num: str, denom: str, exponent: int, fmt: str) -> tuple[bool, str | None]:
    """Whether upstream's exact int64 path takes this input, and the text it keeps as already canonical."""
    if fmt == BINARY_SI:
        if exponent < 0 or denom:
            return False, None
        scale = 0
        mantissa = 1 << exponent
        precision = 15 - len(num) - (exponent * 3 // 10) - 1
    else:
        scale = exponent
        mantissa = 1
        precision = _MAX_INT64_FACTORS - len(num) - len(denom)
    if precision < 0:
        return False, None
    scale -= len(denom)
    if scale < -9:
        return False, None
    shifted = num + denom
    value = int(shifted)
    if value * mantissa > MAX_ALLOWED:
        return False, None
    if fmt == BINARY_SI:
        return True, (text if exponent % 10 == 0 and value & 0x07 else None)
    if scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0":
        return True, text
    return True, None


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Quantity:
    """Parse a quantity string (upstream `ParseQuantity`); QuantityError with upstream's message if bad.

    Exponents beyond ±4096 are not materialised: a tinier value rounds up to 1n as upstream does, a
    larger one is refused with ERR_NUMERIC (upstream would accept it; no resource can use it).
    """
    if not text:
        raise QuantityError(ERR_FORMAT_WRONG)
    if text == "0":
        return Quantity(Fraction(0), DECIMAL_SI, "0")
    positive, value_text, num, denom, suffix = _scan(text)
    base, exponent, fmt = _interpret(suffix)
    exact, kept = _fast_path(text, num, denom, exponent, fmt)
    if not exact and not any(c in _DIGITS for c in value_text):
        raise QuantityError(ERR_NUMERIC)  # the slow path reads the number text itself: `e-10` has none
    digits = int(num + denom)
    if base == 10 and exponent > _MAX_DECIMAL_EXPONENT:
        raise QuantityError(ERR_NUMERIC)
    if base == 10 and exponent < -_MAX_DECIMAL_EXPONENT:
        magnitude = NANO if digits else Fraction(0)
    else:
        magnitude = Fraction(digits, 10 ** len(denom)) * (Fraction(base) ** exponent)
        if magnitude % NANO:
            magnitude = (magnitude // NANO + 1) * NANO  # round a non-zero magnitude up to a whole nano
    if fmt == BINARY_SI:
        magnitude = min(magnitude, Fraction(MAX_ALLOWED))
        if 0 < magnitude < 1:
            fmt = DECIMAL_SI
    return Quantity(magnitude if positive else -magnitude, fmt, kept)


def parse_quantity(text: str) -> Fraction:
    """The exact value of a quantity string: `parse_quantity("100m") == Fraction(1, 10)`."""
    return parse(text).value


def canonical_quantity(text: str) -> str:
    """What upstream prints for a quantity string: `1024Mi` → `1Gi`, `1.5` → `1500m`, `100m` → `100m`."""
    return str(parse(text))


def _decimal_parts(value: Fraction) -> tuple[int, int]:
    """(mantissa, exponent) with value = mantissa × 10^exponent and no trailing zeros in the mantissa."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        raise ValueError(f"{value} has no finite decimal representation")
    shift = max(twos, fives)
    mantissa = value.numerator * 10**shift // value.denominator
    exponent = -shift
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    return mantissa, exponent


def format_quantity(value: Fraction | int, fmt: str = DECIMAL_SI) -> str:
    """Canonical text of a value in a format (upstream `CanonicalizeBytes`).

    >>> format_quantity(Fraction(3, 2)), format_quantity(1536 * 2**20, BINARY_SI), format_quantity(5, BINARY_SI)
    ('1500m', '1536Mi', '5')
    """
    value = Fraction(value)
    if value == 0:
        return "0"
    if fmt == BINARY_SI and (-_BINARY_LOWER_BOUND < value < _BINARY_LOWER_BOUND or value.denominator != 1):
        fmt = DECIMAL_SI
    if fmt == BINARY_SI:
        number, power = value.numerator, 0
        while number % 1024 == 0:
            number //= 1024
            power += 10
        return f"{number}{_BINARY_BY_EXPONENT.get(power, '')}"
    mantissa, exponent = _decimal_parts(value)
    while exponent % 3:
        mantissa *= 10
        exponent -= 1
    if fmt == DECIMAL_EXPONENT:
        return f"{mantissa}e{exponent}" if exponent else str(mantissa)
    return f"{mantissa}{_DECIMAL_BY_EXPONENT.get(exponent, '')}"


def compare_quantities(a: str, b: str) -> int:
    """-1, 0 or 1 as the value of `a` is below, equal to or above `b` (formats do not matter)."""
    x, y = parse_quantity(a), parse_quantity(b)
    return (x > y) - (x < y)
