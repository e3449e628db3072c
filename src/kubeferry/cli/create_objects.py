"""The objects `kubeferry create <generator>` builds, as kubectl 1.37 builds them (no I/O but file reads).

Each builder returns the object as a dict whose keys are in the order of the Go struct fields
kubectl marshals (`kind`, `apiVersion`, `metadata{name, namespace, labels}`, ...), with the
empty structs kubectl prints (`strategy: {}`, `resources: {}`, `status: {}`), so `-o json` and
the `--save-config` annotation come out byte for byte as kubectl's; `-o yaml` sorts keys anyway.

`namespace` is given only when the user named one with `-n` (kubectl's "enforce namespace"):
only then does the object carry `metadata.namespace`.

Bad input raises `GeneratorError` whose text is kubectl's `error: ...` line without the prefix.
"""

from __future__ import annotations

import base64
import json
import os
import re

from kubeferry.machinery import dns

DEFAULT_REGISTRY = "https://index.docker.io/v1/"
DOCKER_CONFIG_KEY = ".dockerconfigjson"
DOCKER_CONFIG_TYPE = "kubernetes.io/dockerconfigjson"
TLS_TYPE = "kubernetes.io/tls"
TLS_CERT_KEY = "tls.crt"
TLS_KEY_KEY = "tls.key"
NO_PORT = -1  # `create deployment --port` default: no containerPort
MAX_PORT = 65535
MAX_KEY_LENGTH = 253
# kubectl's random suffix for sanitised container names uses Kubernetes' rand alphabet (no vowels).
SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
SUFFIX_LENGTH = 5
_KEY_RE = re.compile(r"[-._a-zA-Z0-9]+")
_PORT_NAME_RE = re.compile(r"[-a-z0-9]+")
_ENV_KEY_RE = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
_KEY_ERROR = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
    "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)


class GeneratorError(Exception):
    """Bad generator input; the text is kubectl's message."""


def metadata(name: str, namespace: str | None, labels: dict | None = None) -> dict:
    meta: dict = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    return meta


# -- deployment and job --------------------------------------------------------------------------


def container_name(image: str, rand=None) -> str:
    """The container name kubectl derives from an image: the last path segment without tag or
    digest; `_` and `.` become `-` plus a random suffix (`a/b_c.d:1` → `b-c-d-wdwzq`)."""
    name = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    if "_" in name or "." in name:
        import random

        pick = rand or random.SystemRandom()
        suffix = "".join(pick.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
        name = name.replace("_", "-").replace(".", "-") + "-" + suffix
    return name


def deployment(
    name: str, namespace: str | None, images: list[str], replicas: int = 1, port: int = NO_PORT, command=()
) -> dict:
    if not images:
        raise GeneratorError('required flag(s) "image" not set')
    labels = {"app": name}
    containers = []
    for image in images:
        container: dict = {"name": container_name(image), "image": image}
        if command:
            container["command"] = list(command)
        container["resources"] = {}
        containers.append(container)
    if port >= 0:  # kubectl exposes the port on the first container only
        first = containers[0]
        containers[0] = {k: v for k, v in first.items() if k != "resources"}
        containers[0]["ports"] = [{"containerPort": port}]
        containers[0]["resources"] = {}
    return {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": metadata(name, namespace, dict(labels)),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)}, "spec": {"containers": containers}},
            "strategy": {},
        },
        "status": {},
    }


def job(name: str, namespace: str | None, image: str, command=()) -> dict:
    if not image:
        raise GeneratorError("either --image or --from must be specified")
    container: dict = {"name": name, "image": image}
    if command:
        container["command"] = list(command)
    container["resources"] = {}
    return {
        "kind": "Job",
        "apiVersion": "batch/v1",
        "metadata": metadata(name, namespace),
        "spec": {"template": {"metadata": {}, "spec": {"containers": [container], "restartPolicy": "Never"}}},
        "status": {},
    }


CRONJOB_INSTANTIATE = "cronjob.kubernetes.io/instantiate"


