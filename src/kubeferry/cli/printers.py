"""Shared printing for the read commands: resource arguments, tables, yaml/json/name/jsonpath/custom-columns.

Owns what `kubectl get` (and every command that prints objects) does on the client side:

- `resolve_targets(conn, args)` turns `TYPE NAME...`, `TYPE/NAME...`, `TYPE1,TYPE2` and `all` into
  `Target`s, resolving short names through the resource table and, for anything else, discovery.
- `TabWriter` pads columns as Go's text/tabwriter does with kubectl's settings (minimum width 6,
  padding 3), remembering widths across flushes so `get -w` rows line up with the first table.
- `table_rows(...)` turns a server-side `Table` (kubectl never builds columns itself) into cells.
- `to_json`/`to_yaml` reproduce kubectl's encoders byte for byte: Go's `json.MarshalIndent` with
  four spaces and HTML escaping, and go-yaml v2 (`yaml_printer.py`, loaded only to print YAML).
- `print_objects(objs, output, ...)` prints full objects for the generic formats (one object as
  itself, several as a `v1 List`); JSONPath and custom columns live in `jsonpath.py`, loaded only
  for those formats.

Everything here is pure apart from `resolve_targets` (discovery, only when the static table does not
know a name) and the writes to the stream `print_objects` is given.
"""

from __future__ import annotations

import json
import re
import sys

from kubeferry.client.record import Record

# Go tabwriter settings kubectl uses (printers.GetNewTabWriter): minwidth, padding, pad char.
TAB_MIN_WIDTH = 6
TAB_PADDING = 3
NONE = "<none>"
ALL_CATEGORY = "all"
OUTPUT_FORMATS = (
    "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
    "jsonpath-file,kyaml,name,template,templatefile,wide,yaml"
)
TABLE_ACCEPT = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)
SEPARATE_TYPE_MESSAGE = (
    "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form "
    "(e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'"
)


class CLIError(Exception):
    """A client-side failure kubectl reports as `error: <message>` with exit code 1."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.message = message
        self.code = code

    def line(self) -> str:
        return f"error: {self.message}"


# -- resource arguments -------------------------------------------------------------------------


class Target(Record):
    """One resource type (`resource`, a kubeferry.machinery.resources.Resource) and, optionally, one
    object `name`, as the user asked for it."""

    _fields = ("resource", "name")
    _defaults = {"name": ""}
    _frozen = True

    @property
    def kind_prefix(self) -> str:
        """`deployment.apps`, `pod`: what kubectl prints before `/name`."""
        res = self.resource
        return f"{res.kind.lower()}.{res.group}" if res.group else res.kind.lower()


def kind_prefix(res) -> str:
    return f"{res.kind.lower()}.{res.group}" if res.group else res.kind.lower()


def _static_lookup(name: str):
    from kubeferry.machinery import resources

    lowered = name.lower()
    base, _, group = lowered.partition(".")
    for match in (
        lambda r: r.plural == base,
        lambda r: r.singular_name == base,
        lambda r: base in r.short_names,
        lambda r: r.kind.lower() == base,
    ):
        for res in resources.RESOURCES:
            if res.group == "events.k8s.io":
                continue  # kubectl prefers core/v1 events for `ev`/`events`
            if match(res) and (not group or res.group == group):
                return res
    return None


def lookup_type(conn, name: str) -> list:
    """The resources one type word names: one, or every member of a category (`all`)."""
    transport = conn.transport
    if name.lower() == ALL_CATEGORY:
        found, seen = [], set()
        for res in transport.discover():
            if ALL_CATEGORY in res.categories and (res.group, res.plural) not in seen:
                seen.add((res.group, res.plural))
                found.append(res)
        return found
    res = _static_lookup(name)
    if res is not None:
        return [res]
    from kubeferry.client.https import NoMatchError

    try:
        return [transport.lookup(name)]
    except NoMatchError as e:
        raise CLIError(str(e)) from None


def resolve_targets(conn, args_list: list[str]) -> list[Target]:
    """`deploy web api`, `deploy/web svc/web`, `deploy,svc`, `all` → Targets, in kubectl's order.

    The first argument is a type list unless every argument has the `TYPE/NAME` form; mixing the
    two forms is kubectl's "no need to specify a resource type" error.
    """
    args = [a for a in args_list if a != ""]
    if not args:
        raise CLIError("Required resource not specified.")
    if all("/" in a for a in args):
        targets = []
        for arg in args:
            type_word, _, name = arg.partition("/")
            if not name:
                raise CLIError(f"arguments in resource/name form must have a single resource and name: {arg}")
            for res in lookup_type(conn, type_word):
                targets.append(Target(res, name))
        return targets
    if any("/" in a for a in args[1:]) or "/" in args[0]:
        raise CLIError(SEPARATE_TYPE_MESSAGE)
    types: list = []
    for word in args[0].split(","):
        if word:
            types.extend(lookup_type(conn, word))
    names = args[1:]
    if names and len(types) > 1 and args[0].lower() != ALL_CATEGORY:
        return [Target(res, name) for res in types for name in names]
    if not names:
        return [Target(res) for res in types]
    return [Target(res, name) for res in types for name in names]


# -- Go formatting helpers ----------------------------------------------------------------------


def go_value(value) -> str:
    """`fmt.Sprint` of a decoded JSON value: maps as `map[k:v]`, lists as `[a b]`, nil as `<nil>`."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    return str(value)


