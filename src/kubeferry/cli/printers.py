"""Shared printing for the read commands: resource arguments, tables, yaml/json/name/jsonpath/custom-columns.

Owns what `kubectl get` (and every command that prints objects) does on the client side:

- `resolve_targets(conn, args)` turns `TYPE NAME...`, `TYPE/NAME...`, `TYPE1,TYPE2` and `all` into
  `Target`s, resolving short names through the resource table and, for anything else, discovery.
- `TabWriter` pads columns as Go's text/tabwriter does with kubectl's settings (minimum width 6,
  padding 3), remembering widths across flushes so `get -w` rows line up with the first table.
- `table_rows(...)` turns a server-side `Table` (kubectl never builds columns itself) into cells.
- `to_json`/`to_yaml` reproduce kubectl's encoders byte for byte: Go's `json.MarshalIndent` with
  four spaces and HTML escaping, and go-yaml v2 as `sigs.k8s.io/yaml` drives it (sorted keys,
  sequences not indented under their key, quoting decided by YAML 1.1 type resolution, plain
  scalars folded past column 80).
- `print_objects(objs, output, ...)` prints full objects for the generic formats (one object as
  itself, several as a `v1 List`); `JSONPath` implements kubectl's JSONPath template subset.

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
YAML_BEST_WIDTH = 80  # go-yaml v2 folds plain and single-quoted scalars past this column
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


# -- YAML (go-yaml v2 as sigs.k8s.io/yaml drives it) ---------------------------------------------

_YAML_BOOL_NULL = {
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    "~", "null", "Null", "NULL", "",
    ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<",
}  # fmt: skip
# Patterns stay source text, compiled (and cached by `re`) on first use: compiling them all at import
# would cost every command, `get`'s tables included, a few milliseconds of start-up.
_YAML_FLOAT = r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
_YAML_INT = r"[-+]?(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)"
_YAML_BINARY = r"[-+]?0b[01]+"
_YAML_TIMESTAMPS = (
    r"(\d{4})-(\d{1,2})-(\d{1,2})",
    r"(\d{4})-(\d{1,2})-(\d{1,2})[Tt]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
    r"(\d{4})-(\d{1,2})-(\d{1,2}) \d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?",
)


def _resolves_to_string(s: str) -> bool:
    """go-yaml v2 `resolve("", s)` gives !!str (and the value is not a base-60 float)."""
    if s in _YAML_BOOL_NULL:
        return False
    if s[0] in "+-.0123456789":
        plain = s.replace("_", "")
        if re.fullmatch(_YAML_INT, plain) or re.fullmatch(_YAML_FLOAT, plain) or re.fullmatch(_YAML_BINARY, plain):
            return False
        if s[0].isdigit():
            for pattern in _YAML_TIMESTAMPS:
                m = re.fullmatch(pattern, s)
                if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
                    return False
        if re.fullmatch(r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?", s):  # base-60 float
            return False
    return True


def _printable(ch: str) -> bool:
    code = ord(ch)
    return (
        code == 0x0A
        or 0x20 <= code <= 0x7E
        or code == 0x85
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    )


class _Analysis(Record):
    _fields = ("multiline", "flow_plain", "block_plain", "single_quoted", "block")
    _defaults = {"multiline": False, "flow_plain": True, "block_plain": True, "single_quoted": True, "block": True}


def _analyze(value: str) -> _Analysis:
    """go-yaml's yaml_emitter_analyze_scalar, reduced to the decisions the block emitter needs."""
    a = _Analysis()
    if not value:
        a.block_plain = a.single_quoted = a.block = False
        a.flow_plain = False
        return a
    if value.startswith(("---", "...")):
        a.flow_plain = a.block_plain = False
    flow_ind = block_ind = special = line_breaks = False
    leading_space = leading_break = trailing_space = trailing_break = False
    break_space = space_break = False
    previous_space = previous_break = False
    n = len(value)
    for i, ch in enumerate(value):
        nxt = value[i + 1] if i + 1 < n else ""
        followed_by_blank = nxt in ("", " ", "\t", "\n", "\r")
        if i == 0:
            if ch in "#,[]{}&*!|>'\"%@`":
                flow_ind = block_ind = True
            if ch in "?:":
                flow_ind = True
                if followed_by_blank:
                    block_ind = True
            if ch == "-" and followed_by_blank:
                flow_ind = block_ind = True
        else:
            if ch in ",?[]{}":
                flow_ind = True
            if ch == ":":
                flow_ind = True
                if followed_by_blank:
                    block_ind = True
            if ch == "#" and value[i - 1] in (" ", "\t", "\n", "\r"):
                flow_ind = block_ind = True
        if not _printable(ch) or ch == "\ufeff":
            special = True
        if ch == "\n":
            line_breaks = True
        if ch == " ":
            if i == 0:
                leading_space = True
            if i == n - 1:
                trailing_space = True
            if previous_break:
                break_space = True
            previous_space, previous_break = True, False
        elif ch in ("\n", "\r", "\x85", "\u2028", "\u2029"):
            line_breaks = True
            if i == 0:
                leading_break = True
            if i == n - 1:
                trailing_break = True
            if previous_space:
                space_break = True
            previous_space, previous_break = False, True
        else:
            previous_space = previous_break = False
    a.multiline = line_breaks
    if leading_space or leading_break or trailing_space or trailing_break:
        a.flow_plain = a.block_plain = False
    if trailing_space:
        a.block = False
    if break_space:
        a.flow_plain = a.block_plain = a.single_quoted = False
    if space_break or special:
        a.flow_plain = a.block_plain = a.single_quoted = a.block = False
    if line_breaks:
        a.flow_plain = a.block_plain = False
    if flow_ind:
        a.flow_plain = False
    if block_ind:
        a.block_plain = False
    return a


