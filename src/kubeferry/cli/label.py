"""`kubeferry label`: set or remove labels, as kubectl does; `annotate` shares this code.

Arguments are resources (`TYPE NAME...`, `TYPE/NAME...`, or `TYPE -l SELECTOR`/`--all`, or `-f`)
followed by changes `key=value` and removals `key-`.  For each object: GET it, refuse to change an
existing different value unless `--overwrite` (`--overwrite is false but found the following
declared label(s): 'tier' already has a value (web)`), then send a JSON merge patch computed from
old to new metadata (`{"metadata":{"labels":{"tier":null}}}` for a removal), with
`metadata.resourceVersion` when `--resource-version` is given so the server can refuse a stale
write.  Lines: `labeled` / `unlabeled` (a removal without --overwrite) / `not labeled` (nothing
changed); `annotated` always for annotate.
"""

from __future__ import annotations

import copy
import re

from kubeferry.cli import mutation as mu

# kubectl's label/annotation key syntax check is left to the server; these only split arguments.
_CHANGE = re.compile(r"^[^=]+=.*$")


def add_parser(subparsers, parents) -> None:
    _add(subparsers, parents, "label", "Update the labels on a resource")


def _add(subparsers, parents, verb: str, help_text: str) -> None:
    parser = subparsers.add_parser(verb, parents=parents, help=help_text)
    parser.add_argument("args", nargs="*")
    mu.add_filename(parser, "Filename, directory, or URL to files identifying the resource to update")
    parser.add_argument("--overwrite", action="store_true", default=False)
    parser.add_argument("--resource-version", default="")
    parser.add_argument("-l", "--selector", default="")
    parser.add_argument("--all", action="store_true", default=False)
    parser.add_argument("--list", action="store_true", default=False)
    parser.add_argument("--local", action="store_true", default=False)
    mu.add_dry_run(parser)
    mu.add_record(parser)
    parser.add_argument("-o", "--output", default="")
    mu.mark(parser, verb)
    parser.set_defaults(handler=lambda args: mu.run_command(args, verb, lambda a, c: run_meta(a, c, verb)))


SPEC = {
    # verb: (metadata field, singular noun for errors, field manager, result verbs)
    "label": ("labels", "label", "kubectl-label"),
    "annotate": ("annotations", "annotation", "kubectl-annotate"),
}


def split_args(items: list[str]) -> tuple[list[str], dict[str, str], list[str]]:
    """(resource arguments, key=value changes, keys to remove)."""
    resources: list[str] = []
    changes: dict[str, str] = {}
    removals: list[str] = []
    for item in items:
        if _CHANGE.match(item):
            key, _, value = item.partition("=")
            changes[key] = value
        elif item.endswith("-") and not resources_only(item):
            removals.append(item[:-1])
        else:
            resources.append(item)
    return resources, changes, removals


def resources_only(item: str) -> bool:
    return item == "-"


def check_overwrite(current: dict, changes: dict[str, str], noun: str) -> None:
    """kubectl refuses to change an existing different value without --overwrite."""
    clashes = [
        f"'{key}' already has a value ({current[key]})"
        for key, value in changes.items()
        if key != mu.CHANGE_CAUSE and key in current and current[key] != value
    ]
    if clashes and noun == "label":  # kubectl label words it per key
        raise mu.UsageError(f"{clashes[0]}, and --overwrite is false")
    if clashes:
        raise mu.UsageError(f"--overwrite is false but found the following declared {noun}(s): {'; '.join(clashes)}")


def result_verb(verb: str, changed: bool, removed_without_overwrite: bool) -> str:
    if verb == "annotate":
        return "annotated"
    if not changed:
        return "not labeled"
    return "unlabeled" if removed_without_overwrite else "labeled"


def run_meta(args, conn, verb: str) -> int:
    from kubeferry.client import request as rq
    from kubeferry.machinery.patch import create_merge_patch

    field, noun, manager = SPEC[verb]
    mode = mu.dry_run(args)
    resource_args, changes, removals = split_args(args.args)
    if not changes and not removals and not args.list:
        raise mu.UsageError(f"at least one {noun} update is required")
    for key in removals:
        if key in changes:
            raise mu.UsageError(f"can not both modify and remove the following {noun}(s) in the same command: {key}")
    cause = mu.change_cause(args)
    targets: list[tuple] = []
    if args.filename:
        targets = [(m.resource, m.name, m.namespace, m.source) for m in mu.load_manifests(args, conn, verb)]
    else:
        if not resource_args:
            raise mu.UsageError("one or more resources must be specified as <resource> <name> or <resource>/<name>")
        found, kinds = mu.parse_targets(conn.transport, resource_args, allow_selector=bool(args.selector or args.all))
        targets = [(t.resource, t.name, mu.namespace_for(t.resource, conn), "") for t in found]
        for res in kinds:
            listed = conn.transport.list_objects(
                res.api_version, res.kind, mu.namespace_for(res, conn), label_selector=args.selector
            ).items
            targets.extend((res, o["metadata"]["name"], mu.namespace_for(res, conn), "") for o in listed)
        if kinds and not found and not targets:
            print("No resources found", file=__import__("sys").stderr)
            return 0
    outcome = mu.Outcome()
    for res, name, namespace, source in targets:
        try:
            live = mu.get_object(conn.transport, res, namespace, name)
            meta = live.get("metadata") or {}
            current = dict(meta.get(field) or {})
            if not args.overwrite:
                check_overwrite(current, changes, noun)
            updated = copy.deepcopy(live)
            values = dict(current)
            values.update(changes)
            for key in removals:
                values.pop(key, None)
            updated.setdefault("metadata", {})[field] = values
            mu.record_on(updated, cause)
            if args.resource_version:
                updated["metadata"]["resourceVersion"] = args.resource_version
            patch = create_merge_patch(live, updated)
            changed = values != current
            if mode != mu.DRY_CLIENT:
                conn.transport.send(rq.patch(res, namespace, name, patch, "merge", **mu.write_params(mode, manager)))
        except Exception as e:  # noqa: BLE001
            outcome.error(e, "patching" if source else "", source)
            continue
        removed = bool(removals) and not args.overwrite and len(values) < len(current)
        outcome.ok(mu.result_line(res, name, result_verb(verb, changed, removed), mode))
    return outcome.finish()
