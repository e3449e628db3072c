"""Resource quantities: cases restated from apimachinery resource quantity_test.go (TestQuantityParse,
TestQuantityString, TestQuantityParseEmit, TestParseQuantityString and the invalid-input list)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kubeferry.machinery.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    ERR_FORMAT_WRONG,
    ERR_NUMERIC,
    ERR_SUFFIX,
    MAX_ALLOWED,
    QuantityError,
    _scan,
    canonical_quantity,
    compare_quantities,
    format_quantity,
    parse,
    parse_quantity,
)

KI, MI, GI, TI, PI, EI = (2**10, 2**20, 2**30, 2**40, 2**50, 2**60)


def dec(mantissa: int, exponent: int) -> Fraction:
    return Fraction(mantissa) * Fraction(10) ** exponent


@pytest.mark.parametrize(
    ("text", "value", "fmt"),
    [
        pytest.param("0", dec(0, 0), DECIMAL_SI, id="zero"),
        pytest.param("0n", dec(0, 0), DECIMAL_SI, id="zero-nano"),
        pytest.param("0u", dec(0, 0), DECIMAL_SI, id="zero-micro"),
        pytest.param("0m", dec(0, 0), DECIMAL_SI, id="zero-milli"),
        pytest.param("0Ki", dec(0, 0), BINARY_SI, id="zero-ki"),
        pytest.param("0k", dec(0, 0), DECIMAL_SI, id="zero-k"),
        pytest.param("0Mi", dec(0, 0), BINARY_SI, id="zero-mi"),
        pytest.param("0M", dec(0, 0), DECIMAL_SI, id="zero-m"),
        pytest.param("0Gi", dec(0, 0), BINARY_SI, id="zero-gi"),
        pytest.param("0G", dec(0, 0), DECIMAL_SI, id="zero-g"),
        pytest.param("0Ti", dec(0, 0), BINARY_SI, id="zero-ti"),
        pytest.param("0T", dec(0, 0), DECIMAL_SI, id="zero-t"),
        pytest.param("1", dec(1, 0), DECIMAL_SI, id="suffixless"),
        pytest.param("1Ki", Fraction(KI), BINARY_SI, id="1Ki"),
        pytest.param("8Ki", Fraction(8 * KI), BINARY_SI, id="8Ki"),
        pytest.param("7Mi", Fraction(7 * MI), BINARY_SI, id="7Mi"),
        pytest.param("6Gi", Fraction(6 * GI), BINARY_SI, id="6Gi"),
        pytest.param("5Ti", Fraction(5 * TI), BINARY_SI, id="5Ti"),
        pytest.param("4Pi", Fraction(4 * PI), BINARY_SI, id="4Pi"),
        pytest.param("3Ei", Fraction(3 * EI), BINARY_SI, id="3Ei"),
        pytest.param("10Ti", Fraction(10 * TI), BINARY_SI, id="10Ti"),
        pytest.param("100Ti", Fraction(100 * TI), BINARY_SI, id="100Ti"),
        pytest.param("5n", dec(5, -9), DECIMAL_SI, id="5n"),
        pytest.param("4u", dec(4, -6), DECIMAL_SI, id="4u"),
        pytest.param("3m", dec(3, -3), DECIMAL_SI, id="3m"),
        pytest.param("9", dec(9, 0), DECIMAL_SI, id="9"),
        pytest.param("8k", dec(8, 3), DECIMAL_SI, id="8k"),
        pytest.param("50k", dec(5, 4), DECIMAL_SI, id="50k"),
        pytest.param("7M", dec(7, 6), DECIMAL_SI, id="7M"),
        pytest.param("6G", dec(6, 9), DECIMAL_SI, id="6G"),
        pytest.param("5T", dec(5, 12), DECIMAL_SI, id="5T"),
        pytest.param("40T", dec(4, 13), DECIMAL_SI, id="40T"),
        pytest.param("300T", dec(3, 14), DECIMAL_SI, id="300T"),
        pytest.param("2P", dec(2, 15), DECIMAL_SI, id="2P"),
        pytest.param("1E", dec(1, 18), DECIMAL_SI, id="1E-exa"),
        pytest.param("1E-3", dec(1, -3), DECIMAL_EXPONENT, id="1E-3"),
        pytest.param("1e3", dec(1, 3), DECIMAL_EXPONENT, id="1e3"),
        pytest.param("1E6", dec(1, 6), DECIMAL_EXPONENT, id="1E6"),
        pytest.param("1e9", dec(1, 9), DECIMAL_EXPONENT, id="1e9"),
        pytest.param("1E12", dec(1, 12), DECIMAL_EXPONENT, id="1E12"),
        pytest.param("1e15", dec(1, 15), DECIMAL_EXPONENT, id="1e15"),
        pytest.param("1E18", dec(1, 18), DECIMAL_EXPONENT, id="1E18"),
        pytest.param("1e14", dec(1, 14), DECIMAL_EXPONENT, id="1e14"),
        pytest.param("1e13", dec(1, 13), DECIMAL_EXPONENT, id="1e13"),
        pytest.param("100.035k", dec(100035, 0), DECIMAL_SI, id="100.035k"),
        pytest.param("0.001", dec(1, -3), DECIMAL_SI, id="0.001"),
        pytest.param("0.0005k", dec(5, -1), DECIMAL_SI, id="0.0005k"),
        pytest.param("0.005", dec(5, -3), DECIMAL_SI, id="0.005"),
        pytest.param("0.05", dec(5, -2), DECIMAL_SI, id="0.05"),
        pytest.param("0.5", dec(5, -1), DECIMAL_SI, id="0.5"),
        pytest.param("0.00050k", dec(5, -1), DECIMAL_SI, id="0.00050k"),
        pytest.param("0.00500", dec(5, -3), DECIMAL_SI, id="0.00500"),
        pytest.param("0.05000", dec(5, -2), DECIMAL_SI, id="0.05000"),
        pytest.param("0.50000", dec(5, -1), DECIMAL_SI, id="0.50000"),
        pytest.param("0.5e0", dec(5, -1), DECIMAL_EXPONENT, id="0.5e0"),
        pytest.param("0.5e-1", dec(5, -2), DECIMAL_EXPONENT, id="0.5e-1"),
        pytest.param("0.5e-2", dec(5, -3), DECIMAL_EXPONENT, id="0.5e-2"),
        pytest.param("10.035M", dec(10035, 3), DECIMAL_SI, id="10.035M"),
        pytest.param("1.2e3", dec(12, 2), DECIMAL_EXPONENT, id="1.2e3"),
        pytest.param("1.3E+6", dec(13, 5), DECIMAL_EXPONENT, id="1.3E+6"),
        pytest.param("1.40e9", dec(14, 8), DECIMAL_EXPONENT, id="1.40e9"),
        pytest.param("1.53E12", dec(153, 10), DECIMAL_EXPONENT, id="1.53E12"),
        pytest.param("1.6e15", dec(16, 14), DECIMAL_EXPONENT, id="1.6e15"),
        pytest.param("1.7E18", dec(17, 17), DECIMAL_EXPONENT, id="1.7E18"),
        pytest.param("9.01", dec(901, -2), DECIMAL_SI, id="9.01"),
        pytest.param("8.1k", dec(81, 2), DECIMAL_SI, id="8.1k"),
        pytest.param("7.123456M", dec(7123456, 0), DECIMAL_SI, id="7.123456M"),
        pytest.param("6.987654321G", dec(6987654321, 0), DECIMAL_SI, id="6.987654321G"),
        pytest.param("5.444T", dec(5444, 9), DECIMAL_SI, id="5.444T"),
        pytest.param("40.1T", dec(401, 11), DECIMAL_SI, id="40.1T"),
        pytest.param("300.2T", dec(3002, 11), DECIMAL_SI, id="300.2T"),
        pytest.param("2.5P", dec(25, 14), DECIMAL_SI, id="2.5P"),
        pytest.param("1.01E", dec(101, 16), DECIMAL_SI, id="1.01E"),
        pytest.param("3.001n", dec(4, -9), DECIMAL_SI, id="rounds-up-3.001n"),
        pytest.param("1.1E-9", dec(2, -9), DECIMAL_EXPONENT, id="rounds-up-1.1E-9"),
        pytest.param("0.0000000001", dec(1, -9), DECIMAL_SI, id="rounds-up-tiny"),
        pytest.param("0.0000000005", dec(1, -9), DECIMAL_SI, id="rounds-up-half-nano"),
        pytest.param("0.00000000050", dec(1, -9), DECIMAL_SI, id="rounds-up-half-nano-trailing-zero"),
        pytest.param("0.5e-9", dec(1, -9), DECIMAL_EXPONENT, id="rounds-up-exponent"),
        pytest.param("0.9n", dec(1, -9), DECIMAL_SI, id="rounds-up-0.9n"),
        pytest.param("0.00000012345", dec(124, -9), DECIMAL_SI, id="rounds-up-124n"),
        pytest.param("0.00000012354", dec(124, -9), DECIMAL_SI, id="rounds-up-124n-again"),
        pytest.param("9Ei", Fraction(MAX_ALLOWED), BINARY_SI, id="binary-capped"),
        pytest.param("9223372036854775807Ki", Fraction(MAX_ALLOWED), BINARY_SI, id="binary-capped-long"),
        pytest.param("12E", dec(12, 18), DECIMAL_SI, id="decimal-not-capped"),
        pytest.param("100.035Ki", dec(10243584, -2), BINARY_SI, id="fractional-binary"),
        pytest.param("0.5Mi", Fraction(MI, 2), BINARY_SI, id="half-mi"),
        pytest.param("0.05Gi", dec(536870912, -1), BINARY_SI, id="0.05Gi"),
        pytest.param("0.025Ti", dec(274877906944, -1), BINARY_SI, id="0.025Ti"),
        pytest.param("0.000000000001Ki", dec(2, -9), DECIMAL_SI, id="tiny-binary-becomes-decimal"),
        pytest.param(".001", dec(1, -3), DECIMAL_SI, id="leading-dot"),
        pytest.param(".0001k", dec(100, -3), DECIMAL_SI, id="leading-dot-k"),
        pytest.param("1.", dec(1, 0), DECIMAL_SI, id="trailing-dot"),
        pytest.param("1.G", dec(1, 9), DECIMAL_SI, id="trailing-dot-suffix"),
        pytest.param("128974848", Fraction(128974848), DECIMAL_SI, id="bytes"),
        pytest.param("129e6", Fraction(129000000), DECIMAL_EXPONENT, id="129e6"),
        pytest.param("123Mi", Fraction(123 * MI), BINARY_SI, id="123Mi"),
    ],
)
def test_parse(text, value, fmt):
    parsed = parse(text)
    assert parsed.value == value
    assert parsed.format == fmt
    negative = parse("-" + text)
    assert negative.value == -value
    assert negative.format == fmt
    assert parse("+" + text).value == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", ERR_FORMAT_WRONG, id="empty"),
        pytest.param("1.1.M", ERR_FORMAT_WRONG, id="two-dots"),
        pytest.param("1+1.0M", ERR_FORMAT_WRONG, id="plus-inside"),
        pytest.param("0.1mi", ERR_SUFFIX, id="lowercase-mi"),
        pytest.param("0.1am", ERR_FORMAT_WRONG, id="unknown-letter"),
        pytest.param("aoeu", ERR_FORMAT_WRONG, id="word"),
        pytest.param(".5i", ERR_SUFFIX, id="bare-i"),
        pytest.param("1i", ERR_SUFFIX, id="1i"),
        pytest.param("-3.01i", ERR_SUFFIX, id="negative-i"),
        pytest.param("-3.01e-", ERR_SUFFIX, id="exponent-without-digits"),
        pytest.param(" 1", ERR_FORMAT_WRONG, id="leading-space"),
        pytest.param("1 ", ERR_FORMAT_WRONG, id="trailing-space"),
        pytest.param("e-10", ERR_NUMERIC, id="no-digits-slow-path"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(QuantityError) as info:
        parse(text)
    assert str(info.value) == message


def test_format_error_message_wording():
    assert ERR_FORMAT_WRONG == (
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("0.025Ti", (True, "0.025", "0", "025", "Ti"), id="fraction-binary"),
        pytest.param("1.025Ti", (True, "1.025", "1", "025", "Ti"), id="one-point"),
        pytest.param("-1.025Ti", (False, "-1.025", "1", "025", "Ti"), id="negative"),
        pytest.param(".", (True, ".", "0", "", ""), id="dot"),
        pytest.param("-.", (False, "-.", "0", "", ""), id="minus-dot"),
        pytest.param("1E-3", (True, "1", "1", "", "E-3"), id="exponent"),
    ],
)
def test_scan(text, expected):
    assert _scan(text) == expected


@pytest.mark.parametrize(
    ("value", "fmt", "expected", "alternate"),
    [
        pytest.param(GI, BINARY_SI, "1Gi", "1024Mi", id="1Gi"),
        pytest.param(300 * MI, BINARY_SI, "300Mi", "307200Ki", id="300Mi"),
        pytest.param(6 * KI, BINARY_SI, "6Ki", None, id="6Ki"),
        pytest.param(1001 * GI, BINARY_SI, "1001Gi", "1025024Mi", id="1001Gi"),
        pytest.param(TI, BINARY_SI, "1Ti", "1024Gi", id="1Ti"),
        pytest.param(5, BINARY_SI, "5", "5000m", id="small-binary-prints-decimal"),
        pytest.param(dec(500, -3), BINARY_SI, "500m", "0.5", id="fractional-binary-prints-decimal"),
        pytest.param(dec(1, 9), DECIMAL_SI, "1G", "1000M", id="1G"),
        pytest.param(dec(1000, 6), DECIMAL_SI, "1G", "0.001T", id="1G-from-M"),
        pytest.param(dec(1000000, 3), DECIMAL_SI, "1G", None, id="1G-from-k"),
        pytest.param(dec(1000000000, 0), DECIMAL_SI, "1G", None, id="1G-plain"),
        pytest.param(dec(1, -3), DECIMAL_SI, "1m", "1000u", id="1m"),
        pytest.param(dec(80, -3), DECIMAL_SI, "80m", None, id="80m"),
        pytest.param(dec(1080, -3), DECIMAL_SI, "1080m", "1.08", id="1080m"),
        pytest.param(dec(108, -2), DECIMAL_SI, "1080m", "1080000000n", id="1080m-from-n"),
        pytest.param(dec(300, 6), DECIMAL_SI, "300M", None, id="300M"),
        pytest.param(dec(1, 12), DECIMAL_SI, "1T", None, id="1T"),
        pytest.param(dec(1234567, 6), DECIMAL_SI, "1234567M", None, id="1234567M"),
        pytest.param(dec(1234567, -3), BINARY_SI, "1234567m", None, id="binary-fraction-milli"),
        pytest.param(dec(3, 3), DECIMAL_SI, "3k", None, id="3k"),
        pytest.param(1025, BINARY_SI, "1025", None, id="1025-not-power"),
        pytest.param(0, DECIMAL_SI, "0", None, id="zero-decimal"),
        pytest.param(0, BINARY_SI, "0", None, id="zero-binary"),
        pytest.param(dec(1, 9), DECIMAL_EXPONENT, "1e9", ".001e12", id="1e9"),
        pytest.param(dec(1, -3), DECIMAL_EXPONENT, "1e-3", "0.001e0", id="1e-3"),
        pytest.param(dec(1, -9), DECIMAL_EXPONENT, "1e-9", "1000e-12", id="1e-9"),
        pytest.param(dec(80, -3), DECIMAL_EXPONENT, "80e-3", None, id="80e-3"),
        pytest.param(dec(300, 6), DECIMAL_EXPONENT, "300e6", None, id="300e6"),
        pytest.param(dec(1, 12), DECIMAL_EXPONENT, "1e12", None, id="1e12"),
        pytest.param(dec(1, 3), DECIMAL_EXPONENT, "1e3", None, id="1e3"),
        pytest.param(dec(3, 3), DECIMAL_EXPONENT, "3e3", None, id="3e3"),
        pytest.param(0, DECIMAL_EXPONENT, "0", "00", id="zero-exponent"),
        pytest.param(dec(1, -9), DECIMAL_SI, "1n", None, id="1n"),
        pytest.param(dec(80, -9), DECIMAL_SI, "80n", None, id="80n"),
        pytest.param(dec(1080, -9), DECIMAL_SI, "1080n", None, id="1080n"),
        pytest.param(dec(1, -6), DECIMAL_SI, "1u", None, id="1u"),
        pytest.param(dec(80, -6), DECIMAL_SI, "80u", None, id="80u"),
        pytest.param(dec(1080, -6), DECIMAL_SI, "1080u", None, id="1080u"),
    ],
)
def test_canonical_string(value, fmt, expected, alternate):
    assert format_quantity(value, fmt) == expected
    if value:
        assert format_quantity(-Fraction(value), fmt) == "-" + expected
    parsed = parse(expected)
    assert parsed.text == expected  # canonical input is kept as typed
    assert str(parsed) == expected
    if alternate is not None:
        again = parse(alternate)
        assert again.text is None  # non-canonical input is re-rendered
        assert str(again) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1Ki", "1Ki", id="1Ki"),
        pytest.param("1Mi", "1Mi", id="1Mi"),
        pytest.param("1Gi", "1Gi", id="1Gi"),
        pytest.param("1024Mi", "1Gi", id="1024Mi"),
        pytest.param("1000M", "1G", id="1000M"),
        pytest.param(".001Ki", "1024m", id="milli-ki"),
        pytest.param(".000001Ki", "1024u", id="micro-ki"),
        pytest.param(".000000001Ki", "1024n", id="nano-ki"),
        pytest.param(".000000000001Ki", "2n", id="rounded-nano"),
        pytest.param("100m", "100m", id="100m"),
        pytest.param("1.5", "1500m", id="1.5"),
        pytest.param("0.5", "500m", id="0.5"),
        pytest.param("1.5Gi", "1536Mi", id="1.5Gi"),
        pytest.param("0.5Mi", "512Ki", id="half-mi"),
        pytest.param("129e6", "129e6", id="exponent-kept"),
        pytest.param("1.0", "1", id="trailing-zero"),
        pytest.param("1000E", "1", id="beyond-exa-has-no-suffix"),
        pytest.param("+1", "+1", id="explicit-plus-kept"),
        pytest.param("01Ki", "01Ki", id="leading-zero-binary-kept"),
        pytest.param("9Ei", "9223372036854775807", id="capped"),
    ],
)
def test_canonical_quantity(text, expected):
    assert canonical_quantity(text) == expected
    if parse(text).value and not text.startswith("+"):
        assert canonical_quantity("-" + text) == "-" + expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param("1Gi", "1024Mi", 0, id="equal-across-suffixes"),
        pytest.param("1G", "1Gi", -1, id="decimal-below-binary"),
        pytest.param("100m", "0.1", 0, id="milli-equals-decimal"),
        pytest.param("2", "1500m", 1, id="greater"),
        pytest.param("1e3", "1k", 0, id="exponent-equals-k"),
    ],
)
def test_compare(a, b, expected):
    assert compare_quantities(a, b) == expected


def test_parse_quantity_returns_fraction():
    assert parse_quantity("100m") == Fraction(1, 10)
    assert parse_quantity("1Gi") == 2**30