def go_float(value: float) -> str:
    """`strconv.FormatFloat(f, 'g', -1, 64)` as `%v` prints it: 0.5, 1e+21, 2."""
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, _, exp = text.partition("e")
        sign = "-" if exp.startswith("-") else "+"
        digits = exp.lstrip("+-").rjust(2, "0")
        return f"{mantissa}e{sign}{digits}"
    return text


def go_quote(text: str) -> str:
    """Go's `%q` / strconv.Quote for the printable subset kubectl's messages carry."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_syntax(value) -> str:
    """`%#v` of a decoded JSON value, as kubectl's jsonpath error dumps the object."""
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{go_quote(k)}:{go_syntax(value[k])}" for k in sorted(value))
        return "map[string]interface {}{" + inner + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(go_syntax(v) for v in value) + "}"
    return str(value)


# -- JSON ---------------------------------------------------------------------------------------

_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_HTML_RE = "[<>&\u2028\u2029]"


def go_json_escape(text: str) -> str:
    """Go's json.Marshal escapes: `<>&` and U+2028/U+2029 as \\u sequences."""
    return re.sub(_HTML_RE, lambda m: _HTML_ESCAPES[m.group(0)], text)


def to_json(obj, indent: bool = True) -> str:
    """Go's `json.MarshalIndent(obj, "", "    ")` (or `json.Marshal`): sorted keys, HTML-escaped."""
    text = json.dumps(
        obj,
        indent=4 if indent else None,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ": ") if indent else (",", ":"),
    )
    return go_json_escape(text)


def to_yaml(obj) -> str:
    """kubectl's YAML for `obj` (`yaml_printer.py`, imported only when YAML is printed)."""
    from kubeferry.cli.yaml_printer import to_yaml as emit

    return emit(obj)


# -- tables -------------------------------------------------------------------------------------


class TabWriter:
    """Go text/tabwriter with kubectl's settings; cells are tab-separated, the last cell unpadded.

    Widths are max(cell width + padding, minimum width) over a block of rows, and (as kubectl's fork
    does for `get -w`) never shrink below the widths remembered from earlier flushes.
    Example: cells `web` and `NAME` in one column → width max(4+3, 6) = 7.
    """

    def __init__(self, stream=None):
        self.stream = stream
        self.rows: list[list[str]] = []
        self.remembered: list[int] = []

    def write_row(self, cells: list[str]) -> None:
        self.rows.append(cells)

    def write_line(self, text: str) -> None:
        self.rows.append([text])

    def render(self) -> str:
        widths = list(self.remembered)
        for row in self.rows:
            for i, cell in enumerate(row[:-1]):
                width = max(len(cell) + TAB_PADDING, TAB_MIN_WIDTH)
                if i >= len(widths):
                    widths.append(width)
                elif width > widths[i]:
                    widths[i] = width
        lines = []
        for row in self.rows:
            line = "".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1]))
            lines.append(line + (row[-1] if row else ""))
        self.remembered = widths
        self.rows = []
        return "".join(line + "\n" for line in lines)

    def flush(self) -> None:
        text = self.render()
        stream = self.stream or sys.stdout
        stream.write(text)
        stream.flush()


def _escape_cell(text: str) -> str:
    """kubectl truncates a cell at the first line break (adding `...`) and escapes other controls."""
    cut = min((i for i in (text.find("\f"), text.find("\n"), text.find("\r")) if i >= 0), default=-1)
    truncated = cut >= 0
    if truncated:
        text = text[:cut]
    text = "".join(ch if ch == " " or (ord(ch) >= 0x20 and ord(ch) != 0x7F) else go_quote(ch)[1:-1] for ch in text)
    return text + ("..." if truncated else "")


def cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return _escape_cell(cell)
    return _escape_cell(go_value(cell))


def format_labels(labels: dict | None) -> str:
    if not labels:
        return NONE
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


class TableOptions(Record):
    """How `table_rows` shapes a server table; `with_kind` (`deployment.apps`) prefixes names as
    `deployment.apps/web`."""

    _fields = ("wide", "with_kind", "with_namespace", "show_labels", "no_headers", "label_columns", "event_column")
    _defaults = {
        "wide": False,
        "with_kind": "",
        "with_namespace": False,
        "show_labels": False,
        "no_headers": False,
        "label_columns": (),
        "event_column": False,
    }


def table_columns(table: dict, options: TableOptions) -> list[int]:
    return [
        i
        for i, column in enumerate(table.get("columnDefinitions") or [])
        if options.wide or int(column.get("priority") or 0) == 0
    ]


