"""Kubeconfig loading, merging, overrides and exec plugins, restating client-go's clientcmd rules as facts."""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from kubeferry.client.kubeconfig import (
    DEFAULT_SERVER,
    EXEC_HELP,
    ConfigError,
    CredentialError,
    ExecPlugin,
    Overrides,
    TokenFile,
    load,
    load_raw,
    precedence,
    user_agent,
)

CA_PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def kubeconfig(clusters=(), users=(), contexts=(), current="") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": c} for n, c in clusters],
        "users": [{"name": n, "user": u} for n, u in users],
        "contexts": [{"name": n, "context": c} for n, c in contexts],
        "current-context": current,
    }


def write(path: Path, data: dict | str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return str(path)


def env_of(*paths: str) -> dict:
    return {"KUBECONFIG": os.pathsep.join(paths)}


# -- which files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kubeconfig_flag, env_value, expected, must_exist",
    [
        pytest.param("", None, ["HOME/.kube/config"], False, id="default-home-config"),
        pytest.param("", "", ["HOME/.kube/config"], False, id="empty-KUBECONFIG-means-default"),
        pytest.param("", "a:b", ["a", "b"], False, id="KUBECONFIG-list-in-order"),
        pytest.param("", "a::b:a", ["a", "b"], False, id="empty-entries-and-duplicates-dropped"),
        pytest.param("x", "a:b", ["x"], True, id="flag-beats-KUBECONFIG-and-must-exist"),
    ],
)
def test_precedence(kubeconfig_flag, env_value, expected, must_exist):
    env = {} if env_value is None else {"KUBECONFIG": env_value.replace(":", os.pathsep)}
    paths, strict = precedence(Overrides(kubeconfig=kubeconfig_flag), env, home="HOME")
    assert paths == [p.replace("HOME/.kube/config", os.path.join("HOME", ".kube", "config")) for p in expected]
    assert strict is must_exist


# -- merging --------------------------------------------------------------------------------------

FIRST = kubeconfig(
    clusters=[("shared", {"server": "https://first:6443"}), ("only-first", {"server": "https://f:1"})],
    users=[("shared", {"token": "first-token"})],
    contexts=[("shared", {"cluster": "shared", "user": "shared", "namespace": "first-ns"})],
    current="",
)
SECOND = kubeconfig(
    clusters=[
        ("shared", {"server": "https://second:6443", "insecure-skip-tls-verify": True}),
        ("only-second", {"server": "https://s:2"}),
    ],
    users=[("shared", {"token": "second-token", "username": "u"})],
    contexts=[("shared", {"cluster": "only-second", "namespace": "second-ns"}), ("second", {"cluster": "only-second"})],
    current="second",
)
THIRD = kubeconfig(contexts=[("third", {"cluster": "only-first"})], current="third")


@pytest.mark.parametrize(
    "files, field, expected",
    [
        pytest.param(
            [FIRST, SECOND],
            lambda r: r.clusters["shared"],
            {"server": "https://first:6443", "certificate-authority": None},
            id="first-file-wins-whole-cluster-entry",
        ),
        pytest.param([FIRST, SECOND], lambda r: r.users["shared"]["token"], "first-token", id="first-file-wins-user"),
        pytest.param(
            [FIRST, SECOND],
            lambda r: "username" in r.users["shared"],
            False,
            id="entries-are-not-merged-field-by-field",
        ),
        pytest.param(
            [FIRST, SECOND], lambda r: r.contexts["shared"]["namespace"], "first-ns", id="first-file-wins-context"
        ),
        pytest.param(
            [FIRST, SECOND], lambda r: sorted(r.clusters), ["only-first", "only-second", "shared"], id="union-of-names"
        ),
        pytest.param(
            [FIRST, SECOND, THIRD], lambda r: r.current_context, "second", id="first-nonempty-current-context-wins"
        ),
        pytest.param([THIRD, SECOND], lambda r: r.current_context, "third", id="first-file-current-context-wins"),
    ],
)
def test_merge_precedence(tmp_path, files, field, expected):
    paths = [write(tmp_path / f"f{i}", data) for i, data in enumerate(files)]
    assert field(load_raw(env=env_of(*paths))) == expected


