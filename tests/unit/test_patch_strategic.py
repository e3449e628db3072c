"""Strategic merge patch: applying (server), two-way and three-way creation (kubectl apply).

The tables restate upstream's strategicpatch test cases as facts about real Kubernetes fields:
upstream's `mergingList` is a merge-by-`name` list (here `PodSpec.containers` or `Container.env`),
`mergingIntList` a merge list of scalars (`ObjectMeta.finalizers`), `nonMergingIntList` a replaced
list of scalars (`Container.args`), `simpleMap` a string map (`ObjectMeta.labels`),
`retainKeysMap` a retainKeys map (`DeploymentSpec.strategy`) and `retainKeysMergingList` a
`merge,retainKeys` list (`PodSpec.volumes`).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass

import pytest
import yaml

from kubeferry.machinery import schema
from kubeferry.machinery.patch import (
    apply_strategic_merge_patch,
    create_three_way_merge_patch,
    create_two_way_merge_patch,
)
from kubeferry.machinery.patch.metadata import UNKNOWN, field_meta
from kubeferry.machinery.patch.strategic import go_v
from kubeferry.machinery.status import StatusError

DEFS = schema.definitions()
POD = schema.for_kind("", "v1", "Pod")
SERVICE = schema.for_kind("", "v1", "Service")
DEPLOYMENT = schema.for_kind("apps", "v1", "Deployment")
POD_SPEC = DEFS["io.k8s.api.core.v1.PodSpec"]
CONTAINER = DEFS["io.k8s.api.core.v1.Container"]
OBJECT_META = DEFS["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]
DEPLOYMENT_SPEC = DEFS["io.k8s.api.apps.v1.DeploymentSpec"]


def y(text: str | None):
    return None if text is None else yaml.safe_load(text)


def compact(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


# --- metadata ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "name", "strategies", "merge_key"),
    [
        pytest.param(POD_SPEC, "containers", ("merge",), "name", id="containers-merge-by-name"),
        pytest.param(POD_SPEC, "volumes", ("merge", "retainKeys"), "name", id="volumes-merge-retainKeys"),
        pytest.param(POD_SPEC, "tolerations", (), "", id="tolerations-replace"),
        pytest.param(CONTAINER, "ports", ("merge",), "containerPort", id="container-ports"),
        pytest.param(CONTAINER, "volumeMounts", ("merge",), "mountPath", id="volume-mounts"),
        pytest.param(CONTAINER, "args", (), "", id="args-replace"),
        pytest.param(OBJECT_META, "finalizers", ("merge",), "", id="finalizers-primitive-merge"),
        pytest.param(OBJECT_META, "ownerReferences", ("merge",), "uid", id="owner-references"),
        pytest.param(DEPLOYMENT_SPEC, "strategy", ("retainKeys",), "", id="deployment-strategy"),
        pytest.param(SERVICE["properties"]["spec"], "ports", ("merge",), "port", id="service-ports-via-ref"),
    ],
)
def test_field_metadata_comes_from_the_schema(node, name, strategies, merge_key):
    meta = field_meta(node, name)
    assert meta.strategies == strategies
    assert meta.merge_key == merge_key
    assert meta.retain_keys == ("retainKeys" in strategies)
    assert field_meta(node, name) is meta  # memoised


def test_field_metadata_resolves_refs_to_element_and_object_schemas():
    assert field_meta(POD_SPEC, "containers").items is CONTAINER
    assert field_meta(DEPLOYMENT_SPEC, "strategy").schema is DEFS["io.k8s.api.apps.v1.DeploymentStrategy"]
    assert field_meta(DEPLOYMENT_SPEC, "strategy").strategy == ""
    assert field_meta(POD_SPEC, "volumes").strategy == "merge"


def test_unknown_schema_and_fields_have_no_strategy():
    assert field_meta(None, "containers") is UNKNOWN
    assert field_meta(POD_SPEC, "noSuchField") is UNKNOWN
    labels = field_meta(OBJECT_META, "labels")
    assert field_meta(labels.schema, "app").schema == {"type": ["string", "null"]}


# --- applying: merge semantics ----------------------------------------------------------------

APPLY_CASES = [
    pytest.param(
        POD,
        {"metadata": {"labels": {"app": "web"}}},
        {"metadata": {"labels": {"tier": "fe"}}},
        {"metadata": {"labels": {"app": "web", "tier": "fe"}}},
        id="maps-merge-recursively",
    ),
    pytest.param(
        POD,
        {"metadata": {"labels": {"app": "web", "tier": "fe"}}},
        {"metadata": {"labels": {"tier": None, "absent": None}}},
        {"metadata": {"labels": {"app": "web"}}},
        id="null-deletes-a-key-and-is-ignored-when-absent",
    ),
    pytest.param(
        POD,
        {"spec": {"tolerations": [{"key": "a"}, {"key": "b"}]}},
        {"spec": {"tolerations": [{"key": "c"}]}},
        {"spec": {"tolerations": [{"key": "c"}]}},
        id="lists-without-merge-strategy-are-replaced",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "app", "image": "a", "args": ["x", "y"]}, {"name": "side", "image": "s"}]}},
        {"spec": {"containers": [{"name": "app", "image": "b", "args": ["z"]}, {"name": "new", "image": "n"}]}},
        {
            "spec": {
                "containers": [
                    {"name": "app", "image": "b", "args": ["z"]},
                    {"name": "new", "image": "n"},
                    {"name": "side", "image": "s"},
                ]
            }
        },
        id="merge-list-merges-by-key-appends-and-keeps-server-only-items",
    ),
    pytest.param(
        POD,
        {"metadata": {"finalizers": ["a", "b"]}},
        {"metadata": {"finalizers": ["c", "a"]}},
        {"metadata": {"finalizers": ["c", "a", "b"]}},
        id="primitive-merge-list-is-unioned-and-deduplicated",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "app"}, {"name": "side"}]}},
        {"spec": {"containers": [{"name": "side", "$patch": "delete"}, {"name": "gone", "$patch": "delete"}]}},
        {"spec": {"containers": [{"name": "app"}]}},
        id="delete-directive-removes-matching-list-elements",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "app", "env": [{"name": "A", "value": "1"}, {"name": "B"}]}]}},
        {"spec": {"containers": [{"name": "app", "env": [{"$patch": "replace"}, {"name": "X", "value": "9"}]}]}},
        {"spec": {"containers": [{"name": "app", "env": [{"name": "X", "value": "9"}]}]}},
        id="replace-directive-element-replaces-the-whole-list",
    ),
    pytest.param(
        DEPLOYMENT,
        {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}},
        {"spec": {"strategy": {"$patch": "replace", "type": "Recreate"}}},
        {"spec": {"strategy": {"type": "Recreate"}}},
        id="replace-directive-in-a-map",
    ),
    pytest.param(
        DEPLOYMENT,
        {"spec": {"replicas": 2, "strategy": {"type": "Recreate"}}},
        {"spec": {"strategy": {"$patch": "delete"}}},
        {"spec": {"replicas": 2, "strategy": {}}},
        id="delete-directive-in-an-existing-map-empties-it",
    ),
    pytest.param(
        POD,
        {"spec": {"nodeName": "n1"}},
        {"spec": {"securityContext": {"$patch": "delete"}}},
        {"spec": {"nodeName": "n1"}},
        id="delete-directive-in-an-absent-map-adds-nothing",
    ),
    pytest.param(
        POD,
        {"spec": {"nodeName": "n1"}},
        {"$patch": "delete"},
        {},
        id="delete-directive-at-the-top-empties-the-object",
    ),
    pytest.param(
        DEPLOYMENT,
        {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}}},
        {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}},
        {"spec": {"strategy": {"type": "Recreate"}}},
        id="retainKeys-clears-unlisted-keys",
    ),
    pytest.param(
        POD,
        {"spec": {"volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "emptyDir": {}}]}},
        {"spec": {"volumes": [{"name": "v", "$retainKeys": ["configMap", "name"], "configMap": {"name": "cm"}}]}},
        {"spec": {"volumes": [{"name": "v", "configMap": {"name": "cm"}}, {"name": "w", "emptyDir": {}}]}},
        id="retainKeys-in-a-merge-list-element-switches-the-union-member",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}},
        {"spec": {"$setElementOrder/containers": [{"name": "c"}, {"name": "a"}]}},
        {"spec": {"containers": [{"name": "b"}, {"name": "c"}, {"name": "a"}]}},
        id="setElementOrder-reorders-named-items-and-interleaves-others-by-server-order",
    ),
    pytest.param(
        POD,
        {"metadata": {"finalizers": ["1", "3"]}},
        {"metadata": {"$setElementOrder/finalizers": ["3", "2", "1"]}},
        {"metadata": {"finalizers": ["3", "1"]}},
        id="setElementOrder-naming-absent-scalars-adds-nothing",
    ),
    pytest.param(
        POD,
        {"metadata": {"finalizers": ["1", "2", "3"]}},
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["2", "9"]}},
        {"metadata": {"finalizers": ["1", "3"]}},
        id="deleteFromPrimitiveList-removes-values",
    ),
    pytest.param(
        POD,
        {"metadata": {"name": "p"}},
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["3"]}},
        {"metadata": {"name": "p"}},
        id="deleteFromPrimitiveList-on-absent-list-adds-nothing",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "app", "args": ["1", "2", "3"]}]}},
        {"spec": {"containers": [{"name": "app", "$deleteFromPrimitiveList/args": ["2"]}]}},
        {"spec": {"containers": [{"name": "app", "args": ["1", "3"]}]}},
        id="deleteFromPrimitiveList-works-on-replace-lists-too",
    ),
    pytest.param(
        SERVICE,
        {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}},
        {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}},
        {"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443}]}},
        id="service-ports-merge-by-port",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "app", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}},
        {"spec": {"containers": [{"name": "app", "ports": [{"containerPort": 80, "name": "http"}]}]}},
        {
            "spec": {
                "containers": [{"name": "app", "ports": [{"containerPort": 80, "protocol": "TCP", "name": "http"}]}]
            }
        },
        id="container-ports-merge-by-containerPort",
    ),
    pytest.param(
        POD,
        {"spec": {"nodeName": "n1"}},
        {
            "spec": {
                "securityContext": {"runAsUser": 1, "runAsGroup": None},
                "hostAliases": [{"ip": "1.2.3.4", "x": None}],
            }
        },
        {"spec": {"nodeName": "n1", "securityContext": {"runAsUser": 1}, "hostAliases": [{"ip": "1.2.3.4"}]}},
        id="new-subtrees-lose-null-members",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "app", "image": "a"}]}},
        {"spec": {"containers": [{"name": "new", "image": "n", "env": [{"name": "A", "value": None}]}]}},
        {
            "spec": {
                "containers": [{"name": "new", "image": "n", "env": [{"name": "A"}]}, {"name": "app", "image": "a"}]
            }
        },
        id="appended-elements-lose-null-members",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "app"}]}},
        {"spec": {"containers": {"name": "app"}}},
        {"spec": {"containers": {"name": "app"}}},
        id="type-change-replaces",
    ),
    pytest.param(
        None,
        {"a": [1, 2], "b": {"c": 1}},
        {"a": [3], "b": {"d": 2}},
        {"a": [3], "b": {"c": 1, "d": 2}},
        id="unknown-schema-lists-replace-maps-merge",
    ),
    pytest.param(
        DEPLOYMENT,
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.25"}, {"name": "s"}]}}}},
        {
            "spec": {
                "template": {
                    "spec": {
                        "$setElementOrder/containers": [{"name": "app"}, {"name": "s"}],
                        "containers": [{"image": "alpine:3.6", "name": "app"}],
                    }
                }
            }
        },
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "alpine:3.6"}, {"name": "s"}]}}}},
        id="kubectl-set-image-body",
    ),
    pytest.param(
        DEPLOYMENT,
        {"spec": {"replicas": 1}},
        {"spec": {"paused": True}},
        {"spec": {"replicas": 1, "paused": True}},
        id="kubectl-rollout-pause-body",
    ),
    pytest.param(
        DEPLOYMENT,
        {"spec": {"replicas": 1, "paused": True}},
        {"spec": {"paused": None}},
        {"spec": {"replicas": 1}},
        id="kubectl-rollout-resume-body",
    ),
    pytest.param(
        POD,
        {"metadata": {"name": "p"}},
        None,
        {"metadata": {"name": "p"}},
        id="null-body-changes-nothing",
    ),
]


@pytest.mark.parametrize(("node", "original", "patch", "expected"), APPLY_CASES)
def test_apply(node, original, patch, expected):
    before_original, before_patch = copy.deepcopy(original), copy.deepcopy(patch)
    assert apply_strategic_merge_patch(original, patch, node) == expected
    assert original == before_original
    assert patch == before_patch


def test_apply_shares_untouched_subtrees_and_copies_patch_values():
    original = {"metadata": {"labels": {"a": "1"}}, "spec": {"containers": [{"name": "app"}]}}
    patch = {"metadata": {"annotations": {"x": "y"}}}
    result = apply_strategic_merge_patch(original, patch, POD)
    assert result["spec"] is original["spec"]
    assert result["metadata"] is not original["metadata"]
    assert result["metadata"]["annotations"] == {"x": "y"}
    assert result["metadata"]["annotations"] is not patch["metadata"]["annotations"]


# --- applying: errors as kube-apiserver answers them ------------------------------------------

ERROR_CASES = [
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "app"}]}},
        {"spec": {"containers": [{"image": "nginx"}]}},
        (500, "", "map: map[image:nginx] does not contain declared merge key: name"),
        id="element-without-merge-key",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "app"}]}},
        {"spec": {"containers": [{"name": "app", "$patch": "foo"}]}},
        (500, "", "unknown patch type: foo in map: map[$patch:foo name:app]"),
        id="unknown-patch-directive-in-list",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "app"}]}},
        {"spec": {"containers": [{"$patch": "merge"}]}},
        (500, "", "merging lists cannot yet be specified in the patch"),
        id="merge-directive-in-list",
    ),
    pytest.param(
        DEPLOYMENT,
        {"spec": {"strategy": {"type": "Recreate"}}},
        {"spec": {"strategy": {"$patch": "merge", "type": "Recreate"}}},
        (500, "", "unknown patch type: merge in map: map[$patch:merge type:Recreate]"),
        id="merge-directive-in-map-is-unknown",
    ),
    pytest.param(
        DEPLOYMENT,
        {"spec": {"strategy": {"type": "Recreate"}}},
        {"spec": {"strategy": {"$patch": 1}}},
        (500, "", "unknown patch type: %!s(int64=1) in map: map[$patch:1]"),
        id="non-string-patch-directive",
    ),
    pytest.param(
        DEPLOYMENT,
        {"spec": {"strategy": {"type": "Recreate"}}},
        {"spec": {"strategy": {"$retainKeys": "type", "type": "Recreate"}}},
        (400, "BadRequest", "invalid patch format of retainKeys"),
        id="retainKeys-not-a-list",
    ),
    pytest.param(
        DEPLOYMENT,
        {"spec": {"strategy": {"type": "Recreate"}}},
        {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 1}}}},
        (400, "BadRequest", "invalid patch format of retainKeys"),
        id="retainKeys-missing-a-patched-key",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "a"}]}},
        {"spec": {"$setElementOrder": [{"name": "a"}]}},
        (400, "BadRequest", "invalid patch format of setElementOrder list"),
        id="setElementOrder-without-field",
    ),
    pytest.param(
        POD,
        {"metadata": {"finalizers": ["a"]}},
        {"metadata": {"$deleteFromPrimitiveListX/finalizers": ["a"]}},
        (400, "BadRequest", "invalid patch format of primitive list"),
        id="deleteFromPrimitiveList-malformed-key",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "1"}, {"name": "3"}, {"name": "2"}]}},
        {
            "spec": {
                "$setElementOrder/containers": [{"name": "1"}, {"name": "2"}, {"name": "3"}],
                "containers": [{"name": "3", "image": "x"}, {"name": "1", "image": "y"}],
            }
        },
        (
            500,
            "",
            "The order in patch list:\n[map[image:x name:3] map[image:y name:1]]\n doesn't match $setElementOrder list:\n"
            "[map[name:1] map[name:2] map[name:3]]\n",
        ),
        id="setElementOrder-disagrees-with-patch-list",
    ),
    pytest.param(
        POD,
        {"metadata": {"finalizers": ["1", "3", "2"]}},
        {"metadata": {"$setElementOrder/finalizers": ["1", "2", "3"], "finalizers": ["3", "1"]}},
        (500, "", "The order in patch list:\n[3 1]\n doesn't match $setElementOrder list:\n[1 2 3]\n"),
        id="setElementOrder-disagrees-with-scalar-patch-list",
    ),
    pytest.param(
        POD,
        {"spec": {"containers": [{"name": "a"}]}},
        {"spec": {"$setElementOrder/containers": {"name": "a"}}},
        (500, "", "expected a []interface {}, but received a map[string]interface {}"),
        id="setElementOrder-not-a-list",
    ),
    pytest.param(
        POD,
        {"metadata": {"finalizers": [["a"]]}},
        {"metadata": {"finalizers": [["b"]]}},
        (422, "Invalid", "the server rejected our request due to an error in our request"),
        id="lists-of-lists",
    ),
    pytest.param(
        POD,
        {"metadata": {"finalizers": ["a"]}},
        {"metadata": {"finalizers": [1]}},
        (500, "", "list element types are not identical: [[a] [1]]"),
        id="mixed-element-types",
    ),
    pytest.param(
        POD,
        {"spec": {"tolerations": [{"key": "a"}]}},
        {"spec": {"$deleteFromPrimitiveList/tolerations": [{"key": "a"}]}},
        (500, "", "cannot merge lists without merge key for struct"),
        id="deleteFromPrimitiveList-of-maps-without-merge-key",
    ),
    pytest.param(
        POD,
        {"metadata": {}},
        [{"op": "add"}],
        (400, "BadRequest", "json: cannot unmarshal array into Go value of type map[string]interface {}"),
        id="body-not-an-object",
    ),
]


@pytest.mark.parametrize(("node", "original", "patch", "expected"), ERROR_CASES)
def test_apply_errors(node, original, patch, expected):
    with pytest.raises(StatusError) as caught:
        apply_strategic_merge_patch(original, patch, node)
    err = caught.value
    assert (err.code, err.reason, err.message) == expected


def test_error_status_for_raw_upstream_errors_has_no_reason():
    with pytest.raises(StatusError) as caught:
        apply_strategic_merge_patch({"spec": {"containers": []}}, {"spec": {"containers": [{"image": "x"}]}}, POD)
    assert caught.value.to_status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "map: map[image:x] does not contain declared merge key: name",
        "code": 500,
    }


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        pytest.param({"b": [1, "x", None], "a": True}, "map[a:true b:[1 x <nil>]]", id="map-sorted-keys"),
        pytest.param(1.5, "1.5", id="float"),
        pytest.param(1e6, "1e+06", id="float-exponent"),
        pytest.param(123456.0, "123456", id="float-integral"),
        pytest.param(0.00001, "1e-05", id="float-small"),
    ],
)
def test_go_value_rendering(value, rendered):
    assert go_v(value) == rendered


# --- creating patches: upstream's tables on real fields ---------------------------------------


@dataclass
class Case:
    id: str
    node: dict | None
    original: str | None
    modified: str
    current: str
    two_way: str
    three_way: str
    result: str
    two_way_result: str | None = None


CREATE_CASES = [
    Case(
        "nil-original",
        CONTAINER,
        None,
        "{name: n, image: i}",
        "{name: n, workingDir: a}",
        "{name: n, image: i}",
        "{image: i}",
        "{name: n, image: i, workingDir: a}",
    ),
    Case("nil-patch", CONTAINER, "{name: n}", "{name: n}", "{name: n}", "{}", "{}", "{name: n}"),
    Case(
        "add-field-with-conflict",
        CONTAINER,
        "{name: n}",
        "{name: n, image: i}",
        "{name: a, workingDir: a}",
        "{image: i}",
        "{name: n, image: i}",
        "{name: n, image: i, workingDir: a}",
    ),
    Case(
        "add-field-and-delete-field",
        CONTAINER,
        "{name: n}",
        "{image: i}",
        "{name: n, workingDir: a}",
        "{name: null, image: i}",
        "{name: null, image: i}",
        "{image: i, workingDir: a}",
    ),
    Case(
        "delete-field-from-nested-map",
        OBJECT_META,
        "{labels: {k1: '1', k2: '1'}}",
        "{labels: {k1: '1'}}",
        "{labels: {k1: '1', k2: '1', other: a}}",
        "{labels: {k2: null}}",
        "{labels: {k2: null}}",
        "{labels: {k1: '1', other: a}}",
    ),
    Case(
        "delete-field-from-nested-map-with-conflict",
        OBJECT_META,
        "{labels: {k1: '1', k2: '1'}}",
        "{labels: {k1: '1'}}",
        "{labels: {k1: a, k2: '1', other: a}}",
        "{labels: {k2: null}}",
        "{labels: {k1: '1', k2: null}}",
        "{labels: {k1: '1', other: a}}",
    ),
    Case(
        "add-field-and-delete-all-fields-with-conflict",
        CONTAINER,
        "{name: n, image: i}",
        "{workingDir: a}",
        "{name: n, image: i, workingDir: b}",
        "{name: null, image: null, workingDir: a}",
        "{name: null, image: null, workingDir: a}",
        "{workingDir: a}",
    ),
    Case(
        "replace-list-of-scalars-with-conflict",
        CONTAINER,
        "{args: ['1', '2']}",
        "{args: ['2', '3']}",
        "{args: ['1', '4']}",
        "{args: ['2', '3']}",
        "{args: ['2', '3']}",
        "{args: ['2', '3']}",
    ),
    Case(
        "delete-all-maps-from-merging-list",
        CONTAINER,
        "{env: [{name: '1'}, {name: '2'}]}",
        "{env: []}",
        "{env: [{name: '1', value: a}, {name: '2', value: b}]}",
        "{env: [{name: '1', $patch: delete}, {name: '2', $patch: delete}]}",
        "{env: [{name: '1', $patch: delete}, {name: '2', $patch: delete}]}",
        "{env: []}",
    ),
    Case("merge-empty-merging-lists", CONTAINER, "{env: []}", "{env: []}", "{env: []}", "{}", "{}", "{env: []}"),
    Case(
        "defined-null-values-propagate",
        CONTAINER,
        "{name: '2'}",
        "{name: '1', image: '1', workingDir: null}",
        "{name: a, workingDir: a}",
        "{name: '1', image: '1', workingDir: null}",
        "{name: '1', image: '1', workingDir: null}",
        "{name: '1', image: '1'}",
        two_way_result="{name: '1', image: '1'}",
    ),
    Case(
        "retainKeys-map-without-change-is-absent",
        DEPLOYMENT_SPEC,
        "{replicas: 1, strategy: {type: Recreate}}",
        "{replicas: 1, paused: true, strategy: {type: Recreate}}",
        "{replicas: 1, minReadySeconds: 5, strategy: {type: Recreate}}",
        "{paused: true}",
        "{paused: true}",
        "{replicas: 1, paused: true, minReadySeconds: 5, strategy: {type: Recreate}}",
    ),
    Case(
        "retainKeys-map-switches-union-member",
        DEPLOYMENT_SPEC,
        "{strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}}",
        "{strategy: {type: Recreate}}",
        "{strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}}",
        "{strategy: {$retainKeys: [type], rollingUpdate: null, type: Recreate}}",
        "{strategy: {$retainKeys: [type], rollingUpdate: null, type: Recreate}}",
        "{strategy: {type: Recreate}}",
    ),
    Case(
        "nested-patch-merge-with-empty-list",
        CONTAINER,
        "{name: hi}",
        "{name: hi, env: [{name: hello}, {$patch: delete, name: doesntexist}]}",
        "{name: hi, env: [{name: hello2}]}",
        "{env: [{name: hello}, {$patch: delete, name: doesntexist}]}",
        "{$setElementOrder/env: [{name: hello}, {name: doesntexist}], env: [{name: hello}]}",
        "{name: hi, env: [{name: hello}, {name: hello2}]}",
        two_way_result="{name: hi, env: [{name: hello}]}",
    ),
    Case(
        "delete-items-in-lists-of-scalars",
        OBJECT_META,
        "{finalizers: ['1', '2', '3']}",
        "{finalizers: ['1', '2']}",
        "{finalizers: ['1', '2', '3', '4']}",
        "{$setElementOrder/finalizers: ['1', '2'], $deleteFromPrimitiveList/finalizers: ['3']}",
        "{$setElementOrder/finalizers: ['1', '2'], $deleteFromPrimitiveList/finalizers: ['3']}",
        "{finalizers: ['1', '2', '4']}",
    ),
    Case(
        "delete-all-duplicate-items-in-lists-of-scalars",
        OBJECT_META,
        "{finalizers: ['1', '2', '3', '3']}",
        "{finalizers: ['1', '2']}",
        "{finalizers: ['1', '2', '3', '3', '4']}",
        "{$setElementOrder/finalizers: ['1', '2'], $deleteFromPrimitiveList/finalizers: ['3']}",
        "{$setElementOrder/finalizers: ['1', '2'], $deleteFromPrimitiveList/finalizers: ['3']}",
        "{finalizers: ['1', '2', '4']}",
    ),
    Case(
        "add-and-delete-items-in-lists-of-scalars",
        OBJECT_META,
        "{finalizers: ['1', '2', '3']}",
        "{finalizers: ['1', '2', '4']}",
        "{finalizers: ['1', '2', '3', '4']}",
        "{$setElementOrder/finalizers: ['1', '2', '4'], $deleteFromPrimitiveList/finalizers: ['3'], finalizers: ['4']}",
        "{$setElementOrder/finalizers: ['1', '2', '4'], $deleteFromPrimitiveList/finalizers: ['3']}",
        "{finalizers: ['1', '2', '4']}",
    ),
    Case(
        "merge-lists-of-scalars",
        OBJECT_META,
        "{finalizers: ['1', '2']}",
        "{finalizers: ['1', '2', '3']}",
        "{finalizers: ['1', '2', '4']}",
        "{$setElementOrder/finalizers: ['1', '2', '3'], finalizers: ['3']}",
        "{$setElementOrder/finalizers: ['1', '2', '3'], finalizers: ['3']}",
        "{finalizers: ['1', '2', '3', '4']}",
    ),
    Case(
        "add-duplicate-item-in-merging-scalar-list",
        OBJECT_META,
        "{finalizers: ['1', '2']}",
        "{finalizers: ['1', '2', '3']}",
        "{finalizers: ['1', '2', '3']}",
        "{$setElementOrder/finalizers: ['1', '2', '3'], finalizers: ['3']}",
        "{}",
        "{finalizers: ['1', '2', '3']}",
    ),
    Case(
        "add-item-in-scalar-list-and-preserve-order",
        OBJECT_META,
        "{finalizers: ['1', '2']}",
        "{finalizers: ['3', '1', '2']}",
        "{finalizers: ['1', '4', '2']}",
        "{$setElementOrder/finalizers: ['3', '1', '2'], finalizers: ['3']}",
        "{$setElementOrder/finalizers: ['3', '1', '2'], finalizers: ['3']}",
        "{finalizers: ['3', '1', '4', '2']}",
    ),
    Case(
        "delete-item-in-scalar-list-and-preserve-order",
        OBJECT_META,
        "{finalizers: ['1', '2', '3']}",
        "{finalizers: ['2', '1']}",
        "{finalizers: ['1', '2', '3']}",
        "{$setElementOrder/finalizers: ['2', '1'], $deleteFromPrimitiveList/finalizers: ['3']}",
        "{$setElementOrder/finalizers: ['2', '1'], $deleteFromPrimitiveList/finalizers: ['3']}",
        "{finalizers: ['2', '1']}",
    ),
    Case(
        "merge-lists-of-maps",
        POD_SPEC,
        "{containers: [{name: '1'}, {name: '2', image: '2'}]}",
        "{containers: [{name: '4', image: '4'}, {name: '1'}, {name: '2', image: '2'}, {name: '3', image: '3'}]}",
        "{containers: [{name: '1', workingDir: a}, {name: '2', image: '2', workingDir: b}]}",
        "{$setElementOrder/containers: [{name: '4'}, {name: '1'}, {name: '2'}, {name: '3'}],"
        " containers: [{name: '4', image: '4'}, {name: '3', image: '3'}]}",
        "{$setElementOrder/containers: [{name: '4'}, {name: '1'}, {name: '2'}, {name: '3'}],"
        " containers: [{name: '4', image: '4'}, {name: '3', image: '3'}]}",
        "{containers: [{name: '4', image: '4'}, {name: '1', workingDir: a},"
        " {name: '2', image: '2', workingDir: b}, {name: '3', image: '3'}]}",
    ),
    Case(
        "set-element-order-with-server-only-items",
        POD_SPEC,
        "{containers: [{name: '1'}, {name: '3', image: '3'}, {name: '4', image: '4'}, {name: '2', image: '2'}]}",
        "{containers: [{name: '4', image: '4'}, {name: '2', image: '2'}, {name: '3', image: '3'}, {name: '1'}]}",
        "{containers: [{name: '1', workingDir: a}, {name: '3', image: '3'}, {name: '4', image: '4'},"
        " {name: '2', image: '2'}, {name: '9'}]}",
        "{$setElementOrder/containers: [{name: '4'}, {name: '2'}, {name: '3'}, {name: '1'}]}",
        "{$setElementOrder/containers: [{name: '4'}, {name: '2'}, {name: '3'}, {name: '1'}]}",
        "{containers: [{name: '4', image: '4'}, {name: '2', image: '2'}, {name: '3', image: '3'},"
        " {name: '1', workingDir: a}, {name: '9'}]}",
    ),
    Case(
        "set-element-order-with-server-only-items-2",
        POD_SPEC,
        "{containers: [{name: '1'}, {name: '2', image: '2'}, {name: '3', image: '3'}, {name: '4', image: '4'}]}",
        "{containers: [{name: '2', image: '2'}, {name: '1'}, {name: '4', image: '4'}, {name: '3', image: '3'}]}",
        "{containers: [{name: '1', workingDir: a}, {name: '2', image: '2'}, {name: '9'},"
        " {name: '3', image: '3'}, {name: '4', image: '4'}]}",
        "{$setElementOrder/containers: [{name: '2'}, {name: '1'}, {name: '4'}, {name: '3'}]}",
        "{$setElementOrder/containers: [{name: '2'}, {name: '1'}, {name: '4'}, {name: '3'}]}",
        "{containers: [{name: '2', image: '2'}, {name: '1', workingDir: a}, {name: '9'},"
        " {name: '4', image: '4'}, {name: '3', image: '3'}]}",
    ),
    Case(
        "set-element-order-with-server-only-items-3",
        POD_SPEC,
        "{containers: [{name: '1'}, {name: '2', image: '2'}, {name: '3', image: '3'}, {name: '4', image: '4'}]}",
        "{containers: [{name: '2', image: '2'}, {name: '1'}, {name: '4', image: '4'}, {name: '3', image: '3'}]}",
        "{containers: [{name: '1', workingDir: a}, {name: '2', image: '2'}, {name: '7'}, {name: '9'},"
        " {name: '8'}, {name: '3', image: '3'}, {name: '4', image: '4'}]}",
        "{$setElementOrder/containers: [{name: '2'}, {name: '1'}, {name: '4'}, {name: '3'}]}",
        "{$setElementOrder/containers: [{name: '2'}, {name: '1'}, {name: '4'}, {name: '3'}]}",
        "{containers: [{name: '2', image: '2'}, {name: '1', workingDir: a}, {name: '7'}, {name: '9'},"
        " {name: '8'}, {name: '4', image: '4'}, {name: '3', image: '3'}]}",
    ),
    Case(
        "set-element-order-with-duplicates",
        POD_SPEC,
        "{containers: [{name: '1'}, {name: '2', image: dup1}, {name: '3'}, {name: '2', image: dup2}, {name: '4'}]}",
        "{containers: [{name: '2', image: dup1}, {name: '1'}, {name: '4'}, {name: '3'}, {name: '2', image: dup2}]}",
        "{containers: [{name: '1'}, {name: '2', image: dup1}, {name: '3'}, {name: '2', image: dup2}, {name: '4'}]}",
        "{$setElementOrder/containers: [{name: '2'}, {name: '1'}, {name: '4'}, {name: '3'}, {name: '2'}]}",
        "{$setElementOrder/containers: [{name: '2'}, {name: '1'}, {name: '4'}, {name: '3'}, {name: '2'}]}",
        "{containers: [{name: '2', image: dup1}, {name: '2', image: dup2}, {name: '1'}, {name: '4'}, {name: '3'}]}",
        two_way_result="{containers: [{name: '2', image: dup1}, {name: '2', image: dup2}, {name: '1'},"
        " {name: '4'}, {name: '3'}]}",
    ),
    Case(
        "retainKeys-merge-list-clears-a-field",
        POD_SPEC,
        "{volumes: [{name: bar}, {name: foo, hostPath: {path: a}}]}",
        "{volumes: [{name: bar}, {name: foo, hostPath: {path: a}}]}",
        "{volumes: [{name: bar}, {name: foo, hostPath: {path: a}, emptyDir: {}}]}",
        "{}",
        "{$setElementOrder/volumes: [{name: bar}, {name: foo}], volumes: [{$retainKeys: [hostPath, name], name: foo}]}",
        "{volumes: [{name: bar}, {name: foo, hostPath: {path: a}}]}",
    ),
    Case(
        "retainKeys-merge-list-changes-and-clears-a-field",
        POD_SPEC,
        "{volumes: [{name: bar}, {name: foo, hostPath: {path: old}}]}",
        "{volumes: [{name: bar}, {name: foo, hostPath: {path: new}}]}",
        "{volumes: [{name: bar}, {name: foo, hostPath: {path: old}, emptyDir: {}}]}",
        "{$setElementOrder/volumes: [{name: bar}, {name: foo}],"
        " volumes: [{$retainKeys: [hostPath, name], name: foo, hostPath: {path: new}}]}",
        "{$setElementOrder/volumes: [{name: bar}, {name: foo}],"
        " volumes: [{$retainKeys: [hostPath, name], name: foo, hostPath: {path: new}}]}",
        "{volumes: [{name: bar}, {name: foo, hostPath: {path: new}}]}",
    ),
    Case(
        "delete-and-reorder-in-one-list-reorder-in-another",
        CONTAINER,
        "{env: [{name: a, value: a}, {name: b, value: b}], ports: [{containerPort: 1}, {containerPort: 2}]}",
        "{env: [{name: b, value: b}], ports: [{containerPort: 2}, {containerPort: 1}]}",
        "{env: [{name: a, value: a}, {name: b, value: b}], ports: [{containerPort: 1}, {containerPort: 2}]}",
        "{$setElementOrder/env: [{name: b}], $setElementOrder/ports: [{containerPort: 2}, {containerPort: 1}],"
        " env: [{$patch: delete, name: a}]}",
        "{$setElementOrder/env: [{name: b}], $setElementOrder/ports: [{containerPort: 2}, {containerPort: 1}],"
        " env: [{$patch: delete, name: a}]}",
        "{env: [{name: b, value: b}], ports: [{containerPort: 2}, {containerPort: 1}]}",
    ),
    Case(
        "unsorted-unchanged-scalar-merge-list-still-sends-its-order",
        OBJECT_META,
        "{finalizers: [b, a]}",
        "{finalizers: [b, a]}",
        "{finalizers: [b, a]}",
        "{$setElementOrder/finalizers: [b, a]}",
        "{$setElementOrder/finalizers: [b, a]}",
        "{finalizers: [b, a]}",
    ),
]


@pytest.mark.parametrize("case", CREATE_CASES, ids=lambda c: c.id)
def test_two_way_patch(case: Case):
    original, modified = y(case.original) or {}, y(case.modified)
    patch = create_two_way_merge_patch(original, modified, case.node)
    assert patch == y(case.two_way)
    expected = y(case.two_way_result) if case.two_way_result else modified
    assert apply_strategic_merge_patch(original, patch, case.node) == expected


@pytest.mark.parametrize("case", CREATE_CASES, ids=lambda c: c.id)
def test_three_way_patch(case: Case):
    original, modified, current = y(case.original), y(case.modified), y(case.current)
    snapshot = copy.deepcopy((original, modified, current))
    patch = create_three_way_merge_patch(original, modified, current, case.node)
    assert patch == y(case.three_way)
    assert apply_strategic_merge_patch(current, patch, case.node) == y(case.result)
    assert (original, modified, current) == snapshot


# --- kubectl apply, as probed against real kubectl 1.37 (kubectl-wire-protocol.md) -----------

SMP1 = y("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web, tier: frontend}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.25
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
        ports: [{containerPort: 80}, {containerPort: 443}]
      - {name: sidecar, image: busybox}
""")

