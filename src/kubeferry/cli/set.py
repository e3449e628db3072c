"""`kubeferry set image|env|resources`: change a pod template, send the two-way strategic patch.

Each subcommand GETs the object, edits a copy of its pod spec (Pod: `spec`; CronJob:
`spec.jobTemplate.spec.template.spec`; every other workload: `spec.template.spec`), computes the
strategic merge patch from the live object to the copy (`$setElementOrder/containers` included,
as kubectl emits it) and PATCHes it with `fieldManager=kubectl-set`.  `--record` lands in the same
patch.  Lines: `image updated`, `env updated`, `resource requirements updated`.
"""

from __future__ import annotations

import copy

from kubeferry.cli import mutation as mu

FIELD_MANAGER = "kubectl-set"
ALL_CONTAINERS = "*"


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser("set", parents=parents, help="Set specific features on objects")
    sub = parser.add_subparsers(dest="set_command", metavar="COMMAND")
    for name, help_text, extra in (
        ("image", "Update the image of a pod template", None),
        ("env", "Update environment variables on a pod template", _env_flags),
        ("resources", "Update resource requests/limits on objects with pod templates", _resources_flags),
    ):
        child = sub.add_parser(name, parents=parents, help=help_text)
        child.add_argument("args", nargs="*")
        mu.add_filename(child, "Filename, directory, or URL to files identifying the resource to get from a server.")
        child.add_argument("-l", "--selector", default="")
        child.add_argument("--all", action="store_true", default=False)
        child.add_argument("--local", action="store_true", default=False)
        mu.add_dry_run(child)
        mu.add_record(child)
        child.add_argument("-o", "--output", default="")
        if extra:
            extra(child)
        mu.mark(child, f"set {name}")
        child.set_defaults(handler=lambda args, n=name: mu.run_command(args, f"set {n}", lambda a, c: _set(a, c, n)))


def _env_flags(parser) -> None:
    parser.add_argument("-c", "--containers", default=ALL_CONTAINERS)
    parser.add_argument("-e", "--env", action="append", default=[])
    parser.add_argument("--overwrite", action="store_true", default=True)


def _resources_flags(parser) -> None:
    parser.add_argument("-c", "--containers", default=ALL_CONTAINERS)
    parser.add_argument("--limits", default="")
    parser.add_argument("--requests", default="")


def pod_spec(obj: dict) -> dict | None:
    kind = obj.get("kind")
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return None
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")
    return (spec.get("template") or {}).get("spec")


def _split_pairs(items: list[str]) -> tuple[list[str], list[str]]:
    """Resource arguments (before the first KEY=VALUE / KEY-) and the pairs."""
    resources: list[str] = []
    pairs: list[str] = []
    for item in items:
        if "=" in item or (pairs and item.endswith("-")) or (resources and item.endswith("-") and len(resources) >= 2):
            pairs.append(item)
        else:
            resources.append(item)
    return resources, pairs


def update_images(spec: dict, images: dict[str, str]) -> None:
    """Set each named container's image (`*` for all); an unknown name is kubectl's client error."""
    containers = list(spec.get("initContainers") or []) + list(spec.get("containers") or [])
    for name, image in images.items():
        matched = False
        for container in containers:
            if name in (ALL_CONTAINERS, container.get("name")):
                container["image"] = image
                matched = True
        if not matched:
            raise mu.UsageError(f'unable to find container named "{name}"')


def update_env(spec: dict, selector: str, sets: list[tuple[str, str]], removals: list[str]) -> None:
    for container in spec.get("containers") or []:
        if selector not in (ALL_CONTAINERS, container.get("name")):
            continue
        env = list(container.get("env") or [])
        for key, value in sets:
            for entry in env:
                if entry.get("name") == key:
                    entry.clear()
                    entry.update({"name": key, "value": value})
                    break
            else:
                env.append({"name": key, "value": value})
        env = [entry for entry in env if entry.get("name") not in removals]
        if env:
            container["env"] = env
        else:
            container.pop("env", None)


