"""IntOrString helpers: cases restated from apimachinery intstr tests (GetScaledValueFromIntOrPercent) and the
Deployment fencepost arithmetic in the controller-semantics notes."""

from __future__ import annotations

import pytest

from kubeferry.machinery.intstr import (
    IntOrStringError,
    get_scaled_value_from_int_or_percent,
    is_percent,
    value_of,
)


@pytest.mark.parametrize(
    ("value", "total", "round_up", "expected"),
    [
        pytest.param(123, 0, False, 123, id="int-as-is"),
        pytest.param("90%", 100, True, 90, id="percent-of-100"),
        pytest.param("90%", 95, True, 86, id="percent-rounds-up"),
        pytest.param("90%", 95, False, 85, id="percent-rounds-down"),
        pytest.param("25%", 10, True, 3, id="default-surge-r10"),
        pytest.param("25%", 10, False, 2, id="default-unavailable-r10"),
        pytest.param("25%", 1, True, 1, id="default-surge-r1"),
        pytest.param("25%", 1, False, 0, id="default-unavailable-r1"),
        pytest.param("25%", 3, True, 1, id="default-surge-r3"),
        pytest.param("25%", 4, False, 1, id="default-unavailable-r4"),
        pytest.param("0%", 10, True, 0, id="zero-percent"),
        pytest.param("150%", 10, False, 15, id="over-hundred-percent"),
        pytest.param("-10%", 10, False, -1, id="negative-percent"),
        pytest.param("+10%", 10, False, 1, id="plus-sign-allowed"),
        pytest.param(0, 10, True, 0, id="zero-int"),
        pytest.param(-3, 10, True, -3, id="negative-int"),
    ],
)
def test_scaled_value(value, total, round_up, expected):
    assert get_scaled_value_from_int_or_percent(value, total, round_up) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(None, "nil value for IntOrString", id="nil"),
        pytest.param(
            "%",
            'invalid value for IntOrString: invalid value "%": strconv.Atoi: parsing "": invalid syntax',
            id="bare-percent",
        ),
        pytest.param(
            "90#", "invalid value for IntOrString: invalid type: string is not a percentage", id="hash-not-percent"
        ),
        pytest.param(
            "#%",
            'invalid value for IntOrString: invalid value "#%": strconv.Atoi: parsing "#": invalid syntax',
            id="non-numeric-percent",
        ),
        pytest.param(
            "90", "invalid value for IntOrString: invalid type: string is not a percentage", id="plain-string"
        ),
        pytest.param(
            "abc%",
            'invalid value for IntOrString: invalid value "abc%": strconv.Atoi: parsing "abc": invalid syntax',
            id="letters-percent",
        ),
        pytest.param(
            "1.5%",
            'invalid value for IntOrString: invalid value "1.5%": strconv.Atoi: parsing "1.5": invalid syntax',
            id="fractional-percent",
        ),
        pytest.param(
            " 5%",
            'invalid value for IntOrString: invalid value " 5%": strconv.Atoi: parsing " 5": invalid syntax',
            id="leading-space",
        ),
        pytest.param(
            "1_0%",
            'invalid value for IntOrString: invalid value "1_0%": strconv.Atoi: parsing "1_0": invalid syntax',
            id="underscore-rejected",
        ),
        pytest.param(
            "99999999999999999999%",
            'invalid value for IntOrString: invalid value "99999999999999999999%": strconv.Atoi: parsing '
            '"99999999999999999999": value out of range',
            id="out-of-range",
        ),
        pytest.param(True, "invalid value for IntOrString: invalid type: neither int nor percentage", id="bool"),
        pytest.param(1.5, "invalid value for IntOrString: invalid type: neither int nor percentage", id="float"),
    ],
)
def test_scaled_value_errors(value, message):
    with pytest.raises(IntOrStringError) as info:
        get_scaled_value_from_int_or_percent(value, 10, True)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("25%", True, id="percent"),
        pytest.param("25", False, id="numeric-string"),
        pytest.param(25, False, id="int"),
        pytest.param(None, False, id="none"),
    ],
)
def test_is_percent(value, expected):
    assert is_percent(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(3, 3, id="int"),
        pytest.param("25%", 25, id="percent"),
        pytest.param("0%", 0, id="zero-percent"),
    ],
)
def test_value_of(value, expected):
    assert value_of(value) == expected


@pytest.mark.parametrize("value", [pytest.param("25", id="plain-string"), pytest.param("x%", id="bad-percent")])
def test_value_of_rejects(value):
    with pytest.raises(IntOrStringError):
        value_of(value)
