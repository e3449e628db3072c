"""The change-cause a delivery records, built from the CI system's environment.

`kubeferry deliver` writes `kubernetes.io/change-cause` on the workload so that `rollout history`
says which commit, build and person a revision came from.  `--cause` sets it verbatim; otherwise
`default_cause(env, change)` builds it from whichever CI system the environment names:

* GitHub Actions (`GITHUB_ACTIONS=true`): `GITHUB_SHA`, `GITHUB_ACTOR`, and the run URL
  `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID` (plus
  `/attempts/$GITHUB_RUN_ATTEMPT` past the first attempt).
* GitLab CI (`GITLAB_CI=true`): `CI_COMMIT_SHA`, `GITLAB_USER_LOGIN`, `CI_JOB_URL`.
* Anything else (Jenkins and friends, or a laptop): `GIT_COMMIT` or `CI_COMMIT_SHA`, `BUILD_URL`
  or `CI_BUILD_URL`, `BUILD_USER` or `USER`.

Example: `kubeferry deliver app=repo/app:1.2.3 (commit 0123456789ab by octocat, https://github.com/o/r/actions/runs/42)`.
Pure: a mapping in, a string out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SHORT_SHA = 12  # characters of a commit SHA shown in the cause
GITHUB = "github"
GITLAB = "gitlab"
GENERIC = "generic"


@dataclass(frozen=True)
class BuildInfo:
    system: str  # github | gitlab | generic
    commit: str = ""
    url: str = ""
    actor: str = ""


def _first(env: Mapping[str, str], *names: str) -> str:
    for name in names:
        value = (env.get(name) or "").strip()
        if value:
            return value
    return ""


def ci_system(env: Mapping[str, str]) -> str:
    if (env.get("GITHUB_ACTIONS") or "").lower() == "true":
        return GITHUB
    if (env.get("GITLAB_CI") or "").lower() == "true":
        return GITLAB
    return GENERIC


def build_info(env: Mapping[str, str]) -> BuildInfo:
    system = ci_system(env)
    if system == GITHUB:
        url = ""
        server, repo, run = (
            _first(env, "GITHUB_SERVER_URL") or "https://github.com",
            _first(env, "GITHUB_REPOSITORY"),
            _first(env, "GITHUB_RUN_ID"),
        )
        if repo and run:
            url = f"{server.rstrip('/')}/{repo}/actions/runs/{run}"
            attempt = _first(env, "GITHUB_RUN_ATTEMPT")
            if attempt and attempt != "1":
                url += f"/attempts/{attempt}"
        return BuildInfo(GITHUB, _first(env, "GITHUB_SHA"), url, _first(env, "GITHUB_ACTOR"))
    if system == GITLAB:
        return BuildInfo(
            GITLAB,
            _first(env, "CI_COMMIT_SHA"),
            _first(env, "CI_JOB_URL", "CI_PIPELINE_URL"),
            _first(env, "GITLAB_USER_LOGIN", "GITLAB_USER_NAME"),
        )
    return BuildInfo(
        GENERIC,
        _first(env, "GIT_COMMIT", "CI_COMMIT_SHA", "COMMIT_SHA"),
        _first(env, "BUILD_URL", "CI_BUILD_URL", "CI_JOB_URL"),
        _first(env, "BUILD_USER", "USER", "USERNAME"),
    )


def default_cause(env: Mapping[str, str], change: str) -> str:
    """`kubeferry deliver <change> (commit <sha> by <actor>, <url>)`; parts that are unknown are left out.

    `change` says what was delivered: `app=repo/app:1.2.3` for `--image`, `-f manifests/` for files.
    """
    info = build_info(env)
    parts = []
    who = ""
    if info.commit:
        who = f"commit {info.commit[:SHORT_SHA]}"
    if info.actor:
        who = f"{who} by {info.actor}" if who else f"by {info.actor}"
    if who:
        parts.append(who)
    if info.url:
        parts.append(info.url)
    head = f"kubeferry deliver {change}".rstrip()
    return f"{head} ({', '.join(parts)})" if parts else head


def holder_identity(env: Mapping[str, str], host: str, pid: int) -> str:
    """Who holds a delivery lock: the CI run when there is one, else `user@host/pid`.

    Example: GitHub → `octocat via https://github.com/o/r/actions/runs/42`; a laptop → `ana@box/4242`.
    """
    info = build_info(env)
    if info.system != GENERIC and info.url:
        return f"{info.actor or 'ci'} via {info.url}"
    return f"{info.actor or 'unknown'}@{host}/{pid}"
