"""`kubeferry rollout undo`: roll a workload back to an earlier revision, as kubectl does (semantics §6.3).

Deployment: the target ReplicaSet (`--to-revision`, else the second-highest revision) gives the
template; a JSON patch replaces `/spec/template` (without `pod-template-hash`) and
`/metadata/annotations` (the Deployment's own bookkeeping annotations plus the ReplicaSet's
others).  DaemonSet/StatefulSet: the target ControllerRevision's `data` is sent unchanged as a
strategic merge patch.  Refusals, skips and dry runs word their lines as kubectl does; an object
managed by `kubectl apply` gets kubectl's last-applied warning on stderr first.
"""

from __future__ import annotations

import copy
import json
import sys

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
# Deployment annotations the rollback keeps from the Deployment itself rather than taking from the ReplicaSet.
SKIPPED_ANNOTATIONS = (
    LAST_APPLIED,
    REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
)
POD_TEMPLATE_HASH = "pod-template-hash"
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


def _without_hash(template: dict) -> dict:
    template = copy.deepcopy(template or {})
    labels = (template.get("metadata") or {}).get("labels")
    if labels:
        labels.pop(POD_TEMPLATE_HASH, None)
    return template


def _normal(value):
    """Drop nulls (`creationTimestamp: null`) and empty maps so templates compare by content."""
    if isinstance(value, dict):
        out = {k: _normal(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in out.items() if v != {}}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def pick_deployment_revision(history: dict[int, dict], to_revision: int, name: str) -> tuple[int, str | None]:
    """(revision, error): `to_revision` when present, else for 0 the second-highest revision."""
    if to_revision > 0:
        if to_revision in history:
            return to_revision, None
        return 0, f"unable to find specified revision {to_revision} in history"
    numbers = sorted(history)
    if len(numbers) < 2:
        return 0, f'no rollout history found for deployment "{name}"'
    return numbers[-2], None


def deployment_patch(deployment: dict, rs: dict) -> list[dict]:
    """kubectl's JSON patch: the RS template without its hash label, and the merged annotations."""
    own = (deployment.get("metadata") or {}).get("annotations") or {}
    annotations = {k: own[k] for k in SKIPPED_ANNOTATIONS if k in own}
    for key, value in ((rs.get("metadata") or {}).get("annotations") or {}).items():
        if key not in SKIPPED_ANNOTATIONS:
            annotations[key] = value
    template = _without_hash((rs.get("spec") or {}).get("template") or {})
    return [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]


def current_revision_data(workload: dict) -> dict:
    """What the controller would store as revision data for the set's current template."""
    template = copy.deepcopy((workload.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def run(args) -> int:
    from kubeferry.cli import rollout
    from kubeferry.cli.rollout import history as hist

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
        if target.kind == "Deployment":
            number, problem = pick_deployment_revision(history, args.to_revision, target.name)
        else:
            number, problem = pick_set_revision(history, args.to_revision)
        if problem:
            return rollout.error(problem)
        entry = history[number]
        name = target.printed_name()
        if args.dry_run == "client":
            lead = "" if target.kind == "Deployment" else "will roll back to "
            print(f"{name} {lead}{hist.describe_template(entry['template'])} (dry run)")
            return rollout.EXIT_OK
        if target.kind == "Deployment":
            if (workload.get("spec") or {}).get("paused"):
                return rollout.error(PAUSED_ERROR)
            current = (workload.get("spec") or {}).get("template") or {}
            if _normal(_without_hash(entry["template"])) == _normal(_without_hash(current)):
                print(f"{name} skipped rollback (current template already matches revision {args.to_revision})")
                return rollout.EXIT_OK
            body, patch_type = deployment_patch(workload, entry["object"]), "application/json-patch+json"
        else:
            data = entry["revision_object"].get("data") or {}
            if _normal(json.loads(json.dumps(data))) == _normal(current_revision_data(workload)):
                print(f"{name} skipped rollback (current template already matches revision {args.to_revision})")
                return rollout.EXIT_OK
            body, patch_type = data, "application/strategic-merge-patch+json"
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


def pick_set_revision(history: dict[int, dict], to_revision: int) -> tuple[int, str | None]:
    """DaemonSet/StatefulSet: `to_revision`, else the second-highest revision; at most one → no last revision."""
    if to_revision == 0 and len(history) <= 1:
        return 0, "no last revision to roll back to"
    if to_revision > 0:
        if to_revision in history:
            return to_revision, None
        return 0, f"unable to find specified revision {to_revision} in history"
    return sorted(history)[-2], None
