"""`kubeferry rollout history`: the revisions of a Deployment, DaemonSet or StatefulSet (semantics §6.2).

kubectl's output exactly: `deployment.apps/web ` (the name printer with an empty operation, hence
the trailing space), then a `REVISION  CHANGE-CAUSE` table whose lines all end in a newline, then
the newline the printer adds — a blank last line.  `--revision=N` prints the revision's pod
template as `kubectl describe` does; `-o name|yaml|json` prints the ReplicaSets (Deployments) or
the sets rebuilt from each ControllerRevision (DaemonSets, StatefulSets).

Beyond kubectl:
* `--images` adds an IMAGES column (the revision's container images, comma-separated, init
  containers first) after CHANGE-CAUSE.  On a terminal it is shown by default; when stdout is
  not a terminal the default output stays byte-for-byte kubectl's, so scripts parsing it keep
  working.  `--images=false` turns it off on a terminal.
* `--diff A B` prints a unified diff of revision A's and revision B's pod templates as YAML
  (`pod-template-hash` labels dropped, so only real changes show).

Revisions come from the workload's own history objects: ReplicaSets (revision annotation,
change-cause annotation) or ControllerRevisions (`.revision`, data applied to the set by
strategic merge patch), kept only when the workload is their controller.
"""

from __future__ import annotations

import copy
import json
import sys

CHANGE_CAUSE = "kubernetes.io/change-cause"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
POD_TEMPLATE_HASH = "pod-template-hash"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
HISTORY_KINDS = ("Deployment", "DaemonSet", "StatefulSet")
# Kinds kubectl's history viewer factory knows (apps, extensions, batch, core); others get a visitor error.
KNOWN_GROUPS = ("apps", "extensions", "batch", "")
PADDING = 2  # tabwriter padding between columns


def register(sub, parents) -> None:
    from kubeferry.cli.rollout import add_target_flags

    text = "View rollout history"
    parser = sub.add_parser("history", parents=parents, help=text, description=text + ".")
    add_target_flags(parser)
    parser.add_argument(
        "--revision", type=int, default=0, help="See the details, including podTemplate of the revision specified"
    )
    parser.add_argument("-o", "--output", default="", help="Output format. One of: (json, yaml, name).")
    parser.add_argument(
        "--images",
        nargs="?",
        const="true",
        default=None,
        choices=["true", "false"],
        help="Add an IMAGES column (default: on a terminal only).",
    )
    parser.add_argument(
        "--diff", nargs=2, type=int, metavar=("A", "B"), help="Unified diff of two revisions' pod templates."
    )
    parser.set_defaults(handler=run)


# -- the pod template description (kubectl describe's `Pod Template:` block) ---------------------


def _multiline(title: str, items: list[str]) -> list[str]:
    if not items:
        return [f"{title}:\t<none>"]
    return [f"{title}:\t{items[0]}"] + [f"\t{item}" for item in items[1:]]


