"""kubectl's JSONPath template subset and `-o custom-columns`, as `kubectl get` evaluates them.

Fields, recursive descent, indexes and slices, filters, unions, `{range}`/`{end}` and literal text;
results printed as kubectl prints them (Go's formatting of values).  Split from `printers.py` so a
table (`kubeferry get`) never loads it.
"""

from __future__ import annotations

import json
import re

from kubeferry.cli.printers import NONE, CLIError, go_syntax, go_value, to_json
from kubeferry.client.record import Record


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