def test_missing_files_in_KUBECONFIG_are_ignored(tmp_path):
    good = write(tmp_path / "good", FIRST)
    raw = load_raw(env=env_of(str(tmp_path / "missing"), good))
    assert sorted(raw.clusters) == ["only-first", "shared"]
    assert raw.files == [good]


def test_kubeconfig_flag_must_exist(tmp_path):
    with pytest.raises(ConfigError) as e:
        load(Overrides(kubeconfig=str(tmp_path / "nope")))
    assert e.value.render() == f"error: stat {tmp_path / 'nope'}: no such file or directory"


def test_later_duplicate_in_one_file_replaces_earlier(tmp_path):
    data = kubeconfig(clusters=[("c", {"server": "https://a:1"}), ("c", {"server": "https://b:2"})])
    assert load_raw(env=env_of(write(tmp_path / "f", data))).clusters["c"]["server"] == "https://b:2"


def test_no_config_at_all_means_localhost_8080(tmp_path):
    config = load(env={}, home=str(tmp_path))
    assert (config.server, config.namespace, config.host_port) == (DEFAULT_SERVER, "default", "localhost:8080")


def test_invalid_yaml_names_the_file(tmp_path):
    path = write(tmp_path / "bad", "clusters: [unclosed")
    with pytest.raises(ConfigError) as e:
        load(Overrides(kubeconfig=path))
    assert e.value.message.startswith(f'error loading config file "{path}": ')


# -- resolution -----------------------------------------------------------------------------------

BASE = kubeconfig(
    clusters=[
        ("prod", {"server": "https://prod:6443", "certificate-authority-data": base64.b64encode(CA_PEM).decode()}),
        ("dev", {"server": "https://dev:6443", "insecure-skip-tls-verify": True, "tls-server-name": "api.dev"}),
        ("plain", {"server": "http://plain:8080"}),
        ("bare", {"server": "bare:6443", "insecure-skip-tls-verify": True}),
        ("bare-http", {"server": "bare:8080"}),
        ("no-server", {"insecure-skip-tls-verify": True}),
        ("proxied", {"server": "https://p:1", "proxy-url": "http://proxy:3128"}),
    ],
    users=[
        ("admin", {"token": "admin-token"}),
        ("basic", {"username": "alice", "password": "secret"}),
        ("both", {"token": "t", "username": "a", "password": "b"}),
        ("half-cert", {"client-certificate-data": base64.b64encode(b"CERT").decode()}),
        (
            "certs",
            {
                "client-certificate-data": base64.b64encode(b"CERT").decode(),
                "client-key-data": base64.b64encode(b"KEY").decode(),
            },
        ),
    ],
    contexts=[
        ("prod", {"cluster": "prod", "user": "admin", "namespace": "shop"}),
        ("dev", {"cluster": "dev", "user": "basic"}),
        ("plain", {"cluster": "plain", "user": "admin"}),
        ("bare", {"cluster": "bare", "user": "admin"}),
        ("bare-http", {"cluster": "bare-http", "user": "admin"}),
        ("lost-cluster", {"cluster": "gone", "user": "admin"}),
        ("no-server", {"cluster": "no-server", "user": "admin"}),
        ("both", {"cluster": "prod", "user": "both"}),
        ("half-cert", {"cluster": "prod", "user": "half-cert"}),
        ("certs", {"cluster": "prod", "user": "certs"}),
        ("proxied", {"cluster": "proxied", "user": "admin"}),
    ],
    current="prod",
)