def _ports(container: dict) -> list[str]:
    ports = container.get("ports") or []
    if not ports:
        return ["    Port:\t<none>", "    Host Port:\t<none>"]
    plural = "s" if len(ports) > 1 else ""
    own = ", ".join(f"{p.get('containerPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
    host = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
    return [f"    Port{plural}:\t{own}", f"    Host Port{plural}:\t{host}"]


def _probe(probe: dict) -> str:
    if "httpGet" in probe:
        get = probe["httpGet"]
        scheme = str(get.get("scheme", "HTTP")).lower()
        action = f"http-get {scheme}://{get.get('host', '')}:{get.get('port', '')}{get.get('path', '')}"
    elif "tcpSocket" in probe:
        action = f"tcp-socket {probe['tcpSocket'].get('host', '')}:{probe['tcpSocket'].get('port', '')}"
    elif "grpc" in probe:
        action = f"grpc <pod>:{probe['grpc'].get('port', '')} {probe['grpc'].get('service', '')}"
    elif "exec" in probe:
        action = "exec [" + " ".join((probe["exec"] or {}).get("command") or []) + "]"
    else:
        action = "unknown"
    return (
        f"{action} delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
        f"period={probe.get('periodSeconds', 10)}s #success={probe.get('successThreshold', 1)} "
        f"#failure={probe.get('failureThreshold', 3)}"
    )


def _env_value(env: dict) -> str:
    source = env.get("valueFrom")
    if not source:
        return f"      {env.get('name', '')}:\t{env.get('value', '')}"
    name = env.get("name", "")
    if "fieldRef" in source:
        ref = source["fieldRef"]
        return f"      {name}:\t ({ref.get('apiVersion', 'v1')}:{ref.get('fieldPath', '')})"
    if "resourceFieldRef" in source:
        ref = source["resourceFieldRef"]
        return f"      {name}:\t{ref.get('containerName', '')} {ref.get('resource', '')}"
    if "configMapKeyRef" in source:
        ref = source["configMapKeyRef"]
        optional = "true" if ref.get("optional") else "false"
        return f"      {name}:\t<set to the key '{ref.get('key', '')}' of config map '{ref.get('name', '')}'>\tOptional: {optional}"
    if "secretKeyRef" in source:
        ref = source["secretKeyRef"]
        optional = "true" if ref.get("optional") else "false"
        return f"      {name}:\t<set to the key '{ref.get('key', '')}' in secret '{ref.get('name', '')}'>\tOptional: {optional}"
    return f"      {name}:\t"


def _containers(title: str, containers: list[dict]) -> list[str]:
    out = [f"  {title}:"]
    for c in containers:
        out.append(f"   {c.get('name', '')}:")
        out.append(f"    Image:\t{c.get('image', '')}")
        out.extend(_ports(c))
        for key, label in (("command", "Command"), ("args", "Args")):
            if c.get(key):
                out.append(f"    {label}:")
                out.extend(f"      {word}" for word in c[key])
        resources = c.get("resources") or {}
        for key, label in (("limits", "Limits"), ("requests", "Requests")):
            if resources.get(key):
                out.append(f"    {label}:")
                out.extend(f"      {name}:\t{value}" for name, value in sorted(resources[key].items()))
        for key, label in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"), ("startupProbe", "Startup")):
            if c.get(key):
                out.append(f"    {label}:\t{_probe(c[key])}")
        if c.get("envFrom"):
            out.append("    Environment Variables from:")
        for source in c.get("envFrom") or []:
            ref = source.get("configMapRef") or source.get("secretRef") or {}
            what = "ConfigMap" if "configMapRef" in source else "Secret"
            optional = "true" if ref.get("optional") else "false"
            out.append(f"      {ref.get('name', '')}\t{what}\tPrefix: {source.get('prefix', '')}\tOptional: {optional}")
        env = c.get("env") or []
        if env:
            out.append("    Environment:")
            out.extend(_env_value(e) for e in env)
        else:
            out.append("    Environment:\t<none>")
        mounts = c.get("volumeMounts") or []
        if mounts:
            out.append("    Mounts:")
            for m in sorted(mounts, key=lambda m: m.get("mountPath", "")):
                flags = []
                if m.get("readOnly"):
                    flags.append("ro")
                else:
                    flags.append("rw")
                if m.get("subPath"):
                    flags.append(f'path="{m["subPath"]}"')
                out.append(f"      {m.get('mountPath', '')} from {m.get('name', '')} ({','.join(flags)})")
        else:
            out.append("    Mounts:\t<none>")
    return out


def _volumes(volumes: list[dict]) -> list[str]:
    if not volumes:
        return ["  Volumes:\t<none>"]
    out = ["  Volumes:"]
    for v in volumes:
        out.append(f"   {v.get('name', '')}:")
        if "emptyDir" in v:
            empty = v["emptyDir"] or {}
            out.append("    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)")
            out.append(f"    Medium:\t{empty.get('medium', '')}")
            out.append(f"    SizeLimit:\t{empty.get('sizeLimit', '<unset>')}")
        elif "configMap" in v:
            ref = v["configMap"] or {}
            out.append("    Type:\tConfigMap (a volume populated by a ConfigMap)")
            out.append(f"    Name:\t{ref.get('name', '')}")
            out.append(f"    Optional:\t{'true' if ref.get('optional') else 'false'}")
        elif "secret" in v:
            ref = v["secret"] or {}
            out.append("    Type:\tSecret (a volume populated by a Secret)")
            out.append(f"    SecretName:\t{ref.get('secretName', '')}")
            out.append(f"    Optional:\t{'true' if ref.get('optional') else 'false'}")
        elif "persistentVolumeClaim" in v:
            ref = v["persistentVolumeClaim"] or {}
            out.append(
                "    Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)"
            )
            out.append(f"    ClaimName:\t{ref.get('claimName', '')}")
            out.append(f"    ReadOnly:\t{'true' if ref.get('readOnly') else 'false'}")
        elif "hostPath" in v:
            ref = v["hostPath"] or {}
            out.append("    Type:\tHostPath (bare host directory volume)")
            out.append(f"    Path:\t{ref.get('path', '')}")
            out.append(f"    HostPathType:\t{ref.get('type', '')}")
        else:
            kind = next((k for k in v if k != "name"), "")
            out.append(f"    <unknown volume type {kind}>")
    return out


def _toleration(t: dict) -> str:
    text = t.get("key", "")
    if t.get("value"):
        text += f"={t['value']}"
    if t.get("effect"):
        text += f":{t['effect']}"
    if t.get("operator") == "Exists" and not t.get("value"):
        text += " op=Exists"
    if t.get("tolerationSeconds") is not None:
        text += f" for {t['tolerationSeconds']}s"
    return text


def describe_template(template: dict | None) -> str:
    """kubectl's `Pod Template:` description; every line ends in a newline; tabs are left raw, as kubectl leaves them."""
    lines = ["Pod Template:"]
    if template is None:
        return "Pod Template:\n  <unset>"
    meta = template.get("metadata") or {}
    spec = template.get("spec") or {}
    labels = meta.get("labels") or {}
    lines.extend(_multiline("  Labels", [f"{k}={labels[k]}" for k in sorted(labels)]))
    annotations = meta.get("annotations") or {}
    if annotations:
        shown = {k: v for k, v in annotations.items() if k != LAST_APPLIED}
        lines.extend(_multiline("  Annotations", [f"{k}: {shown[k]}" for k in sorted(shown)]))
    if spec.get("serviceAccountName"):
        lines.append(f"  Service Account:\t{spec['serviceAccountName']}")
    if spec.get("initContainers"):
        lines.extend(_containers("Init Containers", spec["initContainers"]))
    lines.extend(_containers("Containers", spec.get("containers") or []))
    lines.extend(_volumes(spec.get("volumes") or []))
    if spec.get("priorityClassName"):
        lines.append(f"  Priority Class Name:\t{spec['priorityClassName']}")
    selector = spec.get("nodeSelector") or {}
    lines.extend(_multiline("  Node-Selectors", [f"{k}={selector[k]}" for k in sorted(selector)]))
    lines.extend(_multiline("  Tolerations", [_toleration(t) for t in spec.get("tolerations") or []]))
    return "\n".join(lines) + "\n"


# -- revisions -----------------------------------------------------------------------------------


def _controlled_by(obj: dict, uid: str) -> bool:
    return any(
        ref.get("controller") and ref.get("uid") == uid
        for ref in (obj.get("metadata") or {}).get("ownerReferences") or []
    )


def images(template: dict) -> str:
    spec = (template or {}).get("spec") or {}
    names = [c.get("image", "") for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])]
    return ",".join(names) or "<none>"


