"""Request bodies in, response bodies out: JSON, YAML, protobuf and gzip, as kubectl sends them.

- A missing Content-Type is JSON (`kubectl scale --current-replicas` sends none).
- `application/yaml` bodies are parsed as YAML; protobuf bodies (`k8s\\0` + runtime.Unknown)
  are decoded to the same JSON form; gzip request bodies are inflated (bounded).
- Bodies over 3 MiB are refused with 413 before they are parsed; malformed or deeply nested
  documents are a 400 naming the problem, never a 500.
"""

from __future__ import annotations

import zlib

import orjson

from kubeferry.machinery import status as st

MAX_BODY = 3 * 1024 * 1024
MAX_DEPTH = 100

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"


def media_type(content_type: str | None) -> str:
    if not content_type:
        return JSON
    return content_type.split(";", 1)[0].strip().lower()


def inflate(body: bytes, encoding: str | None) -> bytes:
    if not encoding or encoding.lower() == "identity":
        return body
    if encoding.lower() != "gzip":
        raise st.StatusError(415, "UnsupportedMediaType", f"unsupported Content-Encoding {encoding!r}")
    try:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = d.decompress(body, MAX_BODY + 1)
    except zlib.error as e:
        raise st.bad_request(f"the request body is not valid gzip: {e}")
    if len(out) > MAX_BODY:
        raise st.too_large()
    return out


def _depth(value: object, limit: int) -> int:
    """Nesting depth of a decoded document, stopping once past `limit`."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return deepest


def decode(body: bytes, content_type: str | None) -> object:
    """Decode a write body to plain JSON values."""
    kind = media_type(content_type)
    if kind == PROTOBUF:
        from kubeferry.apiserver.protobuf import decode_protobuf_object

        return decode_protobuf_object(body)
    if kind in (YAML, "application/apply-patch+yaml", "application/x-yaml", "text/yaml"):
        value = decode_yaml(body)
    elif kind in (
        JSON,
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
        "*/*",
    ):
        value = decode_json(body)
    else:
        raise st.unsupported_media_type(content_type or "")
    if _depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise st.bad_request(f"the request body is nested more than {MAX_DEPTH} levels deep")
    return value


def decode_json(body: bytes) -> object:
    if not body.strip():
        raise st.bad_request("the request body is empty")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise st.bad_request(f"the request body is not valid JSON: {e}")


def decode_yaml(body: bytes) -> object:
    import yaml

    try:
        docs = list(yaml.load_all(body, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except (yaml.YAMLError, RecursionError) as e:
        raise st.bad_request(
            f"the request body is not valid YAML: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
        )
    if len(docs) != 1:
        raise st.bad_request("the request body must hold exactly one YAML document")
    value = docs[0]
    try:
        # Round-trip through JSON: YAML timestamps and other non-JSON scalars are refused here.
        return orjson.loads(orjson.dumps(value))
    except (TypeError, orjson.JSONEncodeError) as e:
        raise st.bad_request(f"the request body has a value JSON cannot hold: {e}")


def encode(value: object) -> bytes:
    return orjson.dumps(value)
