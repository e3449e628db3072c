"""What keeps `kubeferry get` and `rollout history` quick to start, with the answers unchanged.

- host names reach `socket` and `ssl` as ASCII bytes, so the `idna` codec is not loaded;
- the kubeconfig parse cache is keyed by a CRC of the text and checked against the text itself;
- argparse's own words are taken as written, so building parsers loads no `locale`;
- the modules of the `get` and `rollout history` paths leave the heavy standard modules unloaded,
  `ssl` and `socket` included.
"""

from __future__ import annotations

import binascii
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kubeferry.client import kubeconfig, wire

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run_python(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONPATH": SRC}
    )
    return out.stdout.strip()


@pytest.mark.parametrize(
    "host, expected",
    [
        pytest.param("127.0.0.1", b"127.0.0.1", id="IPv4 address"),
        pytest.param("::1", b"::1", id="IPv6 address"),
        pytest.param("kube.example.", b"kube.example.", id="trailing dot"),
        pytest.param("a." + "x" * 63, b"a." + b"x" * 63, id="63-byte label"),
        pytest.param("a." + "x" * 64, "a." + "x" * 64, id="64-byte label left to the codec"),
        pytest.param("a..b", "a..b", id="empty label left to the codec"),
        pytest.param("münchen.de", "münchen.de", id="non-ASCII left to the codec"),
        pytest.param("", "", id="empty"),
    ],
)
def test_ascii_host(host, expected):
    assert wire.ascii_host(host) == expected


@pytest.mark.parametrize("host", ["127.0.0.1", "kube.example.", "a." + "x" * 63, "Mixed.Case.Example"])
def test_ascii_host_gives_what_the_idna_codec_gives(host):
    assert wire.ascii_host(host) == host.encode("idna")


def test_plain_connection_leaves_the_idna_codec_unloaded():
    code = """
import socket, sys, threading
from kubeferry.client import wire
server = socket.create_server(("127.0.0.1", 0))
conn = wire.Connection("127.0.0.1", server.getsockname()[1], timeout=5)
conn.connect()
peer, _ = server.accept()
print(conn.sock.getpeername()[0], "encodings.idna" in sys.modules)
"""
    assert run_python(code) == "127.0.0.1 False"


KUBECONFIG_TEXT = "apiVersion: v1\nkind: Config\ncurrent-context: a\n"


def cache_file(cache_home: Path, text: str) -> Path:
    return cache_home / "kubeferry" / "kubeconfig" / f"{binascii.crc32(text.encode()):08x}-{len(text)}.json"


def test_kubeconfig_parse_is_cached_with_its_text(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert kubeconfig._parse_yaml("config", KUBECONFIG_TEXT) == {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "a",
    }
    entry = cache_file(tmp_path, KUBECONFIG_TEXT)
    assert json.loads(entry.read_text()) == {
        "text": KUBECONFIG_TEXT,
        "data": {"apiVersion": "v1", "kind": "Config", "current-context": "a"},
    }
    assert oct(entry.stat().st_mode & 0o777) == "0o600"
    assert oct(entry.parent.stat().st_mode & 0o777) == "0o700"


def test_kubeconfig_cache_answers_without_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    entry = cache_file(tmp_path, KUBECONFIG_TEXT)
    entry.parent.mkdir(parents=True)
    entry.write_text(json.dumps({"text": KUBECONFIG_TEXT, "data": {"current-context": "from-cache"}}))
    assert kubeconfig._parse_yaml("config", KUBECONFIG_TEXT) == {"current-context": "from-cache"}


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(
            {"text": "apiVersion: v1\ncurrent-context: other\n", "data": {"current-context": "other"}},
            id="another text",
        ),
        pytest.param({"data": {"current-context": "other"}}, id="no text"),
        pytest.param(["not", "an", "entry"], id="not an entry"),
    ],
)
def test_kubeconfig_cache_entry_for_another_text_is_not_used(tmp_path, monkeypatch, stored):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    entry = cache_file(tmp_path, KUBECONFIG_TEXT)
    entry.parent.mkdir(parents=True)
    entry.write_text(json.dumps(stored))
    assert kubeconfig._parse_yaml("config", KUBECONFIG_TEXT)["current-context"] == "a"
    assert json.loads(entry.read_text())["text"] == KUBECONFIG_TEXT  # rewritten for this text


def test_argparse_words_stay_english_and_load_no_locale():
    code = """
import contextlib, io, sys
from kubeferry.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["get", "--help"])
text = out.getvalue()
print(code, text.startswith("usage: kubeferry get"), "options:" in text, "show this help message and exit" in text, "locale" in sys.modules)
"""
    assert run_python(code) == "0 True True True False"


CLI_PATHS = [
    pytest.param(
        "kubeferry.cli.main, kubeferry.cli.get, kubeferry.cli.printers, kubeferry.cli.connect, kubeferry.client.https",
        id="get",
    ),
    pytest.param(
        "kubeferry.cli.main, kubeferry.cli.rollout, kubeferry.cli.rollout.history, kubeferry.cli.connect,"
        " kubeferry.client.https, kubeferry.machinery.selectors",
        id="rollout history",
    ),
]


@pytest.mark.parametrize("modules", CLI_PATHS)
def test_cli_paths_leave_heavy_modules_unloaded(modules):
    heavy = ("dataclasses", "typing", "inspect", "ast", "yaml", "hashlib", "threading", "locale", "encodings.idna")
    heavy += ("ssl", "socket", "selectors", "base64", "copy")  # `client/tls.py` drives _ssl and _socket
    heavy += ("kubeferry.cli.yaml_printer", "kubeferry.cli.jsonpath")  # tables need neither
    assert run_python(f"import sys, {modules}; print(sorted(m for m in {heavy!r} if m in sys.modules))") == "[]"
