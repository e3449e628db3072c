"""kubectl's YAML output, byte for byte: go-yaml v2 as `sigs.k8s.io/yaml` drives it.

Sorted keys, sequences not indented under their key, quoting decided by YAML 1.1 type resolution
(a string that would read back as a bool, number, null or timestamp is quoted), plain and
single-quoted scalars folded past column 80, literal blocks for multi-line text.  Split from
`printers.py` so a table (`kubeferry get`) never loads it.
"""

from __future__ import annotations

import re

from kubeferry.cli.printers import go_float
from kubeferry.client.record import Record

YAML_BEST_WIDTH = 80  # go-yaml v2 folds plain and single-quoted scalars past this column


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
