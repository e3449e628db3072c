"""`kubeferry get`: list or fetch objects and print them as kubectl 1.37 does.

Owns the request side of `get`: which GETs and LISTs to send (Table Accept for the default and
`-o wide` output, plain JSON for the object formats), `-l`/`--field-selector`/`-A`, `--watch`
(a Table-Accept watch whose one-row Tables print under the first table's column widths; with
`-o yaml|json|name|jsonpath` each object, then each event's object, as kubectl streams them), the
`No resources found in <ns> namespace.` line and per-name `Error from server (NotFound)` lines.
All formatting lives in `kubeferry.cli.printers`, shared with other commands.
"""

from __future__ import annotations

import sys

EXIT_FAILED = 1
NO_TYPE_HELP = (
    'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported '
    "resources.\n\nerror: Required resource not specified.\n"
    'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\n'
    "See 'kubeferry get -h' for help and examples"
)


def add_parser(subparsers, parents):
    p = subparsers.add_parser("get", parents=parents, help="Display one or many resources")
    p.add_argument("resources", nargs="*", help="TYPE[,TYPE...] [NAME...] | TYPE/NAME ...")
    p.add_argument("-o", "--output", default="", help="yaml|json|name|wide|jsonpath=...|custom-columns=...")
    p.add_argument("-l", "--selector", default="", help="Selector (label query) to filter on")
    p.add_argument("--field-selector", default="", help="Selector (field query) to filter on")
    p.add_argument(
        "-A", "--all-namespaces", action="store_true", help="List the requested object(s) across all namespaces"
    )
    p.add_argument("--show-labels", action="store_true", help="When printing, show all labels as the last column")
    p.add_argument(
        "--show-kind", action="store_true", help="If present, list the resource type for the requested object(s)"
    )
    p.add_argument("-L", "--label-columns", action="append", default=[], help="Labels to print as columns")
    p.add_argument(
        "--no-headers", action="store_true", help="When using the default or custom-column output, don't print headers"
    )
    p.add_argument(
        "-w", "--watch", action="store_true", help="After listing/getting the requested object, watch for changes"
    )
    p.add_argument(
        "--watch-only",
        action="store_true",
        help="Watch for changes to the requested object(s), without listing/getting first",
    )
    p.add_argument(
        "--output-watch-events",
        action="store_true",
        help="Output watch event objects when --watch or --watch-only is used",
    )
    p.add_argument(
        "--ignore-not-found",
        action="store_true",
        help="If the requested object does not exist the command will return exit code 0",
    )
    p.add_argument("--chunk-size", type=int, default=500, help="Return large lists in chunks rather than all at once")
    p.set_defaults(handler=run)
    return p


# -- requests -----------------------------------------------------------------------------------


def _with_accept(request, accept: str):
    headers = tuple((k, v) for k, v in request.headers if k.lower() != "accept") + (("Accept", accept),)
    return request.replace(headers=headers)


def fetch_table(transport, res, namespace, name: str = "", *, label_selector="", field_selector="", limit=500) -> dict:
    """The server's Table for one object or a whole (paged) collection."""
    from kubeferry.cli.printers import TABLE_ACCEPT
    from kubeferry.client import request as rq

    ns = namespace if res.namespaced else None
    if name:
        return transport.send(_with_accept(rq.get(res, ns, name), TABLE_ACCEPT)).json()
    table: dict | None = None
    token = ""
    while True:
        request = rq.list_(
            res, ns, label_selector=label_selector, field_selector=field_selector, limit=limit, continue_=token
        )
        page = transport.send(_with_accept(request, TABLE_ACCEPT)).json()
        if page.get("kind") != "Table":
            page = _table_from_list(page)
        if table is None:
            table = page
        else:
            table.setdefault("rows", []).extend(page.get("rows") or [])
            table["metadata"] = page.get("metadata") or table.get("metadata")
        token = str((page.get("metadata") or {}).get("continue") or "")
        if not token:
            return table


def _table_from_list(doc: dict) -> dict:
    """A server without Table support: kubectl falls back to NAME and AGE only."""
    rows = []
    for item in doc.get("items") or []:
        meta = item.get("metadata") or {}
        rows.append({"cells": [meta.get("name", ""), "<unknown>"], "object": {"metadata": meta}})
    return {
        "kind": "Table",
        "columnDefinitions": [{"name": "Name", "priority": 0}, {"name": "Age", "priority": 0}],
        "rows": rows,
        "metadata": doc.get("metadata") or {},
    }


