"""End-to-end: `kubeferry get|describe|logs` print what kubectl 1.37 prints against the same server.

Each case runs the real kubectl and kubeferry with the same arguments and compares stdout, stderr
and the exit code; ages (which tick between the two runs) are masked.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

AGE = re.compile(r"\b\d+(?:[smhdy]\d*)+\b *")  # an age and its padding (widths follow the age)


def kubeferry(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kubeferry.cli.main", *args],
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=60,
    )


def _mask(text: str) -> str:
    return AGE.sub("AGE ", text)


@pytest.fixture(scope="module")
def app(server, tmp_path_factory):
    """A namespace with a 2-replica deployment, its service and a configmap with awkward values."""
    name = f"read-{time.monotonic_ns() % 100000}"
    assert server.kubectl("create", "namespace", name).returncode == 0
    assert (
        server.kubectl("-n", name, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=2").returncode == 0
    )
    assert server.kubectl("-n", name, "expose", "deployment", "web", "--port=80").returncode == 0
    long_value = "x" * 150 + " y z"
    assert server.kubectl(
        "-n", name, "create", "configmap", "odd", f"--from-literal=a={long_value}", "--from-literal=b=*",
        "--from-literal=c=", "--from-literal=d=l1\nl2", "--from-literal=e=a: b", "--from-literal=f=1.5",
        "--from-literal=g=<&>é", "--from-literal=h=2024-01-02",
    ).returncode == 0  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out = server.kubectl("-n", name, "get", "deploy", "web", "-o", "jsonpath={.status.availableReplicas}").stdout
        if out == "2":
            break
        time.sleep(0.2)
    assert out == "2"
    return name


GET_CASES = [
    pytest.param(["get", "deployments"], id="get-deployments-table"),
    pytest.param(["get", "deploy", "-o", "wide"], id="get-wide"),
    pytest.param(["get", "deploy,svc"], id="get-two-types-with-kind"),
    pytest.param(["get", "all"], id="get-all"),
    pytest.param(["get", "pods", "--show-labels", "--no-headers"], id="get-show-labels-no-headers"),
    pytest.param(["get", "pods", "-L", "app"], id="get-label-column"),
    pytest.param(["get", "deploy", "web", "nope"], id="get-one-found-one-missing"),
    pytest.param(["get", "deploy/web", "svc/web"], id="get-type-slash-name"),
    pytest.param(["get", "deploy", "svc/web"], id="get-mixed-forms-error"),
    pytest.param(["get", "nope"], id="get-unknown-type"),
    pytest.param(["get", "pods", "-l", "app=none"], id="get-no-resources-namespaced"),
    pytest.param(["get", "pods", "--field-selector", "metadata.name=none"], id="get-field-selector-empty"),
    pytest.param(["get", "deploy", "web", "-o", "yaml"], id="yaml-single"),
    pytest.param(["get", "configmap", "odd", "-o", "yaml"], id="yaml-quoting-and-folding"),
    pytest.param(["get", "configmap", "odd", "-o", "json"], id="json-html-escaping"),
    pytest.param(["get", "deploy", "-o", "json"], id="json-list"),
    pytest.param(["get", "pods", "-l", "app=none", "-o", "yaml"], id="yaml-empty-list"),
    pytest.param(["get", "deploy,svc", "-o", "name"], id="name"),
    pytest.param(["get", "deploy", "web", "nope", "-o", "json"], id="json-list-with-missing"),
    pytest.param(["get", "deploy", "nope", "-o", "json"], id="json-single-missing"),
    pytest.param(["get", "deploy", "web", "nope", "--ignore-not-found"], id="table-ignore-not-found"),
    pytest.param(["get", "deploy", "nope", "-o", "yaml", "--ignore-not-found"], id="yaml-single-ignore-not-found"),
    pytest.param(["get", "deploy", "nope", "svc", "web", "-o", "name"], id="names-across-types-with-missing"),
    pytest.param(["get", "deploy", "-o", "jsonpath={.items[*].metadata.name}"], id="jsonpath-items"),
    pytest.param(
        ["get", "deploy", "-o", 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.replicas}{"\\n"}{end}'],
        id="jsonpath-range",
    ),
    pytest.param(
        ["get", "deploy", "-o", "jsonpath={range .items[*]}{.metadata.name}{'\\n'}{end}"],
        id="jsonpath-single-quoted-text",
    ),
    pytest.param(
        ["get", "deploy", "-o", 'jsonpath={.items[*].status.conditions[?(@.type=="Available")].status}'],
        id="jsonpath-filter",
    ),
    pytest.param(["get", "pods", "-o", "jsonpath={..image}"], id="jsonpath-recursive"),
    pytest.param(["get", "deploy", "web", "-o", "jsonpath={.metadata.labels}"], id="jsonpath-map-as-json"),
    pytest.param(["get", "deploy", "-o", "jsonpath={.items[0}"], id="jsonpath-unterminated-array"),
    pytest.param(["get", "deploy", "-o", "jsonpath={.items[*].metadata.name"], id="jsonpath-unclosed-action"),
    pytest.param(["get", "deploy", "-o", "jsonpath={end}"], id="jsonpath-end-without-range"),
    pytest.param(
        ["get", "deploy", "web", "-o", "custom-columns=N:.metadata.name,R:.spec.replicas,X:.nope"], id="custom-columns"
    ),
    pytest.param(["get", "deploy", "-o", "custom-columns=A"], id="custom-columns-bad-spec"),
    pytest.param(["get", "deploy", "-o", "foo"], id="unknown-output-format"),
    pytest.param(["get", "endpoints", "web"], id="get-deprecated-endpoints-warns"),
    pytest.param(["get", "endpoints", "nope"], id="get-deprecated-endpoints-missing"),
    pytest.param(["describe", "deployment", "web"], id="describe-deployment"),
    pytest.param(["describe", "replicasets"], id="describe-replicasets"),
    pytest.param(["describe", "service", "web"], id="describe-service"),
    pytest.param(["describe", "deployment", "nope"], id="describe-missing"),
    pytest.param(["logs", "deploy/web"], id="logs-deployment-picks-pod"),
    pytest.param(["logs", "deploy/web", "--timestamps", "--tail", "1"], id="logs-timestamps-tail"),
    pytest.param(["logs", "deploy/web", "-c", "nope"], id="logs-bad-container"),
    pytest.param(["logs", "nope"], id="logs-missing-pod"),
    pytest.param(["logs", "deploy/web", "--previous"], id="logs-previous-missing"),
]


@pytest.mark.parametrize("argv", GET_CASES)
def test_matches_kubectl(server, app, argv):
    ours = kubeferry(server, argv[0], "-n", app, *argv[1:])
    theirs = server.kubectl("-n", app, *argv)
    assert ours.returncode == theirs.returncode, (ours.stderr, theirs.stderr)
    assert _mask(ours.stdout) == _mask(theirs.stdout)
    assert _mask(ours.stderr) == _mask(theirs.stderr).replace("kubectl get -h", "kubeferry get -h")


def test_describe_pod_matches_kubectl(server, app):
    pod = server.kubectl("-n", app, "get", "pods", "-o", "jsonpath={.items[0].metadata.name}").stdout
    ours = kubeferry(server, "describe", "-n", app, "pod", pod)
    theirs = server.kubectl("-n", app, "describe", "pod", pod)
    assert (ours.returncode, _mask(ours.stdout)) == (theirs.returncode, _mask(theirs.stdout))


def test_get_all_namespaces_has_namespace_column(server, app):
    ours = kubeferry(server, "get", "deploy", "-A", "--field-selector", f"metadata.namespace={app}")
    theirs = server.kubectl("get", "deploy", "-A", "--field-selector", f"metadata.namespace={app}")
    assert _mask(ours.stdout) == _mask(theirs.stdout)
    assert ours.stdout.split()[:3] == ["NAMESPACE", "NAME", "READY"]
    assert ours.stdout.splitlines()[1].startswith(f"{app}   web   ")


def test_get_cluster_scoped_empty_says_no_resources(server):
    ours = kubeferry(server, "get", "pv")
    assert (ours.returncode, ours.stdout, ours.stderr) == (0, "", "No resources found\n")


def test_watch_prints_table_then_rows(server, app):
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubeferry.cli.main", "get", "-n", app, "deploy", "web", "-w", "--output-watch-events"],
        stdout=subprocess.PIPE,
        text=True,
        env=server.env(),
    )
    try:
        header = proc.stdout.readline()
        first = proc.stdout.readline()
        assert server.kubectl("-n", app, "label", "deploy", "web", "watched=yes").returncode == 0
        event = proc.stdout.readline()
    finally:
        proc.kill()
        proc.wait()
    assert header.split() == ["EVENT", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert first.split()[:2] == ["ADDED", "web"]
    assert event.split()[:2] == ["MODIFIED", "web"]
    assert event.startswith("MODIFIED   web    ")


def test_endpoints_requests_carry_the_deprecation_warning(server, app):
    # Upstream deprecated v1 Endpoints in 1.33: every request about them warns (EndpointSlices do not).
    warning = "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"
    listed = server.kubectl("-n", app, "get", "endpoints")
    assert listed.returncode == 0 and listed.stderr.strip() == warning
    missing = server.kubectl("-n", app, "get", "endpoints", "nope")
    assert missing.returncode == 1 and missing.stderr.splitlines()[0] == warning
    slices = server.kubectl("-n", app, "get", "endpointslices")
    assert slices.returncode == 0 and slices.stderr == ""


def test_the_scale_subresource_prints_desired_and_available(server, app):
    # Upstream's Scale printer: NAME, DESIRED (spec.replicas), AVAILABLE (status.replicas), AGE.
    got = server.kubectl("-n", app, "get", "deploy", "web", "--subresource=scale")
    assert got.returncode == 0, got.stderr
    header, row = got.stdout.splitlines()
    assert header.split() == ["NAME", "DESIRED", "AVAILABLE", "AGE"]
    assert row.split()[:3] == ["web", "2", "2"]
    as_json = server.kubectl("-n", app, "get", "deploy", "web", "--subresource=scale", "-o", "json")
    assert '"kind": "Scale"' in as_json.stdout