def job_from_cronjob(name: str, namespace: str | None, cronjob: dict) -> dict:
    """A Job made now from a CronJob's `jobTemplate`, as `kubectl create job --from=cronjob/…` makes it.

    Annotations: `cronjob.kubernetes.io/instantiate: manual`, then the template's own; labels the
    template's; a controller ownerReference to the CronJob; the template's spec as it is.
    """
    import copy

    template = (cronjob.get("spec") or {}).get("jobTemplate") or {}
    template_meta = template.get("metadata") or {}
    meta: dict = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if template_meta.get("labels"):
        meta["labels"] = dict(template_meta["labels"])
    meta["annotations"] = {CRONJOB_INSTANTIATE: "manual", **(template_meta.get("annotations") or {})}
    source = cronjob.get("metadata") or {}
    meta["ownerReferences"] = [
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "name": source.get("name", ""),
            "uid": source.get("uid", ""),
            "controller": True,
        }
    ]
    return {
        "kind": "Job",
        "apiVersion": "batch/v1",
        "metadata": meta,
        "spec": copy.deepcopy(template.get("spec") or {}),
        "status": {},
    }


# -- service -------------------------------------------------------------------------------------

SERVICE_TYPES = {
    "clusterip": "ClusterIP",
    "nodeport": "NodePort",
    "loadbalancer": "LoadBalancer",
    "externalname": "ExternalName",
}
CLUSTER_IP_NONE = "None"


def parse_port_pair(text: str) -> tuple[int, int | str]:
    """`80:8080` → (80, 8080); `80` → (80, 80); `80:http` → (80, "http"); kubectl's errors otherwise."""
    parts = text.split(":")
    port = _parse_port(parts[0])
    if len(parts) == 1:
        return port, port
    target = parts[1]
    if target.lstrip("-").isdigit():
        number = int(target)
        if not 1 <= number <= MAX_PORT:
            raise GeneratorError(f"must be between 1 and {MAX_PORT}, inclusive")
        return port, number
    errors = _port_name_errors(target)
    if errors:
        raise GeneratorError(",".join(errors))
    return port, target


def _parse_port(text: str) -> int:
    """Go's `ParsePort(text, allowZero=true)`: an unsigned 16-bit number."""
    if not text.isdigit():
        raise GeneratorError(f'strconv.ParseUint: parsing "{text}": invalid syntax')
    value = int(text)
    if value > MAX_PORT:
        raise GeneratorError(f'strconv.ParseUint: parsing "{text}": value out of range')
    return value


def _port_name_errors(name: str) -> list[str]:
    errors = []
    if len(name) > 15:
        errors.append("must be no more than 15 characters")
    if not _PORT_NAME_RE.fullmatch(name):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", name):
        errors.append("must contain at least one letter (a-z)")
    if "--" in name:
        errors.append("must not contain consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def service(
    kind: str,
    name: str,
    namespace: str | None,
    tcp: list[str],
    cluster_ip: str = "",
    node_port: int = 0,
    external_name: str = "",
) -> dict:
    service_type = SERVICE_TYPES[kind]
    if cluster_ip == CLUSTER_IP_NONE and service_type != "ClusterIP":
        raise GeneratorError("ClusterIP=None can only be used with ClusterIP service type")
    if cluster_ip != CLUSTER_IP_NONE and not tcp and service_type != "ExternalName":
        raise GeneratorError("at least one tcp port specifier must be provided")
    if service_type == "ExternalName" and not (
        len(external_name) <= MAX_KEY_LENGTH and dns.is_dns1123_subdomain(external_name)
    ):
        raise GeneratorError(f"invalid service external name {external_name}")
    ports = []
    for pair in tcp:
        port, target = parse_port_pair(pair)
        entry: dict = {"name": pair.replace(":", "-"), "protocol": "TCP", "port": port, "targetPort": target}
        if node_port:
            entry["nodePort"] = node_port
        ports.append(entry)
    spec: dict = {}
    if ports:
        spec["ports"] = ports
    spec["selector"] = {"app": name}
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
    spec["type"] = service_type
    if external_name:
        spec["externalName"] = external_name
    return {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": metadata(name, namespace, {"app": name}),
        "spec": spec,
        "status": {"loadBalancer": {}},
    }


# -- configmap and secret data -------------------------------------------------------------------