def fetch_objects(transport, res, namespace, name: str = "", *, label_selector="", field_selector="", limit=500):
    """Full objects (apiVersion/kind filled in) and the list's resourceVersion."""
    from kubeferry.client import request as rq

    ns = namespace if res.namespaced else None
    if name:
        obj = transport.send(rq.get(res, ns, name)).json()
        return [obj], ""
    result = transport.list_objects(
        res.api_version, res.kind, ns, label_selector=label_selector, field_selector=field_selector, limit=limit
    )
    return result.items, result.resource_version


# -- run ----------------------------------------------------------------------------------------


def run(args) -> int:
    from kubeferry.cli import printers
    from kubeferry.cli.connect import connect, fail
    from kubeferry.machinery.status import StatusError

    if not args.resources:
        print(NO_TYPE_HELP, file=sys.stderr)
        return EXIT_FAILED
    try:
        fmt, _ = printers.parse_output(args.output)
        conn = connect(args, "get")
        targets = printers.resolve_targets(conn, args.resources)
    except printers.CLIError as e:
        print(e.line(), file=sys.stderr)
        return e.code
    except Exception as e:  # config, connection
        return fail(e)
    namespace = None if args.all_namespaces else conn.namespace
    try:
        if args.watch or args.watch_only:
            return watch(conn, args, targets, namespace, fmt)
        if fmt in ("", "wide"):
            return print_tables(conn, args, targets, namespace, fmt == "wide")
        return print_generic(conn, args, targets, namespace)
    except printers.CLIError as e:
        print(e.line(), file=sys.stderr)
        return e.code
    except StatusError as e:
        return fail(e)
    except Exception as e:
        return fail(e)


def _kind_shown(args, targets) -> bool:
    """kubectl shows `kind/` prefixes when several types were asked for (or `all`), or with --show-kind."""
    if args.show_kind:
        return True
    first = args.resources[0].lower()
    if first == "all" or any(part == "all" for part in first.split(",")):
        return True
    return len({(t.resource.group, t.resource.plural) for t in targets}) > 1


def _no_resources_line(targets, namespace) -> str:
    if namespace is not None and all(t.resource.namespaced for t in targets):
        return f"No resources found in {namespace} namespace."
    return "No resources found"


def _error_line(error) -> str:
    from kubeferry.cli.connect import server_error_line

    return server_error_line(error)


def _fetched(conn, args, targets, namespace, fetch, errors: list):
    """(resource, what `fetch` returned) for each target, in order; a failed target's StatusError goes
    to `errors` instead, except NotFound with --ignore-not-found, which is skipped."""
    from kubeferry.machinery.status import StatusError

    for target in targets:
        res = target.resource
        try:
            found = fetch(
                conn.transport,
                res,
                namespace if namespace is not None else (conn.namespace if target.name else None),
                target.name,
                label_selector=args.selector,
                field_selector=args.field_selector,
                limit=args.chunk_size,
            )
        except StatusError as e:
            if not (e.code == 404 and e.reason == "NotFound" and args.ignore_not_found):
                errors.append(e)
            continue
        yield res, found


def print_tables(conn, args, targets, namespace, wide: bool) -> int:
    from kubeferry.cli import printers

    show_kind = _kind_shown(args, targets)
    writer = printers.TabWriter(sys.stdout)
    errors: list = []  # StatusErrors, printed after the output
    printed_any = False
    last_key = None
    pending_header = False
    for res, table in _fetched(conn, args, targets, namespace, fetch_table, errors):
        rows = table.get("rows") or []
        if not rows:
            continue
        options = printers.TableOptions(
            wide=wide,
            with_kind=printers.kind_prefix(res) if show_kind else "",
            with_namespace=args.all_namespaces and res.namespaced,
            show_labels=args.show_labels,
            no_headers=args.no_headers,
            label_columns=tuple(_label_columns(args)),
        )
        key = (res.group, res.plural)
        if key != last_key:
            if last_key is not None:
                writer.flush()
                writer.remembered = []
                if not args.no_headers and printed_any:
                    sys.stdout.write("\n")
            pending_header = not args.no_headers
            last_key = key
        if pending_header:
            writer.write_row(printers.table_header(table, options))
            pending_header = False
        for row in printers.table_rows(table, options):
            writer.write_row(row)
        printed_any = True
    writer.flush()
    for error in errors:
        print(_error_line(error), file=sys.stderr)
    if not printed_any and not errors and not args.ignore_not_found:
        print(_no_resources_line(targets, namespace), file=sys.stderr)
    return EXIT_FAILED if errors else 0


def _label_columns(args) -> list[str]:
    out = []
    for value in args.label_columns:
        out.extend(v for v in value.split(",") if v)
    return out