def _quantities(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in filter(None, text.split(",")):
        key, sep, value = part.partition("=")
        if not sep:
            raise mu.UsageError(f"invalid resource requirement: {part}")
        out[key] = value
    return out


def update_resources(spec: dict, selector: str, limits: dict[str, str], requests: dict[str, str]) -> None:
    matched = False
    for container in spec.get("containers") or []:
        if selector not in (ALL_CONTAINERS, container.get("name")):
            continue
        matched = True
        resources = container.setdefault("resources", {})
        if limits:
            resources.setdefault("limits", {}).update(limits)
        if requests:
            resources.setdefault("requests", {}).update(requests)
    if not matched:
        raise mu.UsageError(f'unable to find container named "{selector}"')


RESULT = {"image": "image updated", "env": "env updated", "resources": "resource requirements updated"}


def _set(args, conn, what: str) -> int:
    from kubeferry.cli.apply import schema_for
    from kubeferry.client import request as rq
    from kubeferry.machinery.patch import create_two_way_merge_patch

    mode = mu.dry_run(args)
    resource_args, pairs = _split_pairs(args.args)
    images: dict[str, str] = {}
    env_sets: list[tuple[str, str]] = []
    env_removals: list[str] = []
    if what == "image":
        for pair in pairs:
            name, _, image = pair.partition("=")
            images[name] = image
        if not images:
            raise mu.UsageError("at least one image update is required")
    elif what == "env":
        for pair in pairs + list(args.env):
            if "=" in pair:
                key, _, value = pair.partition("=")
                env_sets.append((key, value))
            elif pair.endswith("-"):
                env_removals.append(pair[:-1])
        if not env_sets and not env_removals:
            raise mu.UsageError("at least one environment variable must be provided")
    else:
        limits, requests = _quantities(args.limits), _quantities(args.requests)
        if not limits and not requests:
            raise mu.UsageError("you must specify an update to requests or limits (in the form of --requests/--limits)")
    cause = mu.change_cause(args)
    if args.filename:
        targets = [(m.resource, m.name, m.namespace) for m in mu.load_manifests(args, conn, f"set {what}")]
    else:
        found, kinds = mu.parse_targets(conn.transport, resource_args, allow_selector=bool(args.selector or args.all))
        targets = [(t.resource, t.name, mu.namespace_for(t.resource, conn)) for t in found]
        for res in kinds:
            items = conn.transport.list_objects(
                res.api_version, res.kind, mu.namespace_for(res, conn), label_selector=args.selector
            ).items
            targets.extend((res, o["metadata"]["name"], mu.namespace_for(res, conn)) for o in items)
    outcome = mu.Outcome()
    for res, name, namespace in targets:
        try:
            live = mu.get_object(conn.transport, res, namespace, name)
            live.setdefault("apiVersion", res.api_version)
            live.setdefault("kind", res.kind)
            updated = copy.deepcopy(live)
            spec = pod_spec(updated)
            if spec is None:
                raise mu.UsageError(f"{mu.kind_prefix(res)}/{name} does not have a pod template")
            if what == "image":
                update_images(spec, images)
            elif what == "env":
                update_env(spec, args.containers, env_sets, env_removals)
            else:
                update_resources(spec, args.containers, limits, requests)
            mu.record_on(updated, cause)
            patch = create_two_way_merge_patch(live, updated, schema_for(res))
            if patch and mode != mu.DRY_CLIENT:
                conn.transport.send(
                    rq.patch(res, namespace, name, patch, "strategic", **mu.write_params(mode, FIELD_MANAGER))
                )
        except Exception as e:  # noqa: BLE001
            outcome.error(e)
            continue
        outcome.ok(mu.result_line(res, name, RESULT[what], mode))
    return outcome.finish()
