"""HTTP checks after a rollout: the `--check` syntax, the proxy URL, and when a check passes or fails.

A check sends `GET` requests through the API server's Service proxy,
`/api/v1/namespaces/{ns}/services/{service}:{port}/proxy{path}`, which spreads them over the
Service's ready endpoints, so a run of successes covers the new pods.  Nothing is installed in
the cluster and no port is opened: the kubeconfig's credentials are enough.

`--check` takes comma-separated `key=value` pairs (or just a path):

    --check /                                   # GET /, expect 200, 3 successes in a row
    --check 'path=/healthz,status=204'
    --check 'service=web,port=http,path=/version,body=1.2.3,successes=5,failures=2,interval=500ms'

keys: `path` (default `/`), `status` (expected code, default 200), `body` (text the response body
must contain; it may hold commas, as a comma starts a new pair only before a known `key=`), `service` (default: the one
Service whose selector matches the workload's pods), `port` (name or number; default the
Service's first port), `successes` (consecutive passes needed, default 3), `failures`
(consecutive misses that fail the check, default 3), `interval` (between requests, default 1s).
A check passes after `successes` passing responses in a row and fails after `failures` failing
ones in a row; a miss between passes starts the count again.

Worked example: successes=3, failures=3, responses pass, pass, miss, pass, pass, pass → passed on
the sixth response (the miss reset the run of passes to 0, and only one miss came in a row).

Pure: text in, specs and verdicts out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from kubeferry.machinery import durations

DEFAULT_PATH = "/"
DEFAULT_STATUS = 200
DEFAULT_SUCCESSES = 3
DEFAULT_FAILURES = 3
DEFAULT_INTERVAL = 1.0  # seconds between requests
KEYS = ("path", "status", "body", "service", "port", "successes", "failures", "interval")
BODY_EXCERPT = 200  # characters of a response body kept in reports

# a comma starts a new pair only when a known key and `=` follow it, so a body may hold commas
_PAIR_SPLIT = re.compile(r",(?=\s*(?:" + "|".join(KEYS) + r")=)")

PASSED = "passed"
FAILED = "failed"


def parse_duration(text: str, flag: str) -> float:
    """A duration flag's seconds (machinery.durations); ValueError worded as kubectl words a bad one."""
    try:
        return durations.parse(text)
    except ValueError:
        raise ValueError(durations.flag_error(text, flag))


@dataclass(frozen=True)
class CheckSpec:
    path: str = DEFAULT_PATH
    status: int = DEFAULT_STATUS
    body: str = ""
    service: str = ""
    port: str = ""
    successes: int = DEFAULT_SUCCESSES
    failures: int = DEFAULT_FAILURES
    interval: float = DEFAULT_INTERVAL

    def describe(self) -> str:
        """`GET / → 200 containing "v2", 3 in a row`."""
        text = f"GET {self.path} → {self.status}"
        if self.body:
            text += f' containing "{self.body}"'
        return f"{text}, {self.successes} in a row"

    def as_dict(self) -> dict:
        return {
            "service": self.service,
            "port": self.port,
            "path": self.path,
            "status": self.status,
            "body": self.body,
            "successes": self.successes,
            "failures": self.failures,
            "intervalSeconds": self.interval,
        }


def _positive(key: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f'invalid --check: {key} must be a positive integer, got "{value}"')
    return int(value)


