"""`kubeferry rollout history`: the revisions of a Deployment, DaemonSet or StatefulSet (semantics §6.2).

kubectl's output exactly: `deployment.apps/web ` (the name printer with an empty operation, hence
the trailing space), then a `REVISION  CHANGE-CAUSE` table whose lines all end in a newline, then
the newline the printer adds — a blank last line.  `--revision=N` prints the revision's pod
template as `kubectl describe` does; `-o name|yaml|json` prints the ReplicaSets (Deployments) or
the sets rebuilt from each ControllerRevision (DaemonSets, StatefulSets).

Beyond kubectl:
* `--images` adds an IMAGES column (the revision's container images, comma-separated, init
  containers first) after CHANGE-CAUSE.  On a terminal it is shown by default; when stdout is
  not a terminal the default output stays byte-for-byte kubectl's, so scripts parsing it keep
  working.  `--images=false` turns it off on a terminal.
* `--diff A B` prints a unified diff of revision A's and revision B's pod templates as YAML
  (`pod-template-hash` labels dropped, so only real changes show).

Revisions come from the workload's own history objects: ReplicaSets (revision annotation,
change-cause annotation) or ControllerRevisions (`.revision`, data applied to the set by
strategic merge patch), kept only when the workload is their controller.
"""

from __future__ import annotations

import json
import sys

CHANGE_CAUSE = "kubernetes.io/change-cause"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
POD_TEMPLATE_HASH = "pod-template-hash"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
HISTORY_KINDS = ("Deployment", "DaemonSet", "StatefulSet")
# Kinds kubectl's history viewer factory knows (apps, extensions, batch, core); others get a visitor error.
KNOWN_GROUPS = ("apps", "extensions", "batch", "")
PADDING = 2  # tabwriter padding between columns


def register(sub, parents) -> None:
    from kubeferry.cli.rollout import add_target_flags

    text = "View rollout history"
    parser = sub.add_parser("history", parents=parents, help=text, description=text + ".")
    add_target_flags(parser)
    parser.add_argument(
        "--revision", type=int, default=0, help="See the details, including podTemplate of the revision specified"
    )
    parser.add_argument("-o", "--output", default="", help="Output format. One of: (json, yaml, name).")
    parser.add_argument(
        "--images",
        nargs="?",
        const="true",
        default=None,
        choices=["true", "false"],
        help="Add an IMAGES column (default: on a terminal only).",
    )
    parser.add_argument(
        "--diff", nargs=2, type=int, metavar=("A", "B"), help="Unified diff of two revisions' pod templates."
    )
    parser.set_defaults(handler=run)


# -- the pod template description lives in kubeferry.cli.pod_template (shared with describe) -----


def describe_template(template: dict | None) -> str:
    from kubeferry.cli.pod_template import describe_template as describe

    return describe(template)


# -- revisions -----------------------------------------------------------------------------------


def _controlled_by(obj: dict, uid: str) -> bool:
    return any(
        ref.get("controller") and ref.get("uid") == uid
        for ref in (obj.get("metadata") or {}).get("ownerReferences") or []
    )


def images(template: dict) -> str:
    spec = (template or {}).get("spec") or {}
    names = [c.get("image", "") for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])]
    return ",".join(names) or "<none>"


def revisions(conn, target, workload: dict) -> dict[int, dict]:
    """revision → {"object": RS or rebuilt set, "template": pod template, "cause": change-cause or ""}."""
    from kubeferry.machinery.selectors import format_label_selector

    meta = workload.get("metadata") or {}
    uid = meta.get("uid", "")
    selector = format_label_selector((workload.get("spec") or {}).get("selector"))
    out: dict[int, dict] = {}
    if target.kind == "Deployment":
        items = conn.transport.list_objects("apps/v1", "ReplicaSet", target.namespace, label_selector=selector).items
        for rs in items:
            if not _controlled_by(rs, uid):
                continue
            annotations = (rs.get("metadata") or {}).get("annotations") or {}
            try:
                number = int(annotations.get(REVISION_ANNOTATION, ""))
            except ValueError:
                continue
            template = (rs.get("spec") or {}).get("template") or {}  # read only: copied where changed
            cause = annotations.get(CHANGE_CAUSE, "")
            out[number] = {"object": rs, "template": template, "cause": cause}
        return out
    from copy import deepcopy

    from kubeferry.machinery import schema
    from kubeferry.machinery.patch import apply_strategic_merge_patch

    node = schema.for_kind("apps", "v1", target.kind)
    items = conn.transport.list_objects(
        "apps/v1", "ControllerRevision", target.namespace, label_selector=selector
    ).items
    for cr in items:
        if not _controlled_by(cr, uid):
            continue
        rebuilt = apply_strategic_merge_patch(deepcopy(workload), cr.get("data") or {}, node)
        cause = ((cr.get("metadata") or {}).get("annotations") or {}).get(CHANGE_CAUSE, "")
        out[int(cr.get("revision") or 0)] = {
            "object": rebuilt,
            "template": (rebuilt.get("spec") or {}).get("template") or {},
            "cause": cause,
            "revision_object": cr,
        }
    return out


