"""Checking a demo step's output against the golden transcript: volatile values out, then compare.

**Normalising.**  What changes from run to run is replaced by a marker before comparing:

    my-app-5d9c7b5f6-x2x9q  → my-app-<hash>-<pod>     (ReplicaSet hash and pod suffix)
    my-app-5d9c7b5f6        → my-app-<hash>
    my-daemon-7xkq2         → my-daemon-<pod>          (DaemonSet pods)
    my-sts-6c4d9f8b7        → my-sts-<hash>            (StatefulSet revisions)
    10.244.1.7, 10.96.0.12  → <ip>
    127.0.0.1:38211         → 127.0.0.1:<port>
    an AGE column value     → <age>

**Golden sections.**  The golden file holds one section per step, `=== <key>`, then the expected
lines.  A line is literal unless it starts with one of:

    `~ REGEX`    exactly one line matching REGEX (full match)
    `~* REGEX`   any number of lines (zero too) matching REGEX
    `~+ REGEX`   one or more lines matching REGEX

so the lines a real-clock rollout prints while it waits can be checked for their wording without
fixing how many there are.  Matching is greedy with backtracking; sections are short.
Pure: text in, verdicts out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_RULES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"\b(my-app)-[0-9a-f]{6,10}-[a-z0-9]{5}\b"), r"\1-<hash>-<pod>"),
    (re.compile(r"\b(my-app)-[0-9a-f]{6,10}\b"), r"\1-<hash>"),
    (re.compile(r"\b(my-daemon)-[a-z0-9]{5}\b"), r"\1-<pod>"),
    (re.compile(r"\b(my-sts)-[0-9a-f]{6,10}\b"), r"\1-<hash>"),
    (re.compile(r"\b127\.0\.0\.1:\d+\b"), "127.0.0.1:<port>"),
    (re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b(?!:<port>)"), "<ip>"),
)
_AGE = re.compile(r"(?<=\s)(?:\d+d)?(?:\d+h)?(?:\d+m)?\d+s(?=\s|$)|(?<=\s)\d+[mhd](?=\s|$)")


def normalise(text: str) -> list[str]:
    """The output's lines with volatile values replaced and trailing spaces dropped."""
    lines = []
    for line in text.splitlines():
        for pattern, replacement in _RULES:
            line = pattern.sub(replacement, line)
        line = _AGE.sub("<age>", line)
        lines.append(line.rstrip())
    return lines


def parse_golden(text: str) -> dict[str, list[str]]:
    """`=== key` sections → their expected lines (trailing blank lines of a section dropped)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("=== "):
            current = sections.setdefault(line[4:].strip(), [])
            continue
        if current is not None:
            current.append(line.rstrip())
    for lines in sections.values():
        while lines and not lines[-1]:
            lines.pop()
    return sections


def _one(expected: str, actual: str) -> bool:
    if expected.startswith("~ "):
        return re.fullmatch(expected[2:], actual) is not None
    return expected == actual


def matches(expected: Sequence[str], actual: Sequence[str]) -> bool:
    """Whether `actual` lines fit the golden `expected` lines (see the module docstring)."""

    def walk(e: int, a: int) -> bool:
        if e == len(expected):
            return a == len(actual)
        line = expected[e]
        if line.startswith(("~* ", "~+ ")):
            pattern = re.compile(line[3:])
            least = 1 if line.startswith("~+ ") else 0
            taken = 0
            while a + taken < len(actual) and pattern.fullmatch(actual[a + taken]):
                taken += 1
            # longest first, then give lines back to what follows
            return any(walk(e + 1, a + count) for count in range(taken, least - 1, -1))
        return a < len(actual) and _one(line, actual[a]) and walk(e + 1, a + 1)

    return walk(0, 0)


def explain(expected: Sequence[str], actual: Sequence[str]) -> list[str]:
    """A short account of a mismatch: the expected lines, then what came."""
    out = ["expected:"]
    out += [f"  | {line}" for line in expected] or ["  | (nothing)"]
    out.append("got:")
    out += [f"  | {line}" for line in actual] or ["  | (nothing)"]
    return out
