"""Validation remembers answers it has already given (valid label keys and values, valid annotation
keys, valid pod specs, the rules of a kind); each remembered answer must be the one a fresh
validation gives, for every input, including inputs that look alike to the memo's key."""

from __future__ import annotations

import copy

import pytest

from kubeferry.api import core, validation
from kubeferry.api.defaults import apply_defaults
from kubeferry.api.validation import validate_create, validate_status_update, validate_update

LABEL_KEY_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


@pytest.fixture(autouse=True)
def forget():
    """Each test starts with nothing remembered."""
    for known in (
        validation._valid_label_keys,
        validation._valid_label_values,
        validation._valid_annotation_keys,
        validation._valid_namespace_names,
    ):
        known.clear()
    core._valid_pod_specs.known.clear()
    yield


def strs(errors):
    return [str(e) for e in errors]


def pod(spec_extra=None, container_extra=None, **meta):
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "default", **meta},
        "spec": {
            "containers": [{"name": "web", "image": "nginx:1.25", **(container_extra or {})}],
            **(spec_extra or {}),
        },
    }
    apply_defaults(obj)
    return obj


# ---- labels and annotations ------------------------------------------------------------------


def test_known_label_key_with_bad_value_still_fails():
    assert validation.validate_labels({"app": "web"}, "metadata.labels") == []
    assert strs(validation.validate_labels({"app": "-web"}, "metadata.labels")) == [
        f'metadata.labels: Invalid value: "-web": {LABEL_VALUE_MSG}'
    ]


def test_known_label_value_under_bad_key_still_fails():
    assert validation.validate_labels({"app": "web"}, "metadata.labels") == []
    assert strs(validation.validate_labels({"web": "app", "-x": "web"}, "metadata.labels")) == [
        f'metadata.labels: Invalid value: "-x": {LABEL_KEY_MSG}'
    ]


def test_known_value_used_as_key_is_checked_as_a_key():
    # "a.b/c" is a valid value? no: '/' is not allowed in values, but it is a valid key.
    assert validation.validate_labels({"a.b/c": "x"}, "p") == []
    assert len(validation.validate_labels({"x": "a.b/c"}, "p")) == 1


def test_label_errors_are_the_same_the_second_time():
    labels = {"b": "-bad", "-a": "ok", "ok": "fine"}
    first = strs(validation.validate_labels(labels, "metadata.labels"))
    assert first == [
        f'metadata.labels: Invalid value: "-a": {LABEL_KEY_MSG}',
        f'metadata.labels: Invalid value: "-bad": {LABEL_VALUE_MSG}',
    ]
    assert strs(validation.validate_labels(labels, "metadata.labels")) == first


def test_non_string_label_value_is_not_remembered_as_valid():
    assert validation.validate_labels({"a": 5}, "p") == []
    assert 5 not in validation._valid_label_values
    assert validation.validate_labels({"a": "5"}, "p") == []


def test_annotation_size_is_checked_even_with_known_keys():
    assert validation.validate_annotations({"a": "x"}, "metadata.annotations") == []
    big = {"a": "x" * validation.TOTAL_ANNOTATION_SIZE_LIMIT}
    assert strs(validation.validate_annotations(big, "metadata.annotations")) == [
        "metadata.annotations: Too long: may not be more than 262144 bytes"
    ]


def test_annotation_keys_are_checked_lower_cased_and_remembered_as_given():
    assert validation.validate_annotations({"Example.COM/Key": "v"}, "p") == []
    assert "Example.COM/Key" in validation._valid_annotation_keys
    assert len(validation.validate_annotations({"Example.COM/-Key": "v"}, "p")) == 1


def test_a_full_memo_starts_over(monkeypatch):
    monkeypatch.setattr(validation, "KNOWN_VALID_LIMIT", 2)
    for value in ("a", "b", "c"):
        assert validation.validate_labels({"k": value}, "p") == []
    assert validation._valid_label_values == {"c"}


# ---- metadata update -------------------------------------------------------------------------


def test_status_update_with_equal_metadata_copies_has_no_errors():
    old = pod(labels={"app": "web"}, uid="u-1", resourceVersion="7", creationTimestamp="2026-01-01T00:00:00Z")
    new = copy.deepcopy(old)
    assert validate_status_update(new, old) == []


