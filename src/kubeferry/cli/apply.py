"""`kubeferry apply`: kubectl's client-side apply, and `apply view-|set-|edit-last-applied`.

For each object in `-f`: GET it; when missing, POST it with the last-applied annotation
(`created`); when present, compute the three-way strategic merge patch between the annotation
(what was applied last), the new manifest and the live object, and PATCH it (`configured`) unless
the patch is `{}` (`unchanged`, no request).  Writes carry `fieldManager=kubectl-client-side-apply`
and `fieldValidation=Strict` (from `--validate`).  The annotation is the manifest, namespace filled
in, with `"annotations":{}` at least, rendered as Go's json.Marshal + "\\n", so its bytes equal
what kubectl stores.  Kinds without a schema (custom resources) get kubectl's three-way JSON merge
patch instead.
"""

from __future__ import annotations

import copy
import json
import sys

from kubeferry.cli import mutation as mu

FIELD_MANAGER = "kubectl-client-side-apply"
SSA_FIELD_MANAGER = "kubectl"
MISSING_ANNOTATION_WARNING = (
    "Warning: resource {resource}/{name} is missing the kubectl.kubernetes.io/last-applied-configuration annotation "
    "which is required by {binary} apply. {binary} apply should only be used on resources created declaratively by "
    "either {binary} create --save-config or {binary} apply. The missing annotation will be patched automatically."
)
NO_ANNOTATION = (
    "no last-applied-configuration annotation found on resource: {name}, to create the annotation, "
    "run the command with --create-annotation"
)


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "apply", parents=parents, help="Apply a configuration to a resource by file name or stdin"
    )
    mu.add_filename(parser, "The files that contain the configurations to apply.")
    mu.add_dry_run(parser)
    mu.add_record(parser)
    parser.add_argument("--validate", default="strict")
    parser.add_argument("--server-side", action="store_true", default=False)
    parser.add_argument("--field-manager", default=None)
    parser.add_argument("--force-conflicts", action="store_true", default=False)
    parser.add_argument("-o", "--output", default="")
    mu.mark(parser, "apply")
    parser.set_defaults(handler=run)
    sub = parser.add_subparsers(dest="apply_command", metavar="COMMAND")

    view = sub.add_parser(
        "view-last-applied", parents=parents, help="View the latest last-applied-configuration annotations"
    )
    view.add_argument("targets", nargs="*")
    mu.add_filename(view, "Filename that contains the last-applied-configuration annotations")
    view.add_argument("-o", "--output", default="yaml")
    mu.mark(view, "apply view-last-applied")
    view.set_defaults(handler=run_view)

    set_ = sub.add_parser("set-last-applied", parents=parents, help="Set the last-applied-configuration annotation")
    mu.add_filename(set_, "Filename that contains the last-applied-configuration annotations")
    set_.add_argument("--create-annotation", action="store_true", default=False)
    mu.add_dry_run(set_)
    set_.add_argument("-o", "--output", default="")
    mu.mark(set_, "apply set-last-applied")
    set_.set_defaults(handler=run_set)

    edit = sub.add_parser(
        "edit-last-applied", parents=parents, help="Edit latest last-applied-configuration annotations"
    )
    edit.add_argument("targets", nargs="*")
    mu.add_filename(edit, "Filename that contains the last-applied-configuration annotations")
    edit.add_argument("-o", "--output", default="yaml")
    edit.add_argument("--validate", default="strict")
    mu.add_record(edit)
    mu.mark(edit, "apply edit-last-applied")
    edit.set_defaults(handler=run_edit)


# -- pure pieces ---------------------------------------------------------------------------------


def last_applied(obj: dict) -> str:
    """The annotation value kubectl stores: the object without the annotation, `annotations` at least `{}`."""
    clean = copy.deepcopy(obj)
    meta = clean.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop(mu.LAST_APPLIED, None)
    meta["annotations"] = annotations
    return mu.go_json(clean) + "\n"


def with_last_applied(obj: dict) -> dict:
    """The object as apply sends it: with the last-applied annotation set."""
    out = copy.deepcopy(obj)
    value = last_applied(obj)
    meta = out.setdefault("metadata", {})
    meta["annotations"] = {**(meta.get("annotations") or {}), mu.LAST_APPLIED: value}
    return out


