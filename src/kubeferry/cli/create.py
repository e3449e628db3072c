"""`kubeferry create`: `-f` manifests, and kubectl's generators (`create deployment NAME --image=...`).

`create -f` POSTs each object of the manifests, as kubectl's resource builder does: each object
with `fieldManager=kubectl-create` and `fieldValidation` from `--validate`; `--save-config` stores
the last-applied annotation (so a later `apply` sees it), `--record` the change cause.  A failure
prints `Error from server (<Reason>): error when creating "<file>": ...`, the remaining objects
are still created, and the command then exits 1.

The generators (`deployment`, `service clusterip|nodeport|loadbalancer|externalname`,
`configmap`, `secret generic|docker-registry|tls`, `namespace`, `serviceaccount`, `job`) build
one object (`cli/create_objects.py`), then print it (`--dry-run=client`) or POST it and print
the server's answer: the result line `deployment.apps/web created`, or `-o yaml|json|name`.
kubectl's generators have no `--record`.  Their server errors read
`error: failed to create deployment: <message>` (kubectl's per-generator wording).

argparse cannot mix a variable number of positionals with options, so the `create` parser keeps
everything after its first positional word and `_generator_args` parses it with the generator's
own flags; words after `--` are the container command.
"""

from __future__ import annotations

import argparse
import sys

from kubeferry.cli import mutation as mu

FIELD_MANAGER = "kubectl-create"
EXIT_FAILED = 1

# generator -> (group, version, plural, how kubectl words a failed create: "failed to create <x>")
GENERATORS: dict[str, tuple[str, str, str, str]] = {
    "deployment": ("apps", "v1", "deployments", "failed to create deployment: "),
    "job": ("batch", "v1", "jobs", "failed to create job: "),
    "configmap": ("", "v1", "configmaps", "failed to create configmap: "),
    "serviceaccount": ("", "v1", "serviceaccounts", "failed to create serviceaccount: "),
    "namespace": ("", "v1", "namespaces", ""),  # a plain server error line
    "secret": ("", "v1", "secrets", "failed to create secret "),
    "service": ("", "v1", "services", ""),  # "failed to create <Type> service: ", per type
}
ALIASES = {"deploy": "deployment", "cm": "configmap", "sa": "serviceaccount", "ns": "namespace", "svc": "service"}
SUBTYPES = {
    "service": ("clusterip", "nodeport", "loadbalancer", "externalname"),
    "secret": ("generic", "docker-registry", "tls"),
}
OUTPUTS = ("", "yaml", "json", "name")
ALLOWED_OUTPUTS = (
    "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,name,template,templatefile,yaml"
)


class CommandError(Exception):
    """kubectl's `error: <message>` plus, for misuse, its `See '...' for help` line."""

    def __init__(self, message: str, see: str = ""):
        super().__init__(message)
        self.see = see


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser("create", parents=parents, help="Create a resource from a file or from stdin")
    mu.add_filename(parser, "Filename, directory, or URL to files to use to create the resource")
    mu.add_dry_run(parser)
    mu.add_record(parser)
    parser.add_argument("--validate", default="strict")
    parser.add_argument("--save-config", action="store_true", default=False)
    parser.add_argument("-o", "--output", default="")
    parser.add_argument("words", nargs=argparse.REMAINDER, help="GENERATOR NAME [flags] [-- COMMAND...]")
    mu.mark(parser, "create")
    parser.set_defaults(handler=run)


def run(args) -> int:
    if args.words:
        return _run_generator(args)
    return mu.run_command(args, "create", _create)


# -- create -f -----------------------------------------------------------------------------------


def _create(args, conn) -> int:
    from kubeferry.cli.apply import with_last_applied
    from kubeferry.client import request as rq

    mode = mu.dry_run(args)
    validation = mu.field_validation(args)
    if not args.filename:
        raise mu.UsageError("must specify one of -f and -k")
    items = mu.load_manifests(args, conn, "create")
    cause = mu.change_cause(args)
    outcome = mu.Outcome()
    for item in items:
        mu.record_on(item.obj, cause)
        body = with_last_applied(item.obj) if args.save_config else item.obj
        if mode != mu.DRY_CLIENT:
            try:
                conn.transport.send(
                    rq.create(item.resource, item.namespace, body, **mu.write_params(mode, FIELD_MANAGER, validation))
                )
            except Exception as e:  # noqa: BLE001
                outcome.error(e, "creating", item.source)
                continue
        outcome.ok(mu.result_line(item.resource, item.name, "created", mode))
    return outcome.finish()


