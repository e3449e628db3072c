"""`kubeferry replace -f`: GET each object for its resourceVersion, then PUT the manifest.

The PUT carries `fieldManager=kubectl-replace` and `fieldValidation` from `--validate`; the
last-applied annotation is dropped unless `--save-config` (which refreshes it).  A missing object
still gets its PUT (the server answers NotFound) and the line `Error from server (NotFound): error
when replacing "<file>": ...`; the other objects continue and the command exits 1.  `--force`
deletes each object (background propagation), waits until the GET answers 404, then POSTs it.
"""

from __future__ import annotations

import time

from kubeferry.cli import mutation as mu

FIELD_MANAGER = "kubectl-replace"
GONE_POLL_SECONDS = 0.1
GONE_TIMEOUT_SECONDS = 60.0


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser("replace", parents=parents, help="Replace a resource by file name or stdin")
    mu.add_filename(parser, "The files that contain the configurations to replace.")
    mu.add_dry_run(parser)
    mu.add_record(parser)
    parser.add_argument("--validate", default="strict")
    parser.add_argument("--save-config", action="store_true", default=False)
    parser.add_argument("--force", action="store_true", default=False)
    parser.add_argument("--grace-period", type=int, default=-1)
    parser.add_argument("-o", "--output", default="")
    mu.mark(parser, "replace")
    parser.set_defaults(handler=run)


def run(args) -> int:
    return mu.run_command(args, "replace", _replace)


def _replace(args, conn) -> int:
    from kubeferry.cli.apply import with_last_applied
    from kubeferry.client import request as rq

    mode = mu.dry_run(args)
    validation = mu.field_validation(args)
    if not args.filename:
        raise mu.UsageError("must specify --filename to replace")
    items = mu.load_manifests(args, conn, "replace")
    cause = mu.change_cause(args)
    outcome = mu.Outcome()
    params = mu.write_params(mode, FIELD_MANAGER, validation)
    for item in items:
        mu.record_on(item.obj, cause)
        body = with_last_applied(item.obj) if args.save_config else _without_last_applied(item.obj)
        res = item.resource
        if args.force:
            if not _force_delete(conn, item, args, outcome, mode):
                continue
            if mode != mu.DRY_CLIENT:
                try:
                    conn.transport.send(rq.create(res, item.namespace, body, **params))
                except Exception as e:  # noqa: BLE001
                    outcome.error(e, "replacing", item.source)
                    continue
            outcome.ok(mu.result_line(res, item.name, "replaced", mode))
            continue
        if not (body.get("metadata") or {}).get("resourceVersion"):
            try:
                live = mu.get_object(conn.transport, res, item.namespace, item.name)
                version = (live.get("metadata") or {}).get("resourceVersion")
                if version:
                    body["metadata"]["resourceVersion"] = version
            except Exception as e:  # noqa: BLE001
                if not mu.is_not_found(e):
                    outcome.error(e, "replacing", item.source)
                    continue
        if mode != mu.DRY_CLIENT:
            try:
                conn.transport.send(rq.update(res, item.namespace, body, **params))
            except Exception as e:  # noqa: BLE001
                outcome.error(e, "replacing", item.source)
                continue
        outcome.ok(mu.result_line(res, item.name, "replaced", mode))
    return outcome.finish()


def _without_last_applied(obj: dict) -> dict:
    import copy

    out = copy.deepcopy(obj)
    annotations = (out.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(mu.LAST_APPLIED, None)
    return out


def _force_delete(conn, item, args, outcome, mode) -> bool:
    """DELETE then wait for the 404; False (with the error printed) when the delete failed."""
    from kubeferry.client import request as rq

    options: dict = {"propagationPolicy": "Background"}
    if args.grace_period >= 0:
        options["gracePeriodSeconds"] = args.grace_period
    if mode == mu.DRY_CLIENT:
        outcome.ok(mu.deleted_line(item.resource, item.name, item.namespace, mode))
        return True
    try:
        conn.transport.send(rq.delete(item.resource, item.namespace, item.name, options, dry_run=mode == mu.DRY_SERVER))
    except Exception as e:  # noqa: BLE001
        if not mu.is_not_found(e):
            outcome.error(e, "deleting", item.source)
            return False
    else:
        outcome.ok(mu.deleted_line(item.resource, item.name, item.namespace, mode))
    if mode == mu.DRY_SERVER:
        return True
    deadline = time.monotonic() + GONE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            mu.get_object(conn.transport, item.resource, item.namespace, item.name)
        except Exception as e:  # noqa: BLE001
            if mu.is_not_found(e):
                return True
            raise
        time.sleep(GONE_POLL_SECONDS)
    outcome.error(mu.UsageError(f"timed out waiting for the condition on {item.resource.plural}/{item.name}"))
    return False
