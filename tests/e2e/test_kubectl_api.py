"""The real kubectl 1.37 against a real kubeferry server process: the API is what kubectl expects.

Each test works in its own namespace.  Expected strings are kubectl's own output for a real
kube-apiserver (kubectl-wire-protocol.md restates them).
"""

from __future__ import annotations

import json
import os
import re
import stat
import textwrap

import pytest

pytestmark = pytest.mark.e2e

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-app
spec:
  replicas: 5
  selector:
    matchLabels:
      app: my-app
  template:
    metadata:
      labels:
        app: my-app
    spec:
      containers:
      - name: app
        image: alpine:3.5
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: my-app-svc
spec:
  selector:
    app: my-app
  ports:
  - port: 80
    targetPort: 80
"""


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def get_json(server, *args: str) -> dict:
    result = server.kubectl("get", *args, "-o", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_version_reports_1_37(server):
    result = server.kubectl("version", "-o", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["serverVersion"]["gitVersion"].startswith("v1.37.")
    assert "Warning" not in result.stderr


def test_apply_creates_then_configures_and_records_last_applied(server, ns, tmp_path):
    path = write(tmp_path, "app.yaml", APP)
    first = server.kubectl("apply", "-n", ns, "-f", path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["deployment.apps/my-app created", "service/my-app-svc created"]
    deploy = get_json(server, "-n", ns, "deployment", "my-app")
    last = json.loads(deploy["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["replicas"] == 5
    assert deploy["metadata"]["generation"] == 1
    assert deploy["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    again = server.kubectl("apply", "-n", ns, "-f", path)
    assert again.stdout.splitlines() == ["deployment.apps/my-app unchanged", "service/my-app-svc unchanged"]
    changed = server.kubectl(
        "apply", "-n", ns, "-f", write(tmp_path, "app2.yaml", APP.replace("replicas: 5", "replicas: 3"))
    )
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.splitlines() == ["deployment.apps/my-app configured", "service/my-app-svc unchanged"]
    deploy = get_json(server, "-n", ns, "deployment", "my-app")
    assert deploy["spec"]["replicas"] == 3
    assert deploy["metadata"]["generation"] == 2


def test_apply_last_applied_subcommands(server, ns, tmp_path):
    path = write(tmp_path, "app.yaml", APP)
    assert server.kubectl("apply", "-n", ns, "-f", path).returncode == 0
    view = server.kubectl("apply", "view-last-applied", "-n", ns, "deployment/my-app", "-o", "json")
    assert view.returncode == 0, view.stderr
    assert json.loads(view.stdout)["spec"]["replicas"] == 5
    edited = write(tmp_path, "edited.yaml", APP.split("---")[0].replace("replicas: 5", "replicas: 7"))
    setlast = server.kubectl("apply", "set-last-applied", "-n", ns, "-f", edited)
    assert setlast.returncode == 0, setlast.stderr
    assert setlast.stdout.strip() == "deployment.apps/my-app configured"
    view = server.kubectl("apply", "view-last-applied", "-n", ns, "deployment/my-app", "-o", "json")
    assert json.loads(view.stdout)["spec"]["replicas"] == 7
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/replicas: 7/replicas: 8/' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    result = server.kubectl(
        "apply", "edit-last-applied", "-n", ns, "deployment/my-app", env={"KUBE_EDITOR": str(editor)}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "deployment.apps/my-app edited"
    assert (
        json.loads(server.kubectl("apply", "view-last-applied", "-n", ns, "deployment/my-app", "-o", "json").stdout)[
            "spec"
        ]["replicas"]
        == 8
    )


def test_get_output_formats(server, ns, tmp_path):
    assert server.kubectl("apply", "-n", ns, "-f", write(tmp_path, "app.yaml", APP)).returncode == 0
    table = server.kubectl("get", "-n", ns, "deployments")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    name, ready = lines[1].split()[:2]
    assert name == "my-app" and re.fullmatch(r"[0-5]/5", ready)
    wide = server.kubectl("get", "-n", ns, "deploy", "-o", "wide")
    assert wide.stdout.splitlines()[0].split() == [
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    assert wide.stdout.splitlines()[1].split()[5:] == ["app", "alpine:3.5", "app=my-app"]
    name = server.kubectl("get", "-n", ns, "deploy,svc", "-o", "name")
    assert name.stdout.splitlines() == ["deployment.apps/my-app", "service/my-app-svc"]
    jp = server.kubectl("get", "-n", ns, "deploy", "my-app", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
    assert jp.stdout == "alpine:3.5"
    yaml_out = server.kubectl("get", "-n", ns, "svc", "my-app-svc", "-o", "yaml")
    assert "clusterIP: 10." in yaml_out.stdout
    everything = server.kubectl("get", "all", "-n", ns)
    assert everything.returncode == 0, everything.stderr
    assert "deployment.apps/my-app" in everything.stdout and "service/my-app-svc" in everything.stdout
    missing = server.kubectl("get", "-n", ns, "deploy", "nope")
    assert missing.returncode == 1
    assert missing.stderr.strip() == 'Error from server (NotFound): deployments.apps "nope" not found'
    labelled = server.kubectl("get", "-n", ns, "svc", "-l", "app=none", "-o", "name")
    assert labelled.stdout == ""


def test_patch_types_and_no_change(server, ns, tmp_path):
    assert server.kubectl("apply", "-n", ns, "-f", write(tmp_path, "app.yaml", APP)).returncode == 0
    strategic = server.kubectl(
        "patch",
        "-n",
        ns,
        "deployment",
        "my-app",
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"DEMO","value":"1"}]}]}}}}',
    )
    assert strategic.stdout.strip() == "deployment.apps/my-app patched", strategic.stderr
    deploy = get_json(server, "-n", ns, "deploy", "my-app")
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "alpine:3.5" and container["env"] == [{"name": "DEMO", "value": "1"}]
    again = server.kubectl(
        "patch",
        "-n",
        ns,
        "deployment",
        "my-app",
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"DEMO","value":"1"}]}]}}}}',
    )
    assert again.stdout.strip() == "deployment.apps/my-app patched (no change)"
    merge = server.kubectl(
        "patch", "-n", ns, "deployment", "my-app", "--type", "merge", "-p", '{"metadata":{"labels":{"tier":"web"}}}'
    )
    assert merge.stdout.strip() == "deployment.apps/my-app patched", merge.stderr
    jsonp = server.kubectl(
        "patch",
        "-n",
        ns,
        "deployment",
        "my-app",
        "--type",
        "json",
        "-p",
        '[{"op":"test","path":"/spec/replicas","value":5},{"op":"replace","path":"/spec/replicas","value":2}]',
    )
    assert jsonp.stdout.strip() == "deployment.apps/my-app patched", jsonp.stderr
    deploy = get_json(server, "-n", ns, "deploy", "my-app")
    assert deploy["metadata"]["labels"] == {"tier": "web"} and deploy["spec"]["replicas"] == 2
    failed = server.kubectl(
        "patch",
        "-n",
        ns,
        "deployment",
        "my-app",
        "--type",
        "json",
        "-p",
        '[{"op":"test","path":"/spec/replicas","value":9}]',
    )
    assert failed.returncode == 1
    # A failed `test` op is a 422 with no field causes; kubectl words it this way.
    assert (
        failed.stderr.strip()
        == "The request is invalid: the server rejected our request due to an error in our request"
    )


def test_set_image_label_annotate_scale(server, ns, tmp_path):
    assert server.kubectl("apply", "-n", ns, "-f", write(tmp_path, "app.yaml", APP)).returncode == 0
    result = server.kubectl("set", "image", "-n", ns, "deployment/my-app", "app=alpine:3.6")
    assert result.stdout.strip() == "deployment.apps/my-app image updated", result.stderr
    nosuch = server.kubectl("set", "image", "-n", ns, "deployment/my-app", "nosuch=alpine:3.6")
    assert nosuch.returncode == 1 and 'unable to find container named "nosuch"' in nosuch.stderr
    assert (
        server.kubectl("label", "-n", ns, "deploy", "my-app", "tier=web").stdout.strip()
        == "deployment.apps/my-app labeled"
    )
    assert (
        server.kubectl("annotate", "-n", ns, "deploy", "my-app", "team=cd").stdout.strip()
        == "deployment.apps/my-app annotated"
    )
    stale = server.kubectl("annotate", "-n", ns, "deploy", "my-app", "team=x", "--overwrite", "--resource-version=1")
    assert stale.returncode == 1
    assert 'Error from server (Conflict): Operation cannot be fulfilled on deployments.apps "my-app"' in stale.stderr
    scaled = server.kubectl("scale", "-n", ns, "deployment/my-app", "--replicas=2")
    assert scaled.stdout.strip() == "deployment.apps/my-app scaled", scaled.stderr
    current = server.kubectl("scale", "-n", ns, "deployment/my-app", "--current-replicas=2", "--replicas=4")
    assert current.stdout.strip() == "deployment.apps/my-app scaled", current.stderr
    deploy = get_json(server, "-n", ns, "deploy", "my-app")
    assert deploy["spec"]["replicas"] == 4
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"] == "alpine:3.6"
    assert deploy["metadata"]["labels"]["tier"] == "web" and deploy["metadata"]["annotations"]["team"] == "cd"
    # spec and annotation changes bump a Deployment's generation (set image, annotate, scale x2).
    assert deploy["metadata"]["generation"] == 5


def test_replace_carries_cluster_ip_and_refuses_a_changed_one(server, ns, tmp_path):
    path = write(tmp_path, "app.yaml", APP)
    assert server.kubectl("create", "-n", ns, "-f", path).returncode == 0
    replaced = server.kubectl("replace", "-n", ns, "-f", path)
    assert replaced.returncode == 0, replaced.stderr
    assert replaced.stdout.splitlines() == ["deployment.apps/my-app replaced", "service/my-app-svc replaced"]
    svc = get_json(server, "-n", ns, "svc", "my-app-svc")
    ip = svc["spec"]["clusterIP"]
    other = "10.96.0.3" if ip != "10.96.0.3" else "10.96.0.4"
    changed = write(
        tmp_path, "changed.yaml", APP.replace("  ports:\n  - port: 80", f"  clusterIP: {other}\n  ports:\n  - port: 80")
    )
    result = server.kubectl("replace", "-n", ns, "-f", changed)
    assert result.returncode == 1
    assert result.stdout.strip() == "deployment.apps/my-app replaced"
    assert f'spec.clusterIPs[0]: Invalid value: ["{other}"]: may not change once set' in result.stderr
    assert get_json(server, "-n", ns, "svc", "my-app-svc")["spec"]["clusterIP"] == ip


def test_edit_with_scripted_editor_and_invalid_reopen(server, ns, tmp_path):
    assert server.kubectl("apply", "-n", ns, "-f", write(tmp_path, "app.yaml", APP)).returncode == 0
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/replicas: 5/replicas: 6/' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    result = server.kubectl("edit", "-n", ns, "deployment/my-app", env={"KUBE_EDITOR": str(editor)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "deployment.apps/my-app edited"
    assert get_json(server, "-n", ns, "deploy", "my-app")["spec"]["replicas"] == 6
    # An invalid edit reopens the editor with the server's causes on top; the script then gives up.
    bad = tmp_path / "bad.sh"
    seen = tmp_path / "seen.txt"
    bad.write_text(
        "#!/bin/sh\n"
        f'if grep -q \'was not valid\' "$1"; then [ -f {seen} ] || cp "$1" {seen}; : > "$1"; exit 0; fi\n'
        "sed -i 's/replicas: 6/replicas: -1/' \"$1\"\n"
    )
    bad.chmod(bad.stat().st_mode | stat.S_IEXEC)
    result = server.kubectl("edit", "-n", ns, "deployment/my-app", env={"KUBE_EDITOR": str(bad)})
    assert result.returncode == 1
    assert "Edit cancelled, no valid changes were saved." in result.stderr
    assert "# * spec.replicas: Invalid value: -1: must be greater than or equal to 0" in seen.read_text()


def test_delete_and_diff(server, ns, tmp_path):
    path = write(tmp_path, "app.yaml", APP)
    assert server.kubectl("apply", "-n", ns, "-f", path).returncode == 0
    same = server.kubectl("diff", "-n", ns, "-f", path)
    assert same.returncode == 0, same.stderr + same.stdout
    changed = server.kubectl("diff", "-n", ns, "-f", write(tmp_path, "c.yaml", APP.replace("alpine:3.5", "alpine:3.6")))
    assert changed.returncode == 1, changed.stderr
    assert "-      - image: alpine:3.5" in changed.stdout and "+      - image: alpine:3.6" in changed.stdout
    dry = server.kubectl("delete", "-n", ns, "deployment", "my-app", "--dry-run=server")
    assert dry.stdout.strip() == f'deployment.apps "my-app" deleted from {ns} namespace (server dry run)', dry.stderr
    assert get_json(server, "-n", ns, "deploy", "my-app")["metadata"]["name"] == "my-app"
    gone = server.kubectl("delete", "-n", ns, "deployment", "my-app")
    assert gone.stdout.strip() == f'deployment.apps "my-app" deleted from {ns} namespace', gone.stderr
    again = server.kubectl("delete", "-n", ns, "deployment", "my-app")
    assert again.returncode == 1
    assert again.stderr.strip() == 'Error from server (NotFound): deployments.apps "my-app" not found'


def test_create_generators_send_protobuf(server, ns):
    created = server.kubectl(
        "create", "deployment", "new-app", "-n", ns, "--image=nginx:1.25", "--replicas=2", "--port=80"
    )
    assert created.stdout.strip() == "deployment.apps/new-app created", created.stderr
    deploy = get_json(server, "-n", ns, "deploy", "new-app")
    assert deploy["spec"]["replicas"] == 2
    assert deploy["spec"]["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    # The protobuf body carries a zeroed status; the server ignores status on create.
    dry = server.kubectl(
        "create", "deployment", "dry-app", "-n", ns, "--image=nginx:1.25", "--dry-run=server", "-o", "json"
    )
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout).get("status", {}) == {}
    assert (
        server.kubectl("create", "configmap", "cfg", "-n", ns, "--from-literal=a=1").stdout.strip()
        == "configmap/cfg created"
    )
    assert (
        server.kubectl("create", "secret", "generic", "s", "-n", ns, "--from-literal=p=q").stdout.strip()
        == "secret/s created"
    )
    assert get_json(server, "-n", ns, "secret", "s")["data"] == {"p": "cQ=="}
    assert (
        server.kubectl("create", "serviceaccount", "cd-agent", "-n", ns).stdout.strip()
        == "serviceaccount/cd-agent created"
    )
    svc = server.kubectl("create", "service", "clusterip", "web", "-n", ns, "--tcp=80:8080")
    assert svc.stdout.strip() == "service/web created", svc.stderr
    dup = server.kubectl("create", "deployment", "new-app", "-n", ns, "--image=nginx:1.25")
    assert dup.returncode == 1
    assert 'deployments.apps "new-app" already exists' in dup.stderr


def test_explain(server):
    result = server.kubectl("explain", "deployment.spec.strategy")
    assert result.returncode == 0, result.stderr
    assert "GROUP:      apps" in result.stdout and "FIELD: strategy <DeploymentStrategy>" in result.stdout
    assert "rollingUpdate" in result.stdout


def test_server_dry_run_and_strict_validation(server, ns, tmp_path):
    path = write(tmp_path, "app.yaml", APP)
    dry = server.kubectl("apply", "-n", ns, "-f", path, "--dry-run=server")
    assert dry.stdout.splitlines() == [
        "deployment.apps/my-app created (server dry run)",
        "service/my-app-svc created (server dry run)",
    ], dry.stderr
    assert server.kubectl("get", "-n", ns, "deploy", "my-app").returncode == 1
    bogus = write(
        tmp_path, "bogus.yaml", APP.split("---")[0].replace("  replicas: 5", "  replicas: 5\n  bogusField: 1")
    )
    strict = server.kubectl("apply", "-n", ns, "-f", bogus)
    assert strict.returncode == 1
    assert 'unknown field "spec.bogusField"' in strict.stderr
    warn = server.kubectl("apply", "-n", ns, "-f", bogus, "--validate=warn")
    assert warn.returncode == 0, warn.stderr
    assert 'Warning: unknown field "spec.bogusField"' in warn.stderr
    assert "bogusField" not in get_json(server, "-n", ns, "deploy", "my-app")["spec"]


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        pytest.param(
            APP.split("---")[0].replace("replicas: 5", "replicas: -1"),
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            id="negative-replicas",
        ),
        pytest.param(
            APP.split("---")[0].replace("      app: my-app\n  template", "      app: other\n  template"),
            "`selector` does not match template `labels`",
            id="selector-mismatch",
        ),
        pytest.param(
            APP.split("---")[0].replace("name: my-app\nspec", "name: My_App\nspec"),
            'metadata.name: Invalid value: "My_App"',
            id="bad-name",
        ),
    ],
)
def test_invalid_objects_are_refused_with_field_paths(server, ns, tmp_path, manifest, message):
    result = server.kubectl("apply", "-n", ns, "-f", write(tmp_path, "bad.yaml", manifest))
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_namespace_and_bad_credentials(server, tmp_path):
    path = write(tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    result = server.kubectl("create", "-n", "no-such-ns", "-f", path)
    assert result.returncode == 1
    assert 'namespaces "no-such-ns" not found' in result.stderr
    result = server.kubectl(
        "get", "pods", "--token", "wrong", "--request-timeout=5s", env={"KUBECTL_DISCOVERY_RETRIES": "0"}
    )
    assert result.returncode == 1
    assert "You must be logged in to the server" in result.stderr or "Unauthorized" in result.stderr


def test_kubernetes_python_client_crud_watch_and_relist(server, ns):
    from kubernetes import client, config, watch

    api_client = config.new_client_from_config(config_file=str(server.kubeconfig))
    core = client.CoreV1Api(api_client)
    cm = core.create_namespaced_config_map(ns, {"metadata": {"name": "w"}, "data": {"n": "0"}})
    rv = cm.metadata.resource_version
    for i in range(1, 4):
        core.patch_namespaced_config_map("w", ns, {"data": {"n": str(i)}})
    events = []
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=2):
        events.append((event["type"], event["object"].data["n"]))
        if len(events) == 3:
            w.stop()
    assert events == [("MODIFIED", "1"), ("MODIFIED", "2"), ("MODIFIED", "3")]
    with pytest.raises(client.ApiException) as info:
        core.create_namespaced_config_map(ns, {"metadata": {"name": "w"}})
    assert info.value.status == 409
    core.delete_namespaced_config_map("w", ns)
    assert [c.metadata.name for c in core.list_namespaced_config_map(ns).items] == []
    os.environ.pop("KUBECONFIG", None)


def test_unknown_fields_are_never_stored(server, ns, tmp_path):
    """kube-apiserver decodes into Go types, so an unknown field is dropped whatever fieldValidation says."""
    manifest = """\
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: {name}
      colour: red
    colour: red
    data:
      a: b
    """
    for name, flag in (("ignored", "--validate=false"), ("warned", "--validate=warn")):
        path = write(tmp_path, f"{name}.yaml", manifest.format(name=name))
        result = server.kubectl("create", "-n", ns, "-f", path, flag)
        assert result.returncode == 0, result.stderr
        stored = get_json(server, "-n", ns, "configmap", name)
        assert "colour" not in stored and "colour" not in stored["metadata"]
        assert stored["data"] == {"a": "b"}
    assert 'unknown field "colour"' in result.stderr  # the warn run says so; the ignore run did not
    for patch_type, patch in (("merge", '{"colour": "red", "data": {"c": "d"}}'), ("strategic", '{"colour": "blue"}')):
        result = server.kubectl("patch", "-n", ns, "configmap", "ignored", "--type", patch_type, "-p", patch)
        assert result.returncode == 0, result.stderr
        assert 'unknown field "colour"' in result.stderr
        assert "colour" not in get_json(server, "-n", ns, "configmap", "ignored")
    assert get_json(server, "-n", ns, "configmap", "ignored")["data"] == {"a": "b", "c": "d"}