# -- generators ----------------------------------------------------------------------------------


def _generator_parser(path: str, subtype: str) -> argparse.ArgumentParser:
    """The flags of `create <path>`, defaults suppressed so flags given before the generator stay."""
    from kubeferry.cli.main import connection_flags

    p = argparse.ArgumentParser(
        prog=f"kubeferry create {path}",
        add_help=False,
        parents=[connection_flags()],
        argument_default=argparse.SUPPRESS,
    )
    p.add_argument("-h", "--help", action="store_true")
    mu.add_dry_run(p)
    p.add_argument("-o", "--output")
    p.add_argument("--save-config", nargs="?", const="true")
    p.add_argument("--validate")
    p.add_argument("--field-manager")
    p.add_argument("--show-managed-fields", nargs="?", const="true")
    if path in ("deployment", "job"):
        p.add_argument("--image", action="append")
    if path == "job":
        p.add_argument("--from", dest="from_")
    if path == "deployment":
        p.add_argument("-r", "--replicas")
        p.add_argument("--port")
    if path == "service":
        p.add_argument("--tcp", action="append")
        if subtype == "clusterip":
            p.add_argument("--clusterip")
        if subtype == "nodeport":
            p.add_argument("--node-port")
        if subtype == "externalname":
            p.add_argument("--external-name")
    if path in ("configmap", "secret") and subtype in ("", "generic"):
        p.add_argument("--from-literal", action="append")
        p.add_argument("--from-env-file", action="append")
    if path in ("configmap", "secret") and subtype in ("", "generic", "docker-registry"):
        p.add_argument("--from-file", action="append")
    if path in ("configmap", "secret"):
        p.add_argument("--append-hash", nargs="?", const="true")
    if subtype == "generic":
        p.add_argument("--type")
    if subtype == "docker-registry":
        for flag in ("--docker-server", "--docker-username", "--docker-password", "--docker-email"):
            p.add_argument(flag)
    if subtype == "tls":
        p.add_argument("--cert")
        p.add_argument("--key")
    return p


def _generator_args(args) -> tuple[str, str, list[str], list[str]]:
    """Parse `args.words` → (generator, subtype, names, command) with the generator's flags set on `args`."""
    words = list(args.words)
    generator = ALIASES.get(words[0], words[0])
    if generator not in GENERATORS:
        _, extras = _generator_parser("", "").parse_known_args(words, namespace=argparse.Namespace())
        given = " ".join(e for e in extras if not e.startswith("-"))
        raise CommandError(f"Unexpected args: [{given}]", "kubeferry create -h")
    rest = words[1:]
    subtype = ""
    if generator in SUBTYPES:
        if not rest or rest[0] not in SUBTYPES[generator]:
            given = rest[0] if rest else ""
            raise CommandError(f'unknown command "{given}" for "kubeferry create {generator}"', "")
        subtype, rest = rest[0], rest[1:]
    command: list[str] = []
    if "--" in rest:
        cut = rest.index("--")
        rest, command = rest[:cut], rest[cut + 1 :]
    path = f"{generator} {subtype}".strip()
    parser = _generator_parser(generator, subtype)
    _, extras = parser.parse_known_args(rest, namespace=args)
    unknown = [e for e in extras if e.startswith("-") and e != "-"]
    if unknown:
        raise CommandError(f"unknown flag: {unknown[0].partition('=')[0]}", f"kubeferry create {path} --help")
    names = [e for e in extras if not (e.startswith("-") and e != "-")]
    return path, subtype, names, command


def _int_flag(args, attr: str, flag: str, default: int, path: str) -> int:
    text = getattr(args, attr, None)
    if text is None:
        return default
    try:
        return int(text, 10)
    except ValueError:
        raise CommandError(
            f'invalid argument "{text}" for "{flag}" flag: strconv.ParseInt: parsing "{text}": invalid syntax',
            f"kubeferry create {path} --help",
        ) from None


def _split(values) -> list[str]:
    """A Go string-slice flag: each occurrence may itself be a comma-separated list."""
    return [part for value in values or () for part in value.split(",") if part]


