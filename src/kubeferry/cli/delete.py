"""`kubeferry delete`: DELETE objects by name, `-l`, `--all` or `-f`, then wait for them to go.

The DeleteOptions body carries `propagationPolicy` from `--cascade` (background | foreground |
orphan; `true`/`false` are the old spellings) and `gracePeriodSeconds` when given (`--now` is 1,
`--force` without a grace period is 0; 0 without `--force` becomes 1, as in kubectl).  Each delete
prints `deployment.apps "web" deleted from default namespace` (`force deleted` with
`--force --grace-period=0`).  With `--wait` (the default) the command then waits for every deleted
object to disappear: a GET (404 ends it), else a watch on `metadata.name=<name>` until DELETED,
bounded by `--timeout` (0 means a week, kubectl's default).
"""

from __future__ import annotations

import sys
import time

from kubeferry.cli import mutation as mu

CASCADE = {
    "background": "Background",
    "true": "Background",
    "foreground": "Foreground",
    "orphan": "Orphan",
    "false": "Orphan",
}
FORCE_WARNING = (
    "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. "
    "The resource may continue to run on the cluster indefinitely."
)
DEFAULT_WAIT_SECONDS = 7 * 24 * 3600
WATCH_CHUNK_SECONDS = 60


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "delete",
        parents=parents,
        help="Delete resources by file names, stdin, resources and names, or by resources and label selector",
    )
    parser.add_argument("targets", nargs="*")
    mu.add_filename(parser, "containing the resource to delete.")
    parser.add_argument("-l", "--selector", default="")
    parser.add_argument("--all", action="store_true", default=False)
    parser.add_argument("-A", "--all-namespaces", action="store_true", default=False)
    parser.add_argument("--cascade", nargs="?", const="background", default="background")
    parser.add_argument("--grace-period", type=int, default=-1)
    parser.add_argument("--now", action="store_true", default=False)
    parser.add_argument("--force", action="store_true", default=False)
    parser.add_argument("--wait", nargs="?", const="true", default="true")
    parser.add_argument("--timeout", default="0s")
    parser.add_argument("--ignore-not-found", nargs="?", const="true", default=None)
    mu.add_dry_run(parser)
    parser.add_argument("-o", "--output", default="")
    mu.mark(parser, "delete")
    parser.set_defaults(handler=run)


def run(args) -> int:
    return mu.run_command(args, "delete", _delete)


def grace_period(args) -> int:
    period = args.grace_period
    if args.now:
        if period >= 0:
            raise mu.UsageError("--now and --grace-period cannot be specified together")
        period = 1
    if period == 0 and not args.force:
        period = 1
    if args.force and period < 0:
        period = 0
    return period


def _seconds(text: str) -> float:
    from kubeferry.cli.connect import parse_timeout

    return parse_timeout(text) or 0.0


def _delete(args, conn) -> int:
    from kubeferry.client import request as rq

    mode = mu.dry_run(args)
    policy = CASCADE.get(str(args.cascade).lower())
    if policy is None:
        raise mu.UsageError(f'invalid cascade value ({args.cascade}). Must be "background", "foreground", or "orphan".')
    period = grace_period(args)
    ignore_missing = args.ignore_not_found == "true" or (
        args.ignore_not_found is None and bool(args.selector or args.all)
    )
    targets: list[tuple] = []
    if args.filename:
        targets = [(m.resource, m.name, m.namespace, m.source) for m in mu.load_manifests(args, conn, "delete")]
    else:
        if not args.targets:
            raise mu.UsageError("You must provide one or more resources by argument or filename.")
        found, kinds = mu.parse_targets(conn.transport, args.targets, allow_selector=bool(args.selector or args.all))
        if found and (args.selector or args.all):
            raise mu.UsageError("name cannot be provided when a selector is specified")
        targets = [(t.resource, t.name, mu.namespace_for(t.resource, conn), "") for t in found]
        for res in kinds:
            namespace = None if args.all_namespaces else mu.namespace_for(res, conn)
            for obj in conn.transport.list_objects(
                res.api_version, res.kind, namespace, label_selector=args.selector
            ).items:
                meta = obj.get("metadata") or {}
                targets.append((res, meta.get("name", ""), meta.get("namespace"), ""))
        if kinds and not targets:
            print("No resources found")
            return 0
    options: dict = {}
    if period >= 0:
        options["gracePeriodSeconds"] = period
    options["propagationPolicy"] = policy
    if period == 0 and args.force:
        print(FORCE_WARNING, file=sys.stderr, flush=True)
    verb = "force deleted" if period == 0 and args.force else "deleted"
    outcome = mu.Outcome()
    deleted: list[tuple] = []
    for res, name, namespace, source in targets:
        if mode != mu.DRY_CLIENT:
            try:
                conn.transport.send(rq.delete(res, namespace, name, options, dry_run=mode == mu.DRY_SERVER))
            except Exception as e:  # noqa: BLE001
                if mu.is_not_found(e) and ignore_missing:
                    continue
                outcome.error(e, "deleting" if source else "", source)
                continue
        outcome.ok(mu.deleted_line(res, name, namespace, mode, verb))
        deleted.append((res, name, namespace))
    wait = str(args.wait).lower() != "false"
    if wait and mode == mu.DRY_NONE and deleted:
        timeout = _seconds(args.timeout) or DEFAULT_WAIT_SECONDS
        deadline = time.monotonic() + timeout
        for res, name, namespace in deleted:
            if not wait_gone(conn.transport, res, namespace, name, deadline):
                print(f"error: timed out waiting for the condition on {res.plural}/{name}", file=sys.stderr)
                return mu.EXIT_FAILED
    return outcome.finish()


def wait_gone(transport, res, namespace: str | None, name: str, deadline: float) -> bool:
    """True once the object is gone (404 or a DELETED event); False when the deadline passes."""
    from kubeferry.client import request as rq

    while time.monotonic() < deadline:
        try:
            live = mu.get_object(transport, res, namespace, name)
        except Exception as e:  # noqa: BLE001
            if mu.is_not_found(e):
                return True
            raise
        version = (live.get("metadata") or {}).get("resourceVersion", "")
        remaining = max(1, int(min(deadline - time.monotonic(), WATCH_CHUNK_SECONDS)))
        try:
            for event in transport.watch(
                res.api_version,
                res.kind,
                namespace,
                resource_version=version,
                field_selector=f"metadata.name={name}",
                timeout_seconds=remaining,
            ):
                if event.get("type") == "DELETED":
                    return True
                if time.monotonic() >= deadline:
                    return False
        except Exception as e:  # noqa: BLE001
            if not rq.is_gone(e):
                raise
    return False
