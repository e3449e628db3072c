"""`kubeferry rollout status|history|undo|pause|resume|restart`: the sub-verbs and what they share.

Each sub-verb lives in its own module (`status`, `history`, `undo`, `pause` for pause and
resume, `restart`) and registers itself through `register(subparsers, parents)`; only the chosen
sub-verb's handler runs, and each imports its heavy helpers lazily.  This module owns what they
share, as kubectl's rollout commands share it (semantics §6): resolving `TYPE NAME`, `TYPE/NAME`,
`-l SELECTOR` and `-f FILE` into targets, the name printer (`deployment.apps/web`), and the
`error: …` lines with exit code 1.
"""

from __future__ import annotations

import sys

from kubeferry.client.record import Record

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 3

REQUIRED_RESOURCE = "required resource not specified"
SUB_VERBS = ("history", "pause", "restart", "resume", "status", "undo")
_MODULES = ("history", "pause", "restart", "status", "undo")  # `resume` lives in pause


class UsageError(ValueError):
    """A command-line problem kubectl reports as `error: <message>`."""


class Target(Record):
    """A `resource` (kubeferry.machinery.resources.Resource), `name` and `namespace`; `obj` is filled
    when the target came from a list (selector) or a file."""

    _fields = ("resource", "name", "namespace", "obj")
    _defaults = {"obj": None}

    @property
    def kind(self) -> str:
        return self.resource.kind

    @property
    def group(self) -> str:
        return self.resource.group

    def printed_name(self) -> str:
        """The name printer's `deployment.apps/web` (core group: `pod/web`)."""
        kind = self.resource.kind.lower()
        return f"{kind}.{self.group}/{self.name}" if self.group else f"{kind}/{self.name}"

    def qualified(self) -> str:
        """`deployments.apps`, as API errors name the resource."""
        return f"{self.resource.plural}.{self.group}" if self.group else self.resource.plural


ADD_PARSER_TAKES_ARGV = True


def add_parser(subparsers, parents, argv: list[str] = ()) -> None:
    """The `rollout` parser; with `argv` naming a sub-verb, only that sub-verb's module is imported."""
    import importlib

    from kubeferry.cli.main import RawDescriptionHelpFormatter

    parser = subparsers.add_parser(
        "rollout",
        help="Manage the rollout of a resource",
        description="Manage the rollout of one or many resources.",
        formatter_class=RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="rollout_command", metavar="COMMAND")
    named = [word for word in argv[1:] if word in SUB_VERBS][:1]
    for module in sorted({"resume": "pause"}.get(word, word) for word in named) or _MODULES:
        importlib.import_module(f"kubeferry.cli.rollout.{module}").register(sub, parents)
    parser.set_defaults(handler=lambda args: _help(parser))


def _help(parser) -> int:
    parser.print_help()
    return EXIT_OK


def add_target_flags(parser) -> None:
    """The resource-selection flags every rollout sub-verb takes."""
    parser.add_argument("targets", nargs="*", metavar="TYPE NAME | TYPE/NAME")
    parser.add_argument("-f", "--filename", action="append", default=[], help="Files identifying the resource.")
    parser.add_argument("-l", "--selector", default="", help="Selector (label query) to filter on.")
    parser.add_argument("-R", "--recursive", action="store_true", help="Process the directory used in -f recursively.")


def error(message: str, code: int = EXIT_FAILED) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def lookup_resource(transport, name: str):
    """A resource by any name kubectl accepts, from the built-in table first, else the server's discovery."""
    from kubeferry.machinery import resources

    lowered = name.lower()
    base, _, group = lowered.partition(".")
    for match in (
        lambda r: r.plural == base,
        lambda r: r.singular_name == base,
        lambda r: base in r.short_names,
        lambda r: r.kind.lower() == base,
    ):
        for res in resources.RESOURCES:
            if match(res) and (not group or res.group == group):
                return res
    return transport.lookup(name)


