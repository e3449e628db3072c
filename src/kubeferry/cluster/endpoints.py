"""The `/kubeferry/v1/*` control endpoints: read, advance and settle the cluster clock.

    GET  /kubeferry/v1/clock            -> {"now": "...Z", "mode": "real"|"virtual"}
    POST /kubeferry/v1/clock/advance    {"seconds": 30}         (virtual only; real -> 409)
    POST /kubeferry/v1/settle           {} or {"timeoutSeconds": 5}   (504 when it times out)

They need the same credentials as the rest of the API (the app authenticates before routing).
Bodies arrive as `kubectl create --raw ... -f body.json` sends them: chunked, no Content-Type.
"""

from __future__ import annotations

import orjson

from kubeferry.apiserver.app import Request, send_bytes
from kubeferry.machinery import clock as clocks
from kubeferry.machinery import status as st


def routes(control) -> dict:
    def clock_body() -> bytes:
        return orjson.dumps({"now": clocks.rfc3339_micro(control.clock.now()), "mode": control.clock.mode})

    async def clock(request: Request, send) -> None:
        if request.method != "GET":
            raise st.method_not_allowed()
        await send_bytes(send, 200, clock_body())

    async def advance(request: Request, send) -> None:
        if request.method != "POST":
            raise st.method_not_allowed()
        body = await request.decoded()
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
            raise st.bad_request(
                'the body must be {"seconds": <number greater than 0>}',
                [{"reason": "FieldValueInvalid", "message": "must be a number greater than 0", "field": "seconds"}],
            )
        if seconds > 10 * 365 * 24 * 3600:
            raise st.bad_request("seconds: may not be more than ten years")
        control.advance(float(seconds))
        await send_bytes(send, 200, clock_body())

    async def settle(request: Request, send) -> None:
        if request.method != "POST":
            raise st.method_not_allowed()
        raw = await request.body()
        body = await request.decoded() if raw.strip() else {}
        if not isinstance(body, dict):
            raise st.bad_request('the body must be {} or {"timeoutSeconds": <number>}')
        timeout = body.get("timeoutSeconds")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0):
            raise st.bad_request("timeoutSeconds: must be a number greater than or equal to 0")
        if not await control.settle(timeout):
            raise st.timeout(f"the cluster did not settle within {timeout}s")
        await send_bytes(send, 200, clock_body())

    return {"/kubeferry/v1/clock": clock, "/kubeferry/v1/clock/advance": advance, "/kubeferry/v1/settle": settle}


# What the kubelet says of a container waiting for its image, in place of the waiting reason.
_WAITING_WORDS = {"ErrImagePull": "image can't be pulled", "ImagePullBackOff": "trying and failing to pull image"}


def _status_of(pod: dict, container: str) -> dict:
    """The status of the named container or init container ({} when it has none)."""
    status = pod.get("status") or {}
    for found in (*(status.get("containerStatuses") or ()), *(status.get("initContainerStatuses") or ())):
        if found.get("name") == container:
            return found
    return {}