@pytest.mark.parametrize(
    "overrides, expected",
    [
        pytest.param(
            Overrides(),
            {
                "server": "https://prod:6443",
                "namespace": "shop",
                "token": "admin-token",
                "ca_data": CA_PEM,
                "context": "prod",
            },
            id="current-context",
        ),
        pytest.param(
            Overrides(namespace="other"),
            {"namespace": "other", "namespace_explicit": True},
            id="namespace-flag-beats-context",
        ),
        pytest.param(
            Overrides(context="dev"),
            {
                "namespace": "default",
                "insecure": True,
                "server_name": "api.dev",
                "username": "alice",
                "password": "secret",
                "token": "",
            },
            id="context-flag-and-default-namespace",
        ),
        pytest.param(Overrides(user="basic"), {"token": "", "username": "alice"}, id="user-flag"),
        pytest.param(
            Overrides(cluster="dev"),
            {"server": "https://dev:6443", "insecure": True, "ca_data": None},
            id="cluster-flag",
        ),
        pytest.param(
            Overrides(server="https://elsewhere:1"),
            {"server": "https://elsewhere:1", "ca_data": CA_PEM},
            id="server-flag",
        ),
        pytest.param(Overrides(token="flag-token"), {"token": "flag-token"}, id="token-flag"),
        pytest.param(
            Overrides(insecure_skip_tls_verify=True), {"insecure": True, "ca_data": None}, id="insecure-flag-clears-ca"
        ),
        pytest.param(
            Overrides(context="plain"), {"server": "http://plain:8080", "token": ""}, id="no-credentials-over-http"
        ),
        pytest.param(
            Overrides(context="bare"),
            {"server": "https://bare:6443", "token": "admin-token"},
            id="schemeless-with-tls-is-https",
        ),
        pytest.param(
            Overrides(context="bare-http"),
            {"server": "http://bare:8080", "token": ""},
            id="schemeless-without-tls-is-http",
        ),
        pytest.param(
            Overrides(context="lost-cluster"), {"server": DEFAULT_SERVER}, id="missing-cluster-falls-back-to-localhost"
        ),
        pytest.param(
            Overrides(context="no-server"),
            {"server": DEFAULT_SERVER, "token": ""},
            id="cluster-without-server-falls-back",
        ),
        pytest.param(Overrides(context="certs"), {"client_cert": b"CERT", "client_key": b"KEY"}, id="client-cert-data"),
    ],
)
def test_resolution(tmp_path, overrides, expected):
    path = write(tmp_path / "config", BASE)
    config = load(overrides, env=env_of(path))
    assert {k: getattr(config, k) for k in expected} == expected


@pytest.mark.parametrize(
    "overrides, rendered",
    [
        pytest.param(
            Overrides(context="x"),
            "Error in configuration: context was not found for specified context: x",
            id="missing-context",
        ),
        pytest.param(Overrides(cluster="zz"), 'error: no server found for cluster "zz"', id="missing-cluster-flag"),
        pytest.param(Overrides(user="zz"), 'error: auth info "zz" does not exist', id="missing-user-flag"),
        pytest.param(
            Overrides(context="both"),
            "error: more than one authentication method found for both; found [token basicAuth], only one is allowed",
            id="token-and-basic",
        ),
        pytest.param(
            Overrides(context="half-cert"),
            "Error in configuration: client-key-data or client-key must be specified for half-cert to use the clientCert authentication method.",
            id="cert-without-key",
        ),
        pytest.param(
            Overrides(context="proxied"),
            'error: proxy-url is not supported by kubeferry (cluster "proxied" sets http://proxy:3128)',
            id="proxy-url-unsupported",
        ),
        pytest.param(
            Overrides(context="dev", certificate_authority="/nonexistent/ca.crt"),
            "error: unable to read certificate-authority /nonexistent/ca.crt for dev due to open /nonexistent/ca.crt: no such file or directory",
            id="unreadable-ca-flag",
        ),
    ],
)
def test_resolution_errors(tmp_path, overrides, rendered):
    path = write(tmp_path / "config", BASE)
    with pytest.raises(ConfigError) as e:
        load(overrides, env=env_of(path))
    assert e.value.render() == rendered