def print_generic(conn, args, targets, namespace) -> int:
    from kubeferry.cli import printers

    single = len(targets) == 1 and bool(targets[0].name)
    objs: list[dict] = []
    resources: list = []
    errors: list = []  # StatusErrors, printed after the output
    for res, (found, _) in _fetched(conn, args, targets, namespace, fetch_objects, errors):
        for obj in found:
            obj.setdefault("apiVersion", res.api_version)
            obj.setdefault("kind", res.kind)
            objs.append(obj)
            resources.append(res)
    if single and errors:
        return _fail_status(errors[0])
    if single and not objs:
        return 0
    printers.print_objects(
        objs, args.output, single=single, resources=resources, no_headers=args.no_headers, stream=sys.stdout
    )
    for error in errors:
        print(_error_line(error), file=sys.stderr)
    return EXIT_FAILED if errors else 0


def _fail_status(error) -> int:
    print(_error_line(error), file=sys.stderr)
    return EXIT_FAILED


# -- watch --------------------------------------------------------------------------------------


class WatchDeadline:
    """`--request-timeout` for a watch: kubectl ends `get -w` quietly (exit 0) once it passes.

    Each read waits at most the time left, so a quiet stream still ends on time; with no timeout
    the watch runs until the server closes it.
    """

    def __init__(self, request_timeout: str | None):
        import time

        from kubeferry.cli.connect import parse_timeout

        seconds = parse_timeout(request_timeout)
        self.seconds = seconds
        self.end = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float | None:
        import time

        return None if self.end is None else max(self.end - time.monotonic(), 0.001)

    def passed(self) -> bool:
        import time

        return self.end is not None and time.monotonic() >= self.end


def _watch_stream(
    transport, res, namespace, *, resource_version, label_selector, field_selector, accept=None, deadline=None
):
    """Watch events (with the Table Accept of kubectl's `get -w` unless told another) until the stream ends.

    The stream ends when the server closes it or, with a `deadline`, when the time is up (a read
    that waits past it ends the stream like a close).
    """
    from kubeferry.cli.printers import TABLE_ACCEPT
    from kubeferry.client import request as rq
    from kubeferry.client import wire

    timeout = deadline.left() if deadline is not None else None
    request = rq.watch(
        res,
        namespace if res.namespaced else None,
        resource_version=resource_version,
        label_selector=label_selector,
        field_selector=field_selector,
        allow_bookmarks=False,
        timeout_seconds=None if timeout is None else max(int(timeout), 1),
    )
    request = _with_accept(request, accept or TABLE_ACCEPT)
    conn, response = transport._open(request, timeout)
    try:
        if response.status != 200:
            rq.decode(request, response.status, response.getheaders(), response.read())
        decoder = rq.WatchDecoder(resource_version)
        while True:
            if deadline is not None:
                if deadline.passed():
                    return
                if conn.sock is not None:
                    conn.sock.settimeout(deadline.left())
            try:
                chunk = response.read1(64 * 1024)
            except (OSError, wire.HTTPException):
                return
            if not chunk:
                yield from decoder.close()
                return
            yield from decoder.feed(chunk)
    finally:
        conn.close()


