"""kubeferry's update commands against the real kubectl: same lines, same exit codes, same objects.

Each parity case runs one command line twice against the same server, on twin objects in twin
namespaces: once with `kubeferry`, once with the pinned kubectl.  Stdout, stderr (with the binary
name normalised) and the exit code must be equal, and so must the resulting objects once the
fields a server assigns per object (uid, resourceVersion, timestamps, managedFields) are removed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-app
  labels: {tier: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: my-app}}
  template:
    metadata: {labels: {app: my-app}}
    spec:
      containers:
      - name: app
        image: alpine:3.5
        env: [{name: A, value: "1"}]
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: my-svc}
spec:
  selector: {app: my-app}
  ports: [{port: 80}]
"""

APP_CHANGED = (
    APP.replace("replicas: 2", "replicas: 3")
    .replace("alpine:3.5", "alpine:3.6")
    .replace("labels: {tier: web}", "labels: {}")
    .replace('env: [{name: A, value: "1"}]', 'env: [{name: B, value: "2"}]')
)

VOLATILE_META = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "namespace")


def kubeferry(server, *args: str, input: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kubeferry.cli.main", *args],
        input=input,
        capture_output=True,
        text=True,
        env=server.env(env),
        timeout=60,
    )


@pytest.fixture
def twins(server, ns):
    """Two namespaces: (kubeferry's, kubectl's)."""
    other = ns + "-k"
    assert server.kubectl("create", "namespace", other).returncode == 0
    return ns, other


def normalise(text: str, ns_pair: tuple[str, str]) -> str:
    return text.replace("kubectl", "kubeferry").replace(ns_pair[1], ns_pair[0])


def clean(obj: dict) -> dict:
    meta = obj.get("metadata") or {}
    for key in VOLATILE_META:
        meta.pop(key, None)
    annotations = meta.get("annotations") or {}
    for key, value in list(annotations.items()):
        annotations[key] = value.replace("kubectl", "kubeferry")
    obj.pop("status", None)
    for key in ("clusterIP", "clusterIPs"):  # allocated per object
        (obj.get("spec") or {}).pop(key, None)
    return obj


def state(server, namespace: str, *kinds: str) -> list[dict]:
    out = []
    for kind in kinds:
        result = server.kubectl("get", kind, "-n", namespace, "-o", "json")
        assert result.returncode == 0, result.stderr
        items = json.loads(result.stdout)["items"]
        out.extend(clean(item) for item in items)
    text = json.dumps(out, sort_keys=True)
    # kubectl records the test harness's own --cache-dir flag in change causes; it is not part of the command
    text = re.sub(r" --cache-dir=[^ \\\"]+", "", text)
    return json.loads(text.replace(namespace, "NS"))


def both(server, twins, tmp_path, argv: list[str], setup: list[list[str]] = (), files: dict | None = None, env=None):
    """Run setup then argv with each tool in its namespace; return (kubeferry result, kubectl result)."""
    results = []
    for tool, namespace in ((kubeferry, twins[0]), (None, twins[1])):
        here = tmp_path / namespace
        here.mkdir()
        for name, text in (files or {}).items():
            (here / name).write_text(text)

        def run(args, tool=tool, here=here, namespace=namespace):
            args = [a.replace("{dir}", str(here)) for a in args]
            full = [*args, "-n", namespace]
            if tool is None:
                return server.kubectl(*full, env=env)
            return kubeferry(server, *full, env=env)

        for step in setup:
            done = server.kubectl(*[a.replace("{dir}", str(here)) for a in step], "-n", namespace)
            assert done.returncode == 0, done.stderr
        results.append(run(argv))
    return results


def assert_same(server, twins, ours, theirs, kinds=("deployments", "services")):
    assert (ours.returncode, normalise(ours.stdout, twins).replace(twins[0], "NS")) == (
        theirs.returncode,
        normalise(theirs.stdout, twins).replace(twins[0], "NS"),
    ), (ours.stderr, theirs.stderr)
    assert _err(ours.stderr, twins) == _err(theirs.stderr, twins)
    assert state(server, twins[0], *kinds) == state(server, twins[1], *kinds)


def _err(text: str, twins) -> list[str]:
    lines = normalise(text, twins).replace(twins[0], "NS").splitlines()
    return [line for line in lines if "kubeferry-edit-" not in line]


CREATE = [["apply", "-f", "{dir}/app.yaml"]]