def table(history: dict[int, dict], with_images: bool) -> str:
    """The tabwriter table: each column as wide as its widest cell plus 2, the last column unpadded.

    Example: revisions 1 and 10 → `REVISION` (8) is widest, so every first cell is padded to 10:
    `REVISION  CHANGE-CAUSE` / `1         <none>` / `10        <none>`.
    """
    header = ["REVISION", "CHANGE-CAUSE"] + (["IMAGES"] if with_images else [])
    rows = [header]
    for number in sorted(history):
        row = [str(number), history[number]["cause"] or "<none>"]
        if with_images:
            row.append(images(history[number]["template"]))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) + PADDING for i in range(len(header) - 1)]
    return "".join("".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)) + r[-1] + "\n" for r in rows)


def _printable(obj: dict, target) -> dict:
    from copy import deepcopy

    obj = deepcopy(obj)
    if target.kind == "Deployment":
        obj.setdefault("apiVersion", "apps/v1")
        obj.setdefault("kind", "ReplicaSet")
    return obj


def print_objects(objects: list[dict], output: str) -> None:
    import yaml

    for index, obj in enumerate(objects):
        if output == "name":
            kind = obj.get("kind", "").lower()
            group = obj.get("apiVersion", "").rpartition("/")[0]
            name = (obj.get("metadata") or {}).get("name", "")
            print(f"{kind}.{group}/{name}" if group else f"{kind}/{name}")
        elif output == "json":
            print(json.dumps(obj, indent=4, ensure_ascii=False))
        else:
            if index:
                print("---")
            sys.stdout.write(yaml.safe_dump(obj, default_flow_style=False, sort_keys=True, allow_unicode=True))


def template_yaml(template: dict) -> str:
    from copy import deepcopy

    import yaml

    template = deepcopy(template)
    labels = (template.get("metadata") or {}).get("labels") or {}
    labels.pop(POD_TEMPLATE_HASH, None)
    return yaml.safe_dump(template, default_flow_style=False, sort_keys=True)


def run(args) -> int:
    from kubeferry.cli import rollout

    if args.revision < 0:
        return rollout.error(f"revision must be a positive integer: {args.revision}")
    if args.output not in ("", "name", "yaml", "json"):
        return rollout.error(
            f'unable to match a printer suitable for the output format "{args.output}", allowed formats are: json,name,yaml'
        )
    with_images = sys.stdout.isatty() if args.images is None else args.images == "true"

    def each(conn, target) -> int:
        workload = rollout.fetch(conn, target)  # kubectl resolves (GETs) the object before choosing a viewer
        if target.kind not in HISTORY_KINDS or target.group != "apps":
            if target.group in KNOWN_GROUPS:
                qualified = f"{target.kind}.{target.group}" if target.group else target.kind
                return rollout.error(f'no history viewer has been implemented for "{qualified}"')
            return rollout.error(
                f'error retrieving history for "{target.kind}", no visitor method exists for {target.kind}'
            )
        history = revisions(conn, target, workload)
        if args.diff:
            return _diff(target, history, *args.diff)
        if args.output:
            chosen = sorted(history) if not args.revision else [args.revision]
            if args.revision and args.revision not in history:
                return rollout.error(f"unable to find the specified revision {args.revision}")
            print_objects([_printable(history[n]["object"], target) for n in chosen], args.output)
            return rollout.EXIT_OK
        if args.revision:
            if args.revision not in history:
                return rollout.error("unable to find the specified revision")
            entry = history[args.revision]
            from copy import deepcopy

            template = deepcopy(entry["template"])
            if target.kind == "Deployment" and entry["cause"]:
                template.setdefault("metadata", {}).setdefault("annotations", {})[CHANGE_CAUSE] = entry["cause"]
            sys.stdout.write(f"{target.printed_name()} with revision #{args.revision}\n{describe_template(template)}\n")
            return rollout.EXIT_OK
        text = table(history, with_images) if history else "No rollout history found.\n"
        sys.stdout.write(f"{target.printed_name()} \n{text}\n")
        return rollout.EXIT_OK

    return rollout.run(args, "history", each)


def _diff(target, history: dict[int, dict], first: int, second: int) -> int:
    import difflib

    from kubeferry.cli import rollout

    for number in (first, second):
        if number not in history:
            return rollout.error(f"unable to find the specified revision {number}")
    a = template_yaml(history[first]["template"]).splitlines(keepends=True)
    b = template_yaml(history[second]["template"]).splitlines(keepends=True)
    sys.stdout.writelines(
        difflib.unified_diff(
            a, b, f"{target.printed_name()} revision {first}", f"{target.printed_name()} revision {second}"
        )
    )
    return rollout.EXIT_OK
