"""The change a delivery makes: `--image` pairs into a patch, and the workload kinds it can deliver.

`--image app=repo/app:1.2.3` (repeatable; `*=image` sets every container, as `kubectl set image`
does) becomes one strategic merge patch that changes the images and records the change-cause
annotation together, so the new revision carries its cause from the start.  Init containers are
matched too.

Pure: objects in, patches and errors out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

CHANGE_CAUSE = "kubernetes.io/change-cause"
WORKLOAD_KINDS = {
    "deployment": "Deployment",
    "deployments": "Deployment",
    "deploy": "Deployment",
    "daemonset": "DaemonSet",
    "daemonsets": "DaemonSet",
    "ds": "DaemonSet",
    "statefulset": "StatefulSet",
    "statefulsets": "StatefulSet",
    "sts": "StatefulSet",
}
ALL_CONTAINERS = "*"


def parse_target(text: str) -> tuple[str, str]:
    """`deployment/my-app` (also `deploy/`, `ds/`, `sts/`, plurals, `.apps` suffix) → (Kind, name)."""
    kind, sep, name = text.partition("/")
    kind = kind.lower().removesuffix(".apps")
    if not sep or not name or "/" in name:
        raise ValueError(f'invalid workload "{text}": expected KIND/NAME, e.g. deployment/my-app')
    if kind not in WORKLOAD_KINDS:
        raise ValueError(f'cannot deliver "{text}": only deployments, daemonsets and statefulsets can be delivered')
    return WORKLOAD_KINDS[kind], name


def parse_images(values: Iterable[str]) -> dict[str, str]:
    """`["app=repo/app:1.2", "side=proxy:2"]` → {"app": "repo/app:1.2", "side": "proxy:2"}."""
    out: dict[str, str] = {}
    for value in values:
        container, sep, image = value.partition("=")
        if not sep or not container or not image:
            raise ValueError(f'invalid --image "{value}": expected CONTAINER=IMAGE (or *=IMAGE)')
        out[container] = image
    return out


def _template_spec(workload: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}


def images(workload: Mapping[str, Any]) -> dict[str, str]:
    """container name → image, init containers first."""
    spec = _template_spec(workload)
    return {
        str(c.get("name", "")): str(c.get("image", ""))
        for key in ("initContainers", "containers")
        for c in spec.get(key) or []
    }


def image_patch(workload: Mapping[str, Any], wanted: Mapping[str, str], cause: str) -> dict:
    """A strategic merge patch setting the images and the change-cause.

    Raises ValueError (`unable to find container named "x"`, kubectl's wording) for a container
    the pod template does not have.
    """
    spec = _template_spec(workload)
    lists: dict[str, list[dict]] = {}
    names = {str(c.get("name", "")) for key in ("initContainers", "containers") for c in spec.get(key) or []}
    for container in wanted:
        if container != ALL_CONTAINERS and container not in names:
            raise ValueError(f'unable to find container named "{container}"')
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or []:
            name = str(c.get("name", ""))
            image = wanted.get(name, wanted.get(ALL_CONTAINERS))
            if image is not None:
                lists.setdefault(key, []).append({"name": name, "image": image})
    patch: dict = {"spec": {"template": {"spec": lists}}}
    if cause:
        patch["metadata"] = {"annotations": {CHANGE_CAUSE: cause}}
    return patch


def describe_change(wanted: Mapping[str, str], files: Iterable[str]) -> str:
    """What the cause says was delivered: `app=repo/app:1.2.3` or `-f manifests/`."""
    if wanted:
        return " ".join(f"{k}={v}" for k, v in wanted.items())
    return " ".join(f"-f {f}" for f in files)