def _merge_without_nulls(value):
    if isinstance(value, dict):
        return {k: _merge_without_nulls(v) for k, v in value.items() if v is not None}
    return value


def _only_nulls(value):
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if item is None:
            out[key] = None
        elif isinstance(item, dict):
            nested = _only_nulls(item)
            if nested:
                out[key] = nested
    return out


def _deep_merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def three_way_patch(original: dict | None, modified: dict, current: dict, schema_node: dict | None) -> tuple[dict, str]:
    """(patch, patch type): strategic when the kind has a schema, else kubectl's three-way JSON merge patch."""
    from kubeferry.machinery.patch import create_merge_patch, create_three_way_merge_patch

    if schema_node is not None:
        return create_three_way_merge_patch(original, modified, current, schema_node), "strategic"
    delta = _merge_without_nulls(create_merge_patch(current, modified))
    deletions = _only_nulls(create_merge_patch(original or {}, modified))
    return _deep_merge(deletions, delta), "merge"


def schema_for(res):
    from kubeferry.machinery import schema

    return schema.for_kind(res.group, res.version, res.kind)


def parse_last_applied(live: dict) -> dict | None:
    text = ((live.get("metadata") or {}).get("annotations") or {}).get(mu.LAST_APPLIED)
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# -- apply ---------------------------------------------------------------------------------------


def run(args) -> int:
    return mu.run_command(args, "apply", _apply)


def _apply(args, conn) -> int:
    from kubeferry.client import request as rq

    mode = mu.dry_run(args)
    validation = mu.field_validation(args)
    if not args.filename:
        raise mu.UsageError("must specify one of -f and -k")
    items = mu.load_manifests(args, conn, "apply")
    cause = mu.change_cause(args)
    transport = conn.transport
    outcome = mu.Outcome()
    for item in items:
        res = item.resource
        mu.record_on(item.obj, cause)
        if args.server_side:
            _server_side(args, conn, item, mode, validation, outcome)
            continue
        modified = with_last_applied(item.obj)
        try:
            live = mu.get_object(transport, res, item.namespace, item.name)
        except Exception as e:  # noqa: BLE001
            if not mu.is_not_found(e):
                outcome.error(e, "retrieving current configuration of", item.source)
                continue
            live = None
        if live is None:
            if mode != mu.DRY_CLIENT:
                try:
                    transport.send(
                        rq.create(res, item.namespace, modified, **mu.write_params(mode, FIELD_MANAGER, validation))
                    )
                except Exception as e:  # noqa: BLE001
                    outcome.error(e, "creating", item.source)
                    continue
            outcome.ok(mu.result_line(res, item.name, "created", mode))
            continue
        original = parse_last_applied(live)
        if original is None:
            print(
                MISSING_ANNOTATION_WARNING.format(resource=res.plural, name=item.name, binary=mu.BINARY),
                file=sys.stderr,
                flush=True,
            )
        try:
            patch, patch_type = three_way_patch(original, modified, live, schema_for(res))
        except Exception as e:  # noqa: BLE001
            outcome.error(e, "patching", item.source)
            continue
        if not patch:
            outcome.ok(mu.result_line(res, item.name, "unchanged", mode))
            continue
        if mode != mu.DRY_CLIENT:
            try:
                transport.send(
                    rq.patch(
                        res,
                        item.namespace,
                        item.name,
                        patch,
                        patch_type,
                        **mu.write_params(mode, FIELD_MANAGER, validation),
                    )
                )
            except Exception as e:  # noqa: BLE001
                outcome.error(e, "patching", item.source)
                continue
        outcome.ok(mu.result_line(res, item.name, "configured", mode))
    return outcome.finish()


def _server_side(args, conn, item, mode, validation, outcome) -> None:
    from kubeferry.client import request as rq

    if mode == mu.DRY_CLIENT:
        raise mu.UsageError("--dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)")
    manager = args.field_manager or SSA_FIELD_MANAGER
    try:
        conn.transport.send(
            rq.patch(
                item.resource,
                item.namespace,
                item.name,
                item.obj,
                "apply",
                dry_run=mode == mu.DRY_SERVER,
                field_manager=manager,
                field_validation=validation,
                force=bool(args.force_conflicts),
            )
        )
    except Exception as e:  # noqa: BLE001
        outcome.error(e, "patching", item.source)
        return
    outcome.ok(mu.result_line(item.resource, item.name, "serverside-applied", mode))


