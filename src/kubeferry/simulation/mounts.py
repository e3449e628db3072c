"""What a simulated container sees of ConfigMaps and Secrets: its environment and its mounted files.

A kubelet resolves `env` / `envFrom` once, when it starts a container, and keeps refreshing
ConfigMap/Secret volumes while the pod runs, so an edited ConfigMap reaches mounted files after a
sync period but never the environment of a running container.  This module models exactly that
without remembering anything per pod:

* `ContentHistory` keeps, per ConfigMap/Secret, the versions of its data with the cluster time each
  was stored (fed from the store's change stream by the composition root).
* the environment of a container is resolved against the versions current when the container
  (re)started — `state.running.startedAt` (whole seconds, so the whole second counts);
* a mounted file is read from the newest version at least `sync_seconds` old, or the version
  current at the start when that is newer (a fresh mount sees today's data).

Worked example, sync 10 s: ConfigMap `cfg` v1 stored at 10:00:00, container started 10:00:05, `cfg`
edited to v2 at 10:00:20 → env sees v1 for as long as the container runs; the file shows v1 until
10:00:30 and v2 from then on; after a restart at 10:01:00 env shows v2.

Versions older than anyone can see are dropped: only the last `KEEP` versions per object are kept.
Secret values are base64 in `data` (decoded here) or plain in `stringData`.  Pure apart from the
in-memory history; no I/O.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as _dt
import posixpath
import re
from collections.abc import Callable, Mapping
from typing import Any

from kubeferry.machinery.podutil import parse_time

CONFIGMAP = "ConfigMap"
SECRET = "Secret"
KEEP = 32
DEFAULT_SYNC_SECONDS = 10.0
# Versions stored before the history started (at server start-up) count as always present.
BEGINNING = _dt.datetime.min.replace(tzinfo=_dt.UTC)
WHOLE_SECOND = _dt.timedelta(seconds=1) - _dt.timedelta(microseconds=1)
_VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\$")

# (kind, namespace, name) -> text of each key, or None when the object does not exist at that time.
Lookup = Callable[[str, str, str], "dict[str, str] | None"]


def object_data(kind: str, obj: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The key → text contents a container would see of a ConfigMap or Secret (None when absent)."""
    if obj is None:
        return None
    out: dict[str, str] = {}
    if kind == SECRET:
        for key, value in (obj.get("data") or {}).items():
            try:
                out[key] = base64.b64decode(value or "", validate=False).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                out[key] = ""
        for key, value in (obj.get("stringData") or {}).items():
            out[key] = str(value)
        return out
    for key, value in (obj.get("data") or {}).items():
        out[key] = "" if value is None else str(value)
    for key, value in (obj.get("binaryData") or {}).items():
        try:
            out[key] = base64.b64decode(value or "").decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            out[key] = ""
    return out


class ContentHistory:
    """The stored versions of every ConfigMap and Secret, stamped with the cluster time of the change."""

    def __init__(self) -> None:
        self._times: dict[tuple[str, str, str], list[_dt.datetime]] = {}
        self._data: dict[tuple[str, str, str], list[dict[str, str] | None]] = {}

    def record(self, kind: str, namespace: str, name: str, obj: Mapping[str, Any] | None, at: _dt.datetime) -> None:
        """A change seen at `at` (obj None: deleted).  Unchanged data is not a new version."""
        key = (kind, namespace, name)
        data = object_data(kind, obj)
        times = self._times.setdefault(key, [])
        versions = self._data.setdefault(key, [])
        if versions and versions[-1] == data:
            return
        if times and at < times[-1]:  # never let a clock step backwards reorder versions
            at = times[-1]
        times.append(at)
        versions.append(data)
        if len(times) > KEEP:
            del times[0], versions[0]

    def seed(
        self, kind: str, namespace: str, name: str, obj: Mapping[str, Any], since: _dt.datetime = BEGINNING
    ) -> None:
        """An object that existed before the history began: visible from `since` (by default at any time)."""
        key = (kind, namespace, name)
        self._times[key] = [since]
        self._data[key] = [object_data(kind, obj)]

    def changes(self, kind: str, namespace: str, name: str, start: _dt.datetime, end: _dt.datetime) -> list:
        """The times of the versions stored in [start, end] (the moments the object could have become usable)."""
        times = self._times.get((kind, namespace, name))
        if not times:
            return []
        return times[bisect.bisect_left(times, start) : bisect.bisect_right(times, end)]

    def as_of(self, kind: str, namespace: str, name: str, at: _dt.datetime) -> dict[str, str] | None:
        """The data stored at time `at` (None when the object did not exist then)."""
        key = (kind, namespace, name)
        times = self._times.get(key)
        if not times:
            return None
        index = bisect.bisect_right(times, at) - 1
        return self._data[key][index] if index >= 0 else None

    def lookup_at(self, at: _dt.datetime) -> Lookup:
        return lambda kind, namespace, name: self.as_of(kind, namespace, name, at)


