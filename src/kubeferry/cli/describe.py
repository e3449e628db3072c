"""`kubeferry describe`: kubectl's human-readable descriptions, line for line (ages aside).

Owns the describers for deployments, replicasets, pods and services (kubectl's layout: `Name:`
blocks aligned by Go's tabwriter with padding 2, `<none>` placeholders, the Events table at the
end), a generic describer for every other kind (metadata, then spec and status as nested fields),
and `go_tabwrite`, a faithful Go text/tabwriter (column blocks end at a line without that column).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

EXIT_FAILED = 1
DESCRIBE_PADDING = 2  # kubectl describe: tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
NONE = "<none>"
UNSET = "<unset>"


def add_parser(subparsers, parents):
    p = subparsers.add_parser(
        "describe", parents=parents, help="Show details of a specific resource or group of resources"
    )
    p.add_argument("resources", nargs="*", help="TYPE [NAME_PREFIX] | TYPE/NAME")
    p.add_argument("-l", "--selector", default="", help="Selector (label query) to filter on")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="Describe across all namespaces")
    p.add_argument("--show-events", default="true", help="If true, display events related to the described object")
    p.set_defaults(handler=run)
    return p


# -- Go text/tabwriter ----------------------------------------------------------------------------


def go_tabwrite(text: str, minwidth: int = 0, padding: int = DESCRIBE_PADDING) -> str:
    """Align tab-terminated cells as Go's tabwriter does: a column block is a run of consecutive
    lines that have a tab-terminated cell in that column; its width is the widest cell + padding.
    Example: `Name:\\tweb` and `Selector:\\tapp=web` → both first cells padded to 9+2 = 11.
    """
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []

    def write(line0: int, line1: int, widths: list[int]) -> None:
        for cells in lines[line0:line1]:
            parts = []
            for j, cell in enumerate(cells):
                if j < len(cells) - 1 and j < len(widths):
                    parts.append(cell.ljust(widths[j]))
                else:
                    parts.append(cell)
            out.append("".join(parts))

    def fmt(line0: int, line1: int, widths: list[int]) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write(line0, this, widths)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            fmt(line0, this, [*widths, width])
            line0 = this
        write(line0, line1, widths)

    fmt(0, len(lines), [])
    return "\n".join(out)


# -- formatting helpers ---------------------------------------------------------------------------


def human_duration(seconds: float) -> str:
    """apimachinery's duration.HumanDuration: `45s`, `3m20s`, `15m`, `4h5m`, `20h`, `3d4h`, `40d`, `3y10d`."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m" if s % 60 == 0 else f"{minutes}m{s % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d" if hours % 24 == 0 else f"{hours // 24}d{hours % 24}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def since(text: str, now: datetime | None = None) -> str:
    t = parse_time(text)
    if t is None:
        return "<unknown>"
    now = now or datetime.now(UTC)
    return human_duration((now - t).total_seconds())


def rfc1123z(text: str) -> str:
    """`Fri, 27 Nov 2026 16:55:32 +0000`, as describe prints timestamps (in UTC here)."""
    t = parse_time(text)
    if t is None:
        return text
    return t.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


