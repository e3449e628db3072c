"""`kubeferry edit` of several objects at once against the real kubectl: one `v1 List` document.

A scripted editor (a Python file set as KUBE_EDITOR) records every file it is shown and rewrites it
by a plan: one `{deployment name: replicas}` map per opening of the editor, `{}` meaning "save as
shown".  Both tools run the same command on twin deployments in twin namespaces; their stdout,
stderr, exit code, the resulting deployments and the shape of every document they opened (header
comments, `kind`, item names) must be equal.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from test_cli_write import assert_same, both, clean
from test_cli_write import twins as twins  # the fixture

pytestmark = pytest.mark.e2e

TWO = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: a, labels: {app: x}}
spec:
  replicas: 2
  selector: {matchLabels: {pod: a}}
  template:
    metadata: {labels: {pod: a}}
    spec: {containers: [{name: c, image: alpine:3.5}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b, labels: {app: x}}
spec:
  replicas: 2
  selector: {matchLabels: {pod: b}}
  template:
    metadata: {labels: {pod: b}}
    spec: {containers: [{name: c, image: alpine:3.5}]}
"""

EDITOR = """\
import json, os, sys
import yaml

plan = json.loads(os.environ["EDIT_PLAN"])
path = sys.argv[1]
text = open(path).read()
body = "".join(line for line in text.splitlines(True) if not line.startswith("#"))
doc = yaml.safe_load(body)
items = doc["items"] if doc.get("kind") == "List" else [doc]
log = os.path.join(os.environ["EDIT_LOG"], items[0]["metadata"]["namespace"])  # one log per tool's namespace
os.makedirs(log, exist_ok=True)
turn = len(os.listdir(log))
open(os.path.join(log, str(turn)), "w").write(text)
changes = plan[turn] if turn < len(plan) else {}
if changes:
    for item in items:
        if item["metadata"]["name"] in changes:
            item["spec"]["replicas"] = changes[item["metadata"]["name"]]
    with open(path, "w") as f:
        if body.lstrip().startswith("{"):
            json.dump(doc, f, indent=4)
        else:
            yaml.safe_dump(doc, f)
"""

SETUP = [["apply", "-f", "{dir}/app.yaml"]]


def shape(text: str, namespace: str) -> dict:
    """The parts of an opened document both tools must agree on."""
    header = [line for line in text.splitlines() if line.startswith("#")]
    doc = yaml.safe_load("".join(line for line in text.splitlines(True) if not line.startswith("#")))
    items = doc["items"] if doc.get("kind") == "List" else [doc]
    out = {
        "header": [line.replace(namespace, "NS") for line in header],
        "kind": doc.get("kind"),
        "apiVersion": doc.get("apiVersion"),
        "json": text.lstrip("#").lstrip().startswith("{") or any(line.startswith("{") for line in text.splitlines()),
        "items": [(i["kind"], i["metadata"]["name"], i["spec"]["replicas"]) for i in items],
    }
    if doc.get("kind") == "List":
        out["list_keys"] = sorted(doc)
        out["list_metadata"] = doc.get("metadata")
    return out


def printed(stdout: str, namespace: str) -> list[dict]:
    """The JSON objects printed one after another, without what the server assigns per object."""
    decoder, out, at = json.JSONDecoder(), [], 0
    text = stdout.replace(namespace, "NS").replace("kubectl", "kubeferry")
    while at < len(text.rstrip()):
        obj, at = decoder.raw_decode(text, at)
        at += 1  # the newline after each object
        (obj["metadata"].get("annotations") or {}).pop("deployment.kubernetes.io/revision", None)  # set by a controller
        out.append(clean(obj))
    return out


def run_both(server, twins, tmp_path, argv: list[str], plan: list[dict]):
    """(kubeferry result, kubectl result, [shapes of the documents each tool opened])."""
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    log = tmp_path / "seen"
    env = {"KUBE_EDITOR": f"{sys.executable} {script}", "EDIT_PLAN": json.dumps(plan), "EDIT_LOG": str(log)}
    ours, theirs = both(server, twins, tmp_path, argv, SETUP, {"app.yaml": TWO}, env=env)
    seen = []
    for namespace in twins:
        files = sorted((log / namespace).iterdir(), key=lambda p: int(p.name)) if (log / namespace).exists() else []
        seen.append([shape(f.read_text(), namespace) for f in files])
    return ours, theirs, seen


CASES = [
    pytest.param(
        ["edit", "deploy/a", "deploy/b"],
        [{"a": 5}],
        "deployment.apps/a edited\ndeployment.apps/b skipped\n",
        0,
        [[("Deployment", "a", 2), ("Deployment", "b", 2)]],
        id="two-names-one-changed",
    ),
    pytest.param(
        ["edit", "deployment", "a", "b"],
        [{"a": 3, "b": 4}],
        "deployment.apps/a edited\ndeployment.apps/b edited\n",
        0,
        [[("Deployment", "a", 2), ("Deployment", "b", 2)]],
        id="type-and-two-names-both-changed",
    ),
    pytest.param(
        ["edit", "deploy", "-o", "json"],
        [{"b": 6}],
        None,  # with an explicit -o, each result is printed as the object itself: compared with kubectl only
        0,
        [[("Deployment", "a", 2), ("Deployment", "b", 2)]],
        id="type-only-json",
    ),
    pytest.param(
        ["edit", "deployments"],
        [{}],
        "",
        0,
        [[("Deployment", "a", 2), ("Deployment", "b", 2)]],
        id="type-only-unchanged-is-cancelled",
    ),
    pytest.param(
        ["edit", "deploy/a", "deploy/b"],
        [{"a": -1, "b": 3}, {}],
        "deployment.apps/b edited\n",
        1,
        [[("Deployment", "a", 2), ("Deployment", "b", 2)], [("Deployment", "a", -1), ("Deployment", "b", 3)]],
        id="one-invalid-reopens-whole-document-then-cancelled",
    ),
    pytest.param(
        ["edit", "deploy/a"],
        [{"a": -1}, {}],
        "",
        1,
        [[("Deployment", "a", 2)], [("Deployment", "a", -1)]],
        id="single-invalid-reopens-then-cancelled",
    ),
    pytest.param(
        ["edit", "deploy/a", "deploy/b"],
        [{"a": -1, "b": -2}, {"a": 1, "b": 4}],
        "deployment.apps/a edited\ndeployment.apps/b edited\n",
        0,
        [[("Deployment", "a", 2), ("Deployment", "b", 2)], [("Deployment", "a", -1), ("Deployment", "b", -2)]],
        id="both-invalid-reopen-as-list-then-fixed",
    ),
]


@pytest.mark.parametrize(("argv", "plan", "stdout", "code", "opened"), CASES)
def test_edit_many_matches_kubectl(server, twins, tmp_path, argv, plan, stdout, code, opened):
    ours, theirs, seen = run_both(server, twins, tmp_path, argv, plan)
    assert ours.returncode == code, ours.stderr
    if stdout is None:
        assert printed(ours.stdout, twins[0]) == printed(theirs.stdout, twins[1])
        assert [obj["metadata"]["name"] for obj in printed(ours.stdout, twins[0])] == ["a", "b"]
        ours, theirs = (subprocess.CompletedProcess(r.args, r.returncode, "", r.stderr) for r in (ours, theirs))
    else:
        assert ours.stdout == stdout
    assert_same(server, twins, ours, theirs, kinds=("deployments",))
    assert [[s["items"] for s in tool] for tool in seen] == [opened, opened]
    assert seen[0] == seen[1]