def watch(conn, args, targets, namespace, fmt: str) -> int:
    from kubeferry.cli import printers
    from kubeferry.client import request as rq
    from kubeferry.machinery.status import StatusError

    kinds = {(t.resource.group, t.resource.plural) for t in targets}
    if len(kinds) != 1 or len([t for t in targets if t.name]) > 1:
        raise printers.CLIError(
            f"watch is only supported on individual resources and resource collections, but {len(targets)} "
            "resources were found"
        )
    if fmt not in ("", "wide"):
        return watch_objects(conn, args, targets[0], namespace, fmt)
    target = targets[0]
    res = target.resource
    ns = namespace if namespace is not None else (conn.namespace if target.name else None)
    field_selector = args.field_selector
    if target.name:
        name_term = f"metadata.name={target.name}"
        field_selector = f"{field_selector},{name_term}" if field_selector else name_term
    options = printers.TableOptions(
        wide=fmt == "wide",
        with_kind=printers.kind_prefix(res) if _kind_shown(args, targets) else "",
        with_namespace=args.all_namespaces and res.namespaced,
        show_labels=args.show_labels,
        label_columns=tuple(_label_columns(args)),
        event_column=args.output_watch_events,
    )
    writer = printers.TabWriter(sys.stdout)
    try:
        table = fetch_table(
            conn.transport, res, ns, target.name, label_selector=args.selector, field_selector=args.field_selector
        )
    except StatusError as e:
        return _fail_status(e)
    rows = table.get("rows") or []
    header_done = False
    if not args.watch_only:
        if rows or target.name:
            if not args.no_headers:
                writer.write_row(printers.table_header(table, options))
                header_done = True
            for row in printers.table_rows(table, options, "ADDED"):
                writer.write_row(row)
            writer.flush()
        else:
            print(_no_resources_line(targets, namespace), file=sys.stderr)
    if target.name and rows:
        rv = str((((rows[0].get("object") or {}).get("metadata")) or {}).get("resourceVersion") or "0")
    else:
        rv = str((table.get("metadata") or {}).get("resourceVersion") or "0")
    deadline = WatchDeadline(args.request_timeout)
    while not deadline.passed():
        try:
            for event in _watch_stream(
                conn.transport,
                res,
                ns,
                resource_version=rv,
                label_selector=args.selector,
                field_selector=field_selector,
                deadline=deadline,
            ):
                obj = event.get("object") or {}
                rv = str((obj.get("metadata") or {}).get("resourceVersion") or rv)
                if obj.get("kind") != "Table":
                    continue
                if not header_done and not args.no_headers:
                    writer.write_row(printers.table_header(obj, options))
                    header_done = True
                for row in printers.table_rows(obj, options, event.get("type", "")):
                    writer.write_row(row)
                    row_rv = (((obj.get("rows") or [{}])[0].get("object") or {}).get("metadata") or {}).get(
                        "resourceVersion"
                    )
                    if row_rv:
                        rv = str(row_rv)
                writer.flush()
        except StatusError as e:
            if rq.is_gone(e):
                rv = "0"
                continue
            return _fail_status(e)
    return 0


def watch_objects(conn, args, target, namespace, fmt: str) -> int:
    """`get -w -o yaml|json|name|jsonpath=…`: each object as itself, then each event's object.

    As kubectl: YAML documents after the first start with `---`; `--output-watch-events` wraps each
    object as a one-line `{"type":…,"object":…}` (YAML: `object:` then `type:`); `--watch-only`
    prints nothing before the first event; a named object is watched from resourceVersion 0 and
    the server's first (synthetic ADDED) event is not printed, since the object was just printed.
    The command ends with exit 0 when the stream ends or `--request-timeout` passes.
    """
    from kubeferry.cli import printers
    from kubeferry.machinery.status import StatusError

    if fmt == "custom-columns":
        raise printers.CLIError("watch with -o custom-columns is not supported by kubeferry")
    res = target.resource
    ns = namespace if namespace is not None else (conn.namespace if target.name else None)
    deadline = WatchDeadline(args.request_timeout)
    try:
        objs, list_rv = fetch_objects(
            conn.transport,
            res,
            ns,
            target.name,
            label_selector=args.selector,
            field_selector=args.field_selector,
            limit=args.chunk_size,
        )
    except StatusError as e:
        if e.code == 404 and e.reason == "NotFound" and args.ignore_not_found:
            return 0
        return _fail_status(e)
    printed = 0

    def emit(obj: dict, event_type: str) -> None:
        nonlocal printed
        obj.setdefault("apiVersion", res.api_version)
        obj.setdefault("kind", res.kind)
        printed += 1
        if fmt == "yaml" and printed > 1:
            sys.stdout.write("---\n")
        if args.output_watch_events and fmt == "json":
            body = printers.to_json(obj, indent=False)
            sys.stdout.write(f'{{"type":{printers.to_json(event_type, indent=False)},"object":{body}}}\n')
        elif args.output_watch_events and fmt == "yaml":
            sys.stdout.write(printers.to_yaml({"object": obj, "type": event_type}))
        else:
            printers.print_objects([obj], args.output, single=True, resources=[res], stream=sys.stdout)
        sys.stdout.flush()

    if not args.watch_only:
        for obj in objs:
            emit(obj, "ADDED")
    skip_first = bool(target.name)
    field_selector = args.field_selector
    if target.name:
        name_term = f"metadata.name={target.name}"
        field_selector = f"{field_selector},{name_term}" if field_selector else name_term
    try:
        for event in _watch_stream(
            conn.transport,
            res,
            ns,
            resource_version="0" if target.name else (list_rv or "0"),
            label_selector=args.selector,
            field_selector=field_selector,
            accept="application/json",
            deadline=deadline,
        ):
            if event.get("type") in ("BOOKMARK", "ERROR"):
                continue
            if skip_first:
                skip_first = False
                continue
            emit(event.get("object") or {}, event.get("type", ""))
    except StatusError:
        pass  # kubectl ends the watch quietly whatever closed it
    return 0
