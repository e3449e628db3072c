"""How the deliver step talks to a person or a CI log: which display, timestamped lines, annotations.

* On a terminal (stdout is a TTY and `CI` is not set to a true value) a progress display redrawn
  in place; in CI (`CI=true`, or stdout not a TTY) plain lines, each prefixed with a UTC
  timestamp so a log shows how long each step took.
* Failures also become annotations the CI system shows on the run's summary page when its
  environment says it is there: GitHub Actions (`GITHUB_ACTIONS=true`) gets a workflow command
  `::error title=…::message` (message newlines as `%0A`, as the runner expects); GitLab CI
  (`GITLAB_CI=true`) gets a red `ERROR:` line (its log renders ANSI colours) inside a collapsible
  section holding the details.

Pure: the environment and text in, lines out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

LIVE = "live"
PLAIN = "plain"
GITHUB = "github"
GITLAB = "gitlab"
TRUE_VALUES = ("1", "true", "yes")
ANNOTATION_TITLE = "kubeferry deliver"
GITLAB_SECTION = "kubeferry_deliver_failure"
RED_BOLD = "\x1b[31;1m"
RESET = "\x1b[0m"
ERASE_LINE = "\x1b[0K"


def in_ci(env: Mapping[str, str]) -> bool:
    return (env.get("CI") or "").strip().lower() in TRUE_VALUES


def display_mode(env: Mapping[str, str], isatty: bool) -> str:
    return LIVE if isatty and not in_ci(env) else PLAIN


def annotation_system(env: Mapping[str, str]) -> str | None:
    if (env.get("GITHUB_ACTIONS") or "").lower() == "true":
        return GITHUB
    if (env.get("GITLAB_CI") or "").lower() == "true":
        return GITLAB
    return None


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_error(title: str, lines: Sequence[str]) -> str:
    """`::error title=kubeferry deliver%3A deployment/web::line one%0Aline two`."""
    return f"::error title={_escape_property(title)}::{_escape_data(chr(10).join(lines))}"


def gitlab_error(title: str, lines: Sequence[str], now: int) -> list[str]:
    """A red headline, then the details in a collapsible section (`section_start:<unix>:<name>`)."""
    out = [f"{RED_BOLD}ERROR: {title}: {lines[0] if lines else ''}{RESET}"]
    if len(lines) > 1:
        out.append(f"section_start:{now}:{GITLAB_SECTION}[collapsed=false]\r{ERASE_LINE}Failure details")
        out.extend(lines[1:])
        out.append(f"section_end:{now}:{GITLAB_SECTION}\r{ERASE_LINE}")
    return out


def annotation(system: str | None, workload: str, lines: Sequence[str], now: int) -> list[str]:
    """The lines that annotate a failure for `system` (none without one)."""
    title = f"{ANNOTATION_TITLE}: {workload}"
    if system == GITHUB:
        return [github_error(title, lines)]
    if system == GITLAB:
        return gitlab_error(title, lines, now)
    return []


def plain_line(stamp: str, text: str) -> str:
    """`2026-01-01T12:00:00.123Z rollout: 2 of 3 updated replicas are available`."""
    return f"{stamp} {text}"
