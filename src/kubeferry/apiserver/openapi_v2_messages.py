"""The gnostic `openapi.v2` protobuf messages, built at runtime, and the Swagger JSON ⇄ message mapping.

kubectl fetches `GET /openapi/v2` as `application/com.github.proto-openapi.spec.v2@v1.0+protobuf` and
unmarshals the body into gnostic's `openapi_v2.Document`.  Like `protobuf.py`, this module builds
the message descriptors from a field table on first use (no protoc, no generated code), so importing
it costs nothing.

The field numbers, names and types below are facts of that wire format, restated from gnostic-models'
`openapiv2/OpenAPIv2.proto` (proto3, package `openapi.v2`).  Only the messages and fields the server
writes are declared; an undeclared field of a declared message is simply never written.

Table syntax, one message per entry, fields separated by `;`: `<number> <name> <type>[ o]`.  A type
is a proto3 scalar (`string`, `bool`, `int64`, `double`), a message name of this table, or
`google.protobuf.Any`; a leading `*` makes the field repeated; the flag `o` puts the field in the
message's single oneof (gnostic names every such oneof `oneof`).  Example: `"21 additional_properties
AdditionalPropertiesItem"` is field 21 of Schema holding one AdditionalPropertiesItem message.

Mapping rules between the Swagger 2.0 JSON form and the messages (the same ones gnostic applies):

* a JSON object of named things (`definitions`, `properties`, `paths`, `responses`, a security
  requirement) is a repeated `Named*` message of `name` + `value`, in the JSON object's order;
* every `x-…` key becomes a `NamedAny` in `vendor_extension` whose `Any.yaml` holds the value as
  YAML text (JSON flow syntax, which is YAML too; kubectl reads it with a YAML parser);
* `default`, `example` and each `enum` member are `Any` values the same way;
* `type` is a `TypeItem` (a list of names), `items` an `ItemsItem` (a list of schemas),
  `additionalProperties` either a schema or a boolean, `$ref` the field `_ref`;
* a parameter is a body parameter (`in: body`) or a query/path sub-schema inside `NonBodyParameter`.
"""

from __future__ import annotations

import functools
import json
from typing import Any

PACKAGE = "openapi.v2"
FILE_NAME = "openapiv2/OpenAPIv2.proto"
ANY_TYPE = "google.protobuf.Any"
ANY_FILE = "google/protobuf/any.proto"
ONEOF = "oneof"
EXTENSION_PREFIX = "x-"

