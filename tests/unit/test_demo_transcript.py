"""The demo's golden-transcript checks: normalising volatile values and matching with patterns."""

from __future__ import annotations

import pytest

from kubeferry.cluster.demo import transcript


@pytest.mark.parametrize(
    "line, normalised",
    [
        ("my-app-5d9c7b5f6-x2x9q-v-3.5 is running...", "my-app-<hash>-<pod>-v-3.5 is running..."),
        ("replicaset.apps/my-app-7f8b9c6d5d scaled", "replicaset.apps/my-app-<hash> scaled"),
        ("my-daemon-7xkq2   alpine:3.6", "my-daemon-<pod>   alpine:3.6"),
        ("complete 3 pods at revision my-sts-6c4d9f8b7...", "complete 3 pods at revision my-sts-<hash>..."),
        ("Starting to serve on 127.0.0.1:38211", "Starting to serve on 127.0.0.1:<port>"),
        ("clusterIP 10.96.0.12 and pod 10.244.1.7", "clusterIP <ip> and pod <ip>"),
        ("my-app   5/5   5   5   3m12s", "my-app   5/5   5   5   <age>"),
        ("trailing   ", "trailing"),
    ],
    ids=["pod", "replicaset", "daemon-pod", "sts-revision", "port", "ips", "age", "trailing-space"],
)
def test_normalise(line, normalised):
    assert transcript.normalise(line) == [normalised]


GOLDEN = """\
=== status
~+ Waiting for deployment "my-app" rollout to finish: .*
deployment "my-app" successfully rolled out

=== optional
~* noise \\d+
end
"""


def test_parse_golden():
    sections = transcript.parse_golden(GOLDEN)
    assert list(sections) == ["status", "optional"]
    assert sections["optional"] == ["~* noise \\d+", "end"]


@pytest.mark.parametrize(
    "key, lines, ok",
    [
        (
            "status",
            [
                'Waiting for deployment "my-app" rollout to finish: 1 of 5 updated replicas are available...',
                'deployment "my-app" successfully rolled out',
            ],
            True,
        ),
        (
            "status",
            [
                'Waiting for deployment "my-app" rollout to finish: 1',
                'Waiting for deployment "my-app" rollout to finish: 2',
                'deployment "my-app" successfully rolled out',
            ],
            True,
        ),
        ("status", ['deployment "my-app" successfully rolled out'], False),
        (
            "status",
            [
                'Waiting for deployment "my-app" rollout to finish: 1',
                'deployment "my-app" successfully rolled out',
                "extra",
            ],
            False,
        ),
        ("optional", ["end"], True),
        ("optional", ["noise 1", "noise 22", "end"], True),
        ("optional", ["noise x", "end"], False),
    ],
    ids=["one-wait", "two-waits", "no-wait", "extra-line", "zero-repeats", "repeats", "pattern-mismatch"],
)
def test_matches(key, lines, ok):
    assert transcript.matches(transcript.parse_golden(GOLDEN)[key], lines) is ok
