"""Label and field selectors: cases restated from apimachinery's labels/fields selector tests and
kube-apiserver's field-label conversions (v1.37), plus the messages the server answers with."""

from __future__ import annotations

import pytest

from kubeferry.machinery import selectors as sel
from kubeferry.machinery.status import StatusError

LABEL_VALUE_REGEX_ERR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation "
    "is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
NAME_PART_REGEX_ERR = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
BINARY_OPS = "in, notin, =, ==, !=, gt, lt"


def bad(text: str) -> StatusError:
    with pytest.raises(StatusError) as info:
        sel.parse_label_selector(text)
    assert info.value.code == 400
    assert info.value.reason == "BadRequest"
    return info.value


# --- lexer (TestLexer / TestLexerSequence) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "token"),
    [
        pytest.param("", sel._T_EOS, id="empty-is-end"),
        pytest.param(",", sel._T_COMMA, id="comma"),
        pytest.param("notin", sel._T_NOTIN, id="notin-keyword"),
        pytest.param("in", sel._T_IN, id="in-keyword"),
        pytest.param("=", sel._T_EQ, id="equals"),
        pytest.param("==", sel._T_DEQ, id="double-equals"),
        pytest.param(">", sel._T_GT, id="greater"),
        pytest.param("<", sel._T_LT, id="less"),
        pytest.param("!", sel._T_NOT, id="not"),
        pytest.param("!=", sel._T_NE, id="longest-token-wins"),
        pytest.param("(", sel._T_OPAR, id="open-paren"),
        pytest.param(")", sel._T_CPAR, id="close-paren"),
        pytest.param("~", sel._T_ID, id="tilde-is-identifier"),
        pytest.param("||", sel._T_ID, id="pipes-are-identifier"),
    ],
)
def test_lexer_single_token(text, token):
    tok, lit = sel.lex_label_selector(text)[0]
    assert tok == token
    assert lit == text


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        pytest.param("key in ( value )", ["ID", "IN", "(", "ID", ")"], id="in"),
        pytest.param("key notin ( value )", ["ID", "NOTIN", "(", "ID", ")"], id="notin"),
        pytest.param("key in ( value1, value2 )", ["ID", "IN", "(", "ID", ",", "ID", ")"], id="in-two"),
        pytest.param("key", ["ID"], id="exists"),
        pytest.param("!key", ["!", "ID"], id="not-exists"),
        pytest.param("()", ["(", ")"], id="parens"),
        pytest.param("x in (),y", ["ID", "IN", "(", ")", ",", "ID"], id="empty-set"),
        pytest.param("== != (), = notin", ["==", "!=", "(", ")", ",", "=", "NOTIN"], id="operators"),
        pytest.param("key>2", ["ID", ">", "ID"], id="gt"),
        pytest.param("key<1", ["ID", "<", "ID"], id="lt"),
        pytest.param("a=(b", ["ID", "=", "(", "ID"], id="equals-then-paren-split"),
    ],
)
def test_lexer_sequence(text, tokens):
    names = {
        sel._T_ID: "ID",
        sel._T_IN: "IN",
        sel._T_NOTIN: "NOTIN",
        sel._T_OPAR: "(",
        sel._T_CPAR: ")",
        sel._T_COMMA: ",",
        sel._T_NOT: "!",
        sel._T_DEQ: "==",
        sel._T_NE: "!=",
        sel._T_EQ: "=",
        sel._T_GT: ">",
        sel._T_LT: "<",
    }
    lexed = sel.lex_label_selector(text)
    assert lexed[-1] == (sel._T_EOS, "")
    assert [names[tok] for tok, _ in lexed[:-1]] == tokens


