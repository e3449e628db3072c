"""`kubeferry explain RESOURCE[.field.path]`: a resource's documentation from the server's OpenAPI v3.

kubectl 1.37 explains from `/openapi/v3`: it finds the group-version document for the resource,
takes the kind from the `x-kubernetes-group-version-kind` of the resource's operations, finds the
component schema carrying that kind and walks the field path through `properties`, then `items`,
`additionalProperties` and `allOf`.  This module renders the same text from the same document:

* a header (`GROUP:` only for named groups, `KIND:`, `VERSION:`, each value at column 12);
* for a field path, `FIELD: name <type>` (and `ENUM:` with one value a line) and two blank lines;
* `DESCRIPTION:` — the descriptions of the schema and of what it refers to, word-wrapped at 76
  columns and indented by 4 (the trailing newline of the text leaves a line of 4 spaces);
* `FIELDS:` — each property sorted by name as `name<TAB><type>`, ` -required-`, a short enum
  (`enum: a, b, c, d, ....`, four values at most), then the description wrapped at 78 minus the
  indent and indented 2 more; `--recursive` prints only the first lines, nested 2 columns a level,
  following references until one repeats (`--max-depth` caps the levels).

The type shown is guessed as kubectl guesses it: `[]T` for arrays, `map[string]T` for maps, a
single `allOf` entry stands for its target, a reference prints the last dotted part of its name
(`#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec` → `DeploymentSpec`) unless the target is a
primitive, `object` prints `Object`.

Errors are kubectl's lines: an unknown resource (`the server doesn't have a resource type "x"`,
without the `error:` prefix), a field that is not there (named by the path's *last* element, after
the header has been printed, as kubectl prints it), an `--api-version` the server does not serve.
"""

from __future__ import annotations

import sys

EXIT_FAILED = 1
OUTPUT_PLAINTEXT = "plaintext"
OUTPUT_OPENAPI_V2 = "plaintext-openapiv2"
DESCRIPTION_WIDTH = 76  # DESCRIPTION: text wraps here, indented by DESCRIPTION_INDENT
DESCRIPTION_INDENT = 4
FIELD_WIDTH = 78  # a field's description wraps at this minus the field's indent
SHORT_ENUM_LIMIT = 4  # values shown on a field line before ", ...."
NBSP = "\u00a0"  # not a break point for the word wrapper
OPERATION_METHODS = ("get", "post", "put", "patch", "delete")
BAD_PATH = "invalid jsonpath syntax, first node must be field node"
BAD_PATH_API_VERSION = "invalid jsonpath syntax, all nodes must be field nodes"
NO_TYPE = (
    "You must specify the type of resource to explain. "
    'Use "kubectl api-resources" for a complete list of supported resources.'
)


class ExplainError(Exception):
    """A failure kubectl prints as one line on stderr (with exit code 1)."""


def add_parser(subparsers, parents):
    p = subparsers.add_parser(
        "explain",
        parents=parents,
        help="Get documentation for a resource",
        description="Describe fields and structure of various resources, as the server's OpenAPI documents them.",
    )
    p.add_argument("resource", nargs="*", help="TYPE[.FIELD[.FIELD...]]")
    p.add_argument(
        "-R", "--recursive", action="store_true", help="Print the fields of fields (--max-depth caps the depth)"
    )
    p.add_argument("--api-version", default="", help="Explain the resource in this API version (group/version)")
    p.add_argument("-o", "--output", default=OUTPUT_PLAINTEXT, help="Format in which to render the schema (plaintext)")
    p.add_argument("--max-depth", type=int, default=0, help="Maximum depth with --recursive; 0 means no limit")
    p.set_defaults(handler=run)
    return p


# -- word wrapping as kubectl's templates do it -------------------------------------------------


def wrap(text: str, limit: int) -> str:
    """Break `text` at white space so lines stay within `limit` characters where words allow.

    Existing newlines are kept; a run of spaces where a line breaks is dropped; a word longer than
    the limit stays whole on its own line.  Example, limit 10: "aaa bbb ccc ddd" → "aaa bbb\\nccc ddd"
    (placing "ccc" would need 3 + 1 + 3 + 1 + 3 = 11 columns).
    """
    out: list[str] = []
    current = 0  # columns already written on the output line
    word: list[str] = []
    space: list[str] = []
    for ch in text:
        if ch == "\n":
            if not word:
                if current + len(space) <= limit:
                    out.extend(space)
            else:
                out.extend(space)
                out.extend(word)
                word = []
            space = []
            out.append(ch)
            current = 0
        elif ch.isspace() and ch != NBSP:
            if not space or word:
                current += len(space) + len(word)
                out.extend(space)
                out.extend(word)
                space, word = [], []
            space.append(ch)
        else:
            word.append(ch)
            if current + len(space) + len(word) > limit and len(word) < limit:
                out.append("\n")
                current = 0
                space = []
    if not word:
        if current + len(space) <= limit:
            out.extend(space)
    else:
        out.extend(space)
        out.extend(word)
    return "".join(out)