CASES = [
    pytest.param([], ["apply", "-f", "{dir}/app.yaml"], id="apply-creates"),
    pytest.param(CREATE, ["apply", "-f", "{dir}/app.yaml"], id="apply-unchanged"),
    pytest.param(CREATE, ["apply", "-f", "{dir}/changed.yaml"], id="apply-configured-with-deletions"),
    pytest.param(CREATE, ["apply", "-f", "{dir}/changed.yaml", "--dry-run=server"], id="apply-server-dry-run"),
    pytest.param(CREATE, ["apply", "-f", "{dir}/changed.yaml", "--dry-run=client"], id="apply-client-dry-run"),
    pytest.param(CREATE, ["apply", "-f", "{dir}/changed.yaml", "--record"], id="apply-record"),
    pytest.param(
        [["create", "-f", "{dir}/app.yaml"]], ["apply", "-f", "{dir}/app.yaml"], id="apply-missing-annotation"
    ),
    pytest.param([], ["create", "-f", "{dir}/app.yaml"], id="create"),
    pytest.param(CREATE, ["create", "-f", "{dir}/app.yaml"], id="create-already-exists"),
    pytest.param([], ["create", "-f", "{dir}/app.yaml", "--save-config"], id="create-save-config"),
    pytest.param(CREATE, ["replace", "-f", "{dir}/changed.yaml"], id="replace"),
    pytest.param([], ["replace", "-f", "{dir}/app.yaml"], id="replace-missing"),
    pytest.param(CREATE, ["patch", "deployment", "my-app", "-p", '{"spec":{"replicas":4}}'], id="patch-strategic"),
    pytest.param(CREATE, ["patch", "deployment", "my-app", "-p", '{"spec":{"replicas":2}}'], id="patch-no-change"),
    pytest.param(
        CREATE,
        ["patch", "deploy/my-app", "--type", "json", "-p", '[{"op":"replace","path":"/spec/replicas","value":1}]'],
        id="patch-json",
    ),
    pytest.param(
        CREATE,
        ["patch", "deployment", "my-app", "--type", "merge", "-p", '{"metadata":{"labels":{"x":"y"}}}'],
        id="patch-merge",
    ),
    pytest.param(CREATE, ["patch", "deployment", "my-app", "--type", "apply", "-p", "{}"], id="patch-bad-type"),
    pytest.param(CREATE, ["set", "image", "deployment/my-app", "app=alpine:3.6", "--record"], id="set-image-record"),
    pytest.param(CREATE, ["set", "image", "deployment/my-app", "nosuch=alpine:3.6"], id="set-image-unknown-container"),
    pytest.param(CREATE, ["set", "env", "deployment/my-app", "B=2", "A-"], id="set-env"),
    pytest.param(
        CREATE, ["set", "resources", "deployment/my-app", "--limits=cpu=200m,memory=512Mi"], id="set-resources"
    ),
    pytest.param(CREATE, ["label", "deployment", "my-app", "team=cd"], id="label"),
    pytest.param(CREATE, ["label", "deployment", "my-app", "tier=db"], id="label-no-overwrite"),
    pytest.param(CREATE, ["label", "deployment", "my-app", "tier=db", "--overwrite"], id="label-overwrite"),
    pytest.param(CREATE, ["label", "deployment", "my-app", "tier-"], id="label-remove"),
    pytest.param(CREATE, ["annotate", "deployment", "my-app", "team=cd"], id="annotate"),
    pytest.param(
        CREATE, ["annotate", "deployment", "my-app", "x=y", "--resource-version=1"], id="annotate-stale-version"
    ),
    pytest.param(CREATE, ["scale", "deployment", "my-app", "--replicas=5"], id="scale"),
    pytest.param(
        CREATE, ["scale", "deployment", "my-app", "--replicas=5", "--current-replicas=2"], id="scale-current-ok"
    ),
    pytest.param(
        CREATE, ["scale", "deployment", "my-app", "--replicas=5", "--current-replicas=3"], id="scale-current-mismatch"
    ),
    pytest.param(CREATE, ["delete", "deployment", "my-app"], id="delete"),
    pytest.param(CREATE, ["delete", "-f", "{dir}/app.yaml", "--cascade=orphan"], id="delete-file-orphan"),
    pytest.param([], ["delete", "deployment", "my-app"], id="delete-missing"),
    pytest.param([], ["delete", "deployment", "my-app", "--ignore-not-found"], id="delete-ignore-not-found"),
    pytest.param(CREATE, ["delete", "deployment", "-l", "tier=web", "--dry-run=server"], id="delete-selector-dry-run"),
    pytest.param(CREATE, ["apply", "view-last-applied", "deployment", "my-app"], id="view-last-applied"),
    pytest.param(CREATE, ["apply", "set-last-applied", "-f", "{dir}/changed.yaml"], id="set-last-applied"),
    pytest.param(
        [["create", "-f", "{dir}/app.yaml"]],
        ["apply", "set-last-applied", "-f", "{dir}/app.yaml"],
        id="set-last-applied-missing",
    ),
]