def test_current_context_naming_a_missing_context(tmp_path):
    path = write(tmp_path / "config", kubeconfig(current="gone"))
    with pytest.raises(ConfigError) as e:
        load(env=env_of(path))
    assert e.value.render() == "Error in configuration: context was not found for specified context: gone"


def test_insecure_with_ca_in_the_file_is_refused(tmp_path):
    data = kubeconfig(
        clusters=[
            (
                "c",
                {
                    "server": "https://c:1",
                    "insecure-skip-tls-verify": True,
                    "certificate-authority-data": base64.b64encode(CA_PEM).decode(),
                },
            )
        ],
        contexts=[("c", {"cluster": "c"})],
        current="c",
    )
    with pytest.raises(ConfigError) as e:
        load(env=env_of(write(tmp_path / "f", data)))
    assert e.value.message == "specifying a root certificates file with the insecure flag is not allowed"


def test_ca_flag_replaces_insecure(tmp_path):
    ca = tmp_path / "flag-ca.crt"
    ca.write_bytes(CA_PEM)
    config = load(Overrides(context="dev", certificate_authority=str(ca)), env=env_of(write(tmp_path / "config", BASE)))
    assert (config.insecure, config.ca_data, config.ca_file) == (False, CA_PEM, str(ca))


def test_user_agent_shape():
    agent = user_agent()
    assert agent.startswith("kubeferry/0.1.0 (") and agent.endswith(")") and "/" in agent.split("(")[1]


# -- relative paths -------------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_defining_file(tmp_path):
    confdir = tmp_path / "conf" / "sub"
    (confdir / "pki").mkdir(parents=True)
    (confdir / "pki" / "ca.crt").write_bytes(CA_PEM)
    (confdir / "pki" / "client.crt").write_bytes(b"CERT")
    (confdir / "pki" / "client.key").write_bytes(b"KEY")
    (confdir / "token").write_text("file-token\n")
    data = kubeconfig(
        clusters=[("c", {"server": "https://c:1", "certificate-authority": "pki/ca.crt"})],
        users=[("u", {"client-certificate": "pki/client.crt", "client-key": "pki/client.key", "tokenFile": "token"})],
        contexts=[("c", {"cluster": "c", "user": "u"})],
        current="c",
    )
    other = write(tmp_path / "elsewhere" / "first", kubeconfig())
    config = load(env=env_of(other, write(confdir / "config", data)))
    assert config.ca_file == str(confdir / "pki" / "ca.crt")
    assert (config.ca_data, config.client_cert, config.client_key) == (CA_PEM, b"CERT", b"KEY")
    assert config.credential_provider.credentials().token == "file-token"