def container_started(pod: Mapping[str, Any], container: str) -> _dt.datetime | None:
    """When the container's current instance started (end of that second), None when it is not running."""
    for status in (pod.get("status") or {}).get("containerStatuses") or ():
        if status.get("name") == container:
            started = parse_time(((status.get("state") or {}).get("running") or {}).get("startedAt"))
            return None if started is None else started + WHOLE_SECOND
    return None


def files_view_time(started: _dt.datetime, now: _dt.datetime, sync_seconds: float) -> _dt.datetime:
    """The moment whose data mounted volumes show: `now - sync`, but never before the container started."""
    return max(started, now - _dt.timedelta(seconds=sync_seconds))


# --- environment ------------------------------------------------------------------------------------


def _field_value(pod: Mapping[str, Any], path: str) -> str:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    simple = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.hostIP": status.get("hostIP", ""),
        "status.podIP": status.get("podIP", ""),
    }
    if path in simple:
        return str(simple[path] or "")
    match = re.fullmatch(r"metadata\.(labels|annotations)\['(.+)'\]", path)
    if match:
        return str((meta.get(match.group(1)) or {}).get(match.group(2), ""))
    return ""


def expand(value: str, env: Mapping[str, str]) -> str:
    """Kubernetes `$(VAR)` expansion: known names are replaced, unknown ones kept, `$$` escapes `$`."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env[name] if name in env else match.group(0)

    return _VAR_REF.sub(replace, value)


def container_env(pod: Mapping[str, Any], container: Mapping[str, Any], lookup: Lookup) -> dict[str, str]:
    """The container's environment as its kubelet would set it: envFrom first, then env in order."""
    namespace = (pod.get("metadata") or {}).get("namespace", "")
    env: dict[str, str] = {}
    for source in container.get("envFrom") or ():
        prefix = source.get("prefix") or ""
        for kind, ref in ((CONFIGMAP, source.get("configMapRef")), (SECRET, source.get("secretRef"))):
            if ref:
                for key, value in (lookup(kind, namespace, ref.get("name", "")) or {}).items():
                    env[prefix + key] = value
    for item in container.get("env") or ():
        name = item.get("name")
        if not name:
            continue
        if "value" in item or not item.get("valueFrom"):
            env[name] = expand(str(item.get("value") or ""), env)
            continue
        source = item["valueFrom"]
        if source.get("fieldRef"):
            env[name] = _field_value(pod, source["fieldRef"].get("fieldPath", ""))
            continue
        for kind, ref in ((CONFIGMAP, source.get("configMapKeyRef")), (SECRET, source.get("secretKeyRef"))):
            if ref:
                data = lookup(kind, namespace, ref.get("name", "")) or {}
                if ref.get("key") in data:
                    env[name] = data[ref["key"]]
    return env


# --- what a pod needs before its containers can start ----------------------------------------------
#
# A kubelet refuses to go on without a ConfigMap/Secret a pod names unless the reference is
# `optional: true` (upstream pkg/kubelet/kubelet_pods.go makeEnvironmentVariables and the configMap,
# secret and projected volume plugins' SetUp).  The facts, restated:
#
#   env / envFrom, object missing   → `configmap "app-config" not found` / `secret "s" not found`
#                                     (the kubelet's object cache names the resource in the singular)
#   env valueFrom, key missing      → `couldn't find key colour in ConfigMap default/app-config`
#                                     (`... in Secret default/s`)
#   volume, object missing          → the same not-found text
#   volume items, key missing       → `configmap references non-existent config key: colour`
#                                     / `references non-existent secret key: k`
#   projected, several failures     → all of them, `[first, second]`
#
# `pod_needs` reads these references once per pod; `env_failure` / `mount_failures` answer, for the
# data visible at one moment, what stops a container or a volume (None / [] when nothing does).