# --- parse + canonical string (TestSelectorParse / TestSetSelectorParser / TestToString) ----------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param("x=a,y=b,z=c", "x=a,y=b,z=c", id="equalities"),
        pytest.param("", "", id="empty"),
        pytest.param("x!=a,y=b", "x!=a,y=b", id="not-equals"),
        pytest.param("x=", "x=", id="empty-value"),
        pytest.param("x= ", "x=", id="empty-value-trailing-space"),
        pytest.param("x=,z= ", "x=,z=", id="two-empty-values"),
        pytest.param("x= ,z= ", "x=,z=", id="two-empty-values-spaces"),
        pytest.param("!x", "!x", id="does-not-exist"),
        pytest.param("x>1", "x>1", id="greater-than"),
        pytest.param("x>1,z<5", "x>1,z<5", id="gt-and-lt"),
        pytest.param("x=a,a=x", "a=x,x=a", id="sorted-by-key"),
        pytest.param("\rx", "x", id="carriage-return-is-blank"),
        pytest.param(
            "this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash", id="prefixed-key"
        ),
        pytest.param(
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            id="prefixed-key-in",
        ),
        pytest.param(
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)",
            id="numeric-prefix-notin",
        ),
        pytest.param("foo  in\t (abc)", "foo in (abc)", id="tabs-and-spaces"),
        pytest.param("x notin\n (abc)", "x notin (abc)", id="newline"),
        pytest.param("x  notin\t\t\t(abc,def)", "x notin (abc,def)", id="many-tabs"),
        pytest.param("x in (abc,)", "x in (,abc)", id="trailing-comma-empty-value"),
        pytest.param("x in (abc,abc)", "x in (abc)", id="duplicates-collapse"),
        pytest.param("x in ()", "x in ()", id="empty-parens-one-empty-value"),
        pytest.param("x in (a,,)", "x in (,a)", id="double-comma"),
        pytest.param("x in (a,,,,,,)", "x in (,a)", id="many-commas"),
        pytest.param("x in (a,,a,,a,,a,,)", "x in (,a)", id="repeated-with-blanks"),
        pytest.param("x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()", id="mixed"),
        pytest.param("x notin ( )", "x notin ()", id="blank-inside-parens"),
        pytest.param("x notin (, a)", "x notin (,a)", id="leading-comma"),
        pytest.param("a ", "a", id="trailing-space-exists"),
        pytest.param("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)", id="keywords-as-values"),
        pytest.param("notin=in", "notin=in", id="keywords-in-exact-match"),
        pytest.param("x==abc,y!=def", "x==abc,y!=def", id="double-equals-kept"),
        pytest.param("tier in (web,api), app = demo,!canary", "app=demo,!canary,tier in (api,web)", id="realistic"),
    ],
)
def test_parse_canonical(text, canonical):
    assert str(sel.parse_label_selector(text)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "x=a||y=b",
            f'unable to parse requirement: values[0][x]: Invalid value: "a||y": {LABEL_VALUE_REGEX_ERR}',
            id="or",
        ),
        pytest.param("x==a==b", "found '==', expected: ',' or 'end of string'", id="chained-equals"),
        pytest.param("!x=a", "found '=', expected: ',' or 'end of string'", id="not-with-value"),
        pytest.param(
            "x<a",
            "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be "
            "an integer",
            id="lt-non-integer",
        ),
        pytest.param("x,,y", "found ',', expected: identifier after ','", id="double-comma"),
        pytest.param(",x,y", "found ',', expected: !, identifier, or 'end of string'", id="leading-comma"),
        pytest.param(
            "x nott in (y)", f"unable to parse requirement: found 'nott', expected: {BINARY_OPS}", id="unknown-operator"
        ),
        pytest.param("a in (xyz),", "found '', expected: identifier after ','", id="trailing-comma"),
        pytest.param("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'", id="missing-comma"),
        pytest.param("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'", id="no-comma"),
        pytest.param(
            "a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier", id="unclosed"
        ),
        pytest.param("a (", f"unable to parse requirement: found '(', expected: {BINARY_OPS}", id="paren-operator"),
        pytest.param("(", "found '(', expected: !, identifier, or 'end of string'", id="open-paren"),
        pytest.param("x in a", "unable to parse requirement: found 'a' expected: '('", id="in-without-paren"),
        pytest.param("x=(", "unable to parse requirement: found '(', expected: identifier", id="paren-value"),
        pytest.param("!", "unable to parse requirement: found '', expected: identifier", id="bare-not"),
        pytest.param(
            "a/b/c",
            'unable to parse requirement: <nil>: Invalid value: "a/b/c": a valid label key must consist of '
            "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
            "'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
            "[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
            id="key-two-slashes",
        ),
        pytest.param(
            "app/",
            f'unable to parse requirement: <nil>: Invalid value: "app/": name part must be non-empty; {NAME_PART_REGEX_ERR}',
            id="key-empty-name",
        ),
        pytest.param(
            "/app",
            'unable to parse requirement: <nil>: Invalid value: "/app": prefix part must be non-empty',
            id="key-empty-prefix",
        ),
        pytest.param(
            "-app=x", f'unable to parse requirement: <nil>: Invalid value: "-app": {NAME_PART_REGEX_ERR}', id="key-dash"
        ),
        pytest.param(
            "a" * 64,
            f'unable to parse requirement: <nil>: Invalid value: "{"a" * 64}": name part must be no more than 63 bytes',
            id="key-too-long",
        ),
        pytest.param(
            "x in (-a,-b)",
            f'unable to parse requirement: [values[0][x]: Invalid value: "-a": {LABEL_VALUE_REGEX_ERR}, '
            f'values[1][x]: Invalid value: "-b": {LABEL_VALUE_REGEX_ERR}]',
            id="two-bad-values-aggregated",
        ),
        pytest.param(
            "x=" + "a" * 64,
            f'unable to parse requirement: values[0][x]: Invalid value: "{"a" * 64}": must be no more than 63 bytes',
            id="value-too-long",
        ),
    ],
)
def test_parse_errors(text, message):
    assert bad(text).message == message


