"""Kubernetes protobuf request bodies: decode what kubectl's typed clients send, encode the same bytes.

Since client-go 1.35 the typed clientsets prefer protobuf, so `kubectl create deployment|namespace|
configmap|secret generic|service clusterip|serviceaccount|job`, `create token`, `auth can-i` and
`auth whoami` POST `application/vnd.kubernetes.protobuf` bodies. A body is the 4-byte magic
`k8s\\0` followed by a `runtime.Unknown` message whose `typeMeta` names the apiVersion and kind
and whose `raw` holds the object message.

This module owns the translation between those bytes and the Kubernetes JSON form the rest of the
server works on. Message descriptors are built at runtime from the field table in
`protobuf_messages.py` (no protoc, no generated code) on the first call, so importing this module
costs nothing.

The decoded JSON mirrors what kube-apiserver sees after decoding into Go structs and what Go's JSON
encoder would print for them, with these choices:

- Go writes every non-pointer scalar, so a zero scalar is dropped unless its Go field is a pointer
  (`replicas: 0` was set on purpose) or its JSON tag has no `omitempty` (`containerPort: 0`).
- Message fields present on the wire are kept, even empty (`strategy: {}`, `resources: {}`), as
  Go prints them; zero timestamps (Go prints `null`) are dropped, and so is an all-zero `status` block
  (requests carry none; that includes the one inside a StatefulSet's volumeClaimTemplates).
- `Time` is RFC 3339 in seconds (`2026-11-27T10:00:00Z`), `MicroTime` has six fractional digits,
  `IntOrString` is an int (type 0) or a string (type 1), `Quantity` is its string,
  `RawExtension`/`FieldsV1` are the embedded JSON, bytes are base64, `ExtraValue` is a list.

Nothing is silently lost: a field number the table does not know (protobuf keeps it among the
unknown fields) is refused with a 400 naming the field, the message type and the object path, e.g.
`unknown field 99 in io.k8s.api.apps.v1.DeploymentSpec at spec`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kubeferry.apiserver.protobuf_messages import MESSAGES, PACKAGES, ROOTS, UNKNOWN
from kubeferry.machinery.status import StatusError, bad_request

MAGIC = b"k8s\x00"

TIME = "meta.v1.Time"
MICRO_TIME = "meta.v1.MicroTime"
FIELDS_V1 = "meta.v1.FieldsV1"
RAW_EXTENSION = "runtime.RawExtension"
INT_OR_STRING = "intstr.IntOrString"
QUANTITY = "resource.Quantity"
EXTRA_VALUES = frozenset({"authentication.v1.ExtraValue", "authorization.v1.ExtraValue"})

ZERO_QUANTITY = "0"  # how Go prints (and marshals) a zero resource.Quantity
STATUS = "status"  # an all-zero `status` block (requests carry none) is dropped wherever it appears

INT_OR_STRING_STRING = 1  # IntOrString.type: 0 holds intVal, 1 holds strVal.
# Go's zero time.Time as Unix seconds (0001-01-01T00:00:00Z); Go writes it as an empty message.
GO_ZERO_TIME_SECONDS = -62135596800

SCALARS = {"string": "", "bool": False, "int32": 0, "int64": 0, "bytes": b"", "double": 0.0}
_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_WIRE_TYPES = {0: "varint", 1: "64-bit", 2: "length-delimited", 3: "start group", 4: "end group", 5: "32-bit"}

_OMIT = object()


@dataclass(frozen=True)
class Field:
    """One row of the table: `7 nodeSelector string>string` or `1 replicas int32 p`."""

    number: int
    name: str
    json: str
    type: str  # a scalar, or a short message name; for a map, the key type
    value: str | None  # for a map, the value type
    repeated: bool
    pointer: bool
    keep_zero: bool
    inline: bool

    @property
    def is_map(self) -> bool:
        return self.value is not None


def parse_fields(spec: str) -> tuple[Field, ...]:
    """Parse one `MESSAGES` entry into `Field`s, in field-number order."""
    fields = []
    for part in spec.split(";"):
        words = part.split()
        if not words:
            continue
        number, name, typ = words[0], words[1], words[2]
        flags = words[3] if len(words) > 3 else ""
        proto_name, _, json_name = name.partition(":")
        repeated = typ.startswith("*")
        key, _, value = typ.lstrip("*").partition(">")
        fields.append(
            Field(
                number=int(number),
                name=proto_name,
                json=json_name or proto_name,
                type=key,
                value=value or None,
                repeated=repeated,
                pointer="p" in flags,
                keep_zero="k" in flags,
                inline="i" in flags,
            )
        )
    return tuple(sorted(fields, key=lambda f: f.number))


def full_name(short: str) -> str:
    """`apps.v1.DeploymentSpec` -> `k8s.io.api.apps.v1.DeploymentSpec` (the protobuf name)."""
    prefix, _, name = short.rpartition(".")
    return f"{PACKAGES[prefix]}.{name}"


def definition_name(short: str) -> str:
    """`apps.v1.DeploymentSpec` -> `io.k8s.api.apps.v1.DeploymentSpec` (the OpenAPI name users know)."""
    return "io.k8s." + full_name(short).removeprefix("k8s.io.")


def _entry_name(field_name: str) -> str:
    """protoc's name for a map field's entry message: `nodeSelector` -> `NodeSelectorEntry`."""
    return "".join(part[:1].upper() + part[1:] for part in field_name.split("_")) + "Entry"


class _Schema:
    """The table parsed and compiled into message classes; built once, on first use."""

    def __init__(self) -> None:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

        fdp = descriptor_pb2.FieldDescriptorProto
        scalar_types = {
            "string": fdp.TYPE_STRING,
            "bool": fdp.TYPE_BOOL,
            "int32": fdp.TYPE_INT32,
            "int64": fdp.TYPE_INT64,
            "bytes": fdp.TYPE_BYTES,
            "double": fdp.TYPE_DOUBLE,
        }
        self.fields: dict[str, tuple[Field, ...]] = {short: parse_fields(spec) for short, spec in MESSAGES.items()}

        files: dict[str, descriptor_pb2.FileDescriptorProto] = {}
        deps: dict[str, set[str]] = {}
        for prefix, package in PACKAGES.items():
            files[prefix] = descriptor_pb2.FileDescriptorProto(
                name=f"kubeferry/{prefix}.proto", package=package, syntax="proto2"
            )
            deps[prefix] = set()

        def set_type(target: Any, typ: str, owner_prefix: str) -> None:
            if typ in scalar_types:
                target.type = scalar_types[typ]
                return
            if typ not in self.fields:
                raise KeyError(f"protobuf table: unknown message type {typ}")
            target.type = fdp.TYPE_MESSAGE
            target.type_name = "." + full_name(typ)
            type_prefix = typ.rpartition(".")[0]
            if type_prefix != owner_prefix:
                deps[owner_prefix].add(type_prefix)

        for short, fields in self.fields.items():
            prefix, _, name = short.rpartition(".")
            message = files[prefix].message_type.add(name=name)
            for f in fields:
                field = message.field.add(name=f.name, number=f.number)
                if f.is_map:
                    entry = message.nested_type.add(name=_entry_name(f.name))
                    entry.options.map_entry = True
                    for number, entry_field, typ in ((1, "key", f.type), (2, "value", f.value)):
                        ef = entry.field.add(name=entry_field, number=number, label=fdp.LABEL_OPTIONAL)
                        set_type(ef, typ, prefix)
                    field.label = fdp.LABEL_REPEATED
                    field.type = fdp.TYPE_MESSAGE
                    field.type_name = f".{full_name(short)}.{entry.name}"
                else:
                    field.label = fdp.LABEL_REPEATED if f.repeated else fdp.LABEL_OPTIONAL
                    set_type(field, f.type, prefix)

        pool = descriptor_pool.DescriptorPool()
        added: set[str] = set()
        pending = [prefix for prefix in files if files[prefix].message_type]
        while pending:  # add each file after the files it imports
            ready = [p for p in pending if deps[p] <= added]
            if not ready:
                raise ValueError(f"protobuf table: import cycle among {pending}")
            for prefix in ready:
                files[prefix].dependency.extend(sorted(files[d].name for d in deps[prefix]))
                pool.Add(files[prefix])
                added.add(prefix)
                pending.remove(prefix)
        self.classes = {
            short: message_factory.GetMessageClass(pool.FindMessageTypeByName(full_name(short)))
            for short in self.fields
        }


@functools.cache
def _schema() -> _Schema:
    return _Schema()


# ---------------------------------------------------------------------------------------- decoding


def decode_protobuf_object(body: bytes) -> dict:
    """Decode a `k8s\\0`-prefixed protobuf request body into the object's Kubernetes JSON dict.

    Raises a 400 `StatusError` for a missing magic, malformed wire data, an unknown
    apiVersion/kind, content-encoded raw data, or any field the table does not know.
    """
    if not body.startswith(MAGIC):
        raise bad_request("the protobuf body does not start with the Kubernetes magic prefix k8s\\x00")
    schema = _schema()
    envelope = _parse(schema, UNKNOWN, body[len(MAGIC) :])
    api_version, kind = envelope.typeMeta.apiVersion, envelope.typeMeta.kind
    if envelope.contentEncoding:
        raise bad_request(f'unsupported protobuf contentEncoding "{envelope.contentEncoding}"')
    if not kind:
        raise bad_request("Object 'Kind' is missing in the protobuf body")
    root = ROOTS.get((api_version, kind))
    if root is None:
        raise bad_request(f'no kind "{kind}" is registered for version "{api_version}" in protobuf bodies')
    message = _parse(schema, root, envelope.raw)
    try:
        decoded = _Decoder(schema).message(root, message)
    except StatusError:
        raise
    except (UnicodeDecodeError, ValueError, OverflowError, OSError) as e:
        raise bad_request(f"invalid protobuf {definition_name(root)}: {e}")
    return {"apiVersion": api_version, "kind": kind, **decoded}


def _parse(schema: _Schema, short: str, data: bytes) -> Any:
    from google.protobuf.message import DecodeError

    try:
        message = schema.classes[short].FromString(data)
    except (DecodeError, RuntimeError, ValueError) as e:
        raise bad_request(f"invalid protobuf {definition_name(short)}: {e}")
    _refuse_unknown(schema, short, message, "")
    return message


def _refuse_unknown(schema: _Schema, short: str, message: Any, path: str) -> None:
    """Refuse any field number (or wire type) the table does not know, anywhere in the tree."""
    from google.protobuf.unknown_fields import UnknownFieldSet

    fields = schema.fields[short]
    for unknown in UnknownFieldSet(message):
        where = f" at {path}" if path else ""
        known = next((f for f in fields if f.number == unknown.field_number), None)
        if known is None:
            raise bad_request(f"unknown field {unknown.field_number} in {definition_name(short)}{where}")
        wire = _WIRE_TYPES.get(unknown.wire_type, str(unknown.wire_type))
        raise bad_request(
            f"field {unknown.field_number} ({known.name}) in {definition_name(short)}{where} has the wrong wire type {wire}"
        )
    for f in fields:
        child_path = f"{path}.{f.json}" if path and not f.inline else (path if f.inline else f.json)
        if f.is_map:
            if f.value in schema.fields:
                entries = getattr(message, f.name)
                for key in entries:
                    _refuse_unknown(schema, f.value, entries[key], f"{child_path}[{key}]")
        elif f.type in schema.fields:
            if f.repeated:
                for index, item in enumerate(getattr(message, f.name)):
                    _refuse_unknown(schema, f.type, item, f"{child_path}[{index}]")
            elif message.HasField(f.name):
                _refuse_unknown(schema, f.type, getattr(message, f.name), child_path)


class _Decoder:
    def __init__(self, schema: _Schema) -> None:
        self.schema = schema

    def message(self, short: str, message: Any) -> dict:
        out: dict = {}
        for f in self.schema.fields[short]:
            if f.is_map:
                entries = getattr(message, f.name)
                if entries:
                    out[f.json] = {key: self.item(f.value, entries[key]) for key in sorted(entries)}
            elif f.repeated:
                items = getattr(message, f.name)
                if items:
                    out[f.json] = [self.item(f.type, item) for item in items]
            elif message.HasField(f.name):
                raw = getattr(message, f.name)
                if f.type in SCALARS and raw == SCALARS[f.type] and not (f.pointer or f.keep_zero):
                    continue
                value = self.value(f.type, raw)
                if value is _OMIT or (f.json == STATUS and isinstance(value, dict) and _is_zero(value)):
                    continue
                if f.inline:
                    out.update(value)
                else:
                    out[f.json] = value
        return out

    def item(self, typ: str, raw: Any) -> Any:
        """A list item or map value: a zero time or empty raw JSON becomes `null`, as Go prints it."""
        value = self.value(typ, raw)
        return None if value is _OMIT else value

    def value(self, typ: str, raw: Any) -> Any:
        if typ == "bytes":
            return base64.b64encode(raw).decode("ascii")
        if typ in SCALARS:
            return raw
        if typ in (TIME, MICRO_TIME):
            return _format_time(typ, raw)
        if typ == INT_OR_STRING:
            return raw.strVal if raw.type == INT_OR_STRING_STRING else raw.intVal
        if typ == QUANTITY:
            return raw.string or ZERO_QUANTITY
        if typ in (RAW_EXTENSION, FIELDS_V1):
            data = raw.raw if typ == RAW_EXTENSION else raw.Raw
            if not data:
                return _OMIT
            try:
                return json.loads(data)
            except ValueError as e:
                raise bad_request(f"invalid JSON in {definition_name(typ)}: {e}")
        if typ in EXTRA_VALUES:
            return list(raw.items)
        return self.message(typ, raw)


def _format_time(typ: str, raw: Any) -> Any:
    """Seconds (+ nanos for MicroTime) -> RFC 3339 in UTC; an empty message is Go's zero time.

    Example: seconds=1795773600 -> `2026-11-27T10:00:00Z`; as MicroTime with nanos=5_000_123
    -> `2026-11-27T10:00:00.005000Z` (Go's MicroTime keeps microseconds, Time keeps seconds).
    """
    if not raw.HasField("seconds") and not raw.HasField("nanos"):
        return _OMIT
    if raw.seconds == GO_ZERO_TIME_SECONDS and raw.nanos == 0:
        return _OMIT
    moment = datetime.fromtimestamp(raw.seconds, UTC)
    if typ == TIME:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if not 0 <= raw.nanos < 1_000_000_000:
        raise bad_request(f"invalid protobuf {definition_name(typ)}: nanos {raw.nanos} out of range")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{raw.nanos // 1000:06d}Z"


def _is_zero(value: Any) -> bool:
    """Go's zero value, looking through nested objects: `{"loadBalancer": {}}` and `{"allowed": false}`."""
    if isinstance(value, dict):
        return all(_is_zero(v) for v in value.values())
    return value is None or value in ("", 0, False, [])


# ---------------------------------------------------------------------------------------- encoding


def encode_protobuf_object(obj: dict) -> bytes:
    """Encode a Kubernetes JSON object as kubectl does: `k8s\\0` + Unknown{typeMeta, raw, "", ""}.

    Like Go's marshaller, every non-pointer field is written (zero when absent from `obj`), fields go
    in number order and map keys are sorted, so the bytes match what kubectl sends for the same
    object. A key the table does not know raises a 400 `StatusError` rather than being dropped.
    """
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    root = ROOTS.get((api_version, kind))
    if root is None:
        raise bad_request(f'no kind "{kind}" is registered for version "{api_version}" in protobuf bodies')
    schema = _schema()
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    encoder = _Encoder(schema)
    message = schema.classes[root]()
    encoder.fill(root, message, body, "")
    envelope = schema.classes[UNKNOWN]()
    envelope.typeMeta.apiVersion = api_version
    envelope.typeMeta.kind = kind
    envelope.raw = message.SerializeToString(deterministic=True)
    envelope.contentEncoding = ""
    envelope.contentType = ""
    return MAGIC + envelope.SerializeToString(deterministic=True)


class _Encoder:
    def __init__(self, schema: _Schema) -> None:
        self.schema = schema

    def fill(self, short: str, message: Any, data: Any, path: str, inline: bool = False) -> set[str]:
        """Set `message` from the JSON object `data`; returns the JSON keys it consumed.

        An `inline` message shares its parent's JSON object, so the parent checks for leftovers.
        """
        if not isinstance(data, dict):
            raise bad_request(f"{path or '<root>'}: expected an object for {definition_name(short)}, got {data!r}")
        consumed: set[str] = set()
        for f in self.schema.fields[short]:
            child_path = f"{path}.{f.json}" if path else f.json
            if f.inline:
                sub = getattr(message, f.name)
                sub.SetInParent()
                consumed |= self.fill(f.type, sub, data, path, inline=True)
                continue
            consumed.add(f.json)
            value = data.get(f.json)
            if f.is_map:
                if value is None:
                    continue
                if not isinstance(value, dict):
                    raise bad_request(f"{child_path}: expected an object, got {value!r}")
                entries = getattr(message, f.name)
                for key, item in value.items():
                    if f.value in SCALARS:
                        entries[key] = self.scalar(f.value, item, f"{child_path}[{key}]")
                    else:
                        self.set_message(f.value, entries[key], item, f"{child_path}[{key}]")
            elif f.repeated:
                if value is None:
                    continue
                if not isinstance(value, list):
                    raise bad_request(f"{child_path}: expected a list, got {value!r}")
                items = getattr(message, f.name)
                for index, item in enumerate(value):
                    item_path = f"{child_path}[{index}]"
                    if f.type in SCALARS:
                        items.append(self.scalar(f.type, item, item_path))
                    else:
                        self.set_message(f.type, items.add(), item, item_path)
            elif f.type in SCALARS:
                if value is None and f.pointer:
                    continue
                setattr(message, f.name, SCALARS[f.type] if value is None else self.scalar(f.type, value, child_path))
            else:
                if value is None and f.pointer:
                    continue
                self.set_message(f.type, getattr(message, f.name), value, child_path)
        unknown = sorted(set(data) - consumed)
        if unknown and not inline:
            first = f"{path}.{unknown[0]}" if path else unknown[0]
            raise bad_request(f'unknown field "{first}" for protobuf {definition_name(short)}')
        return consumed

    def set_message(self, typ: str, sub: Any, value: Any, path: str) -> None:
        sub.SetInParent()
        if typ in (TIME, MICRO_TIME):
            if value is not None:
                seconds, nanos = _parse_time(value, path)
                sub.seconds = seconds
                if typ == MICRO_TIME:
                    sub.nanos = nanos
        elif typ == INT_OR_STRING:
            is_string = isinstance(value, str)
            if value is not None and not is_string and (isinstance(value, bool) or not isinstance(value, int)):
                raise bad_request(f"{path}: expected an integer or a string, got {value!r}")
            sub.type = INT_OR_STRING_STRING if is_string else 0
            sub.intVal = 0 if is_string or value is None else self.scalar("int32", value, path)
            sub.strVal = value if is_string else ""
        elif typ == QUANTITY:
            if value is not None and not isinstance(value, (str, int, float)):
                raise bad_request(f"{path}: expected a quantity, got {value!r}")
            sub.string = ZERO_QUANTITY if value is None else str(value)
        elif typ in (RAW_EXTENSION, FIELDS_V1):
            if value is not None:
                raw = json.dumps(value, separators=(",", ":")).encode()
                if typ == RAW_EXTENSION:
                    sub.raw = raw
                else:
                    sub.Raw = raw
        elif typ in EXTRA_VALUES:
            if value is not None:
                if not isinstance(value, list):
                    raise bad_request(f"{path}: expected a list of strings, got {value!r}")
                sub.items.extend(self.scalar("string", v, path) for v in value)
        else:
            self.fill(typ, sub, {} if value is None else value, path)

    def scalar(self, typ: str, value: Any, path: str) -> Any:
        if typ == "string" and isinstance(value, str):
            return value
        if typ == "bool" and isinstance(value, bool):
            return value
        if typ in _INT_RANGES and isinstance(value, int) and not isinstance(value, bool):
            low, high = _INT_RANGES[typ]
            if not low <= value <= high:
                raise bad_request(f"{path}: {value} does not fit in an {typ}")
            return value
        if typ == "double" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if typ == "bytes" and isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise bad_request(f"{path}: illegal base64 data")
        raise bad_request(f"{path}: expected {typ}, got {value!r}")


def _parse_time(value: Any, path: str) -> tuple[int, int]:
    """RFC 3339 -> (Unix seconds, nanoseconds): `2026-11-27T10:00:00Z` -> (1795773600, 0)."""
    if not isinstance(value, str):
        raise bad_request(f"{path}: expected an RFC 3339 time, got {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(f'{path}: invalid RFC 3339 time "{value}"')
    if moment.tzinfo is None:
        raise bad_request(f'{path}: invalid RFC 3339 time "{value}" (no time zone)')
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    delta = moment - epoch
    seconds = delta.days * 86400 + delta.seconds
    return seconds, delta.microseconds * 1000