def parse_check(text: str) -> CheckSpec:
    """One `--check` value → CheckSpec; ValueError with a one-line reason otherwise."""
    if not text.strip():
        raise ValueError("invalid --check: empty value")
    if "=" not in text.split(",", 1)[0]:
        text = text.strip()
        if "," in text or not text.startswith("/"):
            raise ValueError(
                f'invalid --check "{text}": give a path starting with "/" or key=value pairs ({", ".join(KEYS)})'
            )
        return CheckSpec(path=text)
    values: dict[str, Any] = {}
    for part in _PAIR_SPLIT.split(text):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep:
            raise ValueError(f'invalid --check "{text}": "{key}" is not key=value')
        if key not in KEYS:
            raise ValueError(f'invalid --check "{text}": unknown key "{key}" (known: {", ".join(KEYS)})')
        if key in values:
            raise ValueError(f'invalid --check "{text}": "{key}" given twice')
        if key != "body" and "=" in value.partition(",")[2]:  # `path=/,colour=red`: an unknown key after a comma
            unknown = value.partition(",")[2].partition("=")[0].strip()
            raise ValueError(f'invalid --check "{text}": unknown key "{unknown}" (known: {", ".join(KEYS)})')
        values[key] = value if key == "body" else value.strip()
    path = values.get("path", DEFAULT_PATH) or DEFAULT_PATH
    if not path.startswith("/"):
        raise ValueError(f'invalid --check "{text}": path must start with "/"')
    status = values.get("status", str(DEFAULT_STATUS))
    if not (status.isdigit() and 100 <= int(status) <= 599):
        raise ValueError(f'invalid --check "{text}": status must be an HTTP status code, got "{status}"')
    interval = DEFAULT_INTERVAL
    if "interval" in values:
        interval = parse_duration(values["interval"], "--check interval")
    return CheckSpec(
        path=path,
        status=int(status),
        body=values.get("body", ""),
        service=values.get("service", ""),
        port=values.get("port", ""),
        successes=_positive("successes", values["successes"]) if "successes" in values else DEFAULT_SUCCESSES,
        failures=_positive("failures", values["failures"]) if "failures" in values else DEFAULT_FAILURES,
        interval=interval,
    )


def proxy_path(namespace: str, service: str, port: str, path: str) -> str:
    """`/api/v1/namespaces/shop/services/web:80/proxy/healthz?full=1` (the query kept as given)."""
    where = f"{quote(service, safe='')}:{quote(str(port), safe='')}" if port else quote(service, safe="")
    return f"/api/v1/namespaces/{quote(namespace, safe='')}/services/{where}/proxy{path}"


def _selects(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def services_for(services: Sequence[Mapping[str, Any]], pod_labels: Mapping[str, str]) -> list[str]:
    """Names of the Services whose selector matches the workload's pod labels, sorted."""
    return sorted(
        str((s.get("metadata") or {}).get("name", ""))
        for s in services
        if _selects((s.get("spec") or {}).get("selector") or {}, pod_labels)
    )


def default_port(service: Mapping[str, Any]) -> str:
    """The Service's first port, by name when it has one (as the proxy accepts either)."""
    ports = (service.get("spec") or {}).get("ports") or []
    if not ports:
        return ""
    first = ports[0]
    return str(first.get("name") or first.get("port") or "")


def judge(spec: CheckSpec, status: int, body: str) -> str:
    """ "" when a response passes, else why not: `status 503, want 200` / `body does not contain "v2"`."""
    if status != spec.status:
        return f"status {status}, want {spec.status}"
    if spec.body and spec.body not in body:
        return f'body does not contain "{spec.body}"'
    return ""


@dataclass
class CheckRun:
    """The running count of one check; `record` returns PASSED, FAILED or "" (keep going)."""

    spec: CheckSpec
    attempts: int = 0
    passes_in_row: int = 0
    misses_in_row: int = 0
    last_status: int = 0
    last_body: str = ""
    last_problem: str = ""
    verdict: str = ""
    responses: list[dict] = field(default_factory=list)

    def record(self, status: int, body: str) -> str:
        self.attempts += 1
        self.last_status, self.last_body = status, body[:BODY_EXCERPT]
        problem = judge(self.spec, status, body)
        self.responses.append({"status": status, "body": body[:BODY_EXCERPT], "problem": problem})
        if problem:
            self.last_problem = problem
            self.misses_in_row += 1
            self.passes_in_row = 0
            if self.misses_in_row >= self.spec.failures:
                self.verdict = FAILED
        else:
            self.passes_in_row += 1
            self.misses_in_row = 0
            if self.passes_in_row >= self.spec.successes:
                self.verdict = PASSED
        return self.verdict

    def failure_message(self) -> str:
        return f"check {self.spec.describe()} failed after {self.attempts} requests: {self.last_problem}" + (
            f' (last body: "{self.last_body.strip()}")' if self.last_body.strip() else ""
        )

    def as_dict(self) -> dict:
        return {
            **self.spec.as_dict(),
            "result": self.verdict or "unfinished",
            "attempts": self.attempts,
            "lastStatus": self.last_status,
            "lastBody": self.last_body,
            "problem": self.last_problem if self.verdict != PASSED else "",
        }