MESSAGES: dict[str, str] = {
    "AdditionalPropertiesItem": "1 schema Schema o; 2 boolean bool o",
    "Any": "1 value google.protobuf.Any; 2 yaml string",
    "ApiKeySecurity": "1 type string; 2 name string; 3 in string; 4 description string; 5 vendor_extension *NamedAny",
    "BodyParameter": (
        "1 description string; 2 name string; 3 in string; 4 required bool; 5 schema Schema; "
        "6 vendor_extension *NamedAny"
    ),
    "Definitions": "1 additional_properties *NamedSchema",
    "Document": (
        "1 swagger string; 2 info Info; 3 host string; 4 base_path string; 5 schemes *string; "
        "6 consumes *string; 7 produces *string; 8 paths Paths; 9 definitions Definitions; "
        "12 security *SecurityRequirement; 13 security_definitions SecurityDefinitions; 16 vendor_extension *NamedAny"
    ),
    "Info": "1 title string; 2 version string; 3 description string; 7 vendor_extension *NamedAny",
    "ItemsItem": "1 schema *Schema",
    "NamedAny": "1 name string; 2 value Any",
    "NamedPathItem": "1 name string; 2 value PathItem",
    "NamedResponseValue": "1 name string; 2 value ResponseValue",
    "NamedSchema": "1 name string; 2 value Schema",
    "NamedSecurityDefinitionsItem": "1 name string; 2 value SecurityDefinitionsItem",
    "NamedStringArray": "1 name string; 2 value StringArray",
    "NonBodyParameter": "3 query_parameter_sub_schema QueryParameterSubSchema o; 4 path_parameter_sub_schema PathParameterSubSchema o",
    "Operation": (
        "1 tags *string; 2 summary string; 3 description string; 5 operation_id string; 6 produces *string; "
        "7 consumes *string; 8 parameters *ParametersItem; 9 responses Responses; 10 schemes *string; "
        "11 deprecated bool; 13 vendor_extension *NamedAny"
    ),
    "Parameter": "1 body_parameter BodyParameter o; 2 non_body_parameter NonBodyParameter o",
    "ParametersItem": "1 parameter Parameter o",
    "PathItem": (
        "1 _ref string; 2 get Operation; 3 put Operation; 4 post Operation; 5 delete Operation; "
        "6 options Operation; 7 head Operation; 8 patch Operation; 9 parameters *ParametersItem; "
        "10 vendor_extension *NamedAny"
    ),
    "PathParameterSubSchema": (
        "1 required bool; 2 in string; 3 description string; 4 name string; 5 type string; 6 format string; "
        "19 unique_items bool; 22 vendor_extension *NamedAny"
    ),
    "Paths": "1 vendor_extension *NamedAny; 2 path *NamedPathItem",
    "Properties": "1 additional_properties *NamedSchema",
    "QueryParameterSubSchema": (
        "1 required bool; 2 in string; 3 description string; 4 name string; 5 allow_empty_value bool; "
        "6 type string; 7 format string; 20 unique_items bool; 23 vendor_extension *NamedAny"
    ),
    "Response": "1 description string; 2 schema SchemaItem; 5 vendor_extension *NamedAny",
    "ResponseValue": "1 response Response o",
    "Responses": "1 response_code *NamedResponseValue; 2 vendor_extension *NamedAny",
    "Schema": (
        "1 _ref string; 2 format string; 3 title string; 4 description string; 5 default Any; "
        "6 multiple_of double; 7 maximum double; 8 exclusive_maximum bool; 9 minimum double; "
        "10 exclusive_minimum bool; 11 max_length int64; 12 min_length int64; 13 pattern string; "
        "14 max_items int64; 15 min_items int64; 16 unique_items bool; 17 max_properties int64; "
        "18 min_properties int64; 19 required *string; 20 enum *Any; "
        "21 additional_properties AdditionalPropertiesItem; 22 type TypeItem; 23 items ItemsItem; "
        "24 all_of *Schema; 25 properties Properties; 26 discriminator string; 27 read_only bool; "
        "30 example Any; 31 vendor_extension *NamedAny"
    ),
    "SchemaItem": "1 schema Schema o",
    "SecurityDefinitions": "1 additional_properties *NamedSecurityDefinitionsItem",
    "SecurityDefinitionsItem": "2 api_key_security ApiKeySecurity o",
    "SecurityRequirement": "1 additional_properties *NamedStringArray",
    "StringArray": "1 value *string",
    "TypeItem": "1 value *string",
}

# JSON key -> message field, where the two differ by more than camelCase/snake_case.
_SCHEMA_JSON_NAMES = {"$ref": "_ref"}
# Swagger keys of a schema whose values are scalars copied straight into the field of that name.
_SCHEMA_SCALARS = (
    "format",
    "title",
    "description",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "discriminator",
    "readOnly",
)
_PARAMETER_SCALARS = ("required", "in", "description", "name", "allowEmptyValue", "type", "format", "uniqueItems")
_OPERATION_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")