EnvRef = tuple[str, str, "str | None", bool]  # (kind, object name, key or None for envFrom, optional)
Source = tuple[str, str, tuple, bool]  # (kind, object name, item keys, optional)


class Needs:
    """The ConfigMaps/Secrets a pod names: per container the env references, per volume its sources."""

    __slots__ = ("namespace", "env", "volumes", "objects")

    def __init__(self, namespace: str, env: dict, volumes: tuple) -> None:
        self.namespace = namespace
        self.env: dict[tuple[bool, str], tuple[EnvRef, ...]] = env  # (init?, container name) -> refs
        self.volumes: tuple[tuple[str, bool, tuple[Source, ...]], ...] = volumes  # (name, projected?, sources)
        objects = {(ref[0], ref[1]) for refs in env.values() for ref in refs}
        objects |= {(source[0], source[1]) for _, _, sources in volumes for source in sources}
        self.objects: tuple[tuple[str, str], ...] = tuple(sorted(objects))


def _env_refs(container: Mapping[str, Any]) -> tuple[EnvRef, ...]:
    refs: list[EnvRef] = []
    for source in container.get("envFrom") or ():
        for kind, ref in ((CONFIGMAP, source.get("configMapRef")), (SECRET, source.get("secretRef"))):
            if ref:
                refs.append((kind, ref.get("name", ""), None, bool(ref.get("optional"))))
    for item in container.get("env") or ():
        source = item.get("valueFrom") if "value" not in item else None
        if not source:
            continue
        for kind, ref in ((CONFIGMAP, source.get("configMapKeyRef")), (SECRET, source.get("secretKeyRef"))):
            if ref:
                refs.append((kind, ref.get("name", ""), ref.get("key", ""), bool(ref.get("optional"))))
    return tuple(refs)


def _source(kind: str, ref: Mapping[str, Any], name_field: str) -> Source:
    keys = tuple(item.get("key", "") for item in ref.get("items") or ())
    return (kind, ref.get(name_field, ""), keys, bool(ref.get("optional")))


def pod_needs(pod: Mapping[str, Any]) -> Needs | None:
    """The pod's ConfigMap/Secret references (None when it names none, the common case)."""
    spec = pod.get("spec") or {}
    env: dict[tuple[bool, str], tuple[EnvRef, ...]] = {}
    for init, key in ((True, "initContainers"), (False, "containers")):
        for container in spec.get(key) or ():
            if container.get("env") or container.get("envFrom"):
                refs = _env_refs(container)
                if refs:
                    env[(init, container.get("name") or "")] = refs
    volumes = []
    for volume in spec.get("volumes") or ():
        if volume.get("configMap") is not None:
            volumes.append((volume.get("name", ""), False, (_source(CONFIGMAP, volume["configMap"], "name"),)))
        elif volume.get("secret") is not None:
            volumes.append((volume.get("name", ""), False, (_source(SECRET, volume["secret"], "secretName"),)))
        elif volume.get("projected") is not None:
            sources = []
            for source in volume["projected"].get("sources") or ():
                if source.get("configMap") is not None:
                    sources.append(_source(CONFIGMAP, source["configMap"], "name"))
                elif source.get("secret") is not None:
                    sources.append(_source(SECRET, source["secret"], "name"))
            if sources:
                volumes.append((volume.get("name", ""), True, tuple(sources)))
    if not env and not volumes:
        return None
    return Needs((pod.get("metadata") or {}).get("namespace", ""), env, tuple(volumes))


def _not_found(kind: str, name: str) -> str:
    return f'{"configmap" if kind == CONFIGMAP else "secret"} "{name}" not found'


def env_failure(needs: Needs, container: tuple[bool, str], lookup: Lookup) -> str | None:
    """Why the container's environment cannot be built from the data `lookup` gives (None: it can).

    envFrom is read before env, each in order; the first failure is the one reported."""
    for kind, name, key, optional in needs.env.get(container, ()):
        data = lookup(kind, needs.namespace, name)
        if data is None:
            if optional:
                continue
            return _not_found(kind, name)
        if key is not None and key not in data and not optional:
            return f"couldn't find key {key} in {kind} {needs.namespace}/{name}"
    return None


