"""Kubeconfig entries for an embedded cluster, merged into the user's kubeconfig as kind does.

Cluster, user and context are all named `kubeferry-<name>`; `merge` upserts them and makes the
context current, `remove` takes them out again (and clears current-context if it pointed there).
Both hold a file lock (`<file>.lock`) and replace the file atomically, so concurrent `cluster up`s
never lose each other's entries.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path


def entry_name(name: str) -> str:
    return f"kubeferry-{name}"


def default_path() -> Path:
    """The file `cluster up` writes to: the first of $KUBECONFIG, else ~/.kube/config."""
    env = os.environ.get("KUBECONFIG", "")
    first = next((p for p in env.split(os.pathsep) if p), "")
    return Path(first).expanduser() if first else Path.home() / ".kube" / "config"


def build(name: str, server: str, ca_pem: bytes, token: str) -> dict:
    entry = entry_name(name)
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [
            {"name": entry, "cluster": {"server": server, "certificate-authority-data": base64.b64encode(ca_pem).decode()}}
        ],
        "users": [{"name": entry, "user": {"token": token}}],
        "contexts": [{"name": entry, "context": {"cluster": entry, "user": entry, "namespace": "default"}}],
        "current-context": entry,
    }


def _load(path: Path) -> dict:
    import yaml

    if not path.exists() or path.stat().st_size == 0:
        return {"apiVersion": "v1", "kind": "Config", "preferences": {}, "clusters": [], "users": [], "contexts": []}
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a kubeconfig (expected a mapping)")
    for key in ("clusters", "users", "contexts"):
        data[key] = data.get(key) or []
    return data


def _save(path: Path, data: dict) -> None:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".kubeferry-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        yaml.safe_dump(data, f, default_flow_style=False, sort_keys=False)
    os.replace(tmp, path)


def _locked(path: Path):
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path) + ".lock", timeout=30)


def _upsert(items: list, item: dict) -> None:
    for i, existing in enumerate(items):
        if isinstance(existing, dict) and existing.get("name") == item["name"]:
            items[i] = item
            return
    items.append(item)


def merge(path: Path, config: dict) -> None:
    with _locked(path):
        data = _load(path)
        for key in ("clusters", "users", "contexts"):
            for item in config[key]:
                _upsert(data[key], item)
        data["current-context"] = config["current-context"]
        _save(path, data)


def remove(path: Path, name: str) -> None:
    if not path.exists():
        return
    entry = entry_name(name)
    with _locked(path):
        data = _load(path)
        for key in ("clusters", "users", "contexts"):
            data[key] = [i for i in data[key] if not (isinstance(i, dict) and i.get("name") == entry)]
        if data.get("current-context") == entry:
            data["current-context"] = ""
        _save(path, data)


def dump(config: dict) -> str:
    import yaml

    return yaml.safe_dump(config, default_flow_style=False, sort_keys=False)
