"""What every mutating command shares: dry runs, `--record`, result lines, per-object errors.

kubectl's update commands agree on a few conventions, owned here so each command module only
says what it sends:

* `--dry-run=none|client|server`: `client` sends no write, `server` adds `dryRun=All`; result
  lines end in ` (dry run)` or ` (server dry run)`.
* `--record`: the `kubernetes.io/change-cause` annotation holds the command line as kubectl
  renders it: the command path, the positional arguments, then every flag given, in order, as
  `--<long name>=<value>` (`kubeferry set image deployment/my-app app=alpine:3.6 --record=true`).
* result lines `<kind>.<group>/<name> <verb>` (`deployment.apps/web configured`, `service/web
  created`) and the delete form `deployment.apps "web" deleted from default namespace`.
* per-object failures: one line each (`Error from server (NotFound): error when replacing
  "app.yaml": ...`), the other objects continue, and the command exits 1 at the end.
* `TYPE NAME...` / `TYPE/NAME...` arguments (a private parser: `cli/printers.py` owns the shared
  one and was not there when this was written).
* Go's `json.Marshal` rendering (sorted keys, compact, `<>&` escaped) for annotations kubectl
  writes, so the stored bytes equal kubectl's.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field

DRY_NONE = "none"
DRY_CLIENT = "client"
DRY_SERVER = "server"
DRY_SUFFIX = {DRY_NONE: "", DRY_CLIENT: " (dry run)", DRY_SERVER: " (server dry run)"}
CHANGE_CAUSE = "kubernetes.io/change-cause"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
BINARY = "kubeferry"
RECORD_DEPRECATED = "Flag --record has been deprecated, --record will be removed in the future"
EXIT_OK = 0
EXIT_FAILED = 1
# Go's encoding/json escapes these even in compact output (HTML safety and JS line separators).
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


class UsageError(Exception):
    """A client-side error kubectl prints as `error: <message>` before (or instead of) any write."""


# -- flags ---------------------------------------------------------------------------------------


def add_dry_run(parser) -> None:
    parser.add_argument(
        "--dry-run",
        nargs="?",
        const=DRY_CLIENT,
        default=DRY_NONE,
        metavar="none|client|server",
        help='Must be "none", "server", or "client". If client strategy, only print the object that would be sent.',
    )


def dry_run(args) -> str:
    value = getattr(args, "dry_run", DRY_NONE) or DRY_NONE
    if value in ("true", "unchanged"):
        return DRY_CLIENT
    if value == "false":
        return DRY_NONE
    if value not in DRY_SUFFIX:
        raise UsageError(f'Invalid dry-run value ({value}). Must be "none", "server", or "client".')
    return value


def add_record(parser) -> None:
    parser.add_argument(
        "--record",
        action="store_true",
        default=False,
        help="Record current kubectl command in the resource annotation (deprecated).",
    )


def add_filename(parser, what: str, required: bool = False) -> None:
    parser.add_argument("-f", "--filename", action="append", default=[], required=required, help=what)
    parser.add_argument(
        "-R", "--recursive", action="store_true", default=False, help="Process the directory used in -f recursively."
    )


def mark(parser, command_path: str) -> None:
    """Remember the parser and the command path (`set image`) for `--record`."""
    parser.set_defaults(_parser=parser, _command_path=command_path)


# -- --record -------------------------------------------------------------------------------------


def render_command(parser, command_path: str, argv: list[str]) -> str:
    """The change-cause text for `argv` (the arguments after the binary), as kubectl renders it.

    Example: argv `set image -n demo deployment/web app=nginx:2 --record` with command path
    `set image` → `kubeferry set image deployment/web app=nginx:2 --namespace=demo --record=true`:
    positional arguments first, then each flag in the order given under its long name.
    """
    actions = dict(getattr(parser, "_option_string_actions", {}))
    skip = len(command_path.split())
    positionals: list[str] = []
    flags: list[str] = []
    i = 0
    rest_positional = False
    while i < len(argv):
        token = argv[i]
        i += 1
        if rest_positional or token == "-" or not token.startswith("-"):
            if skip:
                skip -= 1
            else:
                positionals.append(token)
            continue
        if token == "--":
            rest_positional = True
            continue
        if token.startswith("--"):
            name, has_value, value = token.partition("=")
            action = actions.get(name)
        else:
            name, value = token[:2], token[2:]
            has_value = "=" if value else ""
            value = value[1:] if value.startswith("=") else value
            action = actions.get(name)
        long_name = _long_name(action, name)
        if action is not None and action.nargs == 0:
            flags.append(f"--{long_name}={value if has_value else 'true'}")
            continue
        if not has_value:
            if action is not None and action.nargs == "?":
                if i < len(argv) and not argv[i].startswith("-"):  # argparse takes the next word, so do we
                    value = argv[i]
                    i += 1
                else:
                    value = "unchanged" if long_name == "dry-run" else str(action.const)
            elif i < len(argv):
                value = argv[i]
                i += 1
        flags.append(f"--{long_name}={value}")
    return " ".join([BINARY, command_path, *positionals]) + "".join(" " + f for f in flags)


def _long_name(action, given: str) -> str:
    if action is not None:
        for option in action.option_strings:
            if option.startswith("--"):
                return option[2:]
    return given.lstrip("-")


def change_cause(args, argv: list[str] | None = None) -> str | None:
    """The `kubernetes.io/change-cause` value when `--record` was given, else None."""
    if not getattr(args, "record", False):
        return None
    print(RECORD_DEPRECATED, file=sys.stderr)
    parser = getattr(args, "_parser", None)
    return render_command(parser, getattr(args, "_command_path", ""), list(sys.argv[1:] if argv is None else argv))


def record_on(obj: dict, cause: str | None) -> None:
    if cause is not None:
        obj.setdefault("metadata", {})
        annotations = obj["metadata"].get("annotations") or {}
        annotations[CHANGE_CAUSE] = cause
        obj["metadata"]["annotations"] = annotations


def record_patch(cause: str) -> dict:
    """The separate merge patch kubectl sends after `patch`/`scale` to record the change cause."""
    return {"metadata": {"annotations": {CHANGE_CAUSE: cause}}}


# -- rendering -----------------------------------------------------------------------------------


def go_json(obj: object) -> str:
    """Compact JSON with sorted keys and Go's escapes: the bytes `json.Marshal` writes."""
    text = json.dumps(_go_numbers(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in _GO_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def _go_numbers(value: object) -> object:
    """Whole floats print as integers in Go (`2.0` → `2`)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {k: _go_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_numbers(v) for v in value]
    return value


def kind_prefix(res) -> str:
    """`deployment.apps`, `service`: how result lines name a kind."""
    kind = res.kind.lower()
    return f"{kind}.{res.group}" if res.group else kind


def result_line(res, name: str, verb: str, mode: str = DRY_NONE) -> str:
    return f"{kind_prefix(res)}/{name} {verb}{DRY_SUFFIX[mode]}"


def deleted_line(res, name: str, namespace: str | None, mode: str = DRY_NONE, verb: str = "deleted") -> str:
    where = f" from {namespace} namespace" if res.namespaced and namespace else ""
    return f'{kind_prefix(res)} "{name}" {verb}{where}{DRY_SUFFIX[mode]}'


def write_params(mode: str, field_manager: str = "", field_validation: str = "") -> dict:
    params: dict = {"dry_run": mode == DRY_SERVER}
    if field_manager:
        params["field_manager"] = field_manager
    if field_validation:
        params["field_validation"] = field_validation
    return params


# -- per-object outcomes -------------------------------------------------------------------------


@dataclass
class Outcome:
    """Prints result lines as they come and keeps per-object failures for `finish`, as kubectl
    gathers a command's errors and prints them when it is done."""

    failures: list[tuple[BaseException, str, str]] = field(default_factory=list)

    def ok(self, line: str) -> None:
        print(line, flush=True)

    def error(self, error: BaseException, action: str = "", source: str = "") -> None:
        """Keep `error` (made while `action`ing the object from `source`) and carry on with the next object."""
        self.failures.append((error, action, source))

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    def finish(self) -> int:
        """Print the failures as kubectl does (one alone in its own form, see `error_line`) and
        return the exit code: 1 if anything failed."""
        only = len(self.failures) == 1
        for error, action, source in self.failures:
            print(error_line(error, action, source, only=only), file=sys.stderr, flush=True)
        return EXIT_FAILED if self.failures else EXIT_OK


def error_line(error: BaseException, action: str = "", source: str = "", only: bool = False) -> str:
    """kubectl's line for one error of a command; `only`: the command's one error, whose Invalid form
    differs (`connect.only_error_text`)."""
    from kubeferry.cli.connect import only_error_text, server_error_line
    from kubeferry.machinery.status import StatusError

    if isinstance(error, StatusError):
        return only_error_text(error, action, source) if only else server_error_line(error, action, source)
    return f"error: {error}"


def fail_usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_FAILED


# -- TYPE NAME arguments -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    resource: object  # kubeferry.machinery.resources.Resource
    name: str


def parse_targets(transport, positional: list[str], *, allow_selector: bool = False) -> tuple[list[Target], list]:
    """`TYPE NAME...` or `TYPE/NAME...` → targets; also the bare resource types (for `-l`/`--all`).

    Private stand-in for the shared parser in `cli/printers.py`.
    """
    if not positional:
        raise UsageError("you must specify the type of resource to get.")
    if all("/" in item for item in positional):
        out = []
        for item in positional:
            kind, _, name = item.partition("/")
            if not kind or not name:
                raise UsageError("arguments in resource/name form must have a single resource and name")
            out.append(Target(transport.lookup(kind), name))
        return out, []
    if any("/" in item for item in positional):
        raise UsageError(
            "there is no need to specify a resource type as a separate argument when passing arguments in "
            "resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of "
            "'kubectl get resource resource/<resource_name>'"
        )
    kinds = [transport.lookup(k) for k in positional[0].split(",") if k]
    names = positional[1:]
    if not names:
        if allow_selector:
            return [], kinds
        raise UsageError("resource(s) were provided, but no name was specified")
    return [Target(res, name) for res in kinds for name in names], []


def namespace_for(res, conn) -> str | None:
    return conn.namespace if res.namespaced else None


def get_object(transport, res, namespace: str | None, name: str) -> dict:
    """GET one object by resource; a 404 raises the server's NotFound StatusError."""
    from kubeferry.client import request as rq

    return transport.send(rq.get(res, namespace, name)).json()


def run_command(args, command: str, body) -> int:
    """Connect, run `body(args, conn)` and turn client-side failures into kubectl's one line."""
    from kubeferry.cli.connect import connect, fail
    from kubeferry.cli.manifests import ManifestError
    from kubeferry.client.https import NoMatchError

    try:
        conn = connect(args, command)
        return int(body(args, conn) or 0)
    except (UsageError, ManifestError, NoMatchError) as e:
        return fail_usage(str(e))
    except Exception as e:  # noqa: BLE001 - fail() re-raises what it does not know
        return fail(e)


def load_manifests(args, conn, verb: str) -> list:
    """Read `-f` and map each object; a mapping failure ends the command, as in kubectl."""
    from kubeferry.cli import manifests

    found = manifests.read(args.filename, args.recursive, verb)
    for item in found:
        manifests.resolve(item, conn.transport, conn.namespace, conn.namespace_explicit)
    return found


def field_validation(args) -> str:
    value = (getattr(args, "validate", "strict") or "strict").lower()
    table = {"strict": "Strict", "true": "Strict", "warn": "Warn", "ignore": "Ignore", "false": "Ignore"}
    if value not in table:
        raise UsageError(
            f'invalid - validate option "{value}"; must be one of: strict (or true), warn, ignore (or false)'
        )
    return table[value]


def is_not_found(error: BaseException) -> bool:
    from kubeferry.machinery.status import StatusError

    return isinstance(error, StatusError) and error.code == 404 and error.reason == "NotFound"


def go_yaml(obj: object) -> str:
    """YAML as kubectl writes it (sigs.k8s.io/yaml): sorted keys, no line folding, double quotes
    where a plain scalar would change type (`"2"`, `"true"`), literal blocks for multi-line text.
    """
    import yaml

    class Emitter(yaml.SafeDumper):
        def choose_scalar_style(self):
            style = super().choose_scalar_style()
            return '"' if style == "'" else style

    def represent_str(dumper, value: str):
        if "\n" in value:
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
        return dumper.represent_scalar("tag:yaml.org,2002:str", value)

    Emitter.add_representer(str, represent_str)
    return yaml.dump(
        obj, Dumper=Emitter, default_flow_style=False, sort_keys=True, allow_unicode=True, width=float("inf")
    )