# -- view-last-applied ----------------------------------------------------------------------------


def _targets_and_objects(args, conn) -> list[tuple[object, str, str | None, str]]:
    """(resource, name, namespace, source) for TYPE NAME arguments or `-f`."""
    if args.filename:
        return [(m.resource, m.name, m.namespace, m.source) for m in mu.load_manifests(args, conn, "apply")]
    targets, _ = mu.parse_targets(conn.transport, args.targets)
    return [(t.resource, t.name, mu.namespace_for(t.resource, conn), "") for t in targets]


def render(value: dict, output: str) -> str:
    if output == "json":
        return json.dumps(value, indent=2, ensure_ascii=False) + "\n"

    return mu.go_yaml(value)


def run_view(args) -> int:
    return mu.run_command(args, "apply view-last-applied", _view)


def _view(args, conn) -> int:
    if args.output not in ("yaml", "json"):
        raise mu.UsageError(f"unexpected -o output mode: {args.output}, the flag 'output' must be one of yaml|json")
    for res, name, namespace, _ in _targets_and_objects(args, conn):
        live = mu.get_object(conn.transport, res, namespace, name)
        text = ((live.get("metadata") or {}).get("annotations") or {}).get(mu.LAST_APPLIED)
        if not text:
            raise mu.UsageError(f"no last-applied-configuration annotation found on resource: {name}")
        sys.stdout.write(render(json.loads(text), args.output))
    return 0


# -- set-last-applied -----------------------------------------------------------------------------


def run_set(args) -> int:
    return mu.run_command(args, "apply set-last-applied", _set)


def _set(args, conn) -> int:
    from kubeferry.client import request as rq

    mode = mu.dry_run(args)
    if not args.filename:
        raise mu.UsageError("must specify one of -f and -k")
    items = mu.load_manifests(args, conn, "apply set-last-applied")
    for item in items:
        live = mu.get_object(conn.transport, item.resource, item.namespace, item.name)
        has = mu.LAST_APPLIED in ((live.get("metadata") or {}).get("annotations") or {})
        if not has and not args.create_annotation:
            raise mu.UsageError(NO_ANNOTATION.format(name=item.name))
        value = mu.go_json(item.obj) + "\n"
        patch = {"metadata": {"annotations": {mu.LAST_APPLIED: value}}}
        if mode != mu.DRY_CLIENT:
            conn.transport.send(
                rq.patch(item.resource, item.namespace, item.name, patch, "merge", dry_run=mode == mu.DRY_SERVER)
            )
        print(mu.result_line(item.resource, item.name, "configured", mode), flush=True)
    return 0


# -- edit-last-applied ----------------------------------------------------------------------------

EDIT_HEADER = (
    "# Please edit the 'last-applied-configuration' annotations below.\n"
    "# Lines beginning with a '#' will be ignored, and an empty file will abort the edit.\n"
    "#\n"
)


def run_edit(args) -> int:
    return mu.run_command(args, "apply edit-last-applied", _edit)


def _edit(args, conn) -> int:
    from kubeferry.cli import edit
    from kubeferry.client import request as rq

    validation = mu.field_validation(args)
    for res, name, namespace, _ in _targets_and_objects(args, conn):
        live = mu.get_object(conn.transport, res, namespace, name)
        original = parse_last_applied(live)
        if original is None:
            raise mu.UsageError(f"no last-applied-configuration annotation found on resource: {name}")
        text = render(original, args.output)
        edited_text = edit.run_editor(EDIT_HEADER + text, args.output)
        edited = edit.parse_edited(edited_text, args.output)
        if edited is None or edited == original:
            print("Edit cancelled, no changes made.", file=sys.stderr)
            continue
        patch = {"metadata": {"annotations": {mu.LAST_APPLIED: mu.go_json(edited) + "\n"}}}
        conn.transport.send(
            rq.patch(res, namespace, name, patch, "merge", field_manager=FIELD_MANAGER, field_validation=validation)
        )
        print(mu.result_line(res, name, "edited"), flush=True)
    return 0
