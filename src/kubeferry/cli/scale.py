"""`kubeferry scale TYPE NAME --replicas=N`: the `/scale` subresource, as kubectl drives it.

GET the object (the resource builder's look-up), then a merge PATCH `{"spec":{"replicas":N}}` on
`.../scale`.  With `--current-replicas` or `--resource-version` the precondition is checked on a
GET of `/scale` and the Scale object goes back with a PUT (its resourceVersion makes the server
refuse a stale write).  `--record` follows with a merge patch of the change cause on the object.
"""

from __future__ import annotations

from kubeferry.cli import mutation as mu

SCALE = "scale"


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "scale", parents=parents, help="Set a new size for a deployment, replica set, or stateful set"
    )
    parser.add_argument("targets", nargs="*")
    mu.add_filename(parser, "Filename, directory, or URL to files identifying the resource to set a new size")
    parser.add_argument("--replicas", type=int, default=None)
    parser.add_argument("--current-replicas", type=int, default=-1)
    parser.add_argument("--resource-version", default="")
    parser.add_argument("-l", "--selector", default="")
    parser.add_argument("--all", action="store_true", default=False)
    parser.add_argument("--timeout", default="0s")
    mu.add_dry_run(parser)
    mu.add_record(parser)
    parser.add_argument("-o", "--output", default="")
    mu.mark(parser, "scale")
    parser.set_defaults(handler=run)


def run(args) -> int:
    return mu.run_command(args, "scale", _scale)


def _scale(args, conn) -> int:
    from kubeferry.client import request as rq

    if args.replicas is None:
        raise mu.UsageError('required flag(s) "replicas" not set')
    if args.replicas < 0:
        raise mu.UsageError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    mode = mu.dry_run(args)
    cause = mu.change_cause(args)
    if args.filename:
        targets = [(m.resource, m.name, m.namespace) for m in mu.load_manifests(args, conn, "scale")]
    else:
        found, kinds = mu.parse_targets(conn.transport, args.targets, allow_selector=bool(args.selector or args.all))
        targets = [(t.resource, t.name, mu.namespace_for(t.resource, conn)) for t in found]
        for res in kinds:
            items = conn.transport.list_objects(
                res.api_version, res.kind, mu.namespace_for(res, conn), label_selector=args.selector
            ).items
            targets.extend((res, o["metadata"]["name"], mu.namespace_for(res, conn)) for o in items)
    outcome = mu.Outcome()
    for res, name, namespace in targets:
        try:
            mu.get_object(conn.transport, res, namespace, name)
            if res.subresource(SCALE) is None and res.kind not in ("Deployment", "ReplicaSet", "StatefulSet"):
                raise mu.UsageError(f"no scaler has been implemented for {{{res.group} {res.kind}}}")
            if mode == mu.DRY_CLIENT:
                outcome.ok(mu.result_line(res, name, "scaled", mode))
                continue
            if args.current_replicas >= 0 or args.resource_version:
                scale = conn.transport.send(rq.get(res, namespace, name, SCALE)).json()
                actual = (scale.get("spec") or {}).get("replicas", 0)
                if args.current_replicas >= 0 and actual != args.current_replicas:
                    raise mu.UsageError(f"Expected replicas to be {args.current_replicas}, was {actual}")
                if args.resource_version:
                    scale["metadata"]["resourceVersion"] = args.resource_version
                scale.setdefault("spec", {})["replicas"] = args.replicas
                conn.transport.send(rq.update(res, namespace, scale, SCALE, dry_run=mode == mu.DRY_SERVER))
            else:
                body = {"spec": {"replicas": args.replicas}}
                conn.transport.send(rq.patch(res, namespace, name, body, "merge", SCALE, dry_run=mode == mu.DRY_SERVER))
            if cause is not None and mode == mu.DRY_NONE:
                conn.transport.send(rq.patch(res, namespace, name, mu.record_patch(cause), "merge"))
        except Exception as e:  # noqa: BLE001
            outcome.error(e)
            continue
        outcome.ok(mu.result_line(res, name, "scaled", mode))
    return outcome.finish()
