"""What a simulated container answers over HTTP on its container ports (through the pod/service proxy).

DESIGN.md: the body is the pod's `sim.kubeferry.io/http-response` template (annotation, else image
rule, else `{pod} {image} is running...`) with these filled in:

    {pod}  the pod's name            {image} the container's image     {tag} the image tag (`latest`)
    {node} the node it runs on       {env:NAME} the container's env    {file:/path} a mounted file

Worked example: pod `my-app-5d9c7b5f6-x2x9q` running `alpine:3.6`, template `{pod}-v-{tag} is
running...` → `my-app-5d9c7b5f6-x2x9q-v-3.6 is running...` followed by a newline.

`sim.kubeferry.io/http-status` sets the status code (default 200; an invalid value gives 200).

Which container answers: the one declaring `port` among its `containerPort`s; a pod whose containers
declare no ports answers on any port with its first container.  A container that is not running
refuses the connection, as would a real one — the proxy turns that into upstream's 503.  HEAD gets the
headers without a body.  Pure: everything arrives as arguments.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubeferry.simulation import behaviour as _behaviour
from kubeferry.simulation import mounts

HTTP_STATUS = "http-status"
TEXT = "text/plain; charset=utf-8"
_PLACEHOLDER = re.compile(r"\{(pod|image|tag|node|env:[^{}]*|file:[^{}]*)\}")


@dataclass(frozen=True)
class Answer:
    """A container's HTTP answer, or `refused` (no process listening) with the reason."""

    status: int = 200
    body: bytes = b""
    content_type: str = TEXT
    refused: str = ""


def image_tag(image: str) -> str:
    """`alpine:3.6` → `3.6`; `repo:5000/app` → `latest`; `app@sha256:ab…` → `sha256:ab…`."""
    if "@" in image:
        return image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "latest"


def container_for_port(pod: Mapping[str, Any], port: int) -> Mapping[str, Any] | None:
    containers = (pod.get("spec") or {}).get("containers") or []
    for container in containers:
        for declared in container.get("ports") or ():
            if declared.get("containerPort") == port and (declared.get("protocol") or "TCP") == "TCP":
                return container
    if containers and not any(c.get("ports") for c in containers):
        return containers[0]
    return None


def _status_code(pod: Mapping[str, Any]) -> int:
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(_behaviour.ANNOTATION_PREFIX + HTTP_STATUS, "")
    try:
        code = int(str(value).strip())
    except ValueError:
        return 200
    return code if 100 <= code <= 599 else 200


def render(
    template: str, pod: Mapping[str, Any], container: Mapping[str, Any], env: Mapping[str, str], read: Any
) -> str:
    """Fill the placeholders; `read(path)` gives a mounted file's text or None (rendered empty)."""
    meta = pod.get("metadata") or {}
    image = container.get("image", "")
    plain = {
        "pod": meta.get("name", ""),
        "image": image,
        "tag": image_tag(image),
        "node": (pod.get("spec") or {}).get("nodeName", ""),
    }

    def fill(match: re.Match) -> str:
        key = match.group(1)
        if key in plain:
            return plain[key]
        if key.startswith("env:"):
            return env.get(key[4:], "")
        return read(key[5:]) or ""

    return _PLACEHOLDER.sub(fill, template)


def respond(
    pod: Mapping[str, Any],
    port: int,
    method: str,
    now: _dt.datetime,
    *,
    rules: list[dict],
    history: mounts.ContentHistory,
    sync_seconds: float = mounts.DEFAULT_SYNC_SECONDS,
) -> Answer:
    """The answer of `pod`'s container listening on `port`, at cluster time `now`."""
    ip = (pod.get("status") or {}).get("podIP", "")
    container = container_for_port(pod, port)
    started = mounts.container_started(pod, container.get("name", "")) if container else None
    if container is None or started is None:
        return Answer(refused=f"dial tcp {ip}:{port}: connect: connection refused")
    at_start = history.lookup_at(started)
    env = mounts.container_env(pod, container, at_start)
    files_now = history.lookup_at(mounts.files_view_time(started, now, sync_seconds))

    def read(path: str) -> str | None:
        return mounts.read_file(pod, container, path, files_now, at_start)

    template = _behaviour.resolve(pod, rules).http_response
    text = render(template, pod, container, env, read)
    if not text.endswith("\n"):
        text += "\n"
    body = b"" if method == "HEAD" else text.encode()
    return Answer(status=_status_code(pod), body=body)