def indent(amount: int, text: str) -> str:
    """Every line of `text` (blank ones and the one after a trailing newline too) prefixed by spaces."""
    pad = " " * amount
    return pad + text.replace("\n", "\n" + pad)


# -- schema walking -----------------------------------------------------------------------------


def resolve_ref(ref, document: dict) -> dict | None:
    """The schema a local `#/a/b/c` reference points at, or None."""
    if not isinstance(ref, str) or not ref.startswith("#"):
        return None
    current = document
    for key in ref[1:].split("/"):
        if not key:
            continue
        current = current.get(key) if isinstance(current, dict) else None
        if not isinstance(current, dict):
            return None
    return current


def _map_schema(schema: dict):
    """`additionalProperties` when it is a schema (not the boolean form), else None."""
    extra = schema.get("additionalProperties")
    return extra if extra and isinstance(extra, dict) else None


def type_guess(schema: dict, document: dict) -> str:
    """`string`, `[]Container`, `map[string]string`, `IntOrString`, `Object`..."""
    if schema.get("items"):
        return "[]" + type_guess(schema["items"], document)
    extra = _map_schema(schema)
    if extra:
        return "map[string]" + type_guess(extra, document)
    all_of = schema.get("allOf")
    if all_of and not schema.get("properties") and len(all_of) == 1:
        return type_guess(all_of[0], document)
    ref = schema.get("$ref")
    if ref:
        target = resolve_ref(ref, document)
        if not target or not target.get("type") or target.get("type") == "object":
            return ref.split("/")[-1].split(".")[-1] or "Object"
        return str(target["type"])
    kind = schema.get("type")
    return "Object" if kind == "object" or not kind else str(kind)


def _go_value(value) -> str:
    """A JSON value as Go's template prints it (`true`, `1`, `1.5`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def enum_text(schema: dict, *, long_view: bool, limit: int = -1, indent_amount: int = 0) -> str:
    """`\\n  enum: a, b, ....` under a field line, or `ENUM:` with one value a line under FIELD."""
    values = schema.get("enum")
    if not values:
        return ""
    out = "ENUM:" if long_view else "\n" + " " * indent_amount + "enum: "
    for index, value in enumerate(values):
        if limit > -1 and index >= limit:
            out += ", ...."
            break
        if long_view:
            out += "\n    "
        elif index > 0:
            out += ", "
        out += '""' if value == "" else _go_value(value)
    return out


def description_text(schema: dict, document: dict) -> str:
    """The schema's description and those of everything it stands for (reference, allOf, items, map values)."""
    schema = resolve_ref(schema.get("$ref"), document) or schema
    if not schema:
        return ""
    out = schema["description"] + "\n" if schema.get("description") else ""
    for sub in schema.get("allOf") or ():
        out += description_text(sub, document)
    if schema.get("items"):
        out += description_text(schema["items"], document)
    extra = _map_schema(schema)
    if extra:
        out += description_text(extra, document)
    return out


def external_docs(schema: dict, head: int = 0, body: int = DESCRIPTION_INDENT, width: int = DESCRIPTION_WIDTH) -> str:
    """`EXTERNAL DOCS:` at column `head`, the description (wrapped at `width`) and `URL:` at column `body`."""
    docs = schema.get("externalDocs")
    if not docs:
        return ""
    out = indent(head, "EXTERNAL DOCS:") + "\n"
    if docs.get("description"):
        out += indent(body, wrap(docs["description"], width)) + "\n"
    if docs.get("url"):
        out += indent(body, "URL: " + docs["url"]) + "\n"
    return out