def test_parse_prefix_subdomain_error():
    message = bad("Bad_Prefix/name").message
    assert message == (
        'unable to parse requirement: <nil>: Invalid value: "Bad_Prefix/name": prefix part a lowercase RFC 1123 '
        "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    )


# --- matching (TestSelectorMatches / TestRequirementSelectorMatching) ------------------------------

LABELSET = {"foo": "bar", "baz": "blah"}


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        pytest.param("", {"x": "y"}, True, id="empty-matches-all"),
        pytest.param("x=y", {"x": "y"}, True, id="eq"),
        pytest.param("x=y,z=w", {"x": "y", "z": "w"}, True, id="two-eq"),
        pytest.param("x!=y,z!=w", {"x": "z", "z": "a"}, True, id="two-ne"),
        pytest.param("notin=in", {"notin": "in"}, True, id="keywords-exact"),
        pytest.param("x", {"x": "z"}, True, id="exists"),
        pytest.param("!x", {"y": "z"}, True, id="not-exists"),
        pytest.param("x>1", {"x": "2"}, True, id="gt"),
        pytest.param("x<1", {"x": "0"}, True, id="lt"),
        pytest.param("x=z", {}, False, id="eq-missing"),
        pytest.param("x=y", {"x": "z"}, False, id="eq-different"),
        pytest.param("x=y,z=w", {"x": "w", "z": "w"}, False, id="one-eq-fails"),
        pytest.param("x!=y,z!=w", {"x": "z", "z": "w"}, False, id="one-ne-fails"),
        pytest.param("x", {"y": "z"}, False, id="exists-missing"),
        pytest.param("!x", {"x": "z"}, False, id="not-exists-present"),
        pytest.param("x>1", {"x": "0"}, False, id="gt-fails"),
        pytest.param("x<1", {"x": "2"}, False, id="lt-fails"),
        pytest.param("z>1", {"z": "v2"}, False, id="gt-non-integer-label"),
        pytest.param("z>1", {}, False, id="gt-missing"),
        pytest.param("foo=bar", LABELSET, True, id="labelset-foo"),
        pytest.param("baz=blah", LABELSET, True, id="labelset-baz"),
        pytest.param("foo=bar,baz=blah", LABELSET, True, id="labelset-both"),
        pytest.param("foo=blah", LABELSET, False, id="labelset-wrong-value"),
        pytest.param("baz=bar", LABELSET, False, id="labelset-swapped"),
        pytest.param("foo=bar,foobar=bar,baz=blah", LABELSET, False, id="labelset-extra-key"),
        pytest.param("x in (foo),y notin (alpha)", {"x": "foo", "y": "baz"}, True, id="in-and-notin"),
        pytest.param("x in (foo),y in (alpha)", {"x": "foo", "y": "baz"}, False, id="in-fails"),
        pytest.param("x notin (),y", {"y": ""}, True, id="notin-empty-missing-key"),
        pytest.param("!x,y", {"y": ""}, True, id="not-exists-and-exists"),
        pytest.param("x notin (),!y", {"y": ""}, False, id="exists-with-empty-value"),
        pytest.param("x in ()", {"y": "baz"}, False, id="in-empty-missing"),
        pytest.param("x in (a,b)", {"x": "b"}, True, id="in-second-value"),
        pytest.param("x notin (a,b)", {"x": "b"}, False, id="notin-second-value"),
        pytest.param("x notin (a,b)", {}, True, id="notin-missing-key"),
        pytest.param("x=y", None, False, id="nil-labels"),
        pytest.param("!x", None, True, id="nil-labels-not-exists"),
    ],
)
def test_matches(text, labels, expected):
    assert sel.parse_label_selector(text).matches(labels) is expected


def test_selector_from_set_matches_and_prints():
    selector = sel.selector_from_set({"foo": "bar", "baz": "blah"})
    assert str(selector) == "baz=blah,foo=bar"
    assert selector.matches(LABELSET)
    assert not sel.selector_from_set({"foo": "=blah"}).matches(LABELSET)
    assert sel.selector_from_set(None).empty
    assert sel.selector_from_set({}).matches({"anything": "x"})


# --- NewRequirement (TestRequirementConstructor) -----------------------------------------------


