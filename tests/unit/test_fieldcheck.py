"""Strict field validation: unknown and duplicate fields, worded as kube-apiserver words them."""

import json

import pytest

from kubeferry.machinery import fieldcheck, schema


def _kind(group: str, version: str, kind: str) -> dict:
    node = schema.for_kind(group, version, kind)
    assert node is not None
    return node


DEPLOYMENT = ("apps", "v1", "Deployment")
POD = ("", "v1", "Pod")


def _deployment(**spec_extra) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}, "annotations": {"a/b": "c"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "nginx:1.25",
                            "ports": [{"containerPort": 80}],
                            "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
                            "env": [{"name": "A", "value": "1"}],
                        }
                    ]
                },
            },
            **spec_extra,
        },
    }


def test_clean_deployment_has_no_unknown_fields():
    assert fieldcheck.unknown_fields(_deployment(), _kind(*DEPLOYMENT)) == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(lambda d: d["spec"].update(bogusField=1), ["spec.bogusField"], id="spec-level"),
        pytest.param(
            lambda d: d["spec"]["template"]["spec"]["containers"][0].update(imagex="x"),
            ["spec.template.spec.containers[0].imagex"],
            id="container-index",
        ),
        pytest.param(lambda d: d["metadata"].update(nmae="x"), ["metadata.nmae"], id="objectmeta"),
        pytest.param(lambda d: d.update(Spec={}), ["Spec"], id="case-sensitive-top-level"),
        pytest.param(
            lambda d: d["spec"]["strategy"]["rollingUpdate"].update(maxSurges=1),
            ["spec.strategy.rollingUpdate.maxSurges"],
            id="nested-ref",
        ),
        pytest.param(
            lambda d: d["spec"]["template"]["spec"]["containers"][0]["ports"][0].update(port=80),
            ["spec.template.spec.containers[0].ports[0].port"],
            id="list-in-list",
        ),
        pytest.param(
            lambda d: d["spec"].update(bogus={"deep": {"deeper": 1}}), ["spec.bogus"], id="unknown-subtree-skipped"
        ),
        pytest.param(lambda d: d["metadata"]["labels"].update({"any.key/you-like": "v"}), [], id="labels-map-is-open"),
        pytest.param(
            lambda d: d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"].update(
                {"nvidia.com/gpu": 1}
            ),
            [],
            id="quantity-map-is-open",
        ),
        pytest.param(
            lambda d: d.update(status={"replicas": 1, "readyReplicaz": 1}), ["status.readyReplicaz"], id="status"
        ),
        pytest.param(
            lambda d: (d["spec"].update(a=1), d["metadata"].update(b=2)),
            ["metadata.b", "spec.a"],
            id="document-order",
        ),
    ],
)
def test_unknown_fields_in_deployments(mutate, expected):
    obj = _deployment()
    mutate(obj)
    assert fieldcheck.unknown_fields(obj, _kind(*DEPLOYMENT)) == expected


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda d: d["spec"].update(bogusField=1), id="spec-level"),
        pytest.param(lambda d: d["spec"]["template"]["spec"]["containers"][0].update(imagex="x"), id="container"),
        pytest.param(lambda d: d["metadata"].update(nmae="x"), id="objectmeta"),
        pytest.param(lambda d: d["spec"].update(bogus={"deep": {"deeper": 1}}), id="unknown-subtree"),
        pytest.param(lambda d: (d["spec"].update(a=1), d.update(Spec={})), id="two-levels"),
    ],
)
def test_dropping_unknown_fields_leaves_the_known_object(mutate):
    obj = _deployment()
    mutate(obj)
    fieldcheck.drop_unknown_fields(obj, _kind(*DEPLOYMENT))
    assert obj == _deployment()


def test_dropping_keeps_open_maps_and_raw_json():
    obj = _deployment()
    obj["metadata"]["labels"]["any.key/you-like"] = "v"
    obj["metadata"]["managedFields"] = [{"manager": "m", "fieldsType": "FieldsV1", "fieldsV1": {"f:x": {}}}]
    kept = json.loads(json.dumps(obj))
    fieldcheck.drop_unknown_fields(obj, _kind(*DEPLOYMENT))
    assert obj == kept


def test_dropping_leaves_subtrees_shared_with_the_stored_object_alone():
    stored = _deployment()
    patched = dict(stored, spec=dict(stored["spec"], bogus=1))
    stored["metadata"]["nmae"] = "pretend it was stored"  # shared with `patched`: must not be touched
    fieldcheck.drop_unknown_fields(patched, _kind(*DEPLOYMENT), stored)
    assert "bogus" not in patched["spec"]
    assert patched["metadata"]["nmae"] == "pretend it was stored"


def test_managed_fields_v1_is_raw_json():
    obj = _deployment()
    obj["metadata"]["managedFields"] = [
        {
            "manager": "kubectl",
            "operation": "Update",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:replicas": {}}},
        }
    ]
    assert fieldcheck.unknown_fields(obj, _kind(*DEPLOYMENT)) == []


def test_controller_revision_data_is_raw_json():
    obj = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": "r"},
        "revision": 1,
        "data": {"spec": {"anything": {"goes": True}}},
    }
    assert fieldcheck.unknown_fields(obj, _kind("apps", "v1", "ControllerRevision")) == []


