"""`kubeferry create <generator>` against kubectl 1.37's generators on the same server.

Three tables:

* client dry runs with `-o yaml` / `-o json`: the printed object must equal kubectl's byte for
  byte (namespace names normalised), which pins every field, its order in JSON and the
  `--save-config` annotation;
* bad input: kubectl's `error:` line(s) and exit code;
* real creates (and server dry runs): the result line, the exit code, and the object the server
  then holds, compared field by field once per-object server fields are dropped.

Each tool works in its own namespace; file arguments point at identical files in per-tool dirs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from kubeferry.cluster import certs

pytestmark = pytest.mark.e2e

FILES = {
    "f.txt": "hello\n",
    "env.txt": "# settings\na=1\n\nb=two\n",
    "dir/x.conf": "x=1\n",
    "dir/y.conf": "y\n",
    "odd.txt": "<a & b>\u2028\u00e9\n",  # characters Go's JSON escapes (or not) in the --append-hash input
}
VOLATILE_META = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "namespace")


def kubeferry(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kubeferry.cli.main", *args],
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=60,
    )


@pytest.fixture
def twins(server, ns, tmp_path):
    """(namespace, dir) for kubeferry, then for kubectl; each dir holds FILES and a TLS pair."""
    other = ns + "-k"
    assert server.kubectl("create", "namespace", other).returncode == 0
    out = []
    for namespace in (ns, other):
        here = tmp_path / namespace
        for name, text in FILES.items():
            (here / name).parent.mkdir(parents=True, exist_ok=True)
            (here / name).write_text(text)
        shutil.copy(server.data_dir / certs.SERVER_CERT, here / "tls.crt")
        shutil.copy(server.data_dir / certs.SERVER_KEY, here / "tls.key")
        out.append((namespace, here))
    return out


def run_both(server, twins, argv: list[str]):
    results = []
    for (namespace, here), tool in zip(twins, ("kubeferry", "kubectl"), strict=True):
        args = [a.replace("{dir}", str(here)).replace("{ns}", namespace) for a in argv]
        cut = args.index("--") if "--" in args else len(args)  # flags go before the container command
        args[cut:cut] = ["-n", namespace]
        results.append(kubeferry(server, *args) if tool == "kubeferry" else server.kubectl(*args))
    return results


def normalise(text: str, twins) -> str:
    (ours, our_dir), (theirs, their_dir) = twins
    text = text.replace(str(their_dir), "DIR").replace(str(our_dir), "DIR").replace(theirs, "NS").replace(ours, "NS")
    return text.replace("kubectl", "kubeferry")


def assert_same_output(ours, theirs, twins) -> None:
    assert (ours.returncode, normalise(ours.stdout, twins), normalise(ours.stderr, twins)) == (
        theirs.returncode,
        normalise(theirs.stdout, twins),
        normalise(theirs.stderr, twins),
    )


DEPLOY = ["create", "deployment", "web", "--image=nginx:1.27"]
SECRET = ["create", "secret"]
SERVICE = ["create", "service"]

DRY_RUN_OBJECTS = [
    pytest.param(DEPLOY, id="deployment"),
    pytest.param([*DEPLOY, "--replicas=3", "--port=8080", "--", "sleep", "10"], id="deployment-replicas-port-command"),
    pytest.param([*DEPLOY, "--image=busybox,redis:7", "-r", "2"], id="deployment-three-images"),
    pytest.param([*DEPLOY, "--save-config"], id="deployment-save-config"),
    pytest.param([*SERVICE, "clusterip", "web", "--tcp=80:8080", "--tcp=443"], id="service-clusterip"),
    pytest.param([*SERVICE, "clusterip", "web", "--clusterip=None"], id="service-headless"),
    pytest.param([*SERVICE, "clusterip", "web", "--tcp=80:http"], id="service-named-target-port"),
    pytest.param([*SERVICE, "nodeport", "web", "--tcp=80:8080", "--node-port=30080"], id="service-nodeport"),
    pytest.param([*SERVICE, "loadbalancer", "web", "--tcp=5678:8080"], id="service-loadbalancer"),
    pytest.param([*SERVICE, "externalname", "web", "--external-name=example.com", "--tcp=80"], id="externalname"),
    pytest.param([*SERVICE, "clusterip", "web", "--tcp=80", "--save-config"], id="service-save-config-ignored"),
    pytest.param(
        ["create", "configmap", "cm", "--from-literal=b=2", "--from-literal=a=1", "--from-file={dir}/f.txt"],
        id="configmap-literals-and-file",
    ),
    pytest.param(["create", "configmap", "cm", "--from-file=k={dir}/f.txt"], id="configmap-file-with-key"),
    pytest.param(["create", "configmap", "cm", "--from-file={dir}/dir"], id="configmap-directory"),
    pytest.param(["create", "configmap", "cm", "--from-env-file={dir}/env.txt"], id="configmap-env-file"),
    pytest.param(["create", "cm", "cm", "--from-literal=a=1", "--save-config"], id="configmap-alias-save-config"),
    pytest.param([*SECRET, "generic", "s", "--from-literal=a=1", "--from-file={dir}/f.txt"], id="secret-generic"),
    pytest.param([*SECRET, "generic", "s", "--from-env-file={dir}/env.txt", "--type=Opaque"], id="secret-env-type"),
    pytest.param(
        [*SECRET, "docker-registry", "reg", "--docker-username=u", "--docker-password=p&q"],
        id="secret-docker-registry-default-server",
    ),
    pytest.param(
        [*SECRET, "docker-registry", "reg", "--docker-server=r.io", "--docker-username=u", "--docker-password=p"]
        + ["--docker-email=e@x.io", "--save-config"],
        id="secret-docker-registry-save-config",
    ),
    pytest.param([*SECRET, "tls", "t", "--cert={dir}/tls.crt", "--key={dir}/tls.key"], id="secret-tls"),
    pytest.param(["create", "namespace", "{ns}-child", "--save-config"], id="namespace"),
    pytest.param(["create", "serviceaccount", "robot"], id="serviceaccount"),
    pytest.param(["create", "sa", "robot", "--save-config"], id="serviceaccount-alias-save-config"),
    pytest.param(["create", "job", "once", "--image=busybox", "--", "echo", "hi"], id="job-command"),
    pytest.param(["create", "job", "once", "--image=busybox", "--save-config"], id="job-save-config"),
    pytest.param(["create", "configmap", "cm", "--from-literal=a=b", "--append-hash"], id="configmap-append-hash"),
    pytest.param(["create", "configmap", "cm", "--append-hash", "--save-config"], id="configmap-empty-append-hash"),
    pytest.param(["create", "cm", "cm", "--from-file={dir}/odd.txt", "--append-hash"], id="configmap-escapes-hash"),
    pytest.param([*SECRET, "generic", "s", "--from-file={dir}/odd.txt", "--append-hash"], id="secret-append-hash"),
    pytest.param([*SECRET, "generic", "s", "--type=x", "--append-hash=true"], id="secret-typed-append-hash"),
    pytest.param(
        [*SECRET, "docker-registry", "reg", "--docker-username=u", "--docker-password=p", "--append-hash"],
        id="secret-docker-registry-append-hash",
    ),
    pytest.param(
        [*SECRET, "tls", "t", "--cert={dir}/tls.crt", "--key={dir}/tls.key", "--append-hash"], id="secret-tls-hash"
    ),
    pytest.param(["create", "configmap", "cm", "--from-literal=a=b", "--append-hash=false"], id="append-hash-false"),
]


@pytest.mark.parametrize("output", ["yaml", "json"])
@pytest.mark.parametrize("argv", DRY_RUN_OBJECTS)
def test_client_dry_run_prints_kubectls_object(server, twins, argv, output):
    ours, theirs = run_both(server, twins, [*argv, "--dry-run=client", "-o", output])
    assert theirs.returncode == 0, theirs.stderr  # the case itself is valid input
    assert_same_output(ours, theirs, twins)


BAD_INPUT = [
    pytest.param(["create", "deployment", "web"], id="deployment-missing-image"),
    pytest.param(["create", "deployment", "--image=x"], id="deployment-missing-name"),
    pytest.param(["create", "deployment", "a", "b", "--image=x"], id="deployment-two-names"),
    pytest.param([*DEPLOY, "--replicas=x"], id="deployment-bad-replicas"),
    pytest.param([*DEPLOY, "--record"], id="deployment-has-no-record-flag"),
    pytest.param([*DEPLOY, "--dry-run=bogus"], id="bad-dry-run"),
    pytest.param([*DEPLOY, "-o", "wide"], id="bad-output"),
    pytest.param([*SERVICE, "clusterip", "web"], id="service-no-ports"),
    pytest.param([*SERVICE, "clusterip", "web", "--tcp=abc"], id="service-bad-port"),
    pytest.param([*SERVICE, "clusterip", "web", "--tcp=80:99999"], id="service-target-out-of-range"),
    pytest.param([*SERVICE, "nodeport", "web", "--clusterip=None"], id="service-nodeport-no-clusterip-flag"),
    pytest.param([*SERVICE, "externalname", "web", "--external-name=Bad_Name"], id="externalname-invalid"),
    pytest.param([*SERVICE, "externalname", "web"], id="externalname-missing"),
    pytest.param(["create", "configmap", "cm", "--from-literal=a"], id="configmap-bad-literal"),
    pytest.param(["create", "configmap", "cm", "--from-literal=a b=1"], id="configmap-bad-key"),
    pytest.param(["create", "configmap", "cm", "--from-literal=a=1", "--from-literal=a=2"], id="configmap-dup-key"),
    pytest.param(["create", "configmap", "cm", "--from-file={dir}/nosuch"], id="configmap-missing-file"),
    pytest.param(
        ["create", "configmap", "cm", "--from-env-file={dir}/env.txt", "--from-literal=x=1"], id="configmap-env-mix"
    ),
    pytest.param([*SECRET, "generic"], id="secret-missing-name"),
    pytest.param([*SECRET, "docker-registry", "reg"], id="docker-registry-no-credentials"),
    pytest.param([*SECRET, "tls", "t", "--cert={dir}/tls.crt"], id="tls-missing-key"),
    pytest.param([*SECRET, "tls", "t", "--cert={dir}/tls.crt", "--key={dir}/tls.crt"], id="tls-cert-as-key"),
    pytest.param(["create", "job", "once"], id="job-missing-image"),
    pytest.param(["create", "job", "once", "--from=cronjob/nightly"], id="job-from-unserved-cronjob"),
    pytest.param(["create", "job", "once", "--from=cronjob/n", "--image=x"], id="job-from-and-image"),
    pytest.param(["create", "job", "once", "--from=cronjob/n", "--", "echo"], id="job-from-and-command"),
    pytest.param(["create", "job", "once", "--from=a/b/c"], id="job-from-two-slashes"),
    pytest.param(["create", "job", "once", "--from=/n"], id="job-from-no-type"),
    pytest.param(["create", "job", "once", "--from=deployment"], id="job-from-no-name"),
    pytest.param(["create", "job", "once", "--from=deployment/nope"], id="job-from-missing-object"),
    pytest.param(["create", "job", "once", "--from=sa/default"], id="job-from-not-a-cronjob"),
    pytest.param(["create", "nosuch", "x"], id="unknown-generator"),
]


@pytest.mark.parametrize("argv", BAD_INPUT)
def test_bad_input_gets_kubectls_error(server, twins, argv):
    dry_run = [] if any(a.startswith("--dry-run") for a in argv) else ["--dry-run=client"]
    ours, theirs = run_both(server, twins, [*argv, *dry_run])
    assert theirs.returncode != 0
    assert_same_output(ours, theirs, twins)


CREATES = [
    pytest.param([], DEPLOY, "deployments", id="deployment"),
    pytest.param([], [*DEPLOY, "--save-config", "--port=80"], "deployments", id="deployment-save-config"),
    pytest.param([DEPLOY], DEPLOY, "deployments", id="deployment-already-exists"),
    pytest.param([], [*DEPLOY, "--dry-run=server"], "deployments", id="deployment-server-dry-run"),
    pytest.param([], ["create", "deployment", "Bad", "--image=x"], "deployments", id="deployment-invalid-name"),
    pytest.param([], [*DEPLOY, "-o", "name"], "deployments", id="deployment-output-name"),
    pytest.param([], [*SERVICE, "clusterip", "web", "--tcp=80:8080"], "services", id="service"),
    pytest.param(
        [[*SERVICE, "clusterip", "web", "--tcp=80"]],
        [*SERVICE, "nodeport", "web", "--tcp=80"],
        "services",
        id="service-already-exists",
    ),
    pytest.param([], [*SERVICE, "clusterip", "web", "--clusterip=None"], "services", id="service-headless"),
    pytest.param([], ["create", "configmap", "cm", "--from-env-file={dir}/env.txt"], "configmaps", id="configmap"),
    pytest.param(
        [["create", "configmap", "cm", "--from-literal=a=1"]],
        ["create", "configmap", "cm", "--from-literal=a=1"],
        "configmaps",
        id="configmap-already-exists",
    ),
    pytest.param([], [*SECRET, "generic", "s", "--from-file={dir}/f.txt"], "secrets", id="secret-generic"),
    pytest.param(
        [[*SECRET, "generic", "s", "--from-literal=a=1"]],
        [*SECRET, "generic", "s", "--from-literal=a=1"],
        "secrets",
        id="secret-already-exists",
    ),
    pytest.param([], [*SECRET, "tls", "t", "--cert={dir}/tls.crt", "--key={dir}/tls.key"], "secrets", id="tls"),
    pytest.param([], ["create", "serviceaccount", "robot"], "serviceaccounts", id="serviceaccount"),
    pytest.param([], ["create", "job", "once", "--image=busybox", "--", "true"], "jobs", id="job"),
]


def server_state(server, namespace: str, kind: str) -> list[dict]:
    result = server.kubectl("get", kind, "-n", namespace, "-o", "json")
    assert result.returncode == 0, result.stderr
    out = []
    for item in json.loads(result.stdout)["items"]:
        meta = item.get("metadata") or {}
        if kind == "serviceaccounts" and meta.get("name") == "default":
            continue
        for key in VOLATILE_META:
            meta.pop(key, None)
        item.pop("status", None)
        spec = item.get("spec") or {}
        for key in ("clusterIP", "clusterIPs"):  # allocated per object
            spec.pop(key, None) if spec.get(key) not in ("None", ["None"]) else None
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        for key in ("controller-uid", "batch.kubernetes.io/controller-uid"):  # jobs: per object
            template_labels.pop(key, None)
            (meta.get("labels") or {}).pop(key, None)
        (spec.get("selector") or {}).get("matchLabels", {}).pop("batch.kubernetes.io/controller-uid", None)
        out.append(item)
    return json.loads(json.dumps(out, sort_keys=True).replace(namespace, "NS"))


@pytest.mark.parametrize(("setup", "argv", "kind"), CREATES)
def test_create_result_and_object_match_kubectl(server, twins, setup, argv, kind):
    for step in setup:
        for namespace, here in twins:
            done = server.kubectl(*[a.replace("{dir}", str(here)) for a in step], "-n", namespace)
            assert done.returncode == 0, done.stderr
    ours, theirs = run_both(server, twins, argv)
    assert_same_output(ours, theirs, twins)
    assert server_state(server, twins[0][0], kind) == server_state(server, twins[1][0], kind)


def test_create_namespace_and_its_already_exists_error(server, twins):
    ours, theirs = run_both(server, twins, ["create", "namespace", "{ns}-made"])
    assert_same_output(ours, theirs, twins)
    assert ours.stdout == f"namespace/{twins[0][0]}-made created\n"
    ours, theirs = run_both(server, twins, ["create", "namespace", "{ns}"])
    assert_same_output(ours, theirs, twins)
    assert ours.returncode == 1
