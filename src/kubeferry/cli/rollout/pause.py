"""`kubeferry rollout pause|resume`: mark a Deployment paused or resumed, as kubectl does (semantics §6.4).

Only Deployments can be paused.  The change is a strategic merge patch with field manager
`kubectl-rollout`: `{"spec":{"paused":true}}` to pause, `{"spec":{"paused":null}}` to resume
(false is the zero value, so kubectl's two-way patch removes the field).
"""

from __future__ import annotations

FIELD_MANAGER = "kubectl-rollout"
PATCHES = {"pause": {"spec": {"paused": True}}, "resume": {"spec": {"paused": None}}}
DONE = {"pause": "paused", "resume": "resumed"}
GERUND = {"pause": "pausing", "resume": "resuming"}


def register(sub, parents) -> None:
    from kubeferry.cli.rollout import add_target_flags

    for verb, text in (("pause", "Mark the provided resource as paused"), ("resume", "Resume a paused resource")):
        parser = sub.add_parser(verb, parents=parents, help=text, description=text + ".")
        add_target_flags(parser)
        parser.add_argument(
            "--field-manager", default=FIELD_MANAGER, help="Name of the manager used to track field ownership."
        )
        parser.add_argument("-o", "--output", default="", choices=["", "name"], help="Output format: name.")
        parser.set_defaults(handler=lambda args, verb=verb: run(args, verb))


def decide(verb: str, target, obj: dict) -> tuple[dict | None, str | None]:
    """(patch, error): the patch to send, or kubectl's error text for this object."""
    if target.kind != "Deployment" or target.group != "apps":
        return None, f'{target.qualified()} "{target.name}" {GERUND[verb]} is not supported'
    paused = bool((obj.get("spec") or {}).get("paused"))
    if verb == "pause" and paused:
        return None, f'{target.qualified()} "{target.name}" is already paused'
    if verb == "resume" and not paused:
        return None, f'{target.qualified()} "{target.name}" is not paused'
    return PATCHES[verb], None


def run(args, verb: str) -> int:
    from kubeferry.cli import rollout

    def each(conn, target) -> int:
        obj = rollout.fetch(conn, target)
        patch, problem = decide(verb, target, obj)
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
        print(target.printed_name() if args.output == "name" else f"{target.printed_name()} {DONE[verb]}")
        return rollout.EXIT_OK

    return rollout.run(args, verb, each)