@pytest.mark.parametrize(
    ("field", "old_value", "new_value", "expected"),
    [
        pytest.param("uid", "u-1", "u-2", ['metadata.uid: Invalid value: "u-2": field is immutable'], id="uid"),
        pytest.param("uid", "u-1", None, ['metadata.uid: Invalid value: "": field is immutable'], id="uid unset"),
        pytest.param(
            "deletionGracePeriodSeconds",
            None,
            0,
            ["metadata.deletionGracePeriodSeconds: Invalid value: 0: field is immutable"],
            id="grace period set",
        ),
        pytest.param("deletionGracePeriodSeconds", 30, 30.0, [], id="30 and 30.0 are equal"),
        pytest.param("creationTimestamp", None, {}, [], id="null and empty map are semantically equal"),
        pytest.param(
            "creationTimestamp",
            float("nan"),
            float("nan"),
            ["metadata.creationTimestamp: Invalid value: nan: field is immutable"],
            id="NaN is never equal",
        ),
    ],
)
def test_immutable_metadata_compares_as_before(field, old_value, new_value, expected):
    old = pod(resourceVersion="7")
    if old_value is not None:
        old["metadata"][field] = old_value
    new = copy.deepcopy(old)
    if new_value is None:
        new["metadata"].pop(field, None)
    else:
        new["metadata"][field] = new_value
    assert strs(validate_status_update(new, old)) == expected


@pytest.mark.parametrize(
    ("old_gen", "new_gen", "expected"),
    [
        pytest.param(2, 2, [], id="same"),
        pytest.param(2, 1, ["metadata.generation: Invalid value: 1: must not be decremented"], id="decremented"),
        pytest.param(
            0,
            -1,
            [
                "metadata.generation: Invalid value: -1: must be greater than or equal to 0",
                "metadata.generation: Invalid value: -1: must not be decremented",
            ],
            id="negative and decremented",
        ),
        pytest.param(2, "3", [], id="not an integer"),
    ],
)
def test_generation_rules(old_gen, new_gen, expected):
    old = pod(resourceVersion="7", generation=old_gen)
    new = copy.deepcopy(old)
    new["metadata"]["generation"] = new_gen
    assert strs(validation.validate_object_meta_update(new["metadata"], old["metadata"])) == expected


# ---- pod specs -------------------------------------------------------------------------------


def test_pod_spec_answers_are_remembered_only_when_valid():
    bad = pod(container_extra={"imagePullPolicy": "Sometimes"})
    first = strs(validate_create(bad))
    assert first == [
        'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": '
        'supported values: "Always", "IfNotPresent", "Never"'
    ]
    assert core._valid_pod_specs.known == {}
    assert strs(validate_create(bad)) == first
    assert validate_create(pod()) == []
    assert len(core._valid_pod_specs.known) == 1
    assert validate_create(pod()) == []


@pytest.mark.parametrize(
    ("first_extra", "then_extra", "expected"),
    [
        pytest.param(
            {"activeDeadlineSeconds": False},
            {"activeDeadlineSeconds": 0},
            ["spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"],
            id="false then 0",
        ),
        pytest.param(
            {"activeDeadlineSeconds": 1.0},
            {"activeDeadlineSeconds": 0},
            ["spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"],
            id="float then 0",
        ),
        pytest.param(
            {"activeDeadlineSeconds": 5},
            {"activeDeadlineSeconds": 5},
            [],
            id="same spec",
        ),
    ],
)
def test_pod_specs_that_look_alike_are_told_apart(first_extra, then_extra, expected):
    assert validate_create(pod(spec_extra=first_extra)) == []
    assert strs(validate_create(pod(spec_extra=then_extra))) == expected


def test_nan_and_null_are_told_apart():
    # A NaN image is not empty (no error); JSON text writes it as null, which is a missing image.
    with_nan, with_null = pod()["spec"], pod()["spec"]
    with_nan["containers"][0]["image"] = float("nan")
    with_null["containers"][0]["image"] = None
    assert core.validate_pod_spec(with_nan, "spec") == []
    assert core._valid_pod_specs.known == {}  # a spec that is not plain JSON is not remembered
    assert strs(core.validate_pod_spec(with_null, "spec")) == ["spec.containers[0].image: Required value"]


def test_spec_memo_is_per_path():
    obj = pod()
    assert validate_create(obj) == []
    assert core.validate_pod_spec(obj["spec"], "spec.template.spec") == []
    assert {path for path, _ in core._valid_pod_specs.known} == {"spec", "spec.template.spec"}


