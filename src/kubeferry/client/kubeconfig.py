"""Kubeconfig loading as kubectl (client-go's clientcmd) does it, down to a frozen `ClientConfig`.

Owns: which files are read, how they merge, how command-line overrides apply, and how a user's
credentials are obtained (static token, token file, client certificate, basic auth, exec plugin).
It does not open connections: `kubeferry.client.https` turns a `ClientConfig` into one.

Facts restated from client-go (v1.37):

- Files: `--kubeconfig` alone when given (it must exist); else every path in `$KUBECONFIG`
  (split on `os.pathsep`, empty entries and duplicates dropped, missing files ignored); else
  `~/.kube/config` (missing is fine: an empty config).
- Merge: for clusters, users and contexts the first file that names an entry wins (whole entries,
  never field by field); the first file that sets `current-context` wins.  Within one file a later
  duplicate name replaces an earlier one.
- Relative paths (`certificate-authority`, `client-certificate`, `client-key`, `tokenFile`, and an
  exec `command` containing a path separator) are resolved against the directory of the file that
  defined the entry.
- A named context (flag or current-context) that does not exist is an error; a context whose cluster
  does not exist, or a cluster without a server, falls back to `http://localhost:8080` (hence
  kubectl's familiar `The connection to the server localhost:8080 was refused`), unless the cluster
  was named with `--cluster`.
- Credentials are only used over TLS: with an `http://` server no token, certificate, password or
  exec plugin is used.  A server without a scheme is https when a CA or insecure-skip is set.
- Exec plugins (`client.authentication.k8s.io/v1` and `v1beta1`) get `KUBERNETES_EXEC_INFO` (an
  `ExecCredential` whose `spec.cluster` is filled only with `provideClusterInfo`), and their
  credential is cached until `status.expirationTimestamp` (forever without one, until a 401).
"""

from __future__ import annotations

import _thread
import binascii
import json
import os
import sys

from kubeferry.client.record import Record
from kubeferry.client.urls import urlsplit

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: `typing`, `datetime` and `pathlib` cost import time on every command
    from datetime import datetime
    from typing import Any

DEFAULT_SERVER = "http://localhost:8080"
DEFAULT_NAMESPACE = "default"
EXEC_INFO_ENV = "KUBERNETES_EXEC_INFO"
EXEC_V1 = "client.authentication.k8s.io/v1"
EXEC_V1BETA1 = "client.authentication.k8s.io/v1beta1"
EXEC_API_VERSIONS = (EXEC_V1, EXEC_V1BETA1)
EXEC_EXTENSION = "client.authentication.k8s.io/exec"
INTERACTIVE_MODES = ("Never", "IfAvailable", "Always")
EXEC_HELP = (
    "It looks like you are trying to use a client-go credential plugin that is not installed.\n\n"
    "To learn more about this feature, consult the documentation available at:\n"
    "      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins"
)
TOKEN_FILE_REREAD_SECONDS = 60.0  # client-go re-reads a tokenFile at most once a minute

_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i386": "386", "i686": "386"}


def user_agent() -> str:
    """`kubeferry/0.1.0 (linux/amd64)`: kubectl's shape with Go's OS/arch names."""
    from kubeferry.machinery.version import VERSION as __version__

    machine = os.uname().machine.lower() if hasattr(os, "uname") else ""
    system = "darwin" if sys.platform == "darwin" else "windows" if sys.platform == "win32" else sys.platform
    return f"kubeferry/{__version__} ({system}/{_ARCH.get(machine, machine)})"


