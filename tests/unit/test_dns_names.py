"""machinery.dns: the backtracking-free name tests accept exactly what upstream's patterns do.

The tables are apimachinery's IsDNS1123Label / IsDNS1123Subdomain / IsDNS1035Label cases (length
limits apart: those are the callers' checks).  The generated strings are compared with the upstream
pattern text compiled as written and anchored at both ends.
"""

from __future__ import annotations

import itertools
import random
import re

import pytest

from kubeferry.machinery import dns

LABEL_GOOD = ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", "a" * 63]
LABEL_BAD = [
    "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1",
    "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2", " ", "a ", " a", "a b", "1 ", " 1", "1 2", "web\n",
]  # fmt: skip
SUBDOMAIN_GOOD = [
    "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2",
    "a.a", "ab.a", "abc.a", "a1.a", "a-1.a", "a--1--2--b.a", "a.1", "ab.1", "abc.1", "a1.1", "a-1.1",
    "a--1--2--b.1", "0.a", "01.a", "012.a", "1a.a", "1-a.a", "1--a--b--2", "0.1", "01.1", "012.1",
    "1a.1", "1-a.1", "1--a--b--2.1", "a.b.c.d.e", "aa.bb.cc.dd.ee", "1.2.3.4.5", "11.22.33.44.55",
    "big-74cbf65f79-abcde.18867251ee0304d0",
]  # fmt: skip
SUBDOMAIN_BAD = [
    "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b",
    "1_", "_1", "1_2", ".", "a.", ".a", "a..b", "1.", ".1", "1..2", " ", "a ", " a", "a b", "1 ", " 1",
    "1 2", "A.a", "aB.a", "ab.A", "A1.a", "a1.A", "A.1", "aB.1", "A1.1", "1A.1", "0.A", "01.A", "012.A",
    "1A.a", "1a.A", "A.B.C.D.E", "AA.BB.CC.DD.EE", "a.B.c.d.e", "aa.bB.cc.dd.ee", "a@b", "a,b", "a_b",
    "a;b", "a:b", "a%b", "a?b", "a$b", "example.com\n",
]  # fmt: skip
LABEL_1035_GOOD = ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "a" * 63]
LABEL_1035_BAD = ["0", "01", "012", "1a", "1-a", "1--a--b--2", *LABEL_BAD]

# The upstream pattern texts as written, anchored at both ends (Go's regexp.MatchString of ^...$).
UPSTREAM = {
    dns.is_dns1123_label: re.compile(dns.DNS1123_LABEL_FMT + r"\Z"),
    dns.is_dns1123_subdomain: re.compile(dns.DNS1123_SUBDOMAIN_FMT + r"\Z"),
    dns.is_dns1035_label: re.compile(dns.DNS1035_LABEL_FMT + r"\Z"),
}


@pytest.mark.parametrize(
    "test, good, bad",
    [
        pytest.param(dns.is_dns1123_label, LABEL_GOOD, LABEL_BAD, id="dns1123-label"),
        pytest.param(dns.is_dns1123_subdomain, SUBDOMAIN_GOOD, SUBDOMAIN_BAD, id="dns1123-subdomain"),
        pytest.param(dns.is_dns1035_label, LABEL_1035_GOOD, LABEL_1035_BAD, id="dns1035-label"),
    ],
)
def test_upstream_cases(test, good, bad):
    assert [value for value in good if not test(value)] == []
    assert [value for value in bad if test(value)] == []


@pytest.mark.parametrize("test", list(UPSTREAM), ids=lambda f: f.__name__)
def test_same_answers_as_the_upstream_pattern(test):
    rng = random.Random(7)
    alphabet = "ab09-.-.A_ \n"  # the pattern's characters (hyphens and dots weighted up) and a few others
    pattern = UPSTREAM[test]
    accepted = 0
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
        expected = pattern.match(text) is not None
        assert test(text) is expected, text
        accepted += expected
    assert accepted > 300  # the comparison covered both answers


@pytest.mark.parametrize(
    "possessive",
    [
        pytest.param(
            True,
            id="possessive",
            marks=pytest.mark.skipif(not dns.POSSESSIVE, reason="possessive repeats of a group are wrong here"),
        ),
        pytest.param(False, id="plain"),
    ],
)
def test_both_forms_give_every_short_string_upstreams_answer(possessive):
    # every string of up to six characters over the characters that matter
    patterns = [UPSTREAM[dns.is_dns1123_label], UPSTREAM[dns.is_dns1123_subdomain], UPSTREAM[dns.is_dns1035_label]]
    found = dns.matchers(possessive)
    for length in range(7):
        for chars in itertools.product("a0-.", repeat=length):
            text = "".join(chars)
            for match, pattern in zip(found, patterns, strict=True):
                assert (match(text) is not None) is (pattern.match(text) is not None), (text, pattern.pattern)
