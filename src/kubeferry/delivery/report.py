"""What a delivery did: its phases, its outcome and exit code, and the JSON and JUnit reports.

The deliver step runs phases in order — `lock`, `apply`, `rollout`, one `check` per `--check`,
then on failure `rollback` and `rollback-rollout` — and records each one's start, duration, status
(`passed`, `failed`, `skipped`) and message here.  `outcome()` maps what happened to the result
and the exit code CI scripts branch on:

| code | result                 | meaning                                                           |
|------|------------------------|-------------------------------------------------------------------|
| 0    | `delivered`            | rolled out and every check passed                                 |
| 1    | `rolled-back`          | failed (diagnosis, progress deadline, check), rolled back          |
| 2    | `timed-out`            | `--timeout` passed, rolled back                                   |
| 3    | `not-started`          | usage, connection, permission or lock problem; nothing changed    |
| 4    | `rollback-failed`      | the rollback failed or did not finish; the workload is left as is |
| 4    | `no-previous-revision` | nothing to roll back to; the workload is left as is               |

`to_json()` is the `--report` document and `to_junit()` the `--junit` one (one testsuite, one
testcase per phase, failures carrying the diagnosis).  Pure: values in, text out.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

EXIT_DELIVERED = 0
EXIT_ROLLED_BACK = 1
EXIT_TIMED_OUT = 2
EXIT_NOT_STARTED = 3
EXIT_LEFT_AS_IS = 4

DELIVERED = "delivered"
ROLLED_BACK = "rolled-back"
TIMED_OUT = "timed-out"
NOT_STARTED = "not-started"
ROLLBACK_FAILED = "rollback-failed"
NO_PREVIOUS_REVISION = "no-previous-revision"

# Why the delivery failed (None: it did not).
FAILURE_BEFORE_CHANGE = "before-change"  # usage, connection, permission, lock: nothing was changed
FAILURE_ROLLOUT = "failed"  # diagnosis, progress deadline, failed check, error after the change
FAILURE_TIMEOUT = "timeout"

# The rollback's result.
ROLLBACK_SUCCEEDED = "succeeded"
ROLLBACK_ERROR = "failed"
ROLLBACK_NONE = "no-previous-revision"

PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"

REPORT_API_VERSION = "deliver.kubeferry.io/v1"
REPORT_KIND = "DeliveryReport"


def outcome(failure: str | None, rollback: str | None) -> tuple[str, int]:
    """(result, exit code) for how the delivery failed (None: it did not) and how the rollback went."""
    if failure is None:
        return DELIVERED, EXIT_DELIVERED
    if failure == FAILURE_BEFORE_CHANGE and rollback is None:
        return NOT_STARTED, EXIT_NOT_STARTED
    if rollback == ROLLBACK_SUCCEEDED:
        return (TIMED_OUT, EXIT_TIMED_OUT) if failure == FAILURE_TIMEOUT else (ROLLED_BACK, EXIT_ROLLED_BACK)
    if rollback == ROLLBACK_NONE:
        return NO_PREVIOUS_REVISION, EXIT_LEFT_AS_IS
    return ROLLBACK_FAILED, EXIT_LEFT_AS_IS


def stamp(moment: float) -> str:
    """Seconds since the epoch → `2026-01-01T12:00:00.123Z`."""
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Phase:
    name: str
    started: float  # seconds since the epoch
    seconds: float = 0.0
    status: str = PASSED
    message: str = ""
    details: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "started": stamp(self.started),
            "seconds": round(self.seconds, 3),
            "message": self.message,
            **({"details": list(self.details)} if self.details else {}),
        }


@dataclass
class Report:
    kind: str
    name: str
    namespace: str
    started: float
    cause: str = ""
    dry_run: bool = False
    phases: list[Phase] = field(default_factory=list)
    revision_before: int = 0
    revision_after: int = 0
    revision_final: int = 0
    images_before: dict[str, str] = field(default_factory=dict)
    images_after: dict[str, str] = field(default_factory=dict)
    diagnosis: dict | None = None
    checks: list[dict] = field(default_factory=list)
    rollback: dict = field(default_factory=lambda: {"attempted": False, "result": "", "toRevision": 0, "message": ""})
    lock: dict = field(default_factory=dict)
    result: str = ""
    exit_code: int = 0
    message: str = ""
    seconds: float = 0.0

    @property
    def workload(self) -> str:
        return f"{self.kind.lower()}/{self.name}"

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)

    def finish(self, failure: str | None, rollback: str | None, message: str, ended: float) -> None:
        self.result, self.exit_code = outcome(failure, rollback)
        self.message = message
        self.seconds = max(0.0, ended - self.started)

    def as_dict(self) -> dict:
        return {
            "apiVersion": REPORT_API_VERSION,
            "kind": REPORT_KIND,
            "workload": {"kind": self.kind, "name": self.name, "namespace": self.namespace},
            "result": self.result,
            "exitCode": self.exit_code,
            "message": self.message,
            "dryRun": self.dry_run,
            "cause": self.cause,
            "started": stamp(self.started),
            "seconds": round(self.seconds, 3),
            "revision": {"before": self.revision_before, "after": self.revision_after, "final": self.revision_final},
            "images": {"before": dict(self.images_before), "after": dict(self.images_after)},
            "phases": [p.as_dict() for p in self.phases],
            "diagnosis": self.diagnosis,
            "checks": list(self.checks),
            "rollback": dict(self.rollback),
            "lock": dict(self.lock),
        }


def to_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def to_junit(report: Report) -> str:
    """JUnit XML: `<testsuites><testsuite name="deliver deployment/web">`, one `<testcase>` per phase.

    A failed phase carries `<failure message="…">` with its details (the diagnosis lines); a
    skipped one `<skipped message="…"/>`; the suite's properties hold the result, the exit code,
    the revisions and the rollback's result.
    """
    failures = sum(1 for p in report.phases if p.status == FAILED)
    skipped = sum(1 for p in report.phases if p.status == SKIPPED)
    root = ET.Element(
        "testsuites",
        name="kubeferry deliver",
        tests=str(len(report.phases)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
        time=_seconds(report.seconds),
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name=f"deliver {report.workload}",
        tests=str(len(report.phases)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
        time=_seconds(report.seconds),
        timestamp=stamp(report.started)[:-1],
    )
    properties = ET.SubElement(suite, "properties")
    for key, value in (
        ("namespace", report.namespace),
        ("result", report.result),
        ("exitCode", str(report.exit_code)),
        ("message", report.message),
        ("cause", report.cause),
        ("revision.before", str(report.revision_before)),
        ("revision.after", str(report.revision_after)),
        ("revision.final", str(report.revision_final)),
        ("rollback", report.rollback.get("result") or "not-needed"),
    ):
        ET.SubElement(properties, "property", name=key, value=value)
    classname = f"kubeferry.deliver.{report.namespace}.{report.kind.lower()}.{report.name}"
    for phase in report.phases:
        case = ET.SubElement(suite, "testcase", classname=classname, name=phase.name, time=_seconds(phase.seconds))
        if phase.status == FAILED:
            failure = ET.SubElement(case, "failure", message=phase.message, type=phase.name)
            failure.text = "\n".join([phase.message, *phase.details])
        elif phase.status == SKIPPED:
            ET.SubElement(case, "skipped", message=phase.message)
        elif phase.message:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join([phase.message, *phase.details])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def summary(report: Report) -> list[str]:
    """The closing lines: result and revisions, the rollback's result when one ran."""
    lines = [f"{report.workload}: {report.result} (exit {report.exit_code}): {report.message}"]
    if report.revision_before or report.revision_after:
        lines.append(
            f"revision before {report.revision_before}, after {report.revision_after}, now {report.revision_final}"
        )
    if report.rollback.get("attempted") or report.rollback.get("result"):
        lines.append(f"rollback: {report.rollback.get('result')}: {report.rollback.get('message', '')}".rstrip(": "))
    return lines
