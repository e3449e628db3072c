"""`kubeferry rollout undo`: roll a workload back to an earlier revision, as kubectl does (semantics §6.3).

Deployment: the target ReplicaSet (`--to-revision`, else the second-highest revision) gives the
template; a JSON patch replaces `/spec/template` (without `pod-template-hash`) and
`/metadata/annotations` (the Deployment's own bookkeeping annotations plus the ReplicaSet's
others).  DaemonSet/StatefulSet: the target ControllerRevision's `data` is sent unchanged as a
strategic merge patch.  Choosing the revision and building the patch live in
`kubeferry.delivery.rollback`, shared with the deliver step's automatic rollback.  Refusals, skips and dry runs word their lines as kubectl does; an object
managed by `kubectl apply` gets kubectl's last-applied warning on stderr first.
"""

from __future__ import annotations

import sys

from kubeferry.delivery.rollback import LAST_APPLIED

PAUSED_ERROR = "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again"


def register(sub, parents) -> None:
    from kubeferry.cli.rollout import add_target_flags

    text = "Undo a previous rollout"
    parser = sub.add_parser("undo", parents=parents, help=text, description=text + ".")
    add_target_flags(parser)
    parser.add_argument(
        "--to-revision", type=int, default=0, help="The revision to rollback to. Default to 0 (last revision)."
    )
    parser.add_argument(
        "--dry-run",
        nargs="?",
        const="client",
        default="none",
        choices=["none", "client", "server"],
        help="none, client or server.",
    )
    parser.add_argument("-o", "--output", default="", choices=["", "name"], help="Output format: name.")
    parser.set_defaults(handler=run)


def last_applied_warning(target) -> str:
    return (
        f"Warning: resource {target.resource.plural}/{target.name} was previously managed with 'kubectl apply'. "
        "Rolling back will not update the kubectl.kubernetes.io/last-applied-configuration annotation, which may "
        "cause unexpected behavior on future 'kubectl apply' operations. Consider using 'kubectl apply' with your "
        "previous configuration file instead."
    )


def run(args) -> int:
    from kubeferry.cli import rollout
    from kubeferry.cli.rollout import history as hist
    from kubeferry.delivery import rollback as rb

    def each(conn, target) -> int:
        workload = rollout.fetch(conn, target)  # kubectl resolves (GETs) the object before choosing a rollbacker
        if target.kind not in ("Deployment", "DaemonSet", "StatefulSet") or target.group != "apps":
            qualified = f"{target.kind}.{target.group}" if target.group else target.kind
            return rollout.error(f'no rollbacker has been implemented for "{qualified}"')
        if LAST_APPLIED in ((workload.get("metadata") or {}).get("annotations") or {}):
            print(last_applied_warning(target), file=sys.stderr)
        if args.to_revision < 0:
            return rollout.error(f"unable to find specified revision {args.to_revision} in history")
        history = hist.revisions(conn, target, workload)
        number, problem = rb.pick_revision(target.kind, history, args.to_revision, target.name)
        if problem:
            return rollout.error(problem)
        entry = history[number]
        name = target.printed_name()
        if args.dry_run == "client":
            lead = "" if target.kind == "Deployment" else "will roll back to "
            print(f"{name} {lead}{hist.describe_template(entry['template'])} (dry run)")
            return rollout.EXIT_OK
        if target.kind == "Deployment" and (workload.get("spec") or {}).get("paused"):
            return rollout.error(PAUSED_ERROR)
        source = entry["object"] if target.kind == "Deployment" else entry["revision_object"]
        chosen = rb.plan(workload, rb.Revision(number, entry["template"], entry.get("cause", ""), source))
        if chosen.skip:
            print(f"{name} skipped rollback (current template already matches revision {args.to_revision})")
            return rollout.EXIT_OK
        body, patch_type = chosen.body, chosen.patch_type
        conn.transport.patch(
            target.resource.api_version,
            target.kind,
            target.namespace,
            target.name,
            body,
            patch_type,
            dry_run=args.dry_run == "server",
        )
        if args.output == "name":
            print(name)
        else:
            print(f"{name} rolled back" + (" (server dry run)" if args.dry_run == "server" else ""))
        return rollout.EXIT_OK

    return rollout.run(args, "undo", each)