class Writer:
    """kubectl's PrefixWriter: each level indents two spaces; text collects for go_tabwrite."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, level: int, text: str) -> None:
        self.parts.append("  " * level + text)

    def render(self) -> str:
        return go_tabwrite("".join(self.parts))


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def write_map(w: Writer, level: int, title: str, values: dict | None, sep: str = "=") -> None:
    """`Labels:\\tapp=web` then one `\\tk=v` line per further key; `<none>` when empty."""
    # kubectl describe leaves out the last-applied-configuration annotation.
    if values and title == "Annotations" and LAST_APPLIED in values:
        values = {k: v for k, v in values.items() if k != LAST_APPLIED}
    if not values:
        w.write(level, f"{title}:\t{NONE}\n")
        return
    for i, key in enumerate(sorted(values)):
        head = f"{title}:\t" if i == 0 else "\t"
        w.write(level, f"{head}{key}{sep}{values[key]}\n")


def selector_text(selector: dict | None) -> str:
    from kubeferry.machinery import selectors

    text = selectors.format_label_selector(selector or {})
    return text or NONE


def _intstr(value) -> str:
    return str(value) if value is not None else ""


# -- pod templates --------------------------------------------------------------------------------


def _container_ports(c: dict) -> tuple[str, str]:
    """(`80/TCP (http), 443/TCP`, host ports likewise), or `<none>` twice."""
    from kubeferry.cli.pod_template import _port

    ports = c.get("ports") or []
    if not ports:
        return NONE, NONE
    port = ", ".join(_port(p, p.get("containerPort", 0)) for p in ports)
    host = ", ".join(_port(p, p.get("hostPort", 0)) for p in ports)
    return port, host


def _env_lines(w: Writer, level: int, c: dict) -> None:
    env = c.get("env") or []
    env_from = c.get("envFrom") or []
    if env_from:
        w.write(level, "Environment Variables from:\n")
        for src in env_from:
            if "configMapRef" in src:
                w.write(level + 1, f"{src['configMapRef'].get('name', '')}\tConfigMap\tOptional: false\n")
            elif "secretRef" in src:
                w.write(level + 1, f"{src['secretRef'].get('name', '')}\tSecret\tOptional: false\n")
    if not env:
        w.write(level, f"Environment:\t{NONE}\n")
        return
    w.write(level, "Environment:\n")
    for e in env:
        if "value" in e or "valueFrom" not in e:
            w.write(level + 1, f"{e.get('name', '')}:\t{e.get('value', '')}\n")
            continue
        vf = e["valueFrom"]
        if "fieldRef" in vf:
            ref = vf["fieldRef"]
            w.write(level + 1, f"{e['name']}:\t ({ref.get('apiVersion', 'v1')}:{ref.get('fieldPath', '')})\n")
        elif "configMapKeyRef" in vf:
            ref = vf["configMapKeyRef"]
            w.write(
                level + 1,
                f"{e['name']}:\t<set to the key '{ref.get('key')}' of config map '{ref.get('name')}'>\tOptional: {str(bool(ref.get('optional'))).lower()}\n",
            )
        elif "secretKeyRef" in vf:
            ref = vf["secretKeyRef"]
            w.write(
                level + 1,
                f"{e['name']}:\t<set to the key '{ref.get('key')}' in secret '{ref.get('name')}'>\tOptional: {str(bool(ref.get('optional'))).lower()}\n",
            )
        else:
            w.write(level + 1, f"{e['name']}:\t\n")


def _resources(w: Writer, level: int, c: dict) -> None:
    res = c.get("resources") or {}
    for title, key in (("Limits", "limits"), ("Requests", "requests")):
        values = res.get(key) or {}
        if values:
            w.write(level, f"{title}:\n")
            for name in sorted(values):
                w.write(level + 1, f"{name}:\t{values[name]}\n")


def _probe(w: Writer, level: int, title: str, probe: dict | None) -> None:
    if not probe:
        return
    if "httpGet" in probe:
        h = probe["httpGet"]
        scheme = str(h.get("scheme", "HTTP")).lower()
        what = f"http-get {scheme}://{h.get('host', '')}:{h.get('port')}{h.get('path', '')}"
    elif "tcpSocket" in probe:
        what = f"tcp-socket {probe['tcpSocket'].get('host', '')}:{probe['tcpSocket'].get('port')}"
    elif "exec" in probe:
        what = "exec [" + " ".join(probe["exec"].get("command") or []) + "]"
    elif "grpc" in probe:
        what = f"grpc <pod>:{probe['grpc'].get('port')} {probe['grpc'].get('service', '')}"
    else:
        what = "unknown"
    w.write(
        level,
        f"{title}:\t{what} delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
        f"period={probe.get('periodSeconds', 10)}s successThreshold={probe.get('successThreshold', 1)} "
        f"failureThreshold={probe.get('failureThreshold', 3)}\n",
    )


def _mounts(w: Writer, level: int, c: dict) -> None:
    mounts = c.get("volumeMounts") or []
    if not mounts:
        w.write(level, f"Mounts:\t{NONE}\n")
        return
    w.write(level, "Mounts:\n")
    for m in sorted(mounts, key=lambda m: m.get("mountPath", "")):
        flags = ["ro" if m.get("readOnly") else "rw"]
        if m.get("subPath"):
            flags.append(f'path="{m["subPath"]}"')
        w.write(level + 1, f"{m.get('mountPath', '')} from {m.get('name', '')} ({','.join(flags)})\n")


def _command(w: Writer, level: int, c: dict) -> None:
    for title, key in (("Command", "command"), ("Args", "args")):
        values = c.get(key) or []
        if values:
            w.write(level, f"{title}:\n")
            for v in values:
                for line in str(v).split("\n"):
                    w.write(level + 1, f"{line}\n")


def _containers(w: Writer, containers: list, statuses: list | None, level: int, title: str = "Containers") -> None:
    """A pod's containers: names at level+1, fields at level+2 (pod templates: kubeferry.cli.pod_template)."""
    w.write(level, f"{title}:\n")
    by_name = {s.get("name"): s for s in statuses or []}
    for c in containers:
        w.write(level + 1, f"{c.get('name', '')}:\n")
        status = by_name.get(c.get("name"))
        inner = level + 2
        if status is not None:
            w.write(inner, f"Container ID:\t{status.get('containerID', '')}\n")
        w.write(inner, f"Image:\t{c.get('image', '')}\n")
        if status is not None:
            w.write(inner, f"Image ID:\t{status.get('imageID', '')}\n")
        port, host = _container_ports(c)
        w.write(inner, f"{'Ports' if ',' in port else 'Port'}:\t{port}\n")
        w.write(inner, f"{'Host Ports' if ',' in host else 'Host Port'}:\t{host}\n")
        _command(w, inner, c)
        if status is not None:
            _state(w, inner, "State", status.get("state") or {})
            if status.get("lastState"):
                _state(w, inner, "Last State", status.get("lastState") or {})
            w.write(inner, f"Ready:\t{'True' if status.get('ready') else 'False'}\n")
            w.write(inner, f"Restart Count:\t{status.get('restartCount', 0)}\n")
        _resources(w, inner, c)
        _probe(w, inner, "Liveness", c.get("livenessProbe"))
        _probe(w, inner, "Readiness", c.get("readinessProbe"))
        _probe(w, inner, "Startup", c.get("startupProbe"))
        _env_lines(w, inner, c)
        _mounts(w, inner, c)


