"""`kubeferry rollout restart`: stamp the pod template so the controller rolls every pod (semantics §6.5).

Sets `kubectl.kubernetes.io/restartedAt` on the pod template to the local time in RFC 3339 with
seconds precision (`2026-01-01T10:00:00+02:00`, `Z` in UTC, as Go formats it) through a strategic
merge patch with field manager `kubectl-rollout`.  Deployments, DaemonSets and StatefulSets only; a
paused Deployment is refused; a second restart within the same second would be an empty patch,
which kubectl refuses with its own message.
"""

from __future__ import annotations

FIELD_MANAGER = "kubectl-rollout"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
RESTARTABLE = ("Deployment", "DaemonSet", "StatefulSet")


def register(sub, parents) -> None:
    from kubeferry.cli.rollout import add_target_flags

    text = "Restart a resource"
    parser = sub.add_parser("restart", parents=parents, help=text, description=text + ".")
    add_target_flags(parser)
    parser.add_argument(
        "--field-manager", default=FIELD_MANAGER, help="Name of the manager used to track field ownership."
    )
    parser.add_argument("-o", "--output", default="", choices=["", "name"], help="Output format: name.")
    parser.set_defaults(handler=run)


def now_rfc3339() -> str:
    """Go's `time.Now().Format(time.RFC3339)`: local offset, seconds, `Z` for UTC."""
    import datetime as dt

    text = dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def decide(target, obj: dict, stamp: str) -> tuple[dict | None, str | None]:
    """(patch, error) for restarting `obj` at `stamp`."""
    if target.kind not in RESTARTABLE or target.group != "apps":
        return None, f'{target.qualified()} "{target.name}" restarting is not supported'
    spec = obj.get("spec") or {}
    if target.kind == "Deployment" and spec.get("paused"):
        return None, f'{target.qualified()} "{target.name}" can\'t restart paused deployment (run rollout resume first)'
    current = (((spec.get("template") or {}).get("metadata") or {}).get("annotations") or {}).get(RESTARTED_AT)
    if current == stamp:
        return None, (
            f"failed to create patch for {target.name}: if restart has already been triggered within the past second, "
            "please wait before attempting to trigger another"
        )
    return {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}, None


def run(args) -> int:
    from kubeferry.cli import rollout

    def each(conn, target) -> int:
        obj = rollout.fetch(conn, target)
        patch, problem = decide(target, obj, now_rfc3339())
        if problem:
            return rollout.error(problem)
        conn.transport.patch(
            target.resource.api_version,
            target.kind,
            target.namespace,
            target.name,
            patch,
            field_manager=args.field_manager,
        )
        print(target.printed_name() if args.output == "name" else f"{target.printed_name()} restarted")
        return rollout.EXIT_OK

    return rollout.run(args, "restart", each)
