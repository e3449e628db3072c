"""The `kubeferry` entry point: find the verb, import only the module that serves it.

`COMMANDS` names each verb's module and one-line help; `kubeferry --help` prints the table
without importing any of them, and a command imports only its own module, so simple commands
start as fast as kubectl.  Each module exposes `add_parser(subparsers, parents)`; the parser it
adds sets `handler`, called with the parsed arguments, returning the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# verb -> (module, help); kubectl's wording where kubectl has the verb.
COMMANDS: dict[str, tuple[str, str]] = {
    "cluster": ("kubeferry.cli.cluster", "Start, stop and inspect an embedded cluster"),
    "get": ("kubeferry.cli.get", "Display one or many resources"),
    "describe": ("kubeferry.cli.describe", "Show details of a specific resource or group of resources"),
    "logs": ("kubeferry.cli.logs", "Print the logs for a container in a pod"),
    "explain": ("kubeferry.cli.explain", "Get documentation for a resource"),
    "apply": ("kubeferry.cli.apply", "Apply a configuration to a resource by file name or stdin"),
    "create": ("kubeferry.cli.create", "Create a resource from a file or from stdin"),
    "replace": ("kubeferry.cli.replace", "Replace a resource by file name or stdin"),
    "patch": ("kubeferry.cli.patch", "Update fields of a resource"),
    "set": ("kubeferry.cli.set", "Set specific features on objects"),
    "edit": ("kubeferry.cli.edit", "Edit a resource on the server"),
    "label": ("kubeferry.cli.label", "Update the labels on a resource"),
    "annotate": ("kubeferry.cli.annotate", "Update the annotations on a resource"),
    "scale": ("kubeferry.cli.scale", "Set a new size for a deployment, replica set, or stateful set"),
    "delete": (
        "kubeferry.cli.delete",
        "Delete resources by file names, stdin, resources and names, or by resources and label selector",
    ),
    "diff": ("kubeferry.cli.diff", "Diff the live version against a would-be applied version"),
    "rollout": ("kubeferry.cli.rollout", "Manage the rollout of a resource"),
    "proxy": ("kubeferry.cli.proxy", "Run a proxy to the Kubernetes API server"),
    "deliver": ("kubeferry.cli.deliver", "Update a workload, wait, verify it, and roll back on failure (for CI)"),
    "ci-account": (
        "kubeferry.cli.ci_account",
        "Create a least-privilege service account for CI and print its kubeconfig",
    ),
    "demo": ("kubeferry.cli.demo", "Walk through continuous delivery on a throw-away embedded cluster"),
}

EXIT_USAGE = 3
DEFAULT_COLUMNS = 80  # help width when the terminal size is unknown (as shutil.get_terminal_size)


def _untranslated(message: str) -> str:
    return message


def _untranslated_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


# argparse looks up each of its own words ("usage: ", "options", "show this help message and exit")
# with gettext as it builds every parser; each lookup imports `locale` and searches the locale
# directories for a catalog of the default domain, which Python does not ship: about 2.5 ms of a
# `get`.  kubeferry words everything as kubectl does, in English, so argparse's words are taken as
# written (what gettext answers when it finds no catalog).
argparse._ = _untranslated
argparse.ngettext = _untranslated_plural


def _columns() -> int:
    """The terminal width for help text: `$COLUMNS`, else the terminal's, else 80."""
    import os

    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return DEFAULT_COLUMNS


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, told the width up front: argparse would import `shutil` (and with it
    bz2 and lzma) for every parser and argument it builds just to ask the terminal size."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class RawDescriptionHelpFormatter(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """argparse's RawDescriptionHelpFormatter with the width told up front."""


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose sub-parsers use `HelpFormatter` unless told otherwise."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def connection_flags() -> argparse.ArgumentParser:
    """kubectl's global connection flags, shared by every command that talks to a server."""
    parent = ArgumentParser(add_help=False)
    group = parent.add_argument_group("connection")
    group.add_argument("--kubeconfig", default=None, help="Path to the kubeconfig file to use for CLI requests.")
    group.add_argument("--context", default=None, help="The name of the kubeconfig context to use")
    group.add_argument("--cluster", default=None, help="The name of the kubeconfig cluster to use")
    group.add_argument("--user", default=None, help="The name of the kubeconfig user to use")
    group.add_argument("-n", "--namespace", default=None, help="If present, the namespace scope for this CLI request")
    group.add_argument("-s", "--server", default=None, help="The address and port of the Kubernetes API server")
    group.add_argument("--token", default=None, help="Bearer token for authentication to the API server")
    group.add_argument(
        "--certificate-authority", default=None, help="Path to a cert file for the certificate authority"
    )
    group.add_argument("--client-certificate", default=None, help="Path to a client certificate file for TLS")
    group.add_argument("--client-key", default=None, help="Path to a client key file for TLS")
    group.add_argument(
        "--insecure-skip-tls-verify",
        action="store_true",
        default=None,
        help="If true, the server's certificate will not be checked for validity.",
    )
    group.add_argument(
        "--request-timeout",
        default=None,
        help="The length of time to wait before giving up on a single server request.",
    )
    return parent


def print_help() -> None:
    print("kubeferry: continuous delivery for Kubernetes workloads.\n")
    print("Usage: kubeferry COMMAND [options]\n\nCommands:")
    width = max(len(name) for name in COMMANDS)
    for name, (_, text) in COMMANDS.items():
        print(f"  {name:<{width}}  {text}")
    print('\nUse "kubeferry COMMAND --help" for more information about a command.')


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print_help()
        return 0 if argv else EXIT_USAGE
    verb = argv[0]
    if verb not in COMMANDS:
        print(f'error: unknown command "{verb}" for "kubeferry"', file=sys.stderr)
        print("Run 'kubeferry --help' for usage.", file=sys.stderr)
        return EXIT_USAGE
    module = importlib.import_module(COMMANDS[verb][0])
    parser = ArgumentParser(prog="kubeferry")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    if getattr(module, "ADD_PARSER_TAKES_ARGV", False):  # builds only the sub-verb argv names
        module.add_parser(subparsers, [connection_flags()], argv)
    else:
        module.add_parser(subparsers, [connection_flags()])
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help exits 0, usage errors 2
        return 0 if e.code == 0 else EXIT_USAGE
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.parse_args([verb, "--help"])
        return EXIT_USAGE
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
