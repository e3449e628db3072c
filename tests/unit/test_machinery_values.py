"""Value semantics of the plain classes in machinery.resources and machinery.status.

They replaced `@dataclass` declarations (to keep `dataclasses`, `inspect` and `ast` off the CLI's
start-up path), so these pin the behaviour the dataclasses had: equality by attributes within one
class, hashing of the frozen ones, immutability, repr, copy and pickle.  (test_cli_startup checks
that the CLI's paths leave `dataclasses` unloaded.)
"""

from __future__ import annotations

import copy
import pickle

import pytest

from kubeferry.machinery import resources, status
from kubeferry.machinery.resources import Resource, Subresource
from kubeferry.machinery.status import FieldError, StatusError

SCALE = Subresource("scale", "autoscaling", "v1", "Scale")
WIDGET = Resource("example.com", "v1", "Widget", "widgets", True, ("wd",), (), (SCALE,))
FIELD = FieldError(status.INVALID, "spec.replicas", -1, "must be greater than or equal to 0")

FROZEN = [
    pytest.param(SCALE, "name", id="Subresource"),
    pytest.param(WIDGET, "plural", id="Resource"),
    pytest.param(FIELD, "field", id="FieldError"),
]


def test_resource_defaults_and_keywords():
    res = Resource("apps", "v1", "Deployment", "deployments", True, singular="deployment")
    assert (res.short_names, res.categories, res.subresources, res.verbs, res.singular) == (
        (),
        (),
        (),
        resources.ALL_VERBS,
        "deployment",
    )
    assert SCALE.verbs == resources.SUB_VERBS


def test_resource_repr_names_every_attribute_in_order():
    assert repr(SCALE) == (
        "Subresource(name='scale', group='autoscaling', version='v1', kind='Scale', verbs=('get', 'patch', 'update'))"
    )
    assert repr(Resource("", "v1", "Pod", "pods", True)) == (
        "Resource(group='', version='v1', kind='Pod', plural='pods', namespaced=True, short_names=(), categories=(),"
        " subresources=(), verbs=('create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'),"
        " singular='')"
    )


@pytest.mark.parametrize(
    "left, right, equal",
    [
        pytest.param(
            WIDGET,
            Resource("example.com", "v1", "Widget", "widgets", True, ("wd",), (), (SCALE,)),
            True,
            id="same attributes",
        ),
        pytest.param(
            WIDGET,
            Resource("example.com", "v1", "Widget", "widgets", False, ("wd",), (), (SCALE,)),
            False,
            id="scope differs",
        ),
        pytest.param(SCALE, Subresource("scale", "autoscaling", "v1", "Scale", ("get",)), False, id="verbs differ"),
        pytest.param(
            FIELD,
            FieldError(status.INVALID, "spec.replicas", -1, "must be greater than or equal to 0"),
            True,
            id="field error",
        ),
        pytest.param(
            FIELD,
            FieldError(status.INVALID, "spec.replicas", -2, "must be greater than or equal to 0"),
            False,
            id="value differs",
        ),
        pytest.param(status.required("a"), status.required("a"), True, id="no value on both"),
        pytest.param(StatusError(404, "NotFound", "x"), StatusError(404, "NotFound", "x", {}), True, id="status error"),
        pytest.param(
            StatusError(404, "NotFound", "x"), StatusError(404, "NotFound", "x", {"a": 1}), False, id="details differ"
        ),
    ],
)
def test_equality_by_attributes(left, right, equal):
    assert (left == right) is equal
    assert (left != right) is not equal


def test_equality_needs_the_same_class():
    assert SCALE != ("scale", "autoscaling", "v1", "Scale", resources.SUB_VERBS)
    assert FIELD != "spec.replicas: Invalid value: -1: must be greater than or equal to 0"


@pytest.mark.parametrize("value, attribute", FROZEN)
def test_frozen_values_refuse_assignment_and_deletion(value, attribute):
    with pytest.raises(AttributeError, match=f"cannot assign to field '{attribute}'"):
        setattr(value, attribute, "x")
    with pytest.raises(AttributeError, match=f"cannot delete field '{attribute}'"):
        delattr(value, attribute)
    with pytest.raises(AttributeError):
        value.extra = 1


@pytest.mark.parametrize("value, attribute", FROZEN)
def test_frozen_values_hash_by_attributes(value, attribute):
    twin = copy.deepcopy(value)
    assert twin is not value
    assert hash(twin) == hash(value)
    assert {value: "found"}[twin] == "found"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(SCALE, id="Subresource"),
        pytest.param(WIDGET, id="Resource"),
        pytest.param(FIELD, id="FieldError"),
        pytest.param(StatusError(409, "Conflict", "busy", {"name": "a"}), id="StatusError"),
    ],
)
def test_copy_and_pickle_round_trip(value):
    for twin in (copy.copy(value), copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
        assert twin == value
        assert type(twin) is type(value)


def test_status_error_is_an_exception_with_the_message():
    error = StatusError(404, "NotFound", 'pods "a" not found')
    assert str(error) == 'pods "a" not found'
    assert error.args == ('pods "a" not found',)
    assert repr(error) == "StatusError(code=404, reason='NotFound', message='pods \"a\" not found', details={})"
    with pytest.raises(TypeError, match="unhashable"):
        hash(error)
    revived = pickle.loads(pickle.dumps(error))
    assert (str(revived), revived.args) == (str(error), error.args)


def test_status_error_gets_its_own_details_and_stays_mutable():
    first, second = StatusError(500, "InternalError", "a"), StatusError(500, "InternalError", "b")
    first.details["retryAfterSeconds"] = 1
    assert second.details == {}
    first.message = "changed"
    assert first.message == "changed"
    assert StatusError(400, "BadRequest", "c", None).details is None  # an explicit value is kept as given


def test_field_error_repr_and_rendering():
    assert repr(FieldError(status.REQUIRED, "spec.selector", detail="")).startswith(
        "FieldError(kind=('Required value', 'FieldValueRequired'), field='spec.selector', value=<object object at "
    )
    assert str(FIELD) == "spec.replicas: Invalid value: -1: must be greater than or equal to 0"


def test_match_arguments_follow_the_constructor():
    match WIDGET:
        case Resource(group, version, kind, plural, namespaced):
            assert (group, version, kind, plural, namespaced) == ("example.com", "v1", "Widget", "widgets", True)
        case _:
            pytest.fail("no match")
    match StatusError(404, "NotFound", "gone"):
        case StatusError(code, reason):
            assert (code, reason) == (404, "NotFound")
        case _:
            pytest.fail("no match")
