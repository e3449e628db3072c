"""Traffic into the embedded cluster: the `services/proxy` and `pods/proxy` subresources.

    GET /api/v1/namespaces/default/services/my-app-svc:80/proxy/        (also via `kubectl proxy`)
    GET /api/v1/proxy/namespaces/default/services/my-app-svc:80/        (the older form, an alias)
    GET /api/v1/namespaces/default/pods/my-app-5d9c7b5f6-x2x9q:8080/proxy/

A service request goes to the Service's ready endpoints in turn (round-robin per Service and port,
so during a rolling update old and new versions interleave); the simulated container behind the
chosen address answers (simulation/serving.py).  Where the request goes and the upstream errors
(400 bad name, 404 missing Service/Endpoints, 503 no endpoints) come from registry/proxy.py; a
container that is not listening gives upstream's 503 `error trying to reach service: dial tcp …`.

The Endpoints object can trail the pods by a moment (its controller runs after the kubelet's
write): an endpoint whose pod is already gone is passed over, and one whose pod is terminating or
no longer Ready is used only when no other is left (a real container drains during its grace
period), so a request never fails and never lands on a pod the Service is about to drop.

ConfigMaps and Secrets reach the containers through `mounts.ContentHistory`, fed here from the
store's change stream with the cluster clock's time of each change.
"""

from __future__ import annotations

import itertools

from kubeferry.apiserver.app import Request, send_bytes
from kubeferry.machinery import resources
from kubeferry.machinery import status as st
from kubeferry.registry import proxy
from kubeferry.simulation import behaviour, mounts, serving

_KINDS = {
    resources.storage_key(resources.by_gvk("", "v1", "ConfigMap")): mounts.CONFIGMAP,
    resources.storage_key(resources.by_gvk("", "v1", "Secret")): mounts.SECRET,
}


def _serving(pod: dict) -> bool:
    """Ready and not terminating, by the pod's own status (the Endpoints object may not have caught up)."""
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    conditions = (pod.get("status") or {}).get("conditions") or ()
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def content_history(control) -> mounts.ContentHistory:
    """A history of every ConfigMap and Secret, seeded from the store and kept current from its events."""
    history = mounts.ContentHistory()
    store = control.registry.store
    for key, kind in _KINDS.items():
        for entry in store.list(key):
            meta = entry.obj.get("metadata") or {}
            history.seed(kind, meta.get("namespace", ""), meta.get("name", ""), entry.obj)

    def on_event(event) -> None:
        kind = _KINDS.get(event.kind)
        if kind is not None:
            obj = None if event.type == "DELETED" else event.entry.obj
            history.record(kind, event.namespace, event.name, obj, control.clock.now())

    store.listeners.append(on_event)
    return history


def proxy_route(control, sync_seconds: float = mounts.DEFAULT_SYNC_SECONDS) -> dict:
    history = content_history(control)
    registry = control.registry
    service_res = resources.by_gvk("", "v1", "Service")
    endpoints_res = resources.by_gvk("", "v1", "Endpoints")
    pod_res = resources.by_gvk("", "v1", "Pod")
    configmap_res = resources.by_gvk("", "v1", "ConfigMap")
    turns: dict[tuple[str, str, str], itertools.count] = {}

    def rules() -> list[dict]:
        entry = registry.store.get(
            resources.storage_key(configmap_res),
            behaviour.SIMULATION_CONFIGMAP_NAMESPACE,
            behaviour.SIMULATION_CONFIGMAP_NAME,
        )
        return behaviour.rules_from_configmap(entry.obj if entry else None)

    def live_pod(namespace: str, name: str) -> dict | None:
        entry = registry.store.get(resources.storage_key(pod_res), namespace, name)
        return entry.obj if entry is not None else None

    def answer(pod: dict, target: proxy.Target, method: str) -> serving.Answer:
        return serving.respond(
            pod, target.port, method, control.clock.now(), rules=rules(), history=history, sync_seconds=sync_seconds
        )

    def via_service(namespace: str, text: str, method: str) -> serving.Answer:
        _, name, port = proxy.split_name(text, "service")
        service = registry.get(service_res, namespace, name).obj
        endpoints = registry.get(endpoints_res, namespace, name).obj
        targets = proxy.service_targets(service, endpoints, port)
        start = next(turns.setdefault((namespace, name, port), itertools.count()))
        draining = None
        for i in range(len(targets)):
            target = targets[(start + i) % len(targets)]
            pod = live_pod(target.pod_namespace or namespace, target.pod_name) if target.pod_name else None
            if pod is None:
                continue
            if not _serving(pod):
                draining = draining or (pod, target)
                continue
            return answer(pod, target, method)
        if draining is not None:
            return answer(*draining, method)
        raise st.StatusError(503, "ServiceUnavailable", f'no endpoints available for service "{name}"')

    def via_pod(namespace: str, text: str, method: str) -> serving.Answer:
        _, name, port = proxy.split_name(text, "pod")
        pod = registry.get(pod_res, namespace, name).obj
        return answer(pod, proxy.pod_target(pod, port), method)

    async def handler(request: Request, send, target) -> None:
        if target.name is None or target.resource.kind not in ("Service", "Pod"):
            raise st.StatusError(404, "NotFound", "the server could not find the requested resource")
        namespace = target.namespace or ""
        if target.resource.kind == "Service":
            result = via_service(namespace, target.name, request.method)
        else:
            result = via_pod(namespace, target.name, request.method)
        if result.refused:
            raise st.StatusError(503, "ServiceUnavailable", f"error trying to reach service: {result.refused}")
        await request.body()  # a body sent to the container is read and dropped
        await send_bytes(send, result.status, result.body, result.content_type)

    return {"subresource:proxy": handler}