class Data:
    """Keys collected from `--from-literal`, `--from-file` and `--from-env-file`, in kubectl's order
    (files, then literals; or the env files alone), refusing duplicates as kubectl does."""

    def __init__(self, kind: str, name: str):
        self.kind, self.name = kind, name
        self.text: dict[str, str] = {}
        self.binary: dict[str, bytes] = {}

    def add(self, key: str, value: bytes) -> None:
        if not (len(key) <= MAX_KEY_LENGTH and _KEY_RE.fullmatch(key)):
            raise GeneratorError(f'"{key}" is not a valid key name for a {self.kind}: {_KEY_ERROR}')
        if key in self.text or key in self.binary:
            raise GeneratorError(
                f'cannot add key "{key}", another key by that name already exists in Data for {self.kind} "{self.name}"'
            )
        try:
            self.text[key] = value.decode("utf-8")
        except UnicodeDecodeError:
            self.binary[key] = value

    def fill(self, literals: list[str], files: list[str], env_files: list[str]) -> None:
        if env_files and (literals or files):
            raise GeneratorError("from-env-file cannot be combined with from-file or from-literal")
        for source in files:
            self._add_file(source)
        for literal in literals:
            key, sep, value = literal.partition("=")
            if not sep or not key:
                raise GeneratorError(f"invalid literal source {literal}, expected key=value")
            self.add(key, value.encode("utf-8"))
        for path in env_files:
            for key, value in read_env_file(path):
                self.add(key, value.encode("utf-8"))

    def _add_file(self, source: str) -> None:
        key, sep, path = source.partition("=")
        if not sep:
            key, path = "", source
        elif not key:
            raise GeneratorError(f"key name for file path {path} missing")
        elif not path:
            raise GeneratorError(f"file path for key name {key} missing")
        if os.path.isdir(path):
            if key:
                raise GeneratorError("cannot give a key name for a directory path")
            for entry in sorted(os.listdir(path)):
                full = os.path.join(path, entry)
                if os.path.isfile(full):
                    self.add(entry, _read(full))
            return
        self.add(key or os.path.basename(path), _read(path))


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise GeneratorError(f"error reading {path}: no such file or directory") from None
    except OSError as e:
        raise GeneratorError(f"error reading {path}: {e.strerror.lower() if e.strerror else e}") from None


def read_env_file(path: str) -> list[tuple[str, str]]:
    """`KEY=VALUE` lines; blank lines and `#` comments skipped; a bare `KEY` takes the environment's value.

    Example: `a=1`, `# note`, `  b = two` → [("a", "1"), ("b ", " two")]: only leading space
    of the line is trimmed, as kubectl does.
    """
    raw = _read(path)
    out = []
    for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
        if number == 1:
            line = line.removeprefix("\ufeff")
        line = line.lstrip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not _ENV_KEY_RE.fullmatch(key):
            raise GeneratorError(
                f'"{key}" is not a valid key name: a valid environment variable name must consist of alphabetic '
                "characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or "
                "'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
            )
        if not sep:
            if key not in os.environ:
                continue
            value = os.environ[key]
        out.append((key, value))
    return out


def configmap(name: str, namespace: str | None, literals=(), files=(), env_files=()) -> dict:
    data = Data("ConfigMap", name)
    data.fill(list(literals), list(files), list(env_files))
    obj: dict = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": metadata(name, namespace)}
    if data.text:
        obj["data"] = dict(sorted(data.text.items()))  # Go marshals maps with sorted keys
    if data.binary:
        obj["binaryData"] = {k: base64.b64encode(v).decode() for k, v in sorted(data.binary.items())}
    return obj


def _secret(name: str, namespace: str | None, data: dict[str, bytes], secret_type: str) -> dict:
    obj: dict = {"kind": "Secret", "apiVersion": "v1", "metadata": metadata(name, namespace)}
    if data:
        obj["data"] = {k: base64.b64encode(v).decode() for k, v in sorted(data.items())}
    if secret_type:
        obj["type"] = secret_type
    return obj


def secret_generic(name: str, namespace: str | None, literals=(), files=(), env_files=(), secret_type="") -> dict:
    data = Data("Secret", name)
    data.fill(list(literals), list(files), list(env_files))
    merged = {k: v.encode("utf-8") for k, v in data.text.items()}
    merged.update(data.binary)
    return _secret(name, namespace, merged, secret_type)