@pytest.mark.parametrize(
    ("key", "op", "values", "message"),
    [
        pytest.param(
            "x1",
            sel.OP_IN,
            None,
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
            id="in-nil",
        ),
        pytest.param(
            "x2",
            sel.OP_NOT_IN,
            [],
            "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
            id="notin-empty",
        ),
        pytest.param("x3", sel.OP_IN, ["foo"], None, id="in-one"),
        pytest.param("x4", sel.OP_NOT_IN, ["foo"], None, id="notin-one"),
        pytest.param(
            "x5",
            sel.OP_EQUALS,
            ["bar", "foo"],
            'values: Invalid value: ["bar","foo"]: exact-match compatibility requires one single value',
            id="equals-two",
        ),
        pytest.param("x6", sel.OP_EXISTS, [], None, id="exists"),
        pytest.param("x7", sel.OP_DOES_NOT_EXIST, [], None, id="does-not-exist"),
        pytest.param(
            "x8",
            sel.OP_EXISTS,
            ["foo"],
            'values: Invalid value: ["foo"]: values set must be empty for exists and does not exist',
            id="exists-with-value",
        ),
        pytest.param("x11", sel.OP_GREATER_THAN, ["1"], None, id="gt"),
        pytest.param("x12", sel.OP_LESS_THAN, ["6"], None, id="lt"),
        pytest.param(
            "x13",
            sel.OP_GREATER_THAN,
            [],
            "values: Invalid value: []: for 'Gt', 'Lt' operators, exactly one value is required",
            id="gt-none",
        ),
        pytest.param(
            "x14",
            sel.OP_GREATER_THAN,
            ["bar"],
            "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer",
            id="gt-word",
        ),
        pytest.param(
            "x17",
            sel.OP_EQUALS,
            ["a b"],
            f'values[0][x17]: Invalid value: "a b": {LABEL_VALUE_REGEX_ERR}',
            id="value-with-space",
        ),
        pytest.param(
            "x18",
            "unsupportedOp",
            [],
            'operator: Unsupported value: "unsupportedOp": supported values: "in", "notin", "=", "==", "!=", "gt", '
            '"lt", "exists", "!"',
            id="unsupported-operator",
        ),
    ],
)
def test_new_requirement(key, op, values, message):
    if message is None:
        assert sel.new_requirement(key, op, values).key == key
    else:
        with pytest.raises(StatusError) as info:
            sel.new_requirement(key, op, values)
        assert info.value.message == message


def test_new_requirement_long_key():
    with pytest.raises(StatusError) as info:
        sel.new_requirement("a" * 254, sel.OP_EXISTS, [])
    assert info.value.message.startswith('key: Invalid value: "' + "a" * 254 + '": name part must be no more than 63')


@pytest.mark.parametrize(
    ("requirements", "expected"),
    [
        pytest.param(
            [("x", sel.OP_IN, ("abc", "def")), ("y", sel.OP_NOT_IN, ("jkl",)), ("z", sel.OP_EXISTS, ())],
            "x in (abc,def),y notin (jkl),z",
            id="in-notin-exists",
        ),
        pytest.param(
            [
                ("x", sel.OP_NOT_IN, ("def", "abc")),
                ("y", sel.OP_NOT_EQUALS, ("jkl",)),
                ("z", sel.OP_DOES_NOT_EXIST, ()),
            ],
            "x notin (abc,def),y!=jkl,!z",
            id="values-sorted-on-output",
        ),
        pytest.param(
            [("x", sel.OP_NOT_IN, ("abc",)), ("y", sel.OP_IN, ("jkl", "mno")), ("z", sel.OP_NOT_IN, ("",))],
            "x notin (abc),y in (jkl,mno),z notin ()",
            id="empty-value-set",
        ),
        pytest.param(
            [
                ("x", sel.OP_EQUALS, ("abc",)),
                ("y", sel.OP_DOUBLE_EQUALS, ("jkl",)),
                ("z", sel.OP_NOT_EQUALS, ("a",)),
                ("z", sel.OP_EXISTS, ()),
            ],
            "x=abc,y==jkl,z!=a,z",
            id="equality-spellings",
        ),
        pytest.param(
            [("x", sel.OP_GREATER_THAN, ("2",)), ("y", sel.OP_LESS_THAN, ("8",)), ("z", sel.OP_EXISTS, ())],
            "x>2,y<8,z",
            id="gt-lt",
        ),
    ],
)
def test_to_string(requirements, expected):
    built = sel.LabelSelector(tuple(sel.Requirement(k, op, v) for k, op, v in requirements))
    assert str(built) == expected


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        pytest.param("", "test", None, id="empty"),
        pytest.param("a=b", "test", None, id="other-key"),
        pytest.param("test=b", "test", "b", id="equals"),
        pytest.param("test==b", "test", "b", id="double-equals"),
        pytest.param("test in (b)", "test", "b", id="in-one"),
        pytest.param("test in (b,c)", "test", None, id="in-two"),
        pytest.param("test!=b", "test", None, id="not-equals"),
        pytest.param("test=", "test", "", id="empty-value"),
    ],
)
def test_requires_exact_match(text, key, expected):
    assert sel.parse_label_selector(text).requires_exact_match(key) == expected


