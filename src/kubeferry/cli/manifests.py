"""Reading manifests for the `-f` commands: files, directories, stdin, YAML streams and JSON.

Owns kubectl's resource-builder rules for `-f FILE|DIR|-` (with `-R` to descend into
sub-directories): a directory contributes its `.json`, `.yaml` and `.yml` files in lexical order,
a file may hold several YAML documents (or concatenated JSON objects), empty documents are
skipped, and `List` kinds (`v1/List`, `DeploymentList`, ...) are flattened into their items.
Each object remembers the source it came from (the path as given, `STDIN` for `-`), because every
error line names it.  `resolve()` maps an object to its REST resource (the served-resource table
first, then discovery) and fills in the namespace the way kubectl does.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

MANIFEST_EXTENSIONS = (".json", ".yaml", ".yml")
STDIN_SOURCE = "STDIN"
LIST_SUFFIX = "List"


class ManifestError(Exception):
    """A manifest that cannot be read or mapped; `str()` is kubectl's line without `error: `."""


@dataclass
class Manifest:
    """One object from a manifest source, with its REST mapping once resolved."""

    obj: dict
    source: str
    resource: object = None  # kubeferry.machinery.resources.Resource after resolve()

    @property
    def name(self) -> str:
        return (self.obj.get("metadata") or {}).get("name") or ""

    @property
    def namespace(self) -> str | None:
        if self.resource is not None and not self.resource.namespaced:
            return None
        return (self.obj.get("metadata") or {}).get("namespace") or None


def _files(path: str, recursive: bool) -> list[str]:
    if path == "-":
        return ["-"]
    if os.path.isdir(path):
        found: list[str] = []
        for entry in sorted(os.listdir(path)):
            full = os.path.join(path, entry)
            if os.path.isdir(full):
                if recursive:
                    found.extend(_files(full, recursive))
            elif entry.endswith(MANIFEST_EXTENSIONS):
                found.append(full)
        return found
    if not os.path.exists(path):
        raise ManifestError(f'the path "{path}" does not exist')
    return [path]


def parse_documents(text: str, source: str) -> list[dict]:
    """Every non-empty document in a YAML (or JSON) stream, `List` kinds flattened."""
    import yaml

    try:
        documents = list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError as e:
        raise ManifestError(f"error parsing {source}: error converting YAML to JSON: {_yaml_problem(e)}") from None
    out: list[dict] = []
    for doc in documents:
        if doc is None or doc == {}:
            continue
        if not isinstance(doc, dict):
            raise ManifestError(
                f'error validating "{source}": error validating data: invalid object to validate; '
                "if you choose to ignore these errors, turn validation off with --validate=false"
            )
        out.extend(flatten(doc))
    return out


def _yaml_problem(e: Exception) -> str:
    mark = getattr(e, "problem_mark", None)
    problem = getattr(e, "problem", None) or str(e)
    if mark is not None:
        return f"yaml: line {mark.line + 1}: {problem}"
    return f"yaml: {problem}"


def flatten(doc: dict) -> list[dict]:
    """A `List` (any kind ending in `List` that carries `items`) becomes its items, recursively."""
    kind = str(doc.get("kind") or "")
    if kind.endswith(LIST_SUFFIX) and isinstance(doc.get("items"), list):
        out: list[dict] = []
        for item in doc["items"]:
            if isinstance(item, dict):
                out.extend(flatten(item))
        return out
    return [doc]


def read(filenames: list[str], recursive: bool = False, verb: str = "apply", stdin=None) -> list[Manifest]:
    """Every object named by the `-f` values, in order."""
    out: list[Manifest] = []
    for given in filenames:
        for path in _files(given, recursive):
            if path == "-":
                text = (stdin or sys.stdin).read()
                source = STDIN_SOURCE
            else:
                try:
                    with open(path, encoding="utf-8") as handle:
                        text = handle.read()
                except OSError as e:
                    raise ManifestError(f"open {path}: {e.strerror.lower() if e.strerror else e}") from None
                source = path
            out.extend(Manifest(obj, source) for obj in parse_documents(text, source))
    if not out:
        raise ManifestError(f"no objects passed to {verb}")
    return out


def validate_basic(manifest: Manifest) -> None:
    """kubectl's client-side checks that need no schema: apiVersion and kind must be set."""
    missing = [f"{field} not set" for field in ("apiVersion", "kind") if not manifest.obj.get(field)]
    if missing:
        raise ManifestError(
            f'error validating "{manifest.source}": error validating data: [{", ".join(missing)}]; '
            "if you choose to ignore these errors, turn validation off with --validate=false"
        )


def resolve(manifest: Manifest, transport, namespace: str, namespace_explicit: bool) -> Manifest:
    """Find the REST resource for the object and fill in its namespace (cleared when cluster-scoped)."""
    from kubeferry.client.https import NoMatchError

    validate_basic(manifest)
    obj = manifest.obj
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise ManifestError(f'error validating "{manifest.source}": error validating data: metadata must be an object')
    try:
        res = transport.resource_for(obj["apiVersion"], obj["kind"])
    except NoMatchError as e:
        raise ManifestError(
            f'resource mapping not found for name: "{meta.get("name", "")}" namespace: "{meta.get("namespace", "")}" '
            f'from "{manifest.source}": {e}\nensure CRDs are installed first'
        ) from None
    manifest.resource = res
    if res.namespaced:
        given = meta.get("namespace") or ""
        if given and namespace_explicit and given != namespace:
            raise ManifestError(
                f'the namespace from the provided object "{given}" does not match the namespace "{namespace}". '
                f"You must pass '--namespace={given}' to perform this operation."
            )
        if not given:
            meta["namespace"] = namespace
    return manifest