def _file_objects(paths: list[str], recursive: bool) -> list[dict]:
    import os

    import yaml

    files: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                files.extend(os.path.join(root, n) for n in sorted(names) if n.endswith((".yaml", ".yml", ".json")))
                if not recursive:
                    dirs.clear()
        else:
            files.append(path)
    objects: list[dict] = []
    for path in files:
        if path == "-":
            text = sys.stdin.read()
        else:
            try:
                with open(path) as handle:
                    text = handle.read()
            except OSError:
                raise UsageError(f'the path "{path}" does not exist')
        for doc in yaml.safe_load_all(text):
            if not isinstance(doc, dict):
                continue
            if doc.get("kind", "").endswith("List") and isinstance(doc.get("items"), list):
                objects.extend(item for item in doc["items"] if isinstance(item, dict))
            else:
                objects.append(doc)
    return objects


def resolve(conn, args) -> list[Target]:
    """Targets from `TYPE NAME...`, `TYPE/NAME...`, `-l`, or `-f`, in the order given.

    Raises UsageError for kubectl's usage errors, NoMatchError/StatusError from the server.
    """
    targets: list[Target] = []
    words = list(getattr(args, "targets", []) or [])
    files = list(getattr(args, "filename", []) or [])
    selector = getattr(args, "selector", "") or ""
    transport = conn.transport
    if files:
        if words:
            raise UsageError("only one of -f or TYPE NAME may be given")
        for obj in _file_objects(files, getattr(args, "recursive", False)):
            res = transport.resource_for(obj.get("apiVersion", ""), obj.get("kind", ""))
            meta = obj.get("metadata") or {}
            targets.append(Target(res, meta.get("name", ""), meta.get("namespace") or conn.namespace))
        if not targets:
            raise UsageError("no objects passed to rollout")
        return targets
    if not words:
        raise UsageError(REQUIRED_RESOURCE)
    if all("/" in w for w in words):
        for word in words:
            kind, _, name = word.partition("/")
            if not name:
                raise UsageError(f"arguments in resource/name form must have a single resource and name: {word}")
            targets.append(Target(lookup_resource(transport, kind), name, conn.namespace))
        return targets
    if any("/" in w for w in words):
        raise UsageError(
            "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'"
        )
    res = lookup_resource(transport, words[0])
    names = words[1:]
    if selector:
        if names:
            raise UsageError("name cannot be provided when a selector is specified")
        items = transport.list_objects(res.api_version, res.kind, conn.namespace, label_selector=selector).items
        return [Target(res, (o.get("metadata") or {}).get("name", ""), conn.namespace, o) for o in items]
    if not names:
        raise UsageError(REQUIRED_RESOURCE)
    return [Target(res, name, conn.namespace) for name in names]


def fetch(conn, target: Target) -> dict:
    """GET the target (the server's NotFound as a StatusError); cached on the target."""
    if target.obj is None:
        from kubeferry.client import request as rq

        obj = conn.transport.send(rq.get(target.resource, target.namespace, target.name)).json()
        obj.setdefault("apiVersion", target.resource.api_version)
        obj.setdefault("kind", target.resource.kind)
        target.obj = obj
    return target.obj


def report(error_: BaseException, usage_code: int = EXIT_FAILED) -> int:
    """Print kubectl's line for any failure of a rollout command and return its exit code."""
    from kubeferry.cli.connect import fail
    from kubeferry.client.https import NoMatchError

    if isinstance(error_, UsageError):
        return error(str(error_), usage_code)
    if isinstance(error_, NoMatchError):
        return error(str(error_), EXIT_FAILED)
    code = fail(error_)
    return code


def run(args, command: str, each, usage_code: int = EXIT_FAILED) -> int:
    """Connect, resolve targets, call `each(conn, target)` for every target (it returns an exit code).

    A selector matching nothing prints kubectl's `No resources found in <ns> namespace.` (exit 0).
    Errors for one target do not stop the others; the exit code is the worst seen.
    """
    from kubeferry.cli.connect import connect

    try:
        conn = connect(args, f"rollout {command}")
        targets = resolve(conn, args)
    except Exception as e:  # noqa: BLE001 - every failure becomes kubectl's line
        return report(e, usage_code)
    if not targets:
        print(f"No resources found in {conn.namespace} namespace.", file=sys.stderr)
        return EXIT_OK
    worst = EXIT_OK
    for target in targets:
        try:
            code = each(conn, target)
        except Exception as e:  # noqa: BLE001
            code = report(e)
        worst = max(worst, code)
    return worst
