"""`kubeferry edit TYPE NAME`: open the live object in `$KUBE_EDITOR`/`$EDITOR`, patch the result.

The editor gets the object as YAML under kubectl's header comment (or bare JSON with `-o json`).  After
the editor exits, comment lines are ignored; an unchanged file prints `Edit cancelled, no changes
made.` (exit 0).  Otherwise the two-way strategic patch from the original to the edited object is
sent with `fieldManager=kubectl-edit` and `fieldValidation` from `--validate`.  A 422 Invalid
reopens the editor with the failures listed under the header (`# deployments.apps "x" was not
valid:` then `# * <field>: <message>` per cause); saving that unchanged or empty prints where the
file was kept, then `error: Edit cancelled, no valid changes were saved.` (exit 1).  Other errors print `error: <resource>
"<name>" could not be patched: <message>` with the replace hint, exit 1.

Several objects (`edit deploy/a deploy/b`, or a type with no name that lists more than one)
go into ONE document, kubectl's `v1 List` with `items`.  On save each item is matched to its
original by group, kind, namespace and name; unchanged items print `<kind>/<name> skipped`, changed
ones are patched and print `edited` (with an explicit `-o yaml|json`, the object itself instead).
Each invalid one prints `error: <resource> "<name>" is invalid` on stderr.  When some are invalid
the whole document reopens as saved, with one `was not valid` block per failed object in the header.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile

from kubeferry.cli import mutation as mu

FIELD_MANAGER = "kubectl-edit"
DEFAULT_EDITOR = "vi"
HEADER = (
    "# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
    "# and an empty file will abort the edit. If an error occurs while saving this file will be\n"
    "# reopened with the relevant failures.\n"
    "#\n"
)
CANCELLED = "Edit cancelled, no changes made."
CANCELLED_INVALID = "Edit cancelled, no valid changes were saved."


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser("edit", parents=parents, help="Edit a resource on the server")
    parser.add_argument("targets", nargs="*")
    mu.add_filename(parser, "Filename, directory, or URL to files to use to edit the resource")
    parser.add_argument("-o", "--output", default="")
    parser.add_argument("--validate", default="strict")
    parser.add_argument("--save-config", action="store_true", default=False)
    parser.add_argument("--subresource", default="")
    mu.add_record(parser)
    mu.mark(parser, "edit")
    parser.set_defaults(handler=run)


def run(args) -> int:
    return mu.run_command(args, "edit", _edit)


def editor_command() -> list[str]:
    editor = os.environ.get("KUBE_EDITOR") or os.environ.get("EDITOR") or DEFAULT_EDITOR
    return shlex.split(editor)


def serialize(obj: dict, output: str) -> str:
    if output == "json":
        return json.dumps(obj, indent=4, ensure_ascii=False) + "\n"

    return mu.go_yaml(obj)


def strip_comments(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#"))


def parse_edited(text: str, output: str = "yaml") -> dict | None:
    """The edited object, or None when the file holds nothing but comments and blanks."""
    import yaml

    body = strip_comments(text)
    if not body.strip():
        return None
    value = yaml.safe_load(body)
    if not isinstance(value, dict):
        raise mu.UsageError("the edited file did not contain an object")
    return value


def run_editor(text: str, output: str = "yaml", path: str | None = None) -> str:
    """Write `text` to a temp file (or `path`), run the editor on it, return what was saved."""
    if path is None:
        suffix = ".json" if output == "json" else ".yaml"
        handle, path = tempfile.mkstemp(prefix="kubeferry-edit-", suffix=suffix)
        os.close(handle)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    result = subprocess.run([*editor_command(), path], check=False)
    if result.returncode != 0:
        raise mu.UsageError(f"there was a problem with the editor {' '.join(editor_command())!r}")
    with open(path, encoding="utf-8") as f:
        return f.read()


def invalid_header(qualified: str, name: str, error) -> str:
    """`# deployments.apps "x" was not valid:` and `# * field: message` per cause, then `#`."""
    causes = (error.details or {}).get("causes") or []
    lines = [f'# {qualified} "{name}" was not valid:']
    if causes:
        lines.extend(f"# * {c.get('field', '')}: {c.get('message', '')}".replace("\n", "\n# ") for c in causes)
    else:
        lines.append(f"# * {error.message}")
    return "\n".join(lines) + "\n#\n"


def _collect(args, conn) -> list[tuple]:
    """(resource, namespace, name, live object) for every object named by the command line."""
    from kubeferry.client import request as rq

    if args.filename:
        targets = [(m.resource, m.name, m.namespace) for m in mu.load_manifests(args, conn, "edit")]
        return [(res, ns, name, mu.get_object(conn.transport, res, ns, name)) for res, name, ns in targets]
    found, kinds = mu.parse_targets(conn.transport, args.targets, allow_selector=True)
    out = []
    for t in found:
        ns = mu.namespace_for(t.resource, conn)
        out.append((t.resource, ns, t.name, mu.get_object(conn.transport, t.resource, ns, t.name)))
    for res in kinds:
        ns = mu.namespace_for(res, conn)
        listed = conn.transport.send(rq.list_(res, ns)).json()
        version = listed.get("apiVersion", "v1")
        kind = listed.get("kind", "").removesuffix("List")
        for item in listed.get("items") or []:
            item = {"apiVersion": version, "kind": kind, **item}
            out.append((res, ns, item["metadata"]["name"], item))
    return out


def document(objects: list[dict]) -> dict:
    """One object as itself; several as kubectl's `v1 List` with `items`."""
    if len(objects) == 1:
        return objects[0]
    return {"apiVersion": "v1", "items": objects, "kind": "List", "metadata": {}}


