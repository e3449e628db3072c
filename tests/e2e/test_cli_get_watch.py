"""End-to-end: `kubeferry get -w -o yaml|json|name` streams what kubectl 1.37 streams from the same server.

kubectl and kubeferry watch the same objects at the same time with a short `--request-timeout`
(both end quietly with exit 0 when it passes).  Once both have printed the objects they listed,
one change is made; both must then print the same documents (YAML ones separated by `---`, JSON
ones one after another, names one a line; `--output-watch-events` wraps each as a watch event).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time

import pytest

WATCH_SECONDS = 6  # the --request-timeout that ends every watch here
POLL = 0.05


def _start(argv: list[str], env: dict):
    out = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - read while the process runs, closed with it
    err = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
    return subprocess.Popen(argv, stdout=out, stderr=err, text=True, env=env), out, err


def _read(handle) -> str:
    handle.seek(0)
    return handle.read()


def _finish(proc, out, err) -> tuple[str, str, int]:
    try:
        code = proc.wait(timeout=WATCH_SECONDS + 30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    result = _read(out), _read(err), code
    out.close()
    err.close()
    return result


def _wait_for(started, predicate, what: str) -> None:
    deadline = time.monotonic() + WATCH_SECONDS - 1
    while time.monotonic() < deadline:
        if all(predicate(_read(out)) for _, out, _ in started):
            return
        time.sleep(POLL)
    pytest.fail(f"the watches never printed {what}: " + repr([_read(out) for _, out, _ in started]))


def _both(server, args: list[str]):
    """kubectl and kubeferry started with the same `get` arguments."""
    env = server.env()
    timeout = f"--request-timeout={WATCH_SECONDS}s"
    theirs = _start(server.kubectl_argv("get", *args, timeout), env)
    ours = _start([sys.executable, "-m", "kubeferry.cli.main", "get", *args, timeout], env)
    return theirs, ours


@pytest.fixture
def two_configmaps(server, ns):
    for name in ("a", "b"):
        assert server.kubectl("-n", ns, "create", "configmap", name, "--from-literal=k=v").returncode == 0
    return ns


CASES = [
    pytest.param(["cm", "-o", "yaml"], 2, id="list-yaml"),
    pytest.param(["cm", "-o", "json"], 2, id="list-json"),
    pytest.param(["cm", "-o", "name"], 2, id="list-name"),
    pytest.param(["cm", "a", "-o", "yaml", "--output-watch-events"], 1, id="named-yaml-events"),
    pytest.param(["cm", "a", "-o", "json", "--output-watch-events"], 1, id="named-json-events"),
    pytest.param(["cm", "a", "-o", 'jsonpath={.metadata.name} {.metadata.labels}{"\\n"}'], 1, id="named-jsonpath"),
]
MARKERS = {"yaml": "name: ", "json": '"name": ', "name": "configmap/", "events": '"name":'}


def _count(text: str, args: list[str]) -> int:
    if "jsonpath" in " ".join(args):
        return text.count("\n")
    if "--output-watch-events" in args:
        return text.count("name: a\n") if "yaml" in args else text.count('"type":')
    fmt = args[args.index("-o") + 1]
    return text.count(MARKERS[fmt])


@pytest.mark.parametrize(("args", "listed"), CASES)
def test_watch_prints_as_kubectl(server, two_configmaps, args, listed):
    ns = two_configmaps
    theirs, ours = _both(server, ["-n", ns, "-w", *args])
    started = [theirs, ours]
    _wait_for(started, lambda text: _count(text, args) >= listed, "the listed objects")
    assert server.kubectl("-n", ns, "label", "configmap", "a", "changed=yes").returncode == 0
    expected = _finish(*theirs)
    got = _finish(*ours)
    assert got == expected
    assert expected[2] == 0
    assert _count(expected[0], args) == listed + 1  # the listed objects, then the one change


def test_yaml_documents_are_separated(server, two_configmaps):
    """Pins the form as well as parity: three documents, `---` between them, the change last."""
    ns = two_configmaps
    theirs, ours = _both(server, ["-n", ns, "-w", "cm", "-o", "yaml"])
    _wait_for([theirs, ours], lambda text: text.count("name: ") >= 2, "the listed objects")
    assert server.kubectl("-n", ns, "label", "configmap", "b", "changed=yes").returncode == 0
    _finish(*theirs)
    out, err, code = _finish(*ours)
    documents = out.split("---\n")
    assert (len(documents), err, code) == (3, "", 0)
    assert "  name: a\n" in documents[0] and "changed" not in documents[0]
    assert '    changed: "yes"\n' in documents[2] and "  name: b\n" in documents[2]


def test_watch_only_prints_only_changes(server, two_configmaps):
    """`--watch-only`: nothing before the first event.  Neither command says when its watch has
    started, so changes are made until both have printed one; each must print only changed objects,
    and the last document both print is the same."""
    ns = two_configmaps
    theirs, ours = _both(server, ["-n", ns, "-w", "--watch-only", "cm", "-o", "json"])
    deadline = time.monotonic() + WATCH_SECONDS - 1
    step = 0
    while time.monotonic() < deadline and not all(_read(out) for _, out, _ in (theirs, ours)):
        step += 1
        assert server.kubectl("-n", ns, "label", "configmap", "a", f"step={step}", "--overwrite").returncode == 0
        time.sleep(0.3)
    step += 1
    assert server.kubectl("-n", ns, "label", "configmap", "a", f"step={step}", "--overwrite").returncode == 0
    expected = _finish(*theirs)
    got = _finish(*ours)
    assert (got[1], got[2]) == (expected[1], expected[2]) == ("", 0)
    for text in (expected[0], got[0]):
        assert text.count('"name": "a"') == text.count('"step": ') >= 1
        assert '"name": "b"' not in text
        assert text.rstrip().endswith("}") and f'"step": "{step}"' in text.rsplit('"apiVersion"', 1)[1]


def test_watch_ends_quietly_at_request_timeout(server, two_configmaps):
    ns = two_configmaps
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "kubeferry.cli.main", "get", "-n", ns, "cm", "a", "-w", "-o", "name",
         "--request-timeout=1s"],
        capture_output=True, text=True, env=server.env(), timeout=30,
    )  # fmt: skip
    assert (result.stdout, result.stderr, result.returncode) == ("configmap/a\n", "", 0)
    assert time.monotonic() - start < 20


def test_watch_missing_object_is_an_error(server, ns):
    args = ["-n", ns, "cm", "nope", "-w", "-o", "yaml", "--request-timeout=2s"]
    expected = server.kubectl("get", *args)
    got = subprocess.run(
        [sys.executable, "-m", "kubeferry.cli.main", "get", *args],
        capture_output=True, text=True, env=server.env(), timeout=30,
    )  # fmt: skip
    assert (got.stdout, got.stderr, got.returncode) == (expected.stdout, expected.stderr, expected.returncode)
