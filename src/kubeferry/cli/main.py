"""The `kubeferry` entry point: parse the verb, import only the module that serves it.

Each command module exposes `add_parser(subparsers)` cheaply; the work (and its imports) happens
in the handler it registers, so `kubeferry --help` and simple commands stay fast.
"""

from __future__ import annotations

import argparse
import sys

COMMANDS = ("kubeferry.cli.cluster",)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="kubeferry",
        description="Continuous delivery for Kubernetes workloads: an embedded control plane and kubectl-compatible commands.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 3
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