@pytest.mark.parametrize(("setup", "argv"), CASES)
def test_parity(server, twins, tmp_path, setup, argv):
    ours, theirs = both(server, twins, tmp_path, argv, setup, {"app.yaml": APP, "changed.yaml": APP_CHANGED})
    assert_same(server, twins, ours, theirs)


def test_last_applied_bytes_equal_kubectl(server, twins, tmp_path):
    ours, theirs = both(server, twins, tmp_path, ["apply", "-f", "{dir}/app.yaml"], files={"app.yaml": APP})
    assert ours.returncode == theirs.returncode == 0
    key = "kubectl.kubernetes.io/last-applied-configuration"
    values = []
    for namespace in twins:
        got = json.loads(server.kubectl("get", "deploy", "my-app", "-n", namespace, "-o", "json").stdout)
        values.append(got["metadata"]["annotations"][key].replace(namespace, "NS"))
    assert values[0] == values[1]
    assert values[0].endswith("}\n")


def test_diff_matches_kubectl(server, twins, tmp_path):
    files = {"app.yaml": APP, "changed.yaml": APP_CHANGED}
    ours, theirs = both(server, twins, tmp_path, ["diff", "-f", "{dir}/changed.yaml"], CREATE, files)
    assert ours.returncode == theirs.returncode == 1

    def body(text):
        lines = [line for line in text.splitlines() if not line.startswith(("diff ", "--- ", "+++ "))]
        volatile = ("creationTimestamp", "resourceVersion", "uid:")
        lines = [line for line in lines if not any(word in line for word in volatile)]
        return [line.replace(twins[1], "NS").replace(twins[0], "NS") for line in lines]

    assert body(ours.stdout) == body(theirs.stdout)
    assert "-        image: alpine:3.5" in ours.stdout.splitlines()
    assert "+        image: alpine:3.6" in ours.stdout.splitlines()


def test_diff_no_changes_exits_zero(server, ns, tmp_path):
    (tmp_path / "app.yaml").write_text(APP)
    assert kubeferry(server, "apply", "-f", str(tmp_path / "app.yaml"), "-n", ns).returncode == 0
    result = kubeferry(server, "diff", "-f", str(tmp_path / "app.yaml"), "-n", ns)
    assert (result.returncode, result.stdout) == (0, "")


def test_diff_external_program(server, ns, tmp_path):
    (tmp_path / "app.yaml").write_text(APP)
    result = kubeferry(
        server, "diff", "-f", str(tmp_path / "app.yaml"), "-n", ns, env={"KUBECTL_EXTERNAL_DIFF": "echo"}
    )
    assert result.returncode == 0
    live, merged = result.stdout.split()
    assert os.path.basename(live).startswith("LIVE-")
    assert os.path.basename(merged).startswith("MERGED-")
    assert not os.path.exists(live)  # removed after the diff program ran


EDIT_REPLICAS = "#!/bin/sh\nsed -i 's/^  replicas: 2$/  replicas: {n}/' \"$1\"\n"


def test_edit_patches(server, twins, tmp_path):
    script = tmp_path / "editor.sh"
    script.write_text(EDIT_REPLICAS.format(n=7))
    script.chmod(0o755)
    ours, theirs = both(
        server,
        twins,
        tmp_path,
        ["edit", "deployment", "my-app"],
        CREATE,
        {"app.yaml": APP},
        env={"KUBE_EDITOR": str(script)},
    )
    assert ours.stdout == "deployment.apps/my-app edited\n"
    assert_same(server, twins, ours, theirs)


def test_edit_without_change_is_cancelled(server, twins, tmp_path):
    ours, theirs = both(
        server,
        twins,
        tmp_path,
        ["edit", "deployment", "my-app"],
        CREATE,
        {"app.yaml": APP},
        env={"KUBE_EDITOR": "true"},
    )
    assert ours.stderr == "Edit cancelled, no changes made.\n"
    assert_same(server, twins, ours, theirs)