_DQ_ESCAPES = {
    "\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r", "\x1b": "e",
    '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P",
}  # fmt: skip


def _double_quoted(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch in _DQ_ESCAPES and ch != "\xa0":
            out.append("\\" + _DQ_ESCAPES[ch])
        elif not _printable(ch) or ch == "\ufeff":
            code = ord(ch)
            out.append(f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _folded(text: str, column: int, indent: int, quote: str = "") -> str:
    """Write `text` starting at `column`, breaking at a single space once past the best width.

    go-yaml writes the space as a line break (plus `indent` spaces) when the column already passed
    80 and the next character is not a space; e.g. a 150-char word followed by ` y z` breaks
    before `y`, which continues on the next line indented.
    """
    out = []
    col = column
    spaces = False
    n = len(text)
    for i, ch in enumerate(text):
        if ch == " ":
            nxt = text[i + 1] if i + 1 < n else ""
            inner_ok = quote == "" or (0 < i < n - 1)
            if not spaces and col > YAML_BEST_WIDTH and nxt != " " and inner_ok:
                out.append("\n" + " " * indent)
                col = indent
            else:
                out.append(ch)
                col += 1
            spaces = True
        else:
            out.append("''" if quote and ch == "'" else ch)
            col += 2 if quote and ch == "'" else 1
            spaces = False
    return "".join(out)


def _scalar(value, column: int, indent: int, key: bool = False) -> str:
    """One scalar as go-yaml v2 writes it at `column`; `indent` is where folded lines continue."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".NaN"
        if value in (float("inf"), float("-inf")):
            return ".Inf" if value > 0 else "-.Inf"
        return go_float(value)
    s = str(value)
    a = _analyze(s)
    plain_ok = _resolves_to_string(s) if s else False
    if "\n" in s and not key:
        style = "literal"
    elif plain_ok:
        style = "plain"
    else:
        style = "double"
    if style == "plain" and (not a.block_plain or not s or (key and a.multiline)):
        style = "single"
    if style == "single" and not a.single_quoted:
        style = "double"
    if style == "literal" and not a.block:
        style = "double"
    if style == "plain":
        return s if key else _folded(s, column, indent)
    if style == "single":
        return "'" + (s.replace("'", "''") if key else _folded(s, column + 1, indent, "'")) + "'"
    if style == "double":
        return _double_quoted(s)
    # literal block: chomping from the trailing newlines, an indentation hint for a leading space
    chomp = "-" if not s.endswith("\n") else ("+" if s.endswith("\n\n") or s == "\n" else "")
    hint = "2" if s[0] in (" ", "\n") else ""
    body = s[:-1] if s.endswith("\n") and chomp == "" else s
    if chomp == "+":
        body = s[:-1]
    lines = body.split("\n")
    block_indent = indent
    if "\u2028" in body or "\u2029" in body:
        # go-yaml writes a Unicode line or paragraph separator as it is, then indents what follows
        lines = [_indent_after_separators(line, block_indent) for line in lines]
    rendered = "\n".join((" " * block_indent + line) if line else "" for line in lines)
    return f"|{hint}{chomp}\n{rendered}"


def _indent_after_separators(line: str, indent: int) -> str:
    """ "a\u2028b" → "a\u2028" + indent spaces + "b": the separator breaks the line for YAML."""
    out = []
    for i, ch in enumerate(line):
        out.append(ch)
        if ch in ("\u2028", "\u2029") and i + 1 < len(line) and line[i + 1] not in ("\u2028", "\u2029"):
            out.append(" " * indent)
    return "".join(out)


def _yaml_lines(value, indent: int, out: list[str], prefix: str) -> None:
    """Append the block form of `value`; `prefix` is what precedes it on its first line."""
    if isinstance(value, dict) and value:
        first = True
        for key in sorted(value):
            item = value[key]
            lead = prefix if first else " " * indent
            first = False
            key_text = _scalar(key, len(lead), indent, key=True)
            _yaml_entry(item, indent, out, f"{lead}{key_text}:")
        return
    if isinstance(value, list) and value:
        first = True
        for item in value:
            lead = prefix if first else " " * indent
            first = False
            if isinstance(item, (dict, list)) and item:
                _yaml_lines(item, indent + 2, out, lead + "- ")
            else:
                out.append(lead + "- " + _inline(item, len(lead) + 2, indent + 2))
        return
    out.append(prefix + _inline(value, len(prefix), indent))


def _yaml_entry(item, indent: int, out: list[str], head: str) -> None:
    if isinstance(item, dict) and item:
        out.append(head)
        _yaml_lines(item, indent + 2, out, " " * (indent + 2))
    elif isinstance(item, list) and item:
        out.append(head)
        _yaml_lines(item, indent, out, " " * indent)
    else:
        out.append(head + " " + _inline(item, len(head) + 1, indent + 2))


def _inline(value, column: int, indent: int) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value, column, indent)


def to_yaml(obj) -> str:
    """kubectl's `-o yaml` text for one decoded JSON value (ends with a newline)."""
    out: list[str] = []
    _yaml_lines(obj, 0, out, "")
    return "\n".join(out) + "\n"


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


# -- JSONPath (kubectl's template subset) -------------------------------------------------------


class JSONPathError(Exception):
    pass


class _Field(Record):
    _fields = ("name",)


class _Recursive(Record):
    pass


class _Index(Record):
    _fields = ("start", "end", "step", "is_slice", "wildcard")
    _defaults = {"wildcard": False}


class _Filter(Record):
    _fields = ("left", "op", "right", "literal", "has_literal")
    _defaults = {"literal": None, "has_literal": False}


class _Union(Record):
    _fields = ("paths",)


class _Text(Record):
    _fields = ("text",)


class _Path(Record):
    _fields = ("steps",)


class _Range(Record):
    _fields = ("path",)


class _End(Record):
    pass


_NUMBER = r"-?\d+(\.\d+)?"  # compiled on first use, like the YAML patterns


class _PathParser:
    """Parses the inside of one `{...}` action."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def parse_action(self):
        text = self.text.strip()
        if text == "end":
            return _End()
        if text.startswith("range "):
            return _Range(_PathParser(text[len("range ") :].strip()).parse_path())
        if text.startswith(('"', "'")):  # kubectl unquotes both forms, escapes included
            return _Text(_unquote(text))
        if "," in text and not text.startswith("["):
            parts = _split_top(text, ",")
            if len(parts) > 1:
                return _Union([_PathParser(p.strip()).parse_path() for p in parts])
        return self.parse_path()

    def parse_path(self) -> _Path:
        steps: list = []
        t = self.text
        n = len(t)
        if self.pos < n and t[self.pos] in "@$":
            self.pos += 1
        while self.pos < n:
            ch = t[self.pos]
            if t.startswith("..", self.pos):
                steps.append(_Recursive())
                self.pos += 1
                continue
            if ch == ".":
                self.pos += 1
                start = self.pos
                while self.pos < n and (t[self.pos].isalnum() or t[self.pos] in "_-/" or ord(t[self.pos]) > 127):
                    self.pos += 1
                name = t[start : self.pos]
                if name == "" and self.pos < n and t[self.pos] == "*":
                    self.pos += 1
                    steps.append(_Index(None, None, None, True, wildcard=True))
                    continue
                if name:
                    steps.append(_Field(name))
                continue
            if ch == "[":
                steps.append(self._bracket())
                continue
            if ch == "*":
                self.pos += 1
                steps.append(_Index(None, None, None, True, wildcard=True))
                continue
            if ch.isalpha() or ch == "_":
                start = self.pos
                while self.pos < n and (t[self.pos].isalnum() or t[self.pos] in "_-/"):
                    self.pos += 1
                steps.append(_Field(t[start : self.pos]))
                continue
            if ch.isspace():
                self.pos += 1
                continue
            raise JSONPathError(f"unrecognized character in action: U+{ord(ch):04X} {_go_rune(ch)}")
        return _Path(steps)

    def _bracket(self):
        t = self.text
        depth, end, quote = 0, -1, ""
        for i in range(self.pos, len(t)):
            ch = t[i]
            if quote:
                if ch == quote:
                    quote = ""
                continue
            if ch in "'\"":
                quote = ch
            elif ch == "[":
                depth += 1
            elif ch == "]":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        inner_start = self.pos + 1
        if t.startswith("[?(", self.pos):
            close = t.find(")]", self.pos)
            if close < 0:
                raise JSONPathError("unterminated filter")
            self.pos = close + 2
            return self._filter(t[inner_start + 2 : close])
        if end < 0:
            raise JSONPathError("unterminated array")
        inner = t[inner_start:end].strip()
        self.pos = end + 1
        if inner == "*":
            return _Index(None, None, None, True, wildcard=True)
        if inner[:1] in "'\"":
            names = [_unquote(p.strip()) for p in _split_top(inner, ",")]
            if len(names) == 1:
                return _Field(names[0])
            return _Union([_Path([_Field(n)]) for n in names])
        parts = inner.split(":")
        if len(parts) > 3:
            raise JSONPathError(f"invalid array index {inner}")
        values: list[int | None] = []
        for part in parts:
            part = part.strip()
            if part == "":
                values.append(None)
            elif re.fullmatch(r"-?\d+", part):
                values.append(int(part))
            else:
                raise JSONPathError(f"invalid array index {inner}")
        if len(parts) == 1:
            if values[0] is None:
                raise JSONPathError(f"invalid array index {inner}")
            return _Index(values[0], None, None, False)
        return _Index(values[0], values[1], values[2] if len(values) > 2 else None, True)

    def _filter(self, text: str) -> _Filter:
        match = re.match(r"^(.*?)\s*(==|!=|<=|>=|<|>|=~)\s*(.*)$", text)
        if not match:
            return _Filter(_PathParser(text.strip()).parse_path().steps, "exists", None)
        left, op, right = match.group(1).strip(), match.group(2), match.group(3).strip()
        filt = _Filter(_PathParser(left).parse_path().steps, op, None)
        if right[:1] in "'\"":
            filt.literal, filt.has_literal = _unquote(right), True
        elif re.fullmatch(_NUMBER, right):
            filt.literal = float(right) if "." in right else int(right)
            filt.has_literal = True
        elif right in ("true", "false"):
            filt.literal, filt.has_literal = right == "true", True
        else:
            filt.right = _PathParser(right).parse_path().steps
        return filt


def _go_rune(ch: str) -> str:
    return "'" + ch + "'"


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, quote, current = [], 0, "", []
    for ch in text:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        inner = text[1:-1]
        if text[0] == "'":  # as Go's UnquoteExtend: the same escapes, a bare " stands for itself
            inner = re.sub(r'(?<!\\)"', '\\"', inner)
        try:
            return json.loads('"' + inner.replace("\t", "\\t") + '"')
        except ValueError:
            return inner
    raise JSONPathError(f"unmatched {text[:1]}" if text else "unterminated quoted string")


def _parse_template(template: str) -> list:
    """Split literal text and `{actions}`; `{` inside quotes does not close or open an action."""
    nodes: list = []
    i, n = 0, len(template)
    while i < n:
        start = template.find("{", i)
        if start < 0:
            nodes.append(_Text(template[i:]))
            break
        if start > i:
            nodes.append(_Text(template[i:start]))
        j, quote = start + 1, ""
        while j < n:
            ch = template[j]
            if quote:
                if ch == "\\":
                    j += 2
                    continue
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif template.startswith("[?(", j):
                close = template.find(")]", j)
                if close < 0:
                    raise JSONPathError("unterminated filter")
                j = close + 1
            elif ch == "[":
                close = template.find("]", j)
                if close < 0:
                    raise JSONPathError("unterminated array")
                j = close
            elif ch == "}":
                break
            j += 1
        if quote:
            raise JSONPathError("unterminated quoted string")
        if j >= n:
            raise JSONPathError("unclosed action")
        inner = template[start + 1 : j]
        nodes.append(_PathParser(inner).parse_action())
        i = j + 1
    return nodes


class JSONPath:
    """A parsed kubectl JSONPath template; `execute(obj)` returns the printed text."""

    def __init__(self, template: str, allow_missing_keys: bool = True):
        self.template = template
        self.allow_missing_keys = allow_missing_keys
        self.nodes = _parse_template(template)

    def execute(self, data) -> str:
        out: list[str] = []
        self._run(self.nodes, data, out)
        return "".join(out)

    def results(self, data) -> list:
        """The values of a single path template (custom-columns); text nodes are ignored."""
        found: list = []
        for node in self.nodes:
            if isinstance(node, _Path):
                found.extend(self._walk(node.steps, [data]))
        return found

    def _run(self, nodes: list, data, out: list[str]) -> None:
        i = 0
        while i < len(nodes):
            node = nodes[i]
            if isinstance(node, _End):
                raise JSONPathError("not in range, nothing to end")
            if isinstance(node, _Range):
                depth, j = 1, i + 1
                while j < len(nodes):
                    if isinstance(nodes[j], _Range):
                        depth += 1
                    elif isinstance(nodes[j], _End):
                        depth -= 1
                        if depth == 0:
                            break
                    j += 1
                if j >= len(nodes):
                    raise JSONPathError("range without end")  # kubectl: unclosed range
                body = nodes[i + 1 : j]
                for value in self._walk(node.path.steps, [data]):
                    self._run(body, value, out)
                i = j + 1
                continue
            if isinstance(node, _Text):
                out.append(node.text)
            elif isinstance(node, _Union):
                values = []
                for path in node.paths:
                    values.extend(self._walk(path.steps, [data]))
                out.append(_print_results(values))
            else:
                out.append(_print_results(self._walk(node.steps, [data])))
            i += 1

    def _walk(self, steps: list, values: list) -> list:
        for step in steps:
            nxt: list = []
            if isinstance(step, _Field):
                for v in values:
                    if isinstance(v, dict):
                        if step.name in v:
                            nxt.append(v[step.name])
                        elif not self.allow_missing_keys:
                            raise JSONPathError(f"{step.name} is not found")
            elif isinstance(step, _Recursive):
                for v in values:
                    nxt.extend(_descendants(v))
            elif isinstance(step, _Index):
                for v in values:
                    if isinstance(v, dict) and step.wildcard:
                        nxt.extend(v[k] for k in sorted(v))
                        continue
                    if not isinstance(v, list):
                        continue
                    if not step.is_slice:
                        idx = step.start if step.start >= 0 else len(v) + step.start
                        if 0 <= idx < len(v):
                            nxt.append(v[idx])
                        elif not self.allow_missing_keys:
                            raise JSONPathError(f"array index out of bounds: index {step.start}, length {len(v)}")
                        continue
                    nxt.extend(v[slice(step.start, step.end, step.step)])
            elif isinstance(step, _Filter):
                for v in values:
                    items = v if isinstance(v, list) else [v]
                    nxt.extend(item for item in items if self._match(step, item))
            elif isinstance(step, _Union):
                for v in values:
                    for path in step.paths:
                        nxt.extend(self._walk(path.steps, [v]))
            values = nxt
        return values

    def _match(self, f: _Filter, item) -> bool:
        left = self._walk(f.left, [item])
        if f.op == "exists":
            return bool(left)
        if not left:
            return False
        if f.has_literal:
            right = [f.literal]
        else:
            right = self._walk(f.right or [], [item])
            if not right:
                return False
        a, b = left[0], right[0]
        try:
            if f.op == "==":
                return a == b
            if f.op == "!=":
                return a != b
            if f.op == "<":
                return a < b
            if f.op == ">":
                return a > b
            if f.op == "<=":
                return a <= b
            if f.op == ">=":
                return a >= b
            if f.op == "=~":
                return re.search(str(b), str(a)) is not None
        except TypeError:
            return False
        return False


def _descendants(value) -> list:
    out = [value]
    if isinstance(value, dict):
        for k in sorted(value):
            out.extend(_descendants(value[k]))
    elif isinstance(value, list):
        for item in value:
            out.extend(_descendants(item))
    return out


def _print_results(values: list) -> str:
    texts = []
    for value in values:
        if isinstance(value, (dict, list)):
            texts.append(to_json(value, indent=False))
        else:
            texts.append(go_value(value) if value is not None else "<nil>")
    return " ".join(texts)


def relaxed_jsonpath(expr: str) -> str:
    """kubectl's RelaxedJSONPathExpression: `.a.b`, `a.b`, `{.a.b}` and `{a.b}` all mean `{.a.b}`."""
    match = re.fullmatch(r"\{?(\.?[^{}]+)\}?", expr)
    if not match or expr in ("", "{}"):
        raise CLIError("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or "
                       "'{.name1.name2}'")  # fmt: skip
    inner = match.group(1)
    if not inner.startswith("."):
        inner = "." + inner
    return "{" + inner + "}"


def jsonpath_parse_error(template: str, error: Exception) -> CLIError:
    return CLIError(f"error parsing jsonpath {template}, {error}")


def jsonpath_exec_error(template: str, error: Exception, data) -> CLIError:
    return CLIError(
        f'error executing jsonpath "{template}": Error executing template: {error}. Printing more information for '
        f"debugging the template:\n\ttemplate was:\n\t\t{template}\n\tobject given to jsonpath engine was:\n\t\t"
        f"{go_syntax(data)}\n\n"
    )


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


def custom_columns(spec: str) -> list[tuple[str, JSONPath]]:
    columns = []
    for part in spec.split(","):
        header, sep, expr = part.partition(":")
        if not sep:
            raise CLIError(f"unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>")
        template = relaxed_jsonpath(expr)
        try:
            columns.append((header, JSONPath(template)))
        except JSONPathError as e:
            raise jsonpath_parse_error(template, e) from None
    return columns


def custom_column_rows(columns: list[tuple[str, JSONPath]], objs: list[dict]) -> list[list[str]]:
    rows = []
    for obj in objs:
        row = []
        for _, path in columns:
            values = path.results(obj)
            row.append(",".join(go_value(v) for v in values) if values else NONE)
        rows.append(row)
    return rows


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
