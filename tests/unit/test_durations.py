"""Go's time.ParseDuration as the duration flags read it."""

from __future__ import annotations

import pytest

from kubeferry.machinery import durations


@pytest.mark.parametrize(
    "text, seconds",
    [("90", 90.0), ("1.5", 1.5), ("0", 0.0), ("30s", 30.0), ("1m30s", 90.0), ("1.5h", 5400.0), ("250ms", 0.25),
     ("10us", 1e-5), ("10µs", 1e-5), ("5ns", 5e-9), (" 2m ", 120.0)],
    ids=["bare", "bare-fraction", "zero", "seconds", "composite", "hours", "millis", "micros", "micro-sign", "nanos", "spaces"],
)  # fmt: skip
def test_parse(text, seconds):
    assert durations.parse(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "5x", "1m 30s", "m", "-5s", "30s!"], ids=str)
def test_refused_with_gos_wording(text):
    with pytest.raises(ValueError) as info:
        durations.parse(text)
    assert str(info.value) == f'time: invalid duration "{text.strip()}"'


def test_a_unit_can_be_required():
    with pytest.raises(ValueError):
        durations.parse("90", bare_seconds=False)
    assert durations.parse("90s", bare_seconds=False) == 90.0


def test_flag_error():
    assert durations.flag_error("soon", "--timeout") == (
        'invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"'
    )