def test_edit_invalid_reopens_with_causes(server, ns, tmp_path):
    (tmp_path / "app.yaml").write_text(APP)
    assert kubeferry(server, "apply", "-f", str(tmp_path / "app.yaml"), "-n", ns).returncode == 0
    log = tmp_path / "seen"
    script = tmp_path / "editor.sh"
    # first run: make replicas invalid; second run (the reopen): record the header and save unchanged
    script.write_text(
        "#!/bin/sh\n"
        f'if [ -f {log}.1 ]; then cp "$1" {log}; exit 0; fi\n'
        f"touch {log}.1\n"
        "sed -i 's/^  replicas: 2$/  replicas: -1/' \"$1\"\n"
    )
    script.chmod(0o755)
    result = kubeferry(server, "edit", "deployment", "my-app", "-n", ns, env={"KUBE_EDITOR": str(script)})
    assert result.returncode == 1
    lines = result.stderr.splitlines()  # as kubectl: the failure, where the file was kept, the cancellation
    assert lines[0] == 'error: deployments.apps "my-app" is invalid'
    assert lines[1].startswith('A copy of your changes has been stored to "')
    assert lines[2:] == ["error: Edit cancelled, no valid changes were saved."]
    header = log.read_text().splitlines()
    assert header[4] == '# deployments.apps "my-app" was not valid:'
    assert header[5] == "# * spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    assert header[6] == "#"


def test_record_renders_command_line(server, ns, tmp_path):
    (tmp_path / "app.yaml").write_text(APP)
    assert kubeferry(server, "apply", "-f", str(tmp_path / "app.yaml"), "-n", ns).returncode == 0
    result = kubeferry(server, "set", "image", "deployment/my-app", "app=alpine:3.6", "--record", "-n", ns)
    assert result.stdout == "deployment.apps/my-app image updated\n"
    got = json.loads(server.kubectl("get", "deploy", "my-app", "-n", ns, "-o", "json").stdout)
    cause = got["metadata"]["annotations"]["kubernetes.io/change-cause"]
    assert cause == f"kubeferry set image deployment/my-app app=alpine:3.6 --record=true --namespace={ns}"


def test_multi_document_error_continues(server, ns, tmp_path):
    bad = APP + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n"
    (tmp_path / "app.yaml").write_text(bad)
    result = kubeferry(server, "create", "-f", str(tmp_path / "app.yaml"), "-n", ns)
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["deployment.apps/my-app created", "service/my-svc created"]
    assert result.stderr.startswith('The ConfigMap "Bad_Name" is invalid') or result.stderr.startswith(
        f'Error from server (Invalid): error when creating "{tmp_path / "app.yaml"}": '
    )


BAD_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  replicas: -5
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: other}}
    spec: {containers: [{name: c, image: nginx}]}
"""
TWO_BAD = """apiVersion: v1
kind: ConfigMap
metadata: {name: Bad_Name}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: Also_Bad}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: fine}
"""

# A command's only error, when Invalid, is `The Deployment "bad" is invalid: …` (several causes on `* `
# lines); several errors are each `Error from server (Invalid): error when creating …` (kubectl's checkErr).
INVALID_CASES = [
    pytest.param([], ["apply", "-f", "{dir}/bad.yaml"], id="apply-invalid-two-causes"),
    pytest.param([], ["create", "-f", "{dir}/bad.yaml"], id="create-invalid"),
    pytest.param([], ["create", "-f", "{dir}/two.yaml"], id="create-two-invalid-one-fine"),
    pytest.param(CREATE, ["patch", "deployment", "my-app", "-p", '{"spec":{"replicas":-1}}'], id="patch-invalid"),
    pytest.param(CREATE, ["patch", "deployment", "my-app", "-p", '{"spec":{"replicas":"x"}}'], id="patch-mistyped"),
    pytest.param(CREATE, ["scale", "deployment", "my-app", "--replicas=-1"], id="scale-negative"),
]


@pytest.mark.parametrize(("setup", "argv"), INVALID_CASES)
def test_invalid_errors_print_as_kubectl_prints_them(server, twins, tmp_path, setup, argv):
    files = {"app.yaml": APP, "bad.yaml": BAD_DEPLOYMENT, "two.yaml": TWO_BAD}
    ours, theirs = both(server, twins, tmp_path, argv, setup, files)
    assert ours.returncode == theirs.returncode == 1
    assert_same(server, twins, ours, theirs, kinds=("deployments", "configmaps"))