def table_header(table: dict, options: TableOptions) -> list[str]:
    defs = table.get("columnDefinitions") or []
    header = [str(defs[i].get("name", "")).upper() for i in table_columns(table, options)]
    if options.with_namespace:
        header.insert(0, "NAMESPACE")
    if options.event_column:
        header.insert(0, "EVENT")
    header.extend(label.rsplit("/", 1)[-1].upper() for label in options.label_columns)
    if options.show_labels:
        header.append("LABELS")
    return header


def table_rows(table: dict, options: TableOptions, event: str = "") -> list[list[str]]:
    """The printed cells of each row, in kubectl's column order."""
    columns = table_columns(table, options)
    out = []
    for row in table.get("rows") or []:
        cells = row.get("cells") or []
        meta = ((row.get("object") or {}).get("metadata")) or {}
        printed = []
        for n, i in enumerate(columns):
            text = cell_text(cells[i]) if i < len(cells) else ""
            if n == 0 and options.with_kind:
                text = f"{options.with_kind}/{text}"
            printed.append(text)
        if options.with_namespace:
            printed.insert(0, meta.get("namespace", ""))
        if options.event_column:
            printed.insert(0, event)
        labels = meta.get("labels") or {}
        for label in options.label_columns:
            printed.append(labels.get(label, ""))
        if options.show_labels:
            printed.append(format_labels(labels))
        out.append(printed)
    return out


# -- generic printing ---------------------------------------------------------------------------


def as_list(objs: list[dict], resource_version: str = "") -> dict:
    return {"apiVersion": "v1", "items": list(objs), "kind": "List", "metadata": {"resourceVersion": resource_version}}


def object_name(obj: dict, res=None) -> str:
    """`deployment.apps/web` as `-o name` prints it."""
    if res is not None:
        prefix = kind_prefix(res)
    else:
        api_version = obj.get("apiVersion", "")
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        kind = str(obj.get("kind", "")).lower()
        prefix = f"{kind}.{group}" if group else kind
    return f"{prefix}/{(obj.get('metadata') or {}).get('name', '')}"


def parse_output(output: str | None) -> tuple[str, str]:
    """`-o` value → (format, argument); raises kubectl's error for an unknown format."""
    output = output or ""
    if output in ("", "wide", "yaml", "json", "name"):
        return output, ""
    fmt, sep, arg = output.partition("=")
    if fmt in ("jsonpath", "custom-columns", "jsonpath-as-json") and sep:
        if fmt == "custom-columns" and not arg:
            raise CLIError("custom-columns format specified but no custom columns given")
        return fmt, arg
    if fmt == "custom-columns":
        raise CLIError("custom-columns format specified but no custom columns given")
    if fmt in ("jsonpath", "jsonpath-as-json"):
        raise CLIError("template format specified but no template given")
    raise CLIError(
        f'unable to match a printer suitable for the output format "{output}", allowed formats are: {OUTPUT_FORMATS}'
    )


def print_objects(
    objs: list[dict],
    output: str,
    *,
    single: bool = False,
    resources: list | None = None,
    no_headers: bool = False,
    stream=None,
    list_resource_version: str = "",
) -> None:
    """Print full objects for `-o yaml|json|name|jsonpath=…|custom-columns=…`.

    `single` means the user named exactly one object: it prints as itself, otherwise as a `List`.
    `resources` (parallel to `objs`) gives `-o name` its kind prefix when an object lacks apiVersion.
    Raises CLIError for a bad format or template.
    """
    stream = stream or sys.stdout
    fmt, arg = parse_output(output)
    data = objs[0] if single and len(objs) == 1 else as_list(objs, list_resource_version)
    if fmt == "json":
        stream.write(to_json(data) + "\n")
    elif fmt == "yaml":
        stream.write(to_yaml(data))
    elif fmt == "name":
        for i, obj in enumerate(objs):
            res = resources[i] if resources else None
            stream.write(object_name(obj, res) + "\n")
    elif fmt in ("jsonpath", "jsonpath-as-json"):
        from kubeferry.cli.jsonpath import JSONPath, JSONPathError, _Path, jsonpath_exec_error, jsonpath_parse_error

        template = arg
        try:
            path = JSONPath(template)
        except JSONPathError as e:
            raise jsonpath_parse_error(template, e) from None
        try:
            if fmt == "jsonpath-as-json":
                values = []
                for node in path.nodes:
                    if isinstance(node, _Path):
                        values.extend(path._walk(node.steps, [data]))
                stream.write(to_json(values) + "\n")
            else:
                stream.write(path.execute(data))
        except JSONPathError as e:
            raise jsonpath_exec_error(template, e, data) from None
    elif fmt == "custom-columns":
        from kubeferry.cli.jsonpath import custom_column_rows, custom_columns

        columns = custom_columns(arg)
        writer = TabWriter(stream)
        if not no_headers:
            writer.write_row([header for header, _ in columns])
        for row in custom_column_rows(columns, objs):
            writer.write_row(row)
        writer.flush()
    else:
        raise CLIError(f'output format "{output}" is printed from server-side tables, not objects')
    stream.flush()
