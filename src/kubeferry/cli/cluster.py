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

        verbs = {
            "up": lifecycle.up,
            "down": lifecycle.down,
            "status": lifecycle.status,
            "kubeconfig": lifecycle.print_kubeconfig,
            "advance": lifecycle.advance,
            "settle": lifecycle.settle,
        }
        return verbs[verb](args)

    return handler


def add_parser(subparsers, parents=()) -> None:
    cluster = subparsers.add_parser("cluster", help="start, stop and inspect an embedded cluster")
    verbs = cluster.add_subparsers(dest="verb", metavar="VERB", required=True)

    up = verbs.add_parser("up", help="start an embedded cluster and make its context current")
    _common(up)
    up.add_argument("--address", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    up.add_argument("--port", type=int, default=0, help="port to bind (default: 0, a free port)")
    up.add_argument("--seed", type=int, default=None, help="seed for generated names and allocations")
    up.add_argument("--nodes", type=int, default=3, help="simulated nodes to create on first start (default: 3)")
    up.add_argument("--clock", choices=["real", "virtual"], default=None,
                    help="real time, or virtual time moved only by `cluster advance` (default: the data dir's, else real)")
    up.add_argument("--time-scale", type=float, default=1.0, help="simulated seconds per real second (real clock; default 1)")
    up.add_argument("--start-time", default=None, help="RFC 3339 start of virtual time (default: when the data dir was created)")
    up.add_argument("--durability", choices=["normal", "full"], default="normal",
                    help="normal survives a crash of the server; full also survives power loss")
    up.add_argument("--volume-sync-seconds", type=float, default=10.0,
                    help="how long an edited ConfigMap/Secret takes to reach mounted volumes (default 10)")
    up.add_argument("--audit-level", choices=["None", "Metadata", "Request", "RequestResponse"], default="Metadata",
                    help="audit log detail in <data-dir>/audit.log; Request adds mutation bodies (default Metadata)")
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

    advance = verbs.add_parser("advance", help="move a virtual clock forward, e.g. `advance 30s`, and settle")
    _common(advance)
    advance.add_argument("duration", help="how far: 30s, 5m, 1h30m, or plain seconds")
    advance.set_defaults(handler=_run("advance"))

    settle = verbs.add_parser("settle", help="wait until no controller or kubelet work is pending")
    _common(settle)
    settle.add_argument("--timeout", default=None, help="give up after this long (e.g. 30s); exit 1")
    settle.set_defaults(handler=_run("settle"))
