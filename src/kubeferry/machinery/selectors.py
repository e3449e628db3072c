"""Label and field selectors: parsing, canonical strings and fast matching, as kube-apiserver v1.37 does them.

Owns three things every list, watch, controller and printer needs:

* `parse_label_selector(text)` — the `?labelSelector=` / `kubectl -l` grammar (apimachinery `labels.Parse`):
  `=`, `==`, `!=`, `in (…)`, `notin (…)`, `key`, `!key`, and the integer comparisons `>` / `<`,
  comma-separated and ANDed.  The result is a compiled, immutable `LabelSelector` whose `str()` is the
  canonical form upstream prints (requirements sorted by key, set values sorted, blanks dropped):
  `"x in (b,a), !z"` → `x in (a,b),!z`.
* `from_label_selector(obj)` / `format_label_selector(obj)` — the `metav1.LabelSelector` JSON form used by
  workloads (`matchLabels` + `matchExpressions`): `None` selects nothing, `{}` selects everything, and the
  printed form is `<none>` when empty (`kubectl get -o wide`, Scale `status.selector`).
* `parse_field_selector(text, kind, group)` — the `?fieldSelector=` grammar (`fields.ParseSelector`: `=`,
  `==`, `!=`, backslash escapes), checked against the field labels kube-apiserver accepts for that kind
  (its field-label conversion functions) and matched against the values its registry exposes for an
  object (its `ToSelectableFields`).

Every parse error is a 400 BadRequest `StatusError` carrying upstream's exact message, e.g.
`unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt` or
`field label not supported: spec.foo`.  Parsing happens once; matching walks a precompiled plan, so
matching one selector against 10,000 objects costs a few milliseconds.

Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache

from kubeferry.machinery import dns
from kubeferry.machinery.status import StatusError, bad_request

TYPE_CHECKING = False
if TYPE_CHECKING:  # `typing` costs the CLI's rollout commands import time; annotations only
    from collections.abc import Callable
    from typing import Any

    FieldGetter = Callable[[Mapping[str, Any]], str]

# --- operators (apimachinery `selection.Operator` spellings) -------------------------------------

OP_IN = "in"
OP_NOT_IN = "notin"
OP_EQUALS = "="
OP_DOUBLE_EQUALS = "=="
OP_NOT_EQUALS = "!="
OP_GREATER_THAN = "gt"
OP_LESS_THAN = "lt"
OP_EXISTS = "exists"
OP_DOES_NOT_EXIST = "!"

# The order upstream lists binary operators in its "expected: …" parse error.
_BINARY_OPERATORS = (OP_IN, OP_NOT_IN, OP_EQUALS, OP_DOUBLE_EQUALS, OP_NOT_EQUALS, OP_GREATER_THAN, OP_LESS_THAN)
_UNARY_OPERATORS = (OP_EXISTS, OP_DOES_NOT_EXIST)
_ALL_OPERATORS = _BINARY_OPERATORS + _UNARY_OPERATORS

# metav1.LabelSelectorRequirement operators → selection operators.
_LABEL_SELECTOR_OPERATORS = {"In": OP_IN, "NotIn": OP_NOT_IN, "Exists": OP_EXISTS, "DoesNotExist": OP_DOES_NOT_EXIST}

NONE_SELECTOR_TEXT = "<none>"  # FormatLabelSelector of an empty selector

# --- label key / value syntax (apimachinery validate/content) ------------------------------------

LABEL_NAME_MAX_LENGTH = 63
LABEL_VALUE_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_MAX_LENGTH = 253

_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY_ERR = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
)
_LABEL_VALUE_FMT = "(" + _LABEL_KEY_FMT + ")?"
_LABEL_VALUE_ERR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_ERR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)

_LABEL_KEY_RE = re.compile(_LABEL_KEY_FMT)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
_INT64_RE = re.compile(r"[+-]?[0-9]+")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    """Upstream's RegexError text, double spaces included: `… (e.g. 'MyName',  or 'my.name', regex …)`."""
    text = message + " (e.g. "
    for i, example in enumerate(examples):
        if i:
            text += " or "
        text += "'" + example + "', "
    return text + "regex used for validation is '" + fmt + "')"