@pytest.mark.parametrize(
    ("kind", "obj", "expected"),
    [
        pytest.param(
            POD,
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "a", "image": "i"}, {"name": "b", "imagePullPolicyy": "Always"}]},
            },
            ["spec.containers[1].imagePullPolicyy"],
            id="pod-second-container",
        ),
        pytest.param(
            ("", "v1", "Service"),
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "s"},
                "spec": {"ports": [{"port": 80, "targetPort": "http", "nodeport": 1}], "selector": {"app": "x"}},
            },
            ["spec.ports[0].nodeport"],
            id="service-port",
        ),
        pytest.param(
            ("", "v1", "ConfigMap"),
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}, "spec": {}},
            ["spec"],
            id="configmap-has-no-spec",
        ),
        pytest.param(
            ("batch", "v1", "Job"),
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {"name": "j"},
                "spec": {
                    "backoffLimit": 1,
                    "template": {"spec": {"restartPolicy": "Never", "containers": [], "restartpolicy": "x"}},
                },
            },
            ["spec.template.spec.restartpolicy"],
            id="job-template",
        ),
    ],
)
def test_unknown_fields_in_other_kinds(kind, obj, expected):
    assert fieldcheck.unknown_fields(obj, _kind(*kind)) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param('{"spec": {"replicas": 1, "replicas": 2}}', ["spec.replicas"], id="struct-field"),
        pytest.param('{"metadata": {"labels": {"a": "1", "a": "2"}}}', ["metadata.labels.a"], id="map-key"),
        pytest.param('{"a": [{"x": 1, "x": 2}, {"x": 1}]}', ["a[0].x"], id="in-list"),
        pytest.param('{"a": 1, "a": 2, "a": 3}', ["a"], id="reported-once"),
        pytest.param('{"a": {"b": 1}, "c": {"b": 1}}', [], id="same-key-different-objects"),
        pytest.param("[]", [], id="not-an-object"),
    ],
)
def test_duplicate_fields(raw, expected):
    assert fieldcheck.duplicate_fields(raw.encode()) == expected


def test_duplicate_fields_inside_raw_json_are_ignored_with_a_schema():
    raw = b'{"apiVersion":"apps/v1","kind":"ControllerRevision","revision":1,"data":{"x":1,"x":2},"revision":2}'
    node = _kind("apps", "v1", "ControllerRevision")
    assert fieldcheck.duplicate_fields(raw, node) == ["revision"]
    assert fieldcheck.duplicate_fields(raw) == ["data.x", "revision"]


def test_duplicate_fields_rejects_malformed_json():
    with pytest.raises(ValueError):
        fieldcheck.duplicate_fields(b'{"a": ')


def test_strict_errors_interleave_in_document_order():
    raw = (
        b'{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w","labels":{"a":"1","a":"2"}},'
        b'"spec":{"replicas":1,"replicas":2,"bogusField":{"x":1},"bogusField":3,'
        b'"template":{"spec":{"containers":[{"name":"a","imagex":"n"}]}}}}'
    )
    assert fieldcheck.strict_errors(raw, _kind(*DEPLOYMENT)) == [
        'duplicate field "metadata.labels.a"',
        'duplicate field "spec.replicas"',
        'unknown field "spec.bogusField"',
        'unknown field "spec.template.spec.containers[0].imagex"',
    ]


def test_strict_errors_are_capped():
    body = {"apiVersion": "v1", "kind": "ConfigMap", **{f"x{i}": i for i in range(150)}}
    errors = fieldcheck.strict_errors(json.dumps(body), _kind("", "v1", "ConfigMap"))
    assert len(errors) == fieldcheck.MAX_STRICT_ERRORS
    assert errors[0] == 'unknown field "x0"'


def test_create_strict_failure_status():
    err = fieldcheck.decode_error(
        "Deployment",
        "v1",
        "Deployment",
        ['unknown field "spec.bogusField"', 'unknown field "spec.template.spec.containers[0].imagex"'],
    )
    assert err.to_status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.bogusField", unknown field "spec.template.spec.containers[0].imagex"',
        "reason": "BadRequest",
        "code": 400,
    }


def test_patch_strict_failure_status():
    err = fieldcheck.patch_error('{"spec":{"x":1}}', ['unknown field "spec.x"'])
    assert err.code == 422
    assert err.reason == "Invalid"
    assert err.message == (
        ' "" is invalid: patch: Invalid value: "{\\"spec\\":{\\"x\\":1}}": strict decoding error: unknown field "spec.x"'
    )


def test_strict_decoding_message():
    assert fieldcheck.strict_decoding_message(['unknown field "a"', 'duplicate field "b"']) == (
        'strict decoding error: unknown field "a", duplicate field "b"'
    )


def test_warn_texts_and_header():
    errors = ['unknown field "spec.bogusField"']
    assert fieldcheck.warnings(errors) == ['unknown field "spec.bogusField"']
    assert fieldcheck.warning_header(errors[0]) == '299 - "unknown field \\"spec.bogusField\\""'


@pytest.mark.parametrize(
    ("directive", "expected"),
    [
        pytest.param("Strict", ['unknown field "spec.bogusField"'], id="strict"),
        pytest.param("Warn", ['unknown field "spec.bogusField"'], id="warn"),
        pytest.param("Ignore", [], id="ignore"),
        pytest.param("", [], id="unset"),
    ],
)
def test_validate_by_directive(directive, expected):
    raw = json.dumps(_deployment(bogusField=True))
    assert fieldcheck.validate(directive, raw, _kind(*DEPLOYMENT)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            {"spec": {"replicas": 3, "paused": True}}, "map[spec:map[paused:true replicas:3]]", id="nested-sorted"
        ),
        pytest.param({"a": ["x", 1, None]}, "map[a:[x 1 <nil>]]", id="list"),
        pytest.param({}, "map[]", id="empty"),
    ],
)
def test_go_repr(value, expected):
    assert fieldcheck.go_repr(value) == expected