def secret_docker_registry(
    name: str,
    namespace: str | None,
    server: str = DEFAULT_REGISTRY,
    username: str = "",
    password: str = "",
    email: str = "",
    files=(),
) -> dict:
    if not files and not (username and password and server):
        raise GeneratorError(
            "either --from-file or the combination of --docker-username, --docker-password and --docker-server "
            "is required"
        )
    if files:
        data = Data("Secret", name)
        data.fill([], list(files), [])
        merged = {k: v.encode("utf-8") for k, v in data.text.items()}
        merged.update(data.binary)
        return _secret(name, namespace, merged, DOCKER_CONFIG_TYPE)
    entry: dict = {"username": username, "password": password}
    if email:
        entry["email"] = email
    entry["auth"] = base64.b64encode(f"{username}:{password}".encode()).decode()
    config = json.dumps({"auths": {server: entry}}, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in _GO_JSON_ESCAPES.items():  # Go's json.Marshal escapes these
        config = config.replace(char, escaped)
    return _secret(name, namespace, {DOCKER_CONFIG_KEY: config.encode("utf-8")}, DOCKER_CONFIG_TYPE)


_GO_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")


def secret_tls(name: str, namespace: str | None, cert_path: str, key_path: str) -> dict:
    if not cert_path or not key_path:
        raise GeneratorError("key and cert must be specified")
    cert, key = _read(cert_path), _read(key_path)
    cert_blocks = _PEM_BLOCK.findall(cert)
    if b"CERTIFICATE" not in cert_blocks:
        raise GeneratorError("tls: failed to find any PEM data in certificate input")
    key_blocks = _PEM_BLOCK.findall(key)
    if not any(block == b"PRIVATE KEY" or block.endswith(b" PRIVATE KEY") for block in key_blocks):
        if b"CERTIFICATE" in key_blocks:
            raise GeneratorError("tls: found a certificate rather than a key in the PEM for the private key")
        raise GeneratorError("tls: failed to find any PEM data in key input")
    _check_pair(cert_path, key_path)
    return _secret(name, namespace, {TLS_CERT_KEY: cert, TLS_KEY_KEY: key}, TLS_TYPE)


def _check_pair(cert_path: str, key_path: str) -> None:
    import ssl

    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(cert_path, key_path)
    except ssl.SSLError as e:
        if "KEY_VALUES_MISMATCH" in str(e) or "key values mismatch" in str(e):
            raise GeneratorError("tls: private key does not match public key") from None
        raise GeneratorError("tls: failed to parse private key") from None


# -- --append-hash ------------------------------------------------------------------------------

_HASH_LETTERS = str.maketrans({"0": "g", "1": "h", "3": "k", "a": "m", "e": "t"})
HASH_LENGTH = 10


def content_hash(obj: dict) -> str:
    """kubectl's `--append-hash` suffix for a generated ConfigMap or Secret.

    The SHA-256 of Go's JSON of {kind, name, data[, binaryData]} (a ConfigMap) or {kind, type,
    name, data} (a Secret; values base64), keys sorted, `<>&` escaped; its first 10 hex digits,
    with 0, 1, 3, a and e replaced by g, h, k, m and t so the suffix cannot spell words.
    Example: ConfigMap "cm" with data a=b → `{"data":{"a":"b"},"kind":"ConfigMap","name":"cm"}`
    → sha256 5362a16d19… → "5k62mh6dh9".
    """
    import hashlib

    from kubeferry.cli.printers import go_json_escape

    meta = obj.get("metadata") or {}
    fields: dict = {"kind": obj["kind"], "name": meta.get("name", ""), "data": obj.get("data") or {}}
    if obj["kind"] == "Secret":
        fields["type"] = obj.get("type", "")
    elif obj.get("binaryData"):
        fields["binaryData"] = obj["binaryData"]
    text = go_json_escape(json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return digest[:HASH_LENGTH].translate(_HASH_LETTERS)


# -- namespace and serviceaccount ----------------------------------------------------------------


def namespace(name: str) -> dict:
    return {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": name}, "spec": {}, "status": {}}


def serviceaccount(name: str, namespace: str | None) -> dict:
    return {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": metadata(name, namespace)}
