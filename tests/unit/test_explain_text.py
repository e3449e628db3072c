"""`kubeferry.cli.explain`: word wrapping, type guesses, enums and path walking on small documents.

The e2e parity tests compare whole outputs with kubectl against the server's documents; these pin
the pieces those documents do not exercise (enums, external docs, cycles, long words).
"""

from __future__ import annotations

import pytest

from kubeferry.cli import explain

WRAP_CASES = [
    pytest.param("aaa bbb ccc ddd", 10, "aaa bbb\nccc ddd", id="breaks-before-overflowing-word"),
    pytest.param("aaa bbb", 7, "aaa bbb", id="exact-fit-stays"),
    pytest.param("a " + "x" * 12 + " b", 10, "a\n" + "x" * 12 + "\nb", id="long-word-kept-whole"),
    pytest.param("one\n\ntwo", 10, "one\n\ntwo", id="newlines-kept"),
    pytest.param("text\n", 10, "text\n", id="trailing-newline-kept"),
    pytest.param("aaa   bbb", 5, "aaa\nbbb", id="spaces-at-break-dropped"),
    pytest.param("aaa\u00a0bbb ccc", 8, "aaa\u00a0bbb\nccc", id="no-break-space-is-not-a-break"),
]


@pytest.mark.parametrize(("text", "limit", "expected"), WRAP_CASES)
def test_wrap(text, limit, expected):
    assert explain.wrap(text, limit) == expected


def test_indent_pads_every_line_including_after_trailing_newline():
    assert explain.indent(4, "a\nb\n") == "    a\n    b\n    "


DOC = {
    "components": {
        "schemas": {
            "x.Str": {"type": "string"},
            "x.Obj": {"type": "object", "properties": {"a": {"type": "string"}}},
            "x.Any": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
        }
    }
}
TYPE_CASES = [
    pytest.param({"type": "string"}, "string", id="primitive"),
    pytest.param({"type": "object"}, "Object", id="object"),
    pytest.param({}, "Object", id="no-type"),
    pytest.param({"type": "array", "items": {"type": "integer"}}, "[]integer", id="array"),
    pytest.param({"type": "object", "additionalProperties": {"type": "string"}}, "map[string]string", id="map"),
    pytest.param({"type": "object", "additionalProperties": True}, "Object", id="map-boolean-form"),
    pytest.param({"$ref": "#/components/schemas/x.Obj"}, "Obj", id="ref-to-object"),
    pytest.param({"$ref": "#/components/schemas/x.Str"}, "string", id="ref-to-primitive"),
    pytest.param({"$ref": "#/components/schemas/x.Any"}, "Any", id="ref-without-type"),
    pytest.param({"allOf": [{"$ref": "#/components/schemas/x.Obj"}]}, "Obj", id="single-allof"),
    pytest.param({"items": {"allOf": [{"$ref": "#/components/schemas/x.Obj"}]}}, "[]Obj", id="array-of-allof"),
]


@pytest.mark.parametrize(("schema", "expected"), TYPE_CASES)
def test_type_guess(schema, expected):
    assert explain.type_guess(schema, DOC) == expected


ENUM_CASES = [
    pytest.param(["a", "b"], False, 4, 2, "\n  enum: a, b", id="short"),
    pytest.param(["", "a", "b", "c", "d"], False, 4, 0, '\nenum: "", a, b, c, ....', id="short-truncated-empty-quoted"),
    pytest.param(["a", 1.0, True], True, -1, 0, "ENUM:\n    a\n    1\n    true", id="long-go-values"),
    pytest.param([], True, -1, 0, "", id="none"),
]


@pytest.mark.parametrize(("values", "long_view", "limit", "pad", "expected"), ENUM_CASES)
def test_enum_text(values, long_view, limit, pad, expected):
    assert explain.enum_text({"enum": values}, long_view=long_view, limit=limit, indent_amount=pad) == expected


def _document() -> dict:
    node = {
        "type": "object",
        "description": "A node.",
        "required": ["mode"],
        "properties": {
            "mode": {"type": "string", "description": "How.", "enum": ["Fast", "Slow"]},
            "next": {"allOf": [{"$ref": "#/components/schemas/t.Node"}], "description": "The next node."},
            "docs": {"type": "string", "externalDocs": {"description": "More.", "url": "https://x"}},
        },
    }
    thing = {
        "type": "object",
        "description": "A thing.",
        "x-kubernetes-group-version-kind": [{"group": "t.io", "kind": "Thing", "version": "v1"}],
        "properties": {"spec": {"allOf": [{"$ref": "#/components/schemas/t.Node"}], "description": "Spec."}},
    }
    gvk = {"x-kubernetes-group-version-kind": {"group": "t.io", "kind": "Thing", "version": "v1"}}
    return {
        "paths": {"/apis/t.io/v1/things": {"get": gvk}},
        "components": {"schemas": {"t.Node": node, "t.Thing": thing}},
    }


def test_render_field_with_enum_and_required():
    text, error = explain.render(_document(), "t.io", "v1", "things", ["spec", "mode"])
    assert error == ""
    assert text == (
        "GROUP:      t.io\nKIND:       Thing\nVERSION:    v1\n\n"
        "FIELD: mode <string>\nENUM:\n    Fast\n    Slow\n\n"
        "DESCRIPTION:\n    How.\n    \n\n"
    )


def test_render_fields_list_external_docs_and_short_enum():
    text, error = explain.render(_document(), "t.io", "v1", "things", ["spec"])
    assert error == ""
    assert text.split("FIELDS:\n", 1)[1] == (
        "  docs\t<string>\n    <no description>\n\n    EXTERNAL DOCS:\n      More.\n      URL: https://x\n\n"
        "  mode\t<string> -required-\n  enum: Fast, Slow\n    How.\n\n"
        "  next\t<Node>\n    The next node.\n\n\n"
    )


def test_recursive_stops_at_a_reference_cycle():
    text, _ = explain.render(_document(), "t.io", "v1", "things", [], recursive=True)
    assert text.split("FIELDS:\n", 1)[1] == (
        "  spec\t<Node>\n    docs\t<string>\n    mode\t<string> -required-\n    enum: Fast, Slow\n    next\t<Node>\n\n"
    )


def test_missing_field_names_last_element_and_keeps_header():
    text, error = explain.render(_document(), "t.io", "v1", "things", ["spec", "nope", "deeper"])
    assert text == "GROUP:      t.io\nKIND:       Thing\nVERSION:    v1\n\n"
    assert error == 'error: field "deeper" does not exist'


def test_resource_not_in_document():
    assert explain.render(_document(), "t.io", "v1", "others", []) == (
        "",
        "error: GVR (t.io/v1, Resource=others) not found in OpenAPI schema",
    )