class Walk:
    """One explain rendering: the document, `--recursive` and `--max-depth`."""

    def __init__(self, document: dict, recursive: bool, max_depth: int):
        self.document = document
        self.recursive = recursive
        self.max_depth = max_depth

    def output(self, schema: dict, path: list[str], seen: frozenset = frozenset()) -> str:
        """The text for `path` under `schema`, or "" when the path is not there."""
        ref = schema.get("$ref") or ""
        resolved = resolve_ref(ref, self.document) or schema
        if not path:
            out = "DESCRIPTION:\n"
            text = description_text(resolved, self.document) or "<empty>"
            out += indent(DESCRIPTION_INDENT, wrap(text, DESCRIPTION_WIDTH)) + "\n"
            docs = external_docs(resolved)
            if docs:
                out += "\n" + docs
            fields = self.field_list(resolved, 1)
            if fields:
                out += "FIELDS:\n" + fields
            return out
        if ref and ref in seen:
            return ""  # a reference cycle
        seen = seen | {ref}
        properties = resolved.get("properties")
        if properties and properties.get(path[0]):
            sub = properties[path[0]]
            out = ""
            if len(path) == 1:
                out = f"FIELD: {path[0]} <{type_guess(sub, self.document)}>\n"
                out += enum_text(sub, long_view=True) + "\n\n"
            return out + self.output(sub, path[1:])
        if resolved.get("items"):
            return self.output(resolved["items"], path, seen)
        extra = _map_schema(resolved)
        if extra:
            return self.output(extra, path, seen)
        for sub in resolved.get("allOf") or ():
            out = self.output(sub, path, seen)
            if out:
                return out
        return ""

    def field_list(self, schema: dict, level: int, seen: frozenset = frozenset()) -> str:
        ref = schema.get("$ref") or ""
        if ref and ref in seen:
            return ""
        seen = seen | {ref}
        resolved = resolve_ref(ref, self.document) or schema
        out = ""
        for name in sorted(resolved.get("properties") or {}):
            out += self.field_detail(name, resolved, level)
            if self.recursive and (self.max_depth == 0 or level < self.max_depth):
                out += self.field_list(resolved["properties"][name], level + 1, seen)
        for sub in resolved.get("allOf") or ():
            out += self.field_list(sub, level, seen)
        if resolved.get("items"):
            out += self.field_list(resolved["items"], level, seen)
        extra = _map_schema(resolved)
        if extra:
            out += self.field_list(extra, level, seen)
        return out

    def field_detail(self, name: str, parent: dict, level: int) -> str:
        pad = level * 2
        field = parent["properties"][name]
        out = indent(pad, name) + f"\t<{type_guess(field, self.document)}>"
        if name in (parent.get("required") or ()):
            out += " -required-"
        out += enum_text(field, long_view=False, limit=SHORT_ENUM_LIMIT, indent_amount=pad) + "\n"
        if self.recursive:
            return out
        text = field.get("description") or "<no description>"
        out += indent(pad + 2, wrap(text, FIELD_WIDTH - pad)) + "\n"
        docs = external_docs(field, pad + 2, pad + 4, DESCRIPTION_WIDTH - pad)
        if docs:
            out += "\n" + docs
        return out + "\n"


# -- the document and the kind ------------------------------------------------------------------


def _go_map(value: dict) -> str:
    """A map as Go's %v prints it: `map[group:apps kind:Deployment version:v1]`."""
    return "map[" + " ".join(f"{k}:{value[k]}" for k in sorted(value)) + "]"


def find_gvk(document: dict, group: str, version: str, plural: str):
    """The kind the resource's operations name, looked for on its collection and object paths."""
    prefix = f"/apis/{group}" if group else "/api"
    candidates = (
        f"{prefix}/{version}/{plural}",
        f"{prefix}/{version}/{plural}/{{name}}",
        f"{prefix}/{version}/namespaces/{{namespace}}/{plural}",
        f"{prefix}/{version}/namespaces/{{namespace}}/{plural}/{{name}}",
    )
    gvk = None
    paths = document.get("paths") or {}
    for candidate in candidates:
        item = paths.get(candidate)
        if not item:
            continue
        for method in OPERATION_METHODS:
            operation = item.get(method)
            if not operation:
                continue
            gvk = operation.get("x-kubernetes-group-version-kind")
            if gvk:
                break
    return gvk