class ConfigError(Exception):
    """A kubeconfig problem, worded as kubectl words it.

    `validation` errors are the ones kubectl prints as `Error in configuration: ...` (several as a
    `* `-bulleted list); the others print as `error: ...`.  `render()` gives the full line.
    """

    def __init__(self, message: str, *, validation: bool = False, problems: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.validation = validation
        self.problems = problems or (message,)

    def render(self) -> str:
        if not self.validation:
            return f"error: {self.message}"
        if len(self.problems) == 1:
            return f"Error in configuration: {self.problems[0]}"
        return "Error in configuration: \n" + "\n".join(f"* {p}" for p in self.problems)


class CredentialError(Exception):
    """Obtaining credentials failed (an exec plugin).  kubectl prints `Unable to connect to the server: <message>`."""

    def __init__(self, message: str):
        super().__init__(f"getting credentials: {message}")
        self.message = f"getting credentials: {message}"


class Credentials(Record):
    """A bearer token and/or client certificate, and when they expire (`datetime` or None)."""

    _fields = ("token", "client_cert", "client_key", "expires")
    _defaults = {"token": "", "client_cert": None, "client_key": None, "expires": None}
    _frozen = True


class CredentialProvider:
    """Supplies credentials that may change over time (exec plugins, token files): the protocol."""

    def credentials(self) -> Credentials:
        raise NotImplementedError

    def invalidate(self) -> None:
        """Forget the cached credential (after a 401); the next call fetches a fresh one."""


class Overrides(Record):
    """kubectl's global flags that change the loaded config; None/"" means "not given"."""

    _fields = (
        "kubeconfig",
        "context",
        "cluster",
        "user",
        "namespace",
        "server",
        "token",
        "insecure_skip_tls_verify",
        "certificate_authority",
        "client_certificate",
        "client_key",
        "tls_server_name",
        "username",
        "password",
        "request_timeout",
    )
    _defaults = dict.fromkeys(_fields, "") | {"insecure_skip_tls_verify": None, "request_timeout": None}
    _frozen = True


class ClientConfig(Record):
    """Everything a transport needs to reach one API server as one user.

    Fields: server, namespace, context, ca_data (bytes), ca_file, insecure, server_name, token,
    credential_provider (not compared), client_cert, client_key, username, password, user_agent,
    timeout (seconds or None), namespace_explicit.
    """

    _fields = (
        "server",
        "namespace",
        "context",
        "ca_data",
        "ca_file",
        "insecure",
        "server_name",
        "token",
        "credential_provider",
        "client_cert",
        "client_key",
        "username",
        "password",
        "user_agent",
        "timeout",
        "namespace_explicit",
    )
    _defaults = {
        "namespace": DEFAULT_NAMESPACE,
        "context": "",
        "ca_data": None,
        "ca_file": "",
        "insecure": False,
        "server_name": "",
        "token": "",
        "credential_provider": None,
        "client_cert": None,
        "client_key": None,
        "username": "",
        "password": "",
        "timeout": None,
        "namespace_explicit": False,
    }
    _factories = {"user_agent": user_agent}
    _no_compare = frozenset({"credential_provider"})
    _hidden = frozenset({"credential_provider", "client_cert", "client_key", "password"})
    _frozen = True

    @property
    def secure(self) -> bool:
        return urlsplit(self.server).scheme == "https"

    @property
    def host_port(self) -> str:
        """`localhost:8080`, as kubectl names a server in connection errors."""
        parts = urlsplit(self.server)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname or "localhost"
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class RawConfig(Record):
    """The merged kubeconfig: entries by name (clusters, users, contexts), current_context, files;
    relative paths already resolved."""

    _fields = ("clusters", "users", "contexts", "current_context", "files")
    _defaults = {"current_context": ""}
    _factories = {"clusters": dict, "users": dict, "contexts": dict, "files": list}


# -- files --------------------------------------------------------------------------------------


def precedence(
    overrides: Overrides | None = None, env: dict | None = None, home: str | None = None
) -> tuple[list[str], bool]:
    """The files to read, in priority order, and whether they must exist (only `--kubeconfig`)."""
    overrides = overrides or Overrides()
    env = os.environ if env is None else env
    if overrides.kubeconfig:
        return [overrides.kubeconfig], True
    listed = env.get("KUBECONFIG", "")
    if listed:
        paths: list[str] = []
        for p in listed.split(os.pathsep):
            if p and p not in paths:
                paths.append(p)
        return paths, False
    base = home if home is not None else os.path.expanduser("~")
    return [os.path.join(base, ".kube", "config")], False


def _resolve(base: str, value: Any) -> Any:
    if not isinstance(value, str) or not value or os.path.isabs(value):
        return value
    return os.path.join(base, value)


def _named(items: Any, what: str, path: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for item in items or []:
        if not isinstance(item, dict):
            raise ConfigError(f'error loading config file "{path}": {what} entries must be mappings')
        body = item.get(what[:-1]) or {}
        if not isinstance(body, dict):
            raise ConfigError(
                f'error loading config file "{path}": {what[:-1]} "{item.get("name", "")}" must be a mapping'
            )
        out[str(item.get("name", ""))] = dict(body)
    return out


def _parse_yaml(path: str, text: str) -> object:
    """Parse a kubeconfig's YAML, through a cache of the parsed form keyed by the text.

    Importing and running a YAML parser costs more than the rest of a `get`; the parsed form is
    kept as JSON under `$XDG_CACHE_HOME/kubeferry/kubeconfig/<crc32>-<length>.json` (mode 0600 in
    a 0700 directory, like the kubeconfig itself), so an unchanged file is parsed once.  The entry
    holds the text it was parsed from and is used only when that text is this one, so two files
    sharing a checksum never see each other's settings.  (A CRC rather than a cryptographic digest:
    `binascii` is already loaded, `hashlib` would cost every command a few milliseconds.)

        "apiVersion: v1\n" (15 characters, CRC-32 0x3bbb8ddd) -> 3bbb8ddd-15.json
    """
    if not text.strip():
        return {}
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    name = f"{binascii.crc32(text.encode()):08x}-{len(text)}.json"
    cache = os.path.join(base, "kubeferry", "kubeconfig", name)
    try:
        with open(cache, encoding="utf-8") as f:
            entry = json.load(f)
        if isinstance(entry, dict) and entry.get("text") == text:
            return entry.get("data")
    except (OSError, ValueError):
        pass
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f'error loading config file "{path}": {" ".join(str(e).split())}')
    try:
        os.makedirs(os.path.dirname(cache), mode=0o700, exist_ok=True)
        tmp = f"{cache}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"text": text, "data": data}, f, default=str)
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only home still works, just without the cache
    return data


def parse_file(path: str, text: str) -> RawConfig:
    """One kubeconfig file, with its relative paths resolved against its directory."""
    data = _parse_yaml(path, text)
    data = data or {}
    if not isinstance(data, dict):
        raise ConfigError(f'error loading config file "{path}": expected a mapping at the top level')
    base = os.path.dirname(os.path.abspath(path))
    clusters = _named(data.get("clusters"), "clusters", path)
    users = _named(data.get("users"), "users", path)
    contexts = _named(data.get("contexts"), "contexts", path)
    for cluster in clusters.values():
        cluster["certificate-authority"] = _resolve(base, cluster.get("certificate-authority"))
    for user in users.values():
        for key in ("client-certificate", "client-key", "tokenFile"):
            user[key] = _resolve(base, user.get(key))
        exec_conf = user.get("exec")
        if isinstance(exec_conf, dict):
            command = exec_conf.get("command")
            if isinstance(command, str) and os.sep in command:
                user["exec"] = dict(exec_conf, command=_resolve(base, command))
    return RawConfig(clusters, users, contexts, str(data.get("current-context") or ""), [path])


def merge(configs: list[RawConfig]) -> RawConfig:
    """First file wins for every entry name and for current-context."""
    merged = RawConfig()
    for config in configs:
        for mine, theirs in (
            (merged.clusters, config.clusters),
            (merged.users, config.users),
            (merged.contexts, config.contexts),
        ):
            for name, entry in theirs.items():
                mine.setdefault(name, entry)
        if not merged.current_context:
            merged.current_context = config.current_context
        merged.files.extend(config.files)
    return merged


def load_raw(overrides: Overrides | None = None, env: dict | None = None, home: str | None = None) -> RawConfig:
    paths, must_exist = precedence(overrides, env, home)
    configs = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            if must_exist:
                raise ConfigError(f"stat {path}: no such file or directory")
            continue
        except OSError as e:
            raise ConfigError(f'error loading config file "{path}": {e.strerror or e}')
        configs.append(parse_file(path, text))
    return merge(configs)


# -- resolution ---------------------------------------------------------------------------------


def _read(path: str, what: str, owner: str, problems: list[str]) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        problems.append(
            f"unable to read {what} {path} for {owner} due to open {path}: {(e.strerror or str(e)).lower()}"
        )
        return None


def _b64(value: Any, what: str, owner: str) -> bytes:
    try:
        return binascii.a2b_base64(str(value), strict_mode=True)  # what base64.b64decode(validate=True) accepts
    except ValueError:
        raise ConfigError(f"illegal base64 data in {what} for {owner}")


def _bool(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _with_scheme(server: str, tls: bool) -> str:
    if "://" in server:
        return server.rstrip("/")
    return ("https://" if tls else "http://") + server.rstrip("/")


def resolve(raw: RawConfig, overrides: Overrides | None = None, *, stdin_is_tty: bool | None = None) -> ClientConfig:
    """Apply context selection and overrides to a merged config."""
    o = overrides or Overrides()
    context_name = o.context or raw.current_context
    if context_name and context_name not in raw.contexts:
        raise ConfigError(f"context was not found for specified context: {context_name}", validation=True)
    context = raw.contexts.get(context_name, {})
    cluster_name = o.cluster or str(context.get("cluster") or "")
    user_name = o.user or str(context.get("user") or "")
    if o.user and o.user not in raw.users:
        raise ConfigError(f'auth info "{o.user}" does not exist')

    cluster = dict(raw.clusters.get(cluster_name, {}))
    if o.server:
        cluster["server"] = o.server
    if not cluster.get("server"):
        if o.cluster:
            raise ConfigError(f'no server found for cluster "{o.cluster}"')
        cluster["server"] = DEFAULT_SERVER
    if cluster.get("proxy-url"):
        raise ConfigError(
            f'proxy-url is not supported by kubeferry (cluster "{cluster_name}" sets {cluster["proxy-url"]})'
        )
    if o.certificate_authority:
        cluster.update({"certificate-authority": o.certificate_authority, "certificate-authority-data": None})
        cluster["insecure-skip-tls-verify"] = False
    if o.insecure_skip_tls_verify is not None:
        cluster["insecure-skip-tls-verify"] = o.insecure_skip_tls_verify
        if o.insecure_skip_tls_verify and not o.certificate_authority:
            cluster.update({"certificate-authority": None, "certificate-authority-data": None})
    if o.tls_server_name:
        cluster["tls-server-name"] = o.tls_server_name

    problems: list[str] = []
    insecure = _bool(cluster.get("insecure-skip-tls-verify"))
    ca_file = str(cluster.get("certificate-authority") or "")
    ca_data: bytes | None = None
    if cluster.get("certificate-authority-data"):
        ca_data = _b64(cluster["certificate-authority-data"], "certificate-authority-data", cluster_name)
    elif ca_file:
        ca_data = _read(ca_file, "certificate-authority", cluster_name, problems)
        if problems:
            raise ConfigError(problems[0])
    if insecure and (ca_data or ca_file):
        raise ConfigError("specifying a root certificates file with the insecure flag is not allowed")
    server = _with_scheme(str(cluster["server"]), bool(ca_data or insecure))
    namespace = o.namespace or str(context.get("namespace") or "") or DEFAULT_NAMESPACE
    base = ClientConfig(
        server=server,
        namespace=namespace,
        context=context_name,
        ca_data=ca_data,
        ca_file=ca_file,
        insecure=insecure,
        server_name=str(cluster.get("tls-server-name") or ""),
        timeout=o.request_timeout,
        namespace_explicit=bool(o.namespace),
    )
    if not base.secure:
        return base  # client-go reads auth info only when the transport is TLS

    user = dict(raw.users.get(user_name, {}))
    for key, value in (("token", o.token), ("username", o.username), ("password", o.password)):
        if value:
            user[key] = value
    if o.client_certificate:
        user.update({"client-certificate": o.client_certificate, "client-certificate-data": None})
    if o.client_key:
        user.update({"client-key": o.client_key, "client-key-data": None})
    return _with_user(base, user, user_name, cluster, stdin_is_tty)


def _with_user(base: ClientConfig, user: dict, name: str, cluster: dict, stdin_is_tty: bool | None) -> ClientConfig:
    problems: list[str] = []
    cert = (
        _b64(user["client-certificate-data"], "client-certificate-data", name)
        if user.get("client-certificate-data")
        else None
    )
    key = _b64(user["client-key-data"], "client-key-data", name) if user.get("client-key-data") else None
    has_cert = bool(cert or user.get("client-certificate"))
    has_key = bool(key or user.get("client-key"))
    if has_cert and not has_key:
        problems.append(
            f"client-key-data or client-key must be specified for {name} to use the clientCert authentication method."
        )
    if has_key and not has_cert:
        problems.append(
            f"client-cert-data or client-cert must be specified for {name} to use the clientCert authentication method."
        )
    if cert is None and user.get("client-certificate"):
        cert = _read(user["client-certificate"], "client-cert", name, problems)
    if key is None and user.get("client-key"):
        key = _read(user["client-key"], "client-key", name, problems)
    if problems:
        raise ConfigError(problems[0], validation=True, problems=tuple(problems))

    methods = []
    if user.get("token") or user.get("tokenFile"):
        methods.append("token")
    if user.get("username") or user.get("password"):
        methods.append("basicAuth")
    if len(methods) > 1:
        raise ConfigError(
            f"more than one authentication method found for {name}; found [{' '.join(methods)}], only one is allowed"
        )

    provider: CredentialProvider | None = None
    token = str(user.get("token") or "")
    if not token and user.get("tokenFile"):
        provider = TokenFile(str(user["tokenFile"]))
        try:
            provider.credentials()
        except OSError as e:
            raise ConfigError(f"open {user['tokenFile']}: {(e.strerror or str(e)).lower()}")
    exec_conf = user.get("exec")
    if isinstance(exec_conf, dict):
        provider = ExecPlugin.from_config(exec_conf, name, base, cluster, stdin_is_tty)
    return base.replace(
        token=token,
        credential_provider=provider,
        client_cert=cert,
        client_key=key,
        username=str(user.get("username") or ""),
        password=str(user.get("password") or ""),
    )


def load(overrides: Overrides | None = None, *, env: dict | None = None, home: str | None = None) -> ClientConfig:
    """What kubectl would connect to, and as whom, given these flags and environment."""
    return resolve(load_raw(overrides, env, home), overrides)


# -- credential providers -----------------------------------------------------------------------


class TokenFile:
    """A bearer token read from a file, re-read at most every `TOKEN_FILE_REREAD_SECONDS`."""

    def __init__(self, path: str, clock=None):
        import time

        self.path = path
        self._clock = clock or time.monotonic
        self._token = ""
        self._read_at: float | None = None

    def credentials(self) -> Credentials:
        now = self._clock()
        if self._read_at is None or now - self._read_at >= TOKEN_FILE_REREAD_SECONDS:
            with open(self.path, encoding="utf-8") as f:
                self._token = f.read().strip()
            self._read_at = now
        return Credentials(token=self._token)

    def invalidate(self) -> None:
        self._read_at = None


def parse_time(text: str) -> datetime:
    from datetime import UTC, datetime

    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _utc_now() -> datetime:
    from datetime import UTC, datetime

    return datetime.now(UTC)


class ExecPlugin:
    """A client-go credential plugin: runs the command, parses its `ExecCredential`, caches it."""

    def __init__(
        self,
        command: str,
        args: list[str],
        env: list[tuple[str, str]],
        api_version: str,
        *,
        install_hint: str = "",
        interactive_mode: str = "IfAvailable",
        cluster_info: dict | None = None,
        stdin_is_tty: bool | None = None,
        now=None,
    ):
        self.command = command
        self.args = args
        self.env = env
        self.api_version = api_version
        self.install_hint = install_hint
        self.interactive_mode = interactive_mode
        self.cluster_info = cluster_info
        self._stdin_is_tty = stdin_is_tty
        self._now = now or _utc_now
        self._cached: Credentials | None = None
        self._lock = _thread.allocate_lock()  # threading.Lock itself; `threading` costs start-up
        self.runs = 0

    @classmethod
    def from_config(
        cls, conf: dict, user: str, base: ClientConfig, cluster: dict, stdin_is_tty: bool | None
    ) -> ExecPlugin:
        api_version = str(conf.get("apiVersion") or "")
        command = str(conf.get("command") or "")
        if not command:
            raise ConfigError(f"command must be specified for {user} to use exec authentication plugin")
        if not api_version:
            raise ConfigError(f"apiVersion must be specified for {user} to use exec authentication plugin")
        mode = str(conf.get("interactiveMode") or "")
        if not mode:
            if api_version == EXEC_V1:
                raise ConfigError(f"interactiveMode must be specified for {user} to use exec authentication plugin")
            mode = "IfAvailable"
        if mode not in INTERACTIVE_MODES:
            raise ConfigError(
                f"invalid interactiveMode for {user}: {mode} (must be one of {', '.join(INTERACTIVE_MODES)})"
            )
        if api_version not in EXEC_API_VERSIONS:
            raise ConfigError(f'exec plugin: invalid apiVersion "{api_version}"')
        env = []
        for item in conf.get("env") or []:
            if isinstance(item, dict) and item.get("name"):
                env.append((str(item["name"]), str(item.get("value") or "")))
        info = None
        if conf.get("provideClusterInfo"):
            info = {"server": base.server}
            if base.server_name:
                info["tls-server-name"] = base.server_name
            if base.insecure:
                info["insecure-skip-tls-verify"] = True
            if base.ca_data:
                info["certificate-authority-data"] = (
                    base.ca_data and binascii.b2a_base64(base.ca_data, newline=False).decode()
                )
            for ext in cluster.get("extensions") or []:
                if isinstance(ext, dict) and ext.get("name") == EXEC_EXTENSION:
                    info["config"] = ext.get("extension")
        return cls(
            command,
            [str(a) for a in conf.get("args") or []],
            env,
            api_version,
            install_hint=str(conf.get("installHint") or ""),
            interactive_mode=mode,
            cluster_info=info,
            stdin_is_tty=stdin_is_tty,
        )

    def _interactive(self) -> bool:
        tty = self._stdin_is_tty
        if tty is None:
            try:
                tty = sys.stdin is not None and sys.stdin.isatty()
            except (ValueError, OSError):
                tty = False
        if self.interactive_mode == "Never":
            return False
        if self.interactive_mode == "Always" and not tty:
            raise CredentialError("exec plugin cannot support interactive mode: standard input is not a terminal")
        return tty

    def exec_info(self, interactive: bool) -> dict:
        spec: dict = {"interactive": interactive}
        if self.cluster_info is not None:
            spec["cluster"] = self.cluster_info
        return {"kind": "ExecCredential", "apiVersion": self.api_version, "spec": spec}

    def credentials(self) -> Credentials:
        with self._lock:
            cached = self._cached
            if cached is not None and (cached.expires is None or self._now() < cached.expires):
                return cached
            self._cached = self._run()
            return self._cached

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None

    def _run(self) -> Credentials:
        interactive = self._interactive()
        env = dict(os.environ)
        env.update(self.env)
        env[EXEC_INFO_ENV] = json.dumps(self.exec_info(interactive), separators=(",", ":"))
        self.runs += 1
        try:
            import subprocess  # only exec credential plugins need it; keep it off the CLI's start-up path

            proc = subprocess.run(
                [self.command, *self.args],
                env=env,
                stdin=None if interactive else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                check=False,
            )
        except FileNotFoundError:
            message = f"exec: executable {self.command} not found\n\n{EXEC_HELP}"
            if self.install_hint:
                message += f"\n\n{self.install_hint}"
            raise CredentialError(message)
        except PermissionError:
            raise CredentialError(f"exec: fork/exec {self.command}: permission denied")
        if proc.returncode != 0:
            raise CredentialError(f"exec: executable {self.command} failed with exit code {proc.returncode}")
        return self.parse(proc.stdout)

    def parse(self, stdout: bytes) -> Credentials:
        try:
            data = json.loads(stdout)
        except ValueError as e:
            raise CredentialError(f"decoding stdout: {e}")
        if not isinstance(data, dict):
            raise CredentialError("decoding stdout: not an ExecCredential object")
        returned = data.get("apiVersion", "")
        if returned != self.api_version:
            raise CredentialError(
                f"exec plugin is configured to use API version {self.api_version}, plugin returned version {returned}"
            )
        status = data.get("status")
        if not isinstance(status, dict):
            raise CredentialError("exec plugin didn't return a status field")
        token = str(status.get("token") or "")
        cert = status.get("clientCertificateData") or ""
        key = status.get("clientKeyData") or ""
        if not token and not cert and not key:
            raise CredentialError("exec plugin didn't return a token or cert/key pair")
        if bool(cert) != bool(key):
            raise CredentialError("exec plugin returned only certificate or key, not both")
        expires = None
        if status.get("expirationTimestamp"):
            try:
                expires = parse_time(str(status["expirationTimestamp"]))
            except ValueError as e:
                raise CredentialError(f"decoding stdout: {e}")
        return Credentials(token, cert.encode() if cert else None, key.encode() if key else None, expires)
