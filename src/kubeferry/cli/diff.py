"""`kubeferry diff -f`: what `apply` would change, as a unified diff of LIVE against MERGED.

For each object: GET the live one; the merged one is the server's answer to a dry-run apply
(the three-way patch, with the live resourceVersion and without the last-applied annotation, sent
as `PATCH ?dryRun=All&fieldManager=kubectl-client-side-apply`; a `{}` patch sends nothing and the
live object is the merged one; a missing object is a dry-run POST).  Both are written as YAML
(managedFields dropped) to `LIVE-*/` and `MERGED-*/` under files named
`<group>.<version>.<Kind>.<namespace>.<name>`, and `diff -u -N` (or `$KUBECTL_EXTERNAL_DIFF`)
compares the two directories.  Exit 0: no differences, 1: differences, >1: an error.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile

from kubeferry.cli import mutation as mu

FIELD_MANAGER = "kubectl-client-side-apply"
DIFF_COMMAND = ["diff", "-u", "-N"]
EXIT_ERROR = 2
DIFFERENCES = 100  # internal: "diff found differences", told apart from failures (also 1) and mapped to 1
EXTERNAL_DIFF_ENV = "KUBECTL_EXTERNAL_DIFF"


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "diff", parents=parents, help="Diff the live version against a would-be applied version"
    )
    mu.add_filename(parser, "Filename, directory, or URL to files contains the configuration to diff")
    parser.add_argument("--server-side", action="store_true", default=False)
    parser.add_argument("--field-manager", default="")
    parser.add_argument("--force-conflicts", action="store_true", default=False)
    parser.add_argument("--show-managed-fields", action="store_true", default=False)
    mu.mark(parser, "diff")
    parser.set_defaults(handler=run)


def run(args) -> int:
    code = mu.run_command(args, "diff", _diff)
    return {0: 0, DIFFERENCES: 1}.get(code, EXIT_ERROR)


def file_name(res, obj: dict) -> str:
    meta = obj.get("metadata") or {}
    group = res.group or ""
    parts = [group, res.version, res.kind, meta.get("namespace") or "", meta.get("name") or ""]
    return ".".join(parts) if group else ".".join(parts[1:])


def to_yaml(obj: dict | None, keep_managed: bool) -> str:

    if obj is None:
        return ""
    obj = dict(obj)
    if not keep_managed and isinstance(obj.get("metadata"), dict):
        obj["metadata"] = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
    return mu.go_yaml(obj)


def diff_program() -> list[str]:
    external = os.environ.get(EXTERNAL_DIFF_ENV, "").strip()
    if external:
        return shlex.split(external)
    return list(DIFF_COMMAND)


def _merged(conn, item, live: dict | None, args) -> dict:
    from kubeferry.cli.apply import parse_last_applied, schema_for, three_way_patch
    from kubeferry.client import request as rq

    res = item.resource
    if args.server_side:
        return conn.transport.send(
            rq.patch(
                res,
                item.namespace,
                item.name,
                item.obj,
                "apply",
                dry_run=True,
                field_manager=args.field_manager or "kubectl",
                force=bool(args.force_conflicts),
            )
        ).json()
    if live is None:
        return conn.transport.send(
            rq.create(res, item.namespace, item.obj, dry_run=True, field_manager=FIELD_MANAGER)
        ).json()
    import copy

    modified = copy.deepcopy(item.obj)
    meta = modified.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop(mu.LAST_APPLIED, None)
    meta["annotations"] = annotations
    patch, patch_type = three_way_patch(parse_last_applied(live), modified, live, schema_for(res))
    if not patch:
        return live
    patch.setdefault("metadata", {})["resourceVersion"] = (live.get("metadata") or {}).get("resourceVersion", "")
    return conn.transport.send(
        rq.patch(res, item.namespace, item.name, patch, patch_type, dry_run=True, field_manager=FIELD_MANAGER)
    ).json()


def _diff(args, conn) -> int:
    if not args.filename:
        raise mu.UsageError("must specify one of -f and -k")
    items = mu.load_manifests(args, conn, "diff")
    live_dir = tempfile.mkdtemp(prefix="LIVE-")
    merged_dir = tempfile.mkdtemp(prefix="MERGED-")
    try:
        for item in items:
            try:
                live = mu.get_object(conn.transport, item.resource, item.namespace, item.name)
            except Exception as e:  # noqa: BLE001
                if not mu.is_not_found(e):
                    raise
                live = None
            merged = _merged(conn, item, live, args)
            name = file_name(item.resource, item.obj)
            with open(os.path.join(live_dir, name), "w", encoding="utf-8") as f:
                f.write(to_yaml(live, args.show_managed_fields))
            with open(os.path.join(merged_dir, name), "w", encoding="utf-8") as f:
                f.write(to_yaml(merged, args.show_managed_fields))
        sys.stdout.flush()
        try:
            result = subprocess.run([*diff_program(), live_dir, merged_dir], check=False)
        except FileNotFoundError as e:
            raise mu.UsageError(f'failed to run "{e.filename}": executable file not found in $PATH') from None
        if result.returncode == 1:
            return DIFFERENCES
        return 0 if result.returncode == 0 else EXIT_ERROR
    finally:
        shutil.rmtree(live_dir, ignore_errors=True)
        shutil.rmtree(merged_dir, ignore_errors=True)
