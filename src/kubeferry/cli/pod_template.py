"""The `Pod Template:` block kubectl prints in `describe deployment|replicaset|daemonset|statefulset`
and in `rollout history --revision=N` (and `rollout undo --dry-run`).

One function, `describe_template`, writes it as kubectl 1.37's describer does, with raw tabs
between a title and its value: `rollout history` prints those tabs as they are, `describe` passes
the whole description through its tab writer.  kubectl's quirks are kept: container and volume
names sit one space deeper than their section (`   web:`), continuation lines of Labels,
Annotations, Node-Selectors and Tolerations start with a bare tab while those of Topology Spread
Constraints start with two spaces and a tab, `Priority Class Name` comes before Node-Selectors,
`Port:` becomes `Ports:` once there are several, and `<unset>` for a missing template ends
without a newline.
"""

from __future__ import annotations

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _multiline(title: str, items: list[str]) -> list[str]:
    if not items:
        return [f"{title}:\t<none>"]
    return [f"{title}:\t{items[0]}"] + [f"\t{item}" for item in items[1:]]


def _ports(container: dict) -> list[str]:
    ports = container.get("ports") or []
    if not ports:
        return ["    Port:\t<none>", "    Host Port:\t<none>"]
    own = ", ".join(_port(p, p.get("containerPort", 0)) for p in ports)
    host = ", ".join(_port(p, p.get("hostPort", 0)) for p in ports)
    return [
        f"    Ports:\t{own}" if "," in own else f"    Port:\t{own}",
        f"    Host Ports:\t{host}" if "," in host else f"    Host Port:\t{host}",
    ]


def _port(port: dict, number) -> str:
    """`80/TCP`, or `80/TCP (http)` for a named port."""
    text = f"{number}/{port.get('protocol', 'TCP')}"
    return f"{text} ({port['name']})" if port.get("name") else text


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
        f"period={probe.get('periodSeconds', 10)}s successThreshold={probe.get('successThreshold', 1)} "
        f"failureThreshold={probe.get('failureThreshold', 3)}"
    )


def _env_value(env: dict) -> str:
    source = env.get("valueFrom")
    if not source:
        first, *rest = str(env.get("value", "")).split("\n")
        return "\n".join([f"      {env.get('name', '')}:\t{first}"] + [f"      \t{line}" for line in rest])
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
                out.extend(f"      {line}" for word in c[key] for line in str(word).split("\n"))
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
            if source.get("prefix"):
                what += f" with prefix '{source['prefix']}'"
            out.append(f"      {ref.get('name', '')}\t{what}\tOptional: {optional}")
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


def _spread_constraints(constraints: list[dict]) -> list[str]:
    """`  Topology Spread Constraints:\tzone:DoNotSchedule when max skew 1 is exceeded ...`, sorted by key;
    further lines start with two spaces and a tab (unlike label lists, which start with the tab)."""
    out = []
    for i, c in enumerate(sorted(constraints, key=lambda c: c.get("topologyKey", ""))):
        text = f"{c.get('topologyKey', '')}:{c.get('whenUnsatisfiable', '')} when max skew {c.get('maxSkew', 0)} is exceeded"
        if c.get("labelSelector") is not None:
            from kubeferry.machinery.selectors import format_label_selector

            text += f" for selector {format_label_selector(c['labelSelector'])}"
        out.append(("  Topology Spread Constraints:\t" if i == 0 else "  \t") + text)
    return out


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
    lines.extend(_spread_constraints(spec.get("topologySpreadConstraints") or []))
    if spec.get("priorityClassName"):
        lines.append(f"  Priority Class Name:\t{spec['priorityClassName']}")
    selector = spec.get("nodeSelector") or {}
    lines.extend(_multiline("  Node-Selectors", [f"{k}={selector[k]}" for k in sorted(selector)]))
    lines.extend(_multiline("  Tolerations", [_toleration(t) for t in spec.get("tolerations") or []]))
    return "\n".join(lines) + "\n"
