"""`kubeferry logs`: print a container's log through the `pods/<name>/log` subresource, as kubectl does.

Owns choosing what to read: a pod by name, or for `TYPE/NAME` (deployment, replicaset, statefulset,
daemonset, service, job) the pod kubectl would pick from the owner's selector (assigned before
unassigned, running before pending, ready before not, ready longest, most restarts, oldest), the
default container (the `kubectl.kubernetes.io/default-container` annotation, else the first), and
the query (`container`, `previous`, `tailLines`, `sinceSeconds`, `timestamps`, `follow`).  The log
bytes are streamed to stdout unchanged.
"""

from __future__ import annotations

import sys

EXIT_FAILED = 1
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
PHASE_ORDER = {"Running": 0, "Unknown": 1, "Pending": 2}  # kubectl's ByLogging ranks; others after
OTHER_PHASE = 3
READ_CHUNK = 64 * 1024
MAX_LOG_REQUESTS = 5


def add_parser(subparsers, parents):
    p = subparsers.add_parser("logs", parents=parents, help="Print the logs for a container in a pod")
    p.add_argument("target", nargs="?", default="", help="POD | TYPE/NAME")
    p.add_argument("container_arg", nargs="?", default="", help=argparse_suppress())
    p.add_argument("-c", "--container", default="", help="Print the logs of this container")
    p.add_argument(
        "-p", "--previous", action="store_true", help="Print the logs for the previous instance of the container"
    )
    p.add_argument("--tail", type=int, default=-1, help="Lines of recent log file to display")
    p.add_argument("--since", default="", help="Only return logs newer than a relative duration like 5s, 2m, or 3h")
    p.add_argument("--timestamps", action="store_true", help="Include timestamps on each line in the log output")
    p.add_argument("-f", "--follow", action="store_true", help="Specify if the logs should be streamed")
    p.add_argument("-l", "--selector", default="", help="Selector (label query) to filter on")
    p.add_argument("--all-containers", action="store_true", help="Get all containers' logs in the pod(s)")
    p.add_argument(
        "--prefix", action="store_true", help="Prefix each log line with the log source (pod name and container name)"
    )
    p.set_defaults(handler=run)
    return p


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS


def parse_duration(text: str) -> int:
    """Go duration → whole seconds, rounded up as kubectl sends `sinceSeconds` (e.g. `1m30s` → 90)."""
    import math

    from kubeferry.machinery import durations

    try:
        if text.strip() != text:
            raise ValueError(text)
        seconds = durations.parse(text, bare_seconds=False)
    except ValueError:
        raise ValueError(durations.flag_error(text, "--since"))
    return max(1, math.ceil(seconds))


def _ready_time(pod: dict) -> str | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready" and cond.get("status") == "True":
            return cond.get("lastTransitionTime") or ""
    return None


def _restarts(pod: dict) -> int:
    return max(
        (int(s.get("restartCount") or 0) for s in (pod.get("status") or {}).get("containerStatuses") or []), default=0
    )


def logging_rank(pod: dict) -> tuple:
    """Sort key: the first pod in this order is the one `kubectl logs deploy/x` reads."""
    status = pod.get("status") or {}
    ready_at = _ready_time(pod)
    return (
        0 if (pod.get("spec") or {}).get("nodeName") else 1,
        PHASE_ORDER.get(status.get("phase", ""), OTHER_PHASE),
        0 if ready_at is not None else 1,
        ready_at or "",
        -_restarts(pod),
        (pod.get("metadata") or {}).get("creationTimestamp", ""),
    )


def container_names(pod: dict) -> list[str]:
    spec = pod.get("spec") or {}
    names = [c.get("name", "") for c in spec.get("containers") or []]
    names += [c.get("name", "") for c in spec.get("initContainers") or []]
    names += [c.get("name", "") for c in spec.get("ephemeralContainers") or []]
    return names