# --- metav1.LabelSelector ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "labels", "matches", "text"),
    [
        pytest.param(None, {"a": "b"}, False, "", id="nil-matches-nothing"),
        pytest.param({}, {"a": "b"}, True, "", id="empty-matches-everything"),
        pytest.param({"matchLabels": {}, "matchExpressions": []}, {}, True, "", id="empty-parts"),
        pytest.param({"matchLabels": {"app": "web"}}, {"app": "web", "x": "y"}, True, "app=web", id="match-labels"),
        pytest.param({"matchLabels": {"app": "web"}}, {"app": "api"}, False, "app=web", id="match-labels-miss"),
        pytest.param(
            {
                "matchLabels": {"tier": "front", "app": "web"},
                "matchExpressions": [
                    {"key": "env", "operator": "In", "values": ["prod", "dev"]},
                    {"key": "canary", "operator": "DoesNotExist"},
                    {"key": "zone", "operator": "Exists"},
                    {"key": "track", "operator": "NotIn", "values": ["beta"]},
                ],
            },
            {"app": "web", "tier": "front", "env": "dev", "zone": "a"},
            True,
            "app=web,!canary,env in (dev,prod),tier=front,track notin (beta),zone",
            id="everything",
        ),
    ],
)
def test_from_label_selector(selector, labels, matches, text):
    compiled = sel.from_label_selector(selector)
    assert compiled.matches(labels) is matches
    assert str(compiled) == text


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["b"]}]},
            '"Equals" is not a valid label selector operator',
            id="bad-operator",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
            id="in-without-values",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
            'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
            id="exists-with-values",
        ),
        pytest.param(
            {"matchLabels": {"app": "a b"}},
            f'values[0][app]: Invalid value: "a b": {LABEL_VALUE_REGEX_ERR}',
            id="bad-match-label-value",
        ),
    ],
)
def test_from_label_selector_errors(selector, message):
    with pytest.raises(StatusError) as info:
        sel.from_label_selector(selector)
    assert info.value.code == 400
    assert info.value.message == message


@pytest.mark.parametrize(
    ("selector", "text"),
    [
        pytest.param(None, "<none>", id="nil"),
        pytest.param({}, "<none>", id="empty"),
        pytest.param({"matchLabels": {"app": "nginx"}}, "app=nginx", id="labels"),
        pytest.param(
            {"matchLabels": {"app": "nginx", "pod-template-hash": "66b6c48dd5"}},
            "app=nginx,pod-template-hash=66b6c48dd5",
            id="rs-selector",
        ),
        pytest.param({"matchExpressions": [{"key": "a", "operator": "Bogus"}]}, "<error>", id="invalid"),
    ],
)
def test_format_label_selector(selector, text):
    assert sel.format_label_selector(selector) == text


