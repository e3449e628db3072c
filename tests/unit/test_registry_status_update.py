"""A write through `status` stores the stored object with the request's status and the metadata the
kind's status strategy lets through, whatever else the request carries; seeded random requests are
compared with the steps written out (every identity field copied onto the request's metadata, then
the stored object merged with the request), including requests that hand back the stored object or
its metadata, which must stay as they were."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime

import orjson
import pytest

from kubeferry.api import validation
from kubeferry.cluster import bootstrap
from kubeferry.machinery import resources
from kubeferry.machinery.status import StatusError
from kubeferry.registry import strategy
from kubeferry.registry.registry import Registry
from kubeferry.storage.store import Store

POD = resources.by_gvk("", "v1", "Pod")
DEPLOYMENT = resources.by_gvk("apps", "v1", "Deployment")
SERVICE = resources.by_gvk("", "v1", "Service")
NOW = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)
KEPT = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation")

MANIFESTS = {
    "Pod": (POD, {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}),
    "Deployment": (
        DEPLOYMENT,
        {
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                },
            }
        },
    ),
    "Service": (SERVICE, {"spec": {"ports": [{"port": 80}]}}),
}


def expected_status_write(res, request: dict, stored: dict) -> dict:
    """The status write as the steps spelled out: identity copied onto the request's metadata, then the
    stored object with the request's status and the metadata the kind's status write may change."""
    meta = dict(request["metadata"])
    for kept in KEPT:
        if kept in stored["metadata"]:
            meta[kept] = stored["metadata"][kept]
        else:
            meta.pop(kept, None)
    meta["resourceVersion"] = stored["metadata"].get("resourceVersion")
    merged = dict(stored)
    merged_meta = dict(stored["metadata"])
    for key in strategy.STATUS_KEEPS_NEW_METADATA.get(res.kind, ()):
        if key in meta:
            merged_meta[key] = meta[key]
        else:
            merged_meta.pop(key, None)
    merged["metadata"] = merged_meta
    status = request.get("status")
    if status is None:
        merged.pop("status", None)
    else:
        merged["status"] = status
    return merged


def cluster(kind: str) -> tuple[Registry, object]:
    registry = Registry(Store(None), now=lambda: NOW, rng=random.Random(7))
    bootstrap.ensure_system_objects(registry)
    res, body = MANIFESTS[kind]
    obj = {"apiVersion": res.api_version, "kind": res.kind, "metadata": {"name": "web"}, **copy.deepcopy(body)}
    registry.create(res, "default", obj)
    return registry, res


def random_request(rng: random.Random, stored: dict) -> dict:
    """A status request as clients send them: the stored metadata itself or a changed copy, any status."""
    shape = rng.randrange(4)
    if shape == 0:
        return stored  # the stored object handed back
    request = dict(stored)
    if shape == 1:
        request["metadata"] = stored["metadata"]  # its metadata shared
    else:
        meta = copy.deepcopy(stored["metadata"])
        for _ in range(rng.randrange(4)):
            field = rng.choice(("labels", "annotations", "finalizers", "ownerReferences", *KEPT, "resourceVersion"))
            if rng.random() < 0.3:
                meta.pop(field, None)
            elif field == "labels":
                meta["labels"] = {"app": rng.choice(("web", "api", "not valid!")), "tier": "x"}
            elif field == "annotations":
                meta["annotations"] = {"note": str(rng.randrange(3))}
            elif field == "finalizers":
                meta["finalizers"] = rng.choice((["example.com/hold"], [], ["Bad Finalizer!"]))
            elif field == "ownerReferences":
                meta["ownerReferences"] = [
                    {"apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": rng.choice(("u1", ""))}
                ]
            elif field == "resourceVersion":
                meta.pop("resourceVersion", None)  # no precondition
            else:
                meta[field] = rng.choice(("changed", 7, None))
        request["metadata"] = meta
    if rng.random() < 0.2:
        request.pop("status", None)
    elif rng.random() < 0.1:
        request["status"] = None
    else:
        request["status"] = {"phase": rng.choice(("Pending", "Running")), "observed": rng.randrange(3)}
    return request


@pytest.mark.parametrize("kind", sorted(MANIFESTS))
def test_status_writes_store_what_the_spelled_out_steps_store(kind):
    rng = random.Random(f"status-{kind}")
    registry, res = cluster(kind)
    for _ in range(150):
        current = registry.get(res, "default", "web")
        stored = current.obj
        stored_text = orjson.dumps(stored)
        request = random_request(rng, stored)
        expected = expected_status_write(res, copy.deepcopy(request), copy.deepcopy(stored))
        expected_errors = validation.validate_status_update(copy.deepcopy(expected), stored)
        try:
            result = registry.update(res, "default", "web", request, subresource="status")
        except StatusError as e:
            assert expected_errors, e
            assert e.code == 422
            assert [c["field"] for c in e.details["causes"]] == [err.field for err in expected_errors]
            continue
        finally:
            assert orjson.dumps(stored) == stored_text  # the stored object is never mutated
        assert not expected_errors
        got = dict(result.entry.obj)
        got["metadata"] = {k: v for k, v in got["metadata"].items() if k != "resourceVersion"}
        expected["metadata"] = {k: v for k, v in expected["metadata"].items() if k != "resourceVersion"}
        assert orjson.dumps(got) == orjson.dumps(expected)  # same content, same key order


def test_a_status_write_handing_back_the_stored_metadata_leaves_the_request_object_alone():
    registry, res = cluster("Pod")
    stored = registry.get(POD, "default", "web").obj
    request = {**stored, "status": {"phase": "Running"}}
    before = dict(request)
    written = registry.update(POD, "default", "web", request, subresource="status").entry.obj
    assert request == before and request["metadata"] is stored["metadata"]
    assert written is not request and written["status"] == {"phase": "Running"}


def test_prepare_status_update_of_the_stored_object_itself_keeps_its_content():
    stored = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"}}, "status": {"x": 1}}
    copy_before = copy.deepcopy(stored)
    strategy.prepare_status_update(POD, stored, stored)
    assert orjson.dumps(stored) == orjson.dumps(copy_before)