def revisions(conn, target, workload: dict) -> dict[int, dict]:
    """revision → {"object": RS or rebuilt set, "template": pod template, "cause": change-cause or ""}."""
    from kubeferry.machinery.selectors import format_label_selector

    meta = workload.get("metadata") or {}
    uid = meta.get("uid", "")
    selector = format_label_selector((workload.get("spec") or {}).get("selector"))
    out: dict[int, dict] = {}
    if target.kind == "Deployment":
        items = conn.transport.list_objects("apps/v1", "ReplicaSet", target.namespace, label_selector=selector).items
        for rs in items:
            if not _controlled_by(rs, uid):
                continue
            annotations = (rs.get("metadata") or {}).get("annotations") or {}
            try:
                number = int(annotations.get(REVISION_ANNOTATION, ""))
            except ValueError:
                continue
            template = copy.deepcopy((rs.get("spec") or {}).get("template") or {})
            cause = annotations.get(CHANGE_CAUSE, "")
            out[number] = {"object": rs, "template": template, "cause": cause}
        return out
    from kubeferry.machinery import schema
    from kubeferry.machinery.patch import apply_strategic_merge_patch

    node = schema.for_kind("apps", "v1", target.kind)
    items = conn.transport.list_objects(
        "apps/v1", "ControllerRevision", target.namespace, label_selector=selector
    ).items
    for cr in items:
        if not _controlled_by(cr, uid):
            continue
        rebuilt = apply_strategic_merge_patch(copy.deepcopy(workload), cr.get("data") or {}, node)
        cause = ((cr.get("metadata") or {}).get("annotations") or {}).get(CHANGE_CAUSE, "")
        out[int(cr.get("revision") or 0)] = {
            "object": rebuilt,
            "template": (rebuilt.get("spec") or {}).get("template") or {},
            "cause": cause,
            "revision_object": cr,
        }
    return out


