"""Validation entry points, object-metadata rules and the shared validation atoms.

This module owns three things:

* the dispatch used by the registry — `validate_create(obj)`, `validate_update(new, old)` and
  `validate_status_update(new, old)` — which look the object's kind up in the per-group modules
  (`core`, `apps`, `others`) and return a list of `FieldError`s (empty = valid);
* `metadata` validation (name/generateName per kind, namespace, labels, annotations, owner
  references, finalizers, and the update rules such as `field is immutable` on the name);
* the atoms every kind shares (DNS names, label keys and values, percent strings, port numbers and
  names, label selectors, non-negative integers, immutability), each returning upstream's exact
  message strings (kube-apiserver v1.37, apimachinery `util/validation` and
  `api/validate/content`).

Field paths are dotted strings with indices and keys as apimachinery renders them:
`spec.template.spec.containers[0].image`, `spec.resources[storage]`.

Pure: no I/O.  Objects are plain JSON dicts as the API receives them, already defaulted.  The
only state is what was already found valid (strings in bounded sets, structured values in
`ValidByText` tables), which answers a repeated question the way validating again would: a
rollout writes the same labels, owners and pod spec a thousand times.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from kubeferry.machinery import dns
from kubeferry.machinery import status as st
from kubeferry.machinery.selectors import label_key_errors, label_value_errors
from kubeferry.machinery.status import FieldError

# ---------------------------------------------------------------------------------------------
# Message atoms (apimachinery wording)

IS_NEGATIVE = "must be greater than or equal to 0"
FIELD_IMMUTABLE = "field is immutable"
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024  # bytes: keys + values of all annotations
DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
DNS1035_LABEL_MAX = 63
PORT_NAME_MAX = 15

_PERCENT_FMT = "[0-9]+%"
_CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"

# Anchored with \Z, the end of the text: Python's `$` also matches before a final newline ("web\n"
# would pass), Go's `$` (upstream's patterns) only at the end.
_PERCENT_RE = re.compile("^" + _PERCENT_FMT + r"\Z")
_CONFIG_MAP_KEY_RE = re.compile("^" + _CONFIG_MAP_KEY_FMT + r"\Z")
_PORT_NAME_CHARSET_RE = re.compile(r"^[-a-z0-9]+\Z")
_PORT_NAME_LETTER_RE = re.compile("[a-z]")

_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
_DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
    "start with an alphabetic character, and end with an alphanumeric character"
)
_PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%'"
_CONFIG_MAP_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
_RELAXED_ENV_NAME_MSG = (
    "a valid environment variable name must consist only of printable ASCII characters other than '='"
)


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """apimachinery's RegexError: `<msg> (e.g. 'a',  or 'b', regex used for validation is '<fmt>')`.

    Worked example of the odd spacing: examples ("my-name", "123-abc") give
    `(e.g. 'my-name',  or '123-abc', regex used ...)` — each example is followed by `', '` and the
    next one is preceded by `' or '`, hence the double space.
    """
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    parts = "".join((" or " if i else "") + f"'{ex}', " for i, ex in enumerate(examples))
    return f"{msg} (e.g. {parts}regex used for validation is '{fmt}')"


def max_len_chars(n: int) -> str:
    """util/validation MaxLenError (resource names, DNS labels)."""
    return f"must be no more than {n} characters"


def max_len_bytes(n: int) -> str:
    """api/validate/content MaxLenError (label keys and values)."""
    return f"must be no more than {n} bytes"


def inclusive_range_error(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


# ---------------------------------------------------------------------------------------------
# Strings already found valid (label keys and values, annotation keys, namespace names), so that
# the same ones written again (every pod of a ReplicaSet carries its template's labels; every
# status write carries the stored object's metadata) are not parsed again.  Only exact `str`s
# are remembered; a set that reaches its limit starts over.

KNOWN_VALID_LIMIT = 4096
_valid_label_keys: set[str] = set()
_valid_label_values: set[str] = set()
_valid_annotation_keys: set[str] = set()
_valid_namespace_names: set[str] = set()
_valid_generate_names: set[str] = set()  # as DNS-subdomain prefixes (trailing dash allowed)


def _remember(known: set[str], text: str) -> None:
    if len(known) >= KNOWN_VALID_LIMIT:
        known.clear()
    known.add(text)


class ValidByText:
    """Structured values (such as pod specs) found valid at a field path.

    A value is looked up by its JSON text and then compared with the value that text parses to:
    the text tells 1, 1.0 and true apart and keeps key order (which some messages follow), the
    comparison tells null from NaN or infinity (which the text writes alike).  A value is kept only
    when it has no errors (errors can hold parts of the object they were found in) and equals its
    own parsed text (plain JSON).  A table that reaches `limit` entries starts over.
    """

    def __init__(self, validate: Callable[[Any, str], list[FieldError]], limit: int = 256) -> None:
        self.validate = validate
        self.limit = limit
        self.known: dict[tuple[str, bytes], Any] = {}

    def __call__(self, value: Any, path: str) -> list[FieldError]:
        try:
            memo_key = (path, orjson.dumps(value))
        except TypeError:  # not plain JSON (orjson.JSONEncodeError is a TypeError)
            return self.validate(value, path)
        known = self.known
        if memo_key in known and known[memo_key] == value:
            return []
        errs = self.validate(value, path)
        if not errs:
            parsed = orjson.loads(memo_key[1])
            if parsed == value:
                if len(known) >= self.limit:
                    known.clear()
                known[memo_key] = parsed
        return errs


# ---------------------------------------------------------------------------------------------
# Name atoms: each returns a list of messages, empty when valid.


def is_dns1123_label(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_LABEL_MAX:
        errs.append(max_len_chars(DNS1123_LABEL_MAX))
    if not dns.is_dns1123_label(value):
        if dns.is_dns1123_subdomain(value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_DNS1123_LABEL_MSG, dns.DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str, *, unit: str = "characters") -> list[str]:
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(f"must be no more than {DNS1123_SUBDOMAIN_MAX} {unit}")
    if not dns.is_dns1123_subdomain(value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_MSG, dns.DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1035_LABEL_MAX:
        errs.append(max_len_chars(DNS1035_LABEL_MAX))
    if not dns.is_dns1035_label(value):
        errs.append(regex_error(_DNS1035_LABEL_MSG, dns.DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_qualified_name(value: str) -> list[str]:
    """A label key / annotation key / finalizer: `[prefix/]name` (the label-key rules of machinery.selectors)."""
    return label_key_errors(value)


def is_valid_label_value(value: str) -> list[str]:
    return label_value_errors(value)


def is_valid_percent(value: str) -> list[str]:
    if not _PERCENT_RE.match(value):
        return [regex_error(_PERCENT_MSG, _PERCENT_FMT, "1%", "93%")]
    return []


def is_valid_port_num(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


def is_valid_port_name(port: str) -> list[str]:
    errs = []
    if len(port) > PORT_NAME_MAX:
        errs.append(max_len_chars(PORT_NAME_MAX))
    if not _PORT_NAME_CHARSET_RE.match(port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _PORT_NAME_LETTER_RE.search(port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def _chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def is_config_map_key(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(max_len_chars(DNS1123_SUBDOMAIN_MAX))
    if not _CONFIG_MAP_KEY_RE.match(value):
        errs.append(regex_error(_CONFIG_MAP_KEY_MSG, _CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    return errs + _chdir_prefix(value)


def is_relaxed_env_var_name(value: str) -> list[str]:
    """Env var names (RelaxedEnvironmentVariableValidation, on in v1.37): printable ASCII but '='."""
    errs = []
    if not value:
        errs.append("environment variable name must be non-empty")
    if any(ord(c) > 126 or ord(c) < 32 or c == "=" for c in value):
        errs.append(_RELAXED_ENV_NAME_MSG)
    return errs


# ---------------------------------------------------------------------------------------------
# Resource-name functions: (name, prefix) -> messages.  With prefix=True (a generateName) a
# trailing dash is allowed: the last two characters are masked to "a" before checking.

NameFn = Callable[[str, bool], list[str]]


def _mask_trailing_dash(name: str) -> str:
    """`web-` → `wea` (len > 1 and ends in '-': drop the last two chars, append 'a')."""
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


def name_is_dns_subdomain(name: str, prefix: bool = False) -> list[str]:
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool = False) -> list[str]:
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool = False) -> list[str]:
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def name_is_path_segment(name: str, prefix: bool = False) -> list[str]:
    """Names only used as a path segment (e.g. some core/v1 kinds): not '.', '..', no '/' or '%'."""
    errs = []
    if not prefix and name in (".", ".."):
        errs.append(f"may not be '{name}'")
    for bad in ("/", "%"):
        if bad in name:
            errs.append(f"may not contain '{bad}'")
    return errs


validate_namespace_name = name_is_dns_label


def is_valid_subdomain_name(name: object) -> bool:
    """Whether `name_is_dns_subdomain(name)` finds nothing, without building its answer."""
    return (
        name.__class__ is str and len(name) <= DNS1123_SUBDOMAIN_MAX and dns.is_dns1123_subdomain(name)
    )


def is_valid_namespace_name(name: object) -> bool:
    """Whether `validate_namespace_name(name)` finds nothing (namespaces found valid are remembered)."""
    if name.__class__ is not str:
        return False
    if name in _valid_namespace_names:
        return True
    if validate_namespace_name(name, False):
        return False
    _remember(_valid_namespace_names, name)
    return True


# ---------------------------------------------------------------------------------------------
# Field-path helpers


def child(path: str, *names: str) -> str:
    out = path
    for name in names:
        out = f"{out}.{name}" if out else name
    return out


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def key(path: str, k: str) -> str:
    return f"{path}[{k}]"


# ---------------------------------------------------------------------------------------------
# Generic field atoms


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_nonnegative(value: Any, path: str) -> list[FieldError]:
    if is_int(value) and value < 0:
        return [st.invalid(path, value, IS_NEGATIVE)]
    return []


def semantic_equal(a: Any, b: Any) -> bool:
    """apimachinery Semantic.DeepEqual on JSON: null, absent, empty list and empty map are equal."""
    return _normalize(a) == _normalize(b)


def _normalize(v: Any) -> Any:
    if isinstance(v, dict):
        out = {k: _normalize(x) for k, x in v.items()}
        return {k: x for k, x in out.items() if x is not None} or None
    if isinstance(v, list):
        return [_normalize(x) for x in v] or None
    return v


def validate_immutable(new: Any, old: Any, path: str) -> list[FieldError]:
    if not semantic_equal(new, old):
        return [st.invalid(path, new, FIELD_IMMUTABLE)]
    return []


def validate_dns1123_label(value: str, path: str) -> list[FieldError]:
    return [st.invalid(path, value, m) for m in is_dns1123_label(value)]


def validate_dns1123_subdomain(value: str, path: str) -> list[FieldError]:
    return [st.invalid(path, value, m) for m in is_dns1123_subdomain(value)]


# IntOrString: an int, or a string that should be a percent.


def percent_value(v: Any) -> int | None:
    """The N of a valid "N%" string, else None."""
    if isinstance(v, str) and not is_valid_percent(v):
        return int(v[:-1])
    return None


def int_or_percent_value(v: Any) -> int:
    """Value used by the zero checks: an int is itself, "N%" is N, anything else 0 (Go IntValue)."""
    pv = percent_value(v)
    if pv is not None:
        return pv
    if is_int(v):
        return v
    if isinstance(v, str):
        try:
            return int(v)
        except ValueError:
            return 0
    return 0


def validate_positive_int_or_percent(v: Any, path: str) -> list[FieldError]:
    if isinstance(v, str):
        return [st.invalid(path, v, m) for m in is_valid_percent(v)]
    if is_int(v):
        return validate_nonnegative(v, path)
    if v is None:
        return []
    return [st.invalid(path, v, "must be an integer or percentage (e.g '5%%')")]


def is_not_more_than_100_percent(v: Any, path: str) -> list[FieldError]:
    pv = percent_value(v)
    if pv is None or pv <= 100:
        return []
    return [st.invalid(path, v, "must not be greater than 100%")]


def validate_port_num_or_name(port: Any, path: str) -> list[FieldError]:
    if is_int(port):
        return [st.invalid(path, port, m) for m in is_valid_port_num(port)]
    if isinstance(port, str):
        return [st.invalid(path, port, m) for m in is_valid_port_name(port)]
    return []


# ---------------------------------------------------------------------------------------------
# Labels, annotations, selectors


def validate_label_name(name: str, path: str) -> list[FieldError]:
    return [st.invalid(path, name, m) for m in is_qualified_name(name)]


def _labels_known_valid(labels: dict) -> bool:
    """Every key and value of `labels` is a `str` already found valid (so validation finds nothing)."""
    keys, values = _valid_label_keys, _valid_label_values
    for k, v in labels.items():
        if k.__class__ is not str or v.__class__ is not str or k not in keys or v not in values:
            return False
    return True


def validate_labels(labels: dict | None, path: str) -> list[FieldError]:
    if not labels:
        return []
    if labels.__class__ is dict and _labels_known_valid(labels):
        return []
    errs: list[FieldError] = []
    for k in sorted(labels):
        v = labels[k]
        key_errs = validate_label_name(k, path)
        if not key_errs and k.__class__ is str:
            _remember(_valid_label_keys, k)
        errs += key_errs
        if isinstance(v, str):
            value_msgs = is_valid_label_value(v)
            if not value_msgs and v.__class__ is str:
                _remember(_valid_label_values, v)
            errs += [st.invalid(path, v, m) for m in value_msgs]
    return errs


def _annotation_keys_known_valid(annotations: dict) -> bool:
    known = _valid_annotation_keys
    return all(k.__class__ is str and k in known for k in annotations)


def validate_annotations(annotations: dict | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    annotations = annotations or {}
    if annotations.__class__ is not dict or not _annotation_keys_known_valid(annotations):
        for k in sorted(annotations):
            # Case does not matter for annotation keys: they are checked lower-cased.
            msgs = is_qualified_name(k.lower())
            if not msgs and k.__class__ is str:
                _remember(_valid_annotation_keys, k)
            errs += [st.invalid(path, k, m) for m in msgs]
    total = sum(len(k.encode()) + len(str(v).encode()) for k, v in annotations.items())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(st.too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


_SELECTOR_OPS_WITH_VALUES = ("In", "NotIn")
_SELECTOR_OPS_WITHOUT_VALUES = ("Exists", "DoesNotExist")


def validate_label_selector(selector: dict | None, path: str) -> list[FieldError]:
    if selector is None:
        return []
    errs = validate_labels(selector.get("matchLabels"), child(path, "matchLabels"))
    for i, req in enumerate(selector.get("matchExpressions") or []):
        rp = index(child(path, "matchExpressions"), i)
        op = req.get("operator", "")
        values = req.get("values") or []
        if op in _SELECTOR_OPS_WITH_VALUES:
            if not values:
                errs.append(st.required(child(rp, "values"), "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in _SELECTOR_OPS_WITHOUT_VALUES:
            if values:
                errs.append(
                    st.forbidden(
                        child(rp, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                    )
                )
        else:
            errs.append(st.invalid(child(rp, "operator"), op, "not a valid selector operator"))
        errs += validate_label_name(req.get("key", ""), child(rp, "key"))
        for vi, v in enumerate(values):
            errs += [st.invalid(index(child(rp, "values"), vi), v, m) for m in is_valid_label_value(v)]
    return errs


def selector_is_valid(selector: dict | None) -> bool:
    """Whether LabelSelectorAsSelector would accept it (operators known, values present)."""
    for req in (selector or {}).get("matchExpressions") or []:
        op = req.get("operator")
        if op in _SELECTOR_OPS_WITH_VALUES and not req.get("values"):
            return False
        if op not in _SELECTOR_OPS_WITH_VALUES + _SELECTOR_OPS_WITHOUT_VALUES:
            return False
    return True


def selector_is_empty(selector: dict | None) -> bool:
    s = selector or {}
    return not s.get("matchLabels") and not s.get("matchExpressions")


def selector_matches(selector: dict | None, labels: dict | None) -> bool:
    """metav1 LabelSelector semantics; an empty selector matches everything."""
    labels = labels or {}
    s = selector or {}
    for k, v in (s.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for req in s.get("matchExpressions") or []:
        k, op, values = req.get("key"), req.get("operator"), req.get("values") or []
        present = k in labels
        if (
            (op == "In" and (not present or labels[k] not in values))
            or (op == "NotIn" and present and labels[k] in values)
            or (op == "Exists" and not present)
            or (op == "DoesNotExist" and present)
        ):
            return False
    return True


# ---------------------------------------------------------------------------------------------
# ObjectMeta


def _validate_owner_references(refs: list | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    first_controller = ""
    for i, ref in enumerate(refs or []):
        rp = index(path, i)
        api_version = ref.get("apiVersion", "")
        if not api_version:
            errs.append(st.required(child(rp, "apiVersion"), "must not be empty"))
        elif api_version.count("/") > 1 or api_version.endswith("/") or api_version.startswith("/"):
            errs.append(st.invalid(child(rp, "apiVersion"), api_version, "must be <group>/<version> or <version>"))
        for f in ("kind", "name", "uid"):
            if not ref.get(f):
                errs.append(st.required(child(rp, f), "must not be empty"))
        if api_version == "v1" and ref.get("kind") == "Event":
            errs.append(st.invalid(rp, ref, "/v1, Kind=Event is disallowed from being an owner"))
        if ref.get("controller") is True:
            current = f"{ref.get('kind', '')}/{ref.get('name', '')}"
            if first_controller:
                errs.append(
                    st.invalid(
                        path,
                        refs,
                        "Only one reference can have Controller set to true. "
                        f'Found "true" in references for {first_controller} and {current}',
                    )
                )
            else:
                first_controller = current
    return errs


def _owner_references_plainly_valid(refs: object) -> bool:
    """True only when `_validate_owner_references(refs, ...)` finds nothing: a list of dicts, each with a
    `str` apiVersion of at most one inner '/', a kind, name and uid, not a v1 Event, and at most one of
    them the controller.  Anything else (False) takes the full check, which words the errors."""
    if refs.__class__ is not list:
        return False
    controllers = 0
    for ref in refs:
        if ref.__class__ is not dict:
            return False
        api_version = ref.get("apiVersion", "")
        if (
            api_version.__class__ is not str
            or not api_version
            or api_version.count("/") > 1
            or api_version[0] == "/"
            or api_version[-1] == "/"
            or not ref.get("kind")
            or not ref.get("name")
            or not ref.get("uid")
            or (api_version == "v1" and ref.get("kind") == "Event")
        ):
            return False
        if ref.get("controller") is True:
            controllers += 1
    return controllers <= 1


_ORPHAN = "orphan"
_FOREGROUND = "foregroundDeletion"


def _validate_finalizers(finalizers: list | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for f in finalizers or []:
        errs += [st.invalid(path, f, m) for m in is_qualified_name(f)]
    if finalizers and _ORPHAN in finalizers and _FOREGROUND in finalizers:
        errs.append(st.invalid(path, finalizers, f"finalizer {_ORPHAN} and {_FOREGROUND} cannot be both set"))
    return errs


def _validate_meta_common(meta: dict, namespaced: bool, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    ns = meta.get("namespace") or ""
    if namespaced:
        if not ns:
            errs.append(st.required(child(path, "namespace")))
        elif not is_valid_namespace_name(ns):
            errs += [st.invalid(child(path, "namespace"), ns, m) for m in validate_namespace_name(ns, False)]
    elif ns:
        errs.append(st.forbidden(child(path, "namespace"), "not allowed on this type"))
    # Each check below finds nothing in an absent or empty value (nor a generation >= 0), so its field
    # path is built only for a value that is there: the same errors, in the same order.
    generation = meta.get("generation", 0)
    if is_int(generation) and generation < 0:
        errs += validate_nonnegative(generation, child(path, "generation"))
    labels, annotations = meta.get("labels"), meta.get("annotations")
    if labels and not (labels.__class__ is dict and _labels_known_valid(labels)):
        errs += validate_labels(labels, child(path, "labels"))
    if annotations:
        errs += validate_annotations(annotations, child(path, "annotations"))
    owners, finalizers = meta.get("ownerReferences"), meta.get("finalizers")
    if owners and not _owner_references_plainly_valid(owners):
        errs += _validate_owner_references(owners, child(path, "ownerReferences"))
    if finalizers:
        errs += _validate_finalizers(finalizers, child(path, "finalizers"))
    return errs


def validate_object_meta(
    meta: dict | None, namespaced: bool, name_fn: NameFn = name_is_dns_subdomain, path: str = "metadata"
) -> list[FieldError]:
    """ValidateObjectMeta: generateName, name (required), namespace, labels, annotations, owners."""
    meta = meta or {}
    errs: list[FieldError] = []
    # For DNS-subdomain names (most kinds, pods among them) a name is matched without building the
    # messages, and a generateName found valid is remembered (every pod of a ReplicaSet has its prefix).
    subdomain = name_fn is name_is_dns_subdomain
    generate_name = meta.get("generateName") or ""
    if generate_name and not (subdomain and generate_name.__class__ is str and generate_name in _valid_generate_names):
        msgs = name_fn(generate_name, True)
        if msgs:
            errs += [st.invalid(child(path, "generateName"), generate_name, m) for m in msgs]
        elif subdomain and generate_name.__class__ is str:
            _remember(_valid_generate_names, generate_name)
    name = meta.get("name") or ""
    if not name:
        errs.append(st.required(child(path, "name"), "name or generateName is required"))
    elif not (subdomain and is_valid_subdomain_name(name)):
        errs += [st.invalid(child(path, "name"), name, m) for m in name_fn(name, False)]
    return errs + _validate_meta_common(meta, namespaced, path)


# The identity fields no update may change, with the value an absent one compares as.
_IMMUTABLE_META = (
    ("name", ""),
    ("namespace", ""),
    ("uid", ""),
    ("creationTimestamp", None),
    ("deletionTimestamp", None),
    ("deletionGracePeriodSeconds", None),
)


def validate_object_meta_update(new: dict | None, old: dict | None, path: str = "metadata") -> list[FieldError]:
    """ValidateObjectMetaUpdate: immutable identity fields, resourceVersion, generation, labels."""
    new, old = new or {}, old or {}
    errs: list[FieldError] = []
    if old.get("deletionTimestamp"):
        extra = sorted(set(new.get("finalizers") or []) - set(old.get("finalizers") or []))
        if extra:
            quoted = ", ".join(f'"{f}"' for f in extra)
            errs.append(
                st.forbidden(
                    child(path, "finalizers"),
                    "no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers []string{{{quoted}}}",
                )
            )
    rv = new.get("resourceVersion") or ""
    if not rv:
        errs.append(st.invalid(child(path, "resourceVersion"), rv, "must be specified for an update"))
    gen, old_gen = new.get("generation", 0) or 0, old.get("generation", 0) or 0
    if is_int(gen):
        if gen < 0:
            errs.append(st.invalid(child(path, "generation"), gen, IS_NEGATIVE))
        if is_int(old_gen) and gen < old_gen:
            errs.append(st.invalid(child(path, "generation"), gen, "must not be decremented"))
    for f, default in _IMMUTABLE_META:
        now, before = new.get(f, default), old.get(f, default)
        # Equal values are semantically equal: only a difference needs the full comparison.
        if now != before:
            errs += validate_immutable(now, before, child(path, f))
    # Absent or empty labels, annotations and owners have nothing to check, and neither has the stored
    # object's own value (the very same object, kept as it was): it was found valid when it was stored.
    labels, annotations, owners = new.get("labels"), new.get("annotations"), new.get("ownerReferences")
    if labels and labels is not old.get("labels"):
        errs += validate_labels(labels, child(path, "labels"))
    if annotations and annotations is not old.get("annotations"):
        errs += validate_annotations(annotations, child(path, "annotations"))
    if owners and owners is not old.get("ownerReferences"):
        errs += _validate_owner_references(owners, child(path, "ownerReferences"))
    return errs


# ---------------------------------------------------------------------------------------------
# Dispatch

Validator = Callable[..., list[FieldError]]


# (apiVersion, kind) → its rules (None for kinds without any), looked up once per pair.
_rules_by_type: dict[tuple[Any, Any], Any] = {}


def _kind_rules(obj: dict) -> Any:
    """The per-kind rule object (module-level `RULES` table of the group modules)."""
    api_version = obj.get("apiVersion", "")
    kind = obj.get("kind", "")
    try:
        return _rules_by_type[api_version, kind]
    except (KeyError, TypeError):
        pass
    from kubeferry.api import apps, core, others, rbac

    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    found = None
    for table in (core.RULES, apps.RULES, others.RULES, rbac.RULES):
        rules = table.get((group, kind))
        if rules is not None:
            found = rules
            break
    if api_version.__class__ is str and kind.__class__ is str and len(_rules_by_type) < KNOWN_VALID_LIMIT:
        _rules_by_type[api_version, kind] = found
    return found


def _namespaced(obj: dict) -> bool:
    from kubeferry.machinery.resources import by_api_version_kind

    res = by_api_version_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
    return True if res is None else res.namespaced


def validate_create(obj: dict) -> list[FieldError]:
    """All errors for creating `obj` (already defaulted)."""
    rules = _kind_rules(obj)
    if rules is None:
        return validate_object_meta(obj.get("metadata"), _namespaced(obj))
    return rules.create(obj)


def validate_update(new: dict, old: dict) -> list[FieldError]:
    """All errors for replacing `old` with `new` through the main resource."""
    rules = _kind_rules(new)
    if rules is None:
        return validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    return rules.update(new, old)


def validate_status_update(new: dict, old: dict) -> list[FieldError]:
    """All errors for a write through the `status` subresource."""
    rules = _kind_rules(new)
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    if rules is not None and rules.status is not None:
        errs += rules.status(new, old)
    return errs


class KindRules:
    """The three validators of one kind; `status` validates only the status stanza."""

    def __init__(self, create: Validator, update: Validator, status: Validator | None = None) -> None:
        self.create = create
        self.update = update
        self.status = status


def simple_rules(namespaced: bool, name_fn: NameFn, spec: Validator | None = None) -> KindRules:
    """Rules for a kind whose update re-validates the object and its metadata update."""

    def create(obj: dict) -> list[FieldError]:
        errs = validate_object_meta(obj.get("metadata"), namespaced, name_fn)
        return errs + (spec(obj) if spec else [])

    def update(new: dict, old: dict) -> list[FieldError]:
        errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
        return errs + (spec(new) if spec else [])

    return KindRules(create, update)