def _build(args, path: str, subtype: str, name: str, command: list[str], namespace: str | None) -> dict:
    from kubeferry.cli import create_objects as co

    obj = _generated(args, path, subtype, name, command, namespace)
    if _truthy(getattr(args, "append_hash", "false")) and obj["kind"] in ("ConfigMap", "Secret"):
        obj["metadata"]["name"] = f"{name}-{co.content_hash(obj)}"
    return obj


def _generated(args, path: str, subtype: str, name: str, command: list[str], namespace: str | None) -> dict:
    from kubeferry.cli import create_objects as co

    generator = path.split()[0]
    if generator == "deployment":
        replicas = _int_flag(args, "replicas", "-r, --replicas", 1, path)
        port = _int_flag(args, "port", "--port", co.NO_PORT, path)
        return co.deployment(name, namespace, _split(getattr(args, "image", [])), replicas, port, command)
    if generator == "job":
        images = getattr(args, "image", None) or [""]
        return co.job(name, namespace, images[-1], command)
    if generator == "service":
        node_port = _int_flag(args, "node_port", "--node-port", 0, path)
        return co.service(
            subtype,
            name,
            namespace,
            _split(getattr(args, "tcp", [])),
            getattr(args, "clusterip", ""),
            node_port,
            getattr(args, "external_name", ""),
        )
    literals = getattr(args, "from_literal", None) or []
    files = getattr(args, "from_file", None) or []
    env_files = getattr(args, "from_env_file", None) or []
    if generator == "configmap":
        return co.configmap(name, namespace, literals, files, env_files)
    if subtype == "generic":
        return co.secret_generic(name, namespace, literals, files, env_files, getattr(args, "type", ""))
    if subtype == "docker-registry":
        return co.secret_docker_registry(
            name,
            namespace,
            getattr(args, "docker_server", co.DEFAULT_REGISTRY),
            getattr(args, "docker_username", ""),
            getattr(args, "docker_password", ""),
            getattr(args, "docker_email", ""),
            files,
        )
    if subtype == "tls":
        return co.secret_tls(name, namespace, getattr(args, "cert", ""), getattr(args, "key", ""))
    if generator == "namespace":
        return co.namespace(name)
    return co.serviceaccount(name, namespace)


def _job_from(args, conn, name: str, command: list[str], namespace: str | None) -> dict:
    """`create job NAME --from=cronjob/CRONJOB`: the CronJob's job template, owned by it (as kubectl)."""
    from kubeferry.cli import create_objects as co
    from kubeferry.client import request as rq
    from kubeferry.client.https import NoMatchError

    source = args.from_
    if getattr(args, "image", None):
        raise co.GeneratorError("either --image or --from must be specified")
    if command:
        raise co.GeneratorError("cannot specify --from and command")
    kind, slash, source_name = source.partition("/")
    if source.count("/") > 1:
        raise co.GeneratorError("arguments in resource/name form may not have more than one slash")
    if slash and not (kind and source_name):
        raise co.GeneratorError("arguments in resource/name form must have a single resource and name")
    try:
        res = conn.transport.lookup(kind)
    except NoMatchError:
        raise co.GeneratorError(f'the server doesn\'t have a resource type "{kind}"') from None
    if not slash:
        raise co.GeneratorError("resource(s) were provided, but no name was specified")
    found = conn.transport.send(rq.get(res, conn.namespace if res.namespaced else None, source_name)).json()
    if (res.group, res.kind) != ("batch", "CronJob"):
        raise co.GeneratorError(f"unknown object type *{res.version}.{res.kind}")  # kubectl names the Go type
    return co.job_from_cronjob(name, namespace, found)


def _required(path: str) -> str:
    return {"deployment": "image", "service externalname": "external-name"}.get(path, "")


