"""The DNS shapes Kubernetes names take: RFC 1123 labels and subdomains, RFC 1035 labels.

Each shape has upstream's pattern text (`*_FMT`), which validation messages quote word for word, and a
whole-string test (`is_*`) that says whether a text has the shape; lengths are the callers' to check.

The tests accept exactly what the patterns do, written so that the matcher never backtracks: a label
`[a-z0-9]([-a-z0-9]*[a-z0-9])?` is the same set of strings as alphanumeric runs joined by runs of
hyphens, `[a-z0-9]+(-+[a-z0-9]+)*`, whose quantifiers can then be possessive.  Every stored object's
name goes through one of them (thousands of Events a rollout); on an Event's name of ~40 characters
the possessive form takes under half the time of the pattern as upstream writes it.  Python before
3.11.5 mis-matches possessive repeats of a group (`a-.b` passed as a subdomain: CPython issue
106052), so there the same forms are used with plain quantifiers (about 1.6 µs instead of 1.0 µs).
tests/unit/test_dns_names.py holds both forms to upstream's answers.
"""

from __future__ import annotations

import re
import sys

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"


def matchers(possessive: bool) -> tuple:
    """The whole-string matchers of a label, a subdomain and an RFC 1035 label, with possessive or plain
    quantifiers (the same strings either way, on a Python whose possessive repeats are right)."""
    q = "+" if possessive else ""
    label = f"[a-z0-9]+{q}(?:-+{q}[a-z0-9]+{q})*{q}"
    return (
        re.compile(label).fullmatch,
        re.compile(label + r"(?:\." + label + f")*{q}").fullmatch,
        re.compile(f"[a-z][a-z0-9]*{q}(?:-+{q}[a-z0-9]+{q})*{q}").fullmatch,
    )


POSSESSIVE = sys.version_info >= (3, 11, 5)
_fullmatch_label, _fullmatch_subdomain, _fullmatch_1035_label = matchers(POSSESSIVE)


def is_dns1123_label(text: str) -> bool:
    """Whether all of `text` matches DNS1123_LABEL_FMT (`my-name`, `123-abc`)."""
    return _fullmatch_label(text) is not None


def is_dns1123_subdomain(text: str) -> bool:
    """Whether all of `text` matches DNS1123_SUBDOMAIN_FMT (`example.com`, `web-7d4b9.1886`)."""
    return _fullmatch_subdomain(text) is not None


def is_dns1035_label(text: str) -> bool:
    """Whether all of `text` matches DNS1035_LABEL_FMT (`my-name`, `abc-123`: a letter first)."""
    return _fullmatch_1035_label(text) is not None
