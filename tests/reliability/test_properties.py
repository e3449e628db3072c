"""Property-based tests: the patch engines and the selector parsers never escape with anything but
a StatusError, and patches round-trip."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as s

from kubeferry.machinery import schema, selectors
from kubeferry.machinery.patch import (
    apply_json_patch,
    apply_merge_patch,
    apply_strategic_merge_patch,
    create_merge_patch,
    create_three_way_merge_patch,
    create_two_way_merge_patch,
)
from kubeferry.machinery.status import StatusError

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DEPLOYMENT = schema.for_kind("apps", "v1", "Deployment")

keys = s.sampled_from(["a", "b", "c", "name", "image", "$patch", "$retainKeys", "$setElementOrder/x", "x", "y"])
scalars = s.one_of(s.none(), s.booleans(), s.integers(-5, 5), s.text(max_size=4))
json_values = s.recursive(scalars, lambda inner: s.one_of(s.lists(inner, max_size=4), s.dictionaries(keys, inner, max_size=4)), max_leaves=20)
plain_keys = s.sampled_from(["a", "b", "c", "d"])
plain_values = s.recursive(
    s.one_of(s.booleans(), s.integers(-5, 5), s.text(max_size=3)),
    lambda inner: s.one_of(s.lists(inner, max_size=3), s.dictionaries(plain_keys, inner, max_size=3)),
    max_leaves=15,
)
plain_objects = s.dictionaries(plain_keys, plain_values, max_size=4)

names = s.sampled_from(["app", "side", "init", "x"])
images = s.sampled_from(["nginx:1", "nginx:2", "alpine:3.5"])
envs = s.lists(s.fixed_dictionaries({"name": s.sampled_from(["A", "B", "C"]), "value": s.sampled_from(["1", "2"])}), max_size=3, unique_by=lambda e: e["name"])
containers = s.lists(
    s.fixed_dictionaries({"name": names, "image": images}, optional={"env": envs}), min_size=1, max_size=3, unique_by=lambda c: c["name"]
)


def deployment(cs: list, replicas: int, labels: dict) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "labels": labels},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": cs}}},
    }


deployments = s.builds(deployment, containers, s.integers(0, 5), s.dictionaries(s.sampled_from(["tier", "app"]), s.sampled_from(["web", "db"]), max_size=2))


@SETTINGS
@given(json_values, json_values)
def test_strategic_merge_never_crashes(original, patch):
    if not isinstance(original, dict):
        original = {"spec": original}
    with contextlib.suppress(StatusError):
        apply_strategic_merge_patch(original, patch if isinstance(patch, dict) else {"spec": patch}, DEPLOYMENT)


@SETTINGS
@given(json_values, json_values)
def test_merge_patch_never_crashes(original, patch):
    with contextlib.suppress(StatusError):
        apply_merge_patch(original if isinstance(original, dict) else {}, patch)


@SETTINGS
@given(json_values, s.lists(s.fixed_dictionaries({"op": s.sampled_from(["add", "remove", "replace", "move", "copy", "test", "nope"]), "path": s.sampled_from(["", "/a", "/a/0", "/b/c", "/-", "a"])}, optional={"value": json_values, "from": s.sampled_from(["/a", "/b"])}), max_size=4))
def test_json_patch_never_crashes(original, operations):
    with contextlib.suppress(StatusError):
        apply_json_patch(original if isinstance(original, dict) else {"a": original}, operations)


@SETTINGS
@given(plain_objects, plain_objects)
def test_merge_patch_round_trips(a, b):
    assert apply_merge_patch(a, create_merge_patch(a, b)) == b


@SETTINGS
@given(deployments, deployments)
def test_two_way_strategic_patch_round_trips(a, b):
    assert apply_strategic_merge_patch(a, create_two_way_merge_patch(a, b, DEPLOYMENT), DEPLOYMENT) == b


@SETTINGS
@given(deployments, deployments, s.dictionaries(s.sampled_from(["owner", "team"]), s.sampled_from(["x", "y"]), max_size=2))
def test_three_way_patch_gives_the_manifest_and_keeps_others_fields(last_applied, manifest, foreign):
    live = {**last_applied, "metadata": {**last_applied["metadata"], "annotations": foreign}, "status": {"replicas": 1}}
    patched = apply_strategic_merge_patch(live, create_three_way_merge_patch(last_applied, manifest, live, DEPLOYMENT), DEPLOYMENT)
    assert patched["spec"] == manifest["spec"]
    assert patched["metadata"]["labels"] == manifest["metadata"]["labels"]
    assert patched["metadata"]["annotations"] == foreign
    assert patched["status"] == {"replicas": 1}


@SETTINGS
@given(s.text(alphabet="abc=!,() inotexs-/.x1", max_size=30))
def test_label_selector_parser_only_raises_status_errors(text):
    try:
        parsed = selectors.parse_label_selector(text)
    except StatusError as e:
        assert e.code == 400
        return
    # A parsed selector prints in a form that parses to the same selector.
    again = selectors.parse_label_selector(str(parsed))
    for labels in ({}, {"a": "b"}, {"abc": "x", "b": "a"}):
        assert parsed.matches(labels) == again.matches(labels)


@SETTINGS
@given(s.text(alphabet="metadata.nspcphs=!,\\status", max_size=30))
def test_field_selector_parser_only_raises_status_errors(text):
    try:
        selectors.parse_field_selector(text, "Pod")
    except StatusError as e:
        assert e.code == 400