def _identity(obj: dict) -> tuple:
    meta = obj.get("metadata") or {}
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    return group, obj.get("kind"), meta.get("namespace") or "", meta.get("name")


def _edited_items(edited: dict, count: int) -> list[dict]:
    if count > 1 or (edited.get("kind") == "List" and isinstance(edited.get("items"), list)):
        items = edited.get("items")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise mu.UsageError("the edited file did not contain a list of objects")
        return items
    return [edited]


def _report(output: str, res, name: str, verb: str, obj: dict) -> None:
    """kubectl's result line, or with an explicit `-o yaml|json` the object itself in that format."""
    if output:
        shown = {**obj, "metadata": {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}}
        print(serialize(shown, output), end="", flush=True)
    else:
        print(mu.result_line(res, name, verb), flush=True)


def _edit(args, conn) -> int:
    from kubeferry.cli.apply import schema_for, with_last_applied
    from kubeferry.client import request as rq
    from kubeferry.machinery.patch import create_two_way_merge_patch
    from kubeferry.machinery.status import StatusError

    validation = mu.field_validation(args)
    if args.output not in ("", "yaml", "json"):
        raise mu.UsageError("the edit mode must be one of yaml|json")
    mode = args.output or "yaml"
    cause = mu.change_cause(args)
    infos = _collect(args, conn)
    if not infos:
        return 0
    header = "" if mode == "json" else HEADER  # JSON has no comments: kubectl writes no header there
    text = header + serialize(document([live for *_, live in infos]), mode)
    suffix = ".json" if mode == "json" else ".yaml"
    handle, path = tempfile.mkstemp(prefix="kubeferry-edit-", suffix=suffix)
    os.close(handle)
    reopened = False
    failed_other = False
    while True:
        edited_text = run_editor(text, mode, path)
        if strip_comments(edited_text) == strip_comments(text) or not strip_comments(edited_text).strip():
            if reopened:
                print(f'A copy of your changes has been stored to "{path}"', file=sys.stderr)
                raise mu.UsageError(CANCELLED_INVALID)
            print(CANCELLED, file=sys.stderr)
            os.unlink(path)
            return 0
        edited = parse_edited(edited_text, mode)
        by_identity = {_identity(live): (res, ns, name, live) for res, ns, name, live in infos}
        retry: list[tuple] = []
        headers: list[str] = []
        done: dict[tuple, tuple] = {}
        for item in _edited_items(edited, len(infos)):
            match = by_identity.get(_identity(item))
            if match is None:
                meta = item.get("metadata") or {}
                print(f"error: no original object found for {meta.get('name', '')!r}", file=sys.stderr)
                failed_other = True
                continue
            res, ns, name, live = match
            mu.record_on(item, cause)
            if args.save_config:
                item = with_last_applied(item)
            patch = create_two_way_merge_patch(live, item, schema_for(res))
            if not patch:
                _report(args.output, res, name, "skipped", live)
                continue
            try:
                response = conn.transport.send(
                    rq.patch(
                        res, ns, name, patch, "strategic", **mu.write_params(mu.DRY_NONE, FIELD_MANAGER, validation)
                    )
                )
            except StatusError as e:
                if e.code == 422 and e.reason == "Invalid":
                    print(f'error: {res.qualified} "{name}" is invalid', file=sys.stderr, flush=True)
                    retry.append(match)
                    headers.append(invalid_header(res.qualified, name, e))
                    continue
                print(
                    f'error: {res.qualified} "{name}" could not be patched: {e.message}\n'
                    f"You can run `{mu.BINARY} replace -f {path}` to try this update again.",
                    file=sys.stderr,
                )
                failed_other = True
                continue
            patched = response.json()
            done[_identity(live)] = (res, ns, name, patched)
            _report(args.output, res, name, "edited", patched)
        if not retry:
            break
        # kubectl reopens the whole document as saved, the failures listed on top; the objects already
        # patched are compared with their new state next time
        infos = [done.get(_identity(live), (res, ns, name, live)) for res, ns, name, live in infos]
        reopened = True
        text = (header and header + "".join(headers)) + strip_comments(edited_text)
    if failed_other:
        return mu.EXIT_FAILED
    os.unlink(path)
    return 0