def render(document: dict, group: str, version: str, plural: str, path: list[str], *, recursive=False, max_depth=0):
    """(text for stdout, error line or "") for one explain request against one group-version document."""
    gvk = find_gvk(document, group, version, plural)
    if not gvk:
        return "", f"error: GVR ({group}/{version}, Resource={plural}) not found in OpenAPI schema"
    head = f"GROUP:      {gvk['group']}\n" if gvk.get("group") else ""
    head += f"KIND:       {gvk.get('kind', '')}\nVERSION:    {gvk.get('version', '')}\n\n"
    schemas = (document.get("components") or {}).get("schemas") or {}
    for key in sorted(schemas):
        schema = schemas[key]
        if gvk in (schema.get("x-kubernetes-group-version-kind") or ()):
            body = Walk(document, recursive, max_depth).output(schema, path)
            if not body:
                return head, f'error: field "{path[-1]}" does not exist'
            return head + body + "\n", ""
    return head, f"error: GVK {_go_map(gvk)} not found in OpenAPI schema"


# -- arguments ----------------------------------------------------------------------------------


def split_request(text: str, conn, api_version: str):
    """(Resource, field path) from `deployment.spec.strategy`, `deployments.apps.spec`, ..."""
    from kubeferry.cli import printers

    text = text[:-1] if text.endswith(".") else text
    parts = text.split(".")
    if any(not part or "[" in part or "]" in part for part in parts):
        raise ExplainError("error: " + (BAD_PATH_API_VERSION if api_version and parts[0] else BAD_PATH))
    if parts[0].lower() == printers.ALL_CATEGORY:
        raise ExplainError(f'the server doesn\'t have a resource type "{parts[0]}"')
    try:
        res = printers.lookup_type(conn, parts[0])[0]
    except printers.CLIError as e:
        raise ExplainError(e.message) from None
    if not api_version:
        qualified = f"{res.plural}.{res.group}" if res.group else res.plural
        if text.startswith(qualified):
            rest = text[len(qualified) :]
            return res, [p for p in rest.split(".") if p]
    return res, parts[1:]


def parse_group_version(text: str) -> tuple[str, str]:
    if not text:
        return "", ""
    if text.count("/") > 1:
        raise ExplainError(f"error: unexpected GroupVersion string: {text}")
    group, _, version = text.rpartition("/")
    return group, version


# -- run ----------------------------------------------------------------------------------------


def run(args) -> int:
    from kubeferry.cli.connect import connect, fail

    try:
        if not args.resource:
            raise ExplainError(f"error: {NO_TYPE}")
        if len(args.resource) > 1:
            raise ExplainError("error: We accept only this format: explain RESOURCE")
        if args.max_depth > 0 and not args.recursive:
            raise ExplainError("error: --max-depth requires --recursive")
        if args.max_depth < 0:
            raise ExplainError("error: --max-depth must be non-negative")
        if args.output not in (OUTPUT_PLAINTEXT, OUTPUT_OPENAPI_V2):
            raise ExplainError(f"error: unrecognized format: {args.output}")
        conn = connect(args, "explain")
        res, path = split_request(args.resource[0], conn, args.api_version)
        group, version = res.group, res.version
        if args.api_version:
            group, version = parse_group_version(args.api_version)
        if args.output == OUTPUT_OPENAPI_V2:
            return _openapi_v2(conn)
        document = _document(conn, group, version, res.plural)
        text, error = render(
            document, group, version, res.plural, path, recursive=args.recursive, max_depth=args.max_depth
        )
    except ExplainError as e:
        print(str(e), file=sys.stderr)
        return EXIT_FAILED
    except Exception as e:  # config, connection, server errors
        return fail(e)
    sys.stdout.write(text)
    if error:
        sys.stdout.flush()
        print(error, file=sys.stderr)
        return EXIT_FAILED
    return 0


def _document(conn, group: str, version: str, plural: str) -> dict:
    """The OpenAPI v3 document of one group-version, found through the `/openapi/v3` index."""
    import json

    from kubeferry.client import request as rq

    index = conn.transport.send(rq.raw("GET", "/openapi/v3", accept=rq.JSON)).json()
    key = f"apis/{group}/{version}" if group else f"api/{version}"
    entry = (index.get("paths") or {}).get(key)
    if not entry:
        raise ExplainError(f'error: couldn\'t find resource for "{group}/{version}, Resource={plural}"')
    url = entry.get("serverRelativeURL") or f"/openapi/v3/{key}"
    response = conn.transport.send(rq.raw("GET", url, accept=rq.JSON))
    return json.loads(response.body)


def _openapi_v2(conn) -> int:
    """The OpenAPI v2 form: only the server's answer is reproduced (the embedded server serves no v2)."""
    from kubeferry.client import request as rq

    conn.transport.send(rq.raw("GET", "/openapi/v2", accept=rq.JSON))
    raise ExplainError("error: --output=plaintext-openapiv2 is not supported by kubeferry; use plaintext")