def default_container(pod: dict) -> tuple[str, str]:
    """(container, notice): the container read when none is named, and kubectl's stderr notice."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    annotated = (meta.get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION, "")
    containers = [c.get("name", "") for c in spec.get("containers") or []]
    if annotated and annotated in container_names(pod):
        return annotated, ""
    if not containers:
        return "", ""
    if len(container_names(pod)) == 1:
        return containers[0], ""
    listed = containers + [f"{c.get('name', '')} (init)" for c in spec.get("initContainers") or []]
    listed += [f"{c.get('name', '')} (ephem)" for c in spec.get("ephemeralContainers") or []]
    return containers[0], f'Defaulted container "{containers[0]}" out of: {", ".join(listed)}'


def log_query(args, container: str) -> dict:
    query: dict = {}
    if container:
        query["container"] = container
    if args.follow:
        query["follow"] = "true"
    if args.previous:
        query["previous"] = "true"
    if args.since:
        query["sinceSeconds"] = str(parse_duration(args.since))
    if args.tail >= 0:
        query["tailLines"] = str(args.tail)
    if args.timestamps:
        query["timestamps"] = "true"
    return query


def _pods_for(conn, res, name: str, namespace: str) -> list[dict]:
    """The pods behind a workload or service, ranked as kubectl ranks them for logs."""
    from kubeferry.machinery import selectors

    obj = conn.transport.get(res.api_version, res.kind, namespace, name)
    if obj is None:
        from kubeferry.machinery.status import not_found

        raise not_found(res.plural, res.group, name)
    spec = obj.get("spec") or {}
    if res.kind == "Service":
        selector = ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items()))
    else:
        selector = selectors.format_label_selector(spec.get("selector") or {})
    pods = conn.transport.list_objects("v1", "Pod", namespace, label_selector=selector).items
    return sorted(pods, key=logging_rank)


def run(args) -> int:
    from kubeferry.cli.connect import connect, fail
    from kubeferry.machinery.status import StatusError

    try:
        if args.since:
            parse_duration(args.since)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    if not args.target and not args.selector:
        print("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.", file=sys.stderr)
        print("POD or TYPE/NAME is a required argument for the logs command", file=sys.stderr)
        print("See 'kubeferry logs -h' for help and examples", file=sys.stderr)
        return EXIT_FAILED
    container = args.container or args.container_arg
    try:
        conn = connect(args, "logs")
        namespace = conn.namespace
        if args.selector and not args.target:
            pods = conn.transport.list_objects("v1", "Pod", namespace, label_selector=args.selector).items
            if not pods:
                print(f"No resources found in {namespace} namespace.", file=sys.stderr)
                return 0
            code = 0
            for pod in pods[:MAX_LOG_REQUESTS] if args.follow else pods:
                code = max(code, _print_pod(conn, args, pod, container, prefix_all=True))
            return code
        if "/" in args.target:
            from kubeferry.cli.printers import CLIError, lookup_type

            type_word, _, name = args.target.partition("/")
            try:
                res = lookup_type(conn, type_word)[0]
            except CLIError as e:
                print(e.line(), file=sys.stderr)
                return e.code
            if res.kind == "Pod":
                pod = _get_pod(conn, name, namespace)
                if pod is None:
                    return EXIT_FAILED
            else:
                pods = _pods_for(conn, res, name, namespace)
                if not pods:
                    print(f"error: timed out waiting for the condition", file=sys.stderr)  # noqa: F541
                    return EXIT_FAILED
                if len(pods) > 1:
                    print(f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}", file=sys.stderr)
                pod = pods[0]
        else:
            pod = _get_pod(conn, args.target, namespace)
            if pod is None:
                return EXIT_FAILED
        return _print_pod(conn, args, pod, container)
    except StatusError as e:
        return fail(e)
    except Exception as e:
        return fail(e)


def _get_pod(conn, name: str, namespace: str) -> dict | None:
    pod = conn.transport.get("v1", "Pod", namespace, name)
    if pod is None:
        print(
            f'error: error from server (NotFound): pods "{name}" not found in namespace "{namespace}"', file=sys.stderr
        )
    return pod


def _print_pod(conn, args, pod: dict, container: str, prefix_all: bool = False) -> int:
    meta = pod.get("metadata") or {}
    name = meta.get("name", "")
    names = container_names(pod)
    if args.all_containers:
        targets = names
    elif container:
        if container not in names:
            print(
                f"error: container {container} is not valid for pod {name} out of: {', '.join(names)}", file=sys.stderr
            )
            return EXIT_FAILED
        targets = [container]
    else:
        chosen, notice = default_container(pod)
        if notice and not prefix_all:
            print(notice, file=sys.stderr)
        targets = [chosen]
    code = 0
    for c in targets:
        prefix = f"[pod/{name}/{c}] " if args.prefix else ""
        code = max(code, _stream(conn, meta.get("namespace", ""), name, log_query(args, c), prefix))
    return code


def _stream(conn, namespace: str, pod: str, query: dict, prefix: str) -> int:
    """GET pods/<pod>/log and copy the bytes to stdout as they arrive (follow keeps the stream open)."""
    from urllib.parse import quote, urlencode

    from kubeferry.client import request as rq
    from kubeferry.client import wire

    path = f"/api/v1/namespaces/{quote(namespace, safe='')}/pods/{quote(pod, safe='')}/log"
    if query:
        path += "?" + urlencode(query)
    request = rq.raw("GET", path, accept="application/json, */*")
    transport = conn.transport
    connection, response = transport._open(request, None if query.get("follow") else transport.timeout)
    out = sys.stdout.buffer
    try:
        if response.status != 200:
            rq.decode(request, response.status, response.getheaders(), response.read())
        pending = b""
        while True:
            try:
                chunk = response.read1(READ_CHUNK)
            except (OSError, wire.HTTPException):
                break
            if not chunk:
                break
            if prefix:
                pending += chunk
                lines = pending.split(b"\n")
                pending = lines.pop()
                out.write(b"".join(prefix.encode() + line + b"\n" for line in lines))
            else:
                out.write(chunk)
            out.flush()
        if pending:
            out.write(prefix.encode() + pending)
        out.flush()
    finally:
        connection.close()
    return 0
