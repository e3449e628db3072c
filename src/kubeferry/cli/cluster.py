"""`kubeferry cluster up|down|status|kubeconfig`: the embedded cluster's lifecycle.

Parsing lives here; the work is `kubeferry.cluster.lifecycle`, imported only when a cluster
command actually runs.
"""

from __future__ import annotations

import argparse


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", default="kubeferry", help="cluster name (default: kubeferry)")
    parser.add_argument("--data-dir", default=None, help="state directory (default: ~/.local/share/kubeferry/<name>)")


def _run(verb: str):
    def handler(args: argparse.Namespace) -> int:
        from kubeferry.cluster import lifecycle

        return {"up": lifecycle.up, "down": lifecycle.down, "status": lifecycle.status, "kubeconfig": lifecycle.print_kubeconfig}[
            verb
        ](args)

    return handler


def add_parser(subparsers) -> None:
    cluster = subparsers.add_parser("cluster", help="start, stop and inspect an embedded cluster")
    verbs = cluster.add_subparsers(dest="verb", metavar="VERB", required=True)

    up = verbs.add_parser("up", help="start an embedded cluster and make its context current")
    _common(up)
    up.add_argument("--address", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    up.add_argument("--port", type=int, default=0, help="port to bind (default: 0, a free port)")
    up.add_argument("--seed", type=int, default=None, help="seed for generated names and allocations")
    up.add_argument("--durability", choices=["normal", "full"], default="normal",
                    help="normal survives a crash of the server; full also survives power loss")
    up.add_argument("--kubeconfig", default=None, help="kubeconfig file to merge into (default: $KUBECONFIG or ~/.kube/config)")
    up.add_argument("--detach", action="store_true", help="run in the background; return once /readyz answers")
    up.set_defaults(handler=_run("up"))

    down = verbs.add_parser("down", help="stop a cluster and remove its kubeconfig entries")
    _common(down)
    down.add_argument("--delete", action="store_true", help="also delete the cluster's data")
    down.add_argument("--kubeconfig", default=None, help="kubeconfig file to remove the entries from")
    down.set_defaults(handler=_run("down"))

    status = verbs.add_parser("status", help="exit 0 when the cluster is running, 1 when not")
    _common(status)
    status.set_defaults(handler=_run("status"))

    config = verbs.add_parser("kubeconfig", help="print a kubeconfig for the cluster")
    _common(config)
    config.set_defaults(handler=_run("kubeconfig"))