def table(history: dict[int, dict], with_images: bool) -> str:
    """The tabwriter table: each column as wide as its widest cell plus 2, the last column unpadded.

    Example: revisions 1 and 10 → `REVISION` (8) is widest, so every first cell is padded to 10:
    `REVISION  CHANGE-CAUSE` / `1         <none>` / `10        <none>`.
    """
    header = ["REVISION", "CHANGE-CAUSE"] + (["IMAGES"] if with_images else [])
    rows = [header]
    for number in sorted(history):
        row = [str(number), history[number]["cause"] or "<none>"]
        if with_images:
            row.append(images(history[number]["template"]))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) + PADDING for i in range(len(header) - 1)]
    return "".join("".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)) + r[-1] + "\n" for r in rows)


def _printable(obj: dict, target) -> dict:
    obj = copy.deepcopy(obj)
    if target.kind == "Deployment":
        obj.setdefault("apiVersion", "apps/v1")
        obj.setdefault("kind", "ReplicaSet")
    return obj


def print_objects(objects: list[dict], output: str) -> None:
    import yaml

    for index, obj in enumerate(objects):
        if output == "name":
            kind = obj.get("kind", "").lower()
            group = obj.get("apiVersion", "").rpartition("/")[0]
            name = (obj.get("metadata") or {}).get("name", "")
            print(f"{kind}.{group}/{name}" if group else f"{kind}/{name}")
        elif output == "json":
            print(json.dumps(obj, indent=4, ensure_ascii=False))
        else:
            if index:
                print("---")
            sys.stdout.write(yaml.safe_dump(obj, default_flow_style=False, sort_keys=True, allow_unicode=True))


def template_yaml(template: dict) -> str:
    import yaml

    template = copy.deepcopy(template)
    labels = (template.get("metadata") or {}).get("labels") or {}
    labels.pop(POD_TEMPLATE_HASH, None)
    return yaml.safe_dump(template, default_flow_style=False, sort_keys=True)


def run(args) -> int:
    from kubeferry.cli import rollout

    if args.revision < 0:
        return rollout.error(f"revision must be a positive integer: {args.revision}")
    if args.output not in ("", "name", "yaml", "json"):
        return rollout.error(
            f'unable to match a printer suitable for the output format "{args.output}", allowed formats are: json,name,yaml'
        )
    with_images = sys.stdout.isatty() if args.images is None else args.images == "true"

    def each(conn, target) -> int:
        workload = rollout.fetch(conn, target)  # kubectl resolves (GETs) the object before choosing a viewer
        if target.kind not in HISTORY_KINDS or target.group != "apps":
            if target.group in KNOWN_GROUPS:
                qualified = f"{target.kind}.{target.group}" if target.group else target.kind
                return rollout.error(f'no history viewer has been implemented for "{qualified}"')
            return rollout.error(
                f'error retrieving history for "{target.kind}", no visitor method exists for {target.kind}'
            )
        history = revisions(conn, target, workload)
        if args.diff:
            return _diff(target, history, *args.diff)
        if args.output:
            chosen = sorted(history) if not args.revision else [args.revision]
            if args.revision and args.revision not in history:
                return rollout.error(f"unable to find the specified revision {args.revision}")
            print_objects([_printable(history[n]["object"], target) for n in chosen], args.output)
            return rollout.EXIT_OK
        if args.revision:
            if args.revision not in history:
                return rollout.error("unable to find the specified revision")
            entry = history[args.revision]
            template = copy.deepcopy(entry["template"])
            if target.kind == "Deployment" and entry["cause"]:
                template.setdefault("metadata", {}).setdefault("annotations", {})[CHANGE_CAUSE] = entry["cause"]
            sys.stdout.write(f"{target.printed_name()} with revision #{args.revision}\n{describe_template(template)}\n")
            return rollout.EXIT_OK
        text = table(history, with_images) if history else "No rollout history found.\n"
        sys.stdout.write(f"{target.printed_name()} \n{text}\n")
        return rollout.EXIT_OK

    return rollout.run(args, "history", each)


def _diff(target, history: dict[int, dict], first: int, second: int) -> int:
    import difflib

    from kubeferry.cli import rollout

    for number in (first, second):
        if number not in history:
            return rollout.error(f"unable to find the specified revision {number}")
    a = template_yaml(history[first]["template"]).splitlines(keepends=True)
    b = template_yaml(history[second]["template"]).splitlines(keepends=True)
    sys.stdout.writelines(
        difflib.unified_diff(
            a, b, f"{target.printed_name()} revision {first}", f"{target.printed_name()} revision {second}"
        )
    )
    return rollout.EXIT_OK