# --- field selectors: syntax (fields selector_test.go) --------------------------------------------


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        pytest.param("a", ["a"], id="single"),
        pytest.param("a=avalue", ["a=avalue"], id="one-term"),
        pytest.param("a=avalue,b=bvalue", ["a=avalue", "b=bvalue"], id="two-terms"),
        pytest.param("a=avalue,b==bvalue,c!=cvalue", ["a=avalue", "b==bvalue", "c!=cvalue"], id="three-ops"),
        pytest.param("", [], id="empty"),
        pytest.param("a=a,", ["a=a", ""], id="trailing-comma"),
        pytest.param(",a=a", ["", "a=a"], id="leading-comma"),
        pytest.param("k=\\,,k2=v2", ["k=\\,", "k2=v2"], id="escaped-comma"),
        pytest.param("k=\\\\,k2=v2", ["k=\\\\", "k2=v2"], id="escaped-backslash"),
        pytest.param("k=\\\\\\,,k2=v2", ["k=\\\\\\,", "k2=v2"], id="backslash-and-comma"),
        pytest.param("k=\\a\\b\\", ["k=\\a\\b\\"], id="non-escapes"),
        pytest.param("k=\\", ["k=\\"], id="orphan-backslash"),
        pytest.param("함=수,목=록", ["함=수", "목=록"], id="multibyte"),
    ],
)
def test_split_terms(text, terms):
    assert sel._split_terms(text) == terms


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("a=value", ("a", "=", "value"), id="eq"),
        pytest.param("b==value", ("b", "==", "value"), id="double-eq"),
        pytest.param("c!=value", ("c", "!=", "value"), id="ne"),
        pytest.param("", None, id="empty"),
        pytest.param("a", None, id="no-operator"),
        pytest.param("k=\\,", ("k", "=", "\\,"), id="escaped-comma"),
        pytest.param("k=\\=", ("k", "=", "\\="), id="escaped-equals"),
        pytest.param("k=\\\\\\a\\b\\=\\,\\", ("k", "=", "\\\\\\a\\b\\=\\,\\"), id="raw-escapes-kept"),
        pytest.param("함=수", ("함", "=", "수"), id="multibyte"),
    ],
)
def test_split_term(term, expected):
    assert sel._split_term(term) == expected


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        pytest.param("", "", id="empty"),
        pytest.param("a", "a", id="plain"),
        pytest.param("=", "\\=", id="equals"),
        pytest.param(",", "\\,", id="comma"),
        pytest.param("\\", "\\\\", id="backslash"),
        pytest.param("\\=\\,\\", "\\\\\\=\\\\\\,\\\\", id="mixed"),
    ],
)
def test_escape_roundtrip(raw, escaped):
    assert sel.escape_field_value(raw) == escaped
    assert sel.unescape_field_value(escaped) == raw


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("\\", "invalid field selector: invalid escape sequence: \\", id="orphan"),
        pytest.param("\\\\\\", "invalid field selector: invalid escape sequence: \\", id="orphan-after-escape"),
        pytest.param("\\a", "invalid field selector: invalid escape sequence: \\a", id="unknown-escape"),
        pytest.param("a=b", "invalid field selector: unescaped character in value: 61", id="bare-equals-as-rune"),
        pytest.param("a,b", "invalid field selector: unescaped character in value: 44", id="bare-comma-as-rune"),
    ],
)
def test_unescape_errors(text, message):
    with pytest.raises(StatusError) as info:
        sel.unescape_field_value(text)
    assert info.value.message == message


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x=a,y=b,z=c", id="equalities"),
        pytest.param("", id="empty"),
        pytest.param("x!=a,y=b", id="not-equals"),
        pytest.param("x=a||y\\=b", id="escaped-equals"),
        pytest.param("x=a\\=\\=b", id="two-escaped-equals"),
    ],
)
def test_field_syntax_roundtrip(text):
    assert str(sel.parse_field_selector_syntax(text)) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("x=a||y=b", "invalid field selector: unescaped character in value: 61", id="unescaped-equals"),
        pytest.param("x==a==b", "invalid field selector: unescaped character in value: 61", id="chained"),
        pytest.param("x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'", id="no-operator"),
        pytest.param("x in (a)", "invalid selector: 'x in (a)'; can't understand 'x in (a)'", id="set-syntax"),
        pytest.param(
            "x in (a,b,c)", "invalid selector: 'x in (a,b,c)'; can't understand 'b'", id="set-syntax-sorted-first"
        ),
        pytest.param("x", "invalid selector: 'x'; can't understand 'x'", id="bare-field"),
    ],
)
def test_field_syntax_errors(text, message):
    with pytest.raises(StatusError) as info:
        sel.parse_field_selector_syntax(text)
    assert info.value.code == 400
    assert info.value.message == message


FIELDSET = {"foo": "bar", "baz": "blah", "complex": "=value\\,\\"}


@pytest.mark.parametrize(
    ("text", "fields", "expected"),
    [
        pytest.param("", {"x": "y"}, True, id="empty"),
        pytest.param("x=y", {"x": "y"}, True, id="eq"),
        pytest.param("x=y,z=w", {"x": "y", "z": "w"}, True, id="two-eq"),
        pytest.param("x!=y,z!=w", {"x": "z", "z": "a"}, True, id="two-ne"),
        pytest.param("notin=in", {"notin": "in"}, True, id="keywords"),
        pytest.param("x=y", {"x": "z"}, False, id="eq-miss"),
        pytest.param("x=y,z=w", {"x": "w", "z": "w"}, False, id="one-eq-miss"),
        pytest.param("x!=y,z!=w", {"x": "z", "z": "w"}, False, id="one-ne-miss"),
        pytest.param("foo=bar,baz=blah", FIELDSET, True, id="fieldset"),
        pytest.param("foo=bar,baz=blah,complex=\\=value\\\\\\,\\\\", FIELDSET, True, id="escaped-value"),
        pytest.param("foo=blah", FIELDSET, False, id="fieldset-miss"),
        pytest.param("foo=bar,foobar=bar,baz=blah", FIELDSET, False, id="absent-field-is-empty"),
        pytest.param("foobar=", FIELDSET, True, id="absent-equals-empty"),
    ],
)
def test_field_matches_fields(text, fields, expected):
    assert sel.parse_field_selector_syntax(text).matches_fields(fields) is expected


# --- field selectors: per-kind labels (kube-apiserver field label conversions) ---------------------