def test_binding_a_remembered_spec_still_checks_the_node_name():
    old = pod(resourceVersion="7")
    assert validate_create(old) == []
    new = copy.deepcopy(old)
    new["spec"]["nodeName"] = "Node_1"
    assert strs(validate_update(new, old)) == [
        'spec.nodeName: Invalid value: "Node_1": a lowercase RFC 1123 subdomain must consist of lower case '
        "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character "
        "(e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    ]


def test_spec_that_is_not_json_is_validated_directly():
    obj = pod(spec_extra={"activeDeadlineSeconds": 2**70})
    assert strs(validate_create(obj)) == [
        f"spec.activeDeadlineSeconds: Invalid value: {2**70}: must be between 1 and 2147483647, inclusive"
    ]
    assert core._valid_pod_specs.known == {}


# ---- rules per kind --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_version", "kind", "expected"),
    [
        pytest.param("v1", "Pod", True, id="core"),
        pytest.param("apps/v1", "Deployment", True, id="apps"),
        pytest.param("v2", "Pod", True, id="any version of the group"),
        pytest.param("example.com/v1", "Pod", False, id="another group"),
        pytest.param("v1", "Widget", False, id="unknown kind"),
    ],
)
def test_kind_rules_are_the_same_looked_up_twice(api_version, kind, expected):
    obj = {"apiVersion": api_version, "kind": kind}
    first = validation._kind_rules(obj)
    assert (first is not None) is expected
    assert validation._kind_rules(obj) is first


# ---- name predicates -------------------------------------------------------------------------

NAMES = [
    "web",
    "web-1.17a2b3c4d5e6f708",
    "a" * 63,
    "a" * 64,
    "a" * 253,
    "a" * 254,
    "Web",
    "-web",
    "web-",
    "web_1",
    "web..x",
    "web\n",
    "",
    "ünï",
]


@pytest.mark.parametrize("name", NAMES, ids=lambda n: repr(n)[:20])
def test_subdomain_predicate_agrees_with_the_messages(name):
    assert validation.is_valid_subdomain_name(name) is (validation.name_is_dns_subdomain(name, False) == [])


@pytest.mark.parametrize("name", NAMES, ids=lambda n: repr(n)[:20])
def test_namespace_predicate_agrees_with_the_messages_twice(name):
    expected = validation.validate_namespace_name(name, False) == []
    assert validation.is_valid_namespace_name(name) is expected
    assert validation.is_valid_namespace_name(name) is expected
    assert (name in validation._valid_namespace_names) is expected


@pytest.mark.parametrize("value", [None, 5, ["web"]], ids=["none", "int", "list"])
def test_predicates_refuse_what_is_not_a_string(value):
    assert validation.is_valid_subdomain_name(value) is False
    assert validation.is_valid_namespace_name(value) is False


def test_namespace_of_pod_checked_after_it_was_remembered():
    assert validate_create(pod()) == []
    bad = pod()
    bad["metadata"]["namespace"] = "Default"
    assert strs(validate_create(bad)) == [
        'metadata.namespace: Invalid value: "Default": a lowercase RFC 1123 label must consist of lower case '
        "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
        "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    ]


# ---- owner references ------------------------------------------------------------------------

OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "u-1", "controller": True}


@pytest.mark.parametrize(
    ("refs", "expected"),
    [
        pytest.param([OWNER], [], id="one controller"),
        pytest.param(
            [OWNER, {**OWNER, "name": "web-2"}],
            [
                'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","controller":true,"kind":'
                '"ReplicaSet","name":"web-1","uid":"u-1"},{"apiVersion":"apps/v1","controller":true,"kind":'
                '"ReplicaSet","name":"web-2","uid":"u-1"}]: Only one reference can have Controller set to true. '
                'Found "true" in references for ReplicaSet/web-1 and ReplicaSet/web-2'
            ],
            id="two controllers",
        ),
        pytest.param(
            [{**OWNER, "uid": ""}], ["metadata.ownerReferences[0].uid: Required value: must not be empty"], id="no uid"
        ),
        pytest.param([{**OWNER, "controller": 1}], [], id="controller 1 is not true"),
    ],
)
def test_owner_references_the_second_time(refs, expected):
    path = "metadata.ownerReferences"
    first = strs(validation._validate_owner_references(refs, path))
    assert first == expected
    assert strs(validation._validate_owner_references(refs, path)) == first


def test_a_second_controller_after_a_remembered_one_is_refused():
    path = "metadata.ownerReferences"
    assert validation._validate_owner_references([OWNER, {**OWNER, "controller": 1}], path) == []
    assert len(validation._validate_owner_references([OWNER, {**OWNER, "controller": True}], path)) == 1