def _run_generator(args) -> int:
    from kubeferry.cli.create_objects import GeneratorError

    try:
        path, subtype, names, command = _generator_args(args)
        if getattr(args, "help", False):
            print(f"Usage: kubeferry create {path} NAME [flags]")
            return 0
        required = _required(path)
        if required and getattr(args, required.replace("-", "_"), None) is None:
            raise CommandError(f'required flag(s) "{required}" not set')
        if len(names) != 1:
            raise CommandError(f"exactly one NAME is required, got {len(names)}", f"kubeferry create {path} -h")
        mu.dry_run(args)  # a bad --dry-run value fails before anything else is read
        output = getattr(args, "output", "") or ""
        if output not in OUTPUTS and not output.startswith("jsonpath="):
            raise CommandError(
                f'unable to match a printer suitable for the output format "{output}", '
                f"allowed formats are: {ALLOWED_OUTPUTS}"
            )
        return mu.run_command(args, "create", lambda a, conn: _generate(a, conn, path, subtype, names[0], command))
    except CommandError as e:
        return _fail(e)
    except (GeneratorError, mu.UsageError) as e:
        return _fail(CommandError(str(e)))


def _fail(error: CommandError) -> int:
    print(f"error: {error}", file=sys.stderr)
    if error.see:
        suffix = "for usage." if error.see.endswith("--help") else "for help and examples"
        print(f"See '{error.see}' {suffix}", file=sys.stderr)
    return EXIT_FAILED


def _generate(args, conn, path: str, subtype: str, name: str, command: list[str]) -> int:
    from kubeferry.cli.create_objects import SERVICE_TYPES, GeneratorError
    from kubeferry.client import request as rq
    from kubeferry.machinery import resources
    from kubeferry.machinery.status import StatusError

    generator = path.split()[0]
    group, version, plural, failure = GENERATORS[generator]
    res = resources.by_gvr(group, version, plural)
    namespace = conn.namespace if conn.namespace_explicit and res.namespaced else None
    try:
        if generator == "job" and getattr(args, "from_", None) is not None:
            obj = _job_from(args, conn, name, command, namespace)
        else:
            obj = _build(args, path, subtype, name, command, namespace)
    except GeneratorError as e:
        return _fail(CommandError(str(e)))
    except CommandError as e:
        return _fail(e)
    # kubectl's service generators accept --save-config but never read it: no annotation
    if _truthy(getattr(args, "save_config", "false")) and generator != "service":
        meta = obj["metadata"]
        meta["annotations"] = {mu.LAST_APPLIED: last_applied_text(obj)}
    mode = mu.dry_run(args)
    validation = mu.field_validation(args)
    if mode != mu.DRY_CLIENT:
        manager = getattr(args, "field_manager", FIELD_MANAGER)
        try:
            sent = rq.create(
                res, conn.namespace if res.namespaced else None, obj, **mu.write_params(mode, manager, validation)
            )
            obj = conn.transport.send(sent).json()
        except StatusError as e:
            if generator == "namespace":
                raise
            if generator == "service":
                failure = f"failed to create {SERVICE_TYPES[subtype]} service: "
            return _fail(CommandError(failure + e.message))
        if not _truthy(getattr(args, "show_managed_fields", "false")):
            (obj.get("metadata") or {}).pop("managedFields", None)
    print_created(obj, res, getattr(args, "output", "") or "", mode)
    return 0


def _truthy(value) -> bool:
    return str(value).lower() in ("true", "1", "t")


def last_applied_text(obj: dict) -> str:
    """The `--save-config` annotation: the object as kubectl encodes it, in field order, plus a newline."""
    return _go_json_ordered(obj) + "\n"


def _go_json_ordered(obj: object, indent: int | None = None) -> str:
    """Go's `json.Marshal` of a typed object: keys in the order given (struct order), `<>&` and U+2028/9 escaped."""
    import json

    from kubeferry.cli.printers import go_json_escape

    separators = (",", ": ") if indent else (",", ":")
    return go_json_escape(json.dumps(obj, indent=indent, separators=separators, ensure_ascii=False))


def print_created(obj: dict, res, output: str, mode: str) -> None:
    """kubectl's printer for a created object: the result line, or `-o yaml|json|name|jsonpath=`."""
    from kubeferry.cli import printers

    name = (obj.get("metadata") or {}).get("name", "")
    if output == "":
        print(mu.result_line(res, name, "created", mode))
    elif output == "name":
        print(f"{mu.kind_prefix(res)}/{name}")
    elif output == "json":
        print(_go_json_ordered(obj, indent=4))
    elif output == "yaml":
        sys.stdout.write(printers.to_yaml(obj))
    else:
        printers.print_objects([obj], output, single=True)