@pytest.mark.parametrize(
    ("kind", "group", "label", "message"),
    [
        pytest.param(
            "Deployment",
            "apps",
            "spec.foo",
            '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"',
            id="apps-default",
        ),
        pytest.param(
            "ConfigMap",
            "",
            "data.key",
            '"data.key" is not a known field selector: only "metadata.name", "metadata.namespace"',
            id="core-default",
        ),
        pytest.param("Pod", "", "spec.foo", "field label not supported: spec.foo", id="pod"),
        pytest.param("Pod", "", "status.startTime", "field label not supported: status.startTime", id="pod-start"),
        pytest.param("Node", "", "metadata.namespace", "field label not supported: metadata.namespace", id="node-ns"),
        pytest.param("Namespace", "", "name", "field label not supported: name", id="namespace-legacy-name"),
        pytest.param("Secret", "", "data", "field label not supported: data", id="secret"),
        pytest.param("Event", "", "regarding.name", "field label not supported: regarding.name", id="core-event"),
        pytest.param(
            "Event",
            "events.k8s.io",
            "involvedObject.name",
            "field label not supported: involvedObject.name",
            id="events-api-event",
        ),
        pytest.param(
            "Job", "batch", "status.active", 'field label "status.active" not supported for batchv1.Job', id="job"
        ),
    ],
)
def test_unsupported_field_label(kind, group, label, message):
    with pytest.raises(StatusError) as info:
        sel.parse_field_selector(f"{label}=x", kind, group)
    assert info.value.code == 400
    assert info.value.reason == "BadRequest"
    assert info.value.message == message


def test_first_unsupported_label_in_sorted_order_is_reported():
    with pytest.raises(StatusError) as info:
        sel.parse_field_selector("zz=1,aa=2", "Pod")
    assert info.value.message == "field label not supported: aa"


POD = {
    "metadata": {"name": "web-1", "namespace": "prod"},
    "spec": {
        "nodeName": "node-a",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "serviceAccountName": "default",
        "hostNetwork": True,
    },
    "status": {"phase": "Running", "podIP": "10.0.0.9", "podIPs": [{"ip": "10.0.0.9"}, {"ip": "fd00::9"}]},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("metadata.name=web-1", True, id="name"),
        pytest.param("metadata.namespace=prod", True, id="namespace"),
        pytest.param("metadata.namespace!=prod", False, id="namespace-ne"),
        pytest.param("spec.nodeName=node-a", True, id="node"),
        pytest.param("spec.host=node-a", True, id="legacy-host-alias"),
        pytest.param("spec.nodeName=", False, id="scheduled"),
        pytest.param("spec.restartPolicy=Always", True, id="restart-policy"),
        pytest.param("spec.schedulerName=default-scheduler", True, id="scheduler"),
        pytest.param("spec.serviceAccountName=default", True, id="service-account"),
        pytest.param("spec.hostNetwork=true", True, id="host-network-true"),
        pytest.param("spec.hostNetwork=True", False, id="host-network-case"),
        pytest.param("status.phase=Running", True, id="phase"),
        pytest.param("status.phase!=Running,status.phase!=Pending", False, id="phase-ne"),
        pytest.param("status.podIP=10.0.0.9", True, id="pod-ip-first"),
        pytest.param("status.podIPs=10.0.0.9", False, id="pod-ips-accepted-but-empty"),
        pytest.param("status.podIPs=", True, id="pod-ips-reads-empty"),
        pytest.param("status.nominatedNodeName=", True, id="nominated-empty"),
    ],
)
def test_pod_field_matching(text, expected):
    assert sel.parse_field_selector(text, "Pod").matches(POD) is expected


def test_pod_defaults_when_fields_absent():
    bare = {"metadata": {"name": "p", "namespace": "d"}}
    assert sel.parse_field_selector("spec.hostNetwork=false,status.phase=,spec.nodeName=", "Pod").matches(bare)
    assert str(sel.parse_field_selector("spec.host=n1", "Pod")) == "spec.nodeName=n1"