def _snake(name: str) -> str:
    """`maxLength` → `max_length`, `$ref` → `_ref`."""
    if name in _SCHEMA_JSON_NAMES:
        return _SCHEMA_JSON_NAMES[name]
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _camel(name: str) -> str:
    """`max_length` → `maxLength`, `_ref` → `$ref` (the inverse of `_snake`)."""
    if name == "_ref":
        return "$ref"
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class _Classes:
    """The table compiled into message classes; built once, on first use."""

    def __init__(self) -> None:
        from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory

        fdp = descriptor_pb2.FieldDescriptorProto
        scalars = {"string": fdp.TYPE_STRING, "bool": fdp.TYPE_BOOL, "int64": fdp.TYPE_INT64, "double": fdp.TYPE_DOUBLE}
        file = descriptor_pb2.FileDescriptorProto(
            name=FILE_NAME, package=PACKAGE, syntax="proto3", dependency=[ANY_FILE]
        )
        for name, spec in MESSAGES.items():
            message = file.message_type.add(name=name)
            has_oneof = False
            for part in spec.split(";"):
                words = part.split()
                number, field_name, typ = int(words[0]), words[1], words[2]
                field = message.field.add(name=field_name, number=number, json_name=_camel(field_name))
                field.label = fdp.LABEL_REPEATED if typ.startswith("*") else fdp.LABEL_OPTIONAL
                typ = typ.lstrip("*")
                if typ in scalars:
                    field.type = scalars[typ]
                else:
                    if typ != ANY_TYPE and typ not in MESSAGES:
                        raise KeyError(f"openapi v2 table: unknown message type {typ}")
                    field.type = fdp.TYPE_MESSAGE
                    field.type_name = "." + (typ if typ == ANY_TYPE else f"{PACKAGE}.{typ}")
                if words[3:] == ["o"]:
                    field.oneof_index = 0
                    has_oneof = True
            if has_oneof:
                message.oneof_decl.add(name=ONEOF)
        pool = descriptor_pool.DescriptorPool()
        any_file = descriptor_pb2.FileDescriptorProto()
        any_pb2.DESCRIPTOR.CopyToProto(any_file)
        pool.Add(any_file)
        pool.Add(file)
        self.classes = {
            name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.{name}")) for name in MESSAGES
        }


@functools.cache
def _classes() -> dict[str, Any]:
    return _Classes().classes


def message_class(name: str) -> Any:
    """The compiled class of one table message, e.g. `message_class("Document")`."""
    return _classes()[name]


# --- JSON → message --------------------------------------------------------------------------------


def yaml_text(value: Any) -> str:
    """A JSON value as YAML text for `Any.yaml`: JSON's flow syntax with spaces, valid YAML for any parser."""
    return json.dumps(value, separators=(", ", ": "))


def _set_any(target: Any, value: Any) -> None:
    target.yaml = yaml_text(value)


def _extensions(target: Any, node: dict) -> None:
    for key, value in node.items():
        if key.startswith(EXTENSION_PREFIX):
            entry = target.vendor_extension.add(name=key)
            _set_any(entry.value, value)


def fill_schema(target: Any, node: dict) -> None:
    """Write one Swagger 2.0 schema object into a `Schema` message; an unknown key is a bug, so it raises."""
    for key, value in node.items():
        if key.startswith(EXTENSION_PREFIX):
            continue
        if key == "$ref":
            target._ref = value
        elif key in _SCHEMA_SCALARS:
            setattr(target, _snake(key), value)
        elif key == "required":
            target.required.extend(value)
        elif key == "type":
            target.type.value.extend([value] if isinstance(value, str) else value)
        elif key == "items":
            target.items.SetInParent()
            for sub in [value] if isinstance(value, dict) else value:
                fill_schema(target.items.schema.add(), sub)
        elif key == "properties":
            target.properties.SetInParent()
            for name, sub in value.items():
                entry = target.properties.additional_properties.add(name=name)
                entry.value.SetInParent()
                fill_schema(entry.value, sub)
        elif key == "additionalProperties":
            if isinstance(value, bool):
                target.additional_properties.boolean = value
            else:
                target.additional_properties.schema.SetInParent()
                fill_schema(target.additional_properties.schema, value)
        elif key == "allOf":
            for sub in value:
                fill_schema(target.all_of.add(), sub)
        elif key in ("default", "example"):
            _set_any(getattr(target, key), value)
        elif key == "enum":
            for member in value:
                _set_any(target.enum.add(), member)
        else:
            raise ValueError(f"openapi v2: schema key {key!r} has no protobuf field")
    _extensions(target, node)


