"""`kubeferry create -f`: POST each object of the manifests, as kubectl's resource builder does.

Each object is created with `fieldManager=kubectl-create` and `fieldValidation` from `--validate`;
`--save-config` stores the last-applied annotation (so a later `apply` sees it), `--record` the
change cause.  A failure prints `Error from server (<Reason>): error when creating "<file>": ...`
and the remaining objects are still created; the command then exits 1.
"""

from __future__ import annotations

from kubeferry.cli import mutation as mu

FIELD_MANAGER = "kubectl-create"


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser("create", parents=parents, help="Create a resource from a file or from stdin")
    mu.add_filename(parser, "Filename, directory, or URL to files to use to create the resource")
    mu.add_dry_run(parser)
    mu.add_record(parser)
    parser.add_argument("--validate", default="strict")
    parser.add_argument("--save-config", action="store_true", default=False)
    parser.add_argument("-o", "--output", default="")
    mu.mark(parser, "create")
    parser.set_defaults(handler=run)


def run(args) -> int:
    return mu.run_command(args, "create", _create)


def _create(args, conn) -> int:
    from kubeferry.cli.apply import with_last_applied
    from kubeferry.client import request as rq

    mode = mu.dry_run(args)
    validation = mu.field_validation(args)
    if not args.filename:
        raise mu.UsageError("must specify one of -f and -k")
    items = mu.load_manifests(args, conn, "create")
    cause = mu.change_cause(args)
    outcome = mu.Outcome()
    for item in items:
        mu.record_on(item.obj, cause)
        body = with_last_applied(item.obj) if args.save_config else item.obj
        if mode != mu.DRY_CLIENT:
            try:
                conn.transport.send(
                    rq.create(item.resource, item.namespace, body, **mu.write_params(mode, FIELD_MANAGER, validation))
                )
            except Exception as e:  # noqa: BLE001
                outcome.error(e, "creating", item.source)
                continue
        outcome.ok(mu.result_line(item.resource, item.name, "created", mode))
    return outcome.exit_code