def _state(w: Writer, level: int, title: str, state: dict) -> None:
    if "running" in state:
        w.write(level, f"{title}:\tRunning\n")
        w.write(level + 1, f"Started:\t{rfc1123z(state['running'].get('startedAt', ''))}\n")
    elif "waiting" in state:
        w.write(level, f"{title}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(level + 1, f"Reason:\t{state['waiting']['reason']}\n")
    elif "terminated" in state:
        t = state["terminated"]
        w.write(level, f"{title}:\tTerminated\n")
        if t.get("reason"):
            w.write(level + 1, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(level + 1, f"Message:\t{t['message']}\n")
        w.write(level + 1, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if t.get("signal"):
            w.write(level + 1, f"Signal:\t{t['signal']}\n")
        w.write(level + 1, f"Started:\t{rfc1123z(t.get('startedAt', ''))}\n")
        w.write(level + 1, f"Finished:\t{rfc1123z(t.get('finishedAt', ''))}\n")
    else:
        w.write(level, f"{title}:\tWaiting\n")


def _volumes(w: Writer, level: int, volumes: list | None) -> None:
    if not volumes:
        w.write(level, f"Volumes:\t{NONE}\n")
        return
    w.write(level, "Volumes:\n")
    for v in volumes:
        w.write(level + 1, f"{v.get('name', '')}:\n")
        if "configMap" in v:
            src = v["configMap"]
            w.write(level + 2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n")
            w.write(level + 2, f"Name:\t{src.get('name', '')}\n")
            w.write(level + 2, f"Optional:\t{str(bool(src.get('optional'))).lower()}\n")
        elif "secret" in v:
            src = v["secret"]
            w.write(level + 2, "Type:\tSecret (a volume populated by a Secret)\n")
            w.write(level + 2, f"SecretName:\t{src.get('secretName', '')}\n")
            w.write(level + 2, f"Optional:\t{str(bool(src.get('optional'))).lower()}\n")
        elif "emptyDir" in v:
            src = v["emptyDir"]
            w.write(level + 2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n")
            w.write(level + 2, f"Medium:\t{src.get('medium', '')}\n")
            w.write(level + 2, f"SizeLimit:\t{src.get('sizeLimit', '<unset>')}\n")
        elif "persistentVolumeClaim" in v:
            src = v["persistentVolumeClaim"]
            w.write(
                level + 2,
                "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n",
            )
            w.write(level + 2, f"ClaimName:\t{src.get('claimName', '')}\n")
            w.write(level + 2, f"ReadOnly:\t{str(bool(src.get('readOnly'))).lower()}\n")
        elif "hostPath" in v:
            src = v["hostPath"]
            w.write(level + 2, "Type:\tHostPath (bare host directory volume)\n")
            w.write(level + 2, f"Path:\t{src.get('path', '')}\n")
            w.write(level + 2, f"HostPathType:\t{src.get('type', '')}\n")


def _tolerations(w: Writer, level: int, tolerations: list | None) -> None:
    if not tolerations:
        w.write(level, f"Tolerations:\t{NONE}\n")
        return
    for i, t in enumerate(tolerations):
        text = t.get("key", "")
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        head = "Tolerations:\t" if i == 0 else "\t"
        w.write(level, f"{head}{text}\n")


def _pod_template(w: Writer, template: dict, level: int = 0) -> None:
    """The `Pod Template:` block, written once for describe and rollout history (kubeferry.cli.pod_template)."""
    from kubeferry.cli.pod_template import describe_template

    w.write(level, describe_template(template))


# -- events ---------------------------------------------------------------------------------------


def fetch_events(conn, obj: dict, kind: str) -> list[dict]:
    """The object's Events, oldest first.  A Node's are looked up twice, as kubectl does: the
    controllers record them on the node's uid, the kubelet on its name."""
    meta = obj.get("metadata") or {}
    uids = [meta.get("uid") or ""]
    if kind == "Node":
        uids.append(meta.get("name", ""))
    items: list[dict] = []
    for uid in uids:
        terms = [f"involvedObject.name={meta.get('name', '')}"]
        if meta.get("namespace"):
            terms.append(f"involvedObject.namespace={meta['namespace']}")
        terms.append(f"involvedObject.kind={kind}")
        if uid:
            terms.append(f"involvedObject.uid={uid}")
        items += conn.transport.list_objects(
            "v1", "Event", meta.get("namespace") or None, field_selector=",".join(terms)
        ).items
    return sorted(items, key=lambda e: e.get("lastTimestamp") or (e.get("eventTime") or ""))


def write_events(w: Writer, events: list[dict] | None, now: datetime | None = None) -> None:
    """kubectl's Events table; None (events not shown) writes nothing, an empty list `<none>`."""
    if events is None:
        return
    if not events:
        w.write(0, f"Events:\t{NONE}\n")
        return
    w.write(0, "Events:\n")
    w.write(1, "Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for e in events:
        first = (
            since(e.get("eventTime") or "", now) if e.get("eventTime") else since(e.get("firstTimestamp") or "", now)
        )
        series = e.get("series")
        if series:
            age = f"{since(series.get('lastObservedTime', ''), now)} (x{series.get('count')} over {first})"
        elif int(e.get("count") or 0) > 1:
            age = f"{since(e.get('lastTimestamp') or '', now)} (x{e['count']} over {first})"
        else:
            age = first
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent") or ""
        message = str(e.get("message", "")).strip()
        field_path = (e.get("involvedObject") or {}).get("fieldPath")
        if field_path:
            message = f"{field_path}: {message}"
        w.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{age}\t{source}\t{message}\n")


def _controlled_by(meta: dict) -> str:
    for ref in meta.get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind')}/{ref.get('name')}"
    return ""


# -- describers -----------------------------------------------------------------------------------


def describe_deployment(conn, obj: dict, events: list[dict]) -> str:
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp', ''))}\n")
    write_map(w, 0, "Labels", meta.get("labels"))
    write_map(w, 0, "Annotations", meta.get("annotations"), ": ")
    w.write(0, f"Selector:\t{selector_text(spec.get('selector'))}\n")
    unavailable = status.get("unavailableReplicas", 0)
    w.write(
        0,
        f"Replicas:\t{spec.get('replicas', 0)} desired | {status.get('updatedReplicas', 0)} updated | "
        f"{status.get('replicas', 0)} total | {status.get('availableReplicas', 0)} available | {unavailable} unavailable\n",
    )
    if spec.get("paused"):
        w.write(0, "Paused:\ttrue\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    if strategy.get("rollingUpdate"):
        ru = strategy["rollingUpdate"]
        w.write(
            0,
            f"RollingUpdateStrategy:\t{_intstr(ru.get('maxUnavailable'))} max unavailable, {_intstr(ru.get('maxSurge'))} max surge\n",
        )
    _pod_template(w, spec.get("template") or {})
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in conditions:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")
    old, new = _replica_sets(conn, obj)
    w.write(0, f"OldReplicaSets:\t{', '.join(old) if old else NONE}\n")
    w.write(0, f"NewReplicaSet:\t{new or NONE}\n")
    write_events(w, events)
    return w.render()


def _replica_sets(conn, deploy: dict) -> tuple[list[str], str]:
    from kubeferry.machinery import selectors

    meta = deploy.get("metadata") or {}
    spec = deploy.get("spec") or {}
    selector = selectors.format_label_selector(spec.get("selector") or {})
    items = conn.transport.list_objects("apps/v1", "ReplicaSet", meta.get("namespace"), label_selector=selector).items
    owned = [
        rs
        for rs in items
        if any(
            r.get("uid") == meta.get("uid") and r.get("controller")
            for r in (rs.get("metadata") or {}).get("ownerReferences") or []
        )
    ]
    template = _strip_hash(spec.get("template") or {})
    new = ""
    old = []
    for rs in sorted(owned, key=lambda r: (r.get("metadata") or {}).get("creationTimestamp", "")):
        rs_spec = rs.get("spec") or {}
        text = f"{rs['metadata']['name']} ({(rs.get('status') or {}).get('replicas', 0)}/{rs_spec.get('replicas', 0)} replicas created)"
        if not new and _strip_hash(rs_spec.get("template") or {}) == template:
            new = text
        elif (rs_spec.get("replicas") or 0) > 0 or ((rs.get("status") or {}).get("replicas") or 0) > 0:
            old.append(text)
    return old, new


def _strip_hash(template: dict) -> dict:
    import copy

    t = copy.deepcopy(template)
    labels = (t.get("metadata") or {}).get("labels")
    if labels:
        labels.pop("pod-template-hash", None)
    return t


def _pod_counts(conn, obj: dict) -> tuple[int, int, int, int]:
    from kubeferry.machinery import selectors

    meta = obj.get("metadata") or {}
    selector = selectors.format_label_selector((obj.get("spec") or {}).get("selector") or {})
    pods = conn.transport.list_objects("v1", "Pod", meta.get("namespace"), label_selector=selector).items
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in pods:
        if not any(r.get("uid") == meta.get("uid") for r in (pod.get("metadata") or {}).get("ownerReferences") or []):
            continue
        phase = (pod.get("status") or {}).get("phase", "")
        if phase in counts:
            counts[phase] += 1
    return counts["Running"], counts["Pending"], counts["Succeeded"], counts["Failed"]


def _pods_status(w: Writer, conn, obj: dict) -> None:
    """`Pods Status:  3 Running / 0 Waiting / 0 Succeeded / 0 Failed` for the pods `obj` controls."""
    running, waiting, succeeded, failed = _pod_counts(conn, obj)
    w.write(0, f"Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed\n")


def describe_replicaset(conn, obj: dict, events: list[dict]) -> str:
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{selector_text(spec.get('selector'))}\n")
    write_map(w, 0, "Labels", meta.get("labels"))
    write_map(w, 0, "Annotations", meta.get("annotations"), ": ")
    owner = _controlled_by(meta)
    if owner:
        w.write(0, f"Controlled By:\t{owner}\n")
    w.write(0, f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 0)} desired\n")
    _pods_status(w, conn, obj)
    _pod_template(w, spec.get("template") or {})
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in conditions:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")
    write_events(w, events)
    return w.render()


def describe_service(conn, obj: dict, events: list[dict]) -> str:
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    write_map(w, 0, "Labels", meta.get("labels"))
    write_map(w, 0, "Annotations", meta.get("annotations"), ": ")
    sel = spec.get("selector") or {}
    w.write(0, f"Selector:\t{','.join(f'{k}={sel[k]}' for k in sorted(sel)) if sel else NONE}\n")
    w.write(0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    if spec.get("ipFamilies"):
        w.write(0, f"IP Families:\t{','.join(spec['ipFamilies'])}\n")
    if spec.get("clusterIP"):
        w.write(0, f"IP:\t{spec['clusterIP']}\n")
    if spec.get("clusterIPs"):
        w.write(0, f"IPs:\t{','.join(spec['clusterIPs'])}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    endpoints = _endpoints(conn, meta)
    for port in spec.get("ports") or []:
        name = port.get("name") or UNSET
        proto = port.get("protocol", "TCP")
        w.write(0, f"Port:\t{name}\t{port.get('port')}/{proto}\n")
        target = port.get("targetPort")
        w.write(0, f"TargetPort:\t{target}/{proto}\n")
        if port.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{port['nodePort']}/{proto}\n")
        w.write(0, f"Endpoints:\t{endpoints.get(port.get('name', ''), '')}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', 'None')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    write_events(w, events)
    return w.render()


def _endpoints(conn, meta: dict) -> dict[str, str]:
    """Ready addresses per port name from the service's EndpointSlices (kubectl 1.37 reads slices)."""
    items = conn.transport.list_objects(
        "discovery.k8s.io/v1", "EndpointSlice", meta.get("namespace"),
        label_selector=f"kubernetes.io/service-name={meta.get('name', '')}",
    ).items  # fmt: skip
    found: dict[str, list[str]] = {}
    for slice_ in items:
        for port in slice_.get("ports") or []:
            for ep in slice_.get("endpoints") or []:
                if (ep.get("conditions") or {}).get("ready") is False:
                    continue
                for addr in ep.get("addresses") or []:
                    found.setdefault(port.get("name", "") or "", []).append(f"{addr}:{port.get('port')}")
    return {k: ",".join(v) for k, v in found.items()}


def describe_pod(conn, obj: dict, events: list[dict]) -> str:
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"Priority:\t{spec.get('priority', 0)}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    w.write(0, f"Service Account:\t{spec.get('serviceAccountName', '')}\n")
    node = spec.get("nodeName", "")
    w.write(0, f"Node:\t{node + '/' + status.get('hostIP', '') if node else NONE}\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(status['startTime'])}\n")
    write_map(w, 0, "Labels", meta.get("labels"))
    write_map(w, 0, "Annotations", meta.get("annotations"), ": ")
    if meta.get("deletionTimestamp"):
        w.write(0, f"Status:\tTerminating (lasts {since(meta['deletionTimestamp'])})\n")
        w.write(0, f"Termination Grace Period:\t{meta.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{status.get('phase', '')}\n")
    if status.get("reason"):
        w.write(0, f"Reason:\t{status['reason']}\n")
    if status.get("message"):
        w.write(0, f"Message:\t{status['message']}\n")
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    ips = status.get("podIPs") or []
    if ips:
        w.write(0, "IPs:\n")
        for ip in ips:
            w.write(1, f"IP:\t{ip.get('ip', '')}\n")
    else:
        w.write(0, f"IPs:\t{NONE}\n")
    owner = _controlled_by(meta)
    if owner:
        w.write(0, f"Controlled By:\t{owner}\n")
    if spec.get("initContainers"):
        _containers(w, spec["initContainers"], status.get("initContainerStatuses"), 0, "Init Containers")
    _containers(w, spec.get("containers") or [], status.get("containerStatuses"), 0)
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\n")
        for c in conditions:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \n")
    _volumes(w, 0, spec.get("volumes"))
    w.write(0, f"QoS Class:\t{status.get('qosClass', '')}\n")
    ns = spec.get("nodeSelector") or {}
    if ns:
        write_map(w, 0, "Node-Selectors", ns)
    else:
        w.write(0, f"Node-Selectors:\t{NONE}\n")
    _tolerations(w, 0, spec.get("tolerations"))
    write_events(w, events)
    return w.render()


def _generic_fields(w: Writer, level: int, value) -> None:
    """kubectl's generic describer: nested maps as `Key:` blocks, scalars as `Key:\\tvalue`."""
    if isinstance(value, dict):
        for key in sorted(value):
            item = value[key]
            title = key[:1].upper() + key[1:]
            if isinstance(item, dict):
                w.write(level, f"{title}:\n")
                _generic_fields(w, level + 1, item)
            elif isinstance(item, list):
                w.write(level, f"{title}:\n")
                for element in item:
                    if isinstance(element, (dict, list)):
                        _generic_fields(w, level + 1, element)
                    else:
                        w.write(level + 1, f"{element}\n")
            else:
                from kubeferry.cli.printers import go_value

                w.write(level, f"{title}:\t{go_value(item)}\n")


def describe_generic(conn, obj: dict, events: list[dict]) -> str:
    meta = obj.get("metadata") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    write_map(w, 0, "Labels", meta.get("labels"))
    write_map(w, 0, "Annotations", meta.get("annotations"), ": ")
    w.write(0, f"API Version:\t{obj.get('apiVersion', '')}\n")
    w.write(0, f"Kind:\t{obj.get('kind', '')}\n")
    rest = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    _generic_fields(w, 0, rest)
    write_events(w, events)
    return w.render()


def describe_daemonset(conn, obj: dict, events: list[dict]) -> str:
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{selector_text(spec.get('selector'))}\n")
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector") or {}
    w.write(0, f"Node-Selector:\t{','.join(f'{k}={v}' for k, v in sorted(node_selector.items())) or NONE}\n")
    write_map(w, 0, "Labels", meta.get("labels"))
    write_map(w, 0, "Annotations", meta.get("annotations"), ": ")
    w.write(0, f"Desired Number of Nodes Scheduled: {status.get('desiredNumberScheduled', 0)}\n")
    w.write(0, f"Current Number of Nodes Scheduled: {status.get('currentNumberScheduled', 0)}\n")
    w.write(0, f"Number of Nodes Scheduled with Up-to-date Pods: {status.get('updatedNumberScheduled', 0)}\n")
    w.write(0, f"Number of Nodes Scheduled with Available Pods: {status.get('numberAvailable', 0)}\n")
    w.write(0, f"Number of Nodes Misscheduled: {status.get('numberMisscheduled', 0)}\n")
    _pods_status(w, conn, obj)
    _pod_template(w, spec.get("template") or {})
    write_events(w, events)
    return w.render()


def describe_statefulset(conn, obj: dict, events: list[dict]) -> str:
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp', ''))}\n")
    w.write(0, f"Selector:\t{selector_text(spec.get('selector'))}\n")
    write_map(w, 0, "Labels", meta.get("labels"))
    write_map(w, 0, "Annotations", meta.get("annotations"), ": ")
    w.write(0, f"Service Name:\t{spec.get('serviceName', '')}\n")
    w.write(0, f"Pod Management Policy:\t{spec.get('podManagementPolicy', '')}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('replicas', 0)} total\n")
    strategy = spec.get("updateStrategy") or {}
    w.write(0, f"Update Strategy:\t{strategy.get('type', '')}\n")
    rolling = strategy.get("rollingUpdate")
    if rolling:
        if rolling.get("partition") is not None:
            w.write(1, f"Partition:\t{rolling['partition']}\n")
        if rolling.get("maxUnavailable") is not None:
            w.write(1, f"MaxUnavailable:\t{_intstr(rolling['maxUnavailable'])}\n")
    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    if retention:
        w.write(0, "Persistent Volume Claim Retention Policy:\n")
        w.write(1, f"WhenDeleted:\t{retention.get('whenDeleted', '')}\n")
        w.write(1, f"WhenScaled:\t{retention.get('whenScaled', '')}\n")
    _pods_status(w, conn, obj)
    _pod_template(w, spec.get("template") or {})
    claims = spec.get("volumeClaimTemplates") or []
    if claims:
        w.write(0, "Volume Claims:\n")
        for claim in claims:
            cmeta, cspec = claim.get("metadata") or {}, claim.get("spec") or {}
            w.write(1, f"Name:\t{cmeta.get('name', '')}\n")
            w.write(1, f"StorageClass:\t{cspec.get('storageClassName') or ''}\n")
            write_map(w, 1, "Labels", cmeta.get("labels"))
            write_map(w, 1, "Annotations", cmeta.get("annotations"), ": ")
            capacity = ((cspec.get("resources") or {}).get("requests") or {}).get("storage", "")
            w.write(1, f"Capacity:\t{capacity}\n")
            w.write(1, f"Access Modes:\t[{' '.join(cspec.get('accessModes') or [])}]\n")
    else:
        w.write(0, f"Volume Claims:\t{NONE}\n")
    write_events(w, events)
    return w.render()


# -- nodes ------------------------------------------------------------------------------------------

NODE_LEASE_NAMESPACE = "kube-node-lease"
ROLE_LABEL_PREFIX = "node-role.kubernetes.io/"
LEGACY_ROLE_LABEL = "kubernetes.io/role"
_HUGEPAGES = "hugepages-"
_STANDARD_RESOURCES = ("cpu", "memory", "ephemeral-storage", "storage", "pods")


def node_roles(labels: dict | None) -> list[str]:
    """`node-role.kubernetes.io/<role>` keys and the legacy `kubernetes.io/role` value, sorted."""
    roles = set()
    for key, value in (labels or {}).items():
        if key.startswith(ROLE_LABEL_PREFIX) and key[len(ROLE_LABEL_PREFIX) :]:
            roles.add(key[len(ROLE_LABEL_PREFIX) :])
        elif key == LEGACY_ROLE_LABEL and value:
            roles.add(value)
    return sorted(roles)


def _taints(w: Writer, taints: list | None) -> None:
    """kubectl sorts taints by `effect,key` and prints `key=value:Effect` (`key:Effect` without a value)."""
    if not taints:
        w.write(0, f"Taints:\t{NONE}\n")
        return
    ordered = sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")
    for i, taint in enumerate(ordered):
        value = f"={taint['value']}" if taint.get("value") else ""
        w.write(0, f"{'Taints:' if i == 0 else ''}\t{taint.get('key', '')}{value}:{taint.get('effect', '')}\n")


def _time_or_unset(text: str | None) -> str:
    return rfc1123z(text) if text else UNSET


def pod_requests_and_limits(pod: dict) -> tuple[dict, dict]:
    """Resource name -> [total value, format of the first term] for requests and for limits.

    As kubectl sums them: the regular containers add up; each init container counts on its own, so
    a larger init container replaces the sum (100m + 200m = 300m, an init container asking 500m makes
    it 500m); the pod overhead is added to both.
    """
    from kubeferry.machinery.quantity import parse

    spec = pod.get("spec") or {}

    def add(total: dict, values: dict | None) -> None:
        for name, text in (values or {}).items():
            q = parse(str(text))
            if name in total:
                total[name] = [total[name][0] + q.value, total[name][1], None]
            else:
                total[name] = [q.value, q.format, str(q)]

    def maximum(total: dict, values: dict | None) -> None:
        for name, text in (values or {}).items():
            q = parse(str(text))
            if name not in total or q.value > total[name][0]:
                total[name] = [q.value, q.format, str(q)]

    requests: dict = {}
    limits: dict = {}
    for c in spec.get("containers") or []:
        add(requests, (c.get("resources") or {}).get("requests"))
        add(limits, (c.get("resources") or {}).get("limits"))
    for c in spec.get("initContainers") or []:
        maximum(requests, (c.get("resources") or {}).get("requests"))
        maximum(limits, (c.get("resources") or {}).get("limits"))
    add(requests, spec.get("overhead"))
    if limits:
        add(limits, spec.get("overhead"))
    return requests, limits


def _quantity_text(total: dict, name: str) -> str:
    """A summed quantity as Go's Quantity.String() prints it (`0` when the pod asks for none)."""
    from kubeferry.machinery.quantity import format_quantity

    entry = total.get(name)
    if entry is None:
        return "0"
    value, fmt, kept = entry
    return kept if kept is not None else format_quantity(value, fmt)


def _percent(total: dict, name: str, allocatable: dict, milli: bool) -> int:
    """Share of the node's allocatable, truncated as Go's int64(): 250m of 4 CPUs → 6."""
    from kubeferry.machinery.quantity import parse_quantity

    entry = total.get(name)
    capacity = parse_quantity(str(allocatable[name])) if allocatable.get(name) is not None else 0
    if entry is None or not capacity:
        return 0
    scale = 1000 if milli else 1
    # Go compares MilliValue()/Value(): both round up to whole milli-units or units.
    used, whole = -(-entry[0] * scale // 1), -(-capacity * scale // 1)
    return int(used / whole * 100)


def _node_pods(w: Writer, pods: list[dict], allocatable: dict, now: datetime | None) -> None:
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    for pod in pods:
        meta = pod.get("metadata") or {}
        req, lim = pod_requests_and_limits(pod)
        cells = [
            f"{_quantity_text(total, name)} ({_percent(total, name, allocatable, name == 'cpu')}%)"
            for name, total in (("cpu", req), ("cpu", lim), ("memory", req), ("memory", lim))
        ]
        age = since(meta.get("creationTimestamp", ""), now)
        w.write(1, f"{meta.get('namespace', '')}\t{meta.get('name', '')}\t\t{chr(9).join(cells)}\t{age}\n")
    totals_req: dict = {}
    totals_lim: dict = {}
    for pod in pods:
        req, lim = pod_requests_and_limits(pod)
        for totals, part in ((totals_req, req), (totals_lim, lim)):
            for name, entry in part.items():
                if name in totals:
                    totals[name] = [totals[name][0] + entry[0], totals[name][1], None]
                else:
                    totals[name] = list(entry)
    w.write(0, "Allocated resources:\n")
    w.write(1, "(Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    hugepages = sorted(name for name in allocatable if name.startswith(_HUGEPAGES))
    extended = sorted(
        name
        for name in allocatable
        if not name.startswith(_HUGEPAGES) and name not in _STANDARD_RESOURCES and "/" in name
    )
    for name in ("cpu", "memory", "ephemeral-storage", *hugepages):
        milli = name == "cpu"
        w.write(
            1,
            f"{name}\t{_quantity_text(totals_req, name)} ({_percent(totals_req, name, allocatable, milli)}%)"
            f"\t{_quantity_text(totals_lim, name)} ({_percent(totals_lim, name, allocatable, milli)}%)\n",
        )
    for name in extended:
        w.write(1, f"{name}\t{_quantity_text(totals_req, name)}\t{_quantity_text(totals_lim, name)}\n")


def _resource_list(w: Writer, title: str, values: dict | None) -> None:
    if values:
        w.write(0, f"{title}:\n")
        for name in sorted(values):
            w.write(1, f"{name}:\t{values[name]}\n")


def describe_node(conn, obj: dict, events: list[dict] | None, now: datetime | None = None) -> str:
    """kubectl's node description: header, lease, conditions, addresses, resources, system info,
    the node's non-terminated pods with their share of the allocatable, then events when there are any."""
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    name = meta.get("name", "")
    w = Writer()
    w.write(0, f"Name:\t{name}\n")
    w.write(0, f"Roles:\t{','.join(node_roles(meta.get('labels'))) or NONE}\n")
    write_map(w, 0, "Labels", meta.get("labels"))
    write_map(w, 0, "Annotations", meta.get("annotations"), ": ")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp', ''))}\n")
    _taints(w, spec.get("taints"))
    w.write(0, f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}\n")
    try:
        lease = conn.transport.get("coordination.k8s.io/v1", "Lease", NODE_LEASE_NAMESPACE, name)
    except Exception as e:  # kubectl prints the failure in place of the lease
        lease, lease_error = None, str(e)
    else:
        lease_error = f'leases.coordination.k8s.io "{name}" not found'
    if lease is not None:
        lspec = lease.get("spec") or {}
        w.write(0, "Lease:\n")
        w.write(1, f"HolderIdentity:\t{lspec.get('holderIdentity') or UNSET}\n")
        w.write(1, f"AcquireTime:\t{_time_or_unset(lspec.get('acquireTime'))}\n")
        w.write(1, f"RenewTime:\t{_time_or_unset(lspec.get('renewTime'))}\n")
    else:
        w.write(0, f"Lease:\tFailed to get lease: {lease_error}\n")
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in conditions:
            w.write(
                1,
                f"{c.get('type', '')} \t{c.get('status', '')} \t{rfc1123z(c.get('lastHeartbeatTime', ''))} \t"
                f"{rfc1123z(c.get('lastTransitionTime', ''))} \t{c.get('reason', '')} \t{c.get('message', '')}\n",
            )
    addresses = status.get("addresses") or []
    if addresses:
        w.write(0, "Addresses:\n")
        for address in addresses:
            w.write(1, f"{address.get('type', '')}:\t{address.get('address', '')}\n")
    _resource_list(w, "Capacity", status.get("capacity"))
    _resource_list(w, "Allocatable", status.get("allocatable"))
    info = status.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for title, key in (
        ("Machine ID", "machineID"),
        ("System UUID", "systemUUID"),
        ("Boot ID", "bootID"),
        ("Kernel Version", "kernelVersion"),
        ("OS Image", "osImage"),
        ("Operating System", "operatingSystem"),
        ("Architecture", "architecture"),
        ("Container Runtime Version", "containerRuntimeVersion"),
        ("Kubelet Version", "kubeletVersion"),
    ):
        w.write(1, f"{title}:\t{info.get(key, '')}\n")
    if info.get("kubeProxyVersion"):
        w.write(1, f"Kube-Proxy Version:\t{info['kubeProxyVersion']}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    selector = f"spec.nodeName={name},status.phase!=Failed,status.phase!=Succeeded"
    pods = conn.transport.list_objects("v1", "Pod", None, field_selector=selector).items
    pods.sort(key=lambda p: ((p.get("metadata") or {}).get("namespace", ""), (p.get("metadata") or {}).get("name", "")))
    allocatable = status.get("allocatable") or status.get("capacity") or {}
    _node_pods(w, pods, allocatable, now)
    if events is not None:
        write_events(w, events, now)
    return w.render()


DESCRIBERS = {
    "DaemonSet": describe_daemonset,
    "StatefulSet": describe_statefulset,
    "Deployment": describe_deployment,
    "ReplicaSet": describe_replicaset,
    "Service": describe_service,
    "Pod": describe_pod,
    "Node": describe_node,
}


def describe(conn, res, obj: dict, show_events: bool = True, named: bool = True) -> str:
    """One object's description; `named` says the user gave its exact name (kubectl 1.37 leaves the
    Events section out of node descriptions found by listing or by a name prefix, even when the node
    has events)."""
    events = fetch_events(conn, obj, res.kind) if show_events and (named or res.kind != "Node") else None
    describer = DESCRIBERS.get(res.kind, describe_generic)
    return describer(conn, obj, events)


def _joined(texts: list[tuple[str, str]]) -> str:
    """kubectl writes `\n\n` before every description but the first; a node description keeps the
    two blank lines that makes, the others are printed with one."""
    out = ""
    for i, (kind, text) in enumerate(texts):
        if i:
            out += "\n\n" if kind == "Node" else "\n"
        out += text.rstrip("\n") + "\n"
    return out


def run(args) -> int:
    from kubeferry.cli import printers
    from kubeferry.cli.connect import connect, fail, server_error_line
    from kubeferry.machinery.status import StatusError

    if not args.resources:
        print(
            'You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.\n',
            file=sys.stderr,
        )
        print("error: Required resource not specified.", file=sys.stderr)
        return EXIT_FAILED
    try:
        conn = connect(args, "describe")
        targets = printers.resolve_targets(conn, args.resources)
    except printers.CLIError as e:
        print(e.line(), file=sys.stderr)
        return e.code
    except Exception as e:
        return fail(e)
    show_events = str(args.show_events).lower() != "false"
    namespace = None if args.all_namespaces else conn.namespace
    texts: list[tuple[str, str]] = []
    prefix_matched = False  # kubectl prints name-prefix matches each followed by a blank line
    errors: list[str] = []
    try:
        for target in targets:
            res = target.resource
            ns = namespace if res.namespaced else None
            if target.name:
                obj = conn.transport.get(res.api_version, res.kind, ns or conn.namespace, target.name)
                if obj is None:
                    # kubectl describe falls back to a name-prefix match before giving up
                    items = conn.transport.list_objects(res.api_version, res.kind, ns).items
                    matches = [o for o in items if o["metadata"]["name"].startswith(target.name)]
                    if not matches:
                        from kubeferry.machinery.status import not_found

                        errors.append(server_error_line(not_found(res.plural, res.group, target.name)))
                        continue
                    objs = matches
                    named = False
                    prefix_matched = True
                else:
                    objs = [obj]
                    named = True
            else:
                named = False
                objs = conn.transport.list_objects(res.api_version, res.kind, ns, label_selector=args.selector).items
            for obj in objs:
                obj.setdefault("apiVersion", res.api_version)
                obj.setdefault("kind", res.kind)
                # kubectl shows no events for objects found by a name prefix
                texts.append((res.kind, describe(conn, res, obj, show_events and not prefix_matched, named)))
    except StatusError as e:
        return fail(e)
    if texts:
        if prefix_matched:
            sys.stdout.write("".join(text.rstrip("\n") + "\n\n" for _, text in texts))
        else:
            sys.stdout.write(_joined(texts))
    elif not errors:
        print(f"No resources found in {namespace} namespace." if namespace else "No resources found", file=sys.stderr)
    for line in errors:
        print(line, file=sys.stderr)
    return EXIT_FAILED if errors else 0