def test_update_skips_only_absent_labels_annotations_and_owners():
    old = pod(resourceVersion="7")
    new = copy.deepcopy(old)
    new["metadata"].update(labels={}, annotations={}, ownerReferences=[])
    assert validate_status_update(new, old) == []
    new["metadata"].update(labels={"-x": "y"}, ownerReferences=[{**OWNER, "kind": ""}])
    assert strs(validate_status_update(new, old)) == [
        f'metadata.labels: Invalid value: "-x": {LABEL_KEY_MSG}',
        "metadata.ownerReferences[0].kind: Required value: must not be empty",
    ]


# ---- warm answers equal cold answers ----------------------------------------------------------


def _variants() -> list[dict]:
    """Pods that differ from one another in ways the memo's keys could confuse."""
    specs = [
        {},
        {"activeDeadlineSeconds": 0},
        {"activeDeadlineSeconds": False},
        {"activeDeadlineSeconds": 1},
        {"activeDeadlineSeconds": True},
        {"activeDeadlineSeconds": 1.0},
        {"nodeName": "node-1"},
        {"nodeName": "Node_1"},
        {"nodeSelector": {"disk": "ssd"}},
        {"nodeSelector": {"disk": "-ssd"}},
        {"nodeSelector": {"-disk": "ssd"}},
        {"volumes": [{"name": "v", "emptyDir": {}, "hostPath": {"path": "/x"}}]},
        {"volumes": [{"name": "v", "hostPath": {"path": "/x"}, "emptyDir": {}}]},
    ]
    metas = [
        {},
        {"labels": {"app": "web"}},
        {"labels": {"app": "-web"}},
        {"labels": {"-web": "app"}},
        {"annotations": {"Example.com/x": "1"}},
        {"annotations": {"example.com/-x": "1"}},
        {"ownerReferences": [OWNER]},
        {"ownerReferences": [OWNER, {**OWNER, "name": "web-2"}]},
    ]
    out = []
    for spec in specs:
        for meta in metas:
            out.append(pod(spec_extra=copy.deepcopy(spec), **copy.deepcopy(meta)))
    return out


def _forget_all() -> None:
    for known in (
        validation._valid_label_keys,
        validation._valid_label_values,
        validation._valid_annotation_keys,
        validation._valid_namespace_names,
    ):
        known.clear()
    core._valid_pod_specs.known.clear()


def _answers(objects: list[dict], cold: bool) -> list[tuple[list[str], list[str]]]:
    answers = []
    for obj in objects:
        if cold:
            _forget_all()
        created = strs(validate_create(obj))
        if cold:
            _forget_all()
        old = copy.deepcopy(obj)
        old["metadata"]["resourceVersion"] = "7"
        new = copy.deepcopy(old)
        updated = strs(validate_update(new, old)) + strs(validate_status_update(new, old))
        answers.append((created, updated))
    return answers


@pytest.mark.parametrize("order", ["forward", "reversed"])
def test_remembered_answers_equal_fresh_ones(order):
    objects = _variants()
    cold = _answers(objects, cold=True)
    assert any(created for created, _ in cold) and any(not created for created, _ in cold)
    _forget_all()
    if order == "reversed":
        warm = list(reversed(_answers(list(reversed(objects)), cold=False)))
    else:
        warm = _answers(objects, cold=False)
    assert warm == cold
    # Once more, everything remembered that could be.
    assert _answers(objects, cold=False) == cold


def _meta_with(**fields) -> dict:
    return {"name": "web", "namespace": "default", "uid": "u", "resourceVersion": "7", **fields}


@pytest.mark.parametrize(
    ("field", "value", "error_field"),
    [
        pytest.param("labels", {"bad key!": "v"}, "metadata.labels", id="labels"),
        pytest.param("annotations", {"bad key!": "v"}, "metadata.annotations", id="annotations"),
        pytest.param("ownerReferences", [{"apiVersion": "v1"}], "metadata.ownerReferences[0].kind", id="owners"),
    ],
)
def test_the_stored_objects_own_metadata_values_are_not_validated_again(field, value, error_field):
    """An update that carries the stored object's own labels, annotations or owners (the same objects)
    has nothing new to validate there; an equal copy is validated as any client value is."""
    old = _meta_with(**{field: value})
    assert validation.validate_object_meta_update(_meta_with(**{field: value}), old) == []
    copied = validation.validate_object_meta_update(_meta_with(**{field: copy.deepcopy(value)}), old)
    assert [e.field for e in copied][:1] == [error_field]