def _fill_parameter(target: Any, node: dict) -> None:
    """One entry of a `parameters` list into a `ParametersItem`."""
    parameter = target.parameter
    if node["in"] == "body":
        body = parameter.body_parameter
        for key in ("description", "name", "in", "required"):
            if key in node:
                setattr(body, key, node[key])
        body.schema.SetInParent()
        fill_schema(body.schema, node["schema"])
        _extensions(body, node)
        return
    kinds = {"query": "query_parameter_sub_schema", "path": "path_parameter_sub_schema"}
    if node["in"] not in kinds:
        raise ValueError(f"openapi v2: parameter location {node['in']!r} has no protobuf message")
    sub = getattr(parameter.non_body_parameter, kinds[node["in"]])
    sub.SetInParent()
    for key, value in node.items():
        if key in _PARAMETER_SCALARS:
            setattr(sub, _snake(key), value)
        elif not key.startswith(EXTENSION_PREFIX):
            raise ValueError(f"openapi v2: parameter key {key!r} has no protobuf field")
    _extensions(sub, node)


def _fill_operation(target: Any, node: dict) -> None:
    for key, value in node.items():
        if key in ("tags", "produces", "consumes", "schemes"):
            getattr(target, key).extend(value)
        elif key in ("summary", "description", "deprecated"):
            setattr(target, key, value)
        elif key == "operationId":
            target.operation_id = value
        elif key == "parameters":
            for parameter in value:
                _fill_parameter(target.parameters.add(), parameter)
        elif key == "responses":
            target.responses.SetInParent()
            for code, response in value.items():
                entry = target.responses.response_code.add(name=code)
                out = entry.value.response
                out.SetInParent()
                out.description = response.get("description", "")
                if "schema" in response:
                    out.schema.schema.SetInParent()
                    fill_schema(out.schema.schema, response["schema"])
                _extensions(out, response)
        elif not key.startswith(EXTENSION_PREFIX):
            raise ValueError(f"openapi v2: operation key {key!r} has no protobuf field")
    _extensions(target, node)


def encode_document(doc: dict) -> bytes:
    """The Swagger 2.0 document as a serialized gnostic `openapi.v2.Document`."""
    out = message_class("Document")()
    out.swagger = doc["swagger"]
    info = doc.get("info", {})
    out.info.title = info.get("title", "")
    out.info.version = info.get("version", "")
    for path, item in doc.get("paths", {}).items():
        entry = out.paths.path.add(name=path)
        entry.value.SetInParent()
        for method in _OPERATION_METHODS:
            if method in item:
                operation = getattr(entry.value, method)
                operation.SetInParent()
                _fill_operation(operation, item[method])
        for parameter in item.get("parameters", ()):
            _fill_parameter(entry.value.parameters.add(), parameter)
    out.paths.SetInParent()
    out.definitions.SetInParent()
    for name, node in doc.get("definitions", {}).items():
        entry = out.definitions.additional_properties.add(name=name)
        entry.value.SetInParent()
        fill_schema(entry.value, node)
    for name, scheme in doc.get("securityDefinitions", {}).items():
        entry = out.security_definitions.additional_properties.add(name=name)
        key = entry.value.api_key_security
        for field in ("type", "name", "in", "description"):
            if field in scheme:
                setattr(key, field, scheme[field])
    for requirement in doc.get("security", ()):
        message = out.security.add()
        for name, scopes in requirement.items():
            entry = message.additional_properties.add(name=name)
            entry.value.SetInParent()
            entry.value.value.extend(scopes)
    _extensions(out, doc)
    return out.SerializeToString()


# --- message → JSON (the inverse, for readers of the bytes) ---------------------------------------


