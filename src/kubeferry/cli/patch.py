"""`kubeferry patch TYPE NAME -p PATCH [--type strategic|merge|json]`, and `-f` to name the objects.

GET the object, PATCH it with `fieldManager=kubectl-patch` (no field validation, as kubectl),
and print `patched`, or `patched (no change)` when the response deep-equals the GET.  The patch
comes from `-p` or `--patch-file` (YAML or JSON) and is sent as JSON.  `--record` follows with a
separate merge patch carrying the change cause, as kubectl does.
"""

from __future__ import annotations

import json

from kubeferry.cli import mutation as mu

FIELD_MANAGER = "kubectl-patch"
PATCH_TYPES = ("json", "merge", "strategic")


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser("patch", parents=parents, help="Update fields of a resource")
    parser.add_argument("targets", nargs="*")
    mu.add_filename(parser, "Filename, directory, or URL to files identifying the resource to update")
    parser.add_argument("-p", "--patch", default=None)
    parser.add_argument("--patch-file", default=None)
    parser.add_argument("--type", default="strategic")
    parser.add_argument("--subresource", default="")
    mu.add_dry_run(parser)
    mu.add_record(parser)
    parser.add_argument("-o", "--output", default="")
    mu.mark(parser, "patch")
    parser.set_defaults(handler=run)


def run(args) -> int:
    return mu.run_command(args, "patch", _patch)


def load_patch(args) -> object:
    import yaml

    if args.patch is not None and args.patch_file is not None:
        raise mu.UsageError("--patch and --patch-file are mutually exclusive")
    if args.patch_file is not None:
        with open(args.patch_file, encoding="utf-8") as handle:
            text = handle.read()
    elif args.patch is not None:
        text = args.patch
    else:
        raise mu.UsageError("must specify --patch or --patch-file containing the contents of the patch")
    if not text.strip():
        raise mu.UsageError("must specify --patch or --patch-file containing the contents of the patch")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise mu.UsageError(f"unable to parse {text!r}: {e}") from None


def _patch(args, conn) -> int:
    from kubeferry.client import request as rq

    if args.type not in PATCH_TYPES:
        raise mu.UsageError(f'--type must be one of [{" ".join(PATCH_TYPES)}], not "{args.type}"')
    mode = mu.dry_run(args)
    body = load_patch(args)
    cause = mu.change_cause(args)
    if args.filename:
        targets = [(m.resource, m.name, m.namespace, m.source) for m in mu.load_manifests(args, conn, "patch")]
    else:
        found, _ = mu.parse_targets(conn.transport, args.targets)
        targets = [(t.resource, t.name, mu.namespace_for(t.resource, conn), "") for t in found]
    outcome = mu.Outcome()
    for res, name, namespace, source in targets:
        try:
            before = mu.get_object(conn.transport, res, namespace, name)
            if mode == mu.DRY_CLIENT:
                outcome.ok(mu.result_line(res, name, "patched", mode))
                continue
            after = conn.transport.send(
                rq.patch(
                    res,
                    namespace,
                    name,
                    json.dumps(body),
                    args.type,
                    args.subresource,
                    **mu.write_params(mode, FIELD_MANAGER),
                )
            ).json()
            if cause is not None and mode == mu.DRY_NONE:
                conn.transport.send(rq.patch(res, namespace, name, mu.record_patch(cause), "merge"))
        except Exception as e:  # noqa: BLE001
            outcome.error(e, "patching" if source else "", source)
            continue
        verb = "patched (no change)" if after == before else "patched"
        outcome.ok(mu.result_line(res, name, verb, mode))
    return outcome.finish()