def log_route(control):
    """`GET pods/<name>/log`: the simulated containers' output, as the kubelet would serve it.

    Query: container, previous, tailLines, sinceSeconds, timestamps, limitBytes, follow.
    Errors worded as kubelet/apiserver word them (waiting container, unknown container, several
    containers and none named, no previous instance).
    """
    import asyncio

    from kubeferry.simulation import kubelet

    def lines_for(pod: dict, container: str, previous: bool) -> tuple[str, list[tuple[str, str]]]:
        """(the start time of the container instance served, its lines)."""
        found = kubelet.container_log_lines(pod, control.clock.now()).get(container, [])
        entries = [tuple(line.split(" ", 1)) if " " in line else (line, "") for line in found]
        status = _status_of(pod, container)
        current = status.get("state") or {}
        if previous or not (current.get("running") or current.get("terminated")):
            # The previous instance, which is also what a container waiting to restart serves (the
            # kubelet reads the last terminated container's log: `kubectl logs` of a CrashLoopBackOff
            # pod shows the crash).
            last = (status.get("lastState") or {}).get("terminated") or {}
            begin, end = last.get("startedAt") or "", last.get("finishedAt") or ""
            return begin, [e for e in entries if begin and begin <= e[0] <= end]
        started = (current.get("running") or current.get("terminated") or {}).get("startedAt") or ""
        return started, [e for e in entries if started and e[0] >= started]

    def check(pod: dict, request: Request) -> tuple[str, bool]:
        name = pod["metadata"]["name"]
        spec = pod.get("spec") or {}
        names = [c["name"] for c in spec.get("containers", [])]
        all_names = names + [c["name"] for c in spec.get("initContainers", [])]
        container = request.param("container")
        if not container:
            if len(names) != 1:
                raise st.bad_request(
                    f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]"
                )
            container = names[0]
        if container not in all_names:
            raise st.bad_request(f"container {container} is not valid for pod {name}")
        previous = request.flag("previous")
        status = _status_of(pod, container)
        if previous and not (status.get("lastState") or {}).get("terminated"):
            raise st.bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
        waiting = (status.get("state") or {}).get("waiting")
        if not previous and (not status or waiting) and not (status.get("lastState") or {}).get("terminated"):
            reason = (waiting or {}).get("reason", "ContainerCreating")
            # The kubelet words the two image-pull failures its own way.
            reason = _WAITING_WORDS.get(reason, reason)
            raise st.bad_request(f'container "{container}" in pod "{name}" is waiting to start: {reason}')
        return container, previous

    def render(entries: list[tuple[str, str]], request: Request) -> bytes:
        since = request.param("sinceSeconds")
        if since:
            try:
                cutoff = control.clock.now().timestamp() - float(since)
            except ValueError:
                raise st.bad_request(f"sinceSeconds: invalid value {since!r}")
            entries = [e for e in entries if clocks.parse_time(e[0]).timestamp() >= cutoff]
        tail = request.param("tailLines")
        if tail:
            try:
                count = int(tail)
            except ValueError:
                raise st.bad_request(f"tailLines: invalid value {tail!r}")
            entries = entries[-count:] if count > 0 else []
        stamped = request.flag("timestamps")
        text = "".join((f"{ts} {msg}\n" if stamped else f"{msg}\n") for ts, msg in entries)
        limit = request.param("limitBytes")
        data = text.encode()
        if limit.isdigit():
            data = data[: int(limit)]
        return data

    async def handler(request: Request, send, target) -> None:
        if request.method != "GET" or target.name is None or len(target.sub) != 1:
            raise st.method_not_allowed()
        from kubeferry.machinery import resources

        pod_res = resources.by_gvk("", "v1", "Pod")
        pod = control.registry.get(pod_res, target.namespace or "", target.name).obj
        container, previous = check(pod, request)
        instance, entries = lines_for(pod, container, previous)
        if not request.flag("follow"):
            await send_bytes(send, 200, render(entries, request), "text/plain")
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": render(entries, request), "more_body": True})
        seen = len(entries)
        gone = asyncio.Event()

        async def listen() -> None:
            while (await request.receive())["type"] != "http.disconnect":
                pass
            gone.set()

        listener = asyncio.ensure_future(listen())
        store = control.registry.store
        while not gone.is_set() and not store.closing:
            try:
                await asyncio.wait_for(gone.wait(), timeout=1.0)
                break
            except TimeoutError:
                pass
            if store.closing:  # the server is stopping: end the stream
                break
            try:
                pod = control.registry.get(pod_res, target.namespace or "", target.name).obj
            except st.StatusError:
                break
            served, entries = lines_for(pod, container, False)
            if served != instance:  # a new instance of the container: all its lines are new
                instance, seen = served, 0
            fresh = entries[seen:]
            seen = len(entries)
            if fresh:
                text = "".join((f"{ts} {msg}\n" if request.flag("timestamps") else f"{msg}\n") for ts, msg in fresh)
                await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
            state = next(
                (
                    s.get("state") or {}
                    for s in (pod.get("status") or {}).get("containerStatuses", [])
                    if s.get("name") == container
                ),
                {},
            )
            if state.get("terminated") and (pod.get("spec") or {}).get("restartPolicy") == "Never":
                break
        listener.cancel()
        if not gone.is_set():
            await send({"type": "http.response.body", "body": b""})

    return {"subresource:log": handler}