@pytest.mark.parametrize(
    ("kind", "group", "obj", "text", "expected"),
    [
        pytest.param("Node", "", {"metadata": {"name": "n1"}}, "spec.unschedulable=false", True, id="node-schedulable"),
        pytest.param(
            "Node",
            "",
            {"metadata": {"name": "n1"}, "spec": {"unschedulable": True}},
            "spec.unschedulable=true",
            True,
            id="node-cordoned",
        ),
        pytest.param(
            "Namespace",
            "",
            {"metadata": {"name": "ns"}, "status": {"phase": "Terminating"}},
            "status.phase=Active",
            False,
            id="namespace-phase",
        ),
        pytest.param(
            "Secret",
            "",
            {"metadata": {"name": "s"}, "type": "kubernetes.io/tls"},
            "type=kubernetes.io/tls",
            True,
            id="secret-type",
        ),
        pytest.param(
            "Service",
            "",
            {"metadata": {"name": "svc"}, "spec": {"type": "NodePort", "clusterIP": "10.96.0.10"}},
            "spec.type=NodePort,spec.clusterIP=10.96.0.10",
            True,
            id="service",
        ),
        pytest.param(
            "Job",
            "batch",
            {"metadata": {"name": "j"}, "status": {"succeeded": 2}},
            "status.successful=2",
            True,
            id="job-succeeded",
        ),
        pytest.param("Job", "batch", {"metadata": {"name": "j"}}, "status.successful=0", True, id="job-zero"),
        pytest.param(
            "ReplicaSet",
            "apps",
            {"metadata": {"name": "rs", "namespace": "d"}},
            "metadata.name=rs,metadata.namespace=d",
            True,
            id="replicaset-meta",
        ),
        pytest.param(
            "Event",
            "",
            {
                "metadata": {"name": "e", "namespace": "d"},
                "involvedObject": {"kind": "Pod", "name": "web-1", "uid": "u1"},
                "reason": "Scheduled",
                "type": "Normal",
                "source": {"component": "default-scheduler"},
            },
            "involvedObject.kind=Pod,involvedObject.name=web-1,reason=Scheduled,source=default-scheduler,type=Normal",
            True,
            id="core-event",
        ),
        pytest.param(
            "Event",
            "",
            {"metadata": {"name": "e"}, "reportingComponent": "kubelet"},
            "source=kubelet,reportingComponent=kubelet",
            True,
            id="core-event-source-falls-back",
        ),
        pytest.param(
            "Event",
            "events.k8s.io",
            {
                "metadata": {"name": "e", "namespace": "d"},
                "regarding": {"kind": "Deployment", "name": "web"},
                "reportingController": "deployment-controller",
                "reason": "ScalingReplicaSet",
            },
            "regarding.kind=Deployment,regarding.name=web,reportingController=deployment-controller",
            True,
            id="events-api",
        ),
    ],
)
def test_kind_field_matching(kind, group, obj, text, expected):
    assert sel.parse_field_selector(text, kind, group).matches(obj) is expected


@pytest.mark.parametrize(
    ("kind", "group", "expected"),
    [
        pytest.param("Node", "", ["metadata.name", "spec.unschedulable"], id="node"),
        pytest.param("Deployment", "apps", ["metadata.name", "metadata.namespace"], id="default"),
        pytest.param("Job", "batch", ["metadata.name", "metadata.namespace", "status.successful"], id="job"),
    ],
)
def test_supported_field_labels(kind, group, expected):
    assert sel.supported_field_labels(kind, group) == expected


# --- exact-match helper and speed ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", {}, id="empty"),
        pytest.param("app=web,tier==front", {"app": "web", "tier": "front"}, id="equalities"),
        pytest.param("app in (web)", {"app": "web"}, id="in-one"),
        pytest.param("app in (web,api)", None, id="in-two"),
        pytest.param("app!=web", None, id="not-equals"),
        pytest.param("app", None, id="exists"),
        pytest.param("app=a,app=b", None, id="conflict"),
    ],
)
def test_requirements_exact_labels(text, expected):
    assert sel.requirements_exact(sel.parse_label_selector(text)) == expected


def test_requirements_exact_nothing_and_fields():
    assert sel.requirements_exact(sel.NOTHING) is None
    assert sel.requirements_exact(sel.parse_field_selector("spec.nodeName=n1", "Pod")) == {"spec.nodeName": "n1"}
    assert sel.requirements_exact(sel.parse_field_selector("status.phase!=Failed", "Pod")) is None


def test_matching_ten_thousand_objects():
    labels = [{"app": f"a{i % 10}", "tier": "web", "pod-template-hash": str(i % 7)} for i in range(10_000)]
    pods = [{"metadata": {"name": f"p{i}", "namespace": "d"}, "status": {"phase": "Running"}} for i in range(10_000)]
    label_selector = sel.parse_label_selector("app in (a1,a2),tier=web,!canary")
    field_selector = sel.parse_field_selector("status.phase=Running,metadata.namespace=d", "Pod")
    hits = sum(1 for ls in labels if label_selector.matches(ls))
    field_hits = sum(1 for pod in pods if field_selector.matches(pod))
    assert hits == 2_000
    assert field_hits == 10_000


def test_parse_is_cached_and_immutable():
    assert sel.parse_label_selector("a=b") is sel.parse_label_selector("a=b")
    assert sel.parse_label_selector("a=b") == sel.LabelSelector((sel.Requirement("a", "=", ("b",)),))