def _any_value(message: Any) -> Any:
    return json.loads(message.yaml)


def _read_extensions(message: Any, out: dict) -> None:
    for entry in message.vendor_extension:
        out[entry.name] = _any_value(entry.value)


def read_schema(message: Any) -> dict:
    """A `Schema` message back in its Swagger 2.0 JSON form."""
    out: dict = {}
    for field, value in message.ListFields():
        name = field.name
        if name == "vendor_extension":
            continue
        if name == "type":
            types = list(value.value)
            out["type"] = types[0] if len(types) == 1 else types
        elif name == "items":
            schemas = [read_schema(s) for s in value.schema]
            out["items"] = schemas[0] if len(schemas) == 1 else schemas
        elif name == "properties":
            out["properties"] = {e.name: read_schema(e.value) for e in value.additional_properties}
        elif name == "additional_properties":
            kind = value.WhichOneof(ONEOF)
            out["additionalProperties"] = read_schema(value.schema) if kind == "schema" else value.boolean
        elif name == "all_of":
            out["allOf"] = [read_schema(s) for s in value]
        elif name in ("default", "example"):
            out[name] = _any_value(value)
        elif name == "enum":
            out["enum"] = [_any_value(v) for v in value]
        elif name == "required":
            out["required"] = list(value)
        else:
            out[_camel(name)] = value
    _read_extensions(message, out)
    return out


def _read_parameter(message: Any) -> dict:
    parameter = message.parameter
    if parameter.WhichOneof(ONEOF) == "body_parameter":
        body = parameter.body_parameter
        out = {_camel(f.name): v for f, v in body.ListFields() if f.name not in ("schema", "vendor_extension")}
        out["schema"] = read_schema(body.schema)
        _read_extensions(body, out)
        return out
    non_body = parameter.non_body_parameter
    sub = getattr(non_body, non_body.WhichOneof(ONEOF))
    out = {_camel(f.name): v for f, v in sub.ListFields() if f.name != "vendor_extension"}
    _read_extensions(sub, out)
    return out


def _read_operation(message: Any) -> dict:
    out: dict = {}
    for field, value in message.ListFields():
        name = field.name
        if name in ("tags", "produces", "consumes", "schemes"):
            out[name] = list(value)
        elif name == "parameters":
            out["parameters"] = [_read_parameter(p) for p in value]
        elif name == "responses":
            responses = {}
            for entry in value.response_code:
                response = entry.value.response
                item: dict = {"description": response.description}
                if response.HasField("schema"):
                    item["schema"] = read_schema(response.schema.schema)
                _read_extensions(response, item)
                responses[entry.name] = item
            out["responses"] = responses
        elif name != "vendor_extension":
            out[_camel(name)] = value
    _read_extensions(message, out)
    return out


def decode_document(body: bytes) -> dict:
    """A serialized `openapi.v2.Document` back in its Swagger 2.0 JSON form (inverse of `encode_document`)."""
    doc = message_class("Document").FromString(body)
    out: dict = {"swagger": doc.swagger, "info": {"title": doc.info.title, "version": doc.info.version}}
    paths = {}
    for entry in doc.paths.path:
        item = {m: _read_operation(getattr(entry.value, m)) for m in _OPERATION_METHODS if entry.value.HasField(m)}
        if entry.value.parameters:
            item["parameters"] = [_read_parameter(p) for p in entry.value.parameters]
        paths[entry.name] = item
    out["paths"] = paths
    out["definitions"] = {e.name: read_schema(e.value) for e in doc.definitions.additional_properties}
    if doc.security_definitions.additional_properties:
        out["securityDefinitions"] = {
            e.name: {_camel(f.name): v for f, v in e.value.api_key_security.ListFields()}
            for e in doc.security_definitions.additional_properties
        }
    if doc.security:
        out["security"] = [{e.name: list(e.value.value) for e in r.additional_properties} for r in doc.security]
    _read_extensions(doc, out)
    return out