@pytest.mark.parametrize(
    "command, expected",
    [
        pytest.param("bin/plugin", "DIR/bin/plugin", id="relative-with-separator-resolved"),
        pytest.param("plugin", "plugin", id="bare-name-left-for-PATH"),
        pytest.param("/abs/plugin", "/abs/plugin", id="absolute-unchanged"),
    ],
)
def test_exec_command_paths(tmp_path, command, expected):
    data = kubeconfig(
        users=[("u", {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": command}})]
    )
    raw = load_raw(env=env_of(write(tmp_path / "config", data)))
    assert raw.users["u"]["exec"]["command"] == expected.replace("DIR", str(tmp_path))


def test_token_file_is_reread_after_a_minute(tmp_path):
    path = tmp_path / "token"
    path.write_text("one")
    now = [0.0]
    source = TokenFile(str(path), clock=lambda: now[0])
    assert source.credentials().token == "one"
    path.write_text("two")
    now[0] = 59.0
    assert source.credentials().token == "one"
    now[0] = 60.0
    assert source.credentials().token == "two"


# -- exec plugins ---------------------------------------------------------------------------------

PLUGIN = """#!/bin/sh
echo run >> "{dir}/runs"
printf '%s' "$KUBERNETES_EXEC_INFO" > "{dir}/exec-info.json"
echo "$EXTRA $1" > "{dir}/env-and-args"
cat "{dir}/response.json"
"""


def make_plugin(tmp_path: Path, response: dict | str) -> Path:
    script = tmp_path / "plugin.sh"
    script.write_text(PLUGIN.format(dir=tmp_path))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "response.json").write_text(response if isinstance(response, str) else json.dumps(response))
    return script


def exec_config(tmp_path, command, api_version="client.authentication.k8s.io/v1", **extra) -> str:
    exec_conf = {
        "apiVersion": api_version,
        "command": str(command),
        "args": ["--flag"],
        "env": [{"name": "EXTRA", "value": "yes"}],
        "interactiveMode": "Never",
        **extra,
    }
    data = kubeconfig(
        clusters=[
            (
                "c",
                {
                    "server": "https://c:6443",
                    "certificate-authority-data": base64.b64encode(CA_PEM).decode(),
                    "tls-server-name": "api.c",
                },
            )
        ],
        users=[("u", {"exec": exec_conf})],
        contexts=[("c", {"cluster": "c", "user": "u"})],
        current="c",
    )
    return write(tmp_path / "config", data)


def credential(
    token="", expires: datetime | None = None, api_version="client.authentication.k8s.io/v1", **status
) -> dict:
    body = {"token": token, **status} if token else dict(status)
    if expires is not None:
        body["expirationTimestamp"] = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"apiVersion": api_version, "kind": "ExecCredential", "status": body}


def test_exec_plugin_token_cached_until_expiry(tmp_path):
    expiry = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    make_plugin(tmp_path, credential("plugin-token", expiry))
    config = load(env=env_of(exec_config(tmp_path, tmp_path / "plugin.sh", provideClusterInfo=True)))
    plugin = config.credential_provider
    clock = [expiry - timedelta(minutes=5)]
    plugin._now = lambda: clock[0]
    first = plugin.credentials()
    assert (first.token, first.expires) == ("plugin-token", expiry)
    assert plugin.credentials() is first
    assert (tmp_path / "runs").read_text().count("run") == 1
    clock[0] = expiry
    assert plugin.credentials().token == "plugin-token"
    assert (tmp_path / "runs").read_text().count("run") == 2
    plugin.invalidate()
    plugin.credentials()
    assert (tmp_path / "runs").read_text().count("run") == 3
    assert (tmp_path / "env-and-args").read_text().strip() == "yes --flag"
    info = json.loads((tmp_path / "exec-info.json").read_text())
    assert info == {
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1",
        "spec": {
            "interactive": False,
            "cluster": {
                "server": "https://c:6443",
                "tls-server-name": "api.c",
                "certificate-authority-data": base64.b64encode(CA_PEM).decode(),
            },
        },
    }


def test_exec_plugin_without_cluster_info_and_without_expiry(tmp_path):
    make_plugin(tmp_path, credential("forever", api_version="client.authentication.k8s.io/v1beta1"))
    path = exec_config(tmp_path, tmp_path / "plugin.sh", api_version="client.authentication.k8s.io/v1beta1")
    plugin = load(env=env_of(path)).credential_provider
    assert plugin.credentials().token == "forever"
    assert plugin.credentials().token == "forever"
    assert (tmp_path / "runs").read_text().count("run") == 1
    assert json.loads((tmp_path / "exec-info.json").read_text())["spec"] == {"interactive": False}


def test_exec_plugin_client_certificate(tmp_path):
    make_plugin(tmp_path, credential(clientCertificateData="CERT PEM", clientKeyData="KEY PEM"))
    creds = load(env=env_of(exec_config(tmp_path, tmp_path / "plugin.sh"))).credential_provider.credentials()
    assert (creds.token, creds.client_cert, creds.client_key) == ("", b"CERT PEM", b"KEY PEM")


@pytest.mark.parametrize(
    "response, message",
    [
        pytest.param(
            credential(), "getting credentials: exec plugin didn't return a token or cert/key pair", id="empty-status"
        ),
        pytest.param(
            {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential"},
            "getting credentials: exec plugin didn't return a status field",
            id="no-status",
        ),
        pytest.param(
            credential("t", api_version="client.authentication.k8s.io/v1beta1"),
            "getting credentials: exec plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned version client.authentication.k8s.io/v1beta1",
            id="version-mismatch",
        ),
        pytest.param(
            credential(clientCertificateData="C"),
            "getting credentials: exec plugin returned only certificate or key, not both",
            id="cert-without-key",
        ),
    ],
)
def test_exec_plugin_bad_responses(tmp_path, response, message):
    make_plugin(tmp_path, response)
    plugin = load(env=env_of(exec_config(tmp_path, tmp_path / "plugin.sh"))).credential_provider
    with pytest.raises(CredentialError) as e:
        plugin.credentials()
    assert e.value.message == message


def test_exec_plugin_missing_command(tmp_path):
    plugin = load(
        env=env_of(exec_config(tmp_path, "no-such-plugin-kubeferry", installHint="install it with brew"))
    ).credential_provider
    with pytest.raises(CredentialError) as e:
        plugin.credentials()
    assert (
        e.value.message
        == f"getting credentials: exec: executable no-such-plugin-kubeferry not found\n\n{EXEC_HELP}\n\ninstall it with brew"
    )


def test_exec_plugin_failing_command(tmp_path):
    script = tmp_path / "fail.sh"
    script.write_text("#!/bin/sh\nexit 3\n")
    script.chmod(0o755)
    plugin = load(env=env_of(exec_config(tmp_path, script))).credential_provider
    with pytest.raises(CredentialError) as e:
        plugin.credentials()
    assert e.value.message == f"getting credentials: exec: executable {script} failed with exit code 3"


def test_exec_plugin_always_interactive_without_a_terminal(tmp_path):
    plugin = ExecPlugin(
        "true", [], [], "client.authentication.k8s.io/v1", interactive_mode="Always", stdin_is_tty=False
    )
    with pytest.raises(CredentialError) as e:
        plugin.credentials()
    assert (
        e.value.message
        == "getting credentials: exec plugin cannot support interactive mode: standard input is not a terminal"
    )


@pytest.mark.parametrize(
    "exec_conf, message",
    [
        pytest.param(
            {"apiVersion": "client.authentication.k8s.io/v1", "command": "x"},
            "interactiveMode must be specified for u to use exec authentication plugin",
            id="v1-needs-interactiveMode",
        ),
        pytest.param(
            {"apiVersion": "client.authentication.k8s.io/v9", "command": "x", "interactiveMode": "Never"},
            'exec plugin: invalid apiVersion "client.authentication.k8s.io/v9"',
            id="unknown-apiVersion",
        ),
        pytest.param(
            {"apiVersion": "client.authentication.k8s.io/v1"},
            "command must be specified for u to use exec authentication plugin",
            id="no-command",
        ),
        pytest.param(
            {"command": "x"}, "apiVersion must be specified for u to use exec authentication plugin", id="no-apiVersion"
        ),
    ],
)
def test_exec_config_errors(tmp_path, exec_conf, message):
    data = kubeconfig(
        clusters=[("c", {"server": "https://c:1", "insecure-skip-tls-verify": True})],
        users=[("u", {"exec": exec_conf})],
        contexts=[("c", {"cluster": "c", "user": "u"})],
        current="c",
    )
    with pytest.raises(ConfigError) as e:
        load(env=env_of(write(tmp_path / "f", data)))
    assert e.value.message == message