def _payload_failure(kind: str, keys: tuple, data: Mapping[str, str], optional: bool) -> str | None:
    for key in keys:
        if key not in data and not optional:
            if kind == CONFIGMAP:
                return f"configmap references non-existent config key: {key}"
            return f"references non-existent secret key: {key}"
    return None


def mount_failures(needs: Needs, lookup: Lookup) -> list[tuple[str, str]]:
    """(volume name, error) for each ConfigMap/Secret/projected volume that cannot be set up now."""
    failures = []
    for volume, projected, sources in needs.volumes:
        errors = []
        for kind, name, keys, optional in sources:
            data = lookup(kind, needs.namespace, name)
            if data is None:
                error = None if optional else _not_found(kind, name)
            else:
                error = _payload_failure(kind, keys, data, optional)
            if error is not None:
                errors.append(error)
                if not projected:
                    break
        if errors:
            failures.append((volume, errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"))
    return failures


# --- volumes ----------------------------------------------------------------------------------------


def _projected_files(items: list | None, data: Mapping[str, str] | None) -> dict[str, str]:
    if data is None:
        return {}
    if not items:
        return dict(data)
    return {item.get("path", ""): data[item.get("key")] for item in items if item.get("key") in data}


def volume_files(pod: Mapping[str, Any], volume: Mapping[str, Any], lookup: Lookup) -> dict[str, str] | None:
    """Relative path → text of a ConfigMap/Secret/projected/downwardAPI volume; None for other kinds."""
    namespace = (pod.get("metadata") or {}).get("namespace", "")
    if volume.get("configMap") is not None:
        source = volume["configMap"]
        return _projected_files(source.get("items"), lookup(CONFIGMAP, namespace, source.get("name", "")))
    if volume.get("secret") is not None:
        source = volume["secret"]
        return _projected_files(source.get("items"), lookup(SECRET, namespace, source.get("secretName", "")))
    if volume.get("downwardAPI") is not None:
        return _downward_files(pod, volume["downwardAPI"].get("items"))
    if volume.get("projected") is not None:
        files: dict[str, str] = {}
        for source in volume["projected"].get("sources") or ():
            if source.get("configMap") is not None:
                ref = source["configMap"]
                files.update(_projected_files(ref.get("items"), lookup(CONFIGMAP, namespace, ref.get("name", ""))))
            elif source.get("secret") is not None:
                ref = source["secret"]
                files.update(_projected_files(ref.get("items"), lookup(SECRET, namespace, ref.get("name", ""))))
            elif source.get("downwardAPI") is not None:
                files.update(_downward_files(pod, source["downwardAPI"].get("items")))
        return files
    return None


def _downward_files(pod: Mapping[str, Any], items: list | None) -> dict[str, str]:
    meta = pod.get("metadata") or {}
    files = {}
    for item in items or ():
        path = (item.get("fieldRef") or {}).get("fieldPath", "")
        if path in ("metadata.labels", "metadata.annotations"):
            values = meta.get(path.split(".")[1]) or {}
            files[item.get("path", "")] = "".join(f'{k}="{v}"\n' for k, v in sorted(values.items()))
        elif path:
            files[item.get("path", "")] = _field_value(pod, path)
    return files


def read_file(
    pod: Mapping[str, Any], container: Mapping[str, Any], path: str, lookup: Lookup, at_start: Lookup | None = None
) -> str | None:
    """The text of `path` inside the container (None when nothing is mounted there).

    `lookup` gives the data the refreshed volumes show now; `at_start` the data when the container
    started, which a `subPath` mount keeps for good (the kubelet never refreshes those).
    """
    wanted = posixpath.normpath(path)
    volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or ()}
    # The deepest mount containing the path wins, as in a real mount table.
    mounts = sorted(container.get("volumeMounts") or (), key=lambda m: len(m.get("mountPath", "")), reverse=True)
    for mount in mounts:
        root = posixpath.normpath(mount.get("mountPath", "/"))
        if wanted != root and not wanted.startswith(root.rstrip("/") + "/"):
            continue
        volume = volumes.get(mount.get("name"))
        sub = mount.get("subPath")
        files = volume_files(pod, volume, (at_start or lookup) if sub else lookup) if volume else None
        if files is None:
            return None
        relative = posixpath.relpath(wanted, root)
        if sub:
            return files.get(sub) if relative == "." else None
        return files.get(relative)
    return None