SMP2 = y("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy: {type: Recreate}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.25
        env: [{name: B, value: "2"}]
        ports: [{containerPort: 80}]
""")

SMP1_TO_SMP2 = (
    '{"metadata":{"labels":{"tier":null}},'
    '"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"},'
    '"template":{"spec":{"$setElementOrder/containers":[{"name":"app"}],'
    '"containers":[{"$setElementOrder/env":[{"name":"B"}],"$setElementOrder/ports":[{"containerPort":80}],'
    '"env":[{"$patch":"delete","name":"A"}],"name":"app",'
    '"ports":[{"$patch":"delete","containerPort":443}]},'
    '{"$patch":"delete","name":"sidecar"}]}}}}'
)


def live(manifest: dict) -> dict:
    """What the server stores for a manifest: defaults filled in, status and metadata added."""
    obj = copy.deepcopy(manifest)
    obj["metadata"].update(namespace="default", uid="u-1", resourceVersion="7", generation=1)
    obj["spec"].update(revisionHistoryLimit=10, progressDeadlineSeconds=600)
    spec = obj["spec"]["template"]["spec"]
    spec.update(restartPolicy="Always", dnsPolicy="ClusterFirst")
    for container in spec["containers"]:
        container.update(imagePullPolicy="IfNotPresent", terminationMessagePath="/dev/termination-log")
        for port in container.get("ports", []):
            port["protocol"] = "TCP"
    obj["status"] = {"replicas": 2, "readyReplicas": 2}
    return obj


def test_kubectl_apply_smp1_to_smp2_sends_every_directive():
    patch = create_three_way_merge_patch(SMP1, SMP2, live(SMP1), DEPLOYMENT)
    assert compact(patch) == SMP1_TO_SMP2


def test_kubectl_apply_smp1_to_smp2_result_keeps_server_fields():
    current = live(SMP1)
    result = apply_strategic_merge_patch(
        current, create_three_way_merge_patch(SMP1, SMP2, current, DEPLOYMENT), DEPLOYMENT
    )
    assert result["metadata"]["labels"] == {"app": "web"}
    assert result["metadata"]["uid"] == "u-1"
    assert result["spec"]["strategy"] == {"type": "Recreate"}
    assert result["spec"]["revisionHistoryLimit"] == 10
    assert result["status"] == {"replicas": 2, "readyReplicas": 2}
    assert result["spec"]["template"]["spec"]["containers"] == [
        {
            "name": "app",
            "image": "nginx:1.25",
            "env": [{"name": "B", "value": "2"}],
            "ports": [{"containerPort": 80, "protocol": "TCP"}],
            "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log",
        }
    ]


def test_kubectl_apply_configured_body():
    new = copy.deepcopy(SMP1)
    new["spec"]["replicas"] = 3
    new["spec"]["template"]["spec"]["containers"] = [{"name": "app", "image": "nginx:1.26"}]
    old = copy.deepcopy(SMP1)
    old["spec"]["template"]["spec"]["containers"] = [{"name": "app", "image": "nginx:1.25"}]
    patch = create_three_way_merge_patch(old, new, live(old), DEPLOYMENT)
    assert compact(patch) == (
        '{"spec":{"replicas":3,"template":{"spec":{"$setElementOrder/containers":[{"name":"app"}],'
        '"containers":[{"image":"nginx:1.26","name":"app"}]}}}}'
    )


def test_kubectl_apply_unchanged_is_empty():
    assert create_three_way_merge_patch(SMP1, SMP1, live(SMP1), DEPLOYMENT) == {}


def test_kubectl_apply_without_last_applied_only_adds():
    patch = create_three_way_merge_patch(None, SMP2, live(SMP1), DEPLOYMENT)
    result = apply_strategic_merge_patch(live(SMP1), patch, DEPLOYMENT)
    assert result["metadata"]["labels"] == {"app": "web", "tier": "frontend"}  # nothing to delete from
    assert [c["name"] for c in result["spec"]["template"]["spec"]["containers"]] == ["app", "sidecar"]


ROUND_TRIPS = [
    pytest.param(SMP1, SMP2, SMP1, id="smp1-to-smp2"),
    pytest.param(SMP2, SMP1, SMP2, id="smp2-to-smp1"),
    pytest.param({}, SMP1, SMP2, id="no-last-applied"),
    pytest.param(SMP1, SMP1, SMP2, id="reapply-over-drifted-object"),
]


@pytest.mark.parametrize(("original", "modified", "stored"), ROUND_TRIPS)
def test_three_way_round_trip_yields_modified_and_keeps_server_only_fields(original, modified, stored):
    current = live(stored)
    current["metadata"]["annotations"] = {"owner": "someone-else"}
    patch = create_three_way_merge_patch(original, modified, current, DEPLOYMENT)
    result = apply_strategic_merge_patch(current, patch, DEPLOYMENT)
    # Every field of the manifest arrives ...
    assert create_three_way_merge_patch(modified, modified, result, DEPLOYMENT) == {}
    # ... and what only the server or other writers set stays.
    assert result["metadata"]["annotations"] == {"owner": "someone-else"}
    assert result["status"] == current["status"]
    assert result["spec"]["progressDeadlineSeconds"] == 600