def _byte_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _dns1123_subdomain_errors(value: str) -> list[str]:
    errs = []
    if _byte_len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(f"must be no more than {DNS1123_SUBDOMAIN_MAX_LENGTH} bytes")
    if not dns.is_dns1123_subdomain(value):
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_ERR, dns.DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def label_key_errors(key: str) -> list[str]:
    """Why `key` is not a label key (empty when it is): optional DNS-subdomain prefix, '/', name ≤ 63 bytes."""
    errs: list[str] = []
    parts = key.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + msg for msg in _dns1123_subdomain_errors(prefix))
    else:
        return [
            "a valid label key "
            + _regex_error(_LABEL_KEY_ERR, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif _byte_len(name) > LABEL_NAME_MAX_LENGTH:
        errs.append(f"name part must be no more than {LABEL_NAME_MAX_LENGTH} bytes")
    if not _LABEL_KEY_RE.fullmatch(name):
        errs.append("name part " + _regex_error(_LABEL_KEY_ERR, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc"))
    return errs


def label_value_errors(value: str) -> list[str]:
    """Why `value` is not a label value (empty when it is): ≤ 63 bytes, alphanumerics inside `-_.`."""
    errs = []
    if _byte_len(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(f"must be no more than {LABEL_VALUE_MAX_LENGTH} bytes")
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(_regex_error(_LABEL_VALUE_ERR, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


# --- field-error rendering as apimachinery prints it inside these messages -----------------------

_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """Go's `%q`: double-quoted, backslash escapes, non-printables as `\\xNN` / `\\uNNNN`."""
    out = ['"']
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def _invalid(path: str, value: Any, detail: str) -> str:
    """`<path>: Invalid value: <value>: <detail>`; strings `%q`-quoted, lists as JSON (`null` when absent)."""
    rendered = go_quote(value) if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return f"{path}: Invalid value: {rendered}: {detail}"


def _aggregate(messages: list[str]) -> str:
    """utilerrors.Aggregate: one message alone, several de-duplicated inside `[…, …]`."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


# --- requirements --------------------------------------------------------------------------------

_MISSING = object()


def _parse_int64(text: str) -> int | None:
    """Go `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits, int64 range; None when it fails."""
    if not _INT64_RE.fullmatch(text):
        return None
    value = int(text)
    return value if _INT64_MIN <= value <= _INT64_MAX else None


class Requirement:
    """One `key <op> values` term.  Values keep their given order; `str()` sorts them."""

    __slots__ = ("key", "operator", "values", "_set", "_int")

    def __init__(self, key: str, operator: str, values: tuple[str, ...]) -> None:
        self.key = key
        self.operator = operator
        self.values = values
        self._set = frozenset(values)
        self._int = _parse_int64(values[0]) if operator in (OP_GREATER_THAN, OP_LESS_THAN) and values else None

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        value = labels.get(self.key, _MISSING)
        if op in (OP_IN, OP_EQUALS, OP_DOUBLE_EQUALS):
            return value is not _MISSING and value in self._set
        if op in (OP_NOT_IN, OP_NOT_EQUALS):
            return value is _MISSING or value not in self._set
        if op == OP_EXISTS:
            return value is not _MISSING
        if op == OP_DOES_NOT_EXIST:
            return value is _MISSING
        if value is _MISSING or self._int is None or len(self.values) != 1:
            return False
        number = _parse_int64(value)
        if number is None:
            return False
        return number > self._int if op == OP_GREATER_THAN else number < self._int

    def __str__(self) -> str:
        op = self.operator
        if op == OP_EXISTS:
            return self.key
        if op == OP_DOES_NOT_EXIST:
            return "!" + self.key
        values = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op in (OP_IN, OP_NOT_IN):
            return f"{self.key} {op} ({values})"
        symbol = {OP_GREATER_THAN: ">", OP_LESS_THAN: "<"}.get(op, op)
        return f"{self.key}{symbol}{values}"

    def __repr__(self) -> str:
        return f"Requirement({self.key!r}, {self.operator!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Requirement) and (self.key, self.operator, self.values) == (
            other.key,
            other.operator,
            other.values,
        )

    def __hash__(self) -> int:
        return hash((self.key, self.operator, self.values))


def new_requirement(key: str, operator: str, values: list[str] | tuple[str, ...] | None) -> Requirement:
    """Validated constructor (upstream `NewRequirement`); raises 400 with the aggregated field errors.

    `values=None` stands for Go's nil slice and renders as `null` in an error (`values: Invalid value: null:
    for 'in', 'notin' operators, values set can't be empty`).
    """
    errors = _requirement_errors(key, operator, values)
    if errors:
        raise bad_request(_aggregate(errors))
    return Requirement(key, operator, tuple(values or ()))


def _requirement_errors(key: str, operator: str, values: list[str] | tuple[str, ...] | None) -> list[str]:
    errors = []
    key_errs = label_key_errors(key)
    if key_errs:
        errors.append(_invalid("key", key, "; ".join(key_errs)))
    vals = list(values) if values is not None else None
    count = len(vals or ())
    if operator in (OP_IN, OP_NOT_IN):
        if count == 0:
            errors.append(_invalid("values", vals, "for 'in', 'notin' operators, values set can't be empty"))
    elif operator in (OP_EQUALS, OP_DOUBLE_EQUALS, OP_NOT_EQUALS):
        if count != 1:
            errors.append(_invalid("values", vals, "exact-match compatibility requires one single value"))
    elif operator in (OP_EXISTS, OP_DOES_NOT_EXIST):
        if count != 0:
            errors.append(_invalid("values", vals, "values set must be empty for exists and does not exist"))
    elif operator in (OP_GREATER_THAN, OP_LESS_THAN):
        if count != 1:
            errors.append(_invalid("values", vals, "for 'Gt', 'Lt' operators, exactly one value is required"))
        for i, value in enumerate(vals or ()):
            if _parse_int64(value) is None:
                errors.append(_invalid(f"values[{i}]", value, "for 'Gt', 'Lt' operators, the value must be an integer"))
    else:
        supported = ", ".join(go_quote(op) for op in _ALL_OPERATORS)
        errors.append(f"operator: Unsupported value: {go_quote(operator)}: supported values: {supported}")
    for i, value in enumerate(vals or ()):
        value_errs = label_value_errors(value)
        if value_errs:
            errors.append(_invalid(f"values[{i}][{key}]", value, "; ".join(value_errs)))
    return errors


# --- the compiled label selector -----------------------------------------------------------------

_EMPTY: Mapping[str, str] = {}


class LabelSelector:
    """An immutable, compiled label selector: AND of requirements sorted by key (or the match-nothing one)."""

    __slots__ = ("requirements", "nothing", "_plan")

    def __init__(self, requirements: tuple[Requirement, ...] = (), *, nothing: bool = False) -> None:
        self.requirements = tuple(sorted(requirements, key=lambda r: r.key))
        self.nothing = nothing
        self._plan = tuple(self._compile(r) for r in self.requirements)

    @staticmethod
    def _compile(req: Requirement) -> tuple[str, int, Any]:
        op = req.operator
        if op in (OP_IN, OP_EQUALS, OP_DOUBLE_EQUALS):
            return (req.key, 0, req.values[0]) if len(req.values) == 1 else (req.key, 1, req._set)
        if op in (OP_NOT_IN, OP_NOT_EQUALS):
            return (req.key, 2, req.values[0]) if len(req.values) == 1 else (req.key, 3, req._set)
        if op == OP_EXISTS:
            return (req.key, 4, None)
        if op == OP_DOES_NOT_EXIST:
            return (req.key, 5, None)
        return (req.key, 6, req)

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (it matches every object)."""
        return not self.nothing and not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        if labels is None:
            labels = _EMPTY
        get = labels.get
        for key, code, arg in self._plan:
            value = get(key, _MISSING)
            if code == 0:
                if value != arg:
                    return False
            elif code == 1:
                if value not in arg:
                    return False
            elif code == 2:
                if value == arg:
                    return False
            elif code == 3:
                if value in arg:
                    return False
            elif code == 4:
                if value is _MISSING:
                    return False
            elif code == 5:
                if value is not _MISSING:
                    return False
            elif not arg.matches(labels):
                return False
        return True

    def requires_exact_match(self, key: str) -> str | None:
        """The one value `key` must have (`=`, `==` or a one-value `in`), else None (upstream semantics)."""
        for req in self.requirements:
            if req.key == key:
                if req.operator in (OP_EQUALS, OP_DOUBLE_EQUALS, OP_IN) and len(req.values) == 1:
                    return req.values[0]
                return None
        return None

    def add(self, *requirements: Requirement) -> LabelSelector:
        return LabelSelector(self.requirements + requirements, nothing=self.nothing)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        return "LabelSelector(<nothing>)" if self.nothing else f"LabelSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, LabelSelector)
            and self.nothing == other.nothing
            and self.requirements == other.requirements
        )

    def __hash__(self) -> int:
        return hash((self.nothing, self.requirements))


EVERYTHING = LabelSelector()
NOTHING = LabelSelector(nothing=True)


# --- the label selector lexer and parser (labels.Parse) ------------------------------------------

_T_ERROR, _T_EOS, _T_CPAR, _T_COMMA, _T_NOT, _T_DEQ, _T_EQ, _T_GT, _T_ID, _T_IN, _T_LT, _T_NE, _T_NOTIN, _T_OPAR = (
    range(14)
)
_STRING_TO_TOKEN = {
    ")": _T_CPAR,
    ",": _T_COMMA,
    "!": _T_NOT,
    "==": _T_DEQ,
    "=": _T_EQ,
    ">": _T_GT,
    "in": _T_IN,
    "<": _T_LT,
    "!=": _T_NE,
    "notin": _T_NOTIN,
    "(": _T_OPAR,
}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")
_END = "\x00"  # the lexer's end-of-input marker; a NUL in the input ends a token the same way


def lex_label_selector(text: str) -> list[tuple[int, str]]:
    """Tokens of a label selector, ending with the end-of-string token (upstream's Lexer).

    Keywords `in`/`notin` and the symbols `= == != ! ( ) , > <` are tokens; every other run of
    characters up to whitespace or a symbol is an identifier.  Symbols are read greedily as long as
    they still spell a token: `!=` is one token, `=(` is two.  Like upstream, a NUL character reads
    as the end of input when a token would start there, and ends an identifier otherwise.
    """
    tokens: list[tuple[int, str]] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= end or text[pos] == _END:
            tokens.append((_T_EOS, ""))
            return tokens
        if text[pos] in _SPECIAL:
            buffer = ""
            last: tuple[int, str] | None = None
            while pos < end:
                ch = text[pos]
                if ch == _END:
                    pos += 1
                    break
                if ch not in _SPECIAL:
                    break
                buffer += ch
                token = _STRING_TO_TOKEN.get(buffer)
                if token is not None:
                    last = (token, buffer)
                elif last is not None:
                    break
                pos += 1
            tokens.append(last if last is not None else (_T_ERROR, f"error expected: keyword found '{buffer}'"))
        else:
            start = pos
            while pos < end and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE and text[pos] != _END:
                pos += 1
            word = text[start:pos]
            if pos < end and text[pos] == _END:
                pos += 1  # the NUL is consumed with the identifier it ends
            tokens.append((_STRING_TO_TOKEN.get(word, _T_ID), word))


class _SelectorSyntaxError(Exception):
    pass


class _Parser:
    """Recursive descent over the scanned tokens; `in`/`notin` read as identifiers in value position."""

    def __init__(self, text: str) -> None:
        self.items = lex_label_selector(text)
        self.position = 0

    def _token(self, index: int, values: bool) -> tuple[int, str]:
        tok, lit = self.items[index]
        if values and tok in (_T_IN, _T_NOTIN):
            tok = _T_ID
        return tok, lit

    def lookahead(self, values: bool = True) -> tuple[int, str]:
        return self._token(self.position, values)

    def consume(self, values: bool = True) -> tuple[int, str]:
        self.position += 1
        return self._token(self.position - 1, values)

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            tok, lit = self.lookahead()
            if tok in (_T_ID, _T_NOT):
                try:
                    requirements.append(self.parse_requirement())
                except _SelectorSyntaxError as err:
                    raise _SelectorSyntaxError(f"unable to parse requirement: {err}") from None
                tok, lit = self.consume()
                if tok == _T_EOS:
                    return requirements
                if tok == _T_COMMA:
                    tok2, lit2 = self.lookahead()
                    if tok2 not in (_T_ID, _T_NOT):
                        raise _SelectorSyntaxError(f"found '{lit2}', expected: identifier after ','")
                else:
                    raise _SelectorSyntaxError(f"found '{lit}', expected: ',' or 'end of string'")
            elif tok == _T_EOS:
                return requirements
            else:
                raise _SelectorSyntaxError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def parse_requirement(self) -> Requirement:
        key, operator = self.parse_key_and_infer_operator()
        if operator in (OP_EXISTS, OP_DOES_NOT_EXIST):
            return self._build(key, operator, [])
        operator = self.parse_operator()
        if operator in (OP_IN, OP_NOT_IN):
            values = self.parse_values()
        else:
            values = self.parse_exact_value()
        return self._build(key, operator, sorted(values))

    @staticmethod
    def _build(key: str, operator: str, values: list[str]) -> Requirement:
        errors = _requirement_errors(key, operator, values)
        if errors:
            raise _SelectorSyntaxError(_aggregate(errors))
        return Requirement(key, operator, tuple(values))

    def parse_key_and_infer_operator(self) -> tuple[str, str]:
        operator = ""
        tok, literal = self.consume()
        if tok == _T_NOT:
            operator = OP_DOES_NOT_EXIST
            tok, literal = self.consume()
        if tok != _T_ID:
            raise _SelectorSyntaxError(f"found '{literal}', expected: identifier")
        key_errs = label_key_errors(literal)
        if key_errs:
            # The parser validates with a nil field path, which Go prints as "<nil>".
            raise _SelectorSyntaxError(_invalid("<nil>", literal, "; ".join(key_errs)))
        if self.lookahead()[0] in (_T_EOS, _T_COMMA) and operator != OP_DOES_NOT_EXIST:
            operator = OP_EXISTS
        return literal, operator

    def parse_operator(self) -> str:
        tok, lit = self.consume(values=False)
        operator = {
            _T_IN: OP_IN,
            _T_EQ: OP_EQUALS,
            _T_DEQ: OP_DOUBLE_EQUALS,
            _T_GT: OP_GREATER_THAN,
            _T_LT: OP_LESS_THAN,
            _T_NOTIN: OP_NOT_IN,
            _T_NE: OP_NOT_EQUALS,
        }.get(tok)
        if operator is None:
            raise _SelectorSyntaxError(f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}")
        return operator

    def parse_values(self) -> set[str]:
        tok, lit = self.consume()
        if tok != _T_OPAR:
            raise _SelectorSyntaxError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead()
        if tok in (_T_ID, _T_COMMA):
            values = self.parse_identifiers_list()
            if self.consume()[0] != _T_CPAR:
                raise _SelectorSyntaxError(f"found '{lit}', expected: ')'")
            return values
        if tok == _T_CPAR:
            self.consume()
            return {""}
        raise _SelectorSyntaxError(f"found '{lit}', expected: ',', ')' or identifier")

    def parse_identifiers_list(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self.consume()
            if tok == _T_ID:
                values.add(lit)
                tok2, lit2 = self.lookahead()
                if tok2 == _T_COMMA:
                    continue
                if tok2 == _T_CPAR:
                    return values
                raise _SelectorSyntaxError(f"found '{lit2}', expected: ',' or ')'")
            if tok == _T_COMMA:
                if not values:
                    values.add("")  # "(," starts with an empty value
                tok2 = self.lookahead()[0]
                if tok2 in (_T_CPAR, _T_COMMA):
                    values.add("")  # ",)" and ",," hold an empty value
                if tok2 == _T_CPAR:
                    return values
                continue
            raise _SelectorSyntaxError(f"found '{lit}', expected: ',', or identifier")

    def parse_exact_value(self) -> set[str]:
        if self.lookahead()[0] in (_T_EOS, _T_COMMA):
            return {""}
        tok, lit = self.consume()
        if tok == _T_ID:
            return {lit}
        raise _SelectorSyntaxError(f"found '{lit}', expected: identifier")


@lru_cache(maxsize=512)
def parse_label_selector(text: str) -> LabelSelector:
    """Parse `?labelSelector=` text (upstream `labels.Parse`); 400 BadRequest with upstream's message if bad.

    >>> str(parse_label_selector("tier in (web,api), app = demo,!canary"))
    'app=demo,!canary,tier in (api,web)'
    """
    try:
        return LabelSelector(tuple(_Parser(text).parse()))
    except _SelectorSyntaxError as err:
        raise bad_request(str(err)) from None


def selector_from_set(labels: Mapping[str, str] | None) -> LabelSelector:
    """`key=value` for every entry, unvalidated (upstream `SelectorFromSet`); empty or None matches all."""
    if not labels:
        return EVERYTHING
    return LabelSelector(tuple(Requirement(k, OP_EQUALS, (v,)) for k, v in labels.items()))


def from_label_selector(selector: Mapping[str, Any] | None) -> LabelSelector:
    """Compile a `metav1.LabelSelector` dict (upstream `LabelSelectorAsSelector`).

    None selects nothing; `{}` (no matchLabels, no matchExpressions) selects everything.  An invalid
    key, value or operator raises 400 with upstream's message (`"Foo" is not a valid label selector
    operator`, `key: Invalid value: …`).
    """
    if selector is None:
        return NOTHING
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not match_labels and not expressions:
        return EVERYTHING
    requirements = [new_requirement(k, OP_EQUALS, [v]) for k, v in sorted(match_labels.items())]
    for expr in expressions:
        operator = _LABEL_SELECTOR_OPERATORS.get(expr.get("operator", ""))
        if operator is None:
            raise bad_request(f"{go_quote(str(expr.get('operator', '')))} is not a valid label selector operator")
        values = expr.get("values")
        requirements.append(new_requirement(expr.get("key", ""), operator, list(values) if values else None))
    return LabelSelector(tuple(requirements))


def format_label_selector(selector: Mapping[str, Any] | None) -> str:
    """Upstream `FormatLabelSelector`: the canonical string, `<none>` when empty, `<error>` when invalid."""
    try:
        text = str(from_label_selector(selector))
    except StatusError:
        return "<error>"
    return text or NONE_SELECTOR_TEXT


# --- field selectors (fields.ParseSelector) -----------------------------------------------------

FIELD_OP_EQUALS = "="
FIELD_OP_NOT_EQUALS = "!="
_TERM_OPERATORS = ("!=", "==", "=")  # `==` before `=` so it does not leave a leading `=` on the value


def escape_field_value(value: str) -> str:
    """Backslash-escape `\\`, `,` and `=` for use in a field selector (upstream `EscapeValue`)."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_field_value(value: str) -> str:
    """Undo `escape_field_value`; 400 on a bad escape or a bare `,` / `=` (upstream `UnescapeValue`)."""
    if not any(c in value for c in "\\,="):
        return value
    out: list[str] = []
    in_slash = False
    for ch in value:
        if in_slash:
            if ch not in "\\,=":
                raise bad_request(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch in ",=":
            # Go prints the offending rune with %v, i.e. as its code point number.
            raise bad_request(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if in_slash:
        raise bad_request("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _split_terms(text: str) -> list[str]:
    if not text:
        return []
    terms, start, in_slash = [], 0, False
    for i, ch in enumerate(text):
        if in_slash:
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        for op in _TERM_OPERATORS:
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
    return None


def _syntax_terms(text: str) -> list[tuple[str, str, str]]:
    """(field, `=`|`!=`, unescaped value) per term, in upstream's order (raw terms sorted as strings)."""
    terms = []
    for part in sorted(_split_terms(text)):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        lhs, op, rhs = split
        terms.append((lhs, FIELD_OP_NOT_EQUALS if op == "!=" else FIELD_OP_EQUALS, unescape_field_value(rhs)))
    return terms


# Per-kind field support.  `labels` maps every label the server accepts to the field it selects on
# (field-label conversion; e.g. pods accept the legacy `spec.host` for `spec.nodeName`); `fields` maps
# each selectable field to how its value is read from a v1 JSON object (registry ToSelectableFields),
# a `FieldGetter` (the alias is declared for annotations only, at the top).


def _dig(obj: Mapping[str, Any], *path: str) -> Any:
    for part in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return obj


def _string(first: str, second: str | None = None) -> FieldGetter:
    """Read a string at `first` or `first.second`; anything else reads as "".  Kept flat: it runs per object."""
    if second is None:

        def get_top(obj: Mapping[str, Any]) -> str:
            value = obj.get(first)
            return value if isinstance(value, str) else ""

        return get_top

    def get_nested(obj: Mapping[str, Any]) -> str:
        parent = obj.get(first)
        if isinstance(parent, dict):
            value = parent.get(second)
            if isinstance(value, str):
                return value
        return ""

    return get_nested


def _boolean(*path: str) -> FieldGetter:
    return lambda obj: "true" if _dig(obj, *path) is True else "false"


def _integer(*path: str) -> FieldGetter:
    def get(obj: Mapping[str, Any]) -> str:
        value = _dig(obj, *path)
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else "0"

    return get


def _first_string(*paths: tuple[str, ...]) -> FieldGetter:
    def get(obj: Mapping[str, Any]) -> str:
        for path in paths:
            value = _dig(obj, *path)
            if isinstance(value, str) and value:
                return value
        return ""

    return get


def _pod_ip(obj: Mapping[str, Any]) -> str:
    ips = _dig(obj, "status", "podIPs")
    if isinstance(ips, list) and ips and isinstance(ips[0], Mapping):
        return str(ips[0].get("ip") or "")
    value = _dig(obj, "status", "podIP")
    return value if isinstance(value, str) else ""


_META_FIELDS: dict[str, FieldGetter] = {
    "metadata.name": _string("metadata", "name"),
    "metadata.namespace": _string("metadata", "namespace"),
}


def _event_fields() -> dict[str, FieldGetter]:
    """Core Event selectable fields, readable from a core/v1 or an events.k8s.io/v1 object."""
    fields = dict(_META_FIELDS)
    for part in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"):
        fields["involvedObject." + part] = _first_string(("involvedObject", part), ("regarding", part))
    fields["reason"] = _string("reason")
    fields["type"] = _string("type")
    fields["reportingComponent"] = _first_string(("reportingComponent",), ("reportingController",))
    # `source` is source.component, falling back to the reporting controller.
    fields["source"] = _first_string(
        ("source", "component"), ("deprecatedSource", "component"), ("reportingComponent",), ("reportingController",)
    )
    return fields


def _unsupported(label: str) -> str:
    return f"field label not supported: {label}"


def _default_unsupported(label: str) -> str:
    return f'{go_quote(label)} is not a known field selector: only "metadata.name", "metadata.namespace"'


class _FieldSpec:
    __slots__ = ("labels", "fields", "error")

    def __init__(self, labels: dict[str, str], fields: dict[str, FieldGetter], error: Callable[[str], str]) -> None:
        self.labels = labels
        self.fields = fields
        self.error = error


def _same(*labels: str) -> dict[str, str]:
    return {label: label for label in labels}


_EVENT_FIELDS = _event_fields()
_DEFAULT_SPEC = _FieldSpec(_same("metadata.name", "metadata.namespace"), _META_FIELDS, _default_unsupported)

_FIELD_SPECS: dict[tuple[str, str], _FieldSpec] = {
    ("", "Pod"): _FieldSpec(
        {
            **_same(
                "metadata.name",
                "metadata.namespace",
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "spec.hostNetwork",
                "status.phase",
                "status.podIP",
                "status.podIPs",  # accepted, but not a selectable field: it always reads as ""
                "status.nominatedNodeName",
            ),
            "spec.host": "spec.nodeName",  # legacy v1 clients
        },
        {
            **_META_FIELDS,
            "spec.nodeName": _string("spec", "nodeName"),
            "spec.restartPolicy": _string("spec", "restartPolicy"),
            "spec.schedulerName": _string("spec", "schedulerName"),
            "spec.serviceAccountName": _string("spec", "serviceAccountName"),
            "spec.hostNetwork": _boolean("spec", "hostNetwork"),
            "status.phase": _string("status", "phase"),
            "status.podIP": _pod_ip,
            "status.nominatedNodeName": _string("status", "nominatedNodeName"),
        },
        _unsupported,
    ),
    ("", "Node"): _FieldSpec(
        _same("metadata.name", "spec.unschedulable"),
        {"metadata.name": _META_FIELDS["metadata.name"], "spec.unschedulable": _boolean("spec", "unschedulable")},
        _unsupported,
    ),
    ("", "Namespace"): _FieldSpec(
        _same("metadata.name", "status.phase"),
        {"metadata.name": _META_FIELDS["metadata.name"], "status.phase": _string("status", "phase")},
        _unsupported,
    ),
    ("", "Secret"): _FieldSpec(
        _same("metadata.name", "metadata.namespace", "type"), {**_META_FIELDS, "type": _string("type")}, _unsupported
    ),
    ("", "Service"): _FieldSpec(
        _same("metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"),
        {**_META_FIELDS, "spec.clusterIP": _string("spec", "clusterIP"), "spec.type": _string("spec", "type")},
        _unsupported,
    ),
    ("", "ReplicationController"): _FieldSpec(
        _same("metadata.name", "metadata.namespace", "status.replicas"),
        {**_META_FIELDS, "status.replicas": _integer("status", "replicas")},
        _unsupported,
    ),
    ("", "Event"): _FieldSpec(
        _same(
            "metadata.name",
            "metadata.namespace",
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ),
        _EVENT_FIELDS,
        _unsupported,
    ),
    ("events.k8s.io", "Event"): _FieldSpec(
        {
            **_same("metadata.name", "metadata.namespace", "reason", "source", "type"),
            **{f"regarding.{p}": f"involvedObject.{p}" for p in ("kind", "namespace", "name", "uid")},
            **{f"regarding.{p}": f"involvedObject.{p}" for p in ("apiVersion", "resourceVersion", "fieldPath")},
            "reportingController": "reportingComponent",
        },
        _EVENT_FIELDS,
        _unsupported,
    ),
    ("batch", "Job"): _FieldSpec(
        _same("metadata.name", "metadata.namespace", "status.successful"),
        {**_META_FIELDS, "status.successful": _integer("status", "succeeded")},
        lambda label: f"field label {go_quote(label)} not supported for batchv1.Job",
    ),
}


def supported_field_labels(kind: str, group: str = "") -> list[str]:
    """The field labels the server accepts for a kind, sorted (for docs and error hints)."""
    return sorted(_FIELD_SPECS.get((group, kind), _DEFAULT_SPEC).labels)


class FieldSelector:
    """An immutable, compiled field selector: AND of `field=value` / `field!=value` terms."""

    __slots__ = ("terms", "_plan")

    def __init__(self, terms: tuple[tuple[str, str, str], ...], getters: Mapping[str, FieldGetter] | None = None):
        self.terms = terms
        fields = getters or {}
        self._plan = tuple(
            (fields.get(field, _string_constant), field, op == FIELD_OP_EQUALS, value) for field, op, value in terms
        )

    @property
    def empty(self) -> bool:
        return not self.terms

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Match a v1 JSON object of the kind this selector was parsed for."""
        for getter, _field, equal, value in self._plan:  # noqa: SIM110 -- a plain loop is faster than all()
            if (getter(obj) == value) is not equal:
                return False
        return True

    def matches_fields(self, fields: Mapping[str, str]) -> bool:
        """Match a ready-made field set (absent fields read as "")."""
        return all((fields.get(f, "") == v) is (op == FIELD_OP_EQUALS) for f, op, v in self.terms)

    def requires_exact_match(self, field: str) -> str | None:
        for f, op, value in self.terms:
            if f == field and op == FIELD_OP_EQUALS:
                return value
        return None

    def __str__(self) -> str:
        return ",".join(f"{f}{op}{escape_field_value(v)}" for f, op, v in self.terms)

    def __repr__(self) -> str:
        return f"FieldSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSelector) and self.terms == other.terms

    def __hash__(self) -> int:
        return hash(self.terms)


def _string_constant(obj: Mapping[str, Any]) -> str:
    """A field the kind accepts but does not expose (e.g. pods' `status.podIPs`) always reads as ""."""
    return ""


def parse_field_selector_syntax(text: str) -> FieldSelector:
    """Parse only the grammar (upstream `fields.ParseSelector`), without per-kind label checks.

    The result matches with `matches_fields()`; `matches()` sees every field as "".
    """
    return FieldSelector(tuple(_syntax_terms(text)))


@lru_cache(maxsize=512)
def parse_field_selector(text: str, kind: str, group: str = "") -> FieldSelector:
    """Parse `?fieldSelector=` text for objects of `kind` in API `group` ("" for core).

    Syntax errors and unsupported labels raise 400 with kube-apiserver's message; the label check
    runs term by term in sorted order, so the first unsupported label in that order is reported.
    E.g. `spec.foo=1` for apps Deployments fails with
    `"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"`, for pods
    with `field label not supported: spec.foo`.
    """
    spec = _FIELD_SPECS.get((group, kind), _DEFAULT_SPEC)
    terms = []
    for field, op, value in _syntax_terms(text):
        canonical = spec.labels.get(field)
        if canonical is None:
            raise bad_request(spec.error(field))
        terms.append((canonical, op, value))
    return FieldSelector(tuple(terms), spec.fields)


def requirements_exact(selector: LabelSelector | FieldSelector) -> dict[str, str] | None:
    """The `key → value` map when every term is an equality (`=`, `==`, one-value `in`), else None.

    Storage can answer such a selector from an index.  An empty selector gives `{}`; a selector that
    cannot be expressed as one map (match-nothing, `!=`, `in (a,b)`, `x=a,x=b`) gives None.
    """
    exact: dict[str, str] = {}
    if isinstance(selector, FieldSelector):
        pairs = [(f, v) if op == FIELD_OP_EQUALS else None for f, op, v in selector.terms]
    else:
        if selector.nothing:
            return None
        pairs = [
            (r.key, r.values[0]) if r.operator in (OP_EQUALS, OP_DOUBLE_EQUALS, OP_IN) and len(r.values) == 1 else None
            for r in selector.requirements
        ]
    for pair in pairs:
        if pair is None:
            return None
        key, value = pair
        if exact.setdefault(key, value) != value:
            return None
    return exact
